"""python -m viz: good expressions draw files by extension; bad ones get a clear message and exit status 2."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from viz_support import bare_edge_labels, needs_dot, svg_texts

from autograd import Value
from viz import format_number
from viz.cli import main
from viz.expr import MAX_LENGTH, ExpressionError, build, parse
from viz.styles import STYLES


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_example_with_wrt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "graph.dot"
    code, out, err = run(["tanh(x*w + b)", "--at", "x=0.5", "w=-1", "b=2", "--wrt", "w", "-o", str(out_file)], capsys)
    assert (code, err) == (0, "")
    y = math.tanh(0.5 * -1 + 2)
    dy = 1 - y * y
    assert out.splitlines() == [
        f"f = {y!r}",
        f"∂f/∂w = {format_number(dy)} × 0.5 = {format_number(dy * 0.5)}",
        f"wrote {out_file} (dot)",
    ]
    src = out_file.read_text(encoding="utf-8")
    assert "<B>w</B>" in src
    assert 'color="#d62728"' in src


def test_graph_without_wrt_shows_gradients(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "g.gv"
    code, _, err = run(["x**2 + 3*x", "--at", "x=2", "--local-grads", "-o", str(out_file)], capsys)
    assert (code, err) == (0, "")
    src = out_file.read_text(encoding="utf-8")
    x_node = next(line for line in src.splitlines() if "<B>x</B>" in line)
    assert "<TD>data 2</TD>" in x_node
    assert "<TD>grad 7</TD>" in x_node
    assert '">**2</TD>' in src  # a number exponent is the op's parameter


@needs_dot
@pytest.mark.parametrize(("ext", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_rendered_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str], ext: str, magic: bytes) -> None:
    out_file = tmp_path / f"graph.{ext}"
    code, _, err = run(["sigmoid(a*b) - log(b)", "--at", "a=0.3", "b=1.5", "--wrt", "b", "-o", str(out_file)], capsys)
    assert (code, err) == (0, "")
    data = out_file.read_bytes()
    assert data.startswith(magic)
    if ext == "svg":
        texts = svg_texts(data.decode("utf-8"))
        sig = 1 / (1 + math.exp(-0.45))
        d1, d2 = sig * (1 - sig) * 0.3, -1 / 1.5
        # 0.07133 + (-0.6667) would give -0.5954, not the -0.5953 written: the products carry a
        # guard digit (and their factors as many), so the caption's arithmetic redoes.
        assert f"path 1: {format_number(sig * (1 - sig), 5)} × 0.3 = {format_number(d1, 5)}" in texts
        assert f"path 2: (-1) × {format_number(1 / 1.5, 5)} = {format_number(d2, 5)}" in texts
        assert f"∂f/∂b = {format_number(d1, 5)} + ({format_number(d2, 5)}) = {format_number(d1 + d2)}" in texts
        assert format_number(d1 + d2) == "-0.5953"


def test_python_dash_m(tmp_path: Path) -> None:
    out_file = tmp_path / "g.dot"
    ok = subprocess.run(
        [sys.executable, "-m", "viz", "relu(x) + leaky_relu(-x, 0.2)", "--at", "x=1.5", "-o", str(out_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[0] == "f = 1.2"
    bad = subprocess.run(
        [sys.executable, "-m", "viz", "__import__('os').system('true')", "-o", str(tmp_path / "x.svg")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("python -m viz: error: ")
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize(
    ("expr", "at", "message"),
    [
        ("x.__class__", ["x=1"], "attribute access not allowed at column 1"),
        ("__import__('os')", [], "unknown function '__import__'"),
        ("eval('1')", [], "unknown function 'eval'"),
        ("open(x)", ["x=1"], "unknown function 'open'"),
        ("x[0]", ["x=1"], "subscripts not allowed"),
        ("lambda: 1", [], "lambda not allowed"),
        ("x if x else 1", ["x=1"], "'if' expressions not allowed"),
        ("x < 1", ["x=1"], "comparisons not allowed"),
        ("'text'", [], "only numbers are allowed as constants, got 'text'"),
        ("True * x", ["x=1"], "only numbers are allowed as constants, got True"),
        ("1j * x", ["x=1"], "only numbers are allowed as constants, got 1j"),
        ("x // 2", ["x=1"], "the operator FloorDiv at column 1 is not allowed"),
        ("x % 2", ["x=1"], "the operator Mod at column 1 is not allowed"),
        ("~x", ["x=1"], "the operator Invert at column 1 is not allowed"),
        ("tanh", [], "'tanh' at column 1 is a function: call it"),
        ("tanh(x, 2)", ["x=1"], r"tanh\(\) takes 1 argument\(s\), got 2"),
        ("leaky_relu(x, x)", ["x=1"], r"the last argument of leaky_relu\(\) at column 1 must be a number"),
        ("tanh(x=1)", [], "keyword arguments are not allowed"),
        ("_x * 2", [], "names may not start with '_'"),
        ("x +", ["x=1"], "not a valid expression"),
        ("", [], "the expression is empty"),
        ("y * 2", ["x=1"], "unknown name 'y': give it a value, e.g. --at y=1.0"),
        ("x", ["x=1", "z=2"], "--at z: 'z' does not appear in the expression"),
        ("x", ["x=abc"], "--at 'x=abc': 'abc' is not a number"),
        ("x", ["x=nan"], "the value must be finite"),
        ("x", ["x"], "expected NAME=VALUE"),
        ("x", ["x=1", "x=2"], "'x' is given twice"),
        ("x", ["tanh=1"], "'tanh' is a function name"),
        ("log(x)", ["x=-1"], r"cannot evaluate at these values: log\(-1.0\) is undefined"),
        ("x / (x - 1)", ["x=1"], "cannot evaluate at these values"),
        ("exp(x)", ["x=1000"], "cannot evaluate at these values: .*overflow"),
        ("2 ** 99999999999999999999999999999999999", [], "more than 30 digits"),
        ("1e999 * x", ["x=1"], "too large for a float"),
        ("x ** 1e308", ["x=10"], "cannot evaluate at these values"),
        ("(" * 60 + "x" + ")" * 60, ["x=1"], "nests parentheses 60 deep; the limit is 50"),
        ("-" * 300 + "x", ["x=1"], "nested more than 200 levels deep"),
        ("+".join(["*".join(["x"] * 20)] * 20), ["x=1"], "more than 400 parts"),  # 799 parts, 40 deep
        ("x" + " " * MAX_LENGTH, ["x=1"], f"characters long; the limit is {MAX_LENGTH}"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    expr: str, at: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "g.dot"
    args = ["-o", str(out_file)]
    if at:
        args += ["--at", *at]
    code, out, err = run([*args, "--", expr], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("python -m viz: error: ")
    assert len(err.strip().splitlines()) == 1
    assert re.search(message, err), err
    assert not out_file.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--at", "x=1", "-o", "g.txt"], "cannot tell the output format from 'g.txt'"),
        (["x", "--at", "x=1", "--wrt", "q", "-o", "g.dot"], "--wrt q: 'q' does not appear in the expression"),
        (["x", "--at", "x=1", "--precision", "40", "-o", "g.dot"], "--digits must be from 1 to 17"),
        (["x", "--at", "x=1", "--digits", "0", "-o", "g.dot"], "--digits must be from 1 to 17"),
        (["x", "--at", "x=1", "--digits", "3", "--precision", "4", "-o", "g.dot"], "not both"),
        (["x", "--at", "x=1", "--dpi", "0", "-o", "g.png"], "--dpi must be from 10 to 600"),
        (["x", "--at", "x=1", "--timeout", "-1", "-o", "g.png"], "--timeout must be a positive number"),
        (["x", "--at", "x=1", "--max-nodes", "0", "-o", "g.png"], "--max-nodes must be positive"),
        (["x", "--at", "x=1"], "the following arguments are required: -o/--output"),
    ],
)
def test_bad_arguments_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(args, capsys)
    assert code == 2
    assert message in err


def test_unwritable_output_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["x", "--at", "x=1", "-o", str(tmp_path / "missing" / "g.dot")], capsys)
    assert code == 1
    assert "cannot write" in err


def test_expression_builder_directly() -> None:
    env = {"x": Value(2.0, label="x")}
    y = build("2 ** x - -x + sqrt(x) * 1.5", env)
    assert y.data == pytest.approx(4.0 + 2.0 + math.sqrt(2.0) * 1.5, rel=1e-15)
    assert build("3", {}).data == 3.0
    assert build("-2 ** 2", {}).data == -4.0  # Python's precedence
    with pytest.raises(ExpressionError, match="unknown name 'z'"):
        build("z", env)
    not_text: Any = 3
    with pytest.raises(ExpressionError, match="must be a string"):
        parse(not_text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dpi", "0.1", "-o", "d.png"], "--dpi must be from 10 to 600, got 0.1"),
        (["--dpi", "2400", "-o", "d.png"], "--dpi must be from 10 to 600, got 2400"),
        (["--dpi", "nan", "-o", "d.png"], "--dpi must be from 10 to 600, got nan"),
        (["--timeout", "3e6", "-o", "d.svg"], "--timeout must be a positive number of seconds up to 86400"),
        (["--timeout", "nan", "-o", "d.svg"], "--timeout must be a positive number of seconds"),
        (["--steps", "--fps", "0.001", "-o", "f.gif"], "fps must be a number of frames per second from 0.01 to 50"),
        (["--steps", "-o", "x.png"], "'x.png' names one png file, and a step-through is"),
        (["--steps", "-o", "x.svg"], "write .html (a player), .gif or .pdf, or give a folder"),
    ],
)
def test_out_of_range_arguments_are_usage_errors_that_write_nothing(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each of these once exited 0 with an empty file or a folder, or ended in an OverflowError traceback."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["x*2", "--at", "x=1", *args], capsys)
    assert code == 2, (out, err)
    assert message in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_name_is_read_as_python_reads_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--at ﬁ=1 "ﬁ*2"` once said "unknown name 'fi'": Python reads the ligature ﬁ as fi, in --at too."""
    out_file = tmp_path / "g.dot"
    code, out, err = run(["ﬁ*2", "--at", "ﬁ=1", "-o", str(out_file)], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("f = 2.0")
    code, _, err = run(["fi*2", "--at", "ﬁ=1", "fi=2", "-o", str(out_file)], capsys)
    assert code == 2
    assert "'fi' is given twice" in err


def test_a_plain_relative_path_is_not_called_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["x", "--at", "x=1", "-o", "missing/g.svg"], capsys)
    assert code == 1
    assert "link" not in err
    assert err.count("cannot write") == 1
    assert "cannot write missing/g.svg: the folder" in err
    (tmp_path / "link.svg").symlink_to(tmp_path / "gone" / "g.svg")
    code, _, err = run(["x", "--at", "x=1", "-o", "link.svg"], capsys)
    assert code == 1
    assert "'link.svg' (a link to " in err


