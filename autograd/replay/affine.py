"""Affine nodes: a neuron's ``dot`` of many scalar weights with lanes, as a few numpy operations.

A neuron on a batch is one ``dot`` node, ``w0·x0 + w1·x1 + … + b``, with scalar weights and
lanes ``x``. Written out op by op it costs two numpy calls per input in the forward pass
and three in the reverse pass, and on 100 lanes numpy's cost per call is most of the time.
Here the weights become one array, the inputs one stacked array, and the node (or a whole
layer of such nodes, in a vectorized loop: one row of weights per neuron) costs a
handful of calls:

- forward: the products ``W[:, :, None] * X`` then ``numpy.add.reduce`` over the inputs'
  axis — not the fast axis, so numpy adds the terms one after the other, in the order the
  rule adds them — then the bias;
- reverse: each weight's gradient is ``(x · g)`` summed over the lanes (numpy's sum along
  the fast axis, as the op-by-op program sums each row), each input's gradient the sum
  over the neurons of ``w · g``, last neuron first (the eager engine's order).

So the numbers are the eager engine's, bit for bit. That holds only while the ``dot`` rule
adds its terms left to right and its local derivatives are ``(x0, w0, x1, w1, …, 1.0)``:
:func:`affine` evaluates the rule's own functions on symbols and checks it.

That order costs: the products and the sums above are 3-D arrays (neurons × inputs ×
lanes). Unless the program must be exact (``compile(..., exact=True)``, as gradcheck's
probes are), a layer runs as matrix products instead — ``W @ X`` forward, ``G @ Xᵀ`` for
the weights' gradients, ``Wᵀ @ G`` for the inputs' — which add the same products in BLAS's
order (and may fuse a multiply and an add): every number agrees with the eager engine's to
rounding, a few units in the last place of each sum, far inside 1e-12 relative. There a layer's
biases are a last column of ``W`` and its inputs get a last row of ones (a new array each call),
so one product gives ``W @ X + b`` and one its weights' and biases' gradients; and a layer or a
neuron whose inputs are all the rows of one array in reverse reads the array as it is, its
weights' columns reversed instead (numpy multiplies a reversed view without BLAS).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from autograd.replay.codegen import accumulate
from autograd.replay.fold import reads
from autograd.replay.gather import add_into, rows_view, take
from autograd.replay.symbolic import Sym, Writer, symbolic
from autograd.replay.tape import Tape

if TYPE_CHECKING:
    from autograd.replay.codegen import Names
    from autograd.replay.loops import Homes, Segment

__all__ = ["MIN_PAIRS", "affine", "affine_backward", "affine_forward", "layer", "layer_backward", "layer_forward"]

#: Fewer (weight, input) pairs than this run op by op: batching would not pay.
MIN_PAIRS = 2

_array_of = operator.itemgetter(0)  # of a vectorized loop's (array, row) pair


def _resolve(w: Writer, text: str) -> str:
    """``text`` with the temporaries the symbolic evaluation wrote (``t3 = …``) put back in."""
    for line in reversed(w.lines):
        name, _, expr = line.strip().partition(" = ")
        text = re.sub(rf"\b{name}\b", expr, text)
    return text


@functools.cache
def _rule_is_affine(forward: Callable[..., Any], local: Callable[..., Any], m: int) -> bool:
    """Whether a ``dot`` rule's functions, on ``m`` operands, add ``w_i·x_i`` left to right (then
    the bias) and give the local derivatives ``(x0, w0, x1, w1, …[, 1.0])``."""
    pairs = m // 2
    w = Writer()
    syms = [Sym(f"a{i}", i % 2 == 1, w) for i in range(m)]
    value = symbolic(forward, tuple(syms))
    if not isinstance(value, Sym):
        return False
    expected = "(a0 * a1)"
    for i in range(1, pairs):
        expected = f"({expected} + (a{2 * i} * a{2 * i + 1}))"
    if m % 2:
        expected = f"({expected} + a{m - 1})"
    if _resolve(w, value.text) != expected:
        return False
    w = Writer()
    syms = [Sym(f"a{i}", i % 2 == 1, w) for i in range(m)]
    locals_ = symbolic(local, (Sym("o", True, w), *syms))
    want: list[str | float] = [f"a{i + 1 if i % 2 == 0 else i - 1}" for i in range(2 * pairs)]
    if m % 2:
        want.append(1.0)
    got = [r if type(r) is float else r.text for r in locals_] if type(locals_) is tuple else None
    return got == want and not w.lines


def affine(tape: Tape, j: int) -> bool:
    """Whether node ``j`` is a ``dot`` of at least :data:`MIN_PAIRS` (scalar weight, lanes input)
    pairs (and maybe a scalar bias) on distinct slots, computed as the module docstring says."""
    rule = tape.rules[j]
    if rule.name != "dot" or tape.params[j] is not None:
        return False
    parents = tape.parents[j]
    m = len(parents)
    if m // 2 < MIN_PAIRS or len(set(parents)) != m:
        return False
    lanes = tape.lanes
    if lanes[len(tape.leaves) + j] is None:
        return False
    for i, s in enumerate(parents):
        if (lanes[s] is None) != (i % 2 == 0):  # weights (and the bias) scalar, inputs lanes
            return False
    return _rule_is_affine(rule.lanes or rule.forward, rule.local, m)


# -- the helpers a program calls ----------------------------------------------------------------


def _np() -> Any:
    import numpy

    return numpy


def _row(weights: Any, xs: Any, bias: int) -> Any:
    """One node: ``Σ w_i·x_i (+ b)``, terms added left to right (``xs``: the inputs stacked, one row each)."""
    n = len(xs)
    total = _np().add.reduce(weights[:n, None] * xs, axis=0)
    return total + weights[n] if bias else total


def _row_fast(weights: Any, xs: Any, bias: int) -> Any:
    """One node as a matrix product: ``w @ X (+ b)`` (the bias added last, as the rule does)."""
    n = len(xs)
    total = weights[:n] @ xs
    return total + weights[n] if bias else total


def _row_weight_sums(xs: Any, g: Any, bias: int) -> Any:
    """Each weight's gradient ``Σ_lanes x_i·g`` (then the bias's ``Σ_lanes g``), as an array."""
    np = _np()
    sums = (xs * g).sum(axis=1)
    return np.append(sums, g.sum()) if bias else sums


def _row_weight_sums_fast(xs: Any, g: Any, bias: int) -> Any:
    """:func:`_row_weight_sums` as one matrix product ``X @ g``."""
    np = _np()
    sums = xs @ g
    return np.append(sums, g.sum()) if bias else sums


def _row_products(xs: Any, g: Any) -> Any:
    """Each weight's gradient ``Σ_lanes x_i·g``, as an array (the bias's is ``g.sum()``)."""
    return (xs * g).sum(axis=1)


def _row_products_fast(xs: Any, g: Any) -> Any:
    """:func:`_row_products` as one matrix product ``X @ g``."""
    return xs @ g


def _row_input_grads(weights: Any, n: int, g: Any) -> Any:
    """Each input's gradient ``w_i·g``, one row per input."""
    return weights[:n, None] * g


