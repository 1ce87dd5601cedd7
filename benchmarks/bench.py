"""chainrule's benchmark harness: speed, memory and depth, measured against the references in one run.

Run with ``make bench`` (installs micrograd and torch into the venv first), or
``python benchmarks/bench.py [--quick]``. Every ratio is computed from measurements made
in this one process, alternating the engines and taking medians over repeats, so the
machine's speed cancels out. Results go to the terminal and to ``build/bench.json``.

Sections:
1. moons training step, ours vs micrograd (default GC, GC disabled, and steps back to back), identical initial
   weights, loss values asserted equal to 1e-9 at every step;
2. the same moons step with lanes (one graph for the whole batch, each node holding one
   value per sample) vs micrograd, same protocol;
3. a 100,000-node chain: build and backward separately;
4. the same chain against PyTorch 0-dim float64 tensors (µs per op), when torch is installed; again with the
   GC disabled by the caller (what collections cost here: chainrule never changes the GC's settings);
4b. grad() and grad(create_graph=True) against backward() on chains of 1e5, 1e6 and 4e6 nodes;
5. memory: bytes per node of the moons graph (tracemalloc), and the share of a graph freed
   by reference counting alone;
6. depth: the deepest chain backward handles at the default recursion limit;
7. gradcheck and gradgradcheck on MLPs of 33, 129 and 500 weights, full Jacobian vs fast mode,
   against the per-entry gradgradcheck from before (33 weights).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from autograd import Value, grad, topological_order

ROOT = Path(__file__).resolve().parent.parent
Result = dict[str, Any]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of one call of ``fn`` (and its result), starting from a clean heap.

    The untimed ``gc.collect()`` first matters when two engines alternate in one process:
    without it, one engine's step pays for collecting the other's cyclic garbage (micrograd
    leaves a whole graph of reference cycles behind every step). With it, each engine pays
    only for the collections its own allocations trigger — which flatters micrograd, since
    a real micrograd loop also pays for its previous steps' cycles: about 1.5× here (the
    moons section's back-to-back steps measure that case).
    """
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# -- 1. moons ---------------------------------------------------------------------------------


