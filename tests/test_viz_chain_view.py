"""draw_chain's own view of a large graph: the Values on the paths, every caption factor on its edge.

A chain inside a network (MLP(2, [4, 4, 1]): 59 nodes) drawn whole is unreadable in a notebook
column; ``view="auto"`` draws only the Values on the paths from the output to the input, each op
cell counting the inputs left out, and says so in the picture's caption. Also: merged edges between
collapsed boxes are red only for the edges on a path (and count only those), and a graph too large
to draw is refused before it is walked.
"""

from __future__ import annotations

import re

import pytest
from viz_support import bare_edge_labels, mlp_loss, seed_neuron

import viz
import viz.scene
from autograd import Value, chain_summary


def _edge_labels(src: str) -> list[str]:
    return re.findall(r"-> \S+ \[[^\]]*label=<([^>]*)>", bare_edge_labels(src))


def _caption_factors(caption: str) -> set[str]:
    """The numbers multiplied on each ``path k:`` line (or the one-path line) of a chain caption."""
    factors: set[str] = set()
    for line in caption.splitlines():
        if " × " not in line:
            continue
        product = line.split(": ", 1)[-1].split(" = ")
        chain = next(part for part in product if " × " in part)
        factors |= {f.strip("()") for f in chain.split(" × ")}
    return factors


@pytest.mark.parametrize(("sizes", "min_px"), [([4, 4, 1], 11.0), ([16, 16, 1], 9.0)])
def test_a_networks_chain_shows_its_paths_with_every_factor(sizes: list[int], min_px: float) -> None:
    model, loss, _ = mlp_loss(sizes)
    w = model.layers[0].neurons[1].w[0]
    drawing = viz.draw_chain(loss, w, model=model, names={w: "w¹₂₁"})
    assert drawing.view == "paths"
    assert drawing.text_px is not None
    assert drawing.text_px >= min_px
    src = drawing.source
    labels = set(_edge_labels(src))
    factors = _caption_factors(drawing.caption)
    assert factors
    assert factors <= labels, factors - labels  # every factor of the caption is on an edge
    # Only the Values on the paths are drawn: one node each, each Σ w·x saying how many inputs it left out.
    summary = chain_summary(loss, w)
    on_paths = {id(e.edge.child) for e in summary.edges} | {id(e.edge.parent) for e in summary.edges}
    assert len(re.findall(r"^\tv\d+ \[", src, flags=re.MULTILINE)) == len(on_paths) == drawing.node_count
    n = sizes[0]
    assert src.count(f"Σ w·x (+{2 * n} inputs)") == n  # the next layer's neurons: n weights, n − 1 inputs, b
    assert "Drawn: the" in src  # the picture says what it shows
    assert "view=&#x27;graph&#x27; draws" in src
    assert "w¹₂₁" in src


def test_the_whole_graph_when_it_reads_or_when_asked() -> None:
    e, w1, w2, b = seed_neuron()
    small = viz.draw_chain(e, w1, params=[w1, w2, b])
    assert small.view == "graph"  # the seed's neuron reads whole
    assert "Drawn: the" not in small.source
    model, loss, _ = mlp_loss([4, 4, 1])
    w = model.layers[0].neurons[1].w[0]
    whole = viz.draw_chain(loss, w, view="graph", collapse=None, max_nodes=100)
    assert whole.view == "graph"
    assert whole.node_count == 59
    assert viz.draw_chain(e, w1, view="paths").view == "paths"
    with pytest.raises(ValueError, match="view must be 'auto', 'graph' or 'paths'"):
        viz.draw_chain(e, w1, view="nodes")  # type: ignore[arg-type]


def test_merged_edges_are_red_only_for_what_they_carry_on_the_paths() -> None:
    model, loss, _ = mlp_loss([4, 4, 1])
    w = model.layers[0].neurons[0].w[1]
    for level in ("Neuron", "Layer"):
        src = bare_edge_labels(viz.draw_chain(loss, w, model=model, collapse=level).source)
        edges = re.findall(r"^\t(\S+) -> (\S+) \[([^\]]*)\]", src, flags=re.MULTILINE)
        red = [re.search(r"label=<(\d+) edges>", a) for _, _, a in edges if "#d62728" in a]
        grey = [re.search(r"label=<(\d+) edges>", a) for _, _, a in edges if "#d62728" not in a]
        # Layer 0 → layer 1: the weight's neuron feeds the 4 next neurons (red, 4 edges); the other 12
        # edges between the layers are grey and counted apart. Layer 1 → the output neuron: 4, all red.
        assert [int(m.group(1)) for m in red if m] == [4, 4]
        assert [int(m.group(1)) for m in grey if m] == [4, 4, 12]  # x0 → layer 0, x1 → layer 0, the rest


def test_a_huge_graph_is_refused_before_it_is_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(12000):  # 24,001 Values: more than draw_chain looks through at max_nodes=200
        y = y * 1.0001 + x

    def walked(*_: object) -> list[Value]:
        raise AssertionError("the whole graph was walked before the refusal")

    monkeypatch.setattr(viz.scene, "topological_order", walked)
    with pytest.raises(viz.GraphTooLargeError, match="more than 200 nodes, more than max_nodes=200"):
        viz.draw_graph(y)
    with pytest.raises(viz.GraphTooLargeError, match="more than 20000 Values"):
        viz.draw_chain(y, x, max_nodes=200)
    with pytest.raises(ValueError, match="more than 4000 Values, so more than max_frames=400"):
        viz.steps(y)


def test_count_values_stops_at_its_limit() -> None:
    x = Value(1.0)
    y = x
    for _ in range(100):
        y = y + x
    assert viz.scene.count_values([y], 1000) == 101  # every Value, each once
    assert viz.scene.count_values([y], 10) == 11  # just past the limit: enough to refuse
