"""Pictures fitted to where they are seen, by measuring: the orientation, and long chains folded.

Every candidate layout — left to right, top to bottom, and each *folded* into two or three
columns (or rows) — is laid out by ``dot`` and measured (:func:`measure`), not estimated:

- On a slide (:func:`fit_display`), which does not scroll, the picture is scaled to fill the
  slide: the candidate whose smallest text is largest there is kept.
- In a notebook column (:func:`fit_column`), which scrolls, a picture taller than about one
  screen (:data:`~viz.fit.SCREEN_PX`), or whose text would not read, is replaced by the
  candidate that fits a screen with the largest text — readable both in a notebook's ~1000 px
  column and in the course site's narrower one (:data:`SITE_COLUMN_PX`).

Folding (:func:`fold`) keeps ``dot``'s own ranks and bends the picture like a snake: the first
part of the chain runs down the first column, the second part back up the next column beside
it, and so on. The edge from one column to the next is a short flat edge between neighbours,
the edges of the parts running upwards are drawn with their arrowheads where they belong
(``dir=back``), and every edge keeps its label and colour, so the red path reads as one line.
A picture is folded only where one edge leads from each run into the next: an edge from one column
into another over more than one rank (a weight shared by every step of an unrolled network) would
cross the picture, and several edges at a turn (a layer fanning out) would cross each other.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from viz.display import DotError, DotNotFoundError, Drawing, render
from viz.fit import READABLE_PX, SCREEN_PX, TURN_READABLE_PX
from viz.grid import fan_rows
from viz.layout import reclear_label
from viz.rows import EDGE_LINE, copy_drawing, flatten_ends
from viz.styles import Style

__all__ = [
    "FOLDS",
    "MAX_MEASURED_NODES",
    "SITE_COLUMN_PX",
    "SLIDE_PX",
    "Candidate",
    "Fold",
    "Measured",
    "fit_column",
    "fit_display",
    "fit_picture",
    "fold",
    "fold_ranks",
    "measure",
    "measured",
]

#: The most nodes a picture may have for :func:`fit_display` to lay out its candidates (each is
#: one ``dot`` run); larger pictures keep the orientation the estimate chose.
MAX_MEASURED_NODES = 60

#: Into how many columns (rows) a chain may be folded.
FOLDS = (2, 3)

#: The smallest text (CSS px) a slide picture is made for, filling a 1280×720 slide: 18 pt.
SLIDE_PX = 24.0

#: The narrowest column a notebook's pictures are shown in (CSS px): the course site's
#: (``make demo``), against a notebook's ~1000 px. A picture must read in both.
SITE_COLUMN_PX = 736.0

_LABEL = re.compile(r"(?<![\w])label=")
_PAD = 4.0  # points graphviz adds around a picture (its default pad)


def fold_ranks(ranks: Sequence[int], parts: int, *, pivot: bool = False) -> list[int]:
    """Each rank's place once the ranks ``0 … max(ranks)`` are folded into ``parts`` runs of equal
    length, every other run reversed (a snake). The last rank of a run and the first of the next
    share a place, side by side; with ``pivot`` they are one place apart, the rank where the
    snake turns a place of its own between them (its edges then run diagonally, never flat).

    >>> fold_ranks([0, 1, 2, 3, 4, 5, 6], parts=3)
    [0, 1, 2, 2, 1, 0, 0]
    >>> fold_ranks([0, 1, 2, 3, 4, 5, 6], parts=2, pivot=True)
    [0, 1, 2, 3, 2, 1, 0]
    """
    if parts < 1:
        raise ValueError(f"parts must be at least 1, got {parts}")
    top = max(ranks, default=0)
    if pivot:  # a triangle wave: up to the turn, and back
        turn = max(1, math.ceil(top / parts))
        out = []
        for r in ranks:
            at = r % (2 * turn)
            out.append(at if at <= turn else 2 * turn - at)
        return out
    length = max(1, math.ceil((top + 1) / parts))
    out = []
    for r in ranks:
        part, at = divmod(r, length)
        out.append(at if part % 2 == 0 else length - 1 - at)
    return out


@dataclass(frozen=True)
class Measured:
    """A picture as ``dot`` lays it out: its size in points (graphviz's page pad included), its
    smallest font in points, and each node's rank (0 at the top, or at the left for ``LR``),
    counting only the ranks that hold nodes."""

    width: float
    height: float
    font: float
    ranks: dict[str, int]

    def text_px(self, look: Style, *, grow: bool) -> float:
        """The smallest text in CSS px once the picture is fitted to ``look``'s display: scaled down
        to fit, and with ``grow`` also up to fill it (a picture placed on a slide)."""
        fit_w, fit_h = look.fit
        scale = fit_w / self.width if self.width > 0 else 1.0
        if fit_h is not None and self.height > 0:
            scale = min(scale, fit_h / self.height)
        return self.font * 4 / 3 * (scale if grow else min(1.0, scale))

    def in_column(self, width_px: float) -> tuple[float, float]:
        """``(smallest text, height)`` in CSS px shown in a column ``width_px`` wide (scaled down
        to its width, never up)."""
        scale = min(1.0, width_px / (self.width * 4 / 3)) if self.width > 0 else 1.0
        return self.font * 4 / 3 * scale, self.height * 4 / 3 * scale

    def long_way(self, look: Style, *, across: bool) -> bool:
        """Whether the picture's length along its ranks (its width with ``across``, a left-to-right
        picture, else its height) is what limits its fit to ``look``'s display: only then can
        folding it (shorter that way, wider the other) show its text larger."""
        fit_w, fit_h = look.fit
        if fit_h is None or self.width <= 0 or self.height <= 0:
            return False
        by_width, by_height = fit_w / self.width, fit_h / self.height
        return by_width < by_height if across else by_height < by_width


def _fonts(item: object, out: list[float]) -> None:
    """Every font size of ``dot``'s drawing operations (``{"op": "F", "size": …}``) in ``item``."""
    if isinstance(item, dict):
        if item.get("op") == "F":
            out.append(float(item["size"]))
        for value in item.values():
            _fonts(value, out)
    elif isinstance(item, list):
        for value in item:
            _fonts(value, out)


