"""compile(exact=...): matrix products for layers on lanes (the default) agree with the eager engine to
1e-12; ``exact=True`` gives its numbers bit for bit. Both on hypothesis-drawn networks and inputs, and
nn.fit(compile=True) follows the eager training trajectory of the moons lesson."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, compile, grad
from autograd.replay import affine
from autograd.replay.loops import plan

REL = 1e-12


def _close(got: Any, want: Any) -> bool:
    """Equal to 1e-12 relative (absolute below 1), the tolerance ``check=True`` uses."""
    a, b = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= REL * np.maximum(1.0, np.abs(b))))


def _has_layer(program: Any) -> bool:
    tape = program._last.tape
    layers = any(seg.vector and any(affine.layer(tape, seg, o) for o in range(seg.period)) for seg in plan(tape))
    return layers or any(affine.affine(tape, j) for j in range(tape.n_nodes))


@st.composite
def _networks(draw: st.DrawFn) -> tuple[nn.MLP, Any, Any, str]:
    nin = draw(st.integers(1, 5))
    sizes = draw(st.lists(st.integers(4, 12), min_size=1, max_size=3))  # >= MIN_PAIRS inputs: affine blocks
    activation = draw(st.sampled_from(["relu", "tanh", "sigmoid"]))
    lanes = draw(st.integers(2, 40))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    model = nn.MLP(nin, [*sizes, 1], activation=activation, seed=seed)
    x = rng.normal(scale=draw(st.sampled_from([0.1, 1.0, 3.0])), size=(lanes, nin))
    y = np.where(rng.normal(size=lanes) > 0, 1.0, -1.0)
    return model, x, y, draw(st.sampled_from(["hinge", "mse"]))


def _loss(model: nn.MLP, x: Any, y: Any, kind: str) -> Any:
    params = model.parameters()

    def loss() -> Value:
        scores = model.batch(x)
        data = nn.hinge(scores, y) if kind == "hinge" else (scores - y) ** 2
        total: Value = data.mean() + 1e-4 * sum(p * p for p in params)
        return total

    return loss


@settings(max_examples=20)
@given(_networks())
def test_matrix_products_give_the_eager_gradients_to_1e_12(case: tuple[nn.MLP, Any, Any, str]) -> None:
    model, x, y, kind = case
    loss = _loss(model, x, y, kind)
    params = model.parameters()
    program = compile(loss, params=params)
    exact = compile(loss, params=params, exact=True)
    for step in range(3):  # the trace, then two replays with updated parameters
        value, grads = program()
        exact_value, exact_grads = exact()
        out = loss()
        want = grad(out, params)
        assert _close(value, out.data), step
        assert _close(grads, want), step
        assert exact_value == out.data, step  # bit for bit
        assert list(exact_grads) == want, step
        for p, g in zip(params, want, strict=True):
            p.data -= 0.5 * g
    if max(len(layer.neurons) for layer in model.layers[:-1]) >= affine.MIN_PAIRS:
        assert _has_layer(program)  # the drawn networks exercise the matrix products


def test_the_default_program_differs_from_exact_only_in_rounding() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    x, labels = nn.moons(100, noise=0.1, seed=1337)
    loss = _loss(model, x, 2 * labels - 1, "hinge")
    params = model.parameters()
    fast, exact = compile(loss, params=params), compile(loss, params=params, exact=True)
    fast(), exact()
    assert fast.exact is False
    assert exact.exact is True
    bound = [set(map(id, p._last.programs[True].__globals__.values())) for p in (fast, exact)]  # type: ignore[union-attr]
    assert id(affine._layer_weight_sums_fast) in bound[0]  # matrix products (the biases in the same ones)
    assert id(affine._layer) not in bound[0]
    assert id(affine._layer) in bound[1]
    assert id(affine._layer_fast) not in bound[1]
    assert id(affine._layer_weight_sums_fast) not in bound[1]
    fast_value, fast_grads = fast()
    exact_value, exact_grads = exact()
    assert _close(fast_value, exact_value)
    assert _close(fast_grads, exact_grads)


def test_fit_with_compile_follows_the_moons_lesson_to_1e_12() -> None:
    """The lesson's 100 steps (MLP(2, [16, 16, 1]), hinge, L2, decaying rate): every loss, every
    accuracy and the final weights, compiled against eager."""
    x, labels = nn.moons(100, noise=0.1, seed=1337)
    y = 2 * labels - 1
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [16, 16, 1], seed=1337)
        optimizer = nn.SGD(model.parameters(), lr=lambda step: 1.0 - 0.9 * step / 100)
        history = nn.fit(
            model,
            x,
            y,
            loss="hinge",
            l2=1e-4,
            optimizer=optimizer,
            epochs=100,
            shuffle=False,
            progress=False,
            lanes=True,
            compile=compiled,
        )
        runs.append((history, [p.data for p in model.parameters()]))
    (eager, eager_weights), (replayed, replayed_weights) = runs
    assert _close(replayed.loss, eager.loss)
    assert replayed.accuracy == eager.accuracy
    assert replayed.accuracy[-1] == 1.0  # the lesson's result: every sample classified
    assert _close(replayed_weights, eager_weights)
