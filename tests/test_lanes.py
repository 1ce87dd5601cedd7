"""Lanes: a Value holding one scalar per sample, every rule applied lane-wise (``x ** y`` with two Values included)."""

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from engine_support import raises_exactly
from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    RULES,
    DomainError,
    GradcheckError,
    Value,
    apply,
    define_op,
    dot,
    grad,
    gradcheck,
    gradgradcheck,
)
from autograd.core.rules import unregister
from autograd.testing import Expression, expressions, op_inputs

REL = 1e-12


def _close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b), scale)


# -- every rule, lane by lane ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(n for n in RULES if not n.startswith("lane")))
@given(data=st.data())
def test_every_rule_lanewise_equals_scalar(name, data):
    rule = RULES[name]
    samples = [data.draw(op_inputs(name)) for _ in range(4)]
    param = samples[0][1]
    columns = list(zip(*(xs for xs, _ in samples), strict=True))
    # mix: the first argument always lanes, the others lanes or a scalar shared by all lanes
    shared = [data.draw(st.booleans()) and i > 0 for i in range(len(columns))]
    lane_args = [float(col[0]) if shared[i] else np.array(col) for i, col in enumerate(columns)]
    node = apply(name, *lane_args, param=param)
    assert node.lanes == 4
    for j in range(4):
        args = [float(col[0]) if shared[i] else col[j] for i, col in enumerate(columns)]
        scalar = apply(name, *args, param=param)
        assert _close(node.data[j], scalar.data), (rule.name, j)
        for got, want in zip(node.local_grads, scalar.local_grads, strict=True):
            got_j = got if np.ndim(got) == 0 else got[j]
            assert _close(float(got_j), want), (rule.name, j)


def test_kink_conventions_hold_lanewise():
    x = Value(np.array([-1.0, 0.0, 2.0]))
    assert list(x.relu().local_grads[0]) == [0.0, 0.0, 1.0]
    assert list(x.abs().local_grads[0]) == [-1.0, 0.0, 1.0]
    assert list(x.leaky_relu(0.1).local_grads[0]) == [0.1, 0.1, 1.0]


# -- equality with the scalar path on random graphs ---------------------------------------------


@given(expressions(n_inputs=(1, 3)), st.data())
def test_random_graphs_lanes_equal_scalar_path(expr: Expression, data):
    n = 5
    k = len(expr.inputs)
    is_lanes = [True] + [data.draw(st.booleans()) for _ in range(k - 1)]
    columns = [
        np.array([data.draw(st.floats(-2, 2, allow_nan=False, allow_subnormal=False)) for _ in range(n)])
        if lanes
        else expr.inputs[i]
        for i, lanes in enumerate(is_lanes)
    ]
    # lanes: one graph for the batch
    xs = [Value(c) for c in columns]
    out = expr(*xs)
    total = out.sum()
    total.backward()
    # scalar path: one graph per sample
    expected_grads = [np.zeros(n) if lanes else 0.0 for lanes in is_lanes]
    outputs = []
    for j in range(n):
        sample = [Value(float(c[j])) if lanes else Value(c) for c, lanes in zip(columns, is_lanes, strict=True)]
        y = expr(*sample)
        outputs.append(y.data)
        for i, g in enumerate(grad(y, sample)):
            if is_lanes[i]:
                expected_grads[i][j] = g
            elif out.lanes is not None or j == 0:  # a scalar output is one sample's, not a sum
                expected_grads[i] += g
    if out.lanes is None:  # the output does not depend on any lane input
        assert all(_close(out.data, y) for y in outputs)
        assert _close(total.data, out.data)
    else:
        assert all(_close(got, want) for got, want in zip(out.data, outputs, strict=True))
        assert _close(total.data, sum(outputs), scale=sum(abs(v) for v in outputs))
    for x, want, lanes in zip(xs, expected_grads, is_lanes, strict=True):
        if lanes:
            got = np.broadcast_to(x.grad, (n,))  # 0.0 when the output does not depend on x
            assert all(_close(a, b) for a, b in zip(got, want, strict=True))
        else:
            assert type(x.grad) is float
            assert abs(x.grad - want) <= 1e-11 * max(1.0, abs(want))


