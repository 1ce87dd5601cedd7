"""Op registration and application: :func:`apply`, :func:`define_op`, :func:`vsum`, :func:`dot`.

The rule table itself and :func:`~autograd.core.rules.register` are in :mod:`autograd.core.rules`;
everything here records through :func:`record_op`, the one recording algorithm (its fast cases
for one and two inputs are :func:`~autograd.core.value.record_unary` and ``record_binary``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from typing import Any

from autograd.core.data import to_data, to_float
from autograd.core.errors import checked_values, failed_values, finite_floats
from autograd.core.grad_mode import current_mode, resolve_mode
from autograd.core.rules import RULES, Rule, register
from autograd.core.value import Value, new_node, record_binary, record_lanes, record_unary

__all__ = ["apply", "define_op", "dot", "vsum"]

_DOT = RULES["dot"]
_isfinite = math.isfinite
_data_of = operator.attrgetter("_data")


def record_op(rule: Rule, parents: tuple[Value, ...], param: float | None) -> Value:
    """Evaluate ``rule`` on ``parents`` and return the new node: the one recording algorithm.

    Forward value, then (when recording) the local derivatives, both from the rule table;
    a value or derivative that is not a finite float raises before any node exists
    (:func:`checked_values`, :func:`failed_values`), so a failed op leaves no half-built graph behind.
    Operators, methods, :func:`apply` and :func:`define_op`'s functions all come here or
    to its two fast cases.
    """
    # These first two cases are just optimisations: the same steps, unrolled for one input
    # and for two (parents and derivatives in slots); operators and methods call them directly.
    n = len(parents)
    if n == 1:
        return record_unary(rule, parents[0], param)
    if n == 2 and param is None:
        return record_binary(rule, parents[0], parents[1])
    xs = tuple(map(_data_of, parents))
    if len(set(map(type, xs))) > 1 or type(xs[0]) is not float:
        return record_lanes(rule, parents, param)
    recording = current_mode().on
    if recording is None:
        recording = resolve_mode()
    n = n if recording else 0
    try:
        args = xs if param is None else (*xs, param)
        out = rule.forward(*args)
        local = rule.local(out, *args) if recording else ()
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        out, local = failed_values(rule, xs, param, exc, n)
    if type(out) is not float or not _isfinite(out) or not (rule.finite_local or finite_floats(local, n)):
        out, local = checked_values(rule, xs, param, out, local, n)
    return new_node(rule, out, parents if recording else (), local, param)


def _lift(x: object) -> Value:
    """A Value for ``x``: Values pass through, real numbers become constant leaves."""
    if isinstance(x, Value):
        return x
    return Value(to_data(x, "operand"))


def apply(op: str, *args: Value | float, param: float | None = None) -> Value:
    """Apply the registered op ``op`` to ``args`` (Values or numbers).

    >>> apply("mul", Value(3.0), 4.0).data
    12.0

    Raises:
        KeyError: if no op of that name is registered.
        TypeError: for a wrong number of arguments, or a missing/unexpected ``param``.
    """
    rule = RULES.get(op)
    if rule is None:
        raise KeyError(f"no op named {op!r}; registered ops: {', '.join(sorted(RULES))}")
    if rule.arity != -1 and len(args) != rule.arity:
        raise TypeError(f"op {op!r} takes {rule.arity} argument(s), got {len(args)}")
    if not args:
        raise TypeError(f"op {op!r} takes any number of arguments but at least one, got none")
    if rule.has_param and param is None:
        raise TypeError(f"op {op!r} needs a param")
    if not rule.has_param and param is not None:
        raise TypeError(f"op {op!r} takes no param")
    p = None if param is None else to_float(param, f"param of {op!r}")
    return record_op(rule, tuple(_lift(a) for a in args), p)


def vsum(values: Iterable[Value | float]) -> Value:
    """Sum many Values as one n-ary ``sum`` node (no ``0 +`` chain).

    >>> xs = [Value(1.0), Value(2.0), 3.0]
    >>> s = vsum(xs)
    >>> s.data, s.op, len(s.parents)
    (6.0, 'sum', 3)

    An empty iterable gives a constant ``Value(0.0)``.
    """
    parents = tuple(_lift(v) for v in values)
    if not parents:
        return Value(0.0)
    return record_op(RULES["sum"], parents, None)


def dot(weights: Iterable[Value | float], inputs: Iterable[Value | float], bias: Value | float | None = None) -> Value:
    """``Σ w_i·x_i (+ bias)`` as one ``dot`` node whose parents are ``w0, x0, w1, x1, …[, bias]``.

    >>> w = [Value(0.5), Value(0.2)]
    >>> round(dot(w, [0.1, 0.3], Value(1.83)).data, 12)
    1.94

    Raises:
        ValueError: if the two sequences differ in length or are empty.
    """
    ws = [w if type(w) is Value else _lift(w) for w in weights]
    xs = [x if type(x) is Value else _lift(x) for x in inputs]
    if len(ws) != len(xs):
        raise ValueError(f"dot needs as many weights as inputs, got {len(ws)} and {len(xs)}")
    if not ws:
        raise ValueError("dot needs at least one weight and input")
    parents = ws + xs  # the right length; now interleave w0, x0, w1, x1, …
    parents[0::2] = ws
    parents[1::2] = xs
    if bias is not None:
        parents.append(bias if type(bias) is Value else _lift(bias))
    return record_op(_DOT, tuple(parents), None)


def define_op(
    name: str,
    forward: Callable[..., float],
    local: Callable[..., tuple[Any, ...]],
    *,
    arity: int = 1,
    has_param: bool = False,
    symbol: str = "",
    sample: tuple[tuple[float, float], ...] | None = None,
    kinks: tuple[float, ...] | Callable[[float], tuple[float, ...]] = (),
    lanes: Callable[..., Any] | None = None,
    replace: bool = False,
    param_sample: tuple[float, ...] = (),
    elementwise: bool = False,
    propagates_nonfinite: bool = False,
) -> Callable[..., Value]:
    """Register a new primitive and return a function that applies it.

    ``local(out, *xs)`` returns ``∂out/∂x_i`` for each input; write it with ordinary
    operators (and :mod:`autograd.core.rules` helpers such as ``exp``/``cos``) so it also
    works on Values and second derivatives come for free. ``forward`` may return a
    Python float or a numpy scalar. For inputs holding lanes, ``forward`` must take numpy
    arrays, or give ``lanes``: the forward on arrays. ``replace=True`` redefines an op you
    defined before (re-running a notebook cell); built-in ops can't be replaced.
    ``sample``, ``kinks`` and (for an op with ``has_param``) ``param_sample`` tell the
    strategies in :mod:`autograd.testing` where to draw the op's arguments and parameter;
    ``kinks`` may be a function of the parameter (``kinks=lambda p: (p,)`` for a hinge at
    ``p``), for an op with ``has_param``.
    ``elementwise=True`` (one-input ops) promises that the forward on lanes and ``local`` are
    elementwise numpy expressions that also run on a 2-D array, so :func:`~autograd.apply_each`
    computes many Values at once; ``propagates_nonfinite=True`` promises that the result is
    nan or ±inf whenever an input is, so a compiled program checks for them at its outputs only.
    Both are promises about your functions (see :class:`~autograd.Rule`); leave them False when
    unsure (the default): the numbers are the same, computed one node at a time or with more checks.

    >>> cube = define_op("cube_doc", lambda x: x**3, lambda out, x: (3 * x * x,))
    >>> y = cube(Value(2.0))
    >>> y.backward()
    >>> y.data, y.parents[0].grad
    (8.0, 12.0)
    """

    if callable(kinks) and not has_param:
        raise TypeError(f"op {name!r}: kinks as a function of the parameter needs has_param=True")
    rule = register(
        Rule(
            name,
            arity,
            forward,
            local,
            has_param=has_param,
            symbol=symbol,
            sample=sample if sample is not None else ((-3.0, 3.0),) * max(arity, 1),
            kinks=kinks,
            lanes=lanes,
            param_sample=tuple(param_sample),
            elementwise=elementwise,
            propagates_nonfinite=propagates_nonfinite,
        ),
        replace=replace,
    )

    def op(*args: Value | float, param: float | None = None) -> Value:
        return apply(rule.name, *args, param=param)

    op.__name__ = name
    op.__doc__ = f"Apply the user-defined op {name!r}."
    return op
