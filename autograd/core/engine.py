"""Reverse-mode differentiation over a graph of :class:`~autograd.Value` nodes.

Everything here is iterative: no recursion, so graphs of any depth work at the
default recursion limit.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast, overload

from autograd.core.data import to_data
from autograd.core.errors import DomainError, deferring
from autograd.core.functions import is_lanes, load_numpy
from autograd.core.lanes import backward_lanes, gradients_general
from autograd.core.record import is_constant
from autograd.core.value import Value

__all__ = ["backward", "grad", "topological_order", "zero_grad"]

_EXIT = object()  # stack marker: "all parents of the node below me are done"
_isfinite = math.isfinite


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, parents before children, ``root`` last.

    Each node appears once, however many paths lead to it. Depth-first in argument
    order, so the numbering reads like the expression (``a * b + c``: a, b, a*b, c, +).
    Iterative, so a 1,000,000-deep chain is fine.
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
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


def _interior_order(root: Value, reset: bool) -> tuple[list[Value], list[Value], bool]:
    """What :func:`backward` and :func:`grad` need, in one pass: the interior nodes in
    topological order (their ``grad`` reset to 0.0 when ``reset``), the leaves, and whether
    any lanes are involved (lanes only ever come from leaves). Leaves are taken on sight,
    without a stack round trip.
    """
    order: list[Value] = []
    leaves: list[Value] = []
    seen: set[Value] = set()  # Values hash by identity
    lanes = type(root._data) is not float
    if not root._n:
        leaves.append(root)
        return order, leaves, lanes
    stack: list[Any] = [root]
    push, pop, visit, done, leaf = stack.append, stack.pop, seen.add, order.append, leaves.append
    while stack:
        node = pop()
        if node is _EXIT:
            node = pop()
            if reset:
                node.grad = 0.0
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


def _seed(grad: object, root: Value) -> Any:
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
    g: Any = to_data(grad, "upstream gradient")  # finite; lanes 1-D and real; a 0-d array is a number
    glanes = None if type(g) is float else len(g)
    if glanes is not None and lanes != glanes:
        raise ValueError(f"upstream gradient has {glanes} lanes, the output {lanes or 'none'}")
    return g


def _finite(g: Any) -> bool:
    return _isfinite(g) if type(g) is float else bool(load_numpy().isfinite(g).all())


def _not_finite(root: Value, gradient_of: Callable[[Value], Any], where: str) -> DomainError:
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
            (j, child)
            for j, child in enumerate(order[i + 1 :], start=i + 1)
            if any(p is node for p in child.parents) and gradient_of(child) is not None
        ]
        terms = [
            f"v{j} ({child.op!r}): {describe_number(_local_to(child, node))} × {describe_number(gradient_of(child))}"
            for j, child in children
        ]
        shown = "; ".join(terms[:3]) + (f"; and {len(terms) - 3} more" if len(terms) > 3 else "")
        undefined = [f"v{j} ({child.op!r})" for j, child in children if not _finite(_local_to(child, node))]
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


def describe_number(x: Any) -> str:
    if type(x) is float:
        return repr(x)
    bad = load_numpy().flatnonzero(~load_numpy().isfinite(x))
    return f"lanes, first not finite at lane {bad[0]}: {x[bad[0]]!r}" if bad.size else f"lanes {x[:3]!r}…"


def _local_to(child: Value, parent: Value) -> Any:
    """The (summed) local derivative of ``child`` with respect to ``parent``."""
    total: Any = 0.0
    for p, d in zip(child.parents, child.local_grads, strict=True):
        if p is parent:
            total = total + d
    return total


def backward(root: Value, grad: float | Any = None) -> None:
    """Accumulate ``∂root/∂node · grad`` into ``node.grad`` for every node of the graph.

    Semantics (like PyTorch's): *leaves* (inputs, parameters, constants) accumulate
    across calls — call :func:`zero_grad` between steps. *Intermediate* nodes hold
    the gradient of the latest call only (they are reset at its start), so they can
    be inspected and drawn.

    Lanes: a Value holding lanes gets a gradient with one entry per lane; a scalar
    that fed lanes (a parameter) receives the sum over the lanes. The output must be
    a scalar (reduce lanes with ``.sum()``/``.mean()``) unless ``grad`` is given.

    The local derivatives are those stored when each node was built (see
    :attr:`Value.data` on assigning it afterwards).

    Raises:
        DomainError: if a gradient is not finite (it overflowed float64), naming the node
            where it first became so. The gradients are then left as computed, for
            inspection. Every finite gradient meets only finite numbers, and a non-finite
            one reaches some leaf, so this is checked on the leaves, once, at the end.
        ValueError: for an upstream gradient that is nan or ±inf.

    Threads: backward passes run one at a time in a process (a lock), because they add into
    shared ``.grad`` attributes (and reset the graph's interior ones): two threads calling
    ``y.backward()`` on one graph, or on graphs sharing parameters, get their contributions
    summed exactly as if the calls were made one after the other. :func:`grad` mutates
    nothing shared and runs concurrently.
    """
    with _ONE_BACKWARD:
        _backward(root, grad)


#: Held by the backward pass running now (re-entrant: a thread whose Ctrl-C escaped at the
#: very edge of the ``with`` still gets it back).
_ONE_BACKWARD = threading.RLock()


def _backward(root: Value, grad: float | Any) -> None:
    """:func:`backward`'s pass, under :data:`_ONE_BACKWARD`."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    seed = _seed(grad, root)
    order, leaves, lanes = _interior_order(root, reset=True)  # interior nodes, grads reset
    if lanes:
        with load_numpy().errstate(over="ignore", invalid="ignore"):  # a non-finite gradient is reported below
            backward_lanes(root, order, seed)
    else:
        root.grad += seed
        for node in reversed(order):
            g = node.grad
            if g:
                n = node._n
                if n == 2:  # the fast cases: one or two parents, in slots
                    node._p0.grad += node._d0 * g
                    node._p1.grad += node._d1 * g
                elif n == 1:
                    node._p0.grad += node._d0 * g
                else:
                    for parent, local in zip(node._parents, node._local, strict=False):  # same length by construction
                        parent.grad += local * g
    for leaf in leaves:
        g = leaf.grad
        if not (_isfinite(g) if type(g) is float else _finite(g)) and not is_constant(leaf):
            raise _not_finite(root, _grad_attr, "backward")
    if lanes:
        for leaf in leaves:  # a leaf holding lanes gets one gradient per lane, also when they are all 0
            if type(leaf.grad) is float and type(leaf._data) is not float:
                leaf.grad = _per_lane(leaf, leaf.grad)


def _per_lane(x: Value, g: float) -> Any:
    """The float gradient ``g`` of ``x``, which holds lanes, as one entry per lane."""
    return load_numpy().full(len(cast(Any, x._data)), g)


def _grad_attr(node: Value) -> Any:
    return node.grad


def zero_grad(values: Iterable[Value]) -> None:
    """Reset ``.grad`` to 0.0 on each of ``values``."""
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"zero_grad expects Values, got {type(v).__name__}")
        v.grad = 0.0


@overload
def grad(output: Value, inputs: Sequence[Value], grad_output: Any = ..., *, create_graph: bool) -> list[Any]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], grad_output: Any = ...) -> list[float]: ...
def grad(
    output: Value,
    inputs: Sequence[Value],
    grad_output: Any = None,
    *,
    create_graph: bool = False,
) -> list[Any]:
    """Gradients of ``output`` with respect to each of ``inputs``, without touching ``.grad``.

    Args:
        output: The Value to differentiate.
        inputs: The Values to differentiate with respect to. One not in ``output``'s
            graph gets gradient 0.
        grad_output: The upstream gradient ``∂L/∂output`` (default 1 for a scalar
            output; needed for an output holding lanes: a number or lanes).
        create_graph: If True, the gradients are Values whose own graph can be
            differentiated again (higher-order derivatives).

    Returns:
        A list with one gradient per input: floats (lanes for an input holding lanes),
        or Values with ``create_graph``. A scalar input that fed lanes gets the sum
        over the lanes.

    Raises:
        DomainError: if the gradient of an input is not finite (it overflowed float64),
            naming the node where it first became so (with ``create_graph``, the op that
            overflows raises it as any op does).
        ValueError: with ``create_graph``, if a ``.data`` in the graph was assigned after
            the graph was built (see :attr:`Value.data`).

    >>> x = Value(3.0)
    >>> (dx,) = grad(x**3, [x], create_graph=True)
    >>> (d2x,) = grad(dx, [x])
    >>> dx.data, d2x
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value) or not isinstance(inputs, Sequence):
        raise TypeError("inputs must be a list or tuple of Values")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"inputs[{i}] must be a Value, got {type(x).__name__}")
    seed = _seed(grad_output, output)
    order, _leaves, lanes = _interior_order(output, reset=False)
    if create_graph:
        from autograd.core.higher_order import gradients_as_values  # the gradient as a graph: its own module

        token = deferring.set(True)  # a node's infinite derivative raises only when a gradient uses it
        try:
            grads = gradients_as_values(output, order, Value(seed), set(inputs))
        finally:
            deferring.reset(token)
    elif lanes:
        with load_numpy().errstate(over="ignore", invalid="ignore"):  # a non-finite gradient is reported below
            grads = gradients_general(order, {output: seed})
    else:
        grads = _gradients(order, {output: seed})
    zero: Any = Value(0.0) if create_graph else 0.0
    result = [grads.get(x, zero) for x in inputs]
    for k, x in enumerate(inputs):  # an input holding lanes gets one gradient per lane, also when all are 0
        g = result[k]
        if type(x._data) is not float and (g is zero if create_graph else type(g) is float):
            result[k] = Value(_per_lane(x, 0.0)) if create_graph else _per_lane(x, g)
    if not create_graph:
        for g in result:
            if not (_isfinite(g) if type(g) is float else _finite(g)):
                raise _not_finite(output, grads.get, "grad")
    return result


def _gradients(order: list[Value], grads: dict[Value, Any]) -> dict[Value, Any]:
    """Every node's gradient, floats only: backward's loop with a dict in place of ``.grad``."""
    get = grads.get
    for node in reversed(order):
        g = get(node)
        if not g:  # None (no path from the output) or 0.0
            continue
        n = node._n
        if n == 2:  # the fast cases: one or two parents, in slots
            a, b = node._p0, node._p1
            grads[a] = get(a, 0.0) + node._d0 * g
            grads[b] = get(b, 0.0) + node._d1 * g
        elif n == 1:
            a = node._p0
            grads[a] = get(a, 0.0) + node._d0 * g
        else:
            for parent, local in zip(node._parents, node._local, strict=False):  # same length by construction
                grads[parent] = get(parent, 0.0) + local * g
    return grads
