"""`dots` and `apply_each`: a layer's nodes recorded together are the nodes of the loop of single ops.

Every comparison is bit for bit (``==`` on the IEEE bits, so ``-0.0`` and ``0.0`` differ): the
data, the local derivatives, the parents (the same leaves, in the same order), the ops and
parameters, and the gradients after ``backward()``. The values drawn include ±0.0,
subnormals, numbers near the largest float (whose products overflow: then both ways must
raise the same error) and a single lane.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import viz
from autograd import DomainError, Value, apply, apply_each, dot, dots, grad, no_grad, topological_order, vsum
from autograd.core.rules import ones_like
from nn import MLP, Layer, Neuron, to_lanes

SPECIAL = (0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, -1.5e-310, 1.0, -1.0, 0.5, 1e-300, 1e300, -1e300)


def bits(x: Any) -> bytes:
    """The exact IEEE bits of a float or of float64 lanes."""
    if type(x) is float:
        return struct.pack("<d", x)
    assert isinstance(x, np.ndarray)
    assert x.dtype == np.float64
    return bytes(x.tobytes())


def numbers(rng: np.random.Generator, shape: tuple[int, ...], mix: str) -> np.ndarray:
    """Random float64 numbers: ``normal`` ones, or with a share of :data:`SPECIAL` (``special``),
    of huge ones (``huge``, their products overflow) or of subnormal ones (``tiny``)."""
    values = rng.standard_normal(shape)
    if mix == "special":
        pick = rng.random(shape) < 0.4
        values[pick] = rng.choice(SPECIAL, size=shape)[pick]
    elif mix == "huge":
        values *= np.where(rng.random(shape) < 0.1, 1e305, 1.0)
    elif mix == "tiny":
        values *= np.where(rng.random(shape) < 0.5, 1e-310, 1.0)
    return values


def leaves(values: np.ndarray) -> list[Value]:
    return [Value(float(v)) for v in values.ravel()]


class Setup:
    """A layer's weights, biases and lane inputs as fresh leaves, built twice with the same numbers."""

    def __init__(self, w: np.ndarray, b: np.ndarray | None, x: np.ndarray) -> None:
        self.w, self.b, self.x = w, b, x

    def make(self) -> tuple[list[list[Value]], list[Value] | None, list[Value]]:
        rows = [leaves(row) for row in self.w]
        biases = None if self.b is None else leaves(self.b)
        inputs = [Value(row) for row in self.x]
        return rows, biases, inputs


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except (DomainError, ValueError, TypeError, KeyError) as exc:
        return "error", (type(exc), str(exc))


def order(roots: Sequence[Value]) -> list[Value]:
    """Every node under ``roots``, once, in the topological order of each root in turn."""
    seen: set[int] = set()
    out: list[Value] = []
    for root in roots:
        for v in topological_order(root):
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


def assert_same_nodes(
    ours: Sequence[Value], theirs: Sequence[Value], our_leaves: list[Value], their_leaves: list[Value]
) -> None:
    """The two graphs under ``ours`` and ``theirs`` are the same node for node, bit for bit."""
    our_order, their_order = order(ours), order(theirs)
    assert len(our_order) == len(their_order)
    position = {id(v): k for k, v in enumerate(our_leaves)}
    their_position = {id(v): k for k, v in enumerate(their_leaves)}
    our_index = {id(v): k for k, v in enumerate(our_order)}
    their_index = {id(v): k for k, v in enumerate(their_order)}

    def where(v: Value, leaf: dict[int, int], index: dict[int, int]) -> tuple[str, int]:
        return ("leaf", leaf[id(v)]) if id(v) in leaf else ("node", index[id(v)])

    for a, b in zip(our_order, their_order, strict=True):
        assert (a.op, a.param, a.label) == (b.op, b.param, b.label)
        assert bits(a.data) == bits(b.data)
        assert [where(p, position, our_index) for p in a.parents] == [
            where(p, their_position, their_index) for p in b.parents
        ]
        assert [bits(d) for d in a.local_grads] == [bits(d) for d in b.local_grads]


