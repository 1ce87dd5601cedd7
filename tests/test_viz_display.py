"""Display and files without graphviz's dot: DOT text plus a one-line hint, never an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from viz_support import needs_dot, seed_neuron

import viz
from autograd import Value


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH without graphviz: an empty directory."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


def test_notebook_display_falls_back_to_dot_text(no_dot: Path) -> None:
    e, *_ = seed_neuron()
    d = viz.draw_graph(e)
    bundle = d._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    hint, source = bundle["text/plain"].split("\n", 1)
    assert hint == viz.INSTALL_HINT
    assert "apt-get install graphviz" in hint
    assert source == d.source
    assert "&lt;TABLE" in bundle["text/html"]  # the DOT text, escaped inside <pre>
    assert d._repr_svg_() is None


def test_ipython_formatter_shows_no_error(no_dot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    e, w1, *_ = seed_neuron()
    data, _ = formatters.DisplayFormatter().format(viz.draw_chain(e, w1))
    assert "image/svg+xml" not in data
    assert data["text/plain"].startswith(viz.INSTALL_HINT)
    assert "∂E/∂W1 = 0.8444 × 0.1099 × 0.1 = 0.009276" in data["text/plain"]
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "Traceback" not in captured.out


def test_files_without_dot(no_dot: Path, tmp_path: Path) -> None:
    d = viz.draw_graph(Value(1.0, label="x") * 2.0)
    with pytest.raises(
        viz.DotNotFoundError, match=r"no svg can be rendered; install it with `sudo apt-get install graphviz`"
    ):
        d.save(tmp_path / "g.svg")
    with pytest.raises(viz.DotNotFoundError):
        d.svg()
    assert not (tmp_path / "g.svg").exists()
    assert d.save(tmp_path / "g.dot").read_text(encoding="utf-8") == d.source
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["g.dot"]  # no temporary file left


def test_steps_static_sequence_without_dot(no_dot: Path) -> None:
    html = viz.steps(Value(0.5, label="x").exp()).static_html()
    assert html.startswith(f"<p>{viz.INSTALL_HINT.replace(chr(39), '&#x27;')}</p>")
    assert html.count("<pre>digraph chainrule {") == 4


def _env_without_dot(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(empty)}


def test_fresh_interpreter_without_dot(tmp_path: Path) -> None:
    code = (
        "import viz\n"
        "from autograd import Value\n"
        "b = viz.draw_graph(Value(2.0, label='a') * 3.0)._repr_mimebundle_()\n"
        "print(sorted(b))\n"
        "print(b['text/plain'].splitlines()[0])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=_env_without_dot(tmp_path), capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["['text/html', 'text/plain']", viz.INSTALL_HINT]
    assert run.stderr == ""


def test_cli_without_dot(tmp_path: Path) -> None:
    env = _env_without_dot(tmp_path)
    args = [sys.executable, "-m", "viz", "tanh(x*w + b)", "--at", "x=0.5", "w=-1", "b=2"]
    svg = subprocess.run([*args, "-o", str(tmp_path / "g.svg")], env=env, capture_output=True, text=True, check=False)
    assert svg.returncode == 1
    assert svg.stderr.strip() == (
        "python -m viz: error: graphviz's 'dot' program is not installed, so no svg can be rendered; "
        "install it with `sudo apt-get install graphviz` (or `brew install graphviz`), or write a .dot file"
    )
    assert not (tmp_path / "g.svg").exists()
    dot = subprocess.run([*args, "-o", str(tmp_path / "g.dot")], env=env, capture_output=True, text=True, check=False)
    assert dot.returncode == 0, dot.stderr
    assert (tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph chainrule {")


@needs_dot
def test_graphviz_render_still_works_beside_save_by_extension(tmp_path: Path) -> None:
    """Drawing.save(path) picks the format by extension, yet Digraph.render() (which calls save) works."""
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    drawing = viz.draw_graph(y)
    rendered = drawing.render(tmp_path / "by_render", format="svg")
    assert Path(rendered).read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    assert (tmp_path / "by_render").read_text(encoding="utf-8") == drawing.source  # the DOT source, as graphviz does
    assert drawing.save(tmp_path / "by_extension.png").read_bytes().startswith(b"\x89PNG")


def test_save_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    x = Value(2.0)
    with pytest.raises(FileNotFoundError, match=r"cannot write .*a\.dot.*the folder .*such' does not exist"):
        viz.draw_graph(x * x).save(tmp_path / "no" / "such" / "a.dot")
