"""``Value`` itself: what it holds and accepts, its operators, comparisons and representation.

``.data`` assignments keep a float (or float64 lanes) or fail at once; huge integers, 0-d
arrays and non-real dtypes are refused or converted exactly; a Value never silently turns
into a plain number.
"""

import math
import numbers
from fractions import Fraction

import numpy as np
import pytest
from engine_support import raises_exactly

from autograd import (
    Value,
    grad,
    vsum,
)

# -- .data assignments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assigned", "expected"),
    [(0, 0.0), (np.float64(0.25), 0.25), (np.clip(np.float32(3.0), 0, 1), 1.0), (np.array(2.5), 2.5), (True, None)],
    ids=["int", "numpy scalar", "np.clip", "0-d array", "bool"],
)
def test_data_assignments_keep_a_float_or_fail_at_once(assigned: object, expected: float | None) -> None:
    w = Value(1.0)
    if expected is None:
        with pytest.raises(TypeError, match="data must be a real number"):
            w.data = assigned  # type: ignore[assignment]
        assert w.data == 1.0  # unchanged
        return
    w.data = assigned  # type: ignore[assignment]
    assert type(w.data) is float
    assert w.data == expected
    assert (w * 2.0).data == 2 * expected  # later ops work


def test_the_training_update_keeps_a_float() -> None:
    p = Value(1.0)
    (p * p).backward()
    p.data -= 0.1 * p.grad
    assert type(p.data) is float
    assert p.data == pytest.approx(0.8)


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1.0", None, np.zeros((2, 2)), 10**400])
def test_bad_data_is_refused_at_the_assignment_leaving_data_unchanged(bad: object) -> None:
    w = Value(1.0)
    with pytest.raises((TypeError, ValueError), match="data"):
        w.data = bad  # type: ignore[assignment]
    assert w.data == 1.0


def test_lanes_assigned_to_data_are_copied_as_float64() -> None:
    w = Value(np.array([1.0, 2.0]))
    ints = np.array([3, 4])
    w.data = ints  # type: ignore[assignment]
    assert w.data.dtype == np.float64  # type: ignore[attr-defined]
    ints[0] = 99
    assert w.data[0] == 3.0  # type: ignore[index]


# -- edge inputs: huge integers, 0-d arrays, dtypes -------------------------------------------------

HUGE = 10**400


@pytest.mark.parametrize(
    "call",
    [
        lambda: Value(HUGE),
        lambda: Value(1.0) + HUGE,
        lambda: HUGE * Value(1.0),
        lambda: Value(1.0) ** HUGE,
        lambda: Value(1.0).backward(HUGE),
        lambda: vsum([Value(1.0), HUGE]),
    ],
    ids=["Value", "add", "rmul", "pow", "backward", "vsum"],
)
def test_huge_integers_are_a_value_error_naming_their_size(call: object) -> None:
    with pytest.raises(ValueError, match="integer of about 401 digits"):
        call()  # type: ignore[operator]


def test_comparisons_with_huge_integers_are_exact() -> None:
    v = Value(1e300)
    assert v < HUGE
    assert not v > HUGE
    assert v >= 10**300 - 1 or v < 10**300  # whichever: no OverflowError


def _unsupported(*args: object) -> object:
    raise NotImplementedError


class _BeyondFloat64(numbers.Real):
    """A real number of some arbitrary-precision type (neither int nor Fraction) beyond float64's
    range: ``float()`` of it overflows."""

    locals().update(dict.fromkeys(numbers.Real.__abstractmethods__, _unsupported))  # arithmetic: unused here

    def __init__(self, sign: int) -> None:
        self.sign = sign

    def __float__(self) -> float:
        raise OverflowError("too large for a float")

    def __gt__(self, other: object) -> bool:
        return self.sign > 0 if other == 0 else NotImplemented  # type: ignore[return-value]


def test_comparisons_with_a_real_beyond_float64_treat_it_as_infinite() -> None:
    v = Value(1e300)
    huge, minus_huge = _BeyondFloat64(1), _BeyondFloat64(-1)
    assert v < huge
    assert v <= huge
    assert not v > huge
    assert v > minus_huge
    assert v >= minus_huge
    assert not v < minus_huge


def test_a_0_d_array_is_a_scalar() -> None:
    v = Value(np.array(1.5))
    assert type(v.data) is float
    assert v.lanes is None
    assert (v * np.array(2.0)).data == 3.0