def one_by_one(rows: list[list[Value]], biases: list[Value] | None, inputs: list[Value]) -> list[Value]:
    return [dot(row, inputs, None if biases is None else biases[j]) for j, row in enumerate(rows)]


def check_dots(setup: Setup, activation: tuple[str, float | None] | None) -> None:
    rows, biases, inputs = setup.make()
    rows2, biases2, inputs2 = setup.make()

    def ours() -> list[Value]:
        zs = dots(rows, inputs, biases)
        return zs if activation is None else apply_each(activation[0], zs, activation[1])

    def theirs() -> list[Value]:
        zs = one_by_one(rows2, biases2, inputs2)
        return zs if activation is None else [apply(activation[0], z, param=activation[1]) for z in zs]

    (kind, a), (kind2, b) = outcome(ours), outcome(theirs)
    assert (kind, kind2 if kind == "ok" else b) == (kind2, kind2 if kind == "ok" else a)
    if kind != "ok":
        return
    # the nodes were computed together: the dots' data are rows of one array, and so are the activations'
    dot_nodes = a if activation is None else [v.parents[0] for v in a]
    assert all(z.data.base is not None and z.data.base is dot_nodes[0].data.base for z in dot_nodes)
    if activation is not None and len(a) > 1:
        assert all(v.data.base is not None and v.data.base is a[0].data.base for v in a)
    our_leaves = [v for row in rows for v in row] + (biases or []) + inputs
    their_leaves = [v for row in rows2 for v in row] + (biases2 or []) + inputs2
    assert_same_nodes(a, b, our_leaves, their_leaves)
    # the gradients: every output weighted by its own lanes, so each path counts
    weights = [np.linspace(-1.0, 1.0, len(setup.x[0])) + j for j in range(len(a))]
    for outs in (a, b):
        total = vsum([(out * w).sum() for out, w in zip(outs, weights, strict=True)])
        with np.errstate(all="ignore"):
            outcome_backward = outcome(total.backward)
        assert outcome_backward[0] == "ok" or "not finite" in str(outcome_backward[1])
    assert [bits(v.grad) for v in our_leaves] == [bits(v.grad) for v in their_leaves]


shapes = st.tuples(st.integers(1, 20), st.integers(1, 20), st.integers(1, 50))
mixes = st.sampled_from(["normal", "special", "huge", "tiny"])
activations = st.sampled_from([None, ("relu", None), ("leaky_relu", 0.01), ("tanh", None), ("sigmoid", None)])


@given(shapes, mixes, st.integers(0, 2**32 - 1), st.booleans(), activations)
def test_dots_records_the_nodes_of_one_dot_per_row_bit_for_bit(
    shape: tuple[int, int, int], mix: str, seed: int, bias: bool, activation: tuple[str, float | None] | None
) -> None:
    n_in, n_out, lanes = shape
    rng = np.random.default_rng(seed)
    w = numbers(rng, (n_out, n_in), mix)
    b = numbers(rng, (n_out,), mix) if bias else None
    x = numbers(rng, (n_in, lanes), mix)
    check_dots(Setup(w, b, x), activation)


@pytest.mark.parametrize("lanes", [1, 2, 7])
def test_negative_zero_products_keep_their_sign(lanes: int) -> None:
    # -0.0 · x + -0.0 is -0.0: a sum started from the identity 0.0 would make it +0.0
    setup = Setup(np.full((3, 4), -0.0), np.full(3, -0.0), np.full((4, lanes), 2.0))
    rows, biases, inputs = setup.make()
    zs = dots(rows, inputs, biases)
    assert all(bits(z.data) == bits(np.full(lanes, -0.0)) for z in zs)
    check_dots(setup, ("relu", None))


