"""Shared leaves drawn at each of their uses: an unrolled network's weights as stubs.

A recurrent network applies the *same* weights at every time step: drawn as one node, a
weight such as ``wₕ`` sends a long edge into every step, across the whole picture, and no
layout of the unrolled graph is both readable and a screen high. Drawn the way a teacher
draws it, the weight is a small *stub* at each use — its name and the part of its gradient
that flows back through that use — and its value and whole gradient are given once, in a
table under the caption, as the sum of those parts::

    wₕ = 0.9   grad 0.7441 = 0 + 0.1186 + 0.1547 + 0.2029 + 0.2679   (5 uses)

That sum *is* backpropagation through time: a shared weight's gradient is the sum of one
contribution per time step.

This is part of the scene (:mod:`viz.scene`): :func:`viz.strip.with_shared` says which leaves are
drawn as stubs (:attr:`~viz.scene.Scene.stubs`), and the later stages ask it for the name of a
leaf's node at each use (:meth:`~viz.scene.Scene.source`), the stubs feeding a node
(:func:`stubs_into`), a stub's label (:func:`stub_label`) and the table (:func:`shared_table`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from autograd import Value
from viz.arithmetic import worked
from viz.marks import escape
from viz.numbers import format_lanes, format_number, is_lanes
from viz.scene import Scene
from viz.styles import Style

__all__ = [
    "SHARED_MODES",
    "STUB_FROM_USES",
    "Shared",
    "check_shared",
    "heights",
    "share",
    "shared_candidates",
    "shared_table",
    "stub_label",
    "stubs_into",
    "users",
    "with_rows",
]

Shared = Literal["auto", "node", "stubs"]

#: The values ``shared=`` takes.
SHARED_MODES = ("auto", "node", "stubs")

#: With ``shared="auto"``, a parameter is a candidate for stubs when it feeds at least this many nodes.
STUB_FROM_USES = 3


def check_shared(shared: object) -> Shared:
    """``shared`` checked: one of :data:`SHARED_MODES` (a ValueError names what was given)."""
    if not isinstance(shared, str) or shared not in SHARED_MODES:
        raise ValueError(f"shared must be 'auto', 'node' or 'stubs', got {shared!r}")
    return shared  # type: ignore[return-value]  # checked above


def users(g: Scene, leaf: int) -> list[int]:
    """The drawn nodes that take ``leaf`` as an input, each once, first use first: the farthest from
    the output first (an unrolled network's first time step), ties in the graph's order."""
    found = [i for i, v in enumerate(g.order) if not v.is_leaf and any(pi == leaf for _, pi in g.inputs(i))]
    if len(found) < 2:
        return found
    height = heights(g)
    return sorted(found, key=lambda i: (-height[i], i))


def heights(g: Scene) -> list[int]:
    """Each node's longest path to an output (0 for an output; a node feeding nothing drawn: 0)."""
    out = [0] * len(g.order)
    for i in range(len(g.order) - 1, -1, -1):  # children after parents: walk back from the outputs
        for _, pi in g.inputs(i):
            out[pi] = max(out[pi], out[i] + 1)
    return out


def shared_candidates(g: Scene, *, least: int = 2, roles: Sequence[str] = ("parameter", "input")) -> frozenset[int]:
    """The leaves of ``roles`` that feed at least ``least`` drawn nodes (drawn in no module box)."""
    found = set()
    for i, v in enumerate(g.order):
        if v.is_leaf and g.roles[i] in roles and (not g.owner or g.owner[i] is None) and len(users(g, i)) >= least:
            found.add(i)
    return frozenset(found)


def stubs_into(g: Scene, i: int) -> list[int]:
    """The stub leaves ``i`` takes as inputs, each once, in input order."""
    if not g.stubs:
        return []
    out: dict[int, None] = {}
    for _, pi in g.inputs(i):
        if pi in g.stubs:
            out.setdefault(pi)
    return list(out)


def share(g: Scene, leaf: int, user: int) -> float:
    """The part of ``leaf``'s gradient that flows back through its use by ``user``: the user's
    gradient times its local derivative for each input slot holding ``leaf`` (summed over lanes:
    what a scalar parameter receives)."""
    child = g.order[user]
    total = 0.0
    for k, p in enumerate(child.parents):
        if p is g.order[leaf]:
            total += _sum_lanes(child.grad * child.local_grads[k])  # numpy broadcasts lanes
    return total


def _sum_lanes(x: Any) -> float:
    return math.fsum(float(t) for t in x) if is_lanes(x) else float(x)


def stub_label(g: Scene, leaf: int, fill: str, emphasis: bool, look: Style, digits: int) -> str:
    """A stub's table: the leaf's name (an unnamed one: its value) in the leaf's fill, with a dashed
    border — a copy of a value whose data and gradient the table under the caption gives once."""
    name = g.names[leaf] or format_lanes(g.order[leaf].data, digits, 1)
    border = f' COLOR="{look.hot}" BORDER="2"' if emphasis else ' BORDER="1" STYLE="dashed"'
    return (
        f'<<TABLE{border} CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" BGCOLOR="{fill}">'
        f"<TR><TD><B>{escape(name)}</B></TD></TR></TABLE>>"
    )


def shared_table(g: Scene, digits: int) -> str:
    """The table under the caption: each stub leaf's value once, and its gradient as the sum of the
    gradients through its uses (written so the terms shown add up to the sum shown:
    :func:`viz.arithmetic.worked`). "" without stubs."""
    if not g.stubs:
        return ""
    out = g.names[g.roots[0]] if len(g.roots) == 1 else ""
    head = (
        "Dashed: a shared value, drawn at each of its uses. Its gradient is the sum of the gradients "
        "through its uses (left to right):"
    )
    rows = []
    for leaf in sorted(g.stubs, key=lambda i: (g.first.index(i) if i in g.first else len(g.order), i)):
        v: Value = g.order[leaf]
        parts = [share(g, leaf, u) for u in users(g, leaf)]
        total = _sum_lanes(v.grad)
        summed = worked("+", parts, total, digits=digits)
        text = summed.text("+") + (f" {summed.why()}" if summed.why() else "")
        if not math.isclose(math.fsum(parts), total, rel_tol=1e-9, abs_tol=1e-12):  # grad from elsewhere too
            text = f"{summed.result} (its uses drawn give {format_number(math.fsum(parts), digits)})"
        name = g.names[leaf] or g.vid(leaf)
        grad = f"∂{out}/∂{name} =" if out else "grad"
        rows.append(
            f'<TR><TD ALIGN="LEFT"><B>{escape(name)}</B>: data {escape(format_lanes(v.data, digits, 1))}, '
            f"{escape(grad)} {escape(text)} ({len(parts)} uses)</TD></TR>"
        )
    # One column: graphviz widens a table to the cell it sits in, and would spread a wide caption's width
    # over every column of a table with several.
    head_row = f'<TR><TD ALIGN="LEFT">{escape(head)}</TD></TR>'
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{head_row}{"".join(rows)}</TABLE>'


def with_rows(*tables: str) -> str:
    """HTML tables (a legend, :func:`shared_table`) stacked in one ("" for none)."""
    shown = [t for t in tables if t]
    if len(shown) < 2:
        return "".join(shown)
    rows = "".join(f'<TR><TD ALIGN="LEFT">{t}</TD></TR>' for t in shown)
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>'
