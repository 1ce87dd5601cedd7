"""Graphs and CPython's cyclic garbage collector.

A graph holds no reference cycles, so reference counting frees it whole; and the scalar
ops of the built-in table pause automatic collection while they run, restoring the
previous state afterwards, so a loop of such ops starts no collection (see
autograd/value.py's docstring). Lanes and user-defined ops run unpaused.
"""

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

import autograd.value
from autograd import Value, apply, define_op, dot, grad, no_grad, vsum
from autograd.rules import Rule, unregister
from autograd.value import _unary


@contextmanager
def collections_started() -> Iterator[list[int]]:
    """The generations of the automatic collections that start inside the block."""
    started: list[int] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(callback)
    try:
        yield started
    finally:
        gc.callbacks.remove(callback)


@contextmanager
def gc_state(enabled: bool) -> Iterator[None]:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()


def live_values() -> int:
    return sum(type(o) is Value for o in gc.get_objects())


def chain(n: int) -> Value:
    w, x, y = Value(0.999), Value(0.01), Value(0.5)
    for _ in range(n):
        y = (y * w + x).tanh()
    return y


OPS: dict[str, Callable[[Value], object]] = {
    "binary": lambda v: v * v,
    "number on the right": lambda v: v - 2.0,
    "number on the left": lambda v: 2.0 / v,
    "unary": lambda v: v.tanh(),
    "pow": lambda v: v**3,
    "rpow": lambda v: 2.0**v,
    "leaky_relu": lambda v: v.leaky_relu(0.1),
    "vsum (unpaused)": lambda v: vsum([v, v, 1.0]),
    "dot (unpaused)": lambda v: dot([v, v], [1.0, 2.0], 0.5),
    "apply (unpaused)": lambda v: apply("mul", v, 3.0),
    "lanes (unpaused)": lambda v: v * Value(np.array([1.0, 2.0])) + 1.0,
    "under no_grad": lambda v: no_grad_mul(v),
}


def no_grad_mul(v: Value) -> Value:
    with no_grad():
        return v * v


@pytest.mark.parametrize("op", OPS, ids=list(OPS))
@pytest.mark.parametrize("enabled", [True, False], ids=["gc enabled", "gc disabled"])
def test_ops_restore_the_gc_state(op: str, enabled: bool) -> None:
    with gc_state(enabled):
        OPS[op](Value(1.5))
        assert gc.isenabled() is enabled
    assert autograd.value._op_pause is False


FAILING: dict[str, Callable[[], object]] = {
    "log(-1)": lambda: Value(-1.0).log(),
    "1 / 0": lambda: Value(1.0) / 0.0,
    "0 ** -1": lambda: Value(0.0) ** -1.0,
    "lanes": lambda: Value(np.array([1.0, -1.0])).sqrt(),
    "overflow": lambda: Value(1e200) * Value(1e200),
    "nan constant": lambda: Value(1.0) + float("nan"),
}


@pytest.mark.parametrize("op", FAILING, ids=list(FAILING))
@pytest.mark.parametrize("enabled", [True, False], ids=["gc enabled", "gc disabled"])
def test_failing_ops_restore_the_gc_state(op: str, enabled: bool) -> None:
    with gc_state(enabled):
        with pytest.raises(ValueError, match=r"undefined|overflows|finite"):  # DomainError is a ValueError
            FAILING[op]()
        assert gc.isenabled() is enabled
    assert autograd.value._op_pause is False


def probe_rule(forward: Callable[[float], float], lanes: Callable[[object], object] | None = None) -> Rule:
    """A rule that is never registered: handed straight to the scalar path of the built-in ops."""
    return Rule("probe", 1, forward, lambda out, x: (1.0,), lanes=lanes)


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, RuntimeError])
def test_any_exception_inside_a_paused_op_restores_the_gc(error: type[BaseException]) -> None:
    paused: list[bool] = []

    def forward(x: float) -> float:
        paused.append(not gc.isenabled())
        raise error("stop")

    with pytest.raises(error):
        _unary(probe_rule(forward), Value(1.0))
    assert paused == [True]
    assert gc.isenabled()
    assert autograd.value._op_pause is False


