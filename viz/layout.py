"""Layout: estimated sizes and ranks, the orientation that reads best, and the edges as drawn.

The third stage of a drawing (after :mod:`viz.scene` and :mod:`viz.marks`). Before ``dot``
runs, the size of each label and the rank of each node are estimated (:func:`estimate_ranks`),
so :func:`pick_rankdir` can choose top-to-bottom or left-to-right by which shows the text
larger in the style's display, and a refusal can be given before any layout is attempted.
:func:`edges_of` lists every drawn edge (edges between collapsed boxes merged, with their
count); :func:`bundles_of` groups the edges between two layers into one. The arrangement of
a model's clusters is in :mod:`viz.model_layout`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from viz.marks import Marks, html_label
from viz.scene import Scene
from viz.styles import Style

__all__ = [
    "CHAR_EM",
    "LABEL_CLEARANCE",
    "LINE_EM",
    "Bundle",
    "Edge",
    "box_size",
    "bundle_ends",
    "bundles_of",
    "cells_size",
    "clear_label",
    "drawn_lines",
    "edges_of",
    "estimate_ranks",
    "node_order",
    "pick_rankdir",
    "reclear_label",
    "text_size",
    "wrap_caption",
]

CHAR_EM = 0.56  # average glyph width of the sans font, in ems
LINE_EM = 1.25  # line height, in ems

#: Points between an edge's label and its line. dot sets a label beside its edge, touching it where
#: the edge crosses the label's middle; a slanted edge then runs over the label's corner ("1" on
#: the edge into a sum, lesson 1), a level one along the text's foot ("16 edges" between layers).
LABEL_CLEARANCE = 4


def clear_label(label: str, rankdir: str) -> str:
    """An edge's HTML-like ``label`` (``<…>``) with :data:`LABEL_CLEARANCE` points of empty space on the
    side dot sets against the line: the left top to bottom (``TB``, ``BT``), below left to right."""
    text = label[1:-1]
    table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
    if rankdir in ("LR", "RL"):
        rows = f'<TR><TD>{text}</TD></TR><TR><TD HEIGHT="{LABEL_CLEARANCE}"></TD></TR>'
    else:
        rows = f'<TR><TD WIDTH="{LABEL_CLEARANCE}"></TD><TD>{text}</TD></TR>'
    return f"<{table}{rows}</TABLE>>"


_CLEARED = re.compile(
    r'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>'
    r'(?:<TD WIDTH="\d+"></TD><TD>(.*?)</TD></TR>|<TD>(.*?)</TD></TR><TR><TD HEIGHT="\d+"></TD></TR>)</TABLE>>'
)


def reclear_label(attrs: str, rankdir: str) -> str:
    """An edge's DOT attributes (``label=<…> color=…``) with its label's clear space (:func:`clear_label`)
    on the side for ``rankdir``: for an edge drawn across the picture's ranks (a flat edge between
    the runs of a folded chain, upright in a picture laid out left to right)."""

    def again(m: re.Match[str]) -> str:
        return clear_label(f"<{m.group(1) if m.group(1) is not None else m.group(2)}>", rankdir)

    return _CLEARED.sub(again, attrs, count=1)


def text_size(lines: Sequence[str], size: float) -> tuple[float, float]:
    """Rough (width, height) in points of ``lines`` at ``size`` points."""
    width = max((len(t) for t in lines), default=0) * size * CHAR_EM
    return width, len(lines) * size * LINE_EM


def wrap_caption(text: str, width: int) -> list[str]:
    """``text``'s lines, each longer one broken before a ``×``, ``+`` or after a comma to fit ``width``
    (or, in a line with none of them far enough in, at a space).

    Continuation lines are indented, so a wrapped chain still reads as one equation.

    >>> wrap_caption("path 1: 0.5 × 0.25 × 0.125 = 0.01562", 24)
    ['path 1: 0.5 × 0.25', '    × 0.125 = 0.01562']
    >>> wrap_caption("Drawn: the Values on the paths from L to w", 24)
    ['Drawn: the Values on', '    the paths from L to', '    w']
    """
    out: list[str] = []
    for line in text.splitlines():
        while len(line) > width:
            cut = max(line.rfind(sep, 0, width) for sep in (" × ", " + ", " = ", ", "))
            if cut <= max(4, width // 3):
                cut = line.rfind(" ", 5, width)
            if cut <= max(4, width // 3):  # nothing past the indent to break at
                break
            cut += 1 if line[cut] == "," else 0
            out.append(line[:cut])
            line = "    " + line[cut:].lstrip()
        out.append(line)
    return out


def estimate_ranks(
    sizes: Mapping[str, tuple[float, float]], edges: Sequence[tuple[str, str, tuple[float, float] | None]]
) -> dict[str, int]:
    """dot's ranks, roughly: the longest path from a source (a labelled edge spans two ranks), then
    each source moved down next to its first consumer, as dot's shortest-edges ranking does."""
    out_edges: dict[str, list[tuple[str, int]]] = {n: [] for n in sizes}
    waiting = dict.fromkeys(sizes, 0)
    for src, dst, label in edges:
        if src in sizes and dst in sizes:
            out_edges[src].append((dst, 2 if label is not None else 1))
            waiting[dst] += 1
    rank = dict.fromkeys(sizes, 0)
    ready = [n for n, k in waiting.items() if k == 0]
    sources = set(ready)
    while ready:
        n = ready.pop()
        for dst, span in out_edges[n]:
            rank[dst] = max(rank[dst], rank[n] + span)
            waiting[dst] -= 1
            if waiting[dst] == 0:
                ready.append(dst)
    for n, outs in out_edges.items():
        if outs and n in sources:
            rank[n] = max(0, min(rank[d] - span for d, span in outs))
    return rank


