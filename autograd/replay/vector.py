"""Vectorized loops: a loop whose iterations are independent runs as one numpy operation per body node.

A layer of a network on lanes is the same block (a ``dot`` node and its activation) once
per neuron, each reading the layer's inputs and its own weights: :func:`vectorizable`
tells such a loop from one whose iterations feed each other, and the program then holds
one array (iterations × lanes) per body node instead of a Python loop. Sums are added up
in the eager engine's order, so the numbers are the eager engine's, bit for bit.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from autograd.replay.affine import layer, layer_backward, layer_forward, reads_rows
from autograd.replay.codegen import accumulate, contribution, node_forward, node_locals, slots_of
from autograd.replay.gather import add_into, take
from autograd.replay.symbolic import Writer
from autograd.replay.tape import Tape

if TYPE_CHECKING:
    from autograd.replay.loops import Homes, Segment

__all__ = ["vector_backward", "vector_forward", "vectorizable"]


#: Ops a vectorized loop may apply to a number that holds one value per iteration: arithmetic only
#: (``exp`` of a float is ``math.exp``, of an array ``numpy.exp``: they may differ in the last bit).
_ARITHMETIC = frozenset({"add", "sub", "mul", "div", "neg", "dot", "sum"})
_REDUCING = frozenset({"lanesum", "lanemean"})
#: Ops a loop of plain numbers (no lanes) may run as numpy over its iterations: those whose float
#: forward is one IEEE operation, as numpy's is (``dot`` and ``sum`` of floats use ``math.fsum``;
#: a float division by zero raises where numpy's gives an infinity).
_SCALAR = frozenset({"add", "sub", "mul", "neg"})


def scalar(tape: Tape, seg: Segment) -> bool:
    """Whether a (vectorized) loop's nodes hold plain numbers: one per iteration, no lanes."""
    return tape.lanes[len(tape.leaves) + seg.start] is None


def vectorizable(tape: Tape, seg: Segment) -> bool:
    """Whether the loop's iterations can run at once: every node is elementwise, and reads only
    its own iteration's nodes and outer parents (each outer lanes node once per body); either
    every node holds lanes, or every node and parent holds a number and the ops are :data:`_SCALAR`
    (a tape with lanes only: numpy is loaded then)."""
    from autograd.replay.codegen import builtin

    nl = len(tape.leaves)
    if not seg.count or not tape.nodes_lanes:
        return False
    numbers = scalar(tape, seg)
    shared: list[int] = []
    for o in range(seg.period):
        j = seg.start + o
        rule = tape.rules[j]
        if numbers:
            if rule.name not in _SCALAR or any(tape.lanes[s] is not None for s in (nl + j, *tape.parents[j])):
                return False
        elif tape.lanes[nl + j] is None or not builtin(rule.name) or rule.name in _REDUCING:
            return False
        if rule.name not in _ARITHMETIC and any(tape.lanes[s] is None for s in tape.parents[j]):
            return False
        for i, s in enumerate(tape.parents[j]):
            outer = seg.strided.get((o, i))
            if outer is None:
                if j - (s - nl) > o:
                    return False  # reads an earlier iteration
            elif not outer[1]:
                shared.append(outer[0])
    return len(shared) == len(set(shared))


def _stack(items: list[Any], like: Any) -> Any:
    """Gradients kept per slot (floats 0.0 or lanes) as one array of the loop's shape."""
    import numpy

    row = like.shape[1:]
    if all(type(x) is numpy.ndarray and x.shape == row for x in items):
        return numpy.array(items)  # one copy (else: 0.0 where nothing was added)
    out = numpy.zeros(like.shape)
    for k, x in enumerate(items):
        out[k] = x
    return out


def _floats(items: list[float] | tuple[float, ...]) -> Any:
    """Floats (numbers gathered, or gradients kept per slot) as one array."""
    import numpy

    return numpy.fromiter(items, numpy.float64, len(items))


