"""Marks: what each node and edge of a picture shows, and in which colours.

The second stage of every drawing (after :mod:`viz.scene`): a :class:`Marks` holds, per
node, the text of its data and grad cells and its fill; which nodes are emphasised (a red
border: the focus of a frame, the nodes on a chain's paths); which edges are highlighted or
carry a label (a local derivative); the caption and the legend. This module also writes the
HTML-like labels themselves (a value's cells, a collapsed module's box, the legend), so the
pictures and the step-through player's frames share one visual language.

Every user string passes :func:`escape`, so it is drawn as written.
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from autograd import RULES, Value
from viz.colour import GradScale, Scale, gradient_scale
from viz.numbers import format_lanes, format_number, is_lanes
from viz.scene import Scene, boxes_of, collapsed_modules
from viz.styles import STYLES, Style

__all__ = [
    "OP_SYMBOLS",
    "ROLE_COLORS",
    "Color",
    "Marks",
    "box_label",
    "box_rows",
    "colour_value",
    "diverging",
    "escape",
    "fills",
    "fold",
    "grad_scale",
    "html_label",
    "html_lines",
    "legend_table",
    "op_text",
    "value_cells",
    "value_label",
]

#: Fill colour of each node role in the notebook style (colour-blind-safe pastels).
ROLE_COLORS = dict(STYLES["notebook"].roles)

Color = Literal["role", "grad", "none"]

# What an op node shows, where the rule's own symbol would be ambiguous or invisible.
OP_SYMBOLS = {"neg": "negate", "dot": "Σ w·x", "sub": "−"}


@dataclass
class Marks:
    """What each node and edge shows; one instance per picture (or per frame)."""

    data: Sequence[str | None]  # the data cell text (None: "?"); viz.texts writes them as they are read
    grad: Sequence[str | None]  # the grad cell text (None: "?"; "" hides the cell)
    fill: list[str]
    emphasis: set[int] = field(default_factory=set)  # node indices drawn with a red border
    edge_labels: Mapping[tuple[int, int], str] = field(default_factory=dict)  # (child, slot) → label
    hot: set[tuple[int, int]] = field(default_factory=set)  # highlighted (child, slot) edges
    dim_others: bool = False  # grey every edge not in `hot`
    caption: str = ""
    show_ids: bool | frozenset[int] = (
        False  # name unlabelled nodes (all, or these) by their id (v4), as captions citing them do
    )

    legend: str = ""  # an HTML table shown under the caption ("" for none)
    notes: dict[int, str] = field(default_factory=dict)  # said after the op in a node's op cell

    def shows_id(self, i: int) -> bool:
        """Whether node ``i``, when unlabelled, shows its id."""
        return i in self.show_ids if isinstance(self.show_ids, frozenset) else self.show_ids


def escape(text: str) -> str:
    r"""``text`` for an HTML-like graphviz label, drawn as written.

    Besides HTML's ``&<>"'``, a backslash is doubled: graphviz expands its escape sequences
    (``\G`` the graph's name, ``\N`` the node's, ``\n`` a line break) even in HTML-like
    labels and even written as ``&#92;``, so ``\Gamma`` or ``C:\Temp\New`` would be drawn
    mangled; ``\\`` is drawn as one backslash.

    >>> print(escape("\\Gamma <x>"))
    \\Gamma &lt;x&gt;
    """
    return html.escape(text).replace("\\", "\\\\")


def html_lines(text: str) -> str:
    """``text`` escaped for an HTML label, its lines (several for lanes) separated by ``<BR/>``."""
    return "<BR/>".join(escape(line) for line in text.split("\n"))


#: The longest line of a node's text, in characters: longer lines (lane listings and their
#: statistics) are broken after a comma, so a node stays narrow enough for ranks to sit
#: side by side in a notebook column.
_NODE_LINE = 28


def fold(text: str, width: int = _NODE_LINE) -> str:
    """``text`` with each line longer than ``width`` broken after a comma (", "), as often as needed.

    A lane count stays with the value before it (never "…" alone at the start of a line).

    >>> print(fold("data [0.7573, -0.2434, 1.537, … 100 lanes]"))
    data [0.7573, -0.2434,
    1.537, … 100 lanes]
    >>> print(fold("out data [0.9151, 0, 1.409, … 100 lanes]"))
    out data [0.9151, 0,
    1.409, … 100 lanes]
    """
    out: list[str] = []
    for line in text.split("\n"):
        while len(line) > width:
            cut = line.rfind(", ", 0, width)
            while cut > 0 and line.startswith("…", cut + 2):
                cut = line.rfind(", ", 0, cut)
            if cut <= 0:
                break
            out.append(line[: cut + 1])
            line = line[cut + 2 :]
        out.append(line)
    return "\n".join(out)


def _cell(text: str, *, bold: bool = False) -> str:
    body = html_lines(text)
    return f"<TD><B>{body}</B></TD>" if bold else f"<TD>{body}</TD>"


def value_cells(name: str, data: str | None, grad: str | None, op: str = "") -> list[str]:
    texts = [op] if op else []
    texts += [name] if name else []
    texts.append(fold(f"data {data if data is not None else '?'}"))
    if grad != "":
        texts.append(fold(f"grad {grad if grad is not None else '?'}"))
    return texts


def value_label(
    name: str,
    data: str | None,
    grad: str | None,
    fill: str,
    emphasis: bool,
    look: Style,
    *,
    stacked: bool = False,
    op: str = "",
) -> str:
    """A value node's table: (the op that made it,) name, data and grad side by side, or ``stacked``.

    Left-to-right layouts stack the cells, so nodes are narrow where ranks sit side by side.
    """
    cells = [f'<TD BGCOLOR="{look.op_fill}">{html_lines(op)}</TD>'] if op else []
    cells += [_cell(name, bold=True)] if name else []
    cells += [_cell(t) for t in value_cells("", data, grad)]
    border = f' COLOR="{look.hot}" BORDER="2"' if emphasis else ' BORDER="0"'
    rows = "".join(f"<TR>{c}</TR>" for c in cells) if stacked else f"<TR>{''.join(cells)}</TR>"
    return f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{fill}">{rows}</TABLE>>'


def op_text(v: Value) -> str:
    rule = RULES.get(v.op)
    symbol = OP_SYMBOLS.get(v.op) or (rule.label if rule is not None else v.op)
    if v.param is None:
        return symbol
    if v.op == "pow":
        return f"{symbol}{format_number(v.param)}"
    if v.op == "rpow":
        return f"{format_number(v.param)}{symbol}"
    return f"{symbol}({format_number(v.param)})"


def html_label(text: str) -> str:
    return f"<{html_lines(text)}>"


def mix(c: tuple[int, int, int], zero: tuple[int, int, int], t: float) -> str:
    r, g, b = (round(z + (x - z) * t) for x, z in zip(c, zero, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def diverging(g: float, scale: float, look: Style | None = None) -> str:
    look = look or STYLES["notebook"]
    if scale == 0.0 or g == 0.0:
        return mix(look.zero, look.zero, 0.0)
    t = min(1.0, abs(g) / scale)
    return mix(look.positive if g > 0 else look.negative, look.zero, t)


def colour_value(grad: Any) -> float:
    """The number a gradient is coloured by: itself, or for lanes their sum (see the module docstring)."""
    return math.fsum(float(x) for x in grad) if is_lanes(grad) else float(grad)


def grad_scale(g: Scene, grads: Sequence[Any], vmax: float | None) -> float:
    """The gradient colour scale's end: ``vmax``, else the largest |gradient| of a node that is not an output."""
    if vmax is not None:
        if isinstance(vmax, bool) or not isinstance(vmax, int | float) or not math.isfinite(vmax) or vmax <= 0:
            raise ValueError(f"vmax must be a positive finite number, got {vmax!r}")
        return float(vmax)
    roots = set(g.roots)
    values = [abs(colour_value(x)) for i, x in enumerate(grads) if i not in roots]
    return max((x for x in values if math.isfinite(x)), default=0.0)


