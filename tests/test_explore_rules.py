"""The rule table's JavaScript form (viz/rules.js) agrees with Python's: every rule, in Chromium.

For each entry of autograd.RULES, at 50 points or more — the rule's sample intervals,
its kinks and the edges of its domain (0, ±tiny, −1 for log1p, 709.78 for exp, overflowing
products …) — the value and every local derivative computed in the browser equal the ones
``autograd.apply`` records, to 1e-12 relative, and the browser refuses exactly where Python
raises DomainError, with the same message. On lanes (a batch in one graph) the same points,
four to a Value, give the same lanes and the same refusal, naming the same lane, as
``autograd``'s lane-wise evaluation.
"""

from __future__ import annotations

import json
import math
from typing import Any

from browser_support import needs_browser, open_page

from autograd import RULES, DomainError, Value, apply
from autograd.core.rules import BUILTIN_OPS
from viz.explore_rules import js_rule_names, rules_js

REL = 1e-12
MIN_POINTS = 50

# Numbers where a rule's domain, kink or overflow lies, tried for every argument of every rule.
_EDGES = (
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    1e-300,
    -1e-300,
    1e-12,
    -1e-12,
    1.0,
    -1.0,
    -1.0 + 2**-53,
    -1.0 - 2**-52,
    -0.9999999999,
    0.5,
    -0.5,
    2.0,
    700.0,
    709.782712893384,
    709.7827128933841,
    709.79,
    710.0,
    -745.0,
    -750.0,
    40.0,
    -40.0,
    1e300,
    -1e300,
    1.7976931348623157e308,
    3.141592653589793,
)
_PARAMS = (0.0, 1.0, -1.0, 0.5, 2.0, 3.0, -2.5, 1e3, -1e3, 0.01)


_REPR_SAMPLES = [
    *_EDGES,
    1e-5,
    1.5e-7,
    1e16,
    1e15,
    123456789.0,
    0.1,
    -2.5e-310,
    1e100,
    -1.2345678901234567e-20,
    0.0001,
    0.00012,
    9999999999999998.0,
]


def _grid(lo: float, hi: float, n: int) -> list[float]:
    # Irregular steps (the golden ratio's fractional parts), so no point sits on a round number.
    return [lo + (hi - lo) * ((k * 0.6180339887498949) % 1.0) for k in range(1, n + 1)]


def _cases(name: str) -> list[tuple[list[float], float | None]]:
    rule = RULES[name]
    params: list[float | None] = [None]
    if rule.has_param:
        params = list(dict.fromkeys([*rule.param_sample, *_PARAMS]))
    cases: list[tuple[list[float], float | None]] = []
    kinks = [k + d for k in rule.kinks for d in (0.0, 1e-300, -1e-300, 1e-9, -1e-9)]
    if rule.arity == 1:
        (lo, hi) = rule.sample[0]
        xs = _grid(lo, hi, 24) + list(_EDGES) + kinks
        cases = [([x], p) for p in params for x in xs]
    elif rule.arity == 2:
        (a0, a1), (b0, b1) = rule.sample
        pairs = list(zip(_grid(a0, a1, 30), _grid(b0, b1, 30)[::-1], strict=True))
        edge_pairs = [(a, b) for a in _EDGES[::3] for b in _EDGES[1::3]]
        pairs += edge_pairs + [(k, 0.7) for k in kinks] + [(0.7, k) for k in kinks]
        cases = [([a, b], None) for a, b in pairs]
    else:  # n-ary: sum and dot
        rows: list[list[float]] = [_grid(lo, hi, 1 + k % 7) for k, (lo, hi) in enumerate([rule.sample[0]] * 30)]
        rows = [[x * (-1) ** i for i, x in enumerate(row)] for row in rows]
        rows += [
            [1e16, 1.0, -1e16],
            [0.1] * 10,
            [1e308, 1e308],
            [1e308, 1e308, -1e308],
            [1e200, 1e200, -1e200, 3.0],
            [1e-300, -1e-300, 5e-324],
            [1.0, 1e100, 1.0, -1e100],
            [0.0, -0.0],
            [-0.0, -0.0, -0.0],
            [1e308, -1e308, 1e308, 1e308],
            [2.0**-1074, 1.0, -1.0],
            [1.0, 2.0**-53, 2.0**-53],
            [1e154, 1e155, 1e154, -1e155, 2.0],
            [3.0],
            [-2.5, 4.0, 1.5],
            [1e300, 1e300, 1e300, 1e300, 1.0],
            [1e300, 1e300, -1e300, 1e300, 1.0],
            [1.7976931348623157e308, 1.7976931348623157e308, -1.7976931348623157e308, 5e-324],
            [1.7976931348623157e308, 9.979201547673598e291, -1e300],
            [1.7976931348623157e308, 9.979201547673598e291],
            [-1.7976931348623157e308, -1e308, 1e308, -3.0],
            [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125],
            [*_EDGES[:11]],
            [*_EDGES[11:22]],
        ]
        cases = [(row, None) for row in rows]
    return cases


