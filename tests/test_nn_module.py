"""nn modules: structure, names, labels, initialisation, state, gradients, bad input."""

import math
import random

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, gradcheck, no_grad
from autograd.testing import safe_floats
from nn import MLP, Layer, Module, Neuron

ACTS = ["linear", "relu", "leaky_relu", "tanh", "sigmoid"]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


REFERENCE = {
    "linear": lambda z: z,
    "relu": lambda z: max(z, 0.0),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
}


# -- structure and names -----------------------------------------------------------------


def test_mlp_parameter_order_and_names() -> None:
    model = MLP(2, [3, 2], seed=0)
    names = [name for name, _ in model.named_parameters()]
    expected = []
    for j in range(3):
        expected += [f"layers.0.neurons.{j}.w.0", f"layers.0.neurons.{j}.w.1", f"layers.0.neurons.{j}.b"]
    for j in range(2):
        expected += [f"layers.1.neurons.{j}.w.{i}" for i in range(3)] + [f"layers.1.neurons.{j}.b"]
    assert names == expected
    assert model.parameters() == [p for _, p in model.named_parameters()]
    assert len(set(map(id, model.parameters()))) == 3 * 3 + 2 * 4


def test_parameter_order_is_layer_neuron_weights_then_bias() -> None:
    model = MLP(3, [2, 1], seed=1)
    params = model.parameters()
    flat = []
    for layer in model.layers:
        for neuron in layer.neurons:
            flat += [*neuron.w, neuron.b]
    assert params == flat


def test_named_modules() -> None:
    model = MLP(2, [2, 1], seed=0)
    named = model.named_modules()
    assert [name for name, _ in named] == [
        "",
        "layers.0",
        "layers.0.neurons.0",
        "layers.0.neurons.1",
        "layers.1",
        "layers.1.neurons.0",
    ]
    assert named[0][1] is model
    assert named[1][1] is model.layers[0]
    assert named[5][1] is model.layers[1].neurons[0]
    assert all(isinstance(m, Module) for _, m in named)


def test_labels() -> None:
    model = MLP(2, [3, 1], seed=0)
    labels = {name: p.label for name, p in model.named_parameters()}
    assert labels["layers.0.neurons.2.w.1"] == "w0.2.1"
    assert labels["layers.0.neurons.2.b"] == "b0.2"
    assert labels["layers.1.neurons.0.w.2"] == "w1.0.2"
    assert labels["layers.1.neurons.0.b"] == "b1.0"
    assert [p.label for p in Layer(2, 2, seed=0).parameters()] == ["w0.0", "w0.1", "b0", "w1.0", "w1.1", "b1"]
    assert [p.label for p in Neuron(3, seed=0).parameters()] == ["w0", "w1", "w2", "b"]


def test_neuron_without_bias() -> None:
    n = Neuron(2, "sigmoid", bias=False, seed=0)
    assert n.b is None
    assert [name for name, _ in n.named_parameters()] == ["w.0", "w.1"]
    out = n([0.5, 0.25])
    z = out.parents[0]
    assert z.op == "dot"
    assert len(z.parents) == 4


@pytest.mark.parametrize("activation", ACTS)
def test_neuron_graph_is_one_dot_node_then_the_activation(activation: str) -> None:
    n = Neuron(3, activation, seed=2)
    x = [Value(0.3), Value(-0.7), Value(1.1)]
    out = n(x)
    z = out if activation == "linear" else out.parents[0]
    if activation != "linear":
        assert out.op == activation
        assert out.parents == (z,)
    assert z.op == "dot"
    assert z.parents == (n.w[0], x[0], n.w[1], x[1], n.w[2], x[2], n.b)
    pre = sum(w.data * xi.data for w, xi in zip(n.w, x, strict=True)) + 0.0
    assert out.data == pytest.approx(REFERENCE[activation](pre), rel=1e-15, abs=1e-15)


