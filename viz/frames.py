"""The frames of a step-through: the forward pass node by node, the seed, the backward pass edge by edge.

:func:`build_frames` computes what every frame shows — each node's value as it is computed, then
each gradient's running sum as the backward pass applies one edge after another — without
touching the Values' own ``.grad``. A backward frame whose node still misses some of its
contributions (one per edge out of it) marks that sum as partial (:attr:`Frame.partial`).
:mod:`viz.steps` draws the frames, plays and saves them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from viz.arithmetic import backward_step_text
from viz.marks import op_text
from viz.numbers import DEFAULT_SHOWN, format_lanes, format_number, is_lanes
from viz.scene import Scene

__all__ = ["Frame", "box_outputs", "box_rows", "build_frames", "grad_history"]


@dataclass(frozen=True)
class Frame:
    """One picture of the step-through.

    Attributes:
        index: Position in the sequence (0-based).
        phase: ``"forward"`` or ``"backward"``.
        caption: What happens in this step, in words and numbers.
        node: Index (``v<node>``) of the node the step is about.
        edge: For a backward step, ``(child, slot, parent)`` node indices of the edge
            being applied; None otherwise.
        data: The data shown per node (None: not computed yet): a float, or lanes.
        grads: The gradient shown per node (None: not reached yet): a float, or lanes.
        partial: The nodes whose gradient shown is a partial sum: some of the contributions
            it receives (one per edge out of the node) are still to come. Their captions say
            "k of n contributions: grad so far", their grad cells "grad so far …".
    """

    index: int
    phase: Literal["forward", "backward"]
    caption: str
    node: int
    edge: tuple[int, int, int] | None
    data: tuple[Any, ...]
    grads: tuple[Any, ...]
    partial: frozenset[int] = frozenset()


def build_frames(g: Scene, digits: int) -> list[Frame]:
    """Every frame of ``g``'s forward then backward pass (``g``'s one root is the output), numbers with ``digits``."""
    n = len(g.order)
    (root_i,) = g.roots
    r = g.order[root_i]
    frames: list[Frame] = []
    data: list[Any] = [None] * n
    grads: list[Any] = [None] * n

    # How many contributions each gradient receives (one per edge out of its node), and has so far:
    # a backward frame marks a sum still missing some as partial, in its caption and on the node.
    expected = [0] * n
    for v in g.order:
        for p in v.parents:
            expected[g.idx(p)] += 1
    received = [0] * n

    def add(phase: Literal["forward", "backward"], caption: str, node: int, edge: tuple[int, int, int] | None) -> None:
        if edge is not None:
            received[node] += 1
            k, total = received[node], expected[node]
            if total > 1:
                caption += f" ({k} of {total} contributions{': grad so far' if k < total else ': final'})"
        partial = frozenset(j for j in range(n) if 0 < received[j] < expected[j])
        frames.append(Frame(len(frames), phase, caption, node, edge, tuple(data), tuple(grads), partial))

    for i, v in enumerate(g.order):
        data[i] = v.data
        if v.is_leaf:
            add("forward", f"{g.name(i)} = {_line(v.data, digits)} ({g.roles[i]})", i, None)
        else:
            add("forward", _call(g, i, digits), i, None)
    name = g.name(root_i)
    if r.lanes is None:
        grads[root_i] = 1.0
        add("backward", f"{name}.grad = ∂{name}/∂{name} = 1 (the seed)", root_i, None)
    else:
        import numpy as np

        grads[root_i] = np.ones(r.lanes)
        seed = f"1 in each of its {r.lanes} lanes (the seed, as for {name}.sum())"
        add("backward", f"{name}.grad = ∂{name}/∂{name} = {seed}", root_i, None)
    for i in reversed(range(n)):
        v = g.order[i]
        gi = 0.0 if grads[i] is None else grads[i]
        for k, (p, d) in enumerate(zip(v.parents, v.local_grads, strict=True)):
            pi = g.idx(p)
            before = 0.0 if grads[pi] is None else grads[pi]
            product: Any = d * gi
            scalar = not (is_lanes(d) or is_lanes(gi) or is_lanes(before))
            if scalar:  # numbers a learner can redo: guard digits where rounding would break them
                applied, running = backward_step_text(float(d), float(gi), float(before), digits=digits)
                grads[pi] = before + product
                add(
                    "backward",
                    f"{g.name(pi)}.grad += ∂{g.name(i)}/∂{g.name(pi)} × {g.name(i)}.grad = {applied}; {running}",
                    pi,
                    (i, k, pi),
                )
                continue
            applied = f"{_term(d, digits)} × {_term(gi, digits)} = {_line(product, digits)}"
            if p.lanes is None and is_lanes(product):  # lanes meet a scalar: it receives their sum
                product = float(product.sum())  # as the engine sums
                applied += f", summed over the lanes = {format_number(product, digits)}"
            grads[pi] = before + product
            add(
                "backward",
                f"{g.name(pi)}.grad += ∂{g.name(i)}/∂{g.name(pi)} × {g.name(i)}.grad = {applied}\n"
                f"running sum {_line(before, digits)} + {_term(product, digits)} = {_line(grads[pi], digits)}",
                pi,
                (i, k, pi),
            )
    return frames


def grad_history(frames: Sequence[Frame], n: int) -> list[list[Any]]:
    """Every gradient each of the ``n`` nodes shows in some backward frame (its running sums), in order."""
    seen: list[list[Any]] = [[] for _ in range(n)]
    for f in frames:
        if f.phase == "backward":
            seen[f.node].append(f.grads[f.node])
    return seen


def box_outputs(g: Scene, box: Sequence[int | None]) -> dict[int, tuple[int, list[int]]]:
    """Each collapsed box (``box[j]``: node j's box, or None): how many values it holds, and its
    outputs (the nodes used outside it)."""
    members: dict[int, list[int]] = {}
    outside: set[int] = set(g.roots)
    for j, v in enumerate(g.order):
        b = box[j]
        if b is not None:
            members.setdefault(b, []).append(j)
        for p in v.parents:
            pj = g.idx(p)
            if box[pj] is not None and box[pj] != b:
                outside.add(pj)
    return {b: (len(inside), [j for j in inside if j in outside]) for b, inside in members.items()}


def box_rows(
    g: Scene,
    box: Sequence[int | None],
    frames: Sequence[Frame],
    i: int | None,
    text: Callable[[Any], str],
    *,
    variants: bool = False,
) -> dict[int, list[list[str]]]:
    """The text rows of each collapsed box in frame ``i``, showing only what is known by then.

    Numbers are written by ``text``. With ``i`` None, every text each row shows in some frame
    (``variants``) or the last frame's; each row is a list of its texts.
    """
    history = grad_history(frames, len(g.order)) if variants else []
    f = frames[len(frames) - 1 if i is None else i]
    out = {}
    for b, (n_values, outputs) in box_outputs(g, box).items():
        m = g.modules[b]
        name = m.name
        parent = g.modules[m.parent] if m.parent is not None else None
        if parent is not None and parent.name and name.startswith(parent.name + "."):
            name = name[len(parent.name) + 1 :]  # the enclosing cluster's label says the rest
        n_params = len(m.params)
        counts = f"{n_params} parameter{'s' if n_params != 1 else ''}, {n_values} values"
        rows = [[f"\0{name}\0 ({m.kind})"], [counts]]
        for j in outputs[:4]:
            if variants:
                data = text(g.order[j].data)
                texts = ["out data ?", f"out data {data}"]
                for grad in ["?", *(text(x) for x in history[j])]:
                    sep = "\n" if "\n" in data or "\n" in grad else " "
                    texts.append(f"out data {data}{sep}grad {grad}")
                rows.append(texts)
                continue
            data = "?" if f.data[j] is None else text(f.data[j])
            grad = "" if f.phase == "forward" else "?" if f.grads[j] is None else text(f.grads[j])
            sep = "\n" if "\n" in data or "\n" in grad else " "
            rows.append([f"out data {data}" + (f"{sep}grad {grad}" if grad else "")])
        if len(outputs) > 4:
            rows.append([f"… and {len(outputs) - 4} more outputs"])
        out[b] = rows
    return out


def _line(x: Any, digits: int) -> str:
    """A number, or lanes listed on one line, as every drawing shows them (:mod:`viz.numbers`)."""
    return format_lanes(x, digits, DEFAULT_SHOWN, stats=False)


def _term(x: Any, digits: int) -> str:
    text = _line(x, digits)
    return f"({text})" if text.startswith("-") else text


def _call(g: Scene, i: int, digits: int) -> str:
    """``v5 = v3 × W2 = 0.06``: the forward step that made node ``i``."""
    v = g.order[i]
    args = [g.name(g.idx(p)) for p in v.parents]
    op = op_text(v)
    if v.op in _INFIX and len(args) == 2:
        expr = f"{args[0]} {op} {args[1]}"
    elif v.op == "pow" and v.param is not None:
        expr = f"{args[0]}**{_term(v.param, digits)}"
    elif v.op == "rpow" and v.param is not None:
        expr = f"{_term(v.param, digits)}**{args[0]}"
    else:
        expr = f"{v.op if v.op in ('sum', 'dot') else op}({', '.join(args)})"
    return f"{g.name(i)} = {expr} = {_line(v.data, digits)}"


_INFIX = ("add", "sub", "mul", "div", "powv")
