"""A model's inputs: one sample checked and lifted to Values, or a data matrix turned into lanes.

Every module checks its input once, at the call, and lifts it to Values that all its
neurons then share. A batch becomes lanes: one Value per input holding one value per
sample (:func:`to_lanes`), so the whole batch runs as the graph of a single sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from autograd import Value

__all__ = ["as_matrix", "check_inputs", "to_lanes"]


def check_inputs(x: object, nin: int, who: str) -> list[Value]:
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
    arr = as_matrix(X, nin, "X")
    return [Value(arr[:, j], f"x{j}") for j in range(arr.shape[1])]


def as_matrix(X: ArrayLike, nin: int | None, what: str) -> NDArray[np.float64]:  # noqa: N803
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
