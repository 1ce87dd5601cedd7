"""A chain's straight ends laid in rows: a tall picture that fans out in the middle, made short.

A derivative chain inside a network (:func:`viz.draw_chain` of a first-layer weight) runs in a
single file from the weight to its neuron's activation, fans out to the next layer's neurons and in
again, and runs in a single file to the loss. Top to bottom every node of those single files takes
a rank of its own (MLP(2, [4, 4, 1]): 8 ranks, 1,405 px in a notebook column), while the fan is
what sets the picture's width. :func:`flatten_ends` lays each single file on one rank, left to
right — the weight's row above the fan, the loss's row below it — so the picture is as tall as
the fan plus two rows, and no wider than the fan. Every edge keeps its label and colour; the
labels of the edges now running level get their clear space below them
(:func:`viz.layout.reclear_label`).

The picture is measured (:func:`viz.wrap.measure`) before and after by the caller
(:func:`viz.wrap.fit_column`), which keeps this layout only where it fits better.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping

from viz.display import Drawing
from viz.layout import reclear_label

__all__ = ["EDGE_LINE", "copy_drawing", "flatten_ends", "straight_ends"]

#: An edge statement of a drawing's body as the ``graphviz`` package writes it: tail, head, attributes.
EDGE_LINE = re.compile(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?\n?$")


def copy_drawing(drawing: Drawing) -> Drawing:
    """A copy of ``drawing`` whose body and attributes can be changed without changing ``drawing``."""
    new = copy.copy(drawing)
    new.body = list(drawing.body)
    new.graph_attr = dict(drawing.graph_attr)
    new.node_attr = dict(drawing.node_attr)
    new.edge_attr = dict(drawing.edge_attr)
    return new


def _edges(drawing: Drawing) -> list[tuple[str, str]]:
    """The visible edges of ``drawing``'s body, as ``(tail, head)``."""
    out = []
    for line in drawing.body:
        m = EDGE_LINE.match(line)
        if m is not None and "style=invis" not in (m.group(3) or ""):
            out.append((m.group(1), m.group(2)))
    return out


def straight_ends(ranks: Mapping[str, int], edges: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The single file of nodes a picture starts with and the one it ends with, each in its order:
    the ranks before the first rank with two nodes or more (and after the last), one node each,
    each fed by the one before it. A run shorter than two nodes is empty; so are both when no
    rank holds two nodes (a plain chain: turning it is the way to shorten it).

    >>> straight_ends({"w": 0, "s": 1, "a": 2, "b": 2, "t": 3, "u": 4},
    ...               [("w", "s"), ("s", "a"), ("s", "b"), ("a", "t"), ("b", "t"), ("t", "u")])
    (['w', 's'], ['t', 'u'])
    """
    by_rank: dict[int, list[str]] = {}
    for name, r in ranks.items():
        by_rank.setdefault(r, []).append(name)
    wide = sorted(r for r, names in by_rank.items() if len(names) > 1)
    if not wide:
        return [], []
    linked = set(edges)

    def run(span: range) -> list[str]:
        names: list[str] = []
        for r in span:
            if len(by_rank.get(r, [])) != 1:
                break
            (name,) = by_rank[r]
            if names and (names[-1], name) not in linked and (name, names[-1]) not in linked:
                break
            names.append(name)
        return names

    first = run(range(wide[0] - 1, -1, -1))[::-1]
    last = run(range(wide[-1] + 1, max(ranks.values()) + 1))
    # Only a run that reaches the picture's first (last) rank: a gap would leave a rank of its own.
    first = first if first and ranks[first[0]] == 0 and len(first) > 1 else []
    last = last if last and ranks[last[-1]] == max(ranks.values()) and len(last) > 1 else []
    return first, last


def flatten_ends(drawing: Drawing, ranks: Mapping[str, int]) -> Drawing | None:
    """``drawing`` (top to bottom, no boxes) with its straight ends (:func:`straight_ends`, at
    ``ranks``: :attr:`viz.wrap.Measured.ranks`) each laid on one rank, left to right; None when
    it has none, is laid out left to right, or has boxes."""
    if drawing.graph_attr.get("rankdir", "TB") in ("LR", "RL"):
        return None
    if any("subgraph cluster" in line for line in drawing.body):
        return None
    first, last = straight_ends(ranks, _edges(drawing))
    if not first and not last:
        return None
    rows = [run for run in (first, last) if run]
    level = {pair for run in rows for pair in itertools.pairwise(run)}
    out = copy_drawing(drawing)
    body: list[str] = []
    for line in drawing.body:
        m = EDGE_LINE.match(line)
        if m is not None and (m.group(1), m.group(2)) in level and m.group(3):
            line = f"\t{m.group(1)} -> {m.group(2)} [{reclear_label(m.group(3), 'LR')}]\n"
        body.append(line)
    for run in rows:
        body.append("\t{ rank=same; " + "; ".join(run) + " }\n")
    out.body = body
    return out
