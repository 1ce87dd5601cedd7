"""autograd.replay.source: generating a program for scalars needs nothing beyond the standard library."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SCRIPT = """
import sys
from autograd import Value, compile
w = Value(0.9)
def f(y, c):
    for _ in range(40):
        y = (y * w + c).tanh()
    return y
program = compile(f, params=[w])
value, grads = program(0.5, 0.1)
assert len(grads) == 3
print("numpy" in sys.modules)
"""


def test_a_scalar_program_is_generated_without_importing_numpy() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"  # a program's memory is its own, not numpy's import
