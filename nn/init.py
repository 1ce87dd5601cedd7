"""Random generators and the weight initialisations of :mod:`nn`'s modules.

A seed is an int, a :class:`random.Random` (shared, so a whole model draws one stream)
or None (unseeded). Biases always start at 0; weights start from one of :data:`INITS`.

>>> rng = make_rng(0)
>>> [round(w, 6) for w in initial_weights(2, 1, "xavier", rng)]
[0.974172, 0.729605]
"""

from __future__ import annotations

import math
import random

__all__ = ["INITS", "Seed", "initial_weights", "make_rng"]

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


def initial_weights(nin: int, nout: int, init: str, rng: random.Random) -> list[float]:
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
