"""The engine: graph structure, backward, accumulation, grad, higher order, no_grad, bad input."""

import math
import sys
import threading

import numpy as np
import pytest
from hypothesis import given

from autograd import (
    RULES,
    DomainError,
    Value,
    backward,
    define_op,
    dot,
    grad,
    gradcheck,
    is_grad_enabled,
    no_grad,
    topological_order,
    vsum,
    zero_grad,
)
from autograd.core.rules import exp as rules_exp
from autograd.core.rules import unregister
from autograd.examples import single_neuron
from autograd.testing import Expression, expressions

# -- structure ---------------------------------------------------------------------------


def test_a_plus_a_keeps_both_edges_and_gradient_two():
    a = Value(3.0)
    b = a + a
    assert b.parents == (a, a)
    b.backward()
    assert a.grad == 2.0


def test_a_times_a():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_diamond_sums_gradients():
    x = Value(0.7)
    u, v = x.sin(), x * 3.0
    y = u * v
    y.backward()
    expected = math.cos(0.7) * 3 * 0.7 + math.sin(0.7) * 3
    assert x.grad == pytest.approx(expected, rel=1e-14)
    assert gradcheck(lambda t: t.sin() * (t * 3.0), 0.7)


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


def test_topological_order_parents_first_each_once():
    x = Value(1.0)
    y = x * x + x
    order = topological_order(y)
    assert order[-1] is y
    assert len({id(n) for n in order}) == len(order)
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for p in node.parents:
            assert position[id(p)] < position[id(node)]


def test_million_deep_chain_at_default_recursion_limit():
    limit = sys.getrecursionlimit()
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.data == 1_000_000.5
    assert sys.getrecursionlimit() == limit
    # grad() takes the same path through the graph
    assert grad(y, [x]) == [1.0]


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


def test_vsum_is_one_node():
    xs = [Value(float(i)) for i in range(100)]
    s = vsum(xs)
    assert s.op == "sum"
    assert len(topological_order(s)) == 101
    s.backward()
    assert all(x.grad == 1.0 for x in xs)
    assert vsum([]).data == 0.0


def test_dot_gradients():
    w = [Value(0.5), Value(0.2)]
    x = [Value(0.1), Value(0.3)]
    b = Value(1.83)
    s = dot(w, x, b)
    assert s.op == "dot"
    assert s.parents == (w[0], x[0], w[1], x[1], b)
    gw0, gx0, gw1, gx1, gb = grad(s, [w[0], x[0], w[1], x[1], b])
    assert (gw0, gx0, gw1, gx1, gb) == (0.1, 0.5, 0.3, 0.2, 1.0)
    with pytest.raises(ValueError, match="as many weights as inputs"):
        dot(w, [1.0])


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


# -- accumulation ---------------------------------------------------------------------------


def test_leaves_accumulate_across_backward_calls_intermediates_do_not():
    x = Value(2.0)
    h = x * 3.0
    y = h * h
    y.backward()
    assert x.grad == 36.0
    assert h.grad == 12.0
    y.backward()
    assert x.grad == 72.0  # leaf: accumulated, like PyTorch
    assert h.grad == 12.0  # intermediate: this call's gradient
    zero_grad([x])
    y.backward()
    assert x.grad == 36.0


def test_backward_with_upstream_gradient():
    x = Value(2.0)
    y = x * x
    backward(y, 0.5)
    assert x.grad == 2.0
    with pytest.raises(TypeError, match="upstream gradient"):
        y.backward("1")  # type: ignore[arg-type]


def test_grad_does_not_touch_grad_fields():
    x = Value(2.0)
    y = x * x
    assert grad(y, [x]) == [4.0]
    assert x.grad == 0.0
    assert y.grad == 0.0


def test_grad_of_unrelated_input_is_zero():
    x, z = Value(2.0), Value(5.0)
    assert grad(x * x, [x, z]) == [4.0, 0.0]
    g = grad(x * x, [z], create_graph=True)[0]
    assert isinstance(g, Value)
    assert g.data == 0.0


