"""Exercises answered in the page (no kernel) say what the Python checkers say, word for word.

An unanswered check_number or check_choice shows a form whose data is the checker's own
(expected number, tolerance, known-mistake table; options and reasons); the page's script
(notebooks/exercises.js) must then give, for every answer typed, the text Python gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

from browser_support import needs_browser, open_page, screenshot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notebooks"))

from exercises import NEEDS_PYTHON, check_choice, check_number, check_rule

EXPECTED = 0.0927609255818386
MISTAKES = {0.0: "what you get with ∂s/∂b = 0.", 0.844352143: "∂E/∂ŷ alone: the sigmoid's slope is missing."}
REASONS = {"w1": "no: x₂ = 3·x₁", "w2": "yes: w₂ moves three times as far", "neither": "both move"}

# What a learner might type: right, a known mistake, the wrong sign, a factor off, 0, text, exponents, ties.
ANSWERS = [
    "0.09276",
    " 0.0927609 ",
    "0",
    "0.8444",
    "-0.09276",
    "0.9276",
    "0.0464",
    "1e-3",
    "-2.5E2",
    "abc",
    "0.5",
    "1.0625",
    "123456789",
    "0.00001234",
    "12",
    "it's",
    ".5",
]


def _number_feedback(text: str) -> str:
    try:
        value: object = float(text.strip())
    except ValueError:
        value = text
    return str(check_number(value, EXPECTED, what="∂E/∂b", why="∂s/∂b = 1.", mistakes=MISTAKES))


@needs_browser
def test_answers_typed_in_the_page_get_the_python_checkers_words(tmp_path: Path) -> None:
    number = check_number(..., EXPECTED, what="∂E/∂b", why="∂s/∂b = 1.", mistakes=MISTAKES)
    choice = check_choice(..., "w2", REASONS)
    rule = check_rule("sq", lambda x: x * x, ..., [0.5])
    page = tmp_path / "exercises.html"
    page.write_text(
        "<!doctype html><html><body><main style='width:800px'>"
        + number._repr_html_()
        + choice._repr_html_()
        + rule._repr_html_()
        + "</main></body></html>",
        encoding="utf-8",
    )
    with open_page(page) as (browser, log):
        form = browser.locator("form.exercise-live").nth(0)
        result = form.locator(".exercise-live-result")
        for text in ANSWERS:
            form.locator(".exercise-answer").fill(text)
            form.locator("button").click()
            assert result.get_attribute("data-text") == _number_feedback(text), text
        form.locator(".exercise-answer").fill("0.8444")
        form.locator("button").click()
        screenshot(browser, "exercises_in_the_page", full_page=True)
        options = browser.locator("form.exercise-live").nth(1)
        options.locator("button").click()
        assert options.locator(".exercise-live-result").get_attribute("data-correct") == "null"
        for option in REASONS:
            options.locator(f'input[value="{option}"]').check()
            options.locator("button").click()
            assert options.locator(".exercise-live-result").get_attribute("data-text") == str(
                check_choice(option, "w2", REASONS)
            )
        assert browser.locator("form.exercise-live").count() == 2  # the rule exercise has no form …
        assert NEEDS_PYTHON in browser.locator(".exercise-python").inner_text()  # … it says how to run it
    assert log.clean(), log.problems()
