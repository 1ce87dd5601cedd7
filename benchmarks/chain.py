"""Sections 3 and 4: a 100,000-node chain, build and backward, against PyTorch 0-dim float64 tensors.

PyTorch is compared when installed (µs per op); the section runs twice, the second time
with the GC disabled by the caller (what collections cost here: chainrule never changes
the GC's settings).
"""

from __future__ import annotations

import gc
import statistics
from typing import Any

from autograd import Value
from benchmarks.harness import Result, Section, Target, timed


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
        have_torch = False
    else:
        have_torch = True

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
        if not have_torch:
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


def chain_both(repeats: int, n_nodes: int = 100_000) -> Result:
    """The chain with the GC as it is, then again with the GC disabled by the caller (nested in the result)."""
    result = chain_section(n_nodes, repeats)
    gc_off = chain_section(n_nodes, repeats, gc_off=True)
    result["with_gc_disabled_by_the_caller"] = {k: v for k, v in gc_off.items() if k != "nodes"}
    return result


CHAIN = Section(
    "chain",
    "100,000-node chain, default GC and GC disabled by the caller",
    lambda options: chain_both(options.repeats),
    (Target("ratio_vs_torch", ">=", 5.0, "scalar chain: PyTorch 0-dim ÷ ours (build + backward)"),),
)
