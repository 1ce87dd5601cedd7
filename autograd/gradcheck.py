"""Check analytic gradients against finite differences, with no false alarms.

>>> gradcheck(lambda x, y: (x * y).sin(), 0.3, -1.2)
True

How a check decides (float64 throughout):

1. The function and its analytic derivatives are evaluated twice at the point (the
   function once more): outputs that differ beyond rounding mean it is not deterministic
   (a random dropout mask, a counter) and that is the error reported (``nondeterministic``);
   derivatives that differ are a ``reentrancy`` failure.
2. The analytic Jacobian (one backward pass per output) is compared with central
   differences at the step ``h = eps·max(1, |x|)``. An entry passes when
   ``|analytic − numeric| ≤ atol + rtol·|numeric|``.
3. An entry that fails is not blamed yet: the step is halved again and again. A
   discrepancy that shrinks with ``h`` is finite-difference error (a function that is
   once but not twice differentiable, a large third derivative, a kink inside the step
   but not at the point) and passes as soon as two successive steps agree with the
   analytic value (plain or Richardson-extrapolated differences). One that stays while
   the differences themselves have converged is a ``mismatch``. One-sided differences
   that converge to two different values are a ``kink``. Steps stop where rounding
   error would dominate; an entry still undecided then is a ``kink`` if its one-sided
   differences disagree, else a ``mismatch``. Before a failure is reported, the probes
   are repeated to rule out nondeterminism.
4. The analytic derivatives are linear in the upstream gradient (zero upstream → zero
   gradient): ``linearity``.

``fast_mode=True`` checks one seeded random projection ``uᵀJv`` instead of the whole
Jacobian (O(1) backward passes, like PyTorch's); a failure is then re-checked entry by
entry to report the table. :func:`gradgradcheck` checks second derivatives through
Hessian-vector products; :func:`gradcheck_params` checks a model's parameters in place.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from autograd.engine import grad
from autograd.rules import _np, is_lanes
from autograd.value import DomainError, Value, dot, vsum

__all__ = ["GradcheckEntry", "GradcheckError", "GradcheckResult", "gradcheck", "gradcheck_params", "gradgradcheck"]

_EPS64 = 2.0**-52
_MAX_HALVINGS = 36  # the smallest step tried is eps·scale·2**-36 (≈ 1.5e-17 for eps 1e-6)


@dataclass(frozen=True)
class GradcheckEntry:
    """One (output, input) entry of the Jacobian that failed.

    Attributes:
        output: The output's name (``"f"``, ``"f[1]"``, ``"f lane 2"`` …).
        input: The input's name, as the function names it (``"y"``, ``"v lane 0"`` …).
        analytic: The engine's derivative.
        numeric: The finite-difference estimate.
        kind: ``"mismatch"`` or ``"kink"``.
        left: The left one-sided derivative (for a kink), else None.
        right: The right one-sided derivative (for a kink), else None.
    """

    output: str
    input: str
    analytic: float
    numeric: float
    kind: str
    left: float | None = None
    right: float | None = None

    @property
    def abs_error(self) -> float:
        """``|analytic − numeric|``."""
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        """``|analytic − numeric| / |numeric|`` (inf for a zero numeric value)."""
        return self.abs_error / abs(self.numeric) if self.numeric != 0.0 else math.inf


class GradcheckError(AssertionError):
    """A gradient check failed.

    Attributes:
        kind: ``"mismatch"`` (analytic ≠ numeric), ``"kink"`` (the function is not
            differentiable there: one-sided differences converge to different values),
            ``"nondeterministic"`` (the same input gave different outputs),
            ``"reentrancy"`` (two evaluations of the gradient disagree) or
            ``"linearity"`` (the gradient is not linear in the upstream gradient).
        index: The argument the (first) failure is about (or None).
        lane: The lane of that argument, for an argument holding lanes (or None).
        analytic: The engine's value for the first bad entry, where it applies.
        numeric: The finite-difference value for the first bad entry, where it applies.
        entries: Every bad Jacobian entry (the table in the message).
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
        entries: Sequence[GradcheckEntry] = (),
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.index = index
        self.lane = lane
        self.analytic = analytic
        self.numeric = numeric
        self.entries = list(entries)


