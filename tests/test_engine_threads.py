"""backward from several threads: contributions summed as if the calls were made one after the other."""

from __future__ import annotations

import pytest
from engine_support import InThreads

from autograd import Value, grad

pytestmark = pytest.mark.usefixtures("fine_switching")


def _deep(w: Value, depth: int) -> Value:
    y = Value(0.3)
    for _ in range(depth):
        y = (y * w + 0.1).tanh()
    return y


def test_two_threads_backpropagating_one_graph_sum_as_if_sequential(in_threads: InThreads) -> None:
    """Unserialised, w.grad was once 6.78x the single call's instead of 2x, in 2 of 20 trials."""
    w = Value(0.9, label="w")
    y = _deep(w, 3000)
    y.backward()
    once = w.grad
    for _ in range(8):
        w.grad = 0.0
        in_threads([y.backward] * 2)
        assert w.grad == pytest.approx(2 * once, rel=1e-12)


def test_threads_training_on_graphs_that_share_parameters(in_threads: InThreads) -> None:
    w = Value(0.9, label="w")
    ys = [_deep(w, 500) for _ in range(4)]
    expected = 0.0
    for y in ys:
        y.backward()
    expected = w.grad
    w.grad = 0.0
    in_threads([y.backward for y in ys])
    assert w.grad == pytest.approx(expected, rel=1e-12)


def test_grad_runs_concurrently_and_agrees(in_threads: InThreads) -> None:
    w = Value(0.9, label="w")
    y = _deep(w, 1000)
    (expected,) = grad(y, [w])
    results: list[float] = []
    in_threads([lambda: results.append(grad(y, [w])[0])] * 4)
    assert results == [expected] * 4
