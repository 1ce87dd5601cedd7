"""Tests written to kill the mutants ``make mutate`` found alive on the derivative paths.

Each test states a behaviour through the public path (operators, methods, ``apply``,
``define_op``, ``vsum``, ``dot``, ``backward``, ``grad``) that a surviving mutant of
``autograd/`` broke without any other fast test noticing. The mutants that no test can
kill (equivalent ones, import-time code, rewordings of messages) are listed with the reason
in ``tests/mutmut_survivors.md``.
"""

from __future__ import annotations

import math
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from rule_table import BUILTIN

from autograd import (
    RULES,
    DomainError,
    Value,
    apply,
    backward,
    define_op,
    dot,
    grad,
    gradcheck,
    gradgradcheck,
    no_grad,
    topological_order,
    vsum,
    zero_grad,
)
from autograd.core.rules import ones_like, unregister


@pytest.fixture
def user_op() -> Iterator[Callable[..., Callable[..., Value]]]:
    """``define_op`` for the duration of one test (called inside the test, so a mutant of
    ``define_op`` or ``register`` is run by the very test that checks it)."""
    made: list[str] = []

    def make(name: str, forward: Any, local: Any, **kwargs: Any) -> Callable[..., Value]:
        made.append(name)
        return define_op(name, forward, local, **kwargs)

    yield make
    for name in made:
        if name in RULES:
            unregister(name)


def _raises_exactly(error: type[BaseException], message: str, make: Callable[[], object]) -> None:
    with pytest.raises(error) as info:
        make()
    assert str(info.value) == message


# -- recording after a block was left out of order ------------------------------------------------


def _suspended_inside_no_grad() -> Iterator[int]:
    with no_grad():
        yield 1


def _left_out_of_order() -> None:
    """A generator suspended inside ``no_grad`` and closed by another thread: its block, marked
    left, stays on top of this thread's stack until the next op looks below it."""
    gen = _suspended_inside_no_grad()
    next(gen)
    closer = threading.Thread(target=gen.close)
    closer.start()
    closer.join(timeout=60)


def test_every_recorder_records_after_a_block_was_closed_by_another_thread() -> None:
    """Every way of making a node must look below a left block (recording is on there) rather
    than take it for "off"."""
    a, b, c = Value(2.0), Value(3.0), Value(4.0)
    lanes = Value(np.array([1.0, 2.0]))
    made = {
        "one input": lambda: a.exp(),
        "two inputs": lambda: a * b,
        "n inputs": lambda: vsum([a, b, c]),
        "lanes": lambda: lanes * a,
        "lanes, n inputs": lambda: vsum([lanes, a, b]),
    }
    for what, make in made.items():
        _left_out_of_order()
        node = make()
        assert not node.is_leaf, what
        assert len(node.local_grads) == len(node.parents), what


# -- no_grad: every recorder makes a leaf --------------------------------------------------------


def test_no_grad_makes_a_leaf_on_every_path(user_op: Callable[..., Callable[..., Value]]) -> None:
    norm3 = user_op(
        "norm3_nograd",
        lambda x, y, z: math.sqrt(x * x + y * y + z * z),
        lambda out, x, y, z: (x / out, y / out, z / out),
        arity=3,
    )
    a, b, c = Value(2.0), Value(3.0), Value(6.0)
    with no_grad():
        made = {
            "binary": a * b,
            "unary": a.tanh(),
            "vsum": vsum([a, b, c]),
            "dot": dot([a, b], [c, a]),
            "user n-ary": norm3(a, b, c),
            "user n-ary at its kink": norm3(0.0, 0.0, 0.0),  # value 0 is defined; its derivative is not
            "lanes": Value(np.array([1.0, 2.0])) * a,
            "lanes sqrt at 0": Value(np.array([0.0, 4.0])).sqrt(),
        }
    for what, node in made.items():
        assert (node.op, node.parents, node.local_grads, node.is_leaf) == ("", (), (), True), what
        assert (node.grad, node.label, node.param) == (0.0, "", None), what
    assert made["user n-ary"].data == 7.0
    assert made["user n-ary at its kink"].data == 0.0
    assert list(made["lanes sqrt at 0"].data) == [0.0, 2.0]
    node = made["vsum"]
    node.backward()  # a leaf: its own gradient only
    assert (node.grad, a.grad, b.grad) == (1.0, 0.0, 0.0)


# -- user ops of two or more inputs, with and without a parameter ----------------------------------


