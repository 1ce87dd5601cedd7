"""chainrule's neural networks, built from :mod:`autograd` Values (so every gradient is the engine's).

Modules (:class:`Neuron`, :class:`Layer`, :class:`MLP`), losses, optimizers that are
separate from backpropagation (:class:`SGD`, :class:`Adam`), a readable training loop
(:func:`fit`), toy data sets, JSON files (:func:`save` / :func:`load`) and an export
to PyTorch (:func:`to_torch`).

A whole batch runs as one graph with lanes (every node holds one value per sample):
``model.batch(X)`` or ``model(nn.to_lanes(X))``; losses then return one loss per
sample, reduced with ``.mean()`` or ``.sum()``, and :func:`fit` trains this way by
default once batches hold :data:`LANES_FROM` samples or more (``lanes=False``: one
graph per sample).

>>> import nn
>>> X, y = nn.moons(40, noise=0.1, seed=0)
>>> model = nn.MLP(2, [8, 1], seed=0)          # ReLU hidden layer, linear output
>>> sgd = nn.SGD(model.parameters(), lr=0.1)
>>> history = nn.fit(model, X, 2 * y - 1, loss="hinge", optimizer=sgd, epochs=30, seed=0,
...                  progress=False)
>>> history.loss[-1] < history.loss[0]
True
>>> scores = model.batch(X)          # the whole batch as one graph: one lane per sample
>>> loss = nn.hinge(scores, 2 * y - 1).mean() + nn.l2_penalty(model.parameters(), 1e-4)
>>> scores.lanes, loss.lanes
(40, None)
"""

from nn import quick
from nn.data import circles, moons, spirals, xor
from nn.inputs import to_lanes
from nn.interop import to_torch
from nn.io import ModelFileError, from_config, load, save
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l2_penalty,
    mse,
    softmax,
    squared_error,
    sum_of_squares,
)
from nn.metrics import LOSSES
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer
from nn.train import LANES_FROM, Callback, History, fit, predict

__all__ = [
    "ACTIVATIONS",
    "LANES_FROM",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "Callback",
    "History",
    "Layer",
    "ModelFileError",
    "Module",
    "Neuron",
    "Optimizer",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "circles",
    "cross_entropy",
    "fit",
    "from_config",
    "hinge",
    "l2_penalty",
    "load",
    "moons",
    "mse",
    "predict",
    "quick",
    "save",
    "softmax",
    "spirals",
    "squared_error",
    "sum_of_squares",
    "to_lanes",
    "to_torch",
    "xor",
]
