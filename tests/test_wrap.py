"""viz.wrap: slide pictures laid out by measuring (left to right, top to bottom, folded), checked on
dot's own coordinates (SVG and JSON), not on estimates."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from viz_support import bare_edge_labels, needs_dot, slide_frame_text_px

import viz
import viz.chain
from autograd import Value
from viz.display import Drawing
from viz.expr import build
from viz.fit import READABLE_PX, SCREEN_PX, TURN_READABLE_PX
from viz.styles import get_style
from viz.wrap import (
    MAX_MEASURED_NODES,
    SITE_COLUMN_PX,
    SLIDE_PX,
    fit_column,
    fit_display,
    fold,
    fold_ranks,
    measure,
)

SLIDE = get_style("slide")
SVG = "{http://www.w3.org/2000/svg}"

#: The CLI's and README's loss chain (9 operations, 5 inputs and 2 constants).
LOSS = ("0.5*(0.03 - sigmoid(x1*w1 + x2*w2 + b))**2", {"x1": 0.1, "x2": 0.3, "w1": 0.5, "w2": 0.2, "b": 1.83})


def _loss(style: str = "slide", **kwargs: object) -> viz.ChainDrawing:
    expr, at = LOSS
    env = {k: Value(v, label=k) for k, v in at.items()}
    out = build(expr, env)
    out.label = "E"
    out.backward()
    params = [env[k] for k in ("w1", "w2", "b")]
    inputs = [env["x1"], env["x2"]]
    return viz.draw_chain(out, env["w1"], style=style, params=params, inputs=inputs, **kwargs)  # type: ignore[arg-type]


def _expr(expr: str, names: str) -> tuple[Value, dict[str, Value]]:
    env = {k: Value(1.0 + 0.1 * i, label=k) for i, k in enumerate(names.split())}
    out = build(expr, env)
    out.label = "L"
    out.backward()
    return out, env


# -- folding the ranks ----------------------------------------------------------------------------


@given(st.integers(0, 40), st.integers(1, 4))
def test_folded_ranks_run_like_a_snake(top: int, parts: int) -> None:
    places = fold_ranks(list(range(top + 1)), parts)
    length = -(-(top + 1) // parts)
    assert all(0 <= p < length for p in places)
    for r in range(top):
        step = abs(places[r + 1] - places[r])
        # next to each other in a run, side by side (the same place) where one run turns into the next
        assert step == (0 if (r + 1) % length == 0 else 1)


@given(st.integers(2, 40), st.integers(1, 4))
def test_a_pivoting_snake_never_runs_flat(top: int, parts: int) -> None:
    places = fold_ranks(list(range(top + 1)), parts, pivot=True)
    assert places[0] == 0
    assert all(abs(b - a) == 1 for a, b in itertools.pairwise(places))
    assert max(places) == -(-top // parts)


def test_fold_ranks_refuses_no_parts() -> None:
    with pytest.raises(ValueError, match="parts must be at least 1"):
        fold_ranks([0, 1], 0)


# -- folded pictures, on dot's coordinates ---------------------------------------------------------


def _boxes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    """Each node's box (x0, y0, x1, y1) in the SVG's coordinates (y down)."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        title = g.find(f"{SVG}title")
        xs: list[float] = []
        ys: list[float] = []
        for el in g.iter():
            for attr in ("points",):
                for pair in (el.get(attr) or "").split():
                    x, y = pair.split(",")
                    xs.append(float(x))
                    ys.append(float(y))
        if title is not None and title.text and xs:
            out[title.text] = (min(xs), min(ys), max(xs), max(ys))
    return out


