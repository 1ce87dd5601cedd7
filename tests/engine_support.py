"""Helpers the engine's tests share (fixtures live in conftest.py)."""

from collections.abc import Callable

import pytest

#: The type of conftest's ``in_threads`` fixture: runs each function in its own thread, all at once.
InThreads = Callable[[list[Callable[[], object]]], None]


def raises_exactly(error: type[BaseException], message: str, make: Callable[[], object]) -> None:
    """``make()`` raises ``error`` whose message is exactly ``message`` (not merely matching a pattern)."""
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == message
