"""The one reverse pass (autograd/core/reverse.py): one rule for zeros, and fast cases that are only optimisations.

``reverse_pass`` has two loops for graphs of floats (backward into ``.grad``, grad into a
dict) in front of the general loop (lanes and Values). These tests run the general loop on
float graphs too and require the same numbers, bit for bit, so the fast loops cannot drift
from it; and they pin the zero rule where an undefined local derivative sits behind a
zero gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given

from autograd import DomainError, Value, grad
from autograd.core import reverse
from autograd.testing import Expression, expressions


def _undefined_behind_zero() -> tuple[Value, Value]:
    """``x`` at 0 and ``dx - dx`` for ``dx = d(x**1.5)/dx`` built as a graph: the graph of ``dx``
    holds ``x ** 0.5``, whose local derivative at 0 is infinite (recorded as nan, deferred)."""
    x = Value(0.0, label="x")
    (dx,) = grad(x**1.5, [x], create_graph=True)
    return x, dx - dx


def test_a_zero_gradient_passes_nothing_on_through_an_undefined_derivative() -> None:
    x, zero = _undefined_behind_zero()
    assert zero.data == 0.0
    assert grad(zero, [x]) == [0.0]
    zero.backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("into_grad", [False, True], ids=["grad", "backward"])
def test_the_general_loop_skips_a_zero_gradient_as_the_fast_loops_do(into_grad: bool) -> None:
    # The general loop (lanes and Values) on the same float graph: once it did not skip a zero
    # gradient, and 0 × nan raised a DomainError where the float loops returned 0.
    for lanes in (False, True):
        x, zero = _undefined_behind_zero()
        order, _leaves, _ = reverse.interior_order(zero, reset=into_grad)
        grads = reverse.reverse_pass(order, zero, 1.0, lanes=lanes, into_grad=into_grad)
        got = x.grad if into_grad else grads.get(x, 0.0)
        assert got == 0.0, lanes


def test_a_gradient_through_the_undefined_derivative_still_raises() -> None:
    x = Value(0.0, label="x")
    (dx,) = grad(x**1.5, [x], create_graph=True)
    with pytest.raises(DomainError, match="infinite or undefined"):
        grad(dx, [x])


def _float_graph(e: Expression) -> tuple[list[Value], Value]:
    xs = [Value(float(v)) for v in e.inputs]
    return xs, e(*xs)


@given(expressions(n_inputs=(1, 3), n_steps=(1, 10)))
def test_grad_fast_loop_equals_the_general_loop_bit_for_bit(e: Expression) -> None:
    xs, y = _float_graph(e)
    order, _leaves, lanes = reverse.interior_order(y, reset=False)
    assert not lanes
    fast = reverse.reverse_pass(order, y, 0.75, lanes=False)
    general = reverse.reverse_pass(order, y, 0.75, lanes=True)
    for node in {*order, *xs}:
        assert _bits(fast.get(node, 0.0)) == _bits(general.get(node, 0.0))


@given(expressions(n_inputs=(1, 3), n_steps=(1, 10)))
def test_backward_fast_loop_equals_the_general_loop_bit_for_bit(e: Expression) -> None:
    xs, y = _float_graph(e)
    results = []
    for lanes in (False, True):
        for x in xs:
            x.grad = 0.125  # leaves accumulate: the previous gradient is kept and added to
        order, _leaves, _ = reverse.interior_order(y, reset=True)
        assert reverse.reverse_pass(order, y, 1.0, lanes=lanes, into_grad=True) == {}
        results.append([_bits(v.grad) for v in (*order, *xs)])
    assert results[0] == results[1]


def test_lanes_gradients_are_not_summed_in_place() -> None:
    # A caller's upstream gradient may be the array that reaches a leaf: it must not change.
    x = Value(np.array([1.0, 2.0]))
    y = x * 1.0 + x
    seed = np.array([1.0, 1.0])
    (g,) = grad(y, [x], grad_output=seed)
    assert seed.tolist() == [1.0, 1.0]
    assert g.tolist() == [2.0, 2.0]


def _bits(x: Any) -> Any:
    return x.hex() if type(x) is float else x


def test_a_zero_gradient_through_lanes_passes_nothing_on() -> None:
    # The same undefined derivative behind a zero gradient, in a graph with lanes: the lanes path.
    x, zero = _undefined_behind_zero()
    lanes = Value(np.array([1.0, 2.0]))
    loss = (zero * lanes).sum()
    assert grad(loss, [x]) == [0.0]
    loss.backward()
    assert x.grad == 0.0


def test_the_zero_rule_itself() -> None:
    """``is_zero``: the number 0 (of either sign) or no gradient at all passes nothing on; a Value never
    counts as zero (its data may be 0 where its derivative is not), nor do lanes of zeros."""
    assert reverse.is_zero(None)
    assert reverse.is_zero(0.0)
    assert reverse.is_zero(-0.0)
    assert not reverse.is_zero(1e-300)
    assert not reverse.is_zero(-1.0)
    assert not reverse.is_zero(Value(0.0))
    assert not reverse.is_zero(np.zeros(3))
