"""Python source for a tape: straight-line code, with long runs of a repeated block rolled into loops.

Each node's forward value and local derivatives come from its rule in the table
(:mod:`autograd.replay.symbolic` turns the rule's own functions into program text, or the
program calls them). The reverse pass visits the nodes in reverse tape order and adds
each gradient's contributions in the order :func:`autograd.backward` adds them, so a
replay's numbers are the eager engine's.

The generated function ``P(A)`` takes the argument data and returns either
``(outputs, gradients, K)`` — ``K`` is a checksum of every number fed to an op that could
hide a nan or an infinity (``tanh(inf)`` is 1), so one ``isfinite`` tells whether the
eager engine would have raised — or an int: the index of the first guard that failed
(``-1`` when a leaf read by the function changed between a float and lanes).

The source is audited before it is compiled: it may hold only generated identifiers,
numbers, operators and a few keywords (:func:`audit`).
"""

from __future__ import annotations

import operator
import re
from typing import Any, cast

from autograd.replay.symbolic import Sym, Writer, number, symbolic
from autograd.replay.tape import Tape
from autograd.replay.trace import Guard

__all__ = ["audit", "generate"]

#: Ops whose result is nan or ±inf whenever an input is (checked only at the outputs);
#: every other op gets its inputs added to the checksum ``K``.
PROPAGATING = frozenset({"add", "sub", "mul", "neg", "abs", "sum", "dot", "lanesum", "lanemean", "log", "sqrt"})

_WORDS = frozenset(
    {"def", "return", "if", "not", "is", "or", "for", "in", "range", "float", "type", "len", "sum", "P", "A", "K"}
    | {"D", "V", "G", "Z", "GZ", "b", "map", "tuple", "zip", "axis", "None"}
)
_GENERATED = re.compile(r"[a-zA-Z]\d+")
_ALLOWED_CHARS = re.compile(r"[A-Za-z0-9_ .,()\[\]=+\-*/<>:!\n]*")


def audit(source: str) -> None:
    """Refuse program text holding anything but generated names, numbers, operators and our keywords.

    No quote, backslash, ``#`` or ``@`` can appear, so the text holds no string literal;
    every word is one of ours. A failure here is a bug in this module, never the user's.
    """
    if not _ALLOWED_CHARS.fullmatch(source):
        raise RuntimeError("compiled program text holds a character outside the generated alphabet")
    for word in re.findall(r"\b[A-Za-z_]\w*", source):
        if word not in _WORDS and not _GENERATED.fullmatch(word):
            raise RuntimeError(f"compiled program text holds an unexpected word {word!r}")


class _Names:
    """Where each slot's value and gradient live in the program."""

    def __init__(self, tape: Tape) -> None:
        self.tape = tape
        self.n_leaves = len(tape.leaves)

    def value(self, s: int) -> str:
        if s < self.tape.n_args:
            return f"a{s}"
        if s < self.n_leaves:
            return f"l{s}"
        return f"v{s}"

    def grad(self, s: int) -> str:
        return f"g{s}"


def _guard_line(w: Writer, names: _Names, slots: tuple[int, int | None], k: int, g: Guard) -> str:
    left = names.value(slots[0])
    if g.kind == "data":
        if type(g.expected) is float:
            return f"if {left} != {number(g.expected)}: return {k}"
        import numpy

        equal = w.bind(numpy.array_equal, "N")
        expected = w.bind(g.expected, "E")
        return f"if not {equal}({left}, {expected}): return {k}"
    right = number(cast(float, g.right)) if slots[1] is None else names.value(slots[1])
    test = f"({left} {g.op} {right})"
    return f"if not {test}: return {k}" if g.expected else f"if {test}: return {k}"


