"""``backward()``'s reverse pass over a graph with lanes: an optimisation of the general loop.

:func:`autograd.core.reverse.reverse_pass` calls :func:`backward_lanes` for ``backward()`` on a
graph that involves lanes. It takes the general loop's steps in the same order — each node,
in reverse topological order, passes ``local × gradient`` to each parent in argument order, a
scalar parent getting the lanes' sum (:func:`~autograd.core.lanes.sum_to`), and each parent's
gradient is summed as its contributions arrive — and gives the same bits (the tests compare it
with ``fast=False``). Three things make it faster:

- The totals are the nodes' ``grad`` attributes, not a dict: the interior nodes' were reset to
  0.0 by :func:`~autograd.core.reverse.interior_order`, so a node no path reaches still holds
  the number 0.0 and the zero rule skips it, as it skips a node missing from the dict; a leaf
  starts from the gradient it already holds, as before.
- A node of many parents laid out as a neuron's ``dot`` — pairs of a scalar parent whose local
  derivative is lanes (a weight, towards which the derivative is an input) and a parent holding
  lanes whose local derivative is a float (an input, towards which it is a weight), and
  optionally a last scalar parent with a float derivative (the bias) — takes its products in a
  few 2-D numpy operations (:func:`_pairs`). The lanes derivatives are stacked once for all the
  nodes that share them (a layer's neurons all read the same inputs).
- The neurons of a layer also share their lanes parents (the layer's inputs, in the same order).
  Their contributions to those parents are summed in one 2-D array, one row per parent
  (:class:`_Rows`), instead of one lanes addition per parent and neuron: row ``i`` receives the
  same additions, in the same order, as parent ``i``'s gradient would. The rows are written to
  the parents' ``grad`` before anything else reads or adds to them (:class:`_Held`).

Lanes are never summed in place, except inside that private 2-D array before its rows are given
out: a caller may share the arrays it passed in.
"""

from __future__ import annotations

from operator import is_
from typing import TYPE_CHECKING, Any

from autograd.core.functions import load_numpy
from autograd.core.lanes import contributions, sum_to

if TYPE_CHECKING:
    from autograd.core.value import Value

__all__ = ["RESET", "backward_lanes"]

#: The 0.0 that :func:`~autograd.core.reverse.interior_order` resets an interior node's ``grad``
#: to. A ``grad`` that *is* this object is +0.0, so the first lanes contribution ``0.0 + c`` can
#: be taken as ``c + zeros`` (the same IEEE sums, without numpy's slower path for a Python float).
RESET = 0.0


class _Rows:
    """The gradients of some nodes holding lanes (``members``, distinct, in a neuron's input order),
    kept as the rows of one 2-D array while the neurons of a layer add to them."""

    __slots__ = ("acc", "active", "members")

    def __init__(self, members: tuple[Value, ...], acc: Any) -> None:
        self.members = members
        self.acc = acc
        self.active = True
        for i, member in enumerate(members):
            member.grad = _Held(self, i)  # type: ignore[assignment]  # until flush() writes the row

    def flush(self) -> None:
        """Give each member its row as its ``grad`` (the rows are not summed into again)."""
        if self.active:
            self.active = False
            for member, row in zip(self.members, self.acc, strict=True):
                member.grad = row


class _Held:
    """What a node's ``grad`` holds while its gradient is a row of :class:`_Rows`.

    The pass adds a contribution ``c`` to a gradient as ``grad + c``: for a held one, that
    writes every row back (:meth:`_Rows.flush`) and adds to the row, so no path can add to or
    read a stale total. The pass itself flushes before it reads a held node's gradient, and
    at its end, so a ``_Held`` is never seen outside the pass.
    """

    __slots__ = ("row", "rows")

    def __init__(self, rows: _Rows, row: int) -> None:
        self.rows = rows
        self.row = row

    def __add__(self, c: Any) -> Any:
        self.rows.flush()
        return self.rows.members[self.row].grad + c