def test_param_marks_parameters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "g.gv"
    args = ["tanh(x1*w1 + b)", "--at", "x1=0.5", "w1=-1", "b=2", "--param", "w1", "--param", "b"]
    code, _, err = run([*args, "-o", str(out_file)], capsys)
    assert (code, err) == (0, "")
    src = out_file.read_text(encoding="utf-8")
    fills = {name: re.search(rf'BGCOLOR="(#\w+)"><TR><TD><B>{name}</B>', src) for name in ("x1", "w1", "b")}
    assert all(fills.values())
    assert fills["x1"] is not None
    assert fills["w1"] is not None
    assert fills["b"] is not None
    assert fills["x1"].group(1) == STYLES["notebook"].roles["input"]
    assert fills["w1"].group(1) == fills["b"].group(1) == STYLES["notebook"].roles["parameter"]
    assert ">parameter</TD>" in src  # the legend says so


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--param", "z"], "--param z: 'z' does not appear in the expression"),
        (["--param", "w", "--param", "w"], "--param: 'w' is given twice"),
        (["--steps", "--local-grads"], "--steps and --local-grads do not go together"),
    ],
)
def test_param_and_local_grads_misuse_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, _, err = run(["x*w", "--at", "x=1", "w=2", *extra, "-o", str(tmp_path / "g.gv")], capsys)
    assert code == 2
    assert message in err


