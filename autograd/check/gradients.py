"""The second-order problems of :func:`~autograd.check.gradcheck.gradgradcheck` and
:func:`~autograd.check.gradcheck.gradgradcheck_params`: ``x ↦ ∇(wᵀf)(x)``, whose Jacobian is the
Hessian, for a function of Values and for a loss of a model's parameters perturbed in place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.check.blame import graph_nodes
from autograd.check.point import Function, Point
from autograd.check.problems import FunctionProblem, ParamsProblem, Problem, combine_outputs, output_values
from autograd.check.results import GradcheckError
from autograd.check.snippet import function_text, source_number
from autograd.check.steps import tolerance_at
from autograd.core.engine import grad
from autograd.core.functions import load_numpy
from autograd.core.value import Value


class GradientProblem(Problem):
    """``x ↦ ∇(wᵀf)(x)``: its Jacobian is the Hessian (w: fixed weights when f has several outputs)."""

    what = "second derivative"
    same_code = False  # the gradient as Values (create_graph) and as numbers: two code paths

    def inconsistency(
        self, graph: Sequence[float], numeric: Sequence[float], atol: float, rtol: float
    ) -> GradcheckError | None:
        for k, (g, n) in enumerate(zip(graph, numeric, strict=True)):
            if abs(g - n) > tolerance_at(atol, rtol, n):
                i, lane = self.point.where[k]
                return GradcheckError(
                    f"first derivative mismatch for {self.point.long_name(k)} at the point {self.point.describe()}: "
                    f"the gradient built as a graph (create_graph=True) is {g!r}, the gradient as numbers {n!r}; "
                    "a derivative rule gives different values on Values and on floats",
                    kind="mismatch",
                    index=i,
                    lane=lane,
                    analytic=g,
                    numeric=n,
                )
        return None

    def __init__(self, f: Function, point: Point, weights: Callable[[int], list[float]]) -> None:
        super().__init__(point)
        self.f = f
        self.weights = weights
        self.output_base = "∂f"

    def snippet(self) -> str:
        args = ", ".join(source_number(x) for x in self.point.args(self.point.flat))
        return f"gradgradcheck({function_text(self.f)}, {args})"

    def first_order_at(self, flat: Sequence[float]) -> Problem:
        """The first-order problem of f at ``flat`` (is the gradient there f's?)."""
        return FunctionProblem(self.f, Point(self.point.args(flat), self.point.names))

    def function_graph(self) -> list[Value]:
        """f's own graph at the point (second-order blame checks its nodes' create-graph rules)."""
        inputs = [
            Value(x, label=name) for x, name in zip(self.point.args(self.point.flat), self.point.names, strict=True)
        ]
        return [self._scalar(inputs)]

    def scalar(self, flat: Sequence[float]) -> float:
        """The checked scalar ``wᵀf`` at ``flat``, as a number (for second differences of f itself)."""
        return float(self._scalar([Value(x) for x in self.point.args(flat)]).data)

    def _scalar(self, inputs: list[Value]) -> Value:
        outs = output_values(self.f(*inputs))
        if len(outs) == 1 and outs[0].lanes is None:
            return outs[0]
        return combine_outputs(outs, self.weights(sum(o.lanes or 1 for o in outs)))

    def build(self) -> tuple[list[Value], list[Value]]:
        inputs = [Value(x) for x in self.point.args(self.point.flat)]
        out = self._scalar(inputs)
        try:
            grads = grad(out, inputs, create_graph=True)
        except ValueError as exc:
            drifting = _drifting([out])
            if drifting is None:
                raise
            raise drifting from exc
        return inputs, [g if isinstance(g, Value) else Value(g) for g in grads]

    def values(self, flat: Sequence[float]) -> list[float]:
        inputs = [Value(x) for x in self.point.args(flat)]
        return self.point.flatten(grad(self._scalar(inputs), inputs))

    def jacobian(self) -> tuple[list[list[float]], list[str], list[float]]:
        rows, _, values = super().jacobian()
        names = [f"∂f/∂{self.point.name(k)}" for k in range(len(self.point.flat))]
        return rows, names, values


class ParamsGradientProblem(GradientProblem):
    """The gradient of ``loss_fn()`` with respect to parameters perturbed in place: its Jacobian is the Hessian."""

    def __init__(
        self, loss_fn: Callable[[], Any], params: list[Value], point: Point, weights: Callable[[int], list[float]]
    ) -> None:
        super().__init__(lambda *_: loss_fn(), point, weights)
        self.loss_fn = loss_fn
        self.params = params

    def snippet(self) -> str:
        return ""

    def _at(self, flat: Sequence[float]) -> list[Any]:
        saved = [p.data for p in self.params]
        for p, x in zip(self.params, self.point.args(flat), strict=True):
            p.data = x
        return saved

    def _restore(self, saved: Sequence[Any]) -> None:
        for p, d in zip(self.params, saved, strict=True):
            p.data = d

    def _loss(self) -> Value:
        outs = output_values(self.loss_fn())
        if len(outs) == 1 and outs[0].lanes is None:
            return outs[0]
        return combine_outputs(outs, self.weights(sum(o.lanes or 1 for o in outs)))

    def first_order_at(self, flat: Sequence[float]) -> Problem:
        return _ShiftedParams(self, flat)

    def function_graph(self) -> list[Value]:
        return [self._loss()]

    def scalar(self, flat: Sequence[float]) -> float:
        saved = self._at(flat)
        try:
            return float(self._loss().data)
        finally:
            self._restore(saved)

    def build(self) -> tuple[list[Value], list[Value]]:
        out = self._loss()
        try:
            grads = grad(out, self.params, create_graph=True)
        except ValueError as exc:
            drifting = _drifting([out])
            if drifting is None:
                raise
            raise drifting from exc
        return self.params, [g if isinstance(g, Value) else Value(g) for g in grads]

    def values(self, flat: Sequence[float]) -> list[float]:
        saved = self._at(flat)
        try:
            return self.point.flatten(grad(self._loss(), self.params))
        finally:
            self._restore(saved)


class _ShiftedParams(ParamsProblem):
    """The loss as a function of the parameters around ``flat`` (perturbed in place, restored)."""

    def __init__(self, problem: ParamsGradientProblem, flat: Sequence[float]) -> None:
        super().__init__(problem.loss_fn, problem.params, Point(problem.point.args(flat), problem.point.names))

    def build(self) -> tuple[list[Value], list[Value]]:
        saved = [p.data for p in self.params]
        for p, x in zip(self.params, self.point.args(self.point.flat), strict=True):
            p.data = x
        try:
            return super().build()
        finally:
            for p, d in zip(self.params, saved, strict=True):
                p.data = d


def _drifting(outputs: Sequence[Value]) -> GradcheckError | None:
    """A reentrancy error when a node's rule, evaluated again at the inputs the node recorded, gives
    other local derivatives than it stored (a rule with hidden state), else None."""
    from autograd.core.rules import RULES

    for position, node in enumerate(graph_nodes(outputs)):
        rule = RULES.get(node.op)
        if rule is None:
            continue
        xs = tuple(p.data for p in node.parents)
        args = xs if node.param is None else (*xs, node.param)
        try:
            again = tuple(rule.local(node.data, *args))
        except (ValueError, ArithmeticError, TypeError):
            continue
        for k, (now, then) in enumerate(zip(again, node.local_grads, strict=False)):
            np = load_numpy()
            if not bool(np.allclose(now, then, rtol=1e-12, atol=0.0)):
                return GradcheckError(
                    f"reentrancy: the rule of {node.op!r} (node v{position}) gave local derivative {k} = {then!r} when "
                    f"the node was recorded and {now!r} now, for the same inputs: the rule is not a function of its "
                    "inputs (hidden state, a counter, randomness)",
                    kind="reentrancy",
                    analytic=float(np.asarray(then).ravel()[0]),
                )
    return None