def _python(name: str, xs: list[float], p: float | None) -> dict[str, Any]:
    try:
        v = apply(name, *(Value(x) for x in xs), param=p)
    except DomainError as exc:
        return {"error": str(exc)}
    return {"out": v.data, "local": list(v.local_grads)}


_RUN = """([table, cases]) => {
  const out = [];
  for (const [name, xs, p] of cases) {
    out.push(RULES.evaluate(name, xs, p));
  }
  return out;
}"""


def _close(a: float, b: float) -> bool:
    if a == b:
        return True
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= REL * max(abs(a), abs(b))


def test_every_rule_has_a_javascript_form() -> None:
    missing = sorted(set(RULES) & set(BUILTIN_OPS) - js_rule_names())
    assert not missing, f"rules without a JavaScript form in viz/rules.js: {missing}"
    extra = sorted(js_rule_names() - set(BUILTIN_OPS))
    assert not extra, f"viz/rules.js has rules that autograd.RULES does not: {extra}"


def test_every_rule_is_tried_at_fifty_points_or_more_with_refusals_among_them() -> None:
    refused = set()
    for name in sorted(BUILTIN_OPS):
        cases = _cases(name)
        assert len(cases) >= MIN_POINTS, (name, len(cases))
        if any("error" in _python(name, xs, p) for xs, p in cases):
            refused.add(name)
    # Every rule that can refuse is tried where it does.
    assert {"div", "pow", "powv", "rpow", "exp", "log", "log1p", "sqrt", "mul", "sum", "dot"} <= refused


@needs_browser
def test_javascript_rules_equal_python_values_derivatives_and_refusals() -> None:
    cases = [(name, xs, p) for name in sorted(BUILTIN_OPS) for xs, p in _cases(name)]
    expected = [_python(name, xs, p) for name, xs, p in cases]
    page_html = f"<!doctype html><html><body><script>{rules_js()}\nwindow.RULES = RULES;</script></body></html>"
    with open_page(page_html) as (page, log):
        got = page.evaluate(_RUN, [None, json.loads(json.dumps(cases))])
        reprs = page.evaluate("(xs) => xs.map(RULES.repr)", _REPR_SAMPLES)
    assert log.clean(), log.problems()
    # Messages name numbers as Python's repr writes them.
    assert reprs == [repr(x) for x in _REPR_SAMPLES]
    problems = []
    for (name, xs, p), py, js in zip(cases, expected, got, strict=True):
        where = f"{name}({xs}, param={p})"
        if "error" in py or "error" in js:
            if py.get("error") != js.get("error"):
                problems.append(f"{where}: Python {py} vs JavaScript {js}")
            continue
        if not _close(py["out"], js["out"]):
            problems.append(f"{where}: value {py['out']!r} vs {js['out']!r}")
        if len(py["local"]) != len(js["local"]) or not all(
            _close(a, b) for a, b in zip(py["local"], js["local"], strict=True)
        ):
            problems.append(f"{where}: local derivatives {py['local']} vs {js['local']}")
    assert not problems, f"{len(problems)} of {len(cases)} disagree:\n" + "\n".join(problems[:30])
    per_rule = {name: sum(1 for c in cases if c[0] == name) for name in BUILTIN_OPS}
    assert min(per_rule.values()) >= MIN_POINTS


