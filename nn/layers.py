"""The modules: :class:`Neuron`, :class:`Layer` and :class:`MLP`, built from engine Values.

Each follows the protocol of :class:`nn.Module` (parameters, names, gradients, state).

A neuron computes its pre-activation as *one* ``dot`` node (``Σ wᵢ·xᵢ + b``) and its
activation as one more node, so graphs stay small and pictures readable.

A batch runs as *one* graph with lanes: ``model.batch(X)`` (or ``model([column0,
column1])`` with 1-D arrays) gives outputs holding one value per sample, and the graph
is the graph of a single sample.

>>> from nn import MLP
>>> model = MLP(2, [3, 1], seed=0)
>>> [name for name, _ in model.named_parameters()][:4]
['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b', 'layers.0.neurons.1.w.0']
>>> model.parameters()[0].label, model.parameters()[2].label
('w0.0.0', 'b0.0')
>>> y = model([0.5, -1.0])        # one output neuron: a single Value
>>> y.op
'dot'
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from numpy.typing import NDArray

from autograd import Value, apply_each, dot, dots
from nn.init import Seed, initial_weights, make_rng
from nn.inputs import check_inputs
from nn.module import Module

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Neuron"]

#: Activation names and the one engine op each adds after the ``dot`` node (None: no node).
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "linear": None,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,  # slope 0.01
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
}


#: Each activation's engine op and parameter: the node ``ACTIVATIONS[name](z)`` records.
_ACTIVATION_OPS: dict[Callable[[Value], Value], tuple[str, float | None]] = {
    Value.relu: ("relu", None),
    Value.leaky_relu: ("leaky_relu", 0.01),  # Value.leaky_relu's default slope
    Value.tanh: ("tanh", None),
    Value.sigmoid: ("sigmoid", None),
}


def _check_size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}: {value!r}")
    if int(value) < 1:
        raise ValueError(f"{what} must be at least 1, got {value!r}")
    return int(value)


def _check_activation(activation: object) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    return activation


class Neuron(Module):
    """``activation(w·x + b)``: one ``dot`` node, then one activation node (none for linear).

    Args:
        nin: Number of inputs.
        activation: ``"linear"`` (default), ``"relu"``, ``"leaky_relu"`` (slope 0.01),
            ``"tanh"`` or ``"sigmoid"``.
        bias: Whether the neuron has a bias (starts at 0).
        init: Weight initialisation: ``"uniform"`` U(−1, 1) (default), ``"normal"``
            N(0, 1), ``"xavier"`` U(±√(6/(nin+fan_out))) or ``"he"`` N(0, 2/nin).
        seed: An int, a :class:`random.Random` (shared, so a model draws one stream)
            or None (unseeded).
        fan_out: Width of the layer the neuron belongs to (used by ``"xavier"``).

    >>> n = Neuron(2, "sigmoid", seed=1)
    >>> [p.label for p in n.parameters()]
    ['w0', 'w1', 'b']
    >>> out = n([0.1, 0.4])
    >>> out.op, out.parents[0].op
    ('sigmoid', 'dot')
    """

    def __init__(
        self,
        nin: int,
        activation: str = "linear",
        *,
        bias: bool = True,
        init: str = "uniform",
        seed: Seed = None,
        fan_out: int = 1,
    ) -> None:
        self._nin = _check_size(nin, "nin")
        self.activation = _check_activation(activation)
        if not isinstance(bias, bool):
            raise TypeError(f"bias must be True or False, got {bias!r}")
        weights = initial_weights(self._nin, _check_size(fan_out, "fan_out"), init, make_rng(seed))
        self.w = [Value(w, f"w{i}") for i, w in enumerate(weights)]
        self.b: Value | None = Value(0.0, "b") if bias else None
        self._act = ACTIVATIONS[self.activation]

    @property
    def nin(self) -> int:
        """Number of inputs."""
        return self._nin

    @property
    def nout(self) -> int:
        """Always 1."""
        return 1

    def _own_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w.{i}", w) for i, w in enumerate(self.w)]
        if self.b is not None:
            named.append(("b", self.b))
        return named

    def _relabel(self, prefix: str) -> None:
        for i, w in enumerate(self.w):
            w.label = f"w{prefix}.{i}"
        if self.b is not None:
            self.b.label = f"b{prefix}"

    def parameters(self) -> list[Value]:
        """The weights in input order, then the bias."""
        return [*self.w, self.b] if self.b is not None else list(self.w)

    def __call__(self, x: Sequence[Value | float | NDArray[Any]]) -> Value:
        """The neuron's output for inputs ``x`` (numbers, Values or lanes)."""
        return self._forward(check_inputs(x, self._nin, "Neuron"))

    def _forward(self, xs: list[Value]) -> Value:
        """The output for inputs already checked and lifted (no validation: the hot path)."""
        z = dot(self.w, xs, self.b)
        return z if self._act is None else self._act(z)

    def config(self) -> dict[str, Any]:
        """``{"type": "Neuron", "nin", "activation", "bias"}``."""
        return {"type": "Neuron", "nin": self._nin, "activation": self.activation, "bias": self.b is not None}

    def __repr__(self) -> str:
        return f"Neuron({self._nin}, {self.activation!r}{'' if self.b is not None else ', bias=False'})"