@dataclass
class GradcheckResult:
    """What ``gradcheck(..., raise_exception=False)`` returns; truthy when the check passed.

    Attributes:
        ok: Whether every check passed.
        kind: None when ok, else the :class:`GradcheckError` kind.
        message: The error message ("" when ok).
        entries: The bad Jacobian entries (empty when ok).
        error: The error that would have been raised (None when ok).
    """

    ok: bool
    kind: str | None = None
    message: str = ""
    entries: list[GradcheckEntry] = field(default_factory=list)
    error: GradcheckError | None = None

    def __bool__(self) -> bool:
        return self.ok


Function = Callable[..., Any]
Arg = Any  # a float, or lanes (a 1-D numpy array)


# -- the point ----------------------------------------------------------------------------


def _short(x: Any) -> str:
    if type(x) is float:
        return repr(x)
    values = [repr(float(v)) for v in x[:6]]
    if len(x) > 6:
        values.append(f"… {len(x)} lanes")
    return "[" + ", ".join(values) + "]"


def _check_point_arg(x: object, name: str) -> Any:
    """A validated float or lanes array for one argument of the point, or a TypeError saying how to pass it."""
    if isinstance(x, Value):
        raise TypeError(
            f"{name} is a Value: pass its number ({name}.data) — gradcheck makes the Values itself; "
            "to check a model's parameters in place use gradcheck_params(loss_fn, model)"
        )
    if isinstance(x, tuple | list):
        kind = type(x).__name__
        raise TypeError(
            f"{name} is a {kind}: pass the point's coordinates as separate arguments, gradcheck(f, *point) "
            "(an argument holding lanes is a 1-D numpy array)"
        )
    if is_lanes(x):
        arr: Any = x
        if arr.ndim == 0:
            return _check_point_arg(float(arr), name)
        if arr.ndim != 1:
            raise TypeError(
                f"{name} is a {arr.ndim}-D array of shape {arr.shape}: a 1-D numpy array is one argument "
                "holding lanes (one value per sample); pass the coordinates of a point as separate arguments"
            )
    if isinstance(x, bool) or not (isinstance(x, int | float) or is_lanes(x) or hasattr(x, "__float__")):
        raise TypeError(f"{name} must be a real number or lanes (a 1-D numpy array), got {type(x).__name__}: {x!r}")
    if isinstance(x, int | float) and not math.isfinite(x):
        raise ValueError(f"{name} is not finite: {x!r}; gradcheck needs a point where f is defined")
    try:
        return Value(x).data  # validates: real, finite, lanes 1-D and non-empty
    except (TypeError, ValueError) as exc:
        raise type(exc)(str(exc).replace("Value data", name)) from None


