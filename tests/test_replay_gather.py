"""A compiled program on lanes reads its plain-number leaves once, as one array (autograd.replay.gather):
layers' weights, sums of squares and the returned gradients come from it and go into one array of
gradients. These tests check that path against the eager engine: parameters updated between calls, a
parameter read twice, a layer's outputs read by something else too, and the checks that send a call
whose leaves changed kind to a new trace."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import GuardError, Value, compile, dot, grad
from autograd.replay.gather import fromiter_refuses_lanes, index, leaf_names, run_text
from autograd.replay.symbolic import Writer


def _close(got: Any, want: Any) -> bool:
    """Equal to 1e-12 relative (absolute below 1), as ``check=True`` compares."""
    a, b = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-12 * np.maximum(1.0, np.abs(b))))


def _agrees(exact: bool, got: Any, want: Any) -> bool:
    """An exact program's numbers equal eager's bit for bit (``==``); the default's to 1e-12 (:func:`_close`)."""
    return bool(got == want) if exact else _close(got, want)


def _moons_loss(model: nn.MLP, x: Any, y: Any) -> Any:
    params = model.parameters()

    def loss() -> Value:
        out: Value = nn.hinge(model.batch(x), y).mean() + 1e-4 * sum(p * p for p in params)
        return out

    return loss


def _data() -> tuple[Any, Any]:
    x, labels = nn.moons(60, noise=0.1, seed=5)
    return x, 2.0 * labels - 1.0


@pytest.mark.parametrize("exact", [True, False])
def test_parameters_updated_between_calls_are_read_afresh(exact: bool) -> None:
    x, y = _data()
    model = nn.MLP(2, [8, 8, 1], seed=4)
    params = model.parameters()
    loss = _moons_loss(model, x, y)
    program = compile(loss, params=params, exact=exact)
    program()
    assert "z0 = " in program.source  # the leaves' floats, gathered once
    for step in range(5):
        value, grads = program()
        out = loss()
        want = grad(out, params)
        assert all(type(g) is float for g in grads)  # floats, as the eager engine gives them
        assert _agrees(exact, value, out.data), step
        assert _agrees(exact, list(grads), want), step
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            p.data = p.data - 0.5 * g + (0.01 if k % 3 == 0 else 0.0)  # training, and a nudge
    assert program.traces == 1


@pytest.mark.parametrize("exact", [True, False])
def test_backward_adds_into_grad_like_the_eager_engine(exact: bool) -> None:
    x, y = _data()
    model = nn.MLP(2, [6, 1], seed=9)
    params = model.parameters()
    loss = _moons_loss(model, x, y)
    program = compile(loss, params=params, exact=exact)
    for p in params:
        p.grad = 0.25  # backward() adds to what is there
    value = program.backward()
    out = loss()
    want = grad(out, params)
    assert _agrees(exact, value, out.data)
    assert all(_agrees(exact, p.grad, 0.25 + g) for p, g in zip(params, want, strict=True))


@pytest.mark.parametrize("exact", [True, False])
def test_a_weight_read_twice_gets_both_gradients(exact: bool) -> None:
    rng = np.random.default_rng(1)
    xs = [Value(rng.normal(size=12)) for _ in range(4)]
    ws = [Value(float(v)) for v in rng.normal(size=4)]
    b = Value(0.1)
    tied = ws[1]

    def f() -> Value:
        z = dot(ws, xs, b).tanh()
        z2 = dot([tied, ws[2], ws[3]], xs[:3])  # ws[1] and ws[2] in a second neuron too
        return (z * z2).mean() + 0.5 * tied * tied + sum(w * w for w in ws)

    program = compile(f, params=[*ws, b], exact=exact)
    program()
    for step in range(3):
        value, grads = program()
        out = f()
        want = grad(out, [*ws, b])
        assert _agrees(exact, value, out.data), step
        assert _agrees(exact, list(grads), want), step
        for w in ws:
            w.data = w.data * 0.9


def test_a_layer_read_by_another_node_too_keeps_its_rows() -> None:
    x, y = _data()
    model = nn.MLP(2, [8, 8, 1], seed=2)
    params = model.parameters()
    hidden = model.layers[0]

    def loss() -> Value:
        h = hidden.batch(x)
        assert isinstance(h, list)
        out = model.batch(x)
        extra = sum((v * v).mean() for v in h)  # the first layer's outputs, read again
        total: Value = nn.hinge(out, y).mean() + 0.01 * extra
        return total

    for exact in (True, False):
        program = compile(loss, params=params, exact=exact)
        program()
        value, grads = program()
        out = loss()
        want = grad(out, params)
        if exact:
            assert value == out.data
            assert list(grads) == want
        else:
            assert _close(value, out.data)
            assert _close(grads, want)


def test_a_parameter_that_now_holds_lanes_retraces() -> None:
    x, y = _data()
    model = nn.MLP(2, [4, 1], seed=3)
    params = model.parameters()
    loss = _moons_loss(model, x, y)
    program = compile(loss, params=params)
    program()
    assert program.traces == 1
    bias = params[-1]
    bias.data = np.full(len(x), 0.2)  # the output neuron's bias now holds lanes: another graph
    out = loss()
    value = program.forward()
    assert program.traces == 2
    assert _close(value, out.data)
    bias.data = 0.2  # back to a number: the first trace again
    value = program.forward()
    assert program.traces == 2
    assert _close(value, loss().data)