@pytest.mark.parametrize("dtype", ["timedelta64[s]", "datetime64[D]", "complex128", "object", "bool", "U1"])
def test_only_real_dtypes_are_lanes(dtype: str) -> None:
    arr = np.zeros(3, dtype=dtype)
    with pytest.raises(TypeError, match="lanes must hold real numbers"):
        Value(arr)


# -- Value's own methods ---------------------------------------------------------------------------


def test_numbers_of_other_real_types_meet_a_value() -> None:
    x = Value(2.0)
    for other in (np.float64(3.0), np.float32(3.0), Fraction(3, 1), np.int64(3)):
        assert (x * other).data == 6.0
        assert (other * x).data == 6.0
        assert (x**other).data == 8.0
        assert (other**x).data == 9.0
        assert (x**other).local_grads == (12.0,)


def test_a_number_operand_becomes_a_plain_constant_leaf() -> None:
    x = Value(1.7)
    for y in (x * 2.5, x * 2, x * np.float64(2.5)):
        c = y.parents[1]
        assert (c.op, c.label, c.grad, c.param, c.parents, c.is_leaf) == ("", "", 0.0, None, (), True)
    y = x * 2.5
    y.backward()
    assert y.parents[1].grad == 1.7
    raises_exactly(ValueError, "operand must be finite, got inf", lambda: x + math.inf)
    raises_exactly(ValueError, "operand must be finite, got nan", lambda: x + np.float64("nan"))


def test_bad_numbers_are_named_by_their_role() -> None:
    x = Value(2.0)
    raises_exactly(ValueError, "exponent must be finite, got inf", lambda: x**math.inf)
    raises_exactly(ValueError, "base must be finite, got nan", lambda: math.nan**x)
    raises_exactly(ValueError, "slope must be finite, got inf", lambda: x.leaky_relu(math.inf))
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \*\* or pow\(\): 'str' and 'Value'"):
        "2" ** x  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \*\* or pow\(\): 'Value' and 'str'"):
        x ** "2"  # type: ignore[operator]


def test_comparisons_at_equality() -> None:
    one = Value(1.0)
    assert (one < 1.0, one <= 1.0, one > 1.0, one >= 1.0) == (False, True, False, True)
    assert (one < Value(1.0), one <= Value(1.0), one > Value(1.0), one >= Value(1.0)) == (False, True, False, True)
    lanes = Value(np.array([1.0, 2.0]))
    raises_exactly(TypeError, "comparisons need scalar Values (this one holds lanes)", lambda: lanes < 1.0)
    raises_exactly(TypeError, "comparisons need scalar Values (this one holds lanes)", lambda: one < lanes)


def test_repr_and_detach() -> None:
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, label="w")) == "Value(data=2.0, grad=0.0, label='w')"
    assert repr(Value(np.array([1.0, 2.0, 3.0]))) == "Value(lanes=3, data=[1, 2, 3], grad=0.0)"
    assert repr(Value(np.array([1.0, 2.0, 3.0, 4.5]))) == "Value(lanes=4, data=[1, 2, 3, …], grad=0.0)"
    copy = Value(2.0, label="w").detach()
    assert (copy.data, copy.label, copy.is_leaf) == (2.0, "w", True)


def test_float_of_a_value_says_how_to_stay_in_the_graph() -> None:
    raises_exactly(
        TypeError,
        "a Value does not turn into a float implicitly (math.exp(v) would drop it from the graph and its gradient "
        "with it): use v.exp(), v.log(), v.tanh()… to stay in the graph, or v.data for the number",
        lambda: float(Value(1.0)),
    )


# -- structure, operands and comparisons -----------------------------------------------------------


def test_parents_and_op_are_read_only():
    a = Value(1.0) + 2.0
    with pytest.raises(AttributeError):
        a.op = "mul"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        a.parents = ()  # type: ignore[misc]
    assert a.op == "add"
    assert isinstance(a.parents, tuple)


def test_value_has_slots_and_float_grad():
    v = Value(2)
    assert not hasattr(v, "__dict__")
    assert type(v.data) is float
    assert type(v.grad) is float
    assert v.grad == 0.0


