"""The command line: ``python -m viz EXPR [--at NAME=VALUE ...] [--wrt NAME | --steps] -o FILE``.

Draws the graph of an expression evaluated at the given values, with every node's
value and gradient (the output is backpropagated); with ``--wrt`` it draws the
derivative chain to that input and prints its caption; with ``--steps`` it writes the
forward and backward passes step by step (``.html`` player, ``.gif``, ``.pdf`` or a folder
of SVG frames). The output format follows
the file extension: svg, png, pdf (need graphviz's ``dot``) or dot/gv (DOT text).

``--style slide`` makes a picture for a 1280×720 slide (18 pt text, top to bottom,
150 dpi PNG); ``--digits`` sets the significant digits of every number, ``--dpi`` the
PNG resolution, ``--rankdir`` the layout direction (``auto`` fits the style's display).
Graphs whose picture would have more than ``--max-nodes`` nodes are refused before
graphviz runs, and graphviz gets ``--timeout`` seconds.

Exit status: 0 on success, 2 for a bad expression, bad arguments or a graph too large
to draw, 1 when the file cannot be written (e.g. ``dot`` is missing, fails or times out).
"""

from __future__ import annotations

import argparse
import math
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from autograd import Value
from viz.chain import draw_chain
from viz.display import DEFAULT_TIMEOUT, FORMATS, MAX_DPI, MAX_TIMEOUT, MIN_DPI, DotError, DotNotFoundError, format_for
from viz.expr import FUNCTIONS, ExpressionError, build, names, parse
from viz.graph import DEFAULT_MAX_NODES, GraphTooLargeError, draw_graph
from viz.numbers import DEFAULT_DIGITS
from viz.steps import steps
from viz.styles import STYLES

__all__ = ["main"]

_EXAMPLE = 'python -m viz "tanh(x*w + b)" --at x=0.5 w=-1 b=2 --wrt w -o graph.svg'


