"""The reverse pass: one algorithm for ``backward()``, ``grad()`` and ``grad(create_graph=True)``.

From the output back, in reverse topological order, each node passes its gradient to its
parents, multiplied by the local derivative of the edge (the chain rule); where paths meet,
the contributions are summed, and where lanes meet a scalar the lanes' shares are summed
(:func:`~autograd.core.lanes.sum_to`). One rule for zeros: a node whose gradient is the
number 0 (of either sign), or that no path from the output reaches, passes nothing on — not
even ``0 ×`` an undefined local derivative. A gradient that is a Value (``create_graph``: its
data may be 0 where its own derivative is not) or lanes is never taken for zero.

What a gradient is depends on the call — floats, lanes, or Values whose own graph can be
differentiated again — and only two steps depend on it: how a node's contributions are
made (the stored local derivatives × the gradient, or for Values the ones a
:class:`GraphGradients` records) and how they are summed (``+`` as they arrive, or for
Values once, as one ``sum`` node). The two loops at the top of :func:`reverse_pass` are
optimisations of the same steps for graphs of floats.

Everything here is iterative: no recursion, so graphs of any depth work at the default
recursion limit. The nodes are read through their slots (see :mod:`autograd.core.value`).
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from autograd.core.backward_lanes import RESET, backward_lanes
from autograd.core.data import is_constant, to_data
from autograd.core.errors import DomainError
from autograd.core.functions import is_lanes, load_numpy
from autograd.core.lanes import contributions, sum_to

if TYPE_CHECKING:  # annotations only: the pass reads nodes, it never makes a Value
    import numpy
    from numpy.typing import NDArray

    from autograd.core.data import Data
    from autograd.core.value import Value

__all__ = [
    "GraphGradients",
    "describe_number",
    "interior_order",
    "not_finite_error",
    "per_lane",
    "reverse_pass",
    "run_backward",
    "seed_gradient",
    "topological_order",
]

_EXIT = object()  # stack marker: "all parents of the node below me are done"
_isfinite = math.isfinite


class GraphGradients(Protocol):
    """What the pass needs when gradients are Values (``grad(..., create_graph=True)``)."""

    def propagate(self, node: Value, g: Value, totals: dict[Value, Any]) -> None:
        """Add each contribution ``∂node/∂parent × g``, recorded as a Value, to the parent's entry of
        ``totals`` (one Value, or the list of them: summed once by :meth:`total`)."""
        ...

    def total(self, terms: list[Value]) -> Value:
        """The contributions to one node, summed (as one node)."""
        ...


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, parents before children, ``root`` last (:func:`autograd.topological_order`)."""
    order: list[Value] = []
    seen: set[Value] = set()  # Values hash by identity
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is _EXIT:
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            if node._n:
                stack.append(node)
                stack.append(_EXIT)
                stack.extend(p for p in reversed(node.parents) if p not in seen)
            else:
                order.append(node)
    return order


def interior_order(root: Value, reset: bool, seen: set[Value] | None = None) -> tuple[list[Value], list[Value], bool]:
    """What the pass needs, in one walk: the interior nodes in topological order (their
    ``grad`` reset to 0.0 when ``reset``), the leaves, and whether any lanes are involved
    (lanes only ever come from leaves). Leaves are taken on sight, without a stack round trip.

    ``seen`` (the nodes a walk from other roots already took, updated here) leaves those
    out: the compiled replay's tape walks its outputs one after another with one set.
    """
    order: list[Value] = []
    leaves: list[Value] = []
    if seen is None:
        seen = set()  # Values hash by identity
    lanes = type(root._data) is not float
    if not root._n:
        leaves.append(root)
        return order, leaves, lanes
    stack: list[Any] = [root]
    push, pop, visit, done, leaf = stack.append, stack.pop, seen.add, order.append, leaves.append
    zero = RESET  # this very 0.0 (see backward_lanes)
    while stack:
        node = pop()
        if node is _EXIT:
            node = pop()
            if reset:
                node.grad = zero
            done(node)
        elif node not in seen:  # an interior node (leaves never reach the stack)
            visit(node)
            push(node)
            push(_EXIT)
            n = node._n
            # one and two parents live in slots (see autograd/core/value.py); the tuple is built here only
            for parent in (node._p0, node._p1) if n == 2 else (node._p0,) if n == 1 else node._parents:
                if parent not in seen:
                    if parent._n:
                        push(parent)
                    else:
                        visit(parent)
                        leaf(parent)
                        if type(parent._data) is not float:
                            lanes = True
    return order, leaves, lanes


