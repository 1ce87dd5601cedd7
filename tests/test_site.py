"""The course and documentation site (``make docs``): built once per test session, then read and browsed.

The build executes every lesson (a failing check fails it), so this also proves the
site builds from a clean checkout. It needs the ``docs`` extra and the project's
Jupyter kernel; without them the tests are skipped with the reason. Set
``CHAINRULE_SITE=build/site`` to test a site already built instead of building one.

The browser tests open the pages with the network blocked (tests/browser_support.py)
and save screenshots under build/screens/site_*.png.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser_support import needs_browser, open_page, picture_report, screenshot, svg_min_font_px

ROOT = Path(__file__).resolve().parent.parent
MIN_TEXT_PX = 9.0  # the smallest text a drawing may render, in CSS px (as tests/test_viz_pictures_browser.py)
#: Lessons whose drawings do not yet reach MIN_TEXT_PX in the site's 736 px column (none at present;
#: see KNOWN_SMALL_TEXT's use below). Every other check of their pages holds; when one reaches the target its test fails
#: until it is taken off this list.
KNOWN_SMALL_TEXT: set[str] = set()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LESSON_PAGES = [f"lessons/{path.stem}.html" for path in NOTEBOOKS]
OTHER_PAGES = [
    "index.html",
    "lessons.html",
    "guide.html",
    "engine.html",
    "pictures.html",
    "performance.html",
    "compiled.html",
    "development.html",
    "contributing.html",
    "changelog.html",
    "license.html",
    "api.html",
    "sources.html",
]
# A tag that loads something: <script src>, <link href>, <img src>, <iframe src>, <source src>, …
EXTERNAL_TAG = re.compile(
    r"<(script|link|img|iframe|source|audio|video|embed|object)\b[^>]*\b(src|href|data)=[\"']?(https?:)?//", re.I
)
EXTERNAL_CSS = re.compile(r"(url\(\s*[\"']?(https?:)?//|@import\s+[\"']?(https?:)?//)", re.I)


def _skip_reason() -> str | None:
    missing = [name for name in ("sphinx", "myst_nb", "furo", "mathjax") if importlib.util.find_spec(name) is None]
    if missing:
        names = ", ".join(missing)
        return f"SITE TEST SKIPPED: the docs extra is not installed (missing {names}): pip install -e '.[docs]'"
    from jupyter_client.kernelspec import KernelSpecManager

    if "chainrule" not in KernelSpecManager().find_kernel_specs():
        return "SITE TEST SKIPPED: the Jupyter kernel 'chainrule' is not registered (make test registers it)"
    return None


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: CHAINRULE_SITE if set, else built once into a temporary folder."""
    given = os.environ.get("CHAINRULE_SITE")
    if given:
        return Path(given).resolve()
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    out, doctrees = tmp_path_factory.mktemp("site"), tmp_path_factory.mktemp("doctrees")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "sphinx", "-q", "-j", "2", "-b", "html", "-d", str(doctrees)]
    run = subprocess.run(
        [*command, str(ROOT / "docs"), str(out)], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    assert run.returncode == 0, f"sphinx-build failed:\n{run.stdout[-3000:]}\n{run.stderr[-6000:]}"
    return out


def _notebook(path: Path) -> dict[str, object]:
    notebook: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return notebook


def _uses_math(path: Path) -> bool:
    cells = _notebook(path)["cells"]
    assert isinstance(cells, list)
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return "$" in text


def _draws(path: Path) -> bool:
    cells = _notebook(path)["cells"]
    assert isinstance(cells, list)
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return "viz.draw_" in code or "viz.steps" in code


def test_every_page_is_there(site: Path) -> None:
    for page in OTHER_PAGES + LESSON_PAGES + ["search.html", "searchindex.js", "genindex.html"]:
        assert (site / page).is_file(), f"{page} is missing from the site"
    assert len(LESSON_PAGES) == 10


def test_nothing_is_loaded_from_the_network(site: Path) -> None:
    """No script, stylesheet, font, image or frame from another host: the site works offline."""
    offenders = []
    for path in site.rglob("*"):
        if path.suffix == ".html":
            offenders += [
                f"{path.relative_to(site)}: {m.group(0)[:120]}" for m in EXTERNAL_TAG.finditer(path.read_text())
            ]
        elif path.suffix == ".css":
            offenders += [f"{path.relative_to(site)}: {m.group(0)}" for m in EXTERNAL_CSS.finditer(path.read_text())]
    assert not offenders, "\n".join(offenders[:20])
    assert (site / "_static" / "tex-svg-full.js").is_file(), "MathJax is not served from the site"


def test_the_lessons_were_executed_and_their_checks_are_hidden(site: Path) -> None:
    for page in LESSON_PAGES:
        html = (site / page).read_text()
        assert 'class="cell_output' in html, f"{page} has no outputs: was it executed?"
        assert "Traceback (most recent call last)" not in html, f"{page} shows an error"
        for cell in re.findall(r'class="cell ([^"]*)"', html):
            if "tag_checks" in cell or "tag_solution" in cell:
                assert "tag_hide-cell" in cell or "tag_remove-cell" in cell, f"{page}: a checks/solution cell is shown"


def _text(html: str) -> str:
    """A page's text: no tags, entities decoded, typographic quotes plain, spaces collapsed."""
    import html as html_module

    text = html_module.unescape(re.sub(r"<[^>]+>", " ", html))
    return " ".join(text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"').split())


def test_the_api_reference_comes_from_the_docstrings(site: Path) -> None:
    from autograd import Value, gradcheck

    html = (site / "api.html").read_text()
    for name in ("autograd.Value", "autograd.gradcheck", "autograd.define_op", "nn.MLP", "nn.fit", "viz.draw_chain"):
        assert f'id="{name}"' in html, f"{name} is missing from the API reference"
    text = _text(html)
    for doc in (Value.__doc__, gradcheck.__doc__):
        assert doc
        words = re.sub(r"[`*]", "", doc.strip().splitlines()[0]).split()[:5]
        assert " ".join(words) in text, f"{' '.join(words)!r} (a docstring) is not on the API page"


def test_the_guide_is_the_readme(site: Path) -> None:
    html = (site / "guide.html").read_text()
    for heading in ("Quick start", "Install", "Usage", "Notebooks", "Running the tests"):
        assert heading in html, heading


@needs_browser
def test_search_works_offline(site: Path) -> None:
    with open_page(site / "index.html") as (page, log):
        page.goto((site / "search.html").as_uri() + "?q=gradcheck", wait_until="load")
        page.wait_for_selector("#search-results li", timeout=15000)
        hits = page.evaluate("() => document.querySelectorAll('#search-results li').length")
        screenshot(page, "site_search", full_page=False)
    assert hits > 0
    assert log.clean(), log.problems()


@needs_browser
@pytest.mark.parametrize("page_name", OTHER_PAGES + LESSON_PAGES)
def test_page_in_a_browser(site: Path, page_name: str) -> None:
    """No console error and no request to the network; math typeset; pictures present and inside the column."""
    stem = Path(page_name).stem
    notebook = next((path for path in NOTEBOOKS if path.stem == stem), None)
    with open_page(site / page_name) as (page, log):
        math = page.evaluate(
            """async () => {
                if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
                return {typeset: document.querySelectorAll('mjx-container').length,
                        errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length};
            }"""
        )
        # Pictures as shown: not the ones folded in a closed <details> (e.g. a drawing's "full size" view),
        # which Chromium still lays out.
        shown = "svg:not(details:not([open]) *), img:not(details:not([open]) *)"
        pictures = [p for p in picture_report(page, pictures=shown, column="article") if p.width > 60]
        images = page.evaluate(
            """() => [...document.querySelectorAll('.cell_output img')].map(i => ({
                src: i.getAttribute('src'), width: i.getBoundingClientRect().width,
                loaded: i.complete && i.naturalWidth > 0}))"""
        )
        players = page.evaluate(
            """() => [...document.querySelectorAll('.chainrule-player')].map(p => {
                const r = p.getBoundingClientRect(), c = p.closest('article').getBoundingClientRect();
                return {width: r.width, height: r.height, overflow: Math.max(r.right - c.right, c.left - r.left, 0),
                        svgs: p.querySelectorAll('svg').length};
            })"""
        )
        inline_svgs = page.evaluate("() => document.querySelectorAll('.cell_output svg').length")
        bars = page.evaluate(
            """() => [...document.querySelectorAll('progress.chainrule-widget-progress')].map(
                p => ({value: p.value, max: p.max, text: p.parentElement.textContent}))"""
        )
        screenshot(page, f"site_{stem}", full_page=False)
        first = page.query_selector(".cell_output img, .cell_output svg")
        if first is not None:
            first.scroll_into_view_if_needed()
            screenshot(page, f"site_{stem}_picture", full_page=False)
    assert log.clean(), log.problems()
    assert math["errors"] == 0, f"{page_name}: MathJax reports {math['errors']} errors"
    if notebook is not None and _uses_math(notebook):
        assert math["typeset"] > 0, f"{page_name}: no math was typeset"
    if stem == "06_moons":  # nn.fit's progress bar, drawn offline from the saved widget state
        assert bars, f"{page_name}: the training cell's progress bar is missing"
        assert bars[0]["value"] == bars[0]["max"] == 100, bars
        assert "100/100" in bars[0]["text"], bars
    not_loaded = [i["src"] for i in images if not i["loaded"]]
    assert not not_loaded, f"{page_name}: pictures that did not load: {not_loaded}"
    if notebook is not None and _draws(notebook):
        drawn = any(i["src"].endswith(".svg") for i in images) or inline_svgs > 0
        assert drawn, f"{page_name}: no drawing"
    for player in players:  # the step-through players (viz.steps): shown, with a frame, inside the column
        assert player["height"] > 50, f"{page_name}: a step-through player is not shown: {player}"
        assert player["svgs"] > 0, f"{page_name}: a step-through player shows no frame: {player}"
        assert player["overflow"] <= 1, f"{page_name}: a step-through player is wider than the column: {player}"
    too_wide = [p for p in pictures if not p.fits]
    assert not too_wide, f"{page_name}: pictures wider than the column: {too_wide}"
    smallest = [
        svg_min_font_px((site / Path(page_name).parent / i["src"]).read_text(), i["width"])
        for i in images
        if i["src"].endswith(".svg")
    ]
    text = [s for s in smallest if s is not None]
    smallest_text = f"{min(text):.1f}" if text else None
    inline = [p.min_text_px for p in pictures if p.tag == "svg" and p.min_text_px]
    smallest_inline = f"{min(inline):.1f}" if inline else None
    print(
        f"{page_name}: {len(images)} pictures as files, {inline_svgs} inline, {len(players)} players; "
        f"smallest text {smallest_text} px (files), {smallest_inline} px (inline)"
    )
    # The measured target for pictures, in the site's column as in an exported notebook:
    # every drawing's smallest text at least 9 CSS px at a 1280×800 viewport.
    small = [f"{t:.1f} px" for t in [*text, *inline] if t < MIN_TEXT_PX]
    if stem in KNOWN_SMALL_TEXT:
        assert small, f"{page_name} now reads at {MIN_TEXT_PX} px or more: take it off KNOWN_SMALL_TEXT"
        pytest.xfail(f"{page_name}: smallest drawing text {small} below {MIN_TEXT_PX} px (known small text)")
    assert not small, f"{page_name}: drawings whose smallest text is below {MIN_TEXT_PX} px in the column: {small}"


#: Lessons whose drawings each fit one screen in the site's column (viz.fit.SCREEN_PX high), with their
#: smallest text: lesson 8's unrolled network was 2,193 px tall (9.6 px) before it was drawn as a strip.
FITS_A_SCREEN = ["08_backprop_through_time"]


@needs_browser
@pytest.mark.parametrize("lesson", FITS_A_SCREEN)
def test_the_lessons_drawings_fit_a_screen_on_the_site(site: Path, lesson: str) -> None:
    from viz.fit import SCREEN_PX

    with open_page(site / "lessons" / f"{lesson}.html") as (page, log):
        shown = ".cell_output svg:not(details:not([open]) *):not(svg svg)"
        drawings = page.evaluate(
            f"""() => [...document.querySelectorAll({shown!r})].map(s => {{
                const r = s.getBoundingClientRect();
                return {{width: r.width, height: r.height}};
            }})"""
        )
        pictures = [p for p in picture_report(page, pictures=shown, column="article") if p.width > 60]
        first = page.query_selector(shown)
        assert first is not None, f"{lesson}: no drawing"
        first.scroll_into_view_if_needed()
        screenshot(page, f"site_{lesson}_fits_a_screen", full_page=False)
    assert log.clean(), log.problems()
    drawings = [d for d in drawings if d["width"] > 60]
    print(
        f"{lesson}: drawings {[(round(d['width']), round(d['height'])) for d in drawings]} px, smallest text "
        f"{[round(p.min_text_px or 0, 1) for p in pictures]} px"
    )
    assert drawings
    assert all(d["height"] <= SCREEN_PX for d in drawings), drawings
    assert all(p.fits and p.min_text_px is not None and p.min_text_px >= MIN_TEXT_PX for p in pictures), pictures


@needs_browser
@pytest.mark.parametrize(("lesson", "leaf"), [("01_single_neuron", "x₁"), ("04_stepping_through_backprop", "x")])
def test_the_lessons_live_explorer_works_on_the_site(site: Path, lesson: str, leaf: str) -> None:
    """Lessons 1 and 4 open an explorer on the site: a prompt, a leaf to edit, values that follow."""
    with open_page(site / "lessons" / f"{lesson}.html") as (page, log):
        explorer = page.locator(".chainrule-explorer").first
        explorer.scroll_into_view_if_needed()
        assert explorer.locator(".crx-prompt").inner_text()
        before = explorer.evaluate("r => [...r.querySelectorAll('[data-node]')].map(e => e.dataset.value)")
        explorer.locator(f'[data-leaf="{leaf}"]').fill("0.7")
        after = explorer.evaluate("r => [...r.querySelectorAll('[data-node]')].map(e => e.dataset.value)")
        assert after != before
        assert all(value != "" for value in after)  # every node has a number: no domain error here
        screenshot(page, f"site_{lesson}_explorer", full_page=False)
    assert log.clean(), log.problems()


@needs_browser
def test_exercises_are_answered_in_the_site_page(site: Path) -> None:
    """Lesson 1's numeric and multiple-choice exercises take an answer in the page and say why."""
    with open_page(site / "lessons" / "01_single_neuron.html") as (page, log):
        forms = page.locator("form.exercise-live")
        assert forms.count() == 2
        number = forms.nth(0)
        number.locator(".exercise-answer").fill("0")
        number.locator("button").click()
        result = number.locator(".exercise-live-result")
        assert result.get_attribute("data-correct") == "false"
        assert "∂s/∂b = 0" in result.inner_text()
        number.locator(".exercise-answer").fill("0.09276")
        number.locator("button").click()
        assert result.get_attribute("data-correct") == "true"
        choice = forms.nth(1)
        choice.locator('input[value="w2"]').check()
        choice.locator("button").click()
        assert choice.locator(".exercise-live-result").get_attribute("data-correct") == "true"
        screenshot(page, "site_exercises", full_page=False)
    assert log.clean(), log.problems()


@needs_browser
def test_lesson_4s_prediction_is_answered_in_the_site_page(site: Path) -> None:
    """Lesson 4's "predict frame 14" takes an answer in the page, with check_number's feedback."""
    with open_page(site / "lessons" / "04_stepping_through_backprop.html") as (page, log):
        forms = page.locator("form.exercise-live")
        assert forms.count() == 1
        form = forms.first
        form.scroll_into_view_if_needed()
        result = form.locator(".exercise-live-result")
        form.locator(".exercise-answer").fill("0.9051")  # tanh(1.5): y's value, not its slope
        form.locator("button").click()
        assert result.get_attribute("data-correct") == "false"
        assert "y's value" in result.inner_text()
        form.locator(".exercise-answer").fill("-0.1807")
        form.locator("button").click()
        assert "wrong sign" in result.inner_text()
        form.locator(".exercise-answer").fill("0.1807")
        form.locator("button").click()
        assert result.get_attribute("data-correct") == "true"
        assert "z.grad = 0.1807" in result.inner_text()
        screenshot(page, "site_04_prediction_exercise", full_page=False)
    assert log.clean(), log.problems()


#: A link inside the site: an href without a scheme, not to an anchor of the same page.
LOCAL_HREF = re.compile(r"""<a\b[^>]*\bhref=["'](?![a-z][a-z0-9+.-]*:|#)([^"'#?]+)""", re.I)


def test_every_link_inside_the_site_leads_to_a_page(site: Path) -> None:
    """No dead link: the README's links to CONTRIBUTING, CHANGELOG and LICENSE lead to their pages."""
    dead = []
    for path in site.rglob("*.html"):
        for match in LOCAL_HREF.finditer(path.read_text(encoding="utf-8")):
            target = (path.parent / match.group(1)).resolve()
            if not target.exists():
                dead.append(f"{path.relative_to(site)} → {match.group(1)}")
    assert not dead, "\n".join(sorted(set(dead))[:20])
    guide = (site / "guide.html").read_text(encoding="utf-8")
    for page in ("contributing.html", "changelog.html", "license.html"):
        assert f'href="{page}"' in guide, f"the guide does not link to {page}"


#: Every code box of a page (code, with the lessons' solutions unfolded, and printed output):
#: its width and its content's, whether it wraps its lines, and the lines wider than the box
#: were they not wrapped (measured with the box's own font, so wide glyphs count).
CODE_BOXES = """() => {
    for (const d of document.querySelectorAll('details')) d.open = true;
    const ctx = document.createElement('canvas').getContext('2d');
    return [...document.querySelectorAll('pre')].filter(pre => pre.clientWidth > 0).map(pre => {
        const style = getComputedStyle(pre);
        const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        ctx.font = style.font;
        const lines = pre.textContent.replace(/\\n$/, '').split('\\n');
        return {
            kind: pre.closest('.cell_input') ? 'code cell' : pre.closest('.cell_output') ? 'output' : 'code',
            scroll: pre.scrollWidth, width: pre.clientWidth,
            wraps: !style.whiteSpace.startsWith('pre') || style.whiteSpace.includes('wrap'),
            wide: lines.map((text, k) => ({line: k + 1, text, px: ctx.measureText(text).width}))
                       .filter(l => l.px > room + 0.5),
        };
    });
}"""


@needs_browser
@pytest.mark.parametrize("viewport", [(1280, 800), (1280, 720)], ids=["1280x800", "1280x720"])
def test_no_code_box_scrolls_sideways(site: Path, viewport: tuple[int, int]) -> None:
    """Every page's code fits the column: no code box scrolls sideways, in the site's usual
    window or on a 1280×720 slide. A failure names the page, the box and each line too wide.

    The lessons' code cells and the guide's examples fit because they are written to
    (notebooks/ruff.toml keeps the lessons within 88 characters), never wrapped; printed
    output wraps its long lines, as JupyterLab shows them."""
    overflowing: list[str] = []
    wrapped: list[str] = []
    boxes = 0
    with open_page(site / "index.html", viewport=viewport) as (page, log):
        for page_name in OTHER_PAGES + LESSON_PAGES:
            page.goto((site / page_name).as_uri(), wait_until="load")
            found = page.evaluate(CODE_BOXES)
            boxes += len(found)
            wrapped += [f"{page_name} #{n}" for n, b in enumerate(found, 1) if b["kind"] == "code cell" and b["wraps"]]
            for number, box in enumerate(found, start=1):
                if box["scroll"] > box["width"] + 1:
                    lines = "; ".join(
                        f"line {w['line']} ({len(w['text'])} chars): {w['text'][:60]}…" for w in box["wide"]
                    )
                    overflowing.append(
                        f"{page_name} {box['kind']} #{number} ({box['scroll']} px in {box['width']} px): {lines}"
                    )
            if page_name.endswith("05_xor.html"):  # its longest code lines, at the column's edge
                page.locator(".cell_input pre", has_text="fit picks lanes from").scroll_into_view_if_needed()
                screenshot(page, f"site_code_{viewport[0]}x{viewport[1]}", full_page=False)
    assert log.clean(), log.problems()
    assert boxes > 200  # the pages' code, the lessons' code cells and outputs were found
    assert wrapped == [], f"code cells wrapped by the page's style instead of formatted to fit: {wrapped[:5]}"
    assert not overflowing, f"{len(overflowing)} code boxes scroll sideways:\n" + "\n".join(overflowing)
