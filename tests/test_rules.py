"""Every rule in the table: closed-form derivatives, gradcheck and gradgradcheck in float64."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import RULES, DomainError, Value, apply, gradcheck, gradgradcheck
from autograd.testing import op_inputs


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ∂out/∂x_i written independently of the rule table, from the textbook formulas.
CLOSED_FORM = {
    "add": lambda xs, p: (1.0, 1.0),
    "sub": lambda xs, p: (1.0, -1.0),
    "mul": lambda xs, p: (xs[1], xs[0]),
    "div": lambda xs, p: (1.0 / xs[1], -xs[0] / xs[1] ** 2),
    "neg": lambda xs, p: (-1.0,),
    "pow": lambda xs, p: (p * xs[0] ** (p - 1),),
    "powv": lambda xs, p: (xs[1] * xs[0] ** (xs[1] - 1), xs[0] ** xs[1] * math.log(xs[0])),
    "rpow": lambda xs, p: (p ** xs[0] * math.log(p),),
    "exp": lambda xs, p: (math.exp(xs[0]),),
    "log": lambda xs, p: (1.0 / xs[0],),
    "log1p": lambda xs, p: (1.0 / (1.0 + xs[0]),),
    "sqrt": lambda xs, p: (0.5 / math.sqrt(xs[0]),),
    "tanh": lambda xs, p: (1.0 / math.cosh(xs[0]) ** 2,),
    "sigmoid": lambda xs, p: (_sig(xs[0]) * (1 - _sig(xs[0])),),
    "relu": lambda xs, p: (1.0 if xs[0] > 0 else 0.0,),
    "leaky_relu": lambda xs, p: (1.0 if xs[0] > 0 else p,),
    "abs": lambda xs, p: (math.copysign(1.0, xs[0]) if xs[0] != 0 else 0.0,),
    "sin": lambda xs, p: (math.cos(xs[0]),),
    "cos": lambda xs, p: (-math.sin(xs[0]),),
    "sum": lambda xs, p: (1.0,) * len(xs),
    "dot": lambda xs, p: (
        tuple(v for i in range(0, len(xs) - 1, 2) for v in (xs[i + 1], xs[i])) + ((1.0,) if len(xs) % 2 else ())
    ),
}
BUILTIN = sorted(CLOSED_FORM)


def test_every_builtin_rule_has_a_closed_form():
    assert set(BUILTIN) <= set(RULES)


def _params(rule_name: str):
    rule = RULES[rule_name]
    return rule.param_sample if rule.has_param else (None,)


@pytest.mark.parametrize("name", BUILTIN)
@given(data=st.data())
def test_local_derivatives_match_closed_form(name, data):
    xs, param = data.draw(op_inputs(name))
    node = apply(name, *xs, param=param)
    expected = CLOSED_FORM[name](xs, param)
    assert node.op == name
    assert len(node.local_grads) == len(expected)
    for got, want in zip(node.local_grads, expected, strict=True):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", sorted(RULES))
@given(data=st.data())
def test_gradcheck_every_rule(name, data):
    """Picks up every registered rule, including ones added later."""
    xs, param = data.draw(op_inputs(name))
    assert gradcheck(lambda *vs: apply(name, *vs, param=param), *xs, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(RULES))
@given(data=st.data())
def test_gradgradcheck_every_rule(name, data):
    xs, param = data.draw(op_inputs(name, margin=1e-2))
    assert gradgradcheck(lambda *vs: apply(name, *vs, param=param), *xs, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    ("name", "x", "slope", "expected"),
    [("relu", 0.0, None, 0.0), ("abs", 0.0, None, 0.0), ("leaky_relu", 0.0, 0.1, 0.1)],
)
def test_kink_conventions(name, x, slope, expected):
    """relu'(0) = 0 and abs'(0) = 0 (PyTorch's conventions); leaky_relu'(0) = slope."""
    node = apply(name, Value(x), param=slope)
    assert node.local_grads == (expected,)


@pytest.mark.parametrize("x", [-1000.0, -745.0, -30.0, 0.0, 30.0, 745.0, 1000.0])
def test_sigmoid_is_stable_at_extremes(x):
    y = Value(x).sigmoid()
    assert 0.0 <= y.data <= 1.0
    assert math.isfinite(y.local_grads[0])
    assert y.data == pytest.approx(_sig(x) if abs(x) < 700 else float(x > 0))


@pytest.mark.parametrize("x", [-1.0, -2.0])
def test_log1p_refuses_x_at_or_below_minus_one(x: float) -> None:
    with pytest.raises(DomainError, match=rf"log1p\({x!r}\) is undefined"):
        Value(x).log1p()
    with pytest.raises(DomainError, match="lane 1"):
        Value(np.array([0.5, x])).log1p()


def test_log1p_is_exact_where_one_plus_x_rounds() -> None:
    y = Value(1e-18).log1p()
    y.backward()
    assert y.data == 1e-18
    assert y.parents[0].grad == 1.0


def test_sqrt_blames_the_derivative_only_at_zero() -> None:
    with pytest.raises(DomainError, match=r"^sqrt\(-4\.0\) is undefined: needs x > 0$"):
        Value(-4.0).sqrt()
    with pytest.raises(DomainError, match=r"^sqrt\(0\.0\) is undefined: needs x > 0 \(the derivative .* at 0\)$"):
        Value(0.0).sqrt()
