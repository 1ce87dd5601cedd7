"""viz with lanes: lane Values drawn with their count, a few values and mean/min/max; chains per lane; steps."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from viz_support import bare_edge_labels, golden, mlp_lanes_loss, needs_dot, svg_texts

import viz
from autograd import Value, grad, topological_order
from autograd.testing import Expression, expressions, safe_floats
from viz.marks import fold
from viz.numbers import fixed, fixed_lanes, format_lanes, format_number, short, short_lanes


def listed(x: Any) -> str:
    """A number or lanes on one line, as captions show them."""
    return format_lanes(x, stats=False)


X = np.array([1.0, 2.0, 3.0, 4.0])


def lane_neuron() -> tuple[Value, Value, Value, Value]:
    """L = mean(tanh(w·x)) over 4 lanes of x, backpropagated. Returns (L, y, w, x)."""
    w = Value(0.5, label="w")
    x = Value(X, label="x")
    y = (w * x).tanh()
    y.label = "y"
    loss = y.mean()
    loss.label = "L"
    loss.backward()
    return loss, y, w, x


# -- number formats -----------------------------------------------------------------------------


def test_lanes_formats() -> None:
    four = np.array([0.5, 1.0, 1.5, -2.0])
    assert fixed_lanes(four) == "[0.5000, 1.0000, 1.5000, … 4 lanes]\nmean 0.2500, min -2.0000, max 1.5000"
    assert fixed_lanes(four, 1, shown=4) == "[0.5, 1.0, 1.5, -2.0]"
    assert fixed_lanes(four, 2, shown=0) == "[… 4 lanes]\nmean 0.25, min -2.00, max 1.50"
    assert fixed_lanes(np.array([-0.0, 1e-9])) == "[0.0000, 1.0000e-09]"
    assert short_lanes(four) == "[0.5, 1, 1.5, … 4 lanes]"
    assert short_lanes(np.array([1 / 3])) == "[0.333333]"
    # Floats are formatted as before.
    assert fixed_lanes(0.25) == fixed(0.25) == "0.2500"
    assert short_lanes(-1.0) == short(-1.0) == "-1"
    with pytest.raises(ValueError, match="shown must be a non-negative int"):
        fixed_lanes(four, shown=-1)
    with pytest.raises(ValueError, match="precision must be an int"):
        fixed_lanes(four, precision=99)
    with pytest.raises(TypeError, match=r"fixed\(\) formats one number, got lanes; use fixed_lanes\(\)"):
        fixed(four)
    with pytest.raises(TypeError, match=r"use short_lanes\(\)"):
        short(four[:1])


def test_lanes_mean_is_exactly_rounded() -> None:
    x = np.array([1e16, 1.0, -1e16, 1.0])
    assert fixed_lanes(x, 1, shown=0).endswith("mean 0.5, min -1.0e+16, max 1.0e+16")


# -- draw_graph ---------------------------------------------------------------------------------


def test_lane_graph_golden() -> None:
    loss, _, w, _ = lane_neuron()
    src = viz.draw_graph(loss, local_grads=True, params=[w], ops="nodes").source
    golden("lanes_neuron.dot", src)
    # x: its first 3 values, the lane count and mean/min/max, for data and grad.
    assert "data [1, 2, 3, … 4 lanes]<BR/>mean 2.5, min 1, max 4" in src
    grad_text = fold(f"grad {format_lanes(0.5 * 0.25 * (1 - np.tanh(0.5 * X) ** 2))}")  # long lines broken
    assert grad_text.replace(chr(10), "<BR/>") in src
    # Lane-wise local derivatives are summarised the same way; one shared by all lanes is a number.
    src = bare_edge_labels(src)
    assert "v0 -> v2op [label=<[1, 2, 3, … 4 lanes]<BR/>mean 2.5, min 1, max 4>]" in src
    assert "v1 -> v2op [label=<0.5>]" in src
    mean_label = "label=<[0.25, 0.25, 0.25, … 4 lanes]<BR/>mean 0.25, min 0.25, max 0.25>"
    # (the picture is folded to fit a screen: this edge is drawn backwards, viz.wrap.fold)
    assert f"v3 -> v4op [{mean_label}]" in src or f"v4op -> v3 [{mean_label} dir=back]" in src
    # The parameter and the output are scalars: drawn as before.
    w_node = next(line for line in src.splitlines() if "<B>w</B>" in line)
    assert "<TD>data 0.5</TD>" in w_node
    assert "<TD>grad 0.6128</TD>" in w_node


def test_lanes_shown_lists_more_values() -> None:
    loss, *_ = lane_neuron()
    src = viz.draw_graph(loss, lanes_shown=4).source
    assert "data [1, 2, 3, 4]</TD>" in src  # every lane listed: no statistics line
    assert "mean" not in src.replace('">mean</TD>', "")  # the op "mean" only
    with pytest.raises(ValueError, match="shown must be a non-negative int"):
        viz.draw_graph(loss, lanes_shown=-2)


def _fill(src: str, name: str) -> str:
    match = re.search(rf'BGCOLOR="(#[0-9a-f]+)"><TR><TD><B>{name}</B>', src)
    assert match is not None, name
    return match.group(1)


def _shade(target: tuple[int, int, int], t: float) -> str:
    return "#" + "".join(f"{round(255 + (c - 255) * t):02x}" for c in target)


def test_lane_gradient_is_coloured_by_its_sum_over_the_lanes() -> None:
    a = Value(np.array([3.0, -1.0]), label="a")  # grad [-2, -2]: sum -4, the largest magnitude
    b = Value(np.array([1.0, 1.0]), label="b")  # grad [3, -1]: sum 2
    c = Value(1.0, label="c")  # grad Σ(a) = 2... times -1: -2
    y = (a * b - 2.0 * a - c * a).sum()
    y.label = "y"
    y.backward()
    assert a.grad.tolist() == [-2.0, -2.0]
    assert b.grad.tolist() == [3.0, -1.0]
    assert c.grad == -2.0
    src = viz.draw_graph(y, color="grad").source
    blue, red = (0x43, 0x93, 0xC3), (0xD6, 0x60, 0x4D)
    assert _fill(src, "a") == _shade(blue, 1.0)
    assert _fill(src, "b") == _shade(red, 0.5)
    assert _fill(src, "c") == _shade(blue, 0.5)


def test_lane_gradient_that_cancels_is_white() -> None:
    x = Value(np.array([1.0, -1.0]), label="x")
    y = (x * x).sum()  # grad 2x = [2, -2]: sum 0
    y.label = "y"
    y.backward()
    assert _fill(viz.draw_graph(y, color="grad").source, "x") == "#ffffff"


def test_lane_value_without_gradient_shows_zero() -> None:
    x = Value(np.array([1.0, 2.0]), label="x")
    y = x.exp()
    y.label = "y"
    src = viz.draw_graph(y, color="grad").source  # no backward: every grad is 0.0
    assert "grad [0, 0]</TD>" in src or "grad 0</TD>" in src


# -- draw_chain / chain_caption -----------------------------------------------------------------


def test_chain_caption_at_one_lane_then_over_all_lanes() -> None:
    loss, _, w, x = lane_neuron()
    t = np.tanh(0.5 * X)
    dy = 1 - t * t
    shares = 0.25 * dy * X  # lane i's share of ∂L/∂w
    for lane in range(4):
        assert viz.chain_caption(loss, w, lane=lane) == (
            f"lane {lane}: ∂L/∂w = 0.25 × {format_number(dy[lane] * X[lane])} = {format_number(shares[lane])}\n"
            f"∂L/∂w = sum over the 4 lanes of {listed(shares)} = {format_number(math.fsum(shares))}"
        )
    assert math.isclose(math.fsum(shares), w.grad, rel_tol=1e-14)
    # Every edge's local derivative at the lane; ones of the + and Σ edges are left out.
    assert viz.chain_caption(loss, x, factors="edges", lane=1) == (
        f"lane 1: ∂L/∂x = 0.25 × {format_number(dy[1])} × 0.5 = {format_number(0.125 * dy[1])}\n"
        f"∂L/∂x = {listed(0.125 * dy)}"
    )
    assert np.allclose(x.grad, 0.125 * dy, rtol=1e-15, atol=0)
    # lane=None: the lane-wise products, summarised.
    assert viz.chain_caption(loss, w, lane=None) == (
        f"∂L/∂w = sum over the 4 lanes of {listed(shares)} = {format_number(math.fsum(shares))}"
    )


def test_chain_caption_of_the_docs_example() -> None:
    w = Value(0.5, label="w")
    x = Value(X, label="x")
    loss = (w * x).sum() + w * w  # a weight-decay-like term: a path of scalars only
    loss.label = "L"
    assert viz.chain_caption(loss, w).splitlines() == [
        "lane 0 of 4:",
        "path 1: 1",
        "path 2: 0.5 (no lanes: counted once)",
        "path 3: 0.5 (no lanes: counted once)",
        "∂L/∂w = sum over the 4 lanes of [1, 2, 3, … 4 lanes] + 0.5 + 0.5 = 11",
    ]
    assert viz.chain_caption(loss, w, lane=3).splitlines()[1] == "path 1: 4"
    (g,) = grad(loss, [w])
    assert g == 11.0


def test_chain_caption_with_several_lane_paths_sums_at_the_lane() -> None:
    x = Value(np.array([0.5, -1.0, 2.0]), label="x")
    h = x * x
    h.label = "h"
    y = (h.sin() + h).sum()
    y.label = "y"
    lines = viz.chain_caption(y, x, lane=2).splitlines()
    c = math.cos(4.0)
    # cos 4 < 0: negative factors in parentheses. -1.307 + -1.307 + 2 + 2 would give 1.386, not 1.385:
    # the products carry a guard digit so the sum as written redoes (and their factors one more).
    assert lines == [
        "lane 2 of 3:",
        "path 1: (-0.65364) × 2 = -1.3073",
        "path 2: (-0.65364) × 2 = -1.3073",
        "path 3: 1 × 2 = 2",
        "path 4: 1 × 2 = 2",
        f"lane 2: ∂y/∂x = (-1.3073) + (-1.3073) + 2 + 2 = {format_number(4 * c + 4)}",
        f"∂y/∂x = {listed(grad(y, [x])[0])}",
    ]
    assert format_number(4 * c + 4) == "1.385"
    assert format_number(2 * c) == "-1.307"
    capped = viz.chain_caption(y, x, lane=2, max_listed=2).splitlines()
    assert capped[3:] == [
        "… and 2 more paths",
        f"lane 2: ∂y/∂x = the sum over 4 paths through the lanes = {format_number(4 * c + 4)}",
        f"∂y/∂x = {listed(grad(y, [x])[0])}",
    ]


def test_chain_caption_of_a_path_that_sums_the_lanes_inside() -> None:
    x = Value(np.array([1.0, 2.0, 4.0]), label="x")
    total = x.sum()
    total.label = "t"
    out = (x * total).sum()
    out.label = "o"
    assert viz.chain_caption(out, x, lane=0).splitlines() == [
        "lane 0 of 3:",
        "path 1: 7",
        "path 2: 7 (this path adds up the lanes at a scalar node, so its factors do not multiply lane by lane)",
        "lane 0: ∂o/∂x = 7 + 7 = 14",
        "∂o/∂x = [14, 14, 14]",
    ]


def test_chain_caption_of_a_lane_output_and_too_many_paths() -> None:
    x = Value(np.array([0.3, -0.2]), label="x")
    v = x
    for _ in range(12):
        v = v.sin() + v.cos()
    v.label = "y"
    (g,) = grad(v, [x], np.ones(2))
    caption = viz.chain_caption(v, x, limit=100)
    assert caption.startswith(f"∂y/∂x = {listed(g)} (the sum over 4096 paths, more than limit=100 to list")
    w, x2 = Value(3.0, label="w"), Value(np.array([0.5, -0.25]), label="x")
    y = w * x2 * x2
    y.label = "y"
    assert viz.chain_caption(y, w) == (
        "lane 0: ∂y/∂w = 0.5 × 0.5 = 0.25\n∂y/∂w = sum over the 2 lanes of [0.25, 0.0625] = 0.3125"
    )


@pytest.mark.parametrize(
    ("lane", "message"),
    [
        (4, r"lane must be from 0 to 3 \(the paths hold 4 lanes\), got 4"),
        (-1, "lane must be None or a non-negative int, got -1"),
        (True, "lane must be None or a non-negative int, got True"),
        ("0", "lane must be None or a non-negative int, got '0'"),
    ],
)
def test_bad_lane(lane: Any, message: str) -> None:
    loss, _, w, _ = lane_neuron()
    with pytest.raises(ValueError, match=message):
        viz.chain_caption(loss, w, lane=lane)
    with pytest.raises(ValueError, match=message):
        viz.draw_chain(loss, w, lane=lane)


def test_lane_argument_is_ignored_without_lanes() -> None:
    x = Value(3.0, label="x")
    y = x * 2.0
    y.label = "y"
    assert viz.chain_caption(y, x, lane=5) == viz.chain_caption(y, x) == "∂y/∂x = 2"


def test_lane_chain_drawing_golden() -> None:
    loss, _, w, _ = lane_neuron()
    d = viz.draw_chain(loss, w, lane=1, ops="nodes")
    assert d.caption == viz.chain_caption(loss, w, lane=1)
    golden("lanes_chain_w.dot", d.source)
    hot = re.findall(r'-> v\d+op \[label=<(.*?)> color="#d62728"', bare_edge_labels(d.source))
    assert hot[0] == "[1, 2, 3, … 4 lanes]<BR/>mean 2.5, min 1, max 4"


# -- steps --------------------------------------------------------------------------------------


def test_steps_on_a_lane_graph() -> None:
    loss, _, w, x = lane_neuron()
    s = viz.steps(loss)
    order = topological_order(loss)
    assert len(s) == 5 + 1 + 4
    last = s[-1]
    for got, v in zip(last.grads, order, strict=True):
        assert np.array_equal(got, v.grad)  # the engine's numbers, summed the engine's way
    assert s[1].caption == "x = [1, 2, 3, … 4 lanes] (input)"
    # Captions show numbers as the pictures do (format_number, 4 significant digits), lanes on one line.
    assert s[4].caption == f"L = mean(y) = {format_number(float(np.mean(np.tanh(0.5 * X))))}"
    w_frame = next(f for f in s if f.edge is not None and f.edge[2] == order.index(w))

    def line(x: Any) -> str:
        return format_lanes(x, stats=False)

    shares = X * (1 - np.tanh(0.5 * X) ** 2) * 0.25
    assert w_frame.caption == (
        f"w.grad += ∂v2/∂w × v2.grad = {line(X)} × {line(shares / X)} = {line(shares)}, "
        f"summed over the lanes = {format_number(w.grad)}\nrunning sum 0 + {line(w.grad)} = {line(w.grad)}"
    )
    golden("lanes_steps_w_frame.dot", s.draw(w_frame.index).source)
    src = s.draw(len(s) - 1).source
    x_grad = fold(f"grad {format_lanes(last.grads[order.index(x)])}")  # as draw_graph shows it
    assert x_grad.startswith("grad [0.09831, 0.0525,\n0.02259, … 4 lanes]\nmean 0.04556")
    assert x_grad.replace("\n", "<BR/>") in src
    assert "<BR/>running sum" in src.split("label=<step 10/10")[1]
    for i in range(len(s)):
        assert s.draw(i).source.startswith("digraph")


def test_steps_seed_a_lane_output_with_ones() -> None:
    x = Value(np.array([0.5, 2.0]), label="x")
    y = x * x
    y.label = "y"
    s = viz.steps(y)
    assert s[2].caption == "y.grad = ∂y/∂y = 1 in each of its 2 lanes (the seed, as for y.sum())"
    assert s[-1].grads[0].tolist() == [1.0, 4.0]
    assert s[-2].caption == (
        "x.grad += ∂y/∂x × y.grad = [0.5, 2] × [1, 1] = [0.5, 2]\nrunning sum 0 + [0.5, 2] = [0.5, 2]"
        " (1 of 2 contributions: grad so far)"
    )


def _lane_inputs(expr: Expression, data: st.DataObject, n: int = 3) -> list[Value]:
    return [
        Value(np.array([data.draw(safe_floats(-2.0, 2.0)) for _ in range(n)]), label=f"x{i}")
        if i == 0 or data.draw(st.booleans())
        else Value(v, label=f"x{i}")
        for i, v in enumerate(expr.inputs)
    ]


@given(expressions(), st.data())
@settings(max_examples=30)
def test_steps_last_frame_is_the_engines_gradient_on_random_lane_graphs(expr: Expression, data: st.DataObject) -> None:
    xs = _lane_inputs(expr, data)
    y = expr(*xs)
    out = y.sum() if data.draw(st.booleans()) else y
    order = topological_order(out)
    s = viz.steps(out, max_frames=10_000)
    want = grad(out, order, None if out.lanes is None else np.ones(out.lanes))
    for got, w in zip(s[-1].grads, want, strict=True):
        assert got is not None
        assert np.allclose(got, w, rtol=1e-12, atol=1e-12)


@given(expressions(), st.data())
@settings(max_examples=30)
def test_nothing_crashes_on_random_lane_graphs(expr: Expression, data: st.DataObject) -> None:
    xs = _lane_inputs(expr, data)
    y = expr(*xs)
    out = y.mean() if data.draw(st.booleans()) else y
    out.backward(None if out.lanes is None else np.ones(out.lanes))
    assert viz.draw_graph(out, local_grads=True, color="role").source.startswith("digraph")
    assert viz.draw_graph(out, local_grads=True, color="grad").source.startswith("digraph")
    for x in xs:
        d = viz.draw_chain(out, x, color="grad", lane=data.draw(st.sampled_from([0, 2, None])))
        assert d.caption
        viz.draw_chain(out, x, factors="edges", lane=None, limit=3)
    steps = viz.steps(out, max_frames=10_000)
    steps.draw(len(steps) - 1)


# -- models on lanes: clusters and collapsed boxes ----------------------------------------------


def test_collapsed_model_boxes_on_lanes() -> None:
    model, loss, xs = mlp_lanes_loss([3, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_layer = viz.draw_graph(loss, model=model, collapse="Layer", color="grad").source
        by_neuron = viz.draw_graph(loss, model=model, collapse="Neuron", local_grads=True).source
        clustered = viz.draw_graph(loss, model=model, local_grads=True, color="grad").source
    assert len(re.findall(r"^\t+m\d+ \[", by_layer, flags=re.MULTILINE)) == 2
    assert len(re.findall(r"^\t+m\d+ \[", by_neuron, flags=re.MULTILINE)) == 4
    assert "subgraph cluster_m" in clustered
    # A box lists its outputs' lanes: data, then grad on its own line.
    hidden = model.layers[0]([Value(x.data) for x in xs])
    first = hidden[0]
    data_text = fold(f"out data {format_lanes(first.data)}").replace("\n", "<BR/>")  # long lines broken
    assert f"<TR><TD>{data_text}<BR/>grad [" in by_layer
    # Chains and steps through collapsed boxes.
    w0 = model.layers[0].neurons[0].w[0]
    d = viz.draw_chain(loss, w0, model=model, collapse="Layer")
    assert d.caption.splitlines()[-1].startswith("∂loss/∂w.0 = sum over the 5 lanes of [")
    (g,) = grad(loss, [w0])
    assert d.caption.endswith(f"= {format_number(g)}")
    s = viz.steps(loss, model=model, collapse="Neuron")
    assert s.draw(len(s) - 1).source.count("out data [") == 4


@needs_dot
def test_lane_graph_renders(tmp_path: Path) -> None:
    loss, _, w, _ = lane_neuron()
    texts = svg_texts(viz.draw_graph(loss, local_grads=True).svg())
    assert "data [1, 2, 3, … 4 lanes]" in texts
    assert "mean 2.5, min 1, max 4" in texts
    chain = viz.draw_chain(loss, w)
    assert sorted(chain._repr_mimebundle_()) == ["image/svg+xml", "text/html", "text/plain"]
    assert chain.caption.splitlines()[0] in svg_texts(chain.svg())
    model, mloss, _ = mlp_lanes_loss([16, 16, 1])
    boxes = viz.draw_graph(mloss, model=model, collapse="Layer").save(tmp_path / "mlp.svg")
    assert "layers.1" in svg_texts(boxes.read_text(encoding="utf-8"))
    frames = viz.steps(loss).save(tmp_path / "frames")
    assert len(frames) == 10


def test_lanes_text_never_walks_every_lane_in_python() -> None:
    """The player of 10^6 lanes took 8.6-32 s: every label made all lanes Python floats one by one."""
    import numpy as np

    from viz.numbers import fixed_lanes, format_lanes, short_lanes

    def refuse(self: object) -> object:
        raise AssertionError("a lane listing iterated over every lane in Python")

    walked_ndarray = type("ndarray", (np.ndarray,), {"__iter__": refuse})  # still lanes to is_lanes
    lanes = (np.arange(-500_000, 500_001) / 500_000).view(walked_ndarray)  # symmetric: the mean is 0 exactly
    assert format_lanes(lanes, 3).splitlines() == ["[-1, -1, -1, … 1000001 lanes]", "mean 0, min -1, max 1"]
    assert short_lanes(lanes, 3, shown=2) == "[-1, -1.00, … 1000001 lanes]"
    assert fixed_lanes(lanes, 1).splitlines()[1] == "mean 0.0, min -1.0, max 1.0"
