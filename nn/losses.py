"""Losses of one sample, and softmax, built from engine Values (so every gradient is the engine's).

Each loss takes a model's output for one sample (a Value, or a list of Values for
several outputs) and that sample's target; :func:`nn.fit` averages (or sums) them over
a batch.

>>> from autograd import Value
>>> y = Value(0.8)
>>> round(squared_error(y, 0.5).data, 12)        # the seeds' E = ½(d − y)²
0.045
>>> round(hinge(Value(0.3), -1).data, 12)
1.3
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd import Value, dot, vsum

__all__ = [
    "LOSSES",
    "LossSpec",
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

Output = Value | Sequence[Value]
Target = float | Sequence[float]


def _pairs(output: Output, target: Target, who: str) -> list[tuple[Value, float]]:
    """Match outputs with targets: one Value with a number, or equally long sequences."""
    outs = [output] if isinstance(output, Value) else list(output)
    if isinstance(target, numbers.Real) and not isinstance(target, bool):
        targets = [float(target)]
    elif isinstance(target, Sequence) and not isinstance(target, (str, bytes)):
        targets = [_real(t, f"{who}: target") for t in target]
    else:
        raise TypeError(f"{who}: target must be a number or a sequence of numbers, got {type(target).__name__}")
    if len(outs) != len(targets):
        raise ValueError(f"{who}: {len(outs)} output(s) but {len(targets)} target(s)")
    if not outs:
        raise ValueError(f"{who}: needs at least one output")
    for o in outs:
        if not isinstance(o, Value):
            raise TypeError(f"{who}: outputs must be Values, got {type(o).__name__}")
    return list(zip(outs, targets, strict=True))


def _real(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


def squared_error(output: Output, target: Target) -> Value:
    """``E = ½ Σ (d − y)²``, the seeds' error: its derivative is simply ``y − d``."""
    return 0.5 * sum_of_squares(output, target)


def sum_of_squares(output: Output, target: Target) -> Value:
    """``Σ (d − y)²`` over the outputs (for one output: ``(d − y)²``)."""
    pairs = _pairs(output, target, "sum_of_squares")
    if len(pairs) == 1:
        y, d = pairs[0]
        return (d - y) ** 2
    return vsum((d - y) ** 2 for y, d in pairs)


def mse(output: Output, target: Target) -> Value:
    """Mean over the outputs of ``(d − y)²``; :func:`nn.fit` then averages over samples."""
    pairs = _pairs(output, target, "mse")
    total = sum_of_squares([y for y, _ in pairs], [d for _, d in pairs])
    return total if len(pairs) == 1 else total / len(pairs)


def _check_probability_target(t: float, who: str) -> float:
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"{who}: target must be between 0 and 1, got {t!r}")
    return t


def binary_cross_entropy(p: Value, target: float) -> Value:
    """``−[t·log p + (1 − t)·log(1 − p)]`` for a probability ``p`` (e.g. a sigmoid output).

    Terms whose coefficient is 0 are left out, so a target of exactly 0 or 1 needs
    only the one logarithm it uses.

    Raises:
        ValueError: if ``p`` is not strictly between 0 and 1 where a logarithm needs it
            (a saturated sigmoid: use :func:`binary_cross_entropy_with_logits`).
    """
    ((p, t),) = _pairs(p, target, "binary_cross_entropy")
    _check_probability_target(t, "binary_cross_entropy")
    terms: list[Value] = []
    if t > 0.0:
        if not p.data > 0.0:
            raise ValueError(
                f"binary_cross_entropy: log(p) needs p > 0, got p = {p.data!r} (the sigmoid saturated); "
                "use binary_cross_entropy_with_logits on the pre-sigmoid value"
            )
        terms.append(t * p.log())
    if t < 1.0:
        if not p.data < 1.0:
            raise ValueError(
                f"binary_cross_entropy: log(1 − p) needs p < 1, got p = {p.data!r} (the sigmoid saturated); "
                "use binary_cross_entropy_with_logits on the pre-sigmoid value"
            )
        terms.append((1.0 - t) * (1.0 - p).log())
    return -(terms[0] if len(terms) == 1 else terms[0] + terms[1])


def binary_cross_entropy_with_logits(z: Value, target: float) -> Value:
    """Binary cross-entropy of ``sigmoid(z)``, computed stably from the logit ``z``.

    ``BCE = log(1 + e^z) − t·z``, evaluated on the side of 0 where nothing overflows:
    ``z − t·z + log(1 + e^−z)`` for ``z ≥ 0`` and ``−t·z + log(1 + e^z)`` for ``z < 0``.
    Each branch is the same smooth function, so the gradient is ``sigmoid(z) − t``
    everywhere (also at 0), for any finite ``z``.
    """
    ((z, t),) = _pairs(z, target, "binary_cross_entropy_with_logits")
    _check_probability_target(t, "binary_cross_entropy_with_logits")
    if z.data >= 0.0:
        return (1.0 - t) * z + (1.0 + (-z).exp()).log()
    return (1.0 + z.exp()).log() - t * z


