"""Pictures for people and drawings that cannot hang: numbers, styles, fit, legend,
names and LaTeX, bundled model edges, dot's timeout and crashes, size limits, hostile labels."""

from __future__ import annotations

import math
import os
import re
import stat
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from viz_support import bare_edge_labels, mlp_loss, needs_dot, seed_neuron, svg_texts

import viz
import viz.scene
from autograd import Value, dot
from autograd.examples import single_neuron_graph
from viz.cli import main
from viz.display import DotError, DotTimeoutError, fit_svg, render
from viz.latex import latex_name, latex_number
from viz.numbers import format_lanes, format_number
from viz.png import dpi_of, with_dpi
from viz.styles import STYLES

# -- one number formatter ---------------------------------------------------------------------


def test_format_number_examples() -> None:
    assert [format_number(x) for x in (0.009276093, 0.109860473, -1.68870, 1.2341e-05, 0.5, 1.0)] == [
        "0.009276",
        "0.1099",
        "-1.689",
        "1.234e-05",
        "0.5",
        "1",
    ]
    # 0.000123 keeps its digits (it used to read 0.0001), and sits beside -0.0002 in the same notation.
    assert format_number(0.000123) == "0.000123"
    assert format_number(-0.0002) == "-0.0002"
    assert format_number(9.6609e-05) == "9.661e-05"
    assert [format_number(x) for x in (-0.0, 123456.7, 2.5e7, float("inf"), float("nan"))] == [
        "0",
        "123457",
        "2.5e+07",
        "inf",
        "nan",
    ]
    assert format_number(1 / 3, digits=2) == "0.33"
    with pytest.raises(ValueError, match="digits must be an int from 1 to 17"):
        format_number(1.0, 0)


@given(
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    st.integers(1, 10),
)
def test_format_number_rounds_to_digits_significant_digits(x: float, digits: int) -> None:
    assume(x != 0.0)
    text = format_number(x, digits)
    exponent = math.floor(math.log10(abs(x)))
    if 10**digits <= abs(x) < 1e6:  # an integer part longer than `digits` is kept whole
        assert text == f"{x:.0f}"
        return
    assert abs(float(text) - x) <= 0.5 * 10 ** (exponent - digits + 1) * (1 + 1e-9)
    shown = text.partition("e")[0].lstrip("-").replace(".", "").lstrip("0")
    assert len(shown) <= digits  # trailing zeros are dropped, never added


def test_one_number_shown_one_way_in_a_picture_and_its_caption() -> None:
    e, w1, *_ = seed_neuron()
    d = viz.draw_chain(e, w1)
    assert d.caption == "∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276"
    assert "grad 0.009276" in d.source  # W1's gradient on its node, as in the caption
    assert "label=<0.10986>" in bare_edge_labels(d.source)  # σ's local derivative on its edge, as in the caption
    assert format_lanes(np.array([0.5, 1.0, 1.5, 2.25])) == "[0.5, 1, 1.5, … 4 lanes]\nmean 1.312, min 0.5, max 2.25"


# -- styles ----------------------------------------------------------------------------------------


def test_styles_use_one_font_everywhere_and_user_attributes_win() -> None:
    e, w1, *_ = seed_neuron()
    for name, style in STYLES.items():
        src = viz.draw_chain(e, w1, style=name).source
        header = src.split("\n\tv", 1)[0]
        assert header.count(f"fontname={style.fontname}") == 3, name  # graph (caption, clusters), node, edge
        assert "Times" not in src
    slide = viz.draw_chain(e, w1, style="slide")  # its layout is chosen by measuring (tests/test_wrap.py)
    assert re.search(r"node \[[^]]*fontsize=18", slide.source)
    assert slide.dpi == 150
    dark = viz.draw_graph(e, style="dark").source
    assert 'bgcolor="#1e1e1e"' in dark
    assert 'fontcolor="#e8e8e8"' in dark
    mine = viz.draw_graph(e, node_attr={"fontsize": 20}, graph_attr={"rankdir": "BT", "dpi": "200"}, dpi=72)
    assert re.search(r"node \[[^]]*fontsize=20", mine.source)
    assert "rankdir=BT" in mine.source
    mine.node_attr["fontsize"] = "22"  # changed afterwards: still wins
    assert re.search(r"node \[[^]]*fontsize=22", mine.source)
    assert not re.search(r"node \[[^]]*fontsize=11", mine.source)


