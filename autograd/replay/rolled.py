"""Rolled loops: the Python ``for`` loops a program runs for a repeated block (see :mod:`autograd.replay.loops`).

Inside a loop, a value read by the next iteration stays in a local variable, and only the
values the reverse pass needs go into the list ``V``; a gradient passed from one iteration
to the one before it stays in a local ``r`` variable where that keeps the eager engine's
order of additions (one contribution per iteration), and goes through the list ``G``
otherwise.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from autograd.replay.codegen import accumulate, contribution, node_forward, node_locals
from autograd.replay.symbolic import Writer
from autograd.replay.tape import Tape

if TYPE_CHECKING:
    from autograd.replay.loops import Homes, Segment

__all__ = ["cross", "local_lanes", "loop_backward", "loop_forward", "registers_of"]


def local_lanes(tape: Tape, j: int, i: int) -> bool:
    flags = tape.local_lanes[j]
    return bool(flags) and flags[i]


def cross(seg: Segment, o: int, back: int) -> tuple[int, int]:
    """A parent ``back`` nodes before offset ``o``: (iterations back, its offset)."""
    rel = o - back
    src = rel % seg.period
    return (src - rel) // seg.period, src


def loop_forward(w: Writer, tape: Tape, names: Homes, seg: Segment) -> None:
    nl = len(tape.leaves)
    p = seg.period
    base = nl + seg.start
    last = base + p * (seg.count - 1)
    carried: set[int] = set()
    body: list[tuple[int, list[str]]] = []
    for o in range(p):
        j = seg.start + o
        ops: list[str] = []
        for i, s in enumerate(tape.parents[j]):
            back = j - (s - nl)
            if (o, i) in seg.strided:
                ops.append(seg.outer(o, i, s, names))
                continue
            if back <= o:
                ops.append(f"c{o - back}")
                continue
            m, src = cross(seg, o, back)
            if m == 1 and src > o:  # the previous iteration's value, still in its local
                carried.add(src)
                ops.append(f"c{src}")
            else:
                seg.stored.add(src)
                ops.append(_at(o - back, "V"))
        body.append((j, ops))
    for o in range(p):  # what reads the loop from outside: every iteration, or the last one only
        for it_slot in range(base + o, base + p * seg.count, p):
            if it_slot in names.external:
                (seg.stored_last if it_slot == last + o else seg.stored).add(o)
    if not seg.compact:
        seg.stored_last -= seg.stored
    for src in sorted(carried):
        w.emit(f"c{src} = {names.value(base - p + src)}")
    if seg.compact:  # iteration n's number in entry n (+ 1 when entry 0 keeps the one before the loop)
        pad = 1 if seg.back_read else 0
        for o in sorted(seg.stored):
            w.emit(f"q{base + o} = [0.0] * {seg.count + pad}")
            if o in seg.back_read:
                w.emit(f"q{base + o}[0] = c{o}")
        w.emit(_for(seg, [("b", f"range({pad}, {seg.count + pad})")] if seg.stored else [], False))
    else:
        w.emit(_for(seg, [("b", f"range({base}, {base + p * seg.count}, {p})")], False))
    indent = w.indent
    w.indent += "    "
    for o, (j, ops) in enumerate(body):
        node_forward(w, tape, j, ops, f"c{o}")
        if o in seg.stored:
            w.emit(f"{_kept(seg, base, o, 0)} = c{o}")
        if not tape.rules[j].propagates_nonfinite:
            for s, text in zip(tape.parents[j], ops, strict=True):
                if s >= nl:
                    w.emit(f"K = K + {text}")
    w.indent = indent
    for o in sorted(seg.stored_last):
        w.emit(f"{names.value(last + o)} = c{o}" if seg.compact else f"V[{last + o}] = c{o}")


def _kept(seg: Segment, base: int, o: int, back: int) -> str:
    """Where a loop keeps offset ``o``'s number, ``back`` iterations before ``b``'s: ``V`` by slot,
    or (a compact loop) the offset's own list by iteration."""
    if seg.compact:
        return f"q{base + o}[b - {back}]" if back else f"q{base + o}[b]"
    return _at(o - back * seg.period, "V")


def _for(seg: Segment, items: list[tuple[str, str]], reverse: bool) -> str:
    """The loop's ``for`` line over ``items`` (a variable and what it runs over: the node slots
    ``b``, a compact loop's kept numbers) and one counter ``e<k>`` per leaf stride."""
    last = seg.count - 1
    for k, d in enumerate(seg.counters()):
        items = [*items, (f"e{k}", f"range({last * d}, {-d}, {-d})" if reverse else f"range(0, {seg.count * d}, {d})")]
    if not items:
        items = [("b", f"range({seg.count})")]
    if len(items) == 1:
        return f"for {items[0][0]} in {items[0][1]}:"
    return f"for {', '.join(n for n, _ in items)} in zip({', '.join(r for _, r in items)}):"


def _at(rel: int, lst: str) -> str:
    return f"{lst}[b + {rel}]" if rel > 0 else f"{lst}[b - {-rel}]" if rel < 0 else f"{lst}[b]"


