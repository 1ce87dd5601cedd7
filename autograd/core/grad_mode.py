"""Recording on or off: :func:`no_grad`, :func:`enable_grad`, :func:`is_grad_enabled`.

The state is per thread and per asyncio task; the recording code reads it with one
``ContextVar.get`` per op (``current_mode().on``).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from types import TracebackType
from typing import Any, TypeVar, cast, overload

__all__ = ["enable_grad", "is_grad_enabled", "no_grad"]

#
# Each entered block is a _Mode on a linked stack held in a context variable (per thread and
# per asyncio task). Leaving a block first marks it left (``on = None``, one atomic step), so
# whoever reads any stack holding it skips it from then on; then, if it is on top of the
# current stack, it is popped. So leaving from anywhere — a generator finalised inside its
# caller's newer block, or closed by another thread — never raises and never leaves a thread
# recording nothing for good. A task started inside a block sees it while it lasts, as with
# PyTorch's per-thread state.


class _Mode:
    """One entered block: ``on`` is whether it records, None once the block was left out of order.

    ``owner`` is the block object entered (one ``NG = no_grad()`` may be entered by several
    threads or tasks at once: each leaves its own entry, found on its own stack).
    """

    __slots__ = ("below", "on", "owner")

    def __init__(self, on: bool | None, below: _Mode | None, owner: object = None) -> None:
        self.on = on
        self.below = below
        self.owner = owner


_ROOT = _Mode(True, None)  # the bottom of every stack: recording on
_mode: ContextVar[_Mode] = ContextVar("chainrule_grad_mode", default=_ROOT)
current_mode = _mode.get


def resolve_mode() -> bool:
    """The recording flag when the top block was left out of order: the first block still open below it."""
    m = current_mode()
    while m.on is None:
        m = cast(_Mode, m.below)  # the root is never left
    _mode.set(m)
    return m.on


def is_grad_enabled() -> bool:
    """Whether operations currently record a graph (False inside :func:`no_grad`)."""
    on = current_mode().on
    return resolve_mode() if on is None else on


F = TypeVar("F", bound=Callable[..., Any])


class GradMode:
    """The context manager (and decorator) :func:`no_grad` and :func:`enable_grad` return."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._entered: list[_Mode] = []  # one per entry of this very object not left yet, in any thread or task

    def __enter__(self) -> None:
        m = _Mode(self._enabled, current_mode(), self)
        self._entered.append(m)
        try:
            _mode.set(m)
        except BaseException:  # a signal's exception landing just after the set: as if never entered
            m.on = None
            self._forget(m)
            raise

    def _forget(self, m: _Mode) -> None:
        # One list.remove, a single step for the interpreter: another thread entering or leaving this
        # same object meanwhile can't shift the list under an index (a loop over indexes could read
        # past its end). Entries compare by identity, so it removes exactly m.
        with contextlib.suppress(ValueError):
            self._entered.remove(m)

    def _leaving(self) -> _Mode:
        """The entry this context leaves: its innermost open entry of this object on its own stack.

        Another thread's or task's entries of the same object are on their own stacks, never
        this one's. Only when none is here (a generator suspended inside the block, closed by
        another thread) is it the latest entry not left yet, wherever it was made.
        """
        m: _Mode | None = current_mode()
        while m is not None:
            if m.owner is self and m.on is not None:
                return m
            m = m.below
        return self._entered[-1]

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        m = self._leaving()
        m.on = None  # left, in one step: from now on every reader skips it, wherever it is
        self._forget(m)
        if current_mode() is m:  # the usual case, on top of this context's stack: pop it and any left below
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
                    with GradMode(enabled):
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with GradMode(enabled):
                                gen.close()
                            raise
                        except BaseException as exc:  # thrown in by the caller: hand it on
                            with GradMode(enabled):
                                response = gen.throw(exc)
                        else:
                            with GradMode(enabled):
                                response = gen.send(request)
                except StopIteration as stop:
                    return stop.value

            return cast(F, generator)
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def coroutine(*args: Any, **kwargs: Any) -> Any:
                with GradMode(enabled):  # a task has its own context: other tasks never see it
                    return await func(*args, **kwargs)

            return cast(F, coroutine)

        @functools.wraps(func)
        def plain(*args: Any, **kwargs: Any) -> Any:
            with GradMode(enabled):
                return func(*args, **kwargs)

        return cast(F, plain)


@overload
def no_grad() -> GradMode: ...
@overload
def no_grad(func: F) -> F: ...
def no_grad(func: F | None = None) -> GradMode | F:
    """A block (or a decorated function) in which operations record no graph.

    Results are plain leaf Values (no parents, no local derivatives). The state is per
    thread and per asyncio task. As a decorator (``@no_grad()`` or ``@no_grad``) it also
    handles generator functions, entering the block around each step only. A ``with
    no_grad():`` written *inside* a generator holds while the generator is suspended there
    (its caller records nothing meanwhile), as in PyTorch; leaving it later, from anywhere,
    restores the right state. An exception from a signal handler (Ctrl-C) is handled
    wherever it lands in entering or leaving a block, except at the very first instruction
    of leaving it, as for any context manager written in Python.

    >>> from autograd import Value
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.parents
    ()
    """
    mode = GradMode(False)
    return mode if func is None else mode(func)


@overload
def enable_grad() -> GradMode: ...
@overload
def enable_grad(func: F) -> F: ...
def enable_grad(func: F | None = None) -> GradMode | F:
    """A block (or a decorated function) that records a graph even inside :func:`no_grad`.

    >>> from autograd import Value
    >>> x = Value(2.0)
    >>> with no_grad(), enable_grad():
    ...     y = x * x
    >>> y.op
    'mul'
    """
    mode = GradMode(True)
    return mode if func is None else mode(func)