def test_a_two_input_user_op_with_a_param(user_op: Callable[..., Callable[..., Value]]) -> None:
    blend = user_op(
        "blend2",
        lambda x, y, t: (1.0 - t) * x + t * y,
        lambda out, x, y, t: (1.0 - t, t),
        arity=2,
        has_param=True,
        param_sample=(0.25,),
    )
    x, y = Value(2.0), Value(6.0)
    z = blend(x, y, param=0.25)
    assert (z.data, z.local_grads, z.param, z.op) == (3.0, (0.75, 0.25), 0.25, "blend2")
    z.backward()
    assert (x.grad, y.grad) == (0.75, 0.25)
    assert apply("blend2", x, y, param=0.75).data == 5.0
    assert gradcheck(lambda a, b: blend(a, b, param=0.3), 1.5, -0.5)


def _norm3(user_op: Callable[..., Callable[..., Value]], name: str) -> Callable[..., Value]:
    """sqrt(x² + y² + z²)·s: three inputs and a parameter; its derivatives use ``out``."""
    return user_op(
        name,
        lambda x, y, z, s: s * math.sqrt(x * x + y * y + z * z),
        lambda out, x, y, z, s: (s * s * x / out, s * s * y / out, s * s * z / out),
        arity=3,
        has_param=True,
        param_sample=(2.0,),
        lanes=lambda x, y, z, s: s * np.sqrt(x * x + y * y + z * z),
    )


