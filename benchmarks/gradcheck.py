"""Section 7: gradcheck and gradgradcheck on MLPs of 33, 129 and 500 weights, full Jacobian vs fast mode.

Against the per-entry gradgradcheck from before (one whole gradient graph per Hessian
entry), on the 33-weight MLP. And gradcheck of the MLP's loss as a function of its weights
with its finite differences evaluated eagerly against the same check with them replayed
(``autograd.check.compiled``: the default where the replay provably computes f), in rounds
that alternate the two.
"""

from __future__ import annotations

import functools
import itertools
import statistics
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Value
from benchmarks.harness import Result, Section, Target, timed

GRADCHECK_MLPS = {33: (2, [8, 1]), 129: (2, [32, 1]), 500: (3, [11, 35, 1])}


def _mlp_loss(nin: int, sizes: list[int], X: Any, y: Any) -> Callable[..., Value]:  # noqa: N803 (X: data)
    """The squared error of a tanh MLP over the samples, as a function of its weights (one Value each).

    The same architecture as ``nn.MLP(nin, sizes, activation="tanh")``, written with
    ``dot`` so gradgradcheck can pass the weights in as its own Values.
    """
    from autograd import dot

    widths = [nin, *sizes]

    def loss(*ws: Value) -> Value:
        total: Value | float = 0.0
        for row, target in zip(X, y, strict=True):
            xs: list[Value | float] = [float(v) for v in row]
            k = 0
            for layer, (a, b) in enumerate(itertools.pairwise(widths)):
                outs: list[Value | float] = []
                for _ in range(b):
                    z = dot(ws[k : k + a], xs, ws[k + a])
                    k += a + 1
                    outs.append(z.tanh() if layer < len(sizes) - 1 else z)
                xs = outs
            total = total + (xs[0] - float(target)) ** 2
        assert isinstance(total, Value)
        return total

    return loss


def _per_entry_gradgradcheck(f: Callable[..., Value], xs: list[float], eps: float = 1e-6) -> None:
    """The reference: gradgradcheck the earlier way, one whole gradient graph per Hessian entry.

    For each argument i, ∂f/∂x_i is rebuilt with create_graph for the analytic gradient and at
    x ± h e_j for every j (plus the point itself and the three structural re-evaluations).
    """
    from autograd import grad

    n = len(xs)

    def partial(i: int, at: list[float]) -> Value:
        vs = [Value(x) for x in at]
        g: Any = grad(f(*vs), vs, create_graph=True)[i]
        return g if isinstance(g, Value) else Value(g)

    for i in range(n):
        vs = [Value(x) for x in xs]
        g = grad(f(*vs), vs, create_graph=True)[i]
        if isinstance(g, Value):
            grad(g, vs)
        partial(i, xs)
        for j in range(n):
            for step in (eps, -eps):
                at = list(xs)
                at[j] += step * max(1.0, abs(xs[j]))
                partial(i, at)
        for _ in range(3):  # reentrancy and linearity re-evaluations
            vs = [Value(x) for x in xs]
            g = grad(f(*vs), vs, create_graph=True)[i]
            if isinstance(g, Value):
                grad(g, vs)


def _function_gradcheck(f: Callable[..., Value], ws: list[float], rounds: int) -> tuple[float, float]:
    """Seconds of ``gradcheck(f, *ws)``, probes evaluated eagerly and replayed (medians of alternated rounds)."""
    from autograd.check.point import Point
    from autograd.check.problems import FunctionProblem
    from autograd.check.run import run_checks

    def check(compiled: bool) -> None:
        problem = FunctionProblem(f, Point(ws, [f"w{i}" for i in range(len(ws))]), compiled=compiled)
        options: dict[str, Any] = {"eps": 1e-6, "atol": 1e-7, "rtol": 1e-5, "fast_mode": False, "seed": 0}
        if not run_checks(problem, raise_exception=True, **options):  # pragma: no cover - it passes
            raise RuntimeError("gradcheck of the MLP loss failed")
        if compiled and problem.replay is None:
            raise RuntimeError("the MLP loss was not replayed: the benchmark would compare eager with eager")

    eager: list[float] = []
    replayed: list[float] = []
    for _ in range(rounds):
        eager.append(timed(functools.partial(check, False))[0])
        replayed.append(timed(functools.partial(check, True))[0])
    return statistics.median(eager), statistics.median(replayed)


