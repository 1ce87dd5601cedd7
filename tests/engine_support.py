"""Helpers the engine's tests share (fixtures live in conftest.py)."""

from collections.abc import Callable

import pytest


def raises_exactly(error: type[BaseException], message: str, make: Callable[[], object]) -> None:
    """``make()`` raises ``error`` whose message is exactly ``message`` (not merely matching a pattern)."""
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == message
