"""Section 6, depth: the deepest chain backward handles at the default recursion limit, ours and micrograd's."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.harness import Result, Section, Target

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


DEPTH = Section(
    "depth",
    "depth",
    lambda options: depth_section(100_000 if options.quick else 1_000_000),
    (Target("ours_max_depth", ">=", 1_000_000, "deepest chain at the default recursion limit"),),
)