def _arrowheads(svg: str) -> dict[str, tuple[float, float]]:
    """Each edge's arrowhead centre, by the edge's title (``v5&#45;&gt;v4`` reads ``v5->v4``)."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "edge":
            continue
        title = g.find(f"{SVG}title")
        poly = g.find(f"{SVG}polygon")
        if title is None or title.text is None or poly is None:
            continue
        pts = [tuple(float(t) for t in p.split(",")) for p in (poly.get("points") or "").split()]
        out[title.text] = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
    return out


def _distance(point: tuple[float, float], box: tuple[float, float, float, float]) -> float:
    x, y = point
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    return float((dx * dx + dy * dy) ** 0.5)


@needs_dot
@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_a_folded_chain_keeps_every_edge_label_and_arrow(rankdir: str) -> None:
    plain = _loss(view="paths", rankdir=rankdir)
    laid = measure(plain)
    assert laid is not None
    folded = fold(plain, 2, laid.ranks)
    assert folded is not None
    # Every edge of the chain is still drawn, with its label, from its tail's data to its head.
    edges = re.findall(r"^\t(v\d+) -> (v\d+) \[(.*)\]$", bare_edge_labels(plain.source), re.MULTILINE)
    assert len(edges) == 7
    svg = folded.svg()
    boxes, heads = _boxes(svg), _arrowheads(svg)
    texts = {t.text for t in ET.fromstring(svg).iter(f"{SVG}text")}
    for tail, head, attrs in edges:
        label = re.search(r"label=<([^>]*)>", attrs)
        assert label is not None
        drawn = f"{tail}->{head}" if f"{tail}->{head}" in heads else f"{head}->{tail}"
        assert drawn in heads, (tail, head)
        if drawn != f"{tail}->{head}":
            assert re.search(rf"^\t{head} -> {tail} \[.* dir=back\]$", folded.source, re.MULTILINE)
        # the arrowhead touches the node the data enters, not the one it leaves
        assert _distance(heads[drawn], boxes[head]) < _distance(heads[drawn], boxes[tail])
        assert label.group(1) in texts
    # Two runs side by side (TB: columns; LR: rows), the second beginning beside the end of the first
    # (left to right, the snake turns at v4, on a place of its own between the rows).
    first, second = [f"v{k}" for k in range(4)], [f"v{k}" for k in range(4 if rankdir == "TB" else 5, 8)]
    axis = 0 if rankdir == "TB" else 1
    assert max(boxes[n][axis + 2] for n in first) < min(boxes[n][axis] for n in second)
    plain_laid, folded_laid = measure(plain), measure(folded)
    assert plain_laid is not None
    assert folded_laid is not None
    long_side = (lambda m: m.height) if rankdir == "TB" else (lambda m: m.width)
    assert long_side(folded_laid) < 0.7 * long_side(plain_laid)


@needs_dot
def test_pictures_with_clusters_or_too_short_are_not_folded() -> None:
    out, env = _expr("tanh(x*w + b)", "x w b")
    short = viz.draw_chain(out, env["w"], style="slide", rankdir="TB")
    laid = measure(short)
    assert laid is not None
    assert fold(short, 3, laid.ranks) is None  # 4 ranks cannot make 3 runs of at least 2
    boxed = Drawing()
    boxed.body.append("\tsubgraph cluster_m0 {\n")
    assert fold(boxed, 2, {"a": 0, "b": 1, "c": 2, "d": 3}) is None


@needs_dot
def test_a_graph_whose_edges_would_cross_the_folds_is_not_folded() -> None:
    """An unrolled recurrent net: its weights feed every step, across any fold."""
    w_x, w_h, b = Value(0.5, label="wx"), Value(0.9, label="wh"), Value(0.1, label="b")
    h = Value(0.0, label="h0")
    for t, x in enumerate([0.5, -1.0, 0.8, 0.2, -0.4], start=1):
        h = (w_x * Value(x, label=f"x{t}") + w_h * h + b).tanh()
    d = viz.draw_graph(h, params=[w_x, w_h, b], rankdir="TB")
    laid = measure(d)
    assert laid is not None
    for parts in (2, 3, 4):
        assert fold(d, parts, laid.ranks) is None


# -- the layout chosen by measuring ---------------------------------------------------------------


@needs_dot
def test_the_loss_chain_is_folded_to_fill_a_slide() -> None:
    d = _loss()
    laid = measure(d)
    assert laid is not None
    assert d.text_px == pytest.approx(laid.text_px(SLIDE, grow=True))
    assert d.text_px is not None
    assert d.text_px >= SLIDE_PX
    assert "rank=same;" in d.source  # folded
    # unfolded, neither orientation reaches 18 pt on the slide
    for rankdir in ("LR", "TB"):
        flat = measure(_loss(view="paths", rankdir=rankdir))
        assert flat is not None
        assert flat.text_px(SLIDE, grow=True) < SLIDE_PX


@needs_dot
@pytest.mark.parametrize(
    ("expr", "names"),
    [("relu(a*x1 + b*x2 + c)", "a b c x1 x2"), ("(a*b + c)**2 - d", "a b c d"), ("tanh(x*w + b)", "x w b")],
)
def test_a_slide_takes_the_layout_with_the_largest_text(expr: str, names: str, monkeypatch: pytest.MonkeyPatch) -> None:
    out, env = _expr(expr, names)
    wrt = env[names.split()[0]]
    estimated: list[str] = []
    real = viz.chain.fit_picture

    def spy(drawing: Drawing, *args: object, **kwargs: object) -> Drawing:
        estimated.append(drawing.graph_attr["rankdir"])  # the estimate's orientation (viz.layout.pick_rankdir)
        return real(drawing, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(viz.chain, "fit_picture", spy)
    chosen = viz.draw_chain(out, wrt, style="slide", view="graph")
    assert chosen.text_px is not None
    shown = measure(chosen)
    assert shown is not None
    assert chosen.text_px == pytest.approx(shown.text_px(SLIDE, grow=True))
    measured = {}
    for rankdir in ("LR", "TB"):
        laid = measure(viz.draw_chain(out, wrt, style="slide", view="graph", rankdir=rankdir))
        assert laid is not None
        measured[rankdir] = laid.text_px(SLIDE, grow=True)
        assert chosen.text_px >= measured[rankdir] - 1e-9
    if expr.startswith(("relu", "(a*b")):
        # Here the estimate picks left to right, which dot lays out with smaller text than top to bottom.
        assert estimated == ["LR"]
        assert measured["TB"] > measured["LR"]
        assert chosen.graph_attr["rankdir"] == "TB"


@needs_dot
def test_every_candidate_is_measured_and_the_best_kept() -> None:
    plain = _loss(view="paths", rankdir="TB")
    best, found = fit_display(plain, lambda r: _loss(view="paths", rankdir=r), SLIDE)
    names = [name for name, _, _ in found]
    assert names[:2] == ["TB", "LR"]
    assert "TB folded in 2" in names
    assert best.text_px == max(px for _, _, px in found)
    for _, drawing, px in found:
        laid = measure(drawing)
        assert laid is not None
        assert px == pytest.approx(laid.text_px(SLIDE, grow=True))


def test_large_pictures_are_not_measured() -> None:
    d = Drawing()
    d.node_count = MAX_MEASURED_NODES + 1
    calls: list[str] = []

    def redraw(rankdir: str) -> Drawing:
        calls.append(rankdir)
        return d

    assert fit_display(d, redraw, SLIDE) == (d, [])
    assert calls == []


@needs_dot
def test_a_chain_too_tall_for_a_screen_is_folded_to_read_in_both_columns() -> None:
    """Lesson 1's chain: 1,287 px tall top to bottom; turned left to right it reads 7.9 px in the
    course site's 736 px column. Folded, it fits a screen and reads in both columns."""
    d = _loss("notebook")
    assert "rank=same;" in d.source
    laid = measure(d)
    assert laid is not None
    text, height = laid.in_column(1000)
    site_text, _ = laid.in_column(SITE_COLUMN_PX)
    assert height <= SCREEN_PX
    assert text >= TURN_READABLE_PX
    assert site_text >= READABLE_PX
    tall = measure(_loss("notebook", rankdir="TB"))
    turned = measure(_loss("notebook", rankdir="LR", view="graph"))
    assert tall is not None
    assert turned is not None
    assert tall.in_column(1000)[1] > SCREEN_PX
    assert turned.in_column(SITE_COLUMN_PX)[0] < READABLE_PX