def softmax(values: Sequence[Value]) -> list[Value]:
    """``e^vᵢ / Σ e^vⱼ`` for each value, computed stably (the largest value is subtracted first).

    >>> from autograd import Value
    >>> [round(p.data, 6) for p in softmax([Value(1.0), Value(2.0), Value(3.0)])]
    [0.090031, 0.244728, 0.665241]
    """
    vs = list(values)
    if not vs:
        raise ValueError("softmax needs at least one value")
    m = max(v.data for v in vs)
    exps = [(v - m).exp() for v in vs]
    total = vsum(exps)
    return [e / total for e in exps]


def cross_entropy(logits: Sequence[Value], target: int) -> Value:
    """Softmax cross-entropy ``log Σ e^zⱼ − z_target`` for class index ``target``, computed stably.

    >>> from autograd import Value
    >>> round(cross_entropy([Value(1.0), Value(2.0), Value(3.0)], 2).data, 6)
    0.407606
    """
    zs = [logits] if isinstance(logits, Value) else list(logits)
    if len(zs) < 2:
        raise ValueError(f"cross_entropy needs at least 2 logits (one per class), got {len(zs)}")
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"cross_entropy: target must be a class index (int), got {type(target).__name__}: {target!r}")
    k = int(target)
    if not 0 <= k < len(zs):
        raise ValueError(f"cross_entropy: class index {k} out of range for {len(zs)} classes")
    m = max(z.data for z in zs)
    return m + vsum((z - m).exp() for z in zs).log() - zs[k]


def hinge(score: Value, target: float) -> Value:
    """The max-margin loss ``relu(1 − y·score)`` for a label ``y`` of −1 or +1."""
    ((s, y),) = _pairs(score, target, "hinge")
    if y not in (-1.0, 1.0):
        raise ValueError(f"hinge: target must be -1 or +1, got {y!r}")
    return (1.0 - y * s).relu()


def l2_penalty(params: Sequence[Value], alpha: float) -> Value:
    """``alpha · Σ p²`` over ``params``, as one ``dot`` node (``p·p``) times ``alpha``."""
    a = _real(alpha, "l2_penalty: alpha")
    if a < 0.0:
        raise ValueError(f"l2_penalty: alpha must be >= 0, got {a!r}")
    ps = list(params)
    if not ps:
        raise ValueError("l2_penalty needs at least one parameter")
    return a * dot(ps, ps)


# -- what fit needs to know about each loss ------------------------------------------------


def _single(output: Output) -> Value | None:
    if isinstance(output, Value):
        return output
    return output[0] if len(output) == 1 else None


def _number(target: Target) -> float | None:
    return float(target) if isinstance(target, (int, float)) else None


def _sign_correct(output: Output, target: Target) -> bool:
    y, t = _single(output), _number(target)
    return y is not None and t is not None and y.data * t > 0.0


def _probability_correct(output: Output, target: Target) -> bool:
    p, t = _single(output), _number(target)
    return p is not None and t is not None and (p.data > 0.5) == (t > 0.5)


def _logit_correct(output: Output, target: Target) -> bool:
    z, t = _single(output), _number(target)
    return z is not None and t is not None and (z.data > 0.0) == (t > 0.5)


def _argmax_correct(output: Output, target: Target) -> bool:
    t = _number(target)
    if isinstance(output, Value) or t is None:
        return False
    scores = [o.data for o in output]
    return scores.index(max(scores)) == t


@dataclass(frozen=True)
class LossSpec:
    """A loss known to :func:`nn.fit` by name.

    Attributes:
        name: The name ``fit(loss=...)`` accepts.
        fn: ``fn(output, target) -> Value`` for one sample.
        targets: What the targets must be: ``"real"`` (any numbers, one per output),
            ``"probability"`` (0 ≤ t ≤ 1, one output), ``"sign"`` (−1 or +1, one
            output) or ``"class"`` (an integer class index, several outputs).
        correct: ``correct(output, target) -> bool`` for the accuracy, or None for
            a regression loss.
    """

    name: str
    fn: Callable[..., Value]
    targets: str
    correct: Callable[[Output, Target], bool] | None = None


#: The losses ``fit(loss="name")`` accepts.
LOSSES: dict[str, LossSpec] = {
    spec.name: spec
    for spec in (
        LossSpec("squared_error", squared_error, "real"),
        LossSpec("sum_of_squares", sum_of_squares, "real"),
        LossSpec("mse", mse, "real"),
        LossSpec("binary_cross_entropy", binary_cross_entropy, "probability", _probability_correct),
        LossSpec("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, "probability", _logit_correct),
        LossSpec("cross_entropy", cross_entropy, "class", _argmax_correct),
        LossSpec("hinge", hinge, "sign", _sign_correct),
    )
}
