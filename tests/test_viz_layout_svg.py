"""Layouts a reader can trust, measured on the SVG that dot draws (tests/svg_layout.py).

For the pictures the lessons and the command line draw — the seed neuron's chains (lesson 1,
``python -m viz … --wrt``), a model picture with its module boxes open and collapsed
(MLP(2,[4,4,1])) and that model's chain to a first-layer weight, lesson 3's chain with three
neurons collapsed, lesson 5's chain inside a neuron's box, the unrolled recurrent network of
lesson 8 —

- no edge label sits on a line or an arrowhead, its own edge's or another's, nor floats away
  from its line;
- no edge leaves a box that holds both its ends, nor runs through a box that holds neither,
  nor strays around the boxes of its ends.

Three of them broke a rule until the drawing core learnt to avoid it: lesson 5's two bundles into
one box ended at one point of its frame (each bundle now ends at a node of its own), the folded
seed chain's turn arched over a constant between its ends (a turn's ends are now neighbours), and
the open MLP's target 1 sat beside the last layer's box, its edge cutting the box's corner (it now
sits beside the node it feeds).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from svg_layout import cluster_leaks, floating_labels, labels_on_arrows, layout, strays
from viz_support import mlp_loss, needs_dot, seed_neuron

import nn
import viz
from autograd import Value
from viz.wrap import fold, measure


def _seed_neuron() -> tuple[Value, dict[str, Value], list[Value]]:
    """Lesson 1's neuron: s = x₁w₁ + x₂w₂ + b, ŷ = σ(s), E = ½(y − ŷ)²."""
    x1, x2 = Value(0.1, label="x₁"), Value(0.3, label="x₂")
    w1, w2, b = Value(0.5, label="w₁"), Value(0.2, label="w₂"), Value(1.83, label="b")
    s = x1 * w1 + x2 * w2 + b
    s.label = "s"
    y_hat = s.sigmoid()
    y_hat.label = "ŷ"
    e = 0.5 * (0.03 - y_hat) ** 2
    e.label = "E"
    e.backward()
    return e, {"w1": w1, "w2": w2, "b": b}, [x1, x2]


def lesson_1(wrt: str) -> viz.Drawing:
    e, params, inputs = _seed_neuron()
    return viz.draw_chain(e, params[wrt], params=list(params.values()), inputs=inputs)


def cli_loss_chain(style: str = "notebook") -> viz.Drawing:
    """What ``python -m viz "0.5*(0.03 - sigmoid(x1*w1 + x2*w2 + b))**2" --at … --wrt w1`` draws
    (on a slide: with ``--param w1 --param w2 --param b --style slide``, folded in columns)."""
    x1, x2 = Value(0.1, label="x1"), Value(0.3, label="x2")
    w1, w2, b = Value(0.5, label="w1"), Value(0.2, label="w2"), Value(1.83, label="b")
    out = 0.5 * (0.03 - (x1 * w1 + x2 * w2 + b).sigmoid()) ** 2
    out.backward()
    if style == "slide":
        return viz.draw_chain(out, w1, params=[w1, w2, b], inputs=[x1, x2], style="slide")
    if style == "rows":  # laid out left to right, folded into two rows (the other shape a slide may pick)
        wide = viz.draw_chain(out, w1, params=[w1, w2, b], inputs=[x1, x2], style="slide", rankdir="LR")
        measured = measure(wide)
        assert measured is not None
        folded = fold(wide, 2, measured.ranks)
        assert folded is not None
        return folded
    return viz.draw_chain(out, w1, inputs=[x1, x2, w1, w2, b])


def mlp_picture(collapse: str | None) -> viz.Drawing:
    model, loss, xs = mlp_loss([4, 4, 1])
    return viz.draw_graph(loss, model=model, inputs=xs, collapse=collapse)


def mlp_chain() -> viz.Drawing:
    """The chain of MLP(2,[4,4,1])'s loss to a first-layer weight: its own view, straight ends in rows."""
    model, loss, _ = mlp_loss([4, 4, 1])
    w = model.layers[0].neurons[1].w[0]
    return viz.draw_chain(loss, w, model=model, names={w: "w¹₂₁"})