def measure(drawing: Drawing) -> Measured | None:
    """``drawing`` laid out by ``dot`` (one run): see :class:`Measured`; None without graphviz or
    when ``dot`` fails."""
    try:
        laid = json.loads(render(drawing.source, "json", timeout=drawing.timeout, nodes=drawing.node_count))
    except (DotNotFoundError, DotError):
        return None
    x0, y0, x1, y1 = (float(t) for t in str(laid["bb"]).split(","))
    fonts: list[float] = []
    _fonts(laid, fonts)
    across = 0 if drawing.graph_attr.get("rankdir") in ("LR", "RL") else 1
    where: dict[str, float] = {}
    for obj in laid.get("objects", []):
        if "nodes" in obj or "pos" not in obj:  # a subgraph
            continue
        where[obj["name"]] = float(str(obj["pos"]).split(",")[across])
    # dot's y grows upwards: top to bottom, the first rank has the largest y.
    levels = sorted(set(where.values()), reverse=across == 1)
    index = {y: k for k, y in enumerate(levels)}
    return Measured(
        width=x1 - x0 + 2 * _PAD,
        height=y1 - y0 + 2 * _PAD,
        font=min(fonts, default=float(drawing.node_attr.get("fontsize", 14))),
        ranks={name: index[y] for name, y in where.items()},
    )


def measured(drawing: Drawing, look: Style) -> Drawing:
    """``drawing`` with ``text_px`` set to its smallest text as measured (:func:`measure`) in ``look``'s
    display (scaled down to fit, up too on a slide); left as it is when ``dot`` cannot lay it out."""
    laid = measure(drawing)
    if laid is not None:
        drawing.text_px = laid.text_px(look, grow=look.display == "slide")
    return drawing


