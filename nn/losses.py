"""Losses of one sample — or of every sample at once, lane by lane — and softmax, built from engine Values.

Each loss takes a model's output for one sample (a Value, or a list of Values for
several outputs) and that sample's target; :func:`nn.fit` averages (or sums) them over
a batch.

With lanes (see :meth:`nn.Module.batch`), the same functions take outputs holding one
lane per sample and targets holding one value per sample (a 1-D array for one output;
an ``(n, k)`` array or a list of ``k`` such columns for ``k`` outputs), and return the
per-sample losses as lanes, each lane equal to the loss of that sample alone. Reduce
them to the batch loss with ``.mean()`` or ``.sum()``.

>>> from autograd import Value
>>> y = Value(0.8)
>>> round(squared_error(y, 0.5).data, 12)        # the seeds' E = ½(d − y)²
0.045
>>> round(hinge(Value(0.3), -1).data, 12)
1.3
>>> import numpy as np
>>> scores = Value(np.array([0.3, 2.0, -0.5]))   # three samples' scores, as lanes
>>> losses = hinge(scores, np.array([-1, 1, 1]))
>>> losses.data.tolist(), round(losses.mean().data, 12)
([1.3, 0.0, 1.5], 0.933333333333)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from autograd import Value, dot, vsum

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "l2_penalty",
    "mse",
    "softmax",
    "squared_error",
    "sum_of_squares",
]

Lanes = NDArray[np.float64]
Output = Value | Sequence[Value]
#: A number, one number per output, or with lanes: one value per sample (1-D arrays, or an (n, k) array).
Target = float | Sequence[float | NDArray[Any]] | NDArray[Any]
#: A checked target of one output: a float, or one float per lane (a 1-D float64 array). Typed Any:
#: numpy's stubs do not know that ``lanes * value`` hands over to ``Value.__rmul__`` and gives a Value.
Checked = Any


def _outputs(output: Output, who: str) -> tuple[list[Value], int | None]:
    """The outputs as a list of Values, and their lane count (None: no lanes)."""
    if isinstance(output, Value):
        outs = [output]
    elif isinstance(output, Sequence) and not isinstance(output, (str, bytes)):
        outs = list(output)
    else:
        raise TypeError(f"{who}: outputs must be Values, got {type(output).__name__}")
    if not outs:
        raise ValueError(f"{who}: needs at least one output")
    for o in outs:
        if not isinstance(o, Value):
            raise TypeError(f"{who}: outputs must be Values, got {type(o).__name__}")
    lengths = sorted({o.lanes for o in outs if o.lanes is not None})
    if len(lengths) > 1:
        raise ValueError(f"{who}: the outputs hold lanes of different lengths {lengths}")
    return outs, (lengths[0] if lengths else None)


def _target(t: object, n: int | None, who: str) -> Checked:
    """One output's target: a finite number, or a 1-D array with one finite number per lane."""
    if isinstance(t, np.ndarray) and t.ndim == 0:
        t = t.item()
    if not isinstance(t, np.ndarray):
        return _real(t, f"{who}: target")
    if t.ndim != 1:
        raise ValueError(f"{who}: a target column must be 1-D (one value per sample), got shape {t.shape}")
    if t.dtype.kind not in "iuf":
        raise TypeError(f"{who}: targets must be real numbers, got dtype {t.dtype}")
    if t.size == 0:
        raise ValueError(f"{who}: the targets are empty")
    if n is not None and len(t) != n:
        raise ValueError(f"{who}: the output holds {n} lanes but the target {len(t)} values")
    lanes = t.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(lanes))
    if bad.size:
        raise ValueError(f"{who}: target must be finite, got {float(lanes[bad[0]])!r} at lane {bad[0]}")
    return lanes