def _signature_names(f: Function, n: int) -> list[str]:
    """The names ``f`` gives its first ``n`` positional arguments (``x0``… when it does not say)."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return [f"x{i}" for i in range(n)]
    names: list[str] = []
    required = 0
    var: str | None = None
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
            required += p.default is p.empty
        elif p.kind is p.VAR_POSITIONAL:
            var = p.name
            break
    if n < required:
        shown = ", ".join(names[:required])
        raise TypeError(
            f"the checked function takes {required} argument(s) ({shown}) but the point has {n}: pass each "
            "coordinate as its own argument, gradcheck(f, *point) — a 1-D numpy array is one argument holding lanes"
        )
    if n > len(names) and var is None:
        raise TypeError(f"the checked function takes {len(names)} argument(s) ({', '.join(names)}), the point has {n}")
    if var == "args" and not names:  # a generic *args (a define_op op): no names to show
        return ["x"] if n == 1 else [f"x{i}" for i in range(n)]
    return (names + [f"{var}[{i}]" for i in range(len(names), n)])[:n]


class _Point:
    """The arguments as a flat list of scalar coordinates (each lane is one coordinate)."""

    def __init__(self, data: Sequence[Any], names: Sequence[str]) -> None:
        self.names = list(names)
        self.lanes: list[int | None] = []
        self.flat: list[float] = []
        for d in data:
            if type(d) is float:
                self.lanes.append(None)
                self.flat.append(d)
            else:
                self.lanes.append(len(d))
                self.flat.extend(float(v) for v in d)
        self.where = [(i, None if n is None else j) for i, n in enumerate(self.lanes) for j in range(n or 1)]

    def name(self, k: int) -> str:
        i, lane = self.where[k]
        return self.names[i] if lane is None else f"{self.names[i]} lane {lane}"

    def long_name(self, k: int) -> str:
        i, lane = self.where[k]
        return f"argument {i} ({self.names[i]})" if lane is None else f"argument {i} lane {lane} ({self.names[i]})"

    def args(self, flat: Sequence[float]) -> list[Arg]:
        out: list[Arg] = []
        k = 0
        for n in self.lanes:
            if n is None:
                out.append(flat[k])
                k += 1
            else:
                np = _np()  # lanes are numpy arrays: numpy is loaded already

                out.append(np.array(flat[k : k + n], dtype=np.float64))
                k += n
        return out

    def flatten(self, values: Sequence[Any]) -> list[float]:
        out: list[float] = []
        for v, n in zip(values, self.lanes, strict=True):
            if isinstance(v, Value):
                v = v.data
            if n is None:
                out.append(float(v))
            elif type(v) is float:  # a lane input the output does not depend on
                out.extend([v] * n)
            else:
                out.extend(float(e) for e in v)
        return out

    def describe(self, limit: int = 8) -> str:
        shown = [f"{name} = {_short(x)}" for name, x in zip(self.names, self.args(self.flat), strict=True)]
        if len(shown) > limit:
            shown = [*shown[:limit], f"… {len(shown)} arguments in all"]
        return ", ".join(shown)


# -- outputs ------------------------------------------------------------------------------


def _outputs(out: object) -> list[Value]:
    """The Values ``f`` returned: one Value (a scalar or lanes) or a sequence of them."""
    if isinstance(out, Value):
        return [out]
    if isinstance(out, list | tuple) and out:
        for k, v in enumerate(out):
            if not isinstance(v, Value):
                raise TypeError(
                    f"the checked function must return Values; item {k} of what it returned is {type(v).__name__}"
                )
        return list(out)
    raise TypeError(
        "the checked function must return a Value, a non-empty list/tuple of Values, or lanes; "
        f"got {type(out).__name__}"
    )


def _output_names(outs: Sequence[Value], base: str = "f") -> list[str]:
    names: list[str] = []
    for k, o in enumerate(outs):
        name = base if len(outs) == 1 else f"{base}[{k}]"
        names.extend([name] if o.lanes is None else [f"{name} lane {j}" for j in range(o.lanes)])
    return names


def _flat_values(outs: Sequence[Value]) -> list[float]:
    flat: list[float] = []
    for o in outs:
        if o.lanes is None:
            flat.append(float(o.data))
        else:
            lanes: Any = o.data
            flat.extend(float(v) for v in lanes)
    return flat


def _combine(outs: Sequence[Value], u: Sequence[float]) -> Value:
    """``Σ u_k·out_k`` over every output coordinate, as one Value (one backward pass gives uᵀJ)."""
    np = _np()

    terms: list[Value] = []
    k = 0
    for o in outs:
        if o.lanes is None:
            terms.append(o * u[k])
            k += 1
        else:
            weights: Any = np.array(u[k : k + o.lanes], dtype=np.float64)
            terms.append((o * weights).sum())
            k += o.lanes
    return terms[0] if len(terms) == 1 else vsum(terms)


# -- problems: a function of the flat point, numerically and on the graph -----------------


class _Problem:
    """``F: Rⁿ → Rᵐ`` at a point: numeric values, and the graph for analytic derivatives."""

    what = "gradient"
    output_base = "f"
    same_code = True  # build() and values() compute F with the same code: their results are identical

    def inconsistency(
        self, graph: Sequence[float], numeric: Sequence[float], atol: float, rtol: float
    ) -> GradcheckError | None:
        """An error when F computed on the graph differs from F computed as numbers (``same_code`` False)."""
        return None

    def __init__(self, point: _Point) -> None:
        self.point = point

    def build(self) -> tuple[list[Value], list[Value]]:
        """Inputs and outputs (Values) at the point itself, with a graph from one to the other."""
        raise NotImplementedError

    def values(self, flat: Sequence[float]) -> list[float]:
        """``F`` at ``flat`` as floats."""
        raise NotImplementedError

    def jacobian(self) -> tuple[list[list[float]], list[str], list[float]]:
        """The analytic Jacobian (a row per output coordinate), the output names, and ``F`` at the point."""
        inputs, outs = self.build()
        rows: list[list[float]] = []
        np = _np()

        for o in outs:
            if o.lanes is None:
                rows.append(self.point.flatten(grad(o, inputs)))
            else:
                for j in range(o.lanes):
                    upstream = np.zeros(o.lanes)
                    upstream[j] = 1.0
                    rows.append(self.point.flatten(grad(o, inputs, upstream)))
        return rows, _output_names(outs, self.output_base), _flat_values(outs)

    def vjp(self, u: Sequence[float], upstreams: Sequence[float] = (1.0,)) -> tuple[list[list[float]], list[float]]:
        """``c·uᵀJ`` for each ``c`` in ``upstreams``, and ``F`` at the point.

        One graph and one backward pass per ``c``: ``u`` is the upstream gradient of a single
        output (a scalar or lanes), or the weights of one ``dot`` node over scalar outputs.
        (Outputs mixing lanes and scalars take one backward pass each.)
        """
        np = _np()

        inputs, outs = self.build()
        if len(outs) == 1:
            o = outs[0]
            seed: Any = u[0] if o.lanes is None else np.array(u, dtype=np.float64)
            return [self.point.flatten(grad(o, inputs, c * seed)) for c in upstreams], _flat_values(outs)
        if all(o.lanes is None for o in outs):
            s = dot(list(u), outs)
            return [self.point.flatten(grad(s, inputs, c)) for c in upstreams], _flat_values(outs)
        results: list[list[float]] = []
        for c in upstreams:
            total = [0.0] * len(self.point.flat)
            k = 0
            for o in outs:
                upstream: Any = c * u[k] if o.lanes is None else c * np.array(u[k : k + o.lanes])
                k += o.lanes or 1
                g = self.point.flatten(grad(o, inputs, upstream))
                total = [a + b for a, b in zip(total, g, strict=True)]
            results.append(total)
        return results, _flat_values(outs)


class _FunctionProblem(_Problem):
    def __init__(self, f: Function, point: _Point) -> None:
        super().__init__(point)
        self.f = f

    def build(self) -> tuple[list[Value], list[Value]]:
        inputs = [Value(x) for x in self.point.args(self.point.flat)]
        return inputs, _outputs(self.f(*inputs))

    def values(self, flat: Sequence[float]) -> list[float]:
        # Recorded, not under no_grad: f may itself differentiate (a gradient penalty).
        return _flat_values(_outputs(self.f(*(Value(x) for x in self.point.args(flat)))))


class _ParamsProblem(_Problem):
    """``loss_fn()`` as a function of the parameters' ``data``, perturbed in place and always restored."""

    def __init__(self, loss_fn: Callable[[], Any], params: list[Value], point: _Point) -> None:
        super().__init__(point)
        self.loss_fn = loss_fn
        self.params = params

    def build(self) -> tuple[list[Value], list[Value]]:
        return self.params, _outputs(self.loss_fn())

    def values(self, flat: Sequence[float]) -> list[float]:
        saved = [p.data for p in self.params]
        try:
            for p, x in zip(self.params, self.point.args(flat), strict=True):
                p.data = x
            return _flat_values(_outputs(self.loss_fn()))
        finally:
            for p, d in zip(self.params, saved, strict=True):
                p.data = d


