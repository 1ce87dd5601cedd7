"""`draw_chain`: the derivative chain from an output to one input, on the graph.

The chain rule's picture from the seeds: every path from the output down to the input
is highlighted, each of its edges labelled with its local derivative, and the caption
(:mod:`viz.caption`) multiplies the factors along each path and adds the paths up::

    ∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, Literal

from autograd import Value, chain_summary
from autograd.chains import DEFAULT_PATH_LIMIT
from viz.caption import (
    Caption,
    Factors,
    Naming,
    caption_for,
    chain_caption,
    check_values,
    latex_text,
    picture_numbers,
)
from viz.colour import Scale
from viz.display import DEFAULT_TIMEOUT, Drawing
from viz.emit import DEFAULT_MAX_NODES, Options, emit
from viz.marks import Color, Marks, fills, legend_table
from viz.numbers import DEFAULT_SHOWN, format_lanes, is_lanes
from viz.scene import ModuleLike, Names, build_scene
from viz.styles import Style

__all__ = ["Caption", "ChainDrawing", "Factors", "chain_caption", "draw_chain"]


class ChainDrawing(Drawing):
    """The :class:`~viz.display.Drawing` of :func:`draw_chain`, whose caption also gives LaTeX."""

    def latex(self) -> str:
        """The caption's chain rule as LaTeX math (see :class:`Caption`)."""
        caption = self.caption
        return caption.latex() if isinstance(caption, Caption) else latex_text(caption)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


