"""User-defined and n-ary ops: ``define_op``, ``register``, ``apply``, ``vsum`` and ``dot``.

What each accepts and how it says what is wrong; user ops of one, two, three and any number
of inputs, with and without a parameter, on scalars and lanes, through every path a user
has (the op itself, ``apply``, ``backward``, ``grad``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from engine_support import raises_exactly

from autograd import (
    RULES,
    DomainError,
    Value,
    apply,
    define_op,
    dot,
    grad,
    gradcheck,
    gradgradcheck,
    topological_order,
    vsum,
)
from autograd.core.rules import exp as rules_exp
from autograd.core.rules import ones_like, unregister

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
    raises_exactly(DomainError, "nan_value3(1.0, 2.0, 3.0) is undefined (value nan)", lambda: nan_value(1.0, 2.0, 3.0))
    nan_local = user_op("nan_local3", lambda x, y, z: x, lambda out, x, y, z: (1.0, math.nan, 1.0), arity=3)
    raises_exactly(
        DomainError,
        "nan_local3(1.0, 2.0, 3.0) is undefined (local derivative 1 nan)",
        lambda: nan_local(1.0, 2.0, 3.0),
    )
    norm = _norm3(user_op, "norm3_at_0")
    raises_exactly(
        DomainError,
        "norm3_at_0(0.0, 0.0, 0.0, 2.0) is undefined: float division by zero",
        lambda: norm(0, 0, 0, param=2.0),
    )
    inf_param = user_op(
        "inf_param", lambda x, s: math.inf, lambda out, x, s: (1.0,), has_param=True, param_sample=(1.0,)
    )
    raises_exactly(DomainError, "inf_param(1.0, 2.0) overflows float64 (value inf)", lambda: inf_param(1.0, param=2.0))
    inf3 = user_op(
        "inf3", lambda x, y, z, s: math.inf, lambda out, x, y, z, s: (1.0, 1.0, 1.0), arity=3, has_param=True
    )
    raises_exactly(
        DomainError, "inf3(1.0, 2.0, 3.0, 2.0) overflows float64 (value inf)", lambda: inf3(1.0, 2.0, 3.0, param=2.0)
    )
    bare = user_op("bare_error", lambda x: (_ for _ in ()).throw(ValueError()), lambda out, x: (1.0,))
    raises_exactly(DomainError, "bare_error(1.0) is undefined: ValueError", lambda: bare(1.0))


def test_n_ary_domain_errors_name_the_arguments() -> None:
    big = 1.7e308
    raises_exactly(
        DomainError,
        "sum(1.7e+308, 1.7e+308, 1.0) is undefined: the sum overflows float64",
        lambda: vsum([Value(big), Value(big), Value(1.0)]),
    )
    raises_exactly(
        DomainError,
        "sum(1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308) is undefined: the sum overflows float64",
        lambda: vsum([Value(big)] * 6),
    )
    raises_exactly(
        DomainError,
        "sum(1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, 1.7e+308, … 7 arguments in all) "
        "is undefined: the sum overflows float64",
        lambda: vsum([Value(big)] * 7),
    )
    raises_exactly(
        DomainError,
        "dot(1e+200, 1e+200, 1.0, 2.0) overflows float64 (value inf)",
        lambda: dot([Value(1e200), Value(1.0)], [Value(1e200), Value(2.0)]),
    )


# -- lanes ---------------------------------------------------------------------------------------------


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


# -- the messages for bad input name what was wrong -----------------------------------------------


def test_apply_says_what_was_wrong() -> None:
    with pytest.raises(KeyError) as info:
        apply("softplusx", Value(1.0))
    assert info.value.args[0] == f"no op named 'softplusx'; registered ops: {', '.join(sorted(RULES))}"
    raises_exactly(TypeError, "op 'mul' takes 2 argument(s), got 1", lambda: apply("mul", Value(1.0)))
    raises_exactly(TypeError, "op 'sum' takes any number of arguments but at least one, got none", lambda: apply("sum"))
    raises_exactly(TypeError, "op 'pow' needs a param", lambda: apply("pow", Value(1.0)))
    raises_exactly(TypeError, "op 'exp' takes no param", lambda: apply("exp", Value(1.0), param=2.0))
    raises_exactly(
        ValueError, "param of 'pow' must be finite, got inf", lambda: apply("pow", Value(1.0), param=math.inf)
    )
    raises_exactly(TypeError, "operand must be a real number, got str: 'x'", lambda: vsum([Value(1.0), "x"]))  # type: ignore[list-item]


def test_dot_takes_numbers_and_says_what_was_wrong() -> None:
    w = Value(2.0)
    out = dot([w, 0.5], [3.0, 4], 1.5)
    assert out.data == 2.0 * 3.0 + 0.5 * 4 + 1.5
    assert [p.data for p in out.parents] == [2.0, 3.0, 0.5, 4.0, 1.5]
    assert out.parents[0] is w
    out.backward()
    assert w.grad == 3.0
    raises_exactly(ValueError, "dot needs at least one weight and input", lambda: dot([], []))
    raises_exactly(ValueError, "dot needs as many weights as inputs, got 1 and 2", lambda: dot([w], [w, w]))


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
    raises_exactly(
        ValueError,
        "op name must be an identifier, got 'not a name'",
        lambda: define_op("not a name", lambda x: x, lambda out, x: (1.0,)),
    )
    raises_exactly(
        ValueError,
        "arity must be >= 1 or -1 (n-ary), got 0",
        lambda: define_op("no_inputs", lambda: 1.0, lambda out: (), arity=0),
    )
    raises_exactly(
        TypeError,
        "op 'not_callable': forward and local must be callable",
        lambda: define_op("not_callable", lambda x: x, None),  # type: ignore[arg-type]
    )
    raises_exactly(
        TypeError,
        "op 'not_callable2': forward and local must be callable",
        lambda: define_op("not_callable2", 1.0, lambda out, x: (1.0,)),  # type: ignore[arg-type]
    )
    assert not {"not a name", "no_inputs", "not_callable", "not_callable2"} & set(RULES)
    with pytest.raises(KeyError) as info:
        unregister("never_registered")
    assert info.value.args[0] == "no op named 'never_registered'"
    raises_exactly(ValueError, "'exp' is a built-in op and cannot be removed", lambda: unregister("exp"))


# -- vsum and dot ----------------------------------------------------------------------------------


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


# -- user-defined ops: what define_op accepts and how it says what is wrong ------------------------


def test_a_numpy_forward_works_on_floats_and_lanes(user_op):
    softplus = user_op("np_softplus", lambda x: np.log1p(np.exp(x)), lambda out, x: (1.0 / (1.0 + rules_exp(-x)),))
    x = Value(0.0)
    y = softplus(x)
    y.backward()
    assert type(y.data) is float
    assert y.data == math.log(2.0)
    assert x.grad == 0.5
    assert gradcheck(softplus, 0.7)
    lanes = softplus(Value(np.array([0.0, 1.0])))
    assert lanes.data == pytest.approx([math.log(2.0), math.log1p(math.e)], rel=1e-15)


def test_a_math_forward_on_lanes_names_the_op_and_the_way_out(user_op):
    op = user_op("math_softplus", lambda x: math.log1p(math.exp(x)), lambda out, x: (1.0 / (1.0 + rules_exp(-x)),))
    with pytest.raises(TypeError, match=r"op 'math_softplus' on lanes: .*lanes=\.\.\."):
        op(Value(np.array([0.0, 1.0])))
    both = user_op(
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
def test_a_broken_user_op_says_what_is_wrong(user_op, forward, local, error, message):
    op = user_op("bad_op", forward, local)
    with pytest.raises(error, match=message):
        op(Value(1.0))


def test_redefining_an_op_needs_replace_and_never_touches_built_ins(user_op):
    user_op("twice", lambda x: 2.0 * x, lambda out, x: (2.0,))
    with pytest.raises(ValueError, match=r"'twice' is already registered \(define_op\(\.\.\., replace=True\)"):
        define_op("twice", lambda x: 3.0 * x, lambda out, x: (3.0,))
    thrice = user_op("twice", lambda x: 3.0 * x, lambda out, x: (3.0,), replace=True)
    assert thrice(Value(1.0)).data == 3.0
    with pytest.raises(ValueError, match=r"'tanh' is already registered \(a built-in op\)"):
        define_op("tanh", lambda x: x, lambda out, x: (1.0,), replace=True)
    assert RULES["tanh"].forward is math.tanh


def test_kinks_as_a_function_need_a_param(user_op: Callable[..., Callable[..., Value]]) -> None:
    raises_exactly(
        TypeError,
        "op 'hinge_without_param': kinks as a function of the parameter needs has_param=True",
        lambda: define_op("hinge_without_param", lambda x: max(x, 0.0), lambda out, x: (1.0,), kinks=lambda p: (p,)),
    )
    assert "hinge_without_param" not in RULES
    hinge = user_op(
        "hinge_at_param",
        lambda x, p: max(x - p, 0.0),
        lambda out, x, p: (1.0 if x > p else 0.0,),
        has_param=True,
        kinks=lambda p: (p,),
        param_sample=(0.5,),
    )
    assert hinge(Value(2.0), param=0.5).data == 1.5
    assert RULES["hinge_at_param"].kinks_at(0.5) == (0.5,)


def test_define_op_states_the_promises_of_its_rule(user_op: Callable[..., Callable[..., Value]]) -> None:
    # Both promises are off unless stated: a user's op is computed node by node and checked.
    user_op("unpromised_op", lambda x: 2.0 * x, lambda out, x: (2.0,))
    assert (RULES["unpromised_op"].elementwise, RULES["unpromised_op"].propagates_nonfinite) == (False, False)
    user_op("promised_op", lambda x: 2.0 * x, lambda out, x: (2.0,), elementwise=True, propagates_nonfinite=True)
    assert (RULES["promised_op"].elementwise, RULES["promised_op"].propagates_nonfinite) == (True, True)


def test_elementwise_is_for_one_input_ops_and_a_refused_redefinition_keeps_the_op(
    user_op: Callable[..., Callable[..., Value]],
) -> None:
    raises_exactly(
        ValueError,
        "op 'elementwise_pair': elementwise=True is for one-input ops, this one has arity 2",
        lambda: define_op("elementwise_pair", lambda x, y: x * y, lambda out, x, y: (y, x), arity=2, elementwise=True),
    )
    assert "elementwise_pair" not in RULES
    twice = user_op("kept_op", lambda x: 2.0 * x, lambda out, x: (2.0,))
    rule = RULES["kept_op"]
    with pytest.raises(ValueError, match="elementwise=True is for one-input ops"):
        define_op("kept_op", lambda x, y: x, lambda out, x, y: (1.0, 0.0), arity=2, elementwise=True, replace=True)
    assert RULES["kept_op"] is rule  # refused: the op defined before is still there, unchanged
    assert twice(Value(1.5)).data == 3.0