class Layer(Module):
    """``nout`` neurons reading the same inputs. Calling it always returns a list (also for width 1).

    Args:
        nin: Number of inputs.
        nout: Number of neurons.
        activation: One activation name for every neuron of the layer (see :class:`Neuron`).
        bias: Whether the neurons have biases.
        init: Weight initialisation (see :class:`Neuron`).
        seed: An int, a :class:`random.Random` or None.

    >>> layer = Layer(3, 2, "tanh", seed=0)
    >>> [name for name, _ in layer.named_modules()]
    ['', 'neurons.0', 'neurons.1']
    >>> len(layer([1.0, 2.0, 3.0]))
    2
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "linear",
        *,
        bias: bool = True,
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        nin = _check_size(nin, "nin")
        nout = _check_size(nout, "nout")
        rng = make_rng(seed)
        self.neurons = [Neuron(nin, activation, bias=bias, init=init, seed=rng, fan_out=nout) for _ in range(nout)]
        self._relabel("")

    @property
    def nin(self) -> int:
        """Number of inputs."""
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        """Number of neurons."""
        return len(self.neurons)

    @property
    def activation(self) -> str:
        """The layer's activation name."""
        return self.neurons[0].activation

    @property
    def bias(self) -> bool:
        """Whether the neurons have biases."""
        return self.neurons[0].b is not None

    def named_children(self) -> list[tuple[str, Module]]:
        """``("neurons.j", neuron)`` for each neuron."""
        return [(f"neurons.{j}", n) for j, n in enumerate(self.neurons)]

    def _relabel(self, prefix: str) -> None:
        for j, n in enumerate(self.neurons):
            n._relabel(f"{prefix}{j}")

    def parameters(self) -> list[Value]:
        """Every neuron's parameters, neuron by neuron."""
        out: list[Value] = []
        for n in self.neurons:  # extend, not a nested comprehension: model.zero_grad() asks at every step
            out += n.parameters()
        return out

    def __call__(self, x: Sequence[Value | float | NDArray[Any]]) -> list[Value]:
        """Each neuron's output for inputs ``x`` (numbers, Values or lanes)."""
        return self._forward(check_inputs(x, self.nin, "Layer"))

    def _forward(self, xs: list[Value]) -> list[Value]:
        """The outputs for inputs already checked and lifted (no validation: the hot path).

        On lanes, the layer's ``dot`` nodes and then its activation nodes are recorded together
        (:func:`~autograd.dots`, :func:`~autograd.apply_each`): the same nodes as neuron by
        neuron, computed on 2-D arrays. On floats, and for neurons of another class (which may
        compute differently), neuron by neuron.
        """
        neurons = self.neurons
        act = neurons[0]._act
        if (
            len(neurons) > 1
            and any(x.lanes is not None for x in xs)
            and all(type(n) is Neuron and n._act is act for n in neurons)
        ):
            zs = dots([n.w for n in neurons], xs, [n.b for n in neurons])
            if act is None:
                return zs
            op, param = _ACTIVATION_OPS[act]
            return apply_each(op, zs, param)
        return [n._forward(xs) for n in neurons]

    def config(self) -> dict[str, Any]:
        """``{"type": "Layer", "nin", "nout", "activation", "bias"}``."""
        return {"type": "Layer", "nin": self.nin, "nout": self.nout, "activation": self.activation, "bias": self.bias}

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, {self.activation!r}{'' if self.bias else ', bias=False'})"


