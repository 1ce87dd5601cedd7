"""The step-halving decision procedure of :mod:`autograd.check.gradcheck` (point 3 of its module
docstring): one Jacobian column's analytic values against finite differences along one direction.

``_diagnose`` starts at the step ``h0``; an entry that fails there is followed while the step
is halved, keeping central, one-sided and Richardson-extrapolated differences, until
``_decide`` calls it ``ok`` (finite-difference error that shrinks), a ``mismatch`` (the
differences converged elsewhere) or a ``kink`` (the one-sided differences converged apart), or
rounding error stops the steps and ``_final`` decides. Pure arithmetic on floats: the checked
function is reached only through ``phi(t)``, its values at ``x + t·direction``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

_EPS64 = 2.0**-52
_MAX_HALVINGS = 36  # the smallest step tried is eps·scale·2**-36 (≈ 1.5e-17 for eps 1e-6)


@dataclass
class _Verdict:
    kind: str  # "ok", "mismatch" or "kink"
    numeric: float
    left: float | None = None
    right: float | None = None


def _tol(atol: float, rtol: float, numeric: float) -> float:
    return atol + rtol * abs(numeric)


def _diagnose(
    phi: Callable[[float], list[float]],
    h0: float,
    analytic: Sequence[float],
    f0: Sequence[float],
    atol: float,
    rtol: float,
) -> list[_Verdict]:
    """Compare ``analytic[i]`` with the derivative at ``t = 0`` of ``phi(t)[i]``, for every output ``i``."""
    plus, minus = phi(h0), phi(-h0)
    central = [(p - m) / (2.0 * h0) for p, m in zip(plus, minus, strict=True)]
    verdicts: list[_Verdict | None] = [
        _Verdict("ok", c) if abs(a - c) <= _tol(atol, rtol, c) else None for a, c in zip(analytic, central, strict=True)
    ]
    open_ = [i for i, v in enumerate(verdicts) if v is None]
    if not open_:
        return [v for v in verdicts if v is not None]
    # Per open output: histories of central C, one-sided L/R, and the extrapolated C2 (O(h²) error
    # removed), C1 (O(h) removed), L2 and R2. Each halving of h adds one of each.
    hist: dict[int, dict[str, list[float]]] = {
        i: {"C": [central[i]], "L": [(f0[i] - minus[i]) / h0], "R": [(plus[i] - f0[i]) / h0]} for i in open_
    }
    for k in range(1, _MAX_HALVINGS + 1):
        h = h0 * 2.0**-k
        plus, minus = phi(h), phi(-h)
        for i in list(open_):
            a, est = analytic[i], hist[i]
            size = max(abs(plus[i]), abs(minus[i]), abs(f0[i]))
            noise = 4.0 * _EPS64 * size / h  # rounding error of a one-sided difference
            c = (plus[i] - minus[i]) / (2.0 * h)
            if noise > 0.5 * _tol(atol, rtol, c):
                verdicts[i] = _final(est, atol, rtol)
                open_.remove(i)
                continue
            est["C"].append(c)
            est["L"].append((f0[i] - minus[i]) / h)
            est["R"].append((plus[i] - f0[i]) / h)
            est.setdefault("C2", []).append((4.0 * c - est["C"][-2]) / 3.0)
            est.setdefault("C1", []).append(2.0 * c - est["C"][-2])
            est.setdefault("L2", []).append(2.0 * est["L"][-1] - est["L"][-2])
            est.setdefault("R2", []).append(2.0 * est["R"][-1] - est["R"][-2])
            v = _decide(est, a, atol, rtol)
            if v is not None:
                verdicts[i] = v
                open_.remove(i)
        if not open_:
            break
    for i in open_:
        verdicts[i] = _final(hist[i], atol, rtol)
    return [v for v in verdicts if v is not None]


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return abs(a - b) <= _tol(atol, rtol, b)


def _settled(a: float, b: float, atol: float, rtol: float) -> bool:
    """Two successive estimates agree much better than the tolerance: the differences have converged."""
    return abs(a - b) <= 0.25 * _tol(atol, rtol, b)


def _decide(est: dict[str, list[float]], a: float, atol: float, rtol: float) -> _Verdict | None:
    c, c2, l2, r2 = est["C"], est["C2"], est["L2"], est["R2"]
    # Finite-difference error shrinks with h: two successive steps agree with the analytic value.
    if _close(a, c[-1], atol, rtol) and _close(a, c[-2], atol, rtol):
        return _Verdict("ok", c[-1])
    # The same after Richardson extrapolation: O(h²) error removed (smooth), or O(h) (C¹ but not C² at x).
    for extrapolated in (c2, est["C1"]):
        if (
            len(extrapolated) >= 2
            and _close(a, extrapolated[-1], atol, rtol)
            and _close(a, extrapolated[-2], atol, rtol)
        ):
            return _Verdict("ok", extrapolated[-1])
    if len(c) < 3:
        return None
    sides_agree = _close(l2[-1], r2[-1], atol, rtol)
    # A kink: each one-sided derivative has converged (three successive extrapolated values agree:
    # a kink inside the step, crossed as h shrinks, can make two agree by chance), to different values.
    if (
        not sides_agree
        and len(l2) >= 3
        and all(_settled(l2[-j], l2[-j - 1], atol, rtol) and _settled(r2[-j], r2[-j - 1], atol, rtol) for j in (1, 2))
    ):
        return _Verdict("kink", c[-1], l2[-1], r2[-1])
    # A mismatch: the differences have converged (and agree from both sides), not to the analytic value.
    if sides_agree and _settled(c[-1], c[-2], atol, rtol) and _settled(c[-2], c[-3], atol, rtol):
        return _Verdict("mismatch", c[-1])
    return None


def _final(est: dict[str, list[float]], atol: float, rtol: float) -> _Verdict:
    """The verdict when rounding error stops the steps before the differences settled."""
    c = est["C"]
    left = est["L2"][-1] if "L2" in est else est["L"][-1]
    right = est["R2"][-1] if "R2" in est else est["R"][-1]
    if not _close(left, right, atol, rtol):
        return _Verdict("kink", c[-1], left, right)
    return _Verdict("mismatch", c[-1])
