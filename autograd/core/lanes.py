"""Lanes: a Value whose ``data`` is a 1-D float64 array, one scalar per sample.

Every rule applies lane-wise (:func:`evaluate`); where lanes meet a scalar, the scalar's
gradient is the sum over the lanes (:func:`sum_to`, the one place that sums: the reverse
pass calls it for every contribution, or :func:`contributions` for a node of many parents).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from autograd.core.data import is_constant
from autograd.core.errors import DomainError, deferring, describe_op, undefined_error
from autograd.core.functions import is_lanes, load_numpy
from autograd.core.rules import BUILTIN_OPS, Rule

if TYPE_CHECKING:
    from autograd.core.data import Data
    from autograd.core.value import Value

__all__ = ["contributions", "evaluate", "sum_to"]


def _lane_count(xs: tuple[Any, ...]) -> int:
    """The common length of the lanes among ``xs`` (floats broadcast); ValueError if they differ."""
    lengths = {len(x) for x in xs if type(x) is not float}
    if len(lengths) > 1:
        raise ValueError(f"lanes of different lengths meet: {sorted(lengths)}")
    return lengths.pop()


def _first_bad_lane(values: Data) -> int | None:
    """Index of the first lane that is not finite, or None (for a float: 0 if not finite)."""
    if type(values) is float:
        return None if math.isfinite(values) else 0
    np = load_numpy()
    if math.isfinite(np.add.reduce(values)):  # a nan or ±inf lane makes the sum nan or ±inf (call under errstate)
        return None
    finite = np.isfinite(values)
    if finite.all():  # finite lanes whose sum overflowed
        return None
    return int(np.flatnonzero(~finite)[0])


def _at_lane(xs: tuple[Any, ...], i: int) -> tuple[float, ...]:
    return tuple(x if type(x) is float else float(x[i]) for x in xs)


def evaluate(
    rule: Rule, xs: tuple[Any, ...], param: float | None, recording: bool, parents: tuple[Value, ...] = ()
) -> tuple[Any, tuple[Any, ...]]:
    """The rule applied lane-wise with numpy: its value and (when ``recording``) local derivatives.

    Domain errors are found from non-finite results and name the first bad lane. While the
    graph of a gradient is built (``errors.deferring``), a local derivative that is not finite
    is recorded as nan in its lanes, as on scalars, and raises only if a gradient uses it.
    As on scalars, the derivative towards a parent that is a plain number made a leaf (one of
    ``parents``, the nodes ``xs`` came from) is not checked: no gradient the user can ask for
    goes through it, so ``Value(lanes) / 1e-160`` is ``lanes * 1e160`` with finite gradients.
    """
    np = load_numpy()
    _lane_count(xs)
    forward = rule.lanes or rule.forward
    extra = () if param is None else (param,)
    with np.errstate(all="ignore"):
        try:
            out = forward(*xs, *extra)
            local = rule.local(out, *xs, *extra) if recording else ()
        except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError) as exc:
            if not (recording and deferring.get()):
                raise _lane_error(rule, xs, param, exc) from None
            out, local = _deferred_lanes(rule, xs, param, exc)
        except TypeError as exc:
            raise TypeError(
                f"op {rule.name!r} on lanes: {exc} (its forward and local get numpy arrays here; "
                "define_op(..., lanes=...) takes a separate forward for arrays)"
            ) from exc
        if type(out) is not float:
            out = np.asarray(out, dtype=np.float64)
            if out.ndim == 0:
                out = float(out)
        # (still under errstate: the finite checks' own sums may overflow, and say nothing)
        bad = _first_bad_lane(out)
        if bad is not None:
            at = _at_lane(xs, bad)
            raise DomainError(f"{describe_op(rule, at, param)} is undefined or overflows at lane {bad}")
        for i, d in enumerate(() if rule.finite_local else local):
            bad = _first_bad_lane(d if type(d) is float else np.asarray(d, dtype=np.float64))
            if bad is not None and not (i < len(parents) and is_constant(parents[i])):
                if deferring.get():  # inside a gradient's graph: nan, raised only if a gradient uses it
                    return out, tuple(_nan_where_not_finite(np, d) for d in local)
                at = _at_lane(xs, bad)
                raise DomainError(f"{describe_op(rule, at, param)}: local derivative is not finite at lane {bad}")
    return out, tuple(local)


def _nan_where_not_finite(np: Any, d: Any) -> Any:
    if type(d) is float:
        return d if math.isfinite(d) else math.nan
    d = np.asarray(d, dtype=np.float64)
    return np.where(np.isfinite(d), d, np.nan)


def _deferred_lanes(
    rule: Rule, xs: tuple[Any, ...], param: float | None, exc: Exception
) -> tuple[Any, tuple[Any, ...]]:
    """A rule that raised on whole lanes while a gradient's graph is built (``deferring``), as on
    scalars: a value that fails is the error (:func:`_lane_error`); local derivatives that fail
    are found lane by lane with the scalar rule, and a lane where they fail gets nan for them,
    raised only if a gradient uses it."""
    np = load_numpy()
    extra = () if param is None else (param,)
    try:
        out = (rule.lanes or rule.forward)(*xs, *extra)
    except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError):
        raise _lane_error(rule, xs, param, exc) from None
    values = np.broadcast_to(np.asarray(out, dtype=np.float64), (_lane_count(xs),))
    local: list[tuple[float, ...]] = []
    for i in range(len(values)):
        try:
            local.append(tuple(rule.local(float(values[i]), *_at_lane(xs, i), *extra)))
        except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError):
            local.append((math.nan,) * len(xs))
    derivatives = np.array(local, dtype=np.float64).reshape(len(values), len(xs)).T
    return out, tuple(_nan_where_not_finite(np, d) for d in derivatives)


def _lane_error(rule: Rule, xs: tuple[Any, ...], param: float | None, exc: Exception) -> DomainError:
    """The error of a rule that raised on whole lanes (a plain float divisor of 0.0, say): found
    lane by lane with the scalar rule and named as the lane-wise checks name it — the first lane
    whose value fails, else the first derivative, in order, with a lane that fails. A user op whose
    forward takes arrays (no separate ``lanes=`` forward) may refuse whole lanes for its own reason
    (unsorted input, say), which a lane alone cannot show: its own message is kept."""
    if rule.lanes is None and rule.name not in BUILTIN_OPS:
        return undefined_error(rule, xs, param, exc)
    extra = () if param is None else (param,)
    lanes = [_at_lane(xs, i) for i in range(_lane_count(xs))]
    outs: list[float] = []
    for at in lanes:
        try:
            outs.append(rule.forward(*at, *extra))
        except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError):
            outs.append(math.nan)
    bad = next((i for i, out in enumerate(outs) if not math.isfinite(out)), None)
    if bad is not None:
        return DomainError(f"{describe_op(rule, lanes[bad], param)} is undefined or overflows at lane {bad}")
    local: list[tuple[float, ...]] = []
    for at, out in zip(lanes, outs, strict=True) if not rule.finite_local else ():
        try:
            local.append(tuple(rule.local(out, *at, *extra)))
        except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError):
            local.append((math.nan,) * len(at))
    for k in range(len(xs)):
        bad = next((i for i, d in enumerate(local) if not math.isfinite(d[k])), None)
        if bad is not None:
            return DomainError(f"{describe_op(rule, lanes[bad], param)}: local derivative is not finite at lane {bad}")
    return DomainError(f"{rule.name} on lanes is undefined: {str(exc) or type(exc).__name__}")


def sum_to(like: Any, g: Any) -> Any:
    """``g`` summed over its lanes when ``like`` (the data of the gradient's destination) is a scalar.

    The one place where lanes meet a scalar: a scalar that fed lanes gets the sum of the
    lanes' shares. ``g`` is a float, lanes, or a Value (then summed with ``.sum()``, in the graph).
    """
    if type(like) is not float or type(g) is float:
        return g
    if is_lanes(g):
        return float(g.sum())
    return g if type(g._data) is float else g.sum()


def contributions(parents: tuple[Any, ...], local: tuple[Any, ...], g: Any) -> list[Any] | None:
    """Each parent's contribution ``local[i] * g``, summed over the lanes for a scalar parent
    (:func:`sum_to`), for a node of many parents whose gradient ``g`` is lanes (a neuron's ``dot``).

    The reverse pass's own steps, with the products taken together: the float derivatives
    (a neuron's weights, towards its inputs) as one outer product with ``g``, and the lanes
    derivatives towards scalar parents (its inputs, towards the weights) as one 2-D array
    times ``g``, each row then summed. The same numbers bit for bit: every product is the same
    IEEE product, and numpy sums each row of a 2-D array exactly as it sums a 1-D array of
    that length. None when the derivatives are not plain float64 lanes of ``g``'s length (a
    user op's may not be): the caller then takes the steps one by one.
    """
    np = load_numpy()
    if g.dtype != np.float64 or g.ndim != 1:
        return None
    floats = [i for i, d in enumerate(local) if type(d) is float]
    stacked = [i for i, d in enumerate(local) if type(d) is not float and type(parents[i]._data) is float]
    out: list[Any] = [None] * len(local)
    if floats:
        products = np.multiply.outer(np.array([local[i] for i in floats]), g)
        sums = products.sum(axis=1).tolist()
        for k, i in enumerate(floats):
            out[i] = sums[k] if type(parents[i]._data) is float else products[k]
    if stacked:
        try:
            rows = np.array([local[i] for i in stacked])
        except ValueError:  # lanes of different shapes
            return None
        if rows.dtype != np.float64 or rows.shape != (len(stacked), len(g)):
            return None
        for i, total in zip(stacked, (rows * g).sum(axis=1).tolist(), strict=True):
            out[i] = total
    for i, d in enumerate(local):
        if out[i] is None:  # lanes derivative towards a parent holding lanes
            out[i] = d * g
    return out