def test_a_three_input_user_op_with_a_param_on_scalars_and_lanes(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    norm = _norm3(user_op, "scaled_norm3")
    x, y, z = Value(2.0), Value(3.0), Value(6.0)
    out = norm(x, y, z, param=2.0)
    assert (out.data, out.param, out.op) == (14.0, 2.0, "scaled_norm3")
    assert out.local_grads == pytest.approx((4 * 2 / 14, 4 * 3 / 14, 4 * 6 / 14), rel=1e-15)
    assert all(type(d) is float for d in out.local_grads)
    assert gradcheck(lambda a, b, c: norm(a, b, c, param=0.5), 1.0, -2.0, 0.5)
    assert gradgradcheck(lambda a, b, c: norm(a, b, c, param=0.5), 1.0, -2.0, 0.5)
    lanes = norm(Value(np.array([2.0, 1.0])), y, z, param=2.0)
    assert lanes.param == 2.0
    assert list(lanes.data) == pytest.approx([14.0, 2 * math.sqrt(46.0)], rel=1e-15)
    assert list(lanes.local_grads[0]) == pytest.approx([4 * 2 / 14, 4 * 1 / (2 * math.sqrt(46.0))], rel=1e-15)


def test_user_ops_numbers_become_floats_on_every_path(user_op: Callable[..., Callable[..., Value]]) -> None:
    """numpy scalars (and a list) from a user op's forward and local are stored as floats."""
    two = user_op(
        "np_mul2",
        lambda x, y: np.float64(x * y),
        lambda out, x, y: [np.float64(y), np.float64(x)],
        arity=2,
    )
    three = user_op(
        "np_sum3",
        lambda x, y, z: np.float64(x + y + z),
        lambda out, x, y, z: [np.float64(1.0), np.float64(2.0), np.float64(3.0)],
        arity=3,
    )
    two_tuple = user_op(
        "np_mul2_tuple",
        lambda x, y: x * y,
        lambda out, x, y: (np.float64(y), np.float64(x)),
        arity=2,
    )
    # a numpy value with plain float derivatives: only the value needs converting (n-ary path too)
    three_value_only = user_op(
        "np_sum3_value_only",
        lambda x, y, z: np.float64(x + y + z),
        lambda out, x, y, z: (1.0, 2.0, 3.0),
        arity=3,
    )
    made = [
        (two(Value(2.0), Value(3.0)), (3.0, 2.0)),
        (two_tuple(Value(2.0), Value(3.0)), (3.0, 2.0)),
        (three(1.0, 2.0, 3.0), (1.0, 2.0, 3.0)),
        (three_value_only(1.0, 2.0, 3.0), (1.0, 2.0, 3.0)),
    ]
    for node, want in made:
        assert type(node.data) is float
        assert node.local_grads == want
        assert all(type(d) is float for d in node.local_grads)


def test_an_n_ary_user_op_is_checked_like_any_other(user_op: Callable[..., Callable[..., Value]]) -> None:
    nan_value = user_op("nan_value3", lambda x, y, z: math.nan, lambda out, x, y, z: (1.0, 1.0, 1.0), arity=3)
    _raises_exactly(DomainError, "nan_value3(1.0, 2.0, 3.0) is undefined (value nan)", lambda: nan_value(1.0, 2.0, 3.0))
    nan_local = user_op("nan_local3", lambda x, y, z: x, lambda out, x, y, z: (1.0, math.nan, 1.0), arity=3)
    _raises_exactly(
        DomainError,
        "nan_local3(1.0, 2.0, 3.0) is undefined (local derivative 1 nan)",
        lambda: nan_local(1.0, 2.0, 3.0),
    )
    norm = _norm3(user_op, "norm3_at_0")
    _raises_exactly(
        DomainError,
        "norm3_at_0(0.0, 0.0, 0.0, 2.0) is undefined: float division by zero",
        lambda: norm(0, 0, 0, param=2.0),
    )
    inf_param = user_op(
        "inf_param", lambda x, s: math.inf, lambda out, x, s: (1.0,), has_param=True, param_sample=(1.0,)
    )
    _raises_exactly(DomainError, "inf_param(1.0, 2.0) overflows float64 (value inf)", lambda: inf_param(1.0, param=2.0))
    inf3 = user_op(
        "inf3", lambda x, y, z, s: math.inf, lambda out, x, y, z, s: (1.0, 1.0, 1.0), arity=3, has_param=True
    )
    _raises_exactly(
        DomainError, "inf3(1.0, 2.0, 3.0, 2.0) overflows float64 (value inf)", lambda: inf3(1.0, 2.0, 3.0, param=2.0)
    )
    bare = user_op("bare_error", lambda x: (_ for _ in ()).throw(ValueError()), lambda out, x: (1.0,))
    _raises_exactly(DomainError, "bare_error(1.0) is undefined: ValueError", lambda: bare(1.0))


def test_n_ary_domain_errors_name_the_arguments() -> None:
    big = 1.7e308
    _raises_exactly(
        DomainError,
        "sum(1.7e+308, 1.7e+308, 1.0) is undefined: intermediate overflow in fsum",
        lambda: vsum([Value(big), Value(big), Value(1.0)]),
    )
    _raises_exactly(
        DomainError,
        "sum(1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308) is undefined: intermediate overflow in fsum",
        lambda: vsum([Value(big)] * 6),
    )
    _raises_exactly(
        DomainError,
        "sum(1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, … 7 arguments in all) "
        "is undefined: intermediate overflow in fsum",
        lambda: vsum([Value(big)] * 7),
    )
    _raises_exactly(
        DomainError,
        "dot(1e+200, 1e+200, 1.0, 2.0) overflows float64 (value inf)",
        lambda: dot([Value(1e200), Value(1.0)], [Value(1e200), Value(2.0)]),
    )


# -- domains: the exact boundaries and the messages ----------------------------------------------


def test_the_domain_boundaries_themselves() -> None:
    largest = math.log(sys.float_info.max)  # exp is finite exactly up to here
    assert Value(largest).exp().data == math.exp(largest)
    assert (Value(3.0) / Value(1.0)).local_grads == (1.0, -3.0)
    assert (Value(1.0) ** 0.5).local_grads == (0.5,)
    assert (Value(0.0) ** 1.0).local_grads == (1.0,)
    one = Value(1.0) ** Value(-1.0)
    assert (one.data, one.local_grads) == (1.0, (-1.0, 0.0))
    zero_zero = Value(0.0) ** Value(0.0)  # 1, gradient 0 for both (as PyTorch)
    assert (zero_zero.data, zero_zero.local_grads) == (1.0, (0.0, 0.0))
    const = 0.0 ** Value(0.0)
    assert (const.data, const.local_grads) == (1.0, (0.0,))
    b = Value(0.0)
    assert (Value(2.0) ** b).local_grads == (0.0, math.log(2.0))
    assert abs(Value(-2.5)).local_grads == (-1.0,)
    assert abs(Value(2.5)).local_grads == (1.0,)
    assert Value(-1.0).leaky_relu().local_grads == (0.01,)
    assert Value(-2.0).leaky_relu().data == -0.02


DOMAIN_MESSAGES: list[tuple[Callable[[], object], str]] = [
    (lambda: Value(1.0) / Value(0.0), "1.0 / 0.0 is undefined: division by zero"),
    (lambda: Value(0.0).log(), "log(0.0) is undefined: needs x > 0"),
    (lambda: Value(-1.0).log(), "log(-1.0) is undefined: needs x > 0"),
    (lambda: Value(-1.0).log1p(), "log1p(-1.0) is undefined: needs x > -1"),
    (lambda: Value(-1.5).log1p(), "log1p(-1.5) is undefined: needs x > -1"),
    (lambda: Value(-2.0) ** 0.5, "(-2.0) ** 0.5 is undefined: a negative base needs an integer exponent"),
    (lambda: Value(0.0) ** -1.0, "0.0 ** -1.0 is undefined: zero to a negative power is infinite"),
    (lambda: Value(0.0) ** 0.5, "0.0 ** 0.5 is undefined: the derivative p·x**(p-1) is infinite at 0 for p < 1"),
    (lambda: Value(1e200) ** 3.0, "1e+200 ** 3.0 is undefined: overflows float64"),
    (lambda: Value(1e-300) ** -1.0, "1e-300 ** -1.0 is undefined: overflows float64"),
    (
        lambda: Value(-1.0) ** Value(2.0),
        "(-1.0) ** (2.0) is undefined: a Value exponent needs a base >= 0 (∂/∂exponent = out·log(base))",
    ),
    (lambda: Value(0.0) ** Value(-1.0), "0.0 ** -1.0 is undefined: zero to a negative power is infinite"),
    (
        lambda: Value(0.0) ** Value(0.5),
        "0.0 ** 0.5 is undefined: the derivative y·x**(y-1) with respect to the base x is infinite at 0 for 0 < y < 1",
    ),
    (lambda: 0.0 ** Value(-2.0), "0.0 ** -2.0 is undefined: zero to a negative power is infinite"),
    (lambda: 0.5 ** Value(-2000.0), "0.5 ** -2000.0 is undefined: overflows float64"),
    (
        lambda: (-1.0) ** Value(-2.0),
        "(-1.0) ** -2.0 is undefined: a Value exponent needs a base >= 0 (∂/∂exponent = out·log(base))",
    ),
    (lambda: Value(1000.0).exp(), "exp(1000.0) is undefined: overflows float64 (needs x <= 709.782713)"),
    (lambda: Value(np.array([1.0, -2.0])) ** 0.5, "(-2.0) ** 0.5 is undefined or overflows at lane 1"),
    (lambda: Value(np.array([1.0, 0.0])) ** 0.5, "0.0 ** 0.5: local derivative is not finite at lane 1"),
    (lambda: Value(np.array([1e308, 1e308])).sum(), "lanesum(1e+308) is undefined or overflows at lane 0"),
]


@pytest.mark.parametrize(("make", "message"), DOMAIN_MESSAGES, ids=[m for _, m in DOMAIN_MESSAGES])
def test_domain_errors_say_exactly_what_was_wrong(make: Callable[[], object], message: str) -> None:
    _raises_exactly(DomainError, message, make)


def test_the_gradient_graph_refuses_an_infinite_second_derivative_when_it_is_built() -> None:
    x = Value(0.0)
    (d,) = grad(x**1.5, [x], create_graph=True)
    assert d.data == 0.0
    _raises_exactly(
        DomainError,
        "0.0 ** -0.5 is undefined: zero to a negative power is infinite",
        lambda: grad(d, [x], create_graph=True),
    )
    base, exponent = Value(0.0), Value(1.5)
    (d_base,) = grad(base**exponent, [base], create_graph=True)  # finite: 1.5·0**0.5 = 0
    assert d_base.data == 0.0
    with pytest.raises(DomainError, match=r"local derivative of v\d+ \('powv_dbase'\) is infinite or undefined"):
        grad(d_base, [base])


def test_the_gradient_graph_records_nan_for_an_infinite_local_derivative_only() -> None:
    """d log(x)/dx = 1/x is recorded as a ``div`` node; at x = 1e-160 its derivative with respect to
    x, -1/x², overflows: recorded as nan (used only if a gradient goes through it), while its
    finite derivative with respect to the numerator is kept."""
    x = Value(1e-160)
    (d,) = grad(x.log(), [x], create_graph=True)
    assert d.data == 1e160
    (div,) = [n for n in topological_order(d) if n.op == "div"]
    numerator, by_x = div.local_grads
    assert numerator == 1e160
    assert math.isnan(by_x)


def test_an_undefined_second_derivative_is_named_exactly() -> None:
    x = Value(0.0)
    (d,) = grad(x**1.5, [x], create_graph=True)
    _raises_exactly(
        DomainError,
        "grad: the gradient of leaf 'v1' (v1 in topological_order, data 0.0) is nan: the local derivative of "
        "v2 ('pow') is infinite or undefined at its data (v2 ('pow'): nan × 1.5)",
        lambda: grad(d, [x]),
    )


# -- lanes ---------------------------------------------------------------------------------------------


def test_dot_on_lanes_with_three_pairs() -> None:
    w = [Value(np.array([1.0, 2.0])), Value(3.0), Value(np.array([0.5, -1.0]))]
    x = [Value(2.0), Value(np.array([1.0, 1.0])), Value(4.0)]
    out = dot(w, x, Value(1.0))
    assert list(out.data) == [1.0 * 2 + 3 * 1 + 0.5 * 4 + 1, 2.0 * 2 + 3 * 1 - 1.0 * 4 + 1]
    out.sum().backward()
    assert (x[0].grad, x[2].grad) == (3.0, -0.5)


def test_zero_to_a_power_on_lanes_is_what_it_is_on_scalars() -> None:
    base = Value(np.array([0.0, 2.0]))
    exponent = Value(np.array([2.0, 3.0]))
    out = base**exponent
    assert list(out.data) == [0.0, 8.0]
    d_base, d_exponent = out.local_grads
    assert list(d_base) == [0.0, 12.0]
    assert list(d_exponent) == [0.0, 8.0 * math.log(2.0)]
    for i in range(2):  # each lane as the scalar path gives it
        s = Value(float(base.data[i])) ** Value(float(exponent.data[i]))
        assert s.local_grads == (d_base[i], d_exponent[i])


def test_lanes_make_no_numpy_warnings() -> None:
    """numpy's warnings are silenced where the code finds non-finite numbers itself and says so."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DomainError, match="at lane 1"):
            Value(np.array([1.0, 0.0])).log()
        base, exponent = Value(np.array([0.0, 2.0])), Value(np.array([2.0, 3.0]))
        d_base, d_exponent = grad(base**exponent, [base, exponent], grad_output=np.ones(2), create_graph=True)
        assert list(d_base.data) == [0.0, 12.0]
        assert list(d_exponent.data) == [0.0, 8.0 * math.log(2.0)]
        z = Value(np.array([1.0, 2.0]))
        y = (1e200 * (1e200 * z).sin()).sin().sum()
        with pytest.raises(DomainError, match="backward: the gradient of"):
            y.backward()
        # inf - inf: two equal paths of opposite sign, each overflowing
        paths = [(1e200 * (1e200 * z).sin()).sin() for _ in range(2)]
        y = (paths[0] - paths[1]).sum()
        with pytest.raises(DomainError, match="backward: the gradient of leaf"):
            y.backward()
        with pytest.raises(DomainError, match="grad: the gradient of leaf"):
            grad(y, [z])


def test_a_user_op_on_lanes(user_op: Callable[..., Callable[..., Value]]) -> None:
    rounded = user_op("round_lanes", round, lambda out, x: (0.0,), lanes=lambda x: np.round(x).astype(np.int64))
    node = rounded(Value(np.array([1.4, 2.6])))
    assert node.data.dtype == np.float64
    assert list(node.data) == [1.0, 3.0]
    total = user_op("np_total", lambda x: np.sum(x), lambda out, x: (ones_like(x),))
    node = total(Value(np.array([1.0, 2.0])))
    assert type(node.data) is float
    assert node.data == 3.0

    def refuse(x: Any) -> Any:
        raise ValueError("needs a sorted input")

    picky = user_op("picky", refuse, lambda out, x: (1.0,))
    with pytest.raises(DomainError) as info:
        picky(Value(np.array([2.0, 1.0])))
    assert str(info.value) == "picky(array([2., 1.])) is undefined: needs a sorted input"
    picky_param = user_op("picky_param", lambda x, s: refuse(x), lambda out, x, s: (1.0,), has_param=True)
    with pytest.raises(DomainError) as info:
        picky_param(Value(np.array([2.0, 1.0])), param=0.5)
    assert str(info.value) == "picky_param(array([2., 1.]), 0.5) is undefined: needs a sorted input"
    math_only = user_op("math_only", math.exp, lambda out, x: (out,))
    with pytest.raises(TypeError) as type_info:
        math_only(Value(np.array([0.0, 1.0])))
    assert str(type_info.value).endswith(
        "(its forward and local get numpy arrays here; define_op(..., lanes=...) takes a separate forward for arrays)"
    )


# -- backward and grad ------------------------------------------------------------------------------------


def test_backward_on_a_leaf_accumulates() -> None:
    x = Value(3.0)
    x.backward()
    x.backward(2.0)
    assert x.grad == 3.0
    lanes = Value(np.array([1.0, 2.0]))
    lanes.backward(np.array([1.0, 2.0]))
    lanes.backward(np.array([0.5, 0.5]))
    assert list(lanes.grad) == [1.5, 2.5]
    lanes.zero_grad()
    assert lanes.grad == 0.0


def _with_a_dead_branch(a: Value, b: Value, c: Value, dead_first: bool) -> Value:
    """``a·c + relu(a·b)`` where ``a·b < 0``: the relu branch passes no gradient; the nodes met after
    it going backward still must get theirs (both operand orders, so it is met first either way)."""
    dead, live = (a * b).relu(), a * c
    return dead + live if dead_first else live + dead


@pytest.mark.parametrize("dead_first", [True, False])
def test_a_branch_that_passes_no_gradient_stops_nothing(dead_first: bool) -> None:
    a, b, c = Value(2.0), Value(-1.0), Value(5.0)
    out = _with_a_dead_branch(a, b, c, dead_first)
    assert grad(out, [a, b, c]) == [5.0, 0.0, 2.0]
    assert [g.data for g in grad(out, [a, b, c], create_graph=True)] == [5.0, 0.0, 2.0]
    out.backward()
    assert (a.grad, b.grad, c.grad) == (5.0, 0.0, 2.0)


@pytest.mark.parametrize("dead_first", [True, False])
def test_a_scalar_branch_that_passes_no_gradient_stops_nothing_in_a_lanes_graph(dead_first: bool) -> None:
    """``Σ lanes(a·c + relu(2b) + b·z)`` with b < 0 and z = 0: relu's derivative and ∂(b·z)/∂b are
    the float 0.0, met going backward before nodes that still must get their gradients."""
    a, b, c, z = Value(np.array([2.0, 1.0])), Value(-1.0), Value(5.0), Value(0.0)
    terms = [(b * 2.0).relu(), b * z, a * c]
    out = vsum(terms if dead_first else terms[::-1]).sum()
    da, db, dc, dz = grad(out, [a, b, c, z])
    assert (list(da), db, dc, dz) == ([5.0, 5.0], 0.0, 3.0, -2.0)
    out.backward()
    assert (list(a.grad), b.grad, c.grad, z.grad) == ([5.0, 5.0], 0.0, 3.0, -2.0)


def test_the_gradient_of_a_zero_factor_is_the_other_factor() -> None:
    a, b = Value(3.0), Value(0.0)
    (db,) = grad(a * b, [b], create_graph=True)  # ∂/∂a = b = 0 contributes nothing; ∂/∂b = a
    assert db.data == 3.0
    (dab,) = grad(db, [a])
    assert dab == 1.0


def test_a_constant_zero_derivative_skips_only_its_own_input(user_op: Callable[..., Callable[..., Value]]) -> None:
    """A user op whose first input has the constant derivative 0.0: the second still gets its gradient
    in the gradient's graph."""
    square_second = user_op("square_second", lambda x, y: y * y, lambda out, x, y: (0.0, 2.0 * y), arity=2)
    x, y = Value(1.0), Value(3.0)
    dx, dy = grad(square_second(x, y), [x, y], create_graph=True)
    assert (dx.data, dy.data) == (0.0, 6.0)
    assert grad(dy, [y]) == [2.0]


def test_grad_with_respect_to_an_interior_node() -> None:
    x = Value(2.0)
    h = x * 3.0
    out = h * h
    assert grad(out, [h]) == [12.0]
    (dh,) = grad(out, [h], create_graph=True)
    assert dh.data == 12.0


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


# -- stale graphs: a .data assigned after the graph was built -------------------------------------


def test_a_stale_relu_is_named() -> None:
    x = Value(1.0)
    y = x.relu()
    x.data = -1.0
    _raises_exactly(
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


# -- the messages for bad input name what was wrong -----------------------------------------------


def test_overflow_in_backward_names_the_node_and_all_its_children() -> None:
    x = Value(1e-10, label="x")
    h = x * 1.0
    y = vsum([h * 1e308, h * 1e308, h * 1e308, h * 1e308, h * 2.0])
    with pytest.raises(DomainError) as info:
        y.backward()
    assert str(info.value) == (
        "backward: the gradient of node v2 ('mul') (v2 in topological_order, data 1e-10) is inf: it overflows "
        "float64 in the sum over its children of local derivative × gradient (v4 ('mul'): 1e+308 × 1.0; "
        "v6 ('mul'): 1e+308 × 1.0; v8 ('mul'): 1e+308 × 1.0; and 2 more). Rescale the computation (smaller "
        "constants or inputs), or check the inputs for extreme values."
    )


@pytest.mark.parametrize(("children", "more"), [(3, ""), (4, "; and 1 more")])
def test_overflow_in_backward_lists_three_children(children: int, more: str) -> None:
    x = Value(1e-10, label="x")
    h = x * 1.0
    y = vsum([h * 2.0] + [h * 1e308 for _ in range(children - 1)])
    with pytest.raises(DomainError) as info:
        y.backward()
    assert str(info.value) == (
        "backward: the gradient of node v2 ('mul') (v2 in topological_order, data 1e-10) is inf: it overflows "
        "float64 in the sum over its children of local derivative × gradient (v4 ('mul'): 2.0 × 1.0; "
        f"v6 ('mul'): 1e+308 × 1.0; v8 ('mul'): 1e+308 × 1.0{more}). Rescale the computation (smaller "
        "constants or inputs), or check the inputs for extreme values."
    )


def test_overflow_in_backward_on_lanes_names_the_lane() -> None:
    z = Value(np.array([1.0, 2.0, 3.0, 4.0]), label="z")
    y = (1e200 * (1e200 * z).sin()).sin().sum()
    with pytest.raises(DomainError) as info:
        y.backward()
    assert str(info.value) == (
        "backward: the gradient of leaf 'z' (v2 in topological_order, data lanes array([1., 2., 3.])…) is lanes, "
        "first not finite at lane 0: np.float64(-inf): it overflows float64 in the sum over its children of local "
        "derivative × gradient (v3 ('mul'): 1e+200 × lanes array([-6.60943312e+199, -1.21807146e+199, "
        "-3.11395837e+199])…). Rescale the computation (smaller constants or inputs), or check the inputs for "
        "extreme values."
    )


def test_bad_arguments_name_their_type() -> None:
    _raises_exactly(TypeError, "expected a Value, got str", lambda: topological_order("x"))  # type: ignore[arg-type]
    _raises_exactly(TypeError, "expected a Value, got float", lambda: backward(1.0))  # type: ignore[arg-type]
    _raises_exactly(TypeError, "zero_grad expects Values, got int", lambda: zero_grad([Value(1.0), 3]))  # type: ignore[list-item]


def test_backward_and_grad_say_what_was_wrong() -> None:
    x = Value(np.array([1.0, 2.0]))
    y = x * 2.0
    _raises_exactly(ValueError, "upstream gradient has 3 lanes, the output 2", lambda: y.backward(np.ones(3)))
    _raises_exactly(
        ValueError, "upstream gradient has 2 lanes, the output none", lambda: Value(1.0).backward(np.ones(2))
    )
    _raises_exactly(TypeError, "upstream gradient must be a real number or lanes, got str", lambda: y.backward("a"))
    _raises_exactly(TypeError, "upstream gradient must be a real number or lanes, got bool", lambda: y.backward(True))
    _raises_exactly(TypeError, "inputs must be a list or tuple of Values", lambda: grad(y.sum(), x))  # type: ignore[arg-type]
    _raises_exactly(TypeError, "inputs[1] must be a Value, got float", lambda: grad(y.sum(), [x, 2.0]))  # type: ignore[list-item]
    _raises_exactly(TypeError, "output must be a Value, got float", lambda: grad(3.0, [x]))  # type: ignore[arg-type]
    _raises_exactly(TypeError, "inputs must be a list or tuple of Values", lambda: grad(y.sum(), {x}))  # type: ignore[arg-type]
    _raises_exactly(
        ValueError,
        "backward needs a scalar output, and this Value holds 2 lanes: reduce them with .sum() or .mean() first, "
        "or pass an upstream gradient (a number or lanes)",
        y.backward,
    )


def test_grad_leaves_every_grad_field_as_it_was() -> None:
    x = Value(2.0)
    h = x * 3.0
    out = h * h
    out.backward()
    before = [(v, v.grad) for v in topological_order(out)]
    assert grad(out, [x]) == [36.0]
    assert [g.data for g in grad(out, [x], create_graph=True)] == [36.0]
    assert [(v, v.grad) for v in topological_order(out)] == before


def test_apply_says_what_was_wrong() -> None:
    with pytest.raises(KeyError) as info:
        apply("softplusx", Value(1.0))
    assert info.value.args[0] == f"no op named 'softplusx'; registered ops: {', '.join(sorted(RULES))}"
    _raises_exactly(TypeError, "op 'mul' takes 2 argument(s), got 1", lambda: apply("mul", Value(1.0)))
    _raises_exactly(
        TypeError, "op 'sum' takes any number of arguments but at least one, got none", lambda: apply("sum")
    )
    _raises_exactly(TypeError, "op 'pow' needs a param", lambda: apply("pow", Value(1.0)))
    _raises_exactly(TypeError, "op 'exp' takes no param", lambda: apply("exp", Value(1.0), param=2.0))
    _raises_exactly(
        ValueError, "param of 'pow' must be finite, got inf", lambda: apply("pow", Value(1.0), param=math.inf)
    )
    _raises_exactly(TypeError, "operand must be a real number, got str: 'x'", lambda: vsum([Value(1.0), "x"]))  # type: ignore[list-item]


def test_dot_takes_numbers_and_says_what_was_wrong() -> None:
    w = Value(2.0)
    out = dot([w, 0.5], [3.0, 4], 1.5)
    assert out.data == 2.0 * 3.0 + 0.5 * 4 + 1.5
    assert [p.data for p in out.parents] == [2.0, 3.0, 0.5, 4.0, 1.5]
    assert out.parents[0] is w
    out.backward()
    assert w.grad == 3.0
    _raises_exactly(ValueError, "dot needs at least one weight and input", lambda: dot([], []))
    _raises_exactly(ValueError, "dot needs as many weights as inputs, got 1 and 2", lambda: dot([w], [w, w]))


def test_define_op_keeps_what_it_was_told(user_op: Callable[..., Callable[..., Value]]) -> None:
    user_op("plain_op", lambda x: x, lambda out, x: (1.0,))
    rule = RULES["plain_op"]
    assert (rule.symbol, rule.label, rule.sample, rule.kinks, rule.param_sample, rule.has_param) == (
        "",
        "plain_op",
        ((-3.0, 3.0),),
        (),
        (),
        False,
    )
    user_op("plain_op2", lambda x, y: x, lambda out, x, y: (1.0, 0.0), arity=2)
    assert RULES["plain_op2"].sample == ((-3.0, 3.0), (-3.0, 3.0))
    user_op("plain_sum", lambda *xs: sum(xs), lambda out, *xs: (1.0,) * len(xs), arity=-1)
    assert RULES["plain_sum"].sample == ((-3.0, 3.0),)
    scale = user_op(
        "scale_op",
        lambda x, s: s * x,
        lambda out, x, s: (s,),
        has_param=True,
        symbol="⋅s",
        sample=((0.0, 1.0),),
        kinks=(0.5,),
        param_sample=[2.0, 3.0],
    )
    rule = RULES["scale_op"]
    assert (rule.symbol, rule.label, rule.sample, rule.kinks, rule.param_sample, rule.has_param) == (
        "⋅s",
        "⋅s",
        ((0.0, 1.0),),
        (0.5,),
        (2.0, 3.0),
        True,
    )
    assert scale(Value(1.5), param=2.0).data == 3.0
    assert scale.__name__ == "scale_op"
    assert scale.__doc__ == "Apply the user-defined op 'scale_op'."


def test_register_says_what_was_wrong(user_op: Callable[..., Callable[..., Value]]) -> None:
    _raises_exactly(
        ValueError,
        "op name must be an identifier, got 'not a name'",
        lambda: define_op("not a name", lambda x: x, lambda out, x: (1.0,)),
    )
    _raises_exactly(
        ValueError,
        "arity must be >= 1 or -1 (n-ary), got 0",
        lambda: define_op("no_inputs", lambda: 1.0, lambda out: (), arity=0),
    )
    _raises_exactly(
        TypeError,
        "op 'not_callable': forward and local must be callable",
        lambda: define_op("not_callable", lambda x: x, None),  # type: ignore[arg-type]
    )
    _raises_exactly(
        TypeError,
        "op 'not_callable2': forward and local must be callable",
        lambda: define_op("not_callable2", 1.0, lambda out, x: (1.0,)),  # type: ignore[arg-type]
    )
    assert not {"not a name", "no_inputs", "not_callable", "not_callable2"} & set(RULES)
    with pytest.raises(KeyError) as info:
        unregister("never_registered")
    assert info.value.args[0] == "no op named 'never_registered'"
    _raises_exactly(ValueError, "'exp' is a built-in op and cannot be removed", lambda: unregister("exp"))


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
    _raises_exactly(ValueError, "operand must be finite, got inf", lambda: x + math.inf)
    _raises_exactly(ValueError, "operand must be finite, got nan", lambda: x + np.float64("nan"))


def test_bad_numbers_are_named_by_their_role() -> None:
    x = Value(2.0)
    _raises_exactly(ValueError, "exponent must be finite, got inf", lambda: x**math.inf)
    _raises_exactly(ValueError, "base must be finite, got nan", lambda: math.nan**x)
    _raises_exactly(ValueError, "slope must be finite, got inf", lambda: x.leaky_relu(math.inf))
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \*\* or pow\(\): 'str' and 'Value'"):
        "2" ** x  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \*\* or pow\(\): 'Value' and 'str'"):
        x ** "2"  # type: ignore[operator]


def test_comparisons_at_equality() -> None:
    one = Value(1.0)
    assert (one < 1.0, one <= 1.0, one > 1.0, one >= 1.0) == (False, True, False, True)
    assert (one < Value(1.0), one <= Value(1.0), one > Value(1.0), one >= Value(1.0)) == (False, True, False, True)
    lanes = Value(np.array([1.0, 2.0]))
    _raises_exactly(TypeError, "comparisons need scalar Values (this one holds lanes)", lambda: lanes < 1.0)
    _raises_exactly(TypeError, "comparisons need scalar Values (this one holds lanes)", lambda: one < lanes)


def test_repr_and_detach() -> None:
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, label="w")) == "Value(data=2.0, grad=0.0, label='w')"
    assert repr(Value(np.array([1.0, 2.0, 3.0]))) == "Value(lanes=3, data=[1, 2, 3], grad=0.0)"
    assert repr(Value(np.array([1.0, 2.0, 3.0, 4.5]))) == "Value(lanes=4, data=[1, 2, 3, …], grad=0.0)"
    copy = Value(2.0, label="w").detach()
    assert (copy.data, copy.label, copy.is_leaf) == (2.0, "w", True)


def test_float_of_a_value_says_how_to_stay_in_the_graph() -> None:
    _raises_exactly(
        TypeError,
        "a Value does not turn into a float implicitly (math.exp(v) would drop it from the graph and its gradient "
        "with it): use v.exp(), v.log(), v.tanh()… to stay in the graph, or v.data for the number",
        lambda: float(Value(1.0)),
    )
