"""autograd.compile: a replay gives the eager engine's numbers, follows guards, and never runs user text."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

import nn
from autograd import (
    RULES,
    DomainError,
    GuardError,
    ReplayMismatchError,
    TraceError,
    Value,
    apply,
    compile,
    define_op,
    grad,
    no_grad,
)
from autograd.core import reverse
from autograd.core.rules import BUILTIN_OPS, Rule
from autograd.replay import codegen

SCALAR_RULES = sorted(BUILTIN_OPS)


def _eager(fn: Any, args: list[Any]) -> tuple[Any, list[Any]]:
    leaves = [Value(a) for a in args]
    out = fn(*leaves)
    return out.data, grad(out, leaves)


def _points(rule: Rule, k: int, seed: int) -> list[list[float]]:
    """``k`` points inside the rule's sample intervals, a margin away from its kinks."""
    rng = random.Random(seed)
    n = len(rule.sample) if rule.arity == -1 else rule.arity
    intervals = [rule.sample[min(i, len(rule.sample) - 1)] for i in range(n)]
    points: list[list[float]] = []
    while len(points) < k:
        xs = [rng.uniform(lo, hi) for lo, hi in intervals]
        if all(abs(x - kink) > 0.05 for x in xs for kink in rule.kinks):
            points.append(xs)
    return points


def _equal(a: Any, b: Any) -> bool:
    if type(a) is float and type(b) is float:
        return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(b))
    return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12, atol=1e-12))


@pytest.mark.parametrize("name", SCALAR_RULES)
def test_replay_equals_eager_for_every_rule_on_scalars(name: str) -> None:
    rule = RULES[name]
    for param in rule.param_sample or (None,):

        def f(*xs: Value, param: float | None = param) -> Value:
            return apply(name, *xs, param=param)

        program = compile(f)
        for xs in _points(rule, 4, seed=len(name)):
            value, grads = program(*xs)
            want_value, want_grads = _eager(f, xs)
            assert _equal(value, want_value), (name, param, xs)
            assert all(_equal(g, w) for g, w in zip(grads, want_grads, strict=True)), (name, param, xs, grads)
        assert program.traces == 1  # one trace, then replays


@pytest.mark.parametrize("name", [n for n in SCALAR_RULES if n not in ("lanesum", "lanemean")])
def test_replay_equals_eager_for_every_rule_on_lanes(name: str) -> None:
    rule = RULES[name]
    for param in rule.param_sample or (None,):

        def f(*xs: Value, param: float | None = param) -> Value:
            return apply(name, *xs, param=param).sum()

        program = compile(f)
        points = _points(rule, 12, seed=len(name) + 1)
        for first in (0, 6):  # trace on the first call, replay on the second
            columns = [np.array([p[i] for p in points[first : first + 6]]) for i in range(len(points[0]))]
            columns[-1] = float(columns[-1][0]) if len(columns) > 1 else columns[-1]  # a scalar meets lanes
            value, grads = program(*columns)
            want_value, want_grads = _eager(f, columns)
            assert _equal(value, want_value), (name, param)
            assert all(_equal(g, w) for g, w in zip(grads, want_grads, strict=True)), (name, param)
        assert program.traces == 1


@pytest.mark.parametrize("name", ["lanesum", "lanemean"])
def test_lane_reductions_replay(name: str) -> None:
    program = compile(lambda x: apply(name, x * x))
    for xs in (np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -3.0])):
        value, (g,) = program(xs)
        want, (want_g,) = _eager(lambda x: apply(name, x * x), [xs])
        assert _equal(value, want)
        assert _equal(g, want_g)


def test_a_long_chain_is_rolled_into_a_loop_and_gives_the_eager_numbers_exactly() -> None:
    def chain(y: Value, w: Value, c: Value) -> Value:
        for _ in range(200):
            y = (y * w + c).tanh()
        return y

    program = compile(chain)
    program(0.5, 0.9, 0.1)
    for args in ((0.3, 0.999, 0.01), (-0.7, 1.1, -0.2)):
        value, grads = program(*args)
        want, want_grads = _eager(chain, list(args))
        assert value == want
        assert list(grads) == want_grads  # the same additions in the same order: bit for bit
    assert "for b in range(" in program.source
    assert len(program.source.splitlines()) < 60  # 600 nodes, a few dozen lines
    assert program.traces == 1


