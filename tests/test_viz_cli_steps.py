"""python -m viz --steps: the step-through of an expression as a player, a GIF, a PDF or a folder of frames."""

from __future__ import annotations

from pathlib import Path

import pytest
from viz_support import needs_dot

from viz.cli import main
from viz.styles import get_style

ARGS = ["tanh(x*w + b)", "--at", "x=0.5", "w=-1", "b=2", "--steps"]


@needs_dot
def test_steps_to_a_player_and_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "-o", str(tmp_path / "steps.html")]) == 0
    page = (tmp_path / "steps.html").read_text(encoding="utf-8")
    assert page.count('class="chainrule-player"') == 1
    assert '"n":' in page  # the frames' data
    assert 'max="12"' in page
    assert "wrote 12 steps to" in capsys.readouterr().out
    assert main([*ARGS, "-o", str(tmp_path / "frames")]) == 0
    assert len(list((tmp_path / "frames").glob("frame_*.svg"))) == 12


@needs_dot
def test_steps_to_a_gif_and_a_pdf(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    pytest.importorskip("pypdf")
    assert main([*ARGS, "--fps", "2", "--dpi", "40", "-o", str(tmp_path / "s.gif")]) == 0
    with image.open(tmp_path / "s.gif") as im:
        assert im.n_frames == 12
    assert main([*ARGS, "-o", str(tmp_path / "s.pdf")]) == 0
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")


def test_steps_refuses_wrt_and_bad_fps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--wrt", "x", "-o", str(tmp_path / "s.html")]) == 2
    assert "--steps and --wrt do not go together" in capsys.readouterr().err
    assert main([*ARGS, "--fps", "0", "-o", str(tmp_path / "s.gif")]) == 2
    assert "fps must be" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_steps_take_digits_and_style(tmp_path: Path) -> None:
    """--digits and --style reach the frames (tanh(1.5) = 0.9051482536…)."""
    assert main([*ARGS, "--digits", "6", "--style", "dark", "-o", str(tmp_path / "six")]) == 0
    last = sorted((tmp_path / "six").glob("*.svg"))[-1].read_text(encoding="utf-8")
    assert get_style("dark").background in last
    assert "0.905148" in last
    assert main([*ARGS, "--digits", "2", "-o", str(tmp_path / "two")]) == 0
    last = sorted((tmp_path / "two").glob("*.svg"))[-1].read_text(encoding="utf-8")
    assert "0.91" in last
    assert "0.905" not in last
