"""Slide pictures in Chromium: the SVG and the PNG placed on a 1280×720 slide, smallest text measured.

A teacher drops the picture on a slide and lets it fill the slide (scaled to fit its width
or its height, whichever comes first). The smallest text must then be at least 24 CSS px
(18 pt), on a light slide with ``style="slide"`` and on a dark one with ``"slide+dark"``.
Screenshots: build/screens/slide_*.png.
"""

from __future__ import annotations

import base64
import re

import pytest
from browser_support import SCREENS, needs_browser, open_page, picture_report, screenshot
from viz_support import needs_dot

import viz
from autograd import Value
from viz.expr import build
from viz.png import dpi_of

SLIDE = (1280, 720)
MIN_SLIDE_PX = 24.0  # 18 pt at 96 CSS px per inch
PAGES = {"slide": "#ffffff", "slide+dark": "#14213d"}  # a light deck and a dark (navy) one

#: Chains a CLI user draws: (expression, values, wrt).
NEURON = ("tanh(x*w + b)", {"x": 0.5, "w": -1.0, "b": 2.0}, "w")
LOSS = ("0.5*(0.03 - sigmoid(x1*w1 + x2*w2 + b))**2", {"x1": 0.1, "x2": 0.3, "w1": 0.5, "w2": 0.2, "b": 1.83}, "w1")


def _chain(case: tuple[str, dict[str, float], str], style: str) -> viz.ChainDrawing:
    expr, at, wrt = case
    env = {k: Value(v, label=k) for k, v in at.items()}
    out = build(expr, env)
    out.label = "E"
    out.backward()
    params = [env[k] for k in env if k.startswith(("w", "b"))]
    return viz.draw_chain(
        out, env[wrt], style=style, params=params, inputs=[v for v in env.values() if v not in params]
    )


def _slide_page(body: str, background: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        f"html,body{{margin:0;background:{background}}}"
        ".slide{width:1280px;height:720px;display:flex;align-items:center;justify-content:center;overflow:hidden}"
        ".slide>svg,.slide>img{max-width:1280px;max-height:720px;width:100%;height:100%;object-fit:contain}"
        f"</style></head><body><main class='slide'>{body}</main></body></html>"
    )


def _measure(d: viz.ChainDrawing, style: str, name: str) -> tuple[float, float]:
    """The smallest text of the SVG inline on the slide, and of the PNG as an <img>, in CSS px."""
    svg = d.pipe("svg").decode("utf-8")
    svg = svg[svg.find("<svg") :]
    with open_page(_slide_page(svg, PAGES[style]), viewport=SLIDE) as (page, log):
        (picture,) = picture_report(page, pictures="main > svg")
        screenshot(page, f"slide_{name}_{style.replace('+', '_')}_svg", full_page=False)
        assert log.clean(), log.problems()
    png = d.pipe("png")
    assert dpi_of(png) == 150.0
    natural_w = int.from_bytes(png[16:20], "big")
    data = base64.b64encode(png).decode("ascii")
    with open_page(_slide_page(f"<img src='data:image/png;base64,{data}'>", PAGES[style]), viewport=SLIDE) as (
        page,
        log,
    ):
        shown_w = page.evaluate(
            "() => { const i = document.querySelector('img'); const r = i.getBoundingClientRect();"
            " const k = Math.min(r.width / i.naturalWidth, r.height / i.naturalHeight); return i.naturalWidth * k; }"
        )
        screenshot(page, f"slide_{name}_{style.replace('+', '_')}_png", full_page=False)
        assert log.clean(), log.problems()
    smallest_pt = min(float(x) for x in re.findall(r'font-size="([\d.]+)"', svg))
    png_px = smallest_pt * (150 / 72) * (shown_w / natural_w)  # pt → PNG pixels → slide px
    assert picture.min_text_px is not None
    return picture.min_text_px, png_px


