"""The reverse pass: ``backward`` and ``grad``.

Graph structure and topological order, a million-deep chain, accumulation on leaves,
upstream gradients, dead branches and zero factors, gradients with respect to interior
nodes, random graphs against gradcheck, the seed article's neuron to nine digits, and
non-finite gradients named at the node (and lane) where they appear.
"""

import math
import sys
from collections.abc import Callable

import numpy as np
import pytest
from engine_support import raises_exactly
from hypothesis import given

from autograd import (
    DomainError,
    Value,
    backward,
    grad,
    gradcheck,
    topological_order,
    vsum,
    zero_grad,
)
from autograd.examples import single_neuron
from autograd.testing import Expression, expressions

# -- structure ---------------------------------------------------------------------------


def test_a_plus_a_keeps_both_edges_and_gradient_two():
    a = Value(3.0)
    b = a + a
    assert b.parents == (a, a)
    b.backward()
    assert a.grad == 2.0


def test_a_times_a():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_diamond_sums_gradients():
    x = Value(0.7)
    u, v = x.sin(), x * 3.0
    y = u * v
    y.backward()
    expected = math.cos(0.7) * 3 * 0.7 + math.sin(0.7) * 3
    assert x.grad == pytest.approx(expected, rel=1e-14)
    assert gradcheck(lambda t: t.sin() * (t * 3.0), 0.7)


def test_topological_order_parents_first_each_once():
    x = Value(1.0)
    y = x * x + x
    order = topological_order(y)
    assert order[-1] is y
    assert len({id(n) for n in order}) == len(order)
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for p in node.parents:
            assert position[id(p)] < position[id(node)]


def test_million_deep_chain_at_default_recursion_limit():
    limit = sys.getrecursionlimit()
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.data == 1_000_000.5
    assert sys.getrecursionlimit() == limit
    # grad() takes the same path through the graph
    assert grad(y, [x]) == [1.0]


# -- accumulation ---------------------------------------------------------------------------


def test_leaves_accumulate_across_backward_calls_intermediates_do_not():
    x = Value(2.0)
    h = x * 3.0
    y = h * h
    y.backward()
    assert x.grad == 36.0
    assert h.grad == 12.0
    y.backward()
    assert x.grad == 72.0  # leaf: accumulated, like PyTorch
    assert h.grad == 12.0  # intermediate: this call's gradient
    zero_grad([x])
    y.backward()
    assert x.grad == 36.0


def test_backward_with_upstream_gradient():
    x = Value(2.0)
    y = x * x
    backward(y, 0.5)
    assert x.grad == 2.0
    with pytest.raises(TypeError, match="upstream gradient"):
        y.backward("1")  # type: ignore[arg-type]


def test_grad_does_not_touch_grad_fields():
    x = Value(2.0)
    y = x * x
    assert grad(y, [x]) == [4.0]
    assert x.grad == 0.0
    assert y.grad == 0.0


def test_grad_of_unrelated_input_is_zero():
    x, z = Value(2.0), Value(5.0)
    assert grad(x * x, [x, z]) == [4.0, 0.0]
    g = grad(x * x, [z], create_graph=True)[0]
    assert isinstance(g, Value)
    assert g.data == 0.0


def test_an_unrelated_input_holding_lanes_gets_a_zero_per_lane_with_create_graph_too() -> None:
    x, unrelated = Value(2.0), Value(np.array([1.0, 2.0, 3.0]))
    g_x, g_lanes = grad(x * x, [x, unrelated], create_graph=True)
    assert g_x.data == 4.0
    assert isinstance(g_lanes, Value)
    assert type(g_lanes.data) is np.ndarray
    assert (g_lanes.data.dtype, g_lanes.data.tolist()) == (np.float64, [0.0, 0.0, 0.0])
    assert grad(x * x, [unrelated])[0].tolist() == [0.0, 0.0, 0.0]  # as without create_graph