def lesson_3() -> viz.Drawing:
    """Lesson 3's chain to w¹₂₁ in MLP(2,[3,1]), every neuron but the weight's collapsed."""
    model = nn.MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=11)
    inputs = [Value(0.6, label="x₁"), Value(-0.4, label="x₂")]
    loss = nn.squared_error(model(inputs), 0.25)
    loss.label = "C"
    loss.backward()
    return viz.draw_chain(
        loss,
        model.layers[0].neurons[1].w[0],
        model=model,
        inputs=inputs,
        collapse=["layers.0.neurons.0", "layers.0.neurons.2", "layers.1"],
    )


#: Lesson 5's network after its 10,000 epochs of training (its ``lane_model.parameters()``).
XOR_TRAINED = (
    5.833670180525272, -5.7923588207594605, 3.0541110173539505, -1.5956755699172451, 1.4687432482111837,
    0.9177210294772608, 4.4746474980910484, -4.665332187804646, -2.4444207053909266, 0.27631640071517766,
    -0.5173824100739349, 0.18919907919059575, -7.606862184118974, -0.967241791717135, 7.312875448601455,
    1.0505668456686839, 3.8289592100202374,
)  # fmt: skip


def lesson_5() -> viz.Drawing:
    """Lesson 5's chain of the batch loss (lanes) to a first-layer weight, inside the weight's neuron."""
    model = nn.MLP(2, [4, 1], activation="sigmoid", output_activation="sigmoid", init="normal", seed=0)
    for p, trained in zip(model.parameters(), XOR_TRAINED, strict=True):
        p.data = trained
    x, y = nn.xor()
    loss = nn.squared_error(model.batch(x), y).sum()
    loss.label = "E"
    loss.backward()
    return viz.draw_chain(
        loss,
        model.layers[0].neurons[0].w[1],
        model=model,
        lane=1,
        lanes_shown=4,
        collapse=["layers.0.neurons.1", "layers.0.neurons.2", "layers.0.neurons.3", "layers.1"],
        digits=3,
        graph_attr={"nodesep": "0.05"},
    )


def lesson_8() -> viz.Drawing:
    """Lesson 8's recurrent network unrolled over five steps."""
    names = {"w_x": ("wₓ", 0.5), "w_h": ("wₕ", 0.9), "b": ("b", 0.1), "w_o": ("wₒ", 1.2), "c": ("c", -0.1)}
    p = {k: Value(v, label=label) for k, (label, v) in names.items()}
    h = Value(0.0, label="h₀")
    for t, x in enumerate([0.5, -1.0, 0.8, 0.2, -0.4], start=1):
        h = (p["w_x"] * Value(x, label=f"x{t}") + p["w_h"] * h + p["b"]).tanh()
        h.label = f"h{t}"
    loss = 0.5 * (p["w_o"] * h + p["c"] - -0.5) ** 2
    loss.label = "L"
    loss.backward()
    return viz.draw_graph(loss, params=list(p.values()), rankdir="TB")


def seed_chain() -> viz.Drawing:
    """The seed article's neuron, its chain to W1 in the orientation draw_chain picks (left to right)."""
    e, w1, *_ = seed_neuron()
    return viz.draw_chain(e, w1)


PICTURES: dict[str, Callable[[], viz.Drawing]] = {
    "seed chain": seed_chain,
    "lesson 1, chain to w1": lambda: lesson_1("w1"),
    "lesson 1, chain to b": lambda: lesson_1("b"),
    "CLI loss chain": cli_loss_chain,
    "CLI loss chain on a slide": lambda: cli_loss_chain("slide"),
    "CLI loss chain in two rows": lambda: cli_loss_chain("rows"),
    "MLP(2,[4,4,1])": lambda: mlp_picture(None),
    "MLP(2,[4,4,1]) Neuron boxes": lambda: mlp_picture("Neuron"),
    "MLP(2,[4,4,1]) Layer boxes": lambda: mlp_picture("Layer"),
    "MLP(2,[4,4,1]) chain": mlp_chain,
    "lesson 3 chain": lesson_3,
    "lesson 5 chain": lesson_5,
    "lesson 8 BPTT": lesson_8,
}


