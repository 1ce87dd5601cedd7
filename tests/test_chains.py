"""Derivative chains: every output→input path, its local derivatives, and Σ∏ = the gradient."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import (
    Chain,
    TooManyPathsError,
    Value,
    chain_summary,
    count_paths,
    derivative_chains,
    dot,
    grad,
    vsum,
)
from autograd.testing import Expression, expressions


def _close(total: float, exact: float, scale: float) -> bool:
    """|total − exact| ≤ 1e-9 · Σ|terms|: the two sums differ only by rounding (relative 1e-9 of the terms)."""
    return abs(total - exact) <= 1e-9 * scale


@given(expressions(), st.data())
def test_sum_over_paths_of_products_is_the_gradient(expr: Expression, data: st.DataObject) -> None:
    xs = [Value(v, label=f"x{i}") for i, v in enumerate(expr.inputs)]
    out = expr(*xs)
    wrt = xs[data.draw(st.integers(0, len(xs) - 1))]
    n = count_paths(out, wrt)
    assume(n <= 5000)
    chains = derivative_chains(out, wrt, limit=5000)
    assert len(chains) == n
    (g,) = grad(out, [wrt])
    products = [c.product for c in chains]
    scale = math.fsum(abs(p) for p in products)
    assert _close(math.fsum(products), g, scale), (math.fsum(products), g)
    # The summary finds the same gradient without listing paths, and its cuts add up.
    s = chain_summary(out, wrt)
    assert s.count == n
    assert _close(s.gradient, g, scale)
    into_wrt = [e for e in s.edges if e.edge.parent is wrt]
    out_of_output = [e for e in s.edges if e.edge.child is out]
    if n:
        assert sum(e.paths for e in into_wrt) == n
        assert sum(e.paths for e in out_of_output) == n
        assert _close(math.fsum(e.contribution for e in into_wrt), g, scale)
        assert _close(math.fsum(e.contribution for e in out_of_output), g, scale)
    else:
        assert s.edges == ()
        assert g == 0.0


@given(expressions(), st.data())
def test_every_path_is_a_real_path_and_paths_are_distinct(expr: Expression, data: st.DataObject) -> None:
    xs = [Value(v) for v in expr.inputs]
    out = expr(*xs)
    wrt = xs[data.draw(st.integers(0, len(xs) - 1))]
    assume(count_paths(out, wrt) <= 2000)
    chains = derivative_chains(out, wrt, limit=2000)
    keys = set()
    for c in chains:
        assert c.output is out
        assert c.wrt is wrt
        assert c.nodes[0] is out
        assert c.nodes[-1] is wrt
        node = out
        for e in c.edges:
            assert e.child is node
            assert e.child.parents[e.index] is e.parent
            assert e.local == e.child.local_grads[e.index]
            node = e.parent
        keys.add(tuple((id(e.child), e.index) for e in c.edges))
    assert len(keys) == len(chains)


def test_a_plus_a_has_two_paths() -> None:
    a = Value(3.0, label="a")
    b = a + a
    chains = derivative_chains(b, a)
    assert [[e.index for e in c.edges] for c in chains] == [[0], [1]]
    assert [c.product for c in chains] == [1.0, 1.0]
    assert count_paths(b, a) == 2


def test_seed_neuron_chain_to_w1() -> None:
    """Seed 000: E = ½(0.03 − σ(0.1·W1 + 0.3·W2 + b))²; one path E → W1 of 7 edges."""
    w1, w2, b = Value(0.5, label="W1"), Value(0.2, label="W2"), Value(1.83, label="b")
    s = 0.1 * w1 + 0.3 * w2 + b
    s.label = "s"
    p = s.sigmoid()
    p.label = "predicted"
    e = 0.5 * (0.03 - p) ** 2
    e.label = "E"
    (chain,) = derivative_chains(e, w1)
    assert [v.label for v in chain.nodes] == ["E", "", "", "predicted", "s", "", "", "W1"]
    segs = chain.segments(lambda v: bool(v.label))
    assert [(g.start.label, g.end.label) for g in segs] == [("E", "predicted"), ("predicted", "s"), ("s", "W1")]
    assert [round(g.factor, 9) for g in segs] == [0.844352143, 0.109860473, 0.1]
    assert round(chain.product, 9) == 0.009276093
    assert math.prod(g.factor for g in segs) == pytest.approx(chain.product, rel=1e-15)
    (g_w1,) = grad(e, [w1])
    assert chain.product == pytest.approx(g_w1, rel=1e-12)


def test_segments_without_waypoints_is_one_segment_and_empty_path_none() -> None:
    x = Value(0.3)
    y = (x * 2.0).tanh()
    (c,) = derivative_chains(y, x)
    (seg,) = c.segments(lambda v: False)
    assert seg.start is y
    assert seg.end is x
    assert seg.factor == pytest.approx(c.product, rel=1e-15)
    assert len(c.segments(lambda v: True)) == len(c.edges) == 2
    (empty,) = derivative_chains(y, y)
    assert empty.edges == ()
    assert empty.product == 1.0
    assert empty.segments(lambda v: True) == ()


def test_wrt_outside_the_graph_has_no_path() -> None:
    x, z = Value(1.0), Value(2.0)
    y = x * 3.0
    assert count_paths(y, z) == 0
    assert derivative_chains(y, z) == []
    s = chain_summary(y, z)
    assert (s.count, s.gradient, s.edges) == (0, 0.0, ())


def test_intermediate_wrt_stops_at_that_node() -> None:
    x = Value(0.5)
    h = x * x
    y = h.sin() + h
    chains = derivative_chains(y, h)
    assert len(chains) == 2
    assert all(c.nodes[-1] is h for c in chains)
    assert math.fsum(c.product for c in chains) == pytest.approx(math.cos(0.25) + 1.0, rel=1e-15)


def _diamonds(k: int) -> tuple[Value, Value]:
    """k stacked diamonds: 2**k paths from the top to x."""
    x = Value(1.0, label="x")
    v = x
    for _ in range(k):
        v = v.sin() + v.cos()
    return v, x


def test_path_explosion_is_counted_not_enumerated_and_refused_with_a_clear_message() -> None:
    top, x = _diamonds(200)
    assert count_paths(top, x) == 2**200
    with pytest.raises(TooManyPathsError) as info:
        derivative_chains(top, x)
    err = info.value
    assert err.count == 2**200
    assert err.limit == 1000
    assert str(2**200) in str(err)
    assert "limit of 1000" in str(err)
    assert "chain_summary" in str(err)
    s = chain_summary(top, x)
    assert s.count == 2**200
    (g,) = grad(top, [x])
    assert s.gradient == pytest.approx(g, rel=1e-9)


def test_limit_is_exact() -> None:
    top, x = _diamonds(3)
    assert len(derivative_chains(top, x, limit=8)) == 8
    with pytest.raises(TooManyPathsError, match=r"8 paths .* limit of 7"):
        derivative_chains(top, x, limit=7)


def test_deep_chain_is_iterative() -> None:
    x = Value(0.1)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    (c,) = derivative_chains(y, x)
    assert len(c.edges) == 20_000
    assert c.product == 1.0
    assert chain_summary(y, x).gradient == 1.0


def test_n_ary_nodes_and_repeats() -> None:
    a, b = Value(2.0, label="a"), Value(-1.5, label="b")
    y = vsum([a, a, b]) * dot([a, b], [a, 4.0])  # dot parents: a, a, b, 4
    chains = derivative_chains(y, a)
    assert len(chains) == count_paths(y, a) == 4
    (g,) = grad(y, [a])
    assert math.fsum(c.product for c in chains) == pytest.approx(g, rel=1e-15)


_NOT_A_VALUE: Any = "x"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: count_paths(_NOT_A_VALUE, Value(1.0)), "output must be a Value, got str"),
        (lambda: derivative_chains(Value(1.0), _NOT_A_VALUE), "wrt must be a Value, got str"),
        (lambda: derivative_chains(Value(1.0), Value(1.0), limit=-1), "limit must be a non-negative int"),
        (lambda: chain_summary(Value(1.0), _NOT_A_VALUE), "wrt must be a Value, got str"),
    ],
)
def test_bad_arguments_name_the_problem(call: Callable[[], object], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_chain_is_a_plain_value_object() -> None:
    x = Value(1.0)
    y = x * 2.0
    (c,) = derivative_chains(y, x)
    assert isinstance(c, Chain)
    assert c == Chain(y, x, c.edges)
    assert c.factors == (2.0,)
