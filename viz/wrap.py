"""Pictures for a fixed-size display (a 1280×720 slide): the layout chosen by measuring, long chains folded.

A slide does not scroll: a picture is scaled down until it fits, and its text shrinks with it.
:func:`fit_display` lays out the candidates with ``dot`` — left to right, top to bottom, and the
same chain *folded* into two or three columns (or rows) — and keeps the one whose smallest text
is largest once fitted to the display (:func:`shown_px`): measured, not estimated.

Folding (:func:`fold`) keeps ``dot``'s own ranks and bends the picture like a snake: the first
part of the chain runs down the first column, the second part back up the next column beside
it, and so on. The edge from one column to the next is a short flat edge between neighbours,
the edges of the parts running upwards are drawn with their arrowheads where they belong
(``dir=back``), and every edge keeps its label and colour, so the red path reads as one line.

>>> fold_ranks([0, 1, 2, 3, 4, 5], parts=2)
[0, 1, 2, 2, 1, 0]
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from viz.display import DotError, DotNotFoundError, Drawing, render
from viz.fit import TURN_READABLE_PX, fit_screen
from viz.layout import reclear_label
from viz.styles import Style

__all__ = [
    "FOLDS",
    "MAX_MEASURED_NODES",
    "SLIDE_PX",
    "Candidate",
    "Measured",
    "fit_display",
    "fit_picture",
    "fold",
    "fold_ranks",
    "measure",
]

#: The most nodes a picture may have for :func:`fit_display` to lay out its candidates (each is
#: one ``dot`` run); larger pictures keep the orientation the estimate chose.
MAX_MEASURED_NODES = 60

#: Into how many columns (rows) a chain may be folded.
FOLDS = (2, 3)

#: The smallest text (CSS px) a slide picture is made for, filling a 1280×720 slide: 18 pt.
SLIDE_PX = 24.0

_NODE_LINE = re.compile(r"^\t(\w+) \[")
_EDGE_LINE = re.compile(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?\n?$")
_LABEL = re.compile(r"(?<![\w])label=")
_PAD = 4.0  # points graphviz adds around a picture (its default pad)


def fold_ranks(ranks: Sequence[int], parts: int) -> list[int]:
    """Each rank's place once the ranks ``0 … max(ranks)`` are folded into ``parts`` runs of equal
    length, every other run reversed (a snake): the last rank of a run and the first of the next
    share a place, side by side.

    >>> fold_ranks([0, 1, 2, 3, 4, 5, 6], parts=3)
    [0, 1, 2, 2, 1, 0, 0]
    """
    if parts < 1:
        raise ValueError(f"parts must be at least 1, got {parts}")
    top = max(ranks, default=0)
    length = max(1, math.ceil((top + 1) / parts))
    out = []
    for r in ranks:
        part, at = divmod(r, length)
        out.append(at if part % 2 == 0 else length - 1 - at)
    return out


def _copy(drawing: Drawing) -> Drawing:
    new = copy.copy(drawing)
    new.body = list(drawing.body)
    new.graph_attr = dict(drawing.graph_attr)
    new.node_attr = dict(drawing.node_attr)
    new.edge_attr = dict(drawing.edge_attr)
    return new


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


def fold(drawing: Drawing, parts: int, ranks: dict[str, int]) -> Drawing | None:
    """``drawing`` folded into ``parts`` columns (rows, left to right) like a snake, at ``ranks``
    (:attr:`Measured.ranks`); None for a picture with clusters, or too short to fold.

    Every node keeps its rank within its run (``rank=same`` groups); an edge between two places
    of the fold runs from the upper to the lower one, with ``dir=back`` when the data flows
    upwards, so it is drawn with its arrowhead at the node it enters.
    """
    if any("subgraph cluster" in line for line in drawing.body):
        return None
    if max(ranks.values(), default=0) + 1 < 2 * parts:
        return None
    names = sorted(ranks)
    place = dict(zip(names, fold_ranks([ranks[n] for n in names], parts), strict=True))
    across = drawing.graph_attr.get("rankdir") in ("LR", "RL")
    out = _copy(drawing)
    body: list[str] = []
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
        m = _EDGE_LINE.match(line)
        if m is None:
            body.append(line)
            continue
        tail, head, attrs = m.group(1), m.group(2), m.group(3) or ""
        if tail not in place or head not in place:
            body.append(line)
            continue
        if place[tail] > place[head]:  # the data flows upwards here: laid out downwards, drawn back
            extra = "dir=back" + (f" {attrs}" if attrs else "")
            body.append(f"\t{head} -> {tail} [{extra}]\n")
        elif place[tail] == place[head] and across and attrs:
            # From one row into the next below it: dot would centre the label on this short
            # upright edge, over its arrow; as an external label it sits beside it, clear of it on
            # its left (the side of an upright edge: viz.layout.clear_label).
            beside = _LABEL.sub("xlabel=", reclear_label(attrs, "TB"), count=1)
            body.append(f"\t{tail} -> {head} [{beside}]\n")
        elif place[tail] == place[head] and attrs:  # from one column into the next: a level edge
            body.append(f"\t{tail} -> {head} [{reclear_label(attrs, 'LR')}]\n")
        else:  # downwards, or flat: from one run into the next beside it
            body.append(line)
    groups: dict[int, list[str]] = {}
    for name in names:
        groups.setdefault(place[name], []).append(name)
    for members in groups.values():
        if len(members) > 1:
            body.append("\t{ rank=same; " + "; ".join(members) + " }\n")
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


def fit_picture(
    drawing: Drawing, redraw: Callable[[str], Drawing], look: Style, *, min_px: float = TURN_READABLE_PX
) -> Drawing:
    """``drawing`` fitted to where ``look`` shows it, for ``rankdir="auto"``: on a slide the
    candidate layouts measured (:func:`fit_display`); in a notebook column turned when taller than
    a screen (:func:`viz.fit.fit_screen`, the turned text at least ``min_px``)."""
    if look.display == "slide":
        return fit_display(drawing, redraw, look)[0]
    return fit_screen(drawing, redraw, look, min_px=min_px)
