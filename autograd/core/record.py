"""Recording: the one algorithm that makes a node, and its two fast cases.

:func:`record_op` evaluates a rule from the table on its parents' data and returns the new
:class:`~autograd.Value`: forward value, then (when recording) the local derivatives, then
the checks (a value or derivative that is not a finite float raises before any node
exists, so a failed op leaves no half-built graph). :func:`record_unary` and :func:`record_binary` are
the same steps unrolled for one and two inputs — the operators and methods call them
directly, as the hot path; :func:`autograd.apply` and :func:`autograd.define_op`'s
functions reach them through :func:`record_op`. Inputs holding lanes go to
:func:`record_lanes`.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

from autograd.core.data import to_data
from autograd.core.errors import checked_values, failed_values
from autograd.core.functions import is_lanes
from autograd.core.grad_mode import current_mode, resolve_mode
from autograd.core.lanes import evaluate
from autograd.core.rules import Rule
from autograd.core.value import Value

_isfinite = math.isfinite
_data_of = operator.attrgetter("_data")
_new = object.__new__


def new_node(rule: Rule, out: Any, parents: tuple[Value, ...], local: tuple[Any, ...], param: float | None) -> Value:
    """A new node (a leaf when ``parents`` is empty: nothing recorded), its local derivatives stored.

    One or two parents and their derivatives go in the slots ``_p0``/``_p1`` and
    ``_d0``/``_d1`` (no tuple per node: see the module docstring), more in the tuples
    ``_parents`` and ``_local``. :func:`record_unary` and :func:`record_binary` do the same inline, as
    they are the hot path.
    """
    node = _new(Value)
    if type(out) is not float:  # lanes: read-only, so they cannot change behind the graph's back
        out.flags.writeable = False
    node._data = out
    node.grad = 0.0
    node.label = ""
    node._param = param
    n = len(parents)
    node._n = n
    if n == 0:
        node._op = ""
        return node
    node._op = rule.name
    if n == 1:
        node._p0 = parents[0]
        node._d0 = local[0]
    elif n == 2:
        node._p0, node._p1 = parents
        node._d0, node._d1 = local
    else:
        node._parents = parents
        node._local = local
    return node


def finite_floats(local: Any, n: int) -> bool:
    """``local`` is a tuple of ``n`` finite floats: all :func:`checked_values` would check, found
    without calling it (the rules that do not promise ``finite_local``: ``÷``, ``log`` …)."""
    if type(local) is not tuple or len(local) != n:
        return False
    for d in local:  # noqa: SIM110 - a loop: all() over a generator costs more on the hot path
        if type(d) is not float or not _isfinite(d):
            return False
    return True


def record_lanes(rule: Rule, parents: tuple[Value, ...], param: float | None) -> Value:
    """:func:`record_op` when some input holds lanes: :func:`autograd.core.lanes.evaluate`, then the node."""
    recording = current_mode().on
    if recording is None:
        recording = resolve_mode()
    out, local = evaluate(rule, tuple(map(_data_of, parents)), param, recording)
    return new_node(rule, out, parents if recording else (), local, param)


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


def record_unary(rule: Rule, a: Value, param: float | None = None) -> Value:
    """:func:`record_op`'s fast case for one input (lanes go to :func:`record_lanes`)."""
    x = a._data
    if type(x) is not float:
        return record_lanes(rule, (a,), param)
    recording = current_mode().on
    if recording is None:
        recording = resolve_mode()
    try:
        if param is None:
            out = rule.forward(x)
            local = rule.local(out, x) if recording else ()
        else:
            out = rule.forward(x, param)
            local = rule.local(out, x, param) if recording else ()
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        out, local = failed_values(rule, (x,), param, exc, 1 if recording else 0)
    if (
        type(out) is not float
        or not _isfinite(out)
        or not (rule.finite_local or finite_floats(local, 1 if recording else 0))
    ):
        out, local = checked_values(rule, (x,), param, out, local, 1 if recording else 0)
    node = _new(Value)
    node._data = out
    node.grad = 0.0
    node.label = ""
    node._param = param
    if recording:
        node._op = rule.name
        node._n = 1
        node._p0 = a
        (node._d0,) = local
    else:
        node._op = ""
        node._n = 0
    return node


def record_binary(rule: Rule, a: Value | float, b: Value | float) -> Value:
    """:func:`record_op`'s fast case for two inputs (lanes go to :func:`record_lanes`).

    ``a`` or ``b`` may be a number already checked with :func:`is_number`: it becomes a
    constant leaf here.
    """
    if type(a) is not Value:
        a = constant_leaf(a)
    if type(b) is not Value:
        b = constant_leaf(b)
    x, y = a._data, b._data
    if type(x) is not float or type(y) is not float:
        return record_lanes(rule, (a, b), None)
    recording = current_mode().on
    if recording is None:
        recording = resolve_mode()
    try:
        out = rule.forward(x, y)
        local = rule.local(out, x, y) if recording else ()
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        out, local = failed_values(rule, (x, y), None, exc, 2 if recording else 0)
    if (
        type(out) is not float
        or not _isfinite(out)
        or not (rule.finite_local or finite_floats(local, 2 if recording else 0))
    ):
        constant = (is_constant(a), is_constant(b))
        out, local = checked_values(rule, (x, y), None, out, local, 2 if recording else 0, constant)
    node = _new(Value)
    node._data = out
    node.grad = 0.0
    node.label = ""
    node._param = None
    if recording:
        node._op = rule.name
        node._n = 2
        node._p0 = a
        node._p1 = b
        node._d0, node._d1 = local
    else:
        node._op = ""
        node._n = 0
    return node


def is_real(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def is_number(x: object) -> bool:
    """A real number or lanes that may meet a Value (bool is refused: it is almost always a bug)."""
    return (
        type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)) or is_lanes(x)
    )


def constant_leaf(x: Any) -> Value:
    """A constant leaf for the number ``x`` (already checked with :func:`is_number`)."""
    node = _new(Value)
    if type(x) is float:
        if not _isfinite(x):
            raise ValueError(f"operand must be finite, got {x!r}")
        node._data = x
    else:
        node._data = to_data(x, "operand")
    node.grad = 0.0
    node.label = ""
    node._op = ""
    node._n = 0
    node._param = None
    node._local = CONSTANT  # unused by a leaf: marks a plain number made a node (its gradient is never asked for)
    return node


#: The marker in a constant leaf's (otherwise unused) ``_local``: see :func:`is_constant`.
CONSTANT: tuple[float, ...] = (math.nan,)  # math.nan is looked up, so the tuple is built, never shared


def is_constant(node: Value) -> bool:
    """Whether ``node`` is a plain number an operation made into a leaf (``x * 2``'s 2), not a user's Value."""
    return node._n == 0 and getattr(node, "_local", None) is CONSTANT