def seed_gradient(grad: object, root: Value) -> Data:
    """The upstream gradient: 1.0 by default for a scalar output; lanes need it explicit."""
    lanes = root.lanes
    if grad is None:
        if lanes is not None:
            raise ValueError(
                f"backward needs a scalar output, and this Value holds {lanes} lanes: reduce them with "
                ".sum() or .mean() first, or pass an upstream gradient (a number or lanes)"
            )
        return 1.0
    if isinstance(grad, bool) or not (isinstance(grad, numbers.Real) or is_lanes(grad)):
        raise TypeError(f"upstream gradient must be a real number or lanes, got {type(grad).__name__}")
    g = to_data(grad, "upstream gradient")  # finite; lanes 1-D and real; a 0-d array is a number
    glanes = None if isinstance(g, float) else len(g)
    if glanes is not None and lanes != glanes:
        raise ValueError(f"upstream gradient has {glanes} lanes, the output {lanes or 'none'}")
    return g


def reverse_pass(
    order: list[Value],
    output: Value,
    seed: Any,
    *,
    lanes: bool,
    into_grad: bool = False,
    graph: GraphGradients | None = None,
    fast: bool = True,
) -> dict[Value, Any]:
    """The gradient of ``output`` (upstream gradient ``seed``) with respect to every node.

    ``order`` is :func:`interior_order`'s: the interior nodes, parents first. Returns each
    reached node's gradient (for Values reached only as leaves, the list of their
    contributions, for ``graph.total``). With ``into_grad`` (``backward()``), each gradient
    is added to the ``grad`` the node holds instead (the interior nodes' were reset to 0.0;
    leaves accumulate across calls), and ``{}`` is returned. With ``graph``, the gradients
    are Values recorded by it. ``lanes`` says whether lanes are involved. ``fast=False`` runs
    every node through the general steps, without the optimisations (which must give the same
    bits: the tests compare them).
    """
    g: Any  # a node's gradient: a float, lanes, or a Value
    if graph is None and not lanes and fast:
        # These two cases are just optimisations: the general loop below, for a graph of floats,
        # with the one- and two-parent nodes' slots read directly and, for backward(), the ``grad``
        # attributes as the totals. ``if g`` is the zero rule for a float.
        if into_grad:
            output.grad += seed
            for node in reversed(order):
                g = node.grad
                if g:
                    n = node._n
                    if n == 2:
                        node._p0.grad += node._d0 * g
                        node._p1.grad += node._d1 * g
                    elif n == 1:
                        node._p0.grad += node._d0 * g
                    else:
                        for parent, local in zip(node._parents, node._local, strict=False):  # same length
                            parent.grad += local * g
            return {}
        grads: dict[Value, Any] = {output: seed}
        get = grads.get
        for node in reversed(order):
            g = get(node)
            if not g:  # None (no path from the output) or 0.0
                continue
            n = node._n
            if n == 2:
                a, b = node._p0, node._p1
                grads[a] = get(a, 0.0) + node._d0 * g
                grads[b] = get(b, 0.0) + node._d1 * g
            elif n == 1:
                a = node._p0
                grads[a] = get(a, 0.0) + node._d0 * g
            else:
                for parent, local in zip(node._parents, node._local, strict=False):  # same length
                    grads[parent] = get(parent, 0.0) + local * g
        return grads

    if graph is None and lanes and into_grad and fast:
        # An optimisation of the general loop below for backward() with lanes (its own module).
        backward_lanes(order, output, seed)
        return {}

    # The general case: lanes (numpy arrays; never summed in place, a caller may share them) or
    # Values. totals[node] is the node's gradient so far: a number, or for Values one Value or the
    # list of the contributions, summed once when the node is reached.
    totals: dict[Value, Any] = {output: output.grad + seed if into_grad else seed}
    get = totals.get
    for node in reversed(order):
        g = get(node)
        if type(g) is list:
            g = totals[node] = graph.total(g)  # type: ignore[union-attr]  # only a graph's gradients are lists
        if g is None or (type(g) is float and g == 0.0):  # the zero rule (see the module docstring)
            continue
        if graph is not None:
            graph.propagate(node, g, totals)
            continue
        n = node._n
        if n < 3 and fast and type(node._data) is float and type(g) is float:
            # An optimisation: the steps below for a scalar node of one or two parents (the slots
            # read directly). Its gradient and its local derivatives are floats (a reduction's go to
            # a parent holding lanes), so no contribution needs sum_to.
            a = node._p0
            t = get(a)
            totals[a] = ((a.grad if into_grad else 0.0) if t is None else t) + node._d0 * g
            if n == 2:
                a = node._p1
                t = get(a)
                totals[a] = ((a.grad if into_grad else 0.0) if t is None else t) + node._d1 * g
            continue
        parents, locals_ = node.parents, node.local_grads
        # An optimisation for a node of many parents with lanes (a neuron's dot): its contributions
        # computed together, in a few 2-D numpy operations instead of one or two per parent.
        cs = contributions(parents, locals_, g) if n > 2 and fast and type(g) is not float else None
        for i, (parent, local) in enumerate(zip(parents, locals_, strict=True)):
            if cs is not None:
                c = cs[i]
            else:
                c = local * g
                if type(c) is not float and type(parent._data) is float:  # lanes meet a scalar
                    c = sum_to(parent._data, c)
            t = get(parent)
            if t is None:
                t = parent.grad if into_grad else 0.0
            totals[parent] = t + c
    if into_grad:
        for node, t in totals.items():
            node.grad = t
        return {}
    return totals