def fold(drawing: Drawing, parts: int, ranks: dict[str, int]) -> Drawing | None:
    """``drawing`` folded into ``parts`` columns (rows, left to right) like a snake, at ``ranks``
    (:attr:`Measured.ranks`); None for a picture with clusters, too short to fold, or with more than
    one edge, or a long one, from a run into the next (see the module's notes).

    Every node keeps its rank within its run (``rank=same`` groups); an edge between two places
    of the fold runs from the upper to the lower one, with ``dir=back`` when the data flows
    upwards, so it is drawn with its arrowhead at the node it enters.
    """
    if any("subgraph cluster" in line for line in drawing.body):
        return None
    if max(ranks.values(), default=0) + 1 < 2 * parts:
        return None
    names = sorted(ranks)
    across = drawing.graph_attr.get("rankdir") in ("LR", "RL")
    place = dict(zip(names, fold_ranks([ranks[n] for n in names], parts, pivot=across), strict=True))
    top = max(ranks.values())
    length = max(1, math.ceil(top / parts)) if across else max(1, math.ceil((top + 1) / parts))
    crossings: dict[int, int] = {}
    for line in drawing.body:
        m = EDGE_LINE.match(line)
        if m is None or m.group(1) not in ranks or m.group(2) not in ranks or "style=invis" in line:
            continue
        start, end = ranks[m.group(1)], ranks[m.group(2)]
        if start // length == end // length:
            continue
        if abs(end - start) > 1:
            return None  # it would run across the picture, from one column into another
        turn = min(start, end) // length
        crossings[turn] = crossings.get(turn, 0) + 1
    if any(n > 1 for n in crossings.values()):
        return None  # a turn where the picture fans out (or in): its edges would cross each other there
    out = copy_drawing(drawing)
    body: list[str] = []
    turns: list[tuple[str, str]] = []  # level edges from one column into the next
    skip = 0
    for k, line in enumerate(drawing.body):
        if skip:
            skip -= 1
            continue
        if line.strip() == "{":
            # An ordering group (inputs side by side, in order): kept when its nodes stay on one place.
            end = next(j for j in range(k, len(drawing.body)) if drawing.body[j].strip() == "}")
            block = drawing.body[k : end + 1]
            inside = {n for row in block for n in re.findall(r"\b(v\d+\w*)\b", row)}
            skip = end - k
            if len({place.get(n) for n in inside}) == 1:
                body += block
            continue
        m = EDGE_LINE.match(line)
        if m is None:
            body.append(line)
            continue
        tail, head, attrs = m.group(1), m.group(2), m.group(3) or ""
        if tail not in place or head not in place:
            body.append(line)
            continue
        if place[tail] > place[head]:  # the data flows upwards here: laid out downwards, drawn back
            body.append(f"\t{head} -> {tail} [{attrs + ' ' if attrs else ''}dir=back]\n")
        elif place[tail] == place[head] and across and attrs:
            # From one row into the next below it: dot would centre the label on this short
            # upright edge, over its arrow; as an external label it sits beside it, clear of it on
            # its left (the side of an upright edge: viz.layout.clear_label).
            beside = _LABEL.sub("xlabel=", reclear_label(attrs, "TB"), count=1)
            body.append(f"\t{tail} -> {head} [{beside}]\n")
        elif place[tail] == place[head] and attrs:  # from one column into the next: a level edge
            body.append(f"\t{tail} -> {head} [{reclear_label(attrs, 'LR')}]\n")
            turns.append((tail, head))
        else:  # downwards, or flat: from one run into the next beside it
            body.append(line)
            if place[tail] == place[head]:
                turns.append((tail, head))
    groups: dict[int, list[str]] = {}
    for name in names:
        groups.setdefault(place[name], []).append(name)
    for members in groups.values():
        if len(members) > 1:
            body.append("\t{ rank=same; " + "; ".join(members) + " }\n")
    # A turn's two ends are neighbours: the other nodes of their place stay in their own columns,
    # before the tail or after the head. (dot put the seed chain's constant 0.03, an input of the
    # second column, between them; the turn edge arched over it, its label on the arc.)
    for tail, head in turns:
        run = ranks[head] // length
        for name in groups[place[head]]:
            if name not in (tail, head):
                before = ranks[name] // length < run
                body.append(f"\t{name} -> {tail} [style=invis]\n" if before else f"\t{head} -> {name} [style=invis]\n")
    out.body = body
    return out


Candidate = tuple[str, Drawing, float]


def fit_display(
    drawing: Drawing, redraw: Callable[[str], Drawing], look: Style, *, folds: Sequence[int] = FOLDS
) -> tuple[Drawing, list[Candidate]]:
    """The layout of ``drawing`` whose smallest text is largest in ``look``'s display (a slide, the
    picture filling it): left to right, top to bottom (``redraw("LR")``, ``redraw("TB")``) and each
    folded into ``folds`` parts, every one laid out by ``dot`` and measured (:func:`measure`).
    Ties go to the earlier candidate: ``drawing`` itself, then unfolded before folded.

    Returns ``(chosen, candidates)``, the chosen one's ``text_px`` set to its measured text;
    ``candidates`` lists ``(name, drawing, text px)`` in the order tried (empty when nothing was
    measured: more than :data:`MAX_MEASURED_NODES` nodes, or no graphviz).
    """
    if drawing.node_count is None or drawing.node_count > MAX_MEASURED_NODES:
        return drawing, []
    own = drawing.graph_attr.get("rankdir", "TB")
    found: list[Candidate] = []
    folded: list[Candidate] = []
    for rankdir in (own, *(r for r in ("LR", "TB") if r != own)):
        base = drawing if rankdir == own else redraw(rankdir)
        laid = measure(base)
        if laid is None:
            return drawing, []
        found.append((rankdir, base, laid.text_px(look, grow=True)))
        if not laid.long_way(look, across=rankdir in ("LR", "RL")):
            continue  # folding would make the side that already limits the fit longer still
        for parts in folds:
            bent = fold(base, parts, laid.ranks)
            bent_laid = measure(bent) if bent is not None else None
            if bent is not None and bent_laid is not None:
                folded.append((f"{rankdir} folded in {parts}", bent, bent_laid.text_px(look, grow=True)))
    found += folded
    best = found[0]
    for candidate in found[1:]:
        if candidate[2] > best[2] + 1e-9:
            best = candidate
    best[1].text_px = best[2]
    return best[1], found


