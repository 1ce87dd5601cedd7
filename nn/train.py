"""The training loop: :func:`fit`, its :class:`History`, and :func:`predict`.

One training step is the textbook one, spelled out:

1. forward: run the model on the batch — as lanes, one graph for the whole batch whose
   every node holds one value per sample (the default), or one small graph per sample
   (``lanes=False``);
2. loss: the mean (or sum) of the per-sample losses, plus an optional L2 penalty;
3. backward: ``optimizer.zero_grad()``, then ``loss.backward()`` fills every ``p.grad``;
4. update: ``optimizer.step()``.

Both forms compute the same numbers (up to the order of floating-point additions).

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

from autograd import DomainError, Program, Value, no_grad, vsum
from autograd import compile as compile_program
from nn.init import make_rng
from nn.inputs import as_matrix
from nn.losses import l2_penalty
from nn.metrics import LOSSES, LossSpec
from nn.module import Module
from nn.optim import Optimizer

__all__ = ["LANES_FROM", "Callback", "History", "fit", "predict"]

#: The batch size from which :func:`fit` (and :func:`predict`) use lanes by default. A lane node
#: costs much more than a scalar node (numpy calls and checks on every lane), so small batches
#: are faster one graph per sample. Measured, time per sample ÷ time with lanes, for a 2-4-1
#: and a 2-16-16-1 MLP: 1.01 and 0.76 at 8 samples, 1.46 and 1.11 at 12, 1.9 and 1.6 at 16,
#: 4.6 and 3.4 at 32.
LANES_FROM = 12


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

    def __repr__(self) -> str:
        """A summary, first → last value, not every epoch: ``History(epochs=200, loss 0.693 → 0.0123)``."""
        parts = [f"epochs={self.epochs}"]
        for name, values in (("loss", self.loss), ("accuracy", self.accuracy)):
            if values:
                parts.append(f"{name} {values[0]:.4g} → {values[-1]:.4g}")
        if self.stopped_early:
            parts.append(f"stopped_early={self.stopped_early!r}")
        return f"History({', '.join(parts)})"


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


def _inputs(data: ArrayLike, nin: int) -> NDArray[np.float64]:
    """``X`` as a float64 array of shape (samples, nin), with errors naming the problem."""
    return as_matrix(data, nin, "X")


def _targets(y: ArrayLike, n: int, nout: int, spec: LossSpec | None) -> NDArray[Any]:
    """The labels, checked: shape (n,) (class indices: integers) or (n, nout), float64 unless classes."""
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
        classes: NDArray[np.int64] = arr.astype(np.int64)
        return classes
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
    targets: NDArray[np.float64] = arr.astype(np.float64)
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
    lanes: bool | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` on ``(X, y)`` with ``optimizer`` and return the :class:`History`.

    Args:
        model: A module (:class:`~nn.MLP`, :class:`~nn.Layer` or :class:`~nn.Neuron`).
        X: Inputs, shape ``(n, model.nin)`` (``(n,)`` when the model has one input).
        y: Targets: shape ``(n,)`` for one output (or class indices for
            ``"cross_entropy"``), ``(n, model.nout)`` for several outputs.
        loss: A name from :data:`nn.metrics.LOSSES` (``"mse"``, ``"squared_error"``,
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
        lanes: Run each batch as lanes — one graph for the whole batch, every node
            holding one value per sample (see :meth:`nn.Module.batch`) — instead of
            one graph per sample. None (default): lanes for a built-in loss when
            batches hold at least :data:`LANES_FROM` samples (below that, small graphs
            per sample are faster); a loss function of your own keeps getting one
            sample at a time, as its contract says. True: lanes always; a loss
            function of your own then receives outputs holding lanes and the batch's
            targets (a 1-D array; ``(b, nout)`` for several outputs) and must return the
            per-sample losses as lanes. False: one graph per sample. An ``accuracy``
            function always gets one sample at a time. Both paths give the same history
            up to the order of floating-point additions.
        compile: Run each training step as a compiled program (:func:`autograd.compile`):
            the step's graph is traced once, then replayed for the updated parameters
            without building Values — the same numbers as eager training (the history
            and the parameters agree to rounding, 1e-12), several times faster. A program
            is specific to its batch's samples, so this pays where batches repeat: the
            full batch, or mini-batches with ``shuffle=False``; shuffled mini-batches are
            trained eagerly. A loss that reads numbers to choose its path (``.data``, a
            comparison) is retraced whenever they change (see ``autograd.compile``).

    Raises:
        ValueError, TypeError: naming the problem: wrong input width, labels of the
            wrong shape or type, empty data, unknown loss, bad epochs or batch size, an
            optimizer that updates none of the model's parameters.
        DomainError: when the forward pass overflows or leaves an op's domain, with the
            epoch and a hint (a diverging run: lower the learning rate).
        FloatingPointError: from the optimizer, when a step would make a parameter non-finite.
    """
    loss_fn, spec = _resolve_loss(loss)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nn optimizer (SGD, Adam), got {type(optimizer).__name__}")
    inputs = _inputs(X, model.nin)
    n = len(inputs)
    labels = _targets(y, n, model.nout, spec)
    epochs = _at_least(epochs, "epochs", 0)
    size = n if batch_size is None else min(_at_least(batch_size, "batch_size", 1), n)
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not (math.isfinite(l2) and l2 >= 0.0):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    if lanes is not None and not isinstance(lanes, bool):
        raise TypeError(f"lanes must be True, False or None, got {lanes!r}")
    if not isinstance(compile, bool):
        raise TypeError(f"compile must be True or False, got {compile!r}")
    correct = accuracy if accuracy is not None else (spec.correct if spec is not None else None)
    rng = make_rng(seed)
    params = model.parameters()
    mine = set(params)  # Values hash by identity
    if not any(p in mine for p in optimizer.params):
        raise ValueError(
            f"the optimizer updates none of the model's {len(params)} parameters: make it from this model, "
            "e.g. nn.SGD(model.parameters(), lr=0.1)"
        )
    if lanes if lanes is not None else (spec is not None and size >= LANES_FROM):
        forward, score = _lane_forward(model, inputs, labels, loss_fn, reduction, spec, accuracy, auto=lanes is None)
    else:
        forward, score = _sample_forward(model, inputs.tolist(), labels.tolist(), loss_fn, reduction, correct)
    # With compile=True, one program per batch of samples (they repeat unless shuffled mini-batches).
    programs: dict[tuple[int, ...], Program] | None = {} if compile and not (shuffle and size < n) else None

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
                if programs is not None:  # steps 1.-3. as one compiled program
                    key = tuple(batch)
                    program = programs.get(key)
                    if program is None:
                        program = programs[key] = _compiled_step(forward, batch, params, l2)
                    optimizer.zero_grad()
                    try:
                        replayed = program.backward()
                    except DomainError as exc:
                        raise _diverged(exc, epoch, params) from exc
                    value, outputs = replayed[0], [Value(x) for x in replayed[1:]]
                else:
                    # 1.-2. forward and the batch loss
                    try:
                        batch_loss, outputs = forward(batch)
                    except DomainError as exc:
                        raise _diverged(exc, epoch, params) from exc
                    if l2:
                        batch_loss = batch_loss + l2_penalty(params, l2)
                    # 3. backward
                    optimizer.zero_grad()
                    batch_loss.backward()
                    value = batch_loss.data
                # 4. update
                optimizer.step()
                epoch_loss += value * (len(batch) if reduction == "mean" else 1)
                hits += score(batch, outputs)  # the batch's correctly classified samples
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


