"""Optimizers: updates against hand-written formulas, schedules, divergence, bad input."""

import math

import numpy as np
import pytest

from autograd import Value
from nn import MLP, SGD, Adam, squared_error


def _params(*values: float, grads: tuple[float, ...]) -> list[Value]:
    ps = [Value(v, f"p{i}") for i, v in enumerate(values)]
    for p, g in zip(ps, grads, strict=True):
        p.grad = g
    return ps


def test_backward_only_computes_gradients_the_optimizer_updates() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    opt = SGD(model.parameters(), lr=0.5)
    before = model.state_dict()
    loss = squared_error(model([0.3, -0.4]), 1.0)
    loss.backward()
    assert model.state_dict() == before  # backprop changed no weight
    grads = [p.grad for p in model.parameters()]
    opt.step()
    after = model.state_dict()
    for (name, old), g in zip(before.items(), grads, strict=True):
        assert after[name] == old - 0.5 * g


def test_sgd_plain() -> None:
    ps = _params(1.0, -2.0, grads=(0.5, -3.0))
    opt = SGD(ps, lr=0.1)
    opt.step()
    assert [p.data for p in ps] == [1.0 - 0.1 * 0.5, -2.0 - 0.1 * -3.0]
    assert opt.steps == 1


def test_sgd_momentum_and_weight_decay() -> None:
    ps = _params(1.0, grads=(0.5,))
    opt = SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01)
    p, v = 1.0, 0.0
    for g in (0.5, -0.2, 0.3):
        ps[0].grad = g
        opt.step()
        v = 0.9 * v + (g + 0.01 * p)
        p = p - 0.1 * v
        assert ps[0].data == pytest.approx(p, rel=1e-15)


def test_adam_against_the_paper() -> None:
    ps = _params(0.5, -1.5, grads=(0.0, 0.0))
    opt = Adam(ps, lr=0.01, betas=(0.8, 0.9), eps=1e-8)
    theta = np.array([0.5, -1.5])
    m = np.zeros(2)
    v = np.zeros(2)
    for t, g in enumerate([(0.3, -1.0), (0.1, 2.0), (-0.4, 0.5)], start=1):
        for p, gi in zip(ps, g, strict=True):
            p.grad = gi
        opt.step()
        ga = np.array(g)
        m = 0.8 * m + 0.2 * ga
        v = 0.9 * v + 0.1 * ga * ga
        theta = theta - 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-8)
        assert [p.data for p in ps] == pytest.approx(theta.tolist(), rel=1e-14)


def test_adam_first_step_moves_each_parameter_by_lr() -> None:
    ps = _params(0.0, 0.0, grads=(1e-3, -50.0))
    Adam(ps, lr=0.1, eps=1e-12).step()
    assert [p.data for p in ps] == pytest.approx([-0.1, 0.1], rel=1e-8)


def test_adam_weight_decay() -> None:
    ps = _params(2.0, grads=(0.0,))
    Adam(ps, lr=0.1, weight_decay=0.5).step()  # gradient 0 + 0.5·2 = 1 > 0: the weight moves down by lr
    assert ps[0].data == pytest.approx(1.9, rel=1e-7)


def test_learning_rate_schedule() -> None:
    ps = _params(0.0, grads=(1.0,))
    opt = SGD(ps, lr=lambda k: 1.0 - 0.9 * k / 100)
    seen = []
    for _ in range(3):
        seen.append(opt.lr)
        opt.step()
    assert seen == [1.0, 1.0 - 0.9 / 100, 1.0 - 1.8 / 100]
    assert ps[0].data == pytest.approx(-sum(seen), rel=1e-15)


def test_schedule_returning_a_bad_rate_is_an_error_and_changes_nothing() -> None:
    ps = _params(1.0, grads=(1.0,))
    opt = SGD(ps, lr=lambda k: 0.5 - 0.5 * k)
    opt.step()
    with pytest.raises(ValueError, match=r"schedule at step 1 must be a finite number > 0, got 0\.0"):
        opt.step()
    assert ps[0].data == 0.5
    assert opt.steps == 1


def test_divergence_is_reported_and_nothing_is_half_updated() -> None:
    ps = _params(1.0, 1e308, grads=(1.0, -1e308))
    opt = SGD(ps, lr=10.0, momentum=0.5)
    with pytest.raises(FloatingPointError, match=r"'p1' would become inf.*lower the learning rate"):
        opt.step()
    assert [p.data for p in ps] == [1.0, 1e308]
    assert opt.steps == 0
    adam = Adam(_params(1.0, grads=(math.ldexp(1.0, 1000),)), lr=1e308)
    adam.params[0].data = -1e308
    with pytest.raises(FloatingPointError, match="would become"):
        adam.step()


def test_zero_grad() -> None:
    ps = _params(1.0, 2.0, grads=(3.0, 4.0))
    SGD(ps, lr=1.0).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: SGD([Value(1.0)], lr=0.0), ValueError, "learning rate must be a finite number > 0, got 0.0"),
        (lambda: SGD([Value(1.0)], lr=-0.1), ValueError, "learning rate must be a finite number > 0"),
        (lambda: SGD([Value(1.0)], lr=math.nan), ValueError, "learning rate must be a finite number > 0"),
        (lambda: SGD([Value(1.0)], lr=math.inf), ValueError, "learning rate must be a finite number > 0"),
        (lambda: SGD([Value(1.0)], lr="0.1"), TypeError, "learning rate must be a real number"),
        (lambda: SGD([Value(1.0)], lr=True), TypeError, "learning rate must be a real number"),
        (lambda: Adam([Value(1.0)], lr=0), ValueError, "learning rate must be a finite number > 0"),
        (lambda: SGD([], lr=0.1), ValueError, "no parameters"),
        (lambda: SGD([1.0], lr=0.1), TypeError, r"params\[0\] must be a Value"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
        (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=-1.0), ValueError, "weight_decay must be"),
        (lambda: Adam([Value(1.0)], betas=(0.9,)), TypeError, "betas must be a pair"),
        (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, r"beta2 must be in \[0, 1\)"),
        (lambda: Adam([Value(1.0)], eps=0.0), ValueError, "eps must be"),
    ],
)
def test_bad_input(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
