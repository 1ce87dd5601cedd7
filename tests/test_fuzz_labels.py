"""Hostile labels in every page chainrule makes, opened in Chromium with a dialog listener.

Re-runs, at small scale, the attack that once ran JavaScript from a label in the LaTeX
caption (``\\href{javascript:...}`` under MathJax): every label below is drawn in a
notebook picture, a step-through player and a chain caption typeset by the project's own
MathJax; every element is clicked and hovered; no dialog may open, no page may navigate,
no script error may occur.
"""

from __future__ import annotations

import html
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from browser_support import needs_browser, open_page, screenshot

import viz
from autograd import Value, vsum

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    '"><script>alert(2)</script>',
    "</svg><script>alert(3)</script>",
    "<a href='javascript:alert(4)'>w</a>",
    "' onmouseover='alert(5)",
    "]]><script>alert(6)</script>",
    "{{constructor.constructor('alert(7)')()}}",
    "${alert(8)}",
    r"\href{javascript:alert(9)}{w}",
    r"w_{\href{javascript:alert(10)}{1}}",
    r"\class{x}{\style{}{w}}",
    "javascript:alert(11)",
    "\x1b[31mred",
    "bad\udcff",
    "C:\\Temp\\New",
    r"\Gamma",
    "\u202eevil",
]


def _graph() -> tuple[Value, Value]:
    leaves = [Value(0.1 * (i + 1), label=label) for i, label in enumerate(HOSTILE)]
    w = Value(0.5, label=r"\href{javascript:alert(12)}{w}")
    return vsum([leaf * w for leaf in leaves]).tanh(), w


def _attack(page: Any) -> list[str]:
    """Reload with a dialog listener, then click and hover every element; the dialogs that opened."""
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    start = page.url
    page.reload(wait_until="load")
    page.wait_for_timeout(300)
    count = page.evaluate("document.querySelectorAll('body *').length")
    for i in range(min(count, 400)):
        page.evaluate(
            """(i) => { const el = document.querySelectorAll('body *')[i]; if (!el) return;
                for (const type of ['mouseover', 'mouseenter', 'focus', 'click', 'dblclick'])
                  el.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true, view: window})); }""",
            i,
        )
    page.wait_for_timeout(300)
    assert page.url == start, f"the page navigated to {page.url}"
    return dialogs


@needs_browser
def test_hostile_labels_in_a_notebook_picture(tmp_path: Path) -> None:
    y, _ = _graph()
    y.backward()
    drawing = viz.draw_graph(y)
    bundle = drawing._repr_mimebundle_()
    page = tmp_path / "picture.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><body>{bundle['text/html']}</body>", encoding="utf-8")
    with open_page(page) as (browser_page, log):
        assert _attack(browser_page) == []
        screenshot(browser_page, "fuzz_labels_picture")
    assert log.page_errors == []
    assert log.network_requests == []


@needs_browser
def test_hostile_labels_in_the_step_through_player(tmp_path: Path) -> None:
    y, _ = _graph()
    page = tmp_path / "player.html"
    page.write_text(viz.steps(y).to_html(), encoding="utf-8")
    with open_page(page) as (browser_page, log):
        assert _attack(browser_page) == []
        for _ in range(3):  # step through a few frames: each frame's labels are shown
            browser_page.keyboard.press("ArrowRight")
        assert _attack(browser_page) == []
    assert log.page_errors == []
    assert log.network_requests == []


@needs_browser
@pytest.mark.skipif(importlib.util.find_spec("mathjax") is None, reason="needs MathJax (django-static-mathjax)")
def test_hostile_labels_in_a_latex_caption_under_mathjax(tmp_path: Path) -> None:
    """The project's own MathJax typesets the caption's LaTeX, as the exported lessons do."""
    spec = importlib.util.find_spec("mathjax")
    assert spec is not None
    assert spec.submodule_search_locations
    script = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    y, w = _graph()
    y.backward()
    latexes = [viz.draw_chain(y, w)._repr_latex_()]
    latexes += [viz.draw_chain(y, leaf)._repr_latex_() for leaf in y.parents[0].parents[0].parents[:4]]
    body = "".join(f"<div class=cell>{html.escape(tex or '')}</div>" for tex in latexes)
    page = tmp_path / "latex.html"
    page.write_text(
        "<!doctype html><meta charset=utf-8><script>window.MathJax = {tex: {packages: {'[+]': ['html']}, "
        "inlineMath: [['$', '$'], ['\\\\(', '\\\\)']]}};"  # as in a notebook, with MathJax's html package on
        f"</script><script src='{script.as_uri()}'></script><body>{body}</body>",
        encoding="utf-8",
    )
    with open_page(page, wait_ms=1500) as (browser_page, log):
        assert _attack(browser_page) == []
        links = browser_page.evaluate("[...document.querySelectorAll('a, [href]')].map(a => a.getAttribute('href'))")
        assert not [href for href in links if href and "javascript" in href.lower()]
        assert browser_page.evaluate("document.querySelectorAll('mjx-container').length") >= 1
        screenshot(browser_page, "fuzz_labels_latex")
    assert log.page_errors == []
