"""The explorer writes numbers as the pictures do: viz/explore.js's ``fmt`` equals ``viz.numbers.format_number``.

Checked in Chromium on values around every switch of notation (1e-4 and 1e6, including numbers
that round across them), exact ties, negatives and a random sweep, at 1 to 17 digits.
"""

from __future__ import annotations

import random
from importlib.resources import files

from browser_support import needs_browser, open_page

from viz.explore_rules import rules_js
from viz.numbers import format_number

_EDGES = [
    999999.9999999999,
    999999.99,
    999999.4,
    999950.0,
    999850.0,
    1e6,
    1e6 + 1,
    123456.7,
    0.000099999,
    0.00009999999999,
    0.0001,
    0.00010001,
    9.9995e-5,
    0.0009552,
    0.009276093,
    0.5,
    2.5,
    1.0,
    1e-300,
    5e-324,
    1.7e308,
    2.5e7,
    0.1 + 0.2,
]


def _values() -> list[float]:
    rng = random.Random(20261207)
    sweep = [rng.uniform(-1, 1) * 10 ** rng.uniform(-8, 9) for _ in range(300)]
    return [v for x in _EDGES for v in (x, -x)] + sweep


@needs_browser
def test_explore_js_writes_numbers_as_format_number() -> None:
    explore_js = files("viz").joinpath("explore.js").read_text(encoding="utf-8")
    page_html = (
        "<!doctype html><html><body><script>(function () {\n"
        f'"use strict";\n{rules_js()}\n{explore_js}\nwindow.chainruleFmt = fmt;\n}})();</script></body></html>'
    )
    cases = [(x, d) for x in _values() for d in range(1, 18)]
    with open_page(page_html) as (page, log):
        got = page.evaluate("(cases) => cases.map(([x, d]) => window.chainruleFmt(x, d))", cases)
        assert log.clean(), log.problems()
    expected = [format_number(x, d) for x, d in cases]
    wrong = [(x, d, js, py) for (x, d), js, py in zip(cases, got, expected, strict=True) if js != py]
    assert not wrong, f"{len(wrong)} of {len(cases)} differ (x, digits, js, python): {wrong[:10]}"