def colour_scale(g: Scene, grads: Sequence[Any], vmax: float | None, scale: Scale = "auto") -> GradScale:
    """The gradient colour scale (:mod:`viz.colour`) of the nodes that are not outputs."""
    high = grad_scale(g, grads, vmax)  # validates vmax
    roots = set(g.roots)
    values = [colour_value(x) for i, x in enumerate(grads) if i not in roots]
    return gradient_scale(values, vmax=high if vmax is not None else None, scale=scale)


def fills(
    g: Scene,
    color: Color,
    grads: Sequence[Any],
    look: Style | None = None,
    vmax: float | None = None,
    scale: Scale = "auto",
) -> list[str]:
    look = look or STYLES["notebook"]
    if color == "none":
        return [look.roles["intermediate"]] * len(g.order)
    if color == "grad":
        colours = colour_scale(g, grads, vmax, scale)
        return [colours.colour(colour_value(x), look) for x in grads]
    if color == "role":
        return [look.roles[r] for r in g.roles]
    raise ValueError(f"color must be 'role', 'grad' or 'none', got {color!r}")


_ROLE_ORDER = ("input", "parameter", "constant", "intermediate", "output")


def legend_table(
    g: Scene,
    color: Color,
    grads: Sequence[Any],
    look: Style,
    *,
    digits: int,
    vmax: float | None = None,
    hot: str = "",
    collapse: str | Collection[str] | None = None,
    scale: Scale = "auto",
) -> str:
    """An HTML table saying what the colours mean ("" when they mean nothing): the roles drawn
    (not those hidden in collapsed boxes), or the gradient scale with its range."""
    cells: list[str] = []
    box = boxes_of(g, collapsed_modules(g, collapse))
    if color == "role":
        present = {r for r, b in zip(g.roles, box, strict=True) if b is None}
        for role in _ROLE_ORDER:
            if role in present:
                cells.append(f'<TD BGCOLOR="{look.roles[role]}" BORDER="1">{role}</TD>')
        if any(b is not None for b in box):
            cells.append(f'<TD BGCOLOR="{look.module}" BORDER="1">module (collapsed)</TD>')
    elif color == "grad":
        colours = colour_scale(g, grads, vmax, scale)
        if colours.high > 0:
            cells.append(f"<TD>{escape(colours.title(digits))}</TD>")
            for x in colours.ticks():
                cells.append(f'<TD BGCOLOR="{colours.colour(x, look)}" BORDER="1">{format_number(x, digits)}</TD>')
            more = "≥" if vmax is not None else ""
            cells.append(f"<TD>(outputs not counted{'; ' + more + ' vmax in full colour' if more else ''})</TD>")
    if hot:
        cells.append(f'<TD><FONT COLOR="{look.hot}">{escape(hot)}</FONT></TD>')
    if not cells:
        return ""
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3"><TR>{"".join(cells)}</TR></TABLE>'


