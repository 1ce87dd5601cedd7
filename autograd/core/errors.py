"""Errors, their messages, and the checks every recorded op passes — written once.

The recording code (:mod:`autograd.core.value`) evaluates a rule's forward value and local
derivatives; when they are not all finite floats (or the rule raised), it hands them to
:func:`checked_values` or :func:`failed_values` here, which raise :class:`DomainError` (or a
``TypeError`` for a user op returning something that is not a number) naming the op and
its arguments, e.g. ``log(-1.0) is undefined: needs x > 0``.
"""

from __future__ import annotations

import math
import numbers
from contextvars import ContextVar
from typing import cast

from autograd.core.rules import Rule

__all__ = ["DomainError"]

_isfinite = math.isfinite
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "powv": "**"}


class DomainError(ValueError):
    """An operation was applied where it (or its derivative) is undefined or overflows.

    The message names the op and the offending value, e.g. ``log(-1.0)``.
    """


def describe_op(rule: Rule, xs: tuple[float, ...], param: float | None) -> str:
    """Human-readable form of an op application, for error messages."""
    if rule.name in _SYMBOLS:
        a, b = xs
        return f"({a!r}) {_SYMBOLS[rule.name]} ({b!r})" if a < 0 else f"{a!r} {_SYMBOLS[rule.name]} {b!r}"
    if rule.name == "pow":
        return f"({xs[0]!r}) ** {param!r}" if xs[0] < 0 else f"{xs[0]!r} ** {param!r}"
    if rule.name == "rpow" and param is not None:
        return f"({param!r}) ** {xs[0]!r}" if param < 0 else f"{param!r} ** {xs[0]!r}"
    shown = [repr(x) for x in xs[:6]]
    if len(xs) > 6:
        shown.append(f"… {len(xs)} arguments in all")
    args = ", ".join(shown)
    if param is not None:
        args += f", {param!r}"
    return f"{rule.name}({args})"


def undefined_error(rule: Rule, xs: tuple[float, ...], param: float | None, exc: Exception) -> DomainError:
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, OverflowError) and reason in ("math range error", "(34, 'Numerical result out of range')"):
        reason = "overflows float64"
    return DomainError(f"{describe_op(rule, xs, param)} is undefined: {reason}")


# Building the graph of a gradient (``grad(..., create_graph=True)``) records the rules'
# derivative formulas as nodes. A node there whose own local derivative is infinite or
# undefined (``x ** 0.5`` at 0, inside the derivative of ``x ** 1.5``) is recorded with nan
# for it, so the finite first derivative is returned; a gradient actually taken through that
# node then raises (DomainError from backward/grad, naming the node).
deferring: ContextVar[bool] = ContextVar("chainrule_defer_local", default=False)


def finite_floats(local: object, n: int) -> bool:
    """``local`` is a tuple of ``n`` finite floats: all :func:`checked_values` would check, found
    without calling it (the rules that do not promise ``finite_local``: ``÷``, ``log`` …)."""
    if type(local) is not tuple or len(local) != n:
        return False
    for d in local:  # noqa: SIM110 - a loop: all() over a generator costs more on the hot path
        if type(d) is not float or not _isfinite(d):
            return False
    return True


def checked_values(
    rule: Rule,
    xs: tuple[float, ...],
    param: float | None,
    out: object,
    local: tuple[object, ...],
    n: int,
    constant: tuple[bool, ...] = (),
) -> tuple[float, tuple[float, ...]]:
    """The checks the fast cases skip, written once: ``out`` and ``local`` as finite floats.

    ``n`` is the number of parents (0 when nothing is recorded). A user op's numpy
    scalars become floats; a ``local`` of the wrong shape is a TypeError saying so; a value
    or local derivative that is not a number is a TypeError, nan (undefined) or ±inf
    (overflow) a :class:`DomainError` — except the derivative with respect to an operand
    that is a plain number (``constant[i]``): no gradient the user can ask for goes through
    it, so ``Value(2.0) / 1e-160`` is 2e160 with its finite gradient, and the constant's own
    (shown in pictures) is the ±inf or nan it is.
    """
    out = _as_float(out)
    if n and (type(local) is not tuple or len(local) != n or any(type(d) is not float for d in local)):
        local = _derivatives(rule, local, n)
    checked = (out,) if rule.finite_local and type(out) is float and _isfinite(out) else (out, *local)
    for i, x in enumerate(checked):
        if type(x) is float and (_isfinite(x) or (i and len(checked) == n + 1 and constant and constant[i - 1])):
            continue
        what = "value" if i == 0 else f"local derivative {i - 1}"
        if type(x) is not float:
            raise TypeError(f"op {rule.name!r}: its {what} must be a float, got {type(x).__name__}: {x!r}")
        if i and deferring.get():
            floats = cast("tuple[float, ...]", local)  # floats here, as the loop checks them
            return cast(float, out), tuple(d if _isfinite(d) else math.nan for d in floats)
        problem = "is undefined" if math.isnan(x) else "overflows float64"
        raise DomainError(f"{describe_op(rule, xs, param)} {problem} ({what} {x!r})")
    return cast(float, out), cast("tuple[float, ...]", local)  # each checked in the loop


def failed_values(
    rule: Rule, xs: tuple[float, ...], param: float | None, exc: Exception, n: int
) -> tuple[float, tuple[float, ...]]:
    """The forward or the local derivatives raised: a :class:`DomainError` naming the op.

    Only while the graph of a gradient is built (see ``deferring``) and only when the
    forward value is fine, the node is recorded with nan local derivatives instead.
    """
    if not (n and deferring.get()):
        raise undefined_error(rule, xs, param, exc) from None
    try:
        out = rule.forward(*xs) if param is None else rule.forward(*xs, param)
    except (ValueError, ZeroDivisionError, OverflowError) as forward_exc:
        raise undefined_error(rule, xs, param, forward_exc) from None
    return checked_values(rule, xs, param, out, (math.nan,) * n, n)


def _as_float(x: object) -> object:
    """A user op's number as a float (numpy scalars are numbers too); other types pass to :func:`checked_values`."""
    if type(x) is float or isinstance(x, bool) or not isinstance(x, numbers.Real):
        return x
    return float(x)


def _derivatives(rule: Rule, local: object, n: int) -> tuple[object, ...]:
    """A user op's local derivatives as a tuple of ``n`` numbers, or a TypeError saying what is wrong."""
    if not isinstance(local, tuple | list):
        raise TypeError(
            f"op {rule.name!r}: local must return a tuple with one derivative per input, got {type(local).__name__}"
        )
    if len(local) != n:
        raise TypeError(f"op {rule.name!r}: local returned {len(local)} derivative(s) for {n} input(s)")
    return tuple(_as_float(d) for d in local)
