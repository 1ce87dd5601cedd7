"""Neurons and layers in a compiled program (autograd.replay.affine): few numpy calls; the eager numbers
bit for bit with ``exact=True``, to 1e-12 with matrix products (the default)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import RULES, Value, compile, dot, grad
from autograd.replay import affine
from autograd.replay.loops import plan


def _same(got: Any, want: Any) -> bool:
    return bool(np.array_equal(np.asarray(got), np.asarray(want)))


def _close(got: Any, want: Any) -> bool:
    """Equal to 1e-12 relative (absolute below 1), as ``check=True`` compares."""
    a, b = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-12 * np.maximum(1.0, np.abs(b))))


@pytest.mark.parametrize("exact", [True, False])
def test_an_mlp_on_lanes_runs_its_layers_and_output_neuron_as_affine_blocks(exact: bool) -> None:
    model = nn.MLP(3, [16, 16, 1], seed=3)
    params = model.parameters()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = np.where(rng.normal(size=40) > 0, 1.0, -1.0)

    def loss() -> Value:
        out: Value = nn.hinge(model.batch(x), y).mean() + 1e-4 * sum(p * p for p in params)
        return out

    program = compile(loss, params=params, exact=exact)
    program()
    tape = program._last.tape  # type: ignore[union-attr]
    segments = plan(tape)
    layers = [seg for seg in segments if seg.vector and any(affine.layer(tape, seg, o) for o in range(seg.period))]
    assert len(layers) == 2  # the 3 -> 16 and 16 -> 16 layers (at least MIN_PAIRS inputs each)
    assert any(affine.affine(tape, j) for j in range(tape.n_nodes))  # the output neuron
    for step in range(4):
        value, grads = program()
        out = loss()
        want = grad(out, params)
        if exact:
            assert value == out.data, step
            assert list(grads) == want, step  # the same additions in the same order
        else:  # matrix products: the same products, added in BLAS's order
            assert _close(value, out.data), step
            assert _close(grads, want), step
        for p, g in zip(params, grads, strict=True):
            p.data -= 0.3 * g


@pytest.mark.parametrize("exact", [True, False])
def test_a_single_wide_neuron_with_inputs_needing_gradients(exact: bool) -> None:
    rng = np.random.default_rng(2)
    xs = [Value(rng.normal(size=9)) for _ in range(6)]
    ws = [Value(float(v)) for v in rng.normal(size=6)]
    b = Value(0.25)

    def f(*inputs: Value) -> Value:
        z = dot(ws, list(inputs), b)
        return (z.tanh() * inputs[2]).sum()

    program = compile(f, params=[*ws, b], exact=exact)
    value, grads = program(*(x.data for x in xs))
    leaves = [Value(x.data) for x in xs]
    out = f(*leaves)
    want = grad(out, [*leaves, *ws, b])
    same = _same if exact else _close
    assert same(value, out.data)
    assert all(same(g, e) for g, e in zip(grads, want, strict=True))
    assert any(affine.affine(program._last.tape, j) for j in range(program._last.tape.n_nodes))  # type: ignore[union-attr]


def test_only_a_dot_adding_left_to_right_with_the_usual_derivatives_is_batched() -> None:
    rule = RULES["dot"]
    assert affine._rule_is_affine(rule.lanes or rule.forward, rule.local, 9)
    assert affine._rule_is_affine(rule.lanes or rule.forward, rule.local, 40)  # nested past the symbol depth

    def reordered(*xs: Any) -> Any:
        return xs[2] * xs[3] + xs[0] * xs[1] + xs[4] * xs[5] + xs[6] * xs[7]

    assert not affine._rule_is_affine(reordered, rule.local, 8)
    assert not affine._rule_is_affine(rule.lanes or rule.forward, lambda out, *xs: tuple(xs), 8)


def test_tied_weights_and_lanes_weights_run_op_by_op_and_stay_exact() -> None:
    rng = np.random.default_rng(5)
    xs = [Value(rng.normal(size=4)) for _ in range(5)]
    w = Value(0.3)
    lanes_w = [Value(rng.normal(size=4)) for _ in range(5)]

    def f() -> Value:
        tied = dot([w] * 5, xs)  # one weight five times: not distinct slots
        swapped = dot(lanes_w, xs)  # lanes for weights
        return (tied * swapped).sum()

    program = compile(f, params=[w, *lanes_w, *xs])
    value, grads = program()
    tape = program._last.tape  # type: ignore[union-attr]
    assert not any(affine.affine(tape, j) for j in range(tape.n_nodes))
    out = f()
    assert value == out.data
    want = grad(out, [w, *lanes_w, *xs])
    assert all(_same(g, e) for g, e in zip(grads, want, strict=True))


@pytest.mark.parametrize("exact", [True, False])
def test_a_nan_pre_activation_in_a_replay_raises_the_eager_error(exact: bool) -> None:
    """``relu`` turns a nan pre-activation into 0 (and the bias row of ones would carry it on): the
    program's checksum sees it and the call raises what the eager engine raises, naming the op."""
    model = nn.MLP(2, [16, 16, 1], seed=3)
    x = np.array([[1e200, 1e200], [0.5, 0.25], [0.1, -0.3]])
    y = np.array([1.0, -1.0, 1.0])

    def loss() -> Value:
        out: Value = nn.hinge(model.batch(x), y).mean()
        return out

    program = compile(loss, params=model.parameters(), exact=exact)
    program()
    first = model.layers[0].neurons[5]
    first.w[0].data, first.w[1].data = 1e200, -1e200  # inf - inf: a nan pre-activation at lane 0
    with pytest.raises(Exception) as eager:  # noqa: PT011 - whatever the eager engine raises
        loss()
    with pytest.raises(type(eager.value), match=re.escape(str(eager.value))):
        program()
    assert program.traces == 1


@settings(max_examples=12)
@given(
    st.integers(1, 3),
    st.lists(st.integers(16, 20), min_size=1, max_size=2),
    st.integers(1, 30),
    st.integers(0, 2**16),
)
def test_layers_as_matrix_products_agree_with_eager_to_1e_12(
    inputs: int, hidden: list[int], lanes: int, seed: int
) -> None:
    """The default program (biases in the matrix products, rows read in their array's order) against
    the eager engine, over network shapes and lane counts, across a parameter update."""
    model = nn.MLP(inputs, [*hidden, 1], seed=seed)
    params = model.parameters()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(lanes, inputs))
    y = np.where(rng.normal(size=lanes) > 0, 1.0, -1.0)

    def loss() -> Value:
        out: Value = nn.hinge(model.batch(x), y).mean() + 1e-4 * sum(p * p for p in params)
        return out

    program = compile(loss, params=params)
    for _ in range(2):
        value, grads = program()
        out = loss()
        assert _close(value, out.data)
        assert _close(grads, grad(out, params))
        for p, g in zip(params, grads, strict=True):
            p.data -= 0.5 * g
    assert program.traces == 1