def generate(tape: Tape, guards: list[Guard], grads: bool) -> tuple[str, dict[str, Any]]:
    """The source of ``P`` for ``tape`` (forward only, or forward and reverse) and its namespace."""
    from autograd.replay import loops

    w = Writer()
    segments = loops.plan(tape)
    guard_slots = [s for pair in tape.guard_slots for s in pair if s is not None]
    names = loops.homes(tape, segments, guard_slots)
    nl = names.n_leaves
    getter = w.bind(operator.attrgetter("_data"), "F")
    objects = w.bind(tuple(tape.leaves[tape.n_args :]), "O")
    kinds = w.bind(tuple(float if tape.lanes[s] is None else _ndarray() for s in range(tape.n_args, nl)), "O")
    # Z: every leaf's number, the arguments' then those of the Values the function reads (read now)
    w.emit(f"Z = A + tuple(map({getter}, {objects}))")
    if nl:
        w.emit(f"{', '.join(names.value(s) for s in range(nl))}, = Z")
    if tape.n_args < nl:  # the Values the function reads must hold numbers of the traced kinds
        w.emit(f"if tuple(map(type, Z[{tape.n_args}:])) != {kinds}: return -1")
        for s in range(tape.n_args, nl):
            n = tape.lanes[s]
            if n is not None:
                w.emit(f"if len({names.value(s)}) != {n}: return -1")
    w.emit("K = 0.0")
    reverse: list[str] = []
    assigned: set[int] = set()
    if grads:  # first, as it decides which values the forward pass keeps for it
        prologue, w.lines = w.lines, []
        assigned = loops.backward(w, tape, names, segments)
        reverse, w.lines = w.lines, prologue
    loops.forward(w, tape, names, segments, set())
    for k, g in enumerate(guards):
        w.emit(_guard_line(w, names, tape.guard_slots[k], k, g))
    outs = ", ".join(names.value(s) for s in tape.outputs)
    if not grads:
        w.emit(f"return ({outs},), None, K")
    else:
        w.lines.extend(reverse)
        result = ", ".join(names.grad(s) if s in assigned else "0.0" for s in tape.wanted)
        w.emit(f"return ({outs},), ({result}{',' if result else ''}), K")
    bound = "".join(f", {name}={name}" for name in w.namespace)  # locals: faster than globals in the loops
    source = f"def P(A{bound}):\n" + "\n".join(w.lines) + "\n"
    audit(source)
    return source, w.namespace


def node_forward(w: Writer, tape: Tape, j: int, operands: list[str], target: str) -> None:
    """Emit ``target = <node j's forward value>`` from the rule (text, or a call of its function)."""
    rule = tape.rules[j]
    slots = tape.parents[j]
    lanes = [tape.lanes[s] is not None for s in slots]
    fn = (rule.lanes or rule.forward) if any(lanes) else rule.forward
    param = tape.params[j]
    args: list[Any] = [Sym(text, ln, w) for text, ln in zip(operands, lanes, strict=True)]
    if param is not None:
        args.append(param)
    result = symbolic(fn, tuple(args))
    if isinstance(result, Sym):
        w.emit(f"{target} = {result.text}")
        return
    call = f"{w.bind(fn)}({', '.join(operands)}{', ' + number(param) if param is not None else ''})"
    if any(lanes) and tape.lanes[len(tape.leaves) + j] is not None and not _builtin(rule.name):
        call = f"{w.bind(_as_lanes, 'F')}({call})"
    w.emit(f"{target} = {call}")


def node_locals(w: Writer, tape: Tape, j: int, out: str, operands: list[str]) -> list[str | float]:
    """Node j's local derivatives as program text (or floats), from the rule's ``local``."""
    rule = tape.rules[j]
    slots = tape.parents[j]
    lanes = [tape.lanes[s] is not None for s in slots]
    out_lanes = tape.lanes[len(tape.leaves) + j] is not None
    param = tape.params[j]
    args: list[Any] = [Sym(out, out_lanes, w), *(Sym(t, ln, w) for t, ln in zip(operands, lanes, strict=True))]
    if param is not None:
        args.append(param)
    result = symbolic(rule.local, tuple(args))
    if type(result) is tuple and len(result) == len(slots):
        return [r if type(r) is float else r.text for r in result]
    local = w.bind(rule.local, "L")
    w.emit(f"D = {local}({out}, {', '.join(operands)}{', ' + number(param) if param is not None else ''})")
    return [f"D[{i}]" for i in range(len(slots))]


def accumulate(w: Writer, target: str, c: str, first: bool) -> None:
    """Emit ``target = c`` (its first contribution) or ``target = target + c``."""
    w.emit(f"{target} = {c}" if first else f"{target} = {target} + {c}")


def contribution(d: str | float, g: str, lanes: bool, to_scalar: bool) -> str | None:
    """``d · g`` as text (None when ``d`` is 0), summed over the lanes where lanes reach a scalar."""
    if type(d) is float:
        if d == 0.0:
            return None
        c = g if d == 1.0 else f"(-{g})" if d == -1.0 else f"({number(d)} * {g})"
    else:
        c = f"({d} * {g})"
    if lanes and to_scalar:
        c = f"float({c}.sum())"
    return c


def _builtin(name: str) -> bool:
    from autograd.core.rules import BUILTIN_OPS

    return name in BUILTIN_OPS


def _as_lanes(out: Any) -> Any:
    """A user op's forward on lanes as float64 lanes (a 0-d result: a float), as the eager engine keeps it."""
    import numpy

    arr = numpy.asarray(out, dtype=numpy.float64)
    return float(arr) if arr.ndim == 0 else arr


def _ndarray() -> type:
    import numpy

    return numpy.ndarray
