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


def _scalar_derivatives(x: float, y: float) -> tuple[float, float, float, list[float] | None]:
    """∂/∂x, ∂/∂y, ∂²/∂y∂x and [∂²/∂x², ∂²/∂x∂y] (None: raises) of x**y on scalars."""
    vx, vy = Value(x), Value(y)
    d_x, d_y = grad(vx**vy, [vx, vy], create_graph=True)
    (mixed,) = grad(d_y, [vx])
    try:
        second: list[float] | None = grad(d_x, [vx, vy])
    except DomainError:
        second = None
    return d_x.data, d_y.data, mixed, second


def test_lanes_give_each_lane_the_derivatives_scalars_give() -> None:
    # every case of SECOND at once, x = y = 0 among them: the first derivatives are defined there
    # (∂/∂x is recorded as one powv_dbase node on lanes too), and the gradients of ∂/∂y are those of
    # its scalar form, lane by lane — at x = y = 0, 0: ∂/∂y is 0 wherever x = 0, a constant
    scalar = [_scalar_derivatives(x, y) for x, y, _ in SECOND]
    vx, vy = Value(np.array([x for x, _, _ in SECOND])), Value(np.array([y for _, y, _ in SECOND]))
    d_x, d_y = grad((vx**vy).sum(), [vx, vy], create_graph=True)
    assert d_x.data.tolist() == [s[0] for s in scalar]
    assert d_y.data.tolist() == [s[1] for s in scalar]
    assert "powv_dbase" in {node.op for node in topological_order(d_x)}
    (mixed,) = grad(d_y.sum(), [vx])
    assert mixed.tolist() == [s[2] for s in scalar]
    assert mixed[0] == 0.0  # x = y = 0


def test_on_lanes_a_second_derivative_through_an_undefined_lane_raises_as_on_scalars() -> None:
    defined = [(x, y) for x, y, second in SECOND if second is not None]
    vx, vy = Value(np.array([x for x, _ in defined])), Value(np.array([y for _, y in defined]))
    d_x, _ = grad((vx**vy).sum(), [vx, vy], create_graph=True)
    d_xx, d_xy = grad(d_x.sum(), [vx, vy])
    second = [_scalar_derivatives(x, y)[3] for x, y in defined]
    assert d_xx.tolist() == [s[0] for s in second if s is not None]
    assert d_xy.tolist() == [s[1] for s in second if s is not None]
    # x = y = 0 (lane 1) and x = 0, y = 1.5 (lane 2): recorded, and raising only when a gradient uses them
    for undefined in ([2.0, 0.0], [2.0, 0.0, 0.0]):
        vx = Value(np.array(undefined))
        vy = Value(np.array([1.5, 0.0, 1.5][: len(undefined)]))
        d_x, _ = grad((vx**vy).sum(), [vx, vy], create_graph=True)
        assert d_x.data.tolist() == [1.5 * 2.0**0.5] + [0.0] * (len(undefined) - 1)
        with pytest.raises(
            DomainError,
            match=r"^grad: the gradient of leaf 'v\d+' .* is lanes, first not finite at lane 1: .*"
            r"the local derivative of v\d+ \('powv_dbase'\) is infinite or undefined at its data",
        ):
            grad(d_x.sum(), [vx, vy])
