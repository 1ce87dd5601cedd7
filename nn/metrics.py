"""The losses :func:`nn.fit` knows by name, each with the accuracy metric that fits its targets.

A classification loss comes with two ways to count correct answers: ``correct(output,
target)`` for one sample, and ``hits(output, targets)`` for outputs holding one lane per
sample; a regression loss has neither. :data:`LOSSES` is the table ``fit(loss="name")`` reads.

>>> from autograd import Value
>>> spec = LOSSES["hinge"]
>>> spec.targets, spec.correct(Value(0.3), 1.0), spec.correct(Value(0.3), -1.0)
('sign', True, False)
>>> LOSSES["mse"].correct is None
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd import Value
from nn.losses import (
    Output,
    Target,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mse,
    squared_error,
    sum_of_squares,
)

__all__ = ["LOSSES", "LossSpec"]


def _single(output: Output) -> Value | None:
    if isinstance(output, Value):
        return output
    return output[0] if len(output) == 1 else None


def _number(target: Target) -> float | None:
    return float(target) if isinstance(target, (int, float)) else None


def _sign_correct(output: Output, target: Target) -> bool:
    y, t = _single(output), _number(target)
    return y is not None and t is not None and float(y.data) * t > 0.0


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


# The same, counting the correct samples among lanes (``target``: one value per lane).


def _sign_hits(output: Output, target: Any) -> int:
    y = _single(output)
    return 0 if y is None else int(np.count_nonzero(np.multiply(y.data, target) > 0.0))


def _probability_hits(output: Output, target: Any) -> int:
    p = _single(output)
    return 0 if p is None else int(np.count_nonzero(np.greater(p.data, 0.5) == np.greater(target, 0.5)))


def _logit_hits(output: Output, target: Any) -> int:
    z = _single(output)
    return 0 if z is None else int(np.count_nonzero(np.greater(z.data, 0.0) == np.greater(target, 0.5)))


def _argmax_hits(output: Output, target: Any) -> int:
    if isinstance(output, Value):
        return 0
    scores = np.broadcast_arrays(*[o.data for o in output], target)[:-1]
    return int(np.count_nonzero(np.argmax(scores, axis=0) == target))


@dataclass(frozen=True)
class LossSpec:
    """A loss known to :func:`nn.fit` by name.

    Attributes:
        name: The name ``fit(loss=...)`` accepts.
        fn: ``fn(output, target) -> Value`` for one sample, or lane by lane for lanes.
        targets: What the targets must be: ``"real"`` (any numbers, one per output),
            ``"probability"`` (0 ≤ t ≤ 1, one output), ``"sign"`` (−1 or +1, one
            output) or ``"class"`` (an integer class index, several outputs).
        correct: ``correct(output, target) -> bool`` for the accuracy, or None for
            a regression loss.
        hits: ``hits(output, target) -> int``: the number of samples classified
            correctly, for outputs holding lanes and one target per lane (None for a
            regression loss).
    """

    name: str
    fn: Callable[..., Value]
    targets: str
    correct: Callable[[Output, Target], bool] | None = None
    hits: Callable[[Output, Any], int] | None = None


#: The losses ``fit(loss="name")`` accepts.
LOSSES: dict[str, LossSpec] = {
    spec.name: spec
    for spec in (
        LossSpec("squared_error", squared_error, "real"),
        LossSpec("sum_of_squares", sum_of_squares, "real"),
        LossSpec("mse", mse, "real"),
        LossSpec("binary_cross_entropy", binary_cross_entropy, "probability", _probability_correct, _probability_hits),
        LossSpec(
            "binary_cross_entropy_with_logits",
            binary_cross_entropy_with_logits,
            "probability",
            _logit_correct,
            _logit_hits,
        ),
        LossSpec("cross_entropy", cross_entropy, "class", _argmax_correct, _argmax_hits),
        LossSpec("hinge", hinge, "sign", _sign_correct, _sign_hits),
    )
}
