"""viz with models: clusters per module through the duck-typed Module protocol, collapsing, size warnings."""

from __future__ import annotations

import re
import subprocess
import warnings
from typing import Any

import pytest
from viz_support import MLP, bare_edge_labels, golden, mlp_lanes_loss, mlp_loss, needs_dot, svg_texts

import viz
from autograd import Value, dot, topological_order, vsum


def clusters(src: str) -> list[str]:
    return re.findall(r"subgraph (cluster_m\d+) \{", src)


def test_small_model_golden_and_clusters() -> None:
    model, loss, _ = mlp_loss([2, 1])
    src = viz.draw_graph(loss, model=model).source
    golden("mlp_2_2_1.dot", src)
    names = [name for name, _ in model.named_modules()]
    assert names == ["", "layers.0", "layers.0.neurons.0", "layers.0.neurons.1", "layers.1", "layers.1.neurons.0"]
    # Every module but the model itself is a cluster, nested as the names say.
    assert sorted(clusters(src)) == ["cluster_m1", "cluster_m2", "cluster_m3", "cluster_m4", "cluster_m5"]
    assert "label=<layers.0.neurons.1 (Neuron)>" in src
    layer0 = src.split("subgraph cluster_m1 {")[1].split("subgraph cluster_m4")[0]
    assert "subgraph cluster_m2 {" in layer0
    assert "subgraph cluster_m3 {" in layer0


def _cluster_body(src: str, name: str) -> str:
    body = src.split(f"subgraph {name} {{")[1]
    depth, out = 1, []
    for line in body.splitlines():
        depth += line.count("{") - line.count("}")
        if depth <= 0:
            break
        out.append(line)
    return "\n".join(out)


def test_node_assignment_rules() -> None:
    """Parameters → innermost module; a node using a module's parameter → that module; unary → its input's module."""
    model, loss, xs = mlp_loss([2, 1])
    src = viz.draw_graph(loss, model=model, ops="nodes", collapse=None).source
    neuron = model.layers[0].neurons[1]
    ids = {id(v): f"v{i}" for i, v in enumerate(topological_order(loss))}
    body = _cluster_body(src, "cluster_m3")
    nested = re.findall(r"\t(v\d+(?:op)?) \[", body)
    z = next(v for v in topological_order(loss) if v.op == "dot" and v.parents[0] is neuron.w[0])
    act = next(v for v in topological_order(loss) if v.op == "relu" and v.parents[0] is z)
    expected = {ids[id(p)] for p in neuron.parameters()} | {
        ids[id(z)],
        ids[id(z)] + "op",
        ids[id(act)],
        ids[id(act)] + "op",
    }
    assert set(nested) == expected
    # Inputs, the constant target, the loss's − and ** nodes belong to no module.
    top = src.split("subgraph cluster_m")[0]
    for v in (*xs, loss):
        assert f"\t{ids[id(v)]} [" in top
    # Parameters are named by their name inside their module.
    assert "<B>w.0</B>" in body
    assert "<B>b</B>" in body


def test_a_node_using_several_modules_parameters_goes_to_their_common_module() -> None:
    """An L2 penalty over every weight is the model's, not the first layer's or neuron's."""
    model, loss, _ = mlp_loss([2, 2, 1])
    params = model.parameters()
    penalty = dot(params, params)  # one node whose parents are every parameter (as nn.l2_penalty)
    squares = vsum([p * p for p in params])
    total = loss + 1e-4 * penalty + squares
    src = viz.draw_graph(total, model=model, collapse=None).source
    ids = {id(v): f"v{i}" for i, v in enumerate(topological_order(total))}
    top = src.split("subgraph cluster_m")[0]
    assert f"\t{ids[id(penalty)]} [" in top
    # each square p*p uses one neuron's parameter: it stays in that neuron's box
    neuron = model.layers[0].neurons[0]
    square = next(v for v in topological_order(total) if v.op == "mul" and v.parents == (neuron.w[0], neuron.w[0]))
    body = _cluster_body(src, "cluster_m2")
    assert f"\t{ids[id(square)]} [" in body


