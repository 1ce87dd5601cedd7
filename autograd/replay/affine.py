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
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from autograd.replay.codegen import accumulate, slots_of
from autograd.replay.symbolic import Sym, Writer, symbolic
from autograd.replay.tape import Tape

if TYPE_CHECKING:
    from autograd.replay.codegen import Names
    from autograd.replay.loops import Homes, Segment

__all__ = ["MIN_PAIRS", "affine", "affine_backward", "affine_forward", "layer", "layer_backward", "layer_forward"]

#: Fewer (weight, input) pairs than this run op by op: batching would not pay.
MIN_PAIRS = 4


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


def _row(weights: tuple[float, ...], xs: tuple[Any, ...], bias: int) -> Any:
    """One node: ``Σ w_i·x_i (+ b)``, terms added left to right."""
    np = _np()
    w = np.array(weights, dtype=np.float64)
    n = len(xs)
    total = np.add.reduce(w[:n, None] * np.array(xs), axis=0)
    return total + w[n] if bias else total


def _row_weight_grads(xs: tuple[Any, ...], g: Any, bias: int) -> list[float]:
    """Each weight's gradient ``Σ_lanes x_i·g`` (then the bias's ``Σ_lanes g``), as floats."""
    sums: list[float] = (_np().array(xs) * g).sum(axis=1).tolist()
    if bias:
        sums.append(float(g.sum()))
    return sums


def _row_input_grads(weights: tuple[float, ...], n: int, g: Any) -> Any:
    """Each input's gradient ``w_i·g``, one row per input."""
    np = _np()
    return np.array(weights[:n], dtype=np.float64)[:, None] * g


def _plus(total: Any, rows: Any, i: int) -> Any:
    """``total + rows[i]`` (``rows[i]`` itself when nothing was added yet)."""
    row = rows[i]
    return row if type(total) is float and total == 0.0 else total + row


def _matrix(values: tuple[float, ...], rows: int, cols: int) -> Any:
    np = _np()
    return np.fromiter(values, np.float64, len(values)).reshape(rows, cols)


def _layer(weights: Any, xs: tuple[Any, ...], bias: int) -> Any:
    """A layer: row ``k`` is neuron ``k``'s ``Σ w_ki·x_i (+ b_k)``, terms added left to right."""
    np = _np()
    n = len(xs)
    total = np.add.reduce(weights[:, :n, None] * np.array(xs), axis=1)
    return total + weights[:, n, None] if bias else total


def _layer_weight_grads(
    target: list[Any], slots: tuple[int, ...] | slice, xs: tuple[Any, ...], g: Any, bias: int
) -> None:
    """``target[slot] += Σ_lanes x_i·g_k`` for each neuron k and input i (then each bias's ``Σ_lanes g_k``)."""
    np = _np()
    sums = (g[:, None, :] * np.array(xs)).sum(axis=2)
    if bias:
        sums = np.concatenate((sums, g.sum(axis=1)[:, None]), axis=1)
    values = sums.ravel().tolist()
    if type(slots) is slice:
        target[slots] = list(map(operator.add, target[slots], values))
        return
    for s, v in zip(slots, values, strict=True):
        target[s] = target[s] + v


def _layer_input_grads(weights: Any, n: int, g: Any) -> tuple[Any, Any]:
    """Per input, the terms ``w_ki·g_k``, last neuron first, and their sums (added in that order)."""
    terms = weights[::-1, :n, None] * g[::-1, None, :]
    return terms, _np().add.reduce(terms, axis=0)


def _add_terms(total: Any, terms_sums: tuple[Any, Any], i: int) -> Any:
    """``total`` plus input ``i``'s terms, last neuron first."""
    terms, sums = terms_sums
    if type(total) is float and total == 0.0:
        return sums[i]
    for row in terms[:, i]:
        total = total + row
    return total


# -- straight code: one node ----------------------------------------------------------------------


def affine_forward(w: Writer, tape: Tape, j: int, operands: list[str], target: str) -> None:
    """Emit ``target = <node j's value>`` for an :func:`affine` node."""
    m = len(operands)
    n = m // 2
    weights = [operands[i] for i in range(0, 2 * n, 2)] + operands[2 * n :]
    xs = [operands[i] for i in range(1, 2 * n, 2)]
    w.emit(f"{target} = {w.bind(_row, 'F')}(({', '.join(weights)},), ({', '.join(xs)},), {m % 2})")


