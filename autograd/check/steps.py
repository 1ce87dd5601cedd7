"""The step procedure of :mod:`autograd.check.gradcheck` (point 3 of its module docstring): one
Jacobian column's analytic values against finite differences along one direction.

``diagnose`` starts at the step ``h0`` (made smaller by itself while a probe ``x ± h`` leaves
f's domain). An entry that fails there is followed while the step is halved, keeping central,
one-sided and Richardson-extrapolated differences, until ``_decide`` calls it ``ok``
(finite-difference error that shrinks), a ``mismatch`` (the differences converged elsewhere)
or a kink (the one-sided differences converged apart: ``ok`` when the analytic value lies
between them — a subgradient, the convention of every built-in — else a ``mismatch``).
Rounding error stops the steps: it is estimated from the magnitudes inside f (``scale``: the
largest intermediate value), not only from |f|, and a step where it could exceed the
tolerance is never trusted. When rounding stops the steps first, larger steps are tried
(``_grow``), and ``_final`` decides from what converged: a one-sided difference that grows
like 1/h is a ``jump`` (f is not continuous within h), one side converged to the analytic
value while the other did not is ``ok`` (a kink within ~h on the other side), and the rest is
``undecided``. Pure arithmetic on floats: the checked function is reached only through
``phi(t)``, its values at ``x + t·direction``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_EPS64 = 2.0**-52
_MAX_HALVINGS = 36  # the smallest step tried is eps·scale·2**-36 (≈ 1.5e-17 for eps 1e-6)
_DOMAIN_SHRINKS = 8  # a probe outside f's domain: the first step is made 10× smaller, up to this many times (eps·1e-8)
_MAX_GROWTH = 1e6  # larger steps (when small ones are rounding noise) go up to h0·1e6 (max(1, |x|) for eps 1e-6)

#: One step tried: (h, central difference, left difference, right difference).
Step = tuple[float, float, float, float]


@dataclass
class Verdict:
    kind: str  # "ok", "mismatch", "jump" or "undecided"
    numeric: float
    left: float | None = None
    right: float | None = None
    steps: list[Step] = field(default_factory=list)
    note: str = ""  # how it was decided, when that is not plain agreement (a kink, larger steps …)


def tolerance_at(atol: float, rtol: float, numeric: float) -> float:
    return atol + rtol * abs(numeric)


def _first_step(phi: Callable[[float], list[float]], h0: float) -> tuple[float, list[float], list[float]]:
    """``phi(±h)`` at ``h0``, or at a step 10× smaller each time a probe leaves f's domain."""
    h = h0
    errors: list[Exception] = []
    for _ in range(_DOMAIN_SHRINKS + 1):
        try:
            return h, phi(h), phi(-h)
        except (ValueError, ArithmeticError) as exc:
            errors.append(exc)
            h /= 10.0
    raise errors[0]  # the error at the step asked for: the one the user can act on