@needs_dot
def test_a_picture_that_fits_a_screen_is_kept() -> None:
    out, env = _expr("tanh(x*w + b)", "x w b")
    plain = viz.draw_chain(out, env["w"])
    calls: list[str] = []

    def redraw(rankdir: str) -> Drawing:
        calls.append(rankdir)
        return plain

    assert fit_column(plain, redraw, get_style("notebook")) is plain
    assert calls == []


@needs_dot
def test_a_long_chains_step_frames_are_folded_on_a_slide() -> None:
    """Every frame of the loss chain's step-through folded alike (pinned: nodes never move), still
    16:9; its text on a 1280×720 slide 25.5 px (a thin column: 9.8 px; folded with stacked cells
    and a one-line caption: 17.5 px). tests/test_slides_browser.py measures every frame in chromium."""
    expr, at = LOSS
    env = {k: Value(v, label=k) for k, v in at.items()}
    out = build(expr, env)
    out.label = "E"
    frames = viz.steps(out, style="slide", params=[env[k] for k in ("w1", "w2", "b")], inputs=[env["x1"], env["x2"]])
    first, later = frames.pinned_source(0), frames.pinned_source(20)
    assert "rank=same;" in first
    assert "dir=back]" in later
    assert re.findall(r'pos="[^"]*"', first)[:20] == re.findall(r'pos="[^"]*"', later)[:20]
    svg = frames.render(20, "svg").decode("utf-8")
    assert slide_frame_text_px(svg) >= 24.0
