"""Higher derivatives: ``grad(..., create_graph=True)`` and the graph of a gradient.

Closed-form second and third derivatives, symmetric mixed partials, gradgradcheck of every
rule; the graph of a gradient grows linearly and records no multiplication by one; a graph
whose ``.data`` changed after it was built is called stale, and only then.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from engine_support import raises_exactly
from hypothesis import given
from rule_table import BUILTIN

from autograd import (
    RULES,
    DomainError,
    Value,
    apply,
    define_op,
    grad,
    gradgradcheck,
    topological_order,
    vsum,
)
from autograd.core.rules import unregister
from autograd.testing import Expression, expressions

# -- stale graphs: backward and create_graph agree or say so ---------------------------------------


def test_backward_and_create_graph_agree_or_say_the_graph_is_stale() -> None:
    """A stale graph: backward gave 4 (stored derivative), grad(create_graph=True) 6, nothing said which."""
    x = Value(2.0)
    y = x * x
    x.data = 3.0
    y.backward()
    assert x.grad == 4.0  # the derivative stored when the graph was built
    assert grad(y, [x]) == [4.0]
    with pytest.raises(ValueError, match=r"node v1 \('mul'\) was built when its inputs held other data"):
        grad(y, [x], create_graph=True)
    y = x * x  # rebuilt: all three agree
    (dx,) = grad(y, [x], create_graph=True)
    assert dx.data == grad(y, [x])[0] == 6.0


def test_a_stale_graph_is_found_even_when_the_value_did_not_change() -> None:
    """x*x with x from 2 to -2: the node's value still follows from its input, its derivative does not."""
    x = Value(2.0)
    y = x * x
    x.data = -2.0
    with pytest.raises(ValueError, match=r"built when its inputs held other data"):
        grad(y, [x], create_graph=True)


def test_a_rule_that_disagrees_with_itself_is_not_called_a_stale_graph() -> None:
    """No .data was assigned: a rule whose Value derivative differs from its float one is the rule's
    bug, for gradgradcheck to report as a mismatch, not a graph built at other data."""
    from autograd import GradcheckError, gradgradcheck

    def local(out: object, x: object) -> tuple[object, ...]:
        return (3.0 * x * x,) if isinstance(x, Value) else (3.0 * x * x * 1.001,)  # type: ignore[operator]

    cube = define_op("cube_twofaced", lambda x: x**3, local)
    try:
        x = Value(1.5)
        (dx,) = grad(cube(x), [x], create_graph=True)  # no ValueError: nothing was assigned
        assert dx.data == pytest.approx(3 * 1.5**2, rel=1e-12)
        with pytest.raises(GradcheckError) as info:
            gradgradcheck(lambda x: cube(x), 1.5)
        assert info.value.kind == "mismatch"
    finally:
        unregister("cube_twofaced")


# -- the graph of a gradient grows linearly --------------------------------------------------------


def _tanh_chain(steps: int) -> tuple[Value, Value]:
    w, y = Value(0.999), Value(0.5)
    for _ in range(steps):
        y = (y * w + 0.001).tanh()
    return y, w


def test_the_gradient_graph_grows_linearly() -> None:
    """Node counts, not times: the derivative of a chain twice as long has a graph twice as large."""
    from autograd import topological_order

    sizes = []
    for steps in (500, 1_000, 2_000):
        y, w = _tanh_chain(steps)
        (dw,) = grad(y, [w], create_graph=True)
        assert dw.data == pytest.approx(grad(y, [w])[0], rel=1e-12)
        sizes.append(len(topological_order(dw)))
    per_step = (sizes[1] - sizes[0]) // 500
    assert sizes[2] - sizes[1] == per_step * 1_000  # exactly linear: the same nodes for every step
    # the chain's own four (mul, add, tanh, the constant 0.001) and three for the gradient:
    # g·w and g·y for the mul, one fused tanh_backward (Rule.vjp); add's derivatives are 1
    assert per_step == 7


def test_many_contributions_are_summed_by_one_node() -> None:
    """A leaf used 3,000 times gets one n-ary sum, not a chain of 2,999 additions."""
    w = Value(0.5)
    y = vsum([(w * float(k)).tanh() for k in range(3_000)])
    (dw,) = grad(y, [w], create_graph=True)
    assert dw.op == "sum"
    assert len(dw.parents) == 3_000
    (d2w,) = grad(dw, [w])
    assert d2w == pytest.approx(
        sum(-2 * k * k * math.tanh(0.5 * k) * (1 - math.tanh(0.5 * k) ** 2) for k in range(3_000))
    )


# -- the graph of a gradient -----------------------------------------------------------------------