def test_rankdir_auto_picks_the_layout_that_fits() -> None:
    g = single_neuron_graph()
    g.error.backward()
    chain = viz.draw_chain(g.error, g.w1, params=[g.w1, g.w2, g.b], inputs=[g.x1, g.x2])
    # Top to bottom it would be 1,287 px tall in a 1000 px column (1.6 screens); left to right its text
    # would be 7.9 px in the course site's 736 px column: folded in two columns, 748 × 683 px, text
    # 14.7 px (viz.wrap.fit_column; tests/test_wrap.py measures it).
    assert "rankdir=TB" in chain.source
    assert "rank=same;" in chain.source
    ws = [Value(0.1 * k, label=f"w{k}") for k in range(10)]
    xs = [Value(1.0 + k, label=f"x{k}") for k in range(10)]
    fan_in = viz.draw_graph(dot(ws, xs))
    # 20 leaves side by side would be 3,000 pt wide, and left to right 20 boxes tall (about 1,300 pt):
    # in two bands of ten (each leaf of the second band held under one of the first) it fits a
    # 1000 px column (750 pt) and a screen (900 px, 675 pt).
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', fan_in.svg())
    assert size is not None
    assert float(size.group(1)) <= 750.0, size.groups()
    assert float(size.group(2)) <= 675.0, size.groups()
    assert fan_in.source.count("style=invis") == 10
    # Left to right, a node's cells are stacked so ranks stay narrow.
    lr = viz.draw_graph(g.error, rankdir="LR").source
    assert "<TR><TD><B>E</B></TD></TR><TR><TD>data 0.3565</TD></TR>" in lr


@needs_dot
def test_slide_png_has_the_slide_resolution(tmp_path: Path) -> None:
    e, w1, *_ = seed_neuron()
    d = viz.draw_chain(e, w1, style="slide")
    svg_w = float(re.search(r'<svg width="([\d.]+)pt"', d.svg()).group(1))  # type: ignore[union-attr]
    png = d.save(tmp_path / "slide.png").read_bytes()
    width = int.from_bytes(png[16:20], "big")
    assert abs(width - svg_w * 150 / 72) < 0.02 * width
    # The PNG says its resolution (a pHYs chunk), so a slide tool places it at its size.
    assert dpi_of(png) == 150.0
    assert dpi_of(viz.draw_chain(e, w1).pipe("png")) == 96.0
    assert dpi_of(viz.draw_chain(e, w1, dpi=300).pipe("png")) == 300.0
    assert dpi_of(with_dpi(png, 72)) == 72.0  # replaced, not added twice
    assert with_dpi(png, 72).count(b"pHYs") == 1
    with pytest.raises(ValueError, match="not a PNG"):
        with_dpi(b"GIF89a", 72)


# -- fitting the notebook column -----------------------------------------------------------------


def test_fit_svg_scales_down_never_up_and_offers_full_size() -> None:
    wide = '<?xml version="1.0"?>\n<svg width="2400pt" height="300pt" viewBox="0 0 2400 300"><text>x</text></svg>'
    html = fit_svg(wide)
    assert html.startswith('<div class="chainrule-drawing" style="max-width:100%;overflow-x:auto"><svg')
    assert 'width="3200px" height="400px" style="max-width:100%;height:auto;display:block;cursor:zoom-in"' in html
    assert "onclick=" in html
    assert "<?xml" not in html
    assert "3200 × 400 px, scaled to fit: click the picture to see it at full size" in html
    narrow = fit_svg('<svg width="300pt" height="100pt" viewBox="0 0 300 100"></svg>')
    assert "onclick" not in narrow
    assert "click" not in narrow


@needs_dot
def test_notebook_display_is_the_fitted_svg() -> None:
    e, w1, *_ = seed_neuron()
    bundle = viz.draw_chain(e, w1)._repr_mimebundle_()
    assert "max-width:100%" in bundle["text/html"]
    assert bundle["text/plain"] == "∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276"


# -- colour and legend ------------------------------------------------------------------------------


