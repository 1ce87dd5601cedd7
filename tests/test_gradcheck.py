"""gradcheck is a real checker: it passes correct rules and catches wrong ones."""

import math

import pytest

from autograd import GradcheckError, Value, define_op, gradcheck, gradgradcheck
from autograd.rules import unregister


@pytest.fixture
def ops():
    """Test-only ops, removed from the rule table afterwards (so table-wide tests never see them)."""
    made: list[str] = []

    def make(name, forward, local):
        made.append(name)
        return define_op(name, forward, local)

    yield make
    for name in made:
        unregister(name)


@pytest.fixture
def bad_sin(ops):
    """A deliberately wrong sine: its derivative is off by a factor 1.001."""
    return ops("bad_sin_test", math.sin, lambda out, x: (1.001 * math.cos(float(x)),))


def test_passes_correct_functions():
    assert gradcheck(lambda x, y: (x * y).sin() + x.exp() / y, 0.3, 1.7)


def test_catches_derivative_off_by_a_factor_1_001(bad_sin):
    with pytest.raises(GradcheckError) as info:
        gradcheck(bad_sin, 0.4)
    err = info.value
    assert err.kind == "mismatch"
    assert err.index == 0
    assert err.analytic == pytest.approx(1.001 * math.cos(0.4))
    assert err.numeric == pytest.approx(math.cos(0.4), rel=1e-8)
    message = str(err)
    for part in ("argument 0", "analytic", "numeric", "absolute error", "relative error"):
        assert part in message


def test_names_the_argument(bad_sin):
    with pytest.raises(GradcheckError, match=r"argument 1 \(w\)"):
        gradcheck(lambda x, w: x * bad_sin(w), 0.5, 0.8, names=["x", "w"])


def test_reports_a_kink_not_a_mismatch():
    with pytest.raises(GradcheckError, match="kink") as info:
        gradcheck(lambda x: x.relu(), 0.0)
    assert info.value.kind == "kink"


def test_abs_at_zero_follows_the_convention():
    # the central difference of |x| at 0 is 0, which is the convention abs'(0) = 0
    assert gradcheck(lambda x: x.abs(), 0.0)


def test_smooth_function_with_large_curvature_is_not_called_a_kink(bad_sin):
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: bad_sin(x * 30.0), 0.1)
    assert info.value.kind == "mismatch"


def test_user_defined_op_passes_gradcheck_and_gradgradcheck(ops):
    softplus = ops(
        "softplus_test",
        lambda x: math.log1p(math.exp(x)),
        lambda out, x: (1.0 / (1.0 + (-x).exp()) if isinstance(x, Value) else 1.0 / (1.0 + math.exp(-x)),),
    )
    assert gradcheck(softplus, 0.7)
    assert gradgradcheck(softplus, 0.7)


def test_gradgradcheck_catches_wrong_second_derivative(ops):
    # first derivative right, but written with the number instead of the Value: its own derivative is lost
    frozen = ops("frozen_square_test", lambda x: x * x, lambda out, x: (2.0 * getattr(x, "data", x),))
    assert gradcheck(frozen, 0.6)
    with pytest.raises(GradcheckError, match="mismatch"):
        gradgradcheck(frozen, 0.6)


def test_reentrancy_check_catches_stateful_derivatives(ops):
    calls = [0]

    def drifting_local(out, x):
        calls[0] += 1
        return (1.0 if calls[0] == 1 else 2.0,)

    drifting = ops("drifting_identity_test", lambda x: x, drifting_local)
    with pytest.raises(GradcheckError, match="reentrancy") as info:
        gradcheck(drifting, 0.5)
    assert info.value.kind == "reentrancy"


def test_function_must_return_a_value():
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: 1.0, 0.5)  # type: ignore[arg-type,return-value]


def test_rejects_non_finite_point():
    with pytest.raises(ValueError, match="not finite"):
        gradcheck(lambda x: x, math.nan)


def test_unregister_refuses_builtin_ops():
    with pytest.raises(ValueError, match="built-in"):
        unregister("mul")
    with pytest.raises(KeyError, match="no op named"):
        unregister("no_such_op")
