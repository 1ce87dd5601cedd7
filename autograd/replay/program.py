"""A compiled function: trace once per input shape, replay for new numbers, retrace when a guard fails."""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from autograd.core.data import to_data
from autograd.core.engine import grad as _grad
from autograd.core.functions import load_numpy
from autograd.core.grad_mode import enable_grad
from autograd.core.rules import RULES, Rule
from autograd.core.value import Value
from autograd.replay import source as _source
from autograd.replay.tape import Tape, build
from autograd.replay.trace import Guard, TraceError, trace

__all__ = ["GuardError", "Program", "ReplayMismatchError", "compile"]

#: How many calls ``check=True`` compares with the eager engine.
CHECK_CALLS = 3
#: How many traces (paths through the function) a program keeps per input shape.
MAX_TRACES = 8
#: After this many calls in a row that each needed a new trace, a program stops tracing and
#: runs the eager engine (see :attr:`Program.gave_up`).
GIVE_UP_AFTER = 4
_TOLERANCE = 1e-12


class GuardError(RuntimeError):
    """A strict program was called with numbers that take another path through the function."""


class ReplayMismatchError(RuntimeError):
    """``check=True`` found a replay that differs from the eager engine (a bug: please report it)."""


def _isfinite_any(x: Any) -> bool:
    if type(x) is float:
        return math.isfinite(x)
    return bool(load_numpy().isfinite(x).all())


def _all_finite(xs: tuple[Any, ...]) -> bool:
    """Whether every number (float or lanes) in ``xs`` is finite: one sum for plain floats (a nan or
    an infinity makes it non-finite; a sum that overflows is checked number by number)."""
    floats = [x for x in xs if type(x) is float]
    if len(floats) == len(xs):
        return math.isfinite(sum(floats)) or all(map(math.isfinite, floats))
    return all(map(_isfinite_any, xs))


def _floats_finite(xs: tuple[float, ...]) -> bool:
    """Whether every float in ``xs`` is finite: one sum (a nan or an infinity makes it non-finite; a
    sum that overflows is checked number by number)."""
    return math.isfinite(sum(xs)) or all(map(math.isfinite, xs))


@dataclass
class _Entry:
    """One trace of the function, and the programs generated from it (made when first needed)."""

    tape: Tape
    guards: list[Guard]
    descriptions: list[str]
    rules: list[tuple[str, Rule]]
    exact: bool = True
    programs: dict[bool, Callable[[tuple[Any, ...]], Any]] = field(default_factory=dict)
    sources: dict[bool, str] = field(default_factory=dict)

    def program(self, grads: bool) -> Callable[[tuple[Any, ...]], Any]:
        fn = self.programs.get(grads)
        if fn is None:
            source, namespace = _source.generate(self.tape, self.guards, grads, self.exact)
            code = builtins.compile(source, "<chainrule compiled program>", "exec")
            exec(code, namespace)  # the text is generated and audited (codegen.audit): no user text in it
            fn = namespace["P"]
            self.programs[grads] = fn
            self.sources[grads] = source
        return fn

    @functools.cached_property
    def has_lanes(self) -> bool:
        """Whether any slot holds lanes (the replay then runs with numpy's warnings off)."""
        return self.tape.has_lanes

    @functools.cached_property
    def float_gradients(self) -> bool:
        """Whether every gradient a call returns is a float (no wanted leaf holds lanes)."""
        return not self.per_lane

    @functools.cached_property
    def per_lane(self) -> dict[int, int]:
        """Position in the returned gradients -> lanes, for the wanted leaves that hold lanes."""
        tape = self.tape
        if not tape.has_lanes:
            return {}
        return {k: n for k, s in enumerate(tape.wanted) if (n := tape.lanes[s]) is not None}

    def current(self) -> bool:
        """Whether every op the trace used is still the one registered under its name."""
        return all(RULES.get(name) is rule for name, rule in self.rules)

    def describe(self, k: int) -> str:
        if k < 0:
            return "a Value the function reads changed between a number and lanes (or its number of lanes)"
        return self.descriptions[k]


