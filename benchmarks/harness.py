"""What every benchmark section shares: the options, the section record, its targets, and the timer.

A section is a module of this package that defines a :class:`Section`: a name (the key in
``build/bench.json`` and for ``--only``), a title (the progress line), a function from the
run's :class:`Options` to its result (a dict of figures), and the targets the report table
checks among those figures. :mod:`benchmarks.run` lists the sections in the order they run.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
Result = dict[str, Any]


@dataclass(frozen=True)
class Options:
    """The run's settings, as the command line gave them.

    Attributes:
        quick: Fewer repeats and smaller sizes (``--quick``).
        repeats: Repeats of the chain sections (3 with ``--quick``, else 7).
        grad_sizes: Chain sizes (nodes) for the grad() section.
    """

    quick: bool = False
    repeats: int = 7
    grad_sizes: list[int] = field(default_factory=lambda: [100_000, 1_000_000, 4_000_000])


@dataclass(frozen=True)
class Target:
    """One line of the report table: ``figure op goal`` must hold, e.g. ``ratio_vs_torch >= 5``."""

    key: str
    op: Literal[">=", "<="]
    goal: float
    text: str


@dataclass(frozen=True)
class Info:
    """A line of the report table shown for information, with no goal: ``key``'s figure and what it is."""

    key: str
    text: str


@dataclass(frozen=True)
class Section:
    """A benchmark section: what it is called, how it runs, which of its figures are targets, and
    which are shown beside them for information (their docstrings say why they are not targets)."""

    name: str
    title: str
    run: Callable[[Options], Result]
    targets: tuple[Target, ...] = ()
    infos: tuple[Info, ...] = ()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of one call of ``fn`` (and its result), starting from a clean heap.

    The untimed ``gc.collect()`` first matters when two engines alternate in one process:
    without it, one engine's step pays for collecting the other's cyclic garbage (micrograd
    leaves a whole graph of reference cycles behind every step). With it, each engine pays
    only for the collections its own allocations trigger — which flatters micrograd, since
    a real micrograd loop also pays for its previous steps' cycles: about 1.5× here (the
    moons section's back-to-back steps measure that case).
    """
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result
