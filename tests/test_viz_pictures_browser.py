"""What a person sees, checked in a real browser.

Every notebook, executed and exported to HTML that needs no network, opened in headless
Chromium at 1280×800: no picture wider than the content column, the smallest text of every
drawing at least 9 CSS px, no console error, no network request. A page of chainrule's own
drawings in each style is checked the same way. Screenshots go to ``build/screens/`` for a
person to look at.
"""

from __future__ import annotations

import html
import warnings
from pathlib import Path

import pytest
from browser_support import ROOT, export_notebooks_offline, needs_browser, open_page, picture_report, screenshot

import viz
from autograd.examples import single_neuron_graph

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MIN_TEXT_PX = 9.0
VIEWPORT = (1280, 800)

#: Notebooks whose drawings do not yet reach MIN_TEXT_PX (none at present: notebook 6 writes its
#: neuron-level graph to a file instead of drawing it in the column). Every other check holds for
#: them; when one reaches the target, the test fails until it is taken off this list.
KNOWN_SMALL_TEXT: set[str] = set()


def _check(pages: dict[str, Path], *, dark: bool = False) -> dict[str, list[str]]:
    """Open each page; return the problems found per page (screenshots saved on the way)."""
    problems: dict[str, list[str]] = {}
    for name, path in pages.items():
        with open_page(path, viewport=VIEWPORT, color_scheme="dark" if dark else "light", wait_ms=500) as (page, log):
            report = picture_report(page)
            screenshot(page, f"pictures_{name}")
        found = []
        for p in report:
            if not p.fits:
                found.append(
                    f"picture {p.index} ({p.tag}, {p.width:.0f} px) overflows its {p.column_width:.0f} px column"
                )
            if p.min_text_px is not None and p.min_text_px < MIN_TEXT_PX:
                found.append(f"picture {p.index} ({p.tag}, {p.width:.0f} px wide): text {p.min_text_px:.1f} px")
        if not log.clean():
            found.append(log.problems())
        if found:
            problems[name] = found
    return problems


