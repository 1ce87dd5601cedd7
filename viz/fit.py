"""Fitting a picture to where it is shown: collapse a model's modules until the text reads.

``collapse="auto"`` (:func:`viz.draw_graph`, :func:`viz.draw_chain`) draws every node when the
picture reads — at most ``max_nodes`` nodes and text at least :data:`READABLE_PX` CSS px high
once fitted to the style's display — and otherwise the model's finest collapse that does,
saying so in the caption and in ``Drawing.auto_collapse``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from viz.display import DotError, DotNotFoundError, Drawing
from viz.emit import GraphTooLargeError
from viz.scene import Scene, collapse_levels
from viz.styles import Style

__all__ = [
    "READABLE_PX",
    "SCREEN_PX",
    "TURN_READABLE_PX",
    "auto_collapse",
    "display_name",
    "draw_readable",
    "fit_screen",
]

#: The smallest node text (CSS px, in the style's display, the picture fitted to it) that
#: ``collapse="auto"`` accepts as readable.
READABLE_PX = 9.0


#: About one screen's height (CSS px): a picture taller than this in a display that scrolls
#: (a notebook column) turns to the other orientation when that one is shorter and still reads.
SCREEN_PX = 800.0

#: The smallest text (CSS px, as shown in the display) of the other orientation for a tall picture
#: to turn to it.
TURN_READABLE_PX = 10.0

_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def _shown(drawing: Drawing, look: Style) -> tuple[float, float] | None:
    """``(height, text size)`` in CSS px of ``drawing`` fitted to ``look``'s display, as ``dot`` lays
    it out (None without graphviz, or when it fails)."""
    try:
        m = _SVG_SIZE.search(drawing.svg())
    except (DotNotFoundError, DotError):
        return None
    if m is None:
        return None
    width, height = float(m.group(1)) * 4 / 3, float(m.group(2)) * 4 / 3
    scale = min(1.0, look.fit[0] * 4 / 3 / width) if width > 0 else 1.0
    font = float(drawing.node_attr.get("fontsize", look.fontsize))
    return height * scale, font * 4 / 3 * scale


def fit_screen(
    drawing: Drawing, redraw: Callable[[str], Drawing], look: Style, *, min_px: float = TURN_READABLE_PX
) -> Drawing:
    """``drawing``, or the same picture turned (``redraw("LR")`` or ``redraw("TB")``) when ``drawing``
    is taller than :data:`SCREEN_PX` in a display that scrolls (a notebook) and the turned one is
    shorter with text at least ``min_px`` (:data:`TURN_READABLE_PX`): measured with ``dot``, not estimated.

    Only for ``rankdir="auto"`` (the caller's choice) and small pictures (at most 60 nodes: two
    layouts cost little); left as it is without graphviz.
    """
    if look.fit[1] is not None or drawing.node_count is None or drawing.node_count > 60:
        return drawing
    here = _shown(drawing, look)
    if here is None or here[0] <= SCREEN_PX:
        return drawing
    turned = redraw("TB" if drawing.graph_attr.get("rankdir") in ("LR", "RL") else "LR")
    there = _shown(turned, look)
    if there is None or there[0] >= here[0] or there[1] < min_px:
        return drawing
    return turned


def auto_collapse(collapse: object) -> bool:
    """Whether ``collapse`` asks for the automatic choice (``"auto"``); checks its type."""
    if collapse is True:
        raise ValueError("collapse=True does not say what to collapse: name module classes, or pass 'auto'")
    return isinstance(collapse, str) and collapse == "auto"


def draw_readable(g: Scene, draw: Callable[..., Drawing], look: Style) -> Drawing:
    """Every node if that reads (text ≥ :data:`READABLE_PX` in ``look``'s display and at most
    ``max_nodes`` nodes), else the finest collapse that does (the coarsest one that can be drawn,
    if none reads), saying so in the caption and in ``Drawing.auto_collapse``."""
    why = ""
    refused: GraphTooLargeError | None = None
    try:
        full = draw(None)
    except GraphTooLargeError as exc:
        refused, why = exc, exc.reason
    else:
        if full.text_px is None or full.text_px >= READABLE_PX:
            return full
        why = f"{full.node_count} nodes and text about {full.text_px:.0f} px high in {display_name(look)}"
    levels = collapse_levels(g)
    best: Drawing | None = None
    for k, level in enumerate(levels):
        names = " and ".join(level)
        caption = (  # two lines: wrap_caption breaks lines only at the operators of a chain
            f"Collapsed to {names} boxes to fit: with every node it would have {why};\n"
            "pass collapse=None to draw every node."
        )
        try:
            best = draw(level, caption)
        except GraphTooLargeError as exc:
            refused = exc
            continue
        best.auto_collapse = ", ".join(level)
        if best.text_px is None or best.text_px >= READABLE_PX or k == len(levels) - 1:
            return best
    if best is not None:
        return best
    if refused is None:  # no level was tried (a model without modules to collapse)
        raise RuntimeError("collapse='auto' found no module level to draw")
    raise refused


def display_name(look: Style) -> str:
    width, height = look.fit
    px = f"{width * 4 / 3:.0f} px"
    return f"a {px} column" if height is None else f"a {px} × {height * 4 / 3:.0f} px display"
