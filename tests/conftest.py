"""Shared test set-up: the deterministic hypothesis profile for CI and `make test`, and the fixtures
several test files use (``user_op``, ``no_dot``, ``torch``, ``fine_switching``, ``in_threads``)."""

import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from autograd import RULES, Value, define_op
from autograd.core.rules import unregister

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def user_op() -> Iterator[Callable[..., Callable[..., Value]]]:
    """``define_op`` for the duration of one test: every op it makes is unregistered afterwards.

    It is called inside the test, so ``define_op`` and ``register`` run within the very test
    that checks what they made.
    """
    made: list[str] = []

    def make(name: str, forward: Any, local: Any, **kwargs: Any) -> Callable[..., Value]:
        made.append(name)
        return define_op(name, forward, local, **kwargs)

    yield make
    for name in made:
        if name in RULES:
            unregister(name)


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH without graphviz: an empty directory."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    """PyTorch, for the comparisons against it; the test is skipped without the ``torch`` extra."""
    return pytest.importorskip("torch")


@pytest.fixture
def fine_switching() -> Iterator[None]:
    """Threads switch every microsecond (restored after): a race shows within a few trials."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.fixture
def in_threads() -> Callable[[list[Callable[[], object]]], None]:
    """Run each function of a list in its own thread, all released at once; fail with what any raised."""

    def run(works: list[Callable[[], object]]) -> None:
        start = threading.Barrier(len(works))
        errors: list[BaseException] = []

        def worker(work: Callable[[], object]) -> None:
            try:
                start.wait()
                work()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(work,)) for work in works]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []

    return run