def affine_backward(w: Writer, tape: Tape, j: int, g: str, names: Names, needs: list[bool], assigned: set[int]) -> None:
    """Emit the reverse pass of an :func:`affine` node whose gradient (lanes) is ``g``."""
    parents = tape.parents[j]
    m = len(parents)
    n = m // 2
    operands = [names.value(s) for s in parents]
    weight_slots = [parents[i] for i in range(0, 2 * n, 2)] + list(parents[2 * n :])
    input_slots = [parents[i] for i in range(1, 2 * n, 2)]
    xs = f"({', '.join(operands[i] for i in range(1, 2 * n, 2))},)"
    if any(needs[s] for s in weight_slots):
        temps = [w.temp() for _ in weight_slots]
        w.emit(f"{', '.join(temps)}, = {w.bind(_row_weight_grads, 'F')}({xs}, {g}, {m % 2})")
        for s, t in zip(weight_slots, temps, strict=True):
            if needs[s]:
                accumulate(w, names.grad(s), t, s not in assigned)
                assigned.add(s)
    if any(needs[s] for s in input_slots):
        weights = f"({', '.join(operands[i] for i in range(0, 2 * n, 2))},)"
        rows = f"d{len(tape.leaves) + j}"
        w.emit(f"{rows} = {w.bind(_row_input_grads, 'F')}({weights}, {n}, {g})")
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


def _weight_slots(seg: Segment, o: int, m: int) -> tuple[int, ...]:
    columns = [*range(0, 2 * (m // 2), 2), *range(2 * (m // 2), m)]
    out: list[int] = []
    for it in range(seg.count):
        for i in columns:
            first, step = seg.strided[(o, i)]
            out.append(first + it * step)
    return tuple(out)


def _inputs(seg: Segment, o: int, m: int) -> list[int]:
    return [seg.strided[(o, i)][0] for i in range(1, 2 * (m // 2), 2)]


def layer_forward(w: Writer, tape: Tape, names: Homes, seg: Segment, o: int, target: str) -> None:
    """Emit ``target = <the layer's values>`` (neurons × lanes) for a :func:`layer` body node."""
    j = seg.start + o
    m = len(tape.parents[j])
    slot = len(tape.leaves) + j
    getter = w.bind(operator.itemgetter(*_weight_slots(seg, o, m)), "F")
    columns = m // 2 + m % 2
    w.emit(f"w{slot} = {w.bind(_matrix, 'F')}({getter}(Z), {seg.count}, {columns})")
    xs = ", ".join(names.value(s) for s in _inputs(seg, o, m))
    w.emit(f"s{slot} = ({xs},)")
    w.emit(f"{target} = {w.bind(_layer, 'F')}(w{slot}, s{slot}, {m % 2})")


def layer_backward(
    w: Writer, tape: Tape, seg: Segment, o: int, g: str, names: Homes, needs: list[bool], assigned: set[int]
) -> None:
    """Emit the reverse pass of a :func:`layer` body node whose gradient (neurons × lanes) is ``g``."""
    j = seg.start + o
    m = len(tape.parents[j])
    slot = len(tape.leaves) + j
    weight_slots = _weight_slots(seg, o, m)
    if any(needs[s] for s in weight_slots):
        slots = w.bind(slots_of(weight_slots), "O")
        w.emit(f"{w.bind(_layer_weight_grads, 'F')}(GZ, {slots}, s{slot}, {g}, {m % 2})")
    inputs = _inputs(seg, o, m)
    if any(needs[s] for s in inputs):
        w.emit(f"d{slot} = {w.bind(_layer_input_grads, 'F')}(w{slot}, {m // 2}, {g})")
        add = w.bind(_add_terms, "F")
        for i, s in enumerate(inputs):
            if needs[s]:
                target = names.grad(s)
                if s in assigned:
                    w.emit(f"{target} = {add}({target}, d{slot}, {i})")
                else:
                    w.emit(f"{target} = d{slot}[1][{i}]")
                    assigned.add(s)
