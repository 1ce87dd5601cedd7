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

Lanes. When Values hold lanes (one scalar per sample), a path's product is taken lane
by lane and is an array (one entry per lane) as soon as the path touches lanes:

- for an input holding lanes, the sum over paths of the products is its gradient, lane
  by lane;
- for a scalar input that fed lanes (a parameter), entry *i* of a path's product is
  lane *i*'s share of the path, and the gradient is the sum over the lanes of the
  summed products — what backpropagation gives the parameter;
- where a path leaves a scalar node that was reached from lanes and enters lanes
  again (a lane reduction such as ``x.sum()`` whose result is used lane-wise), the
  chain rule sums the lanes' shares at that node; such a path :attr:`Chain.mixes_lanes`
  and its product at lane *i* is then not the product of its factors at lane *i*;
- for an output holding lanes, the chains are those of the sum of its lanes (the
  upstream gradient 1 in every lane).

>>> import numpy as np
>>> w = Value(0.5, label="w")
>>> x = Value(np.array([1.0, 2.0, 3.0]), label="x")
>>> loss = (w * x).sum()
>>> (c,) = derivative_chains(loss, w)
>>> c.product.tolist(), float(c.product.sum())          # each lane's share; their sum is w.grad
([1.0, 2.0, 3.0], 6.0)
>>> derivative_chains(loss, x)[0].product.tolist()      # x.grad, lane by lane
[0.5, 0.5, 0.5]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.engine import topological_order
from autograd.rules import _np
from autograd.value import Value

__all__ = [
    "DEFAULT_PATH_LIMIT",
    "Chain",
    "ChainEdge",
    "ChainSegment",
    "ChainSummary",
    "EdgeSummary",
    "Number",
    "TooManyPathsError",
    "chain_summary",
    "count_paths",
    "derivative_chains",
    "path_count_text",
]

#: How many paths :func:`derivative_chains` lists before it refuses.
DEFAULT_PATH_LIMIT = 1000

#: A float, or lanes: a 1-D float64 numpy array with one entry per lane. (Only in
#: :attr:`EdgeSummary.downstream` can it be a lanes × lanes matrix; see there.)
Number = Any


def _is_scalar(x: object) -> bool:
    return isinstance(x, float | int)


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
            f"{path_count_text(count)} paths lead from the output to the input, "
            f"more than the limit of {path_count_text(limit)}; "
            "pass a larger limit= to list them all, or use chain_summary(output, wrt) for a per-edge summary"
        )


def path_count_text(count: int) -> str:
    """A path count as text: its digits, or ``about 10^N`` when it has too many digits to print
    (Python refuses to turn an int of more than 4,300 digits into text).

    >>> path_count_text(12), path_count_text(2**5000)
    ('12', 'about 10^1505')
    """
    if count.bit_length() <= 1_000:  # up to about 300 digits
        return str(count)
    return f"about 10^{int((count.bit_length() - 1) * 0.30102999566398120)}"


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

    child: Value
    parent: Value
    index: int
    local: Number


class _Walk:
    """The running product along a path, lane-wise (see the module docstring).

    At a node holding lanes the running value is an array, one entry per lane. At a
    scalar node it is a float, or an array of the lanes' shares when the path came
    down from lanes; those shares are summed only where the path enters lanes again
    (the chain rule's sum over the lanes of the reduction), which sets ``mixed``.
    """

    __slots__ = ("mixed", "value")

    def __init__(self, start: Value) -> None:
        n = start.lanes
        self.value: Number = 1.0 if n is None else _np().ones(n)
        self.mixed = False

    def step(self, edge: ChainEdge) -> None:
        r = self.value
        n = edge.parent.lanes
        if n is not None and edge.child.lanes is None and not _is_scalar(r):
            r = float(r.sum())
            self.mixed = True
        r = r * edge.local
        if n is not None and _is_scalar(r):
            r = _np().full(n, float(r))
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
        scalar ``wrt``, each lane's share of the path; see the module docstring).
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

    output: Value
    wrt: Value
    count: int
    gradient: Number
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

    The sum of the paths' products is ``∂output/∂wrt`` (with lanes: lane by lane for a
    ``wrt`` holding lanes; summed over the lanes too for a scalar ``wrt``). Paths are
    listed in a fixed order: depth first, following each node's parents in argument order.

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
    if all(v.lanes is None for v in order):
        return _scalar_summary(order, below, output, wrt)
    return _lanes_summary(order, below, output, wrt)


