"""``no_grad`` and ``enable_grad``: every no_grad test is here.

What is recorded inside a block (nothing: every recorder makes a leaf; under no_grad only a
value's domain matters), on lanes too; blocks and decorators that generators, threads,
asyncio tasks and interrupts can't break.
"""

import asyncio
import contextvars
import gc
import math
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from autograd import (
    DomainError,
    Value,
    dot,
    enable_grad,
    is_grad_enabled,
    no_grad,
    vsum,
)


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
    """A block's list of entries whose removal raises, as a signal handler's exception would right there."""

    def pop(self, *args: object) -> object:
        super().pop(*args)
        raise Interrupt

    def __delitem__(self, index: object) -> None:
        super().__delitem__(index)  # type: ignore[arg-type]
        raise Interrupt

    def remove(self, value: object) -> None:
        super().remove(value)
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


def test_one_no_grad_object_entered_by_overlapping_threads_works_per_thread() -> None:
    """A module-level `NG = no_grad()` entered by two threads whose blocks overlap once left thread A in
    no-grad for good (w.grad of w*3 was 0.0) and made thread B record inside its own block."""
    shared = no_grad()
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def thread_a() -> None:
        with shared:
            a_inside.set()
            b_inside.wait(10)
        a_left.set()
        w = Value(2.0)
        y = w * 3
        y.backward()
        results["a"] = (records(), w.grad)

    def thread_b() -> None:
        a_inside.wait(10)
        with shared:
            b_inside.set()
            a_left.wait(10)
            y = Value(2.0) * 3
            results["b_inside"] = (records(), y.parents)
        results["b_after"] = records()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {"a": (True, 3.0), "b_inside": (False, ()), "b_after": True}
    assert records()


def test_one_no_grad_object_entered_by_overlapping_tasks_works_per_task() -> None:
    shared = no_grad()

    async def task(name: str, out: dict[str, object], a_in: asyncio.Event, b_in: asyncio.Event) -> None:
        if name == "b":
            await a_in.wait()
        with shared:  # a enters, then b; a leaves first, b after
            if name == "a":
                a_in.set()
                await b_in.wait()
            else:
                b_in.set()
                for _ in range(3):
                    await asyncio.sleep(0)
            out[f"{name} inside"] = records()
        out[f"{name} after"] = records()
        w = Value(2.0)
        (w * 3).backward()
        out[f"{name} grad"] = w.grad

    async def main() -> dict[str, object]:
        out: dict[str, object] = {}
        a_in, b_in = asyncio.Event(), asyncio.Event()
        await asyncio.gather(task("a", out, a_in, b_in), task("b", out, a_in, b_in))
        return out

    out = asyncio.run(main())
    assert out == {
        "a inside": False,
        "b inside": False,
        "a after": True,
        "b after": True,
        "a grad": 3.0,
        "b grad": 3.0,
    }


def test_one_no_grad_object_nested_in_one_thread_and_entered_in_another() -> None:
    shared = no_grad()
    seen: list[bool] = []
    with shared:
        with shared:
            t = threading.Thread(target=lambda: seen.append(records()))
            t.start()
            t.join()
            other = threading.Thread(target=lambda: shared.__enter__() or seen.append(records()))
            other.start()
            other.join()  # that thread's entry stays open in that (finished) thread only
            assert not records()
        assert not records()
    assert records()
    assert seen == [True, False]


def test_one_no_grad_object_left_out_of_order_in_one_thread_leaves_another_threads_entry_open() -> None:
    """Thread A enters ``shared``, then an ``enable_grad()`` block, and leaves ``shared`` out of order
    (enable_grad still open on top) while thread B is inside ``shared``: A's own entry is the one
    left — found below the top of A's stack — and B still records nothing until it leaves."""
    shared, on_top = no_grad(), enable_grad()
    b_inside, a_left = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def thread_b() -> None:
        with shared:
            b_inside.set()
            a_left.wait(30)
            seen["b inside"] = (records(), (Value(2.0) * 3).parents)
        seen["b after"] = records()

    shared.__enter__()
    on_top.__enter__()
    b = threading.Thread(target=thread_b)
    b.start()
    b_inside.wait(30)  # B's entry is now the latest entry of `shared`
    shared.__exit__(None, None, None)
    a_left.set()
    b.join(30)
    assert seen == {"b inside": (False, ()), "b after": True}
    assert records()  # enable_grad, still open
    on_top.__exit__(None, None, None)
    assert records()  # shared was left: nothing below enable_grad stops recording


# -- recording after a block was left by another thread --------------------------------------------


def _suspended_inside_no_grad() -> Iterator[int]:
    with no_grad():
        yield 1


def _left_out_of_order() -> None:
    """A generator suspended inside ``no_grad`` and closed by another thread: its block, marked
    left, stays on top of this thread's stack until the next op looks below it."""
    gen = _suspended_inside_no_grad()
    next(gen)
    closer = threading.Thread(target=gen.close)
    closer.start()
    closer.join(timeout=60)


def test_every_recorder_records_after_a_block_was_closed_by_another_thread() -> None:
    """Every way of making a node must look below a left block (recording is on there) rather
    than take it for "off"."""
    a, b, c = Value(2.0), Value(3.0), Value(4.0)
    lanes = Value(np.array([1.0, 2.0]))
    made = {
        "one input": lambda: a.exp(),
        "two inputs": lambda: a * b,
        "n inputs": lambda: vsum([a, b, c]),
        "lanes": lambda: lanes * a,
        "lanes, n inputs": lambda: vsum([lanes, a, b]),
    }
    for what, make in made.items():
        _left_out_of_order()
        node = make()
        assert not node.is_leaf, what
        assert len(node.local_grads) == len(node.parents), what