def fit_column(
    drawing: Drawing,
    redraw: Callable[[str], Drawing],
    look: Style,
    *,
    min_px: float = TURN_READABLE_PX,
    folds: Sequence[int] = FOLDS,
) -> Drawing:
    """``drawing`` as a notebook shows it, or a layout that fits a screen better: measured with ``dot``.

    A picture that reads (smallest text at least ``min_px`` in ``look``'s column, ~1000 px, and
    :data:`~viz.fit.READABLE_PX` in the course site's :data:`SITE_COLUMN_PX`) and is at most
    :data:`~viz.fit.SCREEN_PX` tall is kept. Otherwise the candidates — turned (``redraw``), each
    folded into ``folds`` parts, top to bottom with its straight ends in rows
    (:func:`viz.rows.flatten_ends`), and with its fan in two bands (:func:`viz.grid.fan_rows`) —
    are measured; of those that read, the ones within a screen's height win, the largest text
    first; if none is, the shortest, when shorter than ``drawing``. When none reads, the shortest
    whose text is no smaller than ``drawing``'s in either column.
    Only for pictures of at most :data:`MAX_MEASURED_NODES` nodes; left as it is without graphviz.
    """
    if look.fit[1] is not None or drawing.node_count is None or drawing.node_count > MAX_MEASURED_NODES:
        return drawing
    column = look.fit[0] * 4 / 3

    def sizes(laid: Measured) -> tuple[bool, float, float, float]:
        """(reads, height in the notebook's column, text in the site's column, text in the notebook's)."""
        text, height = laid.in_column(column)
        site_text, _ = laid.in_column(SITE_COLUMN_PX)
        return text >= min_px and site_text >= READABLE_PX, height, site_text, text

    own_laid = measure(drawing)
    if own_laid is None:
        return drawing
    own = sizes(own_laid)
    if own[0] and own[1] <= SCREEN_PX:
        return drawing
    rankdir = drawing.graph_attr.get("rankdir", "TB")
    turned = redraw("TB" if rankdir in ("LR", "RL") else "LR")
    found: list[tuple[Drawing, tuple[bool, float, float, float]]] = [(drawing, own)]
    for base, laid in ((drawing, own_laid), (turned, measure(turned))):
        if laid is None:
            continue
        if base is turned:
            found.append((turned, sizes(laid)))
        for bent in (
            *(fold(base, parts, laid.ranks) for parts in folds),
            flatten_ends(base, laid.ranks),
            fan_rows(base, laid.ranks),
        ):
            bent_laid = measure(bent) if bent is not None else None
            if bent is not None and bent_laid is not None:
                found.append((bent, sizes(bent_laid)))
    readable = [(d, size) for d, size in found if size[0]]
    within = [(d, size) for d, size in readable if size[1] <= SCREEN_PX]
    chosen = drawing
    if within:
        chosen = max(within, key=lambda c: (c[1][2], -c[1][1]))[0]
    elif readable:
        shortest = min(readable, key=lambda c: c[1][1])
        if shortest[1][1] < own[1]:
            chosen = shortest[0]
    else:  # nothing reads in both columns: the shortest whose text is no smaller in either
        kept = [(d, size) for d, size in found if size[2] >= own[2] and size[3] >= own[3] and size[1] < own[1]]
        if kept:
            chosen = min(kept, key=lambda c: c[1][1])[0]
    if chosen is not drawing:
        chosen.text_px = next(size for d, size in found if d is chosen)[3]
    return chosen


def fit_picture(
    drawing: Drawing, redraw: Callable[[str], Drawing], look: Style, *, min_px: float = TURN_READABLE_PX
) -> Drawing:
    """``drawing`` fitted to where ``look`` shows it, for ``rankdir="auto"``: on a slide the layout
    with the largest text (:func:`fit_display`); in a notebook column one that fits a screen and
    reads there and on the course site (:func:`fit_column`, text at least ``min_px``); a printed
    page keeps the estimated orientation."""
    if look.display == "slide":
        return fit_display(drawing, redraw, look)[0]
    return fit_column(drawing, redraw, look, min_px=min_px)


@dataclass(frozen=True)
class Fold:
    """A fold chosen once (:func:`viz.slide_frames.plan_slide`) and applied alike to every variant of
    a picture — the frames of a step-through, which differ only in their labels and colours."""

    parts: int
    ranks: dict[str, int]

    def apply(self, drawing: Drawing) -> Drawing:
        """``drawing`` folded (:func:`fold`); as it is if it cannot be."""
        return fold(drawing, self.parts, self.ranks) or drawing
