"""Shared values drawn at each use (viz.shared) and an unrolled network as a strip of time steps (viz.strip).

Lesson 8's recurrent network, unrolled over five steps, with one node per weight is 2,980 px tall in
a 1000 px notebook column: wₓ, wₕ and b send an edge into every step. With ``shared="stubs"`` (chosen
by ``"auto"``) each use is a small stub, the table under the caption gives each weight's value once
and its gradient as the sum over its uses, and the steps stand side by side. Checked on the DOT, on
the SVG dot draws (tests/svg_layout.py) and on dot's measured layout.
"""

from __future__ import annotations

import dataclasses
import html
import math
import re

import pytest
from svg_layout import cluster_leaks, floating_labels, labels_on_arrows, layout
from viz_support import SEQUENCE, needs_dot, unrolled

import viz
from autograd import Value
from viz.arithmetic import equations, redoes
from viz.fit import SCREEN_PX
from viz.scene import build_scene
from viz.shared import shared_candidates, users
from viz.strip import time_steps
from viz.wrap import SITE_COLUMN_PX, measure


def _stubs(source: str) -> list[tuple[str, str]]:
    """``(stub node, name it shows)`` for every stub in the DOT."""
    return re.findall(r"\t(v\d+u\d+) \[label=<<TABLE[^>]*STYLE=\"dashed\"[^>]*><TR><TD><B>([^<]*)</B>", source)


def test_each_shared_weight_is_a_stub_at_each_use_and_drawn_nowhere_else() -> None:
    loss, p, xs, _ = unrolled()
    source = viz.draw_graph(loss, params=list(p.values()), inputs=xs, shared="stubs").source
    stubs = _stubs(source)
    assert sorted(name for _, name in stubs) == sorted(["wₓ"] * 5 + ["wₕ"] * 5 + ["b"] * 5)
    for node, _ in stubs:  # each stub has one edge, into its use
        assert len(re.findall(rf"\t{node} -> v\d+", source)) == 1
    g = build_scene([loss], params=list(p.values()), inputs=xs)
    for name in ("wₓ", "wₕ", "b"):
        vid = g.vid(g.idx(p[name]))
        assert f"\t{vid} [" not in source, f"{name} is drawn as a node too"
    # wₒ and c are used once: drawn as nodes, with their data and grad.
    assert "data 1.2" in source
    assert "data -0.1" in source


def test_the_table_sums_each_weights_uses_in_time_order_to_its_gradient() -> None:
    loss, p, xs, states = unrolled()
    drawing = viz.draw_graph(loss, params=list(p.values()), inputs=xs, shared="stubs")
    text = html.unescape(re.sub(r"<[^>]+>", "\n", drawing.source))
    by_hand: dict[str, list[float]] = {"wₓ": [], "wₕ": [], "b": []}  # the textbook BPTT contributions, step 1 first
    hs = [0.0] + [h.data for h in states]
    delta = states[-1].grad  # ∂L/∂h₅
    per_step = []
    for t in range(5, 0, -1):
        local = delta * (1 - hs[t] ** 2)
        per_step.append((t, local * SEQUENCE[t - 1], local * hs[t - 1], local))
        delta = local * p["wₕ"].data
    for _, x_part, h_part, b_part in sorted(per_step):
        by_hand["wₓ"].append(x_part)
        by_hand["wₕ"].append(h_part)
        by_hand["b"].append(b_part)
    for name, parts in by_hand.items():
        line = next(line for line in text.splitlines() if f"∂L/∂{name} = " in line)
        (equation,) = equations(line)
        assert equation.op == "+"
        assert len(equation.terms) == 5
        assert redoes("+", equation.terms, equation.result, digits=4), line
        for shown, true in zip(equation.terms, parts, strict=True):
            assert math.isclose(float(shown.strip("()")), true, rel_tol=1e-3, abs_tol=1e-9), (name, shown, true)
        assert math.isclose(math.fsum(parts), p[name].grad, rel_tol=1e-12)
        assert equation.result == viz.format_number(p[name].grad)
    assert "data 0.9" in text
    assert "data 0.5" in text