def pick_rankdir(
    sizes: Mapping[str, tuple[float, float]],
    edges: Sequence[tuple[str, str, tuple[float, float] | None]],
    caption: tuple[float, float],
    look: Style,
    stacked: Mapping[str, tuple[float, float]] | None = None,
    scales: dict[str, float] | None = None,
) -> str:
    """``"LR"`` or ``"TB"``: the layout whose text ``look``'s display shows larger.

    ``scales``, when given, receives the estimated scale of each orientation in the display
    (1: full size; the picture is never scaled up).

    The size of each layout is estimated from the ranks dot would give (longest path from
    a source) and the estimated sizes of the labels: left to right, ranks sit side by
    side; top to bottom, they stack. Equal scales go to the shorter picture.
    """
    rank = estimate_ranks(sizes, edges)

    def ranks(of: Mapping[str, tuple[float, float]]) -> list[list[tuple[float, float]]]:
        by_rank: dict[int, list[tuple[float, float]]] = {}
        for n, r in rank.items():
            by_rank.setdefault(r, []).append(of[n])
        for src, _dst, label in edges:
            if label is not None and src in rank:
                by_rank.setdefault(rank[src] + 1, []).append(label)
        return list(by_rank.values())

    nodesep, ranksep = 18.0, 36.0
    tb, lr = ranks(sizes), ranks(stacked if stacked is not None else sizes)
    gaps = max(0, len(tb) - 1)
    # Top to bottom: a rank's nodes side by side, the ranks stacked.
    tb_w = max((sum(w for w, _ in ns) + nodesep * (len(ns) - 1) for ns in tb), default=0.0)
    tb_h = sum(max(h for _, h in ns) for ns in tb) + ranksep * gaps / 2
    # Left to right: a rank's nodes stacked, the ranks side by side.
    lr_w = sum(max(w for w, _ in ns) for ns in lr) + ranksep * gaps / 2
    lr_h = max((sum(h for _, h in ns) + nodesep * (len(ns) - 1) for ns in lr), default=0.0)
    fit_w, fit_h = look.fit

    def scale(w: float, h: float) -> float:
        w, h = max(w, caption[0]) + 16, h + caption[1] + 16
        s = min(1.0, fit_w / w)
        return min(s, fit_h / h) if fit_h is not None else s

    s_lr, s_tb = scale(lr_w, lr_h), scale(tb_w, tb_h)
    if scales is not None:
        scales.update(LR=s_lr, RL=s_lr, TB=s_tb, BT=s_tb)
    if abs(s_lr - s_tb) < 1e-9:
        return "LR" if lr_h <= tb_h else "TB"
    return "LR" if s_lr > s_tb else "TB"


