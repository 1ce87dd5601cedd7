"""`Value`: a scalar node of a dynamically built computation graph, and how a node is made.

A node stores its parents and its local derivatives ``∂self/∂parent``, both from the one
rule table in :mod:`autograd.core.rules`, computed when the node is created. There is no
closure per node, so a graph holds no reference cycles and is freed by reference
counting alone.

One GC-tracked allocation per node: in CPython every object that can refer to others is
tracked by the cyclic garbage collector, and each tracked allocation counts towards its
next collection. So a node of one or two parents keeps them in the slots ``_p0``/``_p1``
and their derivatives in ``_d0``/``_d1`` (floats are not tracked), with no tuple beside it;
only n-ary nodes (``vsum``, ``dot``, user ops of three inputs or more) keep tuples.
:attr:`Value.parents` builds the tuple when asked. The library never changes the
interpreter's GC settings: automatic collection runs as usual while graphs are built.

Recording (the second half of this module): :func:`record_unary` and :func:`record_binary`
evaluate a rule from the table on one or two parents' data and return the new node —
forward value, then (when recording) the local derivatives, then the checks (a value or
derivative that is not a finite float raises before any node exists, so a failed op leaves
no half-built graph). The operators and methods call them directly, as the hot path; the
general algorithm for any number of inputs, :func:`autograd.core.ops.record_op`, calls them
as its fast cases. Inputs holding lanes go to :func:`record_lanes`. The class and its
recording share this module because each needs the other.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from autograd.core.data import (
    CONSTANT,
    is_constant,
    is_number,
    is_real,
    refuse_array_in_power,
    refuse_array_subclass,
    to_data,
    to_float,
)
from autograd.core.errors import checked_values, failed_values, finite_floats
from autograd.core.functions import is_lanes
from autograd.core.grad_mode import current_mode, resolve_mode
from autograd.core.lanes import evaluate
from autograd.core.reverse import run_backward
from autograd.core.rules import RULES, Rule

if TYPE_CHECKING:
    import numpy
    from numpy.typing import NDArray

    from autograd.core.data import Data

__all__ = ["FUNCTION_METHODS", "Value"]

_isfinite = math.isfinite


def _operator(rule: Rule, *, reflected: bool = False) -> Callable[[Value, Value | float], Value]:
    """The method for a binary operator (``__add__``, or ``__radd__`` when ``reflected``).

    The other operand may be a Value, a real number or lanes (which become a constant
    leaf); anything else returns ``NotImplemented`` so Python raises its ``TypeError``
    naming both types.
    """
    if reflected:

        def method(self: Value, other: Value | float) -> Value:
            if not is_number(other):
                refuse_array_subclass(other, "operand")
                return cast(Value, NotImplemented)  # Python then raises TypeError
            return record_binary(rule, other, self)

    else:
        name, finite_local = rule.name, rule.finite_local

        def method(self: Value, other: Value | float) -> Value:
            if type(other) is not Value:
                if not is_number(other):
                    refuse_array_subclass(other, "operand")
                    return cast(Value, NotImplemented)  # Python then raises TypeError
                return record_binary(rule, self, other)
            # An optimisation: record_binary's steps for two Values holding floats while recording,
            # inlined (one call less per operator, the hot path of scalar graphs). Any other case,
            # and any result or derivative the checks would refuse, is record_binary's own.
            x, y = self._data, other._data
            if type(x) is float and type(y) is float and current_mode().on:
                try:
                    # rule.forward and rule.local read now, not when the method was made: the one
                    # rule table stays the authority (a test that swaps a rule's local must reach here)
                    out = rule.forward(x, y)
                    d = rule.local(out, x, y)
                except (ValueError, ZeroDivisionError, OverflowError):
                    return record_binary(rule, self, other)
                if type(out) is float and _isfinite(out) and (finite_local or finite_floats(d, 2)):
                    node = _new(Value)
                    node._data = out
                    node.grad = 0.0
                    node.label = ""
                    node._param = None
                    node._op = name
                    node._n = 2
                    node._p0 = self
                    node._p1 = other
                    node._d0, node._d1 = d
                    return node
            return record_binary(rule, self, other)

    method.__name__ = f"__{'r' if reflected else ''}{rule.name if rule.name != 'div' else 'truediv'}__"
    method.__doc__ = f"``{'other ' + rule.label + ' self' if reflected else 'self ' + rule.label + ' other'}``."
    return method


class Value:
    """A scalar that records the operations applied to it.

    Args:
        data: A real number (int, float, numpy scalar). ``bool``, strings, ``None``,
            complex numbers and Values are rejected with ``TypeError``; nan and ±inf
            with ``ValueError``.
        label: Optional name, shown in pictures and error messages.

    Operators ``+ - * / **`` accept a Value or a real number on either side. The
    ordering comparisons ``< <= > >=`` compare ``.data`` and return a ``bool``;
    ``==`` and ``!=`` keep Python's identity semantics so Values can be used in
    sets and as dict keys (two distinct nodes are never "equal").

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + b ** 2
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (3.0, -3.0, -4.0)
    """

    # A node of one or two parents keeps them in _p0/_p1 and ∂self/∂parent in _d0/_d1 (one
    # GC-tracked allocation per node: see the module docstring); _n says how many parents
    # there are, and a node of more keeps the tuples _parents and _local.
    __slots__ = (
        "_d0",
        "_d1",
        "_data",
        "_local",
        "_n",
        "_op",
        "_p0",
        "_p1",
        "_param",
        "_parents",
        "grad",
        "label",
    )

    grad: Data  # lanes too, for a Value whose data holds lanes
    label: str
    _data: Data  # a float, or lanes: a 1-D float64 numpy array, one scalar per sample
    _op: str
    _n: int
    _p0: Value
    _p1: Value
    _parents: tuple[Value, ...]
    _d0: float
    _d1: float
    _local: tuple[float, ...]
    _param: float | None

    # numpy must hand ``lanes * value`` to Value.__rmul__, not loop over the lanes itself.
    __array_ufunc__ = None

    def __init__(self, data: object, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data) needs a number, got a Value (use v.detach() for a copy)")
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self._data = to_data(data, "Value data")
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._n = 0
        self._param = None

    @property
    def data(self) -> Data:
        """The number (a float), or lanes: a 1-D float64 numpy array, one scalar per sample.

        Assigning keeps it so: ``p.data -= lr * p.grad``, ``w.data = 0`` or
        ``w.data = np.clip(...)`` store a float (or float64 lanes, copied); anything else
        (a string, a 2-D array, nan, ±inf, an integer beyond float64) is refused right at
        the assignment, leaving ``data`` unchanged. Lanes are read-only arrays, so they never
        change behind a graph's back: ``x.data[0] = 5`` raises, and lanes are updated by
        assignment, ``x.data = x.data - lr * x.grad``.

        A graph built before the assignment keeps the local derivatives it was built
        with: :func:`~autograd.backward` and ``grad()`` use those; ``grad(...,
        create_graph=True)`` re-evaluates them from the current data and raises
        ``ValueError`` when they differ, naming the node. Rebuild the graph after changing
        ``data`` (a training loop does so every step).
        """
        return self._data

    @data.setter
    def data(self, value: object) -> None:
        self._data = value if type(value) is float and _isfinite(value) else to_data(value, "data")

    # -- read-only views of the graph -------------------------------------------------

    @property
    def op(self) -> str:
        """Name of the op that made this node (``""`` for a leaf)."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in argument order (repeats kept)."""
        n = self._n
        if n == 0:
            return ()
        if n == 1:
            return (self._p0,)
        if n == 2:
            return (self._p0, self._p1)
        return self._parents

    @property
    def local_grads(self) -> tuple[float, ...]:
        """``∂self/∂parent`` for each parent, evaluated when the node was made."""
        n = self._n
        if n == 0:
            return ()
        if n == 1:
            return (self._d0,)
        if n == 2:
            return (self._d0, self._d1)
        return self._local

    @property
    def param(self) -> float | None:
        """The op's constant parameter (``x ** 3`` → 3.0), or None."""
        return self._param

    @property
    def is_leaf(self) -> bool:
        """True for a node with no parents (an input, a parameter, or a constant)."""
        return self._n == 0

    @property
    def lanes(self) -> int | None:
        """Number of lanes when ``data`` is a 1-D array (one scalar per sample), else None."""
        data = self._data
        return None if isinstance(data, float) else len(data)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        if type(self.data) is float:
            return f"Value(data={self.data!r}, grad={self.grad!r}{label})"
        return f"Value(lanes={self.lanes}, data={_short(self.data)}, grad={_short(self.grad)}{label})"

    def __float__(self) -> float:
        # Refused, as math.exp(v), math.log(v), float(v)… all come here: they would take the
        # number and drop the graph, so the gradient through them would silently be 0.
        raise TypeError(
            "a Value does not turn into a float implicitly (math.exp(v) would drop it from the graph and "
            "its gradient with it): use v.exp(), v.log(), v.tanh()… to stay in the graph, or v.data for the number"
        )

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"`` formats ``v.data`` (a scalar Value); without a spec it is ``str(v)``."""
        if not spec:
            return str(self)
        if type(self.data) is not float:
            raise TypeError(f"a format spec needs a scalar Value; this one holds {self.lanes} lanes")
        return format(self.data, spec)

    # -- arithmetic ----------------------------------------------------------------

    __add__ = _operator(RULES["add"])
    __radd__ = _operator(RULES["add"], reflected=True)
    __sub__ = _operator(RULES["sub"])
    __rsub__ = _operator(RULES["sub"], reflected=True)
    __mul__ = _operator(RULES["mul"])
    __rmul__ = _operator(RULES["mul"], reflected=True)
    __truediv__ = _operator(RULES["div"])
    __rtruediv__ = _operator(RULES["div"], reflected=True)

    def __neg__(self) -> Value:
        return record_unary(_NEG, self)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return record_binary(_POWV, self, other)
        # float and int first: they need no ABC check (which may allocate, starting a collection)
        if type(other) is not float and type(other) is not int and not is_real(other) and not _is_0d(other):
            refuse_array_subclass(other, "operand")
            refuse_array_in_power(other, "exponent")
            return NotImplemented
        return record_unary(_POW, self, to_float(other, "exponent"))

    def __rpow__(self, other: float) -> Value:
        # float and int first: they need no ABC check (which may allocate, starting a collection)
        if type(other) is not float and type(other) is not int and not is_real(other) and not _is_0d(other):
            refuse_array_subclass(other, "operand")
            refuse_array_in_power(other, "base")
            return NotImplemented
        return record_unary(_RPOW, self, to_float(other, "base"))

    def __abs__(self) -> Value:
        return record_unary(_ABS, self)

    # -- comparisons (on .data) -------------------------------------------------------

    def __lt__(self, other: Value | float) -> bool:
        return _scalar(self) < _cmp(other)

    def __le__(self, other: Value | float) -> bool:
        return _scalar(self) <= _cmp(other)

    def __gt__(self, other: Value | float) -> bool:
        return _scalar(self) > _cmp(other)

    def __ge__(self, other: Value | float) -> bool:
        return _scalar(self) >= _cmp(other)

    # -- functions -------------------------------------------------------------------

    def exp(self) -> Value:
        """``e**self``; raises :class:`DomainError` when it overflows float64."""
        return record_unary(_EXP, self)

    def log(self) -> Value:
        """Natural logarithm; needs ``self > 0``."""
        return record_unary(_LOG, self)

    def log1p(self) -> Value:
        """``log(1 + self)``, exact also where ``1 + self`` would round; needs ``self > -1``.

        >>> Value(1e-18).log1p().data
        1e-18
        """
        return record_unary(_LOG1P, self)

    def sqrt(self) -> Value:
        """Square root; needs ``self > 0`` (its derivative is infinite at 0)."""
        return record_unary(_SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return record_unary(_TANH, self)

    def sigmoid(self) -> Value:
        """Logistic sigmoid ``1/(1+e**-x)``, stable for any finite input."""
        return record_unary(_SIGMOID, self)

    def relu(self) -> Value:
        """``max(0, x)``; by convention its derivative at 0 is 0."""
        return record_unary(_RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """``x`` if ``x > 0`` else ``slope·x``; derivative at 0 is ``slope``."""
        return record_unary(_LEAKY_RELU, self, to_float(slope, "slope"))

    def abs(self) -> Value:
        """``|x|``; by convention its derivative at 0 is 0."""
        return record_unary(_ABS, self)

    def sin(self) -> Value:
        """Sine."""
        return record_unary(_SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return record_unary(_COS, self)

    # -- gradients ---------------------------------------------------------------------

    def sum(self) -> Value:
        """Sum over the lanes: a scalar Value (the identity on a scalar)."""
        return record_unary(_LANESUM, self)

    def mean(self) -> Value:
        """Mean over the lanes: a scalar Value (the identity on a scalar)."""
        return record_unary(_LANEMEAN, self)

    def backward(self, grad: object = None) -> None:
        """Backpropagate from this node; see :func:`autograd.backward`."""
        run_backward(self, grad)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut from the graph."""
        return Value(self.data, self.label)

    def zero_grad(self) -> None:
        """Set this node's ``grad`` to 0.0."""
        self.grad = 0.0


#: The rules users call as a method of the same name (``x.tanh()``, ``x.leaky_relu(0.1)``): every
#: one-input built-in rule with such a method, in the table's order. Derived from :data:`RULES`;
#: the command line's functions (``viz.expr.FUNCTIONS``) are these.
FUNCTION_METHODS: tuple[str, ...] = tuple(
    name for name, rule in RULES.items() if rule.arity == 1 and callable(getattr(Value, name, None))
)


def _scalar(v: Value) -> float:
    if type(v.data) is not float:
        raise TypeError("comparisons need scalar Values (this one holds lanes)")
    return v.data


def _short(x: Data) -> str:
    if isinstance(x, float):
        return repr(x)
    head = ", ".join(f"{v:.6g}" for v in x[:3])
    return f"[{head}{', …' if len(x) > 3 else ''}]"


def _is_0d(x: object) -> bool:
    """A 0-d numpy array: a number in an array's clothes (``np.array(2.0)``, a numpy reduction's result)."""
    return is_lanes(x) and cast("NDArray[numpy.float64]", x).ndim == 0


def _cmp(other: object) -> float:
    """``other`` as what ``.data`` is compared with: exactly, however large or fine it is."""
    if isinstance(other, Value):
        if type(other._data) is not float:
            raise TypeError("comparisons need scalar Values (this one holds lanes)")
        return other._data
    if _is_0d(other):
        other = cast("NDArray[numpy.float64]", other)[()]  # its numpy scalar
    if isinstance(other, bool) or not isinstance(other, numbers.Real):
        raise TypeError(f"cannot compare Value with {type(other).__name__}")
    if isinstance(other, int):
        return cast(float, int(other))  # compared exactly, however large (float(10**400) would overflow)
    if isinstance(other, numbers.Rational):
        return cast(float, other)  # a Fraction compares with a float exactly, however large
    try:
        return float(other)
    except OverflowError:  # beyond every float: compares as the infinity of its sign (the data is finite)
        return math.inf if cast(Any, other) > 0 else -math.inf


_ADD = RULES["add"]
_SUB = RULES["sub"]
_MUL = RULES["mul"]
_DIV = RULES["div"]
_DOT = RULES["dot"]
_LANESUM = RULES["lanesum"]
_LANEMEAN = RULES["lanemean"]
_NEG = RULES["neg"]
_ABS = RULES["abs"]
_EXP = RULES["exp"]
_LOG = RULES["log"]
_LOG1P = RULES["log1p"]
_SQRT = RULES["sqrt"]
_TANH = RULES["tanh"]
_SIGMOID = RULES["sigmoid"]
_RELU = RULES["relu"]
_LEAKY_RELU = RULES["leaky_relu"]
_POW = RULES["pow"]
_POWV = RULES["powv"]
_RPOW = RULES["rpow"]
_SIN = RULES["sin"]
_COS = RULES["cos"]


# -- recording: making a node (the operators and methods above call these) ----------------------

_data_of = operator.attrgetter("_data")
_new = object.__new__


def new_node(rule: Rule, out: Data, parents: tuple[Value, ...], local: tuple[Any, ...], param: float | None) -> Value:
    """A new node (a leaf when ``parents`` is empty: nothing recorded), its local derivatives stored.

    One or two parents and their derivatives go in the slots ``_p0``/``_p1`` and
    ``_d0``/``_d1`` (no tuple per node: see the module docstring), more in the tuples
    ``_parents`` and ``_local``. :func:`record_unary` and :func:`record_binary` do the same inline, as
    they are the hot path.
    """
    node = _new(Value)
    if not isinstance(out, float):  # lanes: read-only, so they cannot change behind the graph's back
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


def record_lanes(rule: Rule, parents: tuple[Value, ...], param: float | None) -> Value:
    """:func:`record_op` when some input holds lanes: :func:`autograd.core.lanes.evaluate`, then the node."""
    recording = current_mode().on
    if recording is None:
        recording = resolve_mode()
    out, local = evaluate(rule, tuple(map(_data_of, parents)), param, recording, parents)
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


def record_binary(rule: Rule, a: Value | Data, b: Value | Data) -> Value:
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


def constant_leaf(x: object) -> Value:
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
