"""Program text from the rule table: a rule's own ``forward`` and ``local`` evaluated on symbols.

A :class:`Sym` stands for a number (a float or lanes) held in a generated variable of the
program. Evaluating a rule's function on Syms records, as program text, the very operations
the function performs on numbers — ``lambda out, a: (1.0 - out * out,)`` gives
``(1.0 - (v7 * v7))`` — so a compiled program computes what the eager engine computes,
operation for operation, without a derivative formula written twice.

That is only sound for a function whose operations do not depend on what kind of object
it gets: :func:`is_pure` admits a function only when its bytecode loads no global but a
few harmless builtins, the rule table's dispatching helpers (``exp``, ``log``, ``sin``,
``cos``) and other functions admitted the same way, and touches no attribute but a list's
``append``. A comparison, a truth test or an ``is`` check on a Sym raises
:class:`NotSymbolic`. Whatever is not pure, or raises, is called by the program as the
function itself (``F3(v5)``): still the table's function, only slower.

Program text is made of generated identifiers and numbers only (:func:`number`); no label,
name or other user text ever reaches it.
"""

from __future__ import annotations

import builtins
import contextlib
import dis
import math
import types
from collections.abc import Callable
from typing import Any

from autograd.core import functions

__all__ = ["NotSymbolic", "Sym", "is_pure", "number", "symbolic"]

_BUILTINS = {"range": builtins.range, "len": builtins.len, "tuple": builtins.tuple, "list": builtins.list}
_HELPERS = {"exp": functions.exp, "log": functions.log, "sin": functions.sin, "cos": functions.cos}
_ATTRIBUTES = frozenset({"append"})
_LOADS_GLOBAL = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_LOADS_ATTR = frozenset({"LOAD_ATTR", "LOAD_METHOD", "STORE_ATTR", "DELETE_ATTR"})
_FORBIDDEN = frozenset({"IMPORT_NAME", "IMPORT_FROM", "LOAD_DEREF", "LOAD_CLOSURE", "LOAD_CLASSDEREF"})

_pure_cache: dict[Any, bool] = {}


class NotSymbolic(Exception):  # noqa: N818 - a signal between two functions here, never seen by users
    """The function looked at a symbol's value (a comparison, a truth test): call it instead."""


def _code_is_pure(code: types.CodeType, globals_: dict[str, Any], depth: int) -> bool:
    if code.co_freevars or code.co_cellvars:
        return False
    for ins in dis.get_instructions(code):
        if ins.opname in _FORBIDDEN:
            return False
        if ins.opname in _LOADS_ATTR and ins.argval not in _ATTRIBUTES:
            return False
        if ins.opname in _LOADS_GLOBAL:
            name = ins.argval
            if name in globals_:
                value = globals_[name]
            elif name in _BUILTINS:
                value = getattr(builtins, name)
            else:
                return False
            if name in _BUILTINS and value is _BUILTINS[name]:
                continue
            if any(value is helper for helper in _HELPERS.values()):
                continue
            if not (isinstance(value, types.FunctionType) and _function_is_pure(value, depth + 1)):
                return False
    return all(not isinstance(c, types.CodeType) or _code_is_pure(c, globals_, depth) for c in code.co_consts)


def _function_is_pure(fn: types.FunctionType, depth: int) -> bool:
    if depth > 4:
        return False
    return _code_is_pure(fn.__code__, fn.__globals__, depth)