@needs_browser
@needs_dot
@pytest.mark.parametrize("style", ["slide", "slide+dark"])
def test_a_neuron_chain_reads_at_18_pt_on_a_slide(style: str) -> None:
    svg_px, png_px = _measure(_chain(NEURON, style), style, "neuron")
    assert svg_px >= MIN_SLIDE_PX
    assert png_px == pytest.approx(svg_px, rel=0.03)  # the PNG is the same picture


@needs_browser
@needs_dot
@pytest.mark.parametrize("style", ["slide", "slide+dark"])
def test_the_loss_chain_reads_at_18_pt_on_a_slide(style: str) -> None:
    """The 9-node loss chain is too long for one row or one column at 18 pt (19.3 px, its whole
    graph at most 21 px however laid out): its paths, folded in two, fill the slide."""
    drawing = _chain(LOSS, style)
    svg_px, png_px = _measure(drawing, style, "loss")
    assert svg_px >= MIN_SLIDE_PX
    assert png_px == pytest.approx(svg_px, rel=0.03)
    assert drawing.view == "paths"
    assert drawing.text_px == pytest.approx(svg_px, rel=0.02)  # what the library measured is what the browser shows


def _loss_steps(style: str) -> viz.Steps:
    expr, at, _ = LOSS
    env = {k: Value(v, label=k) for k, v in at.items()}
    out = build(expr, env)
    out.label = "E"
    params = [env[k] for k in ("w1", "w2", "b")]
    return viz.steps(out, style=style, params=params, inputs=[env["x1"], env["x2"]])


@needs_browser
@needs_dot
@pytest.mark.parametrize("style", ["slide", "slide+dark"])
def test_every_step_frame_of_the_loss_chain_reads_at_18_pt_on_a_slide(style: str) -> None:
    """Each of the loss chain's 30 frames, as a GIF and a PDF hold them (PNG at the GIF's 96 dpi,
    and SVG), placed on its own 1280×720 slide: the smallest text is at least 24 CSS px in every
    frame, and every frame has the same size (pinned: the nodes never move)."""
    frames = _loss_steps(style)
    svgs = [frames.render(i, "svg").decode("utf-8") for i in range(len(frames))]
    pngs = [frames.render(i, "png", dpi=96) for i in range(len(frames))]
    assert len({png[16:24] for png in pngs}) == 1  # one width and height for every frame
    slides = "".join(f"<main class='slide'>{svg[svg.find('<svg') :]}</main>" for svg in svgs)
    slides += "".join(
        f"<main class='slide'><img src='data:image/png;base64,{base64.b64encode(png).decode('ascii')}'></main>"
        for png in pngs
    )
    page_html = _slide_page("", PAGES[style]).replace("<main class='slide'></main>", slides)
    with open_page(page_html, viewport=SLIDE) as (page, log):
        pictures = picture_report(page, pictures="main > svg")
        shown = page.evaluate(
            "() => [...document.querySelectorAll('img')].map(i => { const r = i.getBoundingClientRect();"
            " const k = Math.min(r.width / i.naturalWidth, r.height / i.naturalHeight);"
            " return [i.naturalWidth, i.naturalWidth * k]; })"
        )
        for k in (0, 20):  # a forward frame and a backward one (an edge applied, its caption on 3 lines)
            page.locator("main.slide").nth(k).screenshot(
                path=str(SCREENS / f"slide_loss_step_{k}_{style.replace('+', '_')}.png")
            )
        assert log.clean(), log.problems()
    assert len(pictures) == len(svgs)
    for i, (picture, svg, (natural_w, shown_w)) in enumerate(zip(pictures, svgs, shown, strict=True)):
        smallest_pt = min(float(x) for x in re.findall(r'font-size="([\d.]+)"', svg))
        png_px = smallest_pt * (96 / 72) * (shown_w / natural_w)
        assert picture.min_text_px is not None
        assert picture.min_text_px >= MIN_SLIDE_PX, f"frame {i}: SVG text {picture.min_text_px:.1f} px"
        assert png_px >= MIN_SLIDE_PX, f"frame {i}: PNG text {png_px:.1f} px"