def _plus(total: Any, rows: Any, i: int) -> Any:
    """``total + rows[i]`` (``rows[i]`` itself when nothing was added yet)."""
    row = rows[i]
    return row if type(total) is float and total == 0.0 else total + row


def _layer(weights: Any, xs: Any) -> Any:
    """A layer: row ``k`` is neuron ``k``'s ``Σ w_ki·x_i``, terms added left to right (``weights``:
    one row per neuron; ``xs``: the inputs stacked, one row each). The program adds the biases."""
    return _np().add.reduce(weights[:, :, None] * xs, axis=1)


def _layer_fast(weights: Any, xs: Any) -> Any:
    """:func:`_layer` as one matrix product ``W @ X``."""
    return weights @ xs


def _layer_weight_sums(xs: Any, g: Any) -> Any:
    """``Σ_lanes x_i·g_k`` for each neuron k and input i, one row per neuron."""
    return (g[:, None, :] * xs).sum(axis=2)


def _layer_weight_sums_fast(xs: Any, g: Any) -> Any:
    """:func:`_layer_weight_sums` as one matrix product ``G @ Xᵀ``."""
    return g @ xs.T


def _matrix(values: tuple[float, ...], rows: int, cols: int) -> Any:
    np = _np()
    return np.fromiter(values, np.float64, len(values)).reshape(rows, cols)


def _add_into(target: list[Any], start: int, stop: int, order: Any, values: Any) -> None:
    """``target[start + k] += values.flat[order[k]]`` for each k: the slots are the run ``start … stop − 1``
    (``order`` None: ``values`` already in slot order)."""
    flat = values.ravel() if order is None else values.ravel()[order]
    if type(target) is not list:  # a numpy array
        target[start:stop] += flat
        return
    target[start:stop] = list(map(operator.add, target[start:stop], flat.tolist()))


