"""Tracing: run the user's function once on Values, and note where its path depended on numbers.

While a function is traced (in the tracing thread only), comparisons of Values
(``a < b``, ``a >= 0.5``) and reads of ``.data`` are recorded as *guards*: the program
replays the trace only while each comparison comes out the same and each ``.data`` read
sees the same number. The hooks are installed on :class:`~autograd.Value` for the time of
the trace and removed afterwards, so the eager engine pays nothing for them.

A traced function must not record Values under ``no_grad`` (a number computed without a
graph could not be recomputed for new inputs), differentiate to numbers (``grad()`` without
``create_graph=True``, ``backward()``: the same), nor assign ``.data``: each raises a
:class:`TraceError` saying so.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.core import reverse
from autograd.core.grad_mode import GradMode, enable_grad
from autograd.core.value import Value

__all__ = ["Guard", "Trace", "TraceError", "trace"]

_CMP = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}


class TraceError(TypeError):
    """A function cannot be compiled as it is (the message says why and what to do)."""


@dataclass
class Guard:
    """One recorded dependence of the path on numbers.

    ``kind`` is ``"compare"`` (``left <op> right`` gave ``expected``) or ``"data"``
    (``left.data`` was read and held ``expected``). ``where`` is the user's file and line.
    """

    kind: str
    left: Value | None
    op: str
    right: Value | float | None
    expected: Any
    where: str

    def values(self) -> tuple[Value, Value | None]:
        """The Values the guard reads (left, and right when it is a Value)."""
        if self.left is None:
            raise RuntimeError("a guard's Values were read after forget(): it forgets them once they are on a tape")
        return self.left, self.right if isinstance(self.right, Value) else None

    def forget(self) -> None:
        """Drop the references to the traced Values (they would keep the whole traced graph alive)."""
        self.left = None
        if isinstance(self.right, Value):
            self.right = None

    def describe(self, names: dict[int, str]) -> str:
        """What the guard checks, in the user's terms (labels where the Values have them)."""
        if self.left is None:
            raise RuntimeError("a guard was described after forget(): describe it before it forgets its Values")
        left = _name(self.left, names)
        if self.kind == "data":
            return f"the read of {left}.data at {self.where} (it held {_short(self.expected)} when traced)"
        right = _name(self.right, names) if isinstance(self.right, Value) else repr(self.right)
        return f"the comparison {left} {self.op} {right} at {self.where} (it was {self.expected} when traced)"


def _name(v: Value, names: dict[int, str]) -> str:
    return repr(v.label) if v.label else names.get(id(v), "a Value")


def _short(x: Any) -> str:
    if type(x) is float:
        return repr(x)
    return f"lanes [{', '.join(f'{v:.6g}' for v in x[:3])}{', …' if len(x) > 3 else ''}]"


@dataclass
class Trace:
    """What one run of the function under tracing recorded besides its graph."""

    guards: list[Guard] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    muted: int = 0

    def compare(self, left: Value, op: str, right: object, result: bool) -> None:
        if self.muted:
            return
        other: Value | float = right if isinstance(right, Value) else float(right)  # type: ignore[arg-type]
        self.guards.append(Guard("compare", left, op, other, bool(result), _where()))

    def read(self, v: Value) -> None:
        if self.muted:
            return
        data: Any = v._data
        self.guards.append(Guard("data", v, "==", None, data if type(data) is float else data.copy(), _where()))

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


def _where() -> str:
    """The first frame outside autograd: the user's line that made the guard."""
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not (module == "autograd" or module.startswith("autograd.")):
            return f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"  # pragma: no cover - the traced function is always below us


# -- the hooks, installed while any thread traces ---------------------------------------------

_lock = threading.Lock()
_tracing: dict[int, list[Trace]] = {}  # thread id -> stack of traces (a compiled call may trace inside a trace)
_installed = 0
_saved: dict[str, Any] = {}
_get_ident = threading.get_ident


def _current() -> Trace | None:
    stack = _tracing.get(_get_ident())
    return stack[-1] if stack else None


def _install() -> None:
    data: property = Value.__dict__["data"]
    _saved["data"] = data
    _saved["enter"] = GradMode.__dict__["__enter__"]

    def get(self: Value) -> Any:
        t = _current()
        if t is not None:
            t.read(self)
        return data.fget(self)  # type: ignore[misc]

    def set_(self: Value, value: Any) -> None:
        t = _current()
        if t is not None and not t.muted:
            t.problem(
                "it assigns .data of a Value; a compiled function must only compute (update parameters outside it)"
            )
        data.fset(self, value)  # type: ignore[misc]

    type.__setattr__(Value, "data", property(get, set_, doc=data.__doc__))
    for name, symbol in _CMP.items():
        original = Value.__dict__[name]
        _saved[name] = original

        def compare(self: Value, other: Any, _original: Any = original, _symbol: str = symbol) -> bool:
            t = _current()
            if t is None:
                return bool(_original(self, other))
            t.muted += 1
            try:
                result = _original(self, other)
            finally:
                t.muted -= 1
            t.compare(self, _symbol, other, result)
            return bool(result)

        compare.__name__ = name
        compare.__doc__ = original.__doc__
        type.__setattr__(Value, name, compare)
    enter = _saved["enter"]

    def enter_(self: GradMode) -> None:
        t = _current()
        if t is not None and not self._enabled:
            t.problem(
                "it records Values under no_grad; a number computed without a graph cannot be recomputed for new "
                "inputs (compute it outside the function, or without no_grad)"
            )
        enter(self)

    GradMode.__enter__ = enter_  # type: ignore[method-assign]
    reverse_pass = _saved["reverse_pass"] = reverse.reverse_pass

    def reverse_pass_(*args: Any, **kwargs: Any) -> Any:
        t = _current()
        if t is not None and kwargs.get("graph") is None:  # gradients as numbers, not as Values
            t.problem(
                "it differentiates to numbers (grad() without create_graph=True, or backward()); a gradient taken "
                "as numbers cannot be recomputed for new inputs (use grad(..., create_graph=True) inside)"
            )
        return reverse_pass(*args, **kwargs)

    reverse.reverse_pass = reverse_pass_


def _uninstall() -> None:
    type.__setattr__(Value, "data", _saved["data"])
    for name in _CMP:
        type.__setattr__(Value, name, _saved[name])
    GradMode.__enter__ = _saved["enter"]  # type: ignore[method-assign]
    reverse.reverse_pass = _saved["reverse_pass"]
    _saved.clear()


def trace(fn: Callable[..., Any], leaves: Sequence[Value]) -> tuple[Any, Trace]:
    """Call ``fn(*leaves)`` with recording on, guards noted; return its result and the :class:`Trace`."""
    global _installed
    record = Trace()
    ident = _get_ident()
    with _lock:
        if _installed == 0:
            _install()
        _installed += 1
        _tracing.setdefault(ident, []).append(record)
    try:
        with enable_grad():
            result = fn(*leaves)
    finally:
        with _lock:
            stack = _tracing[ident]
            stack.pop()
            if not stack:
                del _tracing[ident]
            _installed -= 1
            if _installed == 0:
                _uninstall()
    return result, record