def _scatter(target: Any, slots: tuple[int, ...] | slice, *values: Any) -> None:
    """``target[slot] += value`` for each iteration's slot (a float per iteration, or a row of lanes),
    for each array of ``values`` in turn (each slot gets its additions in that order). ``target`` is a
    list, or a numpy array of plain numbers (the slots are then distinct: one ``+=`` per array)."""
    if type(target) is not list:
        for v in values:
            target[slots] += v
        return
    if type(slots) is slice and all(v.ndim == 1 for v in values):
        current = target[slots]
        for v in values:
            current = list(map(operator.add, current, v.tolist()))
        target[slots] = current
        return
    if type(slots) is slice:
        slots = tuple(range(len(target))[slots])
    rows = [v.tolist() if v.ndim == 1 else v for v in values]
    if len(rows) == 1:
        for k, v in zip(slots, rows[0], strict=True):
            target[k] = target[k] + v
        return
    for k, *vs in zip(slots, *rows, strict=True):
        total = target[k]
        for v in vs:
            total = total + v
        target[k] = total


def _accumulate_reversed(total: Any, values: Any) -> Any:
    """``total`` plus each iteration's value, last iteration first (the eager engine's order)."""
    if values.ndim == 2 and type(total) is float and total == 0.0:
        import numpy

        return numpy.add.reduce(values[::-1], axis=0)  # row by row: the same additions
    for v in reversed(values.tolist() if values.ndim == 1 else list(values)):
        total = total + v
    return total


def vector_forward(w: Writer, tape: Tape, names: Homes, seg: Segment) -> None:
    """Emit a vectorizable loop's forward pass: one array (iterations × lanes) per body node."""
    import numpy

    nl = len(tape.leaves)
    base = nl + seg.start
    array = w.bind(numpy.array, "N")
    numbers = scalar(tape, seg)
    layers = {o for o in range(seg.period) if layer(tape, seg, o)}
    alias = _aliases(seg)
    for (o, i), (first, step) in sorted(seg.strided.items()):
        if not step or o in layers or alias[(o, i)] != (o, i):
            continue
        slots = tuple(range(first, first + step * seg.count, step))
        column = "[:, None]" if tape.lanes[first] is None and not numbers else ""
        from_leaves = take(w, names, slots) if first < nl else None  # a slice of the leaves' array
        if from_leaves is not None:
            w.emit(f"{_gathered(base + o, i)} = {from_leaves}{column}")
            continue
        getter = w.bind(operator.itemgetter(*slots), "F")
        gather = array if tape.lanes[first] is not None else w.bind(_floats, "F")
        w.emit(f"{_gathered(base + o, i)} = {gather}({getter}({'Z' if first < nl else 'V'})){column}")
    for o in range(seg.period):
        j = seg.start + o
        ops = _vector_operands(tape, names, seg, o, j)
        if o in layers:  # a dot: nothing to check (it propagates a nan or an infinity)
            layer_forward(w, tape, names, seg, o, f"u{base + o}")
        else:
            node_forward(w, tape, j, ops, f"u{base + o}", masked=True)
        if not tape.rules[j].propagates_nonfinite:
            for s, text in zip(tape.parents[j], ops, strict=True):
                if s >= nl:
                    w.emit(f"K = K + {text}")
        rows = range(base + o, base + seg.period * seg.count, seg.period)
        if f"u{base + o}" in names.kept:  # read by name: the rows those readers read, as floats
            owner, external = names.owner, names.external
            for it, s in enumerate(rows):
                for r in external.get(s, ()):
                    if r < 0 or owner[r] < 0 or r - 1 == s:
                        w.emit(f"v{s} = float(u{base + o}[{it}])")
                        break
        elif _listed_for(tape, names, rows):
            listed = f"u{base + o}.tolist()" if numbers else f"u{base + o}"  # floats, as the eager engine keeps
            w.emit(f"V[{base + o}:{base + o + seg.period * seg.count}:{seg.period}] = {listed}")


def _listed_for(tape: Tape, names: Homes, slots: range) -> bool:
    """Whether something outside the loop reads these slots from the list ``V``: not when every
    reader takes them as a view of the loop's array (a neuron or a layer reading its rows)."""
    readers = {r for s in slots for r in names.external.get(s, ())}
    layers: dict[str, bool] = {}  # per array a reader is in: whether its loop is a layer (asked once)
    return any(r < 0 or not reads_rows(tape, names, r, layers) for r in sorted(readers))


def _gathered(slot: int, i: int) -> str:
    """The name of the array of parent ``i`` of the loop node at ``slot``, one row per iteration."""
    return f"x{slot}{i:04d}"


def _aliases(seg: Segment) -> dict[tuple[int, int], tuple[int, int]]:
    """Per outer parent read at a stride, the first (offset, parent index) reading the same slots:
    the program gathers each set of slots once (``p * p`` reads one array twice)."""
    first: dict[tuple[int, int], tuple[int, int]] = {}
    return {key: first.setdefault(where, key) for key, where in sorted(seg.strided.items())}


