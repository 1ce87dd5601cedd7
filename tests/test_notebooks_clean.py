"""The notebooks are committed clean and read as lessons.

Clean: no outputs, no execution counts, the project's kernel, checks at the end. Lessons
(every notebook but 4, whose structure belongs to the step-through player): they open with
what you will learn and what you need to know, end with a summary and exercises, keep
their solutions and checks in hidden cells, and cite a seed article wherever they name one.

Executing them is the job of ``pytest --nbmake notebooks`` (part of ``make test``); this
file only reads their JSON, so it runs without Jupyter installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
LESSONS = [path for path in NOTEBOOKS if not path.name.startswith("04_")]
SEED_LINKS = (
    "https://neptune.ai/blog/backpropagation-algorithm-in-neural-networks-guide",
    "https://www.geeksforgeeks.org/backpropagation-in-neural-network/",
    "https://vitalflux.com/",
)
HIDDEN = {"hide-cell", "remove-cell"}
STRIP = "strip them with: jupyter nbconvert --clear-output --inplace"


def _load(path: Path) -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return notebook


def _code_cells(notebook: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, cell) for i, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code"]


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def test_every_lesson_is_there() -> None:
    numbers = sorted(int(path.name.split("_")[0]) for path in NOTEBOOKS)
    assert numbers == list(range(1, 11)), [path.name for path in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_committed_without_outputs(path: Path) -> None:
    notebook = _load(path)
    assert notebook["nbformat"] == 4
    with_outputs = [i for i, cell in _code_cells(notebook) if cell.get("outputs")]
    counted = [i for i, cell in _code_cells(notebook) if cell.get("execution_count") is not None]
    assert not with_outputs, (
        f"{path.name}: cells {with_outputs} were committed with outputs; {STRIP} notebooks/{path.name}"
    )
    assert not counted, f"{path.name}: cells {counted} have execution counts; {STRIP} notebooks/{path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_runs_on_the_project_kernel(path: Path) -> None:
    kernelspec = _load(path)["metadata"].get("kernelspec", {})
    assert kernelspec.get("name") == "chainrule", f"{path.name}: kernelspec {kernelspec!r}, expected 'chainrule'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_opens_with_an_explanation_and_ends_with_checks(path: Path) -> None:
    notebook = _load(path)
    assert notebook["cells"][0]["cell_type"] == "markdown"
    assert _source(notebook["cells"][0]).startswith("# ")
    _, last = _code_cells(notebook)[-1]
    assert last is notebook["cells"][-1], f"{path.name}: the last cell must be the checks"
    assert sum(line.startswith("assert ") for line in _source(last).splitlines()) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_uses_neither_the_seed_folder_nor_private_names(path: Path) -> None:
    code = "\n".join(_source(cell) for _, cell in _code_cells(_load(path)))
    assert "shared/seeds" not in code
    assert "from autograd._" not in code
    assert "._" not in code.replace("__", ""), f"{path.name} reaches for a private attribute"


def _markdown(notebook: dict[str, Any]) -> str:
    return "\n".join(_source(cell) for cell in notebook["cells"] if cell["cell_type"] == "markdown")


def _tags(cell: dict[str, Any]) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.name)
def test_a_lesson_says_what_you_learn_and_need_and_sums_up(path: Path) -> None:
    notebook = _load(path)
    opening = _source(notebook["cells"][0])
    assert "**What you will learn**" in opening, f"{path.name}: the first cell says what you will learn"
    assert "**What you need to know**" in opening, f"{path.name}: the first cell says what you need to know"
    assert "## Summary" in _markdown(notebook), f"{path.name} has no summary"
    assert "## Checks" not in _markdown(notebook), f"{path.name}: the checks are hidden, not a section"


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.name)
def test_a_lesson_has_exercises_with_hidden_solutions(path: Path) -> None:
    notebook = _load(path)
    code = [cell for _, cell in _code_cells(notebook)]
    assert "## Exercises" in _markdown(notebook), f"{path.name} has no exercises"
    asks = [c for c in code if "answer = ..." in _source(c) or "choice = ..." in _source(c) or "= ...  #" in _source(c)]
    solutions = [c for c in code if "solution" in _tags(c)]
    assert asks, f"{path.name}: no exercise cell leaves the answer to the student (answer = ...)"
    assert len(solutions) >= len(asks), f"{path.name}: {len(asks)} exercises, {len(solutions)} solutions"
    for cell in solutions:
        assert _tags(cell) & HIDDEN, f"{path.name}: a solution cell is not hidden on the site"
        folded = cell["metadata"].get("jupyter", {})
        assert folded.get("source_hidden"), f"{path.name}: a solution's code shows in Jupyter"
        assert folded.get("outputs_hidden"), f"{path.name}: a solution's feedback shows in Jupyter after Run All"
    assert any("from exercises import" in _source(c) or "import exercises" in _source(c) for c in code)
    for cell in asks:
        assert len(_source(cell).splitlines()) <= 3, f"{path.name}: an exercise cell shows more than the answer line"
    for cell in code:
        if "exercise-checker" in _tags(cell):
            assert "remove-cell" in _tags(cell), f"{path.name}: an exercise's checker (and its hints) shows on the site"


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.name)
def test_a_lesson_hides_its_checks(path: Path) -> None:
    notebook = _load(path)
    checks = [cell for _, cell in _code_cells(notebook) if "checks" in _tags(cell)]
    assert checks, f"{path.name}: the asserting cell is not tagged 'checks'"
    assert checks[-1] is notebook["cells"][-1]
    for cell in checks:
        assert _tags(cell) & HIDDEN, f"{path.name}: the checks are shown on the site"
    shown = [
        i
        for i, cell in _code_cells(notebook)
        if not _tags(cell) & HIDDEN and sum(line.startswith("assert ") for line in _source(cell).splitlines()) > 2
    ]
    assert not shown, f"{path.name}: cells {shown} are walls of asserts shown to the reader"


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.name)
def test_a_seed_article_is_cited_where_it_is_named(path: Path) -> None:
    for cell in _load(path)["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "markdown" and re.search(r"\barticle\b", text):
            cited = any(link in text for link in SEED_LINKS)
            assert cited or "aside" not in _tags(cell), f"{path.name}: an aside names an article without its link"
    markdown = _markdown(_load(path))
    if re.search(r"seed article", markdown):
        assert any(link in markdown for link in SEED_LINKS), f"{path.name} names a seed article but never cites it"
