"""Rolled loops in a compiled program: compact loops (numbers kept per iteration in lists of their own,
gradients in locals) and loops kept by slot give the eager engine's numbers bit for bit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import DomainError, Program, Value, compile, grad

STEPS = 40


def _eager(fn: Callable[..., Value], args: tuple[float, ...]) -> tuple[float, list[float]]:
    leaves = [Value(a) for a in args]
    out = fn(*leaves)
    return out.data, [float(g) for g in grad(out, leaves)]


def _same_as_eager(program: Program, fn: Callable[..., Value], args: tuple[float, ...]) -> None:
    value, grads = program(*args)
    want, want_grads = _eager(fn, args)
    assert value == want
    assert list(grads) == want_grads  # the same additions in the same order: bit for bit


def _compact(program: Program) -> bool:
    """Whether the program's loops keep their numbers in lists of their own (no list per slot)."""
    return "V = [" not in program.source and "G = [" not in program.source


def tanh_chain(y: Value, w: Value) -> Value:
    for _ in range(STEPS):
        y = (y * w + 0.1).tanh()
    return y


def sin_then_scale(y: Value, w: Value) -> Value:  # the reverse pass reads the iteration before's sin
    for _ in range(STEPS):
        y = y.sin() * w
    return y


def log_chain(y: Value, w: Value) -> Value:  # the reverse pass reads the iteration before's product
    for _ in range(STEPS):
        y = (y * w).log()
    return y


def reads_itself(y: Value, w: Value) -> Value:  # a node reads its own offset one iteration back: kept by slot
    for _ in range(STEPS):
        y = (y * w).tanh() - y
    return y


def two_back(x: Value, w: Value) -> Value:  # reads two iterations back: kept by slot
    a, b = x, x * w
    for _ in range(STEPS):
        a, b = b, (a * w + b * b).sin() + a
    return a + b


WEIGHTS = [Value(0.5 + 0.01 * k) for k in range(STEPS)]


def strided_weights(y: Value, w: Value) -> Value:  # each iteration reads its own parameter
    for p in WEIGHTS:
        y = (y * p + w).tanh()
    return y


@pytest.mark.parametrize(
    ("fn", "compact", "points"),
    [
        (tanh_chain, True, [(0.3, 0.999), (-0.7, 1.1)]),
        (sin_then_scale, True, [(0.3, 0.7), (-1.2, 1.3)]),
        (log_chain, True, [(3.0, 40.0), (2.5, 30.0)]),
        (strided_weights, True, [(0.3, 0.01), (-0.4, -0.2)]),
        (reads_itself, False, [(0.3, 0.7), (0.1, -0.5)]),
        (two_back, False, [(0.2, 0.5), (0.4, -0.6)]),
    ],
)
def test_rolled_loops_give_the_eager_numbers(
    fn: Callable[..., Value], compact: bool, points: list[tuple[float, float]]
) -> None:
    program = compile(fn, params=WEIGHTS if fn is strided_weights else ())
    program(*points[0])
    assert "for " in program.source
    assert len(program.source.splitlines()) < 80  # rolled into loops
    assert _compact(program) == compact
    for args in points:
        value, grads = program(*args)
        want, want_grads = _eager(fn, args)
        assert value == want
        assert list(grads[:2]) == want_grads
    if fn is strided_weights:
        leaves = [Value(a) for a in points[-1]]
        out = fn(*leaves)
        assert list(grads[2:]) == [float(g) for g in grad(out, WEIGHTS)]


def test_a_compact_loop_reading_the_iteration_before_keeps_the_number_before_the_loop() -> None:
    program = compile(sin_then_scale)
    program(0.3, 0.7)
    assert "[b - 1]" in program.source  # the reverse pass reads the iteration before's sin
    _same_as_eager(program, sin_then_scale, (0.9, -0.8))


def test_a_long_chain_keeps_one_number_per_step_and_walks_it_backwards() -> None:
    def chain(y: Value, w: Value, c: Value) -> Value:
        for _ in range(3000):
            y = (y * w + c).tanh()
        return y

    program = compile(chain)
    program(0.5, 0.999, 0.01)
    source = program.source
    assert _compact(program)
    assert source.count(" = [0.0] * ") == 1  # the tanh outputs, the only numbers the reverse pass reads
    assert "reversed(" in source
    _same_as_eager(program, chain, (0.3, 1.01, -0.02))
    assert program.forward(0.3, 1.01, -0.02) == _eager(chain, (0.3, 1.01, -0.02))[0]


