"""Export notebooks to HTML pages that work with no network.

nbconvert's ``lab`` template loads require.js, MathJax, the widget manager and mermaid
from CDNs, so a page exported with it breaks in an offline classroom. This exports with
the ``offline_lab`` template beside this file (the lab template without those scripts)
and copies MathJax 3 (``tex-svg-full.js`` from the ``django-static-mathjax`` package, a
pinned copy of MathJax's own build) into ``<out>/mathjax/``,
so the folder of pages opens from disk with every asset local.

The pages read like the lessons on the site (docs/conf.py): cells tagged ``remove-cell``
(the exercises' checkers) are left out, ``remove-input``/``remove-output`` lose their
code/output, and ``hide-cell`` cells (the checks, the solutions) and ``hide-input`` code
are folded into a closed ``<details>`` a reader can open.

    python tools/offline_html.py OUT_DIR NOTEBOOK... [--execute] [--kernel NAME]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

TEMPLATES = Path(__file__).parent / "offline_template"
MATHJAX_URL = "mathjax/tex-svg-full.js"


def mathjax_script() -> Path:
    """MathJax 3's one-file build with SVG output, from the ``django-static-mathjax`` package."""
    import importlib.util

    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax is missing: pip install -e '.[notebooks]' (the django-static-mathjax package)")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5" / "tex-svg-full.js"


def copy_mathjax(out_dir: Path) -> Path:
    """Copy MathJax's script into ``out_dir/mathjax/`` (once) and return its path."""
    target = out_dir / MATHJAX_URL
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mathjax_script(), target)
    return target


def export(
    notebooks: Sequence[Path], out_dir: Path, *, execute: bool = False, kernel: str = "chainrule", timeout: int = 600
) -> list[Path]:
    """Write each notebook as ``out_dir/<stem>.html`` (executed first when ``execute``); return the pages."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import ExecutePreprocessor, TagRemovePreprocessor

    out_dir.mkdir(parents=True, exist_ok=True)
    copy_mathjax(out_dir)
    exporter = HTMLExporter(template_name="offline_lab", extra_template_basedirs=[str(TEMPLATES)])
    exporter.mathjax_url = MATHJAX_URL
    # The site's removals (MyST-NB's tags); run after executing, so removed cells still ran.
    remover = TagRemovePreprocessor(
        remove_cell_tags={"remove-cell"},
        remove_input_tags={"remove-input"},
        remove_all_outputs_tags={"remove-output"},
        enabled=True,
    )
    exporter.register_preprocessor(remover, enabled=True)
    pages = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        if execute:
            runner = ExecutePreprocessor(kernel_name=kernel, timeout=timeout, store_widget_state=False)
            runner.preprocess(nb, {"metadata": {"path": str(path.parent)}})
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        page = out_dir / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--execute", action="store_true", help="run each notebook before exporting it")
    parser.add_argument("--kernel", default="chainrule", help="the Jupyter kernel to run them on")
    args = parser.parse_args(argv)
    for page in export(args.notebooks, args.out_dir, execute=args.execute, kernel=args.kernel):
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
