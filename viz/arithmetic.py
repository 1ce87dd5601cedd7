"""Arithmetic a learner can redo: the numbers of a product or a sum, written so they give the result as written.

Rounded to 4 significant digits, ``0.844352 × 0.109860 × 0.1 = 0.00927609`` reads
``0.8444 × 0.1099 × 0.1 = 0.009276`` — but a learner who multiplies the three numbers
shown gets 0.009280 and concludes the tool is wrong. :func:`worked` writes the terms
with *guard digits*, the fewest extra significant digits that make the shown terms
give the shown result (``0.84435 × 0.10986 × 0.1 = 0.009276``); the result keeps its
digits. When even :data:`MAX_GUARD` extra digits do not do it (a sum that cancels),
the result says so (``exact=False``) and captions write ``≈`` with the reason.

:func:`redoes` is the check itself, and :func:`equations` finds every ``a × b = c`` and
``a + b = c`` in a caption, so a test can redo every caption a lesson shows.

>>> w = worked("×", [0.844352143, 0.109860473, 0.1], 0.009276093, digits=4)
>>> " × ".join(w.terms), w.result, w.guard, w.exact
('0.84435 × 0.10986 × 0.1', '0.009276', 1, True)
>>> redoes("×", ["0.8444", "0.1099", "0.1"], "0.009276", digits=4)
False
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Literal

from viz.numbers import check_digits, format_number

__all__ = [
    "MAX_GUARD",
    "Equation",
    "Worked",
    "backward_step_text",
    "equations",
    "paths_digits",
    "redoes",
    "term",
    "worked",
    "worked_all",
]

#: The most guard digits added to the terms of a product or a sum.
MAX_GUARD = 4

Op = Literal["×", "+"]


@dataclass(frozen=True)
class Worked:
    """A product or sum as written.

    Attributes:
        terms: Each term's text (negative terms in parentheses: ``(-0.5)``).
        result: The result's text, at the requested digits.
        guard: The extra significant digits the terms needed (0: none).
        exact: Whether the terms as written give the result as written; when False the
            terms have ``digits + MAX_GUARD`` digits and a caption must write ``≈``.
    """

    terms: tuple[str, ...]
    result: str
    guard: int
    exact: bool

    def text(self, op: Op) -> str:
        """``a × b = c`` (or ``a × b ≈ c``)."""
        return f"{f' {op} '.join(self.terms)} {'=' if self.exact else '≈'} {self.result}"

    def why(self) -> str:
        """Why the text says ``≈`` ("" when it says ``=``)."""
        if self.exact:
            return ""
        return f"(the terms are rounded to {self.digits_shown} significant digits)"

    @property
    def digits_shown(self) -> int:
        """The significant digits the terms are written with (at most)."""
        return max((_significant(t) for t in self.terms), default=0)


def term(x: float, digits: int) -> str:
    """``x`` as a term of a product or sum: :func:`~viz.numbers.format_number`, in parentheses when negative."""
    text = format_number(x, digits)
    return f"({text})" if text.startswith("-") else text


def _number(text: str) -> Decimal:
    return Decimal(text.strip().removeprefix("(").removesuffix(")"))


def _significant(text: str) -> int:
    """The significant digits written in ``text`` (``0.009276`` → 4, ``1e-05`` → 1, ``120`` → 3)."""
    mantissa = text.strip().strip("()").lstrip("-").partition("e")[0]
    digits = mantissa.replace(".", "").lstrip("0")
    return max(1, len(digits))


def _exact(op: Op, texts: Sequence[str]) -> Decimal:
    numbers = [_number(t) for t in texts]
    with localcontext() as ctx:
        ctx.prec = 200  # exact for the terms a caption writes (at most 17 digits each)
        if op == "×":
            out = Decimal(1)
            for x in numbers:
                out *= x
            return out
        return sum(numbers, Decimal(0))


def redoes(op: Op, terms: Sequence[str], result: str, *, digits: int) -> bool:
    """Whether ``terms`` combined by ``op``, exactly, and rounded as ``result`` is, give ``result``.

    ``result`` was rounded to ``digits`` significant digits (or more: guard digits), its
    trailing zeros stripped, so the exact value of the terms is rounded to
    ``max(digits, the digits written in result)`` and compared as text.

    >>> redoes("+", ["3", "3"], "6", digits=4), redoes("×", ["0.84435", "0.10986", "0.1"], "0.009276", digits=4)
    (True, True)
    """
    check_digits(digits)
    exact = _exact(op, terms)
    shown = max(digits, _significant(result))
    return format_number(float(exact), min(shown, 17)) == result.strip().strip("()")


def worked(op: Op, values: Sequence[float], result: float, *, digits: int, result_digits: int | None = None) -> Worked:
    """``values`` combined by ``op`` (a product or a sum), written so the shown terms give the shown result.

    The result is written with ``result_digits`` (default ``digits``) significant digits;
    the terms with ``digits`` plus the fewest guard digits (up to :data:`MAX_GUARD`)
    that make :func:`redoes` true. Terms that are exact at fewer digits (``0.1``, ``2``)
    stay short. Non-finite numbers are written as they are (nothing to redo).

    >>> worked("+", [0.0009552, -0.00000052], 0.00095468, digits=4).text("+")
    '0.0009552 + (-5.2e-07) = 0.0009547'
    """
    check_digits(digits)
    shown_digits = check_digits(digits if result_digits is None else result_digits)
    result_text = format_number(result, shown_digits)
    if not values:
        return Worked((), result_text, 0, True)
    finite = math.isfinite(result) and all(math.isfinite(float(v)) for v in values)
    # A result written with more digits than asked (an integer part is kept whole: 21694)
    # needs terms with at least as many.
    base = max(digits, _significant(result_text)) if finite else digits
    for guard in range(MAX_GUARD + 1):
        at = min(base + guard, 17)
        texts = tuple(term(v, at) for v in values)
        if not finite or redoes(op, texts, result_text, digits=shown_digits):
            return Worked(texts, result_text, at - digits, True)
        if at == 17:
            break
    return Worked(texts, result_text, min(base + MAX_GUARD, 17) - digits, False)


def worked_all(op: Op, values: Sequence[Sequence[float]], results: Sequence[float], *, digits: int) -> list[Worked]:
    """Several products (or sums) written alike: :func:`worked` for each, all with the same guard digits.

    A factor shared by two paths then reads the same in both. Each result keeps
    ``digits`` significant digits; the terms get the largest guard any one needs (and
    more for one that still does not redo at that many, which is rare).

    >>> [w.text("×") for w in worked_all("×", [[0.844352, 0.109860], [2.0, 0.25]], [0.0927609, 0.5], digits=4)]
    ['0.84435 × 0.10986 = 0.09276', '2 × 0.25 = 0.5']
    """
    first = [worked(op, v, r, digits=digits) for v, r in zip(values, results, strict=True)]
    guard = max((w.guard for w in first), default=0)
    if guard == 0:
        return first
    at = min(digits + guard, 17)
    return [worked(op, v, r, digits=at, result_digits=digits) for v, r in zip(values, results, strict=True)]


def paths_digits(paths: Sequence[Sequence[float]], *, digits: int) -> int:
    """The significant digits the local derivatives of a picture's paths need, so a learner can redo the gradient.

    Multiplying the numbers written on each path's edges and adding the paths gives the
    gradient written at ``digits`` (``digits`` plus the fewest guard digits, up to
    :data:`MAX_GUARD`; ``digits`` when that is not enough or a number is not finite).

    >>> paths_digits([[0.5, -1.688704286, -1.0, 0.109860473, 0.1]], digits=4)
    5
    """
    check_digits(digits)
    flat = [float(x) for p in paths for x in p]
    if not paths or not all(math.isfinite(x) for x in flat):
        return digits
    with localcontext() as ctx:
        ctx.prec = 200
        true = math.fsum(math.prod(float(x) for x in p) for p in paths)
        wanted = format_number(true, digits)
        for guard in range(min(MAX_GUARD, 17 - digits) + 1):
            at = digits + guard
            total = sum((_exact("×", [term(x, at) for x in p]) for p in paths), Decimal(0))
            if format_number(float(total), digits) == wanted:
                return at
    return digits


def backward_step_text(local: float, upstream: float, before: float, *, digits: int) -> tuple[str, str]:
    """A backward step's two lines of arithmetic: ``local × upstream = product`` and the running sum.

    The running sum ``before + product = after`` is written so it redoes (guard digits on
    its terms when needed); the product is written as it appears in that sum, and the two
    factors with the guard digits that make them multiply to it.

    >>> backward_step_text(0.109860473, 0.844352143, 0.0, digits=4)
    ('0.10986 × 0.84435 = 0.09276', 'running sum 0 + 0.09276 = 0.09276')
    """
    product = local * upstream
    after = before + product
    added = worked("+", [before, product], after, digits=digits)
    at = digits + added.guard
    multiplied = worked("×", [local, upstream], product, digits=at, result_digits=at)
    applied = multiplied.text("×") + (f" {multiplied.why()}" if not multiplied.exact else "")
    running = (
        f"running sum {added.terms[0].strip('()')} + {added.terms[1]} {'=' if added.exact else '≈'} {added.result}"
    )
    return applied, running + (f" {added.why()}" if not added.exact else "")


@dataclass(frozen=True)
class Equation:
    """One ``a × b = c`` or ``a + b = c`` found in a text."""

    op: Op
    terms: tuple[str, ...]
    result: str
    text: str


_PLAIN = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_NUM = rf"(?:\({_PLAIN}\)|{_PLAIN})"  # a number, or a negative one in parentheses
_EQUATION = re.compile(
    rf"(?<![^\s=$(:])(?P<first>{_NUM})(?P<rest>(?:\s*[×+]\s*{_NUM}(?!,\d))+)\s*=\s*(?P<result>{_NUM})(?![\w.\]]|,\d)"
)
_LATEX_SCI = re.compile(r"(-?\d+(?:\.\d+)?) \\times 10\^\{(-?\d+)\}")


def equations(text: str) -> list[Equation]:
    """Every product ``a × b × … = c`` and sum ``a + b + … = c`` of numbers in ``text``.

    Also reads LaTeX (``\\times``, ``\\left(…\\right)``, ``1.2 \\times 10^{-5}``). A line
    mixing ``×`` and ``+`` is not one of ours and is skipped; ``≈`` lines are not
    equations.

    >>> [(e.op, e.terms, e.result) for e in equations("path 1: 2 × (-0.5) = -1; running sum 0 + (-1) = -1")]
    [('×', ('2', '(-0.5)'), '-1'), ('+', ('0', '(-1)'), '-1')]
    """
    text = _LATEX_SCI.sub(lambda m: f"{m.group(1)}e{int(m.group(2))}", text)
    text = text.replace(r"\times", "×").replace(r"\left(", "(").replace(r"\right)", ")")
    found: list[Equation] = []
    for m in _EQUATION.finditer(text):
        body = m.group("first") + m.group("rest")
        ops = set(re.findall(r"(?<=\s)[×+](?=\s)", body))
        if len(ops) != 1:
            continue
        (op,) = ops
        terms = tuple(t.strip() for t in re.split(r"\s[×+]\s", body))
        found.append(Equation("×" if op == "×" else "+", terms, m.group("result"), m.group(0)))
    return found
