"""The one table of primitive operations and their derivative rules.

Each primitive is a :class:`Rule`: a forward function on floats and a ``local``
function that returns the local partial derivatives ``∂out/∂input_i``.  ``local`` is
written with ordinary operators and the dispatching helpers of :mod:`autograd.core.functions`
(:func:`exp`, :func:`log`, :func:`cos`, …; importable from here too), so the *same*
rule evaluates on floats (when a node is recorded, giving the numbers stored on the
node) and on :class:`~autograd.Value` objects (when ``grad(..., create_graph=True)``
builds the graph of the gradient).

Adding an operation is adding one entry with :func:`register`; the parametrised
gradcheck test in ``tests/`` walks :data:`RULES` and checks every entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd.core.functions import (
    cos,
    div_forward,
    dot_forward,
    dot_lanes,
    dot_local,
    exp,
    exp_forward,
    is_lanes,
    lane_count,
    lanemean_forward,
    lanesum_forward,
    load_numpy,
    log,
    log1p_forward,
    log_forward,
    ones_like,
    pow_forward,
    pow_local,
    powv_dbase_forward,
    powv_dbase_lanes,
    powv_dbase_local,
    powv_forward,
    powv_local,
    rpow_forward,
    sigmoid_forward,
    sigmoid_lanes,
    sign,
    sin,
    sqrt_forward,
    sqrt_local,
    step,
    sum_forward,
    sum_lanes,
    where_positive,
)

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
            property tests keep a margin away from them. For an op with a parameter, a
            function of the parameter giving them (``lambda p: (p,)`` for a hinge at ``p``);
            :meth:`kinks_at` evaluates either form.
        param_sample: For tests: parameter values to try when ``has_param``.
        lanes: The forward function on lanes (1-D numpy arrays), where ``forward``
            only takes floats (it uses ``math``); None when ``forward`` is written with
            ordinary operators and works on arrays as it is. Domain errors on lanes are
            found from non-finite results, so it may return nan or inf freely.
        finite_local: A promise that the local derivatives are finite floats whenever
            the inputs and the output are (true for ``+ − ×``, ``sum``, ``dot``, ``tanh``…),
            so recording a node can skip checking them. Leave False when unsure.
        vjp: For a one-input op whose derivative is a function of its output alone
            (``tanh``: ``1 − out²``): the name of a two-input rule ``(out, g) ↦ g·∂out/∂x``.
            ``grad(create_graph=True)`` then records that one node where the derivative's
            own graph times ``g`` would take four (as PyTorch's ``tanh_backward``).
        elementwise: A promise, for a one-input op, that its forward on lanes (``lanes``, else
            ``forward``) and ``local`` are elementwise numpy expressions that run unchanged on a
            2-D array and give each row exactly what that row alone gives (``tanh``, ``relu``):
            :func:`~autograd.apply_each` then computes many Values' nodes on their stacked lanes
            at once. Leave False when unsure (the nodes are then computed one by one).
        propagates_nonfinite: A promise that the op's result is nan or ±inf whenever an input is
            (``+ − ×``, ``sum``, ``log``; not ``tanh``, as ``tanh(inf)`` is 1, nor ``relu``, as
            ``relu(-inf)`` is 0): a compiled program then looks for a nan or an infinity at its
            outputs instead of checking this op's inputs. Leave False when unsure (the inputs are
            then checked).
    """

    name: str
    arity: int
    forward: Callable[..., float]
    local: Callable[..., tuple[Any, ...]]
    has_param: bool = False
    symbol: str = ""
    sample: tuple[Interval, ...] = ((-3.0, 3.0),)
    kinks: tuple[float, ...] | Callable[[float], tuple[float, ...]] = ()
    param_sample: tuple[float, ...] = ()
    finite_local: bool = False
    lanes: Callable[..., Any] | None = None
    vjp: str = ""
    elementwise: bool = False
    propagates_nonfinite: bool = False

    @property
    def label(self) -> str:
        """What a picture writes in the op's node."""
        return self.symbol or self.name

    def kinks_at(self, param: float | None) -> tuple[float, ...]:
        """The kinks for the parameter ``param`` (``kinks`` itself unless it is a function of it).

        >>> hinge = Rule("hinge_doc", 1, max, lambda out, x, p: (1.0,),
        ...              has_param=True, kinks=lambda p: (p,))
        >>> hinge.kinks_at(0.5), RULES["relu"].kinks_at(None)
        ((0.5,), (0.0,))
        """
        if not callable(self.kinks):
            return self.kinks
        if param is None:
            raise ValueError(f"op {self.name!r}: its kinks depend on its parameter, and none was given")
        return tuple(float(k) for k in self.kinks(param))


RULES: dict[str, Rule] = {}


