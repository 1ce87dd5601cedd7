"""What :mod:`autograd.check.gradcheck` checks: a function ``F: Rⁿ → Rᵐ`` at a point.

``Point`` flattens the arguments into scalar coordinates (each lane is one coordinate) and
names them as the checked function does. A ``Problem`` evaluates ``F`` two ways: as numbers
at any point (``values``, for the finite differences) and as a graph at the point itself
(``build``, for the analytic Jacobian ``jacobian`` and the products ``uᵀJ`` of ``vjp``).
Three problems: a function of Values (:func:`~autograd.check.gradcheck.gradcheck`), a loss of a
model's parameters perturbed in place (:func:`~autograd.check.gradcheck.gradcheck_params`), and
the gradient of a function, whose Jacobian is the Hessian
(:func:`~autograd.check.gradcheck.gradgradcheck`).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.check.results import GradcheckError
from autograd.check.steps import tolerance_at
from autograd.core.engine import grad, topological_order
from autograd.core.functions import is_lanes, load_numpy
from autograd.core.ops import dot, vsum
from autograd.core.value import Value

Function = Callable[..., Any]
Arg = Any  # a float, or lanes (a 1-D numpy array)


# -- the point ----------------------------------------------------------------------------


def _short(x: Any) -> str:
    if type(x) is float:
        return repr(x)
    values = [repr(float(v)) for v in x[:6]]
    if len(x) > 6:
        values.append(f"… {len(x)} lanes")
    return "[" + ", ".join(values) + "]"


def check_point_arg(x: object, name: str) -> Any:
    """A validated float or lanes array for one argument of the point, or a TypeError saying how to pass it."""
    if isinstance(x, Value):
        raise TypeError(
            f"{name} is a Value: pass its number ({name}.data) — gradcheck makes the Values itself; "
            "to check a model's parameters in place use gradcheck_params(loss_fn, model)"
        )
    if isinstance(x, tuple | list):
        kind = type(x).__name__
        raise TypeError(
            f"{name} is a {kind}: pass the point's coordinates as separate arguments, gradcheck(f, *point) "
            "(an argument holding lanes is a 1-D numpy array)"
        )
    if is_lanes(x):
        arr: Any = x
        if arr.ndim == 0:
            return check_point_arg(float(arr), name)
        if arr.ndim != 1:
            raise TypeError(
                f"{name} is a {arr.ndim}-D array of shape {arr.shape}: a 1-D numpy array is one argument "
                "holding lanes (one value per sample); pass the coordinates of a point as separate arguments"
            )
    if isinstance(x, bool) or not (isinstance(x, int | float) or is_lanes(x) or hasattr(x, "__float__")):
        raise TypeError(f"{name} must be a real number or lanes (a 1-D numpy array), got {type(x).__name__}: {x!r}")
    if isinstance(x, int | float) and not math.isfinite(x):
        raise ValueError(f"{name} is not finite: {x!r}; gradcheck needs a point where f is defined")
    try:
        return Value(x).data  # validates: real, finite, lanes 1-D and non-empty
    except (TypeError, ValueError) as exc:
        raise type(exc)(str(exc).replace("Value data", name)) from None


def signature_names(f: Function, n: int) -> list[str]:
    """The names ``f`` gives its first ``n`` positional arguments (``x0``… when it does not say)."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return [f"x{i}" for i in range(n)]
    names: list[str] = []
    required = 0
    var: str | None = None
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
            required += p.default is p.empty
        elif p.kind is p.VAR_POSITIONAL:
            var = p.name
            break
    if n < required:
        shown = ", ".join(names[:required])
        raise TypeError(
            f"the checked function takes {required} argument(s) ({shown}) but the point has {n}: pass each "
            "coordinate as its own argument, gradcheck(f, *point) — a 1-D numpy array is one argument holding lanes"
        )
    if n > len(names) and var is None:
        raise TypeError(f"the checked function takes {len(names)} argument(s) ({', '.join(names)}), the point has {n}")
    if var == "args" and not names:  # a generic *args (a define_op op): no names to show
        return ["x"] if n == 1 else [f"x{i}" for i in range(n)]
    return (names + [f"{var}[{i}]" for i in range(len(names), n)])[:n]