def diagnose(
    phi: Callable[[float], list[float]],
    h0: float,
    analytic: Sequence[float],
    f0: Sequence[float],
    atol: float,
    rtol: float,
    scale: float = 0.0,
) -> list[Verdict]:
    """Compare ``analytic[i]`` with the derivative at ``t = 0`` of ``phi(t)[i]``, for every output ``i``.

    ``scale`` is the largest magnitude inside the function (0 when unknown): rounding error
    of a difference is estimated from it as well as from the values of ``phi``.
    """
    h0, plus, minus = _first_step(phi, h0)
    central = [(p - m) / (2.0 * h0) for p, m in zip(plus, minus, strict=True)]
    verdicts: list[Verdict | None] = [
        Verdict("ok", c) if abs(a - c) <= tolerance_at(atol, rtol, c) else None
        for a, c in zip(analytic, central, strict=True)
    ]
    open_ = [i for i, v in enumerate(verdicts) if v is None]
    if not open_:
        return [v for v in verdicts if v is not None]
    # Per open output: histories of central C, one-sided L/R, and the extrapolated C2 (O(h²) error
    # removed), C1 (O(h) removed), L2 and R2. Each halving of h adds one of each.
    hist: dict[int, dict[str, list[float]]] = {}
    steps: dict[int, list[Step]] = {}
    # Two estimates of rounding error: from |F| (the steps stop where it could exceed the
    # tolerance) and from the largest value inside F (a step where that one could is never
    # trusted to conclude a failure; agreement with the analytic value is accepted anywhere).
    clean: dict[int, int] = {}  # how many of the first steps are trusted (steps shrink: a prefix)
    stopped: set[int] = set()
    for i in open_:
        left, right = (f0[i] - minus[i]) / h0, (plus[i] - f0[i]) / h0
        hist[i] = {"C": [central[i]], "L": [left], "R": [right]}
        steps[i] = [(h0, central[i], left, right)]
        inner = _noise(plus[i], minus[i], f0[i], scale, h0) <= 0.5 * tolerance_at(atol, rtol, central[i])
        clean[i] = 1 if inner else 0
        if _noise(plus[i], minus[i], f0[i], 0.0, h0) > 0.5 * tolerance_at(atol, rtol, central[i]):
            stopped.add(i)  # even the first step is rounding noise: no smaller one is tried
    for k in range(1, _MAX_HALVINGS + 1):
        following = [i for i in open_ if i not in stopped]
        if not following:
            break
        h = h0 * 2.0**-k
        try:
            plus, minus = phi(h), phi(-h)
        except (ValueError, ArithmeticError):
            break  # a probe outside the domain at a smaller step: no more steps
        for i in following:
            a, est = analytic[i], hist[i]
            c = (plus[i] - minus[i]) / (2.0 * h)
            if _noise(plus[i], minus[i], f0[i], 0.0, h) > 0.5 * tolerance_at(atol, rtol, c):
                stopped.add(i)
                continue
            if clean[i] == len(est["C"]) and _noise(plus[i], minus[i], f0[i], scale, h) <= 0.5 * tolerance_at(
                atol, rtol, c
            ):
                clean[i] += 1
            est["C"].append(c)
            est["L"].append((f0[i] - minus[i]) / h)
            est["R"].append((plus[i] - f0[i]) / h)
            steps[i].append((h, c, est["L"][-1], est["R"][-1]))
            est.setdefault("C2", []).append((4.0 * c - est["C"][-2]) / 3.0)
            est.setdefault("C1", []).append(2.0 * c - est["C"][-2])
            est.setdefault("L2", []).append(2.0 * est["L"][-1] - est["L"][-2])
            est.setdefault("R2", []).append(2.0 * est["R"][-1] - est["R"][-2])
            v = _decide(est, a, atol, rtol, trusted=clean[i] == len(est["C"]))
            if v is not None:
                v.steps = steps[i]
                verdicts[i] = v
                open_.remove(i)
    undecided = [i for i in open_ if verdicts[i] is None]
    grown = _grow(phi, h0, [analytic[i] for i in undecided], [f0[i] for i in undecided], atol, rtol, scale)
    for i, g in zip(undecided, grown, strict=True):
        v = g if g is not None else _final(hist[i], analytic[i], atol, rtol, clean[i])
        v.steps = steps[i] + (v.steps if g is not None else [])
        verdicts[i] = v
    return [v for v in verdicts if v is not None]


def _noise(plus: float, minus: float, f0: float, scale: float, h: float) -> float:
    """Rounding error of a one-sided difference at step ``h``."""
    return 4.0 * _EPS64 * max(abs(plus), abs(minus), abs(f0), scale) / h


def _grow(
    phi: Callable[[float], list[float]],
    h0: float,
    analytic: Sequence[float],
    f0: Sequence[float],
    atol: float,
    rtol: float,
    scale: float,
) -> list[Verdict | None]:
    """Larger steps, for entries whose small steps were rounding noise: ``ok`` when two successive
    central differences (or their Richardson extrapolations) past the noise agree with the
    analytic value; None otherwise (nothing is concluded from larger steps but agreement)."""
    out: list[Verdict | None] = [None] * len(analytic)
    if not analytic:
        return out
    size = max([scale, *(abs(v) for v in f0)])
    tol = min(tolerance_at(atol, rtol, a) for a in analytic)
    h = max(h0, 4.0 * _EPS64 * size / tol) if tol > 0.0 else h0
    history: list[tuple[float, list[float]]] = []
    while h <= h0 * _MAX_GROWTH and None in out:
        try:
            plus, minus = phi(h), phi(-h)
        except (ValueError, ArithmeticError):
            break
        history.append((h, [(p - m) / (2.0 * h) for p, m in zip(plus, minus, strict=True)]))
        if len(history) >= 2:
            (h1, c1), (_, c2) = history[-2], history[-1]
            for i, a in enumerate(analytic):
                if out[i] is not None:
                    continue
                plain = _close(a, c1[i], atol, rtol) and _close(a, c2[i], atol, rtol)
                if plain or (
                    len(history) >= 3
                    and _close(a, _rich(history, i, -3), atol, rtol)
                    and _close(a, _rich(history, i, -2), atol, rtol)
                ):
                    out[i] = Verdict(
                        "ok",
                        c1[i],
                        steps=[(hh, cc[i], cc[i], cc[i]) for hh, cc in history],
                        note=f"smaller steps than {h1:.3g} are rounding noise (values inside f reach {size:.3g})",
                    )
        h *= 2.0
    return out


