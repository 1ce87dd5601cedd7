"""How :mod:`autograd.check.gradcheck` runs the checks on a problem.

``run_checks`` takes a ``Problem`` (``autograd.check.problems``) through the checks in the
order of the module docstring of :mod:`autograd.check.gradcheck`: determinism and reentrancy
(``autograd.check.consistency``), then every Jacobian entry (or, in fast mode, one random
projection per argument) through the step procedure of ``autograd.check.steps`` (``_probe``
is the function along one direction that it probes), second derivatives against second
differences of f itself (for gradgradcheck: ``autograd.check.second_differences``), then
linearity in the upstream gradient. A failure becomes a
:class:`~autograd.check.gradcheck.GradcheckError` written by ``autograd.check.report`` (the
first bad entry with the steps tried, the whole point, a table of every bad entry, the
culprit nodes and a line of Python that repeats the check); ``fail`` raises it or returns it
in the :class:`~autograd.check.gradcheck.GradcheckResult`.

Every function on the way from a public check to a raised error sets ``__tracebackhide__``,
so pytest's traceback ends at the user's call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

from autograd.check.consistency import check_deterministic, confirm, linearity, reentrancy
from autograd.check.gradients import GradientProblem
from autograd.check.problems import Problem
from autograd.check.report import bad_entries_error, entry, fail, finish
from autograd.check.results import GradcheckEntry, GradcheckError, GradcheckResult
from autograd.check.second_differences import against_f
from autograd.check.steps import Verdict, diagnose, tolerance_at
from autograd.core.errors import DomainError
from autograd.core.functions import load_numpy


def _probe(problem: Problem, direction: Sequence[float], label: str) -> Callable[[float], list[float]]:
    """``t ↦ F(x + t·direction)``; an error raised by ``F`` at a probe says where it was probing."""
    x = problem.point.flat

    def phi(t: float) -> list[float]:
        at = [xi + t * d if d else xi for xi, d in zip(x, direction, strict=True)]
        try:
            return problem.values(at)
        except (ValueError, ArithmeticError) as exc:
            raise _where(problem, exc, direction, label, t, at) from exc

    return phi


def _where(
    problem: Problem, exc: Exception, direction: Sequence[float], label: str, t: float, at: Sequence[float]
) -> Exception:
    sign = "+" if t > 0 else "−"
    where = f"{label} with t = {t:.3g}"
    if sum(1 for d in direction if d) == 1:
        k = next(j for j, d in enumerate(direction) if d)
        where = f"{problem.point.name(k)} {sign} h = {at[k]!r} (h = {abs(t):.3g})"
    message = (
        f"{exc} — while probing at {where}: gradcheck evaluates f at x ± h and made h up to "
        "10⁸ times smaller without finding f defined on both sides; check at a point farther from the edge "
        "of the domain"
    )
    if isinstance(exc, DomainError):
        return DomainError(message)
    try:
        return type(exc)(message)  # the same kind of error, saying where it was probing
    except Exception:  # an exception type that wants other arguments: keep the original
        return exc


def run_checks(
    problem: Problem,
    *,
    eps: float,
    atol: float,
    rtol: float,
    fast_mode: bool,
    seed: int,
    raise_exception: bool,
    nondet_tol: float = 1e-12,
) -> Literal[True] | GradcheckResult:
    __tracebackhide__ = True
    try:
        error = _check(problem, eps, atol, rtol, fast_mode, seed, nondet_tol)
    except GradcheckError as raised:  # found while building (a rule with hidden state)
        error = finish(problem, raised, eps, atol, rtol, blamed=False)
    if error is not None:
        return fail(raise_exception, error)
    return True if raise_exception else GradcheckResult(True)


def _check(
    problem: Problem, eps: float, atol: float, rtol: float, fast_mode: bool, seed: int, nondet_tol: float
) -> GradcheckError | None:
    """The first failure, as an error (with its point, snippet and culprits), or None when every check passes."""
    np = load_numpy()

    point = problem.point
    x = point.flat
    # 1. The same input must give the same output (and gradient) before anything is blamed on a rule.
    # (The analytic side first: a rule with hidden state shows up as a reentrancy failure.)
    rng = np.random.default_rng(seed)
    if fast_mode:
        f0 = problem.values(x)
        u = [float(c) for c in rng.standard_normal(len(f0))]
        (w,), g0 = problem.vjp(u)
        (w2,), g1 = problem.vjp(u)
        rows, rows2, out_names = [w], [w2], ["uᵀJ"]
    else:
        rows, out_names, g0 = problem.jacobian()
        rows2, _, g1 = problem.jacobian()
        f0 = problem.values(x)
        u = [float(c) for c in rng.standard_normal(len(f0))]
    v = [float(c) for c in rng.standard_normal(len(x))]
    where = f"at the point ({point.describe()})"
    for first, again in ((f0, problem.values(x)), (g0, g1), *([(f0, g0)] if problem.same_code else [])):
        error = check_deterministic(first, again, where, nondet_tol)
        if error is not None:
            return finish(problem, error, eps, atol, rtol, blamed=False)
    if not problem.same_code:
        inconsistent = problem.inconsistency(g0, f0, atol, rtol)
        if inconsistent is not None:
            return finish(problem, inconsistent, eps, atol, rtol)
    reentrant = reentrancy(problem, out_names, rows, rows2, nondet_tol)
    if reentrant is not None:
        return finish(problem, reentrant, eps, atol, rtol, blamed=False)
    outputs = problem.graph()
    scale = problem.scale(outputs)
    problem.prepare_probes(outputs, f0)
    if fast_mode:
        bad, fast_error = _fast(problem, rows[0], u, v, f0, eps, atol, rtol, scale, seed)
        if fast_error is not None:
            return finish(problem, fast_error, eps, atol, rtol)
    else:
        bad = _entries(problem, range(len(x)), rows, out_names, f0, eps, atol, rtol, scale)
    if bad:
        error = confirm(problem, bad, eps, nondet_tol, where)
        if error is None:
            error = bad_entries_error(problem, bad, eps, atol, rtol)
        return finish(problem, error, eps, atol, rtol, blamed=error.kind not in ("nondeterministic",))
    if isinstance(problem, GradientProblem):
        unlike_f = against_f(problem, rows if not fast_mode else None, v, eps, atol, rtol, scale)
        if unlike_f is not None:
            return finish(problem, unlike_f, eps, atol, rtol)
    nonlinear = linearity(problem, u)
    if nonlinear is not None:
        return finish(problem, nonlinear, eps, atol, rtol, blamed=False)
    return None


def _entries(
    problem: Problem,
    coordinates: Sequence[int],
    rows: Sequence[Sequence[float]],
    out_names: Sequence[str],
    f0: Sequence[float],
    eps: float,
    atol: float,
    rtol: float,
    scale: float,
) -> list[tuple[int, GradcheckEntry]]:
    """Every bad (output, input) entry among the columns ``coordinates`` of the Jacobian ``rows``."""
    point = problem.point
    x = point.flat
    bad: list[tuple[int, GradcheckEntry]] = []
    for k in coordinates:
        direction = [0.0] * len(x)
        direction[k] = 1.0
        column = [row[k] for row in rows]
        h0 = eps * max(1.0, abs(x[k]))
        verdicts = diagnose(_probe(problem, direction, point.name(k)), h0, column, f0, atol, rtol, scale)
        for i, vd in enumerate(verdicts):
            if vd.kind == "jump" and isinstance(problem, GradientProblem):
                vd = _gradient_jump(problem, k, column[i], vd, eps, atol, rtol)
            if vd.kind != "ok":
                bad.append((k, entry(out_names[i], point.name(k), column[i], vd)))
    return bad


def _gradient_jump(
    problem: GradientProblem, k: int, analytic: float, vd: Verdict, eps: float, atol: float, rtol: float
) -> Verdict:
    """A gradient that jumps within the step of x: f's own kink there, or a wrong gradient?

    The gradient is checked against f at the last step taken on the jumping side (first
    order, as gradcheck does): if it agrees, the jump is a kink of f within h of x (``|x − 0.5|``
    at 0.5 + 3e-8) and the other side decides — it passes when it converged to the analytic
    value, else it is undecided. If it disagrees, the gradient near x is not f's: the jump stands.
    """
    side = 1.0 if "right" in vd.note else -1.0
    other = vd.left if side > 0 else vd.right
    h = vd.steps[-1][0] if vd.steps else eps
    at = list(problem.point.flat)
    at[k] += side * h
    try:
        first_order = problem.first_order_at(at)
        agrees = _check(first_order, eps, atol, rtol, False, 0, 1e-12) is None
    except GradcheckError:
        agrees = False
    except (ValueError, ArithmeticError, TypeError):
        return vd
    if not agrees:
        vd.note += f"; the gradient at x {'+' if side > 0 else '−'} h disagrees with f there (gradcheck fails)"
        return vd
    if other is not None and abs(other - analytic) <= tolerance_at(atol, rtol, analytic):
        return Verdict("ok", other, vd.left, vd.right, vd.steps, "a kink of f within ~h of x")
    return Verdict("undecided", vd.numeric, vd.left, vd.right, vd.steps, "a kink of f within ~h of x")


def _fast(
    problem: Problem,
    w: Sequence[float],
    u: Sequence[float],
    v: Sequence[float],
    f0: Sequence[float],
    eps: float,
    atol: float,
    rtol: float,
    scale: float,
    seed: int,
) -> tuple[list[tuple[int, GradcheckEntry]], GradcheckError | None]:
    """Fast mode: one projection ``uᵀJv_a`` per argument ``a`` (``v_a``: the random direction on that
    argument's coordinates only), so one bad argument among many is never diluted. A failing
    argument's own columns are then checked entry by entry for the table (not the whole Jacobian)."""
    point = problem.point
    x = point.flat
    projected_f0 = [math.fsum(a * b for a, b in zip(u, f0, strict=True))]
    bad: list[tuple[int, GradcheckEntry]] = []
    for arg in range(len(point.names)):
        coords = [k for k, (i, _) in enumerate(point.where) if i == arg]
        largest = max(abs(v[k]) for k in coords) or 1.0
        d = [0.0] * len(x)
        for k in coords:
            d[k] = v[k] / largest * max(1.0, abs(x[k]))
        analytic = math.fsum(w[k] * d[k] for k in coords)
        along = _probe(problem, d, f"x + t·v (v: a random direction on {point.names[arg]})")
        # The absolute tolerance is the bound on uᵀEd for an error matrix E whose entries are each
        # within atol (as PyTorch's fast mode scales it).
        verdict = diagnose(
            lambda t, along=along: [math.fsum(a * b for a, b in zip(u, along(t), strict=True))],  # type: ignore[misc]
            eps,
            [analytic],
            projected_f0,
            atol * math.fsum(abs(c) for c in u) * math.fsum(abs(c) for c in d),
            rtol,
            scale * math.fsum(abs(c) for c in u),
        )[0]
        if verdict.kind == "ok":
            continue
        rows, out_names, _ = problem.jacobian()
        found = _entries(problem, coords, rows, out_names, f0, eps, atol, rtol, scale)
        if found:
            bad.extend(found)
            continue
        if verdict.kind in ("jump", "undecided"):
            continue  # the entries, each checked with what it knows (a kink of f within h), all pass
        message = (
            f"{problem.what} mismatch in fast mode for argument {arg} ({point.names[arg]}) at the point "
            f"{point.describe()}: the random projection uᵀJv (seed {seed}, v on that argument) is {analytic:.12g} "
            f"analytically and {verdict.numeric:.12g} numerically, but no single Jacobian entry fails on its own"
        )
        return bad, GradcheckError(message, kind=verdict.kind, index=arg, analytic=analytic, numeric=verdict.numeric)
    return bad, None
