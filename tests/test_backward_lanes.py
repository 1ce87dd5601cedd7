"""backward()'s pass over a graph with lanes (autograd/core/backward_lanes.py): the general loop, faster.

Every test runs ``backward()`` twice from the same starting gradients — once as it runs, once
with the pass forced through the general loop (``fast=False``) — and requires the same bits
on every node and leaf. Spies check that the optimised steps were taken (a neuron's ``dot``
in 2-D, a layer's contributions summed as rows, a held row flushed because another node
added to it), so a test cannot pass by falling back to the general steps.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import DomainError, Value, define_op, dot, grad
from autograd.core import backward_lanes, reverse
from autograd.core.rules import unregister


def _bits(x: Any) -> Any:
    if type(x) is float:
        return x.hex()
    assert type(x) is np.ndarray, type(x)  # never a held row (_Held) after the pass
    return (x.dtype.str, x.shape, x.tobytes())


class _Spy:
    """Counts the optimised steps taken: ``pairs`` (nodes done by ``_pairs``), ``rows`` (layers
    summed as rows), ``held`` (a row added to by another node while held)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pairs = self.rows = self.held = 0
        pairs, rows_init, held_add = backward_lanes._pairs, backward_lanes._Rows.__init__, backward_lanes._Held.__add__

        def spy_pairs(*args: Any) -> bool:
            done = pairs(*args)
            self.pairs += done
            return done

        def spy_rows(rows: Any, *args: Any) -> None:
            self.rows += 1
            rows_init(rows, *args)

        def spy_held(held: Any, c: Any) -> Any:
            self.held += 1
            return held_add(held, c)

        monkeypatch.setattr(backward_lanes, "_pairs", spy_pairs)
        monkeypatch.setattr(backward_lanes._Rows, "__init__", spy_rows)
        monkeypatch.setattr(backward_lanes._Held, "__add__", spy_held)


def _backward_both_ways(
    loss: Value, leaves: list[Value], start: list[Any], seed: Any, monkeypatch: pytest.MonkeyPatch
) -> list[Any]:
    """``loss.backward(seed)`` from the leaves' gradients ``start``, through the general loop and as it
    runs: the bits of every node's and leaf's gradient, equal both ways (returned)."""
    nodes = reverse.topological_order(loss)
    results = []
    for general in (True, False):
        for node in nodes:  # other leaves (constants made from numbers) start from 0.0 both times
            node.grad = 0.0
        for leaf, g in zip(leaves, start, strict=True):
            leaf.grad = g
        with monkeypatch.context() as m:
            if general:
                m.setattr(reverse, "reverse_pass", functools.partial(reverse.reverse_pass, fast=False))
            loss.backward(seed)
        results.append([_bits(v.grad) for v in nodes])
    assert results[0] == results[1]
    return results[1]


def _layer(rng: np.random.Generator, inputs: list[Value], width: int, act: str, zeros: bool) -> list[Value]:
    out = []
    for _ in range(width):
        weights = rng.standard_normal(len(inputs))
        if zeros:  # contributions of either sign of zero, and exact cancellations
            weights[rng.random(len(inputs)) < 0.3] = 0.0
            weights[rng.random(len(inputs)) < 0.3] = -0.0
        z = dot([Value(float(w)) for w in weights], inputs, Value(float(rng.standard_normal())))
        out.append(getattr(z, act)())
    return out


