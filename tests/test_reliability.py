"""Reliability findings 5, 6, 9 and 10: no silent infinities, `.data` assignments, edge inputs, path counts."""

import math
from pathlib import Path

import numpy as np
import pytest

from autograd import (
    DomainError,
    TooManyPathsError,
    Value,
    backward,
    count_paths,
    derivative_chains,
    grad,
    vsum,
)

# -- finding 5: no silent non-finite gradients ---------------------------------------------


def overflowing() -> tuple[Value, Value]:
    z = Value(1.0, label="z")
    return (1e200 * (1e200 * z).sin()).sin(), z


def test_backward_names_the_node_where_the_gradient_overflows() -> None:
    y, _ = overflowing()
    assert y.data == pytest.approx(0.5036296416460466)
    with pytest.raises(DomainError, match=r"backward: the gradient of leaf 'z' .* is -inf.*1e\+200 ×"):
        y.backward()


def test_an_interior_node_is_named_when_it_overflows_first() -> None:
    x = Value(1e-10, label="x")
    h = x * 1.0
    y = vsum([h * 1e308, h * 1e308])  # each contribution to h's gradient is finite; their sum is not
    with pytest.raises(DomainError, match=r"the gradient of node v2 \('mul'\) .* is inf"):
        y.backward()


def test_grad_refuses_a_non_finite_gradient_too() -> None:
    y, z = overflowing()
    with pytest.raises(DomainError, match=r"grad: the gradient of leaf 'z'"):
        grad(y, [z])
    with pytest.raises(DomainError, match="overflows"):  # the op building the gradient overflows
        grad(y, [z], create_graph=True)


@pytest.mark.parametrize("seed", [math.nan, math.inf, -math.inf, np.float64("nan")])
def test_a_non_finite_seed_is_refused_for_scalars(seed: float) -> None:
    with pytest.raises(ValueError, match="upstream gradient must be finite"):
        Value(1.0).backward(seed)
    with pytest.raises(ValueError, match="upstream gradient must be finite"):
        grad(Value(1.0) * 2.0, [Value(1.0)], seed)


def test_a_non_finite_seed_is_refused_for_lanes() -> None:
    v = Value(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"upstream gradient must be finite, got .*nan.* at lane 1"):
        (v * 2.0).backward(np.array([1.0, np.nan]))


def test_lanes_overflowing_in_backward_are_named() -> None:
    x = Value(np.array([1.0, 1.0]), label="x")
    y = (1e200 * (1e200 * x).sin()).sin().sum()
    with pytest.raises(DomainError, match=r"leaf 'x'.*lanes, first not finite at lane 0"):
        backward(y)


# -- finding 6: .data assignments ------------------------------------------------------------


@pytest.mark.parametrize(
    ("assigned", "expected"),
    [(0, 0.0), (np.float64(0.25), 0.25), (np.clip(np.float32(3.0), 0, 1), 1.0), (np.array(2.5), 2.5), (True, None)],
    ids=["int", "numpy scalar", "np.clip", "0-d array", "bool"],
)
def test_data_assignments_keep_a_float_or_fail_at_once(assigned: object, expected: float | None) -> None:
    w = Value(1.0)
    if expected is None:
        with pytest.raises(TypeError, match="data must be a real number"):
            w.data = assigned  # type: ignore[assignment]
        assert w.data == 1.0  # unchanged
        return
    w.data = assigned  # type: ignore[assignment]
    assert type(w.data) is float
    assert w.data == expected
    assert (w * 2.0).data == 2 * expected  # later ops work


def test_the_training_update_keeps_a_float() -> None:
    p = Value(1.0)
    (p * p).backward()
    p.data -= 0.1 * p.grad
    assert type(p.data) is float
    assert p.data == pytest.approx(0.8)


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1.0", None, np.zeros((2, 2)), 10**400])
def test_bad_data_is_refused_at_the_assignment_leaving_data_unchanged(bad: object) -> None:
    w = Value(1.0)
    with pytest.raises((TypeError, ValueError), match="data"):
        w.data = bad  # type: ignore[assignment]
    assert w.data == 1.0


def test_lanes_assigned_to_data_are_copied_as_float64() -> None:
    w = Value(np.array([1.0, 2.0]))
    ints = np.array([3, 4])
    w.data = ints  # type: ignore[assignment]
    assert w.data.dtype == np.float64  # type: ignore[attr-defined]
    ints[0] = 99
    assert w.data[0] == 3.0  # type: ignore[index]


def test_backward_and_create_graph_agree_or_say_the_graph_is_stale() -> None:
    """Finding 6: backward gave 4 (stored derivative), grad(create_graph=True) 6, nothing said which."""
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
    from autograd import GradcheckError, define_op, gradgradcheck
    from autograd.core.rules import unregister

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


# -- finding 9: edge inputs ------------------------------------------------------------------

HUGE = 10**400


@pytest.mark.parametrize(
    "call",
    [
        lambda: Value(HUGE),
        lambda: Value(1.0) + HUGE,
        lambda: HUGE * Value(1.0),
        lambda: Value(1.0) ** HUGE,
        lambda: Value(1.0).backward(HUGE),
        lambda: vsum([Value(1.0), HUGE]),
    ],
    ids=["Value", "add", "rmul", "pow", "backward", "vsum"],
)
def test_huge_integers_are_a_value_error_naming_their_size(call: object) -> None:
    with pytest.raises(ValueError, match="integer of about 401 digits"):
        call()  # type: ignore[operator]


def test_comparisons_with_huge_integers_are_exact() -> None:
    v = Value(1e300)
    assert v < HUGE
    assert not v > HUGE
    assert v >= 10**300 - 1 or v < 10**300  # whichever: no OverflowError


def test_a_0_d_array_is_a_scalar() -> None:
    v = Value(np.array(1.5))
    assert type(v.data) is float
    assert v.lanes is None
    assert (v * np.array(2.0)).data == 3.0


@pytest.mark.parametrize("dtype", ["timedelta64[s]", "datetime64[D]", "complex128", "object", "bool", "U1"])
def test_only_real_dtypes_are_lanes(dtype: str) -> None:
    arr = np.zeros(3, dtype=dtype)
    with pytest.raises(TypeError, match="lanes must hold real numbers"):
        Value(arr)


def test_path_counts_beyond_any_printable_number_are_too_many_paths() -> None:
    """Finding 9: more than 10^4300 paths made the error message itself fail (int-to-str limit)."""
    x = Value(1.0)
    y = x
    for _ in range(15_000):
        y = (y + y) * 0.5  # each level doubles the number of paths
    assert count_paths(y, x).bit_length() == 15_001
    with pytest.raises(TooManyPathsError, match=r"about 10\^4515 paths") as info:
        derivative_chains(y, x)
    assert info.value.count == 2**15_000


# -- finding 8: pictures are written by the same helper as models ----------------------------


def test_drawings_are_saved_by_the_shared_helper(tmp_path: Path) -> None:
    import os
    import stat

    from viz import draw_graph

    x = Value(2.0, label="x")
    drawing = draw_graph(x * x)
    fifo = tmp_path / "picture.dot"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"refusing to replace .*a FIFO"):
        drawing.save(fifo)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    target = tmp_path / "real.dot"
    (tmp_path / "link.dot").symlink_to(target.name)
    drawing.save(tmp_path / "link.dot")
    assert target.read_text().startswith("digraph")
    target.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        drawing.save(target)
    assert sorted(os.listdir(tmp_path)) == ["link.dot", "picture.dot", "real.dot"]


# -- finding 10: grad(create_graph=True) builds a graph linear in the graph's size ------------


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