def _rich(history: Sequence[tuple[float, list[float]]], i: int, k: int) -> float:
    """Richardson extrapolation of the central differences at steps ``k`` and ``k + 1`` (twice as large)."""
    return (4.0 * history[k][1][i] - history[k + 1][1][i]) / 3.0


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return abs(a - b) <= tolerance_at(atol, rtol, b)


def _settled(a: float, b: float, atol: float, rtol: float) -> bool:
    """Two successive estimates agree much better than the tolerance: the differences have converged."""
    return abs(a - b) <= 0.25 * tolerance_at(atol, rtol, b)


def _converged(values: Sequence[float], atol: float, rtol: float) -> bool:
    """The last three estimates agree pairwise (two agreeing by chance, as a kink is crossed, is not enough)."""
    return len(values) >= 3 and all(_settled(values[-j], values[-j - 1], atol, rtol) for j in (1, 2))


def _decide(est: dict[str, list[float]], a: float, atol: float, rtol: float, *, trusted: bool = True) -> Verdict | None:
    c, l2, r2 = est["C"], est["L2"], est["R2"]
    # Finite-difference error shrinks with h: two successive steps agree with the analytic value.
    if _close(a, c[-1], atol, rtol) and _close(a, c[-2], atol, rtol):
        return Verdict("ok", c[-1])
    # The same after Richardson extrapolation: O(h²) error removed (smooth), or O(h) (C¹ but not C² at x).
    for extrapolated in (est["C2"], est["C1"]):
        if (
            len(extrapolated) >= 2
            and _close(a, extrapolated[-1], atol, rtol)
            and _close(a, extrapolated[-2], atol, rtol)
        ):
            return Verdict("ok", extrapolated[-1])
    if len(c) < 3 or not trusted:  # a failure is concluded only from steps clear of rounding noise
        return None
    sides_agree = _close(l2[-1], r2[-1], atol, rtol)
    # A kink: each one-sided derivative has converged, to different values.
    if not sides_agree and _converged(l2, atol, rtol) and _converged(r2, atol, rtol):
        return _kink(c[-1], l2[-1], r2[-1], a, atol, rtol)
    # A mismatch: the differences have converged (and agree from both sides), not to the analytic value.
    if sides_agree and _settled(c[-1], c[-2], atol, rtol) and _settled(c[-2], c[-3], atol, rtol):
        return Verdict("mismatch", c[-1])
    return None


def _kink(central: float, left: float, right: float, a: float, atol: float, rtol: float) -> Verdict:
    """One-sided derivatives that converged apart: the analytic value passes between them (a subgradient)."""
    low, high = min(left, right), max(left, right)
    if low - tolerance_at(atol, rtol, low) <= a <= high + tolerance_at(atol, rtol, high):
        return Verdict(
            "ok", central, left, right, note="a kink: the analytic value is between the one-sided derivatives"
        )
    return Verdict(
        "mismatch", central, left, right, note="a kink: the analytic value is not between the one-sided derivatives"
    )


def _jump(values: Sequence[float], other: Sequence[float], a: float, atol: float, rtol: float) -> bool:
    """A one-sided difference that doubles as the step halves (three times in a row) and is far beyond
    every slope in sight (the analytic value, the other side): f jumps within h. (A kink at a distance
    δ < h also makes a one-sided difference grow like δ/h, but never beyond the slopes around it.)"""
    if len(values) < 4:
        return False
    last = values[-4:]
    grows = all(abs(last[j + 1]) > 1.8 * abs(last[j]) and abs(last[j + 1]) < 2.2 * abs(last[j]) for j in range(3))
    return grows and abs(last[-1]) > 100.0 * max(abs(a), abs(other[-1]), tolerance_at(atol, rtol, a))


