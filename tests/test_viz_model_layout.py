"""Model graphs read like the network, measured on the SVG that dot draws.

Box titles are cluster labels top to bottom and title nodes left to right (viz.graph.emit);
both are measured the same way (tests/svg_layout.py), and in Chromium by
tests/test_viz_pictures_browser.py.

For the MLPs the notebooks draw, left to right and top to bottom, open and collapsed:
no edge runs through a box's title, nor around the outside of a box (every edge stays within
the rectangle around its two ends' boxes); the inputs are alone on the first rank and in their
order; a layer's neurons are in the model's order across the ranks, and layers follow
each other along them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from svg_layout import Box, layout, path_points, routes, strays, title_crossings, titles
from viz_support import MLP, mlp_lanes_loss, mlp_loss, needs_dot

import viz
from autograd import Value
from viz.scene import build_scene


def _mlp3(sizes: list[int]) -> tuple[MLP, Value, list[Value]]:
    """MLP(3, sizes) on one point, squared error against 1, backpropagated."""
    model = MLP(3, sizes, 0)
    xs = [Value(v, label=f"x{k}") for k, v in enumerate((0.5, -1.0, 0.25))]
    loss = (model(xs) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return model, loss, xs


CASES: dict[str, Callable[[], tuple[MLP, Value, list[Value]]]] = {
    "MLP(2,[2,1])": lambda: mlp_loss([2, 1]),
    "MLP(2,[3,1])": lambda: mlp_loss([3, 1]),
    "MLP(2,[4,4,1]) on a batch of 5": lambda: mlp_lanes_loss([4, 4, 1]),
    "MLP(3,[4,4,1])": lambda: _mlp3([4, 4, 1]),
}


def _drawn(case: str, rankdir: str, collapse: str | None) -> tuple[MLP, Value, list[Value], viz.Drawing, str]:
    model, loss, xs = CASES[case]()
    drawing = viz.draw_graph(loss, model=model, rankdir=rankdir, collapse=collapse)
    return model, loss, xs, drawing, drawing.svg()


@needs_dot
@pytest.mark.parametrize("collapse", [None, "Neuron", "Layer"])
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("case", list(CASES))
def test_model_pictures_read_like_the_network(case: str, rankdir: str, collapse: str | None) -> None:
    model, loss, xs, drawing, svg = _drawn(case, rankdir, collapse)
    lay = layout(svg)
    # No edge through a title; every box's title was found and checked.
    crossings, checked = title_crossings(svg)
    assert crossings == []
    # Edges run straight into the boxes, not around the outside of a layer.
    assert strays(svg) == []
    boxes = set(re.findall(r"subgraph (cluster_m\d+) \{", drawing.source))
    assert checked == len(boxes) == len(titles(lay))
    # A title sits inside its box.
    for name, (_, box) in titles(lay).items():
        frame = lay.clusters[name].box
        assert frame.left <= box.left, f"{name}'s title leaves its box"
        assert box.right <= frame.right + 1, f"{name}'s title leaves its box"
    g = build_scene([loss], model=model)
    ids = {id(v): f"v{i}" for i, v in enumerate(g.order)}

    def lead(b: Box) -> float:  # where along the ranks
        return b.left if rankdir == "LR" else b.top

    def trail(b: Box) -> float:
        return b.right if rankdir == "LR" else b.bottom

    def across(b: Box) -> float:  # where across them
        return (b.top + b.bottom) / 2 if rankdir == "LR" else (b.left + b.right) / 2

    # Inputs alone on the first rank (left, or top), and in their order.
    inputs = [lay.nodes[ids[id(x)]] for x in xs]
    others = [b for n, b in lay.nodes.items() if n not in {ids[id(x)] for x in xs}]
    assert max(trail(b) for b in inputs) <= min(lead(b) for b in others)
    where = [across(b) for b in inputs]
    assert where == sorted(where), f"inputs drawn in the order {where}"
    # Neurons in the model's order across the ranks; layers one after another along them.
    index = {m.name: j for j, m in enumerate(g.modules)}
    for layer in range(len(model.layers)):
        spots = []
        for k in range(len(model.layers[layer].neurons)):
            j = index[f"layers.{layer}.neurons.{k}"]
            spot = lay.clusters.get(f"cluster_m{j}") or lay.nodes.get(f"m{j}")
            if spot is not None:
                spot = spot.box if hasattr(spot, "box") else spot
                spots.append(across(spot))
        assert spots == sorted(spots), f"layer {layer}'s neurons drawn in the order {spots}"
    layers = []
    for layer in range(len(model.layers)):
        j = index[f"layers.{layer}"]
        spot = lay.clusters.get(f"cluster_m{j}") or lay.nodes.get(f"m{j}")
        if spot is not None:
            layers.append(spot.box if hasattr(spot, "box") else spot)
    assert all(trail(a) <= lead(b) + 1 for a, b in itertools.pairwise(layers)), "layers overlap"
    # The parameters of each open neuron in their named order (left to right: after the neuron's
    # title, a node there; top to bottom the title is the box's label, above them).
    if collapse is None:
        for j, m in enumerate(g.modules):
            if m.kind != "Neuron":
                continue
            spots = [across(lay.nodes[ids[id(p)]]) for p in m.params]
            if rankdir == "LR":
                spots.insert(0, across(lay.nodes[f"m{j}t"]))
            assert spots == sorted(spots), f"{m.name}: title and parameters drawn in the order {spots}"


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("how", [{"ops": "nodes"}, {"local_grads": True}])
def test_edges_run_into_the_boxes_with_op_nodes_and_labels(rankdir: str, how: dict[str, Any]) -> None:
    """Op nodes (edges into a neuron end at its ``Σ w·x`` node) and labelled edges (ranks doubled)
    still enter the boxes straight: on main these pictures had 8 edges each running 450-550 pt
    around the layer."""
    model, loss, _ = mlp_loss([3, 1])
    svg = viz.draw_graph(loss, model=model, rankdir=rankdir, collapse=None, **how).svg()
    assert strays(svg) == []
    assert title_crossings(svg)[0] == []


# -- the measuring tools themselves ------------------------------------------------------------


def test_path_points_follow_the_bezier() -> None:
    points = path_points("M0,0C0,10 10,10 10,0")
    assert points[0] == (0.0, 0.0)
    assert points[-1] == pytest.approx((10.0, 0.0))
    # The curve's highest point is at t = 1/2: (5, 7.5); the control points (y = 10) are never reached.
    assert max(y for _, y in points) == pytest.approx(7.5, abs=0.05)
    relative = path_points("m0,0c0,10 10,10 10,0l5,5h1v1z")
    assert relative[-4:] == [pytest.approx((15.0, 5.0)), (16.0, 5.0), (16.0, 6.0), (0.0, 0.0)]
    with pytest.raises(ValueError, match="must start with a command"):
        path_points("0,0")


def test_box_hit_by_segments() -> None:
    box = Box(0, 0, 10, 5)
    assert box.hit_by((-5, 2), (15, 2))  # straight through
    assert box.hit_by((5, 2), (5, 3))  # inside
    assert not box.hit_by((-5, -1), (15, -1))  # above
    assert not box.hit_by((11, -5), (20, 10))  # beside


_CROSSED = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200pt" height="100pt">
<g class="graph"><g class="cluster"><title>cluster_m1</title>
<path d="M0,0L200,0L200,100L0,100Z"/>
<text text-anchor="start" x="10" y="20" font-size="12.00">layers.0 (Layer)</text></g>
<g class="node"><title>m2t</title>
<text text-anchor="start" x="10" y="80" font-size="11.00">neurons.0 (Neuron)</text></g>
<g class="cluster"><title>cluster_m2</title><path d="M5,60L150,60L150,95L5,95Z"/></g>
<g class="edge"><title>a&#45;&gt;b</title><path d="M40,-10C40,30 45,60 50,110"/></g>
</g></svg>"""


