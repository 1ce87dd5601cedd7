"""The packages' layering, read from their source: imports point one way.

Every ``import`` statement counts, also one inside a function (a lazy import still makes a
circle at run time); only imports under ``if TYPE_CHECKING:`` (annotations) are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "viz")


def _modules() -> dict[str, Path]:
    """Every module of the packages by dotted name (a package by its own name, for its ``__init__``)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, type_checking: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of ``tree``, at any depth; those under ``if TYPE_CHECKING:`` only
    with ``type_checking`` (its ``else:`` branch always)."""
    for node in ast.iter_child_nodes(tree):
        skipped = isinstance(node, ast.If) and _is_type_checking(node) and not type_checking
        for statement in node.orelse if isinstance(node, ast.If) and skipped else [node]:
            if isinstance(statement, ast.Import | ast.ImportFrom):
                yield statement
            yield from _imports(statement, type_checking)


def _targets(name: str, path: Path) -> set[str]:
    """The modules of the packages that module ``name`` imports.

    ``from p import m`` depends on the submodule ``p.m`` when there is one (``p`` itself is then
    already being imported as its parent), else on ``p``.
    """
    found: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in MODULES)
            continue
        if node.level:
            base = package[: len(package) - node.level + 1]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        for alias in node.names:
            sub = f"{source}.{alias.name}"
            if sub in MODULES:
                found.add(sub)
            elif source in MODULES:
                found.add(source)
    found.discard(name)
    return found


GRAPH = {name: _targets(name, path) for name, path in MODULES.items()}


def _circle_through(start: str) -> list[str] | None:
    """The shortest chain of imports from ``start`` back to itself, or None."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(GRAPH[module]):
                if target == start:
                    return [*paths[module], start]
                if target not in paths:
                    paths[target] = [*paths[module], target]
                    following.append(target)
        frontier = following
    return None


def test_the_graph_is_read() -> None:
    # A check of the reader itself: the engine's modules are found, and a known import is seen.
    assert {"autograd", "autograd.core.value", "autograd.core.rules", "nn", "viz"} <= set(MODULES)
    assert "autograd.core.rules" in GRAPH["autograd.core.value"]
    assert "autograd.core.functions" in GRAPH["autograd.core.rules"]


def test_a_lazy_import_counts_and_type_checking_does_not() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from a import b\n"
        "def f():\n    from c import d\n    return d\n"
    )
    assert [node.module for node in _imports(tree) if isinstance(node, ast.ImportFrom)] == ["typing", "c"]


def test_no_import_circle() -> None:
    circles = {" -> ".join(c) for c in map(_circle_through, sorted(MODULES)) if c is not None}
    assert sorted(circles) == []


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [("autograd", ("nn", "viz")), ("nn", ("viz",)), ("viz", ("nn",))],
)
def test_packages_depend_one_way(importer: str, forbidden: tuple[str, ...]) -> None:
    # autograd imports neither nn nor viz; nn and viz never import each other.
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if name.split(".")[0] == importer
        for target in targets
        if target.split(".")[0] in forbidden
    )
    assert wrong == []


# -- nn and viz use autograd's public API --------------------------------------------------

#: What ``nn`` and ``viz`` may import from ``autograd`` (the public API that ``autograd``'s
#: docstring and docs/development.md list): the package itself and these public modules. The
#: layers inside (``autograd.core``, ``autograd.check``, ``autograd.replay``, the modules of
#: ``autograd.chains``) are internal.
PUBLIC = (
    "autograd",
    "autograd.chains",
    "autograd.examples",
    "autograd.files",
    "autograd.functional",
    "autograd.testing",
)


def _declared(module: str) -> set[str]:
    """The names in a module's ``__all__``, read from its source."""
    for node in ast.parse(MODULES[module].read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return {elt.value for elt in ast.walk(node.value) if isinstance(elt, ast.Constant)}
    return set()


def _non_public_uses(source: str) -> list[str]:
    """What ``source`` imports from ``autograd`` beyond its public API, each with its line.

    Every import counts, also inside a function or under ``if TYPE_CHECKING:`` (an annotation
    names the API too): a module that is not public, or a name outside a public module's
    ``__all__`` (a public module by its name is fine: ``from autograd import files``).
    """
    found: list[str] = []
    for node in _imports(ast.parse(source), type_checking=True):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "autograd" and alias.name not in PUBLIC:
                    found.append(f"line {node.lineno}: import {alias.name}")
            continue
        module = node.module or ""
        if node.level or module.split(".")[0] != "autograd":
            continue
        if module not in PUBLIC:
            found.append(f"line {node.lineno}: from {module} import ...")
            continue
        for alias in node.names:
            if alias.name not in _declared(module) and f"{module}.{alias.name}" not in PUBLIC:
                found.append(f"line {node.lineno}: from {module} import {alias.name}")
    return found


def test_the_public_modules_exist_and_declare_their_names() -> None:
    for module in PUBLIC:
        assert module in MODULES, module
        assert _declared(module), f"{module} has no __all__"
    import autograd

    assert set(autograd.__all__) == _declared("autograd")


def test_the_public_api_reader_finds_every_kind_of_non_public_import() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from autograd import Value, files\n"
        "from autograd.chains import Chain\n"
        "from autograd.core.value import FUNCTION_METHODS\n"
        "from autograd import record_unary\n"
        "if TYPE_CHECKING:\n    from autograd.replay import Program\n"
        "def f():\n    import autograd.check.run\n    from autograd.chains.paths import path_count_text\n"
    )
    assert _non_public_uses(source) == [
        "line 4: from autograd.core.value import ...",
        "line 5: from autograd import record_unary",
        "line 7: from autograd.replay import ...",
        "line 9: import autograd.check.run",
        "line 10: from autograd.chains.paths import ...",
    ]


@pytest.mark.parametrize("package", ["nn", "viz"])
def test_nn_and_viz_use_only_autograds_public_api(package: str) -> None:
    wrong = [
        f"{name}, {use}"
        for name, path in MODULES.items()
        if name.split(".")[0] == package
        for use in _non_public_uses(path.read_text(encoding="utf-8"))
    ]
    assert wrong == []