def test_collapse_neurons_and_layers() -> None:
    model, loss, _ = mlp_loss([2, 1])
    src = viz.draw_graph(loss, model=model, collapse="Neuron").source
    assert re.findall(r"\t(m\d+) \[", src) == ["m2", "m3", "m5"]
    assert "<B>neurons.0</B> (Neuron)" in src
    assert "3 parameters, 5 values" in src
    assert " -> m5" in src
    assert "dot" not in re.sub(r"<[^>]*>", "", src)
    golden("mlp_2_2_1_collapse_layer.dot", viz.draw_graph(loss, model=model, collapse="Layer").source)
    by_name = viz.draw_graph(loss, model=model, collapse=["layers.1"]).source
    assert re.findall(r"\t(m\d+) \[", by_name) == ["m4"]


def test_box_shows_the_module_outputs() -> None:
    model, loss, _ = mlp_loss([2, 1])
    src = viz.draw_graph(loss, model=model, collapse="Layer").source
    outs = model.layers[0]([Value(0.5), Value(-1.0)])  # the same numbers as the drawn forward pass
    for o in outs:
        assert f"out data {viz.format_number(o.data)}" in src


def test_mlp_2_16_16_1_is_refused_without_collapse_and_is_readable_with_it() -> None:
    model, loss, _ = mlp_loss([16, 16, 1])
    with pytest.raises(
        viz.GraphTooLargeError,
        match=r"407 nodes, more than max_nodes=200 .*collapse='Layer' or collapse='Neuron'.*max_nodes=407",
    ):
        viz.draw_graph(loss, model=model, collapse=None)  # every node asked for (the default collapses: below)
    with pytest.raises(viz.GraphTooLargeError, match="474 nodes"):  # ops as nodes of their own: more
        viz.draw_chain(loss, model.parameters()[0], model=model, ops="nodes", view="graph", collapse=None)
    assert viz.draw_graph(loss, model=model, collapse=None, max_nodes=407).node_count == 407  # raised: drawn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_layer = viz.draw_graph(loss, model=model, collapse="Layer").source
        by_neuron = bare_edge_labels(viz.draw_graph(loss, model=model, collapse="Neuron").source)
    # Layer boxes: 3 boxes, 2 inputs, the target constant, − and ** (each op in its result's node): a short chain.
    assert len(re.findall(r"^\t+(?:v\d+|m\d+)(?:op)? \[", by_layer, flags=re.MULTILINE)) == 3 + 2 + 1 + 2
    # Neuron boxes: 33 boxes in 3 layer clusters; edges between boxes appear once per pair.
    assert len(re.findall(r"^\t+m\d+ \[", by_neuron, flags=re.MULTILINE)) == 33
    assert len(clusters(by_neuron)) == 3
    edges = re.findall(r"^\t(\S+) -> (\S+) ?(.*)", by_neuron, flags=re.MULTILINE)
    # Edges between groups of boxes are one labelled edge each: x0→layer 0, x1→layer 0, layer 0→layer 1,
    # layer 1→output neuron; then the loss's 3 edges (box→−, 1→−, −→**; each op in its result's node).
    assert len(edges) == len({e[:2] for e in edges}) == 4 + 3
    labels = [re.search(r"label=<(\d+ edges)>", attrs) for _, _, attrs in edges]
    assert [m.group(1) for m in labels if m] == ["16 edges", "16 edges", "256 edges", "16 edges"]
    assert by_neuron.count("lhead=cluster_m") == 4
    assert by_neuron.count("ltail=cluster_m") == 2


@needs_dot
def test_collapsed_model_renders() -> None:
    model, loss, _ = mlp_loss([16, 16, 1])
    texts = svg_texts(viz.draw_graph(loss, model=model, collapse="Layer").svg())
    assert "layers.1" in texts


def test_bad_model_and_collapse() -> None:
    model, loss, _ = mlp_loss([2, 1])
    with pytest.raises(ValueError, match=r"no module class or name \['Neurn'\].*\['Layer', 'Neuron'\]"):
        viz.draw_graph(loss, model=model, collapse="Neurn")
    with pytest.raises(ValueError, match=r"no module class or name \['MLP'\]"):  # the whole model is the picture
        viz.draw_graph(loss, model=model, collapse="MLP")
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        viz.draw_graph(loss, model=model, max_nodes=0)

    class NoParams:
        def named_modules(self) -> list[tuple[str, object]]:
            return [("", self)]

    not_a_module: Any = NoParams()
    with pytest.raises(TypeError, match="has no named_parameters"):
        viz.draw_graph(loss, model=not_a_module)

    class BadPairs(MLP):
        def named_parameters(self) -> list[tuple[str, Any]]:
            return [("w", 1.0)]

    with pytest.raises(TypeError, match=r"named_parameters\(\) must give \(str, Value\) pairs"):
        viz.draw_graph(loss, model=BadPairs(2, [1]))


