"""viz.rows: a chain's straight ends laid in rows, so a picture that fans out in the middle is short.

MLP(2,[4,4,1])'s chain to a first-layer weight ran 8 ranks top to bottom (1,405 px in a notebook
column); its single files, weight → Σ → relu above the fan and Σ → − → **2 below it, each on one
rank make it 800 px, no wider, every edge label kept.
"""

from __future__ import annotations

import re

from viz_support import mlp_loss, needs_dot

import viz
from autograd import Value
from viz.display import Drawing
from viz.fit import SCREEN_PX
from viz.rows import flatten_ends, straight_ends
from viz.wrap import SITE_COLUMN_PX, measure

FAN = [("w", "s"), ("s", "a"), ("s", "b"), ("a", "t"), ("b", "t"), ("t", "u"), ("u", "v")]
FAN_RANKS = {"w": 0, "s": 1, "a": 2, "b": 2, "t": 3, "u": 4, "v": 5}


def test_the_straight_ends_are_the_single_files_before_and_after_the_fan() -> None:
    assert straight_ends(FAN_RANKS, FAN) == (["w", "s"], ["t", "u", "v"])


def test_a_plain_chain_has_no_straight_ends_to_lay_flat() -> None:
    ranks = {"a": 0, "b": 1, "c": 2}
    assert straight_ends(ranks, [("a", "b"), ("b", "c")]) == ([], [])


def test_a_single_node_or_an_unlinked_node_ends_a_run() -> None:
    # only u → v below the fan is one file; t is not fed by what is above it in the file
    ranks = {"w": 0, "a": 1, "b": 1, "t": 2, "u": 3}
    assert straight_ends(ranks, [("w", "a"), ("w", "b"), ("a", "t"), ("t", "u")]) == ([], ["t", "u"])
    unlinked = {"w": 0, "s": 1, "a": 2, "b": 2}
    assert straight_ends(unlinked, [("s", "a"), ("s", "b")]) == ([], [])  # w does not feed s


def _mlp_chain(rankdir: str = "auto") -> viz.ChainDrawing:
    model, loss, _ = mlp_loss([4, 4, 1])
    w = model.layers[0].neurons[1].w[0]
    return viz.draw_chain(loss, w, model=model, names={w: "w¹₂₁"}, rankdir=rankdir)


def _rows(drawing: Drawing) -> list[str]:
    return re.findall(r"^\t\{ rank=same; (.*) \}$", drawing.source, re.MULTILINE)


@needs_dot
def test_a_networks_chain_with_its_ends_in_rows_fits_a_screen_in_both_columns() -> None:
    tall = _mlp_chain("TB")
    laid = measure(tall)
    assert laid is not None
    assert laid.in_column(1000)[1] > 1.5 * SCREEN_PX  # 8 ranks: 1,405 px
    flat = flatten_ends(tall, laid.ranks)
    assert flat is not None
    rows = _rows(flat)
    assert [len(row.split("; ")) for row in rows] == [3, 3]  # w → Σ → relu, Σ → − → **2
    # every edge and its label kept
    edges = re.compile(r"^\t(\w+) -> (\w+)", re.MULTILINE)
    assert edges.findall(flat.source) == edges.findall(tall.source)
    assert flat.source.count("label=<") == tall.source.count("label=<")
    flat_laid = measure(flat)
    assert flat_laid is not None
    for column in (1000, SITE_COLUMN_PX):
        text, height = flat_laid.in_column(column)
        assert text >= 11.0
        assert height <= SCREEN_PX
    assert flat_laid.width <= laid.width  # no wider: the fan sets the width
    # draw_chain picks it for a notebook column by itself
    picked = _mlp_chain()
    assert picked.graph_attr["rankdir"] == "TB"
    assert _rows(picked) == rows


def test_pictures_laid_out_left_to_right_or_with_boxes_are_left_alone() -> None:
    x = Value(1.0, label="x")
    wide = viz.draw_graph((x * 2).tanh(), rankdir="LR")
    assert flatten_ends(wide, {"v0": 0, "v1": 1, "v2": 2, "v3": 3}) is None
    boxed = Drawing()
    boxed.body = ["\tsubgraph cluster_m0 {\n", "\t}\n"]
    assert flatten_ends(boxed, FAN_RANKS) is None