def _scalar_summary(order: list[Value], below: dict[int, int], output: Value, wrt: Value) -> ChainSummary:
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


def _lanes_tangents(order: list[Value], below: dict[int, int], wrt: Value) -> dict[int, Number]:
    """``∂node/∂wrt`` for every node on the paths, when lanes are involved.

    For a scalar ``wrt`` a node's tangent is shaped like the node. For ``wrt`` holding
    n lanes: a lane node's tangent is its diagonal (n entries) until a lane reduction
    makes it depend on several of wrt's lanes, then an n × n matrix; a scalar node's
    tangent is a row of n entries.
    """
    np = _np()
    n_wrt = wrt.lanes
    tangent: dict[int, Number] = {}
    for node in order:
        if id(node) not in below:
            continue
        if node is wrt:
            tangent[id(node)] = 1.0 if n_wrt is None else np.ones(n_wrt)
            continue
        n = node.lanes
        terms: list[Number] = []
        for p, d in zip(node.parents, node.local_grads, strict=True):
            if id(p) not in below:
                continue
            t = tangent[id(p)]
            if n_wrt is None:  # a column per lane node, a float per scalar node
                term = d * t
                if n is None and not _is_scalar(term):
                    term = float(np.sum(term))
            elif p.lanes is None:  # t is a row over wrt's lanes
                term = d * t if n is None else np.outer(np.broadcast_to(d, (n,)), t)
            elif np.ndim(t) == 2:  # a full matrix
                dd = np.broadcast_to(d, (p.lanes,))
                term = dd @ t if n is None else dd[:, None] * t
            else:  # a diagonal: stays one (for a lane node) or becomes a row (for a scalar node)
                term = d * t
            terms.append(term)
        if n is not None and n_wrt is not None and any(np.ndim(x) == 2 for x in terms):
            terms = [x if np.ndim(x) == 2 else np.diag(np.broadcast_to(x, (n,))) for x in terms]
        total: Number = math.fsum(terms) if all(_is_scalar(x) for x in terms) else sum(terms[1:], terms[0])
        if n is not None and _is_scalar(total):
            total = np.full(n, float(total))
        tangent[id(node)] = total
    return tangent


def _lanes_summary(order: list[Value], below: dict[int, int], output: Value, wrt: Value) -> ChainSummary:
    np = _np()
    tangent = _lanes_tangents(order, below, wrt)

    def reduce_to(parent: Value, x: Number) -> Number:
        """The backward contribution ``x`` as the parent receives it: summed over lanes for a scalar."""
        if parent.lanes is None and not _is_scalar(x):
            return float(np.sum(x))
        if parent.lanes is not None and _is_scalar(x):
            return np.full(parent.lanes, float(x))
        return x

    def through(a: Number, parent: Value) -> Number:
        """``a · ∂parent/∂wrt``: the adjoint share ``a`` (shaped like the parent) carried down to wrt."""
        t = tangent[id(parent)]
        if wrt.lanes is None:
            x = a * t
            return float(np.sum(x)) if not _is_scalar(x) else x
        if np.ndim(t) == 2:
            return a @ t
        return a * t

    above: dict[int, int] = {id(output): 1}
    adjoint: dict[int, Number] = {id(output): 1.0 if output.lanes is None else np.ones(output.lanes)}
    edges: list[EdgeSummary] = []
    for node in reversed(order):
        if id(node) not in below or node is wrt:
            continue
        up_paths, up = above[id(node)], adjoint[id(node)]
        for k, (parent, d) in enumerate(zip(node.parents, node.local_grads, strict=True)):
            if id(parent) not in below:
                continue
            share = reduce_to(parent, up * d)
            above[id(parent)] = above.get(id(parent), 0) + up_paths
            adjoint[id(parent)] = share if id(parent) not in adjoint else adjoint[id(parent)] + share
            edges.append(
                EdgeSummary(
                    ChainEdge(node, parent, k, d),
                    up_paths * below[id(parent)],
                    up,
                    tangent[id(parent)],
                    through(share, parent),
                )
            )
    ones = 1.0 if output.lanes is None else np.ones(output.lanes)
    gradient = through(ones, output) if output is not wrt else reduce_to(wrt, ones)
    return ChainSummary(output, wrt, below[id(output)], gradient, tuple(edges))