def test_number_on_either_side():
    x = Value(2.0)
    cases = {
        "radd": (3 + x, 5.0, 1.0),
        "rsub": (3 - x, 1.0, -1.0),
        "rmul": (3 * x, 6.0, 3.0),
        "rdiv": (3 / x, 1.5, -0.75),
        "sub": (x - 3, -1.0, 1.0),
        "div": (x / 4, 0.5, 0.25),
        "neg": (-x, -2.0, -1.0),
        "pow": (x**3, 8.0, 12.0),
        "rpow": (2**x, 4.0, 4.0 * math.log(2.0)),
        "powv": (x ** Value(3.0), 8.0, 12.0),
    }
    for name, (y, value, derivative) in cases.items():
        assert y.data == pytest.approx(value), name
        assert grad(y, [x])[0] == pytest.approx(derivative, rel=1e-14), name


def test_comparisons_compare_data_and_equality_is_identity():
    a, b = Value(1.0), Value(2.0)
    assert a < b
    assert a <= b
    assert b > a
    assert b >= a
    assert a < 1.5
    assert a > 0
    assert Value(1.0) != Value(1.0)
    assert a == a
    assert len({a, b, Value(1.0)}) == 3


def test_detach_cuts_the_graph():
    x = Value(3.0, "x")
    y = (x * x).detach()
    assert y.is_leaf
    assert y.data == 9.0
    z = y * x
    z.backward()
    assert x.grad == 9.0


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1", None, 1j, True, False, [1.0], np.bool_(True)])
def test_value_rejects_non_real(bad):
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_value_rejects_non_finite(bad):
    with pytest.raises(ValueError, match="finite"):
        Value(bad)


def test_value_accepts_numpy_scalars_and_ints():
    assert Value(np.float64(1.5)).data == 1.5
    assert type(Value(np.int64(3)).data) is float
    assert Value(np.float32(0.25)).data == 0.25


def test_value_of_value_is_a_type_error():
    with pytest.raises(TypeError, match="detach"):
        Value(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "op",
    [
        lambda x: x + "a",
        lambda x: "a" * x,
        lambda x: x * None,
        lambda x: x / [1],
        lambda x: x ** "2",
        lambda x: x + True,
    ],
)
def test_unsupported_operands_name_the_types(op):
    with pytest.raises(TypeError, match="Value"):
        op(Value(1.0))


def test_comparison_with_bad_type():
    with pytest.raises(TypeError, match="str"):
        _ = Value(1.0) < "a"  # type: ignore[operator]


# -- a Value never silently becomes a number -------------------------------------------------------


@pytest.mark.parametrize("fn", [math.exp, math.log, math.tanh, float, math.isfinite], ids=lambda f: f.__name__)
def test_math_functions_and_float_refuse_a_value_instead_of_dropping_its_gradient(fn):
    """math.exp(y) * y would otherwise give ∂/∂y = e instead of 2e: math.exp's result is a constant."""
    y = Value(1.0)
    with pytest.raises(TypeError, match=r"use v\.exp\(\).*v\.data for the number"):
        fn(y)


def test_format_spec_formats_the_data():
    v = Value(1.25, label="v")
    assert f"{v:.1f}" == "1.2"
    assert f"{v:+.3e}" == "+1.250e+00"
    assert f"{v}" == str(v) == repr(v)


class _Count(int):
    """An int subclass (an IntEnum member is one too)."""


def test_value_construction_says_exactly_what_was_wrong() -> None:
    raises_exactly(
        TypeError, "Value(data) needs a number, got a Value (use v.detach() for a copy)", lambda: Value(Value(1.0))
    )
    raises_exactly(TypeError, "label must be a str, got int", lambda: Value(1.0, label=3))  # type: ignore[arg-type]
    raises_exactly(ValueError, "Value data is too large for a float64: Fraction", lambda: Value(Fraction(10**400)))
    raises_exactly(
        ValueError,
        "Value data is an integer of about 401 digits, beyond float64's largest finite number (about 1.8e308)",
        lambda: Value(_Count(10**400)),
    )
    three = Value(_Count(3))
    assert (type(three.data), three.data) == (float, 3.0)


def test_a_leaf_has_no_op_and_no_param() -> None:
    for leaf in (Value(2.0), Value(np.array([1.0, 2.0])), Value(2.0).detach()):
        assert (leaf.op, leaf.param, leaf.parents, leaf.local_grads, leaf.is_leaf) == ("", None, (), (), True)