class _GradientProblem(_Problem):
    """``x ↦ ∇(wᵀf)(x)``: its Jacobian is the Hessian (w: fixed weights when f has several outputs)."""

    what = "second derivative"
    same_code = False  # the gradient as Values (create_graph) and as numbers: two code paths

    def inconsistency(
        self, graph: Sequence[float], numeric: Sequence[float], atol: float, rtol: float
    ) -> GradcheckError | None:
        for k, (g, n) in enumerate(zip(graph, numeric, strict=True)):
            if abs(g - n) > _tol(atol, rtol, n):
                i, lane = self.point.where[k]
                return GradcheckError(
                    f"first derivative mismatch for {self.point.long_name(k)} at the point {self.point.describe()}: "
                    f"the gradient built as a graph (create_graph=True) is {g!r}, the gradient as numbers {n!r}; "
                    "a derivative rule gives different values on Values and on floats",
                    kind="mismatch",
                    index=i,
                    lane=lane,
                    analytic=g,
                    numeric=n,
                )
        return None

    def __init__(self, f: Function, point: _Point, weights: Callable[[int], list[float]]) -> None:
        super().__init__(point)
        self.f = f
        self.weights = weights
        self.output_base = "∂f"

    def _scalar(self, inputs: list[Value]) -> Value:
        outs = _outputs(self.f(*inputs))
        if len(outs) == 1 and outs[0].lanes is None:
            return outs[0]
        return _combine(outs, self.weights(sum(o.lanes or 1 for o in outs)))

    def build(self) -> tuple[list[Value], list[Value]]:
        inputs = [Value(x) for x in self.point.args(self.point.flat)]
        grads = grad(self._scalar(inputs), inputs, create_graph=True)
        return inputs, [g if isinstance(g, Value) else Value(g) for g in grads]

    def values(self, flat: Sequence[float]) -> list[float]:
        inputs = [Value(x) for x in self.point.args(flat)]
        return self.point.flatten(grad(self._scalar(inputs), inputs))

    def jacobian(self) -> tuple[list[list[float]], list[str], list[float]]:
        rows, _, values = super().jacobian()
        names = [f"∂f/∂{self.point.name(k)}" for k in range(len(self.point.flat))]
        return rows, names, values


