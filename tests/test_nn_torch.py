"""to_torch: the same function and the same gradients in PyTorch (skipped cleanly when torch is absent)."""

import sys

import pytest

import nn
from autograd import Value
from nn import MLP, Layer, Neuron

X = [[0.3, -0.7, 1.1], [-1.5, 0.2, 0.4], [0.9, 0.8, -0.6]]


def _ours(model: nn.Module, x: list[float]) -> list[float]:
    out = model(x)
    return [out.data] if isinstance(out, Value) else [v.data for v in out]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("bias", [True, False])
def test_same_outputs_and_gradients(activation: str, bias: bool) -> None:
    torch = pytest.importorskip("torch")
    model = MLP(3, [4, 3, 2], activation=activation, output_activation="tanh", bias=bias, seed=7)
    seq = nn.to_torch(model)
    xs = torch.tensor(X, dtype=torch.float64)
    got = seq(xs)
    for row, expected in zip(X, got.tolist(), strict=True):
        assert _ours(model, row) == pytest.approx(expected, rel=1e-13, abs=1e-15)
    # gradients of the summed outputs over the three samples
    got.sum().backward()
    model.zero_grad()
    for row in X:
        out = model(row)
        assert isinstance(out, list)
        (out[0] + out[1]).backward()
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears, strict=True):
        for j, neuron in enumerate(layer.neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(linear.weight.grad[j].tolist(), rel=1e-12, abs=1e-14)
            if bias:
                assert neuron.b is not None
                assert neuron.b.grad == pytest.approx(linear.bias.grad[j].item(), rel=1e-12, abs=1e-14)
            else:
                assert linear.bias is None


def test_structure_layer_and_neuron() -> None:
    torch = pytest.importorskip("torch")
    seq = nn.to_torch(MLP(2, [3, 1], seed=0))
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert seq[0].weight.dtype == torch.float64
    layer = Layer(3, 2, "sigmoid", seed=1)
    lseq = nn.to_torch(layer)
    assert [type(m).__name__ for m in lseq] == ["Linear", "Sigmoid"]
    assert lseq(torch.tensor(X[0], dtype=torch.float64)).tolist() == pytest.approx(_ours(layer, X[0]), rel=1e-14)
    neuron = Neuron(3, "leaky_relu", seed=2)
    nseq = nn.to_torch(neuron)
    assert nseq[1].negative_slope == 0.01
    assert nseq(torch.tensor(X[1], dtype=torch.float64)).item() == pytest.approx(_ours(neuron, X[1])[0], rel=1e-14)


def test_copy_is_independent() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [2, 1], seed=0)
    seq = nn.to_torch(model)
    with torch.no_grad():
        seq[0].weight.fill_(5.0)
    assert model.layers[0].neurons[0].w[0].data != 5.0


def test_not_a_model() -> None:
    with pytest.raises(TypeError, match="to_torch expects an MLP, a Layer or a Neuron"):
        nn.to_torch(nn.Module())


def test_clear_error_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match=r"to_torch needs PyTorch.*pip install 'chainrule\[torch\]'"):
        nn.to_torch(MLP(2, [1], seed=0))
