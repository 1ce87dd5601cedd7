"""Graphs and CPython's cyclic garbage collector.

A graph holds no reference cycles, so reference counting frees it whole; a node is one
GC-tracked object (its one or two parents live in slots, not in a tuple). chainrule never
changes the interpreter's GC settings: no op pauses collection, in any thread, for any
operand (the reliability review found a per-op pause leaking into forked children and into
other threads; these tests reproduce both situations and show them gone).
"""

import gc
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from types import FrameType
from typing import ClassVar

import numpy as np
import pytest

from autograd import Value, apply, define_op, dot, grad, is_grad_enabled, no_grad, vsum
from autograd.core.rules import unregister


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


class Watched(float):
    """A real number whose conversion to float records whether the GC was enabled (like sympy's __float__)."""

    seen: ClassVar[list[bool]] = []

    def __float__(self) -> float:
        Watched.seen.append(gc.isenabled())
        return float.__float__(self)


OPS: dict[str, Callable[[Value], object]] = {
    "binary": lambda v: v * v,
    "number on the right": lambda v: v - 2.0,
    "number on the left": lambda v: 2.0 / v,
    "unary": lambda v: v.tanh(),
    "pow": lambda v: v**3,
    "rpow": lambda v: 2.0**v,
    "leaky_relu": lambda v: v.leaky_relu(0.1),
    "vsum": lambda v: vsum([v, v, 1.0]),
    "dot": lambda v: dot([v, v], [1.0, 2.0], 0.5),
    "apply": lambda v: apply("mul", v, 3.0),
    "lanes": lambda v: v * Value(np.array([1.0, 2.0])) + 1.0,
    "a Fraction": lambda v: v * Fraction(1, 3),
    "under no_grad": lambda v: no_grad_mul(v),
    "backward": lambda v: (v * v).backward(),
    "grad": lambda v: grad(v * v, [v], create_graph=True),
}


def no_grad_mul(v: Value) -> Value:
    with no_grad():
        return v * v


@pytest.mark.parametrize("op", OPS, ids=list(OPS))
@pytest.mark.parametrize("enabled", [True, False], ids=["gc enabled", "gc disabled"])
def test_ops_leave_the_gc_setting_alone(op: str, enabled: bool) -> None:
    with gc_state(enabled):
        OPS[op](Value(1.5))
        assert gc.isenabled() is enabled


def test_user_code_and_numpy_operands_run_with_the_gc_as_the_user_left_it() -> None:
    """A numbers.Real's __float__ and a user op ran inside a process-wide pause."""
    Watched.seen.clear()
    Value(1.0) * Watched(2.0)  # the operand is converted inside the op
    seen: ClassVar[list[bool]] = []

    def forward(x: float) -> float:
        seen.append(gc.isenabled())
        return x

    user_op = define_op("gc_probe_user_op", forward, lambda out, x: (1.0,))
    try:
        user_op(Value(1.0))
    finally:
        unregister("gc_probe_user_op")
    assert Watched.seen == [True]
    assert seen == [True]


@contextmanager
def ops_running(threads: int = 2) -> Iterator[None]:
    """``threads`` threads building a graph op by op (scalar ops of the built-in table) while the block runs."""
    stop = threading.Event()

    def ops() -> None:
        y, w = Value(0.5), Value(0.999)
        while not stop.is_set():
            y = (y * w + 0.001).tanh()

    workers = [threading.Thread(target=ops) for _ in range(threads)]
    for t in workers:
        t.start()
    try:
        yield
    finally:
        stop.set()
        for t in workers:
            t.join(timeout=60)


def test_another_thread_never_finds_the_gc_disabled_while_ops_run() -> None:
    """A thread making cyclic garbage found the GC disabled in half its iterations."""
    observed: list[bool] = []
    with ops_running(2):
        for _ in range(20_000):
            observed.append(gc.isenabled())
    assert all(observed)


def test_a_users_gc_disable_section_stays_disabled_while_other_threads_run_ops() -> None:
    """A user's own gc.disable() was switched back on by another thread's op."""
    observed: list[bool] = []
    with ops_running(1):
        for _section in range(30):
            with gc_state(False):
                for _ in range(5):
                    observed.append(gc.isenabled())
                    time.sleep(0)  # lets the op thread run in the middle of the section
    assert not any(observed)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_children_forked_while_threads_run_ops_start_with_the_gc_enabled() -> None:
    """With two op threads running, 3.9 % of forked children started with the GC off for good."""
    reports: list[bytes] = []
    read_end, write_end = os.pipe()
    try:
        with ops_running(2):
            for _ in range(40):
                pid = os.fork()
                if pid == 0:  # the child: report and leave at once
                    os.write(write_end, b"1" if gc.isenabled() else b"0")
                    os._exit(0)
                os.waitpid(pid, 0)
                reports.append(os.read(read_end, 1))
    finally:
        os.close(read_end)
        os.close(write_end)
    assert reports == [b"1"] * 40


def test_collections_run_as_usual_while_graphs_are_built() -> None:
    """No pause: a loop of ops starts automatic collections like any other allocating code."""
    with collections_started() as started:
        chain(20_000)
    assert started
    assert gc.isenabled()


def test_a_node_is_one_gc_tracked_object() -> None:
    """One and two parents live in slots: building n nodes adds n tracked objects, not 2n."""
    w, x, y = Value(0.999), Value(0.01), Value(0.5)
    keep = [y]
    with gc_state(False):
        gc.collect()
        before = len(gc.get_objects())
        for _ in range(1_000):
            y = (y * w + x).tanh()
        after = len(gc.get_objects())
    keep.append(y)
    assert after - before == 3_000
    assert y.parents[0].parents == (y.parents[0].parents[0], x)  # the public tuple, built when asked


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


class TimerInterruptError(Exception):
    pass


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer")
def test_interrupts_anywhere_in_ops_leave_the_gc_and_recording_as_they_were() -> None:
    """10.7 % of Ctrl-C interrupts left the old pause's flag stale. Signals now land
    anywhere in ops and backward; afterwards nothing global has changed (no_grad blocks and
    interrupts: tests/test_grad_mode.py)."""
    caught = 0
    armed = False  # raise only inside the try below: never while the except clause counts

    def interrupt(signum: int, frame: FrameType | None) -> None:
        # as Ctrl-C in our code would; not inside pytest's or the interpreter's own machinery
        nonlocal armed
        where = frame.f_code.co_filename if frame is not None else ""
        if armed and (f"{os.sep}autograd{os.sep}" in where or where == __file__):
            armed = False
            raise TimerInterruptError

    gc.collect()  # cycles left by earlier tests of this file must not run their __del__ under the timer
    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
    try:
        for _attempt in range(10_000):  # bounded; 40 interrupts take a fraction of a second
            if caught == 40:
                break
            try:
                armed = True
                y, w = Value(0.5), Value(0.9)
                for _ in range(2_000):
                    y = (y * w + 0.1).tanh()
                y.backward()
                armed = False
            except TimerInterruptError:
                caught += 1
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
    assert caught == 40
    assert gc.isenabled()
    assert is_grad_enabled()
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