def test_real_nn_module_if_available() -> None:
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    src = viz.draw_graph(loss, model=model).source
    assert len(clusters(src)) == 2 + 3 + 1
    boxes = viz.draw_graph(loss, model=model, collapse="Neuron").source
    assert len(re.findall(r"^\t+m\d+ \[", boxes, flags=re.MULTILINE)) == 4


def _box_order(source: str) -> list[list[int]]:
    """The neuron numbers in each layer's cluster, top to bottom, as dot lays them out."""
    plain = subprocess.run(["dot", "-Tplain"], input=source, capture_output=True, text=True, check=True).stdout
    y = {f[1]: float(f[3]) for f in (line.split() for line in plain.splitlines()) if f[0] == "node"}
    layers = []
    for body in re.findall(r"subgraph cluster_m\d+ \{(.*?)\n\t\}", source, flags=re.DOTALL):
        boxes = re.findall(r"\t\t(m\d+) \[label=<.*?<B>neurons\.(\d+)</B>", body)
        layers.append([int(n) for name, n in sorted(boxes, key=lambda box: -y[box[0]])])
    return layers


@needs_dot
@pytest.mark.parametrize("sizes", [[16, 16, 1], [8, 3, 1], [5, 1]])
def test_collapsed_neurons_are_laid_out_in_order(sizes: list[int]) -> None:
    """Without a budget on crossing minimisation dot put neurons 8–15 above 0–7 (MLP(2, [16, 16, 1]))."""
    model, loss, _ = mlp_loss(sizes)
    layers = _box_order(viz.draw_graph(loss, model=model, collapse="Neuron").source)
    assert layers == [list(range(n)) for n in sizes]


def _plain_positions(src: str) -> dict[str, tuple[float, float]]:
    """Each node's centre as ``dot -Tplain`` lays it out (inches, y upwards)."""
    out = subprocess.run(["dot", "-Tplain"], input=src.encode(), capture_output=True, check=True).stdout.decode()
    return {f[1]: (float(f[2]), float(f[3])) for f in (line.split() for line in out.splitlines()) if f[0] == "node"}


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_parameters_in_a_cluster_are_drawn_in_their_named_order(rankdir: str) -> None:
    model, loss, _ = mlp_loss([3, 1])
    drawing = viz.draw_graph(loss, model=model, rankdir=rankdir, collapse=None)
    where = _plain_positions(drawing.source)
    ids = {id(v): f"v{i}" for i, v in enumerate(topological_order(loss))}
    for module_name, module in model.named_modules():
        if type(module).__name__ != "Neuron":
            continue
        named = [name for name, _ in module.named_parameters()]
        assert named[-1] == "b"
        spots = [where[ids[id(p)]] for _, p in module.named_parameters()]
        # Left to right: the first parameter on top (plain's y grows upwards); top to bottom: on the left.
        keys = [-y for _, y in spots] if rankdir == "LR" else [x for x, _ in spots]
        assert keys == sorted(keys), f"{module_name}: {named} drawn in the order {keys}"
    if rankdir == "LR":  # the layer's neurons in the model's order, top to bottom (both layouts: test_viz_model_layout)
        firsts = [where[ids[id(n.parameters()[0])]] for n in model.layers[0].neurons]
        keys = [-y for _, y in firsts]
        assert keys == sorted(keys), f"neurons drawn in the order {keys}"


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_collapsed_neurons_are_drawn_in_the_models_order(rankdir: str) -> None:
    model, loss, _ = mlp_loss([4, 1])
    drawing = viz.draw_graph(loss, model=model, collapse="Neuron", rankdir=rankdir)
    where = _plain_positions(drawing.source)
    boxes = re.findall(r"^\t+(m\d+) \[label=<.*?<B>(neurons\.\d+)</B>", drawing.source, flags=re.MULTILINE)
    layer0 = [(where[node], name) for node, name in boxes if node in where][:4]
    assert [name for _, name in layer0] == [f"neurons.{k}" for k in range(4)]
    keys = [-y for (_, y), _ in layer0] if rankdir == "LR" else [x for (x, _), _ in layer0]
    assert keys == sorted(keys), f"boxes drawn in the order {keys}"