def _pairs(output: Output, target: Target, who: str) -> list[tuple[Value, Checked]]:
    """Match outputs with targets: one Value with a number (or lanes), or equally long sequences."""
    outs, n = _outputs(output, who)
    k = len(outs)
    targets: list[object]
    if isinstance(target, np.ndarray) and target.ndim >= 1:
        if target.ndim == 2:
            if n is None:
                raise ValueError(f"{who}: a 2-D target needs outputs holding lanes, got shape {target.shape}")
            if target.shape != (n, k):
                raise ValueError(
                    f"{who}: {k} output(s) of {n} lanes need targets of shape ({n}, {k}), got {target.shape}"
                )
            targets = list(target.T)
        elif target.ndim > 2:
            raise ValueError(f"{who}: targets must be at most 2-D (samples × outputs), got shape {target.shape}")
        elif k == 1:
            targets = [target]  # one value per lane
        elif n is not None:
            raise ValueError(
                f"{who}: {k} outputs hold {n} lanes: give the targets as an ({n}, {k}) array or a list of {k} columns"
            )
        else:
            targets = list(target)  # one value per output
    elif isinstance(target, np.ndarray) or (isinstance(target, numbers.Real) and not isinstance(target, bool)):
        targets = [target]
    elif isinstance(target, Sequence) and not isinstance(target, (str, bytes)):
        targets = list(target)
    else:
        raise TypeError(f"{who}: target must be a number or a sequence of numbers, got {type(target).__name__}")
    if len(outs) != len(targets):
        raise ValueError(f"{who}: {len(outs)} output(s) but {len(targets)} target(s)")
    return [(o, _target(t, n, who)) for o, t in zip(outs, targets, strict=True)]


def _real(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


def _lanes_of(*xs: Any) -> int | None:
    """The lane count among floats and 1-D arrays (None when all are floats)."""
    for x in xs:
        if type(x) is not float:
            return len(x)
    return None


def squared_error(output: Output, target: Target) -> Value:
    """``E = ½ Σ (d − y)²``, the seeds' error: its derivative is simply ``y − d``."""
    return 0.5 * sum_of_squares(output, target)


def sum_of_squares(output: Output, target: Target) -> Value:
    """``Σ (d − y)²`` over the outputs (for one output: ``(d − y)²``)."""
    pairs = _pairs(output, target, "sum_of_squares")
    if len(pairs) == 1:
        y, d = pairs[0]
        square: Value = (d - y) ** 2
        return square
    return vsum((d - y) ** 2 for y, d in pairs)


def mse(output: Output, target: Target) -> Value:
    """Mean over the outputs of ``(d − y)²``; :func:`nn.fit` then averages over samples."""
    pairs = _pairs(output, target, "mse")
    total = sum_of_squares([y for y, _ in pairs], [d for _, d in pairs])
    return total if len(pairs) == 1 else total / len(pairs)


def _check_probability_target(t: Checked, who: str) -> None:
    if type(t) is float:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"{who}: target must be between 0 and 1, got {t!r}")
        return
    bad = np.flatnonzero((t < 0.0) | (t > 1.0))
    if bad.size:
        raise ValueError(f"{who}: target must be between 0 and 1, got {float(t[bad[0]])!r} at lane {bad[0]}")


_SATURATED = "(the sigmoid saturated); use binary_cross_entropy_with_logits on the pre-sigmoid value"


