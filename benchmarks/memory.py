"""Section 5, memory: bytes per node of the moons graph (tracemalloc), and the share freed by reference counting."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any, cast

from autograd import Value, topological_order
from benchmarks.harness import Result, Section, Target


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
        scores = [cast(Value, ours(row)) for row in rows]  # one output: a Value
        losses = [(1.0 - yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
        return vsum(losses) * (1.0 / len(losses)) + 1e-4 * vsum([p * p for p in ours.parameters()])

    def our_graph_unfused() -> Value:
        """The same graph, node for node, as micrograd's: each neuron as a chain of ``+`` and ``×``."""
        params = [(layer, [(n.w, n.b, n.activation) for n in layer.neurons]) for layer in ours.layers]

        def forward(row: list[float]) -> Value:
            xs = [Value(v) for v in row]
            for _layer, neurons in params:
                out = []
                for w, b, act in neurons:
                    z = cast(Value, b)  # every neuron here has a bias
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


MEMORY = Section(
    "memory",
    "memory",
    lambda options: memory_section(),
    (
        Target("bytes_per_node_ratio", "<=", 0.4, "bytes per node, same graph: ours ÷ micrograd"),
        Target("graph_bytes_ratio", "<=", 0.4, "bytes of the moons graph (ours fused): ours ÷ micrograd"),
        Target("ours_freed_by_refcount", ">=", 1.0, "share of our graph freed by refcounting"),
    ),
)
