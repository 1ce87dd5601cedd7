"""What lanes may be: plain float arrays the engine owns (read-only), never a masked array or another subclass."""

from __future__ import annotations

import numpy as np
import pytest
from engine_support import raises_exactly

from autograd import Value


def test_a_masked_array_is_refused_not_silently_dropped_from_the_graph() -> None:
    """`loss = Value(1.0) * (w * np.ma.array([1., 3.])).sum()` left w.grad == 0.0 (a plain array gives 4.0)."""
    w = Value(2.0)
    masked = np.ma.array([1.0, 3.0])
    for build in (lambda: w * masked, lambda: masked * w, lambda: w + masked, lambda: masked / w, lambda: w**masked):
        with pytest.raises(TypeError, match=r"a masked array is not lanes .*a\.filled\(value\) or a\.compressed\(\)"):
            build()
    with pytest.raises(TypeError, match="a masked array is not lanes"):
        Value(masked)
    loss = Value(1.0) * (w * masked.filled(0.0)).sum()
    loss.backward()
    assert w.grad == 4.0


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_another_array_subclass_is_refused_with_what_to_pass() -> None:
    with pytest.raises(TypeError, match=r"a matrix \(a numpy array subclass\) is not lanes; pass np.asarray"):
        Value(2.0) + np.matrix([[1.0, 2.0]])


def test_lanes_cannot_be_changed_in_place_behind_the_graph() -> None:
    """`x.data[0] = nan` was accepted: relu swallowed the nan and the existing graph used the new numbers."""
    source = np.array([1.0, -2.0])
    x = Value(source)
    y = (x * 3.0).relu()
    for lanes in (x.data, y.data, y.parents[0].data):
        assert not lanes.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            lanes[0] = np.nan
    source[0] = np.nan  # the caller's own array is copied, so this changes nothing here
    assert x.data.tolist() == [1.0, -2.0]
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 0.0]


def test_assigning_data_is_the_way_to_change_lanes_and_it_is_checked() -> None:
    x = Value(np.array([1.0, 2.0]))
    x.data = np.array([3.0, 4.0])
    assert x.data.tolist() == [3.0, 4.0]
    assert not x.data.flags.writeable
    with pytest.raises(ValueError, match="must be finite"):
        x.data = np.array([np.nan, 1.0])


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_the_refusal_of_an_array_subclass_names_the_operand_and_what_to_pass() -> None:
    """On either side of every operator, ``**`` included, and as a Value's data."""
    w = Value(2.0)
    masked = np.ma.array([1.0, 3.0])
    says = (
        "a masked array is not lanes (its masked entries have no number to compute with); "
        "pass a.filled(value) or a.compressed() (the unmasked entries), a plain array"
    )
    for build in (lambda: w * masked, lambda: masked * w, lambda: w**masked, lambda: masked**w):
        raises_exactly(TypeError, f"operand: {says}", build)
    raises_exactly(TypeError, f"Value data: {says}", lambda: Value(masked))
    matrix = np.matrix([[1.0, 2.0]])
    for build in (lambda: w + matrix, lambda: matrix + w, lambda: w * matrix, lambda: w**matrix):
        raises_exactly(
            TypeError, "operand: a matrix (a numpy array subclass) is not lanes; pass np.asarray(a).ravel()", build
        )


def test_a_plain_array_as_the_exponent_or_base_of_a_value_power_is_refused_naming_the_way_out() -> None:
    """``Value ** array`` and ``array ** Value`` are not the lanes op (that is ``Value ** Value(array)``):
    a constant there is one number. The message says so, and how to pass one exponent (base) per lane,
    not numpy's refusal of an operand that opts out of its ufuncs."""
    raises_exactly(
        TypeError,
        "exponent: a numpy array is not a number; for one exponent per lane, pass it as a Value: x ** Value(array)",
        lambda: Value(2.0) ** np.array([1.0, 2.0]),
    )
    raises_exactly(
        TypeError,
        "base: a numpy array is not a number; for one base per lane, pass it as a Value: Value(array) ** x",
        lambda: np.array([1.0, 2.0]) ** Value(2.0),
    )
    assert (Value(2.0) ** Value(np.array([1.0, 2.0]))).data.tolist() == [2.0, 4.0]
    assert (Value(np.array([1.0, 2.0])) ** Value(2.0)).data.tolist() == [1.0, 4.0]
    assert (Value(2.0) ** np.array(3.0)).data == 8.0  # a 0-d array is a number
    assert (np.float64(2.0) ** Value(3.0)).data == 8.0


def test_a_0d_array_that_is_not_finite_is_named_as_a_number_would_be() -> None:
    """A 0-d array is a number: not finite, it is refused naming its role, as a float would be."""
    raises_exactly(ValueError, "operand must be finite, got inf", lambda: Value(1.0) + np.array(np.inf))
    raises_exactly(ValueError, "Value data must be finite, got nan", lambda: Value(np.array(np.nan)))
    raises_exactly(ValueError, "exponent must be finite, got inf", lambda: Value(2.0) ** np.array(np.inf))
    raises_exactly(ValueError, "base must be finite, got -inf", lambda: np.array(-np.inf) ** Value(2.0))


def test_lanes_that_are_not_finite_name_the_lane_and_its_number_as_python_writes_it() -> None:
    """The message shows ``nan``/``inf`` as a float prints, not numpy's ``np.float64(nan)``."""
    raises_exactly(ValueError, "Value data must be finite, got nan at lane 1", lambda: Value(np.array([1.0, np.nan])))
    raises_exactly(
        ValueError, "operand must be finite, got -inf at lane 2", lambda: Value(1.0) + np.array([0, 1, -np.inf])
    )
