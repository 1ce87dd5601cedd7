"""Where things are in an SVG that graphviz's ``dot`` drew: nodes, cluster boxes and titles, edge paths.

The viz tests use it to check a layout as a person would see it: that no edge runs through
a cluster's title, that the inputs come first and in order, that boxes follow the model's
order. Everything is in the SVG's own user units (points); graphviz draws every element in
one coordinate frame (its outermost group's transform), so positions compare directly.

Edges are ``<path d="M x,y C x1,y1 x2,y2 x3,y3 …">`` (cubic Béziers, the form dot writes):
:func:`path_points` parses the ``d`` attribute as SVG path data (absolute and relative
``M``/``L``/``C``/``H``/``V`` commands, implicit repeats) and samples every Bézier densely,
so a crossing is checked along the curve and not only at its control points.

A title's text box is estimated from its ``<text>`` element: the baseline ``y``, the
``x`` and ``text-anchor``, the ``font-size``, and the width of the string in Helvetica's
metrics (the font graphviz lays text out with) times :data:`WIDTH_MARGIN`, since the font a
browser substitutes (Liberation Sans, DejaVu Sans) may be wider. The browser tests measure the
real box with ``getBBox()`` instead.
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

SVG = "{http://www.w3.org/2000/svg}"

#: Helvetica's advance widths (1/1000 em) for ASCII; other characters count as 0.6 em.
_HELVETICA = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        (
            278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # space … /
            556, 556, 556, 556, 556, 556, 556, 556, 556, 556,  # 0 … 9
            278, 278, 584, 584, 584, 556, 1015,  # : … @
            667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,  # A … M
            722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,  # N … Z
            278, 278, 278, 469, 556, 333,  # [ … `
            556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,  # a … m
            556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,  # n … z
            334, 260, 334, 584,  # { … ~
        ),
        strict=True,
    )
)  # fmt: skip

#: Headroom on the estimated width of a text: substituted fonts run up to ~15% wider than Helvetica.
WIDTH_MARGIN = 1.15


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in SVG user units (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom

    def hit_by(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment from ``a`` to ``b`` touches the box (Liang–Barsky clipping)."""
        (x0, y0), (x1, y1) = a, b
        dx, dy = x1 - x0, y1 - y0
        lo, hi = 0.0, 1.0
        for p, q in ((-dx, x0 - self.left), (dx, self.right - x0), (-dy, y0 - self.top), (dy, self.bottom - y0)):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                lo = max(lo, t)
            else:
                hi = min(hi, t)
            if lo > hi:
                return False
        return True


@dataclass
class Cluster:
    name: str  # the DOT name (cluster_m1)
    box: Box  # its frame
    title: str  # the title's text ("" for none)
    title_box: Box | None  # the estimated text box of the title


@dataclass
class Edge:
    name: str  # "tail->head"
    points: list[tuple[float, float]]  # the path, sampled densely, then the arrowhead's outline
    label_box: Box | None = None
    label_text: str = ""  # the label's text (its lines joined by spaces)
    arrows: list[list[tuple[float, float]]] = field(default_factory=list)  # each arrowhead's outline


