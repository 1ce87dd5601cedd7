"""The layout of a program: straight-line code, and runs of a repeated block rolled into loops.

A graph built by a Python loop (``for _ in range(n): y = (y * w + c).tanh()``) is the same
few nodes again and again, each block reading the block before it and the same leaves.
:func:`plan` finds such runs on the tape — a block of ``p`` nodes repeated at least
:data:`MIN_REPEATS` times, every parent either a fixed leaf or a node at a fixed distance
back — and the program runs them as a ``for`` loop instead of ``p · count`` lines, so the
program text (and the time to compile it) stays small however long the chain.

Inside a loop, a value read by the next iteration stays in a local variable, and only the
values the reverse pass needs go into the list ``V``; a gradient passed from one iteration
to the one before it stays in a local ``r`` variable where that keeps the eager engine's
order of additions (one contribution per iteration), and goes through the list ``G``
otherwise (:mod:`autograd.replay.rolled`). Straight-line code keeps one local variable per
node; loops of independent iterations run as numpy (:mod:`autograd.replay.vector`), running
sums as one call (:mod:`autograd.replay.fold`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter

from autograd.replay.affine import affine, affine_backward, affine_forward
from autograd.replay.codegen import Names, accumulate, contribution, node_forward, node_locals, word_count
from autograd.replay.fold import fold_backward, fold_forward, foldable, fresh_terms, reads, terms_as_rows
from autograd.replay.rolled import cross, local_lanes, loop_backward, loop_forward, registers_of
from autograd.replay.symbolic import Writer
from autograd.replay.tape import Tape
from autograd.replay.vector import vector_backward, vector_forward, vectorizable

__all__ = ["MIN_REPEATS", "Homes", "Segment", "backward", "drop_unused_lists", "forward", "homes", "plan"]

MIN_REPEATS = 16
MAX_PERIOD = 128


@dataclass
class Segment:
    """Nodes ``start … stop − 1``: straight code when ``count`` is 0, else ``count`` repeats of ``period`` nodes."""

    start: int
    period: int
    count: int
    stored: set[int] = field(default_factory=set)  # offsets kept in V at every iteration
    stored_last: set[int] = field(default_factory=set)  # offsets kept in V after the loop (last iteration only)
    #: (offset, parent index) -> (first iteration's slot, step per iteration) for the parents outside the
    #: loop — leaves, and nodes before it — read at a stride
    strided: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    vector: bool = False  # run as numpy over all iterations at once (see vectorizable)
    fold: bool = False  # a running sum, run as one call (see autograd.replay.fold)
    fresh_terms: bool = False  # a running sum whose terms nothing else reads
    #: a rolled loop that keeps what its reverse pass reads in lists of its own, one number per
    #: iteration (``q<slot>``), and its gradients in locals: nothing outside reads its slots by
    #: index (see :func:`homes`)
    compact: bool = False
    back_read: set[int] = field(default_factory=set)  # compact: offsets the reverse pass reads one iteration back

    def counters(self) -> list[int]:
        """The distinct leaf strides: the loop keeps one counter ``e<k>`` for each."""
        return sorted({step for _, step in self.strided.values() if step})

    def outer(self, o: int, i: int, slot: int, names: Names, gradient: bool = False) -> str:
        """How iteration ``b`` reads (or adds to the gradient of) parent ``i`` of offset ``o``: a leaf,
        or a node before the loop."""
        first, step = self.strided.get((o, i), (slot, 0))
        if not step:
            return names.grad(first) if gradient else names.value(first)
        leaf = first < len(names.tape.leaves)
        lst = ("GZ" if leaf else "G") if gradient else ("Z" if leaf else "V")
        return f"{lst}[e{self.counters().index(step)} + {first}]"

    @property
    def stop(self) -> int:
        return self.start + (self.period * self.count if self.count else self.period)


def _classify(tape: Tape, j: int, p: int, count: int) -> tuple[int, dict[tuple[int, int], tuple[int, int]]]:
    """How many of ``count`` repeats of the block at ``j`` read each parent consistently, and how.

    A node parent at the same distance back in every repeat is read relative to the loop
    variable; any other parent — a leaf, or a node before the loop — must be read at a fixed
    stride (possibly 0): those go in the returned dict, (offset, parent index) -> (first slot, step).
    """
    nl = len(tape.leaves)
    start = nl + j
    outer: dict[tuple[int, int], tuple[int, int]] = {}
    parents = tape.parents
    for o in range(p):
        for i, first in enumerate(parents[j + o]):
            if count < 2:
                return count, outer
            # parent i of this offset in each repeat, against ``first`` stepping by the second repeat's
            # step: the repeats read consistently up to the first that differs (the first two always do)
            step = parents[j + p + o][i] - first
            relative = first >= nl and step == p
            read = list(map(itemgetter(i), parents[j + o : j + o + count * p : p]))
            expected = list(range(first, first + count * step, step)) if step else [first] * count
            if read == expected:
                it = count
            else:
                it = 2
                while read[it] == expected[it]:
                    it += 1
            if not relative and first >= nl:  # a node before the loop, in every iteration read
                while it > 0 and max(first, first + (it - 1) * step) >= start:
                    it -= 1
            count = min(count, it)
            if not relative:
                outer[(o, i)] = (first, step)
    return count, outer


def _signatures(tape: Tape) -> list[int]:
    """Per node, an id of (op, param, kinds, which parents are leaves): equal ids for equal keys."""
    nl = len(tape.leaves)
    ids: dict[tuple[object, ...], int] = {}
    get = ids.get
    out: list[int] = []
    push = out.append
    names = [rule.name for rule in tape.rules]
    # (a tape without lanes has None and () there for every node: the same key without them)
    columns = zip(names, tape.params, tape.in_first, tape.parents, tape.lanes[nl:], tape.local_lanes, strict=True)
    for name, param, first, parents, lanes, kinds in columns:
        n = len(parents)  # for each parent, whether it is a leaf (else a node: see _classify)
        if n == 2:
            key: tuple[object, ...] = (name, param, first, parents[0] < nl, parents[1] < nl, lanes, kinds)
        elif n == 1:
            key = (name, param, first, parents[0] < nl, lanes, kinds)
        else:
            key = (name, param, first, tuple([s < nl for s in parents]), lanes, kinds)
        k = get(key)
        if k is None:
            k = ids[key] = len(ids)
        push(k)
    return out


def _repeats(sig: list[int], j: int, p: int) -> int:
    """How many whole times the block ``sig[j : j + p]`` comes in a row from ``j`` (at least 1).

    ``c`` repeats are there when the ``c`` blocks from ``j`` fit and equal themselves shifted by a
    block; that holds for every count up to the answer: it is found by doubling, then halving."""
    most = (len(sig) - j) // p

    def repeated(c: int) -> bool:
        return c <= most and sig[j + p : j + c * p] == sig[j : j + (c - 1) * p]

    known = 1  # holds; ``beyond`` does not
    beyond = 2
    while repeated(beyond):
        known, beyond = beyond, 2 * beyond
    while beyond - known > 1:
        middle = (known + beyond) // 2
        if repeated(middle):
            known = middle
        else:
            beyond = middle
    return known


def plan(tape: Tape) -> list[Segment]:
    """Split the nodes into straight segments and loops (see the module docstring)."""
    sig = _signatures(tape)
    n = len(sig)
    segments: list[Segment] = []
    straight_from = 0
    nxt: dict[int, int] = {}
    following = [n] * n
    for j in range(n - 1, -1, -1):
        following[j] = nxt.get(sig[j], n)
        nxt[sig[j]] = j
    j = 0
    count_reads: tuple[int, ...] | None = None
    while j < n:
        best: tuple[int, int] | None = None
        k = following[j]
        while k < n and k - j <= MAX_PERIOD:
            p = k - j
            count = _repeats(sig, j, p)
            if count >= MIN_REPEATS:
                count, strided = _classify(tape, j, p, count)
                if count >= MIN_REPEATS:
                    best = (p, count)
                    break
            k = following[k]
        if best is None:
            j += 1
            continue
        p, count = best
        if straight_from < j:
            segments.append(Segment(straight_from, j - straight_from, 0))
        loop = Segment(j, p, count, strided=strided)
        loop.vector = vectorizable(tape, loop)
        if not loop.vector:
            if count_reads is None:
                count_reads = reads(tape)
            loop.fold = foldable(tape, loop, count_reads)
            loop.fresh_terms = loop.fold and fresh_terms(tape, loop, count_reads)
        segments.append(loop)
        j += p * count
        straight_from = j
    if straight_from < n:
        segments.append(Segment(straight_from, n - straight_from, 0))
    return segments


class Homes(Names):
    """Names, with the slots kept in the lists ``V`` and ``G`` (what loops read and write by index)."""

    def __init__(
        self, tape: Tape, listed: set[int], external: dict[int, set[int]], strided: set[int], needs: list[bool]
    ) -> None:
        super().__init__(tape)
        self.listed = listed
        self.external = external  # loop slot -> reading node slots outside its loop (or -1: an output/guard)
        self.strided = strided  # leaves some loop reads at a stride: their gradients live in the list GZ
        self.needs = needs  # per slot: whether a wanted gradient depends on it (see _needs)
        #: array ``u<slot>`` -> (its vectorized loop, body offset)
        self.arrays: dict[str, tuple[Segment, int]] = {}
        #: per slot: the index of the loop (segment) it is in, -1 for none
        self.owner: list[int] = []
        #: arrays ``u<slot>`` of plain numbers kept out of ``V`` and ``G`` (see :func:`_keep_arrays`): a
        #: slot's value is the local ``v<slot>``, its gradient ``k<slot>[row]`` in an array made at the start
        self.kept: set[str] = set()
        #: GZ is a numpy array (not a list) when the tape holds lanes and those leaves are plain
        #: numbers: a layer's weight gradients, a sum of squares' terms then go in with one call.
        self.array_gz = bool(strided) and tape.has_lanes and all(tape.lanes[s] is None for s in strided)

    def value(self, s: int) -> str:
        return f"V[{s}]" if s in self.listed else super().value(s)

    def grad(self, s: int) -> str:
        if s in self.strided:  # (see in_leaf_gradients)
            return f"GZ[{s}]"
        if s in self.listed:
            return f"G[{s}]"
        where = self.rows.get(s)
        if where is not None and where[0] in self.kept:
            return f"k{where[0][1:]}[{where[1]}]"
        return super().grad(s)

    def in_leaf_gradients(self, slots: list[int]) -> bool:
        """Whether the gradient of every slot of ``slots`` is ``GZ[slot]`` (see :meth:`grad`)."""
        return self.strided.issuperset(slots)


def homes(tape: Tape, segments: list[Segment], guard_slots: list[int]) -> Homes:
    """Where each slot lives in the program laid out as ``segments``.

    The lists ``V`` and ``G`` (one entry per slot of the tape) hold what loops read or write
    by index: the nodes of vectorized loops and running sums, what a loop reads at a stride
    or further back than the iteration before, and every node of a rolled loop that is not
    :func:`compact <_compact>`. A compact loop keeps the numbers its reverse pass reads in
    lists of its own (one entry per iteration, written and read in place) and its gradients
    in locals, like a hand-written loop; slots nothing reads by index stay locals.
    """
    nl = len(tape.leaves)
    owner: list[int] = [-1] * tape.size  # per slot: the loop it is in (-1: none)
    before: dict[int, set[int]] = {}  # loop -> slots before it that it reads relative to its iteration
    for k, seg in enumerate(segments):
        if not seg.count:
            continue
        owner[nl + seg.start : nl + seg.stop] = [k] * (seg.stop - seg.start)
        reads = before[k] = set()
        for o in range(seg.period):
            j = seg.start + o
            for i, s in enumerate(tape.parents[j]):
                back = j - (s - nl)
                if (o, i) not in seg.strided:
                    for it in range(min(seg.count, back // seg.period + 2)):
                        src = s + it * seg.period
                        if src < nl + seg.start:
                            reads.add(src)
    external: dict[int, set[int]] = {}
    if before:
        # A node reads slots before its own: one in the first loop or before it reads none of
        # another loop's, so the readers from outside start after the first loop.
        parents_of = tape.parents
        for j in range(next(seg.stop for seg in segments if seg.count), tape.n_nodes):
            mine = owner[nl + j]
            for s in parents_of[j]:
                theirs = owner[s]
                if theirs >= 0 and theirs != mine:
                    readers = external.get(s)
                    if readers is None:
                        external[s] = {nl + j}
                    else:
                        readers.add(nl + j)
    for s in [*tape.outputs, *guard_slots]:
        if owner[s] >= 0:
            external.setdefault(s, set()).add(-1)
    strided: set[int] = set()
    indexed: set[int] = set()  # nodes some loop reads at a stride (by index, in V)
    for seg in segments:
        for first, step in seg.strided.values():
            if step:
                slots = range(first, first + step * seg.count, step)
                (strided if first < nl else indexed).update(slots)
    needs = _needs(tape)
    listed = set(indexed)
    for k in range(len(segments) - 1, -1, -1):  # a loop's readers come after it: decided first
        seg = segments[k]
        if not seg.count:
            continue
        if not seg.vector and not seg.fold and _compact(tape, seg, k, owner, external, listed, needs):
            seg.compact = True
            continue
        if seg.fold:  # a running sum keeps its last value in a local (its other sums only the next one reads)
            continue
        listed.update(range(nl + seg.start, nl + seg.stop))
        listed.update(before[k])
    homes = Homes(tape, listed, external, strided, needs)
    homes.owner = owner
    for seg in segments:  # a vectorized loop holds each body node's iterations as rows of one array
        if seg.vector:
            for o in range(seg.period):
                base = nl + seg.start + o
                array = f"u{base}"
                homes.arrays[array] = (seg, o)
                rows = range(base, base + seg.period * seg.count, seg.period)
                homes.rows.update(zip(rows, zip(repeat(array), range(seg.count)), strict=True))
    _keep_arrays(tape, segments, homes)
    return homes


def _keep_arrays(tape: Tape, segments: list[Segment], homes: Homes) -> None:
    """Keep in their arrays (not in the lists ``V`` and ``G``) the plain numbers of each vectorized
    loop body node that only straight code, outputs, guards and running sums reading them as rows
    read from outside: their values are then read as ``v<slot>`` locals made from the array, and
    their gradients added up in an array ``k<slot>`` of the loop's shape (see
    :attr:`Homes.kept`). Other readers (a rolled loop, another vectorized loop) read by index."""
    nl = len(tape.leaves)
    owner = homes.owner
    by_name: dict[int, bool] = {}  # per loop that reads them: its answer (asked once, not once per reader)
    for seg in segments:
        if not seg.vector or tape.lanes[nl + seg.start] is not None:
            continue
        for o in range(seg.period):
            slots = range(nl + seg.start + o, nl + seg.stop, seg.period)
            # the loops of the readers (-1: straight code, an output, a guard): each reads them one way
            loops = {-1 if r < 0 else owner[r] for s in slots for r in homes.external.get(s, ())}
            if all(_reads_by_name(tape, segments, homes, k, by_name) for k in loops):
                homes.kept.add(f"u{nl + seg.start + o}")
                homes.listed.difference_update(slots)


def _reads_by_name(tape: Tape, segments: list[Segment], homes: Homes, k: int, by_name: dict[int, bool]) -> bool:
    """Whether the nodes of loop ``k`` (-1: of straight code, or an output, a guard) read a vectorized
    loop's numbers by name, or a running sum its terms as rows of the loop's array, never by index
    (``by_name``: the answers so far, per loop; what decides them does not change meanwhile)."""
    if k < 0:
        return True
    known = by_name.get(k)
    if known is None:
        seg = segments[k]
        known = by_name[k] = seg.fold and terms_as_rows(tape, homes, seg)
    return known


def _compact(
    tape: Tape,
    seg: Segment,
    k: int,
    owner: list[int],
    external: dict[int, set[int]],
    listed: set[int],
    needs: list[bool],
) -> bool:
    """Whether a rolled loop can keep its numbers to itself: nothing reads its slots by index
    (``listed`` so far: what the loops after it read so), only the last iteration is read from
    outside, every parent in a loop is read in its iteration or the one before (carried in a
    local), and every gradient inside it can live in a local ``r`` variable."""
    nl = len(tape.leaves)
    lo, hi = nl + seg.start, nl + seg.stop
    last = hi - seg.period
    if any(lo <= s < hi for s in listed):
        return False
    if any(s < last and owner[s] == k for s in external):
        return False
    for o in range(seg.period):
        j = seg.start + o
        for i, s in enumerate(tape.parents[j]):
            back = j - (s - nl)
            if (o, i) in seg.strided or back <= o:
                continue
            m, src = cross(seg, o, back)
            if m != 1 or src <= o:
                return False
    registers = registers_of(tape, seg, external, needs)
    return all(o in registers for o in range(seg.period) if needs[lo + o])


def drop_unused_lists(lines: list[str]) -> None:
    """Remove the making of the lists ``V`` and ``G`` from ``lines`` when no other line reads them (the
    slots listed for them were all kept elsewhere: see :func:`_keep_arrays`)."""
    for name in ("V", "G"):
        made = [i for i, line in enumerate(lines) if line.lstrip().startswith(f"{name} = [0.0] * ")]
        if len(made) != 1:
            continue
        # no other line names it: every word ``name`` of the text is the making line's
        if word_count("\n".join(lines), name) == word_count(lines[made[0]], name):
            del lines[made[0]]


# -- forward --------------------------------------------------------------------------------


def forward(w: Writer, tape: Tape, names: Homes, segments: list[Segment], checked: set[int]) -> None:
    """Emit the forward pass: every node's value, and the checksum of what could hide a nan."""
    nl = len(tape.leaves)
    if names.listed:
        w.emit(f"V = [0.0] * {tape.size}")
    for seg in segments:
        if not seg.count:
            for j in range(seg.start, seg.stop):
                s = nl + j
                ops = [names.value(p) for p in tape.parents[j]]
                if affine(tape, j):
                    affine_forward(w, tape, j, ops, f"v{s}", names)
                else:
                    node_forward(w, tape, j, ops, f"v{s}", masked=True)
                if s in names.listed:
                    w.emit(f"V[{s}] = v{s}")
                _check(w, tape, j, ops, checked, tape.parents[j])
            continue
        if seg.vector:
            vector_forward(w, tape, names, seg)
        elif seg.fold:
            fold_forward(w, tape, names, seg)
        else:
            loop_forward(w, tape, names, seg)


