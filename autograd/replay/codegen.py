"""Program text for a tape's nodes (:mod:`autograd.replay.source` assembles a whole program, laid
out by :mod:`autograd.replay.loops` as straight-line code and loops).

Each node's forward value and local derivatives come from its rule in the table
(:mod:`autograd.replay.symbolic` turns the rule's own functions into program text, or the
program calls them). The reverse pass visits the nodes in reverse tape order and adds
each gradient's contributions in the order :func:`autograd.backward` adds them, so a
replay's numbers are the eager engine's.

The generated function ``P(A)`` takes the argument data and returns either
``(outputs, gradients, K)`` — ``K`` is a checksum of every number fed to an op that could
hide a nan or an infinity (``tanh(inf)`` is 1: a rule without ``propagates_nonfinite``), so
one ``isfinite`` tells whether the eager engine would have raised — or an int: the index of
the first guard that failed (``-1`` when a leaf read by the function changed between a float
and lanes).

The source is audited before it is compiled: it may hold only generated identifiers,
numbers, operators and a few keywords (:func:`audit`).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from autograd.replay.symbolic import Sym, Writer, number, symbolic
from autograd.replay.tape import Tape

__all__ = [
    "Names",
    "accumulate",
    "audit",
    "builtin",
    "contribution",
    "is_word_character",
    "node_forward",
    "node_locals",
    "slots_of",
    "word_count",
]

_WORDS = frozenset(
    {"def", "return", "if", "not", "is", "or", "for", "in", "range", "float", "type", "len", "sum", "P", "A", "K"}
    | {"D", "V", "G", "Z", "GZ", "GL", "b", "map", "tuple", "zip", "reversed", "axis", "None", "tolist"}
)
_GENERATED = re.compile(r"[a-zA-Z]\d+")
_ALLOWED_CHARS = re.compile(r"[A-Za-z0-9_ .,()\[\]=+\-*/<>:!\n]*")
#: The alphabet's characters that are not word characters (the others are ``[A-Za-z0-9_]``), as spaces.
_SEPARATORS = str.maketrans(dict.fromkeys(" .,()[]=+-*/<>:!\n", " "))
#: Runs of word characters, each followed by a space, that are generated names or start with a
#: digit (the parts of a number, such as ``1e`` and ``05`` in ``1e-05``: not words).
_NAMES_AND_NUMBERS = re.compile(r"(?:(?:[a-zA-Z]\d+|\d\w*) )*")


def audit(source: str) -> None:
    """Refuse program text holding anything but generated names, numbers, operators and our keywords.

    No quote, backslash, ``#`` or ``@`` can appear, so the text holds no string literal;
    every word is one of ours. A failure here is a bug in this module, never the user's.
    """
    if not _ALLOWED_CHARS.fullmatch(source):
        raise RuntimeError("compiled program text holds a character outside the generated alphabet")
    # Every maximal run of word characters, once each, in the order they first appear. A word is
    # such a run that starts with a letter or ``_``; the runs that are not keywords are checked in
    # one match (a program repeats its names, and a regex scan for word boundaries is slow).
    runs = dict.fromkeys(source.translate(_SEPARATORS).split())
    others = runs.keys() - _WORDS
    if others and not _NAMES_AND_NUMBERS.fullmatch(" ".join(others) + " "):
        # the first unexpected word, in the text's order (the run the match refused is one)
        word = next(w for w in runs if not w[0].isdigit() and w not in _WORDS and not _GENERATED.fullmatch(w))
        raise RuntimeError(f"compiled program text holds an unexpected word {word!r}")


def word_count(text: str, word: str) -> int:
    """How many times ``word`` (word characters) stands in ``text`` as a whole word, as the matches of
    ``\\b<word>\\b`` (a regex scan for word boundaries is slow; this looks only where ``word`` is)."""
    count = 0
    end = len(word)
    at = text.find(word)
    while at >= 0:
        after = at + end
        if (at == 0 or not is_word_character(text[at - 1])) and (
            after == len(text) or not is_word_character(text[after])
        ):
            count += 1
        at = text.find(word, at + 1)
    return count


def is_word_character(c: str) -> bool:
    """Whether ``c`` is what a regex's ``\\w`` matches (a letter or digit of any script, or ``_``)."""
    return c.isalnum() or c == "_"


