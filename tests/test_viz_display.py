"""Display and files without graphviz's dot: DOT text plus a one-line hint, never an error."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from viz_support import needs_dot, seed_neuron

import viz
from autograd import (
    Value,
)


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
    assert "∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276" in data["text/plain"]
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


# -- every run of dot has the timeout (pipe, render, view) --------------------------------------


def _sleeping_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``dot`` on PATH that sleeps for 30 s and leaves a mark when it is started.

    A shell script: it starts in milliseconds, well inside the tests' 0.3 s timeout, where a
    Python interpreter can take longer than that to start on a loaded machine.
    """
    folder = tmp_path / "slow-bin"
    folder.mkdir()
    mark = tmp_path / "dot-started"
    script = folder / "dot"
    script.write_text(f'#!/bin/sh\necho "$0 $*" > {shlex.quote(str(mark))}\nexec sleep 30\n', encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return mark


def test_pipe_render_and_view_stop_dot_at_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mark = _sleeping_dot(tmp_path, monkeypatch)
    drawing = viz.draw_graph(Value(1.0, label="a") * 2.0, timeout=0.3)
    with pytest.raises(viz.DotTimeoutError, match=r"did not finish this picture of 3 nodes within timeout=0.3 s"):
        drawing.pipe("svg")
    assert "-Tsvg" in mark.read_text(encoding="utf-8")  # our dot ran, through viz.display.render
    with pytest.raises(viz.DotTimeoutError, match=r"within timeout=0\.3 s"):
        drawing.pipe(format="png", encoding="utf-8")
    with pytest.raises(viz.DotTimeoutError, match=r"within timeout=0\.3 s"):
        drawing.render(tmp_path / "g", format="png")
    assert not (tmp_path / "g.png").exists()  # nothing half-written
    opened: list[str] = []
    monkeypatch.setattr(type(drawing), "_view", lambda self, path, **kw: opened.append(path))
    with pytest.raises(viz.DotTimeoutError, match=r"within timeout=0\.3 s"):
        drawing.view(tmp_path / "v")
    assert opened == []  # no viewer for a picture that was never made


def test_pipe_and_render_report_a_failing_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "bad-bin"
    folder.mkdir()
    script = folder / "dot"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.stdin.read()\nsys.stderr.write('Error: bad\\n')\nsys.exit(1)\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    drawing = viz.draw_graph(Value(1.0, label="a") * 2.0)
    with pytest.raises(viz.DotError, match=r"failed \(exit status 1\) on this picture of 3 nodes: Error: bad"):
        drawing.pipe()
    with pytest.raises(viz.DotError, match="exit status 1"):
        drawing.render(outfile=tmp_path / "g.svg")


@needs_dot
def test_pipe_and_render_work_like_graphvizs(tmp_path: Path) -> None:
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    drawing = viz.draw_graph(y)
    assert drawing.pipe("svg").lstrip().startswith(b"<?xml")
    assert drawing.pipe(format="svg", encoding="utf-8").lstrip().startswith("<?xml")
    assert drawing.pipe().startswith(b"%PDF")  # graphviz's default format
    assert drawing.pipe("png", renderer="cairo").startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="format"):
        drawing.pipe("nonsense")
    # render(): the DOT source beside the picture, named as graphviz names them.
    rendered = drawing.render(tmp_path / "g", format="svg", cleanup=True)
    assert Path(rendered) == tmp_path / "g.svg"
    assert Path(rendered).read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert not (tmp_path / "g").exists()  # cleanup removed the source
    png = drawing.render(outfile=tmp_path / "out.png")
    assert Path(png) == tmp_path / "out.png"
    assert Path(png).read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "out.gv").read_text(encoding="utf-8") == drawing.source
    with pytest.raises(FileExistsError, match="output file exists"):
        drawing.render(outfile=tmp_path / "out.png", raise_if_result_exists=True)
    # slide resolution reaches render() too: the PNG is drawn at the drawing's dpi.
    e, w1, *_ = seed_neuron()
    slide = viz.draw_chain(e, w1, style="slide")
    small = viz.draw_chain(e, w1, style="slide", dpi=72)
    assert len(slide.pipe("png")) > len(small.pipe("png"))