def test_layer_shares_input_nodes_and_always_returns_a_list() -> None:
    layer = Layer(2, 1, "tanh", seed=0)
    out = layer([0.1, 0.2])
    assert isinstance(out, list)
    assert len(out) == 1
    wide = Layer(2, 3, seed=0)
    outs = wide([0.1, 0.2])
    inputs = [o.parents[1] for o in outs]  # the x0 node each neuron reads
    assert inputs[0] is inputs[1] is inputs[2]
    assert inputs[0].label == "x0"


def test_mlp_output_is_a_value_for_width_one_else_a_list() -> None:
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 2
    # a width-1 hidden layer is fine (micrograd's out[0] trap)
    assert isinstance(MLP(2, [1, 1], seed=0)([1.0, 2.0]), Value)


def test_mlp_default_activations() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    assert model.activations == ["relu", "relu", "linear"]
    assert model.sizes == [16, 16, 1]
    assert (model.nin, model.nout) == (2, 1)
    mixed = MLP(2, [3, 3, 2], activation=["tanh", "sigmoid", "leaky_relu"], seed=0)
    assert mixed.activations == ["tanh", "sigmoid", "leaky_relu"]
    assert MLP(2, [3, 1], "tanh", "sigmoid", seed=0).activations == ["tanh", "sigmoid"]


def test_inputs_may_be_floats_values_numpy() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=3)
    a = model([0.5, -0.25]).data
    x = [Value(0.5), Value(-0.25)]
    out = model(x)
    assert out.data == a
    assert model(np.array([0.5, -0.25])).data == a
    assert model((0.5, -0.25)).data == a
    out.backward()
    assert x[0].grad != 0.0
    assert x[1].grad != 0.0


def test_forward_matches_a_plain_python_mlp() -> None:
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=5)
    x = [0.3, -1.2, 0.8]
    h = [math.tanh(sum(w.data * xi for w, xi in zip(n.w, x, strict=True)) + n.b.data) for n in model.layers[0].neurons]
    o = [_sigmoid(sum(w.data * hi for w, hi in zip(n.w, h, strict=True)) + n.b.data) for n in model.layers[1].neurons]
    got = [v.data for v in model(x)]
    assert got == pytest.approx(o, rel=1e-14)


# -- gradients against central differences ---------------------------------------------------


def _numeric_param_grads(model: MLP, x: list[float], h: float = 1e-6) -> list[float]:
    out = []
    with no_grad():
        for p in model.parameters():
            orig = p.data
            p.data = orig + h
            plus = _scalar(model(x))
            p.data = orig - h
            minus = _scalar(model(x))
            p.data = orig
            out.append((plus - minus) / (2 * h))
    return out


def _scalar(out: Value | list[Value]) -> float:
    return out.data if isinstance(out, Value) else sum(v.data for v in out)


def _pre_activations(model: MLP, x: list[float]) -> list[float]:
    zs = []
    acts = [Value(v) for v in x]
    for layer in model.layers:
        outs = layer(acts)
        zs += [o.data if layer.activation == "linear" else o.parents[0].data for o in outs]
        acts = outs
    return zs


@given(
    seed=st.integers(0, 10_000),
    x=st.lists(safe_floats(-2.0, 2.0), min_size=3, max_size=3),
    activation=st.sampled_from(ACTS),
)
def test_parameter_gradients_match_central_differences(seed: int, x: list[float], activation: str) -> None:
    model = MLP(3, [4, 3, 1], activation=activation, output_activation="tanh", seed=seed)
    if activation in ("relu", "leaky_relu"):
        # central differences straddle a kink when a pre-activation is within h of 0
        assume(min(abs(z) for z in _pre_activations(model, x)) > 1e-3)
    model.zero_grad()
    model(x).backward()
    analytic = [p.grad for p in model.parameters()]
    numeric = _numeric_param_grads(model, x)
    for name_p, a, n in zip(model.named_parameters(), analytic, numeric, strict=True):
        assert abs(a - n) <= 1e-7 + 1e-6 * abs(n), (name_p[0], a, n)


