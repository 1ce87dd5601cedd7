"""The checks that need no finite differences: the same input gives the same output
(determinism) and the same derivatives (reentrancy), and the derivatives are linear in the
upstream gradient (linearity); :func:`confirm` repeats a failing entry's probes to rule out
nondeterminism before a mismatch is reported.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd.check.problems import Problem
from autograd.check.results import GradcheckEntry, GradcheckError


def _same(a: float, b: float, tol: float) -> bool:
    """Equal up to ``tol`` relative (rounding: a sum taken in another order)."""
    return a == b or abs(a - b) <= tol * max(abs(a), abs(b))


def check_deterministic(
    first: Sequence[float], again: Sequence[float], where: str, nondet_tol: float
) -> GradcheckError | None:
    k = next((j for j, (p, q) in enumerate(zip(first, again, strict=True)) if not _same(p, q, nondet_tol)), None)
    if k is None:
        return None
    return GradcheckError(
        f"nondeterministic: the checked function returned different values for the same input {where} "
        f"({first[k]!r}, then {again[k]!r}; nondet_tol {nondet_tol:g} relative); gradients can only be checked "
        "for a deterministic function — fix its randomness (e.g. draw a dropout mask once, outside f, or seed "
        "the generator inside f), or pass a larger nondet_tol for a sum taken in a changing order",
        kind="nondeterministic",
    )


def reentrancy(
    problem: Problem,
    out_names: Sequence[str],
    rows: Sequence[Sequence[float]],
    rows2: Sequence[Sequence[float]],
    nondet_tol: float,
) -> GradcheckError | None:
    """The analytic derivatives computed twice must be identical."""
    point = problem.point
    for out, a_row, b_row in zip(out_names, rows, rows2, strict=True):
        for k, (a, b) in enumerate(zip(a_row, b_row, strict=True)):
            if not _same(a, b, nondet_tol):
                i, lane = point.where[k]
                return GradcheckError(
                    f"reentrancy: two evaluations of the {problem.what} of {out} with respect to "
                    f"{point.long_name(k)} differ ({a!r} vs {b!r}; nondet_tol {nondet_tol:g} relative): a rule "
                    "with hidden state (a counter, randomness) gives other derivatives each time",
                    kind="reentrancy",
                    index=i,
                    lane=lane,
                    analytic=a,
                )
    return None


def linearity(problem: Problem, u: Sequence[float]) -> GradcheckError | None:
    """The analytic derivatives are linear in the upstream gradient (zero upstream → zero)."""
    point = problem.point
    (base, zero, scaled), _ = problem.vjp(u, (1.0, 0.0, 2.0))
    for upstream, got in ((0.0, zero), (2.0, scaled)):
        for k, (a, s) in enumerate(zip(base, got, strict=True)):
            expected = upstream * a
            if abs(s - expected) > 1e-12 * max(1.0, abs(expected)):
                i, lane = point.where[k]
                return GradcheckError(
                    f"linearity: with upstream gradient {upstream}·u the {problem.what} with respect to "
                    f"{point.long_name(k)} is {s!r}, expected {expected!r}",
                    kind="linearity",
                    index=i,
                    lane=lane,
                    analytic=s,
                )
    return None


def confirm(
    problem: Problem, bad: list[tuple[int, GradcheckEntry]], eps: float, nondet_tol: float, where: str
) -> GradcheckError | None:
    """A nondeterministic function can look like a mismatch: the probes of the first bad entry, repeated."""
    point = problem.point
    x = point.flat
    k0 = bad[0][0]
    h0 = eps * max(1.0, abs(x[k0]))
    for t in (h0, -h0):
        at = list(x)
        at[k0] += t
        try:
            first, again = problem.values(at), problem.values(at)
        except (ValueError, ArithmeticError):
            continue  # outside the domain at this step: the entry was decided at smaller ones
        probe = f"at {point.name(k0)} {'+' if t > 0 else '−'} h"
        error = check_deterministic(first, again, probe, nondet_tol)
        if error is not None:
            return error
    return check_deterministic(problem.values(x), problem.values(x), where, nondet_tol)