def _vector_operands(tape: Tape, names: Homes, seg: Segment, o: int, j: int) -> list[str]:
    base = len(tape.leaves) + seg.start
    ops: list[str] = []
    alias = _aliases(seg)
    for i, s in enumerate(tape.parents[j]):
        outer = seg.strided.get((o, i))
        if outer is None:
            ops.append(f"u{s}")  # this iteration's node: the same slot shift as ours
        elif outer[1]:
            ops.append(_gathered(base + alias[(o, i)][0], alias[(o, i)][1]))
        else:
            ops.append(names.value(outer[0]))
    return ops


def _flush(w: Writer, scatter: str, pending: list[tuple[str, tuple[int, ...], str]], array_gz: bool = False) -> None:
    """Emit the scatters waiting in ``pending``: one call for each run of them on the same slots (one
    ``+=`` each into the array of leaf gradients, when ``array_gz``)."""
    while pending and array_gz and pending[0][0] == "GZ":
        _, slots, value = pending.pop(0)
        text = value
        if pending and pending[0] == ("GZ", slots, value):  # p * p: the same contribution twice, made once
            text = w.temp()
            w.emit(f"{text} = {value}")
        add_into(w, slots, text)
        while pending and pending[0] == ("GZ", slots, value):
            pending.pop(0)
            add_into(w, slots, text)
    while pending:
        lst, slots, _ = pending[0]
        same = 1
        while same < len(pending) and pending[same][:2] == (lst, slots):
            same += 1
        values = ", ".join(v for _, _, v in pending[:same])
        w.emit(f"{scatter}({lst}, {w.bind(slots_of(slots), 'O')}, {values})")
        del pending[:same]


def vector_backward(w: Writer, tape: Tape, seg: Segment, names: Homes, needs: list[bool], assigned: set[int]) -> None:
    """Emit a vectorizable loop's reverse pass, adding up in the eager engine's order."""
    nl = len(tape.leaves)
    p = seg.period
    base = nl + seg.start
    stop = base + p * seg.count
    stack = w.bind(_stack, "F")
    scatter = w.bind(_scatter, "F")
    reversed_sum = w.bind(_accumulate_reversed, "F")
    numbers = scalar(tape, seg)
    array = w.bind(_floats, "F")
    started: set[int] = set()
    for o in range(p):
        if f"u{base + o}" in names.ready:  # set whole by its only reader
            started.add(o)
            continue
        if any(s in names.external for s in range(base + o, stop, p)):
            gathered = (
                f"{array}(G[{base + o}:{stop}:{p}])" if numbers else f"{stack}(G[{base + o}:{stop}:{p}], u{base + o})"
            )
            w.emit(f"k{base + o} = {gathered}")
            started.add(o)
    for first, step in sorted(seg.strided.values()):
        if not step and needs[first] and first not in assigned:
            w.emit(f"{names.grad(first)} = 0.0")
            assigned.add(first)
    for o in range(p - 1, -1, -1):
        j = seg.start + o
        if not needs[nl + j] or o not in started:
            continue
        g = f"k{base + o}"
        if layer(tape, seg, o):
            layer_backward(w, tape, seg, o, g, names, needs, assigned)
            continue
        ops = _vector_operands(tape, names, seg, o, j)
        local = node_locals(w, tape, j, f"u{base + o}", ops, masked=True)
        pending: list[tuple[str, tuple[int, ...], str]] = []  # scatters in a row: one call when their slots agree

        for i, s in enumerate(tape.parents[j]):
            if not needs[s]:
                continue
            c = contribution(local[i], g, False, False)
            if c is None:
                continue
            outer = seg.strided.get((o, i))
            if outer is None:
                _flush(w, scatter, pending, names.array_gz)
                q = s - (nl + j) + o  # this iteration's node at offset q
                accumulate(w, f"k{base + q}", c, q not in started)
                started.add(q)
                continue
            first, step = outer
            values = f"{c}.sum(axis=1)" if tape.lanes[s] is None and not numbers else c
            if step:
                pending.append(
                    ("GZ" if first < nl else "G", tuple(range(first, first + step * seg.count, step)), values)
                )
            else:
                _flush(w, scatter, pending, names.array_gz)
                target = names.grad(first)
                w.emit(f"{target} = {reversed_sum}({target}, {values})")
        _flush(w, scatter, pending, names.array_gz)
