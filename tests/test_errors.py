"""Domain errors: the exact boundaries of every op's domain, and messages that say exactly what was wrong.

Also in the graph of a gradient (``create_graph=True``): an infinite or undefined second
derivative is refused, or recorded as nan only where it cannot matter, and named exactly.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np
import pytest
from engine_support import raises_exactly

from autograd import (
    DomainError,
    Value,
    backward,
    grad,
    topological_order,
    zero_grad,
)

# -- domains: the exact boundaries and the messages ------------------------------------------------


DOMAIN_MESSAGES: list[tuple[Callable[[], object], str]] = [
    (lambda: Value(1.0) / Value(0.0), "1.0 / 0.0 is undefined: division by zero"),
    (lambda: Value(0.0).log(), "log(0.0) is undefined: needs x > 0"),
    (lambda: Value(-1.0).log(), "log(-1.0) is undefined: needs x > 0"),
    (lambda: Value(-1.0).log1p(), "log1p(-1.0) is undefined: needs x > -1"),
    (lambda: Value(-1.5).log1p(), "log1p(-1.5) is undefined: needs x > -1"),
    (lambda: Value(-2.0) ** 0.5, "(-2.0) ** 0.5 is undefined: a negative base needs an integer exponent"),
    (lambda: Value(0.0) ** -1.0, "0.0 ** -1.0 is undefined: zero to a negative power is infinite"),
    (lambda: Value(0.0) ** 0.5, "0.0 ** 0.5 is undefined: the derivative p·x**(p-1) is infinite at 0 for p < 1"),
    (lambda: Value(1e200) ** 3.0, "1e+200 ** 3.0 is undefined: overflows float64"),
    (lambda: Value(1e-300) ** -1.0, "1e-300 ** -1.0 is undefined: overflows float64"),
    (
        lambda: Value(-1.0) ** Value(2.0),
        "(-1.0) ** (2.0) is undefined: a Value exponent needs a base >= 0 (∂/∂exponent = out·log(base))",
    ),
    (lambda: Value(0.0) ** Value(-1.0), "0.0 ** -1.0 is undefined: zero to a negative power is infinite"),
    (
        lambda: Value(0.0) ** Value(0.5),
        "0.0 ** 0.5 is undefined: the derivative y·x**(y-1) with respect to the base x is infinite at 0 for 0 < y < 1",
    ),
    (lambda: 0.0 ** Value(-2.0), "0.0 ** -2.0 is undefined: zero to a negative power is infinite"),
    (lambda: 0.5 ** Value(-2000.0), "0.5 ** -2000.0 is undefined: overflows float64"),
    (
        lambda: (-1.0) ** Value(-2.0),
        "(-1.0) ** -2.0 is undefined: a Value exponent needs a base >= 0 (∂/∂exponent = out·log(base))",
    ),
    (lambda: Value(1000.0).exp(), "exp(1000.0) is undefined: overflows float64 (needs x <= 709.782713)"),
    (lambda: Value(np.array([1.0, -2.0])) ** 0.5, "(-2.0) ** 0.5 is undefined or overflows at lane 1"),
    (lambda: Value(np.array([1.0, 0.0])) ** 0.5, "0.0 ** 0.5: local derivative is not finite at lane 1"),
    (lambda: Value(np.array([1e308, 1e308])).sum(), "lanesum(1e+308) is undefined or overflows at lane 0"),
]


def test_the_domain_boundaries_themselves() -> None:
    largest = math.log(sys.float_info.max)  # exp is finite exactly up to here
    assert Value(largest).exp().data == math.exp(largest)
    assert (Value(3.0) / Value(1.0)).local_grads == (1.0, -3.0)
    assert (Value(1.0) ** 0.5).local_grads == (0.5,)
    assert (Value(0.0) ** 1.0).local_grads == (1.0,)
    one = Value(1.0) ** Value(-1.0)
    assert (one.data, one.local_grads) == (1.0, (-1.0, 0.0))
    zero_zero = Value(0.0) ** Value(0.0)  # 1, gradient 0 for both (as PyTorch)
    assert (zero_zero.data, zero_zero.local_grads) == (1.0, (0.0, 0.0))
    const = 0.0 ** Value(0.0)
    assert (const.data, const.local_grads) == (1.0, (0.0,))
    b = Value(0.0)
    assert (Value(2.0) ** b).local_grads == (0.0, math.log(2.0))
    assert abs(Value(-2.5)).local_grads == (-1.0,)
    assert abs(Value(2.5)).local_grads == (1.0,)
    assert Value(-1.0).leaky_relu().local_grads == (0.01,)
    assert Value(-2.0).leaky_relu().data == -0.02


# ASCII ids (· as *, ∂ as d): pytest escapes other characters in ids, and a test id that
# differs from its printed form cannot be selected by name (e.g. by `mutmut run NAME`).
@pytest.mark.parametrize(
    ("make", "message"), DOMAIN_MESSAGES, ids=[m.replace("·", "*").replace("∂", "d") for _, m in DOMAIN_MESSAGES]
)
def test_domain_errors_say_exactly_what_was_wrong(make: Callable[[], object], message: str) -> None:
    raises_exactly(DomainError, message, make)


def test_the_gradient_graph_refuses_an_infinite_second_derivative_when_it_is_built() -> None:
    x = Value(0.0)
    (d,) = grad(x**1.5, [x], create_graph=True)
    assert d.data == 0.0
    raises_exactly(
        DomainError,
        "0.0 ** -0.5 is undefined: zero to a negative power is infinite",
        lambda: grad(d, [x], create_graph=True),
    )
    base, exponent = Value(0.0), Value(1.5)
    (d_base,) = grad(base**exponent, [base], create_graph=True)  # finite: 1.5·0**0.5 = 0
    assert d_base.data == 0.0
    with pytest.raises(DomainError, match=r"local derivative of v\d+ \('powv_dbase'\) is infinite or undefined"):
        grad(d_base, [base])


def test_the_gradient_graph_records_nan_for_an_infinite_local_derivative_only() -> None:
    """d log(x)/dx = 1/x is recorded as a ``div`` node; at x = 1e-160 its derivative with respect to
    x, -1/x², overflows: recorded as nan (used only if a gradient goes through it), while its
    finite derivative with respect to the numerator is kept."""
    x = Value(1e-160)
    (d,) = grad(x.log(), [x], create_graph=True)
    assert d.data == 1e160
    (div,) = [n for n in topological_order(d) if n.op == "div"]
    numerator, by_x = div.local_grads
    assert numerator == 1e160
    assert math.isnan(by_x)


def test_an_undefined_second_derivative_is_named_exactly() -> None:
    x = Value(0.0)
    (d,) = grad(x**1.5, [x], create_graph=True)
    raises_exactly(
        DomainError,
        "grad: the gradient of leaf 'v1' (v1 in topological_order, data 0.0) is nan: the local derivative of "
        "v2 ('pow') is infinite or undefined at its data (v2 ('pow'): nan × 1.5)",
        lambda: grad(d, [x]),
    )


def test_bad_arguments_name_their_type() -> None:
    raises_exactly(TypeError, "expected a Value, got str", lambda: topological_order("x"))  # type: ignore[arg-type]
    raises_exactly(TypeError, "expected a Value, got float", lambda: backward(1.0))  # type: ignore[arg-type]
    raises_exactly(TypeError, "zero_grad expects Values, got int", lambda: zero_grad([Value(1.0), 3]))  # type: ignore[list-item]


# -- domain errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Value(-1.0).log(), r"log\(-1\.0\)"),
        (lambda: Value(0.0).log(), r"log\(0\.0\)"),
        (lambda: Value(-2.0).sqrt(), r"sqrt\(-2\.0\)"),
        (lambda: Value(1.0) / 0, r"1\.0 / 0\.0"),
        (lambda: 1 / Value(0.0), r"1\.0 / 0\.0"),
        (lambda: Value(-8.0) ** 0.5, r"\(-8\.0\) \*\* 0\.5"),
        (lambda: Value(0.0) ** -1, r"0\.0 \*\* -1\.0"),
        (lambda: Value(1000.0).exp(), r"exp\(1000\.0\).*overflows"),
        (lambda: Value(1e200) * 1e200, r"overflows"),
        (lambda: Value(-2.0) ** Value(0.5), r"\(-2\.0\) \*\* \(0\.5\)|\(-2\.0\) \*\* 0\.5"),
        (lambda: (-2.0) ** Value(2.0), r"\(-2\.0\) \*\* 2\.0"),
    ],
)
def test_domain_errors_name_op_and_value(make, message):
    with pytest.raises(DomainError, match=message):
        make()


def test_domain_error_leaves_graph_untouched():
    x = Value(-1.0)
    y = x * 2.0
    with pytest.raises(DomainError):
        y.log()
    # nothing half-built: y is still the root of a clean two-leaf graph
    assert len(topological_order(y)) == 3
    y.backward()
    assert x.grad == 2.0


def test_sigmoid_has_no_overflow_at_extremes():
    for x in (-1000.0, 1000.0):
        y = Value(x).sigmoid()
        y.backward()
        assert math.isfinite(y.data)


def test_a_user_op_whose_forward_returns_a_bool_is_refused(user_op: Callable[..., Callable[..., Value]]) -> None:
    # True is an int (and a numbers.Real): it must not become 1.0 silently.
    op = user_op("returns_true", lambda x: True, lambda out, x: (1.0,))
    with pytest.raises(TypeError, match=r"op 'returns_true': its value must be a float, got bool: True"):
        op(Value(1.0))


def test_a_user_op_that_overflows_inside_a_gradient_graph_is_named_with_its_arguments(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    """A user's softplus of sharpness β, ``log(1 + exp(βx))/β``, whose derivative on Values is written
    ``e / (1 + e)`` with their own op ``e = scaled_exp(x, β) = exp(βx)`` (numpy: inf where it overflows,
    while its ``local``, with math.exp, raises there). At x = 400, β = 2 the first derivative is 1 on
    numbers; building the gradient's graph records scaled_exp(400.0, 2.0), whose value is inf:
    refused as any op is (a value is never deferred), naming the op with its argument and β."""

    def exp_or_inf(x: float, beta: float) -> float:
        with np.errstate(over="ignore"):
            return float(np.exp(beta * x))

    scaled_exp = user_op("scaled_exp", exp_or_inf, lambda out, x, beta: (beta * math.exp(beta * x),), has_param=True)

    def slope(x: Value | float, beta: float) -> Value | float:  # ∂/∂x: their op on Values, a stable sigmoid on numbers
        if isinstance(x, Value):
            e = scaled_exp(x, param=beta)
            return e / (1.0 + e)
        return 1.0 / (1.0 + math.exp(-beta * x))

    softplus = user_op(
        "softplus_beta",
        lambda x, beta: (max(beta * x, 0.0) + math.log1p(math.exp(-abs(beta * x)))) / beta,
        lambda out, x, beta: (slope(x, beta),),
        has_param=True,
    )
    x = Value(400.0)
    y = softplus(x, param=2.0)
    assert (y.data, grad(y, [x])) == (400.0, [1.0])
    raises_exactly(
        DomainError,
        "scaled_exp(400.0, 2.0) overflows float64 (value inf)",
        lambda: grad(softplus(x, param=2.0), [x], create_graph=True),
    )
    x = Value(1.0)
    (d,) = grad(softplus(x, param=2.0), [x], create_graph=True)
    assert d.data == pytest.approx(1.0 / (1.0 + math.exp(-2.0)), rel=1e-15)


def test_a_leaf_output_whose_gradient_overflows_across_calls_is_named() -> None:
    """``x.backward()`` on a leaf adds the seed into ``x.grad`` on every call: twice 1e308 overflows,
    and the error names the leaf itself (the output: no other node to blame)."""
    x = Value(1.0, label="x")
    x.backward(1e308)
    with pytest.raises(
        DomainError, match=r"^backward: the gradient of leaf 'x' \(v0 in topological_order, data 1.0\) is inf"
    ):
        x.backward(1e308)


def test_every_undefined_derivative_into_a_node_is_named() -> None:
    """Two gradient graphs at x = 0, each holding ``x ** 0.5`` (derivative infinite there, recorded as
    nan): the gradient of their sum with respect to x names both nodes."""
    x = Value(0.0, label="x")
    (d1,) = grad(x**1.5, [x], create_graph=True)
    (d2,) = grad(x**1.5 * 2.0, [x], create_graph=True)
    raises_exactly(
        DomainError,
        "grad: the gradient of leaf 'x' (v1 in topological_order, data 0.0) is nan: the local derivative of "
        "v2 ('pow'), v7 ('pow') is infinite or undefined at its data (v2 ('pow'): nan × 1.5; v7 ('pow'): nan × 3.0)",
        lambda: grad(d1 + d2, [x]),
    )


def test_an_overflowing_lanes_gradient_shows_its_first_bad_lane() -> None:
    x = Value(np.array([1.0, 2.0]), label="x")
    y = x * 1e200
    with pytest.raises(DomainError, match=r"is lanes, first not finite at lane 1: inf: "):
        y.backward(np.array([1.0, 1e200]))
