"""nn.quick: the seed 000 "MLP module" example, its derivative chains, tolerance, debug output, bad input."""

import math

import numpy as np
import pytest

import nn
from autograd import no_grad
from nn import quick


@pytest.fixture(scope="module")
def trained() -> quick.TrainedNetwork:
    # the seed's example: x = [0.1, 0.4, 4.1], y = [0.2], hidden layers [7, 5, 4], 500 iterations, lr 0.7
    return quick.train(x=[0.1, 0.4, 4.1], y=[0.2], net_arch=[7, 5, 4], max_iter=500, learning_rate=0.7, seed=0)


def test_seed_example_runs(trained: quick.TrainedNetwork) -> None:
    model = trained.model
    assert model.sizes == [7, 5, 4, 1]
    assert model.activations == ["sigmoid"] * 4
    assert trained.elapsed_iter == 500
    assert len(trained.network_error) == 500
    assert trained.training_time_sec > 0.0
    assert trained.network_error[-1] < 1e-6 < trained.network_error[0]
    fit_out = quick.predict(trained, [0.1, 0.4, 4.1])
    assert fit_out.shape == (1,)
    assert abs(fit_out[0] - 0.2) < 1e-3
    new = quick.predict(trained, [0.2, 3.1, 1.7])  # the seed's predict call
    assert new.shape == (1,)
    assert 0.0 < new[0] < 1.0
    with no_grad():
        assert new[0] == model([0.2, 3.1, 1.7]).data
    assert quick.predict(model, [[0.2, 3.1, 1.7], [0.1, 0.4, 4.1]]).shape == (2, 1)


def test_every_parameter_has_its_chain(trained: quick.TrainedNetwork) -> None:
    chains = trained.derivative_chain
    names = [name for name, _ in trained.model.named_parameters()]
    assert list(chains) == names
    assert len(chains) == (3 + 1) * 7 + (7 + 1) * 5 + (5 + 1) * 4 + (4 + 1) * 1
    params = dict(trained.model.named_parameters())
    for name, chain in chains.items():
        assert chain.name == name
        assert chain.label == params[name].label
        assert chain.grad == params[name].grad  # the model's gradients are those of the chains' sample
        assert chain.product == pytest.approx(chain.grad, rel=1e-15, abs=1e-300)


def test_every_path_from_the_error_to_each_weight(trained: quick.TrainedNetwork) -> None:
    # a weight of layer l reaches the error through every neuron of the layers after it
    expected_paths = {0: 5 * 4 * 1, 1: 4 * 1, 2: 1, 3: 1}
    for name, chain in trained.derivative_chain.items():
        layer = int(name.split(".")[1])
        assert chain.paths is not None
        assert len(chain.paths) == expected_paths[layer], name
        assert all(path.wrt is dict(trained.model.named_parameters())[name] for path in chain.paths)
        assert math.fsum(path.product for path in chain.paths) == pytest.approx(chain.grad, rel=1e-12, abs=1e-18)


def test_paths_are_left_out_beyond_the_limit() -> None:
    model = nn.MLP(2, [3, 3, 1], activation="tanh", seed=0)
    chains = quick.derivative_chains(model, [0.5, -0.5], 0.2, max_paths=2)
    assert chains["layers.0.neurons.0.w.0"].paths is None  # 3 paths > 2
    assert chains["layers.1.neurons.0.w.0"].paths is not None
    assert len(chains["layers.1.neurons.0.w.0"].paths) == 1


def test_chain_factors_are_the_textbook_ones(trained: quick.TrainedNetwork) -> None:
    model = trained.model
    x = [0.1, 0.4, 4.1]
    with no_grad():
        acts = [x]
        for layer in model.layers:
            acts.append([v.data for v in layer(acts[-1])])
    y_hat = acts[-1][0]
    out = trained.derivative_chain["layers.3.neurons.0.w.2"]
    assert out.upstream == pytest.approx(2 * (y_hat - 0.2), rel=1e-15)  # ∂E/∂ŷ for E = (ŷ − y)²
    assert out.activation == pytest.approx(y_hat * (1 - y_hat), rel=1e-15)  # σ'
    assert out.input == acts[3][2]  # ∂z/∂w = the input the weight multiplies
    first = trained.derivative_chain["layers.0.neurons.4.w.2"]
    a = acts[1][4]
    assert first.activation == pytest.approx(a * (1 - a), rel=1e-15)
    assert first.input == 4.1
    assert trained.derivative_chain["layers.0.neurons.4.b"].input == 1.0
    assert "∂E/∂w0.4.2 = ∂E/∂a · ∂a/∂z · ∂z/∂w0.4.2 = " in str(first)