def _final(est: dict[str, list[float]], a: float, atol: float, rtol: float, clean: int) -> Verdict:
    """The verdict when rounding error (or the domain) stops the steps before the differences settled.

    Only the first ``clean`` steps (clear of rounding from the values inside f) may show a
    failure; agreement with the analytic value is accepted from any step.
    """
    c = est["C"]
    left = est["L2"][-1] if "L2" in est else est["L"][-1]
    right = est["R2"][-1] if "R2" in est else est["R"][-1]
    for side, values, other in (("right", est["R"], est["L"]), ("left", est["L"], est["R"])):
        if _jump(values, other, a, atol, rtol):
            return Verdict("jump", c[-1], left, right, note=f"the {side}-hand difference grows like 1/h")
    # one side converged to the analytic value; the other did not converge at all (a kink within ~h)
    l_any, r_any = _converged(est.get("L2", []), atol, rtol), _converged(est.get("R2", []), atol, rtol)
    if (l_any and _close(a, left, atol, rtol)) != (r_any and _close(a, right, atol, rtol)) and not (l_any and r_any):
        side = "right" if l_any else "left"
        return Verdict("ok", left if l_any else right, left, right, note=f"a kink within ~h on the {side}")
    t = {key: values[: clean if len(values) == len(c) else max(clean - 1, 0)] for key, values in est.items()}
    tc = t["C"] or c[:1]
    t_left = t["L2"][-1] if t.get("L2") else left
    t_right = t["R2"][-1] if t.get("R2") else right
    l_ok = _converged(t.get("L2", []), atol, rtol)
    r_ok = _converged(t.get("R2", []), atol, rtol)
    if l_ok and r_ok and not _close(t_left, t_right, atol, rtol):
        return _kink(tc[-1], t_left, t_right, a, atol, rtol)
    if len(tc) >= 3 and _settled(tc[-1], tc[-2], atol, rtol) and _settled(tc[-2], tc[-3], atol, rtol):
        return Verdict("mismatch", tc[-1], t_left, t_right)
    if l_ok and r_ok:
        return Verdict("mismatch", tc[-1], t_left, t_right)
    return Verdict("undecided", c[-1], left, right, note="a kink within ~h of x")


def second_difference(
    psi: Callable[[float], float],
    h0: float,
    analytic: float,
    f0: float,
    atol: float,
    rtol: float,
    scale: float = 0.0,
) -> Verdict:
    """``analytic`` against ``ψ″(0)`` from second differences of ``ψ`` itself (f, not its gradient).

    Central second differences ``(ψ(h) − 2ψ(0) + ψ(−h))/h²`` and their Richardson
    extrapolation, at halving steps while rounding error (``~16·eps·size/h²``) stays well
    under the tolerance. ``ok`` as soon as two successive estimates agree with ``analytic``;
    a ``mismatch`` only when the estimates — central and both one-sided — converged together
    to another value. Anything else (a kink, a domain edge, noise first) is ``ok``: this check
    adds to the comparison with differences of the gradient, it never raises a doubt alone.
    """
    h = h0
    central: list[float] = []
    extrapolated: list[float] = []
    sides: list[tuple[float, float]] = []
    steps: list[Step] = []
    for _ in range(_MAX_HALVINGS):
        try:
            p, m, p2, m2 = psi(h), psi(-h), psi(2.0 * h), psi(-2.0 * h)
        except (ValueError, ArithmeticError):
            if central:
                break
            h /= 2.0  # out of the domain (or an overflow) at this step: a smaller one
            continue
        size = max(abs(p), abs(m), abs(p2), abs(m2), abs(f0), scale)
        if 16.0 * _EPS64 * size / (h * h) > 0.25 * tolerance_at(atol, rtol, analytic):
            if central:
                break
            h /= 2.0
            continue
        d = (p - 2.0 * f0 + m) / (h * h)
        right, left = (p2 - 2.0 * p + f0) / (h * h), (m2 - 2.0 * m + f0) / (h * h)
        central.append(d)
        sides.append((left, right))
        steps.append((h, d, left, right))
        if len(central) >= 2:
            extrapolated.append((4.0 * d - central[-2]) / 3.0)
        for values in (central, extrapolated):
            if (
                len(values) >= 2
                and _close(analytic, values[-1], atol, rtol)
                and _close(analytic, values[-2], atol, rtol)
            ):
                return Verdict("ok", values[-1], steps=steps)
        if (
            _converged(extrapolated, atol, rtol)
            and _close(extrapolated[-1], sides[-1][0], atol, 0.05)
            and _close(extrapolated[-1], sides[-1][1], atol, 0.05)
        ):
            return Verdict("mismatch", extrapolated[-1], sides[-1][0], sides[-1][1], steps=steps)
        h /= 2.0
    return Verdict("ok", central[-1] if central else analytic, steps=steps, note="undecided")
