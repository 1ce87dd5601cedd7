"""Running sums in a compiled program (autograd.replay.fold): one call forward, the same numbers as eager."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, compile, grad
from autograd.replay.loops import plan


def _params(n: int) -> list[Value]:
    rng = np.random.default_rng(1)
    return [Value(float(x)) for x in rng.normal(size=n)]


def test_a_sum_of_squares_is_folded_and_gives_the_eager_numbers_bit_for_bit() -> None:
    params = _params(60)
    x = Value(np.linspace(-1.0, 1.0, 7))

    def loss() -> Value:
        return (x * params[0]).tanh().mean() + 1e-3 * sum(p * p for p in params)

    program = compile(loss, params=params)
    program()
    segments = plan(program._last.tape)  # type: ignore[union-attr]
    assert any(seg.fold for seg in segments)
    assert any(seg.vector and seg.count == 60 for seg in segments)  # the squares: numpy over the parameters
    for step in range(3):
        for p in params:
            p.data = p.data * 0.9 - 0.01 * step
        value, grads = program()
        out = loss()
        assert value == out.data
        assert list(grads) == grad(out, params)
        assert all(type(g) is float for g in grads)


@settings(max_examples=25)
@given(
    st.lists(
        st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: v == 0.0 or abs(v) > 1e-6), min_size=20, max_size=80
    ),
    st.sampled_from(["square", "product", "difference"]),
)
def test_a_sum_over_a_vectorized_loops_floats_adds_in_the_eager_order(values: list[float], kind: str) -> None:
    """The terms are one array of floats (numpy over the parameters): the program adds them up with
    numpy's running sum, which must give the eager engine's left-to-right additions bit for bit,
    whatever the magnitudes and signs."""
    params = [Value(v) for v in values]
    shift = Value(0.375)
    x = Value(np.linspace(-1.0, 1.0, 5))

    def loss() -> Value:
        if kind == "square":
            terms = (p * p for p in params)
        elif kind == "product":
            terms = (p * shift for p in params)
        else:
            terms = (p - shift for p in params)
        return (x * shift).mean() + sum(terms)

    program = compile(loss, params=[*params, shift])
    program()
    bound = program._last.programs[True].__globals__.values()  # type: ignore[union-attr]
    assert any(
        getattr(f, "__self__", None) is np.add and f.__name__ == "accumulate" for f in bound
    )  # numpy's running sum
    for step in range(2):
        value, grads = program()
        out = loss()
        assert value == out.data, step
        assert list(grads) == grad(out, [*params, shift]), step
        for p in params:
            p.data = -p.data * 0.5


def test_a_running_sum_read_on_the_way_ends_a_fold_and_stays_exact() -> None:
    params = _params(40)

    def loss() -> Value:
        total = Value(0.0) + 0.0
        partial = total
        for k, p in enumerate(params):
            total = total + p * p
            if k == 20:
                partial = total
        return total * partial

    program = compile(loss, params=params)
    value, grads = program()
    folds = [seg for seg in plan(program._last.tape) if seg.fold]  # type: ignore[union-attr]
    assert len(folds) == 2  # the sum read on the way is the last node of the first fold
    out = loss()
    assert value == out.data
    assert list(grads) == grad(out, params)


def test_a_folded_sum_of_lanes_and_a_gradient_of_several_readers() -> None:
    rows = [Value(np.arange(5.0) * k) for k in range(30)]
    w = Value(0.5)

    def f() -> Value:
        total = rows[0] * w
        for r in rows[1:]:
            total = total + r
        return (total * w).sum() + (rows[3] * rows[3]).sum()

    program = compile(f, params=[w, *rows])
    value, grads = program()
    out = f()
    want = grad(out, [w, *rows])
    assert value == out.data
    for got, expected in zip(grads, want, strict=True):
        assert np.array_equal(np.asarray(got), np.asarray(expected))


def test_squares_read_again_by_name_keep_both_gradients_in_their_array() -> None:
    """Terms of the running sum that other nodes read too (so not fresh): their gradients are the
    rows of one array, added to in the eager engine's order; no list of every slot is made."""
    params = _params(40)
    x = Value(np.linspace(-1.0, 1.0, 6))

    def loss() -> Value:
        squares = [p * p for p in params]
        total = (x * params[0]).tanh().mean() + sum(squares)
        return total * squares[7] + squares[39] - squares[0] * 0.5

    program = compile(loss, params=params, exact=True)
    program()
    assert "V = [" not in program.source
    assert "G = [" not in program.source
    for step in range(3):
        value, grads = program()
        out = loss()
        assert value == out.data, step
        assert list(grads) == grad(out, params), step
        for p in params:
            p.data = p.data * 0.8 + 0.05


def test_squares_returned_and_compared_are_read_from_their_array() -> None:
    params = _params(30)
    x = Value(np.linspace(-1.0, 1.0, 4))

    def f() -> tuple[Value, Value]:
        squares = [p * p for p in params]
        total = (x * params[1]).mean() + sum(squares)
        if squares[3] > 0.5:  # a guard on one square
            total = total * 2.0
        return total, squares[5]

    program = compile(f, params=params, exact=True)
    for value in (0.25, 1.5, 0.125):  # below, above, below the guard: two traces
        params[3].data = value
        (total, fifth), grads = program()
        out, square = f()
        assert (total, fifth) == (out.data, square.data)
        assert list(grads) == grad(out, params)
    assert program.traces == 2