def test_gradient_scale_spans_the_non_output_nodes_and_has_a_legend() -> None:
    e, *_ = seed_neuron()
    src = viz.draw_graph(e, color="grad").source
    # The largest non-output gradient (|−0.8444|) is full colour, not the seed's 1.
    assert 'BGCOLOR="#4393c3" BORDER="1">-0.8444</TD>' in src
    assert 'BGCOLOR="#d6604d" BORDER="1">0.8444</TD>' in src
    fixed_scale = viz.draw_graph(e, color="grad", vmax=0.01).source
    assert ">-0.01</TD>" in fixed_scale
    w1_fill = re.search(r'BGCOLOR="(#[0-9a-f]+)"><TR><TD><B>W1</B>', fixed_scale)
    assert w1_fill is not None
    assert w1_fill.group(1) not in ("#ffffff", "#fffdfd")  # 0.009276 of 0.01: clearly coloured
    roles = viz.draw_graph(e, inputs=[]).source
    assert ">intermediate</TD>" in roles
    assert ">parameter</TD>" not in roles  # only the roles drawn
    assert '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2"' not in viz.draw_graph(e, legend=False).source
    assert 'CELLSPACING="2"' not in viz.draw_graph(e, color="none").source


# -- model graphs -----------------------------------------------------------------------------------


def test_model_inputs_first_and_parameters_in_named_order() -> None:
    model, loss, xs = mlp_loss([2, 1])
    src = viz.draw_graph(loss, model=model, inputs=xs).source
    top_level = re.findall(r"^\t(v\d+) \[", src, flags=re.MULTILINE)
    order = viz.scene.build_scene([loss], inputs=xs, model=model)
    assert top_level[:2] == [f"v{i}" for i in order.first[:2]]  # the inputs first, in order
    named = [p for _, p in model.named_parameters()]
    assert [order.order[i] for i in order.first[len(xs) :]] == named
    assert [order.order[i] for i in order.first[: len(xs)]] == list(xs)


def test_ops_have_visible_distinct_symbols() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    src = viz.draw_graph([-a, a - b, dot([a], [b])], ops="nodes").source
    assert "label=<negate>" in src
    assert "label=<−>" in src
    assert "label=<Σ w·x>" in src
    inline = viz.draw_graph([-a, a - b, dot([a], [b])]).source  # the op in the first cell of its result
    for symbol in ("negate", "−", "Σ w·x"):
        assert f'<TD BGCOLOR="#f0f0f0">{symbol}</TD>' in inline


# -- names and LaTeX -------------------------------------------------------------------------------


def test_names_for_pictures_and_captions() -> None:
    e, w1, *_ = seed_neuron()
    names = {w1: "w¹₁", "W2": "w¹₂"}
    d = viz.draw_chain(e, w1, names=names)
    assert d.caption == "∂E/∂w¹₁ = 0.84435 × 0.10986 × 0.1 = 0.009276"
    assert "<B>w¹₁</B>" in d.source
    assert "<B>w¹₂</B>" in d.source
    assert viz.chain_caption(e, w1, names=lambda v: "ŷ" if v.label == "predicted" else None).latex() == (
        r"\frac{\partial E}{\partial W_{1}} = \frac{\partial E}{\partial \hat{y}}"
        r" \cdot \frac{\partial \hat{y}}{\partial s} \cdot \frac{\partial s}{\partial W_{1}}"
        r" = 0.84435 \times 0.10986 \times 0.1 = 0.009276"
    )
    assert d.latex() == d.caption.latex()
    assert d._repr_latex_().startswith("$\\displaystyle \\frac{\\partial E}{\\partial w^{1}_{1}}")
    model, loss, _ = mlp_loss([2, 1])
    src = viz.draw_graph(loss, model=model, names={"layers.0.neurons.1.w.0": "w_{21}^{(1)}"}).source
    assert "<B>w_{21}^{(1)}</B>" in src
    with pytest.raises(TypeError, match="names= keys must be Values or names"):
        viz.draw_graph(e, names={1: "x"})


def test_latex_of_several_paths_and_small_numbers() -> None:
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    tex = viz.chain_caption(y, x).latex()
    assert tex.startswith(r"\begin{aligned}")
    assert r"\frac{\partial y}{\partial x} & = 3 + 3 = 6" in tex
    tiny = Value(1e-7, label="t") * 2.0
    tiny.label = "u"
    assert latex_number("1.234e-05") == r"1.234 \times 10^{-5}"
    assert latex_name("W1") == "W_{1}"
    assert latex_name("σ") == r"\sigma"
    assert latex_name("x_{1}") == "x_{1}"
    assert viz.chain_caption(tiny, tiny).latex() == r"\frac{\partial u}{\partial u} = 1"


# -- dot that cannot hang or crash us ------------------------------------------------------------