# -- collapse="auto": a model's picture collapses when every node would not read ------------------


def test_a_model_too_large_to_read_is_collapsed_and_says_so() -> None:
    model, loss, _ = mlp_loss([16, 16, 1])
    drawing = viz.draw_graph(loss, model=model)  # 407 nodes with every node: over max_nodes
    assert drawing.auto_collapse == "Neuron"
    assert drawing.node_count == 38  # 33 neuron boxes, 2 inputs, the target, − and **
    assert drawing.caption == (
        "Collapsed to Neuron boxes to fit: with every node it would have 407 nodes, more than max_nodes=200;\n"
        "pass collapse=None to draw every node."
    )
    assert "Collapsed to Neuron boxes to fit" in drawing.source  # the picture says it too
    asked = viz.draw_graph(loss, model=model, collapse="Neuron")
    assert asked.auto_collapse is None
    assert "Collapsed" not in asked.source
    assert re.findall(r"^\t+m\d+ \[", drawing.source, flags=re.MULTILINE) == re.findall(
        r"^\t+m\d+ \[", asked.source, flags=re.MULTILINE
    )
    assert drawing.text_px is not None
    assert drawing.text_px >= viz.graph.READABLE_PX


def test_a_model_whose_text_would_be_small_is_collapsed() -> None:
    """60 nodes (under max_nodes) but about 5 px text in a 1000 px column: Neuron boxes instead."""
    model, loss, _ = mlp_lanes_loss([4, 4, 1])
    full = viz.draw_graph(loss, model=model, collapse=None)
    assert full.node_count == 60
    assert full.text_px is not None
    assert full.text_px < viz.graph.READABLE_PX
    auto = viz.draw_graph(loss, model=model)
    assert auto.auto_collapse == "Neuron"
    assert re.fullmatch(
        r"Collapsed to Neuron boxes to fit: with every node it would have 60 nodes and text about \d+ px high "
        r"in a 1000 px column;\npass collapse=None to draw every node\.",
        auto.caption,
    )
    assert auto.text_px is not None
    assert auto.text_px >= viz.graph.READABLE_PX


def test_a_readable_model_is_drawn_whole_and_an_explicit_choice_wins() -> None:
    model, loss, _ = mlp_loss([2, 1])
    whole = viz.draw_graph(loss, model=model)
    assert whole.auto_collapse is None
    assert whole.caption == ""
    assert whole.source == viz.draw_graph(loss, model=model, collapse=None).source
    assert whole.source == viz.draw_graph(loss, model=model, collapse=False).source
    big, big_loss, _ = mlp_lanes_loss([4, 4, 1])
    for choice in (None, False):
        drawn = viz.draw_graph(big_loss, model=big, collapse=choice)
        assert drawn.auto_collapse is None
        assert drawn.node_count == 60  # every node, though small
    layers = viz.draw_graph(big_loss, model=big, collapse="Layer")
    assert layers.auto_collapse is None
    assert "Collapsed" not in layers.source
    with pytest.raises(ValueError, match="collapse=True does not say what to collapse"):
        viz.draw_graph(loss, model=model, collapse=True)


def test_without_a_model_a_large_graph_is_still_refused() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(120):
        y = y * 1.01 + 0.1
    y.backward()
    with pytest.raises(viz.GraphTooLargeError, match=r"more than max_nodes=200"):
        viz.draw_graph(y)  # collapse="auto" by default: nothing to collapse without model=


def test_the_coarsest_collapse_is_refused_when_even_it_is_too_large() -> None:
    model, loss, _ = mlp_loss([16, 16, 1])
    with pytest.raises(viz.GraphTooLargeError, match=r"more than max_nodes=5"):
        viz.draw_graph(loss, model=model, max_nodes=5)
    drawn = viz.draw_graph(loss, model=model, max_nodes=20)  # Neuron boxes: 38 nodes; Layer boxes: 8
    assert drawn.auto_collapse == "Layer"
    assert drawn.node_count == 8
