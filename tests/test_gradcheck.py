"""gradcheck is a real checker: it passes correct rules and catches wrong ones."""

import math

import numpy as np
import pytest

from autograd import (
    GradcheckError,
    GradcheckResult,
    Value,
    define_op,
    gradcheck,
    gradcheck_params,
    gradgradcheck,
)
from autograd.core.rules import unregister


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


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("relu", lambda x: x.relu()),
        ("abs", lambda x: x.abs()),
        ("leaky_relu", lambda x: x.leaky_relu(0.2)),
        ("relu(x)·2 + x", lambda x: x.relu() * 2.0 + x),
        ("relu(x)²", lambda x: x.relu() ** 2),
    ],
)
def test_every_built_in_passes_at_its_kink_by_the_one_convention(name, f):
    # At a kink the analytic value passes when it is between the one-sided derivatives (a
    # subgradient): relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope all are.
    assert gradcheck(f, 0.0)
    assert gradcheck(f, 0.0, fast_mode=True)


def test_a_derivative_outside_the_one_sided_ones_at_a_kink_is_a_mismatch(ops):
    wrong = ops("relu_at_zero_is_two_test", lambda x: max(x, 0.0), lambda out, x: (2.0 if x >= 0.0 else 0.0,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong, 0.0)
    err = info.value
    assert err.kind == "mismatch"
    assert err.entries[0].left == pytest.approx(0.0, abs=1e-9)
    assert err.entries[0].right == pytest.approx(1.0)
    assert "not between the one-sided derivatives" in str(err)


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


# -- no false alarms (known hard cases; the corpus is in test_gradcheck_corpus.py) ---------------


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (lambda x: x.relu() ** 2, 0.0),  # was: mismatch, analytic 0, numeric 5e-07
        (lambda x: x * x.abs(), 0.0),  # was: mismatch, analytic 0, numeric 1e-06
        (lambda x: x.relu(), 1e-9),  # was: "not differentiable there"
        (lambda x: x.relu(), 5e-7),  # was: mismatch, analytic 1, numeric 0.75
        (lambda x: (x * x).cos(), 84.27300411487502),  # was: relative error 3.36e-05
        (lambda s: (1.0 - 1.0 * s).relu() ** 2, 1.0),  # squared hinge at the hinge
    ],
)
def test_known_false_alarms_pass(f, x):
    assert gradcheck(f, x)


def test_a_kink_at_the_point_shows_its_one_sided_derivatives(ops):
    bad_relu = ops("relu_minus_one_test", lambda x: max(x, 0.0), lambda out, x: (1.0 if x > 0.0 else -1.0,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: bad_relu(x) * 2.0 + x, 0.0)
    err = info.value
    assert err.kind == "mismatch"
    assert err.analytic == pytest.approx(-1.0)
    assert err.entries[0].left == pytest.approx(1.0)
    assert err.entries[0].right == pytest.approx(3.0)
    assert "left 1, right 3" in str(err)


def test_a_jump_is_not_a_false_pass():
    # a step function: not even continuous at 0.3 + 1e-7 (inside the first step)
    step = lambda x: x * 0.0 + (1.0 if x.data > 0.3 + 1e-7 else 0.0)  # noqa: E731
    assert gradcheck(step, 0.3)  # the jump is inside the step, not at x: the derivative there is 0
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x * 0.0 + (1.0 if x.data >= 0.3 else 0.0), 0.3)


def test_a_nondeterministic_function_is_reported_as_such():
    import random

    kinds = {}
    for seed in range(50):
        rng = random.Random(seed)

        def dropout(x, rng=rng):
            weights = (0.3, 0.7, -1.1, 0.4, 0.9, 1.3, -0.2, 0.5)
            terms = [x * w * (2.0 if rng.random() < 0.5 else 0.0) for w in weights]
            return sum(terms[1:], terms[0]).tanh()

        result = gradcheck(dropout, 0.3, raise_exception=False)
        kind = result.kind or "pass"
        kinds[kind] = kinds.get(kind, 0) + 1
        assert result.ok or "dropout mask" in result.message
    assert kinds == {"nondeterministic": 50}


def test_a_seeded_dropout_mask_passes():
    import random

    def dropout(x):
        rng = random.Random(7)  # seeded inside f: the same mask every call
        weights = (0.3, 0.7, -1.1, 0.4, 0.9, 1.3, -0.2, 0.5)
        terms = [x * w * (2.0 if rng.random() < 0.5 else 0.0) for w in weights]
        return sum(terms[1:], terms[0]).tanh()

    assert gradcheck(dropout, 0.3)


