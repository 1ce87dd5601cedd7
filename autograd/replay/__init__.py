"""Compiled replay: trace a function of Values once, then run it again for new numbers without Values.

:func:`compile` returns a :class:`Program`. Its first call with numbers of a given shape
(floats, or lanes of some length) runs the function on Values — the eager engine, whose
numbers it returns — and keeps the graph as a tape. Later calls replay the tape as generated
Python: straight-line code, with long runs of a repeated block rolled into loops; numpy for
lanes. The forward value and the local derivatives of every node come from the rule table,
and the reverse pass adds the gradients up in the order :func:`autograd.backward` does, so
a replay gives the eager engine's numbers.

Never silently wrong: comparisons of Values and reads of ``.data`` during the trace are
*guards* (a call on which one comes out differently retraces, or raises
:class:`GuardError` when ``strict=True``); a nan or an overflow anywhere sends the call to
the eager engine, which raises its :class:`~autograd.DomainError` naming the op;
``check=True`` compares the first calls with the eager engine.
"""

from autograd.replay.program import (
    CHECK_CALLS,
    GIVE_UP_AFTER,
    MAX_TRACES,
    GuardError,
    Program,
    ReplayMismatchError,
    compile,
)
from autograd.replay.trace import TraceError

__all__ = [
    "CHECK_CALLS",
    "GIVE_UP_AFTER",
    "MAX_TRACES",
    "GuardError",
    "Program",
    "ReplayMismatchError",
    "TraceError",
    "compile",
]