def registers_of(tape: Tape, seg: Segment, external: dict[int, set[int]], needs: list[bool]) -> dict[int, bool]:
    """Offsets whose gradient can live in a local ``r`` variable, each with whether the next
    iteration passes it one contribution (else all its contributions come from its own iteration)."""
    nl = len(tape.leaves)
    p = seg.period
    base = nl + seg.start
    last = base + p * (seg.count - 1)
    incoming: dict[int, list[int]] = {o: [] for o in range(p)}
    bad: set[int] = set()
    for o in range(p):
        j = seg.start + o
        if not needs[nl + j]:
            continue
        for i, s in enumerate(tape.parents[j]):
            back = j - (s - nl)
            if (o, i) in seg.strided or not needs[s] or back <= o:
                continue
            m, src = cross(seg, o, back)
            if m == 1 and src > o:
                incoming[src].append(o)
            else:
                bad.add(src)
    result: dict[int, bool] = {}
    for o in range(p):
        outside = [s for s in range(base + o, base + p * seg.count, p) if s in external]
        if o in bad or len(incoming[o]) > 1:
            continue
        if incoming[o]:
            if all(s == last + o for s in outside):
                result[o] = True
        elif not outside:
            result[o] = False
    return result


def loop_backward(w: Writer, tape: Tape, seg: Segment, names: Homes, needs: list[bool], assigned: set[int]) -> None:
    nl = len(tape.leaves)
    p = seg.period
    base = nl + seg.start
    last = base + p * (seg.count - 1)
    for j in range(seg.start, seg.start + p):  # a leaf's gradient sums over the iterations: 0.0 first
        for i, s in enumerate(tape.parents[j]):
            first, step = seg.strided.get((j - seg.start, i), (s, 1))
            if not step and needs[s] and s not in assigned:
                w.emit(f"{names.grad(s)} = 0.0")
                assigned.add(s)
    registers = registers_of(tape, seg, names.external, needs)
    for o, carried in sorted(registers.items()):  # what reached the last iteration from after the loop
        if carried:
            s = last + o
            w.emit(f"r{o} = {names.grad(s) if s in assigned else 0.0}")
    outer = w.lines
    w.lines = []
    indent = w.indent
    w.indent += "    "
    started: set[int] = set()  # register offsets given their first contribution in this iteration
    live: set[int] = set()  # offsets whose gradient is non-zero in an iteration
    for o in range(p):
        j = seg.start + o
        if registers.get(o) or (o not in registers):
            live.add(o)
    for o in range(p - 1, -1, -1):
        j = seg.start + o
        if not needs[nl + j]:
            continue
        if o in registers and o not in live:
            continue  # nothing reached it: its gradient is 0
        g = f"r{o}" if o in registers else _at(o, "G")
        slots = tape.parents[j]
        ops = [_loop_value(tape, seg, o, j, i, s, names) for i, s in enumerate(slots)]
        local = node_locals(w, tape, j, f"y{o}", ops)
        g_lanes = tape.lanes[nl + j] is not None
        for i, s in enumerate(slots):
            if not needs[s]:
                continue
            c = contribution(local[i], g, local_lanes(tape, j, i) or g_lanes, tape.lanes[s] is None)
            if c is None:
                continue
            back = j - (s - nl)
            if (o, i) in seg.strided:
                target = seg.outer(o, i, s, names, gradient=True)
                w.emit(f"{target} = {target} + {c}")
                continue
            if back <= o:
                q = o - back
                if q in registers:
                    first = not registers[q] and q not in started
                    accumulate(w, f"r{q}", c, first)
                    started.add(q)
                    live.add(q)
                else:
                    target = _at(q, "G")
                    w.emit(f"{target} = {target} + {c}")
                continue
            m, src = cross(seg, o, back)
            if src in registers and m == 1:
                w.emit(f"r{src} = {c}")
            else:
                target = _at(o - back, "G")
                w.emit(f"{target} = {target} + {c}")
    body = w.lines
    w.lines = outer
    w.indent = indent
    used = sorted({int(k) for k in re.findall(r"\by(\d+)\b", "\n".join(body))})
    for ref in re.findall(r"V\[b - (\d+)\]", "\n".join(body)):
        seg.stored.add((-int(ref)) % p)
    if seg.compact:
        seg.back_read.update(int(k) - base for k in re.findall(r"\bq(\d+)\[b - 1\]", "\n".join(body)))
    seg.stored.update(used, seg.back_read)
    if seg.compact and not seg.back_read:  # each kept number read in its own iteration: the lists backwards
        w.emit(_for(seg, [(f"y{o}", f"reversed(q{base + o})") for o in used], True))
    else:
        if seg.compact:
            w.emit(_for(seg, [("b", f"range({seg.count}, 0, -1)")], True))
        else:
            seg.stored_last -= seg.stored
            w.emit(_for(seg, [("b", f"range({last}, {base - 1}, {-p})")], True))
        for o in used:
            w.emit(f"    y{o} = {_kept(seg, base, o, 0)}")
    w.lines.extend(body)
    for o, carried in sorted(registers.items()):  # the first iteration's share of the nodes before the loop
        if carried:
            s = base - p + o
            if needs[s]:
                accumulate(w, names.grad(s), f"r{o}", s not in assigned)
                assigned.add(s)


def _loop_value(tape: Tape, seg: Segment, o: int, j: int, i: int, s: int, names: Homes) -> str:
    """How the reverse loop body reads parent ``i`` (slot ``s``) of offset ``o``'s node."""
    nl = len(tape.leaves)
    back = j - (s - nl)
    if (o, i) in seg.strided:
        return seg.outer(o, i, s, names)
    if back <= o:
        return f"y{o - back}"
    if seg.compact:  # the iteration before's (see _compact)
        return _kept(seg, nl + seg.start, cross(seg, o, back)[1], 1)
    return _at(o - back, "V")
