"""Print the path of a working interpreter for a Python version (e.g. ``3.12``), or nothing.

``make test`` runs the engine, nn and viz tests on every other supported Python this
finds: ``python3.12`` on the PATH, else pyenv's newest ``3.12.*`` (``$PYENV_ROOT`` or
``~/.pyenv``). A candidate counts only if it runs and reports that version (a pyenv shim
for a version that is not selected fails, and is skipped). Exit status 0 either way.

Usage: python3 tools/find_python.py 3.12
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def _version_key(path: Path) -> tuple[int, ...]:
    """``~/.pyenv/versions/3.12.10/bin/python`` → (3, 12, 10), so the newest patch release sorts last."""
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name))


def candidates(version: str) -> list[str]:
    """Interpreters that may be Python ``version``: on the PATH first, then pyenv's (newest first)."""
    found = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    pyenv = sorted(
        (
            p
            for p in (root / "versions").glob(f"{version}.*/bin/python")
            if re.fullmatch(rf"{re.escape(version)}\.\d+", p.parent.parent.name)
        ),
        key=_version_key,
        reverse=True,
    )
    found.extend(str(p) for p in pyenv)
    return found


def runs_as(interpreter: str, version: str) -> bool:
    """Whether ``interpreter`` starts and is Python ``version``."""
    try:
        done = subprocess.run(
            [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def find(version: str) -> str | None:
    """The first candidate that runs as Python ``version``, or None."""
    return next((c for c in candidates(version) if runs_as(c, version)), None)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not re.fullmatch(r"3\.\d+", argv[0]):
        print("usage: python3 tools/find_python.py 3.X", file=sys.stderr)
        return 2
    found = find(argv[0])
    if found:
        print(found)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