def box_rows(g: Scene, j: int, members: list[int], outputs: list[int], digits: int, lanes_shown: int) -> list[str]:
    m = g.modules[j]
    name = m.name
    parent = g.modules[m.parent] if m.parent is not None else None
    if parent is not None and parent.name and name.startswith(parent.name + "."):
        name = name[len(parent.name) + 1 :]  # the enclosing cluster's label says the rest
    n_params = len(m.params)
    rows = [f"{name} ({m.kind})", f"{n_params} parameter{'s' if n_params != 1 else ''}, {len(members)} values"]
    for i in outputs[:4]:
        v = g.order[i]
        data, grad = format_lanes(v.data, digits, lanes_shown), format_lanes(v.grad, digits, lanes_shown)
        rows.append(fold(f"out data {data}\ngrad {grad}"))  # grad on a line of its own: narrow boxes
    if len(outputs) > 4:
        rows.append(f"… and {len(outputs) - 4} more outputs")
    return rows


def box_label(rows: list[str], look: Style) -> str:
    name, _, kind = rows[0].rpartition(" (")
    title = f"<B>{escape(name)}</B> ({escape(kind)}"
    cells = [f"<TR><TD>{title}</TD></TR>"] + [f"<TR><TD>{html_lines(r)}</TD></TR>" for r in rows[1:]]
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{look.module}">'
        f"{''.join(cells)}</TABLE>>"
    )