def node_order(name: str) -> tuple[str, int]:
    """Sort key of node names: ``m2`` before ``m10``."""
    head = name.rstrip("0123456789")
    tail = name[len(head) :]
    return head, int(tail) if tail else -1


def cells_size(texts: Sequence[str], size: float) -> tuple[float, float]:
    w = h = 0.0
    for t in texts:
        tw, th = text_size(t.split("\n"), size)
        w += tw + 9
        h = max(h, th + 9)
    return w, h


def box_size(rows: Sequence[str], size: float) -> tuple[float, float]:
    w = h = 0.0
    for r in rows:
        tw, th = text_size(r.split("\n"), size)
        w = max(w, tw + 9)
        h += th + 9
    return w, h


@dataclass
class Edge:
    src: str
    dst: str
    attrs: dict[str, str]
    label_text: str = ""
    hot: bool = False
    bundle: tuple[str, str, bool] | None = None  # (group of the tail, group of the head, hot) between boxes
    slot: int = -1  # which input of the head's Value (-1: between collapsed boxes)


@dataclass
class Bundle:
    count: int = 0  # Value edges carried
    pairs: set[tuple[str, str]] = field(default_factory=set)
    hot: bool = False


def edges_of(
    g: Scene,
    style: Marks,
    box: Sequence[int | None],
    owner_container: Callable[[int | None], int | None],
    theme: Style,
    *,
    inline: bool = False,
) -> list[Edge]:
    """Every drawn edge, in order; edges between collapsed boxes merged per pair of boxes (with a count).

    With ``inline`` ops the edges go from each input straight to the node (whose first cell is the op).
    """
    out: list[Edge] = []
    merged: dict[tuple[str, str, bool], Edge] = {}
    counts: dict[tuple[str, str, bool], int] = {}
    for i, v in enumerate(g.order):
        if v.is_leaf:
            continue
        dst = f"m{box[i]}" if box[i] is not None else g.vid(i) if inline else f"{g.vid(i)}op"
        for k, pi in g.inputs(i):
            src = f"m{box[pi]}" if box[pi] is not None else g.source(pi, i)
            if src == dst:
                continue
            hot = (i, k) in style.hot
            if box[pi] is not None or box[i] is not None:
                # Merged per pair of ends; in a chain's picture (the paths highlighted, the rest grey)
                # the edges on a path apart from the others: a merged edge is red only for what it
                # carries on the paths, and counts only that. (A frame of steps keeps one edge per
                # pair, red while one of its edges is applied, so every frame has the same edges.)
                key = (src, dst, hot and style.dim_others)
                counts[key] = counts.get(key, 0) + 1
                if key in merged:
                    merged[key].hot |= hot
                    continue

                def group(node: str, b: int | None) -> str:
                    if b is None:
                        return node
                    holder = owner_container(g.modules[b].parent)
                    return node if holder is None else f"cluster_m{holder}"

                e = Edge(src, dst, {}, hot=hot, bundle=(group(src, box[pi]), group(dst, box[i]), key[2]))
                merged[key] = e
                out.append(e)
                continue
            attrs: dict[str, str] = {}
            text = ""
            if (i, k) in style.edge_labels:
                text = style.edge_labels[(i, k)]
                attrs["label"] = html_label(text)
            if hot:
                attrs.update(color=theme.hot, penwidth="2.5", fontcolor=theme.hot)
            elif style.dim_others:
                attrs.update(color=theme.dim)
            out.append(Edge(src, dst, attrs, text, hot, slot=k))
        if box[i] is None and not inline:
            attrs = {}
            if any((i, k) in style.hot for k in range(len(v.parents))):
                attrs.update(color=theme.hot, penwidth="2.5")
            elif style.dim_others:
                attrs["color"] = theme.dim
            out.append(Edge(f"{g.vid(i)}op", g.vid(i), attrs))
    for e in out:
        if e.bundle is None:
            continue
        n = counts[(e.src, e.dst, e.bundle[2])]
        if n > 1:
            e.attrs["label"] = html_label(f"{n} edges")
            e.label_text = f"{n} edges"
        if e.hot:
            e.attrs.update(color=theme.hot, penwidth="2.5", fontcolor=theme.hot)
        elif style.dim_others:
            e.attrs.update(color=theme.dim)
    return out