class Point:
    """The arguments as a flat list of scalar coordinates (each lane is one coordinate)."""

    def __init__(self, data: Sequence[Any], names: Sequence[str]) -> None:
        self.names = list(names)
        self.lanes: list[int | None] = []
        self.flat: list[float] = []
        for d in data:
            if type(d) is float:
                self.lanes.append(None)
                self.flat.append(d)
            else:
                self.lanes.append(len(d))
                self.flat.extend(float(v) for v in d)
        self.where = [(i, None if n is None else j) for i, n in enumerate(self.lanes) for j in range(n or 1)]

    def name(self, k: int) -> str:
        i, lane = self.where[k]
        return self.names[i] if lane is None else f"{self.names[i]} lane {lane}"

    def long_name(self, k: int) -> str:
        i, lane = self.where[k]
        return f"argument {i} ({self.names[i]})" if lane is None else f"argument {i} lane {lane} ({self.names[i]})"

    def args(self, flat: Sequence[float]) -> list[Arg]:
        out: list[Arg] = []
        k = 0
        for n in self.lanes:
            if n is None:
                out.append(flat[k])
                k += 1
            else:
                np = load_numpy()  # lanes are numpy arrays: numpy is loaded already

                out.append(np.array(flat[k : k + n], dtype=np.float64))
                k += n
        return out

    def flatten(self, values: Sequence[Any]) -> list[float]:
        out: list[float] = []
        for v, n in zip(values, self.lanes, strict=True):
            if isinstance(v, Value):
                v = v.data
            if n is None:
                out.append(float(v))
            elif type(v) is float:  # a lane input the output does not depend on
                out.extend([v] * n)
            else:
                out.extend(float(e) for e in v)
        return out

    def describe(self, limit: int = 8) -> str:
        shown = [f"{name} = {_short(x)}" for name, x in zip(self.names, self.args(self.flat), strict=True)]
        if len(shown) > limit:
            shown = [*shown[:limit], f"… {len(shown)} arguments in all"]
        return ", ".join(shown)


# -- outputs ------------------------------------------------------------------------------


def _outputs(out: object) -> list[Value]:
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


def _output_names(outs: Sequence[Value], base: str = "f") -> list[str]:
    names: list[str] = []
    for k, o in enumerate(outs):
        name = base if len(outs) == 1 else f"{base}[{k}]"
        names.extend([name] if o.lanes is None else [f"{name} lane {j}" for j in range(o.lanes)])
    return names


def _flat_values(outs: Sequence[Value]) -> list[float]:
    flat: list[float] = []
    for o in outs:
        if o.lanes is None:
            flat.append(float(o.data))
        else:
            lanes: Any = o.data
            flat.extend(float(v) for v in lanes)
    return flat


def _combine(outs: Sequence[Value], u: Sequence[float]) -> Value:
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

    def scale(self, outputs: Sequence[Value]) -> float:
        """The largest magnitude inside F at the point: every node's data, the intermediates too
        (rounding error of a difference of F grows with them, not only with |F|)."""
        np = load_numpy()

        largest = 0.0
        seen: set[int] = set()
        for o in outputs:
            for node in topological_order(o):
                if id(node) in seen:
                    continue
                seen.add(id(node))
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
        return rows, _output_names(outs, self.output_base), _flat_values(outs)

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
            return [self.point.flatten(grad(o, inputs, c * seed)) for c in upstreams], _flat_values(outs)
        if all(o.lanes is None for o in outs):
            s = dot(list(u), outs)
            return [self.point.flatten(grad(s, inputs, c)) for c in upstreams], _flat_values(outs)
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
        return results, _flat_values(outs)