def test_the_graph_of_a_gradient_records_no_multiplication_by_one() -> None:
    x, y = Value(2.0), Value(3.0)
    dx, dy = grad(x + y, [x, y], create_graph=True)
    assert dx.is_leaf
    assert dy.is_leaf
    assert (dx.data, dy.data) == (1.0, 1.0)
    (d,) = grad(x * y + x, [x], create_graph=True)
    assert d.data == 4.0
    assert len(topological_order(d)) == 4  # y, 1 (the seed), y·1, and their sum


@pytest.mark.parametrize("name", BUILTIN)
def test_gradgradcheck_of_every_rule_at_a_fixed_point(name: str) -> None:
    """create_graph re-evaluates each rule's derivatives on Values: checked for every rule (fast and
    deterministic, beside the hypothesis sweeps of test_paths.py)."""
    rule = RULES[name]
    n = len(rule.sample) if rule.arity == -1 else rule.arity
    intervals = [rule.sample[min(i, len(rule.sample) - 1)] for i in range(n)]
    xs = [lo + (0.63 + 0.07 * i) * (hi - lo) for i, (lo, hi) in enumerate(intervals)]
    param = rule.param_sample[0] if rule.has_param else None
    assert gradgradcheck(lambda *vs: apply(name, *vs, param=param), *xs, atol=1e-6, rtol=1e-5)


def test_the_gradient_of_rpow_through_create_graph() -> None:
    x = Value(1.5)
    (d,) = grad(2.0**x, [x], create_graph=True)
    assert d.data == pytest.approx(2.0**1.5 * math.log(2.0), rel=1e-15)
    (dd,) = grad(d, [x])
    assert dd == pytest.approx(2.0**1.5 * math.log(2.0) ** 2, rel=1e-15)


# -- stale graphs: a .data assigned after the graph was built --------------------------------------


def test_a_stale_relu_is_named() -> None:
    x = Value(1.0)
    y = x.relu()
    x.data = -1.0
    raises_exactly(
        ValueError,
        "grad(create_graph=True): node v1 ('relu') was built when its inputs held other data (local derivative 0: "
        "1.0 then, 0.0 now): a .data was assigned after the graph was built. backward() and grad() use the "
        "derivatives stored at build time; build the graph again to differentiate at the new data",
        lambda: grad(y, [x], create_graph=True),
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [([1.0, 2.0], [1.000001, 2.0]), ([1e-10, 2.0], [1.5e-10, 2.0])],
    ids=["relative change 1e-6", "tiny numbers"],
)
def test_a_stale_graph_on_lanes_is_found_however_small_the_change(before: list[float], after: list[float]) -> None:
    x = Value(np.array(before))
    y = (x * x).sum()
    x.data = np.array(after)
    with pytest.raises(ValueError, match=r"node v\d \('mul'\) was built when its inputs held other data"):
        grad(y, [x], create_graph=True)


@pytest.mark.parametrize("x0", [2.0, 1e6])
def test_a_change_at_rounding_level_is_not_called_stale(x0: float) -> None:
    x = Value(x0)
    y = x * x
    x.data = math.nextafter(x0, math.inf)
    (d,) = grad(y, [x], create_graph=True)
    assert d.data == pytest.approx(2 * x0, rel=1e-15)