def bundles_of(
    edges: Sequence[Edge], box: Sequence[int | None], g: Scene, owner_container: Callable[[int | None], int | None]
) -> dict[tuple[str, str, bool], Bundle]:
    """Groups of box edges drawn as one edge: between two clusters (layers), or a node and a cluster."""
    groups: dict[tuple[str, str, bool], Bundle] = {}
    for e in edges:
        if e.bundle is None or e.bundle[0] == e.bundle[1]:
            continue
        if not (e.bundle[0].startswith("cluster_") or e.bundle[1].startswith("cluster_")):
            continue
        b = groups.setdefault(e.bundle, Bundle())
        b.pairs.add((e.src, e.dst))
        label = e.label_text
        b.count += int(label.split()[0]) if label else 1
        b.hot |= e.hot
    return {k: b for k, b in groups.items() if len(b.pairs) > 1}


def bundle_ends(key: tuple[str, str, bool], first_in: Mapping[int, str]) -> tuple[str, str]:
    def end(name: str) -> str:
        return first_in[int(name[len("cluster_m") :])] if name.startswith("cluster_") else name

    return end(key[0]), end(key[1])


def drawn_lines(
    edges: Sequence[Edge],
    bundles: Mapping[tuple[str, str, bool], Bundle],
    first_in: Mapping[int, str],
    style: Marks,
    theme: Style,
) -> list[tuple[str, str, dict[str, str], int]]:
    """The edges as drawn: ``(tail, head, attributes, slot)``, a bundle once (slot -1: no one input)."""
    out: list[tuple[str, str, dict[str, str], int]] = []
    drawn_bundles: set[tuple[str, str, bool]] = set()
    entered: dict[str, set[str]] = {}  # a box → the nodes in it that bundles into it already end at
    for e in edges:
        key = e.bundle
        if key is not None and key in bundles:
            if key in drawn_bundles:
                continue
            drawn_bundles.add(key)
            group = bundles[key]
            src, dst = bundle_ends(key, first_in)
            taken = entered.setdefault(key[1], set())
            if dst in taken:
                # Each bundle into a box ends at a node of its own among those it reaches: two aimed at
                # one node were clipped at one point of the box's frame, a label on the other's line
                # (lesson 5's "3 edges" from x0 and from x1 into its first layer).
                dst = next((d for d in sorted({d for _, d in group.pairs}, key=node_order) if d not in taken), dst)
            taken.add(dst)
            attrs = {"label": html_label(f"{group.count} edges"), "penwidth": "2"}
            if key[0].startswith("cluster_"):
                attrs["ltail"] = key[0]
            if key[1].startswith("cluster_"):
                attrs["lhead"] = key[1]
            if group.hot:
                attrs.update(color=theme.hot, penwidth="2.5", fontcolor=theme.hot)
            elif style.dim_others:
                attrs.update(color=theme.dim)
            out.append((src, dst, attrs, -1))
            continue
        out.append((e.src, e.dst, e.attrs, e.slot))
    return out
