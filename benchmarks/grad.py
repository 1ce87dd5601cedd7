"""Section 4b: grad() and grad(create_graph=True) against backward() on chains of 1e5, 1e6 and 4e6 nodes."""

from __future__ import annotations

import statistics

from autograd import grad
from benchmarks.chain import chain_ours
from benchmarks.harness import Result, Section, Target, timed


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


GRAD = Section(
    "grad",
    "grad() and grad(create_graph=True) against backward()",
    lambda options: grad_section(options.grad_sizes),
    (
        Target("worst_grad_vs_backward", "<=", 2.0, "grad() ÷ backward(), same chain, worst size"),
        Target("worst_create_graph_vs_backward", "<=", 10.0, "grad(create_graph=True) ÷ backward(), worst size"),
    ),
)
