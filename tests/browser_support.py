"""Headless Chromium for the tests of what a person sees: pages, pictures, players.

The browser is Debian's ``chromium`` (``make test`` installs it when missing and run as
root), driven by Playwright's Python package with ``executable_path`` set to it: no
browser is ever downloaded. Every page opens with the network blocked: a request for
anything but ``file:``, ``data:``, ``blob:`` and ``about:`` URLs is aborted and recorded,
and console errors and uncaught exceptions are recorded too, so a test can assert that a
page works offline and cleanly.

Measurements are taken in the browser, as a person would see the page:

- :func:`picture_report` — every picture (inline ``<svg>`` or ``<img>``) with its
  rendered width, the width of the content column it sits in, whether it overflows that
  column (or sits in a box that scrolls sideways), and the smallest text it renders in
  CSS px (for an SVG shown through ``<img>`` the SVG is parsed and its font sizes scaled
  by the rendered size).
- :func:`screenshot` — a PNG under ``build/screens/`` to look at.

Usage::

    from browser_support import needs_browser, open_page, picture_report, screenshot

    @needs_browser
    def test_page(tmp_path):
        with open_page(tmp_path / "page.html") as (page, log):
            report = picture_report(page)
            screenshot(page, "page")
        assert log.clean(), log.problems()
"""

from __future__ import annotations

import base64
import re
import shutil
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENS = ROOT / "build" / "screens"


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _playwright_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install -e '.[dev]')"
    return None


def _skip_reason() -> str | None:
    if chromium_path() is None:
        return (
            "BROWSER TEST SKIPPED: Debian's chromium is not installed "
            "(sudo apt-get install chromium, or run make test as root to have it installed)"
        )
    return _playwright_missing()


BROWSER_SKIP_REASON = _skip_reason()
needs_browser = pytest.mark.skipif(BROWSER_SKIP_REASON is not None, reason=BROWSER_SKIP_REASON or "")

#: Flags for a root, headless, offline Chromium (without the background-networking ones it
#: keeps trying to reach Google's hosts).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

_LOCAL = ("file:", "data:", "blob:", "about:")