def test_a_single_input_and_a_single_row_without_bias() -> None:
    check_dots(Setup(np.array([[1.5]]), None, np.array([[2.0, -3.0]])), None)
    check_dots(Setup(np.array([[1.5]]), np.array([0.25]), np.array([[2.0]])), ("tanh", None))


def test_an_overflow_raises_the_error_of_the_first_row_that_overflows() -> None:
    w = np.array([[1.0, 1.0], [1e300, 1e300], [-1e300, 1.0]])
    x = np.array([[1.0, 1e10], [2.0, 3.0]])
    rows, biases, inputs = Setup(w, np.zeros(3), x).make()
    with pytest.raises(DomainError) as ours:
        dots(rows, inputs, biases)
    rows, biases, inputs = Setup(w, np.zeros(3), x).make()
    with pytest.raises(DomainError) as theirs:
        one_by_one(rows, biases, inputs)
    assert str(ours.value) == str(theirs.value)
    assert "at lane 1" in str(ours.value)
    assert "1e+300" in str(ours.value)


def test_an_activation_that_overflows_raises_its_own_error() -> None:
    # exp is not computed together; sigmoid never overflows; so check a layer with an overflowing dot
    zs = [Value(np.array([1.0, -2.0])), Value(np.array([3.0, 0.0]))]
    assert [bits(v.data) for v in apply_each("exp", zs)] == [bits(z.exp().data) for z in zs]
    huge = [Value(np.array([1.0])), Value(np.array([800.0]))]
    with pytest.raises(DomainError) as ours:
        apply_each("exp", huge)
    with pytest.raises(DomainError) as theirs:
        huge[1].exp()
    assert str(ours.value) == str(theirs.value)


def test_local_derivatives_towards_the_weights_are_rows_of_one_stacked_array() -> None:
    rows, biases, inputs = Setup(np.arange(12.0).reshape(3, 4), np.ones(3), np.arange(20.0).reshape(4, 5)).make()
    zs = dots(rows, inputs, biases)
    stacked = zs[0].local_grads[0].base
    assert isinstance(stacked, np.ndarray)
    assert stacked.flags.c_contiguous
    assert stacked.shape == (4, 5)
    for z in zs:
        local = z.local_grads
        for i, x in enumerate(inputs):
            assert local[2 * i].base is stacked
            assert local[2 * i] is zs[0].local_grads[2 * i]
            assert bits(local[2 * i]) == bits(x.data)
            assert bits(stacked[i]) == bits(x.data)
        assert local[-1] == 1.0
    # and each node's data is a read-only row of one array holding every row's
    base = zs[0].data.base
    assert isinstance(base, np.ndarray)
    assert base.shape == (3, 5)
    assert all(z.data.base is base and not z.data.flags.writeable for z in zs)
    with pytest.raises(ValueError, match="read-only"):
        zs[1].data[0] = 5.0


def test_under_no_grad_the_outputs_are_leaves_with_the_same_data() -> None:
    setup = Setup(np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([0.1, -0.0]), np.array([[1.0, 2.0], [3.0, -4.0]]))
    rows, biases, inputs = setup.make()
    with no_grad():
        ours = apply_each("relu", dots(rows, inputs, biases))
        theirs = [z.relu() for z in one_by_one(rows, biases, inputs)]
    assert all(v.is_leaf and v.op == "" for v in ours)
    assert [bits(v.data) for v in ours] == [bits(v.data) for v in theirs]


def test_float_inputs_and_mixed_inputs_record_one_dot_per_row() -> None:
    # floats, numbers that become constant leaves, and a float among lanes: the loop of dot itself
    for inputs in ([Value(1.0), Value(2.0)], [1.0, np.array([2.0, 3.0])], [Value(1.0), Value(np.array([2.0, 3.0]))]):
        w = [[Value(0.5), Value(-1.0)], [Value(2.0), Value(0.25)]]
        zs = dots(w, inputs)
        expected = [dot(row, inputs) for row in w]
        assert [bits(z.data) for z in zs] == [bits(e.data) for e in expected]
        assert [[bits(d) for d in z.local_grads] for z in zs] == [[bits(d) for d in e.local_grads] for e in expected]


