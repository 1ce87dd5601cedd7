"""Sections 1 and 2: the moons training step, ours against micrograd, from identical weights.

Section 1 runs one small graph per sample, as micrograd does; section 2 runs the whole
batch as one graph with lanes (every node holding one value per sample). Both compare
the losses to 1e-9 at every step and time three ways: the default GC, the GC disabled
around micrograd's step only, and steps back to back (see :func:`_race`).
"""

from __future__ import annotations

import functools
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Value
from benchmarks.harness import Result, Section, Target, timed


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
            elapsed, a = timed(functools.partial(micro_step, k))
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
        elapsed, b = timed(functools.partial(our_step, k))
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
    return float(total.data)  # a scalar loss


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


MOONS = Section(
    "moons",
    "moons training step",
    lambda options: moons_step(options.quick),
    (
        Target("ratio_vs_micrograd", ">=", 15.0, "moons step: micrograd (default GC) ÷ ours"),
        Target("ratio_vs_micrograd_gc_off", ">=", 2.0, "moons step: micrograd (GC off) ÷ ours"),
        Target("ratio_vs_micrograd_back_to_back", ">=", 15.0, "moons steps back to back: micrograd ÷ ours"),
    ),
)

MOONS_LANES = Section(
    "moons_lanes",
    "moons training step with lanes",
    lambda options: moons_lanes_step(options.quick),
    (Target("ratio_vs_micrograd", ">=", 200.0, "moons step with lanes: micrograd (default GC) ÷ ours"),),
)