def _diverged(exc: DomainError, epoch: int, params: list[Value]) -> DomainError:
    """The forward pass failed (an overflow, a log of a negative…): say where, and the likely cause."""
    largest = max((abs(float(p.data)) for p in params), default=0.0)
    hint = "training has probably diverged: lower the learning rate" if largest > 1e6 else "check the data and the loss"
    return DomainError(f"epoch {epoch + 1}: {exc}; the largest parameter is {largest:.3g}, so {hint}")


#: ``forward(batch) -> (batch loss, the model's outputs as a flat list)``: one step's steps 1 and 2.
Forward = Callable[[list[int]], tuple[Value, list[Value]]]
#: ``score(batch, outputs) -> number of correctly classified samples`` from ``forward``'s outputs.
Score = Callable[[list[int], list[Value]], int]


def _compiled_step(forward: Forward, batch: list[int], params: list[Value], l2: float) -> Program:
    """The step on ``batch`` (its loss, with the L2 penalty, and the model's outputs) as a compiled program."""

    def step() -> tuple[Value, ...]:
        batch_loss, outputs = forward(batch)
        if l2:
            batch_loss = batch_loss + l2_penalty(params, l2)
        return (batch_loss, *outputs)

    step.__qualname__ = "training step"
    return compile_program(step, params=params)


def _flat(outputs: Value | list[Value]) -> list[Value]:
    return [outputs] if isinstance(outputs, Value) else list(outputs)


def _sample_forward(
    model: Module,
    rows: list[list[float]],
    targets: list[Any],
    loss_fn: LossFn,
    reduction: str,
    correct: Callable[[Any, Any], bool] | None,
) -> tuple[Forward, Score]:
    """The batch loss built sample by sample: one small graph per sample, summed by one ``sum`` node."""
    width: list[int | None] = [None]  # outputs per sample; None: the model returns a single Value

    def forward(batch: list[int]) -> tuple[Value, list[Value]]:
        outputs = [model(rows[i]) for i in batch]
        total = vsum(loss_fn(out, targets[i]) for out, i in zip(outputs, batch, strict=True))
        width[0] = None if isinstance(outputs[0], Value) else len(outputs[0])
        flat = [v for out in outputs for v in _flat(out)]
        return (total / len(batch) if reduction == "mean" else total), flat

    def score(batch: list[int], flat: list[Value]) -> int:
        if correct is None:
            return 0
        k = width[0]
        outputs: list[Any] = flat if k is None else [flat[i * k : (i + 1) * k] for i in range(len(batch))]
        return sum(bool(correct(out, targets[i])) for out, i in zip(outputs, batch, strict=True))

    return forward, score


