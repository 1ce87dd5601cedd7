"""Check analytic gradients against central finite differences, as torch's gradcheck does.

>>> gradcheck(lambda x, y: (x * y).sin(), 0.3, -1.2)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.engine import grad
from autograd.value import Value

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(AssertionError):
    """A gradient check failed.

    Attributes:
        kind: ``"mismatch"`` (analytic ≠ numeric), ``"kink"`` (the function is not
            differentiable there: one-sided differences disagree), ``"reentrancy"``
            (two evaluations disagree) or ``"linearity"`` (the gradient is not linear
            in the upstream gradient).
        index: The argument the failure is about (or None).
        lane: The lane of that argument, for an argument holding lanes (or None).
        analytic: The engine's value, where it applies.
        numeric: The finite-difference value, where it applies.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        index: int | None = None,
        lane: int | None = None,
        analytic: float | None = None,
        numeric: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.index = index
        self.lane = lane
        self.analytic = analytic
        self.numeric = numeric


Function = Callable[..., Value]
Arg = Any  # a float, or lanes (a 1-D numpy array)


class _Point:
    """The arguments as a flat list of scalar coordinates (a lane is one coordinate)."""

    def __init__(self, xs: Sequence[Arg], names: Sequence[str] | None) -> None:
        self.names = names
        self.lanes: list[int | None] = []
        self.flat: list[float] = []
        for i, x in enumerate(xs):
            data: Any = Value(x).data  # validates: real, finite, lanes 1-D
            if type(data) is float:
                self.lanes.append(None)
                self.flat.append(data)
            else:
                self.lanes.append(len(data))
                self.flat.extend(float(v) for v in data)
            if not self.flat:
                raise ValueError(f"{self.name(i)} is empty")
        self.where = [(i, None if n is None else j) for i, n in enumerate(self.lanes) for j in range(n or 1)]

    def name(self, i: int, lane: int | None = None) -> str:
        base = f"argument {i} ({self.names[i]})" if self.names and i < len(self.names) else f"argument {i}"
        return base if lane is None else f"{base} lane {lane}"

    def args(self, flat: Sequence[float]) -> list[Arg]:
        out: list[Arg] = []
        k = 0
        for n in self.lanes:
            if n is None:
                out.append(flat[k])
                k += 1
            else:
                import numpy as np  # lanes are numpy arrays: numpy is loaded already

                out.append(np.array(flat[k : k + n], dtype=np.float64))
                k += n
        return out

    def flatten(self, values: Sequence[Any]) -> list[float]:
        out: list[float] = []
        for v, n in zip(values, self.lanes, strict=True):
            if n is None:
                out.append(float(v))
            elif type(v) is float:  # a lane input the output does not depend on
                out.extend([v] * n)
            else:
                out.extend(float(e) for e in v)
        return out


def _output(f: Function, args: Sequence[Arg]) -> Value:
    out = f(*(Value(x) for x in args))
    if not isinstance(out, Value):
        raise TypeError(f"the checked function must return a Value, got {type(out).__name__}")
    if out.lanes is not None:
        raise ValueError(f"the checked function must return a scalar Value; reduce its {out.lanes} lanes first")
    return out


def _evaluate(f: Function, point: _Point, flat: Sequence[float]) -> float:
    # Recorded, not under no_grad: f may itself differentiate (gradgradcheck's partials).
    return float(_output(f, point.args(flat)).data)


def _analytic(f: Function, point: _Point, upstream: float = 1.0) -> list[float]:
    inputs = [Value(x) for x in point.args(point.flat)]
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"the checked function must return a Value, got {type(out).__name__}")
    if out.lanes is not None:
        raise ValueError(f"the checked function must return a scalar Value; reduce its {out.lanes} lanes first")
    return point.flatten(grad(out, inputs, upstream))