def test_forward_only_compact_loops_keep_no_list() -> None:
    program = compile(tanh_chain)
    assert program.forward(0.3, 0.9) == _eager(tanh_chain, (0.3, 0.9))[0]
    assert "[0.0] * " not in program.source


def test_a_domain_error_in_a_compact_loop_names_the_op_as_the_eager_engine_does() -> None:
    program = compile(log_chain)
    program(3.0, 40.0)
    assert _compact(program)
    with pytest.raises(DomainError) as compiled:
        program(3.0, -40.0)
    with pytest.raises(DomainError) as eager:
        log_chain(Value(3.0), Value(-40.0))
    assert str(compiled.value) == str(eager.value)


def test_an_overflow_hidden_by_tanh_in_a_compact_loop_still_raises() -> None:
    def chain(y: Value, w: Value, c: Value) -> Value:
        for _ in range(STEPS):
            y = (y * w + c).tanh()
        return y

    program = compile(chain)
    program(0.5, 0.9, 0.1)
    assert _compact(program)
    with pytest.raises(DomainError) as compiled:
        program(0.5, 1e308, 1e308)  # y·w + c overflows; tanh(inf) would be 1.0
    with pytest.raises(DomainError) as eager:
        chain(Value(0.5), Value(1e308), Value(1e308))
    assert str(compiled.value) == str(eager.value)


def test_outputs_and_guards_reading_inside_a_loop() -> None:
    def middle(y: Value, w: Value) -> tuple[Value, Value]:  # a middle iteration read from outside: by slot
        kept = y
        for k in range(STEPS):
            y = (y * w).tanh()
            if k == STEPS // 2:
                kept = y
        return y, kept

    program = compile(middle)
    program(0.3, 0.9)
    assert not _compact(program)
    (value, kept), grads = program(0.4, 1.1)
    leaves = [Value(0.4), Value(1.1)]
    outs = middle(*leaves)
    assert (value, kept) == (outs[0].data, outs[1].data)
    assert list(grads) == [float(g) for g in grad(outs[0], leaves)]

    def guarded(y: Value, w: Value) -> Value:  # the last iteration compared: the loop stays compact
        for _ in range(STEPS):
            y = (y * w).tanh()
        return y * 2.0 if y > 0.0 else y * 3.0

    program = compile(guarded)
    program(0.3, 0.9)
    assert _compact(program)
    for args in ((0.4, 1.1), (0.4, -1.1), (-0.2, 0.8)):
        _same_as_eager(program, guarded, args)
    assert program.traces == 2


# A loop body of one to four steps, each reading the current number and one of the loop's
# earlier numbers: the last one (the iteration before's) or the one before it.
_STEP_OPS: dict[str, Callable[[Value, Value, Value, Value], Value]] = {
    "mul_w": lambda y, prev, older, w: y * w,
    "add_c": lambda y, prev, older, w: y + 0.25,
    "tanh": lambda y, prev, older, w: y.tanh(),
    "sin": lambda y, prev, older, w: y.sin(),
    "mul_prev": lambda y, prev, older, w: y * prev,
    "add_prev": lambda y, prev, older, w: y + prev,
    "mul_older": lambda y, prev, older, w: y * older,
}


@given(
    body=st.lists(st.sampled_from(sorted(_STEP_OPS)), min_size=1, max_size=4),
    y0=st.floats(-0.9, 0.9),
    w=st.floats(-1.2, 1.2),
)
def test_drawn_recurrences_replay_bit_for_bit(body: list[str], y0: float, w: float) -> None:
    assume(abs(y0) > 0.05 and abs(w) > 0.05)

    def f(y: Value, wv: Value) -> Value:
        older, prev = y, y
        for _ in range(24):
            start = y
            for name in body:
                y = _STEP_OPS[name](y, prev, older, wv)
            y = y.tanh()  # keeps the numbers bounded
            older, prev = prev, start
        return y

    program = compile(f)
    program(0.5, 0.7)
    for args in ((y0, w), (-y0, w * 0.9)):
        eager: Any = _eager(f, args)
        value, grads = program(*args)
        assert value == eager[0]
        assert list(grads) == eager[1]
