"""viz under the reliability findings: a non-finite gradient on the command line, huge path counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd import Value
from viz import chain_caption
from viz.cli import main


def test_cli_exits_2_when_a_gradient_overflows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.dot"
    status = main(["sin(1e200*sin(1e200*z))", "--at", "z=1", "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert "-inf" in err
    assert "overflows" in err
    assert "nan" not in err
    assert not out.exists()


def test_a_caption_names_a_path_count_beyond_printable_digits() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(14_400):  # 2**14400 paths: about 10^4334, more digits than Python prints
        y = (y + y) * 0.5
    y.label = "y"
    caption = chain_caption(y, x)
    assert "about 10^4334 paths" in str(caption)
    assert str(caption).startswith("∂y/∂x = 1 ")
