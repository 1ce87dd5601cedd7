"""`Value`: a scalar node of a dynamically built computation graph.

A node stores its parents and its local derivatives ``∂self/∂parent``, both from the one
rule table in :mod:`autograd.rules`, computed when the node is created. There is no
closure per node, so a graph holds no reference cycles and is freed by reference
counting alone.

One GC-tracked allocation per node: in CPython every object that can refer to others is
tracked by the cyclic garbage collector, and each tracked allocation counts towards its
next collection. So a node of one or two parents keeps them in the slots ``_p0``/``_p1``
and their derivatives in ``_d0``/``_d1`` (floats are not tracked), with no tuple beside it;
only n-ary nodes (``vsum``, ``dot``, user ops of three inputs or more) keep tuples.
:attr:`Value.parents` builds the tuple when asked. The library never changes the
interpreter's GC settings: automatic collection runs as usual while graphs are built.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import operator
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from types import TracebackType
from typing import Any, TypeVar, cast, overload

from autograd.rules import RULES, Rule, _is_lanes, _np

__all__ = [
    "FUNCTION_METHODS",
    "DomainError",
    "Value",
    "apply",
    "dot",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "vsum",
]

_isfinite = math.isfinite
_data_of = operator.attrgetter("_data")
_new = object.__new__
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "powv": "**"}


class DomainError(ValueError):
    """An operation was applied where it (or its derivative) is undefined or overflows.

    The message names the op and the offending value, e.g. ``log(-1.0)``.
    """


# -- recording on or off: no_grad / enable_grad ----------------------------------------------
#
# Each entered block is a _Mode on a linked stack held in a context variable (per thread and
# per asyncio task). Leaving a block first marks it left (``on = None``, one atomic step), so
# whoever reads any stack holding it skips it from then on; then, if it is on top of the
# current stack, it is popped. So leaving from anywhere — a generator finalised inside its
# caller's newer block, or closed by another thread — never raises and never leaves a thread
# recording nothing for good. A task started inside a block sees it while it lasts, as with
# PyTorch's per-thread state.


class _Mode:
    """One entered block: ``on`` is whether it records, None once the block was left out of order."""

    __slots__ = ("below", "on")

    def __init__(self, on: bool | None, below: _Mode | None) -> None:
        self.on = on
        self.below = below


_ROOT = _Mode(True, None)  # the bottom of every stack: recording on
_mode: ContextVar[_Mode] = ContextVar("chainrule_grad_mode", default=_ROOT)
_mode_get = _mode.get


def _resolve() -> bool:
    """The recording flag when the top block was left out of order: the first block still open below it."""
    m = _mode_get()
    while m.on is None:
        m = cast(_Mode, m.below)  # the root is never left
    _mode.set(m)
    return m.on


def is_grad_enabled() -> bool:
    """Whether operations currently record a graph (False inside :func:`no_grad`)."""
    on = _mode_get().on
    return _resolve() if on is None else on


F = TypeVar("F", bound=Callable[..., Any])


class _GradMode:
    """The context manager (and decorator) :func:`no_grad` and :func:`enable_grad` return."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._entered: list[_Mode] = []  # one per nested entry of this very object

    def __enter__(self) -> None:
        m = _Mode(self._enabled, _mode_get())
        self._entered.append(m)
        try:
            _mode.set(m)
        except BaseException:  # a signal's exception landing just after the set: as if never entered
            m.on = None
            self._entered.pop()
            raise

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        m = self._entered[-1]
        m.on = None  # left, in one step: from now on every reader skips it, wherever it is
        self._entered.pop()
        if _mode_get() is m:  # the usual case, on top of this context's stack: pop it and any left below
            below = cast(_Mode, m.below)
            while below.on is None:
                below = cast(_Mode, below.below)
            _mode.set(below)

    def __call__(self, func: F) -> F:
        """Decorate ``func`` so that it runs inside the block; a generator function is
        wrapped step by step (the block is entered around each resumption, as PyTorch does),
        so its caller never sees the block while the generator is suspended."""
        enabled = self._enabled
        if inspect.isasyncgenfunction(func):
            raise TypeError(f"{func.__qualname__} is an async generator function; use the block inside it instead")
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Any:
                gen = func(*args, **kwargs)
                try:
                    with _GradMode(enabled):
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with _GradMode(enabled):
                                gen.close()
                            raise
                        except BaseException as exc:  # thrown in by the caller: hand it on
                            with _GradMode(enabled):
                                response = gen.throw(exc)
                        else:
                            with _GradMode(enabled):
                                response = gen.send(request)
                except StopIteration as stop:
                    return stop.value

            return cast(F, generator)
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def coroutine(*args: Any, **kwargs: Any) -> Any:
                with _GradMode(enabled):  # a task has its own context: other tasks never see it
                    return await func(*args, **kwargs)

            return cast(F, coroutine)

        @functools.wraps(func)
        def plain(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(enabled):
                return func(*args, **kwargs)

        return cast(F, plain)


@overload
def no_grad() -> _GradMode: ...
@overload
def no_grad(func: F) -> F: ...
def no_grad(func: F | None = None) -> _GradMode | F:
    """A block (or a decorated function) in which operations record no graph.

    Results are plain leaf Values (no parents, no local derivatives). The state is per
    thread and per asyncio task. As a decorator (``@no_grad()`` or ``@no_grad``) it also
    handles generator functions, entering the block around each step only. A ``with
    no_grad():`` written *inside* a generator holds while the generator is suspended there
    (its caller records nothing meanwhile), as in PyTorch; leaving it later, from anywhere,
    restores the right state. An exception from a signal handler (Ctrl-C) is handled
    wherever it lands in entering or leaving a block, except at the very first instruction
    of leaving it, as for any context manager written in Python.

    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.parents
    ()
    """
    mode = _GradMode(False)
    return mode if func is None else mode(func)


@overload
def enable_grad() -> _GradMode: ...
@overload
def enable_grad(func: F) -> F: ...
def enable_grad(func: F | None = None) -> _GradMode | F:
    """A block (or a decorated function) that records a graph even inside :func:`no_grad`.

    >>> x = Value(2.0)
    >>> with no_grad(), enable_grad():
    ...     y = x * x
    >>> y.op
    'mul'
    """
    mode = _GradMode(True)
    return mode if func is None else mode(func)


def _to_float(x: object, what: str) -> float:
    if type(x) is float:
        value = x
    elif type(x) is int:
        value = _int_to_float(x, what)
    elif isinstance(x, bool) or not isinstance(x, numbers.Real):
        if _is_lanes(x) and cast(Any, x).ndim == 0:  # a 0-d array is a scalar
            return _to_float(cast(Any, x)[()], what)
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    elif isinstance(x, int):
        value = _int_to_float(int(x), what)
    else:
        try:
            value = float(x)
        except OverflowError:
            raise ValueError(f"{what} is too large for a float64: {type(x).__name__}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


def _int_to_float(x: int, what: str) -> float:
    """``float(x)``, or a ValueError naming the integer's size (its digits may be too many to print)."""
    try:
        return float(x)
    except OverflowError:
        digits = int(abs(x).bit_length() * 0.30103) + 1
        raise ValueError(
            f"{what} is an integer of about {digits:,} digits, beyond float64's largest finite number (about 1.8e308)"
        ) from None


def _to_data(x: object, what: str) -> Any:
    """A float, or lanes: a 1-D float64 numpy array (copied), for a Value's ``data``."""
    if type(x) is float or not _is_lanes(x):
        return _to_float(x, what)
    np = _np()
    arr: Any = x
    if arr.ndim == 0:
        return _to_float(arr, what)
    if arr.ndim != 1:
        raise ValueError(f"{what}: lanes must be a 1-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{what}: lanes must not be empty")
    if arr.dtype == np.bool_ or arr.dtype.kind not in "fiu":  # real numbers only: no complex, dates, objects
        raise TypeError(f"{what}: lanes must hold real numbers, got dtype {arr.dtype}")
    lanes = np.array(arr, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(lanes))
    if bad.size:
        raise ValueError(f"{what} must be finite, got {lanes[bad[0]]!r} at lane {bad[0]}")
    return lanes


def _lane_count(xs: tuple[Any, ...]) -> int:
    """The common length of the lanes among ``xs`` (floats broadcast); ValueError if they differ."""
    lengths = {len(x) for x in xs if type(x) is not float}
    if len(lengths) > 1:
        raise ValueError(f"lanes of different lengths meet: {sorted(lengths)}")
    return lengths.pop()


def _first_bad_lane(values: Any) -> int | None:
    """Index of the first lane that is not finite, or None (for a float: 0 if not finite)."""
    if type(values) is float:
        return None if _isfinite(values) else 0
    finite = _np().isfinite(values)
    if finite.all():
        return None
    return int(_np().flatnonzero(~finite)[0])


def _at_lane(xs: tuple[Any, ...], i: int) -> tuple[float, ...]:
    return tuple(x if type(x) is float else float(x[i]) for x in xs)


def _node(rule: Rule, out: Any, parents: tuple[Value, ...], local: tuple[Any, ...], param: float | None) -> Value:
    """A new node (a leaf when ``parents`` is empty: nothing recorded), its local derivatives stored.

    One or two parents and their derivatives go in the slots ``_p0``/``_p1`` and
    ``_d0``/``_d1`` (no tuple per node: see the module docstring), more in the tuples
    ``_parents`` and ``_local``. :func:`_unary` and :func:`_binary` do the same inline, as
    they are the hot path.
    """
    node = _new(Value)
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


def _record_lanes(rule: Rule, parents: tuple[Value, ...], param: float | None) -> Value:
    """:func:`_record` when some input holds lanes: the rule applied lane-wise with numpy.

    Domain errors are found from non-finite results and name the first bad lane.
    """
    np = _np()
    xs = tuple(map(_data_of, parents))
    _lane_count(xs)
    forward = rule.lanes or rule.forward
    recording = _mode_get().on
    if recording is None:
        recording = _resolve()
    extra = () if param is None else (param,)
    with np.errstate(all="ignore"):
        try:
            out = forward(*xs, *extra)
            local = rule.local(out, *xs, *extra) if recording else ()
        except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError) as exc:
            raise _undefined(rule, xs, param, exc) from None
        except TypeError as exc:
            raise TypeError(
                f"op {rule.name!r} on lanes: {exc} (its forward and local get numpy arrays here; "
                "define_op(..., lanes=...) takes a separate forward for arrays)"
            ) from exc
    if type(out) is not float:
        out = np.asarray(out, dtype=np.float64)
        if out.ndim == 0:
            out = float(out)
    bad = _first_bad_lane(out)
    if bad is not None:
        at = _at_lane(xs, bad)
        raise DomainError(f"{_expr(rule, at, param)} is undefined or overflows at lane {bad}")
    for d in () if rule.finite_local else local:
        bad = _first_bad_lane(d if type(d) is float else np.asarray(d, dtype=np.float64))
        if bad is not None:
            at = _at_lane(xs, bad)
            raise DomainError(f"{_expr(rule, at, param)}: local derivative is not finite at lane {bad}")
    return _node(rule, out, parents if recording else (), tuple(local), param)


def _expr(rule: Rule, xs: tuple[float, ...], param: float | None) -> str:
    """Human-readable form of an op application, for error messages."""
    if rule.name in _SYMBOLS:
        a, b = xs
        return f"({a!r}) {_SYMBOLS[rule.name]} ({b!r})" if a < 0 else f"{a!r} {_SYMBOLS[rule.name]} {b!r}"
    if rule.name == "pow":
        return f"({xs[0]!r}) ** {param!r}" if xs[0] < 0 else f"{xs[0]!r} ** {param!r}"
    if rule.name == "rpow" and param is not None:
        return f"({param!r}) ** {xs[0]!r}" if param < 0 else f"{param!r} ** {xs[0]!r}"
    shown = [repr(x) for x in xs[:6]]
    if len(xs) > 6:
        shown.append(f"… {len(xs)} arguments in all")
    args = ", ".join(shown)
    if param is not None:
        args += f", {param!r}"
    return f"{rule.name}({args})"


def _undefined(rule: Rule, xs: tuple[float, ...], param: float | None, exc: Exception) -> DomainError:
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, OverflowError) and reason in ("math range error", "(34, 'Numerical result out of range')"):
        reason = "overflows float64"
    return DomainError(f"{_expr(rule, xs, param)} is undefined: {reason}")


