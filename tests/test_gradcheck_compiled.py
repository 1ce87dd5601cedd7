"""gradcheck's (and gradcheck_params') finite differences through a compiled replay (autograd/check/compiled.py).

The replay is used only where it provably computes what f computes (no guard, built-in ops,
no gradient taken as numbers inside f, the same bits at the point); then every result of a
check is the same as with the eager engine — on the whole gradcheck corpus, correct functions
and planted bugs alike, messages included.
"""

from __future__ import annotations

from typing import Any

import gradcheck_cases as cases
import numpy as np
import pytest

import nn
from autograd import DomainError, Value, define_op, grad, gradcheck, gradgradcheck
from autograd.check.point import Point
from autograd.check.problems import FunctionProblem, ParamsProblem
from autograd.check.run import run_checks
from autograd.core.rules import unregister


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for each check run, whether its probes were evaluated by a replay."""
    used: list[bool] = []
    prepare = FunctionProblem.prepare_probes

    def spy(self: FunctionProblem, outputs: Any, f0: Any) -> None:
        prepare(self, outputs, f0)
        used.append(self.replay is not None)

    monkeypatch.setattr(FunctionProblem, "prepare_probes", spy)
    return used


def _eager_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every FunctionProblem made from now on evaluates f eagerly (the reference)."""
    original = FunctionProblem.__init__

    def eager(self: FunctionProblem, f: Any, point: Point, *, compiled: bool = True) -> None:
        original(self, f, point, compiled=False)

    monkeypatch.setattr(FunctionProblem, "__init__", eager)


def _check(f: Any, *xs: Any, compiled: bool, **options: Any) -> tuple[FunctionProblem, Any]:
    problem = FunctionProblem(f, Point(list(xs), [f"x{i}" for i in range(len(xs))]), compiled=compiled)
    options = {"eps": 1e-6, "atol": 1e-7, "rtol": 1e-5, "fast_mode": False, "seed": 0, **options}
    return problem, run_checks(problem, raise_exception=False, **options)


def test_the_corpus_gives_the_same_results_with_and_without_the_replay(
    monkeypatch: pytest.MonkeyPatch, replays: list[bool]
) -> None:
    compiled = cases.table(gradcheck, gradgradcheck)
    used, runs = sum(replays), len(replays)
    with monkeypatch.context() as m:
        _eager_checks(m)
        eager = cases.table(gradcheck, gradgradcheck)
    assert used > 20  # most of the corpus is guard-free built-in arithmetic: the replay was used
    assert len(replays) == 2 * runs  # the same checks ran
    assert not any(replays[runs:])  # the eager run: never
    for key in ("false_alarms", "missed_first", "missed_second", "blamed_first", "blamed_second"):
        assert [(o.name, o.passed, o.kind, o.culprits, o.message) for o in compiled[key]] == [
            (o.name, o.passed, o.kind, o.culprits, o.message) for o in eager[key]
        ], key
    assert not compiled["false_alarms"]


@pytest.mark.parametrize("fast_mode", [False, True])
def test_a_guard_free_function_uses_the_replay_and_gets_the_same_numbers(fast_mode: bool) -> None:
    def f(x: Value, y: Value, z: Value) -> tuple[Value, Value]:
        h = (x * y + z).tanh()
        return (h * h + x.exp() * 0.25).sqrt(), (y - z).sigmoid() * x

    point = (0.3, -1.2, np.array([0.5, -0.25, 2.0]))
    results = {}
    for compiled in (True, False):
        problem, result = _check(f, *point, compiled=compiled, fast_mode=fast_mode)
        assert (problem.replay is not None) is compiled
        assert bool(result)
        results[compiled] = [problem.values(x) for x in ([0.31, -1.2, 0.5, -0.25, 2.0], problem.point.flat)]
    assert results[True] == results[False]


def _branchy(x: Value, y: Value) -> Value:
    if x > y:  # a data-dependent branch: the path changes across the probes at x = y
        return x * y
    return x + y


def _reads_data(x: Value) -> Value:
    return x * x if x.data < 1.0 else x * 2.0


