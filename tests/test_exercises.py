"""The lessons' exercise checkers (notebooks/exercises.py) say right or wrong, and why."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notebooks"))

from exercises import Feedback, check_choice, check_number, check_rule

from autograd import Value


def test_a_number_within_four_significant_digits_is_right_and_says_why() -> None:
    feedback = check_number(0.09276, 0.0927609255818386, what="∂E/∂b", why="∂s/∂b = 1.")
    assert feedback
    assert feedback.correct is True
    assert str(feedback) == "✓ Right: ∂E/∂b = 0.09276. ∂s/∂b = 1."


def test_a_value_counts_by_its_data() -> None:
    assert check_number(Value(0.25), Value(0.25), what="σ′(0)")


def test_no_answer_yet_is_neither_right_nor_wrong() -> None:
    for blank in (..., None):
        feedback = check_number(blank, 1.0, what="x")
        assert feedback.correct is None
        assert not feedback
        assert str(feedback).startswith("… No answer yet:")


def test_a_known_mistake_is_named() -> None:
    feedback = check_number(0.0, 0.0927609, what="∂E/∂b", mistakes={0.0: "what ∂s/∂b = 0 gives."})
    assert feedback.correct is False
    assert str(feedback) == "✗ Not yet: 0 is what ∂s/∂b = 0 gives."


def test_the_wrong_sign_and_a_wrong_factor_are_told_apart() -> None:
    assert "wrong sign" in check_number(-0.5, 0.5, what="g").message
    factor = check_number(1.0, 0.5, what="g").message
    assert "2 times" in factor
    assert "factor" in factor


def test_a_non_number_is_refused_with_the_reason() -> None:
    for bad in ("0.5", True, math.nan, [0.5]):
        feedback = check_number(bad, 0.5, what="g")
        assert feedback.correct is False
        assert "real number" in feedback.message


def test_a_choice_gives_the_reason_of_the_option_chosen() -> None:
    reasons = {"w1": "no: x₂ = 3·x₁", "w2": "yes: x₂ = 3·x₁"}
    assert check_choice(" W2 ", "w2", reasons).message == "yes: x₂ = 3·x₁"
    assert not check_choice("w1", "w2", reasons)
    assert "not one of the options" in check_choice("w3", "w2", reasons).message
    assert check_choice(..., "w2", reasons).correct is None
    with pytest.raises(ValueError, match="correct option"):
        check_choice("w1", "w3", reasons)


def test_a_rule_is_checked_by_gradcheck_through_the_engine() -> None:
    right = check_rule("tanh_t", math.tanh, lambda out, x: (1 - out**2,), [-1.5, 0.2, 2.0])
    assert right
    assert "gradcheck agrees" in right.message
    wrong = check_rule("tanh_t", math.tanh, lambda out, x: (1 - out,), [-1.5, 0.2, 2.0])
    assert wrong.correct is False
    assert "finite differences give 0.1807" in wrong.message  # tanh′(−1.5) = 1 − tanh²(−1.5)


def test_a_rule_off_by_a_thousandth_fails() -> None:
    off = check_rule("tanh_off", math.tanh, lambda out, x: (1.001 * (1 - out**2),), [0.3])
    assert off.correct is False


def test_a_rule_of_the_wrong_shape_is_explained() -> None:
    feedback = check_rule("tanh_shape", math.tanh, lambda out: (1 - out**2,), [0.3])
    assert feedback.correct is False
    assert "local(out, x)" in feedback.message
    assert check_rule("tanh_shape", math.tanh, 0.42, [0.3]).correct is False
    assert check_rule("tanh_shape", math.tanh, ..., [0.3]).correct is None


def test_feedback_html_escapes_the_message() -> None:
    html = Feedback(False, "<script>alert(1)</script>")._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