def test_a_rule_with_a_param_that_disagrees_with_itself_is_not_called_stale(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    def local(out: Any, x: Any, s: float) -> tuple[Any, ...]:
        return (s * out,) if isinstance(x, Value) else (s * out * 1.001,)

    scaled_exp = user_op(
        "scaled_exp_twofaced", lambda x, s: math.exp(s * x), local, has_param=True, param_sample=(2.0,)
    )
    x = Value(0.5)
    (dx,) = grad(scaled_exp(x, param=2.0), [x], create_graph=True)  # no ValueError: nothing was assigned
    assert dx.data == pytest.approx(2.0 * math.e, rel=1e-12)


def test_a_stale_graph_is_refused_when_its_rule_cannot_be_evaluated_at_the_new_data(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    """A user rule whose ``local`` raises at the new data (on numbers; its Value form does not):
    still a stale graph, not a rule that disagrees with itself."""

    def local(out: Any, x: Any) -> tuple[Any, ...]:
        if x == 0.0:  # a Value is never == 0.0 (identity), so only the numbers raise
            raise ValueError("square_at_zero: undefined at 0")
        return (2.0 * x,)

    square = user_op("square_at_zero", lambda x: x * x, local)
    x = Value(1.0)
    y = square(x)
    x.data = 0.0
    raises_exactly(
        ValueError,
        "grad(create_graph=True): node v1 ('square_at_zero') was built when its inputs held other data "
        "(local derivative 0: 2.0 then, 0.0 now): a .data was assigned after the graph was built. backward() "
        "and grad() use the derivatives stored at build time; build the graph again to differentiate at the new data",
        lambda: grad(y, [x], create_graph=True),
    )


def test_a_user_op_of_three_inputs_with_an_undefined_derivative_inside_a_gradient_graph(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    """``f(x, y, z) = 2/3·x**1.5 + x·y·z`` whose ∂f/∂x is the user op ``root_plus(x, y, z) = √x + y·z``:
    at x = 0 the first derivative is finite (6); root_plus's own derivative 1/(2√x) is not, so only
    the second derivative raises, naming the node (as for the built-in ``x ** 1.5``)."""
    root_plus = user_op(
        "root_plus", lambda x, y, z: math.sqrt(x) + y * z, lambda out, x, y, z: (0.5 / math.sqrt(x), z, y), arity=3
    )

    def d_dx(x: Any, y: Any, z: Any) -> Any:  # the user op on Values (a gradient's graph), its formula on numbers
        return root_plus(x, y, z) if isinstance(x, Value) else math.sqrt(x) + y * z

    f = user_op(
        "cube_root_mix",
        lambda x, y, z: 2 / 3 * x**1.5 + x * y * z,
        lambda out, x, y, z: (d_dx(x, y, z), x * z, x * y),
        arity=3,
    )
    x, y, z = Value(0.0), Value(2.0), Value(3.0)
    (dx,) = grad(f(x, y, z), [x], create_graph=True)
    assert dx.data == 6.0
    with pytest.raises(DomainError, match=r"the local derivative of v\d+ \('root_plus'\) is infinite or undefined"):
        grad(dx, [x])
    x = Value(4.0)
    (dx,) = grad(f(x, y, z), [x], create_graph=True)
    assert (dx.data, grad(dx, [x])) == (8.0, [0.25])


def test_a_user_op_with_an_undefined_derivative_inside_a_gradient_graph_on_lanes_as_on_scalars(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    """``f(x) = 2/3·x**1.5`` whose ∂f/∂x is the user op ``root(x) = √x``, whose own ``local`` refuses
    x = 0 (it raises there, on a number or on lanes that hold a 0): at a lane x = 0 the first
    derivative is 0; the second, through root's derivative, raises naming it — as on scalars."""

    def root_local(out: Any, x: Any) -> tuple[Any]:
        if np.any(np.asarray(x) == 0.0):
            raise ZeroDivisionError("1/(2·sqrt(x)) at x = 0")
        return (0.5 / np.sqrt(x),)

    root = user_op("root", lambda x: np.sqrt(x), root_local)

    def d_dx(x: Any) -> Any:  # the user op on Values (a gradient's graph), its formula on numbers
        return root(x) if isinstance(x, Value) else np.sqrt(x)

    f = user_op("two_thirds_x_to_the_1_5", lambda x: 2 / 3 * x**1.5, lambda out, x: (d_dx(x),))
    undefined = r"the local derivative of v\d+ \('root'\) is infinite or undefined at its data"
    for x in (Value(0.0), Value(np.array([4.0, 0.0]))):
        (dx,) = grad(f(x).sum(), [x], create_graph=True)
        assert np.atleast_1d(dx.data).tolist() == ([0.0] if x.lanes is None else [2.0, 0.0])
        with pytest.raises(DomainError, match=undefined):
            grad(dx.sum(), [x])
    x = Value(np.array([4.0, 1.0]))
    (dx,) = grad(f(x).sum(), [x], create_graph=True)
    assert (dx.data.tolist(), grad(dx.sum(), [x])[0].tolist()) == ([2.0, 1.0], [0.25, 0.5])
    with pytest.raises(DomainError, match=r"^root\(array\(\[4\., 0\.\]\)\) is undefined: 1/\(2·sqrt\(x\)\) at x = 0$"):
        root(Value(np.array([4.0, 0.0])))  # outside a gradient's graph: raised when recorded


def test_a_constant_local_derivative_other_than_0_and_1_multiplies_the_gradient_in_a_gradient_graph() -> None:
    """``-``'s local derivatives are the numbers 1 and -1 and ``neg``'s is -1: only 0 and 1 are
    shortcuts (nothing, and ``g`` itself); -1 is recorded as ``-1 × g``."""
    x, y = Value(2.0), Value(3.0)
    d_x, d_y = grad(x - y, [x, y], create_graph=True)
    assert (d_x.data, d_y.data) == (1.0, -1.0)
    (d_neg,) = grad(-x, [x], create_graph=True)
    assert d_neg.data == -1.0
    (d_y,) = grad((x - y) * x, [y], create_graph=True)  # -x
    assert (d_y.data, grad(d_y, [x])) == (-2.0, [-1.0])


# -- higher derivatives ----------------------------------------------------------------------------


def _second(f, x0):
    x = Value(x0)
    (dx,) = grad(f(x), [x], create_graph=True)
    (d2,) = grad(dx, [x])
    return dx.data, d2


def _s(t):
    return 1 / (1 + math.exp(-t))


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