# Building the graph of a gradient (``grad(..., create_graph=True)``) records the rules'
# derivative formulas as nodes. A node there whose own local derivative is infinite or
# undefined (``x ** 0.5`` at 0, inside the derivative of ``x ** 1.5``) is recorded with nan
# for it, so the finite first derivative is returned; a gradient actually taken through that
# node then raises (DomainError from backward/grad, naming the node).
_deferring: ContextVar[bool] = ContextVar("chainrule_defer_local", default=False)


def _checked(
    rule: Rule, xs: tuple[float, ...], param: float | None, out: object, local: Any, n: int
) -> tuple[float, tuple[Any, ...]]:
    """The checks the fast cases skip, written once: ``out`` and ``local`` as finite floats.

    ``n`` is the number of parents (0 when nothing is recorded). A user op's numpy
    scalars become floats; a ``local`` of the wrong shape is a TypeError saying so; a value
    or local derivative that is not a number is a TypeError, nan (undefined) or ±inf
    (overflow) a :class:`DomainError`.
    """
    out = _as_float(out)
    if n and (type(local) is not tuple or len(local) != n or any(type(d) is not float for d in local)):
        local = _derivatives(rule, local, n)
    checked = (out,) if rule.finite_local and type(out) is float and _isfinite(out) else (out, *local)
    for i, x in enumerate(checked):
        if type(x) is float and _isfinite(x):
            continue
        what = "value" if i == 0 else f"local derivative {i - 1}"
        if type(x) is not float:
            raise TypeError(f"op {rule.name!r}: its {what} must be a float, got {type(x).__name__}: {x!r}")
        if i and _deferring.get():
            return cast(float, out), tuple(d if _isfinite(d) else math.nan for d in local)
        problem = "is undefined" if math.isnan(x) else "overflows float64"
        raise DomainError(f"{_expr(rule, xs, param)} {problem} ({what} {x!r})")
    return cast(float, out), local


