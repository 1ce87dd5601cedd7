"""How :mod:`autograd.check.gradcheck` runs the checks on a problem and reports what failed.

``_run`` takes a ``_Problem`` (``autograd.check.problems``) through the checks in the
order of the module docstring of :mod:`autograd.check.gradcheck`: determinism and reentrancy,
then every Jacobian entry (or one random projection in fast mode) through the step-halving
procedure of ``autograd.check.steps`` (``_probe`` is the function along one direction
that it probes), then linearity in the upstream gradient. A failure becomes a
:class:`~autograd.check.gradcheck.GradcheckError` whose message (``_mismatch_error``) names the
first bad entry, the whole point and a table of every bad entry; ``_fail`` raises it or
returns it in the :class:`~autograd.check.gradcheck.GradcheckResult`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

from autograd.check.problems import _Problem
from autograd.check.results import GradcheckEntry, GradcheckError, GradcheckResult
from autograd.check.steps import _diagnose
from autograd.core.rules import _np
from autograd.core.value import DomainError


def _fail(result: GradcheckResult, raise_exception: bool, error: GradcheckError) -> Literal[True] | GradcheckResult:
    if raise_exception:
        raise error
    result.ok, result.kind, result.message, result.entries, result.error = (
        False,
        error.kind,
        str(error),
        error.entries,
        error,
    )
    return result


def _probe(problem: _Problem, direction: Sequence[float], label: str) -> Callable[[float], list[float]]:
    """``t ↦ F(x + t·direction)``; an error raised by ``F`` at a probe says where it was probing."""
    x = problem.point.flat

    def phi(t: float) -> list[float]:
        at = [xi + t * d if d else xi for xi, d in zip(x, direction, strict=True)]
        try:
            return problem.values(at)
        except (ValueError, ArithmeticError) as exc:
            sign = "+" if t > 0 else "−"
            where = f"{label} with t = {t:.3g}"
            if sum(1 for d in direction if d) == 1:
                k = next(j for j, d in enumerate(direction) if d)
                where = f"{problem.point.name(k)} {sign} h = {at[k]!r} (h = {abs(t):.3g})"
            message = (
                f"{exc} — while probing at {where}: gradcheck evaluates f at x ± h; check at a point "
                "farther than h from the edge of the domain, or pass a smaller eps"
            )
            if isinstance(exc, DomainError):
                raise DomainError(message) from exc
            try:
                error = type(exc)(message)  # the same kind of error, saying where it was probing
            except Exception:  # an exception type that wants other arguments: keep the original
                raise exc from None
            raise error from exc

    return phi


def _same(a: float, b: float) -> bool:
    """Equal up to rounding (a sum taken in another order): ~4,500 units in the last place."""
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def _check_deterministic(
    problem: _Problem, first: Sequence[float], again: Sequence[float], at: Sequence[float], where: str
) -> None:
    k = next((j for j, (p, q) in enumerate(zip(first, again, strict=True)) if not _same(p, q)), None)
    if k is not None:
        raise GradcheckError(
            f"nondeterministic: the checked function returned different values for the same input {where} "
            f"({first[k]!r}, then {again[k]!r}); gradients can only be checked for a deterministic function — "
            "fix its randomness (e.g. draw a dropout mask once, outside f, or seed the generator inside f)",
            kind="nondeterministic",
        )


def _mismatch_error(problem: _Problem, entries: list[tuple[int, GradcheckEntry]], atol: float, rtol: float) -> str:
    """The message: the first bad entry in words, the whole point, then a table of every bad entry."""
    point = problem.point
    k0, e0 = entries[0]
    kinks = all(e.kind == "kink" for _, e in entries)
    if kinks:
        head = (
            f"kink at {point.long_name(k0)} = {point.flat[k0]!r}: the one-sided derivatives of {e0.output} "
            f"converge to different values (left {e0.left:.9g}, right {e0.right:.9g})\n"
            f"as the step shrinks: f is not differentiable there, so the analytic value {e0.analytic:.9g} "
            "cannot be checked"
        )
    else:
        head = (
            f"{problem.what} mismatch for {point.long_name(k0)} = {point.flat[k0]!r} (output {e0.output}): "
            f"analytic {e0.analytic:.12g}, numeric {e0.numeric:.12g}\n"
            f"absolute error {e0.abs_error:.3g}, relative error {e0.rel_error:.3g} "
            f"(allowed: atol {atol:g} + rtol {rtol:g}·|numeric|), and it stays as the step shrinks"
        )
    lines = [
        head,
        f"at the point {point.describe()}",
        f"{len(entries)} bad Jacobian entr{'y' if len(entries) == 1 else 'ies'}:",
    ]
    rows = [("output", "input", "analytic", "numeric", "abs error", "rel error", "verdict")]
    shown = entries[:50]
    for _, e in shown:
        verdict = e.kind if e.kind != "kink" else f"kink (left {e.left:.6g}, right {e.right:.6g})"
        rows.append(
            (
                e.output,
                e.input,
                f"{e.analytic:.10g}",
                f"{e.numeric:.10g}",
                f"{e.abs_error:.3g}",
                f"{e.rel_error:.3g}",
                verdict,
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(6)]
    for r in rows:
        lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(r[:6], widths, strict=True)) + "  " + r[6])
    if len(entries) > len(shown):
        lines.append(f"  … and {len(entries) - len(shown)} more")
    return "\n".join(lines)


def _run(
    problem: _Problem,
    *,
    eps: float,
    atol: float,
    rtol: float,
    fast_mode: bool,
    seed: int,
    raise_exception: bool,
) -> Literal[True] | GradcheckResult:
    np = _np()

    result = GradcheckResult(ok=True)
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
    try:
        _check_deterministic(problem, f0, problem.values(x), x, where)
        _check_deterministic(problem, g0, g1, x, where)
        if problem.same_code:
            _check_deterministic(problem, f0, g0, x, where)
    except GradcheckError as error:
        return _fail(result, raise_exception, error)
    if not problem.same_code:
        inconsistent = problem.inconsistency(g0, f0, atol, rtol)
        if inconsistent is not None:
            return _fail(result, raise_exception, inconsistent)
    reentrancy = _reentrancy(problem, out_names, rows, rows2)
    if reentrancy is not None:
        return _fail(result, raise_exception, reentrancy)
    n = len(x)
    bad: list[tuple[int, GradcheckEntry]] = []
    first_direction: list[float] | None = None
    if fast_mode:
        # The direction, scaled like the steps of the full check: no coordinate moves more than
        # eps·max(1, |x_j|) at the first step. The absolute tolerance is the bound on uᵀEd for
        # an error matrix E whose entries are each within atol (as PyTorch's fast mode scales it).
        largest = max(abs(c) for c in v)
        d = [c / largest * max(1.0, abs(xj)) for c, xj in zip(v, x, strict=True)]
        analytic = math.fsum(a * b for a, b in zip(rows[0], d, strict=True))
        along = _probe(problem, d, "x + t·v (v: a random direction)")
        verdict = _diagnose(
            lambda t: [math.fsum(a * b for a, b in zip(u, along(t), strict=True))],
            eps,
            [analytic],
            [math.fsum(a * b for a, b in zip(u, f0, strict=True))],
            atol * math.fsum(abs(c) for c in u) * math.fsum(abs(c) for c in d),
            rtol,
        )[0]
        if verdict.kind != "ok":
            full = _run(problem, eps=eps, atol=atol, rtol=rtol, fast_mode=False, seed=seed, raise_exception=False)
            if isinstance(full, GradcheckResult) and not full.ok and full.error is not None:
                return _fail(result, raise_exception, full.error)
            message = (
                f"{problem.what} mismatch in fast mode at the point {point.describe()}: the random projection "
                f"uᵀJv (seed {seed}) is {analytic:.12g} analytically and {verdict.numeric:.12g} numerically, "
                "but no single Jacobian entry fails on its own"
            )
            fast_error = GradcheckError(message, kind=verdict.kind, analytic=analytic, numeric=verdict.numeric)
            return _fail(result, raise_exception, fast_error)
    else:
        for k in range(n):
            direction = [0.0] * n
            direction[k] = 1.0
            h0 = eps * max(1.0, abs(x[k]))
            column = [row[k] for row in rows]
            verdicts = _diagnose(_probe(problem, direction, point.name(k)), h0, column, f0, atol, rtol)
            for i, vd in enumerate(verdicts):
                if vd.kind != "ok":
                    if first_direction is None:
                        first_direction = direction
                    entry = GradcheckEntry(
                        out_names[i], point.name(k), column[i], vd.numeric, vd.kind, vd.left, vd.right
                    )
                    bad.append((k, entry))
    if first_direction is not None:  # set with the first bad entry
        k0 = bad[0][0]
        h0 = eps * max(1.0, abs(x[k0]))
        try:  # a nondeterministic function can look like a kink or a mismatch: rule it out first
            for t in (h0, -h0):
                at = [xi + t * d for xi, d in zip(x, first_direction, strict=True)]
                probe = f"at {point.name(k0)} {'+' if t > 0 else '−'} h"
                _check_deterministic(problem, problem.values(at), problem.values(at), at, probe)
            _check_deterministic(problem, f0, problem.values(x), x, where)
        except GradcheckError as error:
            return _fail(result, raise_exception, error)
        i0, e0 = bad[0]
        kind = "kink" if all(e.kind == "kink" for _, e in bad) else "mismatch"
        if kind == "mismatch":
            i0, e0 = next((k, e) for k, e in bad if e.kind == "mismatch")
            bad = [(k, e) for k, e in bad if e.kind == "mismatch"] + [(k, e) for k, e in bad if e.kind != "mismatch"]
        index, lane = point.where[i0]
        mismatch = GradcheckError(
            _mismatch_error(problem, bad, atol, rtol),
            kind=kind,
            index=index,
            lane=lane,
            analytic=e0.analytic,
            numeric=e0.numeric,
            entries=[e for _, e in bad],
        )
        return _fail(result, raise_exception, mismatch)
    linearity = _linearity(problem, u)
    if linearity is not None:
        return _fail(result, raise_exception, linearity)
    return True if raise_exception else result


def _reentrancy(
    problem: _Problem, out_names: Sequence[str], rows: Sequence[Sequence[float]], rows2: Sequence[Sequence[float]]
) -> GradcheckError | None:
    """The analytic derivatives computed twice must be identical."""
    point = problem.point
    for out, a_row, b_row in zip(out_names, rows, rows2, strict=True):
        for k, (a, b) in enumerate(zip(a_row, b_row, strict=True)):
            if not _same(a, b):
                i, lane = point.where[k]
                return GradcheckError(
                    f"reentrancy: two evaluations of the {problem.what} of {out} with respect to "
                    f"{point.long_name(k)} differ ({a!r} vs {b!r})",
                    kind="reentrancy",
                    index=i,
                    lane=lane,
                    analytic=a,
                )
    return None


def _linearity(problem: _Problem, u: Sequence[float]) -> GradcheckError | None:
    """The analytic derivatives are linear in the upstream gradient (zero upstream → zero)."""
    point = problem.point
    (base, zero, scaled), _ = problem.vjp(u, (1.0, 0.0, 2.5))
    for upstream, got in ((0.0, zero), (2.5, scaled)):
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