def test_grad_rejects_bad_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match="output must be a Value"):
        grad(1.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list or tuple"):
        grad(x, x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[1\]"):
        grad(x, [x, 2.0])  # type: ignore[list-item]


# -- property tests over random graphs ----------------------------------------------------


@given(expressions())
def test_random_graphs_pass_gradcheck(expr: Expression):
    assert gradcheck(expr, *expr.inputs, atol=1e-8, rtol=1e-6)


@given(expressions())
def test_backward_and_grad_agree(expr: Expression):
    xs = [Value(v) for v in expr.inputs]
    out = expr(*xs)
    expected = grad(out, xs)
    out.backward()
    # an input used several times still has one .grad holding the sum
    assert [x.grad for x in xs] == pytest.approx(expected, rel=1e-15, abs=0)


# -- the seed's worked example ------------------------------------------------------------------


def test_seed_000_single_neuron_to_nine_digits():
    r = single_neuron()
    assert round(r.s, 9) == 1.94
    assert round(r.predicted, 9) == 0.874352143
    assert round(r.error, 9) == 0.356465271
    assert round(r.de_dpredicted, 9) == 0.844352143
    assert round(r.dpredicted_ds, 9) == 0.109860473
    assert round(r.de_dw1, 9) == 0.009276093
    assert round(r.de_dw2, 9) == 0.027828278
    assert round(r.w1_new, 11) == 0.49990723907
    assert round(r.w2_new, 10) == 0.1997217172
    # the article's second forward pass, with its perceptron-rule bias and rounded weights
    assert r.article_b_new == 1.821556479
    assert r.article_error_new == pytest.approx(0.35567134660719907, rel=1e-15)
    # the correct gradient-descent step also moves the bias (∂s/∂b = 1, not 0)
    assert r.ds_db == 1.0
    assert round(r.de_db, 9) == 0.092760926
    assert r.error_new < r.error


# -- no silent non-finite gradients ----------------------------------------------------------------


def overflowing() -> tuple[Value, Value]:
    z = Value(1.0, label="z")
    return (1e200 * (1e200 * z).sin()).sin(), z


def test_backward_names_the_node_where_the_gradient_overflows() -> None:
    y, _ = overflowing()
    assert y.data == pytest.approx(0.5036296416460466)
    with pytest.raises(DomainError, match=r"backward: the gradient of leaf 'z' .* is -inf.*1e\+200 ×"):
        y.backward()


def test_an_interior_node_is_named_when_it_overflows_first() -> None:
    x = Value(1e-10, label="x")
    h = x * 1.0
    y = vsum([h * 1e308, h * 1e308])  # each contribution to h's gradient is finite; their sum is not
    with pytest.raises(DomainError, match=r"the gradient of node v2 \('mul'\) .* is inf"):
        y.backward()


def test_grad_refuses_a_non_finite_gradient_too() -> None:
    y, z = overflowing()
    with pytest.raises(DomainError, match=r"grad: the gradient of leaf 'z'"):
        grad(y, [z])
    with pytest.raises(DomainError, match="overflows"):  # the op building the gradient overflows
        grad(y, [z], create_graph=True)


@pytest.mark.parametrize("seed", [math.nan, math.inf, -math.inf, np.float64("nan")])
def test_a_non_finite_seed_is_refused_for_scalars(seed: float) -> None:
    with pytest.raises(ValueError, match="upstream gradient must be finite"):
        Value(1.0).backward(seed)
    with pytest.raises(ValueError, match="upstream gradient must be finite"):
        grad(Value(1.0) * 2.0, [Value(1.0)], seed)


def test_a_non_finite_seed_is_refused_for_lanes() -> None:
    v = Value(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"upstream gradient must be finite, got .*nan.* at lane 1"):
        (v * 2.0).backward(np.array([1.0, np.nan]))


def test_lanes_overflowing_in_backward_are_named() -> None:
    x = Value(np.array([1.0, 1.0]), label="x")
    y = (1e200 * (1e200 * x).sin()).sin().sum()
    with pytest.raises(DomainError, match=r"leaf 'x'.*lanes, first not finite at lane 0"):
        backward(y)


# -- backward and grad: dead branches, zero factors, interior nodes, their errors ------------------


def _with_a_dead_branch(a: Value, b: Value, c: Value, dead_first: bool) -> Value:
    """``a·c + relu(a·b)`` where ``a·b < 0``: the relu branch passes no gradient; the nodes met after
    it going backward still must get theirs (both operand orders, so it is met first either way)."""
    dead, live = (a * b).relu(), a * c
    return dead + live if dead_first else live + dead


def test_backward_on_a_leaf_accumulates() -> None:
    x = Value(3.0)
    x.backward()
    x.backward(2.0)
    assert x.grad == 3.0
    lanes = Value(np.array([1.0, 2.0]))
    lanes.backward(np.array([1.0, 2.0]))
    lanes.backward(np.array([0.5, 0.5]))
    assert list(lanes.grad) == [1.5, 2.5]
    lanes.zero_grad()
    assert lanes.grad == 0.0


@pytest.mark.parametrize("dead_first", [True, False])
def test_a_branch_that_passes_no_gradient_stops_nothing(dead_first: bool) -> None:
    a, b, c = Value(2.0), Value(-1.0), Value(5.0)
    out = _with_a_dead_branch(a, b, c, dead_first)
    assert grad(out, [a, b, c]) == [5.0, 0.0, 2.0]
    assert [g.data for g in grad(out, [a, b, c], create_graph=True)] == [5.0, 0.0, 2.0]
    out.backward()
    assert (a.grad, b.grad, c.grad) == (5.0, 0.0, 2.0)


@pytest.mark.parametrize("dead_first", [True, False])
def test_a_scalar_branch_that_passes_no_gradient_stops_nothing_in_a_lanes_graph(dead_first: bool) -> None:
    """``Σ lanes(a·c + relu(2b) + b·z)`` with b < 0 and z = 0: relu's derivative and ∂(b·z)/∂b are
    the float 0.0, met going backward before nodes that still must get their gradients."""
    a, b, c, z = Value(np.array([2.0, 1.0])), Value(-1.0), Value(5.0), Value(0.0)
    terms = [(b * 2.0).relu(), b * z, a * c]
    out = vsum(terms if dead_first else terms[::-1]).sum()
    da, db, dc, dz = grad(out, [a, b, c, z])
    assert (list(da), db, dc, dz) == ([5.0, 5.0], 0.0, 3.0, -2.0)
    out.backward()
    assert (list(a.grad), b.grad, c.grad, z.grad) == ([5.0, 5.0], 0.0, 3.0, -2.0)


def test_the_gradient_of_a_zero_factor_is_the_other_factor() -> None:
    a, b = Value(3.0), Value(0.0)
    (db,) = grad(a * b, [b], create_graph=True)  # ∂/∂a = b = 0 contributes nothing; ∂/∂b = a
    assert db.data == 3.0
    (dab,) = grad(db, [a])
    assert dab == 1.0


def test_a_constant_zero_derivative_skips_only_its_own_input(user_op: Callable[..., Callable[..., Value]]) -> None:
    """A user op whose first input has the constant derivative 0.0: the second still gets its gradient
    in the gradient's graph."""
    square_second = user_op("square_second", lambda x, y: y * y, lambda out, x, y: (0.0, 2.0 * y), arity=2)
    x, y = Value(1.0), Value(3.0)
    dx, dy = grad(square_second(x, y), [x, y], create_graph=True)
    assert (dx.data, dy.data) == (0.0, 6.0)
    assert grad(dy, [y]) == [2.0]


def test_grad_with_respect_to_an_interior_node() -> None:
    x = Value(2.0)
    h = x * 3.0
    out = h * h
    assert grad(out, [h]) == [12.0]
    (dh,) = grad(out, [h], create_graph=True)
    assert dh.data == 12.0


def test_overflow_in_backward_names_the_node_and_all_its_children() -> None:
    x = Value(1e-10, label="x")
    h = x * 1.0
    y = vsum([h * 1e308, h * 1e308, h * 1e308, h * 1e308, h * 2.0])
    with pytest.raises(DomainError) as info:
        y.backward()
    assert str(info.value) == (
        "backward: the gradient of node v2 ('mul') (v2 in topological_order, data 1e-10) is inf: it overflows "
        "float64 in the sum over its children of local derivative × gradient (v4 ('mul'): 1e+308 × 1.0; "
        "v6 ('mul'): 1e+308 × 1.0; v8 ('mul'): 1e+308 × 1.0; and 2 more). Rescale the computation (smaller "
        "constants or inputs), or check the inputs for extreme values."
    )


@pytest.mark.parametrize(("children", "more"), [(3, ""), (4, "; and 1 more")])
def test_overflow_in_backward_lists_three_children(children: int, more: str) -> None:
    x = Value(1e-10, label="x")
    h = x * 1.0
    y = vsum([h * 2.0] + [h * 1e308 for _ in range(children - 1)])
    with pytest.raises(DomainError) as info:
        y.backward()
    assert str(info.value) == (
        "backward: the gradient of node v2 ('mul') (v2 in topological_order, data 1e-10) is inf: it overflows "
        "float64 in the sum over its children of local derivative × gradient (v4 ('mul'): 2.0 × 1.0; "
        f"v6 ('mul'): 1e+308 × 1.0; v8 ('mul'): 1e+308 × 1.0{more}). Rescale the computation (smaller "
        "constants or inputs), or check the inputs for extreme values."
    )


def test_overflow_in_backward_on_lanes_names_the_lane() -> None:
    z = Value(np.array([1.0, 2.0, 3.0, 4.0]), label="z")
    y = (1e200 * (1e200 * z).sin()).sin().sum()
    with pytest.raises(DomainError) as info:
        y.backward()
    assert str(info.value) == (
        "backward: the gradient of leaf 'z' (v2 in topological_order, data lanes [1.0, 2.0, 3.0]…) is lanes, "
        "first not finite at lane 0: -inf: it overflows float64 in the sum over its children of local "
        "derivative × gradient (v3 ('mul'): 1e+200 × lanes [-6.609433117587281e+199, -1.2180714619706103e+199, "
        "-3.1139583740670417e+199]…). Rescale the computation (smaller constants or inputs), or check the inputs for "
        "extreme values."
    )


def test_backward_and_grad_say_what_was_wrong() -> None:
    x = Value(np.array([1.0, 2.0]))
    y = x * 2.0
    raises_exactly(ValueError, "upstream gradient has 3 lanes, the output 2", lambda: y.backward(np.ones(3)))
    raises_exactly(
        ValueError, "upstream gradient has 2 lanes, the output none", lambda: Value(1.0).backward(np.ones(2))
    )
    raises_exactly(TypeError, "upstream gradient must be a real number or lanes, got str", lambda: y.backward("a"))
    raises_exactly(TypeError, "upstream gradient must be a real number or lanes, got bool", lambda: y.backward(True))
    raises_exactly(TypeError, "inputs must be a list or tuple of Values", lambda: grad(y.sum(), x))  # type: ignore[arg-type]
    raises_exactly(TypeError, "inputs[1] must be a Value, got float", lambda: grad(y.sum(), [x, 2.0]))  # type: ignore[list-item]
    raises_exactly(TypeError, "output must be a Value, got float", lambda: grad(3.0, [x]))  # type: ignore[arg-type]
    raises_exactly(TypeError, "inputs must be a list or tuple of Values", lambda: grad(y.sum(), {x}))  # type: ignore[arg-type]
    raises_exactly(
        ValueError,
        "backward needs a scalar output, and this Value holds 2 lanes: reduce them with .sum() or .mean() first, "
        "or pass an upstream gradient (a number or lanes)",
        y.backward,
    )


def test_grad_leaves_every_grad_field_as_it_was() -> None:
    x = Value(2.0)
    h = x * 3.0
    out = h * h
    out.backward()
    before = [(v, v.grad) for v in topological_order(out)]
    assert grad(out, [x]) == [36.0]
    assert [g.data for g in grad(out, [x], create_graph=True)] == [36.0]
    assert [(v, v.grad) for v in topological_order(out)] == before


def test_zero_grad_checks_every_item_before_resetting_any() -> None:
    a, b = Value(1.0), Value(2.0)
    a.grad, b.grad = 3.0, 4.0
    with pytest.raises(TypeError, match="zero_grad expects Values, got str"):
        zero_grad([a, "b", b])  # type: ignore[list-item]
    assert (a.grad, b.grad) == (3.0, 4.0)  # nothing half done

    class Named(Value):
        pass

    c = Named(5.0)
    c.grad = 1.0
    zero_grad(iter([a, c, b]))  # any iterable; subclasses are Values
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)