class _UsageError(Exception):
    """A bad argument: reported on stderr with exit status 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m viz",
        description="Draw the computation graph (or, with --wrt, the derivative chain) of an expression.",
        epilog=(
            f"example: {_EXAMPLE}\n"
            f"functions: {', '.join(sorted(FUNCTIONS))}\n"
            "an expression starting with '-' goes last, after '--': python -m viz --at x=1 -o g.svg -- '-x*2'"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("expr", metavar="EXPR", help="the expression, e.g. 'tanh(x*w + b)'")
    p.add_argument(
        "--at",
        metavar="NAME=VALUE",
        nargs="+",
        action="extend",
        default=[],
        help="the value of each name in the expression",
    )
    p.add_argument("--wrt", metavar="NAME", help="draw the derivative chain to this input")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        required=True,
        help=f"the file to write; its extension picks the format ({', '.join(sorted(FORMATS))})",
    )
    p.add_argument(
        "--digits",
        type=int,
        default=None,
        help=f"significant digits of every number in the picture and caption (default {DEFAULT_DIGITS})",
    )
    p.add_argument("--precision", type=int, default=None, help=argparse.SUPPRESS)  # the older name of --digits
    p.add_argument(
        "--style",
        default="notebook",
        choices=list(STYLES),
        help="the look: notebook (default), slide (1280x720, 18 pt text, 150 dpi), print, dark",
    )
    p.add_argument(
        "--background",
        choices=["light", "dark"],
        default=None,
        help="the page the picture sits on (default: the style's; --style slide --background dark "
        "for a dark deck: light ink on a transparent page)",
    )
    p.add_argument("--dpi", type=float, default=None, help="resolution of PNG output (default: the style's)")
    p.add_argument(
        "--local-grads",
        action="store_true",
        help="write the local derivative on every edge (with --wrt: also on the edges off the paths)",
    )
    p.add_argument(
        "--param",
        metavar="NAME",
        action="append",
        default=[],
        help="draw this name as a parameter (a weight or bias), not an input; repeat it: --param w1 --param b",
    )
    p.add_argument(
        "--rankdir",
        default="auto",
        choices=["auto", "LR", "TB", "RL", "BT"],
        help="layout direction (default auto: whichever fits the style's display; slides read top to bottom)",
    )
    p.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        help=f"refuse pictures with more nodes than this (default {DEFAULT_MAX_NODES})",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds graphviz's dot may take (default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--steps",
        action="store_true",
        help="write the forward and backward passes step by step: FILE.html (a player), FILE.gif, "
        "FILE.pdf (a page per step) or a folder of SVG frames",
    )
    p.add_argument("--fps", type=float, default=1.0, help="with --steps and a .gif: frames per second (default 1)")
    return p


def _write_steps(args: argparse.Namespace, out: Value, inputs: list[Value], digits: int, params: list[Value]) -> int:
    """``--steps``: the step-through written as a player, a GIF, a PDF or a folder of SVG frames."""
    try:
        rankdir = "TB" if args.rankdir == "auto" else args.rankdir
        frames = steps(out, digits=digits, style=args.style, rankdir=rankdir, inputs=inputs, params=params)
        paths = frames.save(args.output, fps=args.fps, dpi=96.0 if args.dpi is None else args.dpi)
    except ValueError as exc:
        print(f"python -m viz: error: {exc}", file=sys.stderr)
        return 2
    except (DotError, DotNotFoundError, ImportError) as exc:
        print(f"python -m viz: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"python -m viz: error: {_cannot_write(args.output, exc)}", file=sys.stderr)
        return 1
    print(f"{out.label} = {out.data!r}")
    if paths == [Path(args.output)]:
        print(f"wrote {len(frames)} steps to {args.output}")
    else:
        print(f"wrote {len(frames)} frames (SVG) into the folder {args.output}")
    return 0


def _cannot_write(output: str, exc: OSError) -> str:
    """The message for a file that could not be written (ours already name the file)."""
    return f"cannot write {output}: {exc.strerror}" if exc.strerror else str(exc)


def _bindings(items: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = unicodedata.normalize("NFKC", name.strip())  # as Python reads names: 'ﬁ' is 'fi'
        if not sep or not name:
            raise _UsageError(f"--at {item!r}: expected NAME=VALUE, e.g. x=0.5")
        if not name.isidentifier() or name.startswith("_"):
            raise _UsageError(f"--at {item!r}: {name!r} is not a valid name")
        if name in FUNCTIONS:
            raise _UsageError(f"--at {item!r}: {name!r} is a function name")
        if name in out:
            raise _UsageError(f"--at {item!r}: {name!r} is given twice")
        if len(text) > 100:
            raise _UsageError(f"--at {name}=…: the value is {len(text)} characters long")
        try:
            value = float(text)
        except ValueError:
            raise _UsageError(f"--at {item!r}: {text!r} is not a number") from None
        if not math.isfinite(value):
            raise _UsageError(f"--at {item!r}: the value must be finite")
        out[name] = value
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        fmt = "" if args.steps else format_for(args.output)
        if args.steps and args.wrt is not None:
            raise _UsageError("--steps and --wrt do not go together: --steps shows every gradient")
        if args.steps and args.local_grads:
            raise _UsageError("--steps and --local-grads do not go together: each step shows its local derivative")
        if args.digits is not None and args.precision is not None and args.digits != args.precision:
            raise _UsageError("give --digits (--precision is its older name), not both")
        digits = args.digits if args.digits is not None else args.precision
        digits = DEFAULT_DIGITS if digits is None else digits
        if not 1 <= digits <= 17:
            raise _UsageError(f"--digits must be from 1 to 17, got {digits}")
        if args.dpi is not None and not MIN_DPI <= args.dpi <= MAX_DPI:  # also refuses nan
            raise _UsageError(f"--dpi must be from {MIN_DPI} to {MAX_DPI}, got {args.dpi:g}")
        if args.max_nodes < 1:
            raise _UsageError(f"--max-nodes must be positive, got {args.max_nodes}")
        if not 0 < args.timeout <= MAX_TIMEOUT:  # also refuses nan
            raise _UsageError(
                f"--timeout must be a positive number of seconds up to {MAX_TIMEOUT:.0f} (a day), got {args.timeout:g}"
            )
        if args.background is not None:
            if args.style == "dark" and args.background == "light":
                raise _UsageError("--style dark is the notebook on a dark background: drop --background light")
            args.style = f"{'notebook' if args.style == 'dark' else args.style}+{args.background}"
        tree = parse(args.expr)
        used = names(tree)
        values = _bindings(args.at)
        missing = [n for n in used if n not in values]
        if missing:
            raise _UsageError(f"unknown name {missing[0]!r}: give it a value, e.g. --at {missing[0]}=1.0")
        unused = [n for n in values if n not in used]
        if unused:
            raise _UsageError(f"--at {unused[0]}: {unused[0]!r} does not appear in the expression")
        if args.wrt is not None and args.wrt not in used:
            raise _UsageError(f"--wrt {args.wrt}: {args.wrt!r} does not appear in the expression")
        for name in args.param:
            if name not in used:
                raise _UsageError(f"--param {name}: {name!r} does not appear in the expression")
            if args.param.count(name) > 1:
                raise _UsageError(f"--param: {name!r} is given twice")
        env = {n: Value(v, label=n) for n, v in values.items()}
        out = build(tree, env)
        if not out.label:
            out.label = "f" if "f" not in used else "output"
        if not args.steps:
            out.backward()  # a gradient that overflows is a DomainError (a ValueError): exit 2
    except (_UsageError, ExpressionError, ValueError) as exc:
        print(f"python -m viz: error: {exc}", file=sys.stderr)
        return 2
    params = [env[n] for n in args.param]
    inputs = [v for n, v in env.items() if n not in args.param]
    if args.steps:
        return _write_steps(args, out, inputs, digits, params)
    common = {
        "digits": digits,
        "style": args.style,
        "rankdir": args.rankdir,
        "inputs": inputs,
        "params": params,
        "local_grads": args.local_grads,
        "max_nodes": args.max_nodes,
        "dpi": args.dpi,
        "timeout": args.timeout,
    }
    try:
        drawing = draw_chain(out, env[args.wrt], **common) if args.wrt is not None else draw_graph(out, **common)
    except GraphTooLargeError as exc:
        print(f"python -m viz: error: {exc} (on the command line: --max-nodes)", file=sys.stderr)
        return 2
    try:
        drawing.save(args.output)
    except (DotNotFoundError, DotError) as exc:
        print(f"python -m viz: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"python -m viz: error: {_cannot_write(args.output, exc)}", file=sys.stderr)
        return 1
    print(f"{out.label} = {out.data!r}")
    if drawing.caption:
        print(drawing.caption)
    print(f"wrote {args.output} ({fmt})")
    return 0