def _failed(rule: Rule, xs: tuple[float, ...], param: float | None, exc: Exception, n: int) -> tuple[float, Any]:
    """The forward or the local derivatives raised: a :class:`DomainError` naming the op.

    Only while the graph of a gradient is built (see ``_deferring``) and only when the
    forward value is fine, the node is recorded with nan local derivatives instead.
    """
    if not (n and _deferring.get()):
        raise _undefined(rule, xs, param, exc) from None
    try:
        out = rule.forward(*xs) if param is None else rule.forward(*xs, param)
    except (ValueError, ZeroDivisionError, OverflowError) as forward_exc:
        raise _undefined(rule, xs, param, forward_exc) from None
    return _checked(rule, xs, param, out, (math.nan,) * n, n)


def _record(rule: Rule, parents: tuple[Value, ...], param: float | None) -> Value:
    """Evaluate ``rule`` on ``parents`` and return the new node: the one recording algorithm.

    Forward value, then (when recording) the local derivatives, both from the rule table;
    a value or derivative that is not a finite float raises before any node exists
    (:func:`_checked`, :func:`_failed`), so a failed op leaves no half-built graph behind.
    Operators, methods, :func:`apply` and :func:`define_op`'s functions all come here or
    to its two fast cases.
    """
    # These first two cases are just optimisations: the same steps, unrolled for one input
    # and for two (parents and derivatives in slots); operators and methods call them directly.
    n = len(parents)
    if n == 1:
        return _unary(rule, parents[0], param)
    if n == 2 and param is None:
        return _binary(rule, parents[0], parents[1])
    xs = tuple(map(_data_of, parents))
    if len(set(map(type, xs))) > 1 or type(xs[0]) is not float:
        return _record_lanes(rule, parents, param)
    recording = _mode_get().on
    if recording is None:
        recording = _resolve()
    n = n if recording else 0
    try:
        args = xs if param is None else (*xs, param)
        out = rule.forward(*args)
        local = rule.local(out, *args) if recording else ()
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        out, local = _failed(rule, xs, param, exc, n)
    if type(out) is not float or not (rule.finite_local and _isfinite(out)):
        out, local = _checked(rule, xs, param, out, local, n)
    return _node(rule, out, parents if recording else (), local, param)