def test_lanes_weights_are_computed_one_row_at_a_time() -> None:
    x = [Value(np.array([1.0, 2.0])), Value(np.array([3.0, 4.0]))]
    w = [[Value(np.array([0.5, 1.0])), Value(2.0)], [Value(1.0), Value(-1.0)]]
    assert [bits(z.data) for z in dots(w, x)] == [bits(dot(row, x).data) for row in w]


def test_bad_arguments_get_the_errors_of_dot_and_apply() -> None:
    x = [Value(np.array([1.0, 2.0])), Value(np.array([1.0, 2.0, 3.0]))]
    w = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
    with pytest.raises(ValueError, match=r"lanes of different lengths meet: \[2, 3\]"):
        dots(w, x)
    with pytest.raises(ValueError, match="as many weights as inputs, got 1 and 2"):
        dots([[Value(1.0), Value(2.0)], [Value(1.0)]], x[:1] * 2)
    with pytest.raises(ValueError, match="at least one weight"):
        dots([[]], [])
    with pytest.raises(ValueError, match=r"one bias \(or None\) per row of weights, got 1 for 2 rows"):
        dots(w, x[:1] * 2, [Value(0.0)])
    assert dots([], x) == []
    zs = [Value(np.array([1.0, -2.0])), Value(np.array([3.0, 0.0]))]
    with pytest.raises(KeyError, match="no op named 'nope'"):
        apply_each("nope", zs)
    with pytest.raises(TypeError, match="op 'relu' takes no param"):
        apply_each("relu", zs, 0.5)
    with pytest.raises(TypeError, match="op 'leaky_relu' needs a param"):
        apply_each("leaky_relu", zs)
    with pytest.raises(TypeError, match=r"op 'add' takes 2 argument\(s\), got 1"):
        apply_each("add", zs)
    assert apply_each("relu", []) == []


def test_biases_mixing_none_and_values_record_one_dot_per_row() -> None:
    x = [Value(np.array([1.0, 2.0])), Value(np.array([3.0, 4.0]))]
    w = [[Value(0.5), Value(2.0)], [Value(1.0), Value(-1.0)]]
    biases = [Value(1.0), None]
    zs = dots(w, x, biases)
    assert [len(z.parents) for z in zs] == [5, 4]
    assert [bits(z.data) for z in zs] == [bits(dot(row, x, b).data) for row, b in zip(w, biases, strict=True)]


def test_second_derivatives_through_nodes_recorded_together() -> None:
    setup = Setup(np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([0.1, 0.2]), np.array([[1.0, 2.0], [3.0, -4.0]]))
    results = []
    for record in ("together", "one by one"):
        rows, biases, inputs = setup.make()
        zs = dots(rows, inputs, biases) if record == "together" else one_by_one(rows, biases, inputs)
        ys = apply_each("tanh", zs) if record == "together" else [z.tanh() for z in zs]
        loss = vsum([(y * y).sum() for y in ys])
        params = rows[0] + rows[1]
        grads = grad(loss, params, create_graph=True)
        second = grad(vsum(grads), params)
        results.append([bits(g.data) for g in grads] + [bits(g) for g in second])
    assert results[0] == results[1]


def per_neuron_forward(model: MLP, xs: list[Value]) -> Value | list[Value]:
    out = xs
    for layer in model.layers:
        out = [neuron(out) for neuron in layer.neurons]
    return out[0] if len(out) == 1 else out