def test_title_crossings_finds_an_edge_through_a_title() -> None:
    """The check can fail: an edge drawn through a cluster label and through a title node is found."""
    crossings, checked = title_crossings(_CROSSED)
    assert checked == 2
    assert crossings == [
        "edge a->b crosses the title 'layers.0 (Layer)' of cluster_m1",
        "edge a->b crosses the title 'neurons.0 (Neuron)' of cluster_m2",
    ]
    assert title_crossings(_CROSSED.replace("M40,-10C40,30 45,60 50,110", "M190,-10C190,30 190,60 190,110")) == ([], 2)


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_a_chains_open_neuron_keeps_its_parameters_in_order(rankdir: str) -> None:
    """draw_chain writes local derivatives on its path: the weight on the path stays first (notebook 3)."""
    model, loss, _ = mlp_loss([3, 1])
    neuron = model.layers[0].neurons[1]
    drawing = viz.draw_chain(
        loss,
        neuron.w[0],
        model=model,
        rankdir=rankdir,
        collapse=["layers.0.neurons.0", "layers.0.neurons.2", "layers.1"],
    )
    lay = layout(drawing.svg())
    assert title_crossings(drawing.svg())[0] == []
    ids = {id(v): f"v{i}" for i, v in enumerate(build_scene([loss], model=model).order)}
    spots = [lay.nodes[ids[id(p)]] for p in neuron.parameters()]
    keys = [(b.top + b.bottom) / 2 if rankdir == "LR" else (b.left + b.right) / 2 for b in spots]
    assert keys == sorted(keys), f"w.0, w.1, w.2, b drawn in the order {keys}"
    boxes = re.findall(r"^\t+(m\d+) \[label=<.*?<B>(neurons\.\d+)</B>", drawing.source, flags=re.MULTILINE)
    assert [name for _, name in boxes] == ["neurons.0", "neurons.2"]


_AROUND = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 200" width="300pt" height="200pt">
<g class="graph">
<g class="cluster"><title>cluster_m1</title><path d="M100,20L200,20L200,180L100,180Z"/></g>
<g class="node"><title>x</title><polygon points="10,90 50,90 50,110 10,110 10,90"/></g>
<g class="node"><title>s</title><polygon points="140,90 180,90 180,110 140,110 140,90"/></g>
<g class="node"><title>sin0</title></g>
<g class="edge"><title>x&#45;&gt;sin0</title><path d="M50,100C60,100 100,100 120,100"/></g>
<g class="edge"><title>sin0&#45;&gt;s</title><path d="M120,100C125,100 130,100 140,100"/></g>
<g class="edge"><title>x&#45;&gt;s</title><path d="M50,100C60,-20 130,-20 160,90"/></g>
</g></svg>"""


def test_strays_finds_an_edge_around_a_box() -> None:
    """The check can fail: an edge arcing above the box is found; one led in through a stop is not."""
    lay = layout(_AROUND)
    assert [(t, h) for t, h, _ in routes(lay)] == [("x", "s"), ("x", "s")]
    assert strays(_AROUND) == ["edge x->s runs 11 pt outside its ends' boxes"]  # its top: y = 8.75
    assert strays(_AROUND, margin=12) == []