def _as_float(x: object) -> Any:
    """A user op's number as a float (numpy scalars are numbers too); other types pass to :func:`_checked`."""
    if type(x) is float or isinstance(x, bool) or not isinstance(x, numbers.Real):
        return x
    return float(x)


def _derivatives(rule: Rule, local: object, n: int) -> tuple[Any, ...]:
    """A user op's local derivatives as a tuple of ``n`` numbers, or a TypeError saying what is wrong."""
    if not isinstance(local, tuple | list):
        raise TypeError(
            f"op {rule.name!r}: local must return a tuple with one derivative per input, got {type(local).__name__}"
        )
    if len(local) != n:
        raise TypeError(f"op {rule.name!r}: local returned {len(local)} derivative(s) for {n} input(s)")
    return tuple(_as_float(d) for d in local)


def _unary(rule: Rule, a: Value, param: float | None = None) -> Value:
    """:func:`_record`'s fast case for one input (lanes go to :func:`_record_lanes`)."""
    x = a._data
    if type(x) is not float:
        return _record_lanes(rule, (a,), param)
    recording = _mode_get().on
    if recording is None:
        recording = _resolve()
    try:
        if param is None:
            out = rule.forward(x)
            local = rule.local(out, x) if recording else ()
        else:
            out = rule.forward(x, param)
            local = rule.local(out, x, param) if recording else ()
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        out, local = _failed(rule, (x,), param, exc, 1 if recording else 0)
    if type(out) is not float or not (rule.finite_local and _isfinite(out)):
        out, local = _checked(rule, (x,), param, out, local, 1 if recording else 0)
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