def register(rule: Rule, *, replace: bool = False) -> Rule:
    """Add ``rule`` to :data:`RULES` and return it: a new name, or with ``replace`` one of a
    user's ops (built-in ops can't be replaced). Nothing changes when ``rule`` is refused.

    Raises:
        ValueError: if an op of that name exists (and may not be replaced), the arity is
            invalid, or an op of more than one input is ``elementwise``.
        TypeError: if ``forward`` or ``local`` is not callable.
    """
    if not isinstance(rule.name, str) or not rule.name.isidentifier():
        raise ValueError(f"op name must be an identifier, got {rule.name!r}")
    if rule.name in RULES and (not replace or rule.name in BUILTIN_OPS):
        hint = "a built-in op" if rule.name in BUILTIN_OPS else "define_op(..., replace=True) redefines an op of yours"
        raise ValueError(f"an op named {rule.name!r} is already registered ({hint})")
    if not (rule.arity == -1 or rule.arity >= 1):
        raise ValueError(f"arity must be >= 1 or -1 (n-ary), got {rule.arity!r}")
    if not callable(rule.forward) or not callable(rule.local):
        raise TypeError(f"op {rule.name!r}: forward and local must be callable")
    if rule.elementwise and rule.arity != 1:
        raise ValueError(f"op {rule.name!r}: elementwise=True is for one-input ops, this one has arity {rule.arity}")
    RULES.pop(rule.name, None)  # a replaced op of the user's moves to the end, as a new one
    RULES[rule.name] = rule
    return rule


def unregister(name: str) -> Rule:
    """Remove a user-registered op from :data:`RULES` and return it (built-in ops stay).

    Raises:
        KeyError: if no op of that name is registered.
        ValueError: for a built-in op.
    """
    if name not in RULES:
        raise KeyError(f"no op named {name!r}")
    if name in BUILTIN_OPS:
        raise ValueError(f"{name!r} is a built-in op and cannot be removed")
    return RULES.pop(name)


_WIDE: Interval = (-3.0, 3.0)
_POS: Interval = (0.05, 5.0)

