"""The labels of a step-through's frames at their pinned sizes, in the pictures' visual language.

Every frame of :mod:`viz.steps` is drawn at one layout (:mod:`viz.pinned`): each cell of each
label gets the size of the largest text it shows in any frame, so nodes never move. A value
node is drawn as in every picture (:mod:`viz.marks`): the op that made it in a grey first cell,
then its name, data and grad stacked; a collapsed module's box shows only what is known by then.
On a slide the cells sit side by side as in the slide pictures — op, name, data — with the grad
cell under them (:func:`slide_value_label`): two rows instead of four, so a long chain's frames
fit a 16:9 slide at 18 pt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from viz.frames import Frame, box_rows, grad_history
from viz.marks import Marks, html_lines, op_text
from viz.pinned import measure
from viz.scene import Scene
from viz.styles import FONT, Style

__all__ = [
    "Sizes",
    "box_label",
    "frame_sizes",
    "pinned_value_label",
    "relabel",
    "row_html",
    "slide_value_label",
    "value_labels",
]


@dataclass(frozen=True)
class Sizes:
    """Pinned label sizes in points.

    Per value node its width and the heights of its op, name, data and grad rows (stacked, as the
    pictures draw them; 0 for a row it lacks); per box its width and the height of each row; per
    value node the widths of its op, name, data and grad cells (side by side on a slide).
    """

    values: list[tuple[int, int, int, int, int]]
    boxes: dict[int, tuple[int, list[int]]]
    widths: list[tuple[int, int, int, int]]


_LABELLED = re.compile(r"^(\t+)(v\d+|m\d+) \[label=<.*> shape=plain\]\n?$")


def relabel(line: str, labels: dict[str, str]) -> str:
    """``line`` with a new label when it declares one of the nodes in ``labels``."""
    m = _LABELLED.match(line)
    if m is None or m.group(2) not in labels:
        return line
    return f"{m.group(1)}{m.group(2)} [label={labels[m.group(2)]} shape=plain]\n"


def row_html(row: str) -> str:
    """A box row: ``\0name\0 rest`` has its name in bold."""
    if row.startswith("\0"):
        _, name, rest = row.split("\0", 2)
        return f"<B>{html_lines(name)}</B>{html_lines(rest)}"
    return html_lines(row)


def box_label(rows: list[str], fill: str, focus: bool, size: tuple[int, list[int]] | None, look: Style) -> str:
    """A collapsed module's label; with ``size``, every row at its pinned size."""
    cells = []
    for k, row in enumerate(rows):
        dims = "" if size is None else f' COLOR="{look.ink}" BGCOLOR="{fill}" WIDTH="{size[0]}" HEIGHT="{size[1][k]}"'
        cells.append(f"<TR><TD{dims}>{row_html(row)}</TD></TR>")
    if size is not None:  # pinned: the border is always there (transparent off focus), so the box keeps its size
        return (
            f'<<TABLE COLOR="{look.hot if focus else "transparent"}" BORDER="2" CELLBORDER="1" CELLSPACING="0" '
            f'CELLPADDING="4">{"".join(cells)}</TABLE>>'
        )
    border = f' COLOR="{look.hot}" BORDER="2"' if focus else ' BORDER="0"'
    return f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{fill}">{"".join(cells)}</TABLE>>'


def pinned_value_label(
    op: str,
    name: str,
    data: str | None,
    grad: str | None,
    fill: str,
    focus: bool,
    size: tuple[int, int, int, int, int],
    look: Style,
) -> str:
    """A value node's label as the pictures draw it — the op that made it (grey), its name, data and
    grad stacked — with every cell at its pinned size (an empty grad cell while going forward)."""
    width, op_h, name_h, data_h, grad_h = size
    rows = []
    if op:
        rows.append((op_h, look.op_fill, html_lines(op)))
    rows.append((name_h, fill, f"<B>{html_lines(name)}</B>"))
    rows.append((data_h, fill, html_lines(f"data {data if data is not None else '?'}")))
    rows.append((grad_h, fill, "" if grad == "" else html_lines(f"grad {grad if grad is not None else '?'}")))
    cells = "".join(
        f'<TR><TD COLOR="{look.ink}" BGCOLOR="{bg}" HEIGHT="{h}" WIDTH="{width}">{text}</TD></TR>'
        for h, bg, text in rows
    )
    return (
        f'<<TABLE COLOR="{look.hot if focus else "transparent"}" BORDER="2" CELLBORDER="1" CELLSPACING="0" '
        f'CELLPADDING="4">{cells}</TABLE>>'
    )


