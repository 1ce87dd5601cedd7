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

Layout: this module holds the queries (:func:`derivative_chains`, :func:`count_paths`,
:func:`chain_summary`) and the path count they share; the objects they return
(:class:`Chain`, :class:`ChainEdge`, :class:`ChainSegment`, :class:`EdgeSummary`,
:class:`ChainSummary`) and a path's lane-wise product are in ``autograd.chains.types``;
the per-edge summary's forward and backward passes in ``autograd.chains.summary``.
Import them all from :mod:`autograd.chains` (or :mod:`autograd`).
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd.chains.summary import edge_summary
from autograd.chains.types import Chain, ChainEdge, ChainSummary
from autograd.core.engine import topological_order
from autograd.core.value import Value

__all__ = [
    "DEFAULT_PATH_LIMIT",
    "TooManyPathsError",
    "chain_summary",
    "count_paths",
    "derivative_chains",
    "path_count_text",
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
    return edge_summary(order, below, output, wrt)
