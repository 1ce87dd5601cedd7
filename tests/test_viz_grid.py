"""viz.grid: a chain through a wide layer with its fan in two bands, so it fits about one screen.

MLP(2,[16,16,1])'s chain to a first-layer weight was laid out left to right, its sixteen files
(Σ w·x → relu) stacked: 1,600 px tall in a notebook column. Top to bottom with the fan in two
bands of eight it is about 850 px tall, its text no smaller in either column.
"""

from __future__ import annotations

import re

import pytest
from viz_support import mlp_loss, needs_dot

import viz
from viz.display import Drawing
from viz.grid import fan_files, fan_rows
from viz.wrap import SITE_COLUMN_PX, measure

FAN_RANKS = {"w": 0, "s": 1, "a": 2, "b": 2, "c": 2, "d": 2, "p": 3, "q": 3, "r": 3, "u": 3, "t": 4}
FAN_EDGES = {("w", "s"), ("a", "p"), ("b", "q"), ("c", "r"), ("d", "u")}
FAN_EDGES |= {("s", n) for n in "abcd"} | {(n, "t") for n in "pqru"}


def _drawing(ranks: dict[str, int], edges: set[tuple[str, str]], rankdir: str = "TB") -> Drawing:
    drawing = Drawing()
    drawing.graph_attr["rankdir"] = rankdir
    drawing.body = [f"\t{name} [label={name}]\n" for name in ranks]
    drawing.body += [f"\t{tail} -> {head} [label=1]\n" for tail, head in sorted(edges)]
    return drawing


def test_the_fans_files_run_from_its_first_wide_rank_to_its_last_in_the_order_given() -> None:
    assert fan_files(FAN_RANKS, FAN_EDGES, list("wsdcbaupqrt")) == [["d", "u"], ["c", "r"], ["b", "q"], ["a", "p"]]


def test_a_fan_whose_files_merge_or_whose_ranks_differ_in_width_has_no_files() -> None:
    merged = (FAN_EDGES - {("b", "q")}) | {("b", "p")}
    assert fan_files(FAN_RANKS, merged, list(FAN_RANKS)) == []
    uneven = {**FAN_RANKS, "u": 4}
    assert fan_files(uneven, FAN_EDGES, list(FAN_RANKS)) == []
    assert fan_files({"w": 0, "s": 1}, {("w", "s")}, ["w", "s"]) == []


def test_the_lower_band_hangs_below_the_upper_one_by_invisible_edges() -> None:
    grid = fan_rows(_drawing(FAN_RANKS, FAN_EDGES), FAN_RANKS)
    assert grid is not None
    hung = re.findall(r"^\t(\w+) -> (\w+) \[style=invis weight=100\]$", grid.source, re.MULTILINE)
    assert hung == [("p", "c"), ("q", "d")]  # a → p above c → r, b → q above d → u
    assert grid.graph_attr["nodesep"] == "0.03"


def test_pictures_left_to_right_boxed_or_with_too_few_files_are_left_alone() -> None:
    assert fan_rows(_drawing(FAN_RANKS, FAN_EDGES, "LR"), FAN_RANKS) is None
    boxed = _drawing(FAN_RANKS, FAN_EDGES)
    boxed.body.append("\tsubgraph cluster_m0 {\n")
    assert fan_rows(boxed, FAN_RANKS) is None
    assert fan_rows(_drawing(FAN_RANKS, FAN_EDGES), FAN_RANKS, rows=3) is None  # 4 files: not 2 per band
    with pytest.raises(ValueError, match="rows must be at least 2, got 1"):
        fan_rows(_drawing(FAN_RANKS, FAN_EDGES), FAN_RANKS, rows=1)


@needs_dot
def test_a_chain_through_sixteen_neurons_takes_two_bands_and_fits_about_a_screen() -> None:
    """Chosen by the measured fitting: shorter, and its text no smaller in either column."""
    model, loss, _ = mlp_loss([16, 16, 1])
    w = model.layers[0].neurons[1].w[0]
    stacked = viz.draw_chain(loss, w, model=model, rankdir="LR")
    drawing = viz.draw_chain(loss, w, model=model)
    before, after = measure(stacked), measure(drawing)
    assert before is not None
    assert after is not None
    assert drawing.graph_attr["rankdir"] == "TB"
    assert len(re.findall(r"style=invis weight=100", drawing.source)) == 8
    assert before.in_column(1000)[1] > 1500  # 16 files stacked: 1,600 px
    assert after.in_column(1000)[1] <= 900
    for column in (1000, SITE_COLUMN_PX):
        assert after.in_column(column)[0] >= before.in_column(column)[0]
    assert after.in_column(1000)[0] >= 10.0
