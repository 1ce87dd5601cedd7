"""The value the :func:`autograd.testing.expressions` strategy draws: an :class:`Expression`.

An expression is a small program over its inputs, a tuple of steps that may share earlier
results; called on Values it builds the graph (through :func:`autograd.apply`, so user ops
work too), and it prints as Python text (``tanh(x0) * x0``) so that a failing example reads
as the formula that failed. Nothing here needs hypothesis: the strategy that draws
expressions, and the rejection of those too near a kink, are in :mod:`autograd.testing`,
from which :class:`Expression` is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autograd.core.functions import is_lanes
from autograd.core.ops import apply
from autograd.core.value import Value

#: One step of an expression: ``(op, argument indices)`` or ``(op, argument indices, param)``.
Step = tuple[Any, ...]

_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


@dataclass(frozen=True)
class Expression:
    """A random expression DAG: a small program over its inputs.

    ``steps[k] = (op, argument indices[, param])`` where index ``i < len(inputs)`` names
    input ``i`` and larger indices name earlier steps, so subexpressions are shared. The op
    ``"into"`` (param ``(lo, hi)``) maps its argument smoothly into ``(lo, hi)``: it keeps
    ops with a restricted domain (``log``, ``sqrt``, yours) inside their ``sample``
    interval. Calling the expression on Values builds the graph and returns the last step.
    ``str()`` is the expression as Python text (``tanh(x0) * x0``).
    """

    inputs: tuple[Any, ...]
    steps: tuple[Step, ...]

    @property
    def __signature__(self) -> Any:
        """The inputs are called ``x0, x1, …`` (so gradcheck's messages match the text)."""
        import inspect

        kind = inspect.Parameter.POSITIONAL_ONLY
        return inspect.Signature([inspect.Parameter(f"x{i}", kind) for i in range(len(self.inputs))])

    def __call__(self, *xs: Value) -> Value:
        if len(xs) != len(self.inputs):
            raise TypeError(f"expression takes {len(self.inputs)} inputs, got {len(xs)}")
        return self._nodes(list(xs))[-1]

    def _nodes(self, nodes: list[Value]) -> list[Value]:
        for step in self.steps:
            op, args = step[0], step[1]
            param: Any = step[2] if len(step) > 2 else None
            if op == "into":
                lo, hi = param
                nodes.append(lo + (hi - lo) * nodes[args[0]].sigmoid())
            else:
                nodes.append(apply(op, *(nodes[i] for i in args), param=param))
        return nodes

    def text(self) -> str:
        """The expression as one line of Python text, shared subexpressions written out."""
        texts: list[tuple[str, bool]] = [(f"x{i}", True) for i in range(len(self.inputs))]  # (text, atomic)
        for step in self.steps:
            texts.append(_render(step, texts))
        return texts[-1][0]

    def program(self) -> str:
        """The expression as Python statements, one per step (``t1 = tanh(x0)`` …)."""
        names: list[tuple[str, bool]] = [(f"x{i}", True) for i in range(len(self.inputs))]
        lines = []
        for step in self.steps:
            lines.append(f"t{len(names)} = {_render(step, names)[0]}")
            names.append((f"t{len(names)}", True))
        return "\n".join(lines)

    def __str__(self) -> str:
        text = self.text()
        return text if len(text) <= 300 else self.program().replace("\n", "; ")

    def __repr__(self) -> str:
        """Python that builds this expression again, to paste into ``@example(...)``
        (lanes print as ``np.array([...])``); ``str()`` is the formula."""
        inputs = ", ".join(show_data(x) for x in self.inputs) + ("," if len(self.inputs) == 1 else "")
        return f"Expression(inputs=({inputs}), steps={_steps_source(self.steps)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis (and IPython) print a falsifying example: pasteable into ``@example``."""
        printer.text(repr(self))


# Where it is imported from, documented and printed; set after @dataclass, which looks the class's
# module up while it builds the class (autograd.testing may not be imported yet).
Expression.__module__ = "autograd.testing"


def _render(step: Step, texts: Sequence[tuple[str, bool]]) -> tuple[str, bool]:
    """One step as Python text from its arguments' texts; and whether it is atomic (needs no parentheses)."""
    op, args = step[0], step[1]
    param: Any = step[2] if len(step) > 2 else None

    def wrap(i: int) -> str:
        t, atomic = texts[i]
        return t if atomic else f"({t})"

    if op in _INFIX:
        return f"{wrap(args[0])} {_INFIX[op]} {wrap(args[1])}", False
    if op == "neg":
        return f"-{wrap(args[0])}", False
    if op == "pow":
        return f"{wrap(args[0])} ** {param!r}", False
    if op == "into":
        lo, hi = param
        return f"{lo!r} + {hi - lo!r} * sigmoid({texts[args[0]][0]})", False
    if op == "sum":
        return f"vsum([{', '.join(texts[i][0] for i in args)}])", True
    if op == "dot":
        ws = ", ".join(texts[args[j]][0] for j in range(0, len(args) - 1, 2))
        xs = ", ".join(texts[args[j]][0] for j in range(1, len(args), 2))
        bias = f", {texts[args[-1]][0]}" if len(args) % 2 else ""
        return f"dot([{ws}], [{xs}]{bias})", True
    call = ", ".join(texts[i][0] for i in args)
    if param is not None:
        call += f", param={param!r}"
    return f"{op}({call})", True


def _steps_source(steps: tuple[Step, ...]) -> str:
    """The steps as Python literals (ints, floats and strings, whatever numeric types they hold)."""

    def literal(x: Any) -> str:
        if isinstance(x, str):
            return repr(x)
        if isinstance(x, tuple | list):
            items = [literal(v) for v in x]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(x, int) and not isinstance(x, bool):
            return repr(int(x))
        return repr(float(x))

    return literal(steps)


def show_data(x: Any) -> str:
    if is_lanes(x):
        return f"np.array({[float(v) for v in x]!r})"
    return repr(x)
