"""Blame, and the checker judged on a corpus: no false alarms, no misses, the guilty op named.

The corpus (``tests/gradcheck_cases.py``): 30 correct functions that stress a checker and 30
planted wrong derivatives (24 first-order, 6 second-order), each with its guilty op.
"""

from __future__ import annotations

import ast
import math
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gradcheck_cases import CORRECT, PLANTED, Correct, Planted, check_correct, check_planted, table

from autograd import (
    RULES,
    Culprit,
    GradcheckError,
    Value,
    apply,
    blame,
    define_op,
    gradcheck,
    gradcheck_params,
    gradgradcheck,
    gradgradcheck_params,
)
from autograd.core.rules import unregister


@pytest.fixture
def ops() -> Iterator[Any]:
    made: list[str] = []

    def make(name: str, forward: Any, local: Any, **kw: Any) -> Any:
        made.append(name)
        return define_op(name, forward, local, replace=True, **kw)

    yield make
    for name in made:
        unregister(name)


# -- the corpus -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CORRECT, ids=[c.name for c in CORRECT])
def test_no_false_alarm_on_a_correct_function(case: Correct) -> None:
    outcome = check_correct(case, gradcheck, gradgradcheck)
    assert outcome.passed, outcome.message


@pytest.mark.parametrize("case", PLANTED, ids=[p.name for p in PLANTED])
def test_a_planted_bug_is_caught_and_its_op_named(case: Planted) -> None:
    outcome = check_planted(case, gradcheck, gradgradcheck)
    if case.guilty == "p_sigmoid":  # +1e-6 on a derivative of 0.24: inside rtol 1e-5, so it passes by design …
        assert outcome.passed
        with case.setup() as (f, point):  # … and a tighter tolerance catches it, naming the op
            with pytest.raises(GradcheckError) as info:
                gradcheck(f, *point, rtol=1e-7)
            assert [c.op for c in info.value.culprits] == ["p_sigmoid"]
        return
    assert not outcome.passed, f"missed: {case.name}"
    assert outcome.kind in ("mismatch", "jump"), outcome.message
    if case.guilty != "p_jump":  # a forward that jumps: every node's derivative is right where it was taken
        assert case.guilty in outcome.culprits, outcome.message


def test_the_corpus_table() -> None:
    t = table(gradcheck, gradgradcheck)
    assert (len(CORRECT), t["n_first"], t["n_second"]) == (30, 24, 6)
    assert t["false_alarms"] == []
    assert [o.name for o in t["missed_first"]] == ["sigmoid + 1e-6 (inside rtol)"]
    assert t["missed_second"] == []
    assert len(t["blamed_first"]) >= 22
    assert len(t["blamed_second"]) == 6


# -- what blame reports -------------------------------------------------------------------------


def test_the_culprit_is_on_the_error_with_its_node(ops: Any) -> None:
    bad = ops("blame_sin_test", math.sin, lambda out, x: (1.001 * math.cos(x),))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: (x * y).tanh() + bad(x * 2.0) * y, 0.4, 0.8)
    error = info.value
    (c,) = error.culprits
    assert isinstance(c, Culprit)
    assert (c.op, c.inputs, c.argument, c.order) == ("blame_sin_test", (0.8,), 0, 1)
    assert c.analytic == pytest.approx(1.001 * math.cos(0.8), rel=1e-15)
    assert c.numeric == pytest.approx(math.cos(0.8), rel=1e-9)
    assert c.node.op == "blame_sin_test"
    assert c.node.parents[0].data == 0.8
    assert c.node in error.graph[0].parents[1].parents or any(c.node is p for p in _nodes(error.graph[0]))
    assert f"v{c.position} = blame_sin_test(0.8)" in str(error)
    assert "culprit: 1 node(s)" in str(error)


def _nodes(root: Value) -> list[Value]:
    from autograd import topological_order

    return topological_order(root)


