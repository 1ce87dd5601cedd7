"""The seed articles' networks, trained with nn and checked against their numbers (corrected where they are wrong).

- 000: the single sigmoid neuron (one worked step, then the 80,000-epoch run of its Python code);
- 001: the 2-3-1 network: every ∂C/∂w is its chain-rule product; mini-batch SGD;
- 002: the 2-2-1 sigmoid worked example (the article's δ4 and updated weights are wrong; we assert the right
  ones) and the 2-4-1 XOR network, 10 seeds × 10,000 epochs;
- micrograd's moons demo: MLP(2, [16, 16, 1]), hinge + 1e-4·L2, 100 SGD steps → 100 % training accuracy.
"""

import math
import random

import numpy as np
import pytest

import nn
from nn import MLP, SGD, Neuron


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# -- 000: one step of the single sigmoid neuron -------------------------------------------------


def test_000_single_neuron_worked_step() -> None:
    neuron = Neuron(2, "sigmoid", seed=0)
    neuron.load_state_dict({"w.0": 0.5, "w.1": 0.2, "b": 1.83})
    predicted = neuron([0.1, 0.3])
    error = nn.squared_error(predicted, 0.03)
    error.backward()
    assert f"{predicted.data:.9f} {error.data:.9f}" == "0.874352143 0.356465271"
    # the chain read off the graph: ∂E/∂predicted, ∂predicted/∂s, ∂s/∂W1, ∂s/∂W2
    s = predicted.parents[0]
    assert f"{predicted.grad:.9f}" == "0.844352143"
    assert f"{predicted.local_grads[0]:.9f}" == "0.109860473"
    assert s.local_grads[0] == 0.1  # ∂s/∂W1 = X1
    assert s.local_grads[2] == 0.3  # ∂s/∂W2 = X2
    w1, w2, b = neuron.parameters()
    assert f"{w1.grad:.9f} {w2.grad:.9f}" == "0.009276093 0.027828278"
    SGD(neuron.parameters(), lr=0.01).step()
    assert f"{w1.data:.11f} {w2.data:.10f}" == "0.49990723907 0.1997217172"  # as the article prints them
    # the article moves the bias by the perceptron rule; gradient descent uses ∂E/∂b = ∂E/∂s·1
    p = 0.874352143
    assert b.data == pytest.approx(1.83 - 0.01 * (p - 0.03) * p * (1 - p), rel=1e-9)
    assert nn.squared_error(neuron([0.1, 0.3]), 0.03).data < error.data


# -- 000: the 80,000-epoch run of the article's code ----------------------------------------------


def _article_000_loop(w1: float, w2: float, epochs: int) -> tuple[float, float]:
    """The article's NumPy loop, in plain Python: error (ŷ − t)², gradient 2(ŷ − t)·σ'(y)·x, lr 0.01."""
    x1, x2, target, lr = 0.1, 0.4, 0.7, 0.01
    for _ in range(epochs):
        y = w1 * x1 + w2 * x2
        predicted = _sigmoid(y)
        g = 2 * (predicted - target) * predicted * (1 - predicted)
        w1, w2 = w1 - lr * g * x1, w2 - lr * g * x2
    return w1, w2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_000_single_neuron_80000_epochs(seed: int) -> None:
    rng = random.Random(seed)
    start = {"w.0": rng.random(), "w.1": rng.random()}  # numpy.random.rand(): uniform on [0, 1)
    neuron = Neuron(2, "sigmoid", bias=False, seed=0)
    neuron.load_state_dict(start)
    history = nn.fit(
        neuron,
        [[0.1, 0.4]],
        [0.7],
        loss="sum_of_squares",  # the article's error (ŷ − t)²
        optimizer=SGD(neuron.parameters(), lr=0.01),
        epochs=80_000,
        shuffle=False,
        progress=False,
    )
    assert history.epochs == 80_000
    predicted = nn.predict(neuron, [[0.1, 0.4]])[0]
    assert (predicted - 0.7) ** 2 < 1e-10
    assert abs(predicted - 0.7) < 1e-5
    assert history.loss[-1] < 1e-10
    assert all(b <= a for a, b in zip(history.loss, history.loss[1:], strict=False))  # the error only falls
    # the same trajectory as the article's hand-written loop
    w1, w2 = _article_000_loop(start["w.0"], start["w.1"], 80_000)
    assert neuron.state_dict() == pytest.approx({"w.0": w1, "w.1": w2}, abs=1e-12)


# -- 001: the 2-3-1 network, chain rule by chain rule --------------------------------------------

ACT = {
    "linear": (lambda z: z, lambda z: 1.0),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
}


