"""The notebooks are committed clean: no outputs, no execution counts, the project's kernel, checks at the end.

Executing them is the job of ``pytest --nbmake notebooks`` (part of ``make test``); this
file only reads their JSON, so it runs without Jupyter installed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
STRIP = "strip them with: jupyter nbconvert --clear-output --inplace"


def _load(path: Path) -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return notebook


def _code_cells(notebook: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, cell) for i, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code"]


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def test_every_notebook_of_the_issue_is_there() -> None:
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
