"""autograd.testing: strategies over any ops (user ops and lanes too), readable counterexamples,
assume-style helpers for kinks, the shipped hypothesis profiles and the PyTorch comparison."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import unittest
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from autograd import RULES, GradcheckError, Value, define_op, gradcheck, gradgradcheck
from autograd.core.rules import exp, unregister
from autograd.testing import (
    PROFILE_CI,
    PROFILE_DEV,
    Expression,
    assume_apart,
    assume_away_from,
    compare_with_torch,
    expressions,
    op_inputs,
    safe_floats,
    separated_pairs,
)


@pytest.fixture(scope="module")
def softplus() -> Iterator[Any]:
    op = define_op(
        "softplus_testing_test",
        lambda x: math.log1p(math.exp(x)) if x < 30.0 else x + math.log1p(math.exp(-x)),
        lambda out, x: (1.0 / (1.0 + exp(-x)),),
        sample=((-5.0, 5.0),),
    )
    yield op
    unregister("softplus_testing_test")


@pytest.fixture(scope="module")
def scaled() -> Iterator[Any]:
    """A user op with a parameter: x·p, drawn with p from param_sample."""
    op = define_op(
        "scaled_testing_test",
        lambda x, p: x * p,
        lambda out, x, p: (p,),
        has_param=True,
        param_sample=(0.5, -2.0),
    )
    yield op
    unregister("scaled_testing_test")


# -- expressions over any ops ---------------------------------------------------------------


@given(expressions(ops=["softplus_testing_test", "scaled_testing_test", "tanh", "mul", "add"]))
def test_expressions_with_user_ops_pass_gradcheck(softplus: Any, scaled: Any, expr: Expression) -> None:
    names = {step[0] for step in expr.steps}
    assert names <= {"softplus_testing_test", "scaled_testing_test", "tanh", "mul", "add", "into"}
    assert gradcheck(expr, *expr.inputs)


@given(expressions(ops=["log", "sqrt", "div", "relu", "abs", "pow", "leaky_relu", "exp", "sin", "dot", "sum"]))
def test_expressions_with_restricted_domains_and_kinks_pass_gradcheck(expr: Expression) -> None:
    assert gradcheck(expr, *expr.inputs)


@given(expressions(ops=["tanh", "mul", "sub", "sigmoid", "log1p"], lanes=(2, 4)))
def test_expressions_on_lanes_pass_gradcheck(expr: Expression) -> None:
    assert all(x.shape == expr.inputs[0].shape for x in expr.inputs)
    assert 2 <= expr.inputs[0].shape[0] <= 4
    out = expr(*(Value(x) for x in expr.inputs))
    assert out.lanes == expr.inputs[0].shape[0] or out.lanes is None
    assert gradcheck(expr, *expr.inputs)


@settings(max_examples=25)
@given(expressions(ops=["tanh", "mul", "sin"], n_steps=(1, 4)))
def test_expressions_pass_gradgradcheck(expr: Expression) -> None:
    assert gradgradcheck(expr, *expr.inputs)


def test_expressions_reject_unknown_ops_and_params_without_samples() -> None:
    with pytest.raises(KeyError, match="no op named 'no_such_op'"):
        find(expressions(ops=["no_such_op"]), lambda e: True)
    define_op("param_no_sample_test", lambda x, p: x * p, lambda out, x, p: (p,), has_param=True)
    try:
        with pytest.raises(ValueError, match=r"param_sample=\("):
            find(expressions(ops=["param_no_sample_test"]), lambda e: True)
        with pytest.raises(ValueError, match="no param_sample"):
            find(op_inputs("param_no_sample_test"), lambda e: True)
    finally:
        unregister("param_no_sample_test")
    with pytest.raises(ValueError, match="non-empty list of op names"):
        find(expressions(ops="tanh"), lambda e: True)


def test_default_expressions_are_unchanged() -> None:
    # the default strategy draws what it always drew: smooth ops, sum and dot, no "into"
    expr = find(expressions(), lambda e: len(e.steps) >= 6, settings=settings(derandomize=True, database=None))
    assert {step[0] for step in expr.steps} <= {
        "tanh",
        "sin",
        "cos",
        "sigmoid",
        "neg",
        "add",
        "sub",
        "mul",
        "sum",
        "dot",
    }


# -- readable counterexamples ---------------------------------------------------------------


def test_an_expression_prints_as_python_text() -> None:
    expr = Expression((0.5,), (("tanh", (0,)), ("mul", (1, 0))))
    assert str(expr) == "tanh(x0) * x0"
    assert repr(expr) == "Expression(inputs=(0.5,), steps=(('tanh', (0,)), ('mul', (1, 0))))"
    nested = Expression(
        (0.5, -1.0),
        (
            ("add", (0, 1)),
            ("mul", (2, 2)),
            ("neg", (3,)),
            ("pow", (0,), 3.0),
            ("dot", (0, 1, 2, 3, 4)),
            ("sum", (5, 6)),
            ("into", (1,), (0.05, 5.0)),
            ("leaky_relu", (8,), 0.2),
        ),
    )
    texts = [Expression(nested.inputs, nested.steps[: k + 1]).text() for k in range(len(nested.steps))]
    assert texts == [
        "x0 + x1",
        "(x0 + x1) * (x0 + x1)",
        "-((x0 + x1) * (x0 + x1))",
        "x0 ** 3.0",
        "dot([x0, x0 + x1], [x1, (x0 + x1) * (x0 + x1)], -((x0 + x1) * (x0 + x1)))",
        "vsum([x0 ** 3.0, dot([x0, x0 + x1], [x1, (x0 + x1) * (x0 + x1)], -((x0 + x1) * (x0 + x1)))])",
        "0.05 + 4.95 * sigmoid(x1)",
        "leaky_relu(0.05 + 4.95 * sigmoid(x1), param=0.2)",
    ]
    assert nested.program().splitlines()[:3] == ["t2 = x0 + x1", "t3 = t2 * t2", "t4 = -t3"]


def _rebuilt(text: str) -> Expression:
    """An Expression repr read back as Python literals (what pasting it into a test file does)."""
    import ast

    call = ast.parse(text, mode="eval").body
    assert isinstance(call, ast.Call)
    assert isinstance(call.func, ast.Name)
    assert call.func.id == "Expression"
    fields = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    return Expression(**fields)


def test_an_expression_repr_builds_the_same_expression() -> None:
    nested = Expression(
        (0.5, -1.0),
        (("add", (0, 1)), ("pow", (2,), 3.0), ("into", (3,), (0.05, 5.0)), ("dot", (0, 1, 2, 3, 4)), ("neg", (5,))),
    )
    assert _rebuilt(repr(nested)) == nested
    assert str(_rebuilt(repr(nested))) == str(nested)


def test_a_lanes_expression_prints_its_arrays() -> None:
    expr = Expression((np.array([0.5, 1.0]),), (("sin", (0,)),))
    assert repr(expr) == "Expression(inputs=(np.array([0.5, 1.0]),), steps=(('sin', (0,)),))"


def test_the_shrunk_counterexample_of_a_planted_bug_reads_as_code() -> None:
    define_op("tanh_off_testing_test", math.tanh, lambda out, x: (1.001 * (1.0 - out * out),))
    try:

        def fails(expr: Expression) -> bool:
            return not gradcheck(expr, *expr.inputs, raise_exception=False)

        expr = find(
            expressions(ops=["tanh_off_testing_test", "mul", "sin"]),
            fails,
            settings=settings(derandomize=True, database=None, max_examples=200),
        )
        assert "tanh_off_testing_test(" in str(expr)
        assert repr(expr).startswith("Expression(inputs=(")
        assert _rebuilt(repr(expr)) == expr  # pasteable into @example: the same expression
        error = gradcheck(expr, *expr.inputs, raise_exception=False)
        assert "argument 0 (x0)" in error.message  # gradcheck names the inputs as the text does
    finally:
        unregister("tanh_off_testing_test")


# -- op_inputs for user ops -------------------------------------------------------------------


@given(st.data())
def test_op_inputs_draws_a_user_ops_parameter(scaled: Any, data: st.DataObject) -> None:
    xs, param = data.draw(op_inputs("scaled_testing_test"))
    assert param in (0.5, -2.0)
    assert gradcheck(lambda v: scaled(v, param=param), *xs)


def test_define_op_stores_param_sample(scaled: Any) -> None:
    assert RULES["scaled_testing_test"].param_sample == (0.5, -2.0)


# -- assume-style helpers for kinks ------------------------------------------------------------


@given(safe_floats(), safe_floats())
def test_two_argument_kink_with_assume_apart(a: float, b: float) -> None:
    assume_apart(a, b)
    assert gradcheck(lambda x, y: x + (y - x).relu(), a, b)  # max(a, b)
    assert gradcheck(lambda x, y: (x - y).abs() * x, a, b)


@given(separated_pairs(-2.0, 2.0, margin=1e-2))
def test_separated_pairs_keep_their_margin(pair: tuple[float, float]) -> None:
    a, b = pair
    assert abs(a - b) >= 1e-2
    assert -2.0 <= a <= 2.0
    assert -2.0 <= b <= 2.0


@given(safe_floats(), safe_floats())
def test_assume_away_from_an_intermediate_value(y: float, s: float) -> None:
    assume_away_from(Value(1.0 - y * s))
    assert abs(1.0 - y * s) >= 1e-3
    assert gradcheck(lambda y_, s_: (1.0 - y_ * s_).relu(), y, s)


@given(st.just(None))  # assume belongs inside a property test
def test_assume_helpers_reject_close_points(nothing: None) -> None:
    from hypothesis.errors import UnsatisfiedAssumption

    with pytest.raises(UnsatisfiedAssumption):
        assume_away_from(1e-4)
    with pytest.raises(UnsatisfiedAssumption):
        assume_away_from(np.array([0.5, 2.0 + 1e-5]), points=(2.0,))
    with pytest.raises(UnsatisfiedAssumption):
        assume_apart(Value(0.3), 0.3 + 1e-4)
    assume_away_from(0.5)  # far enough: no error
    assume_apart(np.array([0.1, 0.2]), np.array([0.3, 0.4]))


# -- profiles --------------------------------------------------------------------------------


def test_profiles_are_registered() -> None:
    ci = settings.get_profile(PROFILE_CI)
    assert ci.derandomize is True
    assert ci.deadline is None
    assert "explain" not in {p.name for p in ci.phases}
    dev = settings.get_profile(PROFILE_DEV)
    assert dev.derandomize is False
    assert dev.deadline is None


def test_importing_the_toolkit_loads_no_profile() -> None:
    # The profile in force before the import (hypothesis's "default", or its own "ci" when a CI
    # variable is set) is still in force after it; chainrule's two profiles are only registered.
    code = (
        "from hypothesis import settings\n"
        "before = settings.get_current_profile_name(), settings().derandomize, settings().deadline\n"
        "import autograd.testing\n"
        "after = settings.get_current_profile_name(), settings().derandomize, settings().deadline\n"
        "print(before == after, after[0] not in ('chainrule-ci', 'chainrule-dev'))\n"
        "settings.get_profile('chainrule-ci'), settings.get_profile('chainrule-dev')\n"
    )
    for ci in ("", "true"):
        env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": ci} if ci else {})
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        assert out.stdout.split() == ["True", "True"], (ci, out.stdout)


# -- compare_with_torch ------------------------------------------------------------------------


def test_compare_with_torch_agrees_on_shared_methods() -> None:
    pytest.importorskip("torch")
    assert compare_with_torch(lambda x, y: (x * y).tanh() + x.exp() / y - (x * x).sqrt(), 0.3, -1.7)
    assert compare_with_torch(lambda x: [x.sigmoid(), x.relu() ** 2, x.abs().log()], -0.4)
    assert compare_with_torch(lambda v, w: ((v * w).sin() * v).sum(), np.array([0.3, -0.8, 1.1]), 0.7)
    assert compare_with_torch(lambda v: v.cos() * 2.0, np.array([0.3, -0.8]))  # a lanes output


def test_compare_with_torch_catches_a_wrong_rule() -> None:
    pytest.importorskip("torch")
    rule = RULES["tanh"]
    original = rule.local
    object.__setattr__(rule, "local", lambda out, x: (1.001 * (1.0 - out * out),))
    try:
        with pytest.raises(GradcheckError, match=r"∂f/∂x0: ours .*, torch") as info:
            compare_with_torch(lambda x: x.tanh() * 2.0, 0.4)
        assert info.value.kind == "torch"
    finally:
        object.__setattr__(rule, "local", original)


def test_compare_with_torch_skips_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(unittest.SkipTest, match=r"pip install 'chainrule\[torch\]'"):
        compare_with_torch(lambda x: x.exp(), 0.5)