def _hand_gradients(model: MLP, x: list[float], y: float, activation: str) -> dict[str, float]:
    """∂C/∂w for C = ½(a3 − y)², each as the product of the article's chain-rule factors."""
    f, df = ACT[activation]
    hidden, out = model.layers[0].neurons, model.layers[1].neurons[0]
    z2 = [sum(w.data * xk for w, xk in zip(n.w, x, strict=True)) + n.b.data for n in hidden]
    a2 = [f(z) for z in z2]
    z3 = sum(w.data * a for w, a in zip(out.w, a2, strict=True)) + out.b.data
    a3 = f(z3)
    dc_da3, da3_dz3 = a3 - y, df(z3)
    grads = {}
    for j in range(3):
        grads[f"layers.1.neurons.0.w.{j}"] = dc_da3 * da3_dz3 * a2[j]  # ∂C/∂a³·∂a³/∂Z³·∂Z³/∂w²_1j
        dz3_da2, da2_dz2 = out.w[j].data, df(z2[j])
        for k in range(2):  # ∂C/∂a³·∂a³/∂Z³·∂Z³/∂a²_j·∂a²_j/∂Z²_j·∂Z²_j/∂w¹_jk
            grads[f"layers.0.neurons.{j}.w.{k}"] = dc_da3 * da3_dz3 * dz3_da2 * da2_dz2 * x[k]
        grads[f"layers.0.neurons.{j}.b"] = dc_da3 * da3_dz3 * dz3_da2 * da2_dz2
    grads["layers.1.neurons.0.b"] = dc_da3 * da3_dz3
    return grads


@pytest.mark.parametrize("activation", ["linear", "sigmoid"])
def test_001_every_gradient_is_its_chain_rule_product(activation: str) -> None:
    model = MLP(2, [3, 1], activation=activation, output_activation=activation, seed=11)
    for i, (name, p) in enumerate(model.named_parameters()):  # non-zero biases, so every term counts
        if name.endswith(".b"):
            p.data = 0.1 * (i % 5 + 1) * (-1) ** i
    x, y = [0.6, -0.4], 0.25
    model.zero_grad()
    nn.squared_error(model(x), y).backward()
    expected = _hand_gradients(model, x, y, activation)
    got = {name: p.grad for name, p in model.named_parameters()}
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == pytest.approx(expected[name], rel=1e-13, abs=1e-17), name


@pytest.mark.parametrize("activation", ["linear", "sigmoid"])
def test_001_mini_batch_sgd(activation: str) -> None:
    data_rng = np.random.RandomState(0)
    xs, ys = data_rng.uniform(-1, 1, size=(6, 2)), data_rng.uniform(0, 1, size=6)
    model, hand = (
        MLP(2, [3, 1], activation=activation, output_activation=activation, seed=3),
        MLP(2, [3, 1], activation=activation, output_activation=activation, seed=3),
    )
    nn.fit(
        model,
        xs,
        ys,
        loss="squared_error",
        optimizer=SGD(model.parameters(), lr=0.5),
        epochs=2,
        batch_size=2,
        shuffle=False,
        progress=False,
    )
    # the same by hand: mean chain-rule gradient of each batch of 2, then w ← w − lr·g
    for _ in range(2):
        for start in range(0, 6, 2):
            grads = [_hand_gradients(hand, xs[i].tolist(), ys[i], activation) for i in (start, start + 1)]
            for name, p in hand.named_parameters():
                p.data -= 0.5 * (grads[0][name] + grads[1][name]) / 2
    assert model.state_dict() == pytest.approx(hand.state_dict(), rel=1e-12, abs=1e-15)


# -- 002: the 2-2-1 sigmoid worked example ------------------------------------------------------


def test_002_worked_example() -> None:
    model = MLP(2, [2, 1], "sigmoid", "sigmoid", bias=False, seed=0)
    # w_ij: from input (or hidden unit) i to unit j; hidden units 1, 2 (y3, y4), output unit 3 (y5)
    model.load_state_dict(
        {
            "layers.0.neurons.0.w.0": 0.2,  # w11
            "layers.0.neurons.0.w.1": 0.2,  # w21
            "layers.0.neurons.1.w.0": 0.3,  # w12
            "layers.0.neurons.1.w.1": 0.3,  # w22
            "layers.1.neurons.0.w.0": 0.3,  # w13
            "layers.1.neurons.0.w.1": 0.9,  # w23
        }
    )
    hidden = model.layers[0]([0.35, 0.7])
    y5 = model.layers[1](hidden)[0]
    y3, y4 = hidden
    assert [y3.data, y4.data, y5.data] == pytest.approx([0.5523079, 0.5781052, 0.6650736], abs=5e-8)
    nn.squared_error(y5, 0.5).backward()  # E = ½(t − y5)²; δ = −∂E/∂a (a: the unit's weighted sum)
    d5, d3, d4 = (-node.parents[0].grad for node in (y5, y3, y4))
    assert [d5, d3, d4] == pytest.approx([-0.0367703, -0.0027276, -0.0080714], abs=5e-8)
    # the article's formulas, δ5 = y5(1−y5)(t−y5), δ_h = y_h(1−y_h)·w_h3·δ5, agree with backpropagation
    assert d5 == pytest.approx(y5.data * (1 - y5.data) * (0.5 - y5.data), rel=1e-14)
    assert d4 == pytest.approx(y4.data * (1 - y4.data) * 0.9 * d5, rel=1e-14)
    assert abs(d4 - -0.0819) > 0.07  # the article prints δ4 = −0.0819: ten times too large
    SGD(model.parameters(), lr=1.0).step()
    updated = model.state_dict()
    expected = {
        "layers.1.neurons.0.w.0": 0.2796915,  # w13
        "layers.1.neurons.0.w.1": 0.8787429,  # w23 (the article: 0.877816)
        "layers.0.neurons.0.w.0": 0.1990453,  # w11 (the article: 0.200945)
        "layers.0.neurons.0.w.1": 0.1980907,  # w21 (the article: 0.269445)
        "layers.0.neurons.1.w.0": 0.2971750,  # w12 (the article: 0.273225)
        "layers.0.neurons.1.w.1": 0.2943500,  # w22 (the article: 0.18534)
    }
    assert updated == pytest.approx(expected, abs=5e-8)
    assert nn.squared_error(model([0.35, 0.7]), 0.5).data < 0.5 * (0.5 - 0.6650736) ** 2


