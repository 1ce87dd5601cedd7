"""no_grad / enable_grad: blocks that generators, threads and tasks can't break (reliability finding 4)."""

import asyncio
import gc
import threading
from collections.abc import Iterator

import pytest

from autograd import Value, enable_grad, is_grad_enabled, no_grad


def records() -> bool:
    """Whether an op made right now records a graph (the user's view, not only the flag)."""
    x = Value(2.0)
    y = x * x
    assert is_grad_enabled() is bool(y.parents)
    return bool(y.parents)


def suspended_inside_no_grad() -> Iterator[int]:
    with no_grad():
        yield 1
        yield 2


def test_a_generator_finalised_inside_the_callers_block_leaves_no_thread_in_no_grad() -> None:
    gen = suspended_inside_no_grad()
    next(gen)  # suspended inside its block: the caller records nothing meanwhile, as in PyTorch
    assert not records()
    with no_grad():
        gen.close()  # finalised inside the caller's own block: that block still holds
        assert not records()
    assert records()  # and afterwards recording is back on, for good
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0


def test_an_abandoned_generator_restores_recording_when_it_is_freed() -> None:
    gen = suspended_inside_no_grad()
    next(gen)
    with no_grad():
        del gen  # finalised by reference counting, inside the caller's block
        gc.collect()
        assert not records()
    assert records()


def test_a_generator_closed_by_another_thread_raises_nothing_and_restores_its_thread() -> None:
    gen = suspended_inside_no_grad()
    next(gen)
    errors: list[BaseException] = []

    def close() -> None:
        try:
            gen.close()
            assert records()  # the closing thread was never in no_grad
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    closer = threading.Thread(target=close)
    closer.start()
    closer.join(timeout=60)
    assert errors == []
    assert records()  # the thread that ran the generator records again


def test_a_generator_left_running_to_its_end_restores_recording() -> None:
    assert list(suspended_inside_no_grad()) == [1, 2]
    assert records()


def test_the_decorator_enters_around_each_step_of_a_generator() -> None:
    seen: list[bool] = []

    @no_grad()
    def steps() -> Iterator[int]:
        seen.append(records())
        received = yield 1
        seen.append(records())
        yield received

    gen = steps()
    assert next(gen) == 1
    assert records()  # suspended: the caller is not in no_grad
    assert gen.send(5) == 5
    assert records()
    gen.close()
    assert seen == [False, False]
    assert steps.__name__ == "steps"


def test_the_decorator_hands_thrown_exceptions_and_return_values_on() -> None:
    @no_grad
    def steps() -> Iterator[int]:
        try:
            yield 1
        except KeyError:
            yield -1
        return

    gen = steps()
    next(gen)
    assert gen.throw(KeyError("x")) == -1
    with pytest.raises(StopIteration):
        next(gen)
    assert records()


def test_the_decorator_on_functions_and_enable_grad_inside_no_grad() -> None:
    @no_grad()
    def square(x: Value) -> Value:
        return x * x

    @enable_grad
    def recorded(x: Value) -> Value:
        return x * x

    x = Value(2.0)
    assert square(x).parents == ()
    with no_grad():
        assert recorded(x).parents == (x, x)
        with enable_grad():
            assert records()
        assert not records()
    assert records()


def test_one_block_object_may_be_entered_again_inside_itself() -> None:
    block = no_grad()
    with block:
        with block:
            assert not records()
        assert not records()
    assert records()


def test_threads_start_recording_whatever_the_main_thread_does() -> None:
    results: list[bool] = []
    with no_grad():
        worker = threading.Thread(target=lambda: results.append(records()))
        worker.start()
        worker.join(timeout=60)
    assert results == [True]


def test_asyncio_tasks_each_keep_their_own_state() -> None:
    async def inside_no_grad(started: asyncio.Event, release: asyncio.Event) -> bool:
        with no_grad():
            started.set()
            await release.wait()  # suspended inside its block while the other task runs
            return records()

    async def recording(started: asyncio.Event, release: asyncio.Event) -> bool:
        await started.wait()
        seen = records()
        release.set()
        return seen

    @no_grad()
    async def decorated() -> bool:
        await asyncio.sleep(0)
        return records()

    async def main() -> tuple[bool, bool, bool, bool]:
        started, release = asyncio.Event(), asyncio.Event()
        a, b = await asyncio.gather(inside_no_grad(started, release), recording(started, release))
        return a, b, await decorated(), records()

    assert asyncio.run(main()) == (False, True, False, True)
    assert records()


def test_async_generator_functions_are_refused_as_decorated() -> None:
    async def agen() -> object:  # pragma: no cover - never run
        yield 1

    with pytest.raises(TypeError, match="async generator"):
        no_grad(agen)


class Interrupt(Exception):  # noqa: N818 - stands for a signal handler's exception
    pass


class InterruptingStack(list):  # type: ignore[type-arg]
    """A block's list of entries whose pop raises, as a signal handler's exception would right there."""

    def pop(self, *args: object) -> object:
        super().pop(*args)
        raise Interrupt


def test_an_interrupt_while_a_block_is_left_still_leaves_it() -> None:
    block = no_grad()
    block._entered = InterruptingStack()
    with pytest.raises(Interrupt), block:
        assert not records()
    assert records()


def test_an_interrupt_as_a_block_is_entered_leaves_no_block_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    import autograd.core.grad_mode as value

    class InterruptingVar:
        def __init__(self, var: object) -> None:
            self.var = var

        def set(self, m: object) -> None:
            self.var.set(m)  # type: ignore[attr-defined]
            raise Interrupt  # the handler runs right after the set returns

    monkeypatch.setattr(value, "_mode", InterruptingVar(value._mode))
    with pytest.raises(Interrupt), no_grad():
        pytest.fail("never entered")  # pragma: no cover
    monkeypatch.undo()
    assert records()
