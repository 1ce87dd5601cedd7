"""The seed article's "MLP module" in one call: build a network from a sample, train it, predict.

The article (``MLP.train(x, y, net_arch, max_iter, learning_rate, debug)`` then
``MLP.predict``) builds a sigmoid network whose input and output widths come from the
sample, trains it by gradient descent on the squared error ``(ŷ − y)²`` and returns
the training time, the iterations run and the derivative chain of every weight.

>>> from nn import quick
>>> trained = quick.train(x=[0.1, 0.4, 4.1], y=[0.2], net_arch=[7, 5, 4],
...                       max_iter=500, learning_rate=0.7, seed=0)
>>> trained.elapsed_iter, trained.model
(500, MLP(3, [7, 5, 4, 1], activation=['sigmoid', 'sigmoid', 'sigmoid', 'sigmoid']))
>>> bool(abs(quick.predict(trained, [0.1, 0.4, 4.1])[0] - 0.2) < 1e-3)
True
>>> chain = trained.derivative_chain["layers.0.neurons.0.w.2"]
>>> chain.grad == chain.upstream * chain.activation * chain.input
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd import TooManyPathsError, Value
from autograd import derivative_chains as graph_paths
from nn.init import Seed
from nn.layers import MLP
from nn.losses import sum_of_squares
from nn.module import Module
from nn.optim import SGD
from nn.train import History, fit
from nn.train import predict as predict_rows

if TYPE_CHECKING:
    from autograd import Chain as PathChain

__all__ = ["Chain", "TrainedNetwork", "derivative_chains", "predict", "train"]


@dataclass(frozen=True)
class Chain:
    """The chain rule for one parameter of neuron ``a = f(z)``, ``z = Σ wᵢ·xᵢ + b``.

    ``∂E/∂w = ∂E/∂a · ∂a/∂z · ∂z/∂w``, each factor read from the graph of the last
    training sample at the final weights (the nodes' ``grad`` and ``local_grads``).
    ``∂E/∂a`` is itself the sum over every path from the error to the neuron (for the
    output neuron it is ``2(ŷ − y)``).

    Attributes:
        name: The parameter's dotted name (``"layers.0.neurons.3.w.1"``).
        label: The parameter Value's label (``"w0.3.1"``).
        grad: ``∂E/∂w``, computed by backpropagation.
        upstream: ``∂E/∂a``, the gradient arriving at the neuron's output.
        activation: ``∂a/∂z``, the activation's local derivative (1 for linear).
        input: ``∂z/∂w``: the input the weight multiplies (1 for a bias).
        paths: Every path from the error node down to the parameter, each an
            :class:`autograd.Chain` with its local derivatives; the sum of their
            products is :attr:`grad`. None when there are more than ``max_paths``.
    """

    name: str
    label: str
    grad: float
    upstream: float
    activation: float
    input: float
    paths: tuple[PathChain, ...] | None = None

    @property
    def product(self) -> float:
        """``upstream · activation · input`` (equals :attr:`grad`)."""
        return self.upstream * self.activation * self.input

    def __str__(self) -> str:
        # The factors get the fewest digits (6 or more) that make them, multiplied by hand,
        # round to the gradient as written: a learner can redo the product.
        factors = (self.upstream, self.activation, self.input)
        result = f"{self.grad:.6g}"
        for digits in range(6, 18):
            if f"{math.prod(float(f'{x:.{digits}g}') for x in factors):.6g}" == result:
                break
        shown = " × ".join(f"{x:.{digits}g}" for x in factors)
        return f"∂E/∂{self.label} = ∂E/∂a · ∂a/∂z · ∂z/∂{self.label} = {shown} = {result}"


@dataclass
class TrainedNetwork:
    """What :func:`train` returns (the article's dictionary, as attributes).

    Attributes:
        model: The trained :class:`~nn.MLP`.
        training_time_sec: Wall-clock training time in seconds.
        elapsed_iter: Iterations run (fewer than ``max_iter`` when ``tolerance`` was met).
        derivative_chain: Every parameter's :class:`Chain`, by dotted name.
        network_error: The error ``Σ (ŷ − y)²`` over the samples at each iteration
            (measured before that iteration's updates).
    """

    model: MLP
    training_time_sec: float
    elapsed_iter: int
    derivative_chain: dict[str, Chain] = field(default_factory=dict)
    network_error: list[float] = field(default_factory=list)


def _as_2d(a: ArrayLike, what: str) -> NDArray[np.float64]:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{what} must be one sample (1-D) or samples × features (2-D), got shape {arr.shape}")
    return arr


def train(
    x: ArrayLike,
    y: ArrayLike,
    net_arch: Sequence[int],
    max_iter: int = 5000,
    learning_rate: float = 0.01,
    debug: bool = False,
    *,
    activation: str = "sigmoid",
    tolerance: float | None = None,
    bias: bool = True,
    seed: Seed = None,
) -> TrainedNetwork:
    """Build ``MLP(len(x), net_arch + [len(y)])``, train it, and return it with its derivative chains.

    Every iteration runs each sample once (forward, error ``Σ (ŷ − y)²``, backward,
    gradient-descent update), in order.

    Args:
        x: One sample (1-D) or several (2-D, samples × inputs).
        y: Its target(s): 1-D for one sample, 2-D (samples × outputs) for several.
        net_arch: The hidden layers' widths (may be empty).
        max_iter: Maximum number of iterations.
        learning_rate: Gradient-descent step size (> 0).
        debug: Print the error at each iteration.
        activation: Every layer's activation (the article uses sigmoid).
        tolerance: Stop once the error is at or below this (None: run ``max_iter``).
        bias: Whether the neurons have biases.
        seed: Seed of the weight initialisation.
    """
    inputs = _as_2d(x, "x")
    targets = _as_2d(y, "y")
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(f"x holds {inputs.shape[0]} sample(s) but y holds {targets.shape[0]}")
    model = MLP(inputs.shape[1], [*net_arch, targets.shape[1]], activation, activation, bias=bias, seed=seed)
    optimizer = SGD(model.parameters(), lr=learning_rate)

    def show(epoch: int, history: History) -> None:
        print(f"iteration {epoch + 1}: error {history.loss[-1]:.12g}")

    start = time.perf_counter()
    history = fit(
        model,
        inputs,
        targets if targets.shape[1] > 1 else targets[:, 0],
        loss=sum_of_squares,
        optimizer=optimizer,
        epochs=max_iter,
        batch_size=1,
        shuffle=False,
        reduction="sum",
        target_loss=tolerance,
        callbacks=[show] if debug else [],
        progress=False,
    )
    elapsed = time.perf_counter() - start
    last = targets[-1].tolist()
    chains = derivative_chains(model, inputs[-1].tolist(), last if len(last) > 1 else last[0])
    return TrainedNetwork(model, elapsed, history.epochs, chains, history.loss)


def derivative_chains(model: MLP, x: Sequence[float], target: Any, *, max_paths: int = 1000) -> dict[str, Chain]:
    """The :class:`Chain` of every parameter for the error ``Σ (ŷ − y)²`` of one sample.

    :func:`train` returns these for its last sample; call this for any :class:`~nn.MLP`
    and sample. Leaves ``model``'s gradients set to that sample's gradients.

    Args:
        model: The network.
        x: One sample's inputs (``model.nin`` numbers).
        target: Its target (a number, or a list for several outputs).
        max_paths: List a parameter's individual paths only up to this many (a
            parameter with more gets ``paths=None``; its chain is still given).

    Returns:
        Every parameter's :class:`Chain`, keyed by its dotted name, in
        ``model.named_parameters()`` order.

    Raises:
        TypeError: if ``model`` is not an :class:`~nn.MLP`.
        ValueError, TypeError: for an input or target of the wrong size or type.

    >>> from nn import MLP
    >>> model = MLP(2, [2, 1], activation="tanh", seed=0)
    >>> chains = derivative_chains(model, [0.5, -1.0], 0.3)
    >>> chain = chains["layers.1.neurons.0.w.1"]
    >>> chain.grad == chain.product, len(chain.paths)
    (True, 1)
    """
    if not isinstance(model, MLP):
        raise TypeError(f"derivative_chains needs an nn.MLP, got {type(model).__name__}")
    model.zero_grad()
    outputs: list[list[Value]] = []
    acts: list[Value] = [Value(v, f"x{i}") for i, v in enumerate(x)]
    for layer in model.layers:
        acts = layer(acts)
        outputs.append(acts)
    error = sum_of_squares(acts[0] if len(acts) == 1 else acts, target)
    error.backward()

    def paths(p: Value) -> tuple[PathChain, ...] | None:
        try:
            return tuple(graph_paths(error, p, limit=max_paths))
        except TooManyPathsError:
            return None

    chains: dict[str, Chain] = {}
    for li, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            a = outputs[li][j]
            z, da_dz = (a, 1.0) if neuron.activation == "linear" else (a.parents[0], a.local_grads[0])
            # z is the neuron's dot node: parents w0, x0, w1, x1, …, b; ∂z/∂wᵢ = xᵢ, ∂z/∂b = 1.
            prefix = f"layers.{li}.neurons.{j}"
            for i, w in enumerate(neuron.w):
                name = f"{prefix}.w.{i}"
                chains[name] = Chain(name, w.label, float(w.grad), float(a.grad), da_dz, z.local_grads[2 * i], paths(w))
            if neuron.b is not None:
                b = neuron.b
                name = f"{prefix}.b"
                chains[name] = Chain(name, b.label, float(b.grad), float(a.grad), da_dz, z.local_grads[-1], paths(b))
    return chains


def predict(trained: TrainedNetwork | Module, x: ArrayLike) -> NDArray[np.float64]:
    """The network's output for one sample (1-D ``x``: shape ``(nout,)``) or several (2-D: ``(n, nout)``)."""
    model = trained.model if isinstance(trained, TrainedNetwork) else trained
    arr = np.asarray(x, dtype=np.float64)
    out = predict_rows(model, arr.reshape(1, -1) if arr.ndim == 1 else arr)
    out = out.reshape(len(out), -1)
    return out[0] if arr.ndim == 1 else out