class MLP(Module):
    """A multi-layer perceptron: fully connected layers, one after the other.

    ``MLP(2, [16, 16, 1])`` has ReLU hidden layers and a linear output neuron. Calling
    an MLP whose last layer has one neuron returns a single Value, otherwise a list.

    Args:
        nin: Number of inputs.
        sizes: Width of each layer, the last one being the output layer.
        activation: The hidden layers' activation, or a list with one activation per
            layer (output layer included; then ``output_activation`` must be None).
        output_activation: The output layer's activation (default ``"linear"``).
        bias: Whether the neurons have biases.
        init: Weight initialisation (see :class:`Neuron`).
        seed: An int, a :class:`random.Random` or None. One generator draws every
            weight, layer by layer, neuron by neuron, in input order.

    >>> model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> model
    MLP(2, [4, 1], activation=['tanh', 'sigmoid'])
    >>> len(model.parameters())
    17
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "relu",
        output_activation: str | None = None,
        *,
        bias: bool = True,
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        nin = _check_size(nin, "nin")
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Iterable):
            raise TypeError(f"sizes must be a list of layer widths, got {type(sizes).__name__}")
        widths = [_check_size(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
        if not widths:
            raise ValueError("sizes must list at least one layer (the output layer)")
        if isinstance(activation, str):
            activations = [activation] * (len(widths) - 1) + [output_activation or "linear"]
        else:
            activations = list(activation)
            if output_activation is not None:
                raise ValueError("give output_activation only when activation is a single name")
            if len(activations) != len(widths):
                raise ValueError(f"activation lists {len(activations)} name(s) for {len(widths)} layer(s)")
        rng = make_rng(seed)
        fan_in = [nin, *widths[:-1]]
        self.layers = [
            Layer(i, o, a, bias=bias, init=init, seed=rng) for i, o, a in zip(fan_in, widths, activations, strict=True)
        ]
        for idx, layer in enumerate(self.layers):
            layer._relabel(f"{idx}.")

    @property
    def nin(self) -> int:
        """Number of inputs."""
        return self.layers[0].nin

    @property
    def nout(self) -> int:
        """Width of the output layer."""
        return self.layers[-1].nout

    @property
    def sizes(self) -> list[int]:
        """The layer widths."""
        return [layer.nout for layer in self.layers]

    @property
    def activations(self) -> list[str]:
        """One activation name per layer."""
        return [layer.activation for layer in self.layers]

    def named_children(self) -> list[tuple[str, Module]]:
        """``("layers.l", layer)`` for each layer."""
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def parameters(self) -> list[Value]:
        """Every layer's parameters, layer by layer."""
        out: list[Value] = []
        for layer in self.layers:
            out += layer.parameters()
        return out

    def __call__(self, x: Sequence[Value | float | NDArray[Any]]) -> Value | list[Value]:
        """The network's output: a Value when the last layer has one neuron, else a list.

        ``x`` holds one item per input: numbers or Values for one sample, or lanes
        (1-D arrays, one value per sample) for a batch; see :meth:`Module.batch`.
        """
        out = check_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            out = layer._forward(out)
        return out[0] if len(out) == 1 else out

    def config(self) -> dict[str, Any]:
        """``{"type": "MLP", "nin", "sizes", "activations", "bias"}``."""
        return {
            "type": "MLP",
            "nin": self.nin,
            "sizes": self.sizes,
            "activations": self.activations,
            "bias": self.layers[0].bias,
        }

    def __repr__(self) -> str:
        bias = "" if self.layers[0].bias else ", bias=False"
        return f"MLP({self.nin}, {self.sizes}, activation={self.activations}{bias})"
