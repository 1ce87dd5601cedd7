"""Blame: which node of a graph holds a wrong local derivative.

A failed gradient check says which entry of the Jacobian is wrong, not which op made it so.
Every node stores its local derivatives ``∂node/∂parent`` (from the rule table, evaluated at
the inputs the node recorded), so each can be checked on its own: against finite
differences of the node's own rule — its ``forward``, or a user op's — at those recorded
inputs, with the step procedure of :mod:`autograd.check.steps`. A node whose stored
derivative disagrees is a :class:`Culprit`.

Second derivatives are blamed the same way, one node at a time: the node's rule is applied
to fresh leaves at its recorded inputs and differentiated with ``grad(create_graph=True)``
(the path a gradient's graph takes, fused ``tanh_backward`` nodes included); that derivative
as a graph must have the value of the rule's derivative on numbers, and its own derivatives
must match finite differences of the rule's derivative on numbers.

At a kink of the op (one-sided differences that converge apart) a stored derivative between
the two one-sided derivatives — a subgradient, as every built-in's convention is — is not
blamed. Probes that leave the op's domain are retried with smaller steps; a node that still
cannot be probed is skipped, never blamed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.check.point import short
from autograd.check.steps import Verdict, diagnose, second_difference
from autograd.core.engine import grad, topological_order
from autograd.core.grad_mode import enable_grad
from autograd.core.lanes import evaluate
from autograd.core.ops import apply
from autograd.core.rules import RULES, Rule
from autograd.core.value import Value

__all__ = ["Culprit", "blame", "blame_second_order"]

_LANES_CHECKED = 64  # at most this many lanes of an input are probed (a failure is already known)
_RETRIES = 4  # a probe out of the op's domain is retried this many times, the step 1000× smaller each time


@dataclass(frozen=True)
class Culprit:
    """A node whose stored local derivative disagrees with finite differences of its own rule.

    Attributes:
        node: The node (a :class:`~autograd.Value` of the checked graph).
        position: Its index in the graph's topological order (``v{position}`` in pictures
            and in the engine's messages).
        op: The op that made it (``"sin"``, or a user op's name).
        label: The node's label ("" when it has none).
        inputs: The data the node recorded from its parents (floats or lanes).
        param: The op's constant parameter, or None.
        argument: Which input of the op the derivative is with respect to.
        lane: The lane of that input (or of the output, for lanes), or None.
        analytic: The derivative the engine uses (stored on the node, or built by the
            create-graph rule for a second derivative).
        numeric: The finite-difference estimate from the op's own rule.
        order: 1 for a local derivative, 2 for its derivative through ``grad(create_graph=True)``.
        second: For ``order`` 2, the input the local derivative is differentiated by
            (None when the create-graph derivative's own value is wrong).
        via: For ``order`` 2 on an op whose create-graph derivative is one fused node
            (``tanh`` → ``"tanh_backward"``), that node's rule: the wrong rule may be either.
    """

    __module__ = "autograd"

    node: Value = field(repr=False, compare=False)
    position: int
    op: str
    label: str
    inputs: tuple[Any, ...]
    param: float | None
    argument: int
    lane: int | None
    analytic: float
    numeric: float
    order: int = 1
    second: int | None = None
    via: str = ""
    numeric_from_forward: bool = False

    @property
    def abs_error(self) -> float:
        """``|analytic − numeric|``."""
        return abs(self.analytic - self.numeric)

    def call(self) -> str:
        """The op applied to its recorded inputs, as text: ``sin(0.4)``, ``pow(2.0, param=3.0)``."""
        shown = ", ".join(short(x, 4) for x in self.inputs)
        if self.param is not None:
            shown += f", param={self.param!r}"
        return f"{self.op}({shown})"

    def describe(self) -> str:
        """One line: where the node is, what it computed, the derivative the engine used and the true one."""
        name = f"v{self.position}" + (f" {self.label!r}" if self.label else "")
        lane = "" if self.lane is None else f" lane {self.lane}"
        if self.order == 1:
            what = f"local derivative ∂/∂input {self.argument}{lane}"
            source = f"finite differences of the forward of {self.op!r}"
        elif self.second is None:
            what = f"local derivative ∂/∂input {self.argument}{lane} built as a graph (create_graph=True)"
            source = "the same rule on numbers"
            if self.via:
                what += f" (the fused {self.via!r} node)"
        else:
            what = f"second derivative ∂²/∂input {self.argument}∂input {self.second}{lane} (create_graph=True)"
            source = f"finite differences of the local derivative of {self.op!r}"
            if self.via:
                what += f" (through the fused {self.via!r} node)"
            if self.numeric_from_forward:
                source = f"second differences of the forward of {self.op!r}"
        verb = "gives" if source.startswith("the same") else "give"
        return (
            f"{name} = {self.call()}: {what} is {self.analytic:.12g}, {source} {verb} {self.numeric:.12g} "
            f"(abs error {self.abs_error:.3g})"
        )


# -- one node, first order ----------------------------------------------------------------


def _forward(rule: Rule, args: Sequence[Any], param: float | None) -> list[float]:
    """The op's value at ``args`` as a flat list of floats (lanes via the rule's lane forward)."""
    if all(type(a) is float for a in args):
        out = rule.forward(*args) if param is None else rule.forward(*args, param)
        return [float(out)]
    value, _ = evaluate(rule, tuple(args), param, False)
    return [float(value)] if type(value) is float else [float(v) for v in value]


def _entry(local: Any, out_lanes: int | None, arg_lane: int | None, out_lane: int | None) -> float:
    """The stored ∂out/∂input as one Jacobian entry (lane-wise ops: zero off the diagonal)."""
    if arg_lane is not None and out_lane is not None and arg_lane != out_lane:
        return 0.0
    lane = arg_lane if arg_lane is not None else out_lane
    if type(local) is float or lane is None:
        return float(local)
    return float(local[lane])


def _probe_steps(h0: float, run: Callable[[float], list[Verdict]]) -> list[Verdict] | None:
    """``run(h)`` from ``h0``, the step made 1000× smaller when a probe leaves the op's domain."""
    h = h0
    for _ in range(_RETRIES):
        try:
            return run(h)
        except (ValueError, ArithmeticError):
            h *= 1e-3
    return None


def _blamed(verdict: Verdict) -> bool:
    """A mismatch (at a kink of the op: an analytic value not between the one-sided derivatives,
    as the step procedure decides). A jump or an undecided entry blames no node."""
    return verdict.kind == "mismatch"


def _check_node(node: Value, position: int, eps: float, atol: float, rtol: float) -> list[Culprit]:
    rule = RULES.get(node.op)
    if rule is None:
        return []
    parents = node.parents
    xs: list[Any] = [p.data for p in parents]
    param = node.param
    local = node.local_grads
    out_lanes = node.lanes
    try:
        f0 = _forward(rule, xs, param)
    except (ValueError, ArithmeticError, TypeError):
        return []
    culprits: list[Culprit] = []
    for i, x in enumerate(xs):
        lanes: list[int | None] = [None] if type(x) is float else list(range(min(len(x), _LANES_CHECKED)))
        for k in lanes:
            out_coords: list[int | None] = [None] if out_lanes is None else list(range(out_lanes))
            column = [_entry(local[i], out_lanes, k, m) for m in out_coords]
            base = float(x) if k is None else float(x[k])

            def phi(t: float, i: int = i, k: int | None = k) -> list[float]:
                args = list(xs)
                if k is None:
                    args[i] = xs[i] + t
                else:
                    lane = xs[i].copy()
                    lane[k] += t
                    args[i] = lane
                return _forward(rule, args, param)

            verdicts = _probe_steps(
                eps * max(1.0, abs(base)),
                lambda h, phi=phi, column=column: diagnose(phi, h, column, f0, atol, rtol),  # type: ignore[misc]
            )
            if verdicts is None:
                continue
            for m, (a, vd) in enumerate(zip(column, verdicts, strict=True)):
                if _blamed(vd):
                    lane = k if k is not None else (m if out_lanes is not None else None)
                    culprits.append(
                        Culprit(node, position, node.op, node.label, tuple(xs), param, i, lane, a, vd.numeric)
                    )
    return culprits


def blame(outputs: Sequence[Value], *, eps: float = 1e-6, atol: float = 1e-7, rtol: float = 1e-5) -> list[Culprit]:
    """Every node of the graph of ``outputs`` whose stored local derivatives are wrong.

    Each node is checked once (in the topological order of the outputs, as pictures number
    them), against finite differences of its own rule at the inputs it recorded.
    """
    culprits: list[Culprit] = []
    for position, node in enumerate(graph_nodes(outputs)):
        if not node.is_leaf:
            culprits.extend(_check_node(node, position, eps, atol, rtol))
    return culprits


def graph_nodes(outputs: Sequence[Value]) -> list[Value]:
    """Every node of the outputs' graphs once, in topological order (the first output's first)."""
    order: list[Value] = []
    seen: set[int] = set()
    for o in outputs:
        for v in topological_order(o):
            if id(v) not in seen:
                seen.add(id(v))
                order.append(v)
    return order


# -- one node, second order ---------------------------------------------------------------


def _local_numbers(rule: Rule, args: Sequence[float], param: float | None) -> list[float]:
    """The rule's local derivatives on numbers at ``args`` (as recording a node computes them)."""
    extra = () if param is None else (param,)
    out = rule.forward(*args, *extra)
    return [float(d) for d in rule.local(float(out), *args, *extra)]


def _check_node_second(node: Value, position: int, eps: float, atol: float, rtol: float) -> list[Culprit]:
    rule = RULES.get(node.op)
    if rule is None or node.lanes is not None or any(p.lanes is not None for p in node.parents):
        return []  # second derivatives are blamed on scalar nodes
    xs = [float(p.data) for p in node.parents]
    param = node.param
    try:
        numbers = _local_numbers(rule, xs, param)
        with enable_grad():
            leaves = [Value(x) for x in xs]
            out = apply(rule.name, *leaves, param=param)
            firsts = grad(out, leaves, create_graph=True)
    except (ValueError, ArithmeticError, TypeError):
        return []
    culprits: list[Culprit] = []

    def culprit(i: int, analytic: float, numeric: float, second: int | None, forward: bool = False) -> Culprit:
        return Culprit(
            node,
            position,
            node.op,
            node.label,
            tuple(xs),
            param,
            i,
            None,
            analytic,
            numeric,
            2,
            second,
            rule.vjp,
            forward,
        )

    hessian: list[list[float]] = []

    for i, d in enumerate(firsts):
        value = float(d.data) if isinstance(d, Value) else float(d)
        if abs(value - numbers[i]) > atol + rtol * abs(numbers[i]):
            culprits.append(culprit(i, float(value), numbers[i], None))
            continue
        try:
            seconds = grad(d, leaves) if isinstance(d, Value) else [0.0] * len(xs)
        except (ValueError, ArithmeticError):
            return culprits
        hessian.append([float(v) for v in seconds])
        for j, x in enumerate(xs):

            def phi(t: float, j: int = j, i: int = i) -> list[float]:
                args = list(xs)
                args[j] = xs[j] + t
                return [_local_numbers(rule, args, param)[i]]

            verdicts = _probe_steps(
                eps * max(1.0, abs(x)),
                lambda h, phi=phi, a=float(seconds[j]), f0=numbers[i]: diagnose(phi, h, [a], [f0], atol, rtol),  # type: ignore[misc]
            )
            if verdicts is not None and _blamed(verdicts[0]):
                culprits.append(culprit(i, float(seconds[j]), verdicts[0].numeric, j))
    if culprits or len(hessian) != len(xs):
        return culprits
    # The local derivative may be right where it was recorded and wrong near it, consistently on
    # numbers and as a graph: then only differences of the forward itself show it.
    f0 = _forward(rule, xs, param)[0]
    for i in range(len(xs)):
        for j in range(i, len(xs)):
            v = [1.0 if k in (i, j) else 0.0 for k in range(len(xs))]
            analytic = math.fsum(v[a] * hessian[a][b] * v[b] for a in range(len(xs)) for b in range(len(xs)))

            def psi(t: float, v: list[float] = v) -> float:
                return _forward(rule, [x + t * c for x, c in zip(xs, v, strict=True)], param)[0]

            h0 = 1e-3 * max(max(1.0, abs(xs[i])), max(1.0, abs(xs[j])))
            verdict = second_difference(psi, h0, analytic, f0, atol, rtol)
            if verdict.kind == "mismatch":
                culprits.append(culprit(i, analytic, verdict.numeric, j, forward=True))
    return culprits


def blame_second_order(
    outputs: Sequence[Value], *, eps: float = 1e-6, atol: float = 1e-7, rtol: float = 1e-5
) -> list[Culprit]:
    """Every node whose derivative built as a graph (``grad(create_graph=True)``) is wrong:
    its value differs from the rule's derivative on numbers, or its own derivatives differ
    from finite differences of that derivative. (Scalar nodes; lanes are not blamed here.)"""
    culprits: list[Culprit] = []
    for position, node in enumerate(graph_nodes(outputs)):
        if not node.is_leaf:
            culprits.extend(_check_node_second(node, position, eps, atol, rtol))
    return culprits
