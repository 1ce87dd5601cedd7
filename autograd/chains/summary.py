"""The per-edge summary of :func:`autograd.chains.chain_summary`, computed without listing paths.

For every node on a path from the output to ``wrt``: ``∂node/∂wrt`` by one forward pass
(the tangents) and ``∂output/∂node`` by one backward pass (the adjoints); an edge's
contribution is ``upstream · local · downstream``. One version for scalars and lanes: on
scalars the tangents are floats summed exactly (:func:`math.fsum`) and numpy is never
imported; with lanes they may be rows or lanes × lanes matrices (see ``_tangents``). Where
lanes meet a scalar the lanes' shares are summed by :func:`autograd.core.lanes.sum_to`, as in
backpropagation.
"""

from __future__ import annotations

import math
from typing import Any

from autograd.chains.types import ChainEdge, ChainSummary, EdgeSummary, Number, is_scalar
from autograd.core.functions import load_numpy
from autograd.core.lanes import sum_to
from autograd.core.value import Value


def _tangents(order: list[Value], below: dict[int, int], wrt: Value) -> dict[int, Number]:
    """``∂node/∂wrt`` for every node on the paths (forward mode along them).

    For a scalar ``wrt`` a node's tangent is shaped like the node (a float for a scalar). For ``wrt`` holding
    n lanes: a lane node's tangent is its diagonal (n entries) until a lane reduction
    makes it depend on several of wrt's lanes, then an n × n matrix; a scalar node's
    tangent is a row of n entries.
    """
    n_wrt = wrt.lanes
    np: Any = None if n_wrt is None else load_numpy()  # numpy only when wrt holds lanes (then it is imported)
    tangent: dict[int, Number] = {}
    for node in order:
        if id(node) not in below:
            continue
        if node is wrt:
            tangent[id(node)] = 1.0 if n_wrt is None else load_numpy().ones(n_wrt)
            continue
        n = node.lanes
        terms: list[Number] = []
        for p, d in zip(node.parents, node.local_grads, strict=True):
            if id(p) not in below:
                continue
            t = tangent[id(p)]
            if n_wrt is None:  # a column per lane node, a float per scalar node
                term = d * t
                if not is_scalar(term):
                    term = sum_to(node.data, term)  # summed over the lanes for a scalar node
            elif p.lanes is None:  # t is a row over wrt's lanes
                term = d * t if n is None else np.outer(np.broadcast_to(d, (n,)), t)
            elif np.ndim(t) == 2:  # a full matrix
                dd = np.broadcast_to(d, (p.lanes,))
                term = dd @ t if n is None else dd[:, None] * t
            else:  # a diagonal: stays one (for a lane node) or becomes a row (for a scalar node)
                term = d * t
            terms.append(term)
        if n is not None and n_wrt is not None and any(load_numpy().ndim(x) == 2 for x in terms):
            terms = [
                x if load_numpy().ndim(x) == 2 else load_numpy().diag(load_numpy().broadcast_to(x, (n,))) for x in terms
            ]
        total: Number = math.fsum(terms) if all(is_scalar(x) for x in terms) else sum(terms[1:], terms[0])
        if n is not None and is_scalar(total):
            total = load_numpy().full(n, float(total))
        tangent[id(node)] = total
    return tangent


def edge_summary(order: list[Value], below: dict[int, int], output: Value, wrt: Value) -> ChainSummary:
    tangent = _tangents(order, below, wrt)

    def reduce_to(parent: Value, x: Number) -> Number:
        """The backward contribution ``x`` as the parent receives it: summed over lanes for a scalar."""
        if is_scalar(x):
            return x if parent.lanes is None else load_numpy().full(parent.lanes, float(x))
        return sum_to(parent.data, x)

    def through(a: Number, parent: Value) -> Number:
        """``a · ∂parent/∂wrt``: the adjoint share ``a`` (shaped like the parent) carried down to wrt."""
        t = tangent[id(parent)]
        if wrt.lanes is None:
            x = a * t
            return x if is_scalar(x) else sum_to(wrt.data, x)
        if load_numpy().ndim(t) == 2:
            return a @ t
        return a * t

    above: dict[int, int] = {id(output): 1}
    adjoint: dict[int, Number] = {id(output): 1.0 if output.lanes is None else load_numpy().ones(output.lanes)}
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
    ones = 1.0 if output.lanes is None else load_numpy().ones(output.lanes)
    gradient = through(ones, output) if output is not wrt else reduce_to(wrt, ones)
    return ChainSummary(output, wrt, below[id(output)], gradient, tuple(edges))