def slide_value_label(
    op: str,
    name: str,
    data: str | None,
    grad: str | None,
    fill: str,
    focus: bool,
    size: tuple[int, int, int, int, int],
    widths: tuple[int, int, int, int],
    look: Style,
) -> str:
    """A value node's label on a slide: the op (grey), its name and data side by side, as the slide
    pictures draw them, and the grad cell under them, every cell at its pinned size (the grad cell
    empty while going forward)."""
    _, op_h, name_h, data_h, grad_h = size
    op_w, name_w, data_w, grad_w = widths
    # The data cell takes what the grad row needs beyond the op and name cells: one width per node.
    data_w = max(data_w, grad_w - op_w - name_w)
    top_h = max(op_h, name_h, data_h)
    cells = [(op_w, look.op_fill, html_lines(op))] if op else []
    cells += [(name_w, fill, f"<B>{html_lines(name)}</B>"), (data_w, fill, html_lines(f"data {_or_unknown(data)}"))]
    top = "".join(f'<TD COLOR="{look.ink}" BGCOLOR="{bg}" HEIGHT="{top_h}" WIDTH="{w}">{t}</TD>' for w, bg, t in cells)
    text = "" if grad == "" else html_lines(f"grad {_or_unknown(grad)}")
    below = (
        f'<TD COLOR="{look.ink}" BGCOLOR="{fill}" HEIGHT="{grad_h}" WIDTH="{sum(w for w, _, _ in cells)}" '
        f'COLSPAN="{len(cells)}">{text}</TD>'
    )
    return (
        f'<<TABLE COLOR="{look.hot if focus else "transparent"}" BORDER="2" CELLBORDER="1" CELLSPACING="0" '
        f'CELLPADDING="4"><TR>{top}</TR><TR>{below}</TR></TABLE>>'
    )


def _or_unknown(text: str | None) -> str:
    return "?" if text is None else text


def value_labels(g: Scene, box: Sequence[int | None], marks: Marks, sizes: Sizes, look: Style) -> dict[str, str]:
    """Every value node's label in a frame (``box[j]`` not None: node j is in a collapsed box, not
    drawn), each cell at its pinned size: stacked, or side by side on a slide."""
    labels = {}
    for j, v in enumerate(g.order):
        if box[j] is not None:
            continue
        op = "" if v.is_leaf else op_text(v)
        name = g.names[j] or g.vid(j)
        data, grad, fill, focus = marks.data[j], marks.grad[j], marks.fill[j], j in marks.emphasis
        if look.display == "slide":
            labels[g.vid(j)] = slide_value_label(
                op, name, data, grad, fill, focus, sizes.values[j], sizes.widths[j], look
            )
        else:
            labels[g.vid(j)] = pinned_value_label(op, name, data, grad, fill, focus, sizes.values[j], look)
    return labels


def frame_sizes(
    g: Scene,
    box: Sequence[int | None],
    frames: Sequence[Frame],
    text: Callable[[Any], str],
    *,
    font_size: float = 11.0,
) -> Sizes:
    """Each cell's size: the largest over every text it shows in any of ``frames`` (one ``dot`` run).

    ``box[j]`` is node j's collapsed box (None: drawn as a value node); ``text`` writes a number;
    ``font_size`` is the nodes' (the style's), which the cells are measured in.
    """
    history = grad_history(frames, len(g.order))
    slots: list[tuple[Any, ...]] = []
    cells: list[str] = []

    def add(slot: tuple[Any, ...], texts: Iterable[str], *, bold: bool = False) -> None:
        for t in dict.fromkeys(texts):  # distinct, in order
            slots.append(slot)
            cells.append(f"<B>{html_lines(t)}</B>" if bold else row_html(t))

    for j, v in enumerate(g.order):
        if box[j] is not None:
            continue
        if not v.is_leaf:
            add((j, "op"), [op_text(v)])
        add((j, "name"), [g.names[j] or g.vid(j)], bold=True)
        add((j, "data"), ["data ?", f"data {text(v.data)}"])
        shown = [text(x) for x in history[j]]
        # A running sum is "so far" until its last contribution: every one it shows but the final.
        add((j, "grad"), ["grad ?", *(f"grad {x}" for x in shown), *(f"grad so far {x}" for x in shown[:-1])])
    rows_of = box_rows(g, box, frames, None, text, variants=True)
    for b, rows in rows_of.items():
        for k, variants in enumerate(rows):
            add((b, k), variants)
    widths: dict[tuple[Any, ...], int] = {}
    heights: dict[tuple[Any, ...], int] = {}
    measured = measure(cells, font=f'fontname="{FONT}" fontsize="{font_size:g}"')
    for slot, (w, h) in zip(slots, measured, strict=True):
        widths[slot], heights[slot] = max(w, widths.get(slot, 0)), max(h, heights.get(slot, 0))
    values: list[tuple[int, int, int, int, int]] = []
    cells_w: list[tuple[int, int, int, int]] = []
    for j in range(len(g.order)):
        if box[j] is not None:
            values.append((0, 0, 0, 0, 0))
            cells_w.append((0, 0, 0, 0))
            continue
        op, name, data, grad = ((j, c) for c in ("op", "name", "data", "grad"))
        width = max(widths.get(op, 0), widths[name], widths[data], widths[grad])
        values.append((width, heights.get(op, 0), heights[name], heights[data], heights[grad]))
        cells_w.append((widths.get(op, 0), widths[name], widths[data], widths[grad]))
    boxes = {
        b: (max(widths[(b, k)] for k in range(len(rows))), [heights[(b, k)] for k in range(len(rows))])
        for b, rows in rows_of.items()
    }
    return Sizes(values, boxes, cells_w)
