"""The browser harness measures what it claims: fit, text size, console errors, network requests."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from browser_support import (
    export_notebooks_offline,
    needs_browser,
    open_page,
    picture_report,
    screenshot,
    svg_min_font_px,
)

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="{w}px" height="40px" viewBox="0 0 {w} 40">'
    '<g transform="scale(1 1)"><text x="5" y="20" font-size="{fs}">grad 0.009276</text></g></svg>'
)


def test_svg_min_font_scales_with_rendered_width() -> None:
    svg = SVG.format(w=2000, fs=10)
    assert svg_min_font_px(svg, 2000) == pytest.approx(10)
    assert svg_min_font_px(svg, 1000) == pytest.approx(5)


def test_svg_min_font_takes_graphviz_inner_scale() -> None:
    svg = SVG.format(w=400, fs=14).replace("scale(1 1)", "scale(0.5 0.5)")
    assert svg_min_font_px(svg, 400) == pytest.approx(7)


@needs_browser
def test_harness_measures_overflow_text_and_blocks_the_network() -> None:
    wide = SVG.format(w=2400, fs=11)
    small = base64.b64encode(SVG.format(w=300, fs=11).encode()).decode()
    html = f"""<!doctype html><html><body><main style="width:1000px">
      <div class="jp-OutputArea-output">{wide}</div>
      <div class="jp-OutputArea-output"><img src="data:image/svg+xml;base64,{small}" style="width:150px"></div>
      <img src="https://example.invalid/x.png"><script>console.error("boom")</script>
    </main></body></html>"""
    with open_page(html) as (page, log):
        report = picture_report(page)
        shot = screenshot(page, "harness_selftest")
    assert shot.exists()
    (wide_svg,) = [p for p in report if p.tag == "svg"]
    (small_img,) = [p for p in report if p.tag == "img" and p.min_text_px]
    assert not wide_svg.fits
    assert wide_svg.overflow_px > 1000
    assert wide_svg.min_text_px == pytest.approx(11, rel=0.01)
    assert small_img.fits
    assert small_img.min_text_px == pytest.approx(11 * 150 / 300, rel=0.01)
    assert any("example.invalid" in u for u in log.network_requests)
    assert any("boom" in e for e in log.console_errors)
    assert not log.clean()


@needs_browser
def test_offline_export_loads_nothing_from_the_network(tmp_path: Path) -> None:
    """tools/offline_html.py: a notebook page with MathJax served beside it and no CDN script."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(r"The chain: $\frac{\partial E}{\partial w_1} = 0.8444 \times 0.1099$"),
        nbformat.v4.new_code_cell("1 + 1"),
    ]
    source = tmp_path / "math.ipynb"
    nbformat.write(nb, source)
    (page_path,) = export_notebooks_offline([source], tmp_path / "out", execute=False)
    text = page_path.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", text)
    with open_page(page_path, wait_ms=1500) as (page, log):
        typeset = page.evaluate("() => document.querySelectorAll('mjx-container svg').length")
        screenshot(page, "offline_export_math", full_page=False)
    assert typeset > 0, "MathJax typeset nothing from the local copy"
    assert log.clean(), log.problems()