def test_chains_match_central_differences(trained: quick.TrainedNetwork) -> None:
    model = trained.model
    h = 1e-6

    def error() -> float:
        with no_grad():
            return (model([0.1, 0.4, 4.1]).data - 0.2) ** 2

    for name, p in model.named_parameters():
        orig = p.data
        p.data = orig + h
        plus = error()
        p.data = orig - h
        minus = error()
        p.data = orig
        numeric = (plus - minus) / (2 * h)
        analytic = trained.derivative_chain[name].grad
        assert abs(analytic - numeric) <= 1e-10 + 1e-5 * abs(numeric), name


def test_tolerance_stops_early_and_debug_prints(capsys: pytest.CaptureFixture[str]) -> None:
    run = quick.train([0.5, -0.5], [0.8], [3], max_iter=5000, learning_rate=0.5, tolerance=1e-4, debug=True, seed=1)
    assert run.elapsed_iter < 5000
    assert run.network_error[-1] <= 1e-4
    assert all(e > 1e-4 for e in run.network_error[:-1])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == run.elapsed_iter
    assert lines[0].startswith("iteration 1: error ")
    assert math.isclose(float(lines[-1].rsplit(" ", 1)[1]), run.network_error[-1], rel_tol=1e-11)


def test_several_samples_and_outputs() -> None:
    x = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.5]])
    run = quick.train(x, y, [4], max_iter=2000, learning_rate=0.5, seed=0)
    assert run.model.sizes == [4, 2]
    assert quick.predict(run, x) == pytest.approx(y, abs=0.05)
    chain = run.derivative_chain["layers.1.neurons.1.w.3"]  # chains are for the last sample
    assert chain.product == pytest.approx(chain.grad, rel=1e-15, abs=1e-300)


def test_no_hidden_layer_and_no_bias() -> None:
    run = quick.train([1.0, 2.0], [0.3], [], max_iter=10, learning_rate=0.1, bias=False, seed=0)
    assert run.model.sizes == [1]
    assert list(run.derivative_chain) == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"x": [[0.1, 0.2], [0.3, 0.4]], "y": [0.5]}, ValueError, r"x holds 2 sample\(s\) but y holds 1"),
        ({"x": [], "y": [0.5]}, ValueError, "x must be one sample"),
        ({"learning_rate": 0.0}, ValueError, "learning rate must be a finite number > 0"),
        ({"max_iter": -1}, ValueError, "epochs must be at least 0"),
        ({"net_arch": [0]}, ValueError, r"sizes\[0\] must be at least 1"),
        ({"activation": "cubic"}, ValueError, "unknown activation 'cubic'"),
    ],
)
def test_bad_input(kwargs, error, match) -> None:
    args = {"x": [0.1, 0.2], "y": [0.5], "net_arch": [2], "max_iter": 5, "learning_rate": 0.1} | kwargs
    with pytest.raises(error, match=match):
        quick.train(**args)


def test_exported() -> None:
    assert nn.quick is quick
    assert set(quick.__all__) == {"Chain", "TrainedNetwork", "derivative_chains", "predict", "train"}
    assert all(hasattr(quick, name) for name in quick.__all__)


def test_derivative_chains_of_any_mlp_and_sample() -> None:
    model = nn.MLP(2, [3, 2], activation="tanh", seed=1)
    chains = quick.derivative_chains(model, [0.5, -1.5], [0.2, -0.4])
    assert list(chains) == [name for name, _ in model.named_parameters()]
    for name, p in model.named_parameters():  # the model holds this sample's gradients
        assert chains[name].grad == p.grad
        assert chains[name].product == pytest.approx(p.grad, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize(
    ("model", "x", "target", "error", "match"),
    [
        (nn.Layer(2, 1), [0.5, 0.5], 0.2, TypeError, "derivative_chains needs an nn.MLP, got Layer"),
        (nn.MLP(2, [1], seed=0), [0.5], 0.2, ValueError, r"expects 2 input\(s\), got 1"),
        (nn.MLP(2, [1], seed=0), [0.5, 0.5], [0.2, 0.3], ValueError, r"1 output\(s\) but 2 target\(s\)"),
    ],
)
def test_derivative_chains_bad_input(model: nn.Module, x: list[float], target: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        quick.derivative_chains(model, x, target)  # type: ignore[arg-type]  # a Layer on purpose