def test_lanes_of_another_length_retrace_and_strict_programs_say_why() -> None:
    x, _ = _data()
    params = [Value(0.5), Value(-0.25)]
    data = Value(np.asarray(x[:, 0]))

    def f() -> Value:
        out: Value = (data * params[0] + params[1]).mean()
        return out

    program = compile(f, params=params)
    program()
    data.data = np.ones(7)  # the lanes the function reads changed length
    value, _ = program()
    assert program.traces == 2
    assert value == pytest.approx(params[0].data + params[1].data)
    strict = compile(f, params=params, strict=True)
    strict()
    data.data = np.ones(9)
    with pytest.raises(GuardError, match="changed between a number and lanes"):
        strict()


def test_a_single_plain_number_leaf_is_checked_by_its_type() -> None:
    scale = Value(2.0)
    lanes = Value(np.arange(5.0))

    def f() -> Value:
        out: Value = (lanes * scale).sum()
        return out

    program = compile(f, params=[scale])
    assert program()[1] == (10.0,)
    scale.data = np.ones(5)
    assert program.forward() == 10.0  # lanes of ones times the lanes 0..4, summed
    assert program.traces == 2


def test_index_text_is_a_slice_when_evenly_spaced_else_an_index_array() -> None:
    assert run_text([3, 4, 5]) == "3:6"
    assert run_text([5, 3, 1]) == "5:None:-2"
    assert run_text([7]) == "7:8"
    items = list(range(20))
    for slots in ([3, 4, 5], [5, 3, 1], [2, 1, 0], [7], [0, 6, 12, 18], [19, 10, 1]):
        text = run_text(slots)
        assert text is not None
        bounds = [None if t == "None" else int(t) for t in text.split(":")]
        assert items[slice(*bounds)] == slots
    assert run_text([1, 2, 4]) is None
    assert run_text([]) is None
    w = Writer()
    assert index(w, "z0", [0, 1, 2]) == "z0[0:3]"
    text = index(w, "z0", [0, 1, 2, 3], (2, 2))  # a matrix: one index array of its shape
    name = text[3:-1]
    assert np.array_equal(w.namespace[name], [[0, 1], [2, 3]])


def test_a_layer_reads_the_previous_layers_array_as_it_is_unless_exact() -> None:
    x, y = _data()
    model = nn.MLP(2, [16, 16, 1], seed=6)  # 16 neurons: each layer is one vectorized loop
    params = model.parameters()
    loss = _moons_loss(model, x, y)
    fast, exact = compile(loss, params=params), compile(loss, params=params, exact=True)
    fast()
    exact()

    def inputs(source: str) -> list[str]:  # what each layer or neuron multiplies its weights with
        return re.findall(r"\n    s\d+ = (\S+)", source)

    # the second layer's inputs are the first layer's rows in reverse: a reversed view when exact,
    # the array itself (weight columns reversed instead) for the matrix products
    assert any(text.endswith("[15:None:-1]") for text in inputs(exact.source))
    assert any(text.endswith("[0:16:1]") for text in inputs(fast.source))
    value, grads = fast()
    out = loss()
    assert _close(value, out.data)
    assert _close(grads, grad(out, params))


@pytest.mark.parametrize("exact", [True, False])
def test_a_training_run_steps_like_the_eager_engine(exact: bool) -> None:
    """The user's loop, ``zero_grad`` then ``backward`` then a step, 40 times side by side with the
    eager engine: an exact program gives its loss and every gradient bit for bit at every step."""
    x, y = _data()
    eager_model, model = nn.MLP(2, [8, 8, 1], seed=11), nn.MLP(2, [8, 8, 1], seed=11)
    eager_loss = _moons_loss(eager_model, x, y)
    program = compile(_moons_loss(model, x, y), params=model.parameters(), exact=exact)
    for step in range(40):
        eager_model.zero_grad()
        out = eager_loss()
        out.backward()
        model.zero_grad()
        value = program.backward()
        assert _agrees(exact, value, out.data), step
        want = [p.grad for p in eager_model.parameters()]
        assert _agrees(exact, [p.grad for p in model.parameters()], want), step
        rate = 0.5 - 0.4 * step / 40
        for m in (eager_model, model):
            for p in m.parameters():
                p.data -= rate * p.grad
    assert program.traces == 1
    if fromiter_refuses_lanes():  # the Values' numbers go straight into one array: no tuple of every leaf
        assert "Z = A" not in program.source
    assert "V = [" not in program.source
    assert "G = [" not in program.source


def test_a_parameter_that_now_holds_one_lane_retraces() -> None:
    """One lane is lanes, not a number: the call retraces (as for many lanes) and gives eager's numbers."""
    params = [Value(0.1 * k - 1.0) for k in range(20)]
    x = Value(np.array([0.5]))

    def f() -> Value:
        out: Value = (x * params[0] + sum(p * p for p in params)).sum()
        return out

    program = compile(f, params=params)
    program()
    assert "z0 = " in program.source  # the squares read the parameters from one array
    params[3].data = np.array([0.3])
    value, grads = program()
    assert program.traces == 2
    out = f()
    assert value == out.data
    assert type(grads[3]) is np.ndarray
    assert grads[3].shape == (1,)
    want = grad(out, params)
    assert all(np.array_equal(g, w) for g, w in zip(grads, want, strict=True))


@given(
    st.lists(
        st.sampled_from(["l1", "l23", "al3", "l", "ll4", "l5x", "_l6", "1l7", "él8", "l9é", "l٣", " ", "(", "\n", ","]),
        max_size=30,
    ).map("".join)
)
def test_leaf_names_are_the_words_a_word_boundary_regex_finds(text: str) -> None:
    expected = {int(m[2]) for m in re.finditer(r"\b([al])(\d+)\b", text) if m[1] == "l"}
    assert leaf_names(text) == expected