class FunctionProblem(Problem):
    checker = "gradcheck"

    def __init__(self, f: Function, point: Point) -> None:
        super().__init__(point)
        self.f = f

    def snippet(self) -> str:
        args = ", ".join(_source_number(x) for x in self.point.args(self.point.flat))
        formula = f"  # {self.f}" if type(self.f).__name__ == "Expression" else ""
        return f"{self.checker}({_function_text(self.f)}, {args}){formula}"

    def graph(self) -> list[Value]:
        inputs, outs = self.build()
        for v, name in zip(inputs, self.point.names, strict=True):
            v.label = name  # the check's own leaves, named as f names its arguments (for pictures)
        return outs

    def build(self) -> tuple[list[Value], list[Value]]:
        inputs = [Value(x) for x in self.point.args(self.point.flat)]
        return inputs, _outputs(self.f(*inputs))

    def values(self, flat: Sequence[float]) -> list[float]:
        # Recorded, not under no_grad: f may itself differentiate (a gradient penalty).
        return _flat_values(_outputs(self.f(*(Value(x) for x in self.point.args(flat)))))


class ParamsProblem(Problem):
    """``loss_fn()`` as a function of the parameters' ``data``, perturbed in place and always restored."""

    def __init__(self, loss_fn: Callable[[], Any], params: list[Value], point: Point) -> None:
        super().__init__(point)
        self.loss_fn = loss_fn
        self.params = params

    def build(self) -> tuple[list[Value], list[Value]]:
        return self.params, _outputs(self.loss_fn())

    def values(self, flat: Sequence[float]) -> list[float]:
        saved = [p.data for p in self.params]
        try:
            for p, x in zip(self.params, self.point.args(flat), strict=True):
                p.data = x
            return _flat_values(_outputs(self.loss_fn()))
        finally:
            for p, d in zip(self.params, saved, strict=True):
                p.data = d


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
        args = ", ".join(_source_number(x) for x in self.point.args(self.point.flat))
        return f"gradgradcheck({_function_text(self.f)}, {args})"

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
        outs = _outputs(self.f(*inputs))
        if len(outs) == 1 and outs[0].lanes is None:
            return outs[0]
        return _combine(outs, self.weights(sum(o.lanes or 1 for o in outs)))

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
        outs = _outputs(self.loss_fn())
        if len(outs) == 1 and outs[0].lanes is None:
            return outs[0]
        return _combine(outs, self.weights(sum(o.lanes or 1 for o in outs)))

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

    for position, node in enumerate(_unique_nodes(outputs)):
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


def _unique_nodes(outputs: Sequence[Value]) -> list[Value]:
    order: list[Value] = []
    seen: set[int] = set()
    for o in outputs:
        for node in topological_order(o):
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
    return order


def _source_number(x: Any) -> str:
    """A point coordinate as Python source: ``0.3``, ``np.array([0.1, 0.2])``."""
    if type(x) is float:
        return repr(x)
    return f"np.array({[float(v) for v in x]!r})"


def _function_text(f: Any) -> str:
    """Python source for ``f``: an Expression's repr, a lambda's own text, or ``module.name``."""
    if type(f).__name__ == "Expression" and hasattr(f, "steps"):
        return repr(f)
    name = getattr(f, "__name__", "")
    if name == "<lambda>":
        text = _lambda_source(f)
        if text:
            return text
    module, qualname = getattr(f, "__module__", None), getattr(f, "__qualname__", None)
    if module and qualname and "<" not in qualname:
        return qualname if module in ("__main__", "builtins") else f"{module}.{qualname}"
    return "f"  # no source to show: the name the message uses


def _lambda_source(f: Any) -> str:
    """The text of the lambda ``f`` in its source file, when it can be found unambiguously."""
    import ast
    import textwrap

    try:
        lines, _ = inspect.getsourcelines(f)
    except (OSError, TypeError):
        return ""
    source = textwrap.dedent("".join(lines))
    tree = None
    for candidate in (source, f"(\n{source}\n)", source.rstrip().rstrip(",")):
        try:
            tree = ast.parse(candidate)
        except SyntaxError:
            continue
        source = candidate
        break
    if tree is None:
        return ""
    names = list(f.__code__.co_varnames[: f.__code__.co_argcount])
    found = [
        node for node in ast.walk(tree) if isinstance(node, ast.Lambda) and [a.arg for a in node.args.args] == names
    ]
    if len(found) != 1:
        return ""
    return ast.get_source_segment(source, found[0]) or ""
