"""Compiled replay (``autograd.compile``) against our eager engine, micrograd, PyTorch and a hand-written loop.

Two workloads, each measured in rounds that alternate the engines (so the machine's
load hits them alike); every ratio is the median of the per-round ratios, with the
25th and 75th percentiles as its spread:

- the moons training step (``MLP(2, [16, 16, 1])``, 100 samples, hinge + L2 written as a
  user writes it, ``1e-4 * sum(p * p for p in params)``, forward + backward + SGD) —
  compiled, against our eager step on lanes (the same function), our eager step one
  graph per sample (as micrograd runs), and micrograd (default GC); losses compared at
  every step, gradients compared with the eager engine's at the first; then the eager
  and compiled steps again as a training loop runs them, in alternated runs of
  ``LOOP_STEPS`` back-to-back steps (``*_in_loops``; a single compiled step right after
  an eager one runs on cold caches), and in runs of ``SHORT_LOOP_STEPS``
  (``*_in_short_loops``, where the first, cold step of each run still weighs). Against the
  eager lanes step, two ratios from the same timed steps: ``zero_grad`` + forward + backward
  (what compiling replaces), and the whole step with the user's SGD loop, which both run
  alike (``*_with_sgd``).
  The target line of record is ``compiled_vs_eager_lanes_in_loops``: zero_grad + forward +
  backward in back-to-back steps, as a user's training loop runs them (both engines reach
  their lasting speed within a few steps: a run of 25 measures it, with its first, cold
  step included). The others are reported for information, not as targets: a single step
  after unrelated work (the untimed ``gc.collect()``, another engine's step) measures cache-cold latency — numpy's,
  BLAS's and the interpreter's code gone cold costs a fixed ~0.4–0.7 ms, which the eager
  step pays too (about 8 % of it) but which is as long as the whole compiled step; and the
  SGD loop is the user's code, the same in both, so it dilutes the ratio without measuring
  compiling;
- the chain ``y = tanh(y·w + c)`` of 100,000 ops, forward + backward — compiled, against
  PyTorch 0-dim float64 eager (when installed), our eager engine, and a hand-written
  Python float loop doing the same forward and backward (CPython's limit for this
  arithmetic); ns per op of each. The compiled chain and the hand loop take turns going
  first in a round, and every chain run starts once the C allocator has finished the
  previous run's frees (see ``_settled``); the ratio of the two in CPU time too (``*_cpu``:
  steadier on a shared machine).

Also: the cost of the first call (trace + compile + first replay) in eager steps, and the
memory a compiled program keeps per node against the eager graph's. ``--callgrind``
(``python -m benchmarks.compiled --callgrind``) counts instructions instead of time for
the compiled chain and the hand-written loop (valgrind's callgrind: repeatable on a busy
machine).
"""

from __future__ import annotations

import argparse
import functools
import gc
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from autograd import Program, Value, compile
from benchmarks.harness import ROOT, Info, Options, Result, Section, Target, timed


def _spread(numerators: list[float], denominators: list[float]) -> dict[str, float]:
    """Median of the per-round ratios, with the 25th and 75th percentiles."""
    ratios = sorted(a / b for a, b in zip(numerators, denominators, strict=True))
    q = statistics.quantiles(ratios, n=4) if len(ratios) >= 2 else [ratios[0]] * 3
    return {"median": statistics.median(ratios), "p25": q[0], "p75": q[2]}


def _flat(prefix: str, stats: dict[str, float]) -> Result:
    return {prefix: stats["median"], f"{prefix}_p25": stats["p25"], f"{prefix}_p75": stats["p75"]}


# -- the moons step ----------------------------------------------------------------------------

#: Steps per engine in each round of the back-to-back comparison (``*_in_loops``): a short
#: training run, long enough for both engines to reach the speed they keep for the rest of it.
LOOP_STEPS = 25
#: The same in blocks of a few steps after the untimed ``gc.collect()`` (``*_in_short_loops``),
#: where the first, cache-cold step still weighs (for information).
SHORT_LOOP_STEPS = 5


