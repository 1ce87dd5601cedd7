"""Numbers at float64's edges: refused only when a result or a gradient asked for is not finite, errors as promised."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from autograd import DomainError, Value, grad, vsum


def test_the_gradient_of_an_undefined_second_derivative_is_a_domain_error() -> None:
    """It raised numpy's TypeError (`_not_finite` was handed None for a child off the path)."""
    x = Value(0.0, label="x")
    (g,) = grad((x**1.5).tanh(), [x], create_graph=True)
    assert g.data == 0.0
    with pytest.raises(DomainError, match=r"the local derivative of .*'pow'.* is infinite or undefined"):
        grad(g, [x])
    with pytest.raises(DomainError, match="is infinite or undefined"):
        g.backward()


def test_dividing_by_a_tiny_constant_works_when_result_and_gradient_are_finite() -> None:
    """`Value(2.0) / 1e-160` raised: the unused derivative with respect to the constant overflowed."""
    a = Value(2.0)
    y = a / 1e-160
    assert y.data == 2e160
    y.backward()
    assert a.grad == pytest.approx(1e160, rel=1e-15)
    assert y.parents[1].grad == -math.inf  # the constant's own gradient, shown as it is
    assert grad(a / 1e-160, [a]) == [pytest.approx(1e160, rel=1e-15)]
    b = Value(1e-160)  # a Value the user made: its gradient can be asked for, and it overflows
    with pytest.raises(DomainError, match="overflows float64"):
        Value(2.0) / b
    with pytest.raises(DomainError, match="overflows float64"):
        a / 1e-310  # the result itself overflows


def test_dividing_lanes_by_a_tiny_constant_works_as_on_scalars() -> None:
    """Lanes skip the constant's derivative check as scalars do: each lane is what the scalar gives."""
    x = Value(np.array([2.0, -1.0]))
    y = x / 1e-160
    assert y.data.tolist() == [(Value(2.0) / 1e-160).data, (Value(-1.0) / 1e-160).data]
    y.sum().backward()
    assert x.grad.tolist() == [1e160, 1e160]
    assert grad((x / 1e-160).sum(), [x])[0].tolist() == [1e160, 1e160]
    with pytest.raises(DomainError, match=r"2\.0 / 1e-160: local derivative is not finite at lane 0"):
        x / Value(1e-160)  # a Value the user made: its gradient can be asked for, and it overflows
    with pytest.raises(DomainError, match="overflows at lane 0"):
        x / 1e-310  # the result itself overflows


def test_a_sum_whose_partial_sums_overflow_but_whose_total_does_not() -> None:
    assert vsum([1e308, 1e308, -1e308]).data == 1e308
    a = Value(1e308)
    s = vsum([a, 1e308, -1e308])
    s.backward()
    assert (s.data, a.grad) == (1e308, 1.0)
    assert vsum([1e308, 1e-300, 1e308, -1e308, -1e308]).data == 1e-300  # exactly, as fsum would
    with pytest.raises(DomainError, match="the sum overflows float64"):
        vsum([1e308, 1e308])


def test_the_mean_of_lanes_whose_sum_overflows() -> None:
    x = Value(np.array([1e308, 1e308]))
    m = x.mean()
    assert m.data == 1e308
    m.backward()
    assert x.grad.tolist() == [0.5, 0.5]
    big = [1.7e308] * 5 + [-1.0e308]
    assert Value(np.array(big)).mean().data == pytest.approx(float(sum(map(Fraction, big)) / 6), rel=1e-15)
    with pytest.raises(DomainError, match="overflows"):
        x.sum()  # 2e308 is beyond float64


@pytest.mark.parametrize(
    ("other", "less"),
    [(Fraction(10**400, 3), True), (Fraction(-(10**400), 3), False), (Fraction(3, 2), False), (Fraction(1, 10), False)],
)
def test_comparing_with_a_fraction_is_exact_however_large(other: Fraction, less: bool) -> None:
    """`Value(1.5) < Fraction(10**400, 3)` raised OverflowError."""
    v = Value(1.5 if other != Fraction(1, 10) else 0.1)
    assert (v < other) is less
    assert (v >= other) is not less
    assert (other > v) is less


def test_a_0d_array_is_a_number_as_exponent_base_and_in_comparisons() -> None:
    """A 0-d array (what numpy reductions give) was refused as an exponent or in a comparison."""
    x = Value(2.0)
    y = x ** np.array(3.0)
    y.backward()
    assert (y.data, x.grad) == (8.0, 12.0)
    assert (np.array(3.0) ** Value(2.0)).data == 9.0
    assert x < np.array(3.0)
    assert np.array(3.0) > x
    assert x >= np.float64(2.0)
    assert not x < np.array(2.0)
    with pytest.raises(TypeError):
        _ = x < np.array([3.0, 4.0])  # lanes are not a number to compare with


def test_the_mean_of_subnormal_lanes_is_exact() -> None:
    """numpy's mean, not the scaled one kept for sums that overflow (scaling down would lose subnormal bits)."""
    assert Value(np.array([5e-324, 5e-324])).mean().data == 5e-324
    assert Value(np.array([1e-310, 3e-310])).mean().data == 2e-310
