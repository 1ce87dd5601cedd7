"""An unrolled network laid out as a strip of time steps, side by side, each step a column.

With its shared weights drawn as stubs at each use (:mod:`viz.shared`), an unrolled recurrent
network is a chain of *steps*, each the same small graph. Top to bottom the chain is many
screens tall, left to right many screens wide. A teacher draws it as a strip: time runs left to
right, each step a column read top to bottom (its input, the products, the sums, the new state),
and the state carried into the next step is an arrow from the foot of one column to the next.

:func:`time_steps` finds the steps from the stubs alone (no notion of "recurrent network"
needed): a shared value's uses are in time order (the farthest from the output first), a node's
step is the latest use it is or comes after (``wₓ·xₜ`` is ``wₓ``'s use t: step t), and a node
after no use (an input ``xₜ``, the initial state ``h₀``) belongs to the first step it feeds.
What follows the last step's state (the output and the loss) forms a column of its own.
:func:`lay_strip` writes the layout into a drawing laid out top to bottom: the edges from one
step into the next are left out of the ranking (each column is ranked on its own, so all steps
share the picture's height), and a node's inputs within one step are placed one under the other,
so a column stays one node wide.
"""

from __future__ import annotations

import dataclasses
import itertools
import re

from viz.display import Drawing
from viz.scene import Scene
from viz.shared import STUB_FROM_USES, Shared, check_shared, shared_candidates, users

__all__ = ["MIN_STEPS", "STRIP_NODESEP", "lay_strip", "time_steps", "with_shared"]

#: The fewest time steps drawn as a strip: with fewer, the usual layout reads as well.
MIN_STEPS = 3

#: Inches between neighbouring nodes of a strip (dot's ``nodesep``; the pictures' own is 0.18):
#: the columns sit close, as the steps of one computation.
STRIP_NODESEP = "0.1"

_EDGE = re.compile(r"^\t(v\d+\w*) -> (v\d+\w*)(?: \[(.*)\])?\n?$")
_NODE = re.compile(r"^\t(v\d+\w*) \[")


def _latest_uses(g: Scene) -> list[int]:
    """Per node, the latest use (1: first) of a shared value among the node and its ancestors (0: none)."""
    at: dict[int, int] = {}
    for leaf in g.stubs:
        for t, i in enumerate(users(g, leaf), start=1):
            at[i] = max(at.get(i, 0), t)
    out = [0] * len(g.order)
    for i in range(len(g.order)):
        out[i] = max([at.get(i, 0)] + [out[pi] for _, pi in g.inputs(i) if pi not in g.stubs])
    return out


def _depths(g: Scene, step: list[int]) -> list[int]:
    """Each node's depth within its step: the longest path to it over edges inside the step."""
    depth = [0] * len(g.order)
    for i in range(len(g.order)):
        for _, pi in g.inputs(i):
            if pi not in g.stubs and step[pi] == step[i]:
                depth[i] = max(depth[i], depth[pi] + 1)
    return depth


def _heads(g: Scene, step: list[int]) -> list[str]:
    """A node at the top of each column, in time order: the step's leaf (not a stub) feeding the
    shallowest node of the step (its input ``xₜ``; the output's weight ``wₒ``), else its first node."""
    depth = _depths(g, step)
    best: dict[int, tuple[int, int, int]] = {}
    for i in range(len(g.order)):
        for _, pi in g.inputs(i):
            if pi in g.stubs or step[pi] != step[i]:
                continue
            key = (0 if g.order[pi].is_leaf else 1, depth[i] if g.order[pi].is_leaf else depth[pi], pi)
            best[step[pi]] = min(best.get(step[pi], key), key)
    return [g.vid(best[t][2]) for t in sorted(best)]


