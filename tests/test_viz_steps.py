"""viz.steps: forward frames in topological order, backward frames per edge with running sums, display, files."""

from __future__ import annotations

import builtins
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from viz_support import golden, needs_dot, seed_neuron, svg_texts

import viz
from autograd import Value, grad, topological_order
from autograd.testing import Expression, expressions


def test_frame_sequence_for_the_seed_neuron() -> None:
    e, w1, _w2, _b = seed_neuron()
    order = topological_order(e)
    s = viz.steps(e)
    n_edges = sum(len(v.parents) for v in order)
    assert len(s) == len(order) + 1 + n_edges
    assert [f.phase for f in s] == ["forward"] * len(order) + ["backward"] * (1 + n_edges)
    # Forward: values appear one node at a time, in topological order.
    for i in range(len(order)):
        f = s[i]
        assert f.node == i
        assert f.data == tuple(v.data for v in order[: i + 1]) + (None,) * (len(order) - i - 1)
        assert set(f.grads) == {None}
    assert s[len(order)].caption == "E.grad = ∂E/∂E = 1 (the seed)"
    # Backward: the last frame holds every gradient, equal to the engine's.
    last = s[-1]
    assert last.data == tuple(v.data for v in order)
    expected = grad(e, order)
    for got, want in zip(last.grads, expected, strict=True):
        assert got == pytest.approx(want, rel=1e-15, abs=1e-300)
    assert last.grads[order.index(w1)] == w1.grad
    # The edge being applied and the running sum.
    w1_frame = next(f for f in s if f.edge is not None and f.edge[2] == order.index(w1))
    assert w1_frame.edge is not None
    child, slot, parent = w1_frame.edge
    assert order[child].parents[slot] is w1
    assert w1_frame.node == parent
    assert w1_frame.caption == (
        f"W1.grad += ∂v{child}/∂W1 × v{child}.grad = 0.1 × 0.0927609 = 0.00927609; "
        "running sum 0 + 0.00927609 = 0.00927609"
    )


def test_repeated_parent_accumulates_a_running_sum() -> None:
    a = Value(3.0, label="a")
    y = a * a
    y.label = "y"
    s = viz.steps(y)
    captions = [f.caption for f in s]
    assert captions == [
        "a = 3 (input)",
        "y = a × a = 9",
        "y.grad = ∂y/∂y = 1 (the seed)",
        "a.grad += ∂y/∂a × y.grad = 3 × 1 = 3; running sum 0 + 3 = 3",
        "a.grad += ∂y/∂a × y.grad = 3 × 1 = 3; running sum 3 + 3 = 6",
    ]
    assert [f.edge for f in s][-2:] == [(1, 0, 0), (1, 1, 0)]
    assert s[-1].grads == (6.0, 1.0)


@given(expressions())
@settings(max_examples=30)
def test_last_frame_gradients_are_the_engines(expr: Expression) -> None:
    xs = [Value(v) for v in expr.inputs]
    out = expr(*xs)
    order = topological_order(out)
    s = viz.steps(out, max_frames=10_000)
    want = grad(out, order)
    for got, w in zip(s[-1].grads, want, strict=True):
        assert got is not None
        assert math.isclose(got, w, rel_tol=1e-12, abs_tol=1e-12)


def test_steps_do_not_touch_the_values_gradients() -> None:
    x = Value(0.5, label="x")
    y = x.tanh()
    viz.steps(y)
    assert x.grad == 0.0
    assert y.grad == 0.0


def test_frame_drawing_golden() -> None:
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    y.label = "y"
    s = viz.steps(y)
    golden("steps_x_times_x_frame4.dot", s.draw(4).source)
    assert s.draw(0).caption == "step 1/7 (forward): x = 0.5 (input)"
    assert "data ?" in s.draw(0).source
    assert "grad ?" not in s.draw(0).source  # gradients are hidden during the forward pass
    assert "grad ?" in s.draw(3).source


def test_unlabelled_nodes_cited_by_a_caption_are_named_in_the_picture() -> None:
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    y.label = "y"
    s = viz.steps(y)
    last = s.draw(len(s) - 1)
    assert "v1" in last.caption  # the unlabelled x*x node
    assert "<B>v1</B>" in last.source
    # draw_graph keeps unlabelled nodes anonymous: its pictures cite no ids
    assert "<B>v1</B>" not in viz.draw_graph(y).source


def test_too_many_frames_is_refused() -> None:
    x = Value(0.1)
    y = x
    for _ in range(50):
        y = y * 1.5
    with pytest.raises(ValueError, match=r"needs 202 frames \(101 nodes and their edges\), more than max_frames=100"):
        viz.steps(y, max_frames=100)


def test_save_dot_frames_without_graphviz(tmp_path: Path) -> None:
    x = Value(0.5, label="x")
    s = viz.steps(x.exp())
    paths = s.save(tmp_path / "frames", format="dot")
    assert [p.name for p in paths] == [f"frame_{i:03d}.dot" for i in range(len(s))]
    assert paths[2].read_text(encoding="utf-8") == s.draw(2).source


@needs_dot
def test_save_svg_frames(tmp_path: Path) -> None:
    e, *_ = seed_neuron()
    s = viz.steps(e)
    paths = s.save(tmp_path)
    assert len(paths) == len(s) == 30
    texts = svg_texts(paths[-1].read_text(encoding="utf-8"))
    assert any(t.startswith("step 30/30 (backward): W1.grad +=") for t in texts)


def test_static_sequence_when_ipywidgets_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_widgets(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ipywidgets" or name.startswith("ipywidgets."):
            raise ImportError("no ipywidgets here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_widgets)
    x = Value(0.5, label="x")
    s = viz.steps(x.exp())
    bundle = s._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"] == "Steps(4 frames: 2 forward, 2 backward)"
    assert bundle["text/html"].count("<div>") == 4
    with pytest.raises(ImportError):
        s.widget()


def test_slider_when_ipywidgets_is_available() -> None:
    ipywidgets = pytest.importorskip("ipywidgets")
    x = Value(0.5, label="x")
    s = viz.steps(x.exp())
    w = s.widget()
    assert isinstance(w, ipywidgets.VBox)
    controls, view = w.children
    play, slider = controls.children
    assert (slider.min, slider.max, play.max) == (0, 3, 3)
    assert "step 1/4" in view.value
    slider.value = 3
    assert "step 4/4 (backward)" in view.value
    assert "application/vnd.jupyter.widget-view+json" in s._repr_mimebundle_()