def _moons_setup() -> tuple[Any, Any, Any, Callable[[int], float]]:
    """The moons data, micrograd's MLP (random.seed(1337)), our MLP with its weights copied, micrograd's step.

    Returns ``(x, y, ours, micro_step)``: ``x`` the (100, 2) points, ``y`` the labels in
    {−1, +1}, ``ours`` an :class:`nn.MLP` with micrograd's initial weights, and
    ``micro_step(k)`` micrograd's demo step ``k`` (forward, hinge + 1e-4·L2, backward,
    SGD with lr ``1 − 0.9·k/100``) returning its loss.
    """
    import random

    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MICRO_MLP

    from nn import MLP, moons

    x, y = moons(100, noise=0.1, seed=0)
    labels = [float(2 * v - 1) for v in y]  # {0, 1} → {−1, +1}, as micrograd's demo
    rows = [[float(a) for a in row] for row in x]

    random.seed(1337)
    micro = MICRO_MLP(2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1], seed=0)
    ours_params = ours.parameters()
    micro_params = micro.parameters()
    if len(ours_params) != len(micro_params):
        raise RuntimeError(f"parameter counts differ: {len(ours_params)} vs {len(micro_params)}")
    for p, q in zip(ours_params, micro_params, strict=True):  # same order: neuron weights then bias
        p.data = float(q.data)

    def micro_step(k: int) -> float:
        inputs = [list(map(MValue, row)) for row in rows]
        scores = list(map(micro, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in micro_params)
        total = data_loss + reg_loss
        micro.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in micro_params:
            p.data -= lr * p.grad
        return float(total.data)

    return x, np.array(labels), ours, micro_step


def _race(
    micro_step: Callable[[int], float], our_step: Callable[[int], float], steps: int, blocks: int, run: int = 5
) -> Result:
    """Alternate the two steps (same k), losses asserted equal to 1e-9 at every step; medians of the times.

    First ``steps`` steps with the default GC for both, each timed from a clean heap; then
    ``steps`` more with the GC disabled around micrograd's step only (its best case; ours
    keeps default settings); then ``blocks`` blocks of ``run`` steps back to back, one
    block per engine in turn: the way a training loop runs, where each step also pays for
    collecting the cycles the previous steps left behind.
    """
    t_micro: list[float] = []
    t_micro_nogc: list[float] = []
    t_ours: list[float] = []
    worst = 0.0
    for k in range(2 * steps):
        if k < steps:  # default GC: micrograd then ours, same step k
            elapsed, a = timed(lambda k=k: micro_step(k))
            t_micro.append(elapsed)
        else:
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                a = micro_step(k)
                t_micro_nogc.append(time.perf_counter() - start)
            finally:
                gc.enable()
        elapsed, b = timed(lambda k=k: our_step(k))
        t_ours.append(elapsed)
        worst = max(worst, abs(a - b) / max(1.0, abs(a)))
        if abs(a - b) > 1e-9 * max(1.0, abs(a)):
            raise RuntimeError(f"step {k}: losses differ: micrograd {a!r}, chainrule {b!r}")
    t_micro_run: list[float] = []
    t_ours_run: list[float] = []
    first = 2 * steps
    for block in range(blocks):
        ks = range(first + block * run, first + (block + 1) * run)
        gc.collect()  # untimed: each block starts from a clean heap, then pays for its own garbage
        micro_losses = []
        for k in ks:
            start = time.perf_counter()
            micro_losses.append(micro_step(k))
            t_micro_run.append(time.perf_counter() - start)
        gc.collect()
        for k, a in zip(ks, micro_losses, strict=True):
            start = time.perf_counter()
            b = our_step(k)
            t_ours_run.append(time.perf_counter() - start)
            worst = max(worst, abs(a - b) / max(1.0, abs(a)))
            if abs(a - b) > 1e-9 * max(1.0, abs(a)):
                raise RuntimeError(f"step {k}: losses differ: micrograd {a!r}, chainrule {b!r}")
    ours_s = statistics.median(t_ours)
    micro_s = statistics.median(t_micro)
    micro_nogc_s = statistics.median(t_micro_nogc)
    ours_run_s = statistics.median(t_ours_run)
    micro_run_s = statistics.median(t_micro_run)
    return {
        "steps_compared": 2 * steps + blocks * run,
        "max_relative_loss_difference": worst,
        "micrograd_s": micro_s,
        "micrograd_gc_off_s": micro_nogc_s,
        "ours_s": ours_s,
        "ratio_vs_micrograd": micro_s / ours_s,
        "ratio_vs_micrograd_gc_off": micro_nogc_s / ours_s,
        "micrograd_back_to_back_s": micro_run_s,
        "ours_back_to_back_s": ours_run_s,
        "ratio_vs_micrograd_back_to_back": micro_run_s / ours_run_s,
    }


def _sgd_step(model: Any, params: list[Value], total: Value, k: int) -> float:
    """Backward and the demo's SGD update (learning rate 1 − 0.9·k/100); returns the loss."""
    model.zero_grad()
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in params:
        p.data -= lr * p.grad
    return total.data


def moons_step(quick: bool) -> Result:
    """The moons training step in both engines, from identical weights, losses compared each step.

    Ours runs one small graph per sample, as micrograd does.
    """
    from autograd import vsum

    x, labels, ours, micro_step = _moons_setup()
    rows = x.tolist()
    ys = labels.tolist()
    ours_params = ours.parameters()

    def our_step(k: int) -> float:
        scores = [ours(row) for row in rows]
        losses = [(1.0 - yi * si).relu() for yi, si in zip(ys, scores, strict=True)]
        total = vsum(losses) * (1.0 / len(losses)) + 1e-4 * vsum([p * p for p in ours_params])
        return _sgd_step(ours, ours_params, total, k)

    return _race(micro_step, our_step, 6 if quick else 20, 2 if quick else 4)


def moons_lanes_step(quick: bool) -> Result:
    """The same moons step with lanes: one graph for the 100 points, every node holding 100 values.

    Written as a user would: ``model.batch(X)``, ``hinge(...).mean()``, ``l2_penalty``.
    Same protocol as :func:`moons_step` (identical initial weights, losses equal to 1e-9
    at every step, alternating, medians).
    """
    from autograd import topological_order
    from nn import hinge, l2_penalty

    x, labels, ours, micro_step = _moons_setup()
    ours_params = ours.parameters()

    def loss() -> Value:
        return hinge(ours.batch(x), labels).mean() + l2_penalty(ours_params, 1e-4)

    def our_step(k: int) -> float:
        return _sgd_step(ours, ours_params, loss(), k)

    nodes = len(topological_order(loss()))
    result = _race(micro_step, our_step, 6 if quick else 20, 2 if quick else 4)
    result["ours_graph_nodes"] = nodes
    return result


# -- 3./4. the chain --------------------------------------------------------------------------


def chain_ours(n_nodes: int) -> tuple[Value, Value, Value]:
    """``y ← tanh(y·w + x)`` repeated: 3 nodes a step, ``n_nodes`` nodes in all."""
    w, x = Value(0.999), Value(0.01)
    y = Value(0.5)
    for _ in range(n_nodes // 3):
        y = (y * w + x).tanh()
    return y, w, x


def chain_section(n_nodes: int, repeats: int, *, gc_off: bool = False) -> Result:
    """Build and backward of the chain: ours, alternating with PyTorch 0-dim float64 tensors when installed.

    With ``gc_off=True`` the caller disables automatic garbage collection around the whole
    section (both engines), as a user may choose to: the counterfactual that shows what the
    collections cost in this process, whose heap holds everything numpy, torch and
    micrograd created. chainrule itself never changes the GC's settings.
    """
    if gc_off:
        was = gc.isenabled()
        gc.disable()
        try:
            return chain_section(n_nodes, repeats)
        finally:
            if was:
                gc.enable()
    try:
        import torch
    except ImportError:
        torch = None

    def chain_torch() -> Any:
        tw = torch.tensor(0.999, dtype=torch.float64, requires_grad=True)
        tx = torch.tensor(0.01, dtype=torch.float64, requires_grad=True)
        ty = torch.tensor(0.5, dtype=torch.float64)
        for _ in range(n_nodes // 3):
            ty = torch.tanh(ty * tw + tx)
        return ty, tw

    times: dict[str, list[float]] = {"ours_build": [], "ours_backward": [], "torch_build": [], "torch_backward": []}
    for _ in range(repeats):
        elapsed, (y, w, _x) = timed(lambda: chain_ours(n_nodes))
        times["ours_build"].append(elapsed)
        times["ours_backward"].append(timed(y.backward)[0])
        del y, _x
        if torch is None:
            continue
        elapsed, (ty, tw) = timed(chain_torch)
        times["torch_build"].append(elapsed)
        times["torch_backward"].append(timed(ty.backward)[0])
        del ty
        if abs(float(tw.grad) - w.grad) > 1e-9 * max(1.0, abs(w.grad)):
            raise RuntimeError(f"chain gradients differ: torch {float(tw.grad)!r}, chainrule {w.grad!r}")
    ops = 3 * (n_nodes // 3)
    med = {key: statistics.median(values) for key, values in times.items() if values}
    ours_total = med["ours_build"] + med["ours_backward"]
    result: Result = {
        "nodes": ops,
        "ours_build_s": med["ours_build"],
        "ours_backward_s": med["ours_backward"],
        "ours_us_per_op": 1e6 * ours_total / ops,
    }
    if torch is None:
        result["torch"] = "not installed (pip install 'chainrule[torch]')"
        return result
    torch_total = med["torch_build"] + med["torch_backward"]
    result.update(
        {
            "torch_version": torch.__version__,
            "torch_build_s": med["torch_build"],
            "torch_backward_s": med["torch_backward"],
            "torch_us_per_op": 1e6 * torch_total / ops,
            "ratio_vs_torch": torch_total / ours_total,
            "ratio_vs_torch_build": med["torch_build"] / med["ours_build"],
            "ratio_vs_torch_backward": med["torch_backward"] / med["ours_backward"],
        }
    )
    return result


def _grad_row(n: int) -> dict[str, float]:
    """The three ways on one chain of ``n`` nodes, alternating, medians over a few repeats (fewer for big sizes)."""
    y, w, _x = chain_ours(n)
    repeats = 5 if n <= 100_000 else 3 if n <= 1_000_000 else 1
    times: dict[str, list[float]] = {"backward": [], "grad": [], "create_graph": []}
    for _ in range(repeats):
        w.grad = 0.0
        times["backward"].append(timed(y.backward)[0])
        elapsed, (dw,) = timed(lambda: grad(y, [w]))
        times["grad"].append(elapsed)
        if abs(dw - w.grad) > 1e-9 * max(1.0, abs(w.grad)):
            raise RuntimeError(f"grad and backward differ: {dw!r} vs {w.grad!r}")
        elapsed, (dw_value,) = timed(lambda: grad(y, [w], create_graph=True))
        times["create_graph"].append(elapsed)
        if abs(dw_value.data - w.grad) > 1e-9 * max(1.0, abs(w.grad)):
            raise RuntimeError(f"grad(create_graph=True) and backward differ: {dw_value.data!r} vs {w.grad!r}")
        del dw_value
    med = {key: statistics.median(values) for key, values in times.items()}
    return {
        "repeats": repeats,
        "backward_s": med["backward"],
        "grad_s": med["grad"],
        "create_graph_s": med["create_graph"],
        "grad_vs_backward": med["grad"] / med["backward"],
        "create_graph_vs_backward": med["create_graph"] / med["backward"],
    }


def grad_section(sizes: list[int]) -> Result:
    """``grad()`` and ``grad(create_graph=True)`` against ``backward()`` on the same chain, at each size.

    One graph per size, differentiated the three ways in turn (5 repeats up to 10⁵ nodes, 3
    up to 10⁶, then 1: the big sizes take seconds each), medians, the GC at its default
    settings throughout, the first derivative checked equal. The ratios should stay flat as
    the size grows (linear time).
    """
    result: Result = {f"{n:.0e}_nodes": _grad_row(n) for n in sizes}
    worst = [v for v in result.values() if isinstance(v, dict)]
    result["worst_grad_vs_backward"] = max(v["grad_vs_backward"] for v in worst)
    result["worst_create_graph_vs_backward"] = max(v["create_graph_vs_backward"] for v in worst)
    return result


# -- 5. memory --------------------------------------------------------------------------------


def _graph_bytes(build: Callable[[], Any]) -> tuple[int, Any]:
    gc.collect()
    tracemalloc.start()
    root = build()
    size, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size, root


def _freed_by_refcount(build: Callable[[], Any], node_type: type) -> float:
    """Share of a graph's nodes freed when its last reference goes, with the cyclic GC off.

    Counted as live objects of ``node_type`` (``gc.get_objects``), not bytes: CPython keeps
    freed small tuples and floats on free lists, which tracemalloc still reports as in use.
    """

    def live() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is node_type)

    gc.collect()
    gc.disable()
    try:
        base = live()
        root = build()
        full = live()
        del root
        after = live()
    finally:
        gc.enable()
        gc.collect()
    return (full - after) / (full - base)


def memory_section() -> Result:
    """Bytes per node of one moons forward graph (loss of 100 points), ours and micrograd's."""
    import random

    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MICRO_MLP

    from autograd import vsum
    from nn import MLP, moons

    x, y = moons(100, noise=0.1, seed=0)
    labels = [float(2 * v - 1) for v in y]
    rows = [[float(a) for a in row] for row in x]
    random.seed(1337)
    micro = MICRO_MLP(2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1], seed=0)

    def micro_graph() -> Any:
        scores = [micro(list(map(MValue, row))) for row in rows]
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
        return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in micro.parameters())

    def our_graph() -> Value:
        scores = [ours(row) for row in rows]
        losses = [(1.0 - yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
        return vsum(losses) * (1.0 / len(losses)) + 1e-4 * vsum([p * p for p in ours.parameters()])

    def our_graph_unfused() -> Value:
        """The same graph, node for node, as micrograd's: each neuron as a chain of ``+`` and ``×``."""
        params = [(layer, [(n.w, n.b, n.activation) for n in layer.neurons]) for layer in ours.layers]

        def forward(row: list[float]) -> Value:
            xs: list[Any] = [Value(v) for v in row]
            for _layer, neurons in params:
                out = []
                for w, b, act in neurons:
                    z = b
                    for wi, xi in zip(w, xs, strict=True):
                        z = z + wi * xi
                    out.append(z.relu() if act == "relu" else z)
                xs = out
            return xs[0]

        scores = [forward(row) for row in rows]
        losses = [(1.0 - yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
        total: Value = losses[0]
        for term in losses[1:]:
            total = total + term
        reg: Value = Value(0.0)
        for p in ours.parameters():
            reg = reg + p * p
        return total * (1.0 / len(losses)) + 1e-4 * reg

    def micro_nodes(root: Any) -> int:
        seen: set[int] = set()
        stack = [root]
        while stack:
            v = stack.pop()
            if id(v) not in seen:
                seen.add(id(v))
                stack.extend(v._prev)
        return len(seen)

    micro_bytes, micro_root = _graph_bytes(micro_graph)
    n_micro = micro_nodes(micro_root)
    del micro_root
    same_bytes, same_root = _graph_bytes(our_graph_unfused)
    n_same = len(topological_order(same_root))
    del same_root
    our_bytes, our_root = _graph_bytes(our_graph)
    n_ours = len(topological_order(our_root))
    del our_root
    gc.collect()
    return {
        "micrograd_nodes": n_micro,
        "micrograd_bytes": micro_bytes,
        "micrograd_bytes_per_node": micro_bytes / n_micro,
        "ours_same_graph_nodes": n_same,
        "ours_same_graph_bytes_per_node": same_bytes / n_same,
        "bytes_per_node_ratio": (same_bytes / n_same) / (micro_bytes / n_micro),
        "ours_nodes": n_ours,
        "ours_bytes": our_bytes,
        "ours_bytes_per_node": our_bytes / n_ours,
        "graph_bytes_ratio": our_bytes / micro_bytes,
        "ours_freed_by_refcount": _freed_by_refcount(our_graph, Value),
        "micrograd_freed_by_refcount": _freed_by_refcount(micro_graph, MValue),
    }


# -- 6. depth ---------------------------------------------------------------------------------

_DEPTH_PROBE = """
import sys
depth = int(sys.argv[2])
if sys.argv[1] == "ours":
    from autograd import Value
else:
    from micrograd.engine import Value
x = Value(0.5)
y = x
for _ in range(depth):
    y = y + x
y.backward()
assert x.grad == depth + 1, x.grad
print("ok", sys.getrecursionlimit())
"""


def _chain_ok(engine: str, depth: int) -> bool:
    done = subprocess.run(
        [sys.executable, "-c", _DEPTH_PROBE, engine, str(depth)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done.returncode == 0 and done.stdout.startswith("ok")


def depth_section(max_depth: int) -> Result:
    """Deepest chain (powers of ten up to ``max_depth``, then bisection) backward handles, fresh process each."""
    result: Result = {"default_recursion_limit": sys.getrecursionlimit()}
    for engine in ("ours", "micrograd"):
        good, bad = 0, None
        depth = 10
        while depth <= max_depth:
            if _chain_ok(engine, depth):
                good = depth
                depth *= 10
            else:
                bad = depth
                break
        if bad is not None:
            while bad - good > max(1, good // 50):
                mid = (good + bad) // 2
                if _chain_ok(engine, mid):
                    good = mid
                else:
                    bad = mid
        result[f"{engine}_max_depth"] = good
        result[f"{engine}_max_depth_is_lower_bound"] = bad is None
    return result


# -- 7. gradcheck ------------------------------------------------------------------------------

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
    """The reference: gradgradcheck as it was before issue 13, one whole gradient graph per Hessian entry.

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


def gradcheck_section(quick: bool, mlps: dict[int, tuple[int, list[int]]] = GRADCHECK_MLPS) -> Result:
    """gradcheck and gradgradcheck, full Jacobian vs fast mode (one random projection), on MLPs.

    gradcheck runs on ``nn.MLP(..., activation="tanh")`` through ``gradcheck_params`` (the
    model path); gradgradcheck on the same architecture as a function of its weights. The
    reference for the speed-up is the per-entry gradgradcheck from before issue 13, on the
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

        out[f"gradcheck_full_s_{n_params}"] = median(lambda m=model, f=loss: gradcheck_params(f, m))
        out[f"gradcheck_fast_s_{n_params}"] = median(lambda m=model, f=loss: gradcheck_params(f, m, fast_mode=True))
        f = _mlp_loss(nin, sizes, [row[:nin] for row in X], y)
        ws = [p.data for p in params]
        if not (quick and n_params >= 500):  # O(n²): about 20 s at 500 weights
            out[f"gradgradcheck_full_s_{n_params}"] = median(
                lambda f=f, ws=ws: gradgradcheck(f, *ws), 1 if n_params >= 500 else 3
            )
        out[f"gradgradcheck_fast_s_{n_params}"] = median(lambda f=f, ws=ws: gradgradcheck(f, *ws, fast_mode=True))
        if n_params == smallest:
            out[f"gradgradcheck_per_entry_s_{n_params}"] = timed(lambda f=f, ws=ws: _per_entry_gradgradcheck(f, ws))[0]
        out[f"gradcheck_fast_speedup_{n_params}"] = (
            out[f"gradcheck_full_s_{n_params}"] / out[f"gradcheck_fast_s_{n_params}"]
        )
    reference = out[f"gradgradcheck_per_entry_s_{smallest}"]
    out[f"gradgradcheck_speedup_full_{smallest}"] = reference / out[f"gradgradcheck_full_s_{smallest}"]
    out[f"gradgradcheck_speedup_fast_{smallest}"] = reference / out[f"gradgradcheck_fast_s_{smallest}"]
    return out


# -- report -----------------------------------------------------------------------------------

TARGETS = [
    ("moons", "ratio_vs_micrograd", ">=", 15.0, "moons step: micrograd (default GC) ÷ ours"),
    ("moons", "ratio_vs_micrograd_gc_off", ">=", 2.0, "moons step: micrograd (GC off) ÷ ours"),
    ("moons", "ratio_vs_micrograd_back_to_back", ">=", 15.0, "moons steps back to back: micrograd ÷ ours"),
    ("moons_lanes", "ratio_vs_micrograd", ">=", 200.0, "moons step with lanes: micrograd (default GC) ÷ ours"),
    ("chain", "ratio_vs_torch", ">=", 5.0, "scalar chain: PyTorch 0-dim ÷ ours (build + backward)"),
    ("grad", "worst_grad_vs_backward", "<=", 2.0, "grad() ÷ backward(), same chain, worst size"),
    ("grad", "worst_create_graph_vs_backward", "<=", 10.0, "grad(create_graph=True) ÷ backward(), worst size"),
    ("memory", "bytes_per_node_ratio", "<=", 0.4, "bytes per node, same graph: ours ÷ micrograd"),
    ("memory", "graph_bytes_ratio", "<=", 0.4, "bytes of the moons graph (ours fused): ours ÷ micrograd"),
    ("memory", "ours_freed_by_refcount", ">=", 1.0, "share of our graph freed by refcounting"),
    ("depth", "ours_max_depth", ">=", 1_000_000, "deepest chain at the default recursion limit"),
    ("gradcheck", "gradgradcheck_speedup_full_33", ">=", 10.0, "gradgradcheck, 33 weights: per-entry ÷ Hessian rows"),
]


def machine() -> dict[str, str]:
    """A description of the machine the figures came from."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "system": platform.platform(),
        "numpy": np.__version__,
    }


def report(results: dict[str, Result]) -> list[str]:
    """Lines of the terminal table: each target, its measured value and whether it holds."""
    lines = [f"{'target':58} {'measured':>14} {'goal':>12}  ok"]
    for section, key, op, goal, text in TARGETS:
        value = results.get(section, {}).get(key)
        if not isinstance(value, int | float):
            lines.append(f"{text:58} {'n/a':>14} {op + ' ' + format(goal, 'g'):>12}  -")
            continue
        ok = value >= goal if op == ">=" else value <= goal
        shown = f"{value:,.0f}" if key.endswith("depth") else f"{value:.3g}"
        lines.append(f"{text:58} {shown:>14} {op + ' ' + format(goal, 'g'):>12}  {'yes' if ok else 'NO'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the sections (every one unless --only), print the table, write build/bench.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a shallower depth probe")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench.json")
    parser.add_argument(
        "--grad-sizes",
        type=lambda text: [int(float(n)) for n in text.split(",")],
        default=None,
        help="chain sizes (nodes) for the grad() section, e.g. 1e5,1e6,4e6 (default; --quick: 1e5,1e6)",
    )
    parser.add_argument(
        "--only",
        type=lambda text: text.split(","),
        default=None,
        help="run only these sections, e.g. grad or chain,grad (default: all)",
    )
    args = parser.parse_args(argv)
    if args.grad_sizes is None:
        args.grad_sizes = [100_000, 1_000_000] if args.quick else [100_000, 1_000_000, 4_000_000]
    repeats = 3 if args.quick else 7
    results: dict[str, Result] = {"machine": machine()}
    print("machine:", ", ".join(f"{k} {v}" for k, v in results["machine"].items()), flush=True)

    def chain() -> Result:
        result = chain_section(100_000, repeats)
        gc_off = chain_section(100_000, repeats, gc_off=True)
        result["with_gc_disabled_by_the_caller"] = {k: v for k, v in gc_off.items() if k != "nodes"}
        return result

    sections: dict[str, tuple[str, Callable[[], Result]]] = {
        "moons": ("moons training step", lambda: moons_step(args.quick)),
        "moons_lanes": ("moons training step with lanes", lambda: moons_lanes_step(args.quick)),
        "chain": ("100,000-node chain, default GC and GC disabled by the caller", chain),
        "grad": ("grad() and grad(create_graph=True) against backward()", lambda: grad_section(args.grad_sizes)),
        "memory": ("memory", memory_section),
        "depth": ("depth", lambda: depth_section(100_000 if args.quick else 1_000_000)),
        "gradcheck": ("gradcheck and gradgradcheck on MLPs, full vs fast", lambda: gradcheck_section(args.quick)),
    }
    chosen = list(sections) if args.only is None else args.only
    unknown = [name for name in chosen if name not in sections]
    if unknown:
        parser.error(f"--only: no section {', '.join(unknown)}; the sections are {', '.join(sections)}")
    for i, name in enumerate(chosen, start=1):
        title, run = sections[name]
        print(f"{i}/{len(chosen)} {title} …", flush=True)
        results[name] = run()
    for section in chosen:
        print(f"\n[{section}]")
        for key, value in results[section].items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
            print(f"  {key:36} {value:.6g}" if isinstance(value, float) else f"  {key:36} {value}")
    print()
    print("\n".join(report(results)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