@given(
    n=st.integers(1, 40),
    widths=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    act=st.sampled_from(["relu", "tanh"]),
    gate=st.booleans(),
    zeros=st.booleans(),
    scale=st.integers(-8, 8),
    seed=st.integers(0, 2**32 - 1),
)
def test_backward_of_a_network_on_lanes_equals_the_general_loop_bit_for_bit(
    n: int, widths: list[int], act: str, gate: bool, zeros: bool, scale: int, seed: int
) -> None:
    # A network of dot layers (sharing their inputs), optionally gated by one of the layer's
    # inputs (a node that adds to a held row while the next neurons still add to the rows),
    # a hinge, a mean and a scalar L2 penalty: the moons step's shape, and more.
    with pytest.MonkeyPatch.context() as monkeypatch:
        rng = np.random.default_rng(seed)
        xs = [Value(rng.standard_normal(n) * 10.0**scale, f"x{i}") for i in range(3)]
        layer = xs
        for width in widths:
            hidden = _layer(rng, layer, width, act, zeros)
            if gate:
                hidden = [h * layer[i % len(layer)] for i, h in enumerate(hidden)]
            layer = hidden
        out = dot([Value(float(w)) for w in rng.standard_normal(len(layer))], layer, 0.3)
        params = [v for v in reverse.topological_order(out) if v.is_leaf and v.lanes is None]
        loss = (1.0 - out * rng.choice([-1.0, 1.0], n)).relu().mean() + 1e-4 * sum(p * p for p in params)
        leaves = [*params, *xs]
        start = [float(rng.standard_normal()) for _ in params] + [0.0, -0.0, rng.standard_normal(n)]
        spy = _Spy(monkeypatch)
        _backward_both_ways(loss, leaves, start, None, monkeypatch)
        assert spy.pairs == sum(widths) + 1  # every neuron's dot in 2-D (rows and held rows: the tests below)


def test_a_layer_sums_its_contributions_as_rows_with_the_general_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # 12 neurons on 5 inputs, gradients of very different sizes: a different order of the
    # additions would round differently.
    rng = np.random.default_rng(7)
    hs = [Value(rng.standard_normal(64)).tanh() for _ in range(5)]
    neurons = [dot([Value(float(w) * 10.0**e) for w in rng.standard_normal(5)], hs) for e in range(-6, 6)]
    loss = dot([Value(float(w)) for w in rng.standard_normal(12)], neurons).sum()
    spy = _Spy(monkeypatch)
    _backward_both_ways(loss, [], [], None, monkeypatch)
    assert (spy.pairs, spy.rows, spy.held) == (13, 2, 0)


