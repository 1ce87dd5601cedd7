"""The objects the chain queries of :mod:`autograd.chains` return, and a path's product.

:class:`ChainEdge` is one edge walked from a node to one of its inputs; a :class:`Chain`
is a path of them from an output down to an input, split into :class:`ChainSegment`
runs at chosen waypoints; :class:`EdgeSummary` and :class:`ChainSummary` aggregate the
paths per edge. ``_Walk`` multiplies the local derivatives along a path lane by lane
(the rules for lanes are in the module docstring of :mod:`autograd.chains`).

Import these from :mod:`autograd.chains` (or :mod:`autograd`); this module only keeps the
data apart from the graph queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from autograd.core.functions import load_numpy
from autograd.core.lanes import sum_to
from autograd.core.value import Value

#: A float, or lanes: a 1-D float64 numpy array with one entry per lane. (Only in
#: :attr:`EdgeSummary.downstream` can it be a lanes × lanes matrix; see there.)
Number = Any


def is_scalar(x: object) -> bool:
    return isinstance(x, float | int)


@dataclass(frozen=True, slots=True)
class ChainEdge:
    """One edge of the graph, walked from a node (``child``) to one of its inputs (``parent``).

    Attributes:
        child: The node nearer the output.
        parent: ``child.parents[index]``, the node nearer the input.
        index: Which argument of ``child`` the edge is (``a + a`` has edges 0 and 1).
        local: The local derivative ``∂child/∂parent`` stored on ``child``: a float, or
            lanes (an array) when it differs from lane to lane.
    """

    __module__ = "autograd.chains"  # where it is imported from, documented and printed

    child: Value
    parent: Value
    index: int
    local: Number


class _Walk:
    """The running product along a path, lane-wise (see the module docstring of :mod:`autograd.chains`).

    At a node holding lanes the running value is an array, one entry per lane. At a
    scalar node it is a float, or an array of the lanes' shares when the path came
    down from lanes; those shares are summed only where the path enters lanes again
    (the chain rule's sum over the lanes of the reduction), which sets ``mixed``.
    """

    __slots__ = ("mixed", "value")

    def __init__(self, start: Value) -> None:
        n = start.lanes
        self.value: Number = 1.0 if n is None else load_numpy().ones(n)
        self.mixed = False

    def step(self, edge: ChainEdge) -> None:
        r = self.value
        n = edge.parent.lanes
        if n is not None and edge.child.lanes is None and not is_scalar(r):
            r = sum_to(edge.child.data, r)  # the lanes' shares summed at the scalar child
            self.mixed = True
        r = r * edge.local
        if n is not None and is_scalar(r):
            r = load_numpy().full(n, float(r))
        self.value = r


def _product(start: Value, edges: Iterable[ChainEdge]) -> tuple[Number, bool]:
    walk = _Walk(start)
    for e in edges:
        walk.step(e)
    return walk.value, walk.mixed


@dataclass(frozen=True, slots=True)
class ChainSegment:
    """A run of consecutive edges of a chain between two chosen nodes.

    Attributes:
        start: The node nearer the output.
        end: The node nearer the input.
        edges: The edges from ``start`` down to ``end``.
        factor: The product of their local derivatives, ``∂start/∂end`` along this path
            (lane-wise with lanes, like :attr:`Chain.product`).
    """

    __module__ = "autograd.chains"  # where it is imported from, documented and printed

    start: Value
    end: Value
    edges: tuple[ChainEdge, ...]
    factor: Number


@dataclass(frozen=True, slots=True)
class Chain:
    """One path from ``output`` down to ``wrt``.

    Attributes:
        output: The node the path starts from.
        wrt: The node the path ends at.
        edges: The edges in order from ``output`` to ``wrt`` (empty when ``output is wrt``).
    """

    __module__ = "autograd.chains"  # where it is imported from, documented and printed

    output: Value
    wrt: Value
    edges: tuple[ChainEdge, ...]

    @property
    def nodes(self) -> tuple[Value, ...]:
        """The nodes along the path, ``output`` first and ``wrt`` last."""
        return (self.output, *(e.parent for e in self.edges))

    @property
    def factors(self) -> tuple[Number, ...]:
        """The local derivative of each edge, in path order."""
        return tuple(e.local for e in self.edges)

    @property
    def product(self) -> Number:
        """The product of the local derivatives (1.0 for the empty path).

        A float for a path of scalars; with lanes an array, one entry per lane (for a
        scalar ``wrt``, each lane's share of the path; see :mod:`autograd.chains`).
        """
        return _product(self.output, self.edges)[0]

    @property
    def lanes(self) -> int | None:
        """The number of lanes of the nodes along the path, or None when they are all scalars."""
        return next((n for n in (v.lanes for v in self.nodes) if n is not None), None)

    @property
    def mixes_lanes(self) -> bool:
        """True when the path leaves lanes for a scalar node and enters lanes again below it.

        The lanes' shares are summed at that scalar node (a lane reduction such as
        ``x.sum()`` that is used lane-wise), so the product at lane *i* is not the
        product of the factors at lane *i*.
        """
        return _product(self.output, self.edges)[1]

    def segments(self, waypoint: Callable[[Value], bool]) -> tuple[ChainSegment, ...]:
        """Split the path at every intermediate node for which ``waypoint`` is true.

        The output and ``wrt`` always bound the segments; each segment's factor is the
        product of its local derivatives, so the product of the factors is the path's
        product (lane by lane, unless the path :attr:`mixes_lanes`). With
        ``waypoint=lambda v: bool(v.label)`` the factors are the derivatives between
        named nodes, e.g. ``∂E/∂predicted × ∂predicted/∂s × ∂s/∂W1``.

        Args:
            waypoint: Chooses the intermediate nodes where a segment ends.

        Returns:
            The segments in path order (none for the empty path).
        """
        out: list[ChainSegment] = []
        start = self.output
        run: list[ChainEdge] = []
        for k, edge in enumerate(self.edges):
            run.append(edge)
            last = k == len(self.edges) - 1
            if last or waypoint(edge.parent):
                out.append(ChainSegment(start, edge.parent, tuple(run), _product(start, run)[0]))
                start, run = edge.parent, []
        return tuple(out)


@dataclass(frozen=True, slots=True)
class EdgeSummary:
    """How one edge takes part in the paths from an output to an input.

    Attributes:
        edge: The edge.
        paths: How many output→input paths use it.
        upstream: ``∂output/∂edge.child`` (summed over all paths above the edge; with
            lanes, shaped like the child: an array for a child holding lanes).
        downstream: ``∂edge.parent/∂wrt`` (summed over all paths below the edge). With
            lanes: for a scalar ``wrt``, shaped like the parent; for a ``wrt`` holding
            lanes, an array over wrt's lanes (entry *j* is ``∂parent_j/∂wrt_j`` for a
            parent holding lanes, ``∂parent/∂wrt_j`` for a scalar parent), or a lanes ×
            lanes matrix ``[i, j] = ∂parent_i/∂wrt_j`` when a lane reduction below the
            edge makes the parent's lanes depend on several of wrt's lanes.
        contribution: ``upstream · local · downstream``: the part of the gradient that
            flows through this edge (shaped like the gradient).
    """

    __module__ = "autograd.chains"  # where it is imported from, documented and printed

    edge: ChainEdge
    paths: int
    upstream: Number
    downstream: Number
    contribution: Number


@dataclass(frozen=True, slots=True)
class ChainSummary:
    """The paths from ``output`` to ``wrt`` aggregated per edge (no enumeration).

    The edges whose parent is ``wrt`` form a cut every path crosses exactly once, so
    their contributions sum to the gradient; the same holds for the edges leaving
    ``output``.

    Attributes:
        output: The output node.
        wrt: The input node.
        count: The number of paths.
        gradient: ``∂output/∂wrt`` (0.0 when there is no path): a float for a scalar
            ``wrt`` (summed over the lanes it fed), lanes for a ``wrt`` holding lanes.
            For an output holding lanes, the gradient of the sum of its lanes.
        edges: Every edge lying on at least one path, in reverse topological order of
            their child (the order backpropagation visits them).
    """

    __module__ = "autograd.chains"  # where it is imported from, documented and printed

    output: Value
    wrt: Value
    count: int
    gradient: Number
    edges: tuple[EdgeSummary, ...]
