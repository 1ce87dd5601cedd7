"""Many nodes of one op recorded together: :func:`dots` (a layer's ``dot`` nodes) and :func:`apply_each`.

Each records exactly the nodes its loop of single ops would record — the same op, the same
parents in the same order, the same local derivatives and data, bit for bit — and only
computes them differently when the inputs hold lanes: a layer of ``dot`` nodes is then a few
numpy operations on 2-D arrays (one row per node) instead of about thirty on 1-D lanes per
node. Every number is still the result of the same IEEE operations in the same order.

Anything unusual (inputs that are floats or plain numbers, lanes of different lengths, a
result that is not finite, an op without a 2-D form) records the nodes one by one with
:func:`~autograd.core.ops.dot` or :func:`~autograd.core.ops.apply`, so errors and their
messages are theirs.

Two promises the reverse pass may rely on, for a ``dot`` node recorded here with lanes: its
local derivatives towards its weights are the rows of *one* C-contiguous 2-D array, the
stacked inputs (row ``i`` for input ``i``, the same row objects for every node of the call),
and its data is a row of one 2-D array holding every node's data, row ``j`` for node ``j``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from autograd.core.data import to_float
from autograd.core.functions import load_numpy
from autograd.core.grad_mode import current_mode, resolve_mode
from autograd.core.ops import apply, dot
from autograd.core.rules import RULES, Rule
from autograd.core.value import Value, new_node

__all__ = ["apply_each", "dots"]

_DOT = RULES["dot"]
_data_of = operator.attrgetter("_data")


def dots(
    weights: Iterable[Iterable[Value | float]],
    inputs: Iterable[Value | float],
    biases: Iterable[Value | float | None] | None = None,
) -> list[Value]:
    """``[dot(w, inputs, b) for w, b in zip(weights, biases)]``: a layer's pre-activations, recorded together.

    One ``dot`` node per row of ``weights`` (a neuron's weights), with the same parents, local
    derivatives and data as :func:`~autograd.dot` gives it, bit for bit. When the inputs are
    Values holding lanes, the rows are computed together on 2-D arrays: a layer of 16 neurons
    of 16 inputs takes a few dozen numpy operations instead of about 500. ``biases`` gives one
    bias (or None) per row; None means no biases.

    >>> from autograd import Value, dots
    >>> x = [Value(1.0), Value(2.0)]
    >>> w = [[Value(0.5), Value(-1.0)], [Value(2.0), Value(0.25)]]
    >>> zs = dots(w, x, [Value(0.1), Value(0.0)])
    >>> [z.data for z in zs], zs[0].op, len(zs[0].parents)
    ([-1.4, 2.5], 'dot', 5)

    Raises:
        ValueError: if ``biases`` does not give one bias per row, or as :func:`~autograd.dot`
            does (a row whose length differs from the inputs', no inputs); and
            :class:`~autograd.DomainError` as ``dot`` does, naming the first row whose value
            is not finite.
    """
    rows = [w if isinstance(w, list) else list(w) for w in weights]
    xs = inputs if isinstance(inputs, list) else list(inputs)
    if biases is None:
        bs: list[Value | float | None] = [None] * len(rows)
    else:
        bs = list(biases)
        if len(bs) != len(rows):
            raise ValueError(f"dots needs one bias (or None) per row of weights, got {len(bs)} for {len(rows)} rows")
    together = _dots_on_lanes(rows, xs, bs)
    if together is not None:
        return together
    return [dot(row, xs, b) for row, b in zip(rows, bs, strict=True)]


def _dots_on_lanes(rows: list[list[Any]], xs: list[Any], bs: list[Any]) -> list[Value] | None:
    """The rows' ``dot`` nodes computed together, or None when the inputs are not all plain lanes
    of one length, the weights and biases not all Values holding floats, or a value not finite."""
    n_in = len(xs)
    if not rows or not n_in or set(map(type, xs)) != {Value}:
        return None
    datas = list(map(_data_of, xs))
    if float in set(map(type, datas)):
        return None
    if len(set(map(len, datas))) != 1 or set(map(len, rows)) != {n_in}:
        return None
    weights = list(chain.from_iterable(rows))  # every row's weights, row after row (checked at C speed)
    if set(map(type, weights)) != {Value}:
        return None
    wdata = list(map(_data_of, weights))
    if set(map(type, wdata)) != {float}:
        return None
    has_bias = bs[0] is not None
    if has_bias:
        if set(map(type, bs)) != {Value}:
            return None
        bdata = list(map(_data_of, bs))
        if set(map(type, bdata)) != {float}:
            return None
    elif bs.count(None) != len(bs):
        return None
    np = load_numpy()
    x = np.array(datas)  # (n_in, lanes), C-contiguous: row i is input i's lanes
    columns = np.array(wdata).reshape(len(rows), n_in).T[:, :, None]  # columns[i]: input i's weights, a column
    with np.errstate(all="ignore"):
        # dot_lanes' operations, each on every row at once: w_0·x_0 + w_1·x_1 + … + b, in order
        total = np.multiply(columns[0], x[0])
        if n_in > 1:
            product = np.empty_like(total)
            for i in range(1, n_in):
                np.multiply(columns[i], x[i], out=product)
                np.add(total, product, out=total)
        if has_bias:
            np.add(total, np.array(bdata)[:, None], out=total)
        # a nan or ±inf lane makes the sum nan or ±inf; finite lanes may also overflow it
        if not math.isfinite(np.add.reduce(total, axis=None)) and not np.isfinite(total).all():
            return None  # one by one: the first row that fails raises dot's own error
    total.flags.writeable = False
    outs = list(total)
    recording = current_mode().on
    if recording is None:
        recording = resolve_mode()
    if not recording:
        return [new_node(_DOT, out, (), (), None) for out in outs]
    x.flags.writeable = False
    # parents w_0, x_0, w_1, x_1, …[, b]; local derivatives x_0, w_0, x_1, w_1, …[, 1.0] (dot_local's)
    pairs = 2 * n_in
    parents: list[Any] = [None] * (pairs + has_bias)
    local: list[Any] = [1.0] * (pairs + has_bias)
    parents[1:pairs:2] = xs
    local[0:pairs:2] = list(x)
    nodes = []
    for j, out in enumerate(outs):
        parents[0:pairs:2] = rows[j]
        local[1:pairs:2] = wdata[j * n_in : (j + 1) * n_in]
        if has_bias:
            parents[pairs] = bs[j]
        nodes.append(new_node(_DOT, out, tuple(parents), tuple(local), None))
    return nodes


def apply_each(op: str, values: Iterable[Value | float], param: float | None = None) -> list[Value]:
    """``[apply(op, v, param=param) for v in values]``: a one-input op on many Values, recorded together.

    The same nodes as that loop, bit for bit. When the Values hold lanes of one length and the
    op's rule is ``elementwise`` (the activations ``relu``, ``leaky_relu``, ``tanh``, ``sigmoid``;
    an op of yours with ``define_op(..., elementwise=True)``), their lanes are stacked into one
    2-D array and the op runs once on it.

    >>> from autograd import Value, apply_each
    >>> [v.data for v in apply_each("relu", [Value(-1.0), Value(2.0)])]
    [0.0, 2.0]

    Raises:
        KeyError, TypeError: as :func:`~autograd.apply` does (no such op, a wrong ``param``,
            an op that takes more than one input), and :class:`~autograd.DomainError` naming
            the first Value where the op is undefined.
    """
    vs = values if isinstance(values, list) else list(values)
    rule = RULES.get(op)
    if rule is not None and rule.elementwise and len(vs) > 1 and (param is None) != rule.has_param:
        p = None if param is None else to_float(param, f"param of {op!r}")
        together = _each_on_lanes(rule, vs, p)
        if together is not None:
            return together
    return [apply(op, v, param=param) for v in vs]


def _each_on_lanes(rule: Rule, vs: Sequence[Any], param: float | None) -> list[Value] | None:
    """The nodes of ``rule`` on each of ``vs`` computed on their stacked lanes, or None when they
    are not all Values holding lanes of one length, or a value is not finite."""
    if set(map(type, vs)) != {Value}:
        return None
    datas = list(map(_data_of, vs))
    if float in set(map(type, datas)) or len(set(map(len, datas))) != 1:
        return None
    np = load_numpy()
    z = np.array(datas)
    recording = current_mode().on
    if recording is None:
        recording = resolve_mode()
    extra = () if param is None else (param,)
    forward = rule.lanes or rule.forward
    with np.errstate(all="ignore"):
        try:
            out: Any = forward(z, *extra)
            if type(out) is not np.ndarray or out.shape != z.shape:
                return None  # not elementwise after all (an op of yours): one by one
            local = rule.local(out, z, *extra) if recording else ()
        except (TypeError, ValueError):
            return None  # an op of yours that takes no 2-D array: one by one, with its own errors
        if not math.isfinite(np.add.reduce(out, axis=None)) and not np.isfinite(out).all():
            return None  # one by one: the first Value that fails raises the op's own error
    if recording and (len(local) != 1 or type(local[0]) is not np.ndarray or local[0].shape != z.shape):
        return None  # a derivative that is not one per lane (an op of yours): one by one
    out.flags.writeable = False
    if not recording:
        return [new_node(rule, o, (), (), param) for o in out]
    return [new_node(rule, o, (v,), (d,), param) for v, o, d in zip(vs, out, local[0], strict=True)]
