"""Graphs and CPython's cyclic garbage collector.

A graph holds no reference cycles, so reference counting frees it whole; and each op
pauses automatic collection while it runs, restoring the previous state afterwards,
so building a graph starts no collection (see autograd/value.py's docstring).
"""

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from autograd import DomainError, Value, apply, define_op, dot, grad, no_grad, vsum
from autograd.rules import unregister


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
    "pow (generic path)": lambda v: v**3,
    "vsum": lambda v: vsum([v, v, 1.0]),
    "dot": lambda v: dot([v, v], [1.0, 2.0], 0.5),
    "apply": lambda v: apply("mul", v, 3.0),
    "lanes": lambda v: v * Value(np.array([1.0, 2.0])),
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


FAILING: dict[str, Callable[[], object]] = {
    "log(-1)": lambda: Value(-1.0).log(),
    "1 / 0": lambda: Value(1.0) / 0.0,
    "0 ** -1 (generic path)": lambda: Value(0.0) ** -1.0,
    "lanes": lambda: Value(np.array([1.0, -1.0])).sqrt(),
    "overflow": lambda: Value(1e200) * Value(1e200),
}


@pytest.mark.parametrize("op", FAILING, ids=list(FAILING))
@pytest.mark.parametrize("enabled", [True, False], ids=["gc enabled", "gc disabled"])
def test_failing_ops_restore_the_gc_state(op: str, enabled: bool) -> None:
    with gc_state(enabled):
        with pytest.raises(DomainError):
            FAILING[op]()
        assert gc.isenabled() is enabled


def test_an_exception_from_a_user_op_restores_the_gc_state() -> None:
    def forward(x: float) -> float:
        assert not gc.isenabled()  # inside the op's pause
        raise RuntimeError("user code failed")

    broken = define_op("gc_broken_doc", forward, lambda out, x: (1.0,))
    try:
        with pytest.raises(RuntimeError, match="user code failed"):
            broken(Value(1.0))
        assert gc.isenabled()
    finally:
        unregister("gc_broken_doc")


def test_building_a_chain_starts_no_collection() -> None:
    with collections_started() as started:
        y = chain(20_000)  # 60,000 nodes: 120,000 tracked objects, ~170 collections without the pause
    assert started == []
    assert gc.isenabled()
    y.backward()


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