for _rule in (
    Rule(
        "add",
        2,
        lambda a, b: a + b,
        lambda out, a, b: (1.0, 1.0),
        symbol="+",
        sample=(_WIDE, _WIDE),
        finite_local=True,
        propagates_nonfinite=True,
    ),
    Rule(
        "sub",
        2,
        lambda a, b: a - b,
        lambda out, a, b: (1.0, -1.0),
        symbol="−",
        sample=(_WIDE, _WIDE),
        finite_local=True,
        propagates_nonfinite=True,
    ),
    Rule(
        "mul",
        2,
        lambda a, b: a * b,
        lambda out, a, b: (b, a),
        symbol="×",
        sample=(_WIDE, _WIDE),
        finite_local=True,
        propagates_nonfinite=True,
    ),
    Rule(
        "div",
        2,
        div_forward,
        lambda out, a, b: (1.0 / b, -out / b),
        lanes=lambda a, b: a / b,
        symbol="÷",
        sample=(_WIDE, _WIDE),
        kinks=(0.0,),
    ),
    Rule("neg", 1, lambda a: -a, lambda out, a: (-1.0,), symbol="−", finite_local=True, propagates_nonfinite=True),
    Rule(
        "pow",
        1,
        pow_forward,
        pow_local,
        lanes=lambda a, p: a**p,
        has_param=True,
        symbol="**",
        sample=(_POS,),
        param_sample=(2.0, 3.0, 0.5, -1.0, -2.5),
    ),
    Rule(
        "powv",
        2,
        powv_forward,
        powv_local,
        # A negative base is undefined whatever the exponent, as on scalars (numpy's nan ** 0 is 1).
        lanes=lambda a, b: load_numpy().where(a >= 0.0, a**b, load_numpy().nan),
        symbol="**",
        sample=(_POS, _WIDE),
    ),
    # ∂(a**b)/∂a as one node, for grad(create_graph=True) on scalars: defined (0) at b = 0 also
    # where a = 0, where the Value expression b·a**(b-1) would need 0 ** -1 (functions.powv_local).
    Rule(
        "powv_dbase",
        2,
        powv_dbase_forward,
        powv_dbase_local,
        lanes=powv_dbase_lanes,
        symbol="∂a(a**b)",
        sample=(_POS, _WIDE),
    ),
    Rule(
        "rpow",
        1,
        rpow_forward,
        lambda out, b, c: (0.0 if c == 0.0 else out * math.log(c),),
        lanes=lambda b, c: c**b if c >= 0.0 else load_numpy().full(b.shape, load_numpy().nan),
        has_param=True,
        symbol="**",
        param_sample=(2.0, 0.5, 10.0),
    ),
    Rule("exp", 1, exp_forward, lambda out, a: (out,), finite_local=True, lanes=exp),
    Rule("log", 1, log_forward, lambda out, a: (1.0 / a,), sample=(_POS,), lanes=log, propagates_nonfinite=True),
    # log(1 + x), exact where 1 + x would round (x = 1e-18 gives 1e-18, not 0). 1/(1 + x) is
    # finite for every float x > -1: the float next to -1 leaves 1 + x ≥ 2**-53.
    Rule(
        "log1p",
        1,
        log1p_forward,
        lambda out, a: (1.0 / (1.0 + a),),
        sample=((-0.9, 3.0),),
        kinks=(-1.0,),
        finite_local=True,
        lanes=lambda a: load_numpy().log1p(a),
    ),
    Rule(
        "sqrt",
        1,
        sqrt_forward,
        sqrt_local,
        sample=(_POS,),
        lanes=lambda a: load_numpy().sqrt(a),
        propagates_nonfinite=True,
    ),
    Rule(
        "tanh",
        1,
        math.tanh,
        lambda out, a: (1.0 - out * out,),
        finite_local=True,
        lanes=lambda a: load_numpy().tanh(a),
        vjp="tanh_backward",
        elementwise=True,
    ),
    Rule(
        "sigmoid",
        1,
        sigmoid_forward,
        lambda out, a: (out * (1.0 - out),),
        symbol="σ",
        finite_local=True,
        lanes=sigmoid_lanes,
        vjp="sigmoid_backward",
        elementwise=True,
    ),
    # What grad(create_graph=True) records for tanh and sigmoid: g·∂out/∂x from (out, g), in
    # one node (see Rule.vjp). Their own derivatives let the gradient be differentiated again.
    Rule(
        "tanh_backward",
        2,
        lambda t, g: (1.0 - t * t) * g,
        lambda out, t, g: (-2.0 * t * g, 1.0 - t * t),
        symbol="tanh′ ×",
        sample=((-0.99, 0.99), _WIDE),
    ),
    Rule(
        "sigmoid_backward",
        2,
        lambda s, g: s * (1.0 - s) * g,
        lambda out, s, g: ((1.0 - 2.0 * s) * g, s * (1.0 - s)),
        symbol="σ′ ×",
        sample=((0.01, 0.99), _WIDE),
    ),
    Rule(
        "relu",
        1,
        lambda a: a if a > 0.0 else 0.0,
        lambda out, a: (step(a),),
        kinks=(0.0,),
        finite_local=True,
        lanes=lambda a: load_numpy().where(a > 0.0, a, 0.0),
        elementwise=True,
    ),
    Rule(
        "leaky_relu",
        1,
        lambda a, s: a if a > 0.0 else s * a,
        lambda out, a, s: (where_positive(a, 1.0, s),),
        lanes=lambda a, s: load_numpy().where(a > 0.0, a, s * a),
        has_param=True,
        kinks=(0.0,),
        param_sample=(0.01, 0.2),
        finite_local=True,
        elementwise=True,
    ),
    Rule("abs", 1, abs, lambda out, a: (sign(a),), kinks=(0.0,), finite_local=True, propagates_nonfinite=True),
    Rule("sin", 1, math.sin, lambda out, a: (cos(a),), finite_local=True, lanes=sin),
    Rule("cos", 1, math.cos, lambda out, a: (-sin(a),), finite_local=True, lanes=cos),
    Rule(
        "sum",
        -1,
        sum_forward,
        lambda out, *xs: (1.0,) * len(xs),
        symbol="Σ",
        sample=(_WIDE, _WIDE, _WIDE),
        finite_local=True,
        lanes=sum_lanes,
        propagates_nonfinite=True,
    ),
    Rule(
        "dot",
        -1,
        dot_forward,
        lambda out, *xs: dot_local(xs),
        symbol="·",
        sample=(_WIDE, _WIDE, _WIDE, _WIDE, _WIDE),
        finite_local=True,
        lanes=dot_lanes,
        propagates_nonfinite=True,
    ),
    # Reductions over lanes: a lane Value in, a scalar Value out (on a scalar: the identity).
    Rule(
        "lanesum",
        1,
        lanesum_forward,
        lambda out, a: (ones_like(a),),
        symbol="Σlanes",
        finite_local=True,
        propagates_nonfinite=True,
    ),
    Rule(
        "lanemean",
        1,
        lanemean_forward,
        lambda out, a: (ones_like(a, 1.0 / lane_count(a)),),
        symbol="mean",
        finite_local=True,
        propagates_nonfinite=True,
    ),
):
    register(_rule)
del _rule
BUILTIN_OPS = frozenset(RULES)
