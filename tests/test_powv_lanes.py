"""``x ** y`` with two Values where lanes are involved: each lane as the scalar path gives it.

Two bugs found by mutation testing: a scalar base meeting a lane exponent raised "the truth
value of an array is ambiguous" (``Value(0.0) ** Value(np.array([2.0, 3.0]))``), and
``grad(..., create_graph=True)`` through a base holding lanes raised "comparisons need scalar
Values" (the derivative ∂/∂exponent = out·log(base) was taken on the base's numbers).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import DomainError, Value, grad


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