def test_grad_rejects_bad_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match="output must be a Value"):
        grad(1.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list or tuple"):
        grad(x, x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[1\]"):
        grad(x, [x, 2.0])  # type: ignore[list-item]


# -- higher order ---------------------------------------------------------------------------


def _second(f, x0):
    x = Value(x0)
    (dx,) = grad(f(x), [x], create_graph=True)
    (d2,) = grad(dx, [x])
    return dx.data, d2


@pytest.mark.parametrize(
    ("f", "d1", "d2"),
    [
        (lambda x: x**3, lambda t: 3 * t**2, lambda t: 6 * t),
        (lambda x: x.sin(), math.cos, lambda t: -math.sin(t)),
        (lambda x: x.tanh(), lambda t: 1 - math.tanh(t) ** 2, lambda t: -2 * math.tanh(t) * (1 - math.tanh(t) ** 2)),
        (lambda x: x.exp(), math.exp, math.exp),
        (lambda x: x.sigmoid(), lambda t: _s(t) * (1 - _s(t)), lambda t: _s(t) * (1 - _s(t)) * (1 - 2 * _s(t))),
        (lambda x: x.log(), lambda t: 1 / t, lambda t: -1 / t**2),
    ],
    ids=["cube", "sin", "tanh", "exp", "sigmoid", "log"],
)
@pytest.mark.parametrize("x0", [0.3, 1.7])
def test_second_derivatives_closed_form(f, d1, d2, x0):
    got1, got2 = _second(f, x0)
    assert got1 == pytest.approx(d1(x0), rel=1e-12)
    assert got2 == pytest.approx(d2(x0), rel=1e-12)


def _s(t):
    return 1 / (1 + math.exp(-t))


def test_mixed_partials_of_exp_xy():
    x, y = Value(0.4), Value(-0.7)
    f = (x * y).exp()
    gx, gy = grad(f, [x, y], create_graph=True)
    gxx, gxy = grad(gx, [x, y])
    gyx, gyy = grad(gy, [x, y])
    e = math.exp(0.4 * -0.7)
    assert gxx == pytest.approx(0.49 * e, rel=1e-12)
    assert gyy == pytest.approx(0.16 * e, rel=1e-12)
    assert gxy == pytest.approx((1 + 0.4 * -0.7) * e, rel=1e-12)
    assert gxy == pytest.approx(gyx, rel=1e-14)


@given(expressions(n_inputs=(2, 3)))
def test_mixed_partials_are_symmetric(expr: Expression):
    xs = [Value(v) for v in expr.inputs]
    g = grad(expr(*xs), xs, create_graph=True)
    hessian = [[grad(gi, xs)[j] if isinstance(gi, Value) else 0.0 for j in range(len(xs))] for gi in g]
    for i in range(len(xs)):
        for j in range(i):
            assert hessian[i][j] == pytest.approx(hessian[j][i], rel=1e-9, abs=1e-12)


def test_third_derivative():
    x = Value(0.5)
    (d1,) = grad(x**4, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert d3 == pytest.approx(24 * 0.5)


# -- property tests over random graphs ----------------------------------------------------


@given(expressions())
def test_random_graphs_pass_gradcheck(expr: Expression):
    assert gradcheck(expr, *expr.inputs, atol=1e-8, rtol=1e-6)


@given(expressions())
def test_backward_and_grad_agree(expr: Expression):
    xs = [Value(v) for v in expr.inputs]
    out = expr(*xs)
    expected = grad(out, xs)
    out.backward()
    # an input used several times still has one .grad holding the sum
    assert [x.grad for x in xs] == pytest.approx(expected, rel=1e-15, abs=0)


# -- no_grad and detach ------------------------------------------------------------------------


def test_no_grad_records_nothing():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * x).exp()
    assert is_grad_enabled()
    assert y.parents == ()
    assert y.op == ""
    assert y.is_leaf
    assert y.data == pytest.approx(math.exp(4.0))


def test_no_grad_is_per_thread():
    seen: dict[str, bool] = {}
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with no_grad():
            inside.set()
            release.wait(5)
            seen["worker"] = is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main"] = is_grad_enabled()
    y = Value(1.0) * 2.0
    release.set()
    t.join()
    assert seen == {"worker": False, "main": True}
    assert y.parents != ()


def test_detach_cuts_the_graph():
    x = Value(3.0, "x")
    y = (x * x).detach()
    assert y.is_leaf
    assert y.data == 9.0
    z = y * x
    z.backward()
    assert x.grad == 9.0


# -- bad input ------------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Value(-1.0).log(), r"log\(-1\.0\)"),
        (lambda: Value(0.0).log(), r"log\(0\.0\)"),
        (lambda: Value(-2.0).sqrt(), r"sqrt\(-2\.0\)"),
        (lambda: Value(1.0) / 0, r"1\.0 / 0\.0"),
        (lambda: 1 / Value(0.0), r"1\.0 / 0\.0"),
        (lambda: Value(-8.0) ** 0.5, r"\(-8\.0\) \*\* 0\.5"),
        (lambda: Value(0.0) ** -1, r"0\.0 \*\* -1\.0"),
        (lambda: Value(1000.0).exp(), r"exp\(1000\.0\).*overflows"),
        (lambda: Value(1e200) * 1e200, r"overflows"),
        (lambda: Value(-2.0) ** Value(0.5), r"\(-2\.0\) \*\* \(0\.5\)|\(-2\.0\) \*\* 0\.5"),
        (lambda: (-2.0) ** Value(2.0), r"\(-2\.0\) \*\* 2\.0"),
    ],
)
def test_domain_errors_name_op_and_value(make, message):
    with pytest.raises(DomainError, match=message):
        make()


def test_domain_error_leaves_graph_untouched():
    x = Value(-1.0)
    y = x * 2.0
    with pytest.raises(DomainError):
        y.log()
    # nothing half-built: y is still the root of a clean two-leaf graph
    assert len(topological_order(y)) == 3
    y.backward()
    assert x.grad == 2.0


