"""How a model's picture is ranked and ordered so it reads like the network.

Clusters per module, inputs first and in order, each layer's parameters on a rank of their own,
edges entering a box through stops among its parameters (so they run straight in), sibling
boxes side by side in the model's order. Used by :func:`viz.emit.emit` when a scene has modules.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping, Sequence

from viz.display import Drawing
from viz.layout import Edge
from viz.scene import Scene

__all__ = ["Places", "arrange_model", "title_node"]


def title_node(j: int) -> str:
    """The node id of module ``j``'s box title."""
    return f"m{j}t"


class Places:
    """Where each drawn node of a model's picture sits: its innermost cluster (None: top level)."""

    def __init__(
        self, g: Scene, box: Sequence[int | None], owner_container: Callable[[int | None], int | None]
    ) -> None:
        self.g, self.box, self.owner_container = g, box, owner_container
        self.place: dict[str, int | None] = {}
        for i in range(len(g.order)):
            if box[i] is not None:
                self.place[f"m{box[i]}"] = self.holder_of(i)
            else:
                self.place[g.vid(i)] = self.place[f"{g.vid(i)}op"] = self.holder_of(i)

    def holder_of(self, i: int) -> int | None:
        b = self.box[i]
        return self.owner_container(self.g.owner[i] if b is None else self.g.modules[b].parent)

    def inside(self, name: str, j: int) -> bool:
        k = self.place.get(name)
        while k is not None:
            if k == j:
                return True
            k = self.owner_container(self.g.modules[k].parent)
        return False

    def parent(self, j: int) -> int | None:
        return self.owner_container(self.g.modules[j].parent)

    def leads(self) -> dict[int, str]:
        """Each box with open parameters of its own: its first parameter."""
        lead: dict[int, str] = {}
        for i in self.g.first:
            h = self.holder_of(i)
            if h is not None and self.box[i] is None and self.g.roles[i] == "parameter":
                lead.setdefault(h, self.g.vid(i))
        return lead

    def entry(self, src: str, dst: str, leads: Mapping[int, str]) -> int | None:
        """The innermost box with parameters that an edge from ``src`` enters to reach ``dst`` (or None)."""
        k = self.place.get(dst)
        while k is not None and not self.inside(src, k):
            if k in leads:
                return k
            k = self.parent(k)
        return None

    def stops(self, lines: Sequence[tuple[str, str, Mapping[str, str], int]]) -> dict[int, tuple[int, str]]:
        """The drawn edges (by position in ``lines``) that enter a box with parameters of its own from
        outside: the box, and the name of the stop (``v6in0``) the edge passes through at the box's
        first rank, the rank of its parameters.

        dot draws an edge that spans several ranks through a point on each rank between, and puts
        those points outside every box the edge is not declared in. An edge from an input to a
        neuron's sum (inputs, then the neuron's parameters, then its sum: two ranks on) or from one
        layer's activation to the next layer's sum ran around the outside of the whole layer. Drawn
        in two parts, input to stop (one rank, no arrowhead) and stop to sum (inside the box), it
        runs straight in. In the rank, a stop comes after the parameter before it among the head's
        inputs: x0's after w0 in a neuron's w·x + b.
        """
        leads = self.leads()
        out: dict[int, tuple[int, str]] = {}
        count: dict[str, int] = {}
        for n, (src, dst, _, _) in enumerate(lines):
            j = self.entry(src, dst, leads)
            if j is None:
                continue
            k = count.get(dst, 0)
            count[dst] = k + 1
            stop = f"{dst}in{k}"
            self.place[stop] = j
            out[n] = (j, stop)
        return out

    def bands(self, edges: Sequence[Edge]) -> list[tuple[str, str]]:
        """``(source, first parameter)`` for every box with open parameters and every node feeding it
        from outside: the invisible edges that give each layer ranks of its own."""
        lead = self.leads()
        out = []
        for j, head in sorted(lead.items()):
            sources: list[str] = []
            for e in edges:
                if self.inside(e.dst, j) and not self.inside(e.src, j) and e.src not in sources:
                    sources.append(e.src)
            out += [(src, head) for src in sources]
        return out