def time_steps(g: Scene) -> list[int] | None:
    """Each node's time step (1 …), the nodes after the last step's state one more; None when the
    scene has no stubs or fewer than :data:`MIN_STEPS` steps, or its steps are not one chain of the
    same small graph (as many computed values in each, each step's state carried into the next)."""
    if not g.stubs or g.modules:
        return None
    step = _latest_uses(g)
    after_none = [s == 0 for s in step]
    consumers: dict[int, list[int]] = {}
    for i in range(len(g.order)):
        for _, pi in g.inputs(i):
            consumers.setdefault(pi, []).append(i)
    for i in range(len(g.order) - 1, -1, -1):  # a node after no use belongs to the first step it feeds
        later = [step[c] for c in consumers.get(i, [])]
        if later and step[i] == 0:
            step[i] = min(later)
    last = max(step, default=0)
    if last < MIN_STEPS or any(s < 1 for i, s in enumerate(step) if i not in g.stubs):
        return None
    # One chain of steps: the state of each step carried into the next, and no computed value skipping a step.
    links = {(step[pi], step[i]) for i in range(len(g.order)) for _, pi in g.inputs(i) if not g.order[pi].is_leaf}
    if any(b > a + 1 for a, b in links) or any((t, t + 1) not in links for t in range(1, last)):
        return None
    # Depth within a step: the longest path from the step's first nodes, over edges inside the step.
    depth = _depths(g, step)
    # The state carried out of the step before the last; the last step's nodes deeper than it are the tail.
    carried = [pi for i in range(len(g.order)) for _, pi in g.inputs(i) if step[pi] == last - 1 and step[i] == last]
    if not carried:
        return None
    exit_depth = max(depth[pi] for pi in carried)
    for i in range(len(g.order)):
        if step[i] == last and depth[i] > exit_depth:
            step[i] = last + 1
    for i in range(len(g.order) - 1, -1, -1):  # what feeds only the tail is the tail's (wₒ, c)
        feeds = consumers.get(i, [])
        if feeds and after_none[i] and i not in g.stubs and all(step[c] == last + 1 for c in feeds):
            step[i] = last + 1
    # Each step the same small graph: as many computed values in each.
    sizes = {t: sum(1 for i, v in enumerate(g.order) if step[i] == t and not v.is_leaf) for t in range(1, last + 1)}
    if len(set(sizes.values())) != 1:
        return None
    return step


def with_shared(g: Scene, shared: Shared) -> tuple[Scene, list[int] | None]:
    """``g`` with the stubs ``shared=`` asks for (:mod:`viz.shared`), and its time steps when it is a
    strip (:func:`time_steps`). ``"auto"`` draws stubs where they make a strip: parameters feeding at
    least :data:`~viz.shared.STUB_FROM_USES` nodes, in :data:`MIN_STEPS` or more steps (an unrolled
    network, whose one-node weights would send edges across the whole picture)."""
    mode = check_shared(shared)
    if mode == "node":
        return g, None
    if mode == "stubs":
        stubbed = dataclasses.replace(g, stubs=shared_candidates(g))
        return stubbed, time_steps(stubbed)
    candidates = shared_candidates(g, least=STUB_FROM_USES, roles=("parameter",))
    if not candidates:
        return g, None
    stubbed = dataclasses.replace(g, stubs=candidates)
    steps = time_steps(stubbed)
    return (stubbed, steps) if steps is not None else (g, None)


def lay_strip(drawing: Drawing, g: Scene, step: list[int], *, nodesep: bool = True) -> Drawing:
    """``drawing`` (laid out top to bottom, from :func:`viz.emit.emit`) as a strip of the steps
    ``step`` (:func:`time_steps`): each edge from one step into a later one left out of the ranking
    (``constraint=false``, no pull on the columns' places), and the inputs a node takes from its own
    step, other than shared values' stubs, one under the other in input order (invisible edges)."""

    def node_step(name: str) -> int | None:
        m = re.fullmatch(r"v(\d+)(?:u(\d+))?(?:op)?", name)
        if m is None:
            return None
        return step[int(m.group(2) or m.group(1))]  # a stub is in its user's step

    body: list[str] = []
    for line in drawing.body:
        m = _EDGE.match(line)
        if m is not None and "style=invis" not in line:
            tail, head = node_step(m.group(1)), node_step(m.group(2))
            if tail is not None and head is not None and tail != head:
                attrs = m.group(3) or ""
                line = f"\t{m.group(1)} -> {m.group(2)} [{attrs + ' ' if attrs else ''}constraint=false weight=0]\n"
        body.append(line)
    for i in range(len(g.order)):
        inside = [pi for _, pi in g.inputs(i) if pi not in g.stubs and step[pi] == step[i] and not g.order[pi].is_leaf]
        inside = list(dict.fromkeys(inside))
        for above, below in itertools.pairwise(inside):
            body.append(f"\t{g.vid(above)} -> {g.vid(below)} [style=invis]\n")
    # The nodes written step by step (dot's first order of each rank, which its crossing reduction keeps).
    at = [k for k, line in enumerate(body) if _NODE.match(line)]
    ordered = sorted((body[k] for k in at), key=lambda line: node_step(_NODE.match(line).group(1)) or 0)  # type: ignore[union-attr]
    for k, line in zip(at, ordered, strict=True):
        body[k] = line
    drawing.body = body
    with drawing.subgraph() as heads:  # the columns in time order, left to right
        heads.attr(rank="same")
        for left, right in itertools.pairwise(_heads(g, step)):
            heads.edge(left, right, style="invis")
    if nodesep:  # (unless the caller set it)
        drawing.graph_attr["nodesep"] = STRIP_NODESEP
    return drawing
