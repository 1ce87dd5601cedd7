"""Reverse-mode differentiation over a graph of :class:`~autograd.Value` nodes.

Everything here is iterative: no recursion, so graphs of any depth work at the
default recursion limit.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any, overload

from autograd.rules import RULES, is_lanes
from autograd.value import Value

__all__ = ["backward", "grad", "topological_order", "zero_grad"]

_EXIT = object()  # stack marker: "all parents of the node below me are done"


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
            if node._parents:
                stack.append(node)
                stack.append(_EXIT)
                stack.extend(p for p in reversed(node._parents) if p not in seen)
            else:
                order.append(node)
    return order


def _interior_order(root: Value) -> tuple[list[Value], bool]:
    """What :func:`backward` needs, in one pass: the interior nodes in topological order,
    their ``grad`` reset to 0.0, and whether any lanes are involved (lanes only ever
    come from leaves). Leaves are taken on sight, without a stack round trip.
    """
    order: list[Value] = []
    seen: set[Value] = set()  # Values hash by identity
    lanes = type(root.data) is not float
    if not root._parents:
        return order, lanes
    stack: list[Any] = [root]
    push, pop, visit, done = stack.append, stack.pop, seen.add, order.append
    while stack:
        node = pop()
        if node is _EXIT:
            node = pop()
            node.grad = 0.0
            done(node)
        elif node not in seen:  # an interior node (leaves never reach the stack)
            visit(node)
            push(node)
            push(_EXIT)
            for parent in node._parents:
                if parent not in seen:
                    if parent._parents:
                        push(parent)
                    else:
                        visit(parent)
                        if type(parent.data) is not float:
                            lanes = True
    return order, lanes


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
    if is_lanes(grad):
        g = Value(grad)  # validated: 1-D, real, finite
        if lanes != g.lanes:
            raise ValueError(f"upstream gradient has {g.lanes} lanes, the output {lanes or 'none'}")
        return g.data
    if isinstance(grad, bool) or not isinstance(grad, numbers.Real):
        raise TypeError(f"upstream gradient must be a real number or lanes, got {type(grad).__name__}")
    return float(grad)


def _add_into(parent: Value, total: Any, contribution: Any) -> Any:
    """``total + contribution``, summing over the lanes where lanes meet a scalar parent."""
    if type(contribution) is not float and type(parent.data) is float:
        contribution = contribution.sum() if isinstance(contribution, Value) else float(contribution.sum())
    return contribution if total is None else total + contribution


def backward(root: Value, grad: float | Any = None) -> None:
    """Accumulate ``∂root/∂node · grad`` into ``node.grad`` for every node of the graph.

    Semantics (like PyTorch's): *leaves* (inputs, parameters, constants) accumulate
    across calls — call :func:`zero_grad` between steps. *Intermediate* nodes hold
    the gradient of the latest call only (they are reset at its start), so they can
    be inspected and drawn.

    Lanes: a Value holding lanes gets a gradient with one entry per lane; a scalar
    that fed lanes (a parameter) receives the sum over the lanes. The output must be
    a scalar (reduce lanes with ``.sum()``/``.mean()``) unless ``grad`` is given.
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    seed = _seed(grad, root)
    order, lanes = _interior_order(root)  # interior nodes, grads reset
    if lanes:
        _backward_lanes(root, order, seed)
        return
    root.grad += seed
    for node in reversed(order):
        g = node.grad
        if g:
            parents = node._parents
            n = len(parents)
            if n == 2:
                a, b = parents
                a.grad += node._d0 * g
                b.grad += node._d1 * g
            elif n == 1:
                parents[0].grad += node._d0 * g
            else:
                for parent, local in zip(parents, node._local, strict=False):  # same length by construction
                    parent.grad += local * g


def _backward_lanes(root: Value, order: list[Value], seed: Any) -> None:
    """The backward loop when lanes are involved: numpy work, sums where lanes meet scalars.

    Not in place (``grad = grad + c``): a gradient array may be shared with a caller.
    """
    root.grad = _add_into(root, root.grad, seed)
    for node in reversed(order):
        g = node.grad
        if type(g) is float and g == 0.0:
            continue
        for parent, local in zip(node._parents, node.local_grads, strict=True):
            c: Any = local * g
            if type(c) is not float and type(parent.data) is float:
                c = float(c.sum())  # a scalar that fed lanes gets the sum over the lanes
            parent.grad = parent.grad + c


def zero_grad(values: Iterable[Value]) -> None:
    """Reset ``.grad`` to 0.0 on each of ``values``."""
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"zero_grad expects Values, got {type(v).__name__}")
        v.grad = 0.0


def _local_as_values(node: Value) -> tuple[Any, ...]:
    """Re-evaluate the node's rule on Values, so its local derivatives are differentiable."""
    rule = RULES[node._op]
    if node._param is None:
        return rule.local(node, *node._parents)
    return rule.local(node, *node._parents, node._param)


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
    order = topological_order(output)
    grads: dict[int, Any] = {id(output): Value(seed) if create_graph else seed}
    for node in reversed(order):
        g = grads.get(id(node))
        if g is None or not node._parents:
            continue
        locals_ = _local_as_values(node) if create_graph else node.local_grads
        for parent, local in zip(node._parents, locals_, strict=True):
            if type(local) is float and local == 0.0:
                continue
            contribution = g if (type(local) is float and local == 1.0) else local * g
            grads[id(parent)] = _add_into(parent, grads.get(id(parent)), contribution)
    zero: Any = Value(0.0) if create_graph else 0.0
    return [grads.get(id(x), zero) for x in inputs]
