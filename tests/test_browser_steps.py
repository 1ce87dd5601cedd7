"""Notebook 4's player in a real browser, offline: keys and slider change the frame, nodes hold still."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import ROOT, export_notebooks_offline, needs_browser, open_page, screenshot
from viz_support import mlp_loss, needs_dot

import viz
from autograd import Value

NOTEBOOK = ROOT / "notebooks" / "04_stepping_through_backprop.ipynb"

# The visible frame of the first player: its status, caption, and each node's box on screen.
_STATE = """(root) => {
  const frame = root.querySelector('.crp-frame');
  const nodes = {};
  for (const g of frame.querySelectorAll('g.node')) {
    const r = (g.querySelector('polygon, ellipse') || g).getBoundingClientRect();  // a box title is text only
    nodes[g.querySelector('title').textContent] = [r.x, r.y, r.width, r.height].map(v => Math.round(v * 10) / 10);
  }
  const view = root.querySelector('.crp-view').getBoundingClientRect();
  const focus = [...frame.querySelectorAll('g.node')].find(
    g => g.querySelector('title').textContent === frame.dataset.focus).getBoundingClientRect();
  const bar = root.querySelector('.crp-bar').getBoundingClientRect();
  return {
    visible: root.querySelectorAll('.crp-frame svg').length,
    status: root.querySelector('.crp-status').textContent,
    caption: root.querySelector('.crp-caption').textContent,
    slider: root.querySelector('.crp-slider').value,
    nodes,
    focusInView: focus.left >= view.left - 1 && focus.right <= view.right + 1
      && focus.top >= view.top - 1 && focus.bottom <= view.bottom + 1,
    barVisible: bar.height > 0 && bar.top >= 0,
  };
}"""


def _state(page: Any, k: int = 0) -> dict[str, Any]:
    root = page.locator(".chainrule-player").nth(k)
    state: dict[str, Any] = root.evaluate(_STATE)
    return state


def _check_player(page: Any, name: str) -> None:
    player = page.locator(".chainrule-player").first
    player.scroll_into_view_if_needed()
    start = _state(page)
    assert start["visible"] == 1
    assert start["status"] == "step 1/18 (forward)"
    assert start["slider"] == "1"
    assert start["caption"] == "x = 0.5 (input)"
    screenshot(page, f"{name}_step01", full_page=False)
    player.focus()
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    seed = _state(page)
    assert seed["status"] == "step 10/18 (backward)"
    assert seed["slider"] == "10"
    assert seed["caption"] == "y.grad += ∂L/∂y × L.grad = 1 × 1 = 1; running sum 0 + 1 = 1"
    assert seed["nodes"] == start["nodes"], "nodes moved between frames"
    assert seed["focusInView"]
    screenshot(page, f"{name}_step10", full_page=False)
    page.keyboard.press("ArrowLeft")
    assert _state(page)["status"] == "step 9/18 (backward)"
    slider = page.locator(".chainrule-player .crp-slider").first
    slider.fill("18")  # what dragging the slider to its end does: an input event
    last = _state(page)
    assert last["status"] == "step 18/18 (backward)"
    assert last["caption"].startswith("w.grad += ∂v2/∂w × v2.grad")
    assert last["nodes"] == start["nodes"]
    assert last["focusInView"]
    assert last["barVisible"]
    screenshot(page, f"{name}_step18", full_page=False)
    page.keyboard.press("Home")
    assert _state(page)["status"] == "step 1/18 (forward)"


@pytest.mark.slow
@needs_browser
def test_notebook_4_player_in_the_exported_html(tmp_path: Path) -> None:
    (page_path,) = export_notebooks_offline([NOTEBOOK], tmp_path)
    html = page_path.read_text(encoding="utf-8")
    assert html.count('class="chainrule-player"') == 1
    assert html.count("<svg") > 1  # the player's first frame is in the page, and the pictures
    with open_page(page_path, viewport=(1280, 800)) as (page, log):
        _check_player(page, "steps_notebook4")
        gif = page.locator("img[src^='data:image/gif']")
        assert gif.count() == 1
        gif.scroll_into_view_if_needed()
        screenshot(page, "steps_notebook4_gif", full_page=False)
    assert log.clean(), log.problems()


@needs_dot
@needs_browser
def test_two_players_on_one_page_do_not_interfere(tmp_path: Path) -> None:
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    y.label = "y"
    one = viz.steps(y).to_html()
    two = viz.steps(y, rankdir="LR").to_html()
    (tmp_path / "two.html").write_text(f"<!DOCTYPE html><html><body>{one}{two}</body></html>", encoding="utf-8")
    with open_page(tmp_path / "two.html", viewport=(1000, 800)) as (page, log):
        second = page.locator(".chainrule-player").nth(1)
        second.locator(".crp-next").click()
        second.locator(".crp-next").click()
        assert _state(page, 0)["status"] == "step 1/7 (forward)"
        assert _state(page, 1)["status"] == "step 3/7 (forward)"
        page.locator(".chainrule-player").nth(0).locator(".crp-play").click()
        page.wait_for_timeout(1600)
        first = _state(page, 0)
        assert first["status"] != "step 1/7 (forward)"
        assert _state(page, 1)["status"] == "step 3/7 (forward)"
        screenshot(page, "steps_two_players")
    assert log.clean(), log.problems()


@needs_dot
@needs_browser
def test_a_wide_graph_scrolls_to_each_steps_node(tmp_path: Path) -> None:
    model, loss, _ = mlp_loss([3, 1])
    s = viz.steps(loss, model=model, collapse="Neuron", rankdir="LR")
    s.save(tmp_path / "wide.html")
    # 901 pt (1,201 px) wide: in a 700 px window, fitted to the width its text would be below 0.6 of its size.
    with open_page(tmp_path / "wide.html", viewport=(700, 600)) as (page, log):
        root = page.locator(".chainrule-player")
        fitted = root.evaluate("r => r.classList.contains('crp-fitted')")
        root.focus()
        seen_left, seen_right = False, False
        for k in range(len(s)):
            state = _state(page)
            assert state["status"].startswith(f"step {k + 1}/{len(s)} ")
            assert state["focusInView"], f"step {k + 1}: the node it is about is out of view"
            assert state["barVisible"]
            scroll = root.evaluate("r => r.querySelector('.crp-view').scrollLeft")
            seen_left |= scroll == 0
            seen_right |= scroll > 200
            if k == 5:
                screenshot(page, "steps_wide_collapsed_step06", full_page=False)
            page.keyboard.press("ArrowRight")
        screenshot(page, "steps_wide_collapsed_last", full_page=False)
    assert not fitted  # too wide to fit legibly: shown at actual size ...
    assert seen_left  # ... and scrolled to each step's node
    assert seen_right
    assert log.clean(), log.problems()
