"""The training loop: :func:`fit`, its :class:`History`, and :func:`predict`.

One training step is the textbook one, spelled out:

1. forward: run the model on each sample of the batch (one small graph per sample);
2. loss: the mean (or sum) of the per-sample losses, plus an optional L2 penalty;
3. backward: ``optimizer.zero_grad()``, then ``loss.backward()`` fills every ``p.grad``;
4. update: ``optimizer.step()``.

>>> import nn
>>> X, y = nn.xor()
>>> model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> history = nn.fit(model, X, y, loss="binary_cross_entropy", optimizer=nn.Adam(model.parameters(), lr=0.1),
...                  epochs=200, seed=0, progress=False)
>>> history.accuracy[-1], predict(model, X).round().tolist()
(1.0, [0.0, 1.0, 1.0, 0.0])
"""

from __future__ import annotations

import math
import numbers
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd import Value, no_grad, vsum
from nn.losses import LOSSES, LossSpec, l2_penalty
from nn.module import Module, make_rng
from nn.optim import Optimizer

__all__ = ["Callback", "History", "fit", "predict"]


@dataclass
class History:
    """What :func:`fit` recorded, one entry per epoch.

    Attributes:
        loss: The epoch's training loss: the batch losses (each measured before its
            update) averaged over the samples, or summed for ``reduction="sum"``.
        accuracy: The fraction of training samples classified correctly during the
            epoch (empty for a regression loss).
        stopped_early: Why training stopped before ``epochs``: ``"target_loss"``,
            ``"callback"``, or None.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    stopped_early: str | None = None

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.loss)


#: ``callback(epoch, history)`` runs after every epoch; returning True stops training.
Callback = Callable[[int, History], object]

LossFn = Callable[..., Value]


def _resolve_loss(loss: str | LossFn) -> tuple[LossFn, LossSpec | None]:
    if isinstance(loss, str):
        spec = LOSSES.get(loss)
        if spec is None:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)} or pass a function")
        return spec.fn, spec
    if not callable(loss):
        raise TypeError(f"loss must be a name or a function (output, target) -> Value, got {type(loss).__name__}")
    spec = next((s for s in LOSSES.values() if s.fn is loss), None)
    return loss, spec


def _inputs(data: ArrayLike, nin: int) -> list[list[float]]:
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"X must be a 2-D array of numbers (samples × {nin} inputs): {exc}") from None
    if arr.ndim == 1 and nin == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-D (samples × {nin} inputs), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError("X is empty: no samples to train on")
    if arr.shape[1] != nin:
        raise ValueError(f"the model takes {nin} input(s) per sample but X has {arr.shape[1]} column(s)")
    if not np.all(np.isfinite(arr)):
        raise ValueError("X contains nan or infinite values")
    rows: list[list[float]] = arr.tolist()
    return rows


def _targets(y: ArrayLike, n: int, nout: int, spec: LossSpec | None) -> list[Any]:
    arr = np.asarray(y)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"labels y must be numbers (int or float), got dtype {arr.dtype}")
    if arr.shape[:1] != (n,):
        raise ValueError(f"X has {n} sample(s) but y has shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("y contains nan or infinite values")
    kind = spec.targets if spec is not None else "real"
    if kind == "class":
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise ValueError(f"{spec.name if spec else 'loss'} needs y of shape ({n},) holding integer class indices")
        if np.any(arr < 0) or np.any(arr >= nout):
            raise ValueError(f"class labels must be in 0 … {nout - 1} (the model has {nout} outputs)")
        return [int(v) for v in arr]
    if nout == 1:
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ValueError(f"the model has one output, so y must have shape ({n},), got {arr.shape}")
    elif arr.shape != (n, nout):
        raise ValueError(f"the model has {nout} outputs, so y must have shape ({n}, {nout}), got {arr.shape}")
    if kind == "sign" and not np.all(np.isin(arr, (-1, 1))):
        raise ValueError("hinge needs labels of -1 and +1 (map 0/1 labels with 2*y - 1)")
    if kind == "probability" and (np.any(arr < 0) or np.any(arr > 1)):
        raise ValueError("binary cross-entropy needs labels between 0 and 1")
    targets: list[Any] = arr.astype(np.float64).tolist()
    return targets


def _progress_bar(epochs: int, progress: bool | None) -> Any:
    """A tqdm bar over the epochs when wanted and available, else None (train silently)."""
    if progress is None:  # a terminal, or a Jupyter kernel (whose stderr is not a TTY)
        progress = sys.stderr.isatty() or "ipykernel" in sys.modules
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=epochs, unit="epoch")


def fit(
    model: Module,
    X: ArrayLike,  # noqa: N803 (X, y: the usual names of a data matrix and its labels)
    y: ArrayLike,
    *,
    loss: str | LossFn = "mse",
    optimizer: Optimizer,
    epochs: int = 1,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | random.Random | None = None,
    reduction: str = "mean",
    l2: float = 0.0,
    target_loss: float | None = None,
    callbacks: Sequence[Callback] = (),
    accuracy: Callable[[Any, Any], bool] | None = None,
    progress: bool | None = None,
) -> History:
    """Train ``model`` on ``(X, y)`` with ``optimizer`` and return the :class:`History`.

    Args:
        model: A module (:class:`~nn.MLP`, :class:`~nn.Layer` or :class:`~nn.Neuron`).
        X: Inputs, shape ``(n, model.nin)`` (``(n,)`` when the model has one input).
        y: Targets: shape ``(n,)`` for one output (or class indices for
            ``"cross_entropy"``), ``(n, model.nout)`` for several outputs.
        loss: A name from :data:`nn.losses.LOSSES` (``"mse"``, ``"squared_error"``,
            ``"sum_of_squares"``, ``"binary_cross_entropy"``,
            ``"binary_cross_entropy_with_logits"``, ``"cross_entropy"``, ``"hinge"``)
            or any function ``(output, target) -> Value`` for one sample.
        optimizer: Updates the parameters, e.g. ``nn.SGD(model.parameters(), lr=0.1)``.
        epochs: Number of passes over the data.
        batch_size: Samples per update; None means the whole data set (full batch).
        shuffle: Shuffle the samples at every epoch (mini-batches only: a full batch is
            always taken in order, so full-batch training is deterministic).
        seed: Seed (or :class:`random.Random`) of the shuffling.
        reduction: ``"mean"`` (default) or ``"sum"`` of the per-sample losses of a batch.
        l2: Adds ``l2 · Σ p²`` over all parameters to every batch loss.
        target_loss: Stop as soon as an epoch's loss is at or below this.
        callbacks: Each is called as ``callback(epoch, history)`` after every epoch;
            one returning True stops training.
        accuracy: ``accuracy(output, target) -> bool`` for one sample. By default the
            classification losses know theirs (hinge: the sign; binary cross-entropy:
            the 0.5 threshold; cross-entropy: the arg max); regression has none.
        progress: Show a tqdm progress bar (None: only when stderr is a terminal or in
            Jupyter). Without tqdm installed, training is silent.

    Raises:
        ValueError, TypeError: naming the problem: wrong input width, labels of the
            wrong shape or type, empty data, unknown loss, bad epochs or batch size.
    """
    loss_fn, spec = _resolve_loss(loss)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nn optimizer (SGD, Adam), got {type(optimizer).__name__}")
    rows = _inputs(X, model.nin)
    targets = _targets(y, len(rows), model.nout, spec)
    n = len(rows)
    epochs = _at_least(epochs, "epochs", 0)
    size = n if batch_size is None else min(_at_least(batch_size, "batch_size", 1), n)
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not (math.isfinite(l2) and l2 >= 0.0):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    correct = accuracy if accuracy is not None else (spec.correct if spec is not None else None)
    rng = make_rng(seed)
    params = model.parameters()

    history = History()
    bar = _progress_bar(epochs, progress)
    order = list(range(n))
    try:
        for epoch in range(epochs):
            if shuffle and size < n:  # one full batch: the order would only change the rounding
                rng.shuffle(order)
            epoch_loss, hits = 0.0, 0
            for start in range(0, n, size):
                batch = order[start : start + size]
                # 1. forward, one graph per sample
                outputs = [model(rows[i]) for i in batch]
                # 2. the batch loss
                total = vsum(loss_fn(out, targets[i]) for out, i in zip(outputs, batch, strict=True))
                batch_loss = total / len(batch) if reduction == "mean" else total
                if l2:
                    batch_loss = batch_loss + l2_penalty(params, l2)
                # 3. backward
                optimizer.zero_grad()
                batch_loss.backward()
                # 4. update
                optimizer.step()
                epoch_loss += batch_loss.data * (len(batch) if reduction == "mean" else 1)
                if correct is not None:
                    hits += sum(bool(correct(out, targets[i])) for out, i in zip(outputs, batch, strict=True))
            history.loss.append(epoch_loss / n if reduction == "mean" else epoch_loss)
            if correct is not None:
                history.accuracy.append(hits / n)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{history.loss[-1]:.4g}", refresh=False)
            stops = [cb(epoch, history) is True for cb in callbacks]  # every callback runs, every epoch
            if target_loss is not None and history.loss[-1] <= target_loss:
                history.stopped_early = "target_loss"
                break
            if any(stops):
                history.stopped_early = "callback"
                break
    finally:
        if bar is not None:
            bar.close()
    return history


def _at_least(value: object, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}: {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {value!r}")
    return int(value)


def predict(model: Module, X: ArrayLike) -> NDArray[np.float64]:  # noqa: N803 (as in fit)
    """The model's outputs for each row of ``X``, without recording graphs.

    Returns:
        Shape ``(n,)`` for a model with one output, ``(n, nout)`` otherwise.
    """
    rows = _inputs(X, model.nin)
    out: list[Any] = []
    with no_grad():
        for row in rows:
            result = model(row)
            out.append(result.data if isinstance(result, Value) else [v.data for v in result])
    return np.asarray(out, dtype=np.float64)