# -- the finite-difference diagnosis along one direction -----------------------------------


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


# -- the checks ---------------------------------------------------------------------------


def _validate_options(eps: object, atol: object, rtol: object) -> None:
    for name, value, low in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {value!r}")
        x = float(value)
        if not math.isfinite(x) or (x <= 0.0 if name == "eps" else x < 0.0):
            raise ValueError(f"{name} must be finite and {low}, got {value!r}")
    if float(eps) >= 1.0:  # type: ignore[arg-type]
        raise ValueError(f"eps is a relative step and must be < 1, got {eps!r}")


def _make_point(
    f: Function | None, xs: Sequence[Arg], names: Sequence[str] | None, who: str, n_names: int | None = None
) -> _Point:
    if not xs:
        raise ValueError(f"{who} needs at least one point coordinate: {who}(f, x, y, …)")
    if names is not None:
        if isinstance(names, str) or not all(isinstance(n, str) for n in names) or len(names) != len(xs):
            raise ValueError(f"names must be a list of {len(xs)} strings, one per argument, got {names!r}")
        arg_names = list(names)
    elif f is not None:
        arg_names = _signature_names(f, len(xs))
    else:
        arg_names = [f"x{i}" for i in range(len(xs))]
    data = [_check_point_arg(x, name) for x, name in zip(xs, arg_names, strict=True)]
    return _Point(data, arg_names)


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


# -- public functions ----------------------------------------------------------------------


