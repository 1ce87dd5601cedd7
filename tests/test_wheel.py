"""The wheel users install carries the player's script and style: built, installed in a fresh venv, used there."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import importlib.resources, sys, viz
from autograd import Value
assert "site-packages" in viz.__file__, viz.__file__
files = importlib.resources.files("viz")
js = files.joinpath("player.js").read_text(encoding="utf-8")
css = files.joinpath("player.css").read_text(encoding="utf-8")
assert "chainrule-player" in js and "chainrule-player" in css
x = Value(0.5, label="x")
page = viz.steps(x.tanh()).to_html()
assert js in page and css in page and page.count('class="chainrule-player"') == 1
print("player ok", len(page))
explorer = viz.explore(x.tanh()).to_html()
for asset in ("explore.js", "explore.css", "rules.js"):
    assert files.joinpath(asset).read_text(encoding="utf-8") in explorer, asset
print("explorer ok", len(explorer))
"""


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.mark.slow
def test_the_installed_wheel_has_the_player(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    dist = tmp_path / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)]
    subprocess.run(build, check=True, capture_output=True, env=_clean_env(), cwd=tmp_path)
    (wheel,) = dist.glob("chainrule-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"viz/player.js", "viz/player.css", "viz/player.py", "viz/pinned.py", "viz/py.typed"} <= names
    assert {"viz/explore.py", "viz/explore.js", "viz/explore.css", "viz/rules.js", "viz/explore_rules.py"} <= names
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--quiet", str(wheel)]
    done = subprocess.run(install, capture_output=True, text=True, env=_clean_env(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    run = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True, env=_clean_env(), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("player ok")
    assert "explorer ok" in run.stdout