# -- 002: XOR, 2-4-1 sigmoid, 10 seeds × 10,000 epochs -------------------------------------------


def _article_xor(model: MLP, epochs: int) -> np.ndarray:
    """The article's NumPy network and update, run from the model's initial weights; returns its parameters."""
    x, y = nn.xor()
    t = y.reshape(-1, 1).astype(float)
    w1 = np.array([[n.w[k].data for n in model.layers[0].neurons] for k in range(2)])  # (2, 4)
    b1 = np.array([[n.b.data for n in model.layers[0].neurons]])
    w2 = np.array([[w.data] for w in model.layers[1].neurons[0].w])  # (4, 1)
    b2 = np.array([[model.layers[1].neurons[0].b.data]])

    def sig(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-z))

    for _ in range(epochs):
        h = sig(x @ w1 + b1)
        out = sig(h @ w2 + b2)
        out_delta = (t - out) * out * (1 - out)
        hid_delta = (out_delta @ w2.T) * h * (1 - h)
        w2 += h.T @ out_delta * 0.1
        b2 += out_delta.sum(axis=0, keepdims=True) * 0.1
        w1 += x.T @ hid_delta * 0.1
        b1 += hid_delta.sum(axis=0, keepdims=True) * 0.1
    flat = []
    for j in range(4):
        flat += [w1[0, j], w1[1, j], b1[0, j]]
    return np.array([*flat, *w2[:, 0], b2[0, 0]])


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10))
def test_002_xor(seed: int) -> None:
    x, y = nn.xor()
    model = MLP(2, [4, 1], "sigmoid", "sigmoid", init="normal", seed=seed)  # randn weights, zero biases
    reference = _article_xor(model, 10_000)
    history = nn.fit(
        model,
        x,
        y,
        loss="squared_error",  # ½(y − ŷ)² per sample …
        reduction="sum",  # … summed over the 4 samples: the gradient the article's update uses
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=10_000,
        shuffle=False,
        progress=False,
    )
    predictions = nn.predict(model, x)
    assert np.mean((y - predictions) ** 2) < 0.01
    assert predictions.round().tolist() == [0, 1, 1, 0]
    assert history.loss[-1] < history.loss[0]
    # the engine's training follows the article's NumPy backpropagation step for step
    assert np.array([p.data for p in model.parameters()]) == pytest.approx(reference, rel=1e-9, abs=1e-9)


# -- micrograd's moons demo -----------------------------------------------------------------------

# micrograd 0.1.0's demo (random.seed(1337), np.random.seed(1337), make_moons(100, noise=0.1)),
# run in a throw-away environment: (step, loss, accuracy) before the update of that step.
MICROGRAD_MOONS = [
    (0, 0.8958441028683222, 0.5),
    (1, 1.7235905336972022, 0.81),
    (10, 0.2450702385365805, 0.91),
    (50, 0.09875114765619639, 0.96),
    (99, 0.010978370135492717, 1.0),
]


def test_moons_100_steps_reach_100_percent() -> None:
    x, y = nn.moons(100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1], seed=1337)  # same draws, same order as micrograd's random.uniform(-1, 1)
    history = nn.fit(
        model,
        x,
        2 * y - 1,
        loss="hinge",
        l2=1e-4,
        optimizer=SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100),
        epochs=100,
        shuffle=False,
        progress=False,
    )
    assert history.epochs == 100
    scores = nn.predict(model, x)
    assert np.mean((scores > 0) == (y == 1)) == 1.0  # the trained model: 100 % training accuracy
    for step, loss, accuracy in MICROGRAD_MOONS:
        assert history.loss[step] == pytest.approx(loss, rel=1e-12)
        assert history.accuracy[step] == accuracy


def test_moons_other_seeds_also_reach_100_percent() -> None:
    x, y = nn.moons(100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1], seed=0)
    nn.fit(
        model,
        x,
        2 * y - 1,
        loss="hinge",
        l2=1e-4,
        optimizer=SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100),
        epochs=100,
        shuffle=False,
        progress=False,
    )
    assert np.mean((nn.predict(model, x) > 0) == (y == 1)) == 1.0