@needs_dot
@pytest.mark.parametrize("name", list(PICTURES))
def test_no_edge_label_sits_on_an_arrow_or_floats(name: str) -> None:
    svg = PICTURES[name]().svg()
    assert labels_on_arrows(svg) + floating_labels(svg) == []


@needs_dot
@pytest.mark.parametrize("name", list(PICTURES))
def test_edges_stay_in_the_boxes_of_their_ends(name: str) -> None:
    svg = PICTURES[name]().svg()
    boxed = bool(layout(svg).clusters)  # without boxes an edge may curve past its ends: nothing to leave
    assert cluster_leaks(svg) + (strays(svg) if boxed else []) == []


# -- the checkers find what they look for -------------------------------------------------------

_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200"><g>
<g class="cluster"><title>cluster_a</title><polygon points="10,10 110,10 110,110 10,110 10,10"/></g>
<g class="node"><title>a</title><polygon points="20,20 60,20 60,40 20,40 20,20"/></g>
<g class="node"><title>b</title><polygon points="20,80 60,80 60,100 20,100 20,80"/></g>
<g class="edge"><title>a&#45;&gt;b</title><path d="M40,40 C{via} {via} 40,80"/>
<polygon points="37,78 40,80 43,78 37,78"/><text text-anchor="start" x="{lx}" y="64" font-size="10">0.5</text></g>
</g></svg>"""


def test_a_label_on_its_line_is_found_and_one_beside_it_is_not() -> None:
    on = _SVG.format(via="40,60", lx="36")
    beside = _SVG.format(via="40,60", lx="46")
    assert labels_on_arrows(on) == ["label '0.5' of edge a->b sits on its own edge"]
    assert labels_on_arrows(beside) == []


def test_a_label_far_from_its_line_is_found() -> None:
    assert floating_labels(_SVG.format(via="40,60", lx="90")) == ["label '0.5' of edge a->b floats 48 pt from its line"]
    assert floating_labels(_SVG.format(via="40,60", lx="46")) == []


def test_an_edge_looping_out_of_its_box_is_found() -> None:
    looping = _SVG.format(via="-40,60", lx="46")
    assert cluster_leaks(looping) == ["edge a->b leaves cluster_a by 30 pt"]  # the curve reaches x = -20
    assert cluster_leaks(_SVG.format(via="40,60", lx="46")) == []


# -- the three rules that made the pictures above clean, each on its own ----------------------


@needs_dot
def test_a_folded_chains_turn_joins_neighbours() -> None:
    """The seed chain folded in two columns: nothing of its rank sits between the turn's two ends
    (the constant 0.03 did, and the turn edge arched over it)."""
    lay = layout(seed_chain().svg())
    ((tail, head),) = [e.name.split("->") for e in lay.edges if e.label_text == "0.10986"]
    left, right = sorted((lay.nodes[tail], lay.nodes[head]), key=lambda b: b.left)
    level = (left.top + left.bottom) / 2
    between = [n for n, b in lay.nodes.items() if b.top < level < b.bottom and left.right < b.left < right.left]
    assert between == []


@needs_dot
def test_two_bundles_into_one_box_end_apart() -> None:
    """Lesson 5: x0's and x1's "3 edges" into layers.0 end at two different points of its frame."""
    lay = layout(lesson_5().svg())
    ends = [e.points[-1] for e in lay.edges if e.label_text == "3 edges" and e.name.startswith(("v4->", "v6->"))]
    assert len(ends) == 2
    assert abs(ends[0][0] - ends[1][0]) + abs(ends[0][1] - ends[1][1]) > 36  # half an inch apart, at least


@needs_dot
def test_a_losss_target_sits_beside_the_node_it_feeds() -> None:
    """MLP(2,[4,4,1]) with its boxes open: the target 1 of (out − 1)² on the rank of −, next to it."""
    d = mlp_picture(None)
    assert re.search(r"\{\s*rank=same\s*(v\d+)\s*(v\d+)\s*\}", d.source)
    lay = layout(d.svg())
    minus = next(n for n, (text, _) in lay.node_texts.items() if text.startswith("−"))
    one = next(n for n, (text, _) in lay.node_texts.items() if text.startswith("data 1 "))
    a, b = lay.nodes[minus], lay.nodes[one]
    assert a.left < (b.left + b.right) / 2 < a.right  # left to right: straight above (or below) it