def gradcheck(
    f: Function,
    *xs: Arg,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    names: Sequence[str] | None = None,
) -> bool:
    """Compare ``grad(f)`` with central differences at ``xs`` (float64).

    For each argument ``x_i`` (each lane of an argument holding lanes) the step is
    ``h = eps·max(1, |x_i|)`` and the numeric derivative ``(f(x+h) − f(x−h)) / 2h``.
    A gradient passes when ``|analytic − numeric| ≤ atol + rtol·|numeric|``. The
    defaults are tighter than torch's (atol 1e-5, rtol 1e-3): float64 central
    differences are good to about 1e-9 here, and a derivative off by a factor 1.001
    must fail. Before blaming the rule, one-sided differences are compared: if they
    disagree the point is a kink and that is reported as such. Structural checks
    follow: evaluating twice gives the same gradient, and the gradient is linear in
    the upstream gradient (zero upstream → zero gradient).

    Args:
        f: A function of ``len(xs)`` Values returning a scalar Value.
        *xs: The point to check at: real numbers, or lanes (1-D numpy arrays).
        eps: Relative finite-difference step.
        atol: Absolute tolerance.
        rtol: Relative tolerance.
        names: Optional argument names for messages.

    Returns:
        True when every check passes.

    Raises:
        GradcheckError: naming the argument (and lane), the analytic and numeric
            values, and the absolute and relative error (or the structural check)
            that failed.
    """
    if not xs:
        raise ValueError("gradcheck needs at least one argument")
    for i, x in enumerate(xs):
        if isinstance(x, float | int) and not isinstance(x, bool) and not math.isfinite(x):
            raise ValueError(f"argument {i} is not finite: {x!r}")
    point = _Point(xs, names)
    analytic = _analytic(f, point)
    f_0 = _evaluate(f, point, point.flat)
    for k, (i, lane) in enumerate(point.where):
        x = point.flat[k]
        h = eps * max(1.0, abs(x))
        at = point.flat.copy()
        at[k] = x + h
        f_plus = _evaluate(f, point, at)
        at[k] = x - h
        f_minus = _evaluate(f, point, at)
        numeric = (f_plus - f_minus) / (2.0 * h)
        a = analytic[k]
        err = abs(a - numeric)
        if err <= atol + rtol * abs(numeric):
            continue
        where = point.name(i, lane)
        if _is_kink(f, point, k, h, f_0, f_plus, f_minus, atol):
            right, left = (f_plus - f_0) / h, (f_0 - f_minus) / h
            raise GradcheckError(
                f"kink at {where} = {x!r}: the one-sided differences disagree "
                f"(left {left:.9g}, right {right:.9g}) however small the step; the function is "
                f"not differentiable there, so the analytic value {a:.9g} cannot be checked",
                kind="kink",
                index=i,
                lane=lane,
                analytic=a,
                numeric=numeric,
            )
        rel = err / abs(numeric) if numeric != 0.0 else math.inf
        raise GradcheckError(
            f"gradient mismatch for {where} at x = {x!r}: analytic {a:.12g}, "
            f"numeric {numeric:.12g}, absolute error {err:.3g}, relative error {rel:.3g} "
            f"(allowed: atol {atol:g} + rtol {rtol:g}·|numeric|)",
            kind="mismatch",
            index=i,
            lane=lane,
            analytic=a,
            numeric=numeric,
        )
    _structural_checks(f, point, analytic)
    return True


def _is_kink(
    f: Function, point: _Point, k: int, h: float, f_0: float, f_plus: float, f_minus: float, atol: float
) -> bool:
    """One-sided differences that disagree, and keep disagreeing at a 10× smaller step."""
    gap = (f_plus - f_0) / h - (f_0 - f_minus) / h
    if abs(gap) <= atol:
        return False
    at = point.flat.copy()
    small = h / 10.0
    at[k] = point.flat[k] + small
    plus = _evaluate(f, point, at)
    at[k] = point.flat[k] - small
    minus = _evaluate(f, point, at)
    small_gap = (plus - f_0) / small - (f_0 - minus) / small
    # Smooth: the gap shrinks with the step (≈ h·f''). Kink: it stays (≈ jump in slope).
    return abs(small_gap) > 0.5 * abs(gap)


def _structural_checks(f: Function, point: _Point, analytic: list[float]) -> None:
    again = _analytic(f, point)
    for (i, lane), a, b in zip(point.where, analytic, again, strict=True):
        if a != b:
            raise GradcheckError(
                f"reentrancy: two evaluations of the gradient of {point.name(i, lane)} differ ({a!r} vs {b!r})",
                kind="reentrancy",
                index=i,
                lane=lane,
                analytic=a,
            )
    for upstream in (0.0, 2.5):
        scaled = _analytic(f, point, upstream)
        for (i, lane), a, s in zip(point.where, analytic, scaled, strict=True):
            expected = upstream * a
            if abs(s - expected) > 1e-12 * max(1.0, abs(expected)):
                raise GradcheckError(
                    f"linearity: with upstream gradient {upstream} the gradient of {point.name(i, lane)} "
                    f"is {s!r}, expected {expected!r}",
                    kind="linearity",
                    index=i,
                    lane=lane,
                    analytic=s,
                )


def gradgradcheck(
    f: Function,
    *xs: Arg,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    names: Sequence[str] | None = None,
) -> bool:
    """Check second derivatives: gradcheck each first-order gradient built with ``create_graph``.

    The gradient with respect to an argument holding lanes is itself lanes; its sum
    over the lanes is what gets checked.

    >>> gradgradcheck(lambda x, y: (x * y).exp(), 0.4, -0.7)
    True
    """
    n = len(xs)

    def partial(i: int) -> Function:
        def df(*vs: Value) -> Value:
            g: Any = grad(f(*vs), list(vs), create_graph=True)[i]
            value: Value = g if isinstance(g, Value) else Value(g)
            return value if value.lanes is None else value.sum()

        return df

    names_ = [names[j] if names and j < len(names) else f"argument {j}" for j in range(n)]
    for i in range(n):
        part_names = [f"∂f/∂{names_[i]} wrt {names_[j]}" for j in range(n)]
        gradcheck(partial(i), *xs, eps=eps, atol=atol, rtol=rtol, names=part_names)
    return True