@overload
def gradcheck(
    f: Function,
    *xs: Arg,
    eps: float = ...,
    atol: float = ...,
    rtol: float = ...,
    names: Sequence[str] | None = ...,
    fast_mode: bool = ...,
    seed: int = ...,
    raise_exception: Literal[True] = ...,
) -> bool: ...
@overload
def gradcheck(
    f: Function,
    *xs: Arg,
    eps: float = ...,
    atol: float = ...,
    rtol: float = ...,
    names: Sequence[str] | None = ...,
    fast_mode: bool = ...,
    seed: int = ...,
    raise_exception: Literal[False],
) -> GradcheckResult: ...
def gradcheck(
    f: Function,
    *xs: Arg,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    names: Sequence[str] | None = None,
    fast_mode: bool = False,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool | GradcheckResult:
    """Compare the engine's derivatives of ``f`` with finite differences at ``xs`` (float64).

    ``f`` takes one Value per coordinate of the point and returns a Value, a list or
    tuple of Values, or lanes: its whole Jacobian is compared, entry by entry, and every
    bad entry is listed in the error. The first step is ``h = eps·max(1, |x_i|)``; an
    entry passes when ``|analytic − numeric| ≤ atol + rtol·|numeric|`` at two successive
    steps (see the module docstring: a discrepancy that shrinks as the step shrinks is
    finite-difference error, one that stays is a mismatch, one-sided differences that
    converge apart are a kink). The defaults are tighter than torch's (atol 1e-5, rtol
    1e-3): a derivative off by a factor 1.001 fails.

    Args:
        f: A function of ``len(xs)`` Values.
        *xs: The point: real numbers, or lanes (a 1-D numpy array is one argument
            holding one value per sample; each lane is checked as a coordinate).
        eps: Relative finite-difference step (finite, ``0 < eps < 1``).
        atol: Absolute tolerance (``>= 0``).
        rtol: Relative tolerance (``>= 0``).
        names: Argument names for messages (default: the names in ``f``'s signature).
        fast_mode: Check one seeded random projection ``uᵀJv`` (O(1) backward passes)
            instead of every entry; a failure is re-checked entry by entry for the table.
        seed: The seed of the random projections.
        raise_exception: If False, return a :class:`GradcheckResult` instead of raising.

    Returns:
        True when every check passes (a :class:`GradcheckResult` if ``raise_exception``
        is False).

    Raises:
        GradcheckError: ``kind`` says which check failed; the message names the
            arguments as ``f`` names them, shows the whole point and a table of every bad
            (output, input) entry.
        TypeError: for a point passed as a tuple, a list, a Value or a 2-D array (the
            message says how to pass it), or an ``f`` that does not return Values.
        ValueError: for an empty point, a non-finite coordinate, or a bad option.
        DomainError: when ``f`` is undefined at a probe ``x ± h`` (the message says where).
    """
    _validate_options(eps, atol, rtol)
    problem = _FunctionProblem(f, _make_point(f, xs, names, "gradcheck"))
    return _run(
        problem,
        eps=float(eps),
        atol=float(atol),
        rtol=float(rtol),
        fast_mode=fast_mode,
        seed=seed,
        raise_exception=raise_exception,
    )


@overload
def gradgradcheck(
    f: Function,
    *xs: Arg,
    eps: float = ...,
    atol: float = ...,
    rtol: float = ...,
    names: Sequence[str] | None = ...,
    fast_mode: bool = ...,
    seed: int = ...,
    raise_exception: Literal[True] = ...,
) -> bool: ...
@overload
def gradgradcheck(
    f: Function,
    *xs: Arg,
    eps: float = ...,
    atol: float = ...,
    rtol: float = ...,
    names: Sequence[str] | None = ...,
    fast_mode: bool = ...,
    seed: int = ...,
    raise_exception: Literal[False],
) -> GradcheckResult: ...
def gradgradcheck(
    f: Function,
    *xs: Arg,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    names: Sequence[str] | None = None,
    fast_mode: bool = False,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool | GradcheckResult:
    """Check second derivatives: the Hessian from the engine against differences of gradients.

    The gradient ``∇f`` is built once with ``create_graph=True``; each row of the
    Hessian is one backward pass over that graph (with ``fast_mode``, one
    Hessian-vector product ``uᵀHv``), and it is compared with finite differences of the
    gradient ``∇f(x ± h)`` exactly as :func:`gradcheck` compares first derivatives. For
    an ``f`` with several outputs (or lanes) the checked scalar is ``wᵀf`` with fixed
    seeded random weights ``w``. Arguments as for :func:`gradcheck`.

    >>> gradgradcheck(lambda x, y: (x * y).exp(), 0.4, -0.7)
    True
    """
    _validate_options(eps, atol, rtol)
    point = _make_point(f, xs, names, "gradgradcheck")

    def weights(m: int) -> list[float]:
        np = _np()

        return [float(w) for w in np.random.default_rng(seed + 1).standard_normal(m)]

    problem = _GradientProblem(f, point, weights)
    return _run(
        problem,
        eps=float(eps),
        atol=float(atol),
        rtol=float(rtol),
        fast_mode=fast_mode,
        seed=seed,
        raise_exception=raise_exception,
    )


def _parameters(params: object) -> tuple[list[Value], list[str]]:
    """The Values of ``params`` (anything with ``.parameters()``, or an iterable of Values) and their names."""
    if hasattr(params, "parameters") and callable(params.parameters):
        named = getattr(params, "named_parameters", None)
        if callable(named):
            pairs = list(named())
            values, names = [p for _, p in pairs], [str(n) for n, _ in pairs]
        else:
            values = list(params.parameters())
            names = []
    elif isinstance(params, Value):
        values, names = [params], []
    elif isinstance(params, Iterable) and not isinstance(params, str | bytes):
        values, names = list(params), []
    else:
        raise TypeError(
            "params must have a .parameters() method (a model) or be an iterable of Values, "
            f"got {type(params).__name__}"
        )
    if not values:
        raise ValueError("gradcheck_params needs at least one parameter")
    for i, p in enumerate(values):
        if not isinstance(p, Value):
            raise TypeError(f"parameter {i} must be a Value, got {type(p).__name__}")
        if not p.is_leaf:
            raise ValueError(f"parameter {i} is not a leaf Value (it was computed by {p.op!r}); pass the leaves")
    if len({id(p) for p in values}) != len(values):
        raise ValueError("the same parameter Value appears twice in params")
    if not names:
        names = [p.label or f"p[{i}]" for i, p in enumerate(values)]
    return values, names


@overload
def gradcheck_params(
    loss_fn: Callable[[], Any],
    params: object,
    *,
    eps: float = ...,
    atol: float = ...,
    rtol: float = ...,
    fast_mode: bool = ...,
    seed: int = ...,
    raise_exception: Literal[True] = ...,
) -> bool: ...
@overload
def gradcheck_params(
    loss_fn: Callable[[], Any],
    params: object,
    *,
    eps: float = ...,
    atol: float = ...,
    rtol: float = ...,
    fast_mode: bool = ...,
    seed: int = ...,
    raise_exception: Literal[False],
) -> GradcheckResult: ...
def gradcheck_params(
    loss_fn: Callable[[], Any],
    params: object,
    *,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
    fast_mode: bool = False,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool | GradcheckResult:
    """Check the gradient of ``loss_fn()`` with respect to a model's parameters, in place.

    ``loss_fn()`` takes no arguments and recomputes the loss (a Value, a list of
    Values or lanes) from the parameters' current ``data``. Each parameter's ``data`` is
    perturbed in place and always restored, also when ``loss_fn`` raises. ``params`` is
    anything with a ``.parameters()`` method (the Module protocol; ``named_parameters()``
    names them in messages) or an iterable of leaf Values. Other arguments as for
    :func:`gradcheck`.

    >>> w, b = Value(0.5, label="w"), Value(-0.2, label="b")
    >>> gradcheck_params(lambda: (w * 1.5 + b).tanh(), [w, b])
    True
    >>> w.data, b.data
    (0.5, -0.2)
    """
    _validate_options(eps, atol, rtol)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function of no arguments, got {type(loss_fn).__name__}")
    values, names = _parameters(params)
    data: list[Any] = [p.data for p in values]
    point = _Point([d if type(d) is float else d.copy() for d in data], names)
    saved = [p.data for p in values]
    try:
        return _run(
            _ParamsProblem(loss_fn, values, point),
            eps=float(eps),
            atol=float(atol),
            rtol=float(rtol),
            fast_mode=fast_mode,
            seed=seed,
            raise_exception=raise_exception,
        )
    finally:
        for p, d in zip(values, saved, strict=True):
            p.data = d
