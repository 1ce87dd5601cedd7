"""Losses and softmax: values and gradients against closed forms and central differences, stability, bad input."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck
from autograd.testing import safe_floats
from nn import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l2_penalty,
    mse,
    softmax,
    squared_error,
    sum_of_squares,
)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# -- squared errors ------------------------------------------------------------------------


@given(y=safe_floats(-5, 5), d=safe_floats(-5, 5))
def test_squared_error_and_its_derivative(y: float, d: float) -> None:
    v = Value(y)
    e = squared_error(v, d)
    assert e.data == pytest.approx(0.5 * (d - y) ** 2, rel=1e-15, abs=1e-300)
    (g,) = grad(e, [v])
    assert g == pytest.approx(y - d, rel=1e-14, abs=1e-15)  # ∂E/∂y = y − d
    assert sum_of_squares(Value(y), d).data == pytest.approx((d - y) ** 2, rel=1e-15, abs=1e-300)


def test_multi_output_squared_losses() -> None:
    ys, ds = [Value(0.2), Value(-1.0), Value(3.0)], [0.0, 1.0, 2.5]
    sq = [(d - y.data) ** 2 for y, d in zip(ys, ds, strict=True)]
    assert sum_of_squares(ys, ds).data == pytest.approx(sum(sq), rel=1e-15)
    assert squared_error(ys, ds).data == pytest.approx(0.5 * sum(sq), rel=1e-15)
    loss = mse(ys, ds)
    assert loss.data == pytest.approx(sum(sq) / 3, rel=1e-15)
    grads = grad(loss, ys)
    assert grads == pytest.approx([2 * (y.data - d) / 3 for y, d in zip(ys, ds, strict=True)], rel=1e-14)
    assert mse(Value(2.0), 0.5).data == 2.25


@given(a=safe_floats(), b=safe_floats(), c=safe_floats())
def test_mse_gradcheck(a: float, b: float, c: float) -> None:
    assert gradcheck(lambda x, y, z: mse([x.tanh(), y * z], [0.3, -0.2]), a, b, c)


# -- binary cross-entropy -------------------------------------------------------------------


@given(z=safe_floats(-8, 8), t=st.sampled_from([0.0, 1.0, 0.3]))
def test_bce_on_probabilities(z: float, t: float) -> None:
    zv = Value(z)
    p = zv.sigmoid()
    loss = binary_cross_entropy(p, t)
    pd = p.data
    expected = -(t * math.log(pd) if t else 0.0) - ((1 - t) * math.log(1 - pd) if t < 1 else 0.0)
    assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-15)
    (g,) = grad(loss, [zv])
    assert g == pytest.approx(pd - t, rel=1e-9, abs=1e-12)  # ∂BCE(σ(z))/∂z = σ(z) − t


@given(z=safe_floats(-30, 30), t=st.sampled_from([0.0, 1.0, 0.25]))
def test_bce_with_logits_value_and_gradient(z: float, t: float) -> None:
    zv = Value(z)
    loss = binary_cross_entropy_with_logits(zv, t)
    expected = max(z, 0.0) - z * t + math.log1p(math.exp(-abs(z)))
    assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-15)
    (g,) = grad(loss, [zv])
    assert g == pytest.approx(_sigmoid(z) - t, rel=1e-12, abs=1e-15)


@given(z=safe_floats(-6, 6), t=st.sampled_from([0.0, 1.0, 0.6]))
def test_bce_with_logits_gradcheck(z: float, t: float) -> None:
    assert gradcheck(lambda x: binary_cross_entropy_with_logits(x, t), z)


@given(z=safe_floats(20, 700))
def test_bce_with_logits_keeps_the_tiny_loss_of_a_confident_right_answer(z: float) -> None:
    """log1p: ``log(1 + e^-40)`` is 4.25e-18, which ``log(1.0 + 4.25e-18)`` would round to 0."""
    expected = math.log1p(math.exp(-z))
    assert binary_cross_entropy_with_logits(Value(z), 1.0).data == pytest.approx(expected, rel=1e-12, abs=0.0)
    assert binary_cross_entropy_with_logits(Value(-z), 0.0).data == pytest.approx(expected, rel=1e-12, abs=0.0)
    lanes = binary_cross_entropy_with_logits(Value(np.array([z, -z])), np.array([1.0, 0.0]))
    assert lanes.data == pytest.approx([expected, expected], rel=1e-12, abs=0.0)


def test_bce_with_logits_at_zero_and_far_out() -> None:
    for t in (0.0, 0.3, 1.0):
        z = Value(0.0)
        loss = binary_cross_entropy_with_logits(z, t)
        assert loss.data == pytest.approx(math.log(2.0), rel=1e-15)
        assert grad(loss, [z]) == pytest.approx([0.5 - t], rel=1e-15, abs=1e-16)  # not relu/abs kink conventions
    big = Value(800.0)
    loss = binary_cross_entropy_with_logits(big, 0.0)  # e^800 would overflow
    assert loss.data == 800.0
    assert grad(loss, [big]) == [1.0]
    small = Value(-800.0)
    loss = binary_cross_entropy_with_logits(small, 0.0)
    assert loss.data == 0.0
    assert grad(loss, [small]) == [0.0]
    loss = binary_cross_entropy_with_logits(Value(-800.0), 1.0)
    assert loss.data == 800.0


def test_bce_refuses_a_saturated_probability_with_advice() -> None:
    p = Value(40.0).sigmoid()  # rounds to exactly 1.0
    assert p.data == 1.0
    with pytest.raises(ValueError, match=r"log\(1 − p\) needs p < 1.*with_logits"):
        binary_cross_entropy(p, 0.0)
    assert binary_cross_entropy(p, 1.0).data == 0.0  # only log(p) is needed for t = 1
    with pytest.raises(ValueError, match=r"log\(p\) needs p > 0"):
        binary_cross_entropy(Value(0.0), 1.0)


# -- softmax and cross-entropy ----------------------------------------------------------------


@given(st.lists(safe_floats(-10, 10), min_size=1, max_size=5))
def test_softmax(zs: list[float]) -> None:
    ps = softmax([Value(z) for z in zs])
    m = max(zs)
    total = sum(math.exp(z - m) for z in zs)
    assert [p.data for p in ps] == pytest.approx([math.exp(z - m) / total for z in zs], rel=1e-12)
    assert math.fsum(p.data for p in ps) == pytest.approx(1.0, rel=1e-14)


@given(st.lists(safe_floats(-4, 4), min_size=3, max_size=3), st.integers(0, 2), st.integers(0, 2))
def test_softmax_gradcheck(zs: list[float], i: int, j: int) -> None:
    assert gradcheck(lambda a, b, c: softmax([a, b, c])[i] * (j + 1.0), *zs)


def test_softmax_is_stable() -> None:
    ps = softmax([Value(1000.0), Value(1001.0)])
    assert [p.data for p in ps] == pytest.approx([1 / (1 + math.e), math.e / (1 + math.e)], rel=1e-14)


@given(st.lists(safe_floats(-10, 10), min_size=2, max_size=5), st.data())
def test_cross_entropy_value_and_gradient(zs: list[float], data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(zs) - 1))
    vs = [Value(z) for z in zs]
    loss = cross_entropy(vs, k)
    m = max(zs)
    lse = m + math.log(sum(math.exp(z - m) for z in zs))
    assert loss.data == pytest.approx(lse - zs[k], rel=1e-12, abs=1e-12)
    probs = [math.exp(z - lse) for z in zs]
    expected = [p - (1.0 if i == k else 0.0) for i, p in enumerate(probs)]  # softmax − one-hot
    assert grad(loss, vs) == pytest.approx(expected, rel=1e-10, abs=1e-12)


@given(st.lists(safe_floats(-4, 4), min_size=3, max_size=3), st.integers(0, 2))
def test_cross_entropy_gradcheck(zs: list[float], k: int) -> None:
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], k), *zs)


def test_cross_entropy_is_stable() -> None:
    vs = [Value(1000.0), Value(-1000.0), Value(999.0)]
    loss = cross_entropy(vs, 1)
    assert loss.data == pytest.approx(2000.0 + math.log1p(math.exp(-1.0)), rel=1e-14)


# -- hinge and L2 ------------------------------------------------------------------------------


@given(s=safe_floats(-3, 3), y=st.sampled_from([-1, 1]))
def test_hinge(s: float, y: int) -> None:
    assume(abs(1.0 - y * s) > 1e-3)  # away from the kink
    sv = Value(s)
    loss = hinge(sv, y)
    assert loss.data == pytest.approx(max(0.0, 1.0 - y * s), rel=1e-15, abs=1e-300)
    assert grad(loss, [sv]) == [-y if 1.0 - y * s > 0 else 0.0]
    assert gradcheck(lambda v: hinge(v, y), s)


def test_l2_penalty_is_one_dot_node_with_gradient_2_alpha_p() -> None:
    ps = [Value(0.5), Value(-2.0), Value(3.0)]
    pen = l2_penalty(ps, 1e-4)
    assert pen.data == pytest.approx(1e-4 * (0.25 + 4.0 + 9.0), rel=1e-15)
    assert pen.parents[1].op == "dot"
    assert grad(pen, ps) == pytest.approx([2e-4 * p.data for p in ps], rel=1e-15)
    assert l2_penalty(ps, 0.0).data == 0.0


def test_named_losses() -> None:
    assert set(LOSSES) == {
        "squared_error",
        "sum_of_squares",
        "mse",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "cross_entropy",
        "hinge",
    }
    assert LOSSES["hinge"].fn is hinge
    assert LOSSES["mse"].correct is None
    assert LOSSES["hinge"].correct is not None
    assert LOSSES["hinge"].correct(Value(0.2), 1.0)
    assert not LOSSES["hinge"].correct(Value(0.2), -1.0)
    assert LOSSES["cross_entropy"].correct is not None
    assert LOSSES["cross_entropy"].correct([Value(0.1), Value(2.0)], 1)
    assert LOSSES["binary_cross_entropy"].correct is not None
    assert LOSSES["binary_cross_entropy"].correct(Value(0.7), 1.0)
    assert LOSSES["binary_cross_entropy_with_logits"].correct is not None
    assert LOSSES["binary_cross_entropy_with_logits"].correct(Value(-0.7), 0.0)


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: mse([Value(1.0), Value(2.0)], [1.0]), ValueError, r"2 output\(s\) but 1 target\(s\)"),
        (lambda: mse(Value(1.0), "1"), TypeError, "target must be a number"),
        (lambda: mse(Value(1.0), True), TypeError, "target must be a number"),
        (lambda: mse([Value(1.0)], [math.nan]), ValueError, "finite"),
        (lambda: mse([1.0], [1.0]), TypeError, "outputs must be Values"),
        (lambda: mse([], []), ValueError, "at least one output"),
        (lambda: hinge(Value(0.5), 0), ValueError, "-1 or \\+1"),
        (lambda: binary_cross_entropy(Value(0.5), 2.0), ValueError, "between 0 and 1"),
        (lambda: binary_cross_entropy_with_logits(Value(0.5), -1.0), ValueError, "between 0 and 1"),
        (lambda: cross_entropy([Value(1.0), Value(2.0)], 2), ValueError, "class index 2 out of range for 2"),
        (lambda: cross_entropy([Value(1.0), Value(2.0)], 1.0), TypeError, "class index"),
        (lambda: cross_entropy([Value(1.0)], 0), ValueError, "at least 2 logits"),
        (lambda: softmax([]), ValueError, "at least one value"),
        (lambda: l2_penalty([Value(1.0)], -1.0), ValueError, "alpha must be >= 0"),
        (lambda: l2_penalty([], 1.0), ValueError, "at least one parameter"),
    ],
)
def test_bad_input(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