def is_pure(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` computes on its arguments with operators alone (see the module docstring).

    Builtins (``math.tanh``) and anything not a plain Python function are not pure: the
    program calls them.
    """
    try:
        return _pure_cache[fn]
    except (KeyError, TypeError):
        pass
    pure = isinstance(fn, types.FunctionType) and _function_is_pure(fn, 0)
    with contextlib.suppress(TypeError):  # an unhashable callable is checked again next time
        _pure_cache[fn] = pure
    return pure


def number(x: float) -> str:
    """A finite float as program text: its repr (digits, ``.``, ``e``, a sign), in parentheses if negative."""
    if type(x) is not float or not math.isfinite(x):
        raise ValueError(f"only finite floats go into a program, got {x!r}")
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


class Writer:
    """Collects program lines and hands out generated names (used while evaluating symbols)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.indent = "    "
        self.namespace: dict[str, Any] = {}
        self._bound: dict[int, str] = {}
        self._temps = 0
        self._lanes_mode = False
        #: Whether the program must give the eager engine's numbers bit for bit (else matrix products
        #: may sum a layer's terms in BLAS's order: equal to 1e-12, see autograd.replay.affine).
        self.exact = True

    def temp(self) -> str:
        self._temps += 1
        return f"t{self._temps}"

    def emit(self, line: str) -> None:
        self.lines.append(self.indent + line)

    def bind(self, obj: Any, prefix: str = "F") -> str:
        """A generated name for ``obj`` (a function) in the program's namespace."""
        key = id(obj)
        name = self._bound.get(key)
        if name is None:
            name = f"{prefix}{len(self._bound)}"
            self._bound[key] = name
            self.namespace[name] = obj
        return name


_MAX_DEPTH = 24  # deeper expressions go into a temporary variable (the parser nests only so deep)


class Sym:
    """A number in a program variable, or an expression of such numbers (program text)."""

    __slots__ = ("depth", "lanes", "text", "writer")

    def __init__(self, text: str, lanes: bool, writer: Writer, depth: int = 0) -> None:
        self.text = text
        self.lanes = lanes
        self.writer = writer
        self.depth = depth
        if depth > _MAX_DEPTH:
            name = writer.temp()
            writer.emit(f"{name} = {text}")
            self.text, self.depth = name, 0

    # -- arithmetic: a new expression, operand order kept ------------------------------------

    def _binary(self, other: object, symbol: str, reflected: bool) -> Sym:
        if isinstance(other, Sym):
            text, lanes, depth = other.text, other.lanes, other.depth
        elif type(other) is float or type(other) is int:
            text, lanes, depth = number(float(other)), False, 0
        else:
            raise NotSymbolic
        left, right = (text, self.text) if reflected else (self.text, text)
        return Sym(f"({left} {symbol} {right})", self.lanes or lanes, self.writer, max(self.depth, depth) + 1)

    def __add__(self, other: object) -> Sym:
        return self._binary(other, "+", False)

    def __radd__(self, other: object) -> Sym:
        return self._binary(other, "+", True)

    def __sub__(self, other: object) -> Sym:
        return self._binary(other, "-", False)

    def __rsub__(self, other: object) -> Sym:
        return self._binary(other, "-", True)

    def __mul__(self, other: object) -> Sym:
        return self._binary(other, "*", False)

    def __rmul__(self, other: object) -> Sym:
        return self._binary(other, "*", True)

    def __truediv__(self, other: object) -> Sym:
        return self._binary(other, "/", False)

    def __rtruediv__(self, other: object) -> Sym:
        return self._binary(other, "/", True)

    def __pow__(self, other: object) -> Sym:
        return self._binary(other, "**", False)

    def __rpow__(self, other: object) -> Sym:
        return self._binary(other, "**", True)

    def __neg__(self) -> Sym:
        return Sym(f"(-{self.text})", self.lanes, self.writer, self.depth + 1)

    # -- the table's dispatching helpers call these for anything not a float or lanes ------

    def _call(self, name: str) -> Sym:
        if self.lanes:
            import numpy

            fn = self.writer.bind(getattr(numpy, name), "N")
        else:
            fn = self.writer.bind(getattr(math, name), "M")
        return Sym(f"{fn}({self.text})", self.lanes, self.writer, self.depth + 1)

    def exp(self) -> Sym:
        return self._call("exp")

    def log(self) -> Sym:
        return self._call("log")

    def sin(self) -> Sym:
        return self._call("sin")

    def cos(self) -> Sym:
        return self._call("cos")

    # -- anything that looks at the value ---------------------------------------------------

    def _refuse(self, *_: object) -> Any:
        raise NotSymbolic

    __bool__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __float__ = __index__ = __int__ = _refuse
    __abs__ = __round__ = __floor__ = __ceil__ = __trunc__ = __pos__ = __len__ = __iter__ = _refuse
    __hash__ = None  # type: ignore[assignment]


def symbolic(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``fn(*args)`` on symbols: a Sym, a float, or a tuple of them; None when it must be called instead."""
    if not is_pure(fn):
        return None
    writer = next(a.writer for a in args if isinstance(a, Sym))
    mark = len(writer.lines)
    try:
        result = fn(*args)
    except (NotSymbolic, TypeError, AttributeError, ValueError, ZeroDivisionError, OverflowError, IndexError):
        del writer.lines[mark:]  # temporaries of an attempt that failed
        return None
    if isinstance(result, Sym) or type(result) is float:
        return result
    if type(result) is tuple and all(isinstance(r, Sym) or type(r) is float for r in result):
        return result
    del writer.lines[mark:]
    return None
