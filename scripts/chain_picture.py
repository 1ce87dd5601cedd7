"""Draw notebook 1's derivative chain (the single neuron's ∂E/∂W1) into a folder, for `make demo`.

Writes ``chain.svg`` when graphviz's ``dot`` program is installed, else ``chain.dot``
(the DOT text, which needs no binary), and prints the path and the chain-rule caption.

Usage: ``python scripts/chain_picture.py [FOLDER]`` (default ``build``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import viz
from autograd import Value


def single_neuron_chain() -> viz.Drawing:
    """The seed's sigmoid neuron, one sample, error ½(desired − predicted)², and the chain from E to W1."""
    x1, x2 = Value(0.1, "X1"), Value(0.3, "X2")
    w1, w2, b = Value(0.5, "W1"), Value(0.2, "W2"), Value(1.83, "b")
    s = x1 * w1 + x2 * w2 + b
    s.label = "s"
    predicted = s.sigmoid()
    predicted.label = "predicted"
    error = 0.5 * (0.03 - predicted) ** 2
    error.label = "E"
    error.backward()
    return viz.draw_chain(error, w1, params=[w1, w2, b], inputs=[x1, x2])


def main(argv: list[str]) -> int:
    """Write the picture; return the exit status."""
    if len(argv) > 1:
        print("usage: python scripts/chain_picture.py [FOLDER]", file=sys.stderr)
        return 2
    folder = Path(argv[0] if argv else "build")
    folder.mkdir(parents=True, exist_ok=True)
    drawing = single_neuron_chain()
    try:
        path = drawing.save(folder / "chain.svg")
    except viz.DotNotFoundError:
        path = drawing.save(folder / "chain.dot")
        print(f"note: {viz.INSTALL_HINT}")
    print(drawing.caption)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
