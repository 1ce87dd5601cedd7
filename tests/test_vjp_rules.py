"""The fused backward rules (``Rule.vjp``): what ``grad(create_graph=True)`` records for tanh and
sigmoid, checked on the path users take — ``grad`` itself — against textbook derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import RULES, Value, apply, grad, gradgradcheck
from autograd.testing import safe_floats

FUSED = {"tanh": "tanh_backward", "sigmoid": "sigmoid_backward"}


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# f, f', f'', f''' from the textbook formulas, independent of the rule table.
def _tanh_derivatives(x: float) -> tuple[float, float, float]:
    t = math.tanh(x)
    return 1.0 - t * t, -2.0 * t * (1.0 - t * t), (1.0 - t * t) * (6.0 * t * t - 2.0)


def _sigmoid_derivatives(x: float) -> tuple[float, float, float]:
    s = _sig(x)
    d1 = s * (1.0 - s)
    return d1, d1 * (1.0 - 2.0 * s), d1 * (1.0 - 6.0 * s + 6.0 * s * s)


TEXTBOOK = {"tanh": _tanh_derivatives, "sigmoid": _sigmoid_derivatives}


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 + 1e-10 * abs(b)


def test_every_vjp_names_a_two_input_rule_equal_to_g_times_the_derivative() -> None:
    with_vjp = {name: rule.vjp for name, rule in RULES.items() if rule.vjp}
    assert with_vjp == FUSED
    for name, fused in with_vjp.items():
        rule = RULES[name]
        assert RULES[fused].arity == 2
        for x in (-2.5, -0.3, 0.0, 0.7, 3.1):
            out = rule.forward(x)
            for g in (1.0, -0.4, 2.5):
                assert _close(RULES[fused].forward(out, g), g * rule.local(out, x)[0])


@pytest.mark.parametrize("name", sorted(FUSED))
def test_grad_with_create_graph_records_one_fused_node(name: str) -> None:
    x = Value(0.37)
    y = getattr(x, name)()
    (dx,) = grad(y, [x], -1.3, create_graph=True)
    assert dx.op == FUSED[name]
    assert dx.parents[0] is y
    assert dx.parents[1].data == -1.3
    d1, _, _ = TEXTBOOK[name](0.37)
    assert _close(dx.data, -1.3 * d1)
    # the same node apply() builds from the same inputs
    same = apply(FUSED[name], y, dx.parents[1])
    assert (same.data, same.local_grads) == (dx.data, dx.local_grads)


@pytest.mark.parametrize("name", sorted(FUSED))
@given(x=safe_floats(-4.0, 4.0))
def test_first_second_and_third_derivatives_through_grad(name: str, x: float) -> None:
    v = Value(x)
    (d1,) = grad(getattr(v, name)(), [v], create_graph=True)
    (d2,) = grad(d1, [v], create_graph=True)
    (d3,) = grad(d2, [v])
    want = TEXTBOOK[name](x)
    assert _close(d1.data, want[0])
    assert _close(d2.data, want[1])
    assert _close(d3, want[2])


@pytest.mark.parametrize("name", sorted(FUSED))
def test_the_second_derivative_of_a_composition_passes_gradgradcheck(name: str) -> None:
    def f(x: Value, w: Value) -> Value:
        return getattr(x * w + 0.3, name)() * getattr(w, name)()

    assert gradgradcheck(f, 0.4, -1.1, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(FUSED))
def test_lanes_through_the_fused_node(name: str) -> None:
    xs = np.array([-1.5, 0.2, 2.0])
    v = Value(xs)
    (d1,) = grad(getattr(v, name)(), [v], np.ones(3), create_graph=True)
    assert d1.op == FUSED[name]
    want = np.array([TEXTBOOK[name](float(x))[0] for x in xs])
    np.testing.assert_allclose(d1.data, want, rtol=1e-12)
    (d2,) = grad(d1, [v], np.ones(3))
    np.testing.assert_allclose(d2, [TEXTBOOK[name](float(x))[1] for x in xs], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", sorted(FUSED))
def test_a_data_assignment_after_the_graph_is_still_detected(name: str) -> None:
    x = Value(0.3)
    y = getattr(x, name)()
    x.data = 0.5
    y.data = getattr(Value(0.5), name)().data  # as if recomputed in place: the stored derivative is stale
    with pytest.raises(ValueError, match=rf"node v\d \({name!r}\).*\.data was assigned"):
        grad(y, [x], create_graph=True)


@given(st.sampled_from(sorted(FUSED)), safe_floats(-3.0, 3.0), safe_floats(-3.0, 3.0))
def test_backward_and_create_graph_agree(name: str, x: float, w: float) -> None:
    a, b = Value(x), Value(w)
    y = getattr(a * b, name)() * b
    (ga, gb) = grad(y, [a, b], create_graph=True)
    y.backward()
    assert _close(ga.data, a.grad)
    assert _close(gb.data, b.grad)
