"""Derivative chains: every path from an output to an input, with its local derivatives.

The multivariate chain rule says ``∂output/∂input`` is the sum, over every path from
the output down to the input, of the product of the local derivatives along the path.
This module answers that as a pure graph query (no drawing): :func:`derivative_chains`
lists the paths, :func:`count_paths` counts them without listing them (the count can
grow exponentially with depth), and :func:`chain_summary` aggregates per edge when
there are too many paths to list.

>>> from autograd import Value
>>> x = Value(3.0, label="x")
>>> y = x * x                      # two edges from x: two paths
>>> [c.product for c in derivative_chains(y, x)]
[3.0, 3.0]
>>> count_paths(y, x), sum(c.product for c in derivative_chains(y, x))
(2, 6.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd.engine import topological_order
from autograd.value import Value

__all__ = [
    "DEFAULT_PATH_LIMIT",
    "Chain",
    "ChainEdge",
    "ChainSegment",
    "ChainSummary",
    "EdgeSummary",
    "TooManyPathsError",
    "chain_summary",
    "count_paths",
    "derivative_chains",
]

#: How many paths :func:`derivative_chains` lists before it refuses.
DEFAULT_PATH_LIMIT = 1000


class TooManyPathsError(ValueError):
    """More paths lead from the output to the input than the caller's limit allows.

    Attributes:
        count: The exact number of paths.
        limit: The limit that was exceeded.
    """

    def __init__(self, count: int, limit: int) -> None:
        self.count = count
        self.limit = limit
        super().__init__(
            f"{count} paths lead from the output to the input, more than the limit of {limit}; "
            "pass a larger limit= to list them all, or use chain_summary(output, wrt) for a per-edge summary"
        )


@dataclass(frozen=True, slots=True)
class ChainEdge:
    """One edge of the graph, walked from a node (``child``) to one of its inputs (``parent``).

    Attributes:
        child: The node nearer the output.
        parent: ``child.parents[index]``, the node nearer the input.
        index: Which argument of ``child`` the edge is (``a + a`` has edges 0 and 1).
        local: The local derivative ``∂child/∂parent`` stored on ``child``.
    """

    child: Value
    parent: Value
    index: int
    local: float


@dataclass(frozen=True, slots=True)
class ChainSegment:
    """A run of consecutive edges of a chain between two chosen nodes.

    Attributes:
        start: The node nearer the output.
        end: The node nearer the input.
        edges: The edges from ``start`` down to ``end``.
        factor: The product of their local derivatives, ``∂start/∂end`` along this path.
    """

    start: Value
    end: Value
    edges: tuple[ChainEdge, ...]
    factor: float


@dataclass(frozen=True, slots=True)
class Chain:
    """One path from ``output`` down to ``wrt``.

    Attributes:
        output: The node the path starts from.
        wrt: The node the path ends at.
        edges: The edges in order from ``output`` to ``wrt`` (empty when ``output is wrt``).
    """

    output: Value
    wrt: Value
    edges: tuple[ChainEdge, ...]

    @property
    def nodes(self) -> tuple[Value, ...]:
        """The nodes along the path, ``output`` first and ``wrt`` last."""
        return (self.output, *(e.parent for e in self.edges))

    @property
    def factors(self) -> tuple[float, ...]:
        """The local derivative of each edge, in path order."""
        return tuple(e.local for e in self.edges)

    @property
    def product(self) -> float:
        """The product of the local derivatives (1.0 for the empty path)."""
        return math.prod(self.factors)

    def segments(self, waypoint: Callable[[Value], bool]) -> tuple[ChainSegment, ...]:
        """Split the path at every intermediate node for which ``waypoint`` is true.

        The output and ``wrt`` always bound the segments; each segment's factor is the
        product of its local derivatives, so the product of the factors is the path's
        product. With ``waypoint=lambda v: bool(v.label)`` the factors are the
        derivatives between named nodes, e.g. ``∂E/∂predicted × ∂predicted/∂s × ∂s/∂W1``.

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
                out.append(ChainSegment(start, edge.parent, tuple(run), math.prod(e.local for e in run)))
                start, run = edge.parent, []
        return tuple(out)


