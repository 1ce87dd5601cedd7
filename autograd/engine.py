"""Reverse-mode differentiation over a graph of :class:`~autograd.Value` nodes.

Everything here is iterative: no recursion, so graphs of any depth work at the
default recursion limit.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any, overload

from autograd.rules import RULES
from autograd.value import Value

__all__ = ["backward", "grad", "topological_order", "zero_grad"]

_EXIT = object()  # stack marker: "all parents of the node below me are done"


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, parents before children, ``root`` last.

    Each node appears once, however many paths lead to it. Iterative depth-first
    search, so a 1,000,000-deep chain is fine.
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return _walk(root, with_leaves=True)


def _walk(root: Value, *, with_leaves: bool) -> list[Value]:
    """Iterative post-order DFS from ``root``; leaves are taken on sight, without a stack round trip.

    With ``with_leaves=False`` only interior nodes are listed and their ``grad`` is reset
    to 0.0 on the way (what :func:`backward` needs, in one pass).
    """
    order: list[Value] = []
    seen: set[Value] = set()  # Values hash by identity
    if not root._parents:
        return [root] if with_leaves else []
    stack: list[Any] = [root]
    push, pop, visit, done = stack.append, stack.pop, seen.add, order.append
    while stack:
        node = pop()
        if node is _EXIT:
            node = pop()
            if not with_leaves:
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
                        if with_leaves:
                            done(parent)
    return order


def _seed(grad: object) -> float:
    if isinstance(grad, bool) or not isinstance(grad, numbers.Real):
        raise TypeError(f"upstream gradient must be a real number, got {type(grad).__name__}")
    return float(grad)


def backward(root: Value, grad: float = 1.0) -> None:
    """Accumulate ``∂root/∂node · grad`` into ``node.grad`` for every node of the graph.

    Semantics (like PyTorch's): *leaves* (inputs, parameters, constants) accumulate
    across calls — call :func:`zero_grad` between steps. *Intermediate* nodes hold
    the gradient of the latest call only (they are reset at its start), so they can
    be inspected and drawn.
    """
    seed = _seed(grad)
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    order = _walk(root, with_leaves=False)  # interior nodes, grads reset
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
def grad(output: Value, inputs: Sequence[Value], grad_output: float = ..., *, create_graph: bool) -> list[Any]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], grad_output: float = ...) -> list[float]: ...
def grad(
    output: Value,
    inputs: Sequence[Value],
    grad_output: float = 1.0,
    *,
    create_graph: bool = False,
) -> list[Any]:
    """Gradients of ``output`` with respect to each of ``inputs``, without touching ``.grad``.

    Args:
        output: The Value to differentiate.
        inputs: The Values to differentiate with respect to. One not in ``output``'s
            graph gets gradient 0.
        grad_output: The upstream gradient ``∂L/∂output`` (default 1).
        create_graph: If True, the gradients are Values whose own graph can be
            differentiated again (higher-order derivatives).

    Returns:
        A list with one gradient per input: floats, or Values with ``create_graph``.

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
    seed = _seed(grad_output)
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
            previous = grads.get(id(parent))
            grads[id(parent)] = contribution if previous is None else previous + contribution
    zero: Any = Value(0.0) if create_graph else 0.0
    return [grads.get(id(x), zero) for x in inputs]
