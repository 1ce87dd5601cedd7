"""Derivatives of a function as numbers: the API of ``torch.autograd.functional`` (and JAX's ``value_and_grad``).

Each function takes ``f`` — a function of Values returning a Value (a scalar or lanes) or a
tuple/list of them — and the point ``inputs``: one number or lanes (a 1-D numpy array), or
a tuple of them, one per argument of ``f``. Results mirror the structure of the inputs and
outputs the way PyTorch's do, with a float for a scalar and a numpy array for lanes:

- :func:`jacobian` — ``J[i][j] = ∂f_i/∂x_j``, shaped ``out.shape + in.shape``;
- :func:`hessian` — the Jacobian of the gradient of a scalar ``f``;
- :func:`vjp` — ``(f(x), vᵀJ)``; :func:`jvp` — ``(f(x), J·v)`` (reverse over reverse);
- :func:`hvp` — ``(f(x), H·v)`` for a scalar ``f``;
- :func:`value_and_grad` — as in JAX: ``value_and_grad(f)(*xs)`` is ``(f(xs), ∂f/∂x_argnums)``.

>>> from autograd.functional import jacobian, hessian, hvp
>>> jacobian(lambda x, y: x * y, (2.0, 3.0))
(3.0, 2.0)
>>> hessian(lambda x, y: x * x * y, (2.0, 3.0))
((6.0, 4.0), (4.0, 0.0))
>>> hvp(lambda x: x**3, 2.0, 1.0)
(8.0, 12.0)

Everything runs on the engine's own reverse pass (:func:`autograd.grad`, with
``create_graph=True`` for second derivatives), so these are what ``backward()`` gives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.core.data import to_data
from autograd.core.engine import grad
from autograd.core.functions import load_numpy
from autograd.core.ops import vsum
from autograd.core.value import Value

__all__ = ["hessian", "hvp", "jacobian", "jvp", "value_and_grad", "vjp"]

Function = Callable[..., Any]


# -- inputs and outputs -------------------------------------------------------------------------


def _point(inputs: object, who: str) -> tuple[list[Any], bool]:
    """The inputs as a list of floats/lanes, and whether they were given as a tuple (structure)."""
    if isinstance(inputs, Value):
        raise TypeError(f"{who}: inputs are numbers or lanes, got a Value (pass its .data)")
    if isinstance(inputs, tuple | list):
        if not inputs:
            raise ValueError(f"{who}: inputs is empty: pass a number, lanes, or a tuple of them")
        return [_one(x, f"{who}: inputs[{i}]") for i, x in enumerate(inputs)], True
    return [_one(inputs, f"{who}: inputs")], False


def _one(x: object, what: str) -> Any:
    if isinstance(x, Value):
        raise TypeError(f"{what} is a Value: pass its number (.data)")
    if isinstance(x, tuple | list):
        raise TypeError(
            f"{what} is a {type(x).__name__}: a point's coordinates are separate inputs; lanes are a 1-D numpy array"
        )
    return to_data(x, what)


def _outputs(out: object, who: str) -> tuple[list[Value], bool]:
    if isinstance(out, Value):
        return [out], False
    if isinstance(out, tuple | list) and out and all(isinstance(o, Value) for o in out):
        return list(out), True
    raise TypeError(
        f"{who}: f must return a Value or a non-empty tuple/list of Values, got "
        + (
            type(out).__name__
            if not isinstance(out, tuple | list)
            else "a sequence holding "
            + ", ".join(sorted({type(o).__name__ for o in out if not isinstance(o, Value)}) or ["nothing"])
        )
    )


def _call(f: Function, xs: Sequence[Any], who: str) -> tuple[list[Value], list[Value], bool]:
    if not callable(f):
        raise TypeError(f"{who}: f must be callable, got {type(f).__name__}")
    leaves = [Value(x) for x in xs]
    outs, many = _outputs(f(*leaves), who)
    return leaves, outs, many


def _shape(data: Any) -> tuple[int, ...]:
    return () if type(data) is float else (len(data),)


def _number(x: Any) -> Any:
    """A float for a scalar, a numpy array (a copy) otherwise."""
    if isinstance(x, Value):
        x = x.data
    return (
        float(x) if type(x) is float or not hasattr(x, "shape") or x.shape == () else load_numpy().array(x, dtype=float)
    )


def _structure(items: list[Any], many: bool) -> Any:
    return tuple(items) if many else items[0]


def _like(x: Any, g: Any) -> Any:
    """The gradient ``g`` with the shape of the input ``x`` (lanes of zeros for an input with no path)."""
    if type(x) is not float and type(g) is float:
        return load_numpy().full(len(x), g)
    return _number(g)


def _gradient(output: Value, leaves: Sequence[Value], upstream: Any) -> list[Any]:
    return [_like(x.data, g) for x, g in zip(leaves, grad(output, list(leaves), upstream), strict=True)]


def _vector(v: object, like: Sequence[Any], what: str, who: str) -> list[Any]:
    """``v`` (a number, lanes, or a tuple of them) checked against the shapes of ``like``."""
    items = list(v) if isinstance(v, tuple | list) else [v]
    if len(items) != len(like):
        raise ValueError(f"{who}: v has {len(items)} part(s), the {what} {len(like)}")
    out = []
    for i, (item, ref) in enumerate(zip(items, like, strict=True)):
        data = _one(item, f"{who}: v[{i}]" if len(like) > 1 else f"{who}: v")
        shape, expected = _shape(data), _shape(ref)
        if shape != expected:
            where = f"v[{i}]" if len(like) > 1 else "v"
            raise ValueError(f"{who}: {where} has shape {shape}, the {what} it pairs with {expected}")
        out.append(data)
    return out


def _scalar_output(outs: list[Value], many: bool, who: str) -> Value:
    if many or outs[0].lanes is not None:
        raise ValueError(
            f"{who}: f must return one scalar Value (reduce lanes with .sum() or .mean()); "
            + (f"it returned {len(outs)} Values" if many else f"it returned {outs[0].lanes} lanes")
        )
    return outs[0]


def _weighted(outs: Sequence[Value], weights: Sequence[Any]) -> Value:
    """``Σ_k ⟨w_k, out_k⟩`` as one Value: its gradient is ``wᵀJ``."""
    terms = []
    for o, w in zip(outs, weights, strict=True):
        t = o * w
        terms.append(t if t.lanes is None else t.sum())
    return terms[0] if len(terms) == 1 else vsum(terms)


# -- the API ----------------------------------------------------------------------------------


def vjp(f: Function, inputs: Any, v: Any = None) -> tuple[Any, Any]:
    """``(f(inputs), vᵀJ)``: the vector-Jacobian product, one reverse pass.

    ``v`` has the structure of ``f``'s output (default 1.0 for a scalar output); the product
    has the structure of ``inputs``.

    >>> vjp(lambda x, y: x * y, (2.0, 3.0))
    (6.0, (3.0, 2.0))
    """
    who = "vjp"
    xs, many_in = _point(inputs, who)
    leaves, outs, many_out = _call(f, xs, who)
    if v is None:
        if many_out or outs[0].lanes is not None:
            raise ValueError(f"{who}: f's output is not one scalar, so v is needed (one number or lanes per output)")
        vs: list[Any] = [1.0]
    else:
        vs = _vector(v, [o.data for o in outs], "outputs", who)
    total = _weighted(outs, vs)
    values = _structure([_number(o.data) for o in outs], many_out)
    return values, _structure(_gradient(total, leaves, None), many_in)


def jvp(f: Function, inputs: Any, v: Any) -> tuple[Any, Any]:
    """``(f(inputs), J·v)``: the Jacobian-vector product (reverse over reverse).

    ``v`` has the structure of ``inputs``; the product that of ``f``'s output. Computed as
    the derivative of ``uᵀJ·v`` with respect to ``u`` (the "double vjp" trick): two reverse
    passes, the first with ``create_graph=True``.

    >>> jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
    (6.0, 3.0)
    """
    who = "jvp"
    xs, _ = _point(inputs, who)
    vs = _vector(v, xs, "inputs", who)
    leaves, outs, many_out = _call(f, xs, who)
    us = [Value(load_numpy().zeros(o.lanes) if o.lanes is not None else 0.0) for o in outs]
    total = _weighted(outs, us)
    grads = grad(total, leaves, create_graph=True)
    terms = []
    for g, w in zip(grads, vs, strict=True):
        t = g * w
        terms.append(t if t.lanes is None else t.sum())
    inner = terms[0] if len(terms) == 1 else vsum(terms)
    products = [_like(o.data, d) for o, d in zip(outs, grad(inner, us), strict=True)]
    values = _structure([_number(o.data) for o in outs], many_out)
    return values, _structure(products, many_out)


def jacobian(f: Function, inputs: Any) -> Any:
    """The Jacobian of ``f`` at ``inputs``: one reverse pass per output coordinate.

    As ``torch.autograd.functional.jacobian``: for one input and one output, the entry
    ``∂f/∂x`` (a float for scalars, an array of shape ``out.shape + in.shape`` with lanes);
    for a tuple of inputs, a tuple over the inputs; for a tuple of outputs, a tuple over
    the outputs of those.

    >>> import numpy as np
    >>> jacobian(lambda v: v * v, np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    who = "jacobian"
    xs, many_in = _point(inputs, who)
    leaves, outs, many_out = _call(f, xs, who)
    np = load_numpy()
    per_output = []
    for o in outs:
        if o.lanes is None:
            blocks = _gradient(o, leaves, None)
        else:
            rows = []
            for j in range(o.lanes):
                upstream = np.zeros(o.lanes)
                upstream[j] = 1.0
                rows.append(_gradient(o, leaves, upstream))
            blocks = [
                np.array([np.atleast_1d(r[k]) for r in rows]).reshape(o.lanes, *_shape(x)) for k, x in enumerate(xs)
            ]
        per_output.append(_structure(blocks, many_in))
    return _structure(per_output, many_out)


def hessian(f: Function, inputs: Any) -> Any:
    """The Hessian of a scalar ``f`` at ``inputs`` (reverse over reverse).

    As ``torch.autograd.functional.hessian``: for one input, ``∂²f/∂x²`` (a float, or an
    ``n × n`` array for lanes); for a tuple of inputs, a tuple of tuples ``H[i][j]``.
    """
    who = "hessian"
    xs, many_in = _point(inputs, who)
    leaves, outs, many_out = _call(f, xs, who)
    out = _scalar_output(outs, many_out, who)
    grads = grad(out, leaves, create_graph=True)
    np = load_numpy()
    rows: list[list[Any]] = []
    for g, x in zip(grads, xs, strict=True):
        if type(x) is float:
            rows.append(_gradient(g, leaves, None))
            continue
        per_lane = []
        for j in range(len(x)):
            upstream = np.zeros(len(x))
            upstream[j] = 1.0
            per_lane.append(_gradient(g, leaves, upstream) if g.lanes is not None else _gradient(g, leaves, None))
        rows.append(
            [np.array([np.atleast_1d(r[k]) for r in per_lane]).reshape(len(x), *_shape(xk)) for k, xk in enumerate(xs)]
        )
    return _structure([_structure(r, many_in) for r in rows], many_in)


def hvp(f: Function, inputs: Any, v: Any) -> tuple[Any, Any]:
    """``(f(inputs), H·v)`` for a scalar ``f``: the Hessian-vector product in two reverse passes.

    >>> hvp(lambda x, y: x * x * y, (2.0, 3.0), (1.0, 0.0))
    (12.0, (6.0, 4.0))
    """
    who = "hvp"
    xs, many_in = _point(inputs, who)
    vs = _vector(v, xs, "inputs", who)
    leaves, outs, many_out = _call(f, xs, who)
    out = _scalar_output(outs, many_out, who)
    grads = grad(out, leaves, create_graph=True)
    inner = _weighted(grads, vs)
    return _number(out.data), _structure(_gradient(inner, leaves, None), many_in)


def value_and_grad(f: Function, argnums: int | Sequence[int] = 0) -> Callable[..., tuple[float, Any]]:
    """``f`` turned into a function returning ``(f(*xs), ∂f/∂x_argnums)``, as JAX's ``value_and_grad``.

    ``f`` returns one scalar Value. With an int ``argnums`` the gradient is that argument's
    (a float, or an array for lanes); with a sequence of ints, a tuple of them.

    >>> value_and_grad(lambda x, y: x * y + y)(2.0, 3.0)
    (9.0, 3.0)
    >>> value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 3.0)
    (9.0, (3.0, 3.0))
    """
    who = "value_and_grad"
    if not callable(f):
        raise TypeError(f"{who}: f must be callable, got {type(f).__name__}")
    many = not isinstance(argnums, int)
    if isinstance(argnums, bool) or not (
        isinstance(argnums, int)
        or (
            isinstance(argnums, Sequence)
            and argnums
            and all(isinstance(a, int) and not isinstance(a, bool) for a in argnums)
        )
    ):
        raise TypeError(f"{who}: argnums must be an int or a non-empty sequence of ints, got {argnums!r}")
    chosen = [argnums] if isinstance(argnums, int) else list(argnums)

    def wrapped(*xs: Any) -> tuple[float, Any]:
        if not xs:
            raise TypeError(f"{who}: the function needs its arguments, got none")
        for a in chosen:
            if not -len(xs) <= a < len(xs):
                raise ValueError(f"{who}: argnums {a} is out of range for {len(xs)} argument(s)")
        data = [_one(x, f"{who}: argument {i}") for i, x in enumerate(xs)]
        leaves, outs, many_out = _call(f, data, who)
        out = _scalar_output(outs, many_out, who)
        grads = _gradient(out, [leaves[a] for a in chosen], None)
        return _number(out.data), tuple(grads) if many else grads[0]

    wrapped.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    wrapped.__doc__ = f"(value, gradient) of {getattr(f, '__name__', 'f')} with respect to argument(s) {argnums!r}."
    return wrapped