def test_blame_names_only_the_nodes_where_the_rule_is_wrong(ops: Any) -> None:
    # wrong for negative inputs only: the node at 0.5 is right, the node at -0.5 is blamed
    half = ops("blame_half_wrong_test", math.sin, lambda out, x: (math.cos(x) if x > 0 else -math.cos(x),))
    x = Value(0.5)
    out = half(x) + half(-x)
    culprits = blame([out])
    assert [(c.op, c.inputs) for c in culprits] == [("blame_half_wrong_test", (-0.5,))]


def test_blame_is_silent_on_a_correct_graph_with_kinks_and_lanes() -> None:
    v = Value(np.array([0.0, -1.0, 2.0]))
    x = Value(0.0)
    out = (v.relu() * x.abs() + v.leaky_relu(0.2)).sum() + (x * 3.0).sin()
    assert blame([out]) == []


def test_blame_finds_a_wrong_lane(ops: Any) -> None:
    square = ops(
        "blame_square_test",
        lambda x: x * x,
        lambda out, x: (np.where(x < 1.0, 2.0 * x, x),),
    )
    out = square(Value(np.array([0.2, 1.5, 0.7]))).sum()
    culprits = blame([out])
    assert [(c.op, c.lane) for c in culprits] == [("blame_square_test", 1)]
    assert culprits[0].analytic == 1.5
    assert culprits[0].numeric == pytest.approx(3.0, rel=1e-9)


def test_a_second_order_culprit_through_a_fused_node() -> None:
    rule = RULES["tanh_backward"]
    original = rule.local
    object.__setattr__(rule, "local", lambda out, t, g: (1.001 * original(out, t, g)[0], original(out, t, g)[1]))
    try:
        with pytest.raises(GradcheckError) as info:
            gradgradcheck(lambda x: x.tanh() * x, 0.6)
    finally:
        object.__setattr__(rule, "local", original)
    (c,) = info.value.culprits
    assert (c.op, c.via, c.order, c.second) == ("tanh", "tanh_backward", 2, 0)
    assert "through the fused 'tanh_backward' node" in str(info.value)


def test_a_first_derivative_right_at_x_and_wrong_nearby_is_caught_against_f(ops: Any) -> None:
    near = ops("blame_near_test", lambda x: 1.5 * x * x, lambda out, x: (3.0 * x + 0.1 * (x - 0.8),))
    assert gradcheck(near, 0.8)  # the first derivative is exact at 0.8
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(near, 0.8)
    error = info.value
    assert "against f itself" in str(error)
    assert error.numeric == pytest.approx(3.0, rel=1e-7)
    assert error.analytic == pytest.approx(3.1, rel=1e-12)
    (c,) = error.culprits
    assert (c.op, c.order) == ("blame_near_test", 2)
    assert "second differences of the forward" in c.describe()


def test_a_drifting_rule_is_reentrancy_in_both_checks(ops: Any) -> None:
    calls = [0]

    def drifting(out: Any, x: Any) -> tuple[Any, ...]:
        calls[0] += 1
        return (math.cos(float(x.data if isinstance(x, Value) else x)) * (1.0 + 1e-6 * calls[0]),)

    op = ops("blame_drift_test", math.sin, drifting)
    for check in (gradcheck, gradgradcheck):
        with pytest.raises(GradcheckError) as info:
            check(op, 0.3)
        assert info.value.kind == "reentrancy", (check.__name__, str(info.value))
        assert ".data was assigned" not in str(info.value)


# -- steps, messages, reproducing -------------------------------------------------------------


