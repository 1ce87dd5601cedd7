"""`draw_graph`: a computation graph with every node's value and gradient.

Every :class:`~autograd.Value` is a node showing the op that made it (first cell, grey),
its label (if any), ``data`` and ``grad``; each input is an edge into it, so ``a + a``
shows two edges. With ``ops="nodes"`` every op is a small node of its own between its
inputs and its result instead (twice the levels). Node ids are topological (``v0``,
``v1`` … parents before children; an op node is its result's id plus ``op``). A node's
cells sit side by side, or stacked where that keeps ranks narrow (left-to-right layouts,
and any layout in a display that scrolls, like a notebook). Numbers have a fixed
number of significant digits (:func:`viz.numbers.format_number`), so the DOT text is
deterministic and can be compared with a golden file. Labels are HTML tables in which
every user string is escaped.

Pictures fit where they are shown: ``rankdir="auto"`` (the default) estimates the
size of the left-to-right and the top-to-bottom layout and takes the one whose text
is shown largest in the style's display (a ~1000 px notebook column, a 1280×720
slide, a page); ``style=`` picks the look (:mod:`viz.styles`); graphs with more than
``max_nodes`` drawn nodes are refused with a message saying how to collapse them, except
a model's graph, which ``collapse="auto"`` (the default) draws at the finest collapse whose
text reads (:data:`READABLE_PX`) and says so in its caption.

Models (anything with the ``named_modules()``/``named_parameters()`` protocol of
``nn.Module``; this package never imports ``nn``) are drawn with the Values of each
module in a labelled cluster, and modules can be collapsed into one box each.

Lanes: a Value holding lanes (one scalar per sample) shows its first few values and
their count, ``data [0.5000, 1.0000, 1.5000, … 8 lanes]``, and when some are not listed
a line ``mean …, min …, max …``; its gradient and any local derivative that differs
from lane to lane are shown the same way (:func:`viz.numbers.format_lanes`). Coloured by
gradient, a lane Value takes the colour of the **sum of its gradient over the lanes**:
the gradient of the output with respect to one shift added to every lane, which is
what a scalar in its place (a parameter) would receive, so lane and scalar nodes share
one scale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Unpack

from autograd import Value
from viz.display import Drawing
from viz.emit import DEFAULT_MAX_NODES, MODEL_WALK, GraphTooLargeError, Options, emit, refuse_early
from viz.fit import READABLE_PX, auto_collapse, draw_readable
from viz.marks import ROLE_COLORS, Marks, fills, legend_table
from viz.numbers import format_lanes
from viz.options import DrawOptions, takes_options
from viz.scene import MAX_LABEL, ModuleLike, Names, as_roots, build_scene
from viz.shared import Shared, shared_table, with_rows
from viz.strip import lay_strip, with_shared
from viz.texts import EdgeTexts, NodeTexts
from viz.wrap import fit_picture, measured

__all__ = [
    "DEFAULT_MAX_NODES",
    "MAX_LABEL",
    "READABLE_PX",
    "ROLE_COLORS",
    "GraphTooLargeError",
    "ModuleLike",
    "Names",
    "draw_graph",
]


@takes_options
def draw_graph(
    root: Value | Sequence[Value],
    *,
    local_grads: bool = False,
    names: Names | None = None,
    params: Iterable[Value] = (),
    inputs: Iterable[Value] = (),
    model: ModuleLike | None = None,
    collapse: str | Collection[str] | bool | None = "auto",
    shared: Shared = "auto",
    **options: Unpack[DrawOptions],
) -> Drawing:
    """Draw the graph that ``root`` was computed from, with each node's data and grad.

    Args:
        root: The output Value (or several outputs).
        names: Display names for pictures and captions: a mapping from a Value, a
            parameter's dotted name or a label to the name shown (e.g. ``"w¹₂₁"``), or a
            function of the Value returning the name (or None to keep it).
        params: Leaves to draw as parameters (a model's parameters are included).
        inputs: Leaves to draw as inputs, first and in this order (a labelled leaf that
            is not a parameter is an input too; an unlabelled one is a constant).
        model: A model with ``named_modules()``/``named_parameters()``: its modules'
            Values are grouped in labelled clusters, parameters in the model's order.
        collapse: Module class names (``"Neuron"``, ``"Layer"``) or dotted module
            names to draw as one box each (needs ``model``); the edges between two
            groups of boxes are drawn as one edge labelled with their count.
            ``"auto"`` (the default) draws every node when that reads — at most
            ``max_nodes`` nodes and text at least :data:`READABLE_PX` (9) CSS px high
            once the picture is fitted to the style's display (a ~1000 px notebook
            column) — and otherwise the model's finest collapse that does (``Neuron``
            boxes, then ``Layer`` boxes …), saying so in the caption and in
            ``Drawing.auto_collapse``. ``None`` or ``False`` draws every node (and
            refuses a picture over ``max_nodes``). Without ``model``, ``"auto"`` is ``None``.
        shared: How a value used by several nodes is drawn: ``"node"``, one node with an edge
            into each use; ``"stubs"``, a dashed stub at each use (parameters and named inputs
            used two or more times), its value and its gradient — the sum of the gradients
            through its uses — in a table under the caption (:mod:`viz.shared`); ``"auto"`` (the
            default) stubs where they make the graph a chain of time steps (an unrolled recurrent
            network), drawn as a strip, one column per step, left to right in time order
            (:mod:`viz.strip`), else ``"node"``.
        **options: The drawing options draw_graph and :func:`~viz.chain.draw_chain` share
            (:class:`~viz.options.DrawOptions`):

    Returns:
        A :class:`~viz.display.Drawing` (a ``graphviz.Digraph``): shown inline in
        Jupyter, ``.source`` is the DOT text, ``.save("g.svg")`` writes a file.

    Raises:
        GraphTooLargeError: with more than ``max_nodes`` drawn nodes (with
            ``collapse="auto"``: even with the model's coarsest collapse).

    >>> from autograd import Value
    >>> a = Value(2.0, label="a")
    >>> dot = draw_graph(a + a).source      # a + a: two edges into the "+" node
    >>> dot.count("v0 -> v1")
    2
    >>> dot = draw_graph(a + a, ops="nodes").source
    >>> dot.count("v0 -> v1op"), dot.count("v1op -> v1")
    (2, 1)
    """
    auto = auto_collapse(collapse)
    opts = Options.make(collapse=None if auto or collapse is False else collapse, **options)  # type: ignore[arg-type]
    roots = as_roots(root)
    refuse_early(roots, opts.max_nodes * (MODEL_WALK if model is not None else 1), opts, model is not None)
    plain = build_scene(roots, params=params, inputs=inputs, model=model, names_=names)
    g, steps = with_shared(plain, shared)
    digits, shown, look = opts.digits, opts.lanes_shown, opts.style
    grads = [v.grad for v in g.order]

    def text(x: Any) -> str:
        return format_lanes(x, digits, shown)

    # Numbers are written as the drawing reads them: a model drawn as boxes formats only what it shows.
    base = Marks(
        data=NodeTexts([v.data for v in g.order], text),
        grad=NodeTexts(grads, text),
        fill=fills(g, opts.color, grads, look, opts.vmax, opts.scale),
    )
    if local_grads:
        base.edge_labels = EdgeTexts(g.order, text)

    def draw(level: tuple[str, ...] | str | None, caption: str = "", turn: str = "") -> Drawing:
        drawn = dataclasses.replace(base, caption=caption)
        if opts.legend:
            drawn.legend = legend_table(
                g, opts.color, grads, look, digits=digits, vmax=opts.vmax, collapse=level, scale=opts.scale
            )
        drawn.legend = with_rows(drawn.legend, shared_table(g, digits))
        if steps is not None and (turn or opts.rankdir) in ("auto", "TB") and "rankdir" not in opts.graph_attr:
            strip = emit(g, drawn, opts.but(collapse=level, rankdir="TB"))
            return measured(lay_strip(strip, g, steps, nodesep="nodesep" not in opts.graph_attr), look)
        picture = emit(g, drawn, opts.but(collapse=level, rankdir=turn or opts.rankdir))
        if turn or opts.rankdir != "auto" or "rankdir" in opts.graph_attr:
            return picture
        return fit_picture(picture, lambda rankdir: draw(level, caption, rankdir), look)

    if g is not plain and shared == "auto":  # a strip, unless its stubs make more nodes than max_nodes
        try:
            return draw(opts.collapse)
        except GraphTooLargeError:
            g, steps = plain, None
    if not auto or not g.modules:
        return draw(opts.collapse)
    return draw_readable(g, draw, look)
