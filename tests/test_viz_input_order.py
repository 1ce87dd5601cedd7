"""``inputs=`` is honoured in the drawn picture: the inputs side by side in the order given.

Checked on the SVG dot draws (:mod:`svg_layout`), as a person reads it: lesson 2's top row has
x₁ left of x₂, and a recurrent net unrolled in time (lesson 8) has x₁ … x₅ in time order.
"""

from __future__ import annotations

import pytest
from svg_layout import layout
from viz_support import needs_dot

import viz
from autograd import Value


def _x_of(svg: str, names: list[str]) -> list[float]:
    lay = layout(svg)
    where = {}
    for _, (text, box) in lay.node_texts.items():
        first = text.split()[0] if text else ""
        if first in names:
            where[first] = (box.left + box.right) / 2
    return [where[n] for n in names]


def _y_of(svg: str, names: list[str]) -> list[float]:
    lay = layout(svg)
    where = {}
    for _, (text, box) in lay.node_texts.items():
        first = text.split()[0] if text else ""
        if first in names:
            where[first] = (box.top + box.bottom) / 2
    return [where[n] for n in names]


def _two_layer() -> tuple[Value, list[Value], list[Value]]:
    """Lesson 2's network: two inputs, two hidden sigmoid units, one output; squared error."""
    x1, x2 = Value(0.35, label="x₁"), Value(0.7, label="x₂")
    w = {k: Value(v, label=k) for k, v in [("w11", 0.2), ("w12", 0.3), ("w21", 0.2), ("w22", 0.3)]}
    w13, w23 = Value(0.3, label="w13"), Value(0.9, label="w23")
    y3 = (w["w11"] * x1 + w["w21"] * x2).sigmoid()
    y4 = (w["w12"] * x1 + w["w22"] * x2).sigmoid()
    e = 0.5 * ((w13 * y3 + w23 * y4).sigmoid() - 0.5) ** 2
    e.backward()
    return e, [x1, x2], [*w.values(), w13, w23]


@needs_dot
@pytest.mark.parametrize("rankdir", ["TB", "LR", "auto"])
def test_the_inputs_are_drawn_in_the_order_given(rankdir: str) -> None:
    e, xs, ws = _two_layer()
    for order in (xs, xs[::-1]):
        d = viz.draw_graph(e, params=ws, inputs=order, rankdir=rankdir)
        names = [x.label for x in order]
        axis = _y_of if d.graph_attr["rankdir"] in ("LR", "RL") else _x_of
        at = axis(d.svg(), names)
        assert at == sorted(at), (names, at)  # left to right (top to bottom in LR) as given
        chain = viz.draw_chain(e, ws[0], params=ws, inputs=order, rankdir=rankdir, view="graph")
        at = (_y_of if chain.graph_attr["rankdir"] in ("LR", "RL") else _x_of)(chain.svg(), names)
        assert at == sorted(at), (names, at)


@needs_dot
def test_a_recurrent_nets_inputs_are_in_time_order() -> None:
    wx, wh = Value(0.5, label="wₓ"), Value(0.8, label="wₕ")
    h = Value(0.0, label="h₀")
    xs = [Value(0.1 * t, label=f"x{t}") for t in range(1, 6)]
    for x in xs:
        h = (wx * x + wh * h).tanh()
    h.label = "h₅"
    h.backward()
    d = viz.draw_graph(h, params=[wx, wh], inputs=xs, rankdir="TB")
    at = _x_of(d.svg(), [x.label for x in xs])
    assert at == sorted(at), at