# -- vector outputs and Jacobians ------------------------------------------------------------


def test_vector_outputs_check_the_whole_jacobian(bad_sin):
    assert gradcheck(lambda x, y: [x * y, (x + y).tanh(), x.exp()], 0.3, -0.8)
    assert gradcheck(lambda x, y: (x * y, y.sin()), 0.3, -0.8)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: [x * y, bad_sin(x) + y, bad_sin(y) * 2.0], 0.4, 0.9)
    err = info.value
    assert err.kind == "mismatch"
    assert [(e.output, e.input) for e in err.entries] == [("f[1]", "x"), ("f[2]", "y")]
    message = str(err)
    assert "2 bad Jacobian entries" in message
    lines = message.splitlines()
    header = lines[lines.index("2 bad Jacobian entries:") + 1]
    for column in ("output", "input", "analytic", "numeric", "abs error", "rel error", "verdict"):
        assert column in header
    rows = [line for line in message.splitlines() if line.startswith("  f[")]
    assert len(rows) == 2
    assert rows[0].split()[:2] == ["f[1]", "x"]
    assert rows[1].split()[:2] == ["f[2]", "y"]


def test_a_lanes_output_is_a_vector_output(ops):
    cube = ops("bad_cube_out_test", lambda x: x**3, lambda out, x: (3.003 * x * x,))
    v = np.array([0.5, -1.0, 2.0])
    assert gradcheck(lambda x: x**3 * 2.0, v)
    with pytest.raises(GradcheckError) as info:
        gradcheck(cube, v)
    entries = info.value.entries
    assert [(e.output, e.input) for e in entries] == [(f"f lane {i}", f"x lane {i}") for i in range(3)]


@pytest.mark.parametrize("bad", [1.0, [], [1.0], "x", None])
def test_a_function_must_return_values(bad):
    with pytest.raises(TypeError, match="must return"):
        gradcheck(lambda x: bad, 0.5)


# -- fast mode and gradgradcheck through Hessian rows ------------------------------------------


def test_fast_mode_passes_correct_functions_and_catches_wrong_ones(bad_sin):
    f = lambda a, b, c: [(a * b).sin() + c.exp(), (a - c).tanh() * b]  # noqa: E731
    assert gradcheck(f, 0.3, -1.2, 0.5, fast_mode=True)
    assert gradcheck(f, 0.3, -1.2, 0.5, fast_mode=True, seed=123)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: bad_sin(a) * b + b, 0.3, 0.8, fast_mode=True)
    # a fast-mode failure is re-checked entry by entry, so the table names the bad entry
    assert [(e.output, e.input) for e in info.value.entries] == [("f", "a")]


def test_fast_mode_is_deterministic_for_a_seed(bad_sin):
    results = [
        gradcheck(lambda a, b: bad_sin(a) * b, 0.3, 0.8, fast_mode=True, seed=5, raise_exception=False)
        for _ in range(2)
    ]
    assert results[0].message == results[1].message
    assert not results[0]


def test_gradgradcheck_fast_mode_catches_a_dropped_second_derivative(ops):
    frozen = ops("frozen_sq_fast_test", lambda x: x * x, lambda out, x: (2.0 * getattr(x, "data", x),))
    f = lambda x, y: frozen(x) * y.sin() + x * y  # noqa: E731
    assert gradcheck(f, 0.6, 0.4)
    assert gradgradcheck(lambda x, y: (x * x) * y.sin() + x * y, 0.6, 0.4, fast_mode=True)
    with pytest.raises(GradcheckError, match="second derivative mismatch"):
        gradgradcheck(f, 0.6, 0.4, fast_mode=True)
    with pytest.raises(GradcheckError, match="second derivative mismatch") as info:
        gradgradcheck(f, 0.6, 0.4)
    assert ("∂f/∂x", "x") in [(e.output, e.input) for e in info.value.entries]


def test_gradgradcheck_of_vector_outputs_and_lanes():
    assert gradgradcheck(lambda x, y: [x * y.sin(), (x * y).exp()], 0.3, 0.7)
    assert gradgradcheck(lambda v, w: (v * w).tanh() * v, np.array([0.3, -0.8, 1.1]), 0.7)


def test_gradgradcheck_names_hessian_entries(ops):
    # the derivative written on numbers: right, but its own derivative is lost
    frozen = ops("frozen_sin_test", math.sin, lambda out, x: (math.cos(getattr(x, "data", x)),))
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda u, w: frozen(u) * w, 0.3, 0.8)
    assert [(e.output, e.input) for e in info.value.entries] == [("∂f/∂u", "u")]


