"""Fitting a picture to where it is shown: collapse a model's modules until the text reads.

``collapse="auto"`` (:func:`viz.draw_graph`, :func:`viz.draw_chain`) draws every node when the
picture reads — at most ``max_nodes`` nodes and text at least :data:`READABLE_PX` CSS px high
once fitted to the style's display — and otherwise the model's finest collapse that does,
saying so in the caption and in ``Drawing.auto_collapse``.
"""

from __future__ import annotations

from collections.abc import Callable

from viz.display import Drawing
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
]

#: The smallest node text (CSS px, in the style's display, the picture fitted to it) that
#: ``collapse="auto"`` accepts as readable.
READABLE_PX = 9.0


#: About one screen's height (CSS px): a picture taller than this in a display that scrolls
#: (a notebook column) is turned or folded when that fits better and still reads (viz.wrap.fit_column).
SCREEN_PX = 800.0

#: The smallest text (CSS px, in a notebook's column) of a turned or folded layout for a tall picture
#: to take it.
TURN_READABLE_PX = 10.0


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
