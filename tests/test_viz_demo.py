"""`python -m viz.demo`: the single-neuron chain written for `make demo`."""

import os
import shutil
import stat
from pathlib import Path

import pytest

from viz.demo import main

CAPTION = "∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276"


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz's dot")
def test_writes_the_chain_as_svg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 0
    svg = tmp_path / "chain.svg"
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    out = capsys.readouterr().out
    assert CAPTION in out
    assert f"wrote {svg}" in out


def test_without_dot_writes_the_dot_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert main([str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "chain.dot").read_text()
    assert text.startswith("digraph")
    assert "W1" in text


def test_files_get_the_usual_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An atomic write must not leave mkstemp's private 0600 mode on a picture."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    old = os.umask(0o022)
    try:
        assert main([str(tmp_path / "out")]) == 0
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "out" / "chain.dot").stat().st_mode)
    assert mode == 0o644


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["a", "b"]) == 2
    assert main(["--help"]) == 2
    assert "usage" in capsys.readouterr().err