# -- gradients ----------------------------------------------------------------------------------


def test_scalar_parameter_fed_by_lanes_gets_the_sum():
    x = Value(np.array([1.0, 2.0, 3.0]))
    w = Value(0.5)
    loss = (w * x).sum()
    loss.backward()
    assert w.grad == 6.0
    assert list(x.grad) == [0.5, 0.5, 0.5]


def test_mean_reduction():
    x = Value(np.array([1.0, 2.0, 3.0, 4.0]))
    m = (x * x).mean()
    assert m.data == 7.5
    m.backward()
    assert list(x.grad) == [0.5, 1.0, 1.5, 2.0]


def test_sum_and_mean_of_a_scalar_are_identities():
    x = Value(2.0)
    assert x.sum().data == 2.0
    assert x.mean().data == 2.0
    assert grad(x.mean(), [x]) == [1.0]


def test_backward_needs_a_scalar_output_or_an_upstream_gradient():
    x = Value(np.array([1.0, 2.0]))
    y = x * x
    with pytest.raises(ValueError, match=r"2 lanes.*\.sum\(\) or \.mean\(\)"):
        y.backward()
    y.backward(np.array([1.0, 0.5]))
    assert list(x.grad) == [2.0, 2.0]
    with pytest.raises(ValueError, match="upstream gradient has 3 lanes"):
        y.backward(np.array([1.0, 1.0, 1.0]))


def test_leaf_lanes_accumulate_across_calls():
    x = Value(np.array([1.0, 2.0]))
    loss = (x * 3.0).sum()
    loss.backward()
    loss.backward()
    assert list(x.grad) == [6.0, 6.0]


def test_second_derivative_with_lanes():
    x = Value(np.array([0.5, 1.0, -2.0]))
    (dx,) = grad((x**3).sum(), [x], create_graph=True)
    assert isinstance(dx, Value)
    assert list(dx.data) == [0.75, 3.0, 12.0]
    (d2,) = grad(dx.sum(), [x])
    assert list(d2) == [3.0, 6.0, -12.0]


def test_gradcheck_with_lanes():
    x = np.array([0.3, -0.8, 1.1])
    assert gradcheck(lambda v, w: (v * w).tanh().sum() + (v.sin() * w).mean(), x, 0.7)
    assert gradgradcheck(lambda v, w: (v * w).tanh().sum(), x, 0.7)


def test_gradcheck_names_the_lane(monkeypatch):

    bad = define_op(
        "bad_cube_lanes_test",
        lambda x: x**3,
        lambda out, x: (3.003 * x * x,),
    )
    try:
        with pytest.raises(GradcheckError, match="argument 0 lane 0") as info:
            gradcheck(lambda v: bad(v).sum(), np.array([0.5, 1.0]))
        assert info.value.lane == 0
    finally:
        unregister("bad_cube_lanes_test")


def test_gradcheck_checks_a_lanes_output_as_a_jacobian():
    # a lanes output is no longer refused: its whole Jacobian is checked (tests/test_gradcheck.py)
    assert gradcheck(lambda v: v * 2.0 + v.sin() * v.sum(), np.array([1.0, 2.0]))


# -- errors ---------------------------------------------------------------------------------------


def test_domain_error_names_lane_and_value():
    with pytest.raises(DomainError, match=r"log\(-1\.0\).*lane 1"):
        Value(np.array([1.0, -1.0, 2.0])).log()
    with pytest.raises(DomainError, match=r"1\.0 / 0\.0.*lane 2"):
        Value(1.0) / Value(np.array([1.0, 2.0, 0.0]))
    with pytest.raises(DomainError, match=r"exp\(1000\.0\).*lane 0"):
        Value(np.array([1000.0])).exp()
    with pytest.raises(DomainError, match=r"sqrt\(0\.0\).*lane 1"):
        Value(np.array([4.0, 0.0])).sqrt()


