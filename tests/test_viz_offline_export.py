"""tools/offline_html.py: an exported lesson reads like the site (the same cell tags hide the same cells)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import export_notebooks_offline

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbconvert")


def _cell(source: str, *tags: str, output: str | None = None) -> object:
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})
    if output is not None:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    return cell


def test_tagged_cells_are_removed_or_folded_as_on_the_site(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Lesson"),
        _cell("shown_code = 1", output="shown output"),
        _cell("def check_1_1(): pass  # checker", "exercise-checker", "remove-cell", output="checker output"),
        _cell("assert pinned_check", "checks", "hide-cell", output="checks output"),
        _cell("solution_code = 2", "solution", "hide-cell", output="solution output"),
        _cell("plot_code = 3", "hide-input", output="plot output"),
        _cell("secret_input = 4", "remove-input", output="kept output"),
        _cell("visible_input = 5", "remove-output", output="dropped output"),
    ]
    source = tmp_path / "lesson.ipynb"
    nbformat.write(nb, source)
    (page,) = export_notebooks_offline([source], tmp_path / "html", execute=False)
    html = page.read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)

    assert "shown_code" in text
    assert "shown output" in text
    assert "check_1_1" not in text
    assert "checker output" not in text
    assert "secret_input" not in text
    assert "kept output" in text
    assert "visible_input" in text
    assert "dropped output" not in text
    folded = re.findall(r"<details class=\"chainrule-hidden-cell\">(.*?)</details>", html, re.S)
    assert len(folded) == 2  # the checks and the solution: folded whole, closed
    assert "pinned_check" in folded[0]
    assert "<summary>Show code cell</summary>" in folded[0]
    assert "solution_code" in folded[1]
    assert "Show the solution" in folded[1]
    inputs = re.findall(r"<details class=\"chainrule-hidden-input\">(.*?)</details>", html, re.S)
    assert len(inputs) == 1
    assert "plot_code" in inputs[0]
    assert "plot output" not in inputs[0]
    assert "plot output" in text
    assert "<details open" not in html
