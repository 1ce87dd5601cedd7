"""autograd.functional: jacobian, hessian, vjp, jvp, hvp, value_and_grad.

Each is checked against closed forms, and against ``torch.autograd.functional`` (float64)
where PyTorch is installed (those tests skip cleanly without it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd import Value
from autograd.functional import hessian, hvp, jacobian, jvp, value_and_grad, vjp

# Functions written with the methods Values and tensors share, and a point for each:
# scalars, several inputs, lanes, several outputs (a tuple), lanes out of scalars.
CASES: list[tuple[str, Callable[..., Any], Any]] = [
    ("sin(x*y) + exp(x)/y", lambda x, y: (x * y).sin() + x.exp() / y, (0.3, 1.7)),
    ("tanh(x)**3", lambda x: x.tanh() ** 3, 0.4),
    ("x**y", lambda x, y: x**y, (1.3, 0.7)),
    ("sigmoid(v)*w summed", lambda v, w: (v.sigmoid() * w).sum(), (np.array([0.1, -0.4, 2.0]), 0.5)),
    ("lanes out: v*v*w", lambda v, w: v * v * w, (np.array([0.5, -1.5]), 2.0)),
    ("two outputs", lambda x, y: (x * y, (x + y).log()), (0.6, 1.2)),
    ("lanes and a scalar out", lambda v: (v.exp(), (v * v).mean()), np.array([0.2, 0.3, -0.1])),
]
SCALAR = [c for c in CASES if c[0] not in ("lanes out: v*v*w", "two outputs", "lanes and a scalar out")]


def _torch() -> Any:
    return pytest.importorskip("torch", reason="PyTorch (the torch extra) is not installed")


def _as_tensors(torch: Any, inputs: Any) -> Any:
    if isinstance(inputs, tuple):
        return tuple(torch.tensor(x, dtype=torch.float64) for x in inputs)
    return torch.tensor(inputs, dtype=torch.float64)


def _assert_same(ours: Any, theirs: Any, where: str = "") -> None:
    """The same structure (tuples mirror tuples), the same numbers to 1e-12 relative."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple), (where, ours)
        assert len(ours) == len(theirs), (where, ours, theirs)
        for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _assert_same(a, b, f"{where}[{k}]")
        return
    expected = theirs.detach().numpy()
    if expected.shape == ():
        assert type(ours) is float, (where, ours)
    else:
        assert isinstance(ours, np.ndarray), (where, ours)
        assert ours.shape == expected.shape, (where, ours, expected)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14, err_msg=where)


@pytest.mark.parametrize(("name", "f", "point"), CASES, ids=[c[0] for c in CASES])
def test_jacobian_matches_torch(name: str, f: Callable[..., Any], point: Any) -> None:
    torch = _torch()
    theirs = torch.autograd.functional.jacobian(f, _as_tensors(torch, point))
    _assert_same(jacobian(f, point), theirs)


@pytest.mark.parametrize(("name", "f", "point"), SCALAR, ids=[c[0] for c in SCALAR])
def test_hessian_matches_torch(name: str, f: Callable[..., Any], point: Any) -> None:
    torch = _torch()
    theirs = torch.autograd.functional.hessian(f, _as_tensors(torch, point))
    _assert_same(hessian(f, point), theirs)