def test_lanes_over_a_plain_zero_name_the_first_lane_as_the_lanewise_checks_do() -> None:
    # numpy divides lanes by 0.0 quietly, but the local derivative 1 / b raises on the float 0.0.
    with pytest.raises(DomainError, match=r"^1\.0 / 0\.0 is undefined or overflows at lane 0$"):
        Value(np.array([1.0, 2.0])) / 0.0
    with pytest.raises(DomainError, match=r"^-0\.0 / 0\.0 is undefined or overflows at lane 1$"):
        Value(np.array([1.0, -0.0])) / Value(np.array([1.0, 0.0]))


def _refuse_zero(x: object, why: str) -> None:
    if np.any(np.asarray(x) == 0.0):  # a number, or any lane
        raise ZeroDivisionError(why)


def test_a_user_op_with_a_lanes_forward_that_refuses_whole_lanes_is_named_by_lane(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    """A user op given ``lanes=`` whose forward or ``local`` raises on the whole lanes: the lane at
    fault is found lane by lane with the scalar rule and named as the lane-wise checks name it."""

    def lanes_log(x: Any, shift: float) -> Any:
        if np.any(x <= 0.0):
            raise ValueError("needs x > 0")
        return np.log(x) + shift

    log_plus = user_op(
        "log_plus",
        lambda x, shift: math.log(x) + shift,
        lambda out, x, shift: (1.0 / x,),
        lanes=lanes_log,
        has_param=True,
    )
    raises_exactly(
        DomainError,
        "log_plus(-2.0, 0.5) is undefined or overflows at lane 1",
        lambda: log_plus(Value(np.array([1.0, -2.0])), param=0.5),
    )

    def slope(out: Any, x: Any, scale: float) -> tuple[Any]:  # scale²/(2·out), infinite at out = 0
        _refuse_zero(out, "the derivative is infinite at 0")
        return (scale * scale * 0.5 / out,)

    root = user_op(
        "scaled_root",
        lambda x, scale: scale * math.sqrt(x),
        slope,
        lanes=lambda x, scale: scale * np.sqrt(x),
        has_param=True,
    )
    raises_exactly(
        DomainError,
        "scaled_root(0.0, 2.0): local derivative is not finite at lane 1",
        lambda: root(Value(np.array([4.0, 0.0, 0.0])), param=2.0),
    )
    assert root(Value(np.array([4.0, 1.0])), param=2.0).local_grads[0].tolist() == [0.5, 1.0]

    def root_slopes(out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        _refuse_zero(x * y, "needs x, y > 0")
        return (0.5 / np.sqrt(x), 0.5 / np.sqrt(y))

    roots = user_op(
        "roots",
        lambda x, y: math.sqrt(x) + math.sqrt(y),
        root_slopes,
        arity=2,
        lanes=lambda x, y: np.sqrt(x) + np.sqrt(y),
    )
    raises_exactly(
        DomainError,
        "roots(4.0, 0.0): local derivative is not finite at lane 1",
        lambda: roots(Value(np.array([1.0, 4.0])), Value(np.array([9.0, 0.0]))),
    )

    def sorted_only(out: Any, x: Any, why: str) -> tuple[Any]:
        if np.ndim(x) and np.any(np.diff(x) < 0.0):
            raise ValueError(why)
        return (np.ones_like(x),)

    shifted = user_op(
        "shifted", lambda x: x + 1.0, lambda out, x: sorted_only(out, x, "needs sorted lanes"), lanes=lambda x: x + 1.0
    )
    raises_exactly(  # every lane is fine alone: the op's own reason
        DomainError,
        "shifted on lanes is undefined: needs sorted lanes",
        lambda: shifted(Value(np.array([2.0, 1.0]))),
    )
    bare = user_op("bare_shifted", lambda x: x + 1.0, lambda out, x: sorted_only(out, x, ""), lanes=lambda x: x + 1.0)
    raises_exactly(
        DomainError, "bare_shifted on lanes is undefined: ValueError", lambda: bare(Value(np.array([2.0, 1.0])))
    )


def test_a_negative_base_with_a_value_exponent_is_undefined_whatever_the_exponent() -> None:
    # As on scalars ((-1.0) ** (0.0) is refused): numpy's nan ** 0 = 1 must not make it a number.
    with pytest.raises(DomainError, match=r"^\(-1\.0\) \*\* \(-0\.0\) is undefined or overflows at lane 1$"):
        Value(np.array([2.0, -1.0])) ** Value(-0.0)
    with pytest.raises(DomainError, match=r"\(-1\.0\) \*\* \(-0\.0\) is undefined"):
        Value(-1.0) ** Value(-0.0)


def test_dot_of_one_argument_on_lanes_is_that_argument() -> None:
    b = Value(np.array([1.5, -0.0]))
    out = apply("dot", b)
    assert list(out.data) == [1.5, -0.0]
    assert math.copysign(1.0, out.data[1]) == -1.0
    assert out.data is not b.data
    assert float(apply("dot", Value(1.5)).data) == 1.5


def test_lanes_of_different_lengths_are_an_error():
    with pytest.raises(ValueError, match=r"different lengths.*\[2, 3\]"):
        Value(np.array([1.0, 2.0])) + Value(np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (np.zeros((2, 2)), ValueError, "1-D"),
        (np.array([]), ValueError, "empty"),
        (np.array([True, False]), TypeError, "dtype bool"),
        (np.array(["a"]), TypeError, "dtype"),
        (np.array([1.0, math.nan]), ValueError, "lane 1"),
    ],
)
def test_value_rejects_bad_lanes(bad, error, message):
    with pytest.raises(error, match=message):
        Value(bad)


def test_lanes_are_copied_and_float64():
    source = np.array([1, 2, 3])
    x = Value(source)
    assert x.data.dtype == np.float64
    source[0] = 99
    assert x.data[0] == 1.0


def test_comparisons_and_format_specs_need_scalars():
    x = Value(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="lanes"):
        _ = x < 1.0
    with pytest.raises(TypeError, match="lanes"):
        _ = Value(0.0) < x
    with pytest.raises(TypeError, match="2 lanes"):
        f"{x:.2f}"


def test_numpy_array_on_the_left_builds_a_node():
    x = Value(2.0)
    y = np.array([1.0, 2.0]) * x
    assert isinstance(y, Value)
    assert list(y.data) == [2.0, 4.0]
    assert "lanes=2" in repr(y)


# -- a gradient that is exactly zero still has one entry per lane ---------------------------------


@pytest.mark.parametrize(
    "f",
    [
        lambda x, c: (x * 0.0).sum(),
        lambda x, c: x.sum() * 0.0,
        lambda x, c: (x * c).sum(),
        lambda x, c: (x.relu() * 3.0).sum(),
    ],
    ids=["x*0", "sum(x)*0", "x*c at c=0", "relu below 0"],
)
def test_a_zero_gradient_of_lanes_is_one_zero_per_lane_from_backward_and_grad(f) -> None:
    x, c = Value(np.array([-1.0, -2.0, -0.5])), Value(0.0)
    out = f(x, c)
    out.backward()
    assert isinstance(x.grad, np.ndarray)
    np.testing.assert_array_equal(x.grad, np.zeros(3))
    (g,) = grad(f(x, c), [x])
    assert isinstance(g, np.ndarray)
    np.testing.assert_array_equal(g, np.zeros(3))
    (gv,) = grad(f(x, c), [x], create_graph=True)
    assert gv.lanes == 3
    np.testing.assert_array_equal(gv.data, np.zeros(3))


def test_an_input_holding_lanes_outside_the_graph_gets_zeros_per_lane() -> None:
    x, y = Value(np.array([1.0, 2.0])), Value(3.0)
    (g,) = grad(y * 2.0, [x])
    np.testing.assert_array_equal(g, np.zeros(2))
    (g2,) = grad(x * 2.0, [x], 1.0)  # a number as the upstream gradient of lanes: each lane's share
    np.testing.assert_array_equal(g2, np.full(2, 2.0))


# -- lanes: dot, powers and warnings ---------------------------------------------------------------


def test_dot_on_lanes_with_three_pairs() -> None:
    w = [Value(np.array([1.0, 2.0])), Value(3.0), Value(np.array([0.5, -1.0]))]
    x = [Value(2.0), Value(np.array([1.0, 1.0])), Value(4.0)]
    out = dot(w, x, Value(1.0))
    assert list(out.data) == [1.0 * 2 + 3 * 1 + 0.5 * 4 + 1, 2.0 * 2 + 3 * 1 - 1.0 * 4 + 1]
    out.sum().backward()
    assert (x[0].grad, x[2].grad) == (3.0, -0.5)


@pytest.mark.parametrize("bias", [None, 0.25, "lanes"], ids=["no bias", "a number", "lanes"])
@pytest.mark.parametrize("weights", ["numbers", "lanes"])
def test_dot_on_lanes_gives_each_parent_its_gradient(weights: str, bias: float | str | None) -> None:
    """``dot`` of two pairs over lanes, with or without a bias, its weights numbers or lanes: the value
    and every parent's gradient of ``sum(dot²)`` (a parent holding a number gets the sum over the
    lanes). Dyadic numbers: every product and sum is exact, so the numbers must be equal."""
    x_data = [np.array([1.0, -2.0, 0.5]), np.array([3.0, 0.25, -1.0])]
    w_data: list[Any] = (
        [0.5, -1.5] if weights == "numbers" else [np.array([0.5, 2.0, -1.0]), np.array([-1.5, 1.0, 4.0])]
    )
    b_data: Any = np.array([0.25, -0.5, 1.0]) if bias == "lanes" else bias
    xs, ws = [Value(d) for d in x_data], [Value(d) for d in w_data]
    b = None if b_data is None else Value(b_data)
    out = dot(ws, xs, b)
    expected = w_data[0] * x_data[0] + w_data[1] * x_data[1] + (0.0 if b_data is None else b_data)
    assert out.data.tolist() == expected.tolist()
    g = 2.0 * expected
    parents = [*ws, *xs] + ([] if b is None else [b])
    wanted = [x * g for x in x_data] + [w * g for w in w_data] + ([] if b is None else [g])
    for parent, want in zip(parents, wanted, strict=True):  # a parent holding a number: the sum over the lanes
        parent_want = float(want.sum()) if type(parent.data) is float else want.tolist()
        (got,) = grad((out * out).sum(), [parent])
        assert (got if type(got) is float else got.tolist()) == parent_want
    (out * out).sum().backward()
    for parent, want in zip(parents, wanted, strict=True):
        assert (parent.grad if type(parent.grad) is float else parent.grad.tolist()) == (
            float(want.sum()) if type(parent.data) is float else want.tolist()
        )


def test_zero_to_a_power_on_lanes_is_what_it_is_on_scalars() -> None:
    base = Value(np.array([0.0, 2.0]))
    exponent = Value(np.array([2.0, 3.0]))
    out = base**exponent
    assert list(out.data) == [0.0, 8.0]
    d_base, d_exponent = out.local_grads
    assert list(d_base) == [0.0, 12.0]
    assert list(d_exponent) == [0.0, 8.0 * math.log(2.0)]
    for i in range(2):  # each lane as the scalar path gives it
        s = Value(float(base.data[i])) ** Value(float(exponent.data[i]))
        assert s.local_grads == (d_base[i], d_exponent[i])


def test_lanes_make_no_numpy_warnings() -> None:
    """numpy's warnings are silenced where the code finds non-finite numbers itself and says so."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DomainError, match="at lane 1"):
            Value(np.array([1.0, 0.0])).log()
        # finite lanes whose sum overflows (the finite check sums them), and inf - inf in that sum
        assert list((Value(np.array([1e308, 1e308])) * 1.0).data) == [1e308, 1e308]
        with pytest.raises(DomainError, match="at lane 0"):
            Value(np.array([1e308, -1e308])) * 1e10
        base, exponent = Value(np.array([0.0, 2.0])), Value(np.array([2.0, 3.0]))
        d_base, d_exponent = grad(base**exponent, [base, exponent], grad_output=np.ones(2), create_graph=True)
        assert list(d_base.data) == [0.0, 12.0]
        assert list(d_exponent.data) == [0.0, 8.0 * math.log(2.0)]
        z = Value(np.array([1.0, 2.0]))
        y = (1e200 * (1e200 * z).sin()).sin().sum()
        with pytest.raises(DomainError, match="backward: the gradient of"):
            y.backward()
        # inf - inf: two equal paths of opposite sign, each overflowing
        paths = [(1e200 * (1e200 * z).sin()).sin() for _ in range(2)]
        y = (paths[0] - paths[1]).sum()
        with pytest.raises(DomainError, match="backward: the gradient of leaf"):
            y.backward()
        with pytest.raises(DomainError, match="grad: the gradient of leaf"):
            grad(y, [z])


# -- x ** y with two Values on lanes: each lane as the scalar path gives it ------------------------


@pytest.mark.parametrize(
    ("base", "exponent"),
    [(0.0, [2.0, 3.0]), (0.0, [0.0, 1.0]), ([0.0, 2.0], [2.0, 3.0]), ([0.0, 2.0], [0.0, 3.0]), ([1.5, 0.0], 2.0)],
)
def test_each_lane_is_the_scalar_result(base: object, exponent: object) -> None:
    a, b = (
        Value(np.asarray(base) if type(base) is list else base),
        Value(np.asarray(exponent) if type(exponent) is list else exponent),
    )
    out = a**b
    lanes = len(out.data)
    for i in range(lanes):
        at = [float(np.broadcast_to(v.data, (lanes,))[i]) for v in (a, b)]
        s = Value(at[0]) ** Value(at[1])
        assert out.data[i] == s.data
        for d, want in zip(out.local_grads, s.local_grads, strict=True):
            assert float(np.broadcast_to(d, (lanes,))[i]) == want, (i, at)


def test_an_infinite_derivative_names_its_lane() -> None:
    with pytest.raises(DomainError, match=r"^0\.0 \*\* 0\.5: local derivative is not finite at lane 0$"):
        Value(0.0) ** Value(np.array([0.5, 2.0]))


@pytest.mark.parametrize(
    ("base", "exponent"), [([1.5, 2.0], [2.0, 3.0]), ([0.0, 2.0], [2.0, 3.0]), ([0.0, 2.0], [1.0, 3.0])]
)
def test_second_derivatives_on_lanes_are_the_scalar_ones(base: list[float], exponent: list[float]) -> None:
    a, b = Value(np.array(base)), Value(np.array(exponent))
    d_a, d_b = grad(a**b, [a, b], grad_output=np.ones(2), create_graph=True)
    dd = grad(d_b.sum(), [a, b])
    for i in range(2):
        sa, sb = Value(base[i]), Value(float(b.data[i]))
        s_a, s_b = grad(sa**sb, [sa, sb], create_graph=True)
        assert (d_a.data[i], d_b.data[i]) == (s_a.data, s_b.data)
        assert [float(dd[0][i]), float(dd[1][i])] == pytest.approx(grad(s_b, [sa, sb]), rel=1e-15)
    assert d_b.data[1] == pytest.approx(8.0 * math.log(2.0), rel=1e-15)


def test_sigmoid_on_lanes_equals_the_scalar_bit_for_bit() -> None:
    for x in (0.9, -0.9, 0.0, 3.7, -12.5):
        scalar = Value(x).sigmoid().data
        lane = float(Value(np.array([x, x])).sigmoid().data[0])
        assert scalar.hex() == lane.hex(), x


def test_sum_to_sums_lanes_only_into_a_scalar() -> None:
    """``lanes.sum_to(like, g)``: a scalar destination (``like`` a float) gets the sum over ``g``'s lanes
    (numbers, or a Value's ``.sum()`` in the graph); lanes, and gradients already scalar, pass unchanged."""
    from autograd.core.lanes import sum_to

    lanes = np.array([1.0, 2.0, 4.0])
    assert sum_to(np.zeros(3), lanes) is lanes
    assert sum_to(np.zeros(3), 2.5) == 2.5
    assert sum_to(1.0, 2.5) == 2.5
    total = sum_to(1.0, lanes)
    assert (type(total), total) == (float, 7.0)
    g = Value(lanes)
    summed = sum_to(1.0, g)
    assert (summed.op, summed.data, summed.parents) == ("lanesum", 7.0, (g,))
    scalar = Value(3.0)
    assert sum_to(1.0, scalar) is scalar