def test_a_chain_whose_loop_reads_further_back_and_feeds_several_nodes() -> None:
    def f(x: Value, w: Value) -> Value:
        a, b = x, x * w
        for _ in range(40):
            a, b = b, (a * w + b * b).sin() + a
        return a + b

    program = compile(f)
    program(0.3, 0.7)
    for args in ((0.2, 0.5), (0.4, -0.6)):
        value, grads = program(*args)
        want, want_grads = _eager(f, list(args))
        assert _equal(value, want)
        assert all(_equal(g, w) for g, w in zip(grads, want_grads, strict=True))


def test_forward_only_replay_and_several_outputs() -> None:
    program = compile(lambda x, y: (x * y, x + y, (x - y).exp()))
    assert program.forward(2.0, 3.0) == (6.0, 5.0, math.exp(-1.0))
    assert program.forward(1.0, 4.0) == (4.0, 5.0, math.exp(-3.0))
    value, (gx, gy) = program(1.0, 4.0)  # the first output is differentiated
    assert value == (4.0, 5.0, math.exp(-3.0))
    assert (gx, gy) == (4.0, 1.0)


def test_params_are_read_afresh_and_backward_accumulates_into_them() -> None:
    w, b = Value(0.5, "w"), Value(-0.25, "b")
    program = compile(lambda x: (w * x + b).tanh(), params=[w, b])
    for x in (0.3, 1.2):
        w.grad = b.grad = 0.0
        value = program.backward(x)
        ew, eb = Value(w.data), Value(b.data)
        out = (ew * Value(x) + eb).tanh()
        out.backward()
        assert value == out.data
        assert w.grad == ew.grad
        assert b.grad == eb.grad
        w.data -= 0.1 * w.grad  # the parameter changes between calls: the replay sees it
    assert program.traces == 1


def test_a_failed_comparison_retraces_and_strict_names_the_guard() -> None:
    def f(x: Value) -> Value:
        if x > 0.0:
            return x * x
        return -x * 3.0

    program = compile(f)
    assert program(2.0) == (4.0, (4.0,))
    assert program(-1.0) == (3.0, (-3.0,))  # another path: traced again
    assert program(3.0) == (9.0, (6.0,))  # both paths are kept
    assert program.traces == 2
    strict = compile(f, strict=True)
    strict(2.0)
    with pytest.raises(GuardError, match=r"the comparison argument 0 > 0\.0 at test_replay\.py:\d+ \(it was True"):
        strict(-1.0)


def test_a_read_of_data_is_a_guard() -> None:
    def f(x: Value) -> Value:
        return x * x.data  # the number, not the graph: valid only for the same x

    program = compile(f)
    assert program(3.0) == (9.0, (3.0,))
    assert program(3.0) == (9.0, (3.0,))
    assert program(2.0) == (4.0, (2.0,))
    assert program.traces == 2
    strict = compile(f, strict=True)
    strict(3.0)
    with pytest.raises(GuardError, match=r"the read of argument 0\.data at test_replay\.py:\d+ \(it held 3\.0"):
        strict(2.0)


def test_a_value_read_by_the_function_changing_kind_retraces() -> None:
    w = Value(2.0)
    program = compile(lambda x: x * w, params=[w])
    assert program(3.0) == (6.0, (2.0, 3.0))
    w.data = np.array([1.0, 2.0])
    value, _ = program.forward(3.0), None
    assert list(value) == [3.0, 6.0]
    assert program.traces == 2


def test_lanes_of_another_length_get_their_own_trace() -> None:
    program = compile(lambda x: (x * x).sum())
    assert program(np.array([1.0, 2.0]))[0] == 5.0
    assert program(np.array([1.0, 2.0, 3.0]))[0] == 14.0
    assert program.traces == 2


def test_check_compares_with_the_eager_engine() -> None:
    calls = [0]

    def drifting(x: float) -> float:
        calls[0] += 1
        return x + calls[0]  # not a function of x alone: a replay cannot match

    op = define_op("replay_drifting", drifting, lambda out, x: (1.0,), replace=True)
    try:
        program = compile(lambda x: op(x), check=True)
        program(1.0)
        with pytest.raises(ReplayMismatchError, match="output 0"):
            program(1.0)
        assert compile(lambda x: x * x, check=True)(3.0) == (9.0, (6.0,))
    finally:
        RULES.pop("replay_drifting", None)


def test_domain_errors_name_the_op_as_the_eager_engine_does() -> None:
    program = compile(lambda x: x.log() * 2.0)
    program(1.0)
    with pytest.raises(DomainError) as compiled:
        program(-1.0)
    with pytest.raises(DomainError) as eager:
        Value(-1.0).log()
    assert str(compiled.value) == str(eager.value)


def test_an_overflow_hidden_by_tanh_still_raises() -> None:
    program = compile(lambda x: (x * 1e200 * 1e200).tanh())
    assert program(1e-300)[0] == math.tanh(1e-300 * 1e200 * 1e200)
    with pytest.raises(DomainError, match="overflows"):
        program(1.0)  # tanh(inf) would be 1.0: the eager engine raises at the product


