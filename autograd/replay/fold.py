"""Folded loops: a running sum ``acc = acc + x`` over many numbers, as one call.

``sum(p * p for p in params)`` adds one node per parameter, each reading the node before
it and one new number: a loop of period 1 whose iterations depend on each other, so it
cannot run as numpy over its iterations. The forward pass is ``functools.reduce`` over the
numbers (the same additions, in the same order, at C speed) — or, when the terms are already
one numpy array of floats (a vectorized loop's, as ``p * p`` over the parameters is), numpy's
``add.accumulate`` over the start and that array: a running sum, again the same additions in
the same order — and since the local
derivatives of ``add`` are 1, the reverse pass passes the same gradient to every term:
the last node's gradient ``g`` goes to the last term, and ``0.0 + g`` — what the eager
engine's additions into a fresh gradient give — to every other term and to the node
before the loop. That holds only while no other node reads the running sum on the way:
:func:`foldable` checks it, and that ``add``'s rule is still ``a + b`` with local
derivatives ``(1.0, 1.0)``.
"""

from __future__ import annotations

import functools
import operator
from typing import TYPE_CHECKING, Any

from autograd.replay.codegen import accumulate
from autograd.replay.gather import rows_view, run_text
from autograd.replay.symbolic import Sym, Writer, symbolic
from autograd.replay.tape import Tape

if TYPE_CHECKING:
    from autograd.replay.codegen import Names
    from autograd.replay.loops import Homes, Segment

__all__ = ["fold_backward", "fold_forward", "foldable", "fresh_terms", "reads", "terms_as_rows"]


def reads(tape: Tape) -> tuple[int, ...]:
    """Per slot: how many times it is read (by nodes, as an output, or by a guard; counted once per tape)."""
    return tape.reads


def _plain_add(tape: Tape, j: int) -> bool:
    """Whether node ``j``'s rule computes ``a + b`` with local derivatives ``(1.0, 1.0)``."""
    rule = tape.rules[j]
    if rule.name != "add" or tape.params[j] is not None:
        return False
    w = Writer()
    a, b, out = Sym("a0", False, w), Sym("a1", False, w), Sym("a2", False, w)
    value = symbolic(rule.forward, (a, b))
    local = symbolic(rule.local, (out, a, b))
    return isinstance(value, Sym) and value.text == "(a0 + a1)" and local == (1.0, 1.0) and not w.lines


def foldable(tape: Tape, seg: Segment, count: tuple[int, ...]) -> bool:
    """Whether a loop is a running sum: one ``add`` node per iteration reading the node before
    it (parent 0) and an outer number or lanes at a non-zero stride (parent 1), every running
    sum but the last read only by the next one."""
    nl = len(tape.leaves)
    j = seg.start
    if seg.period != 1 or seg.count < 2 or seg.vector or (0, 0) in seg.strided:
        return False
    outer = seg.strided.get((0, 1))
    if outer is None or not outer[1] or tape.parents[j][0] != nl + j - 1 or not _plain_add(tape, j):
        return False
    if not all(tape.in_first[j : j + seg.count]):
        return False
    base = nl + j
    return all(count[s] == 1 for s in range(base, base + seg.count - 1))


def fresh_terms(tape: Tape, seg: Segment, count: tuple[int, ...]) -> bool:
    """Whether a running sum's terms are read by nothing else: their gradients are then all
    ``0.0 + g`` (what one addition into a fresh gradient gives), set with one slice assignment."""
    slots, _ = _terms(seg, len(tape.leaves))
    return all(count[s] == 1 for s in slots)


def _fold(start: Any, terms: Any) -> Any:
    """``start + t0 + t1 + …``, left to right."""
    return functools.reduce(operator.add, terms, start)


def _add_each(target: list[Any], slots: tuple[int, ...], g: Any) -> None:
    """``target[slot] += g`` for each slot."""
    for s in slots:
        target[s] = target[s] + g


def _terms(seg: Segment, nl: int) -> tuple[tuple[int, ...], str]:
    first, step = seg.strided[(0, 1)]
    return tuple(range(first, first + step * seg.count, step)), "Z" if first < nl else "V"


