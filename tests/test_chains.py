"""Derivative chains: every output→input path, its local derivatives, and Σ∏ = the gradient."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
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
from autograd.testing import Expression, expressions, safe_floats


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


# -- lanes ------------------------------------------------------------------------------------

LANES = 4


def _lane_graph(expr: Expression, data: st.DataObject, *, scalars: bool = False) -> tuple[list[Value], Value]:
    """The expression on a mix of lane and scalar inputs (input 0 always lanes), as tests/test_lanes.py builds them.

    With ``scalars`` every other input is a scalar and the expression's value is multiplied by
    input 0, so every path from the output to a scalar input passes through lanes. The output is
    reduced to a scalar by ``sum`` or ``mean``, after an optional lane reduction used lane-wise
    again (``y * tanh(mean(y))``: paths that sum over the lanes in the middle), or left as lanes
    (its chains are those of the sum of its lanes).
    """
    is_lanes = [True] + [not scalars and data.draw(st.booleans()) for _ in range(len(expr.inputs) - 1)]
    xs = [
        Value(np.array([data.draw(safe_floats(-2.0, 2.0)) for _ in range(LANES)]), label=f"x{i}")
        if lanes
        else Value(v, label=f"x{i}")
        for i, (v, lanes) in enumerate(zip(expr.inputs, is_lanes, strict=True))
    ]
    y = expr(*xs)
    if scalars:
        y = y * xs[0]
    if y.lanes is not None and data.draw(st.booleans()):
        y = y * y.mean().tanh()
    reduce = data.draw(st.sampled_from(["sum", "mean", "none"]))
    out = y.sum() if reduce == "sum" else y.mean() if reduce == "mean" else y
    return xs, out


def _as_lanes(x: Any, n: int) -> Any:
    return np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))


def _check_lane_chains(out: Value, wrt: Value) -> int:
    """Σ over paths of the lane-wise products = the gradient (lane by lane, or summed over lanes for a scalar wrt)."""
    n = count_paths(out, wrt)
    chains = derivative_chains(out, wrt, limit=2000)
    assert len(chains) == n
    seed = None if out.lanes is None else np.ones(out.lanes)
    (g,) = grad(out, [wrt], seed)
    s = chain_summary(out, wrt)
    assert s.count == n
    products = [c.product for c in chains]
    for c, p in zip(chains, products, strict=True):
        # A path that touches lanes has one product per lane; a path of scalars has a float.
        assert (np.ndim(p) == 1 and len(p) == LANES) if c.lanes is not None else isinstance(p, float)
    if wrt.lanes is not None:
        total = sum((_as_lanes(p, LANES) for p in products), np.zeros(LANES))
        scale = sum((np.abs(_as_lanes(p, LANES)) for p in products), np.zeros(LANES))
        want = _as_lanes(g, LANES)  # 0.0 when nothing flowed
        assert np.all(np.abs(total - want) <= 1e-9 * scale), (total, want)
        assert np.all(np.abs(_as_lanes(s.gradient, LANES) - want) <= 1e-9 * scale)
        cut_in = sum((e.contribution for e in s.edges if e.edge.parent is wrt), np.zeros(LANES))
        cut_out = sum((e.contribution for e in s.edges if e.edge.child is out), np.zeros(LANES))
        for cut in (cut_in, cut_out) if n else ():
            assert np.all(np.abs(cut - want) <= 1e-9 * scale)
    else:
        # A scalar that fed lanes: the gradient is the sum over the lanes of the summed path products.
        shares = [float(np.sum(p)) for p in products]
        scale = math.fsum(float(np.sum(np.abs(p))) for p in products)
        assert isinstance(g, float)
        assert _close(math.fsum(shares), g, scale), (math.fsum(shares), g)
        assert isinstance(s.gradient, float)
        assert _close(s.gradient, g, scale)
        if n:
            assert _close(math.fsum(e.contribution for e in s.edges if e.edge.parent is wrt), g, scale)
            assert _close(math.fsum(e.contribution for e in s.edges if e.edge.child is out), g, scale)
    if not n:
        assert s.edges == ()
    return n


@given(expressions(n_inputs=(1, 4)), st.data())
def test_lanes_sum_over_paths_of_lanewise_products_is_the_gradient(expr: Expression, data: st.DataObject) -> None:
    """Random graphs on lane and scalar inputs, with lane reductions in the middle, reduced or not at the end."""
    xs, out = _lane_graph(expr, data)
    wrt = xs[data.draw(st.integers(0, len(xs) - 1))]
    assume(count_paths(out, wrt) <= 2000)
    _check_lane_chains(out, wrt)


@given(expressions(n_inputs=(2, 4)), st.data())
def test_lanes_scalar_input_gets_the_sum_over_lanes_of_the_path_products(expr: Expression, data: st.DataObject) -> None:
    """Scalars (parameters) whose every path runs through lanes: products are per-lane shares summing to the grad."""
    xs, out = _lane_graph(expr, data, scalars=True)
    wrt = xs[data.draw(st.integers(1, len(xs) - 1))]
    assume(0 < count_paths(out, wrt) <= 2000)
    assert _check_lane_chains(out, wrt) > 0
    assert all(c.lanes == LANES for c in derivative_chains(out, wrt, limit=2000))


@given(expressions(), st.data())
def test_lanes_product_at_a_lane_is_the_product_of_the_factors_there(expr: Expression, data: st.DataObject) -> None:
    """Unless a path sums over lanes in the middle, its product at lane i is the product of its factors at lane i."""
    xs, out = _lane_graph(expr, data)
    wrt = xs[0]
    assume(count_paths(out, wrt) <= 500)
    for c in derivative_chains(out, wrt, limit=500):
        p = c.product
        for i in range(LANES):
            at_i = math.prod(float(_as_lanes(f, LANES)[i]) for f in c.factors)
            if c.mixes_lanes:
                continue
            assert abs(float(_as_lanes(p, LANES)[i]) - at_i) <= 1e-12 * max(1.0, abs(at_i))
        segs = c.segments(lambda v: bool(v.label))
        if not c.mixes_lanes and segs:
            seg_product = math.prod(float(_as_lanes(s.factor, LANES)[0]) for s in segs)
            assert abs(seg_product - float(_as_lanes(p, LANES)[0])) <= 1e-12 * max(1.0, abs(seg_product))


def test_lanes_parameter_gets_each_lanes_share() -> None:
    w = Value(0.5, label="w")
    x = Value(np.array([1.0, 2.0, 3.0]), label="x")
    y = (w * x).tanh()
    loss = y.mean()
    (c,) = derivative_chains(loss, w)
    assert c.lanes == 3
    assert not c.mixes_lanes
    t = np.tanh(0.5 * np.array([1.0, 2.0, 3.0]))
    share = (1.0 / 3.0) * (1.0 - t * t) * np.array([1.0, 2.0, 3.0])
    assert np.allclose(c.product, share, rtol=1e-15, atol=0.0)
    loss.backward()
    assert math.isclose(float(np.sum(c.product)), w.grad, rel_tol=1e-14)
    assert [type(f).__name__ for f in c.factors] == ["ndarray", "ndarray", "ndarray"]
    s = chain_summary(loss, w)
    assert s.gradient == pytest.approx(w.grad, rel=1e-14)
    (cx,) = derivative_chains(loss, x)
    assert np.allclose(cx.product, x.grad, rtol=1e-15, atol=0.0)


def test_lanes_a_reduction_used_lanewise_sums_the_shares_in_the_middle() -> None:
    """out = Σ_i x_i · Σ_k x_k: the path through the sum node adds up every lane's share before going down again."""
    x = Value(np.array([1.0, 2.0, 4.0]), label="x")
    total = x.sum()
    out = (x * total).sum()
    chains = derivative_chains(out, x)
    assert [c.mixes_lanes for c in chains] == [False, True]
    direct, through_sum = (c.product for c in chains)
    assert direct.tolist() == [7.0, 7.0, 7.0]  # ∂/∂x_j of x_j · (Σx held fixed)
    assert through_sum.tolist() == [7.0, 7.0, 7.0]  # Σ_i x_i · ∂(Σx)/∂x_j
    (g,) = grad(out, [x])
    assert (direct + through_sum).tolist() == g.tolist() == [14.0, 14.0, 14.0]
    s = chain_summary(out, x)
    assert s.gradient.tolist() == [14.0, 14.0, 14.0]
    # Below the edge out·→total, total depends on every lane of x: a row of ∂total/∂x_j.
    (into_total,) = [e for e in s.edges if e.edge.parent is total]
    assert into_total.downstream.tolist() == [1.0, 1.0, 1.0]
    assert into_total.contribution.tolist() == [7.0, 7.0, 7.0]


