"""The mathematics the rule table (:mod:`autograd.core.rules`) is written with.

Two kinds of function live here. The *dispatching helpers* (:func:`exp`, :func:`log`,
:func:`sin`, :func:`cos`, :func:`where_positive`, :func:`step`, :func:`sign`,
:func:`ones_like`) let one ``local`` formula run on a float (recording a node), on lanes
(1-D numpy arrays) and on a :class:`~autograd.Value` (building the graph of a derivative
for ``grad(create_graph=True)``). The *careful forward functions* (``sigmoid_forward``,
``exp_forward``, ``pow_forward`` …) compute a primitive on floats without overflow or a wrong domain
error. numpy is imported here, once, when lanes first appear (:func:`load_numpy`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from autograd.core.value import Value

__all__ = ["cos", "exp", "is_lanes", "log", "ones_like", "sign", "sin", "step", "where_positive"]

Number = Any  # a float, a lane array, or a Value when the rule builds a graph (create_graph)


# -- helpers that work on floats, on lanes (1-D numpy arrays) and on Values --------------
#
# Rules call these instead of ``math``: a float goes to ``math``, a lane array to numpy
# (imported only once lanes appear), anything else is a Value and uses its own method,
# so the same rule also builds the graph of a derivative.


def load_numpy() -> Any:
    """numpy, imported here and nowhere else in autograd, when lanes first appear.

    Not at the top: it would make ``import autograd`` about three times slower (numpy takes
    150-210 ms to import on the team machine, autograd itself about 80 ms), for scalar work
    that never touches it. An optimisation: kept once imported (the hot path calls this per
    lanes op, and an ``import`` statement costs about three lookups of a module global).
    """
    global _numpy
    if _numpy is None:
        import numpy

        _numpy = numpy
    return _numpy


_numpy: Any = None  # numpy, once load_numpy imported it


def is_lanes(x: object) -> bool:
    """True for lanes (a numpy array, as a Value's ``data`` or ``grad`` may be), False for a float."""
    return type(x) is not float and type(x).__name__ == "ndarray" and isinstance(x, load_numpy().ndarray)


def _dispatching(name: str, scalar: Callable[[float], float]) -> Callable[[Number], Number]:
    def function(x: Number) -> Number:
        if type(x) is float:
            return scalar(x)
        return getattr(load_numpy(), name)(x) if is_lanes(x) else getattr(x, name)()

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``{name}`` of a float (math), lanes (numpy) or a Value (its method)."
    return function


exp = _dispatching("exp", math.exp)
log = _dispatching("log", math.log)
sin = _dispatching("sin", math.sin)
cos = _dispatching("cos", math.cos)


def _data(x: Number) -> Any:
    """The number(s) behind ``x``: a float or lanes as they are, a Value's ``data``."""
    return x if type(x) is float or is_lanes(x) else x.data


def where_positive(x: Number, if_positive: float, otherwise: float) -> Any:
    """``if_positive`` where ``x > 0``, else ``otherwise`` (a constant: no graph), lane-wise."""
    d = _data(x)
    if type(d) is float:
        return if_positive if d > 0.0 else otherwise
    return load_numpy().where(d > 0.0, if_positive, otherwise)


def step(x: Number) -> Any:
    """Heaviside step with the kink convention ``step(0) = 0`` (a constant: no graph)."""
    return where_positive(x, 1.0, 0.0)


def sign(x: Number) -> Any:
    """Sign with the kink convention ``sign(0) = 0`` (a constant: no graph)."""
    d = _data(x)
    if type(d) is float:
        return 1.0 if d > 0.0 else -1.0 if d < 0.0 else 0.0
    return load_numpy().sign(d)


def ones_like(x: Number, value: float = 1.0) -> Any:
    """``value`` in every lane of ``x`` (or the float ``value`` for a scalar): a constant."""
    d = _data(x)
    return value if type(d) is float else load_numpy().full(d.shape, value)


class RuleCall(NamedTuple):
    """A local derivative given as one node of the rule ``op`` applied to ``args``, not as a number.

    A rule's ``local`` evaluated on Values (``grad(create_graph=True)``) may return one where the
    derivative's expression would be undefined somewhere its own rule is not (``powv``'s
    ∂/∂base at 0 ** 0); the caller, which records nodes, records it
    (:func:`autograd.core.higher_order.local_as_values`). Rules stay below the recording layer.
    """

    op: str
    args: tuple[Value, ...]


# -- forward functions that need care ---------------------------------------------------


def sigmoid_forward(x: float) -> float:
    # Numerically stable on both sides: never exponentiates a large positive number.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


_MAX_EXP = math.log(1.7976931348623157e308)


def exp_forward(x: float) -> float:
    if x > _MAX_EXP:
        raise OverflowError(f"overflows float64 (needs x <= {_MAX_EXP:.6f})")
    return math.exp(x)


def pow_forward(a: float, p: float) -> float:
    if a < 0.0 and not p.is_integer():
        raise ValueError("a negative base needs an integer exponent")
    if a == 0.0 and p < 0.0:
        raise ValueError("zero to a negative power is infinite")
    return math.pow(a, p)


def pow_local(out: Number, a: Number, p: float) -> tuple[Number]:
    # d/da a**p = p·a**(p-1); 0 for p = 0 (a constant), as PyTorch does.
    if p == 0.0:
        return (0.0,)
    if type(a) is float and a == 0.0 and p < 1.0:
        raise ValueError("the derivative p·x**(p-1) is infinite at 0 for p < 1")
    return (p * a ** (p - 1.0),)


def sigmoid_lanes(x: Any) -> Any:
    np = load_numpy()
    z = np.exp(-np.abs(x))  # never overflows
    return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def sum_lanes(*xs: Any) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def dot_lanes(*xs: Any) -> Any:
    if len(xs) == 1:  # dot(b) = b
        return xs[0] * 1.0
    total = xs[0] * xs[1]
    for i in range(2, len(xs) - 1, 2):
        total = total + xs[i] * xs[i + 1]
    return total + xs[-1] if len(xs) % 2 else total


def lane_count(x: Number) -> int:
    d = _data(x)
    return 1 if type(d) is float else len(d)


def lanesum_forward(x: Any) -> float:
    return x if type(x) is float else float(load_numpy().sum(x))


def lanemean_forward(x: Any) -> float:
    if type(x) is float:
        return x
    np = load_numpy()
    with np.errstate(over="ignore"):
        mean = float(np.mean(x))
    if math.isfinite(mean) or not np.isfinite(x).all():
        return mean
    # The sum overflowed though the lanes are finite: add them scaled down by a power of two
    # (exact for every normal number), so the sum cannot overflow, then scale the mean back.
    k = max(1, len(x)).bit_length() + 1
    return math.ldexp(float(np.mean(np.ldexp(x, -k))), k)  # a mean is at most the largest lane: finite


def sum_forward(*xs: float) -> float:
    """The correctly rounded sum (:func:`math.fsum`), also when a partial sum overflows but the total does not."""
    try:
        return math.fsum(xs)
    except OverflowError:  # "intermediate overflow": add exactly as fractions, round once
        total = sum(map(Fraction, xs), Fraction(0))
    try:
        return float(total)
    except OverflowError:
        raise OverflowError("the sum overflows float64") from None


def div_forward(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError("division by zero")
    return a / b


def sqrt_forward(x: float) -> float:
    if x < 0.0:
        raise ValueError("needs x >= 0")
    return math.sqrt(x)


def sqrt_local(out: Number, a: Number) -> tuple[Number]:
    # sqrt(0) = 0 is defined (under no_grad that is all that is asked); its derivative is not.
    if type(out) is float and out == 0.0:
        raise ValueError("the derivative 1/(2·sqrt(x)) is infinite at 0")
    return (0.5 / out,)


def log_forward(x: float) -> float:
    if x <= 0.0:
        raise ValueError("needs x > 0")
    return math.log(x)


def log1p_forward(x: float) -> float:
    if x <= -1.0:
        raise ValueError("needs x > -1")
    return math.log1p(x)


def powv_forward(a: float, b: float) -> float:
    if a < 0.0:
        # ∂(a**b)/∂b = a**b · log(a) needs a > 0 (or a = 0, where a**b is 0 for every b > 0).
        raise ValueError("a Value exponent needs a base >= 0 (∂/∂exponent = out·log(base))")
    if a == 0.0 and b < 0.0:
        raise ValueError("zero to a negative power is infinite")
    return math.pow(a, b)


def rpow_forward(b: float, c: float) -> float:
    return powv_forward(c, b)


def _times_log(out: Number, base: Number) -> Number:
    # ∂(a**b)/∂b = a**b·log(a); 0 where a = 0 (and b >= 0): a**b stays 0 (1 at b = 0), as in PyTorch.
    d = _data(base)
    if type(d) is float:
        return 0.0 if d == 0.0 else out * log(base)
    np = load_numpy()
    zero = d == 0.0
    if not is_lanes(base):  # a Value holding lanes (create_graph): stay in the graph, 0 where a = 0
        if not zero.any():
            return out * log(base)
        mask = zero.astype(np.float64)
        return out * log(base + mask) * (1.0 - mask)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, 0.0, out * np.log(d))


def powv_local(out: Number, a: Number, b: Number) -> tuple[Number, Number]:
    # ∂/∂a = b·a**(b-1) (0 where b = 0, as in PyTorch), ∂/∂b = out·log(a) (0 where a = 0).
    if type(a) is float and type(b) is float and a == 0.0 and 0.0 < b < 1.0:
        raise ValueError("the derivative y·x**(y-1) with respect to the base x is infinite at 0 for 0 < y < 1")
    if type(b) is float:
        d_a = 0.0 if b == 0.0 else b * a ** (b - 1.0)
    elif is_lanes(b):  # lane-wise, as on scalars (an infinite lane is reported by the lanes' check)
        d_a = load_numpy().where(b == 0.0, 0.0, b * a ** (b - 1.0))
    else:
        # Values (create_graph): one powv_dbase node, defined (0) at b = 0 also where a = 0,
        # where the expression b·a**(b-1) would need 0 ** -1. The caller records it.
        d_a = RuleCall("powv_dbase", (a, b))
    return (d_a, _times_log(out, a))


def powv_dbase_forward(a: float, b: float) -> float:
    # ∂(a**b)/∂a = b·a**(b-1) as a value of its own: 0 where b = 0 (as in PyTorch), a = 0 included.
    return 0.0 if b == 0.0 else b * powv_forward(a, b - 1.0)


def powv_dbase_lanes(a: Any, b: Any) -> Any:
    np = load_numpy()
    return np.where(b == 0.0, 0.0, b * np.where(a >= 0.0, a, np.nan) ** (b - 1.0))


def powv_dbase_local(out: Number, a: Number, b: Number) -> tuple[Number, Number]:
    # ∂/∂a = b(b-1)·a**(b-2); ∂/∂b = a**(b-1)·(1 + b·log a), whose second term is 0 where a = 0
    # (a**(b-1)·log a → 0 there for b > 1). Where a power is undefined at a = 0 the rule raises:
    # while a gradient's graph is built that records nan, raising only if a gradient uses it.
    p = a ** (b - 1.0)
    return (b * (b - 1.0) * a ** (b - 2.0), p + b * _times_log(p, a))


# -- dot: Σ w_i·x_i (+ b) over interleaved parents -------------------------------------


def dot_forward(*xs: float) -> float:
    # dot(w0, x0, w1, x1, …[, b]) = Σ w_i·x_i (+ b), summed without rounding drift.
    terms = [xs[i] * xs[i + 1] for i in range(0, len(xs) - 1, 2)]
    if len(xs) % 2:
        terms.append(xs[-1])
    return math.fsum(terms)


def dot_local(xs: tuple[Number, ...]) -> tuple[Number, ...]:
    # dot(w0, x0, w1, x1, …[, b]) = Σ w_i·x_i (+ b): ∂/∂w_i = x_i, ∂/∂x_i = w_i, ∂/∂b = 1.
    # (Slices rather than a loop over the pairs: a neuron of 16 inputs is on the hot path.)
    n = len(xs)
    pairs = n - n % 2
    out: list[Number] = [1.0] * n  # the bias's 1.0 stays last when n is odd
    out[0:pairs:2] = xs[1:pairs:2]
    out[1:pairs:2] = xs[0:pairs:2]
    return tuple(out)
