"""chainrule's pictures: computation graphs with gradients, derivative chains, step-through.

- :func:`draw_graph` — every Value with its data and grad, every op a small node,
  optional local derivative on each edge, colour by role or by gradient, models
  grouped (or collapsed) by module.
- :func:`draw_chain` — every path from an output to an input highlighted, with the
  chain-rule caption ``∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276`` (also as LaTeX).
- :func:`steps` — the forward then backward pass as frames: a self-contained player (slider,
  buttons, keys; no kernel, no network) in Jupyter and in HTML files, GIF and PDF exports.
- :func:`explore` — a live explorer: edit any leaf and every value, local derivative and
  gradient recomputes in the page (no kernel); click a node for its chain rule; step
  through the pass of the values shown; one SGD step at a time.
- ``python -m viz EXPR --at x=… -o graph.svg`` — the same from the command line.

draw_graph, draw_chain and steps take Values holding lanes (one scalar per sample, a whole
batch in one graph): a lane Value shows its first values, its lane count and mean/min/max,
and the derivative chain is shown at one lane and summed over all of them.

Every number is written by :func:`format_number` (4 significant digits unless
``digits=`` says otherwise). ``style="notebook" | "slide" | "print" | "dark"`` picks the
look (:mod:`viz.styles`); ``names=`` gives Values and parameters display names. draw_graph
and draw_chain share their drawing options (:class:`DrawOptions`, a typed dict): one dict of
them can be passed to both (``viz.draw_chain(loss, w, **look)``).

Drawings are :class:`graphviz.Digraph` objects with deterministic DOT text; they show
inline in Jupyter as SVG scaled to the column, or as DOT text with an install hint
when graphviz's ``dot`` program is missing. ``dot`` always runs with a timeout.
"""

from viz.caption import Caption, chain_caption
from viz.chain import ChainDrawing, draw_chain
from viz.display import DEFAULT_TIMEOUT, INSTALL_HINT, DotError, DotNotFoundError, DotTimeoutError, Drawing
from viz.explore import Explorer, explore
from viz.graph import ROLE_COLORS, GraphTooLargeError, ModuleLike, draw_graph
from viz.numbers import fixed, fixed_lanes, format_lanes, format_number, short, short_lanes
from viz.options import DrawOptions
from viz.steps import Frame, Steps, steps
from viz.styles import STYLES, Style

__all__ = [
    "DEFAULT_TIMEOUT",
    "INSTALL_HINT",
    "ROLE_COLORS",
    "STYLES",
    "Caption",
    "ChainDrawing",
    "DotError",
    "DotNotFoundError",
    "DotTimeoutError",
    "DrawOptions",
    "Drawing",
    "Explorer",
    "Frame",
    "GraphTooLargeError",
    "ModuleLike",
    "Steps",
    "Style",
    "chain_caption",
    "draw_chain",
    "draw_graph",
    "explore",
    "fixed",
    "fixed_lanes",
    "format_lanes",
    "format_number",
    "short",
    "short_lanes",
    "steps",
]