def test_lanes_domain_errors_name_the_lane() -> None:
    program = compile(lambda x: x.sqrt().sum())
    program(np.array([1.0, 4.0]))
    with pytest.raises(DomainError, match="lane 1"):
        program(np.array([1.0, -4.0]))


def test_functions_that_cannot_be_traced_say_why() -> None:
    def uses_no_grad(x: Value) -> Value:
        with no_grad():
            y = x * 2.0
        return x + y

    with pytest.raises(TraceError, match="no_grad"):
        compile(uses_no_grad)(1.0)

    def assigns(x: Value) -> Value:
        x.data = 2.0
        return x

    with pytest.raises(TraceError, match=r"assigns \.data"):
        compile(assigns)(1.0)
    with pytest.raises(TraceError, match="must return a Value"):
        compile(lambda x: 3.0)(1.0)

    def gradient_as_number(x: Value) -> Value:
        (dx,) = grad(x**3, [x])  # a number: it would be baked into the program
        return x * dx

    def calls_backward(x: Value) -> Value:
        y = x * x
        y.backward()
        return y * x.grad

    for f in (gradient_as_number, calls_backward):
        with pytest.raises(TraceError, match="differentiates to numbers"):
            compile(f)(1.0)

    def gradient_as_graph(x: Value) -> Value:
        (dx,) = grad(x**3, [x], create_graph=True)  # recorded: replayed for new inputs
        return x * dx

    program = compile(gradient_as_graph)
    assert program.forward(2.0) == 2.0 * 3.0 * 2.0**2
    assert program.forward(0.5) == 0.5 * 3.0 * 0.5**2
    with pytest.raises(TypeError, match="is a Value"):
        compile(lambda x: x)(Value(1.0))
    with pytest.raises(ValueError, match="scalar first output"):
        compile(lambda x: x * 2.0)(np.array([1.0, 2.0]))


def test_tracing_leaves_the_eager_engine_untouched() -> None:
    data, lt, enter = Value.__dict__["data"], Value.__dict__["__lt__"], no_grad().__class__.__dict__["__enter__"]
    reverse_pass = reverse.reverse_pass
    compile(lambda x: x * 2.0 if x < 1.0 else x)(0.5)
    assert Value.__dict__["data"] is data
    assert Value.__dict__["__lt__"] is lt
    assert no_grad().__class__.__dict__["__enter__"] is enter
    assert reverse.reverse_pass is reverse_pass


def test_labels_and_op_names_never_reach_the_program_text() -> None:
    """Code-like labels and op names in a traced graph: the program is made of generated names and numbers."""
    nasty = "__import__('os').system('echo pwned') #\"\\n"
    op = define_op("__import__", lambda x: 2.0 * x, lambda out, x: (2.0,), replace=True)
    try:
        secret = Value(1.5, label=nasty)

        def f(x: Value) -> Value:
            y = op(x * secret)
            y.label = nasty
            return (y + Value(0.5, label="exec('1')")).tanh()

        program = compile(f, params=[secret])
        program(0.25)
        program(0.75)
        source = program.source
        for text in (nasty, "__import__", "exec", "os", "system", "'", '"', "#"):
            assert text not in source
        codegen.audit(source)  # what every program passes before it is compiled
    finally:
        RULES.pop("__import__", None)
    for bad in ("import os\n", "x = 'a'\n", "def P(A):\n    return __import__\n", "P(A) # c\n"):
        with pytest.raises(RuntimeError, match="compiled program text"):
            codegen.audit(bad)


def test_fit_with_compile_gives_the_eager_trajectory() -> None:
    X, y = nn.moons(40, noise=0.1, seed=0)  # noqa: N806 (a data matrix)
    labels = 2 * y - 1
    for options in ({}, {"lanes": False}, {"batch_size": 10, "shuffle": False}):
        runs = []
        for compiled in (False, True):
            model = nn.MLP(2, [8, 8, 1], seed=0)
            optimizer = nn.SGD(model.parameters(), lr=0.1)
            history = nn.fit(
                model,
                X,
                labels,
                loss="hinge",
                optimizer=optimizer,
                epochs=6,
                l2=1e-4,
                compile=compiled,
                progress=False,
                **options,
            )
            runs.append((history, [p.data for p in model.parameters()]))
        (eager, p_eager), (compiled_run, p_compiled) = runs
        assert all(_equal(a, b) for a, b in zip(eager.loss, compiled_run.loss, strict=True)), options
        assert eager.accuracy == compiled_run.accuracy
        assert all(_equal(a, b) for a, b in zip(p_eager, p_compiled, strict=True)), options