@given(x=st.lists(safe_floats(-2.0, 2.0), min_size=2, max_size=2), seed=st.integers(0, 1000))
def test_input_gradients_pass_gradcheck(x: list[float], seed: int) -> None:
    model = MLP(2, [5, 1], activation="tanh", output_activation="sigmoid", seed=seed)

    def f(a: Value, b: Value) -> Value:
        out = model([a, b])
        assert isinstance(out, Value)
        return out

    assert gradcheck(f, *x)


def test_multi_output_sum_gradients() -> None:
    model = MLP(2, [3, 2], activation="sigmoid", seed=4)
    x = [0.4, -0.9]
    model.zero_grad()
    out = model(x)
    assert isinstance(out, list)
    (out[0] + out[1]).backward()
    numeric = _numeric_param_grads(model, x)
    for p, n in zip(model.parameters(), numeric, strict=True):
        assert abs(p.grad - n) <= 1e-7 + 1e-6 * abs(n)


def test_zero_grad() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# -- initialisation ------------------------------------------------------------------------


def test_seed_makes_initialisation_reproducible() -> None:
    a, b, c = MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=8)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    rng1, rng2 = random.Random(3), random.Random(3)
    assert MLP(2, [4, 1], seed=rng1).state_dict() == MLP(2, [4, 1], seed=rng2).state_dict()
    # one generator draws every weight: neurons differ from one another
    weights = [tuple(w.data for w in n.w) for n in a.layers[0].neurons]
    assert len(set(weights)) == 4


def test_default_init_uniform_and_zero_bias() -> None:
    model = MLP(10, [50, 1], seed=0)
    ws = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert all(-1.0 <= w <= 1.0 for w in ws)
    assert min(ws) < -0.9
    assert max(ws) > 0.9
    assert all(n.b is not None and n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_uniform_init_draws_in_input_order() -> None:
    rng = random.Random(11)
    expected = [rng.uniform(-1.0, 1.0) for _ in range(3 * 2)]
    layer = Layer(3, 2, seed=11)
    assert [w.data for n in layer.neurons for w in n.w] == expected


def test_xavier_and_he_init() -> None:
    xav = Layer(30, 20, init="xavier", seed=0)
    limit = math.sqrt(6.0 / 50)
    ws = np.array([w.data for n in xav.neurons for w in n.w])
    assert np.all(np.abs(ws) <= limit)
    assert np.max(np.abs(ws)) > 0.9 * limit
    he = Layer(200, 50, init="he", seed=0)
    ws = np.array([w.data for n in he.neurons for w in n.w])
    # 10,000 draws of N(0, 2/200): the sample std is within 3 % of 0.1 (seeded, deterministic)
    assert abs(ws.std() - 0.1) < 0.003
    assert abs(ws.mean()) < 0.003
    normal = Layer(100, 100, init="normal", seed=0)
    ws = np.array([w.data for n in normal.neurons for w in n.w])
    assert abs(ws.std() - 1.0) < 0.03


# -- state -------------------------------------------------------------------------------


def test_state_dict_round_trip() -> None:
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    state = a.state_dict()
    b.load_state_dict(state)
    assert b.state_dict() == state
    assert b([0.3, 0.4]).data == a([0.3, 0.4]).data
    state["layers.0.neurons.0.w.0"] = 123.0  # a copy
    assert a.state_dict()["layers.0.neurons.0.w.0"] != 123.0


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda s: s.pop("layers.1.neurons.0.b"), ValueError, "missing 'layers.1.neurons.0.b'"),
        (lambda s: s.update({"layers.2.neurons.0.b": 1.0}), ValueError, "unexpected 'layers.2.neurons.0.b'"),
        (lambda s: s.update({"layers.0.neurons.1.w.0": "0.5"}), TypeError, r"layers.0.neurons.1.w.0.*real number"),
        (lambda s: s.update({"layers.0.neurons.1.w.0": True}), TypeError, "real number, got bool"),
        (lambda s: s.update({"layers.1.neurons.0.w.2": math.nan}), ValueError, r"layers.1.neurons.0.w.2.*finite"),
        (lambda s: s.update({"layers.1.neurons.0.w.2": math.inf}), ValueError, "finite"),
    ],
)
def test_load_state_dict_rejects_bad_state_and_leaves_model_unchanged(change, error, match) -> None:
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = {k: v * 2 for k, v in before.items()}  # every other value would change the model
    change(state)
    with pytest.raises(error, match=match):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_needs_a_mapping() -> None:
    with pytest.raises(TypeError, match="mapping"):
        MLP(2, [1], seed=0).load_state_dict([1.0, 2.0, 3.0])