def backward_lanes(order: list[Value], output: Value, seed: Any) -> None:
    """The pass of :func:`~autograd.core.reverse.reverse_pass` with ``into_grad`` on a graph with lanes.

    ``order`` is :func:`~autograd.core.reverse.interior_order`'s with ``reset=True``: the
    interior nodes' ``grad`` are 0.0. Call it under ``numpy.errstate`` as ``backward()`` does.
    """
    np = load_numpy()
    ndarray = np.ndarray
    total = np.add.reduce  # what ndarray.sum() calls, without its Python wrapper
    state = _State(np)
    zeros = np.zeros(0)
    output.grad = output.grad + seed
    try:
        for node in reversed(order):
            g: Any = node.grad  # a number or lanes, or _Held
            if type(g) is float:
                if g == 0.0:  # the zero rule (see autograd/core/reverse.py)
                    continue
            elif type(g) is _Held:
                g.rows.flush()
                g = node.grad
            n = node._n
            if n == 1:
                a = node._p0
                c = node._d0 * g
                if type(c) is not float and type(a._data) is float:  # lanes meet a scalar
                    c = float(total(c, None)) if type(c) is ndarray else sum_to(a._data, c)
                t = a.grad
                if t is RESET and type(c) is ndarray and c.ndim == 1:  # the first contribution, 0.0 + c
                    if len(zeros) != len(c):
                        zeros = np.zeros(len(c))
                    a.grad = c + zeros
                else:
                    a.grad = t + c
            elif n == 2:
                a, b = node._p0, node._p1
                c = node._d0 * g
                if type(c) is not float and type(a._data) is float:
                    c = float(total(c, None)) if type(c) is ndarray else sum_to(a._data, c)
                a.grad = a.grad + c
                c = node._d1 * g
                if type(c) is not float and type(b._data) is float:
                    c = float(total(c, None)) if type(c) is ndarray else sum_to(b._data, c)
                b.grad = b.grad + c
            elif type(g) is not ndarray or not _pairs(node._parents, node._local, g, state):
                _one_by_one(node.parents, node.local_grads, g)
    finally:
        if state.rows is not None:
            state.rows.flush()


class _State:
    """What the pass keeps between nodes: the last stacked lanes derivatives, the open rows."""

    __slots__ = ("bias", "f64", "np", "rows", "stack", "stacked")

    def __init__(self, np: Any) -> None:
        self.np = np
        self.f64 = np.dtype(np.float64)
        self.stacked: tuple[Any, ...] = ()  # the lanes derivatives last stacked …
        self.bias: Any = None  # … and the bias's derivative (None: no bias) …
        self.stack: Any = None  # … as one 2-D array
        self.rows: _Rows | None = None


def _one_by_one(parents: tuple[Value, ...], local: tuple[Any, ...], g: Any) -> None:
    """The general loop's steps for a node of many parents (``contributions`` when ``g`` is lanes)."""
    cs = contributions(parents, local, g) if len(parents) > 2 and type(g) is not float else None
    for i, (parent, d) in enumerate(zip(parents, local, strict=True)):
        if cs is not None:
            c = cs[i]
        else:
            c = d * g
            if type(c) is not float and type(parent._data) is float:  # lanes meet a scalar
                c = sum_to(parent._data, c)
        parent.grad = parent.grad + c


def _pairs(parents: tuple[Value, ...], local: tuple[Any, ...], g: Any, state: _State) -> bool:
    """A neuron's ``dot`` (see the module docstring), its contributions added; False (nothing
    done) when the node is not laid out so, or its derivatives are not float64 lanes of ``g``'s length."""
    np = state.np
    if g.dtype != state.f64 or g.ndim != 1:
        return False
    n = len(parents)
    k = n // 2
    weights = parents[0 : 2 * k : 2]
    inputs = parents[1 : 2 * k : 2]
    towards_weights = local[0 : 2 * k : 2]  # lanes
    towards_inputs = local[1 : 2 * k : 2]  # floats
    for d in towards_inputs:
        if type(d) is not float:
            return False
    for w in weights:
        if type(w._data) is not float:
            return False
    if n % 2 and (type(local[-1]) is not float or type(parents[-1]._data) is not float):
        return False
    rows = state.rows
    grouped = rows is not None and rows.active and inputs == rows.members
    if not grouped:
        for x in inputs:
            if type(x._data) is float:
                return False
    # The lanes derivatives towards the weights as one 2-D array, and the bias's (a float) as a last
    # row of lanes: every product and row sum is the one the general steps take (see contributions).
    bias = local[-1] if n % 2 else None
    stacked = state.stacked
    if bias is state.bias and len(stacked) == k and all(map(is_, towards_weights, stacked)):  # not ==: lanes
        stack = state.stack
    else:
        try:
            stack = np.array(towards_weights if bias is None else (*towards_weights, np.full(len(g), bias)))
        except ValueError:  # lanes of different shapes
            return False
        if stack.dtype != state.f64 or stack.shape != (k + n % 2, len(g)):
            return False
        state.stacked, state.bias, state.stack = towards_weights, bias, stack
    # Checked: nothing below can fail, so the additions are all made or none is.
    products = np.multiply.outer(towards_inputs, g)  # towards the inputs: each w_i·g
    if grouped:
        np.add(rows.acc, products, out=rows.acc)  # type: ignore[union-attr]
    else:
        if rows is not None:
            rows.flush()
        totals = [x.grad for x in inputs]
        if len(set(inputs)) == k and all(type(t) is float for t in totals):
            state.rows = _Rows(inputs, np.array(totals)[:, None] + products)
        else:
            for x, c in zip(inputs, products, strict=True):
                x.grad = x.grad + c
    sums = np.add.reduce(stack * g, 1).tolist()  # towards the weights (and the bias): Σ x_i·g
    for w, s in zip(weights, sums, strict=False):  # (the bias's sum is last)
        w.grad = w.grad + s
    if n % 2:
        b = parents[-1]
        b.grad = b.grad + sums[k]
    return True