# -- gradcheck_params -----------------------------------------------------------------------


def test_gradcheck_params_on_a_model_restores_every_parameter():
    import nn

    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    params = model.parameters()
    before = [(p, p.data) for p in params]
    rows = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]]
    y = [0.3, -0.1, 0.7]

    def loss():
        return nn.mse([model(row) for row in rows], y)

    assert gradcheck_params(loss, model)
    assert gradcheck_params(loss, model, fast_mode=True)
    assert gradcheck_params(loss, params)  # an iterable of Values works too
    assert [(p, p.data) for p in model.parameters()] == before


def test_gradcheck_params_on_lanes():
    import nn

    model = nn.MLP(3, [5, 1], activation="tanh", seed=1)
    rng = np.random.default_rng(0)
    data = rng.normal(size=(16, 3))
    y = rng.normal(size=16)

    def loss():
        return ((model.batch(data) - y) ** 2).mean()

    assert gradcheck_params(loss, model)
    assert gradcheck_params(lambda: model.batch(data) * 1.0, model, fast_mode=True)  # a lanes output


def test_gradcheck_params_finds_a_wrong_op_and_names_the_parameter(ops):
    import nn

    off = ops("tanh_off_test", math.tanh, lambda out, x: (1.001 * (1.0 - out * out),))
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)

    def loss():
        return off(model([0.5, -1.0]))

    with pytest.raises(GradcheckError) as info:
        gradcheck_params(loss, model)
    names = [name for name, _ in model.named_parameters()]
    assert {e.input for e in info.value.entries} == set(names)


def test_gradcheck_params_restores_data_when_the_loss_raises():
    w, b = Value(0.5, label="w"), Value(-0.2, label="b")
    calls = [0]

    def loss():
        calls[0] += 1
        if calls[0] > 4:
            raise RuntimeError("boom")
        return (w * 1.5 + b).tanh()

    with pytest.raises(RuntimeError, match="boom"):
        gradcheck_params(loss, [w, b])
    assert (w.data, b.data) == (0.5, -0.2)


def test_gradcheck_params_duck_typed_model():
    class Affine:
        def __init__(self):
            self.a, self.c = Value(1.2), Value(-0.4)

        def parameters(self):
            return [self.a, self.c]

    m = Affine()
    assert gradcheck_params(lambda: (m.a * 0.7 + m.c).sigmoid(), m)


def test_gradcheck_params_rejects_bad_params():
    x = Value(0.5)
    with pytest.raises(ValueError, match="not a leaf"):
        gradcheck_params(lambda: x * 2.0, [x * 1.0])
    with pytest.raises(ValueError, match="at least one"):
        gradcheck_params(lambda: x * 2.0, [])
    with pytest.raises(TypeError, match="must be a Value"):
        gradcheck_params(lambda: x * 2.0, [0.5])
    with pytest.raises(TypeError, match=r"parameters\(\)"):
        gradcheck_params(lambda: x * 2.0, 0.5)
    with pytest.raises(ValueError, match="twice"):
        gradcheck_params(lambda: x * 2.0, [x, x])


def test_autograd_does_not_import_nn():
    import subprocess
    import sys

    code = "import sys, autograd, autograd.check.gradcheck; print('nn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- messages a user can act on ---------------------------------------------------------------


def test_arguments_are_named_as_the_function_names_them(bad_sin):
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: x * bad_sin(y), 0.5, 1.5)
    message = str(info.value)
    assert "argument 1 (y) = 1.5" in message
    assert "at the point x = 0.5, y = 1.5" in message


def test_varargs_and_lanes_are_named(ops):
    off = ops("double_off_test", lambda x: 2.0 * x, lambda out, x: (2.002,))

    def f(*vs):
        return off(vs[0]) * vs[1].sum()

    result = gradcheck(f, 0.5, np.array([1.0, 2.0]), raise_exception=False)
    assert [e.input for e in result.entries] == ["vs[0]"]
    assert "at the point vs[0] = 0.5, vs[1] = [1.0, 2.0]" in result.message
    assert gradcheck(lambda a, v: a * v.sin(), 0.5, np.array([1.0, 2.0]))


def test_a_probe_outside_the_domain_makes_the_step_smaller():
    assert gradcheck(lambda x: x.sqrt(), 5e-7)
    assert gradcheck(lambda x: x.sqrt(), 1e-12)
    assert gradcheck(lambda x: x.log1p(), -1.0 + 1e-6)