def _binary(rule: Rule, a: Value | float, b: Value | float) -> Value:
    """:func:`_record`'s fast case for two inputs (lanes go to :func:`_record_lanes`).

    ``a`` or ``b`` may be a number already checked with :func:`_is_number`: it becomes a
    constant leaf here.
    """
    if type(a) is not Value:
        a = _constant(a)
    if type(b) is not Value:
        b = _constant(b)
    x, y = a._data, b._data
    if type(x) is not float or type(y) is not float:
        return _record_lanes(rule, (a, b), None)
    recording = _mode_get().on
    if recording is None:
        recording = _resolve()
    try:
        out = rule.forward(x, y)
        local = rule.local(out, x, y) if recording else ()
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        out, local = _failed(rule, (x, y), None, exc, 2 if recording else 0)
    if type(out) is not float or not (rule.finite_local and _isfinite(out)):
        out, local = _checked(rule, (x, y), None, out, local, 2 if recording else 0)
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


def _is_real(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _is_number(x: object) -> bool:
    """A real number or lanes that may meet a Value (bool is refused: it is almost always a bug)."""
    return (
        type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)) or _is_lanes(x)
    )


def _constant(x: Any) -> Value:
    """A constant leaf for the number ``x`` (already checked with :func:`_is_number`)."""
    node = _new(Value)
    if type(x) is float:
        if not _isfinite(x):
            raise ValueError(f"operand must be finite, got {x!r}")
        node._data = x
    else:
        node._data = _to_data(x, "operand")
    node.grad = 0.0
    node.label = ""
    node._op = ""
    node._n = 0
    node._param = None
    return node