class Program:
    """A function of Values, compiled: see :func:`compile`."""

    def __init__(
        self,
        fn: Callable[..., Any],
        params: Sequence[Value] = (),
        *,
        strict: bool = False,
        check: bool = False,
        exact: bool = False,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"compile needs a function, got {type(fn).__name__}")
        params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"params[{i}] is not a leaf (it was computed by {p.op!r}): pass parameters only")
        self.fn = fn
        self.params = params
        self.strict = bool(strict)
        self.check = bool(check)
        self.exact = bool(exact)
        self.traces = 0
        self.calls = 0
        self._cache: dict[tuple[int | None, ...], list[_Entry]] = {}
        self._last: _Entry | None = None
        self._retraced = 0
        #: Why the program runs the eager engine instead of replays (None while it replays): a
        #: function whose guards fail call after call (it reads numbers that change every step).
        self.gave_up: str | None = None
        self._single = True

    # -- the three ways to call it ---------------------------------------------------------

    def __call__(self, *args: Any) -> tuple[Any, tuple[Any, ...]]:
        """``(value, gradients)``: the function's value and the gradients of its (first) output
        with respect to each argument, then each of ``params``."""
        outs, grads = self._run(args, True)
        return self._shape(outs), grads

    def forward(self, *args: Any) -> Any:
        """The function's value only (what it returns, as numbers), computed without a reverse pass."""
        outs, _ = self._run(args, False)
        return self._shape(outs)

    def backward(self, *args: Any) -> Any:
        """The value, with the gradient of each of ``params`` added to its ``.grad`` (as ``loss.backward()`` does)."""
        outs, grads = self._run(args, True)
        params = self.params
        gs = grads[len(args) :]
        for p, g in zip(params, gs, strict=True):  # measured: cheaper than map(setattr, ...)
            p.grad = p.grad + g
        return self._shape(outs)

    @property
    def source(self) -> str:
        """The text of the program the last call ran (for reading; it is made of generated names and numbers)."""
        entry = self._last
        if entry is None or not entry.sources:
            return ""
        return entry.sources.get(True) or entry.sources[False]

    @property
    def guards(self) -> list[str]:
        """What the last call's trace depends on, in words."""
        entry = self._last
        return [] if entry is None else [entry.describe(k) for k in range(len(entry.guards))]

    # -- the work -------------------------------------------------------------------------------

    def _shape(self, outs: tuple[Any, ...]) -> Any:
        return outs[0] if self._single else outs

    def _run(self, args: tuple[Any, ...], grads: bool) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        data = tuple(_argument(a, i) for i, a in enumerate(args))
        signature = tuple(None if type(d) is float else len(d) for d in data)
        self.calls += 1
        if self.gave_up:
            return self._eager(data, grads)
        entries = self._cache.get(signature)
        failed: list[tuple[_Entry, int]] = []
        if entries:
            for entry in list(entries):
                if not entry.current():
                    entries.remove(entry)
                    continue
                result = self._replay(entry, data, grads)
                if type(result) is int:
                    failed.append((entry, result))
                    continue
                self._last = entry
                self._retraced = 0
                if self.check and self.calls <= CHECK_CALLS:
                    self._compare(data, grads, result)
                return cast(tuple[tuple[Any, ...], tuple[Any, ...]], result)
        if failed and self.strict:
            entry, k = failed[0]
            raise GuardError(
                f"this call takes another path through {_fname(self.fn)} than the traced one: "
                f"{entry.describe(k)} comes out differently now (strict=True: no retrace)"
            )
        if failed:
            self._retraced += 1
            if self._retraced >= GIVE_UP_AFTER:  # measured: tracing every call costs more than eager
                entry, k = failed[0]
                self.gave_up = (
                    f"{GIVE_UP_AFTER} calls in a row took a new path ({entry.describe(k)} changed): "
                    "running eagerly from now on"
                )
                self._cache.clear()
                return self._eager(data, grads)
        return self._trace(data, signature, grads)

    def _replay(self, entry: _Entry, data: tuple[Any, ...], grads: bool) -> Any:
        program = entry.program(grads)
        try:
            if entry.has_lanes:
                np = load_numpy()
                with np.errstate(all="ignore"):
                    result = program(data)
            else:
                result = program(data)
        except (ArithmeticError, ValueError):
            return self._eager(data, grads)  # the eager engine raises its DomainError, naming the op
        if type(result) is int:
            return result
        outs, gs, checksum = result
        finite = _isfinite_any(checksum) and _all_finite(outs)
        if finite and gs:
            finite = _floats_finite(gs) if entry.float_gradients else _all_finite(gs)
        if not finite:
            return self._eager(data, grads)  # a nan or an overflow somewhere: the eager engine says where
        if gs is None:
            return outs, ()
        per_lane = entry.per_lane
        if per_lane:  # a gradient of an input holding lanes holds lanes, as the eager engine's does
            gs = tuple(
                load_numpy().full(per_lane[k], g) if k in per_lane and type(g) is float else g for k, g in enumerate(gs)
            )
        return outs, gs

    def _leaves(self, data: tuple[Any, ...]) -> list[Value]:
        return [Value(d) for d in data]

    def _outputs(self, result: object) -> list[Value]:
        if isinstance(result, Value):
            self._single = True
            return [result]
        if isinstance(result, (tuple, list)) and result and all(isinstance(v, Value) for v in result):
            self._single = False
            return list(result)
        raise TraceError(f"{_fname(self.fn)} must return a Value or a tuple of Values, got {type(result).__name__}")

    def _gradients(self, outputs: list[Value], wrt: list[Value]) -> tuple[Any, ...]:
        first = outputs[0]
        if first.lanes is not None:
            raise ValueError(
                f"gradients need a scalar first output, and {_fname(self.fn)} returns one holding {first.lanes} lanes: "
                "reduce it with .sum() or .mean()"
            )
        return tuple(_grad(first, wrt))

    def _eager(self, data: tuple[Any, ...], grads: bool) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """The eager engine on the same numbers: the reference (and what raises its errors)."""
        leaves = self._leaves(data)
        with enable_grad():
            outputs = self._outputs(self.fn(*leaves))
        values = tuple(v._data for v in outputs)
        return values, (self._gradients(outputs, [*leaves, *self.params]) if grads else ())

    def _trace(
        self, data: tuple[Any, ...], signature: tuple[int | None, ...], grads: bool
    ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        leaves = self._leaves(data)
        result, record = trace(self.fn, leaves)
        if record.problems:
            raise TraceError(f"{_fname(self.fn)} cannot be compiled: {'; '.join(record.problems)}")
        outputs = self._outputs(result)
        values = tuple(v._data for v in outputs)
        if grads and outputs[0].lanes is not None:
            self._gradients(outputs, [])  # raises, naming the problem
        tape = build(outputs, [g.values() for g in record.guards], leaves, self.params)
        descriptions: list[str] = []
        if record.guards:  # what each guard checks, in the user's words (the names of what it reads)
            names = {id(v): f"argument {i}" for i, v in enumerate(leaves)}
            names.update({id(p): f"params[{i}]" for i, p in enumerate(self.params)})
            descriptions = [g.describe(names) for g in record.guards]
            for g in record.guards:
                g.forget()
        rules = {rule.name: rule for rule in tape.rules}  # each op's rule, once
        entry = _Entry(tape, record.guards, descriptions, list(rules.items()), self.exact)
        entries = self._cache.setdefault(signature, [])
        entries.insert(0, entry)
        del entries[MAX_TRACES:]
        self._last = entry
        self.traces += 1
        if not grads:
            return values, ()
        # The gradients of this call: the new program's reverse pass (what later calls run), or
        # the eager engine where the program defers to it (a nan, an overflow).
        replayed = self._replay(entry, data, True)
        if type(replayed) is int:  # pragma: no cover - the trace's own numbers pass its guards
            return self._eager(data, True)
        return values, replayed[1]

    def _compare(self, data: tuple[Any, ...], grads: bool, result: tuple[tuple[Any, ...], tuple[Any, ...]]) -> None:
        expected = self._eager(data, grads)
        for what, got, want in (("output", result[0], expected[0]), ("gradient", result[1], expected[1])):
            for i, (a, b) in enumerate(zip(got, want, strict=True)):
                if not _close(a, b):
                    raise ReplayMismatchError(
                        f"check=True: the compiled {what} {i} of {_fname(self.fn)} is {_short(a)}, "
                        f"the eager engine's {_short(b)}"
                    )


def _close(a: Any, b: Any) -> bool:
    if type(a) is float and type(b) is float:
        return abs(a - b) <= _TOLERANCE * max(1.0, abs(b))
    np = load_numpy()
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= _TOLERANCE * np.maximum(1.0, np.abs(b))))


