"""A wide fan laid out as a grid: a chain through a big layer, in two rows of neurons instead of one.

The chain of MLP(2, [16, 16, 1])'s loss to a first-layer weight fans out to sixteen neurons of the
next layer, each a single file (Σ w·x → relu), and in again. Left to right the sixteen files are
stacked one above the other (1,600 px tall in a notebook column); top to bottom they stand side
by side, too wide to read. :func:`fan_rows` keeps the picture top to bottom with its straight
ends in rows (:func:`viz.rows.flatten_ends`) and splits the fan into ``rows`` bands, the first
half of the files above the second: an invisible edge from the end of each file of one band to
the start of a file of the next puts the next band below it. The edges from the fan's source
into a lower band, and from an upper band into the fan's sink, run down between the files, their
labels beside them; the nodes sit closer together (``nodesep``) so the grid is no wider than
the picture was.

The caller (:func:`viz.wrap.fit_column`) measures this layout against the others and keeps it
only where it is shorter without making the text smaller in either column.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping

from viz.display import Drawing
from viz.rows import EDGE_LINE, copy_drawing, flatten_ends

__all__ = ["GRID_SPACING", "fan_files", "fan_rows"]

#: ``nodesep`` and ``ranksep`` (inches) of a fan laid out in bands: tighter than a picture's own,
#: so two bands of eight files are no wider than sixteen stacked ones (measured with ``dot``).
GRID_SPACING = {"nodesep": "0.03", "ranksep": "0.25"}

#: A node statement of a drawing's body: its name.
_NODE = re.compile(r"^\t(\w+) \[")


def _visible_edges(drawing: Drawing) -> set[tuple[str, str]]:
    out = set()
    for line in drawing.body:
        m = EDGE_LINE.match(line)
        if m is not None and "style=invis" not in (m.group(3) or ""):
            out.add((m.group(1), m.group(2)))
    return out


def fan_files(ranks: Mapping[str, int], edges: set[tuple[str, str]], order: list[str]) -> list[list[str]]:
    """The single files of a picture's fan, in ``order`` of their first node: the ranks from the first
    rank with two nodes or more to the last one, when every one of them holds the same nodes'
    count and each node of a rank feeds exactly one node of the next, a different one each (else
    empty).

    >>> fan_files({"s": 0, "a": 1, "b": 1, "c": 2, "d": 2, "t": 3},
    ...           {("s", "a"), ("s", "b"), ("a", "c"), ("b", "d"), ("c", "t"), ("d", "t")},
    ...           ["s", "b", "a", "d", "c", "t"])
    [['b', 'd'], ['a', 'c']]
    """
    by_rank: dict[int, list[str]] = {}
    for name, r in ranks.items():
        by_rank.setdefault(r, []).append(name)
    wide = sorted(r for r, names in by_rank.items() if len(names) > 1)
    if not wide:
        return []
    band = range(wide[0], wide[-1] + 1)
    width = len(by_rank[wide[0]])
    if any(len(by_rank.get(r, [])) != width for r in band):
        return []
    place = {name: k for k, name in enumerate(order)}
    files = [[name] for name in sorted(by_rank[wide[0]], key=lambda n: place.get(n, len(place)))]
    for r in band[1:]:
        taken: set[str] = set()
        for file in files:
            nxt = [name for name in by_rank[r] if (file[-1], name) in edges]
            if len(nxt) != 1 or nxt[0] in taken:
                return []
            taken.add(nxt[0])
            file.append(nxt[0])
    return files


def fan_rows(drawing: Drawing, ranks: Mapping[str, int], rows: int = 2) -> Drawing | None:
    """``drawing`` (top to bottom, no boxes) with its fan (:func:`fan_files`, at ``ranks``:
    :attr:`viz.wrap.Measured.ranks`) split into ``rows`` bands, one below the other, and its straight
    ends in rows; None when it is laid out left to right, has boxes, or has no fan of at least
    two files per band."""
    if rows < 2:
        raise ValueError(f"rows must be at least 2, got {rows}")
    if drawing.graph_attr.get("rankdir", "TB") in ("LR", "RL"):
        return None
    if any("subgraph cluster" in line for line in drawing.body):
        return None
    order = [m.group(1) for line in drawing.body if (m := _NODE.match(line)) is not None]
    files = fan_files(ranks, _visible_edges(drawing), order)
    if len(files) < 2 * rows:
        return None
    out = flatten_ends(drawing, ranks) or copy_drawing(drawing)
    size = math.ceil(len(files) / rows)
    bands = [files[k : k + size] for k in range(0, len(files), size)]
    for upper, lower in itertools.pairwise(bands):
        for above, below in zip(upper, lower, strict=False):
            out.body.append(f"\t{above[-1]} -> {below[0]} [style=invis weight=100]\n")
    out.graph_attr.update(GRID_SPACING)
    return out
