"""Defined values are not refused: under no_grad only the value's domain matters; ``0 ** y``
for y > 0 is 0 with gradient 0 with respect to y; ``create_graph=True`` returns a finite first
derivative and raises only when an infinite second derivative is actually used.
Held against PyTorch in float64 where it is installed."""

from __future__ import annotations

import math

import pytest

from autograd import DomainError, Value, grad


@pytest.mark.parametrize("y", [1.0, 1.5, 2.0, 3.0])
def test_zero_to_a_positive_value_power(y: float) -> None:
    a, b = Value(0.0), Value(y)
    out = a**b
    out.backward()
    assert out.data == 0.0
    assert b.grad == 0.0
    assert a.grad == (1.0 if y == 1.0 else 0.0)
    c = Value(y)
    out = 0.0**c
    out.backward()
    assert (out.data, c.grad) == (0.0, 0.0)


def test_zero_base_with_an_infinite_derivative_is_refused_when_recording() -> None:
    with pytest.raises(DomainError, match=r"^0\.0 \*\* 0\.5 is undefined: the derivative .* is infinite at 0"):
        Value(0.0) ** Value(0.5)  # ∂/∂base = 0.5·0**-0.5 is infinite


def test_create_graph_returns_the_finite_first_derivative() -> None:
    x = Value(0.0)
    (d,) = grad(x**1.5, [x], create_graph=True)
    assert d.data == 0.0
    with pytest.raises(DomainError, match=r"local derivative of v\d+ \('pow'\) is infinite or undefined"):
        grad(d, [x])
    y = Value(0.0)
    (d,) = grad(y**2.5, [y], create_graph=True)
    (dd,) = grad(d, [y], create_graph=True)
    assert (d.data, dd.data) == (0.0, 0.0)


# -- against PyTorch ------------------------------------------------------------------------


def _t(torch, x: float):  # type: ignore[no-untyped-def]
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("y", [1.0, 1.5, 2.0, 3.0])
def test_zero_power_matches_pytorch(torch, y: float) -> None:  # type: ignore[no-untyped-def]
    ta, tb = _t(torch, 0.0), _t(torch, y)
    (ta**tb).backward()
    a, b = Value(0.0), Value(y)
    out = a**b
    out.backward()
    assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item())
    tc = _t(torch, y)
    (torch.pow(0.0, tc)).backward()
    c = Value(y)
    (0.0**c).backward()
    assert c.grad == tc.grad.item()


def test_create_graph_matches_pytorch(torch) -> None:  # type: ignore[no-untyped-def]
    tx = _t(torch, 0.0)
    (td,) = torch.autograd.grad(tx**1.5, [tx], create_graph=True)
    (tdd,) = torch.autograd.grad(td, [tx])
    x = Value(0.0)
    (d,) = grad(x**1.5, [x], create_graph=True)
    assert d.data == td.item() == 0.0
    assert math.isinf(tdd.item())  # PyTorch returns inf; chainrule raises when it is used
    with pytest.raises(DomainError):
        grad(d, [x])
