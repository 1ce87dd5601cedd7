"""gradcheck's finite differences through a compiled replay, where it provably computes what f computes.

A check evaluates f at many probes ``x ± h``, each of the same shape as the point. A replay
(:func:`autograd.compile`) computes the numbers of one traced graph without building Values,
with the same rule functions in the same order as the eager engine, so its numbers are the
eager engine's, bit for bit — *for that graph*. It is f itself only when nothing f computes
depends on its inputs outside the graph. :func:`probe_replay` gives one only when, at the point
(for ``gradcheck``, and for ``gradcheck_params``, whose loss reads parameters perturbed in place):

- the trace recorded no guard: f compares no Value and reads no ``.data``, so every probe
  takes the path through f that the trace took (a function with a data-dependent branch is
  evaluated eagerly);
- the trace raised no :class:`~autograd.replay.trace.TraceError`: f records nothing under
  ``no_grad`` and differentiates only to Values (a gradient taken as numbers inside f would be
  baked into the program as a constant);
- every op of the graph is a built-in (a user op's forward may keep state that a replay
  evaluated once would not see change);
- the replay at the point gives exactly (bit for bit) the numbers the eager engine gave there.

Otherwise, and for every probe where the replay meets a nan, an overflow or a domain error
(the program then runs the eager engine, whose errors name the op), f is evaluated eagerly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.core.engine import topological_order
from autograd.core.rules import BUILTIN_OPS
from autograd.core.value import Value
from autograd.replay import Program, compile

__all__ = ["flat_numbers", "probe_replay"]


def flat_numbers(result: Any) -> list[float]:
    """A program's value (a number, lanes, or a tuple of them) as flat floats, as ``flat_values`` gives them."""
    outs = result if type(result) is tuple else (result,)
    flat: list[float] = []
    for o in outs:
        if type(o) is float:
            flat.append(o)
        else:
            flat.extend(float(v) for v in o)
    return flat


def probe_replay(
    f: Callable[..., Any],
    args: Sequence[Any],
    outputs: Sequence[Value],
    f0: Sequence[float],
    params: Sequence[Value] = (),
) -> Program | None:
    """A compiled program of ``f`` whose ``forward(*args)`` gives what ``f(*Values of args)`` gives,
    or None when that cannot be shown.

    ``args`` are f's arguments at the point (none for a loss of ``params``, the Values it reads
    and a check perturbs in place), ``outputs`` f's graph built eagerly there and ``f0`` the
    numbers f gave there (checked deterministic by the caller).
    """
    if any(node.op and node.op not in BUILTIN_OPS for o in outputs for node in topological_order(o)):
        return None
    program = compile(f, params=params, strict=True, exact=True)  # probes must be the eager numbers, bit for bit
    try:
        program.forward(*args)  # the trace (its numbers are the eager engine's own)
        at_point = flat_numbers(program.forward(*args))  # the replay
    except Exception:  # whatever stops the trace (a TraceError saying why): f is evaluated eagerly, as before
        return None
    if program.traces != 1 or program.guards or program.gave_up is not None:
        return None
    if [x.hex() for x in at_point] != [x.hex() for x in f0]:
        return None
    return program