def moons_compiled(rounds: int) -> Result:
    """The moons step, compiled vs eager (lanes and per sample) vs micrograd; see the module docstring."""
    from autograd import vsum
    from benchmarks.moons import _moons_setup
    from nn import MLP, hinge

    x, labels, reference, micro_step = _moons_setup()
    weights = [p.data for p in reference.parameters()]

    def copy() -> Any:
        model = MLP(2, [16, 16, 1], seed=0)
        for p, w in zip(model.parameters(), weights, strict=True):
            p.data = w
        return model

    lanes_model, sample_model, compiled_model = copy(), copy(), copy()
    rows, ys = x.tolist(), labels.tolist()

    def user_loss(model: Any) -> Callable[[], Value]:
        params = model.parameters()

        def loss() -> Value:
            total: Value = hinge(model.batch(x), labels).mean() + 1e-4 * sum(p * p for p in params)
            return total

        return loss

    def sgd(model: Any, k: int) -> None:
        lr = 1.0 - 0.9 * min(k, 100) / 100
        for p in model.parameters():
            p.data -= lr * p.grad

    lanes_loss = user_loss(lanes_model)
    # The eager lanes and compiled steps note when their backward pass ends (before the SGD
    # loop): ``passes`` collects zero_grad + forward + backward, per step, of each.
    passes: dict[str, list[float]] = {"lanes": [], "compiled": []}
    clock = time.perf_counter

    def eager_lanes(k: int) -> float:
        start = clock()
        lanes_model.zero_grad()
        total = lanes_loss()
        total.backward()
        passes["lanes"].append(clock() - start)
        sgd(lanes_model, k)
        return float(total.data)

    sample_params = sample_model.parameters()

    def eager_sample(k: int) -> float:
        scores = [sample_model(row) for row in rows]
        losses = [(1.0 - yi * si).relu() for yi, si in zip(ys, scores, strict=True)]
        total = vsum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in sample_params)
        sample_model.zero_grad()
        total.backward()
        sgd(sample_model, k)
        return float(total.data)

    program: Program = compile(user_loss(compiled_model), params=compiled_model.parameters())

    def compiled_step(k: int) -> float:
        start = clock()
        compiled_model.zero_grad()
        value = program.backward()
        passes["compiled"].append(clock() - start)
        sgd(compiled_model, k)
        return float(value)

    first = _first_calls(copy, user_loss, sgd, 3 if rounds < 5 else 5)
    # the first call of the program the rounds below replay, against the same step run eagerly
    eager_lanes(0)
    compiled_step(0)
    grads_eager = [p.grad for p in lanes_model.parameters()]
    grads_compiled = [p.grad for p in compiled_model.parameters()]
    worst_grad = max(abs(a - b) / max(1.0, abs(a)) for a, b in zip(grads_eager, grads_compiled, strict=True))
    if worst_grad > 1e-12:
        raise RuntimeError(f"compiled gradients differ from eager ones by {worst_grad:.3g}")
    t: dict[str, list[float]] = {"micrograd": [], "lanes": [], "sample": [], "compiled": []}
    worst_loss = 0.0
    micro_step(0)
    eager_sample(0)
    passes["lanes"].clear()
    passes["compiled"].clear()
    for k in range(1, rounds + 1):
        elapsed, a = timed(functools.partial(micro_step, k))
        t["micrograd"].append(elapsed)
        elapsed, b = timed(functools.partial(eager_lanes, k))
        t["lanes"].append(elapsed)
        elapsed, c = timed(functools.partial(eager_sample, k))
        t["sample"].append(elapsed)
        elapsed, d = timed(functools.partial(compiled_step, k))
        t["compiled"].append(elapsed)
        worst_loss = max(worst_loss, abs(b - d) / max(1.0, abs(b)))
        if abs(b - d) > 1e-12 * max(1.0, abs(b)) or abs(a - b) > 1e-9 * max(1.0, abs(a)):
            raise RuntimeError(f"step {k}: losses differ: micrograd {a!r}, eager {b!r}, compiled {d!r}")
        if abs(a - c) > 1e-9 * max(1.0, abs(a)):
            raise RuntimeError(f"step {k}: per-sample eager loss {c!r} differs from micrograd's {a!r}")
    # The same two steps as a training loop runs them, back to back: blocks of n steps of each,
    # alternated (a single compiled step right after an eager one runs on cold caches).
    single = {key: list(v) for key, v in passes.items()}
    k = rounds

    def blocks(n: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
        """Per-step means over alternated blocks of ``n`` steps: whole steps, and zero_grad + fwd + bwd."""
        nonlocal k
        loops: dict[str, list[float]] = {"lanes": [], "compiled": []}
        loop_passes: dict[str, list[float]] = {"lanes": [], "compiled": []}
        for _ in range(rounds):
            for key, step in (("lanes", eager_lanes), ("compiled", compiled_step)):
                start = k

                def block(step: Callable[[int], float] = step, start: int = start) -> list[float]:
                    return [step(j) for j in range(start + 1, start + 1 + n)]

                passes[key].clear()
                elapsed, losses = timed(block)
                loops[key].append(elapsed / n)
                loop_passes[key].append(sum(passes[key]) / n)
                if key == "lanes":
                    expected = losses
                elif any(abs(a - b) > 1e-12 * max(1.0, abs(a)) for a, b in zip(expected, losses, strict=True)):
                    raise RuntimeError(f"steps {start + 1}-{start + n}: compiled losses differ from eager ones")
            k += n
        return loops, loop_passes

    short_loops, short_passes = blocks(SHORT_LOOP_STEPS)
    loops, loop_passes = blocks(LOOP_STEPS)
    med = {key: statistics.median(v) for key, v in t.items()}
    result: Result = {
        "rounds": rounds,
        "max_relative_gradient_difference": worst_grad,
        "max_relative_loss_difference": worst_loss,
        "micrograd_ms": 1e3 * med["micrograd"],
        "eager_lanes_ms": 1e3 * med["lanes"],
        "eager_lanes_fwd_bwd_ms": 1e3 * statistics.median(single["lanes"]),
        "eager_per_sample_ms": 1e3 * med["sample"],
        "compiled_ms": 1e3 * med["compiled"],
        "compiled_fwd_bwd_ms": 1e3 * statistics.median(single["compiled"]),
        "first_call_ms": 1e3 * statistics.median(first[0]),
        "program_lines": len(program.source.splitlines()),
    }
    result.update(_flat("first_call_in_eager_steps", _spread(*first)))
    result.update(_flat("compiled_vs_micrograd", _spread(t["micrograd"], t["compiled"])))
    result.update(_flat("compiled_vs_eager_lanes", _spread(single["lanes"], single["compiled"])))
    result.update(_flat("compiled_vs_eager_lanes_with_sgd", _spread(t["lanes"], t["compiled"])))
    result.update(_flat("compiled_vs_eager_per_sample", _spread(t["sample"], t["compiled"])))
    result.update(_flat("eager_lanes_vs_micrograd", _spread(t["micrograd"], t["lanes"])))
    result["eager_lanes_ms_in_loops"] = 1e3 * statistics.median(loops["lanes"])
    result["compiled_ms_in_loops"] = 1e3 * statistics.median(loops["compiled"])
    result["eager_lanes_fwd_bwd_ms_in_loops"] = 1e3 * statistics.median(loop_passes["lanes"])
    result["compiled_fwd_bwd_ms_in_loops"] = 1e3 * statistics.median(loop_passes["compiled"])
    result.update(_flat("compiled_vs_eager_lanes_in_loops", _spread(loop_passes["lanes"], loop_passes["compiled"])))
    result.update(_flat("compiled_vs_eager_lanes_with_sgd_in_loops", _spread(loops["lanes"], loops["compiled"])))
    result["compiled_fwd_bwd_ms_in_short_loops"] = 1e3 * statistics.median(short_passes["compiled"])
    result.update(
        _flat("compiled_vs_eager_lanes_in_short_loops", _spread(short_passes["lanes"], short_passes["compiled"]))
    )
    result.update(
        _flat("compiled_vs_eager_lanes_with_sgd_in_short_loops", _spread(short_loops["lanes"], short_loops["compiled"]))
    )
    return result


def _first_calls(
    copy: Callable[[], Any],
    user_loss: Callable[[Any], Callable[[], Value]],
    sgd: Callable[[Any, int], None],
    rounds: int,
) -> tuple[list[float], list[float]]:
    """Times of a new program's first step (trace + compile + replay + SGD) and of an eager step,
    alternated over ``rounds`` fresh copies of the model."""
    firsts: list[float] = []
    eagers: list[float] = []
    for _ in range(rounds):
        eager_model, compiled_model = copy(), copy()
        loss = user_loss(eager_model)

        def eager_step(model: Any = eager_model, loss: Callable[[], Value] = loss) -> None:
            model.zero_grad()
            loss().backward()
            sgd(model, 0)

        program = compile(user_loss(compiled_model), params=compiled_model.parameters())

        def first_step(model: Any = compiled_model, program: Program = program) -> None:
            model.zero_grad()
            program.backward()
            sgd(model, 0)

        eagers.append(timed(eager_step)[0])
        firsts.append(timed(first_step)[0])
    return firsts, eagers


# -- the chain ---------------------------------------------------------------------------------


def chain(y: Value, w: Value, c: Value, steps: int) -> Value:
    """``y ← tanh(y·w + c)``, ``steps`` times: 3 ops a step."""
    for _ in range(steps):
        y = (y * w + c).tanh()
    return y


def hand_loop(y: float, w: float, c: float, steps: int) -> tuple[float, float, float, float]:
    """The same forward and backward written by hand with floats: ``(y, dy/dy0, dy/dw, dy/dc)``.

    As tight as we know how to write it in CPython (the reference the compiled chain is held
    to): the outputs in a list made once and written in place, the reverse pass walking that
    list backwards with no indexing (callgrind: 608 instructions per op, against 772 for an
    ``append`` forward and an indexed ``ys[i]``, ``ys[i - 1]`` reverse pass).
    """
    tanh = math.tanh
    ys = [y] * (steps + 1)  # y_0 … y_steps
    for i in range(1, steps + 1):
        y = tanh(y * w + c)
        ys[i] = y
    gy, gw, gc_ = 1.0, 0.0, 0.0
    outs = reversed(ys)
    out = next(outs)
    for prev in outs:  # step i, backwards: out = y_i, prev = y_(i-1)
        gt = (1.0 - out * out) * gy
        gc_ += gt
        gw += prev * gt
        gy = w * gt
        out = prev
    return y, gy, gw, gc_


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (None elsewhere): see :func:`_settled`."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return cast(Callable[[int], int], trim)


_TRIM = _malloc_trim()


def _settled(fn: Callable[[], Any]) -> tuple[float, Any]:
    """:func:`timed`, after the C allocator has done the work the previous run left it.

    PyTorch frees its 10⁵-node graph when a run ends, and glibc defers sorting those freed
    blocks to the next large allocation — which is then the next engine's: measured at
    19:35 (thread time), the hand-written loop ran in 245 ns/op right after a PyTorch run
    and 114 ns/op after another hand loop; with ``malloc_trim(0)`` (or one untimed 1 MB
    allocation) first, 111 and 110. In the order below the compiled chain always ran right
    after PyTorch and paid for its frees (the wall ratio 1.9–2.4× when callgrind counted
    1.13×). So, as :func:`timed` collects the previous run's garbage first, this lets the
    allocator finish the previous run's frees first (untimed); each engine still pays for
    all of its own allocations and frees.
    """
    if _TRIM is not None:
        _TRIM(0)
    return timed(fn)


def _settled_cpu(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall time and this thread's CPU time of one run of ``fn``, settled as by :func:`_settled`.

    Reported beside the wall times for the compiled chain and the hand loop (both single
    threaded): on a shared machine the wall time also counts the moments a run waited for a
    core, the CPU time does not, so its ratio spreads less under load.
    """
    if _TRIM is not None:
        _TRIM(0)
    gc.collect()
    cpu, wall = time.thread_time(), time.perf_counter()
    fn()
    return time.perf_counter() - wall, time.thread_time() - cpu


def _torch_chain(steps: int) -> Callable[[], tuple[float, float]]:
    import torch

    def run() -> tuple[float, float]:
        tw = torch.tensor(0.999, dtype=torch.float64, requires_grad=True)
        tc = torch.tensor(0.01, dtype=torch.float64, requires_grad=True)
        ty = torch.tensor(0.5, dtype=torch.float64)
        for _ in range(steps):
            ty = torch.tanh(ty * tw + tc)
        ty.backward()  # type: ignore[no-untyped-call]
        return float(ty.detach()), float(tw.grad)  # type: ignore[arg-type]

    return run


def _eager_chain(steps: int) -> tuple[float, float]:
    y0, w, c = Value(0.5), Value(0.999), Value(0.01)
    y = chain(y0, w, c, steps)
    y.backward()
    return float(y.data), float(w.grad)  # scalars


def chain_compiled(rounds: int, ops: int = 100_000) -> Result:
    """The chain, compiled vs PyTorch 0-dim eager vs our eager vs the hand-written loop."""
    steps = ops // 3
    ops = 3 * steps
    try:
        torch_run: Callable[[], tuple[float, float]] | None = _torch_chain(steps)
    except ImportError:
        torch_run = None
    args = (0.5, 0.999, 0.01)
    firsts: list[float] = []
    eagers: list[float] = []
    for _ in range(3):  # the first call (trace + compile + replay) of a new program, against an eager run
        program = compile(functools.partial(chain, steps=steps))
        eagers.append(timed(lambda: _eager_chain(steps))[0])
        firsts.append(timed(functools.partial(program, *args))[0])
    value, (gy, gw, gc_) = program(*args)
    hand = hand_loop(*args, steps)
    if max(abs(a - b) / max(1.0, abs(b)) for a, b in zip((value, gy, gw, gc_), hand, strict=True)) > 1e-12:
        raise RuntimeError(f"compiled chain {(value, gy, gw, gc_)} differs from the hand-written loop's {hand}")
    eager_value, eager_gw = _eager_chain(steps)
    if abs(eager_gw - gw) > 1e-12 * max(1.0, abs(eager_gw)) or eager_value != value:
        raise RuntimeError(f"compiled chain gradient {gw!r} differs from the eager engine's {eager_gw!r}")
    t: dict[str, list[float]] = {"compiled": [], "hand": [], "eager": [], "torch": []}
    cpu: dict[str, list[float]] = {"compiled": [], "hand": []}
    pair: dict[str, Callable[[], Any]] = {"compiled": lambda: program(*args), "hand": lambda: hand_loop(*args, steps)}
    for k in range(rounds):
        for key in ("compiled", "hand") if k % 2 == 0 else ("hand", "compiled"):  # each goes first in turn
            wall, used = _settled_cpu(pair[key])
            t[key].append(wall)
            cpu[key].append(used)
        t["eager"].append(_settled(lambda: _eager_chain(steps))[0])
        if torch_run is not None:
            elapsed, (_ty, tgw) = _settled(torch_run)
            t["torch"].append(elapsed)
            if abs(tgw - gw) > 1e-9 * max(1.0, abs(gw)):
                raise RuntimeError(f"chain gradients differ: torch {tgw!r}, compiled {gw!r}")
    med = {key: statistics.median(v) for key, v in t.items() if v}
    result: Result = {
        "ops": ops,
        "rounds": rounds,
        "compiled_ns_per_op": 1e9 * med["compiled"] / ops,
        "hand_loop_ns_per_op": 1e9 * med["hand"] / ops,
        "eager_ns_per_op": 1e9 * med["eager"] / ops,
        "first_call_s": statistics.median(firsts),
        "program_lines": len(program.source.splitlines()),
    }
    result.update(_flat("first_call_in_eager_steps", _spread(firsts, eagers)))
    result.update(_flat("compiled_vs_hand_loop", _spread(t["compiled"], t["hand"])))
    result["compiled_cpu_ns_per_op"] = 1e9 * statistics.median(cpu["compiled"]) / ops
    result["hand_loop_cpu_ns_per_op"] = 1e9 * statistics.median(cpu["hand"]) / ops
    result.update(_flat("compiled_vs_hand_loop_cpu", _spread(cpu["compiled"], cpu["hand"])))
    result.update(_flat("eager_vs_compiled", _spread(t["eager"], t["compiled"])))
    if t["torch"]:
        result["torch_ns_per_op"] = 1e9 * med["torch"] / ops
        result.update(_flat("torch_vs_compiled", _spread(t["torch"], t["compiled"])))
    else:
        result["torch"] = "not installed (pip install 'chainrule[torch]')"
    return result


# -- memory ------------------------------------------------------------------------------------


def _retained(make: Callable[[], Any]) -> tuple[int, Any]:
    """Bytes still allocated after ``make()`` (what its result keeps alive), and the result."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = make()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before, kept


def memory_compiled(ops: int = 30_000) -> Result:
    """Bytes per node: the eager graph of the chain against the compiled program of the same chain.

    A small chain is built and compiled first (not counted), so that neither side is charged
    for what the first use of a module costs once per process (imports, caches).
    """
    steps = ops // 3
    warm = compile(lambda y, w, c: chain(y, w, c, 20))
    warm(0.5, 0.999, 0.01)
    warm.forward(0.5, 0.999, 0.01)
    chain(Value(0.5), Value(0.999), Value(0.01), 20).backward()

    def graph() -> Any:
        return chain(Value(0.5), Value(0.999), Value(0.01), steps)

    def compiled() -> Any:
        program = compile(lambda y, w, c: chain(y, w, c, steps))
        program(0.5, 0.999, 0.01)
        program(0.5, 0.999, 0.01)
        program.forward(0.5, 0.999, 0.01)
        return program

    eager_bytes, kept = _retained(graph)
    del kept
    compiled_bytes, kept = _retained(compiled)
    del kept
    nodes = 3 * steps
    return {
        "nodes": nodes,
        "eager_graph_bytes_per_node": eager_bytes / nodes,
        "compiled_program_bytes_per_node": compiled_bytes / nodes,
        "compiled_vs_eager_bytes": compiled_bytes / eager_bytes,
    }


def compiled_section(options: Options) -> Result:
    """Everything above, at the run's size."""
    rounds = 5 if options.quick else 15
    return {
        **{f"moons_{k}": v for k, v in moons_compiled(3 if options.quick else 12).items()},
        **{f"chain_{k}": v for k, v in chain_compiled(rounds).items()},
        **{f"memory_{k}": v for k, v in memory_compiled().items()},
    }


COMPILED = Section(
    "compiled",
    "compiled replay (autograd.compile): moons step, 1e5-op chain, first-call cost, memory",
    compiled_section,
    (
        Target(
            "moons_compiled_vs_eager_lanes_in_loops",
            ">=",
            10.0,
            f"moons zero_grad+fwd+bwd, runs of {LOOP_STEPS} steps: eager ÷ compiled",
        ),
        Target("moons_compiled_vs_eager_per_sample", ">=", 10.0, "compiled moons step: our eager (per sample) ÷ it"),
        Target("moons_compiled_vs_micrograd", ">=", 200.0, "compiled moons step: micrograd (default GC) ÷ compiled"),
        Target("moons_eager_lanes_vs_micrograd", ">=", 200.0, "eager lanes moons step (user's L2): micrograd ÷ ours"),
        Target("chain_torch_vs_compiled", ">=", 30.0, "1e5-op chain: PyTorch 0-dim eager ÷ compiled"),
        Target("chain_compiled_vs_hand_loop", "<=", 2.0, "1e5-op chain: compiled ÷ hand-written float loop"),
        Target("chain_first_call_in_eager_steps", "<=", 3.0, "chain: trace + compile ÷ one eager step"),
        Target("moons_first_call_in_eager_steps", "<=", 3.0, "moons: trace + compile ÷ one eager (lanes) step"),
        Target("memory_compiled_vs_eager_bytes", "<=", 1.0, "bytes per node: compiled program ÷ eager graph"),
    ),
    (  # not targets: see the module docstring
        Info("moons_compiled_vs_eager_lanes", "moons zero_grad+fwd+bwd, single cold steps: eager ÷ compiled"),
        Info("moons_compiled_vs_eager_lanes_with_sgd", "moons step + user SGD, single steps: eager ÷ compiled"),
        Info(
            "moons_compiled_vs_eager_lanes_in_short_loops",
            f"moons zero_grad+fwd+bwd, runs of {SHORT_LOOP_STEPS} steps: eager ÷ compiled",
        ),
        Info("moons_compiled_vs_eager_lanes_with_sgd_in_loops", "moons step + user SGD in loops: eager ÷ compiled"),
    ),
)


# -- instruction counts ------------------------------------------------------------------------

_PROBE = """
import sys
steps, which, repeats = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
from autograd import compile
from benchmarks.compiled import chain, hand_loop
if which.startswith("moons") or which == "micrograd":
    from benchmarks.moons import _moons_setup
    from nn import hinge
    x, labels, model, micro_step = _moons_setup()
    params = model.parameters()
    def loss():
        return hinge(model.batch(x), labels).mean() + 1e-4 * sum(p * p for p in params)
    program = compile(loss, params=params)
    def eager():
        model.zero_grad()
        loss().backward()
    def compiled():
        model.zero_grad()
        program.backward()
    step = {"moons_eager": eager, "moons_compiled": compiled, "micrograd": lambda: micro_step(0)}[which]
    compiled(); compiled(); step()
else:
    program = compile(lambda y, w, c: chain(y, w, c, steps))
    program(0.5, 0.999, 0.01)
    program(0.5, 0.999, 0.01)
    step = {
        "compiled": lambda: program(0.5, 0.999, 0.01),
        "hand": lambda: hand_loop(0.5, 0.999, 0.01, steps),
    }[which]
for _ in range(repeats):
    step()
"""

_VALGRIND = ("valgrind", "--tool=callgrind")


def _instructions(steps: int, which: str, repeats: int) -> int:
    """Instructions callgrind counts for the probe (start-up included; differences cancel it)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [*_VALGRIND, f"--callgrind-out-file={out}", sys.executable, "-c", _PROBE, str(steps), which, str(repeats)],
            check=True,
            capture_output=True,
            env=env,
            timeout=3600,
        )
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no instruction count")


def _per_run(which: str, steps: int = 0) -> float:
    """Instructions of one run of ``which``: (three runs − one run) / 2, so start-up and tracing cancel."""
    return (_instructions(steps, which, 3) - _instructions(steps, which, 1)) / 2


def callgrind_chain(ops: int = 30_000) -> Result:
    """Instructions per op of the compiled chain and the hand-written loop."""
    steps = ops // 3
    compiled, hand = _per_run("compiled", steps), _per_run("hand", steps)
    return {
        "ops": 3 * steps,
        "compiled_instructions_per_op": compiled / (3 * steps),
        "hand_loop_instructions_per_op": hand / (3 * steps),
        "compiled_vs_hand_loop": compiled / hand,
    }


def callgrind_moons() -> Result:
    """Instructions of one moons step: compiled, our eager step on lanes, micrograd's."""
    compiled, eager, micro = _per_run("moons_compiled"), _per_run("moons_eager"), _per_run("micrograd")
    return {
        "compiled_instructions": compiled,
        "eager_lanes_instructions": eager,
        "micrograd_instructions": micro,
        "eager_lanes_vs_compiled": eager / compiled,
        "micrograd_vs_compiled": micro / compiled,
        "micrograd_vs_eager_lanes": micro / eager,
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.compiled [--quick] [--callgrind]``: this section alone."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--callgrind",
        choices=("chain", "moons"),
        help="count instructions instead of time (valgrind's callgrind; minutes on a busy machine)",
    )
    args = parser.parse_args(argv)
    if args.callgrind:
        result = callgrind_chain() if args.callgrind == "chain" else callgrind_moons()
    else:
        result = compiled_section(Options(quick=args.quick))
    for key, value in result.items():
        print(f"  {key:44} {value:.6g}" if isinstance(value, float) else f"  {key:44} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
