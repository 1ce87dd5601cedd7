"""viz.options: the drawing options draw_graph and draw_chain share, defined once.

Both functions take them as ``**options: Unpack[DrawOptions]`` (typed for mypy and editors) and
show them as ordinary keyword arguments — with their types and defaults in the signature
``help()`` prints, and one documented entry each in the docstring — from the one definition
(:class:`~viz.options.DrawOptions`, :data:`~viz.options.DEFAULTS`, :data:`~viz.options.OPTION_DOCS`).
"""

from __future__ import annotations

import inspect
import pydoc
from collections.abc import Callable
from typing import Any

import pytest

import viz
from autograd import Value
from viz.options import DEFAULTS, OPTION_DOCS, DrawOptions, Options, takes_options

DRAWERS: dict[str, Callable[..., Any]] = {"draw_graph": viz.draw_graph, "draw_chain": viz.draw_chain}


def test_one_definition_gives_every_option_a_type_a_default_and_a_meaning() -> None:
    assert list(DrawOptions.__annotations__) == list(DEFAULTS) == list(OPTION_DOCS)


@pytest.mark.parametrize("name", list(DRAWERS))
def test_the_signature_shows_every_option_as_a_keyword_with_its_default(name: str) -> None:
    sig = inspect.signature(DRAWERS[name])
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())
    for option, default in DEFAULTS.items():
        p = sig.parameters[option]
        assert p.kind is inspect.Parameter.KEYWORD_ONLY
        assert p.default == default
        assert p.annotation == DrawOptions.__annotations__[option].__forward_arg__
    assert sig.parameters["digits"].annotation == "int | None"
    assert sig.parameters["collapse"].default == "auto"  # each function's own keywords stay


@pytest.mark.parametrize("name", list(DRAWERS))
def test_help_documents_every_option_once(name: str) -> None:
    text = pydoc.render_doc(DRAWERS[name], renderer=pydoc.plaintext)
    assert "**options" not in text
    for option in DEFAULTS:
        assert text.count(f"\n        {option}: ") == 1, option
    assert "timeout: float | None = 30.0" in text.replace("'", "")


def test_both_functions_draw_with_the_same_options() -> None:
    x, w = Value(0.5, label="x"), Value(-1.0, label="w")
    out = (x * w).tanh()
    out.backward()
    chosen: viz.DrawOptions = {"digits": 3, "style": "print", "rankdir": "LR", "legend": False}
    chosen["graph_attr"] = {"pad": 1}
    graph = viz.draw_graph(out, **chosen)
    chain = viz.draw_chain(out, w, **chosen)
    for d in (graph, chain):
        assert d.graph_attr["rankdir"] == "LR"
        assert d.graph_attr["pad"] == "1"
        assert "data -0.462" in d.source  # tanh(−0.5) = −0.46212 at 3 digits
        assert "grad 0.393" in d.source  # ∂out/∂w = (1 − tanh²(−0.5)) · x = 0.39322


@pytest.mark.parametrize("name", list(DRAWERS))
def test_a_misspelt_option_is_refused_naming_it_and_the_nearest(name: str) -> None:
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    args = (y,) if name == "draw_graph" else (y, x)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'digts' \(did you mean 'digits'\?\)"):
        DRAWERS[name](*args, digts=3)
    with pytest.raises(TypeError, match="'precision': the drawing options are digits, style, color"):
        DRAWERS[name](*args, precision=3)


def test_options_make_takes_the_same_options_and_checks_them() -> None:
    assert Options.make() == Options.make(**DEFAULTS)
    assert Options.make(digits=3, ops="nodes").digits == 3
    with pytest.raises(ValueError, match="ops must be 'inline' or 'nodes'"):
        Options.make(ops="ellipses")  # type: ignore[typeddict-item]


def test_a_function_without_the_options_entry_in_its_docstring_is_refused() -> None:
    def draw(**options: Any) -> None:
        """Draw.

        Args:
            x: nothing.
        """

    with pytest.raises(ValueError, match="draw's docstring has no '\\*\\*options:' entry"):
        takes_options(draw)
