"""Optimizers: they read ``p.grad`` and change ``p.data``, nothing else.

Backpropagation (``loss.backward()``) only *computes* gradients; an optimizer decides
what to do with them. The two are separate on purpose.

>>> from autograd import Value
>>> w = Value(2.0)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).backward()         # ∂(w²)/∂w = 4
>>> opt.step()
>>> round(w.data, 12)
1.6
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable

from autograd import Value, zero_grad

__all__ = ["SGD", "Adam", "LearningRate", "Optimizer"]

#: A learning rate: a positive number, or a schedule ``step -> rate`` (steps count from 0).
LearningRate = float | Callable[[int], float]


def _positive(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    value = float(x)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{what} must be a finite number > 0, got {value!r}")
    return value


def _fraction(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    value = float(x)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{what} must be in [0, 1), got {value!r}")
    return value


def _non_negative(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    value = float(x)
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
    return value


class Optimizer:
    """Base class: holds the parameters, the learning rate (or schedule) and the step count.

    Args:
        params: The Values to optimise (e.g. ``model.parameters()``).
        lr: A positive number, or a callable ``step -> rate`` evaluated at every step.
    """

    def __init__(self, params: Iterable[Value], lr: LearningRate) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got no parameters")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}")
        if callable(lr):
            self._schedule: Callable[[int], float] | None = lr
            self._lr = 0.0
        else:
            self._schedule = None
            self._lr = _positive(lr, "learning rate")
        self.steps = 0  #: Number of :meth:`step` calls so far.

    @property
    def lr(self) -> float:
        """The learning rate the next :meth:`step` uses.

        Raises:
            ValueError: if the schedule returns a rate that is not a finite number > 0.
        """
        if self._schedule is None:
            return self._lr
        return _positive(self._schedule(self.steps), f"learning rate schedule at step {self.steps}")

    def zero_grad(self) -> None:
        """Reset every parameter's ``grad`` to 0 (call it before each backward pass)."""
        zero_grad(self.params)

    def step(self) -> None:
        """Update every parameter from its ``grad``.

        Raises:
            FloatingPointError: if a parameter would become inf or nan (training
                diverged); no parameter is changed then.
            ValueError: if the learning-rate schedule gives a rate that is not > 0.
        """
        lr = self.lr
        self._update(lr)
        self.steps += 1

    def _update(self, lr: float) -> None:
        raise NotImplementedError

    def _commit(self, new: list[float]) -> None:
        """Assign the new parameter values, after checking all of them (nothing half-updated)."""
        for i, (p, value) in enumerate(zip(self.params, new, strict=True)):
            if not math.isfinite(value):
                name = repr(p.label) if p.label else f"params[{i}]"
                raise FloatingPointError(
                    f"step {self.steps}: parameter {name} would become {value!r} (grad {p.grad!r}); "
                    "training diverged: lower the learning rate"
                )
        for p, value in zip(self.params, new, strict=True):
            p.data = value


class SGD(Optimizer):
    """Stochastic gradient descent: ``p ← p − lr·v`` with ``v ← momentum·v + (g + weight_decay·p)``.

    With ``momentum=0`` this is plain gradient descent ``p ← p − lr·g`` (PyTorch's
    convention for momentum and weight decay).

    Args:
        params: The Values to optimise.
        lr: Learning rate (> 0) or a schedule ``step -> rate``.
        momentum: In [0, 1).
        weight_decay: L2 coefficient added to each gradient (>= 0).
    """

    def __init__(
        self, params: Iterable[Value], lr: LearningRate, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _fraction(momentum, "momentum")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self._velocity = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        mu, wd = self.momentum, self.weight_decay
        steps = [float(p.grad + wd * p.data) if wd else float(p.grad) for p in self.params]
        if mu:
            steps = [mu * v + g for v, g in zip(self._velocity, steps, strict=True)]
        new = [float(p.data - lr * g) for p, g in zip(self.params, steps, strict=True)]
        self._commit(new)
        if mu:
            self._velocity = steps


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction.

    ``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``,
    ``p ← p − lr·m̂/(√v̂ + eps)`` with ``m̂ = m/(1−β₁ᵗ)``, ``v̂ = v/(1−β₂ᵗ)``.

    Args:
        params: The Values to optimise.
        lr: Learning rate (> 0) or a schedule ``step -> rate``.
        betas: ``(β₁, β₂)``, each in [0, 1).
        eps: Added to the denominator (> 0).
        weight_decay: L2 coefficient added to each gradient (>= 0).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_fraction(betas[0], "beta1"), _fraction(betas[1], "beta2"))
        self.eps = _positive(eps, "eps")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        b1, b2 = self.betas
        t = self.steps + 1
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        wd = self.weight_decay
        grads = [float(p.grad + wd * p.data) if wd else float(p.grad) for p in self.params]
        m = [b1 * m + (1.0 - b1) * g for m, g in zip(self._m, grads, strict=True)]
        v = [b2 * v + (1.0 - b2) * g * g for v, g in zip(self._v, grads, strict=True)]
        new = [
            float(p.data - lr * (mi / c1) / (math.sqrt(vi / c2) + self.eps))
            for p, mi, vi in zip(self.params, m, v, strict=True)
        ]
        self._commit(new)
        self._m, self._v = m, v