def terms_as_rows(tape: Tape, names: Names, seg: Segment) -> bool:
    """Whether a running sum starts from a plain number and reads its terms as rows of a vectorized
    loop's array of plain numbers (the sum then runs in numpy, and nothing reads the terms by index)."""
    nl = len(tape.leaves)
    return tape.lanes[nl + seg.start - 1] is None and _number_rows(tape, names, _terms(seg, nl)[0]) is not None


def fold_forward(w: Writer, tape: Tape, names: Homes, seg: Segment) -> None:
    """Emit a running sum's forward pass: its last value (the only one anything else reads)."""
    nl = len(tape.leaves)
    base = nl + seg.start
    slots, lst = _terms(seg, nl)
    start = names.value(base - 1)
    target = names.value(base + seg.count - 1)
    rows = _number_rows(tape, names, slots)
    if rows is not None and tape.lanes[base - 1] is None:  # the terms are an array of floats: add them up there
        import numpy

        concatenate, accumulate = w.bind(numpy.concatenate, "N"), w.bind(numpy.add.accumulate, "N")
        w.emit(f"{target} = float({accumulate}({concatenate}((({start},), {rows})))[-1])")
        return
    terms = f"{lst}[{run_text(slots)}]"  # evenly spaced: one slice of the list (or tuple) holding them
    w.emit(f"{target} = {w.bind(_fold, 'F')}({start}, {terms})")


def _kept_rows(names: Homes, slots: tuple[int, ...]) -> str | None:
    """``k<slot>[a:b:±1]``: the gradients of ``slots`` when they are rows, in a row, of an array kept
    out of the lists (``k<slot>[i]`` for one slot), else None."""
    where = names.rows.get(slots[0])
    if where is None or where[0] not in names.kept:
        return None
    if len(slots) == 1:
        return names.grad(slots[0])
    view = rows_view(names, slots)
    return None if view is None else f"k{view[1:]}"


def _number_rows(tape: Tape, names: Names, slots: tuple[int, ...]) -> str | None:
    """``u<slot>[a:b:±1]`` when the terms are the rows, in a row, of a vectorized loop's array of
    plain numbers (one float per iteration), else None."""
    if list(map(tape.lanes.__getitem__, slots)).count(None) != len(slots):
        return None
    if len(slots) == 1:
        where = names.rows.get(slots[0])
        return None if where is None else f"{where[0]}[{where[1]}:{where[1] + 1}]"
    return rows_view(names, slots)


def fold_backward(w: Writer, tape: Tape, seg: Segment, names: Homes, needs: list[bool], assigned: set[int]) -> None:
    """Emit a running sum's reverse pass (see the module docstring)."""
    nl = len(tape.leaves)
    base = nl + seg.start
    last = base + seg.count - 1
    if not needs[last]:
        return
    slots, lst = _terms(seg, nl)
    g = names.grad(last)
    h = f"h{base}"
    w.emit(f"{h} = 0.0 + {g}")
    kept = _kept_rows(names, slots)
    if kept is not None:  # the terms' gradients are rows of an array k<slot> (see loops.Homes.kept)
        if seg.fresh_terms:
            w.emit(f"{kept} = {h}")
        else:
            if needs[slots[-1]]:
                accumulate(w, names.grad(slots[-1]), g, False)
            if len(slots) > 1:
                w.emit(f"{_kept_rows(names, slots[:-1]) or names.grad(slots[0])} += {h}")
    elif seg.fresh_terms:
        first, step = seg.strided[(0, 1)]
        stop = first + step * seg.count
        target = f"{lst.replace('Z', 'GZ').replace('V', 'G')}[{first}:{stop if stop >= 0 else 'None'}:{step}]"
        w.emit(f"{target} = [{h}] * {seg.count}")
    elif needs[slots[-1]]:
        target = f"{'GZ' if slots[0] < nl else 'G'}[{slots[-1]}]"
        w.emit(f"{target} = {target} + {g}")
    wanted = tuple(s for s in reversed(slots[:-1]) if needs[s])
    if wanted and not seg.fresh_terms and kept is None:
        w.emit(f"{w.bind(_add_each, 'F')}({lst.replace('Z', 'GZ').replace('V', 'G')}, {w.bind(wanted, 'O')}, {h})")
    before = base - 1
    if needs[before]:
        accumulate(w, names.grad(before), h, before not in assigned)
        assigned.add(before)
