"""viz.explore's page data and its refusals (the browser side: test_browser_explore.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from viz_support import needs_dot

import viz
from autograd import Value, define_op
from autograd.examples import single_neuron_graph
from viz.explore import explore


@needs_dot
def test_the_seed_neuron_page_carries_every_node_its_leaves_and_one_layout(tmp_path: Path) -> None:
    g = single_neuron_graph()
    ex = viz.explore(g.error, params=[g.w1, g.w2, g.b], inputs=[g.x1, g.x2])
    nodes = ex.data["nodes"]
    assert [n["id"] for n in nodes if n["leaf"]] == ["v0", "v1", "X1", "W1", "X2", "W2", "b"]
    assert {n["id"]: n["role"] for n in nodes}["W1"] == "parameter"
    assert nodes[ex.data["root"]]["id"] == "E"
    assert len(ex.data["geo"]["n"]) == len(nodes)
    assert len(ex.data["geo"]["e"]) == sum(len(n["p"]) for n in nodes)
    path = tmp_path / "neuron.html"
    ex.save(path)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('class="chainrule-explorer') == 1
    assert not re.search(r"(src|href)=\"https?:", page), "the page must need no network"
    (payload,) = re.findall(r'<script type="application/json" class="crx-data">(.*?)</script>', page, re.DOTALL)
    assert json.loads(payload) == json.loads(json.dumps(ex.data))
    # Where scripts do not run (an untrusted notebook, a renderer that strips them), a still picture
    # with the gradients the page starts from.
    still = page[page.index('<div class="crx-nojs">') : page.index('<script type="application/json"')]
    assert "<svg" in still
    assert "grad 0.009276" in still
    bundle = ex._repr_mimebundle_()
    assert bundle["text/html"] == ex.to_html()
    assert repr(ex) == "Explorer(15 nodes, 7 leaves)"


@needs_dot
def test_an_op_without_a_javascript_form_makes_what_follows_and_feeds_it_read_only() -> None:
    twice = define_op("twice_explore", lambda x: 2 * x, lambda out, x: (2.0,), replace=True)
    a, b = Value(1.5, label="a"), Value(0.5, label="b")
    out = twice(a) * b
    ex = explore(out)
    by_id = {n["id"]: n for n in ex.data["nodes"]}
    assert by_id["a"].get("ro") == 1
    assert by_id["b"].get("ro") == 1  # feeds the product, which comes after the op
    assert "'twice_explore'" in ex.data["note"]


@needs_dot
def test_lanes_are_carried_whole_and_shown_one_at_a_time() -> None:
    x = Value(np.array([0.5, 1.5, -2.0]), label="x")
    out = (x * 2.0).tanh().sum()
    ex = explore(out, lane=2)
    assert ex.data["lanes"] == 3
    assert ex.data["lane"] == 2
    assert ex.data["nodes"][0]["d"] == [0.5, 1.5, -2.0]
    with pytest.raises(ValueError, match="lane must be an int from 0 to 2"):
        explore(out, lane=3)


def test_bad_arguments_are_refused_naming_them(tmp_path: Path) -> None:
    x = Value(1.0, label="x")
    with pytest.raises(TypeError, match="explore needs a Value"):
        explore(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        explore(x * x, lr=0.0)
    with pytest.raises(ValueError, match="rankdir must be 'TB' or 'LR'"):
        explore(x * x, rankdir="BT")
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        explore(x * x, max_nodes=0)
    total = x
    for _ in range(30):
        total = total * 1.01
    with pytest.raises(ValueError, match=r"61 nodes, more than max_nodes=50: too many to read one by one.*model="):
        explore(total, max_nodes=50)
    with pytest.raises(ValueError, match="collapse=True does not say what to collapse"):
        explore(total, collapse=True)


@needs_dot
def test_a_graph_too_large_to_draw_is_collapsed_into_the_models_boxes() -> None:
    from autograd import topological_order
    from benchmarks.explore import mlp_samples_loss

    loss, model = mlp_samples_loss([16, 16])
    n = len(topological_order(loss))
    assert n == 620
    ex = explore(loss, model=model)
    nodes, geo = ex.data["nodes"], ex.data["geo"]
    assert len(nodes) == n  # the page computes every node …
    boxes = geo["b"]
    assert len(boxes) == 33  # … and draws the 33 neurons as boxes, as draw_graph's collapse="auto" does
    assert {b[5].split(" (")[1] for b in boxes} == {"Neuron)"}
    hidden = [node for node in nodes if "box" in node]
    assert all(geo["n"][i] is None for i, node in enumerate(nodes) if "box" in node)
    assert all(geo["n"][i] is not None for i, node in enumerate(nodes) if "box" not in node)
    drawn = len(boxes) + n - len(hidden)
    assert drawn <= 500
    # Every parameter is a leaf the page can edit, drawn or not.
    assert sum(1 for node in nodes if node["leaf"] and node["role"] == "parameter") == len(model.parameters())
    # Each box lists its outputs (the values used outside it), which it shows live.
    first = boxes[0]
    assert first[9] == "layers.0.neurons.0"
    assert len(first[7]) == 4  # one tanh per sample
    assert all(nodes[j]["box"] == 0 for j in first[7])
    # Where scripts do not run, the still picture's boxes show the gradients the page starts from.
    from autograd import grad
    from viz.numbers import format_number

    order = topological_order(loss)
    (g0,) = grad(loss, [order[first[7][0]]])
    assert g0 != 0
    page = ex.to_html()
    still = page[page.index('class="crx-nojs"') : page.index('class="crx-data"')]
    assert f"grad {format_number(g0)}".replace("-", "&#45;") in still
    # Layers instead of neurons, asked for by name; every node when there are few enough.
    layers = explore(loss, model=model, collapse="Layer")
    assert [b[9] for b in layers.data["geo"]["b"]] == ["layers.0", "layers.1", "layers.2"]
    with pytest.raises(ValueError, match=r"620 nodes, more than max_nodes=500.*collapse='auto' with model="):
        explore(loss, model=model, collapse=None)
    with pytest.raises(
        ValueError, match=r"collapsed to 'Layer', this graph still draws \d+ nodes, more than max_nodes=20"
    ):
        explore(loss, model=model, collapse="Layer", max_nodes=20)
    with pytest.raises(ValueError, match=r"even with the model's coarsest modules collapsed it draws \d+"):
        explore(loss, model=model, max_nodes=20)


def test_graphs_beyond_the_hard_limit_are_refused_with_what_to_do() -> None:
    from viz.explore import MAX_EXPLORE_VALUES

    x = Value(1.0, label="x")
    total = x
    for _ in range(MAX_EXPLORE_VALUES // 2 + 1):
        total = total * 1.0001
    with pytest.raises(ValueError, match=rf"more than {MAX_EXPLORE_VALUES} Values.*explore fewer samples"):
        explore(total)


@needs_dot
def test_save_writes_html_only(tmp_path: Path) -> None:
    ex = explore(Value(2.0, label="x").tanh())
    with pytest.raises(ValueError, match=r"saved as HTML: give a path ending in \.html"):
        ex.save(tmp_path / "x.svg")
    assert not (tmp_path / "x.svg").exists()


@needs_dot
def test_page_sizes_stay_within_their_budgets() -> None:
    from benchmarks.explore import _mlp_explorer, _neuron_html

    assert len(_neuron_html().encode("utf-8")) <= 150_000  # lesson 1's explorer
    nodes, page = _mlp_explorer([4, 4])
    assert nodes == 59
    assert len(page.encode("utf-8")) <= 1_000_000  # an MLP(2, [4, 4, 1]) loss
