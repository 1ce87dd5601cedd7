"""Notebook 4's player in live JupyterLab (1280×800): runs, takes the keys from JupyterLab, and at every frame keeps
the node the step is about and the controls in view — in the notebook panel, not only in the window."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser_support import BROWSER_SKIP_REASON, CHROMIUM_ARGS, ROOT, chromium_path, needs_browser, screenshot

NOTEBOOK = ROOT / "notebooks" / "04_stepping_through_backprop.ipynb"
JUPYTER = Path(sys.executable).parent / "jupyter"

_GEOMETRY = """r => {
  const v = r.querySelector('.crp-view').getBoundingClientRect();
  const bar = r.querySelector('.crp-bar').getBoundingClientRect();
  const name = r.querySelector('.crp-frame').dataset.focus;
  const f = [...r.querySelectorAll('g.node')].find(g => g.querySelector('title').textContent === name)
    .getBoundingClientRect();
  // The box the player is seen in: JupyterLab's notebook panel (the nearest ancestor that scrolls).
  let panel = r.parentElement;
  while (panel && !['auto', 'scroll'].includes(getComputedStyle(panel).overflowY)) panel = panel.parentElement;
  const p = panel ? panel.getBoundingClientRect() : {top: 0, bottom: innerHeight, left: 0, right: innerWidth};
  const inside = (a, b) =>
    a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  return {
    focusInView: inside(f, v),
    focusInPanel: inside(f, p),
    barInPanel: inside(bar, p),
    barInWindow: bar.top >= 0 && bar.bottom <= innerHeight,
  };
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _jupyterlab(root_dir: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        str(JUPYTER), "lab", "--allow-root", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root_dir}",
    ]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api", timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start in 60 s")
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.slow
@needs_browser
def test_notebook_4_player_in_live_jupyterlab(tmp_path: Path) -> None:
    if not JUPYTER.exists():
        pytest.skip("JupyterLab is not installed (the notebooks extra)")
    for path in (NOTEBOOK, NOTEBOOK.parent / "exercises.py"):  # the lesson imports its exercise checks
        shutil.copy(path, tmp_path / path.name)
    assert BROWSER_SKIP_REASON is None
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    elsewhere: list[str] = []
    with _jupyterlab(tmp_path) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})

            def route(r: Any) -> None:  # JupyterLab's own server only
                if r.request.url.startswith((url, "data:", "blob:", "about:")):
                    r.continue_()
                else:
                    elsewhere.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}/lab/tree/{NOTEBOOK.name}?reset")
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            # the kernel has started (the status bar says so)
            page.wait_for_function("document.body.innerText.includes('(chainrule) | Idle')", timeout=90_000)
            page.click("div.lm-MenuBar-itemLabel:text('Run')")
            page.locator("li[data-command='runmenu:run-all']").click()
            page.wait_for_selector(".chainrule-player[data-ready]", timeout=120_000)
            player = page.locator(".chainrule-player").first
            player.scroll_into_view_if_needed()
            player.locator(".crp-caption").click()  # focuses the player, as a reader's click does
            every: dict[str, dict[str, bool]] = {}
            for _ in range(9):
                every[str(player.locator(".crp-status").text_content())] = player.evaluate(_GEOMETRY)
                page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowDown")  # a JupyterLab shortcut (next cell) outside the player
            page.keyboard.press("ArrowUp")
            status = player.locator(".crp-status").text_content()
            focused = page.evaluate("document.activeElement.classList.contains('chainrule-player')")
            geometry = player.evaluate(_GEOMETRY)
            every[str(status)] = geometry
            screenshot(page, "steps_jupyterlab_step10", full_page=False)
            for _ in range(9):  # the rest of the frames
                page.keyboard.press("ArrowRight")
                every[str(player.locator(".crp-status").text_content())] = player.evaluate(_GEOMETRY)
            screenshot(page, "steps_jupyterlab_last", full_page=False)
        finally:
            browser.close()
    assert status == "step 10/18 (backward)"
    assert focused, "JupyterLab took the focus away from the player"
    everything = {"focusInView": True, "focusInPanel": True, "barInPanel": True, "barInWindow": True}
    assert geometry == everything
    assert len(every) == 18  # every frame, from step 1/18 to 18/18
    assert {step: g for step, g in every.items() if g != everything} == {}
    assert errors == []
    assert elsewhere == []  # the player asks for nothing beyond the page