def test_a_row_added_to_by_another_node_while_held_is_written_back_first(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    hs = [Value(rng.standard_normal(16)).relu() for _ in range(3)]
    w = [[Value(float(v)) for v in rng.standard_normal(3)] for _ in range(3)]
    # The pass meets the first or the last neuron's dot first (the rows start), then the middle one's
    # gate h_1 * dot(...), which adds to a held row before the next dot adds to the rows.
    outs = [dot(w[0], hs), dot(w[1], hs) * hs[1], dot(w[2], hs)]
    loss = (outs[0] + outs[1] + outs[2]).sum()
    spy = _Spy(monkeypatch)
    _backward_both_ways(loss, [], [], None, monkeypatch)
    assert spy.rows >= 1
    assert spy.held >= 1


@pytest.mark.parametrize("start", [0.0, -0.0, 0.25, "lanes"])
def test_lanes_leaves_accumulate_across_calls_and_start_from_what_they_hold(
    start: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = [Value(np.linspace(-1.0, 1.0, 9) * (i + 1)) for i in range(4)]
    ws = [[Value(0.5 - 0.25 * i - 0.125 * j) for i in range(4)] for j in range(3)]
    b = Value(-0.0)
    loss = sum((dot(w, x, b).tanh() for w in ws), Value(0.0)).sum()
    first = np.arange(9.0) if start == "lanes" else start
    bits = _backward_both_ways(loss, [*x, b], [first, first, first, first, 1.5], None, monkeypatch)
    # and again, from the gradients the first call left (lanes on every input now)
    leaves = [*x, b]
    again = _backward_both_ways(loss, leaves, [v.grad for v in leaves], None, monkeypatch)
    assert again != bits
    for v in x:
        assert type(v.grad) is np.ndarray
        assert v.grad.shape == (9,)


def test_a_parent_twice_among_a_neurons_inputs_and_a_weight_as_bias(monkeypatch: pytest.MonkeyPatch) -> None:
    x, y = Value(np.linspace(-2.0, 3.0, 11)), Value(np.linspace(1.0, 2.0, 11))
    w = Value(0.3)
    layer = [dot([w, Value(-1.5), Value(0.7)], [x, y, x], w), dot([Value(2.0), w, w], [x, y, x], w)]
    loss = dot([Value(1.0), Value(-2.0)], layer).tanh().mean()
    _backward_both_ways(loss, [x, y, w], [0.0, 0.0, 0.0], None, monkeypatch)


def test_a_node_no_path_reaches_keeps_zero_and_passes_nothing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # ``dead`` holds lanes but its only path to the loss goes through a scalar whose gradient is 0
    # (× 0.0): it is never reached, keeps 0.0, and its undefined neighbourhood is not visited.
    rng = np.random.default_rng(1)
    xs = [Value(rng.standard_normal(8)) for _ in range(2)]
    hs = [dot([Value(0.5), Value(-0.25)], xs, Value(0.1)).relu() for _ in range(3)]
    dead = dot([Value(1.0), Value(2.0), Value(3.0)], hs)
    live = dot([Value(-1.0), Value(0.5), Value(2.0)], hs).tanh().mean()
    loss = live + 0.0 * dead.sum()
    _backward_both_ways(loss, xs, [0.0, 0.0], None, monkeypatch)
    assert type(dead.grad) is float
    assert dead.grad == 0.0


def test_an_upstream_gradient_of_lanes_and_of_negative_zeros(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    xs = [Value(rng.standard_normal(6)) for _ in range(3)]
    hs = [dot([Value(float(w)) for w in rng.standard_normal(3)], xs).relu() for _ in range(4)]
    out = dot([Value(float(w)) for w in rng.standard_normal(4)], hs, Value(0.0))
    for seed in (rng.standard_normal(6), np.full(6, -0.0), 2.0):
        _backward_both_ways(out, xs, [0.0, 0.0, 0.0], seed, monkeypatch)


def test_backward_equals_grad_on_a_network_on_lanes() -> None:
    rng = np.random.default_rng(11)
    xs = [Value(rng.standard_normal(30)) for _ in range(2)]
    params: list[Value] = []

    def p() -> Value:
        params.append(Value(float(rng.standard_normal())))
        return params[-1]

    hs = [dot([p(), p()], xs, p()).relu() for _ in range(8)]
    hs2 = [dot([p() for _ in hs], hs, p()).tanh() for _ in range(8)]
    loss = dot([p() for _ in hs2], hs2, p()).relu().mean() + 1e-4 * sum(q * q for q in params)
    expected = grad(loss, [*params, *xs])
    loss.backward()
    assert [_bits(v.grad) for v in (*params, *xs)] == [_bits(g) for g in expected]


def test_an_overflowing_gradient_is_reported_after_the_rows_are_written_back() -> None:
    # finite forward (1e300 × 1e-300 × 1e10), but each weight's gradient Σ x·g is 3e310
    xs = [Value(np.full(3, 1e300)), Value(np.full(3, 1e300))]
    neurons = [dot([Value(1e-300), Value(1e-300)], xs) * 1e10 for _ in range(3)]
    loss = (neurons[0] + neurons[1] + neurons[2]).sum()
    with pytest.raises(DomainError, match="overflows float64"):
        loss.backward()
    for node in reverse.topological_order(loss):
        _bits(node.grad)  # a number or lanes: no held row is left behind


def test_a_user_op_laid_out_as_a_neuron_with_a_scaled_last_input(monkeypatch: pytest.MonkeyPatch) -> None:
    # Any node of that layout takes the 2-D steps, not only dot: here the last derivative is 2.5, not 1.0.
    op = define_op(
        "scaled_pairs_backward_test",
        lambda a, b, c, d, e: a * b + c * d + 2.5 * e,
        lambda out, a, b, c, d, e: (b, a, d, c, 2.5),
        arity=5,
        replace=True,
    )
    try:
        rng = np.random.default_rng(2)
        xs = [Value(rng.standard_normal(10)).tanh() for _ in range(2)]
        ws = [[Value(float(v)) for v in rng.standard_normal(3)] for _ in range(3)]
        loss = sum((op(w[0], xs[0], w[1], xs[1], w[2]).tanh() for w in ws), Value(0.0)).mean()
        spy = _Spy(monkeypatch)
        _backward_both_ways(loss, [], [], None, monkeypatch)
        assert spy.pairs == 3
    finally:
        unregister("scaled_pairs_backward_test")
