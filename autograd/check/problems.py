"""What :mod:`autograd.check.gradcheck` checks: a function ``F: Rⁿ → Rᵐ`` at a point.

A ``Problem`` evaluates ``F`` two ways: as numbers at any point (``values``, for the finite
differences) and as a graph at the point itself (``build``, for the analytic Jacobian
``jacobian`` and the products ``uᵀJ`` of ``vjp``); the point (``Point``: the arguments as
scalar coordinates, each lane one) is in ``autograd.check.point``. Here, the first-order
problems: a function of Values (:func:`~autograd.check.gradcheck.gradcheck`) and a loss of a
model's parameters perturbed in place (:func:`~autograd.check.gradcheck.gradcheck_params`);
the gradient of a function, whose Jacobian is the Hessian
(:func:`~autograd.check.gradcheck.gradgradcheck`), is in ``autograd.check.gradients``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.check.blame import graph_nodes
from autograd.check.compiled import flat_numbers, probe_replay
from autograd.check.point import Function, Point
from autograd.check.results import GradcheckError
from autograd.check.snippet import function_text, source_number
from autograd.core.engine import grad
from autograd.core.functions import load_numpy
from autograd.core.ops import dot, vsum
from autograd.core.value import Value
from autograd.replay import Program

# -- outputs ------------------------------------------------------------------------------


def output_values(out: object) -> list[Value]:
    """The Values ``f`` returned: one Value (a scalar or lanes) or a sequence of them."""
    if isinstance(out, Value):
        return [out]
    if isinstance(out, list | tuple) and out:
        for k, v in enumerate(out):
            if not isinstance(v, Value):
                raise TypeError(
                    f"the checked function must return Values; item {k} of what it returned is {type(v).__name__}"
                )
        return list(out)
    raise TypeError(
        "the checked function must return a Value, a non-empty list/tuple of Values, or lanes; "
        f"got {type(out).__name__}"
    )


def output_names(outs: Sequence[Value], base: str = "f") -> list[str]:
    names: list[str] = []
    for k, o in enumerate(outs):
        name = base if len(outs) == 1 else f"{base}[{k}]"
        names.extend([name] if o.lanes is None else [f"{name} lane {j}" for j in range(o.lanes)])
    return names


def flat_values(outs: Sequence[Value]) -> list[float]:
    flat: list[float] = []
    for o in outs:
        if o.lanes is None:
            flat.append(float(o.data))
        else:
            lanes: Any = o.data
            flat.extend(float(v) for v in lanes)
    return flat


def combine_outputs(outs: Sequence[Value], u: Sequence[float]) -> Value:
    """``Σ u_k·out_k`` over every output coordinate, as one Value (one backward pass gives uᵀJ)."""
    np = load_numpy()

    terms: list[Value] = []
    k = 0
    for o in outs:
        if o.lanes is None:
            terms.append(o * u[k])
            k += 1
        else:
            weights: Any = np.array(u[k : k + o.lanes], dtype=np.float64)
            terms.append((o * weights).sum())
            k += o.lanes
    return terms[0] if len(terms) == 1 else vsum(terms)


# -- problems: a function of the flat point, numerically and on the graph -----------------


class Problem:
    """``F: Rⁿ → Rᵐ`` at a point: numeric values, and the graph for analytic derivatives."""

    what = "gradient"
    output_base = "f"
    same_code = True  # build() and values() compute F with the same code: their results are identical

    def inconsistency(
        self, graph: Sequence[float], numeric: Sequence[float], atol: float, rtol: float
    ) -> GradcheckError | None:
        """An error when F computed on the graph differs from F computed as numbers (``same_code`` False)."""
        return None

    def __init__(self, point: Point) -> None:
        self.point = point

    def build(self) -> tuple[list[Value], list[Value]]:
        """Inputs and outputs (Values) at the point itself, with a graph from one to the other."""
        raise NotImplementedError

    def graph(self) -> list[Value]:
        """The outputs built at the point: the graph whose nodes blame checks (and a picture draws)."""
        return self.build()[1]

    def snippet(self) -> str:
        """A line of Python that repeats the check ("" when the problem cannot be written as one)."""
        return ""

    def prepare_probes(self, outputs: Sequence[Value], f0: Sequence[float]) -> None:
        """Called once F is known to be deterministic at the point, before the finite differences
        (``outputs``: F's graph there, ``f0``: its numbers): a problem may set up a faster way to
        compute :meth:`values` that gives the same numbers."""

    def scale(self, outputs: Sequence[Value]) -> float:
        """The largest magnitude inside F at the point: every node's data, the intermediates too
        (rounding error of a difference of F grows with them, not only with |F|)."""
        np = load_numpy()

        largest = 0.0
        for node in graph_nodes(outputs):
            d: Any = node.data
            largest = max(largest, abs(d) if type(d) is float else float(np.max(np.abs(d))))
        return largest

    def values(self, flat: Sequence[float]) -> list[float]:
        """``F`` at ``flat`` as floats."""
        raise NotImplementedError

    def jacobian(self) -> tuple[list[list[float]], list[str], list[float]]:
        """The analytic Jacobian (a row per output coordinate), the output names, and ``F`` at the point."""
        inputs, outs = self.build()
        rows: list[list[float]] = []
        np = load_numpy()

        for o in outs:
            if o.lanes is None:
                rows.append(self.point.flatten(grad(o, inputs)))
            else:
                for j in range(o.lanes):
                    upstream = np.zeros(o.lanes)
                    upstream[j] = 1.0
                    rows.append(self.point.flatten(grad(o, inputs, upstream)))
        return rows, output_names(outs, self.output_base), flat_values(outs)

    def vjp(self, u: Sequence[float], upstreams: Sequence[float] = (1.0,)) -> tuple[list[list[float]], list[float]]:
        """``c·uᵀJ`` for each ``c`` in ``upstreams``, and ``F`` at the point.

        One graph and one backward pass per ``c``: ``u`` is the upstream gradient of a single
        output (a scalar or lanes), or the weights of one ``dot`` node over scalar outputs.
        (Outputs mixing lanes and scalars take one backward pass each.)
        """
        np = load_numpy()

        inputs, outs = self.build()
        if len(outs) == 1:
            o = outs[0]
            seed: Any = u[0] if o.lanes is None else np.array(u, dtype=np.float64)
            return [self.point.flatten(grad(o, inputs, c * seed)) for c in upstreams], flat_values(outs)
        if all(o.lanes is None for o in outs):
            s = dot(list(u), outs)
            return [self.point.flatten(grad(s, inputs, c)) for c in upstreams], flat_values(outs)
        results: list[list[float]] = []
        for c in upstreams:
            total = [0.0] * len(self.point.flat)
            k = 0
            for o in outs:
                upstream: Any = c * u[k] if o.lanes is None else c * np.array(u[k : k + o.lanes])
                k += o.lanes or 1
                g = self.point.flatten(grad(o, inputs, upstream))
                total = [a + b for a, b in zip(total, g, strict=True)]
            results.append(total)
        return results, flat_values(outs)


class FunctionProblem(Problem):
    checker = "gradcheck"

    def __init__(self, f: Function, point: Point, *, compiled: bool = True) -> None:
        super().__init__(point)
        self.f = f
        self.compiled = compiled
        self.replay: Program | None = None  # see prepare_probes

    def snippet(self) -> str:
        args = ", ".join(source_number(x) for x in self.point.args(self.point.flat))
        formula = f"  # {self.f}" if type(self.f).__name__ == "Expression" else ""
        return f"{self.checker}({function_text(self.f)}, {args}){formula}"

    def graph(self) -> list[Value]:
        inputs, outs = self.build()
        for v, name in zip(inputs, self.point.names, strict=True):
            v.label = name  # the check's own leaves, named as f names its arguments (for pictures)
        return outs

    def build(self) -> tuple[list[Value], list[Value]]:
        inputs = [Value(x) for x in self.point.args(self.point.flat)]
        return inputs, output_values(self.f(*inputs))

    def prepare_probes(self, outputs: Sequence[Value], f0: Sequence[float]) -> None:
        """A compiled replay of f for the probes, where it provably computes f (:mod:`autograd.check.compiled`)."""
        if self.compiled:
            self.replay = probe_replay(self.f, self.point.args(self.point.flat), outputs, f0)

    def values(self, flat: Sequence[float]) -> list[float]:
        if self.replay is not None:
            return flat_numbers(self.replay.forward(*self.point.args(flat)))
        # Recorded, not under no_grad: f may itself differentiate (a gradient penalty).
        return flat_values(output_values(self.f(*(Value(x) for x in self.point.args(flat)))))


class ParamsProblem(Problem):
    """``loss_fn()`` as a function of the parameters' ``data``, perturbed in place and always restored."""

    def __init__(self, loss_fn: Callable[[], Any], params: list[Value], point: Point, *, compiled: bool = True) -> None:
        super().__init__(point)
        self.loss_fn = loss_fn
        self.params = params
        self.compiled = compiled
        self.replay: Program | None = None  # see prepare_probes

    def build(self) -> tuple[list[Value], list[Value]]:
        return self.params, output_values(self.loss_fn())

    def prepare_probes(self, outputs: Sequence[Value], f0: Sequence[float]) -> None:
        """A compiled replay of the loss for the probes, where it provably computes it (see autograd.check.compiled)."""
        if self.compiled and type(self) is ParamsProblem:  # (a subclass may build elsewhere than at the point)
            self.replay = probe_replay(self.loss_fn, (), outputs, f0, self.params)

    def values(self, flat: Sequence[float]) -> list[float]:
        saved = [p.data for p in self.params]
        try:
            for p, x in zip(self.params, self.point.args(flat), strict=True):
                p.data = x
            if self.replay is not None:
                return flat_numbers(self.replay.forward())
            return flat_values(output_values(self.loss_fn()))
        finally:
            for p, d in zip(self.params, saved, strict=True):
                p.data = d