def _add_each_slot(target: list[Any], slots: tuple[int, ...], values: Any) -> None:
    """``target[slot] += value`` for each slot, in the order of ``values.ravel()``."""
    for s, v in zip(slots, values.ravel().tolist(), strict=True):
        target[s] = target[s] + v


def _layer_input_grads(weights: Any, n: int, g: Any) -> tuple[Any, Any]:
    """Per input, the terms ``w_ki·g_k``, last neuron first, and their sums (added in that order)."""
    terms = weights[::-1, :n, None] * g[::-1, None, :]
    return terms, _np().add.reduce(terms, axis=0)


def _layer_input_sums(weights: Any, g: Any) -> Any:
    """Per input, ``Σ_k w_ki·g_k`` as one matrix product ``Wᵀ @ G`` (one row per input)."""
    return weights.T @ g


def _layer_input_sums_of(weights: Any, g: Any, n: int) -> Any:
    """:func:`_layer_input_sums` for the first ``n`` columns of ``weights`` (the others: the biases')."""
    return weights[:, :n].T @ g


def _add_terms(total: Any, terms_sums: tuple[Any, Any], i: int) -> Any:
    """``total`` plus input ``i``'s terms, last neuron first."""
    terms, sums = terms_sums
    if type(total) is float and total == 0.0:
        return sums[i]
    for row in terms[:, i]:
        total = total + row
    return total


# -- straight code: one node ----------------------------------------------------------------------


def stacked(w: Writer, names: Names, slots: list[int], operands: list[str]) -> str:
    """Program text for the values of ``slots`` as one array, a row each: a view of the array a
    vectorized loop holds them in when they are its rows in a row (else one ``numpy.array``)."""
    return rows_view(names, slots) or f"{w.bind(_np().array, 'N')}(({', '.join(operands)},))"


