"""Numbers written when a picture reads them (viz.texts): a model drawn as boxes formats only what it draws."""

from __future__ import annotations

import re
import sys

import pytest
from viz_support import mlp_loss

import viz
from autograd import Value
from viz.scene import build_scene
from viz.texts import EdgeTexts, NodeTexts

graph_module = sys.modules["viz.graph"]  # the module (viz.steps, by contrast, is shadowed by the function)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every number draw_graph formats for its nodes and edges."""
    calls: list[object] = []
    real = graph_module.format_lanes

    def counted(x: object, *args: object, **kwargs: object) -> str:
        calls.append(x)
        return real(x, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(graph_module, "format_lanes", counted)
    return calls


def _drawn_values(source: str) -> int:
    return len(re.findall(r"^\s*v\d+ \[label=", source, flags=re.MULTILINE))


def test_a_model_drawn_as_boxes_formats_only_the_nodes_it_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    model, loss, _ = mlp_loss([16, 16, 1])
    n_values = len(build_scene([loss]).order)
    calls = _counting(monkeypatch)
    d = viz.draw_graph(loss, model=model, collapse="Layer", rankdir="TB", local_grads=True)
    drawn = _drawn_values(d.source)
    assert 0 < drawn < 10
    # Each drawn value node: its data and grad; each edge between two drawn nodes: its local derivative.
    assert len(calls) <= 2 * drawn + d.source.count(" -> ")
    assert "data 0.5" in d.source  # x0 is drawn with its numbers
    assert len(calls) < n_values / 20  # before: 2 per Value and 1 per edge


def test_every_node_drawn_is_every_node_formatted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The count above counts what it should: drawing every node formats every node's data and grad."""
    model, loss, _ = mlp_loss([2, 1])
    calls = _counting(monkeypatch)
    d = viz.draw_graph(loss, model=model, collapse=None, rankdir="TB")
    assert len(calls) == 2 * _drawn_values(d.source)


def test_an_auto_collapsed_model_formats_only_what_its_picture_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    """collapse="auto" on a model too large to draw node by node: refused before anything is formatted,
    then drawn as boxes."""
    model, loss, _ = mlp_loss([32, 32, 1])
    calls = _counting(monkeypatch)
    d = viz.draw_graph(loss, model=model, rankdir="TB")
    assert d.auto_collapse is not None
    assert len(calls) <= 2 * _drawn_values(d.source)


def test_node_texts_are_written_once_when_read() -> None:
    written: list[float] = []

    def text(x: float) -> str:
        written.append(x)
        return f"{x:g}"

    texts = NodeTexts([1.0, 2.5, -3.0], text)
    assert len(texts) == 3
    assert texts.written == 0
    assert texts[1] == "2.5"
    assert texts[1] == "2.5"
    assert texts[-1] == "-3"
    assert written == [2.5, -3.0]
    assert texts[0:2] == ["1", "2.5"]
    assert list(texts) == ["1", "2.5", "-3"]
    assert texts.written == 3
    with pytest.raises(IndexError, match="node index 3 out of range for 3 nodes"):
        texts[3]


def test_edge_texts_hold_every_edge_and_write_only_those_read() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    d = c + a
    order = [a, b, c, d]
    texts = EdgeTexts(order, lambda x: f"{x:g}")
    assert len(texts) == 4
    assert list(texts) == [(2, 0), (2, 1), (3, 0), (3, 1)]
    assert (2, 1) in texts
    assert (0, 0) not in texts  # a leaf has no edge in
    assert (9, 0) not in texts
    assert "2, 1" not in texts
    assert texts.written == 0
    assert texts[(2, 1)] == "2"  # ∂(a·b)/∂b = a
    assert texts.written == 1
    with pytest.raises(KeyError):
        texts[(0, 0)]
    assert dict(texts) == {(2, 0): "3", (2, 1): "2", (3, 0): "1", (3, 1): "1"}