@dataclass
class Layout:
    width: float
    height: float
    nodes: dict[str, Box] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    font_sizes: list[float] = field(default_factory=list)
    node_texts: dict[str, tuple[str, Box]] = field(default_factory=dict)  # each node's text and its text box
    text_sizes: dict[str, float] = field(default_factory=dict)  # each node's and edge's largest font size


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` at ``size`` in Helvetica (estimated for non-ASCII), with :data:`WIDTH_MARGIN`."""
    ems = sum(_HELVETICA.get(ch, 600) for ch in text) / 1000
    return ems * size * (1.08 if bold else 1.0) * WIDTH_MARGIN


def text_box(el: ET.Element) -> Box:
    """The box a ``<text>`` element covers: from its ascent (0.9 em) above the baseline to its descent below."""
    size = float(el.get("font-size", "14"))
    x, y = float(el.get("x", "0")), float(el.get("y", "0"))
    text = "".join(el.itertext())
    width = text_width(text, size, bold=el.get("font-weight") == "bold")
    anchor = el.get("text-anchor", "start")
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return Box(left, y - 0.9 * size, left + width, y + 0.25 * size)


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TOKEN = re.compile(r"[MmLlCcHhVvZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _cubic(
    p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float], n: int
) -> list[tuple[float, float]]:
    out = []
    for k in range(1, n + 1):
        t = k / n
        u = 1 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def path_points(d: str, *, step: float = 2.0) -> list[tuple[float, float]]:
    """Points along SVG path data ``d``, at most about ``step`` units apart along each Bézier.

    Supports M, L, H, V, C and Z (absolute and relative, with implicit repetition) — all
    that graphviz writes for edges.
    """
    tokens = _TOKEN.findall(d)
    out: list[tuple[float, float]] = []
    cur = start = (0.0, 0.0)
    cmd = ""
    k = 0

    def nums(n: int) -> list[float]:
        nonlocal k
        vals = [float(t) for t in tokens[k : k + n]]
        if len(vals) != n or any(not _NUMBER.fullmatch(t) for t in tokens[k : k + n]):
            raise ValueError(f"bad path data near token {k}: {d[:80]!r}")
        k += n
        return vals

    while k < len(tokens):
        if tokens[k].isalpha():
            cmd = tokens[k]
            k += 1
            if cmd in "Zz":
                out.append(start)
                cur = start
                continue
        elif not cmd:
            raise ValueError(f"path data must start with a command: {d[:80]!r}")
        rel = cmd.islower()
        c = cmd.upper()
        ox, oy = cur if rel else (0.0, 0.0)
        if c == "M":
            x, y = nums(2)
            cur = start = (ox + x, oy + y)
            out.append(cur)
            cmd = "l" if rel else "L"  # further pairs are line-tos
        elif c == "L":
            x, y = nums(2)
            cur = (ox + x, oy + y)
            out.append(cur)
        elif c == "H":
            (x,) = nums(1)
            cur = (ox + x, cur[1])
            out.append(cur)
        elif c == "V":
            (y,) = nums(1)
            cur = (cur[0], oy + y)
            out.append(cur)
        elif c == "C":
            x1, y1, x2, y2, x3, y3 = nums(6)
            p1, p2, p3 = (ox + x1, oy + y1), (ox + x2, oy + y2), (ox + x3, oy + y3)
            hull = math.dist(cur, p1) + math.dist(p1, p2) + math.dist(p2, p3)
            out += _cubic(cur, p1, p2, p3, max(8, math.ceil(hull / step)))
            cur = p3
        else:
            raise ValueError(f"unsupported path command {cmd!r}")
    return out


def _points(attr: str) -> list[tuple[float, float]]:
    vals = [float(v) for v in _NUMBER.findall(attr)]
    return list(zip(vals[0::2], vals[1::2], strict=False))


def _union(boxes: list[Box]) -> Box:
    return Box(
        min(b.left for b in boxes), min(b.top for b in boxes), max(b.right for b in boxes), max(b.bottom for b in boxes)
    )


def _bounds(points: list[tuple[float, float]]) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Box(min(xs), min(ys), max(xs), max(ys))


def layout(svg: str) -> Layout:
    """Parse an SVG written by graphviz."""
    root = ET.fromstring(svg)
    box = [float(v) for v in root.get("viewBox", "0 0 0 0").split()]
    out = Layout(box[2], box[3])
    for t in root.iter(f"{SVG}text"):
        if "".join(t.itertext()).strip():
            out.font_sizes.append(float(t.get("font-size", "14")))
    for g in root.iter(f"{SVG}g"):
        kind = g.get("class")
        title_el = g.find(f"{SVG}title")
        name = title_el.text or "" if title_el is not None else ""
        if kind == "cluster":
            frame = g.find(f"{SVG}path")
            pts = path_points(frame.get("d", "")) if frame is not None else []
            if frame is None:
                poly = g.find(f"{SVG}polygon")
                pts = _points(poly.get("points", "")) if poly is not None else []
            texts = [t for t in g.findall(f"{SVG}text") if "".join(t.itertext()).strip()]
            title = " ".join("".join(t.itertext()) for t in texts)
            boxes = [text_box(t) for t in texts]
            title_box = (
                Box(
                    min(b.left for b in boxes),
                    min(b.top for b in boxes),
                    max(b.right for b in boxes),
                    max(b.bottom for b in boxes),
                )
                if boxes
                else None
            )
            out.clusters[name] = Cluster(name, _bounds(pts), title, title_box)
        elif kind == "node":
            pts: list[tuple[float, float]] = []
            for el in g:
                if el.tag in (f"{SVG}polygon", f"{SVG}polyline"):
                    pts += _points(el.get("points", ""))
                elif el.tag == f"{SVG}path":
                    pts += path_points(el.get("d", ""))
                elif el.tag == f"{SVG}ellipse":
                    cx, cy = float(el.get("cx", "0")), float(el.get("cy", "0"))
                    rx, ry = float(el.get("rx", "0")), float(el.get("ry", "0"))
                    pts += [(cx - rx, cy - ry), (cx + rx, cy + ry)]
                elif el.tag == f"{SVG}text":
                    b = text_box(el)
                    pts += [(b.left, b.top), (b.right, b.bottom)]
            if pts:
                out.nodes[name] = _bounds(pts)
            texts = [t for t in g.findall(f"{SVG}text") if "".join(t.itertext()).strip()]
            if texts:
                out.text_sizes[name] = max(float(t.get("font-size", "14")) for t in texts)
                out.node_texts[name] = (
                    " ".join("".join(t.itertext()) for t in texts),
                    _union([text_box(t) for t in texts]),
                )
        elif kind == "edge":
            pts = []
            for el in g.findall(f"{SVG}path"):
                pts += path_points(el.get("d", ""))
            for el in g.findall(f"{SVG}polygon"):
                arrow = _points(el.get("points", ""))
                pts += arrow
            labels = [text_box(t) for t in g.findall(f"{SVG}text") if "".join(t.itertext()).strip()]
            label_box = (
                Box(
                    min(b.left for b in labels),
                    min(b.top for b in labels),
                    max(b.right for b in labels),
                    max(b.bottom for b in labels),
                )
                if labels
                else None
            )
            arrows = [_points(el.get("points", "")) for el in g.findall(f"{SVG}polygon")]
            label_text = " ".join(
                "".join(t.itertext()) for t in g.findall(f"{SVG}text") if "".join(t.itertext()).strip()
            )
            out.edges.append(Edge(name.replace("&#45;&gt;", "->"), pts, label_box, label_text, arrows))
    return out


def titles(lay: Layout) -> dict[str, tuple[str, Box]]:
    """Each cluster's title and its text box: graphviz's cluster label, or chainrule's title node ``m<j>t``."""
    out = {name: (c.title, c.title_box) for name, c in lay.clusters.items() if c.title_box is not None}
    for name, (text, box) in lay.node_texts.items():
        if re.fullmatch(r"m\d+t", name) and f"cluster_{name[:-1]}" in lay.clusters:
            out[f"cluster_{name[:-1]}"] = (text, box)
    return out


def title_crossings(svg: str) -> tuple[list[str], int]:
    """Every (edge, cluster title) pair where the edge's path or arrowhead runs through the title's text,
    and how many titles were checked."""
    found = []
    lay = layout(svg)
    boxes = titles(lay)
    for name, (text, box) in boxes.items():
        for e in lay.edges:
            if any(box.hit_by(a, b) for a, b in zip(e.points, e.points[1:], strict=False)):
                found.append(f"edge {e.name} crosses the title {text!r} of {name}")
    return found, len(boxes)


def routes(lay: Layout) -> list[tuple[str, str, list[tuple[float, float]]]]:
    """Each edge as a reader follows it, ``(tail, head, points)``, from a drawn node to a drawn node.

    An edge into a node that draws nothing (a stop: viz.graph leads an edge into a box through an
    invisible point, ``v6in0``) continues in the edge out of that node.
    """
    into: dict[str, tuple[str, list[tuple[float, float]]]] = {}
    for e in lay.edges:
        tail, head = e.name.split("->")
        if head not in lay.nodes:
            into[head] = (tail, e.points)
    out = []
    for e in lay.edges:
        tail, head = e.name.split("->")
        if head in into:
            continue
        points = e.points
        while tail in into:  # back through the stops to the drawn tail
            tail, before = into[tail]
            points = before + points
        out.append((tail, head, points))
    return out


def home(lay: Layout, node: str) -> Box:
    """The innermost cluster box around ``node`` (the node's own box outside every cluster)."""
    b = lay.nodes[node]
    around = [
        c.box
        for c in lay.clusters.values()
        if c.box.left <= b.left and b.right <= c.box.right and c.box.top <= b.top and b.bottom <= c.box.bottom
    ]
    return min(around, key=lambda c: (c.right - c.left) * (c.bottom - c.top), default=b)


def strays(svg: str, margin: float = 4.0) -> list[str]:
    """Every edge that leaves the rectangle around its two ends' homes (:func:`home`) by more than
    ``margin``, and how far: an edge that runs around boxes instead of straight into them.

    An edge from an input to a neuron's sum may use the neuron's box (it enters it and runs to
    the sum inside), but not the space above or below the whole layer.
    """
    lay = layout(svg)
    found = []
    for tail, head, points in routes(lay):
        a, b = home(lay, tail), home(lay, head)
        left, top, right, bottom = (
            min(a.left, b.left),
            min(a.top, b.top),
            max(a.right, b.right),
            max(a.bottom, b.bottom),
        )
        out = max(max(left - x, x - right, top - y, y - bottom) for x, y in points)
        if out > margin:
            found.append(f"edge {tail}->{head} runs {out:.0f} pt outside its ends' boxes")
    return found


def _segments_hit(box: Box, points: list[tuple[float, float]]) -> bool:
    return any(box.hit_by(a, b) for a, b in itertools.pairwise(points)) or any(
        box.contains(x, y) for x, y in points[:1]
    )


def _shrunk(box: Box, by: float) -> Box:
    return Box(box.left + by, box.top + by, box.right - by, box.bottom - by)


_LABEL_NODE = re.compile(r"([^_]+)_([^_]+)_label\d+")


def edge_labels(lay: Layout) -> list[tuple[str, str, Box]]:
    """Every edge's label as a reader sees it: ``(edge name, text, text box)``.

    An edge between two nodes of one box has its label as a node of the box, named after the edge
    (viz.emit: ``v8_v9_label5`` for ``v8 -> v9``); it counts as that edge's label.
    """
    out = [(e.name, e.label_text, e.label_box) for e in lay.edges if e.label_box is not None]
    for name, (text, box) in lay.node_texts.items():
        m = _LABEL_NODE.fullmatch(name)
        if m:
            out.append((f"{m.group(1)}->{m.group(2)}", text, box))
    return out


def labels_on_arrows(svg: str, *, slack: float = 1.0) -> list[str]:
    """Every edge label whose text a line or arrowhead runs through: its own edge's or another's.

    The text box is :func:`text_box`'s (Helvetica with :data:`WIDTH_MARGIN`), shrunk by ``slack``
    points on every side so a line grazing the label's corner is not counted; the arrowheads are
    the polygons graphviz draws at the ends of the path.
    """
    lay = layout(svg)
    found = []
    for name, text, box in edge_labels(lay):
        inner = _shrunk(box, slack)
        for e in lay.edges:
            if not e.points:  # invisible
                continue
            if _segments_hit(inner, e.points) or any(_segments_hit(inner, arrow + arrow[:1]) for arrow in e.arrows):
                whose = "its own edge" if e.name == name else f"edge {e.name}"
                found.append(f"label {text!r} of edge {name} sits on {whose}")
    return found


def _inside(box: Box, x: float, y: float, margin: float) -> bool:
    return box.left - margin <= x <= box.right + margin and box.top - margin <= y <= box.bottom + margin


def clusters_around(lay: Layout, node: str) -> list[str]:
    """The clusters whose frame holds ``node``'s box, innermost first."""
    b = lay.nodes[node]
    around = [
        c
        for c in lay.clusters.values()
        if c.box.left <= b.left and b.right <= c.box.right and c.box.top <= b.top and b.bottom <= c.box.bottom
    ]
    return [c.name for c in sorted(around, key=lambda c: (c.box.right - c.box.left) * (c.box.bottom - c.box.top))]


def cluster_leaks(svg: str, *, margin: float = 2.0) -> list[str]:
    """Every edge that leaves a cluster holding both its ends, or runs through a cluster holding neither.

    An edge between two nodes of one neuron's box stays in that box (lesson 5's Σw·x → σ edge
    looped outside it); an edge never crosses a box it has no end in (it would read as part of
    that module). Edges are followed as :func:`routes` does, and each point of the path may be
    ``margin`` points outside a frame (graphviz clips the ends of an edge at the frame's line).
    """
    lay = layout(svg)
    found = []
    for tail, head, points in routes(lay):
        if not points:  # invisible
            continue
        ends = set(clusters_around(lay, tail)) | set(clusters_around(lay, head))
        both = set(clusters_around(lay, tail)) & set(clusters_around(lay, head))
        for name in sorted(both):
            box = lay.clusters[name].box
            out = max(max(box.left - x, x - box.right, box.top - y, y - box.bottom) for x, y in points)
            if out > margin:
                found.append(f"edge {tail}->{head} leaves {name} by {out:.0f} pt")
        for name, c in lay.clusters.items():
            if name in ends:
                continue
            if any(_inside(_shrunk(c.box, 2 * margin), x, y, 0.0) for x, y in points):
                found.append(f"edge {tail}->{head} runs through {name}, which holds neither end")
    return found


def floating_labels(svg: str, *, reach: float = 1.0) -> list[str]:
    """Every edge label farther than ``reach`` ems (of its own text) from every drawn point of its edge:
    a label left floating where no line is (dot places a compound edge's label on its whole route,
    then clips the line at the box it enters or leaves: lesson 3's "2 edges")."""
    lay = layout(svg)
    found = []
    points = {e.name: e.points for e in lay.edges if e.points}
    label_of = {e.name: e.name for e in lay.edges} | {
        f"{m.group(1)}->{m.group(2)}": node for node in lay.node_texts if (m := _LABEL_NODE.fullmatch(node))
    }
    for name, text, box in edge_labels(lay):
        if name not in points:
            found.append(f"label {text!r} of {name} has no line")
            continue
        near = min(
            math.hypot(max(box.left - x, 0.0, x - box.right), max(box.top - y, 0.0, y - box.bottom))
            for x, y in points[name]
        )
        if near > reach * lay.text_sizes.get(label_of.get(name, name), 14.0):
            found.append(f"label {text!r} of edge {name} floats {near:.0f} pt from its line")
    return found