def _gradient_as_number(x: Value) -> Value:
    (dx,) = grad(x.tanh(), [x])  # a number taken inside f: not part of f's graph
    return x * dx


@pytest.mark.parametrize(
    ("f", "point"),
    [(_branchy, (0.5, 0.5 + 1e-9)), (_reads_data, (0.9,)), (_gradient_as_number, (0.4,))],
    ids=["comparison", "data read", "gradient as a number"],
)
def test_what_depends_on_numbers_outside_the_graph_never_uses_the_replay(f: Any, point: tuple[float, ...]) -> None:
    problem, result = _check(f, *point, compiled=True)
    assert problem.replay is None
    _, eager = _check(f, *point, compiled=False)
    assert (bool(result), result.kind, result.message) == (bool(eager), eager.kind, eager.message)


def test_a_gradient_taken_as_a_number_inside_f_is_still_caught() -> None:
    # x·tanh'(x) with tanh'(x) taken as a number: its derivative misses x·tanh''(x), and the
    # finite differences (eager: the number changes with x) must show it; a replay would bake
    # the number in and agree with the wrong derivative.
    _, result = _check(_gradient_as_number, 0.4, compiled=True)
    assert not result
    assert result.kind == "mismatch"


def test_a_user_op_is_evaluated_eagerly() -> None:
    op = define_op("counted_check_compiled", lambda x: 2.0 * x, lambda out, x: (2.0,), replace=True)
    try:
        problem, result = _check(lambda x: op(x) * x, 0.7, compiled=True)
        assert result
        assert problem.replay is None
    finally:
        unregister("counted_check_compiled")


def test_a_domain_error_at_a_probe_is_the_eager_one() -> None:
    # log(2x) at 1e-12 ± h leaves the domain: the replay defers to the eager engine, whose error
    # names the op, and gradcheck says where it was probing — the same message either way.
    messages = []
    for compiled in (True, False):
        with pytest.raises(DomainError, match="while probing") as info:
            _check(lambda x: (x * 2.0).log() + x, 1e-12, compiled=compiled, eps=0.5)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "log" in messages[0]


def _params_results(loss: Any, params: list[Value], **options: Any) -> tuple[list[Any], list[bool]]:
    """gradcheck_params's result with the probes replayed where provable, then eagerly; and which used a replay."""
    used: list[bool] = []
    results = []
    for compiled in (True, False):
        problem = ParamsProblem(loss, params, Point([p.data for p in params], [f"p{i}" for i in range(len(params))]))
        problem.compiled = compiled
        settings = {"eps": 1e-6, "atol": 1e-7, "rtol": 1e-5, "fast_mode": False, "seed": 0, **options}
        result = run_checks(problem, raise_exception=False, **settings)
        results.append((bool(result), result.kind, result.message))
        used.append(problem.replay is not None)
    return results, used


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_params_replays_a_model_loss_with_the_same_results(fast_mode: bool) -> None:
    model = nn.MLP(2, [4, 1], activation="tanh", seed=3)
    X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]])  # noqa: N806 (a data matrix)
    y = np.array([1.0, -1.0, 1.0])
    params = model.parameters()
    before = [p.data for p in params]

    def loss() -> Value:
        out: Value = ((model.batch(X) - y) ** 2).mean() + 1e-3 * sum(p * p for p in params)
        return out

    results, used = _params_results(loss, params, fast_mode=fast_mode)
    assert used == [True, False]
    assert results[0] == results[1]
    assert results[0][0]
    assert [p.data for p in params] == before  # restored
    with cases._mutated("tanh", cases._times(1.001), loss, ()) as (wrong, _):
        results, used = _params_results(wrong, params, fast_mode=fast_mode)
    assert used == [True, False]
    assert results[0] == results[1]
    assert not results[0][0]


def test_gradcheck_params_with_a_loss_reading_data_is_eager() -> None:
    w = Value(0.7)
    results, used = _params_results(lambda: w * w if w.data > 0.0 else -w, [w])
    assert used == [False, False]
    assert results[0] == results[1]
    assert results[0][0]
