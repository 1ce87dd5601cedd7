"""``grad(..., create_graph=True)`` through every rule and every entry point, and the proof that
these checks see its derivatives: ``autograd.core.higher_order._local_as_values`` (which re-evaluates
each node's rule on Values, the derivatives a gradient's graph is built from) and ``_fused`` (the one
node tanh and sigmoid record instead) scaled ×1.001 fail them, on scalars and on lanes — as
``tests/test_paths.py`` proves for the derivatives stored on nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from rule_table import BUILTIN, PATHS, entry, user_copies
from test_paths import _called, _lane_columns, _point

import autograd.core.higher_order as higher_order
from autograd import GradcheckError, Value, grad, gradgradcheck


@pytest.fixture(scope="module", autouse=True)
def _copies() -> Iterator[None]:
    with user_copies():
        yield


def _check_scalar(name: str, path: str) -> None:
    xs, param = _point(name)
    assert gradgradcheck(_called(entry(name, path), param), *xs, atol=1e-6, rtol=1e-5)


def _check_lanes(name: str, path: str) -> None:
    """On lanes, create_graph's first derivatives are the stored ones (what backward uses)."""
    _, param = _point(name)
    inputs = [Value(np.array(c)) for c in _lane_columns(name)]
    out = entry(name, path)(tuple(inputs), param)
    seed: Any = None if out.lanes is None else np.ones(out.lanes)
    built = grad(out, inputs, seed, create_graph=True)
    stored = grad(out, inputs, seed)
    for g, want in zip(built, stored, strict=True):
        np.testing.assert_allclose(np.broadcast_to(g.data, want.shape), want, rtol=1e-12, atol=0.0)


CASES = [(name, path) for name in BUILTIN for path in PATHS]


@pytest.mark.parametrize(("name", "path"), CASES)
def test_create_graph_through_every_path(name: str, path: str) -> None:
    _check_scalar(name, path)
    _check_lanes(name, path)


def _fails(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except (AssertionError, GradcheckError):
        return True
    return False


def test_a_wrong_derivative_in_create_graph_fails_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    local_as_values, fused = higher_order._local_as_values, higher_order._fused

    def scaled_local(rule: Any, node: Value, parents: tuple[Value, ...]) -> tuple[Any, ...]:
        return tuple(d * 1.001 for d in local_as_values(rule, node, parents))

    def scaled_fused(rule: Any, node: Value, g: Value) -> Value:
        return fused(rule, node, g) * 1.001

    monkeypatch.setattr(higher_order, "_local_as_values", scaled_local)
    monkeypatch.setattr(higher_order, "_fused", scaled_fused)
    for name, path in CASES:
        assert _fails(_check_scalar, name, path), (name, path)
        assert _fails(_check_lanes, name, path), (name, path)
