"""chainrule's benchmark harness: speed, memory and depth, measured against the references in one run.

Run with ``make bench`` (installs micrograd and torch into the venv first), or
``python -m benchmarks [--quick] [--only SECTION,...]``. Every ratio is computed from measurements made
in this one process, alternating the engines and taking medians over repeats, so the
machine's speed cancels out. Results go to the terminal and to ``build/bench.json``.

Sections (one module each):
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
   against the per-entry gradgradcheck from before (33 weights);
8. compiled replay (autograd.compile): the moons step against our eager step and micrograd, the
   100,000-op chain against PyTorch and a hand-written float loop, first-call cost, memory per node;
9. the live explorer (viz.explore): page sizes, and the recompute time after an edit of a 493-node graph in
   headless Chromium (skipped without it).
10. pictures: draw_graph of MLP(2, [256, 256, 1]) drawn as boxes, the numbers it formats (only what it draws)
    and its time against formatting every Value as it used to.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.chain import CHAIN
from benchmarks.compiled import COMPILED
from benchmarks.depth import DEPTH
from benchmarks.explore import EXPLORE
from benchmarks.grad import GRAD
from benchmarks.gradcheck import GRADCHECK
from benchmarks.harness import ROOT, Options, Result, Section
from benchmarks.memory import MEMORY
from benchmarks.moons import MOONS, MOONS_LANES
from benchmarks.pictures import PICTURES

#: Every section, in the order they run and their targets appear in the report.
SECTIONS: tuple[Section, ...] = (
    MOONS,
    MOONS_LANES,
    CHAIN,
    GRAD,
    MEMORY,
    DEPTH,
    GRADCHECK,
    EXPLORE,
    COMPILED,
    PICTURES,
)


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


def report(results: dict[str, Result], sections: Sequence[Section] = SECTIONS) -> list[str]:
    """Lines of the terminal table: each section's targets, the measured value and whether it holds."""
    lines = [f"{'target':58} {'measured':>14} {'goal':>12}  ok"]
    for section in sections:
        for target in section.targets:
            key, op, goal, text = target.key, target.op, target.goal, target.text
            value = results.get(section.name, {}).get(key)
            if not isinstance(value, int | float):
                lines.append(f"{text:58} {'n/a':>14} {op + ' ' + format(goal, 'g'):>12}  -")
                continue
            ok = value >= goal if op == ">=" else value <= goal
            shown = f"{value:,.0f}" if key.endswith("depth") else f"{value:.3g}"
            lines.append(f"{text:58} {shown:>14} {op + ' ' + format(goal, 'g'):>12}  {'yes' if ok else 'NO'}")
        for info in section.infos:
            value = results.get(section.name, {}).get(info.key)
            shown = f"{value:.3g}" if isinstance(value, int | float) else "n/a"
            lines.append(f"{info.text:58} {shown:>14} {'(info)':>12}  -")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the sections (every one unless --only), print the table, write build/bench.json."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
    options = Options(quick=args.quick, repeats=3 if args.quick else 7, grad_sizes=args.grad_sizes)
    results: dict[str, Result] = {"machine": machine()}
    print("machine:", ", ".join(f"{k} {v}" for k, v in results["machine"].items()), flush=True)
    sections = {section.name: section for section in SECTIONS}
    chosen = list(sections) if args.only is None else args.only
    unknown = [name for name in chosen if name not in sections]
    if unknown:
        parser.error(f"--only: no section {', '.join(unknown)}; the sections are {', '.join(sections)}")
    for i, name in enumerate(chosen, start=1):
        print(f"{i}/{len(chosen)} {sections[name].title} …", flush=True)
        results[name] = sections[name].run(options)
    for name in chosen:
        print(f"\n[{name}]")
        for key, value in results[name].items():
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
