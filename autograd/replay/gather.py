"""Leaves' plain numbers as one numpy array, read once per call; index arrays for reading and adding into many slots.

A program on lanes reads its parameters as arrays: a layer's weights as a matrix, the
terms of ``sum(p * p for p in params)`` as a vector. Gathering each such array from the
tuple ``Z`` of the leaves' numbers costs a pass over Python floats per array; instead the
program makes one array ``z0`` of every plain-number leaf at the start of the call, and each
array it needs is a slice (a view: no copy) or one indexing with a precomputed index array
(:func:`take`). The gradients of those leaves live in one array ``GZ`` (one entry per leaf
slot), and a layer's weight gradients go in with one ``+=`` on an index (:func:`add_into`).

Nothing here changes a number: a slice or an index copies the floats as they are, and
``GZ[index] += values`` adds each value to its own slot (the slots of one index are
distinct), as the op-by-op program does.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from autograd.replay.codegen import is_word_character, word_count
from autograd.replay.symbolic import Writer
from autograd.replay.tape import Tape

if TYPE_CHECKING:
    from autograd.replay.codegen import Names

__all__ = ["LEAVES", "add_into", "index", "leaf_names", "leaf_positions", "read_leaves", "rows_view", "take"]

#: The program's array of the plain-number leaves (a generated name, see codegen.audit).
LEAVES = "z0"


def leaf_positions(tape: Tape) -> dict[int, int]:
    """Slot -> position in ``z0`` for every leaf that holds a plain number (lanes stay out)."""
    nl = len(tape.leaves)
    floats = list(itertools.compress(range(nl), map(operator.is_, tape.lanes[:nl], itertools.repeat(None))))
    return dict(zip(floats, range(len(floats)), strict=True))


@functools.cache
def fromiter_refuses_lanes() -> bool:
    """Whether ``numpy.fromiter`` refuses an array of one number where a float belongs (numpy 2.4 on:
    ValueError; before, it took the number with a DeprecationWarning)."""
    import numpy

    major, minor = (int(part) for part in numpy.__version__.split(".")[:2])
    return (major, minor) >= (2, 4)


def _numbers(objects: tuple[Any, ...], n: int) -> Any:
    """The ``n`` plain numbers of the Values ``objects`` as one array, or None when one holds lanes."""
    import numpy

    try:
        return numpy.fromiter(map(_DATA, objects), numpy.float64, n)
    except ValueError:  # lanes (a 1-D array) where a float was traced
        return None


_DATA = operator.attrgetter("_data")
#: A leaf's local ``l<slot>`` not followed by a word character (the one before it is checked apart:
#: a pattern that starts with a letter is searched for fast, one with a word boundary is not).
_LEAF_NAME = re.compile(r"l(\d+)(?!\w)")


def read_leaves(w: Writer, tape: Tape, names: Names, body: list[str]) -> bool:
    """Emit the reading of the leaves for a program whose ``body`` reads its plain numbers from
    ``z0`` only: the Values' numbers go straight into that array (one pass, no tuple of every
    leaf), and only the leaves the body names are read into locals; False (nothing emitted)
    when the body also reads the tuple ``Z`` of every leaf, or an argument is a plain number.

    The checks are the general path's: a Value read as a plain number that now holds lanes makes
    ``fromiter`` refuse it (numpy 2.4 on; before, this path is not taken), and each lanes leaf's
    type and length is checked; either returns -1 (see :mod:`autograd.replay.codegen`).
    """
    n_args = tape.n_args
    floats = sorted(names.leaf_positions, key=names.leaf_positions.__getitem__)
    if not names.uses_leaf_array or any(s < n_args for s in floats) or not fromiter_refuses_lanes():
        return False
    text = "\n".join(body)
    if word_count(text, "Z"):
        return False
    named = leaf_names(text)
    named.update(s for s in range(n_args, len(tape.leaves)) if tape.lanes[s] is not None)
    objects = w.bind(tuple(tape.leaves[s] for s in floats), "O")
    w.emit(f"{LEAVES} = {w.bind(_numbers, 'F')}({objects}, {len(floats)})")
    w.emit(f"if {LEAVES} is None: return -1")
    if n_args:
        w.emit(f"{', '.join(names.value(s) for s in range(n_args))}, = A")
    if named:
        slots = sorted(named)
        leaves = w.bind(tuple(tape.leaves[s] for s in slots), "O")
        w.emit(f"{', '.join(names.value(s) for s in slots)}, = map({w.bind(_DATA, 'F')}, {leaves})")
    ndarray = None
    for s in sorted(named):
        n = tape.lanes[s]
        if n is not None:
            import numpy

            ndarray = ndarray or w.bind(numpy.ndarray, "O")
            v = names.value(s)
            w.emit(f"if type({v}) is not {ndarray} or len({v}) != {n}: return -1")
    return True


def leaf_names(text: str) -> set[int]:
    """The slots of the leaf locals ``l<slot>`` that ``text`` names (as ``\\bl(\\d+)\\b`` finds them)."""
    return {int(m[1]) for m in _LEAF_NAME.finditer(text) if not m.start() or not is_word_character(text[m.start() - 1])}


def run_text(slots: Sequence[int]) -> str | None:
    """``a:b`` (or ``a:b:step``) when ``slots`` are evenly spaced (a slice reads them), else None."""
    if not slots:
        return None
    if len(slots) == 1:
        return f"{slots[0]}:{slots[0] + 1}"
    step = slots[1] - slots[0]
    if not step or list(slots) != list(range(slots[0], slots[0] + step * len(slots), step)):
        return None
    stop = slots[-1] + step
    return f"{slots[0]}:{stop if stop >= 0 else 'None'}" + (f":{step}" if step != 1 else "")


def index(w: Writer, array: str, positions: Sequence[int], shape: tuple[int, ...] | None = None) -> str:
    """Program text for ``array`` at ``positions``: a slice when they are evenly spaced (and
    ``shape`` is None or one-dimensional), else an index array of ``shape`` (one call)."""
    if shape is None or len(shape) == 1:
        run = run_text(positions)
        if run is not None:
            return f"{array}[{run}]"
    import numpy

    at = numpy.array(positions, dtype=numpy.intp)
    if shape is not None:
        at = at.reshape(shape)
    return f"{array}[{w.bind(at, 'O')}]"


def take(w: Writer, names: Names, slots: Sequence[int], shape: tuple[int, ...] | None = None) -> str | None:
    """Program text for the numbers of the leaves ``slots`` as an array (of ``shape``), read
    from ``z0``; None when one of them is not a plain-number leaf."""
    where = names.leaf_positions
    if not where or not all(map(where.__contains__, slots)):
        return None
    names.uses_leaf_array = True
    return index(w, LEAVES, list(map(where.__getitem__, slots)), shape)


def add_into(w: Writer, slots: Sequence[int], values: str, shape: tuple[int, ...] | None = None) -> None:
    """Emit ``GZ[slots] += values`` (``GZ``: the array of leaf gradients; the slots distinct)."""
    if len(set(slots)) != len(slots):  # pragma: no cover - callers pass distinct slots
        raise RuntimeError("add_into needs distinct slots")
    w.emit(f"{index(w, 'GZ', list(slots), shape)} += {values}")


_array_of = operator.itemgetter(0)  # of an (array, row) pair
_row_of = operator.itemgetter(1)


def rows_view(names: Names, slots: Sequence[int]) -> str | None:
    """``u<slot>[a:b:±1]`` when ``slots`` are rows of one vectorized array, one after the other (else None)."""
    rows = list(map(names.rows.get, slots))
    first = rows[0]
    if first is None or len(rows) < 2 or None in rows:
        return None
    found = cast("list[tuple[str, int]]", rows)  # (array, row) pairs: no None among them
    if list(map(_array_of, found)).count(first[0]) == len(found):
        index = list(map(_row_of, found))
        step = index[1] - index[0]
        if step in (1, -1) and index == list(range(index[0], index[0] + step * len(index), step)):
            stop = index[-1] + step
            return f"{first[0]}[{index[0]}:{stop if stop >= 0 else 'None'}:{step}]"
    return None
