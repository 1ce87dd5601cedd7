"""The one table of primitive operations and their derivative rules.

Each primitive is a :class:`Rule`: a forward function on floats and a ``local``
function that returns the local partial derivatives ``∂out/∂input_i``.  ``local`` is
written with ordinary operators and the dispatching helpers below (:func:`exp`,
:func:`log`, :func:`cos`, …), so the *same* rule evaluates on floats (when a node is
recorded, giving the numbers stored on the node) and on :class:`~autograd.Value`
objects (when ``grad(..., create_graph=True)`` builds the graph of the gradient).

Adding an operation is adding one entry with :func:`register`; the parametrised
gradcheck test in ``tests/`` walks :data:`RULES` and checks every entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RULES",
    "Rule",
    "cos",
    "exp",
    "is_lanes",
    "log",
    "ones_like",
    "register",
    "sign",
    "sin",
    "step",
    "unregister",
    "where_positive",
]

Number = Any  # a float, a lane array, or a Value when the rule builds a graph (create_graph)


# -- helpers that work on floats, on lanes (1-D numpy arrays) and on Values --------------
#
# Rules call these instead of ``math``: a float goes to ``math``, a lane array to numpy
# (imported only once lanes appear), anything else is a Value and uses its own method,
# so the same rule also builds the graph of a derivative.


def _np() -> Any:
    """numpy, imported here and nowhere else in autograd, when lanes first appear.

    Not at the top: it would make ``import autograd`` about three times slower (numpy takes
    150-210 ms to import on the team machine, autograd itself about 80 ms), for scalar work
    that never touches it.
    """
    import numpy

    return numpy


def is_lanes(x: object) -> bool:
    """True for lanes (a numpy array, as a Value's ``data`` or ``grad`` may be), False for a float."""
    return type(x) is not float and type(x).__name__ == "ndarray" and isinstance(x, _np().ndarray)


_is_lanes = is_lanes


def _dispatching(name: str, scalar: Callable[[float], float]) -> Callable[[Number], Number]:
    def function(x: Number) -> Number:
        if type(x) is float:
            return scalar(x)
        return getattr(_np(), name)(x) if _is_lanes(x) else getattr(x, name)()

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``{name}`` of a float (math), lanes (numpy) or a Value (its method)."
    return function


exp = _dispatching("exp", math.exp)
log = _dispatching("log", math.log)
sin = _dispatching("sin", math.sin)
cos = _dispatching("cos", math.cos)


def _data(x: Number) -> Any:
    """The number(s) behind ``x``: a float or lanes as they are, a Value's ``data``."""
    return x if type(x) is float or _is_lanes(x) else x.data


def where_positive(x: Number, if_positive: float, otherwise: float) -> Any:
    """``if_positive`` where ``x > 0``, else ``otherwise`` (a constant: no graph), lane-wise."""
    d = _data(x)
    if type(d) is float:
        return if_positive if d > 0.0 else otherwise
    return _np().where(d > 0.0, if_positive, otherwise)


def step(x: Number) -> Any:
    """Heaviside step with the kink convention ``step(0) = 0`` (a constant: no graph)."""
    return where_positive(x, 1.0, 0.0)


def sign(x: Number) -> Any:
    """Sign with the kink convention ``sign(0) = 0`` (a constant: no graph)."""
    d = _data(x)
    if type(d) is float:
        return 1.0 if d > 0.0 else -1.0 if d < 0.0 else 0.0
    return _np().sign(d)


def ones_like(x: Number, value: float = 1.0) -> Any:
    """``value`` in every lane of ``x`` (or the float ``value`` for a scalar): a constant."""
    d = _data(x)
    return value if type(d) is float else _np().full(d.shape, value)


# -- forward functions that need care ---------------------------------------------------


def _sigmoid(x: float) -> float:
    # Numerically stable on both sides: never exponentiates a large positive number.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


_MAX_EXP = math.log(1.7976931348623157e308)


def _exp(x: float) -> float:
    if x > _MAX_EXP:
        raise OverflowError(f"overflows float64 (needs x <= {_MAX_EXP:.6f})")
    return math.exp(x)


def _pow(a: float, p: float) -> float:
    if a < 0.0 and not p.is_integer():
        raise ValueError("a negative base needs an integer exponent")
    if a == 0.0 and p < 0.0:
        raise ValueError("zero to a negative power is infinite")
    return math.pow(a, p)


def _pow_local(out: Number, a: Number, p: float) -> tuple[Number]:
    # d/da a**p = p·a**(p-1); 0 for p = 0 (a constant), as PyTorch does.
    if p == 0.0:
        return (0.0,)
    if type(a) is float and a == 0.0 and p < 1.0:
        raise ValueError("the derivative p·x**(p-1) is infinite at 0 for p < 1")
    return (p * a ** (p - 1.0),)


def _sigmoid_lanes(x: Any) -> Any:
    np = _np()
    z = np.exp(-np.abs(x))  # never overflows
    return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def _sum_lanes(*xs: Any) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def _dot_lanes(*xs: Any) -> Any:
    total = xs[0] * xs[1]
    for i in range(2, len(xs) - 1, 2):
        total = total + xs[i] * xs[i + 1]
    return total + xs[-1] if len(xs) % 2 else total


def _lane_count(x: Number) -> int:
    d = _data(x)
    return 1 if type(d) is float else len(d)


def _lanesum(x: Any) -> float:
    return x if type(x) is float else float(_np().sum(x))


def _lanemean(x: Any) -> float:
    return x if type(x) is float else float(_np().mean(x))


def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError("division by zero")
    return a / b


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise ValueError("needs x >= 0")
    return math.sqrt(x)


def _sqrt_local(out: Number, a: Number) -> tuple[Number]:
    # sqrt(0) = 0 is defined (under no_grad that is all that is asked); its derivative is not.
    if type(out) is float and out == 0.0:
        raise ValueError("the derivative 1/(2·sqrt(x)) is infinite at 0")
    return (0.5 / out,)


def _log(x: float) -> float:
    if x <= 0.0:
        raise ValueError("needs x > 0")
    return math.log(x)


def _log1p(x: float) -> float:
    if x <= -1.0:
        raise ValueError("needs x > -1")
    return math.log1p(x)


def _pow_value(a: float, b: float) -> float:
    if a < 0.0:
        # ∂(a**b)/∂b = a**b · log(a) needs a > 0 (or a = 0, where a**b is 0 for every b > 0).
        raise ValueError("a Value exponent needs a base >= 0 (∂/∂exponent = out·log(base))")
    if a == 0.0 and b < 0.0:
        raise ValueError("zero to a negative power is infinite")
    return math.pow(a, b)


def _rpow(b: float, c: float) -> float:
    return _pow_value(c, b)


def _times_log(out: Number, base: Number) -> Number:
    # ∂(a**b)/∂b = a**b·log(a); 0 where a = 0 (and b >= 0): a**b stays 0 (1 at b = 0), as in PyTorch.
    d = _data(base)
    if type(d) is float:
        return 0.0 if d == 0.0 else out * log(base)
    np = _np()
    zero = d == 0.0
    if not _is_lanes(base):  # a Value holding lanes (create_graph): stay in the graph, 0 where a = 0
        if not zero.any():
            return out * log(base)
        mask = zero.astype(np.float64)
        return out * log(base + mask) * (1.0 - mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, 0.0, out * np.log(d))


def _powv_local(out: Number, a: Number, b: Number) -> tuple[Number, Number]:
    # ∂/∂a = b·a**(b-1) (0 where b = 0, as in PyTorch), ∂/∂b = out·log(a) (0 where a = 0).
    if type(a) is float and type(b) is float and a == 0.0 and 0.0 < b < 1.0:
        raise ValueError("the derivative y·x**(y-1) with respect to the base x is infinite at 0 for 0 < y < 1")
    if type(b) is float:
        d_a = 0.0 if b == 0.0 else b * a ** (b - 1.0)
    elif _is_lanes(b):  # lane-wise, as on scalars (an infinite lane is reported by the lanes' check)
        d_a = _np().where(b == 0.0, 0.0, b * a ** (b - 1.0))
    else:
        d_a = b * a ** (b - 1.0)
    return (d_a, _times_log(out, a))


# -- the table ----------------------------------------------------------------------------


Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Rule:
    """One primitive: its forward function and its local derivatives.

    Attributes:
        name: The op name stored on nodes (``Value.op``) and shown in pictures.
        arity: Number of Value inputs; ``-1`` means any number (n-ary, e.g. ``sum``).
        forward: ``forward(*xs[, param]) -> float`` on floats.
        local: ``local(out, *xs[, param]) -> tuple`` of ``∂out/∂x_i``, written with
            ordinary operators so that it also runs on Values.
        has_param: Whether the op takes a constant number parameter (``x ** 3``'s 3,
            ``leaky_relu``'s slope). The parameter is passed last and never differentiated.
        symbol: Short label for pictures (``"+"``, ``"×"`` …); defaults to ``name``.
        sample: For tests: an interval per input where the op is smooth and safe.
        kinks: Points where some input makes the op non-differentiable (or singular);
            property tests keep a margin away from them.
        param_sample: For tests: parameter values to try when ``has_param``.
        lanes: The forward function on lanes (1-D numpy arrays), where ``forward``
            only takes floats (it uses ``math``); None when ``forward`` is written with
            ordinary operators and works on arrays as it is. Domain errors on lanes are
            found from non-finite results, so it may return nan or inf freely.
        finite_local: A promise that the local derivatives are finite floats whenever
            the inputs and the output are (true for ``+ − ×``, ``sum``, ``dot``, ``tanh``…),
            so recording a node can skip checking them. Leave False when unsure.
    """

    name: str
    arity: int
    forward: Callable[..., float]
    local: Callable[..., tuple[Any, ...]]
    has_param: bool = False
    symbol: str = ""
    sample: tuple[Interval, ...] = ((-3.0, 3.0),)
    kinks: tuple[float, ...] = ()
    param_sample: tuple[float, ...] = ()
    finite_local: bool = False
    lanes: Callable[..., Any] | None = None

    @property
    def label(self) -> str:
        """What a picture writes in the op's node."""
        return self.symbol or self.name


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add ``rule`` to :data:`RULES` (a new name only) and return it.

    Raises:
        ValueError: if an op of that name exists or the arity is invalid.
        TypeError: if ``forward`` or ``local`` is not callable.
    """
    if not isinstance(rule.name, str) or not rule.name.isidentifier():
        raise ValueError(f"op name must be an identifier, got {rule.name!r}")
    if rule.name in RULES:
        hint = "a built-in op" if rule.name in _BUILTIN else "define_op(..., replace=True) redefines an op of yours"
        raise ValueError(f"an op named {rule.name!r} is already registered ({hint})")
    if not (rule.arity == -1 or rule.arity >= 1):
        raise ValueError(f"arity must be >= 1 or -1 (n-ary), got {rule.arity!r}")
    if not callable(rule.forward) or not callable(rule.local):
        raise TypeError(f"op {rule.name!r}: forward and local must be callable")
    RULES[rule.name] = rule
    return rule


def _dot(*xs: float) -> float:
    # dot(w0, x0, w1, x1, …[, b]) = Σ w_i·x_i (+ b), summed without rounding drift.
    terms = [xs[i] * xs[i + 1] for i in range(0, len(xs) - 1, 2)]
    if len(xs) % 2:
        terms.append(xs[-1])
    return math.fsum(terms)


def _dot_local(xs: tuple[Number, ...]) -> tuple[Number, ...]:
    # dot(w0, x0, w1, x1, …[, b]) = Σ w_i·x_i (+ b): ∂/∂w_i = x_i, ∂/∂x_i = w_i, ∂/∂b = 1.
    out: list[Number] = []
    for i in range(0, len(xs) - 1, 2):
        out.append(xs[i + 1])
        out.append(xs[i])
    if len(xs) % 2:
        out.append(1.0)
    return tuple(out)


def unregister(name: str) -> Rule:
    """Remove a user-registered op from :data:`RULES` and return it (built-in ops stay).

    Raises:
        KeyError: if no op of that name is registered.
        ValueError: for a built-in op.
    """
    if name not in RULES:
        raise KeyError(f"no op named {name!r}")
    if name in _BUILTIN:
        raise ValueError(f"{name!r} is a built-in op and cannot be removed")
    return RULES.pop(name)


_WIDE: Interval = (-3.0, 3.0)
_POS: Interval = (0.05, 5.0)

for _rule in (
    Rule(
        "add", 2, lambda a, b: a + b, lambda out, a, b: (1.0, 1.0), symbol="+", sample=(_WIDE, _WIDE), finite_local=True
    ),
    Rule(
        "sub",
        2,
        lambda a, b: a - b,
        lambda out, a, b: (1.0, -1.0),
        symbol="−",
        sample=(_WIDE, _WIDE),
        finite_local=True,
    ),
    Rule("mul", 2, lambda a, b: a * b, lambda out, a, b: (b, a), symbol="×", sample=(_WIDE, _WIDE), finite_local=True),
    Rule(
        "div",
        2,
        _div,
        lambda out, a, b: (1.0 / b, -out / b),
        lanes=lambda a, b: a / b,
        symbol="÷",
        sample=(_WIDE, _WIDE),
        kinks=(0.0,),
    ),
    Rule("neg", 1, lambda a: -a, lambda out, a: (-1.0,), symbol="−", finite_local=True),
    Rule(
        "pow",
        1,
        _pow,
        _pow_local,
        lanes=lambda a, p: a**p,
        has_param=True,
        symbol="**",
        sample=(_POS,),
        param_sample=(2.0, 3.0, 0.5, -1.0, -2.5),
    ),
    Rule(
        "powv",
        2,
        _pow_value,
        _powv_local,
        lanes=lambda a, b: _np().where(a >= 0.0, a, _np().nan) ** b,
        symbol="**",
        sample=(_POS, _WIDE),
    ),
    Rule(
        "rpow",
        1,
        _rpow,
        lambda out, b, c: (0.0 if c == 0.0 else out * math.log(c),),
        lanes=lambda b, c: c**b if c >= 0.0 else _np().full(b.shape, _np().nan),
        has_param=True,
        symbol="**",
        param_sample=(2.0, 0.5, 10.0),
    ),
    Rule("exp", 1, _exp, lambda out, a: (out,), finite_local=True, lanes=exp),
    Rule("log", 1, _log, lambda out, a: (1.0 / a,), sample=(_POS,), lanes=log),
    # log(1 + x), exact where 1 + x would round (x = 1e-18 gives 1e-18, not 0). 1/(1 + x) is
    # finite for every float x > -1: the float next to -1 leaves 1 + x ≥ 2**-53.
    Rule(
        "log1p",
        1,
        _log1p,
        lambda out, a: (1.0 / (1.0 + a),),
        sample=((-0.9, 3.0),),
        kinks=(-1.0,),
        finite_local=True,
        lanes=lambda a: _np().log1p(a),
    ),
    Rule("sqrt", 1, _sqrt, _sqrt_local, sample=(_POS,), lanes=lambda a: _np().sqrt(a)),
    Rule("tanh", 1, math.tanh, lambda out, a: (1.0 - out * out,), finite_local=True, lanes=lambda a: _np().tanh(a)),
    Rule(
        "sigmoid",
        1,
        _sigmoid,
        lambda out, a: (out * (1.0 - out),),
        symbol="σ",
        finite_local=True,
        lanes=_sigmoid_lanes,
    ),
    Rule(
        "relu",
        1,
        lambda a: a if a > 0.0 else 0.0,
        lambda out, a: (step(a),),
        kinks=(0.0,),
        finite_local=True,
        lanes=lambda a: _np().where(a > 0.0, a, 0.0),
    ),
    Rule(
        "leaky_relu",
        1,
        lambda a, s: a if a > 0.0 else s * a,
        lambda out, a, s: (where_positive(a, 1.0, s),),
        lanes=lambda a, s: _np().where(a > 0.0, a, s * a),
        has_param=True,
        kinks=(0.0,),
        param_sample=(0.01, 0.2),
        finite_local=True,
    ),
    Rule("abs", 1, abs, lambda out, a: (sign(a),), kinks=(0.0,), finite_local=True),
    Rule("sin", 1, math.sin, lambda out, a: (cos(a),), finite_local=True, lanes=sin),
    Rule("cos", 1, math.cos, lambda out, a: (-sin(a),), finite_local=True, lanes=cos),
    Rule(
        "sum",
        -1,
        lambda *xs: math.fsum(xs),
        lambda out, *xs: (1.0,) * len(xs),
        symbol="Σ",
        sample=(_WIDE, _WIDE, _WIDE),
        finite_local=True,
        lanes=_sum_lanes,
    ),
    Rule(
        "dot",
        -1,
        _dot,
        lambda out, *xs: _dot_local(xs),
        symbol="·",
        sample=(_WIDE, _WIDE, _WIDE, _WIDE, _WIDE),
        finite_local=True,
        lanes=_dot_lanes,
    ),
    # Reductions over lanes: a lane Value in, a scalar Value out (on a scalar: the identity).
    Rule(
        "lanesum",
        1,
        _lanesum,
        lambda out, a: (ones_like(a),),
        symbol="Σlanes",
        finite_local=True,
    ),
    Rule(
        "lanemean",
        1,
        _lanemean,
        lambda out, a: (ones_like(a, 1.0 / _lane_count(a)),),
        symbol="mean",
        finite_local=True,
    ),
):
    register(_rule)
del _rule
_BUILTIN = frozenset(RULES)
