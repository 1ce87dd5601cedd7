"""The explorer's one layout: where every node, collapsed box, edge and module box is drawn.

:func:`layout` lays the graph out once with graphviz, every cell sized for the widest number
(``-8.888e-88``), so nothing moves when the page recomputes. A model's graph is laid out as the
pictures lay it out (:func:`viz.emit.emit`: module boxes, parameters in order), with its
collapsed modules (:func:`choose_collapse`) drawn as one box each, whose rows name the box's
outputs and show their numbers; otherwise as one ``dot`` graph of the value nodes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from viz.emit import Options, emit
from viz.fit import auto_collapse
from viz.frame_labels import box_label, relabel, row_html
from viz.frames import box_outputs
from viz.marks import Marks, escape, op_text
from viz.pinned import dot_json, measure
from viz.scene import Scene, boxes_of, collapse_levels, collapsed_modules
from viz.styles import Style

__all__ = ["MAX_BOX_OUTPUTS", "WIDEST", "Geometry", "box_labels", "choose_collapse", "drawn_count", "layout"]

#: The widest number a cell is sized for (4 significant digits, sign and exponent).
WIDEST = "-8.888e-88"

#: A collapsed box lists at most this many of its outputs (with their numbers), then how many more.
MAX_BOX_OUTPUTS = 4


@dataclass(frozen=True)
class Geometry:
    """Where everything is drawn (points, SVG's y down): the one layout every recompute keeps."""

    width: float
    height: float
    nodes: list[list[Any] | None]  # per node: [x, y, w, h, [cell heights], cell kinds] or None (in a box)
    edges: list[list[Any]]  # per drawn value edge: [child, slot, path, arrow polygon, label x (its left), label y]
    clusters: list[list[Any]]  # per module cluster: [x, y, w, h, title, title x, title y]
    boxes: list[list[Any]]  # per collapsed box: [x, y, w, h, [row heights], title, summary, [outputs], more]
    box_edges: list[list[Any]]  # per edge to or from a box: [path, arrow, label, label x, label y]
    carried: dict[str, int]  # "child:slot" of a value edge → the box edge drawn for it


def drawn_count(g: Scene, box: Sequence[int | None]) -> int:
    """How many nodes a picture with these collapsed boxes draws: the boxes and the nodes outside them."""
    return len({b for b in box if b is not None}) + sum(1 for b in box if b is None)


def choose_collapse(
    g: Scene, collapse: str | Collection[str] | bool | None, max_nodes: int
) -> tuple[str | Collection[str] | None, list[int | None]]:
    """The collapse to draw with, and each node's box (None: drawn itself).

    ``"auto"`` draws every node up to ``max_nodes``, and otherwise the model's finest collapse
    (``Neuron``, then ``Layer`` …) that draws at most ``max_nodes``, as the pictures'
    ``collapse="auto"`` does. Raises ValueError, saying what to do, when nothing fits.
    """
    n = len(g.order)
    auto = auto_collapse(collapse)  # refuses True, which names nothing to collapse
    level = None if auto or isinstance(collapse, bool) else collapse
    if level is None and (not auto or n <= max_nodes):
        if n > max_nodes:
            raise ValueError(
                f"this graph has {n} nodes, more than max_nodes={max_nodes}: too many to read one by one. "
                "Pass collapse='auto' with model= to draw a model's modules as boxes, explore a smaller graph, "
                f"or pass max_nodes={n} to draw every node anyway"
            )
        return None, [None] * n
    if level is not None:
        box = boxes_of(g, collapsed_modules(g, level))
        drawn = drawn_count(g, box)
        if drawn > max_nodes:
            raise ValueError(
                f"collapsed to {level!r}, this graph still draws {drawn} nodes, more than max_nodes={max_nodes}: "
                f"collapse coarser modules, or pass max_nodes={drawn}"
            )
        return level, box
    if not g.modules:
        raise ValueError(
            f"this graph has {n} nodes, more than max_nodes={max_nodes}: too many to read one by one, and without "
            "model= there are no modules to collapse. Pass model= (its modules are then drawn as boxes, as "
            "viz.draw_graph does), explore a smaller graph (one neuron, one layer, one sample), "
            f"or pass max_nodes={n} to draw every node anyway"
        )
    drawn = n
    for option in collapse_levels(g):
        box = boxes_of(g, collapsed_modules(g, option))
        drawn = drawn_count(g, box)
        if drawn <= max_nodes:
            return option, box
    raise ValueError(
        f"this graph has {n} nodes, and even with the model's coarsest modules collapsed it draws {drawn}, more "
        f"than max_nodes={max_nodes}: explore fewer samples or a smaller model, or pass max_nodes={drawn}"
    )


def _cells(g: Scene, i: int) -> list[tuple[str, str]]:
    """A node's cells, top to bottom: ``(kind, text)`` with kind op, name, data or grad."""
    v = g.order[i]
    cells = [("op", op_text(v))] if v.op else []
    # Every node shows the name the panel, the status line and the step captions call it by:
    # its label, or its id (v4) as the pictures show the nodes their captions cite.
    cells.append(("name", g.name(i)))
    return [*cells, ("data", f"data {WIDEST}"), ("grad", f"grad {WIDEST}")]


def _cell_html(kind: str, text: str) -> str:
    body = escape(text)
    return f"<B>{body}</B>" if kind == "name" else body


def box_labels(
    g: Scene, box: Sequence[int | None], look: Style, numbers: Callable[[int], tuple[str, str]]
) -> dict[str, str]:
    """Each collapsed box's label (``m3`` → label) with its outputs' numbers as ``numbers(node)``
    writes them (data, grad): for a still picture of what the page starts from."""
    labels = {}
    for b, (n_values, outputs) in box_outputs(g, box).items():
        rows = _box_rows(g, b, n_values, outputs)
        for k, j in enumerate(outputs[:MAX_BOX_OUTPUTS]):
            data, grad = numbers(j)
            rows[2 + k] = f"\0{g.name(j)}\0 data {data}\ngrad {grad}"
        labels[f"m{b}"] = box_label(rows, look.module, False, None, look)
    return labels


def _box_rows(g: Scene, b: int, n_values: int, outputs: list[int]) -> list[str]:
    """A collapsed box's rows, as :func:`viz.frame_labels.box_label` draws them (``\\0name\\0`` bold)."""
    m = g.modules[b]
    name = m.name
    parent = g.modules[m.parent] if m.parent is not None else None
    if parent is not None and parent.name and name.startswith(parent.name + "."):
        name = name[len(parent.name) + 1 :]  # the enclosing cluster's label says the rest
    n_params = len(m.params)
    rows = [f"\0{name}\0 ({m.kind})", f"{n_params} parameter{'s' if n_params != 1 else ''}, {n_values} values"]
    rows += [f"\0{g.name(j)}\0 data {WIDEST}\ngrad {WIDEST}" for j in outputs[:MAX_BOX_OUTPUTS]]
    if len(outputs) > MAX_BOX_OUTPUTS:
        rows.append(f"… and {len(outputs) - MAX_BOX_OUTPUTS} more outputs")
    return rows


def layout(
    g: Scene, look: Style, rankdir: str, *, collapse: str | Collection[str] | None, box: Sequence[int | None]
) -> Geometry:
    """Lay the graph out once with graphviz at fixed cell sizes (wide enough for any number).

    A model's graph is laid out as the pictures lay it out (:func:`core_source`: module boxes,
    parameters in order, ``collapse``'s modules as one box each); any other graph as one
    ``dot`` graph of the value nodes.
    """
    drawn = [i for i in range(len(g.order)) if box[i] is None]
    cells = {i: _cells(g, i) for i in drawn}
    summary = box_outputs(g, box)
    rows = {b: _box_rows(g, b, n_values, outputs) for b, (n_values, outputs) in summary.items()}
    font = f'fontname="{look.fontname}" fontsize="{look.fontsize:g}"'
    texts = sorted(
        {_cell_html(k, t) for c in cells.values() for k, t in c} | {row_html(r) for rs in rows.values() for r in rs}
    )
    sizes = dict(zip(texts, measure(texts, font=font), strict=True))
    # An edge label's text starts at the left of the box graphviz keeps for it (padding 4, border 1).
    label_width = (measure([WIDEST], font=font)[0][0] - 10) * look.edge_fontsize / look.fontsize
    widths = {i: max(sizes[_cell_html(k, t)][0] for k, t in c) for i, c in cells.items()}
    heights = {i: [sizes[_cell_html(k, t)][1] for k, t in c] for i, c in cells.items()}
    box_sizes = {
        b: (max(sizes[row_html(r)][0] for r in rs), [sizes[row_html(r)][1] for r in rs]) for b, rs in rows.items()
    }
    if g.modules:
        source = core_source(
            g,
            look,
            rankdir,
            collapse,
            {f"m{b}": box_label(rows[b], look.module, False, box_sizes[b], look) for b in rows},
        )
    else:
        lines = [
            f'digraph explore {{ graph [rankdir={rankdir} nodesep="0.25" ranksep="0.3"] '
            f'node [shape=plain {font}] edge [fontname="{look.fontname}" fontsize="{look.edge_fontsize:g}"]'
        ]
        for i, c in cells.items():
            trs = "".join(
                f'<TR><TD WIDTH="{widths[i]}" HEIGHT="{h}">{_cell_html(k, t)}</TD></TR>'
                for (k, t), h in zip(c, heights[i], strict=True)
            )
            lines.append(
                f'v{i} [label=<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">{trs}</TABLE>>]'
            )
        for i, v in enumerate(g.order):
            for p in v.parents:
                lines.append(f"v{g.idx(p)} -> v{i} [label=<{WIDEST}>]")
        source = "\n".join(lines) + "\n}"
    laid = dot_json(source)
    x0, y0, x1, y1 = (float(t) for t in str(laid["bb"]).split(","))
    height = y1 - y0

    def pt(text: str) -> tuple[float, float]:
        x, y = (float(t) for t in text.split(","))
        return x - x0, height - (y - y0)

    nodes: list[list[Any] | None] = [None] * len(g.order)
    boxes: dict[int, list[Any]] = {}
    names: dict[int, str] = {}
    clusters: list[list[Any]] = []
    for obj in laid.get("objects", []):
        name = str(obj.get("name", ""))
        names[int(obj["_gvid"])] = name
        if name.startswith("cluster") and "bb" in obj:
            bx0, by0, bx1, by1 = (float(t) for t in str(obj["bb"]).split(","))
            (lx, ly), label = pt(obj["lp"]) if "lp" in obj else (0.0, 0.0), str(obj.get("label", ""))
            left = bx0 - x0 + 8 if obj.get("labeljust") == "l" else lx
            clusters.append(
                [_r(bx0 - x0), _r(height - (by1 - y0)), _r(bx1 - bx0), _r(by1 - by0), label, _r(left), _r(ly)]
            )
            continue
        m = re.fullmatch(r"([vm])(\d+)", name)
        if m is None:
            continue
        k = int(m.group(2))
        x, y = pt(obj["pos"])
        w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
        if m.group(1) == "m":
            scale = h / sum(box_sizes[k][1])
            outputs = summary[k][1]
            more = max(0, len(outputs) - MAX_BOX_OUTPUTS)
            title = rows[k][0].replace("\0", "")
            boxes[k] = [
                _r(x - w / 2),
                _r(y - h / 2),
                _r(w),
                _r(h),
                [_r(c * scale) for c in box_sizes[k][1]],
                title,
                rows[k][1],
                outputs[:MAX_BOX_OUTPUTS],
                more,
                g.modules[k].name,
            ]
            continue
        scale = h / sum(heights[k])
        kinds = "".join(kind[0] for kind, _ in cells[k])  # o(p), n(ame), d(ata), g(rad)
        nodes[k] = [_r(x - w / 2), _r(y - h / 2), _r(w), _r(h), [_r(c * scale) for c in heights[k]], kinds]
    if any(nodes[i] is None for i in drawn) or set(boxes) != set(rows):
        raise RuntimeError("graphviz's layout of the explorer lacks a node: please report this graph")
    slots: dict[tuple[int, int], list[int]] = {}
    for i, v in enumerate(g.order):
        if box[i] is None:
            for k, p in enumerate(v.parents):
                if box[g.idx(p)] is None:
                    slots.setdefault((g.idx(p), i), []).append(k)
    # An edge that enters a module's box from outside is drawn in two parts, through a stop
    # (``v7in0``, see viz.model_layout): the first part's path is kept for the second.
    visible = [e for e in sorted(laid.get("edges", []), key=lambda e: e["_gvid"]) if e.get("style") != "invis"]
    first_part: dict[str, tuple[str, str]] = {}
    for e in visible:
        head = names[int(e["head"])]
        if re.fullmatch(r"[vm]\d+in\d+", head):
            first_part[head] = (names[int(e["tail"])], _spline(str(e["pos"]), pt)[0])
    edges: list[list[Any]] = []
    box_edges: list[list[Any]] = []
    ends: dict[tuple[str, str], int] = {}
    for e in visible:
        tail, head = names[int(e["tail"])], names[int(e["head"])]
        if not re.fullmatch(r"[vm]\d+", head):
            continue
        lead = ""
        if tail in first_part:
            tail, lead = first_part[tail]
        if not re.fullmatch(r"[vm]\d+", tail):
            raise RuntimeError(f"the explorer cannot follow the edge {tail} -> {head}: please report this graph")
        path, arrow = _spline(str(e["pos"]), pt)
        path = f"{lead} {path}".strip()
        lx, ly = pt(e["lp"]) if "lp" in e else (0.0, 0.0)
        if "ltail" in e or "lhead" in e or tail[0] == "m" or head[0] == "m":
            label = re.sub(r"<[^>]*>", "", str(e.get("label", "")))
            ends[(str(e.get("ltail", tail)), str(e.get("lhead", head)))] = len(box_edges)
            box_edges.append([path, arrow, label, _r(lx), _r(ly)])
            continue
        child = int(head[1:])
        slot = slots[(int(tail[1:]), child)].pop(0)
        edges.append([child, slot, path, arrow, _r(lx - label_width / 2), _r(ly)])
    if any(rest for rest in slots.values()):
        raise RuntimeError("graphviz's layout of the explorer lacks an edge: please report this graph")

    def end(i: int) -> str:
        return f"m{box[i]}" if box[i] is not None else f"v{i}"

    def group(name: str) -> str:
        if name[0] != "m":
            return name
        parent = g.modules[int(name[1:])].parent
        return name if parent is None or not g.modules[parent].name else f"cluster_m{parent}"

    carried: dict[str, int] = {}
    for i, v in enumerate(g.order):
        for k, p in enumerate(v.parents):
            src, dst = end(g.idx(p)), end(i)
            if src == dst or (src[0] == "v" and dst[0] == "v"):
                continue
            found = ends.get((src, dst), ends.get((group(src), group(dst))))
            if found is not None:
                carried[f"{i}:{k}"] = found
    ordered = [boxes[b] for b in sorted(boxes)]
    return Geometry(_r(x1 - x0), _r(height), nodes, edges, clusters, ordered, box_edges, carried)


def core_source(
    g: Scene, look: Style, rankdir: str, collapse: str | Collection[str] | None, labels: dict[str, str]
) -> str:
    """The pictures' own DOT for ``g`` (:func:`viz.emit.emit`: module boxes, parameters in order),
    every cell showing the widest number, so the layout has room for any; ``labels`` replace
    the collapsed boxes' own (sized for any number too)."""
    n = len(g.order)
    marks = Marks(
        data=[WIDEST] * n,
        grad=[WIDEST] * n,
        fill=[look.roles[r] for r in g.roles],
        edge_labels={(i, k): WIDEST for i, v in enumerate(g.order) for k in range(len(v.parents))},
        show_ids=True,
    )
    options = Options.make(style=look, rankdir=rankdir, max_nodes=max(n, 1), legend=False, collapse=collapse)
    drawing = emit(g, marks, options, label_nodes=False)  # the page draws each edge's label itself, on its edge
    if labels:
        drawing.body[:] = [relabel(line, labels) for line in drawing.body]
    source: str = drawing.source
    return source


def _r(x: float) -> float:
    return round(x, 1)


def _spline(pos: str, pt: Any) -> tuple[str, str]:
    """A graphviz edge ``pos`` (``e,x,y`` then B-spline control points) as an SVG path and arrowhead."""
    end = None
    points = []
    for token in pos.split():
        if token.startswith("e,"):
            end = pt(token[2:])
        elif not token.startswith("s,"):
            points.append(pt(token))
    path = f"M{points[0][0]:.1f},{points[0][1]:.1f}C" + " ".join(f"{x:.1f},{y:.1f}" for x, y in points[1:])
    if end is None:
        return path, ""
    (bx, by), (ex, ey) = points[-1], end
    dx, dy = ex - bx, ey - by
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length * 3.5, dx / length * 3.5
    arrow = f"{ex:.1f},{ey:.1f} {bx + nx:.1f},{by + ny:.1f} {bx - nx:.1f},{by - ny:.1f}"
    return path, arrow
