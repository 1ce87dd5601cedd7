"""LaTeX of captions: a label is mathematics or text, never markup that acts (links, styles, scripts)."""

from __future__ import annotations

import pytest

import viz
from autograd import Value
from viz.latex import latex_name

HOSTILE = [
    r"\href{javascript:alert(1)}{w}",
    r"w_{\href{javascript:alert(1)}{1}}",
    r"\class{x}{w}",
    r"\style{color:red}{w}",
    r"\cssId{x}{w}",
    r"\unicode{x41}",
    r"\require{html}",
    r"\url{javascript:alert(1)}",
    r"\data{x}{w}",
    r"\def\x{1}",
    r"w}$\href{javascript:alert(1)}{x}${",
    r"w_{1",
    r"w\(",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_a_label_that_is_not_plain_mathematics_is_set_as_text(label: str) -> None:
    """`\\href{javascript:alert(1)}{w}` went into _repr_latex_ verbatim and ran JavaScript in MathJax on a click."""
    tex = latex_name(label)
    assert tex.startswith(r"\mathrm{")
    assert tex.endswith("}")
    body = tex[len(r"\mathrm{") : -1]
    assert "\\" not in body.replace(r"\backslash ", "").replace(r"\{", "").replace(r"\}", "").replace(
        r"\$", ""
    ).replace(r"\_", "").replace(r"\hat{}", "")
    x = Value(0.5, label=label)
    w = Value(2.0, label="w")
    y = x * w
    y.backward()
    shown = viz.draw_chain(y, w)._repr_latex_() or ""
    for word in ("href", "class", "style", "cssId", "unicode", "require", "url", "data", "def"):
        assert f"\\{word}" not in shown


@pytest.mark.parametrize(
    ("label", "tex"),
    [
        ("w_{21}^{(1)}", "w_{21}^{(1)}"),
        (r"\hat{y}", r"\hat{y}"),
        (r"\mathbf{W}_1", r"\mathbf{W}_1"),
        (r"\sigma'", r"\sigma'"),
        (r"\Gamma", r"\Gamma"),
        (r"x_{\mathrm{in}}", r"x_{\mathrm{in}}"),
    ],
)
def test_plain_mathematics_in_a_label_is_kept(label: str, tex: str) -> None:
    assert latex_name(label) == tex