def binary_cross_entropy(p: Value, target: Target) -> Value:
    """``−[t·log p + (1 − t)·log(1 − p)]`` for a probability ``p`` (e.g. a sigmoid output).

    Terms whose coefficient is 0 are left out, so a target of exactly 0 or 1 needs
    only the one logarithm it uses. With lanes, a lane whose target is 0 (or 1) gets
    the unused logarithm's argument shifted by 1 — finite, times its coefficient 0 —
    so every lane has the value and the gradient of its sample alone.

    Raises:
        ValueError: if ``p`` is not strictly between 0 and 1 where a logarithm needs it
            (a saturated sigmoid: use :func:`binary_cross_entropy_with_logits`).
    """
    who = "binary_cross_entropy"
    ((p, t),) = _pairs(p, target, who)
    _check_probability_target(t, who)
    pd: Any = p.data
    if type(t) is float and type(pd) is float:
        terms: list[Value] = []
        if t > 0.0:
            if not pd > 0.0:
                raise ValueError(f"{who}: log(p) needs p > 0, got p = {pd!r} {_SATURATED}")
            terms.append(t * p.log())
        if t < 1.0:
            if not pd < 1.0:
                raise ValueError(f"{who}: log(1 − p) needs p < 1, got p = {pd!r} {_SATURATED}")
            terms.append((1.0 - t) * (1.0 - p).log())
        return -(terms[0] if len(terms) == 1 else terms[0] + terms[1])
    n = _lanes_of(pd, t) or 1
    tl, pl = np.broadcast_to(t, (n,)), np.broadcast_to(pd, (n,))
    uses_log_p, uses_log_q = tl > 0.0, tl < 1.0
    for uses, ok, what in (
        (uses_log_p, pl > 0.0, "log(p) needs p > 0"),
        (uses_log_q, pl < 1.0, "log(1 − p) needs p < 1"),
    ):
        bad = np.flatnonzero(uses & ~ok)
        if bad.size:
            raise ValueError(f"{who}: {what}, got p = {float(pl[bad[0]])!r} at lane {bad[0]} {_SATURATED}")
    lane_terms: list[Value] = []
    if uses_log_p.any():
        shift = np.where(uses_log_p, 0.0, 1.0)
        lane_terms.append(t * (p + shift if shift.any() else p).log())
    if uses_log_q.any():
        shift = np.where(uses_log_q, 0.0, 1.0)
        q = 1.0 - p
        lane_terms.append((1.0 - t) * (q + shift if shift.any() else q).log())
    return -(lane_terms[0] if len(lane_terms) == 1 else lane_terms[0] + lane_terms[1])


def binary_cross_entropy_with_logits(z: Value, target: Target) -> Value:
    """Binary cross-entropy of ``sigmoid(z)``, computed stably from the logit ``z``.

    ``BCE = log(1 + e^z) − t·z``, evaluated on the side of 0 where nothing overflows:
    ``z − t·z + log1p(e^−z)`` for ``z ≥ 0`` and ``−t·z + log1p(e^z)`` for ``z < 0`` (log1p keeps
    the tiny losses of confident right answers: 4.25e-18 at z = 40, t = 1, not 0).
    Each branch is the same smooth function, so the gradient is ``sigmoid(z) − t``
    everywhere (also at 0), for any finite ``z``. With lanes, each lane takes its own
    side: ``(s − t)·z + log1p(e^−(σ·z))`` with ``s = 1, σ = 1`` where ``z ≥ 0`` and
    ``s = 0, σ = −1`` elsewhere — the same numbers as the scalar branches.
    """
    who = "binary_cross_entropy_with_logits"
    ((z, t),) = _pairs(z, target, who)
    _check_probability_target(t, who)
    zd: Any = z.data
    if type(zd) is float:
        loss: Value = (1.0 - t) * z + (-z).exp().log1p() if zd >= 0.0 else z.exp().log1p() - t * z
        return loss
    side: Any = np.where(zd >= 0.0, 1.0, 0.0)
    lanes_loss: Value = (side - t) * z + (-(z * (2.0 * side - 1.0))).exp().log1p()
    return lanes_loss


def _lane_max(datas: list[Any]) -> Any:
    """The largest value among floats and lanes, lane by lane (a float when none holds lanes)."""
    if all(type(d) is float for d in datas):
        return max(datas)
    return np.max(np.broadcast_arrays(*datas), axis=0)


