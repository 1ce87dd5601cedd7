"""autograd.replay.codegen.audit: program text holds only generated names, numbers, operators and our keywords.

The audit scans the words of a text once each (a program repeats its names). It must refuse
exactly what a plain scan of every word refuses, with the same message: the reference below
is that plain scan, and a property test compares the two on texts made of the pieces a
program is made of, words a program must never hold, and characters outside its alphabet.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.replay import codegen
from autograd.replay.codegen import audit, is_word_character, word_count


def _reference(source: str) -> None:
    """The audit as a scan of every word, in order (what :func:`audit` must agree with)."""
    if not re.fullmatch(r"[A-Za-z0-9_ .,()\[\]=+\-*/<>:!\n]*", source):
        raise RuntimeError("compiled program text holds a character outside the generated alphabet")
    for word in re.findall(r"\b[A-Za-z_]\w*", source):
        if word not in codegen._WORDS and not re.fullmatch(r"[a-zA-Z]\d+", word):
            raise RuntimeError(f"compiled program text holds an unexpected word {word!r}")


def _verdict(check: object, source: str) -> str | None:
    try:
        check(source)  # type: ignore[operator]
    except RuntimeError as error:
        return str(error)
    return None


_PIECES = st.sampled_from(
    [
        *sorted(codegen._WORDS),
        *("v12", "l0", "g1088", "z0", "N26", "x3430000", "e1", "q7", "Z0"),  # generated names
        *("1e-05", "0.5", "1e", "05", "100", "0", "3e300", "1abc", "9_x"),  # numbers and digit-led runs
        *("os", "exec", "_x", "__import__", "a1b", "ab12", "P1x", "_1", "a", "x_1", "tolistx", "defs", "Zz"),
        *(" ", ".", ",", "(", ")", "[", "]", "=", "+", "-", "*", "/", "<", ">", ":", "!", "\n", "    "),
        *("'", '"', "#", "@", "\\", "\t", "é", "²", "٣", "ｖ1", "{", ";"),  # outside the alphabet
    ]
)


@given(st.lists(_PIECES, max_size=30))
def test_the_audit_refuses_what_a_scan_of_every_word_refuses(pieces: list[str]) -> None:
    for source in ("".join(pieces), " ".join(pieces)):
        assert _verdict(audit, source) == _verdict(_reference, source)


@pytest.mark.parametrize(
    ("source", "word"),
    [
        ("def P(A):\n    v1 = os\n", "os"),
        ("v1 = l2 + exec(A) + __import__\n", "exec"),
        ("v1 = 1e-05 * a1b + _x\n", "a1b"),
        ("x1 = _x + 1abc\n", "_x"),
        ("return defs", "defs"),
    ],
)
def test_the_audit_names_the_first_unexpected_word(source: str, word: str) -> None:
    with pytest.raises(RuntimeError, match=f"unexpected word {word!r}"):
        audit(source)


@pytest.mark.parametrize("source", ["x = 'a'\n", "P(A) # c\n", "v1 = a\tb\n", "é1 = 0\n", "v1 = ٣\n", "f(**{})"])
def test_the_audit_refuses_a_character_outside_the_alphabet(source: str) -> None:
    with pytest.raises(RuntimeError, match="character outside the generated alphabet"):
        audit(source)


def test_the_audit_passes_generated_names_numbers_and_keywords() -> None:
    audit("def P(A, N3=N3):\n    l0, l1, = A\n    v2 = (l0 * 1e-05) + N3(l1)\n    return (v2,), None, K\n")
    audit("")


_TEXT = st.lists(
    st.sampled_from(["G", "GZ", "V", "Z", "l12", "al3", "l", "_", "1", "é", "٣", "G1", " ", "[", "\n", "(", "=", "Gé"]),
    max_size=40,
).map("".join)


@given(_TEXT, st.sampled_from(["G", "V", "Z", "GZ", "l12"]))
def test_word_count_counts_what_a_word_boundary_regex_finds(text: str, word: str) -> None:
    assert word_count(text, word) == len(re.findall(rf"\b{word}\b", text))


def test_is_word_character_is_what_a_regex_word_character_is() -> None:
    for code in [*range(0x250), *range(0x370, 0x400), *range(0x660, 0x670), 0x2070, 0x2460, 0x3007, 0xFF10, 0xFF41]:
        c = chr(code)
        assert is_word_character(c) == bool(re.fullmatch(r"\w", c)), repr(c)
