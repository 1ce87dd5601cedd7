"""What the executed lessons show: arithmetic a learner can redo, figures that read in the site's column.

Each lesson is executed once (in the project's Jupyter kernel) and its outputs checked:

- every ``a × b = c`` and ``a + b = c`` it shows — printed captions, the pictures' SVG
  text, LaTeX, the step player's frames — gives the result as written (viz.arithmetic);
- every matplotlib figure fits the course site's 736 px column at its natural size (it is
  not scaled down, so its text stays at matplotlib's 10 pt at 100 dpi, about 14 px), and
  no figure text is set below 7 pt (about 9.7 px).
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from browser_support import needs_browser, open_page, picture_report, screenshot

from viz.arithmetic import equations, redoes
from viz.fit import SCREEN_PX

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SITE_COLUMN_PX = 736  # the course site's content column at a 1280 px window (tests/test_site.py)
MIN_FONT_PT = 7.0  # at the inline backend's 100 dpi: 9.7 px


def _kernel_reason() -> str | None:
    if importlib.util.find_spec("nbclient") is None:
        return "nbclient is not installed (the notebooks extra)"
    from jupyter_client.kernelspec import KernelSpecManager

    if "chainrule" not in KernelSpecManager().find_kernel_specs():
        return "the Jupyter kernel 'chainrule' is not registered (make test registers it)"
    return None


@functools.cache
def _executed(path: Path) -> dict[str, Any]:
    """The lesson executed, as notebook JSON (once per test session)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, kernel_name="chainrule", timeout=600, resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    executed: dict[str, Any] = json.loads(nbformat.writes(nb))
    return executed


def _executed_or_skip(path: Path) -> dict[str, Any]:
    reason = _kernel_reason()
    if reason:
        pytest.skip(f"LESSON OUTPUTS NOT CHECKED: {reason}")
    return _executed(path)


def _shown_texts(nb: dict[str, Any]) -> list[str]:
    """Everything the executed notebook shows as text: streams, text, LaTeX, SVG and HTML outputs."""
    texts: list[str] = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if "text" in out:
                texts.append("".join(out["text"]))
            for kind, data in out.get("data", {}).items():
                if kind.startswith(("text/", "image/svg")):
                    body = "".join(data) if isinstance(data, list) else str(data)
                    if kind in ("text/html", "image/svg+xml"):
                        body = html.unescape(re.sub(r"<[^>]+>", "\n", body))
                    texts.append(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), body))
    return texts


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_caption_a_lesson_shows_redoes(path: Path) -> None:
    """Every ``a × b = c`` and ``a + b = c`` the lesson shows redoes (rounded as c is written)."""
    found = [e for text in _shown_texts(_executed_or_skip(path)) for e in equations(text)]
    wrong = [e.text for e in found if not redoes(e.op, e.terms, e.result, digits=1)]
    assert wrong == [], f"{path.name}: arithmetic that does not redo: {wrong}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_fits_the_site_column(path: Path) -> None:
    widths = []
    for cell in _executed_or_skip(path)["cells"]:
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                data = base64.b64decode("".join(png) if isinstance(png, list) else png)
                widths.append(int.from_bytes(data[16:20], "big"))
    assert all(w <= SITE_COLUMN_PX for w in widths), f"{path.name}: figures {widths} px wide"


def test_no_figure_text_is_set_too_small() -> None:
    sizes = []
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                sizes += [(path.name, float(x)) for x in re.findall(r"fontsize=([\d.]+)", source)]
    assert sizes  # lesson 7 sets its legend's and titles' sizes
    assert [s for s in sizes if s[1] < MIN_FONT_PT] == []


#: Lessons whose drawings, as the executed notebook shows them, fit one screen in a notebook's ~1000 px
#: column (viz.fit.SCREEN_PX) with text of at least 11 px. Lesson 8's unrolled network was 2,980 px tall.
FITS_A_SCREEN = ["08_backprop_through_time"]


@needs_browser
@pytest.mark.slow
@pytest.mark.parametrize("stem", FITS_A_SCREEN)
def test_the_lessons_drawings_fit_a_screen_in_a_notebook_column(tmp_path: Path, stem: str) -> None:
    (path,) = [p for p in NOTEBOOKS if p.stem == stem]
    shown = [
        "".join(out["data"]["text/html"])
        for cell in _executed_or_skip(path)["cells"]
        for out in cell.get("outputs", [])
        if "image/svg+xml" in out.get("data", {}) and "text/html" in out.get("data", {})
    ]
    assert shown, f"{stem}: no drawing"
    page_path = tmp_path / "lesson.html"
    body = "".join(f'<div class="jp-OutputArea-output">{h}</div>' for h in shown)
    page_path.write_text(
        '<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">'
        f'<main style="width:1000px;margin:0 auto">{body}</main></body></html>',
        encoding="utf-8",
    )
    visible = "svg:not(details:not([open]) *):not(svg svg)"  # not a drawing's folded full-size copy
    with open_page(page_path, viewport=(1280, 800), wait_ms=300) as (page, log):
        pictures = [p for p in picture_report(page, pictures=visible) if p.width > 60]
        heights = page.evaluate(
            f"() => [...document.querySelectorAll({visible!r})].map(s => s.getBoundingClientRect())"
            ".filter(r => r.width > 60).map(r => r.height)"
        )
        screenshot(page, f"notebook_{stem}_drawings", full_page=True)
    assert log.clean(), log.problems()
    assert pictures
    assert heights
    print(
        f"{stem}: drawings {[round(h) for h in heights]} px tall, smallest text "
        f"{[round(p.min_text_px or 0, 1) for p in pictures]} px in a 1000 px column"
    )
    assert all(h <= SCREEN_PX for h in heights), heights
    assert all(p.fits and p.min_text_px is not None and p.min_text_px >= 11 for p in pictures), pictures