def _lane_forward(
    model: Module,
    inputs: NDArray[np.float64],
    labels: NDArray[Any],
    loss_fn: LossFn,
    reduction: str,
    spec: LossSpec | None,
    accuracy: Callable[[Any, Any], bool] | None,
    *,
    auto: bool,
) -> tuple[Forward, Score]:
    """The batch loss built as lanes: one graph for the batch, reduced over the lanes by ``mean``/``sum``."""
    columns = [np.ascontiguousarray(inputs[:, j]) for j in range(inputs.shape[1])]
    everything = list(range(len(inputs)))
    hits_of = spec.hits if (accuracy is None and spec is not None) else None
    single = [True]  # whether the model returns a single Value

    def batch_targets(batch: list[int]) -> NDArray[Any]:
        return labels if batch == everything else labels[np.asarray(batch)]

    def forward(batch: list[int]) -> tuple[Value, list[Value]]:
        if batch == everything:  # the full batch in order: no gather
            xs = [Value(c, f"x{j}") for j, c in enumerate(columns)]
        else:
            idx = np.asarray(batch)
            xs = [Value(c[idx], f"x{j}") for j, c in enumerate(columns)]
        targets = batch_targets(batch)
        try:
            outputs = model(xs)
        except TypeError as exc:
            if not auto:
                raise
            raise TypeError(
                f"{type(model).__name__} could not run on lanes ({exc}); pass lanes=False to train one sample at a time"
            ) from exc
        losses = loss_fn(outputs, targets)
        if not isinstance(losses, Value) or losses.lanes != len(batch):
            got = f"{losses.lanes} lanes" if isinstance(losses, Value) and losses.lanes else repr(losses)
            raise ValueError(
                f"with lanes the loss must return one loss per sample, a Value holding {len(batch)} lanes; got {got}"
            )
        single[0] = isinstance(outputs, Value)
        return (losses.mean() if reduction == "mean" else losses.sum()), _flat(outputs)

    def score(batch: list[int], flat: list[Value]) -> int:
        outputs: Value | list[Value] = flat[0] if single[0] else flat
        targets = batch_targets(batch)
        if hits_of is not None:
            return hits_of(outputs, targets)
        if accuracy is not None:
            return sum(bool(accuracy(_sample(outputs, i), targets[i].tolist())) for i in range(len(batch)))
        return 0

    return forward, score


def _sample(outputs: Value | list[Value], i: int) -> Value | list[Value]:
    """Sample ``i``'s outputs, cut from lanes as scalar Values (for a one-sample accuracy function)."""

    def one(v: Value) -> Value:
        data: Any = v.data
        return Value(data if v.lanes is None else float(data[i]))

    return one(outputs) if isinstance(outputs, Value) else [one(v) for v in outputs]


def _at_least(value: object, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}: {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {value!r}")
    return int(value)


def predict(model: Module, X: ArrayLike, *, lanes: bool | None = None) -> NDArray[np.float64]:  # noqa: N803 (as in fit)
    """The model's outputs for each row of ``X``, without recording graphs.

    Args:
        model: The module to run.
        X: Inputs, shape ``(n, model.nin)`` (``(n,)`` when the model has one input).
        lanes: Run all the rows at once as lanes (True), or one row at a time
            (False). None (default): lanes when ``X`` has at least
            :data:`LANES_FROM` rows.

    Returns:
        Shape ``(n,)`` for a model with one output, ``(n, nout)`` otherwise.
    """
    rows = _inputs(X, model.nin)
    n = len(rows)
    if lanes is not None and not isinstance(lanes, bool):
        raise TypeError(f"lanes must be True, False or None, got {lanes!r}")
    with no_grad():
        if lanes or (lanes is None and n >= LANES_FROM):
            result = model([Value(rows[:, j], f"x{j}") for j in range(rows.shape[1])])
            if isinstance(result, Value):
                return np.array(np.broadcast_to(result.data, (n,)), dtype=np.float64)
            return np.stack([np.broadcast_to(v.data, (n,)) for v in result], axis=1).astype(np.float64)
        out: list[Any] = []
        for row in rows.tolist():
            one = model(row)
            out.append(one.data if isinstance(one, Value) else [v.data for v in one])
    return np.asarray(out, dtype=np.float64)