def _tanh_chain(levels: int) -> tuple[Value, Value]:
    x, w, b = Value(0.5, label="x"), Value(0.9, label="w"), Value(0.1, label="b")
    y = x
    for _ in range(levels):
        y = (y * w + b).tanh()
    y.label = "y"
    y.backward()
    return y, w


def test_large_graphs_are_refused_with_what_to_do() -> None:
    y, w = _tanh_chain(50)
    with pytest.raises(viz.GraphTooLargeError, match=r"303 nodes, more than max_nodes=200 .*max_nodes=303"):
        viz.draw_graph(y, ops="nodes")
    with pytest.raises(viz.GraphTooLargeError, match="303 nodes"):
        viz.draw_chain(y, w, ops="nodes", view="graph")
    # 93 nodes, but w and b feed every level: the edges cross many levels, and dot takes seconds to minutes.
    y30, w30 = _tanh_chain(30)
    with pytest.raises(viz.GraphTooLargeError, match=r"5432 cells \(93 nodes.*max_nodes=363"):
        viz.draw_chain(y30, w30, view="graph")
    assert viz.draw_chain(y30, w30, view="graph", max_nodes=363).layout_cells == 5432


def _fake_dot(tmp_path: Path, body: str) -> str:
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "dot"
    script.write_text(f"#!{sys.executable}\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def test_a_crash_of_dot_becomes_our_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PATH", _fake_dot(tmp_path, "import os, signal, sys; sys.stdin.read(); os.kill(os.getpid(), signal.SIGSEGV)")
    )
    d = viz.draw_graph(Value(1.0, label="a") * 2.0)
    with pytest.raises(DotError, match=r"crashed \(SIGSEGV\) on this picture of 3 nodes.*collapse="):
        d.save(tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    bundle = d._repr_mimebundle_()  # the notebook shows the message, not a traceback
    assert "crashed (SIGSEGV)" in bundle["text/plain"]
    assert d._repr_svg_() is None


def test_a_failing_dot_becomes_our_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PATH", _fake_dot(tmp_path, "import sys; sys.stdin.read(); sys.stderr.write('Error: syntax\\n'); sys.exit(1)")
    )
    with pytest.raises(DotError, match=r"failed \(exit status 1\) on this picture of 3 nodes: Error: syntax"):
        viz.draw_graph(Value(1.0, label="a") * 2.0).svg()


def test_dot_has_a_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", _fake_dot(tmp_path, "import time; time.sleep(30)"))
    d = viz.draw_graph(Value(1.0, label="a") * 2.0, timeout=0.5)
    with pytest.raises(DotTimeoutError, match=r"did not finish this picture of 3 nodes within timeout=0.5 s"):
        d.svg()
    assert "within timeout=0.5 s" in d._repr_mimebundle_()["text/plain"]
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        render("digraph {}", "svg", timeout=0)


def test_cli_refuses_large_pictures_and_reports_dot_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expr = "x"
    for _ in range(50):
        expr = f"tanh({expr}*w+b)"
    assert len(expr) == 501
    assert main([expr, "--at", "x=0.5", "w=0.9", "b=0.1", "-o", str(tmp_path / "g.svg")]) == 2
    assert "more than 15 × max_nodes = 3000" in capsys.readouterr().err
    monkeypatch.setenv("PATH", _fake_dot(tmp_path, "import time; time.sleep(30)"))
    assert main(["x*2", "--at", "x=1", "--timeout", "0.5", "-o", str(tmp_path / "g.svg")]) == 1
    assert "within timeout=0.5 s" in capsys.readouterr().err


# -- hostile labels -----------------------------------------------------------------------------------


def test_labels_with_nul_are_refused_and_long_ones_cut_visibly() -> None:
    with pytest.raises(ValueError, match="contains a NUL character"):
        viz.draw_graph(Value(1.0, label="a\x00b") * 2.0)
    with pytest.raises(ValueError, match="contains a NUL character"):
        viz.draw_graph(Value(1.0) * 2.0, names=lambda v: "x\x00")
    long = "n" * 20_000
    src = viz.draw_graph(Value(1.0, label=long) * 2.0).source
    assert "n" * 20_000 not in src
    assert f"{'n' * 199}… (20000 characters)" in src


@needs_dot
def test_long_label_renders() -> None:
    texts = svg_texts(viz.draw_graph(Value(1.0, label="n" * 20_000) * 2.0).svg())
    assert any(t.endswith("… (20000 characters)") for t in texts)