@dataclass(frozen=True, slots=True)
class EdgeSummary:
    """How one edge takes part in the paths from an output to an input.

    Attributes:
        edge: The edge.
        paths: How many output→input paths use it.
        upstream: ``∂output/∂edge.child`` (summed over all paths above the edge).
        downstream: ``∂edge.parent/∂wrt`` (summed over all paths below the edge).
        contribution: ``upstream · local · downstream``: the part of the gradient that
            flows through this edge.
    """

    edge: ChainEdge
    paths: int
    upstream: float
    downstream: float
    contribution: float


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
        gradient: ``∂output/∂wrt`` (0.0 when there is no path).
        edges: Every edge lying on at least one path, in reverse topological order of
            their child (the order backpropagation visits them).
    """

    output: Value
    wrt: Value
    count: int
    gradient: float
    edges: tuple[EdgeSummary, ...]


def _check(output: object, wrt: object) -> None:
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    if not isinstance(wrt, Value):
        raise TypeError(f"wrt must be a Value, got {type(wrt).__name__}")


def _paths_to(order: Sequence[Value], wrt: Value) -> dict[int, int]:
    """Number of paths from each node of ``order`` down to ``wrt`` (by node id; 0s omitted)."""
    counts: dict[int, int] = {}
    for node in order:  # parents before children
        if node is wrt:
            counts[id(node)] = 1
            continue
        n = sum(counts.get(id(p), 0) for p in node.parents)
        if n:
            counts[id(node)] = n
    return counts


def count_paths(output: Value, wrt: Value) -> int:
    """The number of distinct paths from ``output`` down to ``wrt``, by dynamic programming.

    Repeated parents count separately (``a + a`` has two paths to ``a``). The count is
    exact (a Python int) and costs one pass over the graph, however large it is.

    >>> from autograd import Value
    >>> a = Value(1.0)
    >>> b = a + a
    >>> c = b * b
    >>> count_paths(c, a)
    4
    """
    _check(output, wrt)
    return _paths_to(topological_order(output), wrt).get(id(output), 0)


def derivative_chains(output: Value, wrt: Value, *, limit: int = DEFAULT_PATH_LIMIT) -> list[Chain]:
    """Every path from ``output`` down to ``wrt``, each with its local derivatives.

    The sum of the paths' products is ``∂output/∂wrt``. Paths are listed in a fixed
    order: depth first, following each node's parents in argument order.

    Args:
        output: The node to differentiate.
        wrt: The node to differentiate with respect to. If it is not in ``output``'s
            graph there is no path and the list is empty; if it *is* ``output`` there
            is one empty path (product 1).
        limit: Refuse (before listing anything) when there are more paths than this.

    Returns:
        The paths, each a :class:`Chain`.

    Raises:
        TooManyPathsError: if more than ``limit`` paths exist; its message names the
            count and the limit, and :func:`chain_summary` gives a per-edge summary.
    """
    _check(output, wrt)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a non-negative int, got {limit!r}")
    counts = _paths_to(topological_order(output), wrt)
    total = counts.get(id(output), 0)
    if total > limit:
        raise TooManyPathsError(total, limit)
    chains: list[Chain] = []
    if total == 0:
        return chains
    # Iterative depth-first walk over edges that lead to wrt; `stack` holds
    # (node, next parent slot to try) and `path` the edges taken so far.
    path: list[ChainEdge] = []
    stack: list[tuple[Value, int]] = [(output, 0)]
    while stack:
        node, slot = stack.pop()
        if node is wrt:
            chains.append(Chain(output, wrt, tuple(path)))
            if path:
                path.pop()
            continue
        parents = node.parents
        while slot < len(parents) and id(parents[slot]) not in counts:
            slot += 1
        if slot == len(parents):
            if path:
                path.pop()
            continue
        stack.append((node, slot + 1))
        parent = parents[slot]
        path.append(ChainEdge(node, parent, slot, node.local_grads[slot]))
        stack.append((parent, 0))
    return chains


def chain_summary(output: Value, wrt: Value) -> ChainSummary:
    """The paths from ``output`` to ``wrt`` aggregated per edge, without listing them.

    Works for any number of paths: one backward pass (``∂output/∂node``), one forward
    pass (``∂node/∂wrt``) and one path count per node.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> s = chain_summary(x * x, x)
    >>> s.count, s.gradient, [e.contribution for e in s.edges]
    (2, 4.0, [2.0, 2.0])
    """
    _check(output, wrt)
    order = topological_order(output)
    below = _paths_to(order, wrt)  # paths from node down to wrt
    if id(output) not in below:
        return ChainSummary(output, wrt, 0, 0.0, ())
    # ∂node/∂wrt (forward mode along the paths) and ∂output/∂node (reverse mode).
    tangent: dict[int, float] = {}
    for node in order:
        if id(node) not in below:
            continue
        if node is wrt:
            tangent[id(node)] = 1.0
        else:
            tangent[id(node)] = math.fsum(
                d * tangent[id(p)] for p, d in zip(node.parents, node.local_grads, strict=True) if id(p) in below
            )
    above: dict[int, int] = {id(output): 1}  # paths from output down to node
    adjoint: dict[int, float] = {id(output): 1.0}
    edges: list[EdgeSummary] = []
    for node in reversed(order):
        if id(node) not in below or node is wrt:
            continue
        up_paths, up = above[id(node)], adjoint[id(node)]
        for k, (parent, d) in enumerate(zip(node.parents, node.local_grads, strict=True)):
            if id(parent) not in below:
                continue
            above[id(parent)] = above.get(id(parent), 0) + up_paths
            adjoint[id(parent)] = adjoint.get(id(parent), 0.0) + up * d
            down = tangent[id(parent)]
            edges.append(
                EdgeSummary(ChainEdge(node, parent, k, d), up_paths * below[id(parent)], up, down, up * d * down)
            )
    return ChainSummary(output, wrt, below[id(output)], tangent[id(output)], tuple(edges))
