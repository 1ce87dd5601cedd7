"""The source of a whole program: leaves, forward pass, guards, reverse pass (see :mod:`autograd.replay.codegen`)."""

from __future__ import annotations

import operator
from typing import Any, cast

from autograd.replay import gather, loops
from autograd.replay.codegen import Names, audit
from autograd.replay.symbolic import Writer, number
from autograd.replay.tape import Tape
from autograd.replay.trace import Guard

__all__ = ["generate"]


def _guard_line(w: Writer, names: Names, slots: tuple[int, int | None], k: int, g: Guard) -> str:
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


def generate(tape: Tape, guards: list[Guard], grads: bool, exact: bool = True) -> tuple[str, dict[str, Any]]:
    """The source of ``P`` for ``tape`` (forward only, or forward and reverse) and its namespace;
    ``exact=False`` lets layers on lanes run as matrix products (see :mod:`autograd.replay.affine`)."""
    w = Writer()
    w.exact = exact
    segments = loops.plan(tape)
    guard_slots = [s for pair in tape.guard_slots for s in pair if s is not None]
    names = loops.homes(tape, segments, guard_slots)
    if tape.has_lanes:  # layers read their weights from one array of the leaves' floats
        names.leaf_positions = gather.leaf_positions(tape)
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
        run = gather.run_text(tape.wanted) if names.array_gz else None
        if run is not None and names.in_leaf_gradients(tape.wanted):
            w.emit(f"return ({outs},), tuple(GZ[{run}].tolist()), K")  # the gradients as floats, at once
        else:
            result = ", ".join(names.grad(s) if s in assigned else "0.0" for s in tape.wanted)
            if names.array_gz:  # the gradients as floats, as the eager engine gives them
                w.emit("GL = GZ.tolist()")
                result = result.replace("GZ[", "GL[")
            w.emit(f"return ({outs},), ({result}{',' if result else ''}), K")
    loops.drop_unused_lists(w.lines)
    body, w.lines = w.lines, []  # the leaves are read first: how depends on what the body reads
    if not gather.read_leaves(w, tape, names, body):
        _read_all_leaves(w, tape, names)
    w.lines.extend(body)
    bound = "".join(f", {name}={name}" for name in w.namespace)  # locals: faster than globals in the loops
    source = f"def P(A{bound}):\n" + "\n".join(w.lines) + "\n"
    audit(source)
    return source, w.namespace


def _read_all_leaves(w: Writer, tape: Tape, names: Names) -> None:
    """Emit the general reading of the leaves: ``Z``, every leaf's number (the arguments' then those of
    the Values the function reads), one local per leaf, the checks of their kinds, and the array ``z0``
    of the plain numbers when the program reads it."""
    nl = names.n_leaves
    getter = w.bind(operator.attrgetter("_data"), "F")
    objects = w.bind(tuple(tape.leaves[tape.n_args :]), "O")
    w.emit(f"Z = A + tuple(map({getter}, {objects}))")
    if nl:
        w.emit(f"{', '.join(names.value(s) for s in range(nl))}, = Z")
    _kind_checks(w, tape, names)
    if names.uses_leaf_array:  # made once, after the checks: every plain-number leaf, in slot order
        import numpy

        floats = sorted(names.leaf_positions, key=names.leaf_positions.__getitem__)
        read = gather.run_text(floats)
        numbers = f"Z[{read}]" if read is not None else f"{w.bind(operator.itemgetter(*floats), 'F')}(Z)"
        fromiter, float64 = w.bind(numpy.fromiter, "N"), w.bind(numpy.float64, "N")
        w.emit(f"{gather.LEAVES} = {fromiter}({numbers}, {float64}, {len(floats)})")


def _kind_checks(w: Writer, tape: Tape, names: Names) -> None:
    """Emit the checks that the Values the function reads hold numbers of the traced kinds: the
    plain numbers by one ``sum`` (a Value holds a float or lanes, and a float plus lanes is lanes,
    so the sum is a float only when every one of them is), each lanes' type and length."""
    nl = names.n_leaves
    floats = [s for s in range(tape.n_args, nl) if tape.lanes[s] is None]
    if floats:
        run = gather.run_text(floats)
        numbers = f"Z[{run}]" if run is not None else f"{w.bind(operator.itemgetter(*floats), 'F')}(Z)"
        if len(floats) == 1:
            w.emit(f"if type({names.value(floats[0])}) is not float: return -1")
        else:
            w.emit(f"if type(sum({numbers})) is not float: return -1")
    for s in range(tape.n_args, nl):
        n = tape.lanes[s]
        if n is not None:  # (numpy is imported only for a tape that holds lanes)
            v = names.value(s)
            w.emit(f"if type({v}) is not {w.bind(_ndarray(), 'O')} or len({v}) != {n}: return -1")


def _ndarray() -> type:
    import numpy

    return numpy.ndarray
