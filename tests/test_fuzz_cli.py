"""Generated command lines for ``python -m viz``, each under a watchdog: a clear exit, never a traceback.

Re-runs, at small scale and deterministically (a seeded generator), the attack that found
``--dpi 0.1`` writing an empty file, ``--timeout 3e6`` and ``--fps 0.001`` ending in
OverflowError, ``--steps -o x.png`` making a folder. Every case runs in its own empty
folder in one child process (an alarm stops a case that hangs); a case passes when it exits
0, 1 or 2 with a one-line ``error:`` message and, on exit 2 (bad input), writes nothing.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

#: Good command lines to start from: an expression and the values of its names.
GOOD = [
    ("x*2", ["x=1"]),
    ("tanh(x*w + b)", ["x=0.5", "w=-1", "b=2"]),
    ("ﬁ*2", ["ﬁ=1"]),
    ("log(x) + x**3", ["x=2"]),
    ("-x", ["x=3"]),
]
#: Each option with values a user may give, good and bad alike.
OPTIONS = {
    "--dpi": ["0.1", "10", "96", "600", "601", "nan", "inf", "-1", "2400"],
    "--timeout": ["3e6", "nan", "0", "5", "inf", "86400", "-5"],
    "--fps": ["0.001", "0.01", "2", "50", "51", "nan", "1e308"],
    "--digits": ["0", "1", "4", "17", "18", "-1"],
    "--max-nodes": ["0", "1", "-5", "50"],
    "--style": ["slide", "dark", "print", "bogus"],
    "--rankdir": ["TB", "LR", "XX"],
}
GOOD_OUTPUTS = ["g.dot", "out.svg", "a.gv", "d.png"]
STEP_OUTPUTS = ["f.html", "frames", "f.gif"]
HOSTILE_OUTPUTS = ["d.png", "x.png", "sub/", "missing/x.svg", "f.gif", "noext", "f.pdf", ".", "-"]
HOSTILE_EXPRESSIONS = [
    "x**",
    "__import__('os').system('true')",
    "x" * 3000,
    "1e309*x",
    "x/0",
    "log(-x)",
    "exp(x*800)",
    "(x",
    "x @ w",
    "lambda: x",
]
HOSTILE_AT = ["x=nan", "x=1e400", "fi=2", "=1", "x=", "_x=1", "tanh=1", "q=1"]
#: The command lines the first attack found broken, kept as they were reported.
KNOWN = [
    ["x*2", "--at", "x=1", "--dpi", "0.1", "-o", "d.png"],
    ["x*2", "--at", "x=1", "--timeout", "3e6", "-o", "d.svg"],
    ["x*2", "--at", "x=1", "--steps", "--fps", "0.001", "-o", "f.gif"],
    ["x*2", "--at", "x=1", "--steps", "-o", "x.png"],
    ["ﬁ*2", "--at", "ﬁ=1", "-o", "g.dot"],
    ["x*2", "--at", "x=1", "-o", "missing/g.svg"],
]


DRIVER = r"""
import contextlib, io, json, os, signal, sys, traceback
from viz.cli import main

class Hang(Exception):
    pass

def alarm(signum, frame):
    raise Hang()

signal.signal(signal.SIGALRM, alarm)
results = []
root = os.getcwd()
for i, argv in enumerate(json.loads(sys.stdin.read())):
    folder = os.path.join(root, f"case{i}")
    os.mkdir(folder)
    os.chdir(folder)
    out, err = io.StringIO(), io.StringIO()
    crash = ""
    signal.alarm(60)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    except Hang:
        code, crash = -1, "hang: no exit within 60 s"
    except BaseException:
        code, crash = -1, traceback.format_exc()
    finally:
        signal.alarm(0)
    os.chdir(root)
    written = sorted(os.listdir(folder))
    results.append(
        {"argv": argv, "code": code, "err": err.getvalue(), "crash": crash, "written": written, "folder": f"case{i}"}
    )
print(json.dumps(results))
"""


def _cases(n: int, seed: int = 22) -> list[list[str]]:
    """``n`` command lines: a good one, then 0 to 2 hostile changes (an expression, a name, an
    option's value, an output), so both the work and every refusal are reached."""
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        expr, at = rng.choice(GOOD)
        at = list(at)
        steps = rng.random() < 0.3
        output = rng.choice(STEP_OUTPUTS if steps else GOOD_OUTPUTS)
        options: list[str] = []
        for _ in range(rng.randint(0, 2)):
            option = rng.choice(sorted(OPTIONS))
            options += [option, rng.choice(OPTIONS[option])]
        for _ in range(rng.choice([0, 0, 1, 2])):
            change = rng.randrange(3)
            if change == 0:
                expr = rng.choice(HOSTILE_EXPRESSIONS)
            elif change == 1:
                at.append(rng.choice(HOSTILE_AT))
            else:
                output = rng.choice(HOSTILE_OUTPUTS)
        cases.append([expr, "--at", *at, *options, *(["--steps"] if steps else []), "-o", output])
    return cases


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_generated_command_lines_exit_cleanly(tmp_path: Path) -> None:
    cases = KNOWN + _cases(48)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=1500,  # the watchdog of the whole batch; each case has its own alarm
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.splitlines()[-1])
    problems = []
    for r in results:
        what = " ".join(r["argv"])[:200]
        if r["crash"]:
            problems.append(f"{what}: {r['crash'][-600:]}")
        elif r["code"] not in (0, 1, 2):
            problems.append(f"{what}: exit {r['code']}")
        elif "Traceback" in r["err"]:
            problems.append(f"{what}: a traceback on stderr")
        elif r["code"] != 0 and "error:" not in r["err"]:
            problems.append(f"{what}: exit {r['code']} without an error message")
        elif r["code"] == 2 and r["written"]:
            problems.append(f"{what}: exit 2 (bad input) but wrote {r['written']}")
        elif r["code"] == 0 and not r["written"]:
            problems.append(f"{what}: exit 0 but wrote nothing")
        elif r["code"] == 0 and any(os.path.getsize(f) == 0 for f in _files(tmp_path / r["folder"])):
            problems.append(f"{what}: exit 0 with an empty file")
    assert problems == [], "\n".join(problems)
    assert {r["code"] for r in results} >= {0, 2}  # the generator reaches both good and bad command lines
