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


# -- x ** y at x = y = 0 under create_graph: the finite first derivative, not a refusal --------


def test_create_graph_at_zero_to_the_zero_gives_the_first_derivatives() -> None:
    """∂(x**y)/∂x = y·x**(y-1) is recorded as one ``powv_dbase`` node, defined (0) at x = y = 0
    where the Value expression needed 0 ** -1; its own derivatives there are undefined, so a
    gradient taken through it raises, naming it (PyTorch gives (0, 0), then nan)."""
    x, y = Value(0.0), Value(0.0)
    d_x, d_y = grad(x**y, [x, y], create_graph=True)
    assert (d_x.data, d_y.data) == (0.0, 0.0)
    out = x**y
    out.backward()
    assert (x.grad, y.grad) == (0.0, 0.0)
    with pytest.raises(DomainError, match=r"the local derivative of v\d+ \('powv_dbase'\) is infinite or undefined"):
        grad(d_x, [x, y])


def test_create_graph_at_zero_to_the_zero_on_lanes_is_each_lane_as_on_scalars() -> None:
    a, b = Value(np.array([0.0, 2.0])), Value(np.array([0.0, 3.0]))
    d_a, d_b = grad(a**b, [a, b], grad_output=np.ones(2), create_graph=True)
    for i in range(2):
        sa, sb = Value(float(a.data[i])), Value(float(b.data[i]))
        s_a, s_b = grad(sa**sb, [sa, sb], create_graph=True)
        assert (d_a.data[i], d_b.data[i]) == (s_a.data, s_b.data)
    assert d_a.data[1] == pytest.approx(3.0 * 2.0**2, rel=1e-15)


# x, y, and the second derivatives of x**y with respect to (x, x) and (x, y) from the textbook
# formulas y(y-1)·x**(y-2) and x**(y-1)·(1 + y·ln x), None where undefined.
SECOND = [
    (0.0, 0.0, None),
    (0.0, 2.0, (2.0, 0.0)),  # x**y = 0 for every y > 1 at x = 0
    (1.3, 0.7, (0.7 * -0.3 * 1.3**-1.3, 1.3**-0.3 * (1.0 + 0.7 * math.log(1.3)))),
    (2.0, 0.0, (0.0, 0.5)),  # PyTorch gives 0 for the second: its mask at y = 0 is a constant
    (0.5, 1.0, (0.0, 1.0 + math.log(0.5))),
]


@pytest.mark.parametrize(("x", "y", "second"), SECOND)
def test_second_derivatives_of_x_to_the_y_through_create_graph(
    x: float, y: float, second: tuple[float, float] | None
) -> None:
    vx, vy = Value(x), Value(y)
    d_x, _ = grad(vx**vy, [vx, vy], create_graph=True)
    if second is None:  # undefined there (PyTorch: nan): we raise, naming the node, rather than return nan
        with pytest.raises(DomainError, match="powv_dbase"):
            grad(d_x, [vx, vy])
    else:
        assert grad(d_x, [vx, vy]) == pytest.approx(second, rel=1e-14, abs=1e-300)


@pytest.mark.parametrize(("x", "y"), [(x, y) for x, y, _ in SECOND])
def test_first_derivatives_of_x_to_the_y_through_create_graph_match_pytorch(x: float, y: float) -> None:
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    t_dx, t_dy = torch.autograd.grad(tx**ty, [tx, ty])
    vx, vy = Value(x), Value(y)
    d_x, d_y = grad(vx**vy, [vx, vy], create_graph=True)
    assert (d_x.data, d_y.data) == pytest.approx((float(t_dx), float(t_dy)), rel=1e-14, abs=0.0)
