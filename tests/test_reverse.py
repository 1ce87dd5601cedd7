"""The one reverse pass (autograd/core/reverse.py): one rule for zeros, and fast cases that are only optimisations.

``reverse_pass`` has two loops for graphs of floats (backward into ``.grad``, grad into a
dict) in front of the general loop (lanes and Values), and inside that loop two more
optimisations (a scalar node of one or two parents; a node of many parents with lanes, whose
contributions are computed together). These tests run every node through the general steps
(``fast=False``) on float graphs and on graphs mixing lanes and scalars, and require the same
numbers, bit for bit, so the optimisations cannot drift from them; and they pin the zero rule
where an undefined local derivative sits behind a zero gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import DomainError, Value, define_op, dot, grad
from autograd.core import reverse
from autograd.core.lanes import contributions
from autograd.core.rules import unregister
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
    for lanes, fast in ((False, True), (True, True), (False, False)):
        x, zero = _undefined_behind_zero()
        order, _leaves, _ = reverse.interior_order(zero, reset=into_grad)
        grads = reverse.reverse_pass(order, zero, 1.0, lanes=lanes, into_grad=into_grad, fast=fast)
        got = x.grad if into_grad else grads.get(x, 0.0)
        assert got == 0.0, (lanes, fast)


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
    general = reverse.reverse_pass(order, y, 0.75, lanes=False, fast=False)
    for node in {*order, *xs}:
        assert _bits(fast.get(node, 0.0)) == _bits(general.get(node, 0.0))


@given(expressions(n_inputs=(1, 3), n_steps=(1, 10)))
def test_backward_fast_loop_equals_the_general_loop_bit_for_bit(e: Expression) -> None:
    xs, y = _float_graph(e)
    results = []
    for fast in (True, False):
        for x in xs:
            x.grad = 0.125  # leaves accumulate: the previous gradient is kept and added to
        order, _leaves, _ = reverse.interior_order(y, reset=True)
        assert reverse.reverse_pass(order, y, 1.0, lanes=False, into_grad=True, fast=fast) == {}
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
    if type(x) is float:
        return x.hex()
    if isinstance(x, np.ndarray):
        return (x.dtype.str, x.shape, x.tobytes())
    return x


def _both_ways(y: Value, seed: Any, leaves: list[Value]) -> None:
    """grad's and backward's passes with and without the optimisations: the same bits everywhere."""
    order, _leaves, lanes = reverse.interior_order(y, reset=False)
    fast = reverse.reverse_pass(order, y, seed, lanes=lanes)
    general = reverse.reverse_pass(order, y, seed, lanes=lanes, fast=False)
    assert fast.keys() == general.keys()
    for node in fast:
        assert _bits(fast[node]) == _bits(general[node])
    results = []
    for optimised in (True, False):
        for leaf in leaves:
            leaf.grad = 0.125  # leaves accumulate: the previous gradient is kept and added to
        order, _leaves, lanes = reverse.interior_order(y, reset=True)
        reverse.reverse_pass(order, y, seed, lanes=lanes, into_grad=True, fast=optimised)
        results.append([_bits(v.grad) for v in (*order, *leaves)])
    assert results[0] == results[1]


@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(1, 300),
    st.integers(-6, 6),
    st.integers(0, 2**32 - 1),
)
def test_lanes_network_with_a_scalar_penalty_fast_equals_general_bit_for_bit(
    width: int, depth_width: int, n: int, scale: int, seed: int
) -> None:
    # The moons step's shape: dot nodes over lanes (a neuron: weights meet lanes, contributions
    # summed over them), activations, a mean, and a scalar L2 chain over the weights.
    rng = np.random.default_rng(seed)
    xs = [Value(rng.standard_normal(n) * 10.0**scale) for _ in range(2)]
    w1 = [[Value(float(v)) for v in rng.standard_normal(2)] for _ in range(width)]
    w2 = [Value(float(v)) for v in rng.standard_normal(width)]
    hidden = [dot(ws, xs, Value(0.1)).relu() for ws in w1]
    extra = [dot(w2[:depth_width], hidden[:depth_width]).tanh()]
    out = dot(w2, hidden, 0.3) + extra[0]
    params = [*(w for ws in w1 for w in ws), *w2]
    loss = (1.0 - out * rng.choice([-1.0, 1.0], n)).relu().mean() + 1e-4 * sum(p * p for p in params)
    _both_ways(loss, 1.0, [*params, *xs])
    _both_ways(out, rng.standard_normal(n), [*params, *xs])


def test_a_parent_twice_in_a_dot_over_lanes_sums_in_the_general_order() -> None:
    w, b = Value(0.3), Value(-1.7)
    x = Value(np.linspace(-2.0, 3.0, 37))
    y = dot([w, x, w, b], [x, w, b, x], w).tanh().sum()
    _both_ways(y, 1.0, [w, b, x])


def test_a_user_op_of_three_inputs_with_odd_derivatives_on_lanes() -> None:
    # Derivatives that are not float64 lanes of the gradient's length (float32 lanes, a 0-d
    # array): the contributions are then taken one by one, as the general steps take them.
    op = define_op(
        "odd3_reverse_test",
        lambda a, b, c: a * b + c,
        lambda out, a, b, c: (np.asarray(b, dtype=np.float32), np.array(2.0), 1.0),
        arity=3,
        replace=True,
    )
    try:
        a, b, c = Value(0.5), Value(np.linspace(0.0, 1.0, 11)), Value(-0.25)
        node = op(a, b, c)
        assert contributions(node.parents, node.local_grads, np.ones(11)) is None  # taken one by one
        y = (node * b).sum()
        _both_ways(y, 1.0, [a, b, c])
        (ga,) = grad(y, [a])
        assert ga == pytest.approx(float((np.linspace(0.0, 1.0, 11).astype(np.float32) * b.data).sum()))
    finally:
        unregister("odd3_reverse_test")


def test_a_zero_gradient_through_lanes_passes_nothing_on() -> None:
    # The same undefined derivative behind a zero gradient, in a graph with lanes: the lanes path.
    x, zero = _undefined_behind_zero()
    lanes = Value(np.array([1.0, 2.0]))
    loss = (zero * lanes).sum()
    assert grad(loss, [x]) == [0.0]
    loss.backward()
    assert x.grad == 0.0


def test_the_zero_rule_is_the_number_zero_of_either_sign() -> None:
    """An upstream gradient of 0 (of either sign) passes nothing on, through the undefined derivative
    in ``dx = d(x**1.5)/dx`` at x = 0; the smallest one that is not 0 passes on, and meets it."""
    undefined = r"local derivative of v\d+ \('pow'\) is infinite or undefined"
    for seed in (0.0, -0.0, 5e-324):
        x = Value(0.0, label="x")
        (dx,) = grad(x**1.5, [x], create_graph=True)
        if seed == 0.0:
            assert grad(dx, [x], grad_output=seed) == [0.0]
            dx.backward(seed)
            assert x.grad == 0.0
        else:
            with pytest.raises(DomainError, match=undefined):
                grad(dx, [x], grad_output=seed)
            with pytest.raises(DomainError, match=undefined):
                dx.backward(seed)


def test_interior_order_takes_each_leaf_once_and_marks_it_seen() -> None:
    """A leaf reached along several edges (``x`` in ``x * x + x``) is listed once, and is in ``seen``
    afterwards: the compiled replay walks its outputs one after another with one set."""
    x, c = Value(2.0), Value(3.0)
    y = x * x + x * c
    seen: set[Value] = set()
    order, leaves, lanes = reverse.interior_order(y, reset=False, seen=seen)
    assert (leaves, lanes) == ([x, c], False)
    assert [node.op for node in order] == ["mul", "mul", "add"]
    assert seen == {x, c, *order}
    assert reverse.interior_order(x * c, reset=False, seen=seen)[1] == []  # nothing new: x and c were seen


def test_scalar_nodes_in_a_graph_with_lanes_accumulate_into_grad_and_grad_ignores_grad() -> None:
    """The general loop's fast case for a scalar node (``w * b`` before it meets lanes): backward adds
    to the leaves' ``.grad`` across calls, grad() starts from 0 whatever ``.grad`` holds; and a lanes
    node given a number as its upstream gradient still sums the lanes into its scalar parent."""
    x, w, b = Value(np.array([1.0, 2.0])), Value(3.0), Value(0.5)
    loss = ((w * b) * x).sum()  # d/dw = b·Σx = 1.5, d/db = w·Σx = 9
    loss.backward()
    loss.backward()
    assert (w.grad, b.grad) == (3.0, 18.0)
    assert grad(loss, [w, b]) == [1.5, 9.0]
    x, w = Value(np.array([1.0, 2.0])), Value(3.0)
    y = x * w
    y.backward(2.0)  # one number for every lane
    assert (type(w.grad), w.grad, x.grad.tolist()) == (float, 6.0, [6.0, 6.0])
    assert grad(y, [w], grad_output=2.0) == [6.0]
