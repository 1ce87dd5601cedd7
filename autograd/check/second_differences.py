"""gradgradcheck's last check: the Hessian against second differences of the checked scalar
itself (a first derivative right at x and wrong near it agrees with differences of the
engine's own gradient, never with f).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd.check.gradients import GradientProblem
from autograd.check.report import blame_problem, culprit_lines, steps_text
from autograd.check.results import GradcheckEntry, GradcheckError
from autograd.check.steps import second_difference


def against_f(
    problem: GradientProblem,
    rows: Sequence[Sequence[float]] | None,
    v: Sequence[float],
    eps: float,
    atol: float,
    rtol: float,
    scale: float,
) -> GradcheckError | None:
    """The Hessian against second differences of the checked scalar itself, ``dᵀHd`` along each
    coordinate (up to 16) and one random direction: a first derivative right at x but wrong
    nearby agrees with differences of the engine's own gradient, never with f."""
    point = problem.point
    x = point.flat
    n = len(x)
    directions: list[list[float]] = []
    if n <= 16:
        for k in range(n):
            d = [0.0] * n
            d[k] = 1.0
            directions.append(d)
    largest = max(abs(c) for c in v) or 1.0
    directions.append([c / largest for c in v])
    try:
        s0 = problem.scalar(x)
    except (ValueError, ArithmeticError):
        return None
    for step in directions:
        d = step
        h0 = 1e-3 * max(max(1.0, abs(xi)) for xi, si in zip(x, step, strict=True) if si)
        if rows is not None:
            hd = [math.fsum(r[k] * step[k] for k in range(n)) for r in rows]
        else:
            (hd,), _ = problem.vjp(step)
        analytic = math.fsum(a * b for a, b in zip(hd, step, strict=True))
        if not math.isfinite(analytic):
            continue

        def psi(t: float, step: list[float] = step) -> float:
            return problem.scalar([xi + t * si for xi, si in zip(x, step, strict=True)])

        verdict = second_difference(psi, h0, analytic, s0, atol, rtol, scale)
        if verdict.kind == "ok":
            continue
        along = point.long_name(d.index(1.0)) if d.count(0.0) == n - 1 else "a random direction d (seeded)"
        entry = GradcheckEntry(
            "dᵀHd",
            along,
            analytic,
            verdict.numeric,
            "mismatch",
            verdict.left,
            verdict.right,
            tuple(verdict.steps),
            "against second differences of f itself",
        )
        k0 = d.index(1.0) if d.count(0.0) == n - 1 else 0
        index, lane = point.where[k0]
        culprits, graph = blame_problem(problem, eps, atol, rtol)
        message = "\n".join(
            [
                f"second derivative mismatch against f itself along {along}: the engine's Hessian gives "
                f"dᵀHd = {analytic:.12g}, second differences of f give {verdict.numeric:.12g} "
                f"(allowed: atol {atol:g} + rtol {rtol:g}·|numeric|)",
                "the Hessian agrees with differences of the engine's own gradient, so the gradient is consistent "
                "with itself but not with f: a first derivative right at x and wrong near it",
                *steps_text(entry),
                f"at the point {point.describe()}",
                *culprit_lines(culprits),
            ]
        )
        return GradcheckError(
            message,
            kind="mismatch",
            index=index,
            lane=lane,
            analytic=analytic,
            numeric=verdict.numeric,
            entries=[entry],
            culprits=culprits,
            graph=graph,
        )
    return None