def test_fit_refuses_a_compile_that_is_not_a_bool() -> None:
    X, y = nn.xor()  # noqa: N806
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(TypeError, match="compile must be True or False"):
        nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.1), compile="yes", progress=False)  # type: ignore[arg-type]


def test_wide_lanes_layers_run_vectorized_and_give_the_eager_numbers_exactly() -> None:
    from autograd import dot, vsum

    rng = np.random.default_rng(0)
    xs = [Value(rng.normal(size=30)) for _ in range(3)]
    w1 = [[Value(float(rng.normal())) for _ in range(3)] for _ in range(20)]
    w2 = [[Value(float(rng.normal()) / 4) for _ in range(20)] for _ in range(18)]
    b = [Value(float(rng.normal())) for _ in range(38)]
    params = [p for row in w1 + w2 for p in row] + b

    def loss() -> Value:
        h = [dot(w1[k], xs, b[k]).tanh() for k in range(20)]
        o = [dot(w2[k], h, b[20 + k]).sigmoid() for k in range(18)]
        # h[3] is also read after the loops: its gradient adds up from both sides
        return vsum(o).mean() + (h[3] * h[3]).sum() * 0.5 + 1e-3 * sum(p * p for p in params)

    from autograd.replay import affine
    from autograd.replay.loops import plan

    program = compile(loss, params=params, exact=True)
    fast = compile(loss, params=params)  # matrix products: equal to 1e-12
    program(), fast()
    tape = program._last.tape  # type: ignore[union-attr]
    layers = [seg for seg in plan(tape) if seg.vector and any(affine.layer(tape, seg, o) for o in range(seg.period))]
    assert len(layers) == 2  # the layers ran as numpy over neurons × lanes
    for p in params:
        p.data = p.data * 0.9 + 0.01
    value, grads = program()
    out = loss()
    want = grad(out, params)
    assert value == out.data
    assert list(grads) == want  # the same additions in the same order: bit for bit
    fast_value, fast_grads = fast()
    assert _equal(fast_value, out.data)
    assert all(_equal(a, b) for a, b in zip(fast_grads, want, strict=True))


def test_the_gradient_of_lanes_holds_lanes_even_where_nothing_reaches_them() -> None:
    program = compile(lambda x, y: (x * 0.0).sum() + y * 2.0)
    program(np.array([1.0, 2.0]), 1.0)
    _, (gx, gy) = program(np.array([3.0, 4.0]), 1.0)
    assert list(gx) == [0.0, 0.0]
    assert gy == 2.0


def test_a_function_whose_path_changes_every_call_runs_eagerly_after_a_few_calls() -> None:
    program = compile(lambda x: x * x.data)  # a guard on x's number: every new x retraces
    for k in range(1, 10):
        assert program(float(k)) == (float(k * k), (float(k),))
    assert program.gave_up is not None
    assert "changed" in program.gave_up
    assert program.traces <= 5


@pytest.mark.parametrize("propagates", [True, False])
def test_a_user_op_has_its_inputs_checked_unless_it_propagates_nonfinite_numbers(propagates: bool) -> None:
    # An op that keeps every nan and infinity (the promise is true for it): the program checks its
    # inputs only without the promise, and with or without, an overflow raises as in the eager engine.
    name = f"replay_twice_{propagates}"
    twice = define_op(name, lambda x: 2.0 * x, lambda out, x: (2.0,), propagates_nonfinite=propagates, replace=True)
    try:
        program = compile(lambda x: twice(x * x))
        assert program(3.0) == (18.0, (12.0,))
        assert ("K = K + " in program.source) is not propagates
        with pytest.raises(DomainError) as compiled:
            program(1e200)
        with pytest.raises(DomainError) as eager:
            twice(Value(1e200) * Value(1e200))
        assert str(compiled.value) == str(eager.value)
    finally:
        RULES.pop(name, None)


def test_an_overflow_hidden_by_a_user_op_still_raises() -> None:
    # Without the promise (the default), a user op that hides an infinity, as tanh does, has its
    # inputs checked: the compiled program raises where the eager engine does.
    squash = define_op("replay_squash", math.tanh, lambda out, x: (1.0 - out * out,), replace=True)
    try:
        program = compile(lambda x: squash(x * 1e200 * 1e200))
        assert program(1e-300)[0] == math.tanh(1e-300 * 1e200 * 1e200)
        with pytest.raises(DomainError, match="overflows"):
            program(1.0)
    finally:
        RULES.pop("replay_squash", None)