LANES = 4


def _lane_cases(name: str) -> list[tuple[list[Any], float | None]]:
    """The rule's points four at a time as lanes; binary rules also with a plain number for one
    operand, n-ary ones grouped by their number of arguments."""
    by_shape: dict[tuple[int, float | None], list[list[float]]] = {}
    for xs, p in _cases(name):
        by_shape.setdefault((len(xs), p), []).append(xs)
    out: list[tuple[list[Any], float | None]] = []
    for (arity, p), rows in by_shape.items():
        for k in range(0, len(rows) - LANES + 1, LANES):
            group = rows[k : k + LANES]
            lanes: list[Any] = [[row[j] for row in group] for j in range(arity)]
            out.append((lanes, p))
            if arity == 2:
                out.append(([lanes[0], group[k % LANES][1]], p))
                out.append(([group[k % LANES][0], lanes[1]], p))
    if name in ("lanesum", "lanemean"):  # sums of finite lanes that overflow (a mean scales them down)
        big = 1.7976931348623157e308
        rows = [[big, big, 1.0, 2.0], [-big, 1e308, -1e308, -big], [big, -big, big, 5e-324]]
        out += [([row], None) for row in rows]
    return out


def _python_lanes(name: str, xs: list[Any], p: float | None) -> dict[str, Any]:
    import numpy as np

    args = [Value(np.array(x, dtype=np.float64)) if isinstance(x, list) else Value(x) for x in xs]
    try:
        v = apply(name, *args, param=p)
    except DomainError as exc:
        return {"error": str(exc)}

    def lanes(d: Any) -> Any:
        return float(d) if isinstance(d, float) else [float(t) for t in np.broadcast_to(d, (LANES,))]

    return {"out": lanes(v.data), "local": [lanes(d) for d in v.local_grads]}


_RUN_LANES = f"(cases) => cases.map(([name, xs, p]) => RULES.evaluateLanes(name, xs, p, {LANES}))"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        a = a if isinstance(a, list) else [a] * LANES
        b = b if isinstance(b, list) else [b] * LANES
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return _close(a, b)


@needs_browser
def test_javascript_lanes_equal_python_lanes_and_refuse_with_the_same_words() -> None:
    """What the explorer shows at a node holding lanes: the same numbers, and the same words
    naming the same lane ("log(-0.3) is undefined or overflows at lane 2"), as Python's lanes."""
    cases = [(name, xs, p) for name in sorted(BUILTIN_OPS) for xs, p in _lane_cases(name)]
    expected = [_python_lanes(name, xs, p) for name, xs, p in cases]
    page_html = f"<!doctype html><html><body><script>{rules_js()}\nwindow.RULES = RULES;</script></body></html>"
    with open_page(page_html) as (page, log):
        got = page.evaluate(_RUN_LANES, json.loads(json.dumps(cases)))
    assert log.clean(), log.problems()
    problems = []
    refused: dict[str, int] = {}
    for (name, xs, p), py, js in zip(cases, expected, got, strict=True):
        where = f"{name}({xs}, param={p}) on lanes"
        if "error" in py or "error" in js:
            if py.get("error") != js.get("error"):
                problems.append(f"{where}: Python {py.get('error', py)} vs JavaScript {js.get('error', js)}")
            refused[name] = refused.get(name, 0) + 1
            continue
        if not _same(py["out"], js["out"]):
            problems.append(f"{where}: value {py['out']!r} vs {js['out']!r}")
        if len(py["local"]) != len(js["local"]) or not all(
            _same(a, b) for a, b in zip(py["local"], js["local"], strict=True)
        ):
            problems.append(f"{where}: local derivatives {py['local']} vs {js['local']}")
    assert not problems, f"{len(problems)} of {len(cases)} disagree:\n" + "\n".join(problems[:30])
    # Refusals at a lane other than the first are among them, for every rule that can refuse.
    assert {"div", "pow", "powv", "rpow", "exp", "log", "log1p", "sqrt", "lanesum"} <= set(refused)
    assert any(e.get("error", "").endswith(("lane 1", "lane 2", "lane 3")) for e in expected)
