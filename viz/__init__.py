"""chainrule's pictures: computation graphs with gradients, derivative chains, step-through.

- :func:`draw_graph` — every Value with its data and grad, every op a small node,
  optional local derivative on each edge, colour by role or by gradient, models
  grouped (or collapsed) by module.
- :func:`draw_chain` — every path from an output to an input highlighted, with the
  chain-rule caption ``∂E/∂W1 = 0.844352 × 0.109860 × 0.1 = 0.00927609``.
- :func:`steps` — the forward then backward pass as frames: a self-contained player (slider,
  buttons, keys; no kernel, no network) in Jupyter and in HTML files, GIF and PDF exports.
- ``python -m viz EXPR --at x=… -o graph.svg`` — the same from the command line.

draw_graph, draw_chain and steps take Values holding lanes (one scalar per sample, a whole
batch in one graph): a lane Value shows its first values, its lane count and mean/min/max,
and the derivative chain is shown at one lane and summed over all of them.

Drawings are :class:`graphviz.Digraph` objects with deterministic DOT text; they show
inline in Jupyter as SVG, or as DOT text with an install hint when graphviz's ``dot``
program is missing.
"""

from viz.chain import chain_caption, draw_chain
from viz.display import INSTALL_HINT, DotNotFoundError, Drawing
from viz.graph import ROLE_COLORS, LargeGraphWarning, ModuleLike, draw_graph
from viz.numbers import fixed, fixed_lanes, short, short_lanes
from viz.steps import Frame, Steps, steps

__all__ = [
    "INSTALL_HINT",
    "ROLE_COLORS",
    "DotNotFoundError",
    "Drawing",
    "Frame",
    "LargeGraphWarning",
    "ModuleLike",
    "Steps",
    "chain_caption",
    "draw_chain",
    "draw_graph",
    "fixed",
    "fixed_lanes",
    "short",
    "short_lanes",
    "steps",
]
