"""``python -m viz.demo [FOLDER]``: the single-neuron example's derivative chain as a picture.

The graph is :func:`autograd.examples.single_neuron_graph` (the worked example of the
project's first notebook); the picture highlights every path from the error ``E`` to the
weight ``W1`` and captions the chain rule. Writes ``FOLDER/chain.svg`` (default folder
``build``), or ``FOLDER/chain.dot`` — the DOT text, which needs no binary — when
graphviz's ``dot`` program is missing, and prints the caption and the path.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograd.examples import single_neuron_graph
from viz.chain import draw_chain
from viz.display import INSTALL_HINT, DotNotFoundError, Drawing


def single_neuron_chain() -> Drawing:
    """The chain from ``E`` to ``W1`` in the single-neuron example, after ``E.backward()``."""
    g = single_neuron_graph()
    g.error.backward()
    return draw_chain(g.error, g.w1, params=[g.w1, g.w2, g.b], inputs=[g.x1, g.x2])


def main(argv: list[str]) -> int:
    """Write the picture; return the exit status."""
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: python -m viz.demo [FOLDER]", file=sys.stderr)
        return 2
    folder = Path(argv[0] if argv else "build")
    folder.mkdir(parents=True, exist_ok=True)
    drawing = single_neuron_chain()
    try:
        path = drawing.save(folder / "chain.svg")
    except DotNotFoundError:
        path = drawing.save(folder / "chain.dot")
        print(f"note: {INSTALL_HINT}")
    print(drawing.caption)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
