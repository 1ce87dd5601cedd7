"""The module protocol every model of :mod:`nn` follows: parameters, names, gradients and state.

Every module has the same small protocol (pictures in ``viz`` rely on exactly this,
duck-typed): :meth:`Module.parameters`, :meth:`Module.named_parameters`,
:meth:`Module.named_modules`, :meth:`Module.zero_grad`, :meth:`Module.state_dict` and
:meth:`Module.load_state_dict`; :meth:`Module.batch` runs a whole batch as one graph with lanes.
The modules themselves (:class:`nn.Neuron`, :class:`nn.Layer`, :class:`nn.MLP`) are in :mod:`nn.layers`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from numpy.typing import ArrayLike, NDArray

from autograd import Value, zero_grad
from nn.inputs import to_lanes

__all__ = ["Module"]


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
        return {name: float(p.data) for name, p in self.named_parameters()}

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
