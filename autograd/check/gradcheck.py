"""Check analytic gradients against finite differences, with no false alarms.

>>> gradcheck(lambda x, y: (x * y).sin(), 0.3, -1.2)
True

How a check decides (float64 throughout):

1. The function and its analytic derivatives are evaluated twice at the point (the
   function once more): outputs that differ by more than ``nondet_tol`` (relative, 1e-12
   by default: a sum taken in another order) mean it is not deterministic (a random
   dropout mask, a counter) and that is the error reported (``nondeterministic``);
   derivatives that differ are a ``reentrancy`` failure.
2. The analytic Jacobian (one backward pass per output) is compared with central
   differences at the step ``h = eps·max(1, |x|)`` (made 10× smaller, up to 10⁸ times,
   while a probe ``x ± h`` leaves f's domain). An entry passes when
   ``|analytic − numeric| ≤ atol + rtol·|numeric|``.
3. An entry that fails is not blamed yet: the step is halved again and again. A
   discrepancy that shrinks with ``h`` is finite-difference error (a function that is
   once but not twice differentiable, a large third derivative, a kink inside the step
   but not at the point) and passes as soon as two successive steps agree with the
   analytic value (plain or Richardson-extrapolated differences). One that stays while
   the differences themselves have converged is a ``mismatch``. Rounding error is
   estimated from the largest value inside f (every node of its graph), not only |f|;
   a step where it could exceed the tolerance is never trusted, and when small steps are
   all noise, larger ones are tried. **Kinks**: one-sided differences that converge to two
   different values are a kink of f, where the convention, one for every built-in, is
   that an analytic value between them (a subgradient: ``relu′(0) = 0``,
   ``abs′(0) = 0``, ``leaky_relu′(0) = slope``) passes and one outside them is a
   ``mismatch``. A one-sided difference that grows like 1/h is a ``jump`` (f is not
   continuous within h); one side converged to the analytic value while the other never
   converged passes (a kink within ~h on the other side); anything else unsettled when
   rounding stops the steps is ``undecided`` ("a kink within ~h of x"), never a kink.
   Before a failure is reported, the probes are repeated to rule out nondeterminism.
4. (:func:`gradgradcheck`) The Hessian is also compared with second differences of f
   itself, along each coordinate (up to 16) and one random direction: a first
   derivative right at x and wrong near it agrees with differences of the engine's own
   gradient, never with f. Only second differences that converged elsewhere fail.
5. The analytic derivatives are linear in the upstream gradient (zero upstream → zero
   gradient): ``linearity``.

Every failure of values is then **blamed** (:func:`blame`): each node's stored local
derivatives are checked against finite differences of its own rule at the inputs it
recorded (and for second derivatives, each node's create-graph rule), and the
disagreeing nodes are ``error.culprits`` and listed in the message, with the steps tried,
the whole point (``error.point``) and a line that repeats the check (``error.snippet``).

``fast_mode=True`` checks one seeded random projection ``uᵀJv_a`` per argument ``a``
(one backward pass, like PyTorch's fast mode, which also projects per input): a bad
argument among many is never diluted by the others; a failing argument's entries are then
checked one by one for the table. :func:`gradgradcheck` checks second derivatives through
Hessian-vector products; :func:`gradcheck_params` and :func:`gradgradcheck_params` check a
model's parameters in place.

Layout: this module holds the public functions and the checks of their arguments; each
part of a check has a module of ``autograd.check``: ``results`` (what a check reports:
:class:`GradcheckError`, :class:`GradcheckResult`, :class:`GradcheckEntry`), ``point`` (the
point as flat coordinates), ``problems`` and ``gradients`` (the function checked, first and
second order), ``run`` (``run_checks``: the checks in order), ``steps`` (the step procedure
of point 3), ``consistency`` (points 1 and 5), ``second_differences`` (point 4), ``report``
(the messages), ``blame`` (:class:`Culprit`) and ``snippet`` (the line that repeats a check).
Import the public names from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, Protocol, TypedDict, Unpack, cast, overload

from autograd.check.blame import Culprit, blame, blame_second_order
from autograd.check.gradients import GradientProblem, ParamsGradientProblem
from autograd.check.point import Arg, Function, Point, check_point_arg, signature_names
from autograd.check.problems import FunctionProblem, ParamsProblem, Problem
from autograd.check.results import GradcheckEntry, GradcheckError, GradcheckResult
from autograd.check.run import run_checks
from autograd.core.functions import load_numpy
from autograd.core.value import Value

__all__ = [
    "Culprit",
    "GradcheckEntry",
    "GradcheckError",
    "GradcheckResult",
    "blame",
    "blame_second_order",
    "gradcheck",
    "gradcheck_params",
    "gradgradcheck",
    "gradgradcheck_params",
]


# -- the options and the point, checked before anything runs ----------------------------


def _tolerances(eps: object, atol: object, rtol: object, nondet_tol: object = 0.0) -> dict[str, float]:
    """The step and tolerances as floats, checked: an error names the option that is wrong."""
    out: dict[str, float] = {}
    for name, value, low in (
        ("eps", eps, "> 0"),
        ("atol", atol, ">= 0"),
        ("rtol", rtol, ">= 0"),
        ("nondet_tol", nondet_tol, ">= 0"),
    ):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {value!r}")
        x = float(value)
        if not math.isfinite(x) or (x <= 0.0 if name == "eps" else x < 0.0):
            raise ValueError(f"{name} must be finite and {low}, got {value!r}")
        out[name] = x
    if out["eps"] >= 1.0:
        raise ValueError(f"eps is a relative step and must be < 1, got {eps!r}")
    return out


def _make_point(
    f: Function | None, xs: Sequence[Arg], names: Sequence[str] | None, who: str, n_names: int | None = None
) -> Point:
    if not xs:
        raise ValueError(f"{who} needs at least one point coordinate: {who}(f, x, y, …)")
    if names is not None:
        if isinstance(names, str) or not all(isinstance(n, str) for n in names) or len(names) != len(xs):
            raise ValueError(f"names must be a list of {len(xs)} strings, one per argument, got {names!r}")
        arg_names = list(names)
    elif f is not None:
        arg_names = signature_names(f, len(xs))
    else:
        arg_names = [f"x{i}" for i in range(len(xs))]
    data = [check_point_arg(x, name) for x, name in zip(xs, arg_names, strict=True)]
    return Point(data, arg_names)


# -- public functions ----------------------------------------------------------------------


class Options(TypedDict, total=False):
    """The options every check takes (see :func:`gradcheck`'s arguments)."""

    eps: float
    atol: float
    rtol: float
    fast_mode: bool
    seed: int
    nondet_tol: float


class FunctionCheck(Protocol):
    """The signature :func:`gradcheck` and :func:`gradgradcheck` share: the result is ``True``
    (or an error) by default, a :class:`GradcheckResult` with ``raise_exception=False``."""

    @overload
    def __call__(
        self,
        f: Function,
        *xs: Arg,
        names: Sequence[str] | None = ...,
        raise_exception: Literal[True] = ...,
        **options: Unpack[Options],
    ) -> bool: ...
    @overload
    def __call__(
        self,
        f: Function,
        *xs: Arg,
        names: Sequence[str] | None = ...,
        raise_exception: Literal[False],
        **options: Unpack[Options],
    ) -> GradcheckResult: ...


def _function_check(name: str, make_problem: Callable[[Function, Point, int], Problem], doc: str) -> FunctionCheck:
    """A check of ``f`` at a point: ``make_problem(f, point, seed)`` says what is checked; the
    point, the options and the run are the same."""

    def check(
        f: Function,
        *xs: Arg,
        eps: float = 1e-6,
        atol: float = 1e-7,
        rtol: float = 1e-5,
        names: Sequence[str] | None = None,
        fast_mode: bool = False,
        seed: int = 0,
        nondet_tol: float = 1e-12,
        raise_exception: bool = True,
    ) -> bool | GradcheckResult:
        __tracebackhide__ = True
        tolerances = _tolerances(eps, atol, rtol, nondet_tol)
        problem = make_problem(f, _make_point(f, xs, names, name), seed)
        return run_checks(problem, fast_mode=fast_mode, seed=seed, raise_exception=raise_exception, **tolerances)

    check.__name__ = check.__qualname__ = name
    check.__doc__ = doc
    return cast(FunctionCheck, check)  # the overloads of FunctionCheck describe check exactly


gradcheck = _function_check(
    "gradcheck",
    lambda f, point, seed: FunctionProblem(f, point),
    """Compare the engine's derivatives of ``f`` with finite differences at ``xs`` (float64).

    ``f`` takes one Value per coordinate of the point and returns a Value, a list or
    tuple of Values, or lanes: its whole Jacobian is compared, entry by entry, and every
    bad entry is listed in the error. The first step is ``h = eps·max(1, |x_i|)``; an
    entry passes when ``|analytic − numeric| ≤ atol + rtol·|numeric|`` at two successive
    steps (see the module docstring: a discrepancy that shrinks as the step shrinks is
    finite-difference error, one that stays is a mismatch, one-sided differences that
    converge apart are a kink, where a derivative between them passes). The defaults are
    tighter than torch's (atol 1e-5, rtol 1e-3): a derivative off by a factor 1.001 fails.

    Args:
        f: A function of ``len(xs)`` Values.
        *xs: The point: real numbers, or lanes (a 1-D numpy array is one argument
            holding one value per sample; each lane is checked as a coordinate).
        eps: Relative finite-difference step (finite, ``0 < eps < 1``).
        atol: Absolute tolerance (``>= 0``).
        rtol: Relative tolerance (``>= 0``).
        names: Argument names for messages (default: the names in ``f``'s signature).
        fast_mode: Check one seeded random projection ``uᵀJv`` per argument (one
            backward pass) instead of every entry; a failing argument's entries are then
            checked one by one for the table.
        seed: The seed of the random projections.
        nondet_tol: How far (relative) two evaluations at the same point may differ and
            still count as the same (``>= 0``).
        raise_exception: If False, return a :class:`GradcheckResult` instead of raising.

    Returns:
        True when every check passes (a :class:`GradcheckResult` if ``raise_exception``
        is False).

    Raises:
        GradcheckError: ``kind`` says which check failed; the message names the
            arguments as ``f`` names them, shows the steps tried, the point and a table
            of every bad (output, input) entry, the culprit nodes (``error.culprits``)
            and a line that repeats the check (``error.snippet``).
        TypeError: for a point passed as a tuple, a list, a Value or a 2-D array (the
            message says how to pass it), or an ``f`` that does not return Values.
        ValueError: for an empty point, a non-finite coordinate, or a bad option.
        DomainError: when ``f`` is undefined at a probe ``x ± h`` (the message says where).
    """,
)

gradgradcheck = _function_check(
    "gradgradcheck",
    lambda f, point, seed: GradientProblem(f, point, _weights(seed)),
    """Check second derivatives: the Hessian from the engine against differences of gradients.

    The gradient ``∇f`` is built once with ``create_graph=True``; each row of the
    Hessian is one backward pass over that graph (with ``fast_mode``, one
    Hessian-vector product ``uᵀHv``), and it is compared with finite differences of the
    gradient ``∇f(x ± h)`` exactly as :func:`gradcheck` compares first derivatives. For
    an ``f`` with several outputs (or lanes) the checked scalar is ``wᵀf`` with fixed
    seeded random weights ``w``. Arguments as for :func:`gradcheck`.

    >>> gradgradcheck(lambda x, y: (x * y).exp(), 0.4, -0.7)
    True
    """,
)


def _weights(seed: int) -> Callable[[int], list[float]]:
    """The fixed random weights ``w`` of the scalar ``wᵀf`` a second-derivative check differentiates."""

    def weights(m: int) -> list[float]:
        np = load_numpy()

        return [float(w) for w in np.random.default_rng(seed + 1).standard_normal(m)]

    return weights


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


class ParamsCheck(Protocol):
    """The signature :func:`gradcheck_params` and :func:`gradgradcheck_params` share: the
    result is ``True`` (or an error) by default, a :class:`GradcheckResult` with
    ``raise_exception=False``."""

    @overload
    def __call__(
        self,
        loss_fn: Callable[[], Any],
        params: object,
        *,
        raise_exception: Literal[True] = ...,
        **options: Unpack[Options],
    ) -> bool: ...
    @overload
    def __call__(
        self, loss_fn: Callable[[], Any], params: object, *, raise_exception: Literal[False], **options: Unpack[Options]
    ) -> GradcheckResult: ...


def _params_check(
    name: str, make_problem: Callable[[Callable[[], Any], list[Value], Point, int], Problem], doc: str
) -> ParamsCheck:
    """A check of a model's parameters in place: ``make_problem(loss_fn, values, point, seed)``
    says what is checked; the parameters, the options and restoring the data are the same."""

    def check(
        loss_fn: Callable[[], Any],
        params: object,
        *,
        eps: float = 1e-6,
        atol: float = 1e-7,
        rtol: float = 1e-5,
        fast_mode: bool = False,
        seed: int = 0,
        nondet_tol: float = 1e-12,
        raise_exception: bool = True,
    ) -> bool | GradcheckResult:
        __tracebackhide__ = True
        tolerances = _tolerances(eps, atol, rtol, nondet_tol)
        if not callable(loss_fn):
            raise TypeError(f"loss_fn must be a function of no arguments, got {type(loss_fn).__name__}")
        values, names = _parameters(params)
        saved = [p.data for p in values]
        point = Point([d if isinstance(d, float) else d.copy() for d in saved], names)
        try:
            problem = make_problem(loss_fn, values, point, seed)
            return run_checks(problem, fast_mode=fast_mode, seed=seed, raise_exception=raise_exception, **tolerances)
        finally:
            for p, d in zip(values, saved, strict=True):
                p.data = d

    check.__name__ = check.__qualname__ = name
    check.__doc__ = doc
    return cast(ParamsCheck, check)  # the overloads of ParamsCheck describe check exactly


gradcheck_params = _params_check(
    "gradcheck_params",
    lambda loss_fn, values, point, seed: ParamsProblem(loss_fn, values, point),
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
    """,
)

gradgradcheck_params = _params_check(
    "gradgradcheck_params",
    lambda loss_fn, values, point, seed: ParamsGradientProblem(loss_fn, values, point, _weights(seed)),
    """Check second derivatives of ``loss_fn()`` with respect to a model's parameters, in place.

    :func:`gradgradcheck` for :func:`gradcheck_params`'s arguments: the Hessian of the loss
    with respect to the parameters (one backward pass per row over the gradient built with
    ``create_graph=True``) against differences of the gradient and second differences of the
    loss itself. Every parameter's ``data`` is restored, also when ``loss_fn`` raises.

    >>> w, b = Value(0.5, label="w"), Value(-0.2, label="b")
    >>> gradgradcheck_params(lambda: (w * 1.5 + b).tanh() * w, [w, b])
    True
    """,
)