@pytest.fixture(scope="module")
def notebook_pages() -> dict[str, Path]:
    """The notebooks as they are in the tree, executed (a failing cell does not stop the rest: the
    notebooks' own checks are nbmake's job; this test is about their pictures) and exported offline."""
    import nbformat
    from nbconvert.preprocessors import ExecutePreprocessor

    out = ROOT / "build" / "pictures_pages"  # kept, for a person to open
    out.mkdir(parents=True, exist_ok=True)
    executed, failing = [], []
    for source in NOTEBOOKS:
        nb = nbformat.read(source, as_version=4)
        runner = ExecutePreprocessor(kernel_name="chainrule", timeout=600, allow_errors=True, store_widget_state=False)
        runner.preprocess(nb, {"metadata": {"path": str(source.parent)}})
        errors = [c for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
        if errors:
            failing.append(f"{source.name} ({len(errors)} cells)")
        target = out / source.name
        nbformat.write(nb, target)
        executed.append(target)
    if failing:
        warnings.warn(f"cells raised in {', '.join(failing)}; their pictures are checked all the same", stacklevel=1)
    pages = export_notebooks_offline(executed, out / "html", execute=False)
    return {p.stem: p for p in pages}


@needs_browser
def test_every_notebook_picture_fits_and_reads(notebook_pages: dict[str, Path]) -> None:
    problems = _check(notebook_pages)
    small = {name: [f for f in found if " text " in f] for name, found in problems.items()}
    other = {name: [f for f in found if " text " not in f] for name, found in problems.items()}
    unexpected = {name: found for name, found in small.items() if found and name not in KNOWN_SMALL_TEXT}
    unexpected |= {name: found for name, found in other.items() if found}
    assert not unexpected, "\n".join(f"{name}: {'; '.join(found)}" for name, found in unexpected.items())
    fixed = sorted(name for name in KNOWN_SMALL_TEXT if not small.get(name))
    assert not fixed, f"{fixed} now read at {MIN_TEXT_PX} px or more: take them off KNOWN_SMALL_TEXT"
    if not KNOWN_SMALL_TEXT:
        return
    pytest.xfail(
        "below the 9 px target: " + "; ".join(f"{name}: {', '.join(small[name])}" for name in sorted(KNOWN_SMALL_TEXT))
    )


def _page(drawings: list[tuple[str, viz.Drawing]], *, dark: bool = False) -> str:
    """A page like an exported notebook: a ~1000 px content column with each drawing's Jupyter display."""
    body = "".join(
        f'<div class="jp-Cell"><p>{html.escape(title)}</p>'
        f'<div class="jp-OutputArea-output">{d._repr_mimebundle_()["text/html"]}</div></div>'
        for title, d in drawings
    )
    colours = "background:#111;color:#eee" if dark else ""
    return (
        f'<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;{colours}">'
        f'<main style="max-width:1000px;margin:0 auto;padding:0 20px">{body}</main></body></html>'
    )


@needs_browser
def test_chainrules_own_drawings_fit_a_notebook_column(tmp_path: Path) -> None:
    g = single_neuron_graph()
    g.error.backward()
    kw = {"params": [g.w1, g.w2, g.b], "inputs": [g.x1, g.x2]}
    light = [
        ("notebook 1's chain", viz.draw_chain(g.error, g.w1, **kw)),
        ("its graph, coloured by gradient", viz.draw_graph(g.error, color="grad", local_grads=True, **kw)),
        ("print style", viz.draw_chain(g.error, g.b, style="print", **kw)),
    ]
    dark = [("dark style", viz.draw_chain(g.error, g.w1, style="dark", **kw))]
    (tmp_path / "light.html").write_text(_page(light), encoding="utf-8")
    (tmp_path / "dark.html").write_text(_page(dark, dark=True), encoding="utf-8")
    problems = _check({"own_light": tmp_path / "light.html"}) | _check({"own_dark": tmp_path / "dark.html"}, dark=True)
    assert not problems, problems


@needs_browser
@pytest.mark.parametrize(("sizes", "min_px"), [([4, 4, 1], 11.0), ([16, 16, 1], 9.0)])
def test_a_networks_chain_reads_in_a_notebook_column(tmp_path: Path, sizes: list[int], min_px: float) -> None:
    """draw_chain to a first-layer weight of an MLP, as Chromium shows it in a 1000 px column: the chain's
    own view, no overflow, its smallest text at least 11 px (MLP(2, [4, 4, 1])) or 9 px ([16, 16, 1])."""
    from viz_support import mlp_loss

    model, loss, _ = mlp_loss(sizes)
    w = model.layers[0].neurons[1].w[0]
    drawing = viz.draw_chain(loss, w, model=model, names={w: "w¹₂₁"})
    assert drawing.view == "paths"
    name = f"mlp_chain_{'_'.join(map(str, sizes))}"
    (tmp_path / f"{name}.html").write_text(_page([(name, drawing)]), encoding="utf-8")
    with open_page(tmp_path / f"{name}.html", viewport=VIEWPORT, wait_ms=300) as (page, log):
        report = picture_report(page)
        screenshot(page, f"pictures_{name}")
    (picture,) = [p for p in report if p.min_text_px is not None]
    assert picture.fits, picture
    assert picture.min_text_px is not None
    assert picture.min_text_px >= min_px, picture
    assert log.clean(), log.problems()


#: For each SVG on the page: the box titles' text boxes as Chromium lays the text out
#: (getBBox, in the SVG's user units), and every edge point that falls in one of them, the
#: edges walked along their length (getPointAtLength, 0.5 units apart) and arrowheads included.
_TITLE_CROSSINGS_JS = """
() => Array.from(document.querySelectorAll('svg')).map((svg) => {
  const titles = [];
  for (const g of svg.querySelectorAll('g.node, g.cluster')) {
    const name = g.querySelector('title').textContent;
    if (g.classList.contains('node') && !/^m\\d+t$/.test(name)) continue;
    for (const t of g.querySelectorAll(':scope > text')) {
      if (t.textContent.trim()) titles.push({name, text: t.textContent, box: t.getBBox()});
    }
  }
  const inside = (x, y, b) => x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
  const crossings = [];
  for (const e of svg.querySelectorAll('g.edge')) {
    const edge = e.querySelector('title').textContent;
    const points = [];
    for (const p of e.querySelectorAll('path')) {
      const length = p.getTotalLength();
      for (let s = 0; s <= length; s += 0.5) points.push(p.getPointAtLength(s));
    }
    for (const p of e.querySelectorAll('polygon')) for (const q of p.points) points.push(q);
    for (const t of titles) {
      if (points.some((q) => inside(q.x, q.y, t.box))) crossings.push(`${edge} through ${t.text}`);
    }
  }
  return {titles: titles.length, crossings};
})
"""


@needs_browser
def test_no_edge_runs_through_a_box_title_as_chromium_draws_it(tmp_path: Path) -> None:
    """The MLP pictures of the notebooks' kind, measured with the fonts the browser really uses."""
    from test_viz_model_layout import CASES

    drawings = []
    for case in CASES:
        for rankdir in ("LR", "TB"):
            for collapse in (None, "Neuron"):
                model, loss, _ = CASES[case]()
                d = viz.draw_graph(loss, model=model, rankdir=rankdir, collapse=collapse)
                drawings.append((f"{case} {rankdir} {collapse}", d))
    body = "".join(f"<h3>{html.escape(name)}</h3>{d.svg()[d.svg().find('<svg') :]}" for name, d in drawings)
    page = tmp_path / "titles.html"
    page.write_text(f'<!doctype html><html><head><meta charset="utf-8"></head><body>{body}</body></html>')
    with open_page(page, viewport=VIEWPORT) as (browser_page, log):
        found = browser_page.evaluate(_TITLE_CROSSINGS_JS)
        screenshot(browser_page, "model_titles")
    assert log.clean(), log.problems()
    assert len(found) == len(drawings)
    for (name, d), result in zip(drawings, found, strict=True):
        assert result["titles"] == d.source.count("subgraph cluster_m"), name  # every title was measured
        assert result["crossings"] == [], name