def test_time_steps_put_each_node_in_its_step_and_the_loss_after_the_last() -> None:
    loss, p, xs, states = unrolled()
    g = build_scene([loss], params=list(p.values()), inputs=xs)
    g = dataclasses.replace(g, stubs=shared_candidates(g))
    step = time_steps(g)
    assert step is not None
    for t, (x, h) in enumerate(zip(xs, states, strict=True), start=1):
        assert step[g.idx(x)] == step[g.idx(h)] == t
    assert step[g.idx(loss)] == step[g.idx(p["wₒ"])] == step[g.idx(p["c"])] == 6
    # each weight's uses, first use first: the step-1 product wₓ·x₁ first
    assert [step[u] for u in users(g, g.idx(p["wₓ"]))] == [1, 2, 3, 4, 5]


def test_auto_draws_stubs_for_an_unrolled_network_only() -> None:
    loss, p, xs, _ = unrolled()
    assert len(_stubs(viz.draw_graph(loss, params=list(p.values()), inputs=xs).source)) == 15
    assert _stubs(viz.draw_graph(loss, params=list(p.values()), inputs=xs, shared="node").source) == []
    two, *_ = unrolled(steps=2)  # two steps: too short for a strip, one node per weight
    assert _stubs(viz.draw_graph(two).source) == []
    a, w = Value(2.0, label="a"), Value(3.0, label="w")
    square = w * w
    out = w * a + square + (w * a).tanh()  # w feeds three nodes, but there are no time steps
    out.backward()
    assert _stubs(viz.draw_graph(out, params=[w]).source) == []
    stubbed = viz.draw_graph(out, params=[w], shared="stubs").source  # asked for: a stub at each use
    assert sorted(name for _, name in _stubs(stubbed)) == ["a", "a", "w", "w", "w"]  # the input a is used twice
    g = build_scene([out], params=[w])
    assert shared_candidates(g) == {g.idx(w), g.idx(a)}
    stub = dataclasses.replace(g, stubs=frozenset({g.idx(w)})).source(g.idx(w), g.idx(square))
    assert stubbed.count(f"\t{stub} -> ") == 2  # w·w: one stub, both of its edges


def test_auto_keeps_one_node_per_weight_when_the_stubs_would_pass_max_nodes() -> None:
    loss, p, xs, _ = unrolled()
    one_node = viz.draw_graph(loss, params=list(p.values()), inputs=xs, shared="node")
    assert one_node.node_count == 43
    drawn = viz.draw_graph(loss, params=list(p.values()), inputs=xs, max_nodes=50)  # the strip has 55 nodes
    assert _stubs(drawn.source) == []
    assert drawn.node_count == 43
    with pytest.raises(viz.GraphTooLargeError, match="55 nodes"):
        viz.draw_graph(loss, params=list(p.values()), inputs=xs, max_nodes=50, shared="stubs")


def test_shared_is_checked() -> None:
    loss, *_ = unrolled(steps=3)
    with pytest.raises(ValueError, match=r"shared must be 'auto', 'node' or 'stubs', got 'stub'"):
        viz.draw_graph(loss, shared="stub")  # type: ignore[arg-type]


@needs_dot
def test_the_strip_fits_a_screen_and_reads_in_both_columns() -> None:
    """2,980 px tall (13.0 px text) in the notebook column and 2,193 px (9.6 px) in the site's, as one
    node per weight; as a strip: within a screen in both, 11 px text in the notebook, 9 px on the site."""
    loss, p, xs, _ = unrolled()
    drawing = viz.draw_graph(loss, params=list(p.values()), inputs=xs)
    laid = measure(drawing)
    assert laid is not None
    text, height = laid.in_column(1000)
    site_text, site_height = laid.in_column(SITE_COLUMN_PX)
    assert text >= 11, text
    assert height <= SCREEN_PX, height
    assert site_text >= 9, site_text
    assert site_height <= SCREEN_PX, site_height
    assert drawing.text_px is not None
    assert math.isclose(drawing.text_px, laid.text_px(viz.STYLES["notebook"], grow=False))
    one_node = measure(viz.draw_graph(loss, params=list(p.values()), inputs=xs, shared="node"))
    assert one_node is not None
    assert one_node.in_column(1000)[1] > 2 * SCREEN_PX