#: Held by the backward pass running now (re-entrant: a thread whose Ctrl-C escaped at the
#: very edge of the ``with`` still gets it back).
_ONE_BACKWARD = threading.RLock()


def run_backward(root: Value, grad: object = None) -> None:
    """:func:`autograd.backward` once ``root`` is known to be a Value: the pass, into ``.grad``.

    Passes run one at a time in a process (a lock), because they add into shared ``.grad``
    attributes: threads backpropagating one graph, or graphs sharing parameters, sum as if
    the calls were made one after the other. A non-finite gradient reaches some leaf and
    every finite one meets only finite numbers, so the leaves are checked once, at the end.
    """
    with _ONE_BACKWARD:
        _run_backward(root, grad)


def _run_backward(root: Value, grad: object) -> None:
    seed = seed_gradient(grad, root)
    order, leaves, lanes = interior_order(root, reset=True)
    if lanes:
        with load_numpy().errstate(over="ignore", invalid="ignore"):  # a non-finite gradient is reported below
            reverse_pass(order, root, seed, lanes=True, into_grad=True)
    else:
        reverse_pass(order, root, seed, lanes=False, into_grad=True)
    for leaf in leaves:
        g = leaf.grad
        if not (_isfinite(g) if type(g) is float else _finite(g)) and not is_constant(leaf):
            raise not_finite_error(root, _grad_attr, "backward")
    if lanes:
        for leaf in leaves:  # a leaf holding lanes gets one gradient per lane, also when they are all 0
            if type(leaf.grad) is float and type(leaf._data) is not float:
                leaf.grad = per_lane(leaf, leaf.grad)


def per_lane(x: Value, g: float) -> Data:
    """The float gradient ``g`` of ``x``, which holds lanes, as one entry per lane."""
    lanes: Data = load_numpy().full(len(cast("NDArray[numpy.float64]", x._data)), g)
    return lanes


def _grad_attr(node: Value) -> Data:
    return node.grad


def _finite(g: Data) -> bool:
    return _isfinite(g) if type(g) is float else bool(load_numpy().isfinite(g).all())


def not_finite_error(root: Value, gradient_of: Callable[[Value], Data | None], where: str) -> DomainError:
    """The error for a gradient that is not finite, naming the node where it first became so.

    The first node in backward's order (the root's side first) whose gradient is not
    finite: its gradient is the sum, over its children, of local derivative × the child's
    gradient — finite numbers whose product or sum overflowed.
    """
    order = topological_order(root)
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        g = gradient_of(node)
        if g is None or _finite(g):
            continue
        name = f"leaf {node.label or f'v{i}'!r}" if node.is_leaf else f"node v{i} ({node.op!r})"
        children = [  # those that passed a gradient down (a child off every path from the root has none)
            (j, child, child_g)
            for j, child in enumerate(order[i + 1 :], start=i + 1)
            if any(p is node for p in child.parents) and (child_g := gradient_of(child)) is not None
        ]
        terms = [
            f"v{j} ({child.op!r}): {describe_number(_local_to(child, node))} × {describe_number(child_g)}"
            for j, child, child_g in children
        ]
        shown = "; ".join(terms[:3]) + (f"; and {len(terms) - 3} more" if len(terms) > 3 else "")
        undefined = [f"v{j} ({child.op!r})" for j, child, _ in children if not _finite(_local_to(child, node))]
        if undefined:  # recorded while building a gradient's graph (create_graph), used only now
            return DomainError(
                f"{where}: the gradient of {name} (v{i} in topological_order, data {describe_number(node.data)}) "
                f"is {describe_number(g)}: "
                f"the local derivative of {', '.join(undefined)} is infinite or undefined at its data ({shown})"
            )
        return DomainError(
            f"{where}: the gradient of {name} (v{i} in topological_order, data {describe_number(node.data)}) "
            f"is {describe_number(g)}: "
            f"it overflows float64 in the sum over its children of local derivative × gradient ({shown}). {_HINT}"
        )
    return DomainError(f"{where}: a gradient is not finite. {_HINT}")  # pragma: no cover - located above


_HINT = "Rescale the computation (smaller constants or inputs), or check the inputs for extreme values."


def describe_number(x: Data) -> str:
    """A float as ``repr`` shows it; lanes by their first non-finite entry (or their first three)."""
    if isinstance(x, float):
        return repr(x)
    bad = load_numpy().flatnonzero(~load_numpy().isfinite(x))
    if bad.size:
        return f"lanes, first not finite at lane {bad[0]}: {float(x[bad[0]])!r}"
    return f"lanes {x[:3].tolist()!r}…" if len(x) > 3 else f"lanes {x.tolist()!r}"


def _local_to(child: Value, parent: Value) -> Data:
    """The (summed) local derivative of ``child`` with respect to ``parent``."""
    total: Data = 0.0
    for p, d in zip(child.parents, child.local_grads, strict=True):
        if p is parent:
            total = total + d
    return total