def draw_chain(
    output: Value,
    wrt: Value,
    *,
    digits: int | None = None,
    style: str | Style = "notebook",
    names: Names | None = None,
    factors: Factors = "auto",
    drop_ones: bool = True,
    limit: int = DEFAULT_PATH_LIMIT,
    max_listed: int = 10,
    color: Color = "role",
    legend: bool | None = None,
    vmax: float | None = None,
    scale: Scale = "auto",
    local_grads: bool = False,
    params: Iterable[Value] = (),
    inputs: Iterable[Value] = (),
    model: ModuleLike | None = None,
    collapse: str | Collection[str] | None = None,
    rankdir: str = "auto",
    ops: Literal["inline", "nodes"] = "inline",
    max_nodes: int = DEFAULT_MAX_NODES,
    lane: int | None = 0,
    lanes_shown: int = DEFAULT_SHOWN,
    graph_attr: Mapping[str, Any] | None = None,
    node_attr: Mapping[str, Any] | None = None,
    edge_attr: Mapping[str, Any] | None = None,
    dpi: float | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
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
        digits: Significant digits of every number (default 4).
        style: ``"notebook"``, ``"slide"``, ``"print"`` or ``"dark"``.
        names: Display names for the picture and the caption; see
            :func:`~viz.graph.draw_graph`.
        factors: ``"auto"``, ``"labels"`` or ``"edges"``; see :mod:`viz.chain`.
        drop_ones: In ``"edges"`` mode, leave out factors that are exactly 1.
        limit: The most paths listed in the caption.
        max_listed: List at most this many paths (the sum still covers all).
        color: Node fill, as in :func:`~viz.graph.draw_graph`.
        legend: Show what the colours mean (default yes); ``False`` hides it.
        vmax: With ``color="grad"``, the absolute gradient in full colour.
        scale: With ``color="grad"``: ``"auto"`` (the default) colours by log-magnitude
            when the gradients span more than 2 decades (vanishing or exploding gradients),
            else linearly; ``"linear"`` or ``"log"`` force one. The legend gives the scale
            and its range (:mod:`viz.colour`).
        local_grads: Also write the local derivative on every edge off the paths (in
            grey), as :func:`~viz.graph.draw_graph` does; the paths' edges always have theirs.
        params: Leaves to draw as parameters.
        inputs: Leaves to draw as inputs, first and in this order.
        model: Group the Values by module, as in :func:`~viz.graph.draw_graph`.
        collapse: Modules to draw as one box each (needs ``model``).
        rankdir: ``"auto"`` (fits the style's display), or graphviz's ``"LR"``, ``"TB"`` ….
        ops: ``"inline"`` (the op in its result's node) or ``"nodes"``, as in
            :func:`~viz.graph.draw_graph`.
        max_nodes: Refuse pictures with more drawn nodes than this.
        lane: With lanes, the lane (from 0) whose chain the caption shows, or None
            for the paths' products over all lanes; see :mod:`viz.chain`.
        lanes_shown: How many values of a lane Value (or lane-wise local
            derivative) are listed, as in :func:`~viz.graph.draw_graph`.
        graph_attr: Graphviz graph attributes; they win over the style's.
        node_attr: Graphviz node attributes; they win over the style's.
        edge_attr: Graphviz edge attributes; they win over the style's.
        dpi: Resolution of PNG output (default: the style's).
        timeout: Seconds graphviz's ``dot`` may take (None: no limit).

    Returns:
        A :class:`ChainDrawing` (a :class:`~viz.display.Drawing` with ``.latex()``).

    Raises:
        GraphTooLargeError: with more than ``max_nodes`` drawn nodes.
    """
    check_values(output, wrt)
    if not isinstance(local_grads, bool):
        raise TypeError(f"local_grads must be True or False, got {type(local_grads).__name__}")
    options = Options.make(
        digits=digits,
        style=style,
        rankdir=rankdir,
        collapse=collapse,
        max_nodes=max_nodes,
        lanes_shown=lanes_shown,
        ops=ops,
        color=color,
        vmax=vmax,
        scale=scale,
        legend=legend,
        graph_attr=graph_attr,
        node_attr=node_attr,
        edge_attr=edge_attr,
        dpi=dpi,
        timeout=timeout,
    )
    digits, shown, look = options.digits, options.lanes_shown, options.style
    g = build_scene([output], params=params, inputs=inputs, model=model, names_=names)
    naming = Naming(g)
    summary = chain_summary(output, wrt)
    caption = caption_for(
        summary,
        naming,
        digits=digits,
        factors=factors,
        drop_ones=drop_ones,
        limit=limit,
        max_listed=max_listed,
        lane=lane,
        shown=shown,
    )
    hot = {(g.idx(e.edge.child), e.edge.index) for e in summary.edges}
    edge_digits, cited = picture_numbers(
        output,
        wrt,
        summary,
        caption,
        naming,
        digits=digits,
        factors=factors,
        drop_ones=drop_ones,
        limit=limit,
        max_listed=max_listed,
    )
    on_path = {i for i, _ in hot} | {g.idx(e.edge.parent) for e in summary.edges}
    grads = [v.grad for v in g.order]
    drawn = Marks(
        data=[format_lanes(v.data, digits, shown) for v in g.order],
        grad=[format_lanes(x, digits, shown) for x in grads],
        fill=fills(g, options.color, grads, look, options.vmax, options.scale),
        emphasis=on_path,
        edge_labels={
            (i, k): _edge_label(d, edge_digits if (i, k) in hot else digits, digits, shown)
            for i, v in enumerate(g.order)
            for k, d in enumerate(v.local_grads)
            if (i, k) in hot or local_grads
        },
        hot=hot,
        dim_others=True,
        caption=caption,
        show_ids=frozenset(g.idx(v) for v in cited if id(v) in g.index),
    )
    if options.legend:
        drawn.legend = legend_table(
            g,
            options.color,
            grads,
            look,
            digits=digits,
            vmax=options.vmax,
            scale=options.scale,
            hot=f"highlighted: the paths from {naming(output)} to {naming(wrt)}" if summary.count else "",
            collapse=options.collapse,
        )
    drawing = emit(g, drawn, options, cls=ChainDrawing)
    assert isinstance(drawing, ChainDrawing)
    return drawing


def _edge_label(local: Any, edge_digits: int, digits: int, shown: int) -> str:
    """A highlighted edge's local derivative, with the chain's guard digits (lanes keep ``digits``)."""
    return format_lanes(local, digits if is_lanes(local) else edge_digits, shown)