def test_no_grad_makes_a_leaf_on_every_path(user_op: Callable[..., Callable[..., Value]]) -> None:
    norm3 = user_op(
        "norm3_nograd",
        lambda x, y, z: math.sqrt(x * x + y * y + z * z),
        lambda out, x, y, z: (x / out, y / out, z / out),
        arity=3,
    )
    a, b, c = Value(2.0), Value(3.0), Value(6.0)
    with no_grad():
        made = {
            "binary": a * b,
            "unary": a.tanh(),
            "vsum": vsum([a, b, c]),
            "dot": dot([a, b], [c, a]),
            "user n-ary": norm3(a, b, c),
            "user n-ary at its kink": norm3(0.0, 0.0, 0.0),  # value 0 is defined; its derivative is not
            "lanes": Value(np.array([1.0, 2.0])) * a,
            "lanes sqrt at 0": Value(np.array([0.0, 4.0])).sqrt(),
        }
    for what, node in made.items():
        assert (node.op, node.parents, node.local_grads, node.is_leaf) == ("", (), (), True), what
        assert (node.grad, node.label, node.param) == (0.0, "", None), what
    assert made["user n-ary"].data == 7.0
    assert made["user n-ary at its kink"].data == 0.0
    assert list(made["lanes sqrt at 0"].data) == [0.0, 2.0]
    node = made["vsum"]
    node.backward()  # a leaf: its own gradient only
    assert (node.grad, a.grad, b.grad) == (1.0, 0.0, 0.0)


# -- no_grad ---------------------------------------------------------------------------------------


def test_no_grad_records_nothing():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * x).exp()
    assert is_grad_enabled()
    assert y.parents == ()
    assert y.op == ""
    assert y.is_leaf
    assert y.data == pytest.approx(math.exp(4.0))


def test_no_grad_is_per_thread():
    seen: dict[str, bool] = {}
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with no_grad():
            inside.set()
            release.wait(5)
            seen["worker"] = is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main"] = is_grad_enabled()
    y = Value(1.0) * 2.0
    release.set()
    t.join()
    assert seen == {"worker": False, "main": True}
    assert y.parents != ()


# -- no_grad: only the domain matters --------------------------------------------------------------


def test_no_grad_asks_only_for_the_domain() -> None:
    with no_grad():
        assert Value(0.0).sqrt().data == 0.0
        assert (Value(0.0) ** 0.5).data == 0.0
        assert (Value(0.0) ** Value(0.5)).data == 0.0
        assert (0.0 ** Value(0.5)).data == 0.0
        assert (Value(0.0) ** 0.0).data == 1.0
        with pytest.raises(DomainError, match=r"^sqrt\(-1\.0\) is undefined"):
            Value(-1.0).sqrt()
        with pytest.raises(DomainError, match="zero to a negative power is infinite"):
            Value(0.0) ** -1.0
    with pytest.raises(DomainError, match="infinite at 0"):  # recording: the derivative is wanted
        Value(0.0).sqrt()


def test_no_grad_checks_a_user_ops_value_without_asking_for_its_derivatives(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    """Under no_grad a user op's numpy number still becomes a float and an infinite value is still
    refused, on one, two and three inputs; its ``local`` is never called."""

    def never(*args: object) -> tuple[float, ...]:
        raise AssertionError("local called under no_grad")

    half = user_op("np_half", lambda x: np.float64(x) / 2, never)
    blow = user_op("np_blow_up", lambda x: np.float64(np.inf) * x, never)
    pair = user_op("np_pair_sum", lambda x, y: np.float64(x + y), never, arity=2)
    triple = user_op("np_triple_sum", lambda x, y, z: np.float64(x + y + z), never, arity=3)
    with no_grad():
        for node, data in ((half(Value(3.0)), 1.5), (pair(Value(1.0), 2.0), 3.0), (triple(1.0, 2.0, Value(4.0)), 7.0)):
            assert (type(node.data), node.data, node.parents) == (float, data, ())
        with pytest.raises(DomainError, match=r"^np_blow_up\(1\.0\) overflows float64 \(value inf\)$"):
            blow(Value(1.0))


def test_no_grad_values_match_pytorch(torch) -> None:  # type: ignore[no-untyped-def]
    with torch.no_grad(), no_grad():
        zero = torch.tensor(0.0, dtype=torch.float64)
        assert Value(0.0).sqrt().data == torch.sqrt(zero).item()
        assert (Value(0.0) ** 0.5).data == (zero**0.5).item()
        assert (0.0 ** Value(0.5)).data == torch.pow(0.0, torch.tensor(0.5, dtype=torch.float64)).item()


# -- no_grad with lanes ----------------------------------------------------------------------------


def test_no_grad_with_lanes():
    x = Value(np.array([1.0, 2.0]))
    with no_grad():
        y = x.exp()
    assert y.is_leaf
    assert y.lanes == 2
    assert np.allclose(y.data, np.exp([1.0, 2.0]), rtol=1e-15)


def test_a_context_copied_inside_a_block_records_again_once_the_block_is_left() -> None:
    """A task started inside ``no_grad`` sees it while it lasts; after the block ends (left in
    another context) the copy's entry is a left one, and the copy records again, as the root says."""
    block = no_grad()
    block.__enter__()
    copied = contextvars.copy_context()
    assert copied.run(is_grad_enabled) is False
    block.__exit__(None, None, None)
    assert copied.run(is_grad_enabled) is True
    assert copied.run(records) is True
    assert is_grad_enabled() is True
