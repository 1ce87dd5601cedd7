"""autograd.replay.loops: how a tape is laid out as straight code and loops.

The layout is found by counting repeated blocks of node signatures; the count is found by
doubling and halving, and must be what counting block after block gives.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from autograd.replay.loops import _repeats


def _counted(sig: list[int], j: int, p: int) -> int:
    """Block after block: how many times ``sig[j : j + p]`` comes in a row from ``j``."""
    block = sig[j : j + p]
    count = 1
    while sig[j + count * p : j + (count + 1) * p] == block:
        count += 1
    return count


@given(
    st.lists(st.integers(0, 2), min_size=1, max_size=80),
    st.integers(0, 79),
    st.integers(1, 6),
    st.integers(0, 40),
)
def test_repeats_are_counted_as_block_after_block_counts_them(tail: list[int], j: int, p: int, runs: int) -> None:
    sig = [0, 1] * runs + tail  # long runs of a period-2 block, then anything
    j %= len(sig)
    p = min(p, len(sig) - j)
    assert _repeats(sig, j, p) == _counted(sig, j, p)


def test_repeats_of_a_long_run_stop_at_the_first_other_block_or_the_end() -> None:
    sig = [7] * 1000 + [7, 8] + [7] * 5
    assert _repeats(sig, 0, 1) == 1001
    assert _repeats(sig, 1002, 1) == 5
    assert _repeats(sig, 3, 1) == 998
    assert _repeats([1, 2] * 50 + [1], 0, 2) == 50  # a partial block at the end is not a repeat
    assert _repeats([1, 2, 3], 0, 3) == 1