def test_lanes_a_lane_output_is_differentiated_as_the_sum_of_its_lanes() -> None:
    x = Value(np.array([1.0, 2.0]), label="x")
    w = Value(3.0, label="w")
    y = w * x * x
    (cw,) = derivative_chains(y, w)
    assert cw.product.tolist() == [1.0, 4.0]  # ∂y_i/∂w, lane by lane
    assert chain_summary(y, w).gradient == 5.0
    assert sum(c.product for c in derivative_chains(y, x)).tolist() == [6.0, 12.0]
    (empty,) = derivative_chains(y, y)
    assert empty.product.tolist() == [1.0, 1.0]
    assert chain_summary(y, y).gradient.tolist() == [1.0, 1.0]


def test_lanes_scalar_paths_stay_floats() -> None:
    x = Value(np.array([1.0, 2.0]), label="x")
    w = Value(0.5, label="w")
    loss = (w * x).sum() + w * w
    products = [c.product for c in derivative_chains(loss, w)]
    assert [type(p).__name__ for p in products] == ["ndarray", "float", "float"]
    loss.backward()
    assert math.fsum(float(np.sum(p)) for p in products) == pytest.approx(w.grad, rel=1e-15)


def test_summaries_and_chains_of_scalars_never_import_numpy() -> None:
    """One summary algorithm for scalars and lanes: on scalars it stays in floats (numpy is slow to import)."""
    code = (
        "import sys\n"
        "from autograd import Value, chain_summary, derivative_chains\n"
        "x = Value(2.0)\n"
        "y = (x * x).tanh() * x\n"
        "s = chain_summary(y, x)\n"
        "assert abs(s.gradient - sum(c.product for c in derivative_chains(y, x))) < 1e-12\n"
        "print('numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"


# -- path counts beyond any printable number -------------------------------------------------------


def test_path_counts_beyond_any_printable_number_are_too_many_paths() -> None:
    """More than 10^4300 paths made the error message itself fail (int-to-str limit)."""
    x = Value(1.0)
    y = x
    for _ in range(15_000):
        y = (y + y) * 0.5  # each level doubles the number of paths
    assert count_paths(y, x).bit_length() == 15_001
    with pytest.raises(TooManyPathsError, match=r"about 10\^4515 paths") as info:
        derivative_chains(y, x)
    assert info.value.count == 2**15_000
