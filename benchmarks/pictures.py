"""Section pictures: ``draw_graph`` of a large model formats only the numbers it draws.

``MLP(2, [256, 256, 1])``'s loss (about 68,000 Values; ``[64, 64, 1]`` with ``--quick``) drawn
with ``collapse="auto"`` is a picture of a few nodes: the inputs, the layers as boxes, the loss.
The section times ``draw_graph`` (median of repeats), counts the numbers it formats for its nodes
(its formatter wrapped for the run), and times formatting every Value's data and grad — what
``draw_graph`` did before it wrote texts as the drawing reads them (:mod:`viz.texts`). The ratio
of the draw with that work added (the former cost, rebuilt in this run) to the draw as it is
says what formatting only what is drawn saves.
"""

from __future__ import annotations

import statistics
import sys
from typing import Any

from autograd import Value
from benchmarks.harness import Options, Result, Section, Target, timed


def pictures_section(options: Options) -> Result:
    """Time draw_graph of a large MLP's loss, and count and time the numbers it formats."""
    import nn
    import viz
    from viz.numbers import DEFAULT_SHOWN, format_lanes

    sizes = [64, 64, 1] if options.quick else [256, 256, 1]
    model = nn.MLP(2, sizes, seed=0)
    out = model([Value(0.5, label="x0"), Value(-1.0, label="x1")])
    assert isinstance(out, Value)
    loss = (out - 1.0) ** 2
    loss.backward()
    graph: Any = sys.modules["viz.graph"]  # the module draw_graph formats its numbers through
    real = graph.format_lanes
    formatted = 0

    def counted(x: Any, *args: Any, **kwargs: Any) -> str:
        nonlocal formatted
        formatted += 1
        return real(x, *args, **kwargs)  # type: ignore[no-any-return]

    draws: list[float] = []
    graph.format_lanes = counted
    try:
        for _ in range(1 if options.quick else 3):
            formatted = 0
            elapsed, drawing = timed(lambda: viz.draw_graph(loss, model=model))
            draws.append(elapsed)
    finally:
        graph.format_lanes = real
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[Value] = [loss]
    while stack:  # every Value of the graph
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            order.append(v)
            stack.extend(v.parents)
    all_texts, _ = timed(
        lambda: [format_lanes(x, 4, DEFAULT_SHOWN) for v in order for x in (v.data, v.grad)]  # the former pass
    )
    draw = statistics.median(draws)
    return {
        "model": f"MLP(2, {sizes})",
        "values": len(order),
        "drawn_nodes": drawing.node_count,
        "collapsed_to": drawing.auto_collapse,
        "numbers_formatted": formatted,
        "formatted_per_drawn_node": formatted / max(1, drawing.node_count or 1),
        "draw_s": draw,
        "format_every_value_s": all_texts,
        "ratio_former_to_now": (draw + all_texts) / draw,
    }


PICTURES = Section(
    "pictures",
    "pictures: draw_graph of MLP(2, [256, 256, 1]), numbers formatted only where drawn",
    pictures_section,
    targets=(
        Target("formatted_per_drawn_node", "<=", 2, "numbers formatted per drawn node, MLP(2,[256,256,1])"),
        Target("ratio_former_to_now", ">=", 1.1, "draw_graph, formatting every Value / formatting what is drawn"),
    ),
)