def test_lanes_and_user_ops_run_unpaused() -> None:
    """Numpy work (which may release the GIL) and user code never run with the GC paused."""
    seen: list[bool] = []

    def lanes(x: object) -> object:
        seen.append(gc.isenabled())
        return x

    _unary(probe_rule(lambda x: x, lanes), Value(np.array([1.0, 2.0])))

    def forward(x: float) -> float:
        seen.append(gc.isenabled())
        return x

    user_op = define_op("gc_probe_user_op", forward, lambda out, x: (1.0,))
    try:
        user_op(Value(1.0))
    finally:
        unregister("gc_probe_user_op")
    assert seen == [True, True]


STEPS: dict[str, Callable[[Value, Value, Value], Value]] = {
    "Values only": lambda y, w, x: (y * w + x).tanh(),
    "numbers on both sides": lambda y, w, x: 0.5 * (y - 0.25) / 1.5 + 1,
    "unary methods": lambda y, w, x: (-y).abs().sigmoid().exp().log().sqrt().sin().cos().relu() + x,
    "powers": lambda y, w, x: (y**2 + y**0.5 + 1.01**y + y**w).tanh(),
    "leaky_relu": lambda y, w, x: (y * w).leaky_relu(0.1) + x,
}


@pytest.mark.parametrize("step", STEPS, ids=list(STEPS))
def test_building_with_scalar_ops_starts_no_collection(step: str) -> None:
    """A loop of nothing but ops: without the pause, each of these starts dozens of collections."""
    f = STEPS[step]
    w, x, y = Value(0.9), Value(0.1), Value(0.5)
    with collections_started() as started:
        for _ in range(5_000):
            y = f(y, w, x)
    assert started == []
    assert gc.isenabled()
    y.backward()


def test_no_grad_ops_start_no_collection() -> None:
    y, w = Value(0.5), Value(0.9)
    keep = []
    with no_grad(), collections_started() as started:
        for _ in range(5_000):
            keep.append(y * w)  # leaves this time: the list keeps them alive
    assert started == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("during_op", [True, False], ids=["fork during an op", "fork with the user's GC off"])
def test_a_child_forked_during_an_op_gets_the_gc_back(during_op: bool) -> None:
    """Another thread may fork while an op has the GC paused; the child must not inherit the pause."""
    read_end, write_end = os.pipe()

    def fork_and_report() -> None:
        pid = os.fork()
        if pid == 0:  # the child: report and leave at once
            os.write(write_end, b"1" if gc.isenabled() else b"0")
            os._exit(0)
        os.waitpid(pid, 0)

    def forward(x: float) -> float:
        fork_and_report()
        return x

    try:
        if during_op:
            _unary(probe_rule(forward), Value(1.0))
            expected = b"1"
        else:
            with gc_state(False):  # the user's choice: the child keeps it
                fork_and_report()
            expected = b"0"
        assert os.read(read_end, 1) == expected
    finally:
        os.close(read_end)
        os.close(write_end)
    assert gc.isenabled()


def test_the_detector_sees_collections_started_outside_ops() -> None:
    """The same build plus one tracked allocation per step outside the ops: collections start there."""
    w, x, y = Value(0.999), Value(0.01), Value(0.5)
    with collections_started() as started:
        for k in range(20_000):
            y = (y * w + x).tanh()
            pair = (y, k)  # a tuple: a GC-tracked allocation in user code
    assert pair[0] is y
    assert len(started) > 100
    assert 0 in started


def test_cycles_made_between_ops_are_still_collected_automatically() -> None:
    class Cyclic:
        collected = 0

        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            Cyclic.collected += 1

    y = Value(0.5)
    with collections_started():
        for _ in range(5_000):
            y = (y * 0.999).tanh()
            Cyclic()  # unreachable at once; only the cyclic GC can free it
    assert Cyclic.collected >= 4_000  # the rest wait for the next collection, as ever


def test_a_graph_is_freed_by_reference_counting_alone() -> None:
    with gc_state(False):
        before = live_values()
        y = chain(1_000)
        vsum([y, dot([y], [2.0])]).backward()
        g = grad(y * y, [y], create_graph=True)[0]
        assert live_values() > before + 3_000
        del y, g
        assert live_values() == before