@needs_dot
@pytest.mark.parametrize("label", ["bad\udcff", "\x1b[31m", "bell\x07", "del\x7f", "x\ufffe", "\x0c\x0b"])
def test_a_label_no_file_can_hold_is_drawn_visibly(label: str) -> None:
    """A lone surrogate once raised UnicodeEncodeError in the display; a control character gave a DotError
    telling to "draw fewer nodes" for a 3-node picture. Both are drawn, shown as their symbol or escape."""
    x = Value(1.0, label=label)
    y = x * 2
    y.backward()
    drawing = viz.draw_graph(y)
    bundle = drawing._repr_mimebundle_()
    assert "image/svg+xml" in bundle, bundle.get("text/plain")
    svg = bundle["image/svg+xml"]
    shown = viz.scene.visible(label)
    assert shown != label
    assert shown.replace("\\", "\\\\") in svg or shown in svg
    svg.encode("utf-8")  # the notebook's JSON and the file both need UTF-8


@pytest.mark.parametrize("timeout", [3e6, float("inf"), float("nan"), 0, -1])
def test_a_timeout_beyond_a_day_is_a_clear_error_not_an_overflow(timeout: float) -> None:
    """`timeout=3e6` once ended in OverflowError from the selector, in svg(), save() and the display."""
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds up to 86,400"):
        viz.draw_graph(x * 2, timeout=timeout)
    drawing = viz.draw_graph(x * 2)
    drawing.timeout = timeout
    with pytest.raises(ValueError, match="timeout must be"):
        drawing.svg()
    bundle = drawing._repr_mimebundle_()
    assert "timeout must be a positive number of seconds" in bundle["text/plain"]


@pytest.mark.parametrize("dpi", [0.1, 9.99, 601, 2400, float("nan")])
def test_dpi_is_bounded_everywhere(dpi: float) -> None:
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="dpi must be a number from 10 to 600"):
        viz.draw_graph(x * 2, dpi=dpi)
    drawing = viz.draw_graph(x * 2)
    drawing.dpi = dpi
    with pytest.raises(ValueError, match="dpi must be a number from 10 to 600"):
        drawing.render_bytes("png")


@needs_dot
def test_text_with_a_lone_surrogate_is_refused_by_render_with_its_place() -> None:
    source = 'digraph { a [label="bad\udcff"] }'
    with pytest.raises(ValueError, match=r"'\\\\udcff', a lone surrogate that UTF-8 cannot encode, near"):
        viz.display.render(source, "svg")


@needs_dot
def test_dot_refusing_the_text_is_not_blamed_on_the_size() -> None:
    with pytest.raises(viz.display.DotError, match="could not read this picture's text, whatever its size") as info:
        viz.display.render("digraph { a [label=<x\x1bx>] }", "svg", nodes=1)
    assert "fewer nodes" not in str(info.value)


# -- saving uses the shared file helper ------------------------------------------------------------


def test_drawings_are_saved_by_the_shared_helper(tmp_path: Path) -> None:
    import os
    import stat

    from viz import draw_graph

    x = Value(2.0, label="x")
    drawing = draw_graph(x * x)
    fifo = tmp_path / "picture.dot"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"refusing to replace .*a FIFO"):
        drawing.save(fifo)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    target = tmp_path / "real.dot"
    (tmp_path / "link.dot").symlink_to(target.name)
    drawing.save(tmp_path / "link.dot")
    assert target.read_text().startswith("digraph")
    target.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        drawing.save(target)
    assert sorted(os.listdir(tmp_path)) == ["link.dot", "picture.dot", "real.dot"]
