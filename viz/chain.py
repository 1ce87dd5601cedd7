"""`draw_chain`: the derivative chain from an output to one input, on the graph.

The chain rule's picture from the seeds: every path from the output down to the input
is highlighted, each of its edges labelled with its local derivative, and the caption
(:mod:`viz.caption`) multiplies the factors along each path and adds the paths up::

    ∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from typing import Any, Literal, Unpack

from autograd import Value, chain_summary
from autograd.chains import DEFAULT_PATH_LIMIT, EdgeSummary
from viz.caption import (
    Caption,
    Factors,
    Naming,
    caption_for,
    chain_caption,
    check_values,
    picture_numbers,
)
from viz.display import Drawing
from viz.emit import CHAIN_WALK, MODEL_WALK, GraphTooLargeError, Options, emit, refuse_early
from viz.fit import READABLE_PX, TURN_READABLE_PX, auto_collapse, display_name, draw_readable
from viz.latex import latex_text
from viz.marks import Marks, fills, legend_table
from viz.numbers import format_lanes, is_lanes
from viz.options import DrawOptions, takes_options
from viz.scene import ModuleLike, Names, Scene, build_scene
from viz.wrap import SLIDE_PX, fit_picture

__all__ = ["Caption", "ChainDrawing", "Factors", "chain_caption", "draw_chain"]


View = Literal["auto", "graph", "paths"]


#: The smallest text (CSS px) a chain's own view (``view="paths"``) may have once turned to fit a
#: screen's height: its factors are what the picture is for.
PATHS_TURN_PX = 11.0


class ChainDrawing(Drawing):
    """The :class:`~viz.display.Drawing` of :func:`draw_chain`, whose caption also gives LaTeX.

    ``view`` says what was drawn: ``"graph"`` (every node, or a model's collapsed boxes) or
    ``"paths"`` (only the Values on the paths, see :func:`draw_chain`).
    """

    view: str = "graph"

    def latex(self) -> str:
        """The caption's chain rule as LaTeX math (see :class:`Caption`)."""
        caption = self.caption
        return caption.latex() if isinstance(caption, Caption) else latex_text(caption)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


@takes_options
def draw_chain(
    output: Value,
    wrt: Value,
    *,
    names: Names | None = None,
    factors: Factors = "auto",
    drop_ones: bool = True,
    limit: int = DEFAULT_PATH_LIMIT,
    max_listed: int = 10,
    local_grads: bool = False,
    params: Iterable[Value] = (),
    inputs: Iterable[Value] = (),
    model: ModuleLike | None = None,
    collapse: str | Collection[str] | bool | None = "auto",
    view: View = "auto",
    lane: int | None = 0,
    **options: Unpack[DrawOptions],
) -> ChainDrawing:
    """Draw ``output``'s graph with every path to ``wrt`` highlighted and the chain as caption.

    Each highlighted edge is labelled with its local derivative ``∂child/∂parent``;
    edges off the paths are grey. The caption (also in ``.caption``, a
    :class:`Caption`) is :func:`chain_caption`'s text, with the same ``digits`` as the
    nodes and edges; ``.latex()`` gives it as LaTeX. With more than ``limit`` paths the
    edges are still highlighted (found without listing the paths) and the caption
    gives the gradient and the number of paths.

    Args:
        output: The node differentiated (e.g. the loss ``E``).
        wrt: The node differentiated with respect to (e.g. the weight ``W1``).
        names: Display names for the picture and the caption; see
            :func:`~viz.graph.draw_graph`.
        factors: ``"auto"``, ``"labels"`` or ``"edges"``; see :mod:`viz.chain`.
        drop_ones: In ``"edges"`` mode, leave out factors that are exactly 1.
        limit: The most paths listed in the caption.
        max_listed: List at most this many paths (the sum still covers all).
        local_grads: Also write the local derivative on every edge off the paths (in
            grey), as :func:`~viz.graph.draw_graph` does; the paths' edges always have theirs.
        params: Leaves to draw as parameters.
        inputs: Leaves to draw as inputs, first and in this order.
        model: Group the Values by module, as in :func:`~viz.graph.draw_graph`.
        collapse: Modules to draw as one box each (needs ``model``); ``"auto"`` (the
            default) as in :func:`~viz.graph.draw_graph`, once the chain's own view (``view``)
            does not read either; ``None`` or ``False`` draws every node.
        view: ``"graph"`` draws the whole graph with the paths highlighted; ``"paths"`` only
            the Values on the paths from ``output`` to ``wrt`` (each node's op cell counting the
            inputs left out), so every factor of the caption is on an edge; ``"auto"`` (the
            default) the whole graph when it reads (:data:`~viz.fit.READABLE_PX`, at most
            ``max_nodes`` nodes), else the paths, saying so in the caption and in
            ``ChainDrawing.view``.
        lane: With lanes, the lane (from 0) whose chain the caption shows, or None
            for the paths' products over all lanes; see :mod:`viz.chain`.
        **options: The drawing options draw_chain and :func:`~viz.graph.draw_graph` share
            (:class:`~viz.options.DrawOptions`):

    Returns:
        A :class:`ChainDrawing` (a :class:`~viz.display.Drawing` with ``.latex()``).

    Raises:
        GraphTooLargeError: with more than ``max_nodes`` drawn nodes.
    """
    check_values(output, wrt)
    if not isinstance(local_grads, bool):
        raise TypeError(f"local_grads must be True or False, got {type(local_grads).__name__}")
    if view not in ("auto", "graph", "paths"):
        raise ValueError(f"view must be 'auto', 'graph' or 'paths', got {view!r}")
    auto = auto_collapse(collapse)
    opts = Options.make(collapse=None if auto or collapse is False else collapse, **options)  # type: ignore[arg-type]
    walk = opts.max_nodes * (MODEL_WALK if model is not None else 1 if view == "graph" else CHAIN_WALK)
    refuse_early([output], walk, opts, model is not None)
    g = build_scene([output], params=params, inputs=inputs, model=model, names_=names)
    summary = chain_summary(output, wrt)

    def numbers(scene: Scene) -> tuple[Caption, int, list[Value]]:
        """The caption, the edge labels' digits and the cited unnamed nodes, naming nodes as ``scene`` draws
        them (the paths view numbers its own nodes: the LaTeX cites the ids that picture shows)."""
        naming = Naming(scene)
        text = caption_for(
            summary,
            naming,
            digits=opts.digits,
            factors=factors,
            drop_ones=drop_ones,
            limit=limit,
            max_listed=max_listed,
            lane=lane,
            shown=opts.lanes_shown,
        )
        edge_digits, cited = picture_numbers(
            output,
            wrt,
            summary,
            text,
            naming,
            digits=opts.digits,
            factors=factors,
            drop_ones=drop_ones,
            limit=limit,
            max_listed=max_listed,
        )
        return text, edge_digits, cited

    naming = Naming(g)
    path_ids = {id(e.edge.child) for e in summary.edges} | {id(e.edge.parent) for e in summary.edges}
    hot_text = f"highlighted: the paths from {naming(output)} to {naming(wrt)}" if summary.count else ""

    made: dict[int, tuple[Scene, str | tuple[str, ...] | None, str]] = {}

    def draw(scene: Scene, level: str | tuple[str, ...] | None, note: str = "", turn: str = "") -> Drawing:
        caption, edge_digits, cited = numbers(scene)
        marks = _chain_marks(scene, summary.edges, opts, caption + note if note else caption, local_grads)
        marks.edge_labels = {
            key: _edge_label(scene.order[key[0]].local_grads[key[1]], edge_digits, opts.digits, opts.lanes_shown)
            if key in marks.hot
            else text
            for key, text in marks.edge_labels.items()
        }
        marks.show_ids = frozenset(scene.idx(v) for v in cited if id(v) in scene.index)
        if opts.legend:
            marks.legend = legend_table(
                scene,
                opts.color,
                [v.grad for v in scene.order],
                opts.style,
                digits=opts.digits,
                vmax=opts.vmax,
                scale=opts.scale,
                hot=hot_text,
                collapse=level,
            )
        drawing = emit(scene, marks, opts.but(collapse=level, rankdir=turn or opts.rankdir), cls=ChainDrawing)
        made[id(drawing)] = (scene, level, note)
        drawing.caption = caption
        return drawing

    def final(drawing: Drawing, view: str) -> ChainDrawing:
        """The drawing returned, fitted to its display (fit_picture): on a slide the layout (turned,
        folded) with the largest text; in a notebook turned if taller than a screen and the turned one reads."""
        if opts.rankdir == "auto" and "rankdir" not in opts.graph_attr:
            scene, level, note = made[id(drawing)]
            # A chain's own view is there so that every factor reads: it turns only if the text stays large.
            min_px = PATHS_TURN_PX if view == "paths" else TURN_READABLE_PX
            drawing = fit_picture(drawing, lambda r: draw(scene, level, note, r), opts.style, min_px=min_px)
        return _as_chain(drawing, view)

    def whole(note: str = "") -> Drawing:
        if not auto or not g.modules:
            return draw(g, opts.collapse, note)

        def collapsed(level: str | tuple[str, ...] | None, more: str = "") -> Drawing:
            return draw(g, level, f"{note}\n{more}" if more else note)

        return draw_readable(g, collapsed, opts.style)

    if view == "graph" or not summary.count or opts.collapse is not None:  # collapsed boxes: the whole graph
        return final(whole(), "graph")
    why = ""
    # On a slide the whole graph must read at the slide's size (measured, its layouts tried: fit_picture).
    slide = opts.style.display == "slide"
    readable = SLIDE_PX if slide else READABLE_PX
    whole_graph: ChainDrawing | None = None
    if view == "auto":
        try:
            full = draw(g, None)
        except GraphTooLargeError as exc:
            why = exc.reason
        else:
            if slide:
                full = whole_graph = final(full, "graph")
            if full.text_px is None or full.text_px >= readable:
                return final(full, "graph") if whole_graph is None else whole_graph
            why = f"{full.node_count} nodes and text about {full.text_px:.0f} px high in {display_name(opts.style)}"
    paths = build_scene([output], params=params, inputs=inputs, model=model, names_=names, keep=path_ids)
    # Without module clusters: the paths of a network run through every neuron of a layer, and a box
    # per neuron (each with its title) would take more room than the neuron's few Values on the paths.
    paths = dataclasses.replace(paths, modules=[], owner=[None] * len(paths.order))
    note = f"\nDrawn: the {len(paths.order)} Values on the paths from {naming(output)} to {naming(wrt)}; "
    note += "“+n inputs”: inputs off the paths, not drawn.\n"
    note += f"The whole graph would have {why}: view='graph' draws it." if why else "view='graph' draws every node."
    try:
        shown = draw(paths, None, note)
    except GraphTooLargeError:
        if not g.modules:
            raise
        return final(whole(), "graph")
    if shown.text_px is not None and shown.text_px < READABLE_PX and g.modules and view == "auto":
        return final(whole(), "graph")
    picked = final(shown, "paths")
    if whole_graph is not None and (picked.text_px or 0.0) < (whole_graph.text_px or 0.0):
        return whole_graph  # the paths view reads no better on this slide: the whole graph, larger
    return picked


def _as_chain(drawing: Drawing, view: str) -> ChainDrawing:
    if not isinstance(drawing, ChainDrawing):  # emit makes it with cls=ChainDrawing: a broken internal contract
        raise TypeError(f"draw_chain: the emit stage returned a {type(drawing).__name__}, not a ChainDrawing")
    drawing.view = view
    return drawing


def _chain_marks(
    scene: Scene, edges: Iterable[EdgeSummary], options: Options, caption: str, local_grads: bool
) -> Marks:
    """A chain's marks: the paths' nodes and edges red, each edge's local derivative on it (with
    ``local_grads``, on the other edges too), each op cell counting the inputs the scene leaves out."""
    digits, shown = options.digits, options.lanes_shown
    index = scene.index
    hot = {(index[id(e.edge.child)], e.edge.index) for e in edges if id(e.edge.child) in index}
    on_path = {i for i, _ in hot} | {index[id(e.edge.parent)] for e in edges if id(e.edge.parent) in index}
    grads = [v.grad for v in scene.order]
    notes = {}
    for i in range(len(scene.order)):
        left = len(scene.left_out(i))
        if left:
            notes[i] = f"(+{left} input{'s' if left > 1 else ''})"
    return Marks(
        data=[format_lanes(v.data, digits, shown) for v in scene.order],
        grad=[format_lanes(x, digits, shown) for x in grads],
        fill=fills(scene, options.color, grads, options.style, options.vmax, options.scale),
        emphasis=on_path,
        edge_labels={
            (i, k): format_lanes(d, digits, shown)
            for i, v in enumerate(scene.order)
            for k, d in enumerate(v.local_grads)
            if (i, k) in hot or (local_grads and id(v.parents[k]) in index)
        },
        hot=hot,
        dim_others=True,
        caption=caption,
        notes=notes,
    )


def _edge_label(local: Any, edge_digits: int, digits: int, shown: int) -> str:
    """A highlighted edge's local derivative, with the chain's guard digits (lanes keep ``digits``)."""
    return format_lanes(local, digits if is_lanes(local) else edge_digits, shown)
