"""viz.draw_chain / chain_caption: the seed's caption, several paths, path explosion, highlighting."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from viz_support import bare_edge_labels, golden, needs_dot, seed_neuron, svg_texts

import viz
from autograd import Value, define_op, grad
from autograd.core.rules import unregister
from viz import chain_caption


def test_seed_caption_for_w1_is_reproduced() -> None:
    """Seed 000: ∂E/∂W1 = ∂E/∂predicted × ∂predicted/∂s × ∂s/∂W1 = 0.84435 × 0.10986 × 0.1 (4 significant digits)."""
    e, w1, w2, b = seed_neuron()
    d = viz.draw_chain(e, w1)
    assert d.caption == "∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276"
    assert viz.chain_caption(e, w1) == d.caption
    assert viz.chain_caption(e, w2) == "∂E/∂W2 = 0.84435 × 0.10986 × 0.3 = 0.02783"
    # The article takes ∂s/∂b = 0; it is 1.
    assert viz.chain_caption(e, b) == "∂E/∂b = 0.84435 × 0.10986 × 1 = 0.09276"
    # digits= sets every number, in the caption and on the picture alike.
    six = viz.draw_chain(e, w1, digits=6)
    assert six.caption == "∂E/∂W1 = 0.8443521 × 0.1098605 × 0.1 = 0.00927609"
    assert "label=<0.1098605>" in bare_edge_labels(six.source)  # the edge reads as the caption's factor
    assert "grad 0.00927609" in six.source


def test_seed_caption_every_edge() -> None:
    """Without grouping at named nodes, every local derivative of E = 0.5·(0.03 − p)**2 shows (×1 of + left out)."""
    e, w1, *_ = seed_neuron()
    assert viz.chain_caption(e, w1, factors="edges") == ("∂E/∂W1 = 0.5 × (-1.6887) × (-1) × 0.10986 × 0.1 = 0.009276")
    assert viz.chain_caption(e, w1, factors="edges", drop_ones=False) == (
        "∂E/∂W1 = 0.5 × (-1.6887) × (-1) × 0.10986 × 1 × 1 × 0.1 = 0.009276"
    )


def test_seed_caption_with_unlabelled_graph_and_a_squared_error_op() -> None:
    """Auto mode falls back to every edge when no intermediate node is named; one op for ½(d − y)² gives 3 factors."""
    w1 = Value(0.5, label="W1")
    s = 0.1 * w1 + 0.3 * Value(0.2) + Value(1.83)
    p = s.sigmoid()
    e = 0.5 * (0.03 - p) ** 2
    e.label = "E"
    assert viz.chain_caption(e, w1) == "∂E/∂W1 = 0.5 × (-1.6887) × (-1) × 0.10986 × 0.1 = 0.009276"
    name = "half_sq_err_viz_test"
    try:
        half_sq = define_op(name, lambda y: 0.5 * (y - 0.03) ** 2, lambda out, y: (y - 0.03,))
        e2 = half_sq(p)
        e2.label = "E"
        assert viz.chain_caption(e2, w1) == "∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276"
    finally:
        unregister(name)


def test_seed_chain_drawing_golden() -> None:
    e, w1, *_ = seed_neuron()
    golden("seed_chain_w1.dot", viz.draw_chain(e, w1).source)


def test_chain_edges_are_highlighted_and_labelled_and_others_grey() -> None:
    e, w1, *_ = seed_neuron()
    src = bare_edge_labels(viz.draw_chain(e, w1, ops="nodes").source)
    hot = re.findall(r"^\tv\d+(?:op)? -> v\d+(?:op)? \[label=<([^>]*)> color=\"#d62728\"", src, re.MULTILINE)
    assert hot == ["0.1", "1", "1", "0.10986", "-1", "-1.6887", "0.5"]  # guard digits: the path redoes
    assert src.count('color="#b0b0b0"') == 8  # 7 input edges off the path, and 0.3·W2's op→value edge
    assert "∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276<BR" in src


def test_several_paths_are_listed_and_summed() -> None:
    x = Value(0.5, label="x")
    h = x * x
    h.label = "h"
    y = h.sin() + h
    y.label = "y"
    caption = viz.chain_caption(y, x)
    c = math.cos(0.25)
    lines = caption.splitlines()
    # cos(0.25) = 0.968912: 0.9689 × 0.5 = 0.48445 would not round to the product 0.4845 as
    # written, so the factor carries a guard digit.
    assert viz.format_number(c) == "0.9689"
    assert viz.format_number(c * 0.5) == "0.4845"
    assert lines == [
        "path 1: 0.96891 × 0.5 = 0.4845",
        "path 2: 0.96891 × 0.5 = 0.4845",
        "path 3: 1 × 0.5 = 0.5",
        "path 4: 1 × 0.5 = 0.5",
        f"∂y/∂x = 0.4845 + 0.4845 + 0.5 + 0.5 = {viz.format_number(2 * 0.5 * (c + 1))}",
    ]
    (g,) = grad(y, [x])
    assert viz.format_number(g) == viz.format_number(2 * 0.5 * (c + 1))


def test_listing_stops_at_max_listed_but_sum_covers_all() -> None:
    x = Value(0.3, label="x")
    v = x
    for _ in range(4):
        v = v.sin() + v.cos()
    v.label = "y"
    caption = viz.chain_caption(v, x, max_listed=3)
    lines = caption.splitlines()
    assert len(lines) == 5
    assert lines[3] == "… and 13 more paths"
    (g,) = grad(v, [x])
    assert lines[4] == f"∂y/∂x = the sum over 16 paths = {viz.format_number(g)}"


def test_too_many_paths_still_draws_with_the_gradient() -> None:
    x = Value(0.3, label="x")
    v = x
    for _ in range(30):
        v = v.sin() + v.cos()
    v.label = "y"
    d = viz.draw_chain(v, x, max_nodes=1000)
    (g,) = grad(v, [x])
    assert d.caption.startswith(
        f"∂y/∂x = {viz.format_number(g)} (the sum over {2**30} paths, more than limit=1000 to list"
    )
    assert d.source.count('color="#d62728"') >= 90  # every edge lies on a path


def test_no_path_and_trivial_path() -> None:
    x, z = Value(1.0, label="x"), Value(2.0, label="z")
    y = x * 3.0
    y.label = "y"
    assert viz.chain_caption(y, z) == "∂y/∂z = 0 (no path from y to z)"
    assert viz.chain_caption(y, y) == "∂y/∂y = 1"
    assert viz.chain_caption(y, x) == "∂y/∂x = 3"
    assert "#d62728" not in viz.draw_chain(y, z).source  # nothing highlighted


def test_unlabelled_nodes_are_named_by_their_id() -> None:
    x = Value(2.0)
    y = x.exp()
    assert viz.chain_caption(y, x) == f"∂v1/∂v0 = {viz.format_number(math.exp(2.0))}"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"factors": "bogus"}, "factors must be 'auto', 'labels' or 'edges'"),
        ({"digits": 0}, "digits must be an int from 1 to 17"),
        ({"max_listed": 0}, "max_listed must be a positive int"),
    ],
)
def test_bad_caption_arguments(kwargs: dict[str, Any], message: str) -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match=message):
        viz.chain_caption(x * 2.0, x, **kwargs)


@needs_dot
def test_chain_renders_with_caption() -> None:
    e, w1, *_ = seed_neuron()
    texts = svg_texts(viz.draw_chain(e, w1).svg())
    assert "∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276" in texts


def test_latex_ids_are_the_ids_the_picture_shows_in_both_views() -> None:
    """The fractions chain, and every unnamed node the LaTeX cites shows that id in the picture drawn."""
    x, w, b, y = (Value(v, label=n) for v, n in ((0.1, "x"), (0.5, "w"), (1.83, "b"), (0.03, "y")))
    loss = 0.5 * (y - (x * w + b).sigmoid()) ** 2
    loss.label = "E"
    loss.backward()
    for view in ("graph", "paths"):
        d = viz.draw_chain(loss, w, factors="edges", view=view)
        symbol = r"(v_\{\d+\}|[^{}]+)"  # a symbol: v_{9}, or a name without braces
        fractions = re.findall(rf"\\frac\{{\\partial {symbol}\}}\{{\\partial {symbol}\}}", d.latex())[1:]
        assert [top for top, _ in fractions[1:]] == [bottom for _, bottom in fractions[:-1]], view  # they chain
        cited = {m for pair in fractions for m in pair if re.fullmatch(r"v_\{\d+\}", m)}
        assert cited, view
        for name in cited:
            assert f"<B>v{name[3:-1]}</B>" in d.source, (view, name)


# -- a path count beyond printable digits ----------------------------------------------------------


def test_a_caption_names_a_path_count_beyond_printable_digits() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(14_400):  # 2**14400 paths: about 10^4334, more digits than Python prints
        y = (y + y) * 0.5
    y.label = "y"
    caption = chain_caption(y, x)
    assert "about 10^4334 paths" in str(caption)
    assert str(caption).startswith("∂y/∂x = 1 ")