def _check(w: Writer, tape: Tape, j: int, ops: list[str], checked: set[int], slots: tuple[int, ...]) -> None:
    if tape.rules[j].propagates_nonfinite:
        return
    nl = len(tape.leaves)
    for s, text in zip(slots, ops, strict=True):
        if s >= nl and s not in checked:
            checked.add(s)
            w.emit(f"K = K + {text}")


# -- backward -------------------------------------------------------------------------------


def _needs(tape: Tape) -> list[bool]:
    """Per slot: whether a wanted gradient depends on it (the reverse pass skips the rest)."""
    nl = len(tape.leaves)
    needs = list(map(set(tape.wanted).__contains__, range(nl)))
    add = needs.append
    for first, parents in zip(tape.in_first, tape.parents, strict=True):
        if not first:
            add(False)
        elif len(parents) == 2:
            add(needs[parents[0]] or needs[parents[1]])
        elif len(parents) == 1:
            add(needs[parents[0]])
        else:
            add(any(map(needs.__getitem__, parents)))
    return needs


def backward(w: Writer, tape: Tape, names: Homes, segments: list[Segment]) -> set[int]:
    """Emit the reverse pass; return the slots whose gradient was assigned (others are 0).

    Called before :func:`forward` is emitted (the lines go after it): it records which
    values each loop's reverse pass reads, which the forward pass then keeps in ``V``.
    """
    nl = len(tape.leaves)
    needs = names.needs
    root = tape.outputs[0]
    assigned: set[int] = set()
    if names.listed:
        w.emit(f"G = [0.0] * {tape.size}")
        assigned.update(names.listed)
    if names.strided:
        if names.array_gz:
            import numpy

            w.emit(f"GZ = {w.bind(numpy.zeros, 'N')}({nl})")
        else:
            w.emit(f"GZ = [0.0] * {nl}")
        assigned.update(names.strided)
    for array in sorted(names.kept):  # gradients of kept rows: added up in place, from 0.0 (as G's are)
        seg, o = names.arrays[array]
        rows = range(nl + seg.start + o, nl + seg.stop, seg.period)
        if any(needs[s] for s in rows):
            import numpy

            w.emit(f"k{array[1:]} = {w.bind(numpy.zeros, 'N')}({seg.count})")
            assigned.update(rows)
            names.ready.add(array)
    if not needs[root]:
        return assigned
    w.emit(f"{names.grad(root)} = 1.0")
    assigned.add(root)
    for seg in reversed(segments):
        if not seg.count:
            for j in range(seg.stop - 1, seg.start - 1, -1):
                s = nl + j
                if needs[s] and s in assigned:
                    _node_backward(w, tape, j, names.value(s), names.grad(s), names, needs, assigned)
            continue
        if seg.vector:
            vector_backward(w, tape, seg, names, needs, assigned)
        elif seg.fold:
            fold_backward(w, tape, seg, names, needs, assigned)
        else:
            loop_backward(w, tape, seg, names, needs, assigned)
    return assigned


def _node_backward(
    w: Writer, tape: Tape, j: int, out: str, g: str, names: Names, needs: list[bool], assigned: set[int]
) -> None:
    slots = tape.parents[j]
    if not any(needs[p] for p in slots):
        return
    if affine(tape, j):
        affine_backward(w, tape, j, g, names, needs, assigned)
        return
    local = node_locals(w, tape, j, out, [names.value(p) for p in slots], masked=True)
    g_lanes = tape.lanes[len(tape.leaves) + j] is not None
    for i, p in enumerate(slots):
        if not needs[p]:
            continue
        c = contribution(local[i], g, local_lanes(tape, j, i) or g_lanes, tape.lanes[p] is None)
        if c is None:
            continue
        accumulate(w, names.grad(p), c, p not in assigned)
        assigned.add(p)
