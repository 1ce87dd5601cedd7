"""The shape of the viz package: modules talk through public names and stay small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import viz

VIZ = Path(viz.__file__).parent
MODULES = sorted(VIZ.glob("*.py"))

#: Lines a viz module may have: past this, split it by concern (the drawing stages, export, LaTeX...).
MAX_LINES = 520


def _imports(path: Path) -> list[tuple[str, str, int]]:
    """Every ``from viz.x import name`` in ``path``: (module, name, line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.module, alias.name, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "viz"
        for alias in node.names
    ]


def test_the_package_has_the_modules_this_test_reads() -> None:
    names = {p.stem for p in MODULES}
    assert {"scene", "marks", "layout", "emit", "steps", "caption", "latex", "export"} <= names


def test_no_viz_module_imports_another_modules_underscore_names() -> None:
    private = [
        f"{path.name}:{line}: from {module} import {name}"
        for path in MODULES
        for module, name, line in _imports(path)
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
    ]
    assert private == []


def test_no_viz_module_reaches_into_another_modules_underscore_attributes() -> None:
    """``import viz.scene`` then ``viz.scene._helper`` is the same coupling as importing it by name."""
    found = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Attribute)
                and isinstance(node.value.value, ast.Name)
                and node.value.value.id == "viz"
            ):
                found.append(f"{path.name}:{node.lineno}: viz.{node.value.attr}.{node.attr}")
    assert found == []


def test_no_viz_module_is_longer_than_a_reader_can_hold() -> None:
    lengths = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES}
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}