def _lift(x: object) -> Value:
    """A Value for ``x``: Values pass through, real numbers become constant leaves."""
    if isinstance(x, Value):
        return x
    return Value(_to_data(x, "operand"))


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
    if rule.has_param and param is None:
        raise TypeError(f"op {op!r} needs a param")
    if not rule.has_param and param is not None:
        raise TypeError(f"op {op!r} takes no param")
    p = None if param is None else _to_float(param, f"param of {op!r}")
    return _record(rule, tuple(_lift(a) for a in args), p)


def _operator(rule: Rule, *, reflected: bool = False) -> Callable[[Value, Value | float], Value]:
    """The method for a binary operator (``__add__``, or ``__radd__`` when ``reflected``).

    The other operand may be a Value, a real number or lanes (which become a constant
    leaf); anything else returns ``NotImplemented`` so Python raises its ``TypeError``
    naming both types.
    """
    if reflected:

        def method(self: Value, other: Value | float) -> Value:
            if not _is_number(other):
                return cast(Value, NotImplemented)  # Python then raises TypeError
            return _binary(rule, other, self)

    else:

        def method(self: Value, other: Value | float) -> Value:
            if type(other) is not Value and not _is_number(other):
                return cast(Value, NotImplemented)  # Python then raises TypeError
            return _binary(rule, self, other)

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
    __slots__ = ("_d0", "_d1", "_data", "_local", "_n", "_op", "_p0", "_p1", "_param", "_parents", "grad", "label")

    grad: float  # lanes too, for a Value whose data holds lanes
    label: str
    _data: float  # or lanes: a 1-D float64 numpy array, one scalar per sample
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

    def __init__(self, data: float | Any, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data) needs a number, got a Value (use v.detach() for a copy)")
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self._data = _to_data(data, "Value data")
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._n = 0
        self._param = None

    @property
    def data(self) -> float:
        """The number (a float), or lanes: a 1-D float64 numpy array, one scalar per sample.

        Assigning keeps it so: ``p.data -= lr * p.grad``, ``w.data = 0`` or
        ``w.data = np.clip(...)`` store a float (or float64 lanes, copied); anything else
        (a string, a 2-D array, nan, ±inf, an integer beyond float64) is refused right at
        the assignment, leaving ``data`` unchanged.

        A graph built before the assignment keeps the local derivatives it was built
        with: :func:`~autograd.backward` and ``grad()`` use those; ``grad(...,
        create_graph=True)`` re-evaluates them from the current data and raises
        ``ValueError`` when they differ, naming the node. Rebuild the graph after changing
        ``data`` (a training loop does so every step).
        """
        return self._data

    @data.setter
    def data(self, value: float | Any) -> None:
        self._data = value if type(value) is float and _isfinite(value) else _to_data(value, "data")

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
        data: Any = self._data
        return None if type(data) is float else len(data)

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
        return _unary(_NEG, self)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return _binary(_POWV, self, other)
        # float and int first: they need no ABC check (which may allocate, starting a collection)
        if type(other) is not float and type(other) is not int and not _is_real(other):
            return NotImplemented
        return _unary(_POW, self, _to_float(other, "exponent"))

    def __rpow__(self, other: float) -> Value:
        # float and int first: they need no ABC check (which may allocate, starting a collection)
        if type(other) is not float and type(other) is not int and not _is_real(other):
            return NotImplemented
        return _unary(_RPOW, self, _to_float(other, "base"))

    def __abs__(self) -> Value:
        return _unary(_ABS, self)

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
        return _unary(_EXP, self)

    def log(self) -> Value:
        """Natural logarithm; needs ``self > 0``."""
        return _unary(_LOG, self)

    def log1p(self) -> Value:
        """``log(1 + self)``, exact also where ``1 + self`` would round; needs ``self > -1``.

        >>> Value(1e-18).log1p().data
        1e-18
        """
        return _unary(_LOG1P, self)

    def sqrt(self) -> Value:
        """Square root; needs ``self > 0`` (its derivative is infinite at 0)."""
        return _unary(_SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(_TANH, self)

    def sigmoid(self) -> Value:
        """Logistic sigmoid ``1/(1+e**-x)``, stable for any finite input."""
        return _unary(_SIGMOID, self)

    def relu(self) -> Value:
        """``max(0, x)``; by convention its derivative at 0 is 0."""
        return _unary(_RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """``x`` if ``x > 0`` else ``slope·x``; derivative at 0 is ``slope``."""
        return _unary(_LEAKY_RELU, self, _to_float(slope, "slope"))

    def abs(self) -> Value:
        """``|x|``; by convention its derivative at 0 is 0."""
        return _unary(_ABS, self)

    def sin(self) -> Value:
        """Sine."""
        return _unary(_SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return _unary(_COS, self)

    # -- gradients ---------------------------------------------------------------------

    def sum(self) -> Value:
        """Sum over the lanes: a scalar Value (the identity on a scalar)."""
        return _unary(_LANESUM, self)

    def mean(self) -> Value:
        """Mean over the lanes: a scalar Value (the identity on a scalar)."""
        return _unary(_LANEMEAN, self)

    def backward(self, grad: float | Any = None) -> None:
        """Backpropagate from this node; see :func:`autograd.engine.backward`."""
        from autograd.engine import backward

        backward(self, grad)

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


def _short(x: Any) -> str:
    if type(x) is float:
        return repr(x)
    head = ", ".join(f"{v:.6g}" for v in x[:3])
    return f"[{head}{', …' if len(x) > 3 else ''}]"


def _cmp(other: object) -> float:
    if isinstance(other, Value):
        if type(other._data) is not float:
            raise TypeError("comparisons need scalar Values (this one holds lanes)")
        return other._data
    if isinstance(other, bool) or not isinstance(other, numbers.Real):
        raise TypeError(f"cannot compare Value with {type(other).__name__}")
    if isinstance(other, int):
        return cast(float, int(other))  # compared exactly, however large (float(10**400) would overflow)
    return float(other)


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
    return _record(RULES["sum"], parents, None)


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
    return _record(_DOT, tuple(parents), None)


def define_op(
    name: str,
    forward: Callable[..., float],
    local: Callable[..., tuple[Any, ...]],
    *,
    arity: int = 1,
    has_param: bool = False,
    symbol: str = "",
    sample: tuple[tuple[float, float], ...] | None = None,
    kinks: tuple[float, ...] = (),
    lanes: Callable[..., Any] | None = None,
    replace: bool = False,
    param_sample: tuple[float, ...] = (),
) -> Callable[..., Value]:
    """Register a new primitive and return a function that applies it.

    ``local(out, *xs)`` returns ``∂out/∂x_i`` for each input; write it with ordinary
    operators (and :mod:`autograd.rules` helpers such as ``exp``/``cos``) so it also
    works on Values and second derivatives come for free. ``forward`` may return a
    Python float or a numpy scalar. For inputs holding lanes, ``forward`` must take numpy
    arrays, or give ``lanes``: the forward on arrays. ``replace=True`` redefines an op you
    defined before (re-running a notebook cell); built-in ops can't be replaced.
    ``sample``, ``kinks`` and (for an op with ``has_param``) ``param_sample`` tell the
    strategies in :mod:`autograd.testing` where to draw the op's arguments and parameter.

    >>> cube = define_op("cube_doc", lambda x: x**3, lambda out, x: (3 * x * x,))
    >>> y = cube(Value(2.0))
    >>> y.backward()
    >>> y.data, y.parents[0].grad
    (8.0, 12.0)
    """
    from autograd.rules import _BUILTIN, register, unregister

    if replace and name in RULES and name not in _BUILTIN:
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
