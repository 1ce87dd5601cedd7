"""Modules: :class:`Neuron`, :class:`Layer` and :class:`MLP`, built from engine Values.

Every module has the same small protocol (pictures in ``viz`` rely on exactly this,
duck-typed): :meth:`Module.parameters`, :meth:`Module.named_parameters`,
:meth:`Module.named_modules`, :meth:`Module.zero_grad`, :meth:`Module.state_dict` and
:meth:`Module.load_state_dict`.

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

import math
import numbers
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd import Value, dot, zero_grad

__all__ = ["ACTIVATIONS", "INITS", "MLP", "Layer", "Module", "Neuron", "make_rng", "to_lanes"]

#: Activation names and the one engine op each adds after the ``dot`` node (None: no node).
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "linear": None,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,  # slope 0.01
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
}

#: Weight initialisations (biases always start at 0).
INITS = ("uniform", "normal", "xavier", "he")

Seed = int | random.Random | None


def make_rng(seed: Seed) -> random.Random:
    """A :class:`random.Random` from a seed (an int), an existing generator, or None (unseeded).

    Raises:
        TypeError: for anything else (including ``bool``).
    """
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random()
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}: {seed!r}")
    return random.Random(seed)


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


def _initial_weights(nin: int, nout: int, init: str, rng: random.Random) -> list[float]:
    """``nin`` starting weights for one neuron of a layer ``nin → nout``."""
    if init == "uniform":
        return [rng.uniform(-1.0, 1.0) for _ in range(nin)]
    if init == "normal":
        return [rng.gauss(0.0, 1.0) for _ in range(nin)]
    if init == "xavier":  # Glorot & Bengio (2010): U(±√(6/(nin+nout)))
        limit = math.sqrt(6.0 / (nin + nout))
        return [rng.uniform(-limit, limit) for _ in range(nin)]
    if init == "he":  # He et al. (2015): N(0, 2/nin)
        std = math.sqrt(2.0 / nin)
        return [rng.gauss(0.0, std) for _ in range(nin)]
    raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")


def _check_inputs(x: object, nin: int, who: str) -> list[Value]:
    """Validate one model input and lift it to Values, once (every neuron then shares the input nodes).

    ``x`` holds ``nin`` items, each a number, a Value, or lanes (a 1-D array with one
    value per sample). Lanes must all have the same length.
    """
    batch_hint = " (for a batch of samples use model.batch(X))"
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            hint = batch_hint if x.ndim == 2 else ""
            raise ValueError(f"{who} expects one sample of {nin} input(s), got an array of shape {x.shape}{hint}")
        if len(x) != nin:
            raise ValueError(f"{who} expects {nin} input(s), got an array of {len(x)}{batch_hint}")
        x = x.tolist()
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{who} expects a sequence of {nin} numbers or Values, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} input(s), got {len(x)}")
    xs: list[Value] = []
    for i, item in enumerate(x):
        if isinstance(item, Value):
            xs.append(item)
            continue
        if isinstance(item, (list, tuple)):
            raise TypeError(
                f"{who} input {i} is a {type(item).__name__}: give a number, a Value, "
                "or a 1-D numpy array of per-sample values (lanes)"
            )
        try:
            xs.append(Value(item, f"x{i}"))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{who} input {i}: {exc}") from None
    lengths = [(i, v.lanes) for i, v in enumerate(xs) if v.lanes is not None]
    if len({n for _, n in lengths}) > 1:
        shown = ", ".join(f"x{i} has {n}" for i, n in lengths)
        raise ValueError(f"{who} inputs hold lanes of different lengths ({shown}): one lane per sample, same samples")
    return xs


def to_lanes(X: ArrayLike, nin: int | None = None) -> list[Value]:  # noqa: N803 (X: a data matrix)
    """The columns of a data matrix as lanes: one Value per input, one lane per sample.

    ``model(to_lanes(X))`` (or ``model.batch(X)``) runs the model once for the whole
    batch: every node of the graph holds the values of all the samples, so the graph
    is that of one sample, and each output holds one lane per sample.

    Args:
        X: Shape ``(n, d)``: ``n`` samples of ``d`` inputs (``(n,)`` when ``nin`` is 1).
        nin: The number of inputs expected (``d``), or None to accept any.

    Returns:
        ``d`` leaf Values labelled ``x0``, ``x1`` …, each holding ``n`` lanes.

    Raises:
        TypeError: if ``X`` does not hold real numbers.
        ValueError: for a wrong shape, no samples, or nan/inf (naming the sample and input).

    >>> import numpy as np
    >>> x0, x1 = to_lanes(np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]))
    >>> x0.label, x0.lanes, x1.data.tolist()
    ('x0', 3, [1.0, 3.0, 5.0])
    """
    arr = _matrix(X, nin, "X")
    return [Value(arr[:, j], f"x{j}") for j in range(arr.shape[1])]


def _matrix(X: ArrayLike, nin: int | None, what: str) -> NDArray[np.float64]:  # noqa: N803
    """``X`` as a finite float64 array of shape (samples, inputs), with errors naming the problem."""
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # ragged rows
        raise TypeError(f"{what} must be a 2-D array of numbers (samples × inputs): {exc}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{what} must be a 2-D array of numbers (samples × inputs), got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    inputs = "inputs" if nin is None else f"{nin} inputs"
    if arr.ndim == 1 and nin == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{what} must be 2-D (samples × {inputs}), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{what} is empty: no samples")
    if nin is not None and arr.shape[1] != nin:
        raise ValueError(f"the model takes {nin} input(s) per sample but {what} has {arr.shape[1]} column(s)")
    if arr.shape[1] == 0:
        raise ValueError(f"{what} has no columns (inputs)")
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        i, j = bad[0]
        raise ValueError(f"{what} contains nan or infinite values (first: sample {i}, input {j}: {float(arr[i, j])!r})")
    return arr


class Module:
    """Base class: parameters, names, gradients and state of a model.

    Subclasses list their own parameters in :meth:`_own_parameters` and their
    sub-modules in :meth:`named_children`; everything else is derived from those two.
    """

    def named_children(self) -> list[tuple[str, Module]]:
        """Direct sub-modules with their names (``"layers.0"``, ``"neurons.3"`` …)."""
        return []

    def _own_parameters(self) -> list[tuple[str, Value]]:
        return []

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, e.g. ``"layers.0.neurons.3.w.1"``.

        The order is deterministic: layer by layer, neuron by neuron, each neuron's
        weights in input order, then its bias.
        """
        named = list(self._own_parameters())
        for prefix, child in self.named_children():
            named.extend((f"{prefix}.{name}", p) for name, p in child.named_parameters())
        return named

    def parameters(self) -> list[Value]:
        """Every parameter Value, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def named_modules(self) -> list[tuple[str, Module]]:
        """This module as ``""``, then every sub-module (depth first) with its dotted name."""
        out: list[tuple[str, Module]] = [("", self)]
        for prefix, child in self.named_children():
            out.extend((f"{prefix}.{name}" if name else prefix, m) for name, m in child.named_modules())
        return out

    def zero_grad(self) -> None:
        """Reset every parameter's ``grad`` to 0."""
        zero_grad(self.parameters())

    def state_dict(self) -> dict[str, float]:
        """Parameter values by name (a copy: changing it does not change the model)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from ``state`` (as produced by :meth:`state_dict`).

        Everything is checked before anything is assigned, so on error the model is
        unchanged.

        Raises:
            TypeError: if ``state`` is not a mapping or a value is not a real number.
            ValueError: naming missing or unexpected keys, or a non-finite value.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping of parameter names to numbers, got {type(state).__name__}")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        missing = [name for name in expected if name not in state]
        unexpected = sorted(str(k) for k in set(state) - set(expected))
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {_few(missing)}")
            if unexpected:
                parts.append(f"unexpected {_few(unexpected)}")
            raise ValueError(f"state does not match the model's {len(expected)} parameters: {'; '.join(parts)}")
        values: list[float] = []
        for name in expected:
            v = state[name]
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"state[{name!r}] must be a real number, got {type(v).__name__}: {v!r}")
            try:
                number = float(v)
            except OverflowError:
                raise ValueError(f"state[{name!r}] is an integer too large for a float64") from None
            if not math.isfinite(number):
                raise ValueError(f"state[{name!r}] must be finite, got {v!r}")
            values.append(number)
        for (_, p), v in zip(named, values, strict=True):
            p.data = v

    def config(self) -> dict[str, Any]:
        """The architecture as plain JSON data (what :func:`nn.save` writes besides the weights)."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    @property
    def nin(self) -> int:
        """Number of inputs."""
        raise NotImplementedError

    @property
    def nout(self) -> int:
        """Number of outputs."""
        raise NotImplementedError

    def __call__(self, x: Sequence[Value | float | NDArray[Any]]) -> Value | list[Value]:
        raise NotImplementedError

    def batch(self, X: ArrayLike) -> Value | list[Value]:  # noqa: N803 (X: a data matrix)
        """The outputs for a whole batch at once, as lanes: one graph, one lane per sample.

        ``model.batch(X)`` is ``model(to_lanes(X, model.nin))``: each output Value holds
        ``n`` lanes, lane ``i`` being sample ``i``'s output, with the same values (to
        rounding) and, after a reduction such as ``.mean()``, the same gradients as
        running the samples one by one.

        Args:
            X: Shape ``(n, nin)`` (``(n,)`` for a model with one input).

        Returns:
            What calling the module returns, with lanes: a Value for one output, a list
            of Values for several.

        >>> import numpy as np
        >>> from nn import MLP
        >>> model = MLP(2, [3, 1], seed=0)
        >>> scores = model.batch(np.array([[0.5, -1.0], [0.1, 0.2], [2.0, 0.0]]))
        >>> scores.lanes, bool(abs(scores.data[1] - model([0.1, 0.2]).data) < 1e-12)
        (3, True)
        """
        return self(to_lanes(X, self.nin))


def _few(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


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
        weights = _initial_weights(self._nin, _check_size(fan_out, "fan_out"), init, make_rng(seed))
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
        return self._forward(_check_inputs(x, self._nin, "Neuron"))

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
        return [p for n in self.neurons for p in n.parameters()]

    def __call__(self, x: Sequence[Value | float | NDArray[Any]]) -> list[Value]:
        """Each neuron's output for inputs ``x`` (numbers, Values or lanes)."""
        return self._forward(_check_inputs(x, self.nin, "Layer"))

    def _forward(self, xs: list[Value]) -> list[Value]:
        """The outputs for inputs already checked and lifted (no validation: the hot path)."""
        return [n._forward(xs) for n in self.neurons]

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
        return [p for layer in self.layers for p in layer.parameters()]

    def __call__(self, x: Sequence[Value | float | NDArray[Any]]) -> Value | list[Value]:
        """The network's output: a Value when the last layer has one neuron, else a list.

        ``x`` holds one item per input: numbers or Values for one sample, or lanes
        (1-D arrays, one value per sample) for a batch; see :meth:`Module.batch`.
        """
        out = _check_inputs(x, self.nin, "MLP")
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