class Names:
    """Where each slot's value and gradient live in the program."""

    def __init__(self, tape: Tape) -> None:
        self.tape = tape
        self.n_leaves = len(tape.leaves)
        #: slot -> (array, row): the slots a vectorized loop computes as rows of one array (``u<slot>``)
        self.rows: dict[int, tuple[str, int]] = {}
        #: arrays ``u<slot>`` whose gradient ``k<slot>`` a reader set whole (it was their only reader)
        self.ready: set[str] = set()
        #: leaf slot -> position in the array ``z0`` of the plain-number leaves (empty: no such array;
        #: see autograd.replay.gather), and whether the program reads that array
        self.leaf_positions: dict[int, int] = {}
        self.uses_leaf_array = False
        #: whether the leaf gradients ``GZ`` are a numpy array (else a list, or none)
        self.array_gz = False

    def value(self, s: int) -> str:
        if s < self.tape.n_args:
            return f"a{s}"
        if s < self.n_leaves:
            return f"l{s}"
        return f"v{s}"

    def grad(self, s: int) -> str:
        return f"g{s}"


def _lane_reduction(tape: Tape, j: int) -> int | None:
    """The lane count of node ``j``'s operand when it is the built-in ``lanesum`` or ``lanemean`` of lanes."""
    rule = tape.rules[j]
    if rule.name in ("lanesum", "lanemean") and builtin(rule.name):
        return tape.lanes[tape.parents[j][0]]
    return None


def _relu_of_lanes(tape: Tape, j: int) -> bool:
    """Whether node ``j`` is the built-in ``relu`` of lanes."""
    return tape.rules[j].name == "relu" and builtin("relu") and tape.lanes[tape.parents[j][0]] is not None


def node_forward(w: Writer, tape: Tape, j: int, operands: list[str], target: str, masked: bool = False) -> None:
    """Emit ``target = <node j's forward value>`` from the rule (text, or a call of its function).

    ``masked``: the program runs this node's reverse pass in the same scope (straight code, a
    vectorized loop), so a ``relu`` of lanes keeps its mask ``m<slot>`` (``a > 0``) for it.
    """
    rule = tape.rules[j]
    slots = tape.parents[j]
    if masked and _relu_of_lanes(tape, j):  # the rule's where(a > 0.0, a, 0.0), its test kept
        import numpy

        mask = f"m{len(tape.leaves) + j}"
        w.emit(f"{mask} = ({operands[0]} > 0.0)")
        w.emit(f"{target} = {w.bind(numpy.where, 'F')}({mask}, {operands[0]}, 0.0)")
        return
    n = _lane_reduction(tape, j)
    if n is not None:  # what the rule computes, without its call overhead: numpy's sum, then / n for the mean
        import numpy

        total = f"float({w.bind(numpy.add.reduce, 'F')}({operands[0]}))"
        w.emit(f"{target} = {total} / {n}" if rule.name == "lanemean" else f"{target} = {total}")
        return
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
    if any(lanes) and tape.lanes[len(tape.leaves) + j] is not None and not builtin(rule.name):
        call = f"{w.bind(_as_lanes, 'F')}({call})"
    w.emit(f"{target} = {call}")


def node_locals(
    w: Writer, tape: Tape, j: int, out: str, operands: list[str], masked: bool = False
) -> list[str | float]:
    """Node j's local derivatives as program text (or floats), from the rule's ``local``
    (``masked``: as for :func:`node_forward`)."""
    rule = tape.rules[j]
    slots = tape.parents[j]
    if masked and _relu_of_lanes(tape, j):  # step(a): 1.0 where a > 0.0, else 0.0 — the mask (as 1 and 0)
        return [f"m{len(tape.leaves) + j}"]
    n = _lane_reduction(tape, j)
    if n is not None:  # the rule's constant local derivative, made once
        import numpy

        return [w.bind(numpy.full(n, 1.0 / n if rule.name == "lanemean" else 1.0), "O")]
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


def builtin(name: str) -> bool:
    from autograd.core.rules import BUILTIN_OPS

    return name in BUILTIN_OPS


def _as_lanes(out: Any) -> Any:
    """A user op's forward on lanes as float64 lanes (a 0-d result: a float), as the eager engine keeps it."""
    import numpy

    arr = numpy.asarray(out, dtype=numpy.float64)
    return float(arr) if arr.ndim == 0 else arr


def slots_of(slots: tuple[int, ...]) -> tuple[int, ...] | slice:
    """``slots`` as a slice when they are evenly spaced (the program then reads and writes them at once)."""
    if len(slots) < 2:
        return slots
    step = slots[1] - slots[0]
    if not step or any(b - a != step for a, b in itertools.pairwise(slots)):
        return slots
    stop = slots[-1] + step
    return slice(slots[0], stop if stop >= 0 else None, step)