def _short(x: Any) -> str:
    return repr(x) if type(x) is float else f"lanes {list(x[:3])}…"


def _fname(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def _argument(x: Any, i: int) -> Any:
    if type(x) is float and math.isfinite(x):
        return x
    if isinstance(x, Value):
        raise TypeError(f"argument {i} is a Value: a compiled function takes numbers (or lanes); pass {x!r}.data")
    return to_data(x, f"argument {i}")


def compile(
    fn: Callable[..., Any],
    *,
    params: Sequence[Value] = (),
    strict: bool = False,
    check: bool = False,
    exact: bool = False,
) -> Program:
    """Trace ``fn`` once, then replay it for new numbers without building Values.

    Args:
        fn: A function of Values returning a Value (or a tuple of Values: the first is
            differentiated, the others are returned as numbers too).
        params: Values the function reads (a model's parameters) whose gradients are
            returned after the arguments', and which :meth:`Program.backward` adds into.
            Every Value the function reads but does not get as an argument is read afresh
            at each call, so parameters updated between calls are seen.
        strict: Raise :class:`GuardError` instead of retracing when a call takes another
            path through ``fn`` (a comparison or a ``.data`` read comes out differently).
        check: Compare the first calls' replays with the eager engine (raises
            :class:`ReplayMismatchError` on a difference beyond 1e-12).
        exact: Give the eager engine's numbers bit for bit. By default a layer of neurons
            on lanes (a ``dot`` of many weights per neuron) runs as matrix products, which
            add its terms in another order: values and gradients then agree with the eager
            engine's to rounding (1e-12 relative), and the step is several times faster.

    Returns:
        A :class:`Program`: ``prog(*numbers)`` gives ``(value, gradients)``,
        ``prog.forward(*numbers)`` the value only, ``prog.backward(*numbers)`` the value
        with each parameter's gradient added to its ``.grad``.

    >>> from autograd import compile
    >>> f = compile(lambda x, y: (x * y + x).tanh())
    >>> value, (dx, dy) = f(0.5, -1.0)
    >>> round(value, 6), round(dx, 6), round(dy, 6)
    (0.0, 0.0, 0.5)
    """
    return Program(fn, params, strict=strict, check=check, exact=exact)
