"""Pictures that hold still: lay a graph out once, then draw any number of variants at the same positions.

The frames of a step-through differ only in their labels' text, colours and borders. Laid
out one by one, graphviz would move the nodes as labels change width (``grad ?`` becomes
``grad 1.0000``). Here every label cell is given the size of the largest text it will ever
show (:func:`measure`, one ``dot`` run), the graph is laid out once by ``dot``
(:func:`layout`), and every frame is drawn by ``neato -n2`` at those coordinates
(:func:`pin`, :func:`render`): node positions, edge splines, cluster boxes and the
picture's size are pinned.

A frame's caption, when drawn into the picture (GIF, PDF, a folder of SVGs), is a pinned
node above the graph whose size is that of the largest caption, so the graph does not
move either when captions change length.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from viz.display import render as display_render
from viz.marks import escape

__all__ = [
    "Layout",
    "caption_box",
    "caption_room",
    "dot_json",
    "frame_size",
    "layout",
    "measure",
    "pin",
    "render",
    "render_svgs",
]

_GAP = 10  # points between the caption and the graph
_TIMEOUT = 120.0  # seconds for one graphviz run (a batch of up to 100 frames at once)
_MARGIN = 8  # points around the graph
_FONT = 'fontname="Helvetica" fontsize="{size:g}"'
_CAPTION_PT = 12.0  # the caption's font size unless the style gives one
_PAD = 4.0  # points graphviz adds around a picture (its default pad)

_NODE = re.compile(r"^(\t+)(v\d+(?:op)?in\d+|v\d+op|v\d+|m\d+t|m\d+) \[", re.MULTILINE)
_EDGE = re.compile(r"^\t([\w]+) -> ([\w]+)(?: \[(.*)\])?$")
_CLUSTER = re.compile(r"^(\t+)subgraph (cluster_\w+) \{$", re.MULTILINE)


@dataclass(frozen=True)
class Layout:
    """Where everything is: computed once, shared by every frame.

    Attributes:
        nodes: Node name → its ``pos`` (points, graphviz's ``"x,y"``).
        edges: ``(tail, head)`` → the pinned ``(pos, lp)`` of each parallel edge, in order.
        clusters: Cluster name → ``(bb, lp)``.
        bb: The graph's bounding box ``"llx,lly,urx,ury"`` in points.
    """

    nodes: dict[str, str]
    edges: dict[tuple[str, str], list[tuple[str, str | None]]]
    clusters: dict[str, tuple[str, str | None]]
    bb: str

    @property
    def width(self) -> float:
        """Width of the graph in points."""
        x0, _, x1, _ = (float(t) for t in self.bb.split(","))
        return x1 - x0

    @property
    def height(self) -> float:
        """Height of the graph in points."""
        _, y0, _, y1 = (float(t) for t in self.bb.split(","))
        return y1 - y0


def _pipe(source: str, fmt: str, *, pinned: bool) -> bytes:
    """``dot`` (or ``neato -n2`` for pinned positions) on ``source``, with :func:`viz.display.render`'s
    timeout and errors (DotNotFoundError, DotError, DotTimeoutError)."""
    program, options = ("neato", ("-n2",)) if pinned else ("dot", ())
    return display_render(source, fmt, timeout=_TIMEOUT, program=program, options=options)


def dot_json(source: str) -> dict[str, Any]:
    """``dot``'s layout of ``source`` as its JSON (``-Tjson``): positions, sizes, edge splines."""
    out: dict[str, Any] = json.loads(_pipe(source, "json", pinned=False))
    return out


def measure(cells: list[str], *, font: str = 'fontname="Helvetica" fontsize="11"') -> list[tuple[int, int]]:
    """The size (points, rounded up) of each HTML table cell content in ``cells``, in one ``dot`` run.

    Each is measured as a one-cell table with the cell style of the pictures' labels
    (padding 4, border 1), so a ``<TD WIDTH=… HEIGHT=…>`` of that size holds it.
    """
    table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
    body = "".join(f"c{k} [label=<{table}<TR><TD>{c}</TD></TR></TABLE>>]\n" for k, c in enumerate(cells))
    measured = dot_json(f"digraph {{ node [shape=plain {font}]\n{body}}}")
    sizes = {obj["name"]: obj for obj in measured.get("objects", [])}
    return [
        (math.ceil(float(sizes[f"c{k}"]["width"]) * 72), math.ceil(float(sizes[f"c{k}"]["height"]) * 72))
        for k in range(len(cells))
    ]


def layout(source: str) -> Layout:
    """Lay ``source`` out once with ``dot``: the positions every frame is drawn at.

    Every label must already have the size it has in every frame (fixed cell sizes).

    Raises:
        DotNotFoundError: if graphviz's ``dot`` program is missing.
    """
    laid = dot_json(source)
    objects = laid.get("objects", [])
    nodes: dict[str, str] = {}
    clusters: dict[str, tuple[str, str | None]] = {}
    names: dict[int, str] = {}
    for obj in objects:
        if "nodes" in obj or "bb" in obj:  # a subgraph
            if str(obj["name"]).startswith("cluster"):
                clusters[obj["name"]] = (obj["bb"], obj.get("lp"))
            continue
        names[obj["_gvid"]] = obj["name"]
        nodes[obj["name"]] = obj["pos"]
    edges: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
    for e in sorted(laid.get("edges", []), key=lambda e: e["_gvid"]):
        edges[(names[e["tail"]], names[e["head"]])].append((e["pos"], e.get("lp")))
    return Layout(nodes, dict(edges), clusters, str(laid["bb"]))


def caption_box(captions: list[str], *, font_size: float = _CAPTION_PT) -> tuple[int, int]:
    """The size (points) of the largest of ``captions`` drawn as :func:`pin` draws them (at ``font_size``)."""
    body = "".join(f"c{k} [label={_caption_label(c)}]\n" for k, c in enumerate(captions))
    measured = dot_json(f"digraph {{ node [shape=plain {_FONT.format(size=font_size)}]\n{body}}}")
    w = h = 0.0
    for obj in measured.get("objects", []):
        w, h = max(w, float(obj["width"]) * 72), max(h, float(obj["height"]) * 72)
    return math.ceil(w), math.ceil(h)


def _caption_label(caption: str, size: tuple[int, int] | None = None) -> str:
    lines = "".join(f'{escape(line)}<BR ALIGN="LEFT"/>' for line in caption.splitlines())
    dims = f' WIDTH="{size[0]}" HEIGHT="{size[1]}"' if size else ""
    return (
        f'<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="0"{dims}>'
        f'<TR><TD ALIGN="LEFT" VALIGN="TOP" BALIGN="LEFT">{lines}</TD></TR></TABLE>>'
    )


def pin(
    source: str,
    at: Layout,
    *,
    caption: str = "",
    caption_size: tuple[int, int] = (0, 0),
    aspect: float | None = None,
    font_size: float = _CAPTION_PT,
    beside: bool = False,
) -> str:
    """``source`` (one frame's DOT, laid out like the widest) with every position pinned to ``at``.

    With a ``caption``, it is drawn top left above the graph in a box of ``caption_size``
    (the largest caption's, see :func:`caption_box`), so the graph stays where it is. With
    ``aspect`` (width / height, e.g. 16 / 9 for a slide) the picture is widened or
    heightened to that shape, the drawing centred in it: every frame fills a slide alike.
    ``font_size`` is the caption's (as given to :func:`caption_box`). With ``beside`` the caption
    is drawn at the right of the graph, level with its top (a tall graph on a wide slide).
    """

    def node_pos(m: re.Match[str]) -> str:
        return f'{m.group(0)}pos="{at.nodes[m.group(2)]}" '

    out = _NODE.sub(node_pos, source)

    def cluster_box(m: re.Match[str]) -> str:
        bb, lp = at.clusters[m.group(2)]
        extra = f' lp="{lp}"' if lp else ""
        return f'{m.group(0)}\n{m.group(1)}\tbb="{bb}"{extra}'

    out = _CLUSTER.sub(cluster_box, out)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    # Invisible edges only order nodes in dot's layout (parameters in their named order):
    # with every position given, they have nothing left to do.
    lines = [line for line in out.split("\n") if not (" -> " in line and "style=invis" in line)]
    for k, line in enumerate(lines):
        m = _EDGE.match(line)
        if m is None:
            continue
        key = (m.group(1), m.group(2))
        pos, lp = at.edges[key][seen[key]]
        seen[key] += 1
        attrs = m.group(3) or ""
        pinned = f'pos="{pos}"' + (f' lp="{lp}"' if lp and "label=" in attrs else "")
        lines[k] = f"\t{key[0]} -> {key[1]} [{pinned}{' ' + attrs if attrs else ''}]"
    out = "\n".join(lines)
    x0, y0, x1, y1 = (float(t) for t in at.bb.split(","))
    # A margin, so that neato never grows the box to fit a label it measures a little wider.
    x0, y0, x1, y1 = x0 - _MARGIN, y0 - _MARGIN, x1 + _MARGIN, y1 + _MARGIN
    extra = ""
    if caption:
        cw, ch = caption_size
        if beside:
            left = x1 + _GAP
            at_x, at_y = left + cw / 2, y1 - ch / 2
            x1, y0 = left + cw, min(y0, y1 - ch)
        else:
            at_x, at_y = x0 + cw / 2, y1 + _GAP + ch / 2
            x1, y1 = max(x1, x0 + cw), y1 + _GAP + ch
        extra = (
            f'\tcaption [shape=plain {_FONT.format(size=font_size)} pos="{at_x:.2f},{at_y:.2f}" '
            f"label={_caption_label(caption, caption_size)}]\n"
        )
    if aspect is not None:
        x0, y0, x1, y1 = _to_aspect(x0, y0, x1, y1, aspect)
    # neato -n2 sizes the picture to what it draws: two invisible corner points make it the
    # same in every frame, whichever edge label is shown.
    corners = "".join(
        f'\tcorner{k} [shape=point style=invis width=0 height=0 label="" pos="{x:g},{y:g}"]\n'
        for k, (x, y) in enumerate([(x0, y0), (x1, y1)])
    )
    if aspect is not None:  # no page margin (PDF adds half an inch): the picture itself has the shape
        corners = f"\tgraph [margin=0]\n{corners}"
    closing = out.rstrip().rfind("}")
    return f"{out[:closing]}{corners}{extra}}}\n"


def frame_size(
    width: float,
    height: float,
    caption_size: tuple[int, int] | None = None,
    *,
    aspect: float | None = None,
    beside: bool = False,
) -> tuple[float, float]:
    """The size (points, graphviz's pad included) of the frame :func:`pin` draws for a graph laid out
    ``width`` × ``height`` points (pad included, as ``dot`` reports a picture's size), with a caption
    box of ``caption_size`` above it (``beside``: at its right; None: no caption), grown to
    ``aspect`` if given."""
    w, h = width - 2 * _PAD + 2 * _MARGIN, height - 2 * _PAD + 2 * _MARGIN
    if caption_size is not None and beside:
        w, h = w + _GAP + caption_size[0], max(h, caption_size[1])
    elif caption_size is not None:
        w, h = max(w, caption_size[0]), h + _GAP + caption_size[1]
    if aspect is not None:
        x0, y0, x1, y1 = _to_aspect(0.0, 0.0, w, h, aspect)
        w, h = x1 - x0, y1 - y0
    return w + 2 * _PAD, h + 2 * _PAD


def caption_room(frame_width: float) -> float:
    """The widest caption box a frame ``frame_width`` points wide (pad included, as
    :func:`frame_size` gives it) holds without growing."""
    return frame_width - 2 * _PAD


def _to_aspect(x0: float, y0: float, x1: float, y1: float, aspect: float) -> tuple[float, float, float, float]:
    """The box grown (never shrunk) so the picture, graphviz's pad included, is ``aspect`` = width / height."""
    if not aspect > 0:
        raise ValueError(f"aspect must be a positive width / height ratio, got {aspect!r}")
    w, h = x1 - x0 + 2 * _PAD, y1 - y0 + 2 * _PAD
    if w < aspect * h:
        grow = (aspect * h - w) / 2
        return x0 - grow, y0, x1 + grow, y1
    grow = (w / aspect - h) / 2
    return x0, y0 - grow, x1, y1 + grow


def render(source: str, fmt: str) -> bytes:
    """Render pinned DOT (from :func:`pin`) with ``neato -n2``.

    Raises:
        DotNotFoundError: if graphviz's programs are missing.
    """
    return _pipe(source, fmt, pinned=True)


def render_svgs(sources: list[str], *, batch: int = 100) -> list[str]:
    """Several pinned graphs rendered as SVG with one ``neato -n2`` run per ``batch`` of them.

    Raises:
        DotNotFoundError: if graphviz's programs are missing.
    """
    out: list[str] = []
    for k in range(0, len(sources), batch):
        chunk = sources[k : k + batch]
        text = _pipe("\n".join(chunk), "svg", pinned=True).decode("utf-8")
        svgs = ["<?xml" + part for part in text.split("<?xml")[1:]]
        if len(svgs) != len(chunk):
            raise RuntimeError(f"graphviz returned {len(svgs)} pictures for {len(chunk)} graphs")
        out += svgs
    return out
