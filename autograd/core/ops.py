"""Op registration and application: :func:`apply`, :func:`define_op`, :func:`vsum`, :func:`dot`.

The rule table itself and :func:`~autograd.core.rules.register` are in :mod:`autograd.core.rules`;
everything here records through :func:`autograd.core.record._record`, the one recording algorithm.
These names are also importable from :mod:`autograd.core.value`, where they were first documented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from autograd.core.data import to_data, to_float
from autograd.core.record import record_op
from autograd.core.rules import BUILTIN_OPS, RULES, Rule, register, unregister
from autograd.core.value import Value

__all__ = ["apply", "define_op", "dot", "vsum"]

_DOT = RULES["dot"]


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

    >>> cube = define_op("cube_doc", lambda x: x**3, lambda out, x: (3 * x * x,))
    >>> y = cube(Value(2.0))
    >>> y.backward()
    >>> y.data, y.parents[0].grad
    (8.0, 12.0)
    """

    if callable(kinks) and not has_param:
        raise TypeError(f"op {name!r}: kinks as a function of the parameter needs has_param=True")
    if replace and name in RULES and name not in BUILTIN_OPS:
        unregister(name)
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
        )
    )

    def op(*args: Value | float, param: float | None = None) -> Value:
        return apply(rule.name, *args, param=param)

    op.__name__ = name
    op.__doc__ = f"Apply the user-defined op {name!r}."
    return op
