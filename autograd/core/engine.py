"""Reverse-mode differentiation over a graph of :class:`~autograd.Value` nodes: the public functions.

:func:`backward`, :func:`grad` (also with ``create_graph=True``) and :func:`topological_order`
check their arguments and run the one reverse pass, :func:`autograd.core.reverse.reverse_pass`;
for ``create_graph`` with :class:`autograd.core.higher_order.GradientGraph` recording the
gradient as Values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal, overload

from autograd.core import reverse
from autograd.core.errors import deferring
from autograd.core.functions import load_numpy
from autograd.core.higher_order import GradientGraph
from autograd.core.value import Value

__all__ = ["backward", "grad", "topological_order", "zero_grad"]

_isfinite = math.isfinite


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, parents before children, ``root`` last.

    Each node appears once, however many paths lead to it. Depth-first in argument
    order, so the numbering reads like the expression (``a * b + c``: a, b, a*b, c, +).
    Iterative, so a 1,000,000-deep chain is fine.
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    return reverse.topological_order(root)


def backward(root: Value, grad: object = None) -> None:
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
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    reverse.run_backward(root, grad)


def zero_grad(values: Iterable[Value]) -> None:
    """Reset ``.grad`` to 0.0 on each of ``values``; all are checked first (a non-Value changes nothing)."""
    values = list(values)
    if not all(map(Value.__instancecheck__, values)):  # one C loop (measured: cheaper than a set of types)
        for v in values:
            if not isinstance(v, Value):
                raise TypeError(f"zero_grad expects Values, got {type(v).__name__}")
    for v in values:
        v.grad = 0.0


@overload
def grad(
    output: Value, inputs: Sequence[Value], grad_output: object = ..., *, create_graph: Literal[True]
) -> list[Value]: ...
@overload
def grad(
    output: Value, inputs: Sequence[Value], grad_output: object = ..., *, create_graph: Literal[False] = ...
) -> list[float]: ...
@overload
def grad(
    output: Value, inputs: Sequence[Value], grad_output: object = ..., *, create_graph: bool
) -> list[Value] | list[float]: ...
def grad(
    output: Value,
    inputs: Sequence[Value],
    grad_output: object = None,
    *,
    create_graph: bool = False,
) -> list[Any]:  # the overloads above say which
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
    seed = reverse.seed_gradient(grad_output, output)
    order, _leaves, lanes = reverse.interior_order(output, reset=False)
    if create_graph:
        graph = GradientGraph(output)
        token = deferring.set(True)  # a node's infinite derivative raises only when a gradient uses it
        try:
            grads = reverse.reverse_pass(order, output, Value(seed), lanes=lanes, graph=graph)
            zero = Value(0.0)  # the gradient of an input no path reaches (one per lane for lanes)
            return [
                graph.final(grads[x])
                if x in grads
                else zero
                if type(x._data) is float
                else Value(reverse.per_lane(x, 0.0))
                for x in inputs
            ]
        finally:
            deferring.reset(token)
    if lanes:
        with load_numpy().errstate(over="ignore", invalid="ignore"):  # a non-finite gradient is reported below
            grads = reverse.reverse_pass(order, output, seed, lanes=True)
    else:
        grads = reverse.reverse_pass(order, output, seed, lanes=False)
    result = [grads.get(x, 0.0) for x in inputs]
    for g in result:
        if not (_isfinite(g) if type(g) is float else bool(load_numpy().isfinite(g).all())):
            raise reverse.not_finite_error(output, grads.get, "grad")
    # an input holding lanes gets one gradient per lane, also when they are all 0
    return [
        reverse.per_lane(x, g) if type(g) is float and type(x._data) is not float else g
        for x, g in zip(inputs, result, strict=True)
    ]