def gradcheck_section(quick: bool, mlps: dict[int, tuple[int, list[int]]] = GRADCHECK_MLPS) -> Result:
    """gradcheck and gradgradcheck, full Jacobian vs fast mode (one random projection), on MLPs.

    gradcheck runs on ``nn.MLP(..., activation="tanh")`` through ``gradcheck_params`` (the
    model path); gradgradcheck on the same architecture as a function of its weights. The
    reference for the speed-up is the earlier per-entry gradgradcheck, on the
    smallest MLP only (it grows as n²). Medians of a few runs, seconds.
    """
    import nn
    from autograd import gradcheck_params, gradgradcheck

    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, max(nin for nin, _ in mlps.values())))  # noqa: N806 (a data matrix)
    y = rng.normal(size=4)
    out: Result = {}
    smallest = min(mlps)

    def median(fn: Callable[[], Any], repeats: int = 1 if quick else 3) -> float:
        return statistics.median(timed(fn)[0] for _ in range(repeats))

    for n_params, (nin, sizes) in mlps.items():
        model = nn.MLP(nin, sizes, activation="tanh", seed=0)
        params = model.parameters()
        assert len(params) == n_params, (len(params), n_params)
        rows = [[float(v) for v in row[:nin]] for row in X]

        def loss(model: Any = model, rows: list[list[float]] = rows) -> Value:
            total: Value | float = 0.0
            for row, target in zip(rows, y, strict=True):
                total = total + (model(row) - float(target)) ** 2
            assert isinstance(total, Value)
            return total

        out[f"gradcheck_full_s_{n_params}"] = median(functools.partial(gradcheck_params, loss, model))
        out[f"gradcheck_fast_s_{n_params}"] = median(functools.partial(gradcheck_params, loss, model, fast_mode=True))
        f = _mlp_loss(nin, sizes, [row[:nin] for row in X], y)
        ws = [float(p.data) for p in params]  # scalar weights
        if not (quick and n_params >= 500):  # O(n²): about 20 s at 500 weights
            out[f"gradgradcheck_full_s_{n_params}"] = median(
                functools.partial(gradgradcheck, f, *ws), 1 if n_params >= 500 else 3
            )
        out[f"gradgradcheck_fast_s_{n_params}"] = median(functools.partial(gradgradcheck, f, *ws, fast_mode=True))
        if n_params == smallest:
            out[f"gradgradcheck_per_entry_s_{n_params}"] = timed(functools.partial(_per_entry_gradgradcheck, f, ws))[0]
        out[f"gradcheck_fast_speedup_{n_params}"] = (
            out[f"gradcheck_full_s_{n_params}"] / out[f"gradcheck_fast_s_{n_params}"]
        )
        eager_s, replayed_s = _function_gradcheck(f, ws, 1 if quick else 3)
        out[f"gradcheck_function_eager_s_{n_params}"] = eager_s
        out[f"gradcheck_function_s_{n_params}"] = replayed_s
        out[f"gradcheck_replay_speedup_{n_params}"] = eager_s / replayed_s
    reference = out[f"gradgradcheck_per_entry_s_{smallest}"]
    out[f"gradgradcheck_speedup_full_{smallest}"] = reference / out[f"gradgradcheck_full_s_{smallest}"]
    out[f"gradgradcheck_speedup_fast_{smallest}"] = reference / out[f"gradgradcheck_fast_s_{smallest}"]
    return out


GRADCHECK = Section(
    "gradcheck",
    "gradcheck and gradgradcheck on MLPs, full vs fast",
    lambda options: gradcheck_section(options.quick),
    (Target("gradgradcheck_speedup_full_33", ">=", 10.0, "gradgradcheck, 33 weights: per-entry ÷ Hessian rows"),),
)
