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
        analytic: The engine's value, where it applies.
        numeric: The finite-difference value, where it applies.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        index: int | None = None,
        analytic: float | None = None,
        numeric: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.index = index
        self.analytic = analytic
        self.numeric = numeric


Function = Callable[..., Value]


def _evaluate(f: Function, xs: Sequence[float]) -> float:
    # Recorded, not under no_grad: f may itself differentiate (gradgradcheck's partials).
    out = f(*(Value(x) for x in xs))
    if not isinstance(out, Value):
        raise TypeError(f"the checked function must return a Value, got {type(out).__name__}")
    return out.data


def _analytic(f: Function, xs: Sequence[float], upstream: float = 1.0) -> list[float]:
    inputs = [Value(x) for x in xs]
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"the checked function must return a Value, got {type(out).__name__}")
    return [float(g) for g in grad(out, inputs, upstream)]


def _name(i: int, names: Sequence[str] | None) -> str:
    return f"argument {i} ({names[i]})" if names and i < len(names) else f"argument {i}"


def gradcheck(
    f: Function,
    *xs: float,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    names: Sequence[str] | None = None,
) -> bool:
    """Compare ``grad(f)`` with central differences at ``xs`` (float64).

    For each argument ``x_i`` the step is ``h = eps·max(1, |x_i|)`` and the numeric
    derivative ``(f(x+h) − f(x−h)) / 2h``. A gradient passes when
    ``|analytic − numeric| ≤ atol + rtol·|numeric|``. The defaults are tighter than
    torch's (atol 1e-5, rtol 1e-3): float64 central differences are good to about 1e-9
    here, and a derivative off by a factor 1.001 must fail. Before
    blaming the rule, one-sided differences are compared: if they disagree the point
    is a kink and that is reported as such. Structural checks follow: evaluating twice
    gives the same gradient, and the gradient is linear in the upstream gradient
    (zero upstream → zero gradient).

    Args:
        f: A function of ``len(xs)`` Values returning a Value.
        *xs: The point to check at (real numbers).
        eps: Relative finite-difference step.
        atol: Absolute tolerance.
        rtol: Relative tolerance.
        names: Optional argument names for messages.

    Returns:
        True when every check passes.

    Raises:
        GradcheckError: naming the argument, the analytic and numeric values, and the
            absolute and relative error (or the structural check) that failed.
    """
    point = [float(x) for x in xs]
    if not point:
        raise ValueError("gradcheck needs at least one argument")
    for i, x in enumerate(point):
        if not math.isfinite(x):
            raise ValueError(f"{_name(i, names)} is not finite: {x!r}")
    analytic = _analytic(f, point)
    for i, x in enumerate(point):
        h = eps * max(1.0, abs(x))
        at = point.copy()
        at[i] = x + h
        f_plus = _evaluate(f, at)
        at[i] = x - h
        f_minus = _evaluate(f, at)
        f_0 = _evaluate(f, point)
        numeric = (f_plus - f_minus) / (2.0 * h)
        a = analytic[i]
        err = abs(a - numeric)
        if err <= atol + rtol * abs(numeric):
            continue
        if _is_kink(f, point, i, h, f_0, f_plus, f_minus, atol):
            right, left = (f_plus - f_0) / h, (f_0 - f_minus) / h
            raise GradcheckError(
                f"kink at {_name(i, names)} = {x!r}: the one-sided differences disagree "
                f"(left {left:.9g}, right {right:.9g}) however small the step; the function is "
                f"not differentiable there, so the analytic value {a:.9g} cannot be checked",
                kind="kink",
                index=i,
                analytic=a,
                numeric=numeric,
            )
        rel = err / abs(numeric) if numeric != 0.0 else math.inf
        raise GradcheckError(
            f"gradient mismatch for {_name(i, names)} at x = {x!r}: analytic {a:.12g}, "
            f"numeric {numeric:.12g}, absolute error {err:.3g}, relative error {rel:.3g} "
            f"(allowed: atol {atol:g} + rtol {rtol:g}·|numeric|)",
            kind="mismatch",
            index=i,
            analytic=a,
            numeric=numeric,
        )
    _structural_checks(f, point, analytic, names)
    return True


def _is_kink(
    f: Function, point: list[float], i: int, h: float, f_0: float, f_plus: float, f_minus: float, atol: float
) -> bool:
    """One-sided differences that disagree, and keep disagreeing at a 10× smaller step."""
    gap = (f_plus - f_0) / h - (f_0 - f_minus) / h
    if abs(gap) <= atol:
        return False
    at = point.copy()
    small = h / 10.0
    at[i] = point[i] + small
    plus = _evaluate(f, at)
    at[i] = point[i] - small
    minus = _evaluate(f, at)
    small_gap = (plus - f_0) / small - (f_0 - minus) / small
    # Smooth: the gap shrinks with the step (≈ h·f''). Kink: it stays (≈ jump in slope).
    return abs(small_gap) > 0.5 * abs(gap)


def _structural_checks(f: Function, point: list[float], analytic: list[float], names: Sequence[str] | None) -> None:
    again = _analytic(f, point)
    for i, (a, b) in enumerate(zip(analytic, again, strict=True)):
        if a != b:
            raise GradcheckError(
                f"reentrancy: two evaluations of the gradient of {_name(i, names)} differ ({a!r} vs {b!r})",
                kind="reentrancy",
                index=i,
                analytic=a,
            )
    for upstream in (0.0, 2.5):
        scaled = _analytic(f, point, upstream)
        for i, (a, s) in enumerate(zip(analytic, scaled, strict=True)):
            expected = upstream * a
            if abs(s - expected) > 1e-12 * max(1.0, abs(expected)):
                raise GradcheckError(
                    f"linearity: with upstream gradient {upstream} the gradient of {_name(i, names)} "
                    f"is {s!r}, expected {expected!r}",
                    kind="linearity",
                    index=i,
                    analytic=s,
                )


def gradgradcheck(
    f: Function,
    *xs: float,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    names: Sequence[str] | None = None,
) -> bool:
    """Check second derivatives: gradcheck each first-order gradient built with ``create_graph``.

    >>> gradgradcheck(lambda x, y: (x * y).exp(), 0.4, -0.7)
    True
    """
    n = len(xs)

    def partial(i: int) -> Function:
        def df(*vs: Value) -> Value:
            g: Any = grad(f(*vs), list(vs), create_graph=True)[i]
            return g if isinstance(g, Value) else Value(g)

        return df

    for i in range(n):
        part_names = [f"∂f/∂{_name(i, names)} wrt {_name(j, names)}" for j in range(n)]
        gradcheck(partial(i), *xs, eps=eps, atol=atol, rtol=rtol, names=part_names)
    return True