@pytest.mark.parametrize(
    ("sizes", "activation"), [([4, 3, 1], "relu"), ([3, 2], "tanh"), ([5, 2], "leaky_relu"), ([2, 3], "sigmoid")]
)
def test_a_layer_on_lanes_draws_and_computes_the_graph_of_its_neurons(sizes: list[int], activation: str) -> None:
    model = MLP(3, sizes, activation=activation, seed=2)
    x = np.random.default_rng(0).standard_normal((6, 3))
    batched, by_neuron = model.batch(x), per_neuron_forward(model, to_lanes(x, 3))
    ours = batched if isinstance(batched, list) else [batched]
    theirs = by_neuron if isinstance(by_neuron, list) else [by_neuron]
    params = model.parameters()
    assert_same_nodes(ours, theirs, params, params)
    # the leaves of the inputs are distinct objects in the two graphs: match them by label
    assert [v.label for v in order(ours) if v.is_leaf] == [v.label for v in order(theirs) if v.is_leaf]
    picture = viz.draw_graph(ours, model=model, local_grads=True, collapse=None).source
    assert picture == viz.draw_graph(theirs, model=model, local_grads=True, collapse=None).source
    assert sum(v.op == "dot" for v in order(ours)) == sum(sizes)


def test_a_layer_of_another_neuron_class_calls_each_neuron() -> None:
    class Doubled(Neuron):
        def _forward(self, xs: list[Value]) -> Value:
            return super()._forward(xs) * 2.0

    layer = Layer(2, 3, "relu", seed=0)
    layer.neurons[1] = Doubled(2, "relu", seed=1)
    outs = layer([np.array([1.0, -1.0]), np.array([0.5, 2.0])])
    assert [o.op for o in outs] == ["relu", "mul", "relu"]


def test_floats_through_a_layer_keep_one_dot_per_neuron() -> None:
    layer = Layer(2, 3, "tanh", seed=0)
    outs = layer([0.5, -1.0])
    assert [o.op for o in outs] == ["tanh"] * 3
    assert all(type(o.data) is float and math.isfinite(o.data) for o in outs)


def _softsign(x: Any) -> Any:
    return x / (1.0 + abs(x))


def _softsign_local(out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 / ((1.0 + abs(x)) * (1.0 + abs(x))),)


def _stacked(nodes: Sequence[Value]) -> bool:
    """Whether the nodes' data are rows of one array (computed together)."""
    base = nodes[0].data.base
    return base is not None and all(v.data.base is base for v in nodes)


@pytest.mark.parametrize("elementwise", [True, False])
def test_a_user_op_is_computed_together_exactly_when_its_rule_is_elementwise(
    user_op: Callable[..., Callable[..., Value]], elementwise: bool
) -> None:
    name = f"softsign_{elementwise}"
    op = user_op(name, _softsign, _softsign_local, elementwise=elementwise)
    rng = np.random.default_rng(3)
    ours_in = [Value(rng.standard_normal(6) * 3.0) for _ in range(4)]
    theirs_in = [Value(v.data) for v in ours_in]
    ours = apply_each(name, ours_in)
    theirs = [op(v) for v in theirs_in]
    assert _stacked(ours) is elementwise
    assert_same_nodes(ours, theirs, ours_in, theirs_in)


def test_a_user_op_that_breaks_the_elementwise_promise_is_computed_one_by_one(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    # A derivative that is one number, not one per lane; a forward that flattens the array; a
    # forward that takes no 2-D array: each op's nodes are then those of the loop of single ops.
    broken = {
        "twice_one_local": (lambda x: 2.0 * x, lambda out, x: (2.0,)),
        "flattens": (lambda x: x.ravel() * 2.0, lambda out, x: (ones_like(x, 2.0),)),
        "rows_only": (lambda x: np.array([float(v) * 2.0 for v in x]), lambda out, x: (ones_like(x, 2.0),)),
    }
    for name, (forward, local) in broken.items():
        op = user_op(name, forward, local, elementwise=True)
        ours_in = [Value(np.array([1.0, -2.0, 0.5])), Value(np.array([3.0, 0.25, -1.0]))]
        theirs_in = [Value(v.data) for v in ours_in]
        ours = apply_each(name, ours_in)
        assert not _stacked(ours), name
        assert_same_nodes(ours, [op(v) for v in theirs_in], ours_in, theirs_in)
