"""Arithmetic a learner can redo (viz.arithmetic): the numbers a caption, a chain picture, a
step's frame or ``.latex()`` writes multiply (or add) to the result they write.

Every lesson's outputs are redone in tests/test_lesson_outputs.py (the lessons executed);
their prose here.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from viz_support import bare_edge_labels, seed_neuron

import viz
from autograd import Value, derivative_chains
from viz.arithmetic import MAX_GUARD, backward_step_text, equations, paths_digits, redoes, worked, worked_all
from viz.numbers import format_number

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# -- the check and the guard digits ------------------------------------------------------------


def test_the_unguarded_example_does_not_redo_and_the_guarded_one_does() -> None:
    assert not redoes("×", ["0.8444", "0.1099", "0.1"], "0.009276", digits=4)  # 0.009280
    assert redoes("×", ["0.84435", "0.10986", "0.1"], "0.009276", digits=4)
    assert not redoes("+", ["0.07133", "(-0.6667)"], "-0.5953", digits=4)  # -0.59537 → -0.5954
    assert redoes("+", ["0.071328", "(-0.66667)"], "-0.5953", digits=4)


def test_worked_adds_only_the_guard_digits_needed() -> None:
    w = worked("×", [0.844352143, 0.109860473, 0.1], 0.009276093, digits=4)
    assert (w.terms, w.result, w.guard, w.exact) == (("0.84435", "0.10986", "0.1"), "0.009276", 1, True)
    assert w.text("×") == "0.84435 × 0.10986 × 0.1 = 0.009276"
    exact = worked("×", [0.5, 0.25], 0.125, digits=4)
    assert (exact.terms, exact.guard) == (("0.5", "0.25"), 0)
    negative = worked("×", [-2.0, 0.5], -1.0, digits=4)
    assert negative.text("×") == "(-2) × 0.5 = -1"


def test_a_sum_that_cancels_says_approximately_and_why() -> None:
    a, b = 1.000000123456, -1.0
    w = worked("+", [a, b], a + b, digits=4)
    assert not w.exact
    assert w.guard == MAX_GUARD
    assert " ≈ " in w.text("+")
    assert w.why() == f"(the terms are rounded to {4 + MAX_GUARD} significant digits)"
    assert w.result == format_number(a + b)


def test_worked_all_writes_a_shared_factor_alike() -> None:
    shared = 0.844352143
    ws = worked_all("×", [[shared, 0.109860473], [shared, 2.0]], [shared * 0.109860473, shared * 2.0], digits=4)
    assert ws[0].terms[0] == ws[1].terms[0] == "0.84435"
    assert all(redoes("×", w.terms, w.result, digits=4) for w in ws)


def test_backward_step_text_redoes_both_lines() -> None:
    applied, running = backward_step_text(0.109860473, 0.844352143, 0.0, digits=4)
    assert applied == "0.10986 × 0.84435 = 0.09276"
    assert running == "running sum 0 + 0.09276 = 0.09276"
    applied, running = backward_step_text(0.3, 0.7129, 1.23456, digits=4)
    for eq in equations(f"{applied}; {running}"):
        assert redoes(eq.op, eq.terms, eq.result, digits=4), eq.text


def test_paths_digits_makes_a_picture_redo() -> None:
    e, w1, *_ = seed_neuron()
    (chain,) = derivative_chains(e, w1)
    factors = [float(x) for x in chain.factors]
    at = paths_digits([factors], digits=4)
    assert at == 5
    written = [format_number(x, at) for x in factors]
    assert redoes("×", written, format_number(w1.grad), digits=4)


def test_bad_digits_are_refused() -> None:
    with pytest.raises(ValueError, match="digits must be an int from 1 to 17"):
        worked("×", [1.0], 1.0, digits=0)
    with pytest.raises(ValueError, match="digits must be an int from 1 to 17"):
        redoes("×", ["1"], "1", digits=18)


finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).filter(lambda x: abs(x) > 1e-3)


@given(st.lists(finite, min_size=2, max_size=6), st.integers(min_value=2, max_value=6))
def test_a_worked_product_redoes_whenever_it_says_equals(values: list[float], digits: int) -> None:
    product = math.prod(values)
    assume(1e-300 < abs(product) < 1e300)
    w = worked("×", values, product, digits=digits)
    assert w.result == format_number(product, digits)
    assert w.exact  # a product of a few well-scaled factors always redoes with at most MAX_GUARD guard digits
    assert redoes("×", w.terms, w.result, digits=digits)


@given(st.lists(finite, min_size=2, max_size=6), st.integers(min_value=2, max_value=6))
def test_a_worked_sum_redoes_or_says_approximately(values: list[float], digits: int) -> None:
    total = math.fsum(values)
    w = worked("+", values, total, digits=digits)
    assert w.result == format_number(total, digits)
    assert w.exact == redoes("+", w.terms, w.result, digits=digits)
    assert ("≈" in w.text("+")) != w.exact


def test_equations_are_found_in_text_and_latex() -> None:
    text = "∂y/∂x = 3 + 3 = 6\nv1.grad += ∂v2/∂v1 × v2.grad = 2 × (-1) = -2; running sum 0 + (-2) = -2"
    assert [(e.op, e.terms, e.result) for e in equations(text)] == [
        ("+", ("3", "3"), "6"),
        ("×", ("2", "(-1)"), "-2"),
        ("+", ("0", "(-2)"), "-2"),
    ]
    tex = r"= 0.84435 \times \left(-2\right) \times 1.5 \times 10^{-5} = -2.533 \times 10^{-5}"
    assert [(e.terms, e.result) for e in equations(tex)] == [(("0.84435", "(-2)", "1.5e-5"), "-2.533e-5")]
    assert equations("a ≈ 1 × 2 ≈ 2") == []
    assert equations("[0.5, 1] + 2 = 3") == []  # a lane listing is not a term
    assert equations("tanh′(1.5) × 1 = 1 − tanh²(1.5)") == []  # an argument is not a term
    assert equations("100 × 409 = 40,900 nodes") == []  # nor is part of a number with separators


# -- what the drawing functions write ------------------------------------------------------------


def _all_redo(text: str, digits: int = 4) -> list[str]:
    """The equations of ``text`` that do not redo."""
    return [e.text for e in equations(text) if not redoes(e.op, e.terms, e.result, digits=digits)]


def test_seed_captions_pictures_and_latex_redo() -> None:
    e, w1, w2, b = seed_neuron()
    for wrt in (w1, w2, b):
        for factors in ("labels", "edges"):
            caption = viz.chain_caption(e, wrt, factors=factors)
            assert equations(caption), caption
            assert _all_redo(caption) == []
            assert _all_redo(caption.latex()) == []
    d = viz.draw_chain(e, w1)
    hot = re.findall(r"label=<([-0-9.e]+)> color=\"#d62728\"", bare_edge_labels(d.source))
    assert hot == ["0.1", "1", "1", "0.10986", "-1", "-1.6887", "0.5"]  # the picture's path, as written
    assert redoes("×", hot, "0.009276", digits=4)
    assert "grad 0.009276" in d.source


def test_several_paths_redo_in_caption_and_latex() -> None:
    a, b = Value(0.3, label="a"), Value(1.5, label="b")
    f = (a * b).sigmoid() - b.log()
    f.label = "f"
    f.backward()
    caption = viz.chain_caption(f, b)
    assert caption.splitlines()[-1].endswith("= -0.5953")
    assert _all_redo(caption) == []
    assert _all_redo(caption.latex()) == []


def test_step_frames_redo() -> None:
    x1, w1 = Value(0.1, label="x1"), Value(0.5, label="w1")
    out = (x1 * w1 + w1 * w1).tanh()
    out.label = "out"
    frames = viz.steps(out)
    checked = 0
    for f in frames:
        found = equations(f.caption)
        checked += len(found)
        assert [e.text for e in found if not redoes(e.op, e.terms, e.result, digits=4)] == [], f.caption
    assert checked == 2 * sum(f.edge is not None for f in frames)  # each backward step: a product and a sum


def test_the_lessons_prose_redoes() -> None:
    """The arithmetic the lessons write in their text (Markdown and LaTeX) redoes too."""
    checked = 0
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                found = equations("".join(cell["source"]))
                checked += len(found)
                wrong = [e.text for e in found if not redoes(e.op, e.terms, e.result, digits=1)]
                assert wrong == [], f"{path.name}: {wrong}"
    assert len(NOTEBOOKS) == 10
    assert checked >= 2  # lesson 1's chain for w₁ and for b, at least
