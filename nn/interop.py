"""Export a model to PyTorch (optional: needs the ``torch`` extra).

``nn.to_torch(nn.MLP(2, [3, 1]))`` gives::

    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nn.layers import MLP, Layer, Neuron
from nn.module import Module

if TYPE_CHECKING:
    import torch

__all__ = ["to_torch"]


def _layers(model: Module) -> list[Layer] | list[Neuron]:
    if isinstance(model, MLP):
        return model.layers
    if isinstance(model, Layer):
        return [model]
    if isinstance(model, Neuron):
        return [model]
    raise TypeError(f"to_torch expects an MLP, a Layer or a Neuron, got {type(model).__name__}")


def to_torch(model: Module) -> torch.nn.Sequential:
    """An equivalent ``torch.nn.Sequential`` (float64) holding a copy of the model's weights.

    Each layer becomes a ``Linear`` (weight row ``j`` = neuron ``j``'s weights, in
    input order) followed by its activation (``ReLU``, ``LeakyReLU(0.01)``, ``Tanh``,
    ``Sigmoid``; nothing for linear). A :class:`~nn.Neuron` becomes a one-output layer.

    Raises:
        ImportError: if PyTorch is not installed (``pip install 'chainrule[torch]'``).
        TypeError: for a module that is not an MLP, Layer or Neuron.
    """
    layers = _layers(model)
    try:
        import torch
    except ImportError as exc:
        raise ImportError("to_torch needs PyTorch, which is an optional extra: pip install 'chainrule[torch]'") from exc
    activations: dict[str, Callable[[], torch.nn.Module]] = {
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
    }
    modules: list[torch.nn.Module] = []
    for layer in layers:
        neurons = layer.neurons if isinstance(layer, Layer) else [layer]
        has_bias = neurons[0].b is not None
        linear = torch.nn.Linear(neurons[0].nin, len(neurons), bias=has_bias, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64))
            if linear.bias is not None:
                linear.bias.copy_(torch.tensor([n.b.data if n.b is not None else 0.0 for n in neurons]))
        modules.append(linear)
        activation = neurons[0].activation
        if activation != "linear":
            modules.append(activations[activation]())
    return torch.nn.Sequential(*modules)