def test_local_grads_with_wrt_labels_the_edges_off_the_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, labelled = tmp_path / "plain.gv", tmp_path / "labelled.gv"
    args = ["x*w + x*b", "--at", "x=0.5", "w=-1", "b=2", "--wrt", "w"]
    assert run([*args, "-o", str(plain)], capsys)[0] == 0
    assert run([*args, "--local-grads", "-o", str(labelled)], capsys)[0] == 0
    off_path = r"v\d+ -> v\d+ \[label=<[^>]*> color=\"#b0b0b0\""
    assert re.findall(off_path, bare_edge_labels(plain.read_text(encoding="utf-8"))) == []
    # the four edges off the path from the output to w: x→x·w, x→x·b, b→x·b and x·b→+
    assert len(re.findall(off_path, bare_edge_labels(labelled.read_text(encoding="utf-8")))) == 4


def test_background_combines_with_the_style(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "g.gv"
    args = ["x*w", "--at", "x=1", "w=2", "--style", "slide", "--background", "dark", "-o", str(out_file)]
    assert run(args, capsys)[:3:2] == (0, "")
    src = out_file.read_text(encoding="utf-8")
    assert "bgcolor=transparent" in src
    assert re.search(r"node \[[^]]*fontsize=18", src)
    code, _, err = run(["x", "--at", "x=1", "--style", "dark", "--background", "light", "-o", str(out_file)], capsys)
    assert code == 2
    assert "drop --background light" in err


# -- a non-finite gradient on the command line -----------------------------------------------------


def test_cli_exits_2_when_a_gradient_overflows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.dot"
    status = main(["sin(1e200*sin(1e200*z))", "--at", "z=1", "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert "-inf" in err
    assert "overflows" in err
    assert "nan" not in err
    assert not out.exists()