def reads_rows(tape: Tape, names: Homes, reader: int, layers: dict[str, bool]) -> bool:
    """Whether the node at slot ``reader`` reads its lanes inputs only as a view of a vectorized
    array's rows (:func:`stacked`): a neuron in straight code, or a layer in a vectorized loop
    (``layers``: what :func:`layer` said of each array's loop, filled as it is asked)."""
    nl = len(tape.leaves)
    j = reader - nl
    if j < 0:
        return False
    where = names.rows.get(reader)
    if where is not None:
        known = layers.get(where[0])
        if known is None:
            seg, o = names.arrays[where[0]]
            known = layers[where[0]] = layer(tape, seg, o)
        if not known:
            return False
    elif names.owner[reader] >= 0 or not affine(tape, j):  # in a loop other than a vectorized one
        return False
    parents = tape.parents[j]
    return rows_view(names, parents[1 : 2 * (len(parents) // 2) : 2]) is not None


def _whole_rows(w: Writer, tape: Tape, names: Names, inputs: list[int], rows: str, readers: int = 1) -> bool:
    """When ``inputs`` are all the rows of one vectorized array ``u<slot>`` and this node (or this
    layer's ``readers`` neurons) reads them and nothing else does, emit their gradient ``k<slot>``
    as the rows ``rows`` (one per input) put in its row order."""
    where = [names.rows.get(s) for s in inputs]
    first = where[0]
    if first is None or any(r is None or r[0] != first[0] for r in where) or first[0] in names.ready:
        return False
    index = [r[1] for r in where if r is not None]
    size = list(map(_array_of, names.rows.values())).count(first[0])
    if sorted(index) != list(range(len(index))) or len(index) != size:
        return False
    count = reads(tape)
    if any(count[s] != readers for s in inputs):
        return False
    order = [0] * len(index)
    for i, r in enumerate(index):
        order[r] = i
    if order == list(range(len(order))):
        text = rows
    elif order == list(range(len(order) - 1, -1, -1)):
        text = f"{rows}[::-1]"
    else:
        text = f"{rows}[{w.bind(_np().array(order, dtype=_np().intp), 'O')}]"
    w.emit(f"k{first[0][1:]} = {text}")
    names.ready.add(first[0])
    return True


def affine_forward(w: Writer, tape: Tape, j: int, operands: list[str], target: str, names: Names) -> None:
    """Emit ``target = <node j's value>`` for an :func:`affine` node (its weights ``w<slot>`` and its
    inputs ``s<slot>`` stacked as arrays, which its reverse pass reads too)."""
    m = len(operands)
    slot = len(tape.leaves) + j
    weight_slots, xs = _node_slots(w, names, tape.parents[j])
    gathered = take(w, names, weight_slots)  # leaves: a slice (or an index) of the leaves' array
    weights = ", ".join(names.value(s) for s in weight_slots)
    w.emit(f"w{slot} = {gathered or w.bind(_np().array, 'N') + '((' + weights + ',))'}")
    w.emit(f"s{slot} = {stacked(w, names, xs, [names.value(s) for s in xs])}")
    row = _row if w.exact else _row_fast
    w.emit(f"{target} = {w.bind(row, 'F')}(w{slot}, s{slot}, {m % 2})")


def _node_slots(w: Writer, names: Names, parents: tuple[int, ...]) -> tuple[list[int], list[int]]:
    """An :func:`affine` node's weight slots (then its bias) and input slots, in the row order of the
    array holding the inputs (see :func:`_in_row_order`; as they are when ``exact``)."""
    n = len(parents) // 2
    inputs, weights = _in_row_order(
        w, names, [parents[i] for i in range(1, 2 * n, 2)], tuple(parents[i] for i in range(0, 2 * n, 2))
    )
    return [*weights, *parents[2 * n :]], inputs


def affine_backward(w: Writer, tape: Tape, j: int, g: str, names: Names, needs: list[bool], assigned: set[int]) -> None:
    """Emit the reverse pass of an :func:`affine` node whose gradient (lanes) is ``g``."""
    parents = tape.parents[j]
    m = len(parents)
    n = m // 2
    slot = len(tape.leaves) + j
    weight_slots, input_slots = _node_slots(w, names, parents)
    in_array = names.array_gz and all(names.grad(s) == f"GZ[{s}]" for s in weight_slots)
    if any(needs[s] for s in weight_slots) and in_array:
        products = w.bind(_row_products if w.exact else _row_products_fast, "F")
        add_into(w, weight_slots[:n], f"{products}(s{slot}, {g})")  # the array of leaf gradients
        if m % 2:
            add_into(w, weight_slots[n:], f"{g}.sum()")
    elif any(needs[s] for s in weight_slots):
        sums = f"{w.bind(_row_weight_sums if w.exact else _row_weight_sums_fast, 'F')}(s{slot}, {g}, {m % 2})"
        if all(names.grad(s) == f"GZ[{s}]" for s in weight_slots):  # the list of leaf gradients
            _scatter_into(w, "GZ", tuple(weight_slots), sums)
        else:
            temps = [w.temp() for _ in weight_slots]
            w.emit(f"{', '.join(temps)}, = {sums}.tolist()")
            for s, t in zip(weight_slots, temps, strict=True):
                if needs[s]:
                    accumulate(w, names.grad(s), t, s not in assigned)
                    assigned.add(s)
    if any(needs[s] for s in input_slots):
        rows = f"d{slot}"
        w.emit(f"{rows} = {w.bind(_row_input_grads, 'F')}(w{slot}, {n}, {g})")
        if _whole_rows(w, tape, names, input_slots, rows):
            return
        plus = w.bind(_plus, "F")
        for i, s in enumerate(input_slots):
            if needs[s]:
                target = names.grad(s)
                if s in assigned:
                    w.emit(f"{target} = {plus}({target}, {rows}, {i})")
                else:
                    w.emit(f"{target} = {rows}[{i}]")
                    assigned.add(s)


# -- vectorized loops: a layer ------------------------------------------------------------------


def layer(tape: Tape, seg: Segment, o: int) -> bool:
    """Whether the vectorized loop's body node ``o`` is an :func:`affine` node whose weights and
    bias are leaves at a stride (one row per neuron, no two alike) and whose inputs are the
    same for every neuron."""
    j = seg.start + o
    if not affine(tape, j):
        return False
    m = len(tape.parents[j])
    nl = len(tape.leaves)
    seen: set[int] = set()
    for i in range(m):
        outer = seg.strided.get((o, i))
        if outer is None:
            return False
        first, step = outer
        if i % 2 == 1 and i < 2 * (m // 2):
            if step:
                return False  # an input read at a stride
            continue
        slots = set(range(first, first + step * seg.count, step)) if step else {first}
        if not step or first >= nl or max(slots) >= nl or seen & slots:
            return False
        seen |= slots
    return True


def _weight_slots(seg: Segment, o: int, m: int, bias: bool = True) -> tuple[int, ...]:
    """The slots of the layer's weights, neuron by neuron (each neuron's bias last, unless not ``bias``)."""
    columns = [*range(0, 2 * (m // 2), 2), *(range(2 * (m // 2), m) if bias else ())]
    outer = [seg.strided[(o, i)] for i in columns]
    return tuple([first + it * step for it in range(seg.count) for first, step in outer])


def _bias_slots(seg: Segment, o: int, m: int) -> tuple[int, ...]:
    first, step = seg.strided[(o, m - 1)]
    return tuple(range(first, first + step * seg.count, step))


def _inputs(seg: Segment, o: int, m: int) -> list[int]:
    return [seg.strided[(o, i)][0] for i in range(1, 2 * (m // 2), 2)]


def layer_forward(w: Writer, tape: Tape, names: Homes, seg: Segment, o: int, target: str) -> None:
    """Emit ``target = <the layer's values>`` (neurons × lanes) for a :func:`layer` body node."""
    j = seg.start + o
    m = len(tape.parents[j])
    n = m // 2
    slot = len(tape.leaves) + j
    inputs, weights = _in_row_order(w, names, _inputs(seg, o, m), _weight_slots(seg, o, m, False))
    if not w.exact and m % 2:  # one matrix product: the biases a last column, the inputs a last row of ones
        w.emit(f"w{slot} = {_leaf_matrix(w, names, _with_biases(seg, o, m, weights), (seg.count, n + 1))}")
        w.emit(f"s{slot} = {_with_ones(w, tape, names, inputs)}")
        w.emit(f"{target} = {w.bind(_np().matmul, 'N')}(w{slot}, s{slot})")
        return
    w.emit(f"w{slot} = {_leaf_matrix(w, names, weights, (seg.count, n))}")
    w.emit(f"s{slot} = {stacked(w, names, inputs, [names.value(s) for s in inputs])}")
    total = f"{w.bind(_layer if w.exact else _layer_fast, 'F')}(w{slot}, s{slot})"
    if m % 2:  # the biases, a column, added last as the rule adds them
        w.emit(f"b{slot} = {_leaf_matrix(w, names, _bias_slots(seg, o, m), (seg.count, 1))}")
        total = f"{total} + b{slot}"
    w.emit(f"{target} = {total}")


def _with_biases(seg: Segment, o: int, m: int, weights: tuple[int, ...]) -> tuple[int, ...]:
    """The slots of a layer's weights, neuron by neuron, each row followed by the neuron's bias."""
    n = m // 2
    biases = _bias_slots(seg, o, m)
    return tuple(s for k, b in enumerate(biases) for s in (*weights[k * n : (k + 1) * n], b))


def _with_ones(w: Writer, tape: Tape, names: Names, inputs: list[int]) -> str:
    """Program text for a layer's inputs stacked, one row each, and a last row of ones (a new array
    each call: the constant row is only read)."""
    np = _np()
    lanes = tape.lanes[inputs[0]]
    view = rows_view(names, inputs)
    if view is not None:
        ones = np.ones((1, lanes))
        ones.flags.writeable = False
        return f"{w.bind(np.concatenate, 'N')}(({view}, {w.bind(ones, 'O')}))"
    row = np.ones(lanes)
    row.flags.writeable = False
    values = ", ".join(names.value(s) for s in inputs)
    return f"{w.bind(np.array, 'N')}(({values}, {w.bind(row, 'O')}))"


def _in_row_order(
    w: Writer, names: Names, inputs: list[int], weights: tuple[int, ...]
) -> tuple[list[int], tuple[int, ...]]:
    """A layer's inputs, and its weights' slots (neuron by neuron), in the row order of the array
    holding the inputs when they are all its rows in reverse: the matrix product then reads the
    array itself, not a reversed view (which numpy multiplies without BLAS). Only for programs
    that may add in BLAS's order (not ``exact``); otherwise as they are."""
    n = len(inputs)
    view = rows_view(names, inputs)
    if w.exact or view is None or n < 2 or not view.endswith(f"[{n - 1}:None:-1]"):
        return inputs, weights
    array = view.partition("[")[0]
    if list(map(_array_of, names.rows.values())).count(array) != n:
        return inputs, weights
    rows = [weights[k : k + n][::-1] for k in range(0, len(weights), n)]
    return inputs[::-1], tuple(s for row in rows for s in row)


def _leaf_matrix(w: Writer, names: Names, slots: tuple[int, ...], shape: tuple[int, int]) -> str:
    """Program text for the numbers of the leaves ``slots`` as an array of ``shape`` (row by row)."""
    text = take(w, names, slots, shape)
    if text is not None:
        return text
    getter = w.bind(operator.itemgetter(*slots), "F")  # pragma: no cover - a layer's weights are in z0
    return f"{w.bind(_matrix, 'F')}({getter}(Z), {shape[0]}, {shape[1]})"  # pragma: no cover


def _add_leaf_gradients(w: Writer, names: Names, slots: tuple[int, ...], values: str, shape: tuple[int, ...]) -> None:
    """Emit ``GZ[slot] += value`` for each slot (``values``: an array of ``shape``, row by row)."""
    if names.array_gz:
        add_into(w, slots, values, shape)
    else:
        _scatter_into(w, "GZ", slots, values)


def _scatter_into(w: Writer, target: str, slots: tuple[int, ...], values: str) -> None:
    """Emit ``target[slot] += value`` for each slot and value of ``values.ravel()``: one slice of the
    list when the slots are a run of consecutive slots (reordered by one index array), else slot by slot."""
    low = min(slots)
    if sorted(slots) != list(range(low, low + len(slots))):
        w.emit(f"{w.bind(_add_each_slot, 'F')}({target}, {w.bind(slots, 'O')}, {values})")
        return
    order = sorted(range(len(slots)), key=slots.__getitem__)
    index = "None" if order == list(range(len(slots))) else w.bind(_np().array(order, dtype=_np().intp), "O")
    w.emit(f"{w.bind(_add_into, 'F')}({target}, {low}, {low + len(slots)}, {index}, {values})")


def layer_backward(
    w: Writer, tape: Tape, seg: Segment, o: int, g: str, names: Homes, needs: list[bool], assigned: set[int]
) -> None:
    """Emit the reverse pass of a :func:`layer` body node whose gradient (neurons × lanes) is ``g``."""
    j = seg.start + o
    m = len(tape.parents[j])
    slot = len(tape.leaves) + j
    weight_slots = _weight_slots(seg, o, m)
    inputs, weights = _in_row_order(w, names, _inputs(seg, o, m), _weight_slots(seg, o, m, False))
    augmented = not w.exact and m % 2  # see layer_forward
    if any(needs[s] for s in weight_slots) and augmented:  # the biases' gradients in the same product
        with_biases = _with_biases(seg, o, m, weights)
        shape = (seg.count, m // 2 + 1)
        _add_leaf_gradients(w, names, with_biases, f"{w.bind(_layer_weight_sums_fast, 'F')}(s{slot}, {g})", shape)
    elif any(needs[s] for s in weight_slots):
        sums = w.bind(_layer_weight_sums if w.exact else _layer_weight_sums_fast, "F")
        shape = (seg.count, m // 2)
        _add_leaf_gradients(w, names, weights, f"{sums}(s{slot}, {g})", shape)
        if m % 2:
            _add_leaf_gradients(w, names, _bias_slots(seg, o, m), f"{g}.sum(axis=1)", (seg.count,))
    if any(needs[s] for s in inputs) and not w.exact:
        if augmented:  # the weights without their biases' column
            w.emit(f"d{slot} = {w.bind(_layer_input_sums_of, 'F')}(w{slot}, {g}, {m // 2})")
        else:
            w.emit(f"d{slot} = {w.bind(_layer_input_sums, 'F')}(w{slot}, {g})")
        if _whole_rows(w, tape, names, inputs, f"d{slot}", seg.count):
            return
        for i, s in enumerate(inputs):
            if needs[s]:
                accumulate(w, names.grad(s), f"d{slot}[{i}]", s not in assigned)
                assigned.add(s)
    elif any(needs[s] for s in inputs):
        w.emit(f"d{slot} = {w.bind(_layer_input_grads, 'F')}(w{slot}, {m // 2}, {g})")
        if _whole_rows(w, tape, names, inputs, f"d{slot}[1]", seg.count):
            return
        add = w.bind(_add_terms, "F")
        for i, s in enumerate(inputs):
            if needs[s]:
                target = names.grad(s)
                if s in assigned:
                    w.emit(f"{target} = {add}({target}, d{slot}, {i})")
                else:
                    w.emit(f"{target} = d{slot}[1][{i}]")
                    assigned.add(s)
