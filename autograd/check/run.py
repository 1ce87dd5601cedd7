"""How :mod:`autograd.check.gradcheck` runs the checks on a problem and reports what failed.

``run_checks`` takes a ``Problem`` (``autograd.check.problems``) through the checks in the
order of the module docstring of :mod:`autograd.check.gradcheck`: determinism and reentrancy,
then every Jacobian entry (or, in fast mode, one random projection per argument) through the
step procedure of ``autograd.check.steps`` (``_probe`` is the function along one
direction that it probes), second derivatives against second differences of f itself (for
gradgradcheck), then linearity in the upstream gradient. A failure becomes a
:class:`~autograd.check.gradcheck.GradcheckError` whose message (``_mismatch_error``) names the
first bad entry with the steps tried, the whole point, a table of every bad entry, the
culprit nodes (``autograd.check.blame``) and a line of Python that repeats the check;
``_fail`` raises it or returns it in the :class:`~autograd.check.gradcheck.GradcheckResult`.

Every function on the way from a public check to a raised error sets ``__tracebackhide__``,
so pytest's traceback ends at the user's call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

from autograd.check.blame import Culprit, blame, blame_second_order
from autograd.check.gradients import GradientProblem
from autograd.check.problems import Problem
from autograd.check.results import GradcheckEntry, GradcheckError, GradcheckResult
from autograd.check.steps import Verdict, diagnose, second_difference, tolerance_at
from autograd.core.errors import DomainError
from autograd.core.functions import load_numpy
from autograd.core.value import Value

_STEPS_SHOWN = 8  # steps listed for the first bad entry
_CULPRITS_SHOWN = 10


def _fail(raise_exception: bool, error: GradcheckError) -> GradcheckResult:
    __tracebackhide__ = True
    if raise_exception:
        raise error
    return GradcheckResult(False, error.kind, str(error), error.entries, error)


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


def _same(a: float, b: float, tol: float) -> bool:
    """Equal up to ``tol`` relative (rounding: a sum taken in another order)."""
    return a == b or abs(a - b) <= tol * max(abs(a), abs(b))


def _check_deterministic(
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


def _steps_text(e: GradcheckEntry) -> list[str]:
    if not e.steps:
        return []
    lines = ["steps tried (h: central, left, right differences):"]
    shown = list(e.steps)
    if len(shown) > _STEPS_SHOWN:
        shown = shown[: _STEPS_SHOWN // 2] + shown[-_STEPS_SHOWN // 2 :]
        skipped = len(e.steps) - _STEPS_SHOWN
    else:
        skipped = 0
    for n, (h, c, left, right) in enumerate(shown):
        if skipped and n == _STEPS_SHOWN // 2:
            lines.append(f"  … {skipped} more steps")
        lines.append(f"  h = {h:.3g}: {c:.12g}, {left:.12g}, {right:.12g}")
    return lines


def _head(problem: Problem, k0: int, e0: GradcheckEntry, atol: float, rtol: float) -> str:
    point = problem.point
    name = f"{point.long_name(k0)} = {point.flat[k0]!r} (output {e0.output})"
    if e0.kind == "jump":
        return (
            f"jump at {name}: {e0.note} (left {e0.left:.6g}, right {e0.right:.6g}) — f is not continuous "
            f"within the step of x, so no derivative there can match the analytic value {e0.analytic:.12g}: "
            "check the forward computation (a branch on the value?) near x"
        )
    if e0.kind == "undecided":
        return (
            f"undecided at {name}: the differences did not converge before rounding error stopped them "
            f"(left {e0.left:.9g}, right {e0.right:.9g}, analytic {e0.analytic:.12g}): a kink within ~h of x? "
            "Check at a point a little farther from it"
        )
    lines = [
        f"{problem.what} mismatch for {name}: analytic {e0.analytic:.12g}, numeric {e0.numeric:.12g}",
        f"absolute error {e0.abs_error:.3g}, relative error {e0.rel_error:.3g} "
        f"(allowed: atol {atol:g} + rtol {rtol:g}·|numeric|), and it stays as the step shrinks",
    ]
    if e0.note:
        lines.append(f"({e0.note}: left {e0.left:.9g}, right {e0.right:.9g})")
    return "\n".join(lines)


def _mismatch_error(
    problem: Problem, entries: list[tuple[int, GradcheckEntry]], atol: float, rtol: float, culprits: list[Culprit]
) -> str:
    """The message: the first bad entry in words and its steps, the whole point, a table of every
    bad entry, the culprits, and a line that repeats the check."""
    point = problem.point
    k0, e0 = entries[0]
    lines = [
        _head(problem, k0, e0, atol, rtol),
        *_steps_text(e0),
        f"at the point {point.describe()}",
        f"{len(entries)} bad Jacobian entr{'y' if len(entries) == 1 else 'ies'}:",
    ]
    rows = [("output", "input", "analytic", "numeric", "abs error", "rel error", "verdict")]
    shown = entries[:50]
    for _, e in shown:
        rows.append(
            (
                e.output,
                e.input,
                f"{e.analytic:.10g}",
                f"{e.numeric:.10g}",
                f"{e.abs_error:.3g}",
                f"{e.rel_error:.3g}",
                e.kind,
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(6)]
    for r in rows:
        lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(r[:6], widths, strict=True)) + "  " + r[6])
    if len(entries) > len(shown):
        lines.append(f"  … and {len(entries) - len(shown)} more")
    lines.extend(_culprit_lines(culprits))
    return "\n".join(lines)


def _culprit_lines(culprits: Sequence[Culprit]) -> list[str]:
    if not culprits:
        return []
    ops = sorted({c.op for c in culprits})
    lines = [
        f"culprit{'s' if len(culprits) > 1 else ''}: {len(culprits)} node(s) whose local derivatives disagree with "
        f"their own rule ({', '.join(repr(o) for o in ops)}); they are error.culprits:"
    ]
    lines += [f"  {c.describe()}" for c in culprits[:_CULPRITS_SHOWN]]
    if len(culprits) > _CULPRITS_SHOWN:
        lines.append(f"  … and {len(culprits) - _CULPRITS_SHOWN} more")
    return lines


def _blame(problem: Problem, eps: float, atol: float, rtol: float) -> tuple[list[Culprit], list[Value]]:
    """The culprit nodes and the graph they belong to (first order; for a gradient problem, also
    the create-graph rules of f's nodes). Errors while blaming never hide the failure."""
    try:
        if isinstance(problem, GradientProblem):
            graph = problem.function_graph()
            culprits = blame(graph, eps=eps, atol=atol, rtol=rtol)
            culprits += blame_second_order(graph, eps=eps, atol=atol, rtol=rtol)
        else:
            graph = problem.graph()
            culprits = blame(graph, eps=eps, atol=atol, rtol=rtol)
    except (ValueError, ArithmeticError, TypeError):
        return [], []
    return culprits, graph


def _finish(
    problem: Problem, error: GradcheckError, eps: float, atol: float, rtol: float, *, blamed: bool = True
) -> GradcheckError:
    """The error with what every failure carries: the whole point, names, snippet, culprits and graph."""
    point = problem.point
    error.point = tuple(point.args(point.flat))
    error.names = tuple(point.names)
    error.snippet = problem.snippet()
    if blamed and not error.graph:
        error.culprits, error.graph = _blame(problem, eps, atol, rtol)
        if error.culprits:
            error.args = (str(error) + "\n" + "\n".join(_culprit_lines(error.culprits)),)
    if error.snippet:
        error.args = (f"{error}\nto repeat this check: {error.snippet}",)
    return error


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
        error = _finish(problem, raised, eps, atol, rtol, blamed=False)
    if error is not None:
        return _fail(raise_exception, error)
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
        error = _check_deterministic(first, again, where, nondet_tol)
        if error is not None:
            return _finish(problem, error, eps, atol, rtol, blamed=False)
    if not problem.same_code:
        inconsistent = problem.inconsistency(g0, f0, atol, rtol)
        if inconsistent is not None:
            return _finish(problem, inconsistent, eps, atol, rtol)
    reentrancy = _reentrancy(problem, out_names, rows, rows2, nondet_tol)
    if reentrancy is not None:
        return _finish(problem, reentrancy, eps, atol, rtol, blamed=False)
    scale = problem.scale(problem.graph())
    if fast_mode:
        bad, fast_error = _fast(problem, rows[0], u, v, f0, eps, atol, rtol, scale, seed)
        if fast_error is not None:
            return _finish(problem, fast_error, eps, atol, rtol)
    else:
        bad = _entries(problem, range(len(x)), rows, out_names, f0, eps, atol, rtol, scale)
    if bad:
        error = _confirm(problem, bad, eps, nondet_tol, where)
        if error is None:
            error = _bad_entries(problem, bad, eps, atol, rtol)
        return _finish(problem, error, eps, atol, rtol, blamed=error.kind not in ("nondeterministic",))
    if isinstance(problem, GradientProblem):
        against_f = _against_f(problem, rows if not fast_mode else None, v, eps, atol, rtol, scale)
        if against_f is not None:
            return _finish(problem, against_f, eps, atol, rtol)
    linearity = _linearity(problem, u)
    if linearity is not None:
        return _finish(problem, linearity, eps, atol, rtol, blamed=False)
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
                bad.append((k, _entry(out_names[i], point.name(k), column[i], vd)))
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


def _entry(output: str, input_: str, analytic: float, vd: Verdict) -> GradcheckEntry:
    return GradcheckEntry(output, input_, analytic, vd.numeric, vd.kind, vd.left, vd.right, tuple(vd.steps), vd.note)


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


def _confirm(
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
        error = _check_deterministic(first, again, probe, nondet_tol)
        if error is not None:
            return error
    return _check_deterministic(problem.values(x), problem.values(x), where, nondet_tol)


def _bad_entries(
    problem: Problem, bad: list[tuple[int, GradcheckEntry]], eps: float, atol: float, rtol: float
) -> GradcheckError:
    order = {"mismatch": 0, "jump": 1, "undecided": 2}
    bad = sorted(bad, key=lambda ke: order.get(ke[1].kind, 3))
    k0, e0 = bad[0]
    culprits, graph = _blame(problem, eps, atol, rtol)
    index, lane = problem.point.where[k0]
    error = GradcheckError(
        _mismatch_error(problem, bad, atol, rtol, culprits),
        kind=e0.kind,
        index=index,
        lane=lane,
        analytic=e0.analytic,
        numeric=e0.numeric,
        entries=[e for _, e in bad],
        culprits=culprits,
        graph=graph,
    )
    return error


def _against_f(
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
        culprits, graph = _blame(problem, eps, atol, rtol)
        message = "\n".join(
            [
                f"second derivative mismatch against f itself along {along}: the engine's Hessian gives "
                f"dᵀHd = {analytic:.12g}, second differences of f give {verdict.numeric:.12g} "
                f"(allowed: atol {atol:g} + rtol {rtol:g}·|numeric|)",
                "the Hessian agrees with differences of the engine's own gradient, so the gradient is consistent "
                "with itself but not with f: a first derivative right at x and wrong near it",
                *_steps_text(entry),
                f"at the point {point.describe()}",
                *_culprit_lines(culprits),
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


def _reentrancy(
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


def _linearity(problem: Problem, u: Sequence[float]) -> GradcheckError | None:
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
