"""Every rule in the table: closed-form derivatives, gradcheck and gradgradcheck in float64."""

import math

import numpy as np
import pytest
from engine_support import raises_exactly
from hypothesis import given
from hypothesis import strategies as st
from rule_table import BUILTIN

from autograd import RULES, DomainError, Value, apply, gradcheck, gradgradcheck, no_grad
from autograd.core.rules import BUILTIN_OPS, Rule
from autograd.testing import op_inputs


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# The closed forms and the tests through every entry point (operator, apply, define_op) are in
# rule_table.py and test_paths.py; here, every rule of the table, including ones added later.


def test_every_builtin_rule_has_a_closed_form():
    assert set(BUILTIN) == set(BUILTIN_OPS)


def test_kinks_at_gives_the_kinks_for_a_parameter():
    """Fixed kinks whatever the parameter; kinks as a function of it evaluated (as floats), and
    refused with a clear error when no parameter is given."""
    assert RULES["relu"].kinks_at(None) == (0.0,)
    assert RULES["relu"].kinks_at(2.0) == (0.0,)
    hinges = Rule("two_hinges", 1, max, lambda out, x, p: (1.0,), has_param=True, kinks=lambda p: (-1, p))
    kinks = hinges.kinks_at(2.5)
    assert kinks == (-1.0, 2.5)
    assert [type(k) for k in kinks] == [float, float]
    raises_exactly(
        ValueError,
        "op 'two_hinges': its kinks depend on its parameter, and none was given",
        lambda: hinges.kinks_at(None),
    )


@pytest.mark.parametrize("name", sorted(RULES))
@given(data=st.data())
def test_gradcheck_every_rule(name, data):
    """Picks up every registered rule, including ones added later."""
    xs, param = data.draw(op_inputs(name))
    assert gradcheck(lambda *vs: apply(name, *vs, param=param), *xs, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(RULES))
@given(data=st.data())
def test_gradgradcheck_every_rule(name, data):
    xs, param = data.draw(op_inputs(name, margin=1e-2))
    assert gradgradcheck(lambda *vs: apply(name, *vs, param=param), *xs, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    ("name", "x", "slope", "expected"),
    [("relu", 0.0, None, 0.0), ("abs", 0.0, None, 0.0), ("leaky_relu", 0.0, 0.1, 0.1)],
)
def test_kink_conventions(name, x, slope, expected):
    """relu'(0) = 0 and abs'(0) = 0 (PyTorch's conventions); leaky_relu'(0) = slope."""
    node = apply(name, Value(x), param=slope)
    assert node.local_grads == (expected,)


@pytest.mark.parametrize("x", [-1000.0, -745.0, -30.0, 0.0, 30.0, 745.0, 1000.0])
def test_sigmoid_is_stable_at_extremes(x):
    y = Value(x).sigmoid()
    assert 0.0 <= y.data <= 1.0
    assert math.isfinite(y.local_grads[0])
    assert y.data == pytest.approx(_sig(x) if abs(x) < 700 else float(x > 0))


@pytest.mark.parametrize("x", [-1.0, -2.0])
def test_log1p_refuses_x_at_or_below_minus_one(x: float) -> None:
    with pytest.raises(DomainError, match=rf"log1p\({x!r}\) is undefined"):
        Value(x).log1p()
    with pytest.raises(DomainError, match="lane 1"):
        Value(np.array([0.5, x])).log1p()


def test_log1p_is_exact_where_one_plus_x_rounds() -> None:
    y = Value(1e-18).log1p()
    y.backward()
    assert y.data == 1e-18
    assert y.parents[0].grad == 1.0


def test_sqrt_blames_the_derivative_only_at_zero() -> None:
    with pytest.raises(DomainError, match=r"^sqrt\(-4\.0\) is undefined: needs x >= 0$"):
        Value(-4.0).sqrt()
    with pytest.raises(DomainError, match=r"^sqrt\(0\.0\) is undefined: the derivative .* is infinite at 0$"):
        Value(0.0).sqrt()
    with no_grad():  # no derivative wanted: only the domain matters
        assert Value(0.0).sqrt().data == 0.0


def test_the_promises_in_the_table_are_those_of_the_ops_that_keep_them():
    # Which built-in ops make each promise (Rule.elementwise, Rule.propagates_nonfinite): the
    # activations apply_each stacks, and the ops a compiled program checks only at its outputs.
    assert {name for name in BUILTIN_OPS if RULES[name].elementwise} == {"relu", "leaky_relu", "tanh", "sigmoid"}
    propagating = {"add", "sub", "mul", "neg", "abs", "sum", "dot", "lanesum", "lanemean", "log", "sqrt"}
    assert {name for name in BUILTIN_OPS if RULES[name].propagates_nonfinite} == propagating


@pytest.mark.parametrize("name", sorted(name for name in BUILTIN_OPS if RULES[name].propagates_nonfinite))
def test_an_op_that_propagates_nonfinite_numbers_never_hides_one(name):
    # Each input in turn nan, inf or -inf, the others inside the sample: the result is not finite
    # (or the op refuses), on floats and on lanes.
    rule = RULES[name]
    n = len(rule.sample) if rule.arity == -1 else rule.arity
    middles = [sum(rule.sample[min(i, len(rule.sample) - 1)]) / 2 for i in range(n)]
    param = (rule.param_sample[0],) if rule.has_param else ()
    for i in range(n):
        for bad in (math.nan, math.inf, -math.inf):
            xs = [bad if k == i else x for k, x in enumerate(middles)]
            try:
                out = rule.forward(*xs, *param)
            except (ValueError, OverflowError, ZeroDivisionError):
                continue  # refused: nothing hidden
            assert not math.isfinite(out), (name, xs)
            lanes = [np.array([x, x]) for x in xs]
            with np.errstate(all="ignore"):
                out_lanes = (rule.lanes or rule.forward)(*lanes, *param)
            assert not np.isfinite(out_lanes).any(), (name, xs)


@pytest.mark.parametrize("name", sorted(name for name in BUILTIN_OPS if RULES[name].elementwise))
def test_an_elementwise_op_gives_each_row_of_a_2d_array_what_the_row_alone_gives(name):
    rule = RULES[name]
    param = (rule.param_sample[0],) if rule.has_param else ()
    rows = np.random.default_rng(7).standard_normal((3, 5)) * 4.0
    forward = rule.lanes or rule.forward
    out = forward(rows, *param)
    (local,) = rule.local(out, rows, *param)
    for row, out_row, local_row in zip(rows, out, local, strict=True):
        alone = forward(row.copy(), *param)
        assert out_row.tobytes() == alone.tobytes()
        assert local_row.tobytes() == rule.local(alone, row.copy(), *param)[0].tobytes()