def softmax(values: Sequence[Value]) -> list[Value]:
    """``e^vᵢ / Σ e^vⱼ`` for each value, computed stably (the largest value is subtracted first).

    With lanes, the largest value is taken lane by lane.

    >>> from autograd import Value
    >>> [round(p.data, 6) for p in softmax([Value(1.0), Value(2.0), Value(3.0)])]
    [0.090031, 0.244728, 0.665241]
    """
    vs = list(values)
    if not vs:
        raise ValueError("softmax needs at least one value")
    vs, _ = _outputs(vs, "softmax")
    m = _lane_max([v.data for v in vs])
    exps = [(v - m).exp() for v in vs]
    total = vsum(exps)
    return [e / total for e in exps]


def _class_index(target: object, classes: int, n: int | None) -> int | NDArray[np.int64]:
    """A class index, or one per lane, checked against the number of classes."""
    who = "cross_entropy"
    if isinstance(target, np.ndarray) and target.ndim == 0:
        target = target.item()
    if isinstance(target, np.ndarray):
        if target.ndim != 1 or target.dtype.kind not in "iu" or target.size == 0:
            raise TypeError(
                f"{who}: target must be a class index (int) or a 1-D integer array of them (one per sample), "
                f"got an array of shape {target.shape} and dtype {target.dtype}"
            )
        if n is not None and len(target) != n:
            raise ValueError(f"{who}: the logits hold {n} lanes but the target {len(target)} class indices")
        bad = np.flatnonzero((target < 0) | (target >= classes))
        if bad.size:
            raise ValueError(
                f"{who}: class index {int(target[bad[0]])} out of range for {classes} classes at lane {bad[0]}"
            )
        indices: NDArray[np.int64] = target.astype(np.int64)
        return indices
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"{who}: target must be a class index (int), got {type(target).__name__}: {target!r}")
    k = int(target)
    if not 0 <= k < classes:
        raise ValueError(f"{who}: class index {k} out of range for {classes} classes")
    return k


def cross_entropy(logits: Sequence[Value], target: int | NDArray[Any]) -> Value:
    """Softmax cross-entropy ``log Σ e^zⱼ − z_target`` for class index ``target``, computed stably.

    With lanes, ``target`` may hold one class index per lane (a 1-D integer array);
    ``z_target`` is then picked lane by lane as one ``dot`` node with one-hot lanes.

    >>> from autograd import Value
    >>> round(cross_entropy([Value(1.0), Value(2.0), Value(3.0)], 2).data, 6)
    0.407606
    """
    zs = [logits] if isinstance(logits, Value) else list(logits)
    if len(zs) < 2:
        raise ValueError(f"cross_entropy needs at least 2 logits (one per class), got {len(zs)}")
    zs, n = _outputs(zs, "cross_entropy")
    k = _class_index(target, len(zs), n)
    m = _lane_max([z.data for z in zs])
    picked = zs[k] if isinstance(k, int) else dot([Value(np.where(k == j, 1.0, 0.0)) for j in range(len(zs))], zs)
    loss: Value = m + vsum((z - m).exp() for z in zs).log() - picked
    return loss


def hinge(score: Value, target: Target) -> Value:
    """The max-margin loss ``relu(1 − y·score)`` for a label ``y`` of −1 or +1 (or one label per lane)."""
    ((s, y),) = _pairs(score, target, "hinge")
    if type(y) is float:
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge: target must be -1 or +1, got {y!r}")
    else:
        bad = np.flatnonzero((y != 1.0) & (y != -1.0))
        if bad.size:
            raise ValueError(f"hinge: target must be -1 or +1, got {float(y[bad[0]])!r} at lane {bad[0]}")
    loss: Value = (1.0 - y * s).relu()
    return loss


def l2_penalty(params: Sequence[Value], alpha: float) -> Value:
    """``alpha · Σ p²`` over ``params``, as one ``dot`` node (``p·p``) times ``alpha``."""
    a = _real(alpha, "l2_penalty: alpha")
    if a < 0.0:
        raise ValueError(f"l2_penalty: alpha must be >= 0, got {a!r}")
    ps = list(params)
    if not ps:
        raise ValueError("l2_penalty needs at least one parameter")
    return a * dot(ps, ps)