def test_sigmoid_has_no_overflow_at_extremes():
    for x in (-1000.0, 1000.0):
        y = Value(x).sigmoid()
        y.backward()
        assert math.isfinite(y.data)


# -- the seed's worked example ------------------------------------------------------------------


def test_seed_000_single_neuron_to_nine_digits():
    r = single_neuron()
    assert round(r.s, 9) == 1.94
    assert round(r.predicted, 9) == 0.874352143
    assert round(r.error, 9) == 0.356465271
    assert round(r.de_dpredicted, 9) == 0.844352143
    assert round(r.dpredicted_ds, 9) == 0.109860473
    assert round(r.de_dw1, 9) == 0.009276093
    assert round(r.de_dw2, 9) == 0.027828278
    assert round(r.w1_new, 11) == 0.49990723907
    assert round(r.w2_new, 10) == 0.1997217172
    # the article's second forward pass, with its perceptron-rule bias and rounded weights
    assert r.article_b_new == 1.821556479
    assert r.article_error_new == pytest.approx(0.35567134660719907, rel=1e-15)
    # the correct gradient-descent step also moves the bias (∂s/∂b = 1, not 0)
    assert r.ds_db == 1.0
    assert round(r.de_db, 9) == 0.092760926
    assert r.error_new < r.error


# -- a Value never silently becomes a number -----------------------------------------------------


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


# -- user-defined ops: what define_op accepts and how it says what is wrong ----------------------


@pytest.fixture
def user_ops():
    made: list[str] = []

    def make(name, forward, local, **kwargs):
        made.append(name)
        return define_op(name, forward, local, **kwargs)

    yield make
    for name in made:
        if name in RULES:
            unregister(name)


def test_a_numpy_forward_works_on_floats_and_lanes(user_ops):
    softplus = user_ops("np_softplus", lambda x: np.log1p(np.exp(x)), lambda out, x: (1.0 / (1.0 + rules_exp(-x)),))
    x = Value(0.0)
    y = softplus(x)
    y.backward()
    assert type(y.data) is float
    assert y.data == math.log(2.0)
    assert x.grad == 0.5
    assert gradcheck(softplus, 0.7)
    lanes = softplus(Value(np.array([0.0, 1.0])))
    assert lanes.data == pytest.approx([math.log(2.0), math.log1p(math.e)], rel=1e-15)


def test_a_math_forward_on_lanes_names_the_op_and_the_way_out(user_ops):
    op = user_ops("math_softplus", lambda x: math.log1p(math.exp(x)), lambda out, x: (1.0 / (1.0 + rules_exp(-x)),))
    with pytest.raises(TypeError, match=r"op 'math_softplus' on lanes: .*lanes=\.\.\."):
        op(Value(np.array([0.0, 1.0])))
    both = user_ops(
        "math_softplus_lanes",
        lambda x: math.log1p(math.exp(x)),
        lambda out, x: (1.0 / (1.0 + rules_exp(-x)),),
        lanes=lambda x: np.log1p(np.exp(x)),
    )
    assert both(Value(np.array([0.0, 1.0]))).data == pytest.approx([both(Value(v)).data for v in (0.0, 1.0)])


@pytest.mark.parametrize(
    ("forward", "local", "error", "message"),
    [
        (lambda x: math.nan, lambda out, x: (1.0,), DomainError, r"bad_op\(1\.0\) is undefined \(value nan\)"),
        (lambda x: math.inf, lambda out, x: (1.0,), DomainError, r"bad_op\(1\.0\) overflows float64 \(value inf\)"),
        (lambda x: x, lambda out, x: (math.nan,), DomainError, r"is undefined \(local derivative 0 nan\)"),
        (lambda x: "1.0", lambda out, x: (1.0,), TypeError, r"its value must be a float, got str"),
        (lambda x: x, lambda out, x: (1.0, 2.0), TypeError, r"local returned 2 derivative\(s\) for 1 input\(s\)"),
        (lambda x: x, lambda out, x: 1.0, TypeError, r"local must return a tuple .* got float"),
    ],
    ids=["nan value", "inf value", "nan derivative", "not a number", "too many derivatives", "not a tuple"],
)
def test_a_broken_user_op_says_what_is_wrong(user_ops, forward, local, error, message):
    op = user_ops("bad_op", forward, local)
    with pytest.raises(error, match=message):
        op(Value(1.0))


def test_redefining_an_op_needs_replace_and_never_touches_built_ins(user_ops):
    user_ops("twice", lambda x: 2.0 * x, lambda out, x: (2.0,))
    with pytest.raises(ValueError, match=r"'twice' is already registered \(define_op\(\.\.\., replace=True\)"):
        define_op("twice", lambda x: 3.0 * x, lambda out, x: (3.0,))
    thrice = user_ops("twice", lambda x: 3.0 * x, lambda out, x: (3.0,), replace=True)
    assert thrice(Value(1.0)).data == 3.0
    with pytest.raises(ValueError, match=r"'tanh' is already registered \(a built-in op\)"):
        define_op("tanh", lambda x: x, lambda out, x: (1.0,), replace=True)
    assert RULES["tanh"].forward is math.tanh