def test_a_domain_error_at_every_step_says_where():
    from autograd import DomainError

    # log1p(1e20·(x − 0.3)) is defined at 0.3 (slope 1e20) and at no float below it
    with pytest.raises(DomainError, match=r"while probing at x − h = 0.299999 \(h = 1e-06\): .* 10⁸ times smaller"):
        gradcheck(lambda x: ((x - 0.3) * 1e20).log1p(), 0.3)


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((0.7,), r"x is a tuple: pass the point's coordinates as separate arguments, gradcheck\(f, \*point\)"),
        ([0.7], r"x is a list: pass"),
        (Value(0.7), r"x is a Value: pass its number \(x.data\)"),
        (np.ones((2, 2)), r"x is a 2-D array of shape \(2, 2\): a 1-D numpy array is one argument holding lanes"),
        ("0.7", "x must be a real number"),
        (True, "x must be a real number"),
    ],
)
def test_points_passed_the_wrong_way_say_how_to_pass_them(point, expected):
    with pytest.raises(TypeError, match=expected):
        gradcheck(lambda x: x * x, point)


def test_an_array_for_several_arguments_says_how_to_pass_them():
    with pytest.raises(TypeError, match=r"takes 2 argument\(s\) \(x, y\) but the point has 1"):
        gradcheck(lambda x, y: x * y, np.array([0.5, 1.0]))


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"eps": 0.0}, ValueError, "eps must be finite and > 0"),
        ({"eps": -1e-6}, ValueError, "eps must be finite and > 0"),
        ({"eps": math.nan}, ValueError, "eps must be finite"),
        ({"eps": 2.0}, ValueError, "eps is a relative step"),
        ({"atol": -1.0}, ValueError, "atol must be finite and >= 0"),
        ({"rtol": -1e-5}, ValueError, "rtol must be finite and >= 0"),
        ({"rtol": math.inf}, ValueError, "rtol must be finite"),
        ({"atol": True}, TypeError, "atol must be a real number"),
        ({"eps": "1e-6"}, TypeError, "eps must be a real number"),
        ({"names": ["a", "b"]}, ValueError, "names must be a list of 1 strings"),
    ],
)
def test_options_are_validated(options, error, match):
    for check in (gradcheck, gradgradcheck):
        with pytest.raises(error, match=match):
            check(lambda x: x * x, 0.5, **options)


def test_no_point_raises_for_both_checks():
    with pytest.raises(ValueError, match="at least one point coordinate"):
        gradcheck(lambda: Value(1.0))
    with pytest.raises(ValueError, match="at least one point coordinate"):
        gradgradcheck(lambda: Value(1.0))


def test_raise_exception_false_returns_a_result(bad_sin):
    good = gradcheck(lambda x: x.sin(), 0.4, raise_exception=False)
    assert isinstance(good, GradcheckResult)
    assert good
    assert good.kind is None
    assert good.entries == []
    bad = gradcheck(bad_sin, 0.4, raise_exception=False)
    assert not bad
    assert bad.kind == "mismatch"
    assert bad.entries[0].input == "args[0]" or bad.entries[0].input.startswith("x")
    assert isinstance(bad.error, GradcheckError)
    assert bad.message == str(bad.error)
    kink = gradgradcheck(lambda x: x.relu() ** 2, 0.0, raise_exception=False)
    assert kink.ok  # relu²'' at 0: 0, between the one-sided 0 and 2


def test_a_sum_in_changing_order_is_not_called_nondeterministic():
    import random

    rng = random.Random(0)  # advances on every call: the terms are added in a new order each time

    def f(x):
        terms = [x * c for c in (0.1, 0.2, 0.3, 0.7, 1.1, 1e-3, 13.0)] + [x * x * 0.3]
        rng.shuffle(terms)
        return sum(terms[1:], terms[0])

    assert len({f(Value(1.0)).data for _ in range(10)}) > 1  # the sums differ in the last bits
    assert gradcheck(f, 1.0)


def test_a_users_error_at_a_probe_keeps_its_type_and_says_where():
    def f(x):
        if x.data < 0.0:
            raise ValueError("x must be >= 0")
        return x * x

    assert gradcheck(f, 5e-7)  # the step is made smaller until f is defined at x − h
    with pytest.raises(ValueError, match=r"x must be >= 0 — while probing at x − h = ") as info:
        gradcheck(f, 0.0)
    assert not isinstance(info.value, GradcheckError)
