"""Toy datasets as numpy arrays (no scikit-learn needed).

Each function returns ``(X, y)``: ``X`` of shape ``(n, 2)`` (float64) and integer
labels ``y`` of shape ``(n,)``. :func:`moons` and :func:`circles` follow the same
algorithm as scikit-learn's ``make_moons`` / ``make_circles`` with a
``numpy.random.RandomState(seed)``, so for the same ``seed`` they return the same
arrays as scikit-learn's ``random_state=seed``.

>>> X, y = moons(6, seed=0)
>>> X.shape, y.tolist()
((6, 2), [1, 0, 0, 1, 0, 1])
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import NDArray

__all__ = ["circles", "moons", "spirals", "xor"]

Arrays = tuple[NDArray[np.float64], NDArray[np.int64]]


def xor() -> Arrays:
    """The four XOR points ``(0,0) (0,1) (1,0) (1,1)`` with labels ``0 1 1 0``.

    >>> X, y = xor()
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    points = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return points, np.array([0, 1, 1, 0], dtype=np.int64)


def _count(n: object, what: str, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {type(n).__name__}: {n!r}")
    if int(n) < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {n!r}")
    return int(n)


def _noise(noise: object) -> float | None:
    if noise is None:
        return None
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a real number or None, got {type(noise).__name__}: {noise!r}")
    value = float(noise)
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"noise must be a finite number >= 0, got {value!r}")
    return value


def _generator(seed: int | np.random.RandomState | None) -> np.random.RandomState:
    if isinstance(seed, np.random.RandomState):
        return seed
    if seed is None:
        return np.random.RandomState()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, a numpy RandomState or None, got {type(seed).__name__}: {seed!r}")
    return np.random.RandomState(int(seed))


def _finish(
    points: NDArray[np.float64], y: NDArray[np.int64], shuffle: bool, noise: float | None, rng: np.random.RandomState
) -> Arrays:
    # scikit-learn's order: shuffle (a permutation of the indices), then add the noise.
    if shuffle:
        order = np.arange(len(y))
        rng.shuffle(order)
        points, y = points[order], y[order]
    if noise is not None:
        points = points + rng.normal(scale=noise, size=points.shape)
    return points, y


def moons(
    n: int = 100, noise: float | None = None, seed: int | np.random.RandomState | None = None, *, shuffle: bool = True
) -> Arrays:
    """Two interleaving half circles (scikit-learn's ``make_moons`` algorithm).

    Args:
        n: Number of points; the first moon (label 0) gets ``n // 2``, the second the rest.
        noise: Standard deviation of the Gaussian noise added to the points (None: none).
        seed: An int, a ``numpy.random.RandomState`` or None.
        shuffle: Whether to shuffle the points.
    """
    n = _count(n, "n")
    sd = _noise(noise)
    rng = _generator(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    xs = np.append(np.cos(t_out), 1.0 - np.cos(t_in))
    ys = np.append(np.sin(t_out), 1.0 - np.sin(t_in) - 0.5)
    y = np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    return _finish(np.vstack([xs, ys]).T, y, shuffle, sd, rng)


def circles(
    n: int = 100,
    noise: float | None = None,
    seed: int | np.random.RandomState | None = None,
    *,
    factor: float = 0.8,
    shuffle: bool = True,
) -> Arrays:
    """A large circle (label 0) around a smaller one (label 1), scikit-learn's ``make_circles`` algorithm.

    Args:
        n: Number of points; the outer circle gets ``n // 2``, the inner one the rest.
        noise: Standard deviation of the Gaussian noise (None: none).
        seed: An int, a ``numpy.random.RandomState`` or None.
        factor: Radius of the inner circle relative to the outer one, in [0, 1).
        shuffle: Whether to shuffle the points.
    """
    n = _count(n, "n")
    sd = _noise(noise)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0.0 <= float(factor) < 1.0:
        raise ValueError(f"factor must be a number in [0, 1), got {factor!r}")
    rng = _generator(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0.0, 2.0 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2.0 * np.pi, n_in, endpoint=False)
    xs = np.append(np.cos(t_out), np.cos(t_in) * factor)
    ys = np.append(np.sin(t_out), np.sin(t_in) * factor)
    y = np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    return _finish(np.vstack([xs, ys]).T, y, shuffle, sd, rng)


def spirals(
    n: int = 100, classes: int = 2, noise: float = 0.2, seed: int | np.random.RandomState | None = None
) -> Arrays:
    """``classes`` interleaved spiral arms (the CS231n spiral data set).

    Arm ``j`` has points at radius ``r`` evenly spaced in [0, 1] and angle
    ``t = 4j + 4r + noise·N(0, 1)`` (radians), at ``(r·sin t, r·cos t)``. The points
    are ordered arm by arm (``fit`` shuffles).

    Args:
        n: Number of points, spread over the arms as evenly as possible (the first
            arms get one more when ``n`` is not a multiple of ``classes``).
        classes: Number of arms (labels ``0 … classes−1``), at least 2.
        noise: Standard deviation of the angle noise, in radians.
        seed: An int, a ``numpy.random.RandomState`` or None.
    """
    n = _count(n, "n")
    k = _count(classes, "classes", minimum=2)
    sd = _noise(noise)
    rng = _generator(seed)
    xs: list[NDArray[np.float64]] = []
    ys: list[NDArray[np.int64]] = []
    for j in range(k):
        m = n // k + (1 if j < n % k else 0)
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), m) + rng.standard_normal(m) * (sd or 0.0)
        xs.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        ys.append(np.full(m, j, dtype=np.int64))
    return np.vstack(xs), np.concatenate(ys)