def arrange_model(
    g: Scene,
    top: Drawing,
    clusters: Mapping[int, Drawing],
    owner_container: Callable[[int | None], int | None],
    box: Sequence[int | None],
    edges: Sequence[Edge],
    *,
    upward: bool,
    titled: Collection[int],
) -> None:
    """Rank and order a model's picture so it reads like the network (``newrank``: constraints across boxes).

    - The model's inputs (input leaves outside every box) share the first rank, in their order.
    - A box's parameters come one rank after everything that feeds the box from outside, so each
      layer has ranks of its own (inputs, then layer 0's parameters, sums, activations, then
      layer 1's …) and layers line up rank by rank instead of climbing diagonally.
    - Edges into a box with parameters enter it at that first rank, through stops among the
      parameters (Places.stops), so they run straight in rather than around the layer.
    - Each box in ``titled`` has its title as a node: left to right at the box's first rank, before
      its first member; top to bottom (where edges now enter a box from above, through its first
      rank) at its last rank, before the member that feeds the world outside (a neuron's
      activation). Sibling boxes that do not feed each other (a layer's neurons) share the rank of
      their titles.
    """
    top.graph_attr.setdefault("newrank", "true")
    top.graph_attr.setdefault("remincross", "false")

    def chain(holder: Drawing, names: Sequence[str], *, edges: bool = True) -> None:
        """``names`` on one rank, in this order by invisible flat edges (``edges``) where dot keeps them.

        dot (2.43, ``newrank``) puts a flat edge's tail before its head: at the top level left of it
        (top to bottom) or above it (left to right); inside a box, left of it or *below* it. It does
        not keep flat edges between nodes of different boxes: their order is the order the boxes
        are written in (see the tests of the model's order).
        """
        if len(names) < 2:
            return
        with holder.subgraph() as same:
            same.attr(rank="same")
            if not edges:
                for name in names:
                    same.node(name)
                return
            flipped = upward and holder is not top
            for a, b in itertools.pairwise(reversed(names) if flipped else names):
                same.edge(a, b, style="invis")

    where = Places(g, box, owner_container)
    holder_of, inside = where.holder_of, where.inside
    # Inputs first and in order.
    known = set(g.first)
    order = [*g.first, *(i for i in range(len(g.order)) if i not in known)]
    inputs = [g.vid(i) for i in order if g.roles[i] == "input" and box[i] is None and holder_of(i) is None]
    if inputs:
        with top.subgraph() as first:
            first.attr(rank="min")
            for name in inputs:
                first.node(name)
        chain(top, inputs)
    # Each box's leading member: its first parameter, first collapsed box or first child box's anchor;
    # its anchor on its first rank: its title node (left to right), else its leading member.
    lead: dict[int, str] = {}
    for i in g.first:
        h = holder_of(i)
        if h is not None and g.roles[i] == "parameter":
            lead.setdefault(h, f"m{box[i]}" if box[i] is not None else g.vid(i))
    kids: dict[int | None, list[int]] = {}
    for j in sorted(clusters):
        kids.setdefault(owner_container(g.modules[j].parent), []).append(j)
    anchor: dict[int, str] = {}
    for j in sorted(clusters, key=lambda j: -g.modules[j].depth):
        if j in kids and kids[j][0] in anchor:
            lead[j] = anchor[kids[j][0]]
        if j in titled:
            anchor[j] = title_node(j)
            if j in lead and (upward or j in kids):  # before a parameter of the box's own; beside a child box's title
                chain(clusters[j], [title_node(j), lead[j]], edges=j not in kids)
            elif j in lead:  # top to bottom, beside the member that feeds the world outside, at the box's last rank
                out = next((e.src for e in edges if inside(e.src, j) and not inside(e.dst, j)), lead[j])
                chain(clusters[j], [title_node(j), out])
        elif j in lead:
            anchor[j] = lead[j]
    # Parameters after everything feeding their box from outside: one invisible edge per source,
    # weighted so that dot also lines the layers up across the ranks (weight 0 left them climbing:
    # layer centres 1,500 pt apart in MLP(3, [4, 4, 1]) top to bottom, ~200 pt with weight 5).
    for src, head in where.bands(edges):
        top.edge(src, head, style="invis", weight="5")
    # A constant outside every box that feeds a node outside them together with a value coming out
    # of a box (a loss's target) sits beside that node, on its rank: on the rank before it, it sat
    # beside the box and its edge cut the box's corner (MLP(2, [4, 4, 1]): the 1 of (out − 1)²).
    constants = {g.vid(i) for i, v in enumerate(g.order) if v.is_leaf and box[i] is None and g.roles[i] != "input"}
    for e in edges:
        if e.src not in constants or where.place.get(e.src) is not None:
            continue
        if where.place.get(e.dst) is None and any(f.dst == e.dst and where.place.get(f.src) is not None for f in edges):
            chain(top, [e.src, e.dst], edges=False)
    # Sibling boxes that do not feed each other share their first rank, in the model's order.
    for holder, js in kids.items():
        run: list[str] = []
        for a, b in itertools.pairwise(js):
            linked = any(
                (inside(e.src, a) and inside(e.dst, b)) or (inside(e.src, b) and inside(e.dst, a)) for e in edges
            )
            if linked or a not in anchor or b not in anchor:
                chain(clusters[holder] if holder is not None else top, run, edges=False)
                run = []
            else:
                run = run or [anchor[a]]
                run.append(anchor[b])
        chain(clusters[holder] if holder is not None else top, run, edges=False)
