"""Sphinx configuration of chainrule's course and documentation site (``make docs`` → build/site/).

Sphinx + MyST-NB + Furo: the notebooks are executed while the site builds (a failing
check fails the build), cell tags hide the checks and the solutions, autodoc writes the
API reference from the docstrings, and Sphinx's search runs in the browser. Every asset
is served from the site itself: MathJax 3 (one file, SVG output, every TeX extension built in)
comes from the ``django-static-mathjax`` package, and no widget or require.js script is
loaded from a CDN.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # autodoc imports the packages of this checkout


def _mathjax() -> Path:
    """MathJax 3's one-file build with SVG output, from the ``django-static-mathjax`` package."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax is missing: pip install -e '.[docs]' (the django-static-mathjax package)")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5" / "tex-svg-full.js"


project = "chainrule"
author = "chainrule developers"
copyright = "chainrule developers"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "lessons/exercises.py", "lessons/__pycache__"]

# Lessons: executed on every build, top to bottom, in their own folder (so `import exercises` works);
# an exception in any cell — a check that no longer holds — fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
# Progress bars are ipywidgets in a kernel. The page keeps the widgets' final state, and
# _static/chainrule-widgets.js draws the bars from it: no widget library, no require.js, no CDN.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
# Tables that a cell displays as Markdown (display(Markdown(...))) are rendered as tables.
nb_render_markdown_format = "gfm"

# Math from the site itself: the MathJax file is copied into _static/.
html_static_path = ["_static", str(_mathjax())]
mathjax_path = "tex-svg-full.js"

# API reference from the docstrings (Google style).
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "furo"
html_title = "chainrule — backpropagation, step by step"
html_css_files = ["chainrule.css"]
html_js_files = ["chainrule-widgets.js"]
html_show_sourcelink = False
html_copy_source = False
# Search runs in the browser from searchindex.js. Its summaries would fetch() each result page,
# which browsers refuse for a site opened from disk (file://): list the matching pages without them.
html_show_search_summary = False

# The README, CONTRIBUTING and CHANGELOG link to files at the top of the repository; on the site
# those files are pages (contributing, changelog, license), so an included text's links are pointed there.
REPOSITORY_FILES = {"CONTRIBUTING.md": "contributing.md", "CHANGELOG.md": "changelog.md", "LICENSE": "license.md"}


def _link_to_pages(app: Sphinx, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    """Rewrite ``](CONTRIBUTING.md)``-style links of an included file to the site's page for that file."""
    for name, page in REPOSITORY_FILES.items():
        content[0] = content[0].replace(f"]({name})", f"]({page})")


def setup(app: Sphinx) -> dict[str, bool]:
    """Register the link rewriting of included files."""
    app.connect("include-read", _link_to_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