def _centres(svg: str, names: list[str]) -> dict[str, tuple[float, float]]:
    """Each named value node's centre, for the node showing ``data`` (not a stub)."""
    lay = layout(svg)
    where = {}
    for _, (text, box) in lay.node_texts.items():
        words = text.split()
        named = [w for w in words[:2] if w in names]  # the name, or the op and then the name
        if named and "data" in words:
            where[named[0]] = ((box.left + box.right) / 2, (box.top + box.bottom) / 2)
    return where


@needs_dot
@pytest.mark.parametrize("given", [True, False], ids=["inputs given", "no inputs"])
def test_the_steps_run_left_to_right_in_time_order_with_a_clean_layout(given: bool) -> None:
    loss, p, xs, states = unrolled()
    svg = viz.draw_graph(loss, params=list(p.values()), inputs=xs if given else ()).svg()
    xs_at = _centres(svg, [x.label for x in xs])
    hs_at = _centres(svg, [h.label for h in states])
    x_left = [xs_at[x.label][0] for x in xs]
    h_left = [hs_at[h.label][0] for h in states]
    assert x_left == sorted(x_left), x_left
    assert h_left == sorted(h_left), h_left
    for x, h in zip(xs, states, strict=True):  # each step a column: its input above its state
        assert xs_at[x.label][1] < hs_at[h.label][1]
    assert labels_on_arrows(svg) + floating_labels(svg) + cluster_leaks(svg) == []


def test_with_lanes_each_use_gives_its_gradient_summed_over_the_lanes() -> None:
    """A batch of sequences in lanes: a scalar weight's gradient through a use is the sum over the lanes."""
    import numpy as np

    wx, wh, b = Value(0.5, label="wx"), Value(0.9, label="wh"), Value(0.1, label="b")
    h = Value(np.zeros(4), label="h0")
    xs = []
    for t in range(1, 5):
        xs.append(Value(np.linspace(-1.0, 1.0, 4) * t / 4, label=f"x{t}"))
        h = (wx * xs[-1] + wh * h + b).tanh()
    loss = (h * h).sum()
    loss.backward()
    text = html.unescape(re.sub(r"<[^>]+>", "\n", viz.draw_graph(loss, params=[wx, wh, b], inputs=xs).source))
    for w in (wx, wh, b):
        line = next(line for line in text.splitlines() if line.startswith(f": data {viz.format_number(w.data)}, grad"))
        (equation,) = equations(line)
        assert len(equation.terms) == 4
        assert redoes("+", equation.terms, equation.result, digits=4), line
        assert equation.result == viz.format_number(w.grad)


@needs_dot
def test_the_columns_run_in_time_order_whatever_order_inputs_gives() -> None:
    """A strip is read left to right as time runs: x₅ … x₁ given as ``inputs=`` still give x₁ … x₅."""
    loss, p, xs, states = unrolled()
    svg = viz.draw_graph(loss, params=list(p.values()), inputs=xs[::-1]).svg()
    x_left = [_centres(svg, [x.label for x in xs])[x.label][0] for x in xs]
    h_left = [_centres(svg, [h.label for h in states])[h.label][0] for h in states]
    assert x_left == sorted(x_left), x_left
    assert h_left == sorted(h_left), h_left
    assert labels_on_arrows(svg) + floating_labels(svg) + cluster_leaks(svg) == []


@needs_dot
def test_on_a_slide_the_strip_stacks_its_cells() -> None:
    """Side by side (the slide style's cells top to bottom) the strip was 2,356 pt wide, 9.8 px text on a
    1280×720 slide; stacked, each column stays one narrow node wide: 15.1 px."""
    loss, p, xs, _ = unrolled()
    drawing = viz.draw_graph(loss, params=list(p.values()), inputs=xs, style="slide")
    assert len(_stubs(drawing.source)) == 15
    laid = measure(drawing)
    assert laid is not None
    assert drawing.text_px is not None
    assert math.isclose(drawing.text_px, laid.text_px(viz.STYLES["slide"], grow=True))
    assert drawing.text_px >= 15, drawing.text_px
