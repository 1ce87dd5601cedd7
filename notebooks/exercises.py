"""Exercises with instant feedback for the chainrule lessons.

Each checker takes your answer and what the engine computed, and returns a
:class:`Feedback`: right or wrong, and why. It shows as a coloured box in Jupyter and
as one line of text elsewhere; ``bool(feedback)`` is True only for a right answer.

* :func:`check_number` — a number you worked out by hand (a gradient, a local
  derivative, a count), compared with the engine's; it recognises the usual mistakes
  the lesson names (a missing factor, the wrong sign, a seed article's misprint).
* :func:`check_choice` — a choice between a few options, with the reason for each.
* :func:`check_rule` — a derivative rule you write yourself: it becomes an op of the
  engine (``define_op``) and ``gradcheck`` compares it with finite differences.

An exercise cell starts with ``answer = ...``; until you replace the ``...`` the checker
says so, so the lessons run top to bottom untouched.

Answering in the page: until then, a numeric or multiple-choice exercise also shows a small
form (its HTML carries the checker's data — the expected number, the tolerance and the
known-mistake table, or the options and their reasons — and ``exercises.js`` applies the
same checks with the same words), so the exported lessons and the course site answer it
with no kernel. An exercise that needs Python (:func:`check_rule`) says how to run it.

>>> check_number(0.25, 0.25, what="σ′(0)").correct
True
>>> print(check_number(-0.25, 0.25, what="σ′(0)"))
✗ Not yet: -0.25 has the right size but the wrong sign (σ′(0) = +…).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from numbers import Real
from pathlib import Path
from typing import Any

from autograd import GradcheckError, Value, define_op, gradcheck

__all__ = ["Feedback", "check_choice", "check_number", "check_rule", "exercise_data"]

NOT_ANSWERED = "Replace the `...` with your answer and run the cell again."
NEEDS_PYTHON = (
    "This exercise runs your Python code, so it needs a running notebook: open this lesson in Jupyter "
    "(`make lab` in a checkout of chainrule, or any Jupyter with chainrule installed), write your answer "
    "in the cell above and run it."
)
_COLOURS = {
    True: ("#1b5e20", "#e8f5e9"),
    False: ("#b71c1c", "#ffebee"),
    None: ("#37474f", "#eceff1"),
}
_SCRIPT_UNSAFE = re.compile(r"<(/|!--|script)", re.IGNORECASE)


@cache
def _page_script() -> str:
    """``exercises.js``: the checks of :func:`check_number` and :func:`check_choice`, in the page."""
    return (Path(__file__).resolve().parent / "exercises.js").read_text(
        encoding="utf-8"
    )


@dataclass(frozen=True)
class Feedback:
    """What a checker says: ``correct`` (None while there is no answer yet) and why.

    ``exercise`` holds, while there is no answer yet, what the page needs to check one
    itself (see :func:`exercise_data`): its HTML then offers a form to answer in the page.
    """

    correct: bool | None
    message: str
    exercise: Mapping[str, Any] | None = field(default=None, compare=False)

    def __bool__(self) -> bool:
        return self.correct is True

    def __str__(self) -> str:
        mark = {True: "✓ Right:", False: "✗ Not yet:", None: "… No answer yet:"}[
            self.correct
        ]
        return f"{mark} {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        ink, paper = _COLOURS[self.correct]
        mark, _, text = str(self).partition(": ")
        box = (
            f'<div class="exercise-feedback" style="border-left:4px solid {ink};background:{paper};'
            f'color:{ink};padding:0.4em 0.8em;margin:0.3em 0">'
            f"<strong>{html.escape(mark)}</strong> {html.escape(text)}</div>"
        )
        return box + _form(self.exercise) if self.exercise is not None else box


def exercise_data(kind: str, **fields: Any) -> dict[str, Any]:
    """What an unanswered exercise hands the page: its checker's data, as JSON-ready values.

    ``kind`` is ``"number"`` (``expected``, ``what``, ``why``, ``rel``, ``mistakes`` as
    ``[value, reason]`` pairs), ``"choice"`` (``correct``, ``reasons``) or ``"python"``.
    """
    data = {"kind": kind, "blank": NOT_ANSWERED, **fields}
    data["colours"] = {json.dumps(k): list(v) for k, v in _COLOURS.items()}
    return data


def _form(exercise: Mapping[str, Any]) -> str:
    """The in-page answer form of an exercise (a note for one that needs Python)."""
    if exercise["kind"] == "python":
        return f'<p class="exercise-python" style="margin:0.2em 0;color:#37474f">{html.escape(NEEDS_PYTHON)}</p>'
    if exercise["kind"] == "number":
        field_html = (
            f'<label>{html.escape(str(exercise["what"]))} = <input type="text" class="exercise-answer" '
            'inputmode="decimal" size="14" aria-label="your answer"></label>'
        )
    else:
        field_html = "".join(
            f'<label style="margin-right:1em"><input type="radio" class="exercise-option" name="option" '
            f'value="{html.escape(option, quote=True)}"> {html.escape(option)}</label>'
            for option in exercise["reasons"]
        )
    data = _SCRIPT_UNSAFE.sub(
        lambda m: "<\\/" if m.group(1) == "/" else "\\u003c" + m.group(1),
        json.dumps(exercise, ensure_ascii=False),
    )
    return (
        '<form class="exercise-live" style="margin:0.2em 0 0.6em">'
        '<span style="margin-right:0.5em">Or answer here, no kernel needed:</span>'
        f'{field_html} <button type="submit">Check</button>'
        '<div class="exercise-live-result" aria-live="polite"></div>'
        f'<script type="application/json" class="exercise-data">{data}</script>'
        f"<script>{_page_script()}</script></form>"
    )


def _number(answer: object) -> float | None:
    if isinstance(answer, Value):
        answer = answer.data
    if isinstance(answer, bool) or not isinstance(answer, Real):
        return None
    value = float(answer)
    return value if math.isfinite(value) else None


def _close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-12


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def check_number(
    answer: object,
    expected: float | Value,
    *,
    what: str,
    why: str = "",
    rel: float = 5e-3,
    mistakes: Mapping[float, str] | None = None,
) -> Feedback:
    """Compare a number you worked out with the engine's.

    Args:
        answer: Your number (``...`` while you have none).
        expected: What the engine computed (a float, or a Value whose ``.data`` counts).
        what: What the number is, e.g. ``"∂E/∂b"``.
        why: One sentence saying why the right answer is right, shown when you get it.
        rel: Relative tolerance: 4 significant digits by hand are enough.
        mistakes: Numbers a usual mistake gives, each with what went wrong.

    Returns:
        Right when ``answer`` is within ``rel`` of ``expected``; otherwise what it
        looks like went wrong (a known mistake, the sign, a constant factor).
    """
    target = float(expected.data) if isinstance(expected, Value) else float(expected)
    if answer is ... or answer is None:
        table = [[float(wrong), reason] for wrong, reason in (mistakes or {}).items()]
        data = exercise_data(
            "number", expected=target, what=what, why=why, rel=rel, mistakes=table
        )
        return Feedback(None, NOT_ANSWERED, data)
    value = _number(answer)
    if value is None:
        return Feedback(False, f"{what} is a real number; {answer!r} is not.")
    if _close(value, target, rel):
        return Feedback(True, f"{what} = {_fmt(target)}. {why}".strip())
    for wrong, reason in (mistakes or {}).items():
        if _close(value, wrong, rel):
            return Feedback(False, f"{_fmt(value)} is {reason}")
    if target != 0 and _close(-value, target, rel):
        sign = "+" if target > 0 else "−"
        return Feedback(
            False,
            f"{_fmt(value)} has the right size but the wrong sign ({what} = {sign}…).",
        )
    if target != 0 and value != 0:
        ratio = value / target
        return Feedback(
            False,
            f"{_fmt(value)} is {_fmt(ratio)} times the engine's {what}: "
            "look for a factor of the chain that is missing or extra.",
        )
    return Feedback(
        False,
        f"{what} is not {_fmt(value)}: follow the chain rule one local derivative at a time.",
    )


def check_choice(answer: object, correct: str, reasons: Mapping[str, str]) -> Feedback:
    """Check a choice between the options ``reasons`` names; each option's reason is the feedback.

    >>> print(check_choice("b", "b", {"a": "no", "b": "yes, because …"}))
    ✓ Right: yes, because …
    """
    if correct not in reasons:
        raise ValueError(
            f"check_choice: the correct option {correct!r} has no reason among {sorted(reasons)}"
        )
    if answer is ... or answer is None:
        return Feedback(
            None,
            NOT_ANSWERED,
            exercise_data("choice", correct=correct, reasons=dict(reasons)),
        )
    key = str(answer).strip().strip("\"'").lower()
    options = {option.lower(): option for option in reasons}
    if key not in options:
        listed = ", ".join(repr(option) for option in reasons)
        return Feedback(False, f"{answer!r} is not one of the options: {listed}.")
    option = options[key]
    return Feedback(option == correct, reasons[option])


def check_rule(
    name: str,
    forward: Callable[[float], float],
    local: object,
    points: Sequence[float],
    *,
    what: str = "",
) -> Feedback:
    """Turn your local-derivative rule into an op of the engine and gradcheck it.

    Args:
        name: The function's name (the op is registered as ``exercise_<name>``).
        forward: The function itself, on floats.
        local: Your rule ``local(out, x)``: a tuple with ∂out/∂x, written with ordinary
            operators (``out`` is the op's output, ``x`` its input).
        points: Where to check (away from kinks).
        what: How to name the derivative in the feedback (default ``<name>′(x)``).

    Returns:
        Right when ``gradcheck`` agrees at every point; otherwise where it disagrees,
        both numbers, and what the engine expects of a rule.
    """
    if local is ... or local is None:
        return Feedback(None, NOT_ANSWERED, exercise_data("python"))
    if not callable(local):
        return Feedback(
            False,
            "the rule is a function `lambda out, x: (…,)` returning one derivative per input.",
        )
    label = what or f"{name}′(x)"
    op = define_op(f"exercise_{name}", forward, local, replace=True)
    for x in points:
        try:
            gradcheck(op, x)
        except GradcheckError as error:
            if error.analytic is None or error.numeric is None:
                return Feedback(
                    False, f"gradcheck failed at x = {x} ({error.kind}): {error}"
                )
            return Feedback(
                False,
                f"at x = {x} your rule gives {label} = {_fmt(error.analytic)}, "
                f"but finite differences give {_fmt(error.numeric)}.",
            )
        except Exception as error:  # the rule itself failed: say how a rule must look
            return Feedback(
                False,
                f"your rule raised {type(error).__name__}: {error}. It is called as local(out, x) "
                "and returns a tuple, e.g. `lambda out, x: (2 * x,)` for x².",
            )
    where = ", ".join(str(x) for x in points)
    return Feedback(
        True,
        f"gradcheck agrees with your {label} at x = {where}: the engine can use your rule.",
    )