def test_the_message_lists_the_steps_and_one_sided_values(ops: Any) -> None:
    bad = ops("blame_msg_test", math.exp, lambda out, x: (1.01 * out,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: bad(x) * 2.0, 0.3)
    text = str(info.value)
    assert "steps tried (h: central, left, right differences):" in text
    assert "  h = 1e-06: " in text
    (entry,) = info.value.entries
    assert entry.steps[0][0] == 1e-06
    assert len(entry.steps) >= 3
    _, central, left, right = entry.steps[-1]
    assert left < central < right  # exp is convex: the one-sided differences bracket the central one


def test_the_snippet_repeats_the_check(ops: Any) -> None:
    bad = ops("blame_snippet_test", math.exp, lambda out, x: (1.01 * out,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: bad(x) * y, 0.25, -2.0)
    error = info.value
    assert error.snippet == "gradcheck(lambda x, y: bad(x) * y, 0.25, -2.0)"
    assert str(error).endswith("to repeat this check: gradcheck(lambda x, y: bad(x) * y, 0.25, -2.0)")
    call = ast.parse(error.snippet, mode="eval").body  # valid Python: a call of gradcheck on the lambda and point
    assert isinstance(call, ast.Call)
    assert isinstance(call.args[0], ast.Lambda)
    assert [ast.literal_eval(a) for a in call.args[1:]] == [0.25, -2.0]


def test_the_whole_point_is_kept_on_the_error(ops: Any) -> None:
    bad = ops("blame_point_test", math.exp, lambda out, x: (1.01 * out,))
    point = (*(0.1 * k for k in range(10)), np.array([0.5, 0.25]))

    def f(*xs: Value) -> Value:
        return bad(xs[9]) + sum(xs[:9], Value(0.0)) + xs[10].sum()

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, *point)
    error = info.value
    assert len(error.point) == 11
    assert error.point[:10] == point[:10]
    np.testing.assert_array_equal(error.point[10], point[10])
    assert error.names[9] == "xs[9]"
    assert "… 11 arguments in all" in str(error)  # the message is cut; the error is not


def test_pytest_shows_the_users_call_not_the_library(tmp_path: Path) -> None:
    test = tmp_path / "test_user.py"
    test.write_text(
        textwrap.dedent(
            """
            import math
            from autograd import define_op, gradcheck

            bad = define_op("bad_tb_user", math.sin, lambda out, x: (1.001 * math.cos(x),))

            def test_mine():
                assert gradcheck(lambda x: bad(x), 0.4)
            """
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(test), "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    out = run.stdout
    assert run.returncode == 1, out
    assert "assert gradcheck(lambda x: bad(x), 0.4)" in out
    assert "GradcheckError: gradient mismatch" in out
    for library in ("run.py", "gradcheck.py:", "ok=True"):
        assert library not in out, out


def test_fast_mode_catches_one_bad_input_among_fifty_for_every_seed(ops: Any) -> None:
    bad = ops("blame_fifty_test", math.sin, lambda out, x: (1.0001 * math.cos(x),))
    point = tuple(0.1 + 0.03 * i for i in range(50))

    def f(*xs: Value) -> Value:
        return sum(((bad(x) if i == 17 else x.sin()) * (0.5 + 0.01 * i) for i, x in enumerate(xs)), Value(0.0))

    for seed in range(10):
        result = gradcheck(f, *point, fast_mode=True, seed=seed, raise_exception=False)
        assert not result.ok, seed
        assert [e.input for e in result.entries] == ["xs[17]"]  # only that argument's column was checked
        assert [c.op for c in result.error.culprits] == ["blame_fifty_test"]


def test_nondet_tol() -> None:
    rng = np.random.default_rng(0)

    def noisy(x: Value) -> Value:
        return x * x * (1.0 + 1e-10 * float(rng.standard_normal()))

    result = gradcheck(noisy, 0.5, raise_exception=False)
    assert result.kind == "nondeterministic"
    assert "nondet_tol 1e-12" in result.message
    with pytest.raises(ValueError, match="nondet_tol must be finite and >= 0"):
        gradcheck(noisy, 0.5, nondet_tol=-1.0)


def test_gradgradcheck_params_checks_a_models_hessian_in_place(ops: Any) -> None:
    w, b = Value(0.5, label="w"), Value(-0.2, label="b")
    assert gradgradcheck_params(lambda: (w * 1.5 + b).tanh() * w + b * b * w, [w, b])
    assert gradgradcheck_params(lambda: (w * 1.5 + b).tanh() * w, [w, b], fast_mode=True)
    assert (w.data, b.data) == (0.5, -0.2)
    frozen = ops(
        "blame_frozen_test",
        lambda x: math.log1p(math.exp(x)),
        lambda out, x: (1.0 / (1.0 + math.exp(-(x.data if isinstance(x, Value) else x))),),
    )
    assert gradcheck_params(lambda: frozen(w * b), [w, b])  # first derivatives are right
    with pytest.raises(GradcheckError) as info:
        gradgradcheck_params(lambda: frozen(w * b), [w, b])
    assert "blame_frozen_test" in {c.op for c in info.value.culprits}
    assert (w.data, b.data) == (0.5, -0.2)


def test_kinks_may_be_a_function_of_the_parameter(ops: Any) -> None:
    from hypothesis import given, settings

    from autograd.testing import op_inputs

    ops(
        "blame_hinge_test",
        lambda x, p: max(x - p, 0.0),
        lambda out, x, p: (1.0 if x > p else 0.0,),
        has_param=True,
        kinks=lambda p: (p,),
        param_sample=(0.5, -1.0),
    )
    rule = RULES["blame_hinge_test"]
    assert rule.kinks_at(0.5) == (0.5,)
    with pytest.raises(ValueError, match="depend on its parameter"):
        rule.kinks_at(None)

    @settings(max_examples=60, derandomize=True, database=None)
    @given(op_inputs("blame_hinge_test"))
    def far_from_the_hinge(drawn: tuple[tuple[float, ...], float | None]) -> None:
        (x,), p = drawn
        assert p is not None
        assert abs(x - p) >= 1e-3

    far_from_the_hinge()
    with pytest.raises(TypeError, match="needs has_param=True"):
        define_op("blame_no_param_test", abs, lambda out, x: (1.0,), kinks=lambda p: (p,))


def test_every_built_in_with_a_kink_passes_there() -> None:
    checked = []
    for name, rule in RULES.items():
        if rule.arity != 1 or not rule.kinks or callable(rule.kinks):
            continue
        for param in rule.param_sample or (None,):
            for kink in rule.kinks_at(param):
                try:
                    apply(name, Value(kink), param=param)  # is the op defined at its kink?
                except ValueError:
                    continue  # log1p at -1: an edge of the domain, not a kink
                assert gradcheck(lambda x, name=name, param=param: apply(name, x, param=param), kink), (name, param)
                checked.append((name, param))
    assert {n for n, _ in checked} == {"relu", "leaky_relu", "abs"}


def test_gradcheck_params_names_the_culprit_in_a_model(ops: Any) -> None:
    bad_tanh = ops("blame_params_tanh_test", math.tanh, lambda out, x: (1.0 - out,))  # square forgotten
    w = [Value(0.3, label="w0"), Value(-0.8, label="w1")]
    b = Value(0.1, label="b")

    def loss() -> Value:
        return (bad_tanh(w[0] * 0.5 + w[1] * -1.5 + b) - 0.2) ** 2

    with pytest.raises(GradcheckError) as info:
        gradcheck_params(loss, [*w, b])
    error = info.value
    assert {c.op for c in error.culprits} == {"blame_params_tanh_test"}
    assert error.names == ("w0", "w1", "b")
    assert error.snippet == ""  # a loss of parameters perturbed in place has no one-line repeat
    assert [p.data for p in (*w, b)] == [0.3, -0.8, 0.1]


def test_a_gradient_that_jumps_where_f_is_smooth_is_a_bug_not_a_kink(ops: Any) -> None:
    # a sine whose local rule jumps just right of 0.5: f is smooth, its gradient is not
    def local(out: Any, x: Any) -> tuple[Any, ...]:
        v = x.data if isinstance(x, Value) else x
        return (math.cos(v) + (1e3 if v > 0.5 else 0.0),)

    broken = ops("blame_broken_sin_test", math.sin, local)
    result = gradgradcheck(broken, 0.5, raise_exception=False)
    assert result.kind == "jump"
    assert "the gradient at x + h disagrees with f there" in result.message
    # where f itself has the kink (|x − 0.5| at 0.5 + 3e-8), the gradient's jump is f's: it passes
    assert gradgradcheck(lambda x: (x - 0.5).abs(), 0.5 + 3e-8)
    assert gradgradcheck(lambda x: (x - 0.5).abs(), 0.5 + 3e-8, fast_mode=True)
