"""backward from several threads: contributions summed as if the calls were made one after the other."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from autograd import Value, grad


@pytest.fixture
def fine_switching() -> Iterator[None]:
    """Threads switch every microsecond (restored after): a race shows within a few trials."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _deep(w: Value, depth: int) -> Value:
    y = Value(0.3)
    for _ in range(depth):
        y = (y * w + 0.1).tanh()
    return y


def _in_threads(n: int, work: Callable[[], None]) -> None:
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            work()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.usefixtures("fine_switching")
def test_two_threads_backpropagating_one_graph_sum_as_if_sequential() -> None:
    """Unserialised, w.grad was once 6.78x the single call's instead of 2x, in 2 of 20 trials."""
    w = Value(0.9, label="w")
    y = _deep(w, 3000)
    y.backward()
    once = w.grad
    for _ in range(8):
        w.grad = 0.0
        _in_threads(2, y.backward)
        assert w.grad == pytest.approx(2 * once, rel=1e-12)


@pytest.mark.usefixtures("fine_switching")
def test_threads_training_on_graphs_that_share_parameters() -> None:
    w = Value(0.9, label="w")
    ys = [_deep(w, 500) for _ in range(4)]
    expected = 0.0
    for y in ys:
        y.backward()
    expected = w.grad
    w.grad = 0.0
    it = iter(ys)
    lock = threading.Lock()

    def one() -> None:
        with lock:
            y = next(it)
        y.backward()

    _in_threads(4, one)
    assert w.grad == pytest.approx(expected, rel=1e-12)


@pytest.mark.usefixtures("fine_switching")
def test_grad_runs_concurrently_and_agrees() -> None:
    w = Value(0.9, label="w")
    y = _deep(w, 1000)
    (expected,) = grad(y, [w])
    results: list[float] = []
    _in_threads(4, lambda: results.append(grad(y, [w])[0]))
    assert results == [expected] * 4
