"""viz.check.draw_check: a failed gradient check drawn with its culprit marked."""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import GradcheckError, define_op, gradcheck, gradgradcheck
from autograd.core.rules import unregister
from viz.check import draw_check


@pytest.fixture
def bad_sin() -> Iterator[Any]:
    op = define_op("viz_check_bad_sin", math.sin, lambda out, x: (1.01 * math.cos(x),), replace=True)
    yield op
    unregister("viz_check_bad_sin")


def _failed(bad_sin: Any) -> GradcheckError:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: (x * y).tanh() + bad_sin(x * y) * y.exp(), 0.5, 2.0)
    return info.value


def test_the_culprit_node_and_its_edge_are_marked(bad_sin: Any) -> None:
    error = _failed(bad_sin)
    (c,) = error.culprits
    drawing = draw_check(error)
    source = drawing.source
    node = f"v{c.position}"
    line = next(ln for ln in source.splitlines() if ln.strip().startswith(f"{node} ["))
    assert 'BORDER="2"' in line  # the red border of an emphasised node
    assert "0.5457 ✗ (true 0.5403)" in source  # the wrong local derivative on its edge
    assert drawing.caption.splitlines() == [
        f"gradcheck failed (mismatch): 1 culprit — {node} = viz_check_bad_sin(1.0)",
        f"{node} = viz_check_bad_sin(1.0): ∂ stored 0.5457, its rule gives 0.5403",
    ]
    assert re.search(r"\bx\b", source)  # the inputs are named as f names them
    # only the culprit is emphasised
    assert sum('BORDER="2"' in ln for ln in source.splitlines()) == 1


def test_a_result_draws_like_its_error(bad_sin: Any) -> None:
    result = gradcheck(lambda x, y: bad_sin(x) * y, 0.5, 2.0, raise_exception=False)
    assert draw_check(result).caption == draw_check(result.error).caption  # type: ignore[arg-type]


def test_a_second_order_culprit_is_marked() -> None:
    frozen = define_op(
        "viz_check_frozen",
        lambda x: math.log1p(math.exp(x)),
        lambda out, x: (1.0 / (1.0 + math.exp(-(x.data if hasattr(x, "data") else x))),),
        replace=True,
    )
    try:
        with pytest.raises(GradcheckError) as info:
            gradgradcheck(lambda x: frozen(x) * x, 0.7)
        drawing = draw_check(info.value)
    finally:
        unregister("viz_check_frozen")
    assert "∂² (create_graph)" in drawing.caption
    assert "gradgradcheck failed" in drawing.caption


def test_refuses_what_it_cannot_draw() -> None:
    with pytest.raises(ValueError, match="passed"):
        draw_check(gradcheck(lambda x: x * x, 0.5, raise_exception=False))
    with pytest.raises(TypeError, match="GradcheckError"):
        draw_check("mismatch")  # type: ignore[arg-type]
    nondeterministic = GradcheckError("nondeterministic: …", kind="nondeterministic")
    with pytest.raises(ValueError, match=r"draw the function's graph with viz\.draw_graph"):
        draw_check(nondeterministic)


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_the_picture_renders(bad_sin: Any, tmp_path: Path) -> None:
    drawing = draw_check(_failed(bad_sin))
    svg = drawing.svg()
    assert "viz_check_bad_sin" in svg
    assert "✗" in svg
    path = tmp_path / "check.png"
    drawing.save(str(path))
    assert path.stat().st_size > 1000
