"""Hypothesis strategies for property-testing gradients (needs ``hypothesis`` installed).

Use them in your own tests::

    from hypothesis import given
    from autograd import gradcheck
    from autograd.testing import expressions

    @given(expressions())
    def test_my_graphs(expr):
        gradcheck(expr, *expr.inputs)  # raises GradcheckError on a wrong gradient

Floats are drawn with ``allow_nan=False, allow_infinity=False, allow_subnormal=False``;
points near a rule's kinks or poles are filtered out with a margin, never dodged by
offset literals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised only without the dev extra
    raise ImportError(
        "autograd.testing needs hypothesis: pip install 'chainrule[dev]' (or pip install hypothesis)"
    ) from exc

from autograd.rules import RULES, Rule
from autograd.value import Value, apply

__all__ = [
    "SMOOTH_BINARY",
    "SMOOTH_UNARY",
    "Expression",
    "expressions",
    "op_inputs",
    "safe_floats",
]

#: Ops that are smooth and bounded-derivative everywhere: safe inside random graphs.
SMOOTH_UNARY = ("tanh", "sin", "cos", "sigmoid", "neg")
SMOOTH_BINARY = ("add", "sub", "mul")


def safe_floats(
    lo: float = -3.0, hi: float = 3.0, *, avoid: Sequence[float] = (), margin: float = 1e-3
) -> st.SearchStrategy[float]:
    """Finite, normal floats in ``[lo, hi]`` at least ``margin`` away from each point in ``avoid``."""
    floats = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if not avoid:
        return floats
    return floats.filter(lambda x: all(abs(x - a) >= margin for a in avoid))


@st.composite
def op_inputs(draw: Any, rule: Rule | str, *, margin: float = 1e-3) -> tuple[tuple[float, ...], float | None]:
    """Arguments (and a param) for one rule, inside its smooth sample domain.

    Returns ``(xs, param)``. Each argument is drawn from the rule's ``sample`` interval
    for that position, at least ``margin`` from every point in ``rule.kinks``.
    """
    r = RULES[rule] if isinstance(rule, str) else rule
    n = len(r.sample) if r.arity == -1 else r.arity
    intervals = [r.sample[min(i, len(r.sample) - 1)] for i in range(n)]
    xs = tuple(draw(safe_floats(lo, hi, avoid=r.kinks, margin=margin)) for lo, hi in intervals)
    param = draw(st.sampled_from(r.param_sample)) if r.has_param else None
    return xs, param


@dataclass(frozen=True)
class Expression:
    """A random expression DAG: a small program over its inputs.

    ``steps[k] = (op, argument indices)`` where index ``i < len(inputs)`` names input
    ``i`` and larger indices name earlier steps, so subexpressions are shared. Calling
    the expression on Values builds the graph and returns the last step.
    """

    inputs: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...]], ...]

    def __call__(self, *xs: Value) -> Value:
        if len(xs) != len(self.inputs):
            raise TypeError(f"expression takes {len(self.inputs)} inputs, got {len(xs)}")
        nodes: list[Value] = list(xs)
        for op, args in self.steps:
            nodes.append(apply(op, *(nodes[i] for i in args)))
        return nodes[-1]

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(len(self.inputs))]
        for op, args in self.steps:
            names.append(f"{op}({', '.join(names[i] for i in args)})")
        return names[-1]


@st.composite
def expressions(
    draw: Any,
    *,
    n_inputs: tuple[int, int] = (1, 3),
    n_steps: tuple[int, int] = (1, 8),
    lo: float = -2.0,
    hi: float = 2.0,
) -> Expression:
    """Random expression DAGs with shared subexpressions over smooth ops.

    Every input and step may be used by several later steps (diamonds, ``a + a``),
    and the ``sum``/``dot`` n-ary ops appear too. Values stay bounded because the
    unary ops are bounded and products act on bounded factors.
    """
    k = draw(st.integers(*n_inputs))
    inputs = tuple(draw(safe_floats(lo, hi)) for _ in range(k))
    steps: list[tuple[str, tuple[int, ...]]] = []
    for _ in range(draw(st.integers(*n_steps))):
        available = k + len(steps)
        pick = st.integers(0, available - 1)
        kind = draw(st.sampled_from(("unary", "binary", "binary", "sum", "dot")))
        if kind == "unary":
            steps.append((draw(st.sampled_from(SMOOTH_UNARY)), (draw(pick),)))
        elif kind == "binary":
            steps.append((draw(st.sampled_from(SMOOTH_BINARY)), (draw(pick), draw(pick))))
        elif kind == "sum":
            steps.append(("sum", tuple(draw(st.lists(pick, min_size=1, max_size=4)))))
        else:
            steps.append(("dot", tuple(draw(st.lists(pick, min_size=2, max_size=5)))))
        # Bound the magnitude after products: squash with tanh now and then.
        if draw(st.booleans()):
            steps.append(("tanh", (k + len(steps) - 1,)))
    return Expression(inputs, tuple(steps))
