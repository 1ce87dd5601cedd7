"""Threads and tasks at once, re-run at small scale: shared no_grad/enable_grad objects, backward on shared graphs.

Each worker follows its own seeded script of entering and leaving blocks (shared objects,
nested, decorated functions) and checks at every step that recording is what its own
script says — never what another thread's blocks say. Switching is made frequent so
overlaps happen in every run; the assertions hold in every interleaving.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Iterator

import pytest
from engine_support import InThreads

from autograd import Value, enable_grad, is_grad_enabled, no_grad

pytestmark = pytest.mark.usefixtures("fine_switching")

SHARED = [no_grad(), no_grad(), enable_grad()]
ENABLES = [False, False, True]


def _steps(rng: random.Random, count: int) -> Iterator[tuple[bool, list[int]]]:
    """Enter or leave a shared block at random ``count`` times, yielding after each step whether
    recording should be on (and the blocks entered); every block is left at the end."""
    stack: list[int] = []
    for _ in range(count):
        if stack and rng.random() < 0.45:
            SHARED[stack.pop()].__exit__(None, None, None)
        else:
            k = rng.randrange(len(SHARED))
            SHARED[k].__enter__()
            stack.append(k)
        yield (ENABLES[stack[-1]] if stack else True), stack
    while stack:
        SHARED[stack.pop()].__exit__(None, None, None)


def _script(seed: int) -> None:
    """Enter and leave shared blocks at random, checking the recording state after each step."""
    for expected, stack in _steps(random.Random(seed), 300):
        assert is_grad_enabled() is expected, (seed, stack)
        y = Value(2.0) * Value(3.0)
        assert bool(y.parents) is expected
    assert is_grad_enabled()


def test_threads_entering_shared_blocks_each_see_their_own(in_threads: InThreads) -> None:
    in_threads([functools.partial(_script, seed) for seed in range(8)])
    assert is_grad_enabled()


def test_tasks_entering_shared_blocks_each_see_their_own() -> None:
    async def task(seed: int) -> None:
        rng = random.Random(seed)
        for expected, stack in _steps(rng, 200):
            if rng.random() < 0.5:
                await asyncio.sleep(0)
            assert is_grad_enabled() is expected, (seed, stack)

    async def main() -> None:
        await asyncio.gather(*(task(seed) for seed in range(8)))

    asyncio.run(main())
    assert is_grad_enabled()


def test_threads_backpropagating_shared_graphs_while_others_switch_modes(in_threads: InThreads) -> None:
    w = Value(0.7, label="w")
    graphs = []
    for k in range(4):
        y = Value(0.1 * (k + 1))
        for _ in range(300):
            y = (y * w + 0.05).tanh()
        graphs.append(y)
    expected = 0.0
    for y in graphs:
        y.backward()
    expected = w.grad
    w.grad = 0.0
    in_threads([y.backward for y in graphs] + [functools.partial(_script, 100 + i) for i in range(4)])
    assert w.grad == pytest.approx(expected, rel=1e-12)
