"""``x ** y`` through ``grad(create_graph=True)`` at x = y = 0, and its second derivatives.

∂(x**y)/∂x = y·x**(y-1) is recorded as one ``powv_dbase`` node (in the rule table, tested
there like every rule), defined — 0 — at y = 0 also where x = 0, where the Value expression
needed 0 ** -1. Its own derivatives at x = 0 are undefined where a power is, and a gradient
taken through it then raises, naming it (PyTorch gives nan).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import DomainError, Value, grad, topological_order


def test_create_graph_at_zero_to_the_zero_gives_the_first_derivatives() -> None:
    x, y = Value(0.0), Value(0.0)
    d_x, d_y = grad(x**y, [x, y], create_graph=True)
    assert (d_x.data, d_y.data) == (0.0, 0.0)
    assert "powv_dbase" in {node.op for node in topological_order(d_x)}
    out = x**y
    out.backward()
    assert (x.grad, y.grad) == (0.0, 0.0)
    with pytest.raises(DomainError, match=r"the local derivative of v\d+ \('powv_dbase'\) is infinite or undefined"):
        grad(d_x, [x, y])


# x, y and the second derivatives ∂²/∂x² and ∂²/∂x∂y of x**y from the textbook formulas
# y(y-1)·x**(y-2) and x**(y-1)·(1 + y·ln x); None where they are undefined.
SECOND = [
    (0.0, 0.0, None),
    (0.0, 2.0, (2.0, 0.0)),  # x**y = 0 for every y > 1 at x = 0: ∂²/∂x∂y = 0
    (0.0, 3.0, (0.0, 0.0)),
    (0.0, 1.5, None),  # y(y-1)·x**(y-2) is infinite at 0 for 1 < y < 2
    (1.3, 0.7, (0.7 * -0.3 * 1.3**-1.3, 1.3**-0.3 * (1.0 + 0.7 * math.log(1.3)))),
    (2.0, 0.0, (0.0, 0.5)),
    (0.5, 1.0, (0.0, 1.0 + math.log(0.5))),
    (2.5, -1.5, (-1.5 * -2.5 * 2.5**-3.5, 2.5**-2.5 * (1.0 - 1.5 * math.log(2.5)))),
]


@pytest.mark.parametrize(("x", "y", "second"), SECOND)
def test_second_derivatives_of_x_to_the_y_through_create_graph(
    x: float, y: float, second: tuple[float, float] | None
) -> None:
    vx, vy = Value(x), Value(y)
    d_x, d_y = grad(vx**vy, [vx, vy], create_graph=True)
    if second is None:  # undefined there (PyTorch: nan): we raise, naming the node, rather than return nan
        with pytest.raises(DomainError, match="powv_dbase"):
            grad(d_x, [vx, vy])
    else:
        assert grad(d_x, [vx, vy]) == pytest.approx(second, rel=1e-14, abs=1e-300)
        # the mixed derivative is the same either way round
        assert grad(d_y, [vx])[0] == pytest.approx(second[1], rel=1e-14, abs=1e-300)


@pytest.mark.parametrize(("x", "y"), [(x, y) for x, y, _ in SECOND])
def test_first_derivatives_through_create_graph_match_backward_and_pytorch(x: float, y: float) -> None:
    vx, vy = Value(x), Value(y)
    d_x, d_y = grad(vx**vy, [vx, vy], create_graph=True)
    assert (d_x.data, d_y.data) == tuple(grad(vx**vy, [vx, vy]))
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    t_dx, t_dy = torch.autograd.grad(tx**ty, [tx, ty])
    assert (d_x.data, d_y.data) == pytest.approx((float(t_dx), float(t_dy)), rel=1e-14, abs=0.0)


def test_a_rule_of_its_own_on_numbers() -> None:
    from autograd import RULES

    rule = RULES["powv_dbase"]
    assert rule.forward(0.0, 0.0) == 0.0
    assert rule.forward(2.0, 0.0) == 0.0
    assert rule.forward(2.0, 3.0) == 12.0
    assert rule.forward(0.0, 1.0) == 1.0
    with pytest.raises(ValueError, match="zero to a negative power"):
        rule.forward(0.0, 0.5)


def test_on_lanes_each_lane_is_the_scalar_value() -> None:
    from autograd import RULES, apply, no_grad

    a = np.array([0.0, 0.0, 2.0, 1.3, 0.0, 4.0])
    b = np.array([0.0, 2.0, 0.0, 0.7, 3.0, -0.5])
    with no_grad():  # the values only (the local derivatives are undefined at a lane 0 ** 0)
        out = apply("powv_dbase", Value(a), Value(b))
    expected = [RULES["powv_dbase"].forward(float(x), float(y)) for x, y in zip(a, b, strict=True)]
    assert out.data.tolist() == pytest.approx(expected, rel=1e-15, abs=0.0)
    with pytest.raises(DomainError, match="at lane 1"):
        apply("powv_dbase", Value(np.array([1.0, -1.0])), Value(np.array([2.0, 2.5])))


def test_lanes_keep_the_value_expression_and_refuse_x_to_the_y_at_a_lane_zero_to_the_zero() -> None:
    # powv_dbase is for scalar Values; a base holding lanes keeps b·a**(b-1), which at a lane
    # with x = y = 0 needs 0 ** -1 and is refused naming the lane (lanes are not fixed here)
    base, exponent = Value(np.array([0.0, 2.0])), Value(0.0)
    with pytest.raises(DomainError, match=r"^0\.0 \*\* -1\.0 is undefined or overflows at lane 0$"):
        grad(base**exponent, [base, exponent], grad_output=np.ones(2), create_graph=True)
    other = Value(np.array([1.5, 2.0]))
    d_base, _ = grad(other**exponent, [other, exponent], np.ones(2), create_graph=True)
    np.testing.assert_array_equal(d_base.data, [0.0, 0.0])
    assert "powv_dbase" not in {node.op for node in topological_order(d_base)}