def _vector_like(value: Any, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    if isinstance(value, tuple):
        return tuple(_vector_like(v, seed + 1 + k) for k, v in enumerate(value))
    if isinstance(value, np.ndarray):
        return rng.standard_normal(value.shape)
    return float(rng.standard_normal())


@pytest.mark.parametrize(("name", "f", "point"), CASES, ids=[c[0] for c in CASES])
def test_vjp_and_jvp_match_torch(name: str, f: Callable[..., Any], point: Any) -> None:
    torch = _torch()
    out, _ = vjp(f, point, _vector_like(_outputs_of(f, point), 1))
    u = _vector_like(out, 1)
    v = _vector_like(point, 2)
    theirs = torch.autograd.functional.vjp(f, _as_tensors(torch, point), _as_tensors(torch, u))
    _assert_same(vjp(f, point, u), theirs)
    theirs = torch.autograd.functional.jvp(f, _as_tensors(torch, point), _as_tensors(torch, v))
    _assert_same(jvp(f, point, v), theirs)


@pytest.mark.parametrize(("name", "f", "point"), SCALAR, ids=[c[0] for c in SCALAR])
def test_hvp_matches_torch(name: str, f: Callable[..., Any], point: Any) -> None:
    torch = _torch()
    v = _vector_like(point, 3)
    theirs = torch.autograd.functional.hvp(f, _as_tensors(torch, point), _as_tensors(torch, v))
    _assert_same(hvp(f, point, v), theirs)


def test_value_and_grad_matches_torch() -> None:
    torch = _torch()
    f = SCALAR[0][1]
    x, y = (
        torch.tensor(0.3, dtype=torch.float64, requires_grad=True),
        torch.tensor(1.7, dtype=torch.float64, requires_grad=True),
    )
    out = f(x, y)
    gx, gy = torch.autograd.grad(out, [x, y])
    value, grads = value_and_grad(f, argnums=(0, 1))(0.3, 1.7)
    assert value == pytest.approx(out.item(), rel=1e-15)
    assert grads == pytest.approx((gx.item(), gy.item()), rel=1e-13)


def _outputs_of(f: Callable[..., Any], point: Any) -> Any:
    xs = point if isinstance(point, tuple) else (point,)
    out = f(*(Value(x) for x in xs))
    if isinstance(out, tuple):
        return tuple(o.data for o in out)
    return out.data


# -- closed forms (no PyTorch needed) ---------------------------------------------------------


def test_closed_forms_of_a_polynomial() -> None:
    def f(x: Value, y: Value) -> Value:
        return x * x * y + y**3

    x, y = 2.0, -1.5
    assert jacobian(f, (x, y)) == (2 * x * y, x * x + 3 * y * y)
    assert hessian(f, (x, y)) == ((2 * y, 2 * x), (2 * x, 6 * y))
    value, product = hvp(f, (x, y), (1.0, -2.0))
    assert value == x * x * y + y**3
    assert product == (2 * y - 2 * 2 * x, 2 * x - 2 * 6 * y)
    assert vjp(f, (x, y), 2.0) == (value, (2 * 2 * x * y, 2 * (x * x + 3 * y * y)))
    assert jvp(f, (x, y), (1.0, 1.0)) == (value, 2 * x * y + x * x + 3 * y * y)
    assert value_and_grad(f)(x, y) == (value, 2 * x * y)
    assert value_and_grad(f, argnums=1)(x, y) == (value, x * x + 3 * y * y)
    assert value_and_grad(f, argnums=(1, 0))(x, y) == (value, (x * x + 3 * y * y, 2 * x * y))
    assert value_and_grad(f, argnums=-1)(x, y) == (value, x * x + 3 * y * y)


def test_lanes_shapes_follow_torch_conventions() -> None:
    v = np.array([0.5, -1.0, 2.0])
    jac = jacobian(lambda a: a.sin(), v)
    assert isinstance(jac, np.ndarray)
    assert jac.shape == (3, 3)
    np.testing.assert_allclose(jac, np.diag(np.cos(v)), rtol=1e-15)
    jac_scalar_in = jacobian(lambda a, w: a * w, (v, 3.0))
    assert jac_scalar_in[0].shape == (3, 3)
    assert jac_scalar_in[1].shape == (3,)
    np.testing.assert_allclose(jac_scalar_in[1], v)
    hess = hessian(lambda a: (a * a * a).sum(), v)
    np.testing.assert_allclose(hess, np.diag(6 * v), rtol=1e-15)
    grad_of_sum = vjp(lambda a: a.exp(), v, np.ones(3))[1]
    np.testing.assert_allclose(grad_of_sum, np.exp(v), rtol=1e-15)


def test_an_input_the_output_does_not_use_gets_zeros_of_its_shape() -> None:
    v = np.array([1.0, 2.0])
    jac = jacobian(lambda a, b: b * 2.0, (v, 0.5))
    assert isinstance(jac[0], np.ndarray)
    assert jac[0].shape == (2,)
    assert not jac[0].any()
    assert jac[1] == 2.0
    assert value_and_grad(lambda a, b: b * b)(v, 3.0) == (9.0, pytest.approx(np.zeros(2)))


def test_jvp_is_the_derivative_along_v() -> None:
    # d/dt f(x + t·v) at t = 0, against a central difference of the function itself
    def f(x: Value, y: Value) -> tuple[Value, Value]:
        return (x * y).sin(), (x - y).exp()

    point, v = (0.4, -0.9), (0.3, 0.7)
    _, (d0, d1) = jvp(f, point, v)
    h = 1e-6

    def at(t: float) -> tuple[float, float]:
        a, b = f(Value(point[0] + t * v[0]), Value(point[1] + t * v[1]))
        return a.data, b.data

    (p0, p1), (m0, m1) = at(h), at(-h)
    assert d0 == pytest.approx((p0 - m0) / (2 * h), rel=1e-8)
    assert d1 == pytest.approx((p1 - m1) / (2 * h), rel=1e-8)
    assert d0 == pytest.approx(math.cos(0.4 * -0.9) * (-0.9 * 0.3 + 0.4 * 0.7), rel=1e-14)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: jacobian(lambda x: x, Value(1.0)), TypeError, "got a Value"),
        (lambda: jacobian(lambda x: x, ()), ValueError, "inputs is empty"),
        (lambda: jacobian(lambda x: x, [[1.0, 2.0]]), TypeError, r"inputs\[0\] is a list"),
        (lambda: jacobian(lambda x: 3.0, 1.0), TypeError, "f must return a Value"),
        (lambda: jacobian(lambda x: [x, 2.0], 1.0), TypeError, "holding float"),
        (lambda: jacobian(3.0, 1.0), TypeError, "f must be callable"),
        (lambda: jacobian(lambda x: x, float("nan")), ValueError, "must be finite"),
        (lambda: hessian(lambda x: (x, x), 1.0), ValueError, "one scalar Value"),
        (lambda: hessian(lambda v: v * v, np.ones(2)), ValueError, "returned 2 lanes"),
        (lambda: hvp(lambda x, y: x * y, (1.0, 2.0), 1.0), ValueError, "v has 1 part"),
        (lambda: hvp(lambda v: (v * v).sum(), np.ones(2), np.ones(3)), ValueError, r"shape \(3,\)"),
        (lambda: vjp(lambda v: v * v, np.ones(2)), ValueError, "v is needed"),
        (lambda: jvp(lambda x: x, 1.0, (1.0, 2.0)), ValueError, "v has 2 part"),
        (lambda: value_and_grad(lambda x: x, argnums=2)(1.0), ValueError, "out of range"),
        (lambda: value_and_grad(lambda x: x, argnums=True), TypeError, "argnums"),
        (lambda: value_and_grad(lambda x: x, argnums=()), TypeError, "argnums"),
        (lambda: value_and_grad(lambda x: x)(), TypeError, "needs its arguments"),
        (lambda: value_and_grad(1.0), TypeError, "callable"),
    ],
)
def test_bad_input_is_refused_with_a_message(call: Callable[[], Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()