@dataclass
class PageLog:
    """What a page did that a person would not want: console errors, exceptions, network requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def problems(self) -> str:
        parts = []
        for name in ("console_errors", "page_errors", "network_requests", "failed_requests"):
            items = getattr(self, name)
            if items:
                parts.append(f"{name}: " + "; ".join(items[:10]))
        return " | ".join(parts) or "none"

    def clean(self) -> bool:
        return not (self.console_errors or self.page_errors or self.network_requests or self.failed_requests)


@contextmanager
def open_page(
    target: str | Path,
    *,
    viewport: tuple[int, int] = (1280, 800),
    color_scheme: str = "light",
    wait_ms: int = 0,
) -> Iterator[tuple[Any, PageLog]]:
    """Open a local file (or an HTML string) in headless Chromium with the network blocked.

    Yields ``(page, log)``: Playwright's page and the :class:`PageLog` filled while it is open.
    """
    if BROWSER_SKIP_REASON is not None:
        pytest.skip(BROWSER_SKIP_REASON)
    from playwright.sync_api import sync_playwright

    log = PageLog()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": viewport[0], "height": viewport[1]},
                color_scheme=color_scheme,  # type: ignore[arg-type]
                service_workers="block",
            )

            def route(r: Any) -> None:
                url = r.request.url
                if url.startswith(_LOCAL):
                    r.continue_()
                else:
                    log.network_requests.append(url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: log.page_errors.append(str(e)))
            page.on(
                "requestfailed",
                lambda r: None if not r.url.startswith(_LOCAL) else log.failed_requests.append(r.url),
            )
            if isinstance(target, Path) or not str(target).lstrip().startswith("<"):
                page.goto(Path(target).resolve().as_uri(), wait_until="load")
            else:
                page.set_content(str(target), wait_until="load")
            if wait_ms:
                page.wait_for_timeout(wait_ms)
            yield page, log
        finally:
            browser.close()


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page as ``build/screens/<name>.png`` and return its path."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# -- measuring pictures ------------------------------------------------------------------

_PICTURES_JS = """
(sel) => {
  const columnOf = (el) => {
    let p = el.parentElement;
    while (p && p !== document.body) {
      if (p.matches(sel.column)) return p;
      p = p.parentElement;
    }
    return document.body;
  };
  const scrollsSideways = (el, column) => {
    let p = el.parentElement;
    while (p && p !== column.parentElement) {
      if (p.scrollWidth > p.clientWidth + 1 && getComputedStyle(p).overflowX !== 'visible') return true;
      p = p.parentElement;
    }
    return false;
  };
  const minSvgText = (svg) => {
    let min = Infinity;
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const m = t.getScreenCTM();
      if (!m) continue;
      const scale = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
      const size = parseFloat(getComputedStyle(t).fontSize) * scale;
      const r = t.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (size < min) min = size;
    }
    return min === Infinity ? null : min;
  };
  const out = [];
  const nodes = document.querySelectorAll(sel.pictures);
  nodes.forEach((el, i) => {
    if (el.tagName.toLowerCase() === 'svg' && el.parentElement && el.parentElement.closest('svg')) return;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return;
    const column = columnOf(el);
    const c = column.getBoundingClientRect();
    const tag = el.tagName.toLowerCase();
    out.push({
      index: i, tag, width: r.width, height: r.height, left: r.left, right: r.right,
      columnLeft: c.left, columnRight: c.right, columnWidth: c.width,
      scrolls: scrollsSideways(el, column),
      minText: tag === 'svg' ? minSvgText(el) : null,
      src: tag === 'img' ? (el.getAttribute('src') || '').slice(0, 5000000) : null,
      naturalWidth: tag === 'img' ? el.naturalWidth : null,
    });
  });
  return out;
}
"""


def _svg_from_data_url(src: str) -> str | None:
    if not src.startswith("data:image/svg+xml"):
        return None
    head, _, payload = src.partition(",")
    if ";base64" in head:
        return base64.b64decode(payload).decode("utf-8", "replace")
    return urllib.parse.unquote(payload)


def _length(value: str | None) -> float | None:
    if not value:
        return None
    m = re.match(r"\s*([0-9.]+)\s*(pt|px)?", value)
    if not m:
        return None
    number = float(m.group(1))
    return number * (4 / 3) if m.group(2) == "pt" else number


def svg_min_font_px(svg_text: str, rendered_width: float) -> float | None:
    """The smallest font of an SVG document's text, in CSS px, when drawn ``rendered_width`` px wide."""
    root = ET.fromstring(svg_text)
    box = root.get("viewBox")
    user_width = float(box.replace(",", " ").split()[2]) if box else (_length(root.get("width")) or rendered_width)
    scale = rendered_width / user_width if user_width else 1.0
    # graphviz puts a transform scale on the outermost group when it scales a drawing.
    smallest = None
    for el in root.iter():
        if not el.tag.endswith("text") or not "".join(el.itertext()).strip():
            continue
        size = _length(el.get("font-size")) or 14.0
        if smallest is None or size < smallest:
            smallest = size
    inner = 1.0
    for el in root.iter():
        m = re.search(r"scale\(([0-9.]+)", el.get("transform", ""))
        if m:
            inner = float(m.group(1))
            break
    return None if smallest is None else smallest * scale * inner


@dataclass
class Picture:
    """One picture on a page, as rendered."""

    index: int
    tag: str
    width: float
    column_width: float
    overflow_px: float
    scrolls: bool
    min_text_px: float | None

    @property
    def fits(self) -> bool:
        return self.overflow_px <= 1 and not self.scrolls


def picture_report(
    page: Any,
    *,
    pictures: str = "svg, img",
    column: str = ".jp-OutputArea-output, .jp-Cell, main, article",
) -> list[Picture]:
    """Every visible picture on the page, with its fit and its smallest rendered text."""
    raw = page.evaluate(_PICTURES_JS, {"pictures": pictures, "column": column})
    report = []
    for item in raw:
        min_text = item["minText"]
        if item["tag"] == "img" and item["src"]:
            svg = _svg_from_data_url(item["src"])
            if svg is not None:
                min_text = svg_min_font_px(svg, item["width"])
        overflow = max(item["right"] - item["columnRight"], item["columnLeft"] - item["left"], 0.0)
        report.append(
            Picture(
                index=item["index"],
                tag=item["tag"],
                width=item["width"],
                column_width=item["columnWidth"],
                overflow_px=overflow,
                scrolls=item["scrolls"],
                min_text_px=min_text,
            )
        )
    return report


def export_notebooks_offline(notebooks: list[Path], out_dir: Path, *, execute: bool = True) -> list[Path]:
    """Execute and export notebooks to HTML pages that need no network (see tools/offline_html.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("offline_html", ROOT / "tools" / "offline_html.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("tools/offline_html.py is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pages: list[Path] = module.export(notebooks, out_dir, execute=execute)
    return pages