def test_config_and_repr() -> None:
    assert MLP(2, [3, 1], seed=0).config() == {
        "type": "MLP",
        "nin": 2,
        "sizes": [3, 1],
        "activations": ["relu", "linear"],
        "bias": True,
    }
    assert repr(MLP(2, [3, 1], bias=False, seed=0)) == "MLP(2, [3, 1], activation=['relu', 'linear'], bias=False)"
    assert repr(Layer(2, 3, "tanh", seed=0)) == "Layer(2, 3, 'tanh')"
    assert repr(Neuron(2, "sigmoid", bias=False, seed=0)) == "Neuron(2, 'sigmoid', bias=False)"
    assert Layer(2, 3, "tanh", seed=0).config()["nout"] == 3
    assert Neuron(4, seed=0).config() == {"type": "Neuron", "nin": 4, "activation": "linear", "bias": True}


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0]), ValueError, r"MLP expects 2 input\(s\), got 3"),
        (lambda: MLP(2, [3, 1], seed=0)([1.0]), ValueError, r"expects 2 input\(s\), got 1"),
        (lambda: MLP(2, [3, 1], seed=0)(1.0), TypeError, "sequence of 2 numbers"),
        (lambda: MLP(2, [3, 1], seed=0)("ab"), TypeError, "sequence of 2 numbers"),
        (lambda: MLP(2, [3, 1], seed=0)(np.zeros((1, 2))), ValueError, r"shape \(1, 2\)"),
        (lambda: MLP(2, [3, 1], seed=0)(["a", 1.0]), TypeError, "real number"),
        (lambda: Layer(3, 2, seed=0)([1.0, 2.0]), ValueError, r"Layer expects 3 input\(s\), got 2"),
        (lambda: Neuron(2, seed=0)([1.0]), ValueError, r"Neuron expects 2 input\(s\), got 1"),
        (lambda: MLP(0, [1]), ValueError, "nin must be at least 1"),
        (lambda: MLP(True, [1]), TypeError, "nin must be an int"),
        (lambda: MLP(2, []), ValueError, "at least one layer"),
        (lambda: MLP(2, [3, 0]), ValueError, r"sizes\[1\] must be at least 1"),
        (lambda: MLP(2, [2.5]), TypeError, r"sizes\[0\] must be an int"),
        (lambda: MLP(2, 3), TypeError, "sizes must be a list"),
        (lambda: MLP(2, [3, 1], activation="softplus"), ValueError, "unknown activation 'softplus'"),
        (lambda: MLP(2, [3, 1], output_activation="gelu"), ValueError, "unknown activation 'gelu'"),
        (lambda: MLP(2, [3, 1], activation=["tanh"]), ValueError, r"1 name\(s\) for 2 layer\(s\)"),
        (lambda: MLP(2, [3, 1], ["tanh", "tanh"], "sigmoid"), ValueError, "output_activation only"),
        (lambda: MLP(2, [3, 1], init="glorot"), ValueError, "unknown init 'glorot'"),
        (lambda: MLP(2, [3, 1], seed=True), TypeError, "seed must be"),
        (lambda: MLP(2, [3, 1], seed="1"), TypeError, "seed must be"),
        (lambda: Neuron(2, bias=1), TypeError, "bias must be True or False"),
    ],
)
def test_bad_input_is_rejected_clearly(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
