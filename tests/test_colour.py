"""The gradient colour scale (viz.colour): linear, or log-magnitude when gradients vanish or explode."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import viz
from autograd import Value
from viz.colour import AUTO_DECADES, MAX_DECADES, GradScale, check_scale, gradient_scale
from viz.styles import STYLES

LOOK = STYLES["notebook"]


def _vanishing_chain(layers: int = 6) -> tuple[Value, list[Value]]:
    """x → σ(x·w0) → σ(h0·w1) → …: each layer multiplies the gradient by about 0.1."""
    h = Value(0.5, label="x")
    ws = []
    for t in range(layers):
        w = Value(0.4, label=f"w{t}")
        ws.append(w)
        h = (h * w).sigmoid()
        h.label = f"h{t}"
    h.backward()
    return h, ws


def test_auto_picks_log_beyond_two_decades() -> None:
    assert gradient_scale([0.5, -0.2, 0.01], vmax=None, scale="auto").kind == "linear"  # 1.7 decades
    s = gradient_scale([0.5, -2e-5, 1e-3, 0.0], vmax=None, scale="auto")
    assert (s.kind, s.high, s.low) == ("log", 0.5, 2e-5)
    assert math.log10(s.high / s.low) > AUTO_DECADES
    assert gradient_scale([0.5, 2e-5], vmax=None, scale="linear").kind == "linear"
    assert gradient_scale([0.5, 0.4], vmax=None, scale="log").kind == "log"


def test_log_depth_follows_the_decade_and_keeps_sign_and_zero() -> None:
    s = GradScale("log", 1.0, 1e-6)
    depths = [s.depth(10.0**-k) for k in range(7)]
    assert depths == sorted(depths, reverse=True)
    assert depths[0] == 1.0
    assert depths[-1] > 0.0  # the smallest still tinted: it differs from an exact 0
    assert s.depth(1e-9) == depths[-1]
    assert s.depth(0.0) == 0.0
    assert s.colour(0.0, LOOK) == "#ffffff"
    assert s.colour(1e-3, LOOK) != s.colour(-1e-3, LOOK)
    assert s.depth(1e-3) == pytest.approx(s.depth(-1e-3))


def test_log_range_is_bounded() -> None:
    s = gradient_scale([1.0, 1e-30], vmax=None, scale="auto")
    assert s.low == pytest.approx(10.0**-MAX_DECADES)


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=20))
def test_every_depth_is_between_zero_and_one(values: list[float]) -> None:
    for scale in ("auto", "linear", "log"):
        s = gradient_scale(values, vmax=None, scale=scale)  # type: ignore[arg-type]
        assert all(0.0 <= s.depth(x) <= 1.0 for x in values)


def test_bad_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="scale must be 'auto', 'linear' or 'log', got 'cubic'"):
        check_scale("cubic")
    e, _ = _vanishing_chain(2)
    with pytest.raises(ValueError, match="scale must be"):
        viz.draw_graph(e, color="grad", scale="cubic")  # type: ignore[arg-type]


def _fill(source: str, label: str) -> str:
    m = re.search(rf'BGCOLOR="(#[0-9a-f]+)"><TR><TD[^>]*>[^<]*</TD></TR><TR><TD><B>{label}</B>', source)
    m = m or re.search(rf'BGCOLOR="(#[0-9a-f]+)"><TR><TD><B>{label}</B>', source)
    assert m, label
    return m.group(1)


def test_a_vanishing_chain_is_coloured_by_decade_with_its_range_in_the_legend() -> None:
    out, ws = _vanishing_chain()
    grads = [w.grad for w in ws]
    assert grads[-1] / grads[0] > 1e4  # five decades between w0 and w5
    linear = viz.draw_graph(out, color="grad", scale="linear", params=ws).source
    auto = viz.draw_graph(out, color="grad", params=ws).source
    # Linear: the first four layers' weights all look white (within a few levels of #ffffff).
    assert {_fill(linear, f"w{t}") for t in range(3)} == {"#ffffff"}
    # Log (chosen automatically): every layer's weight has its own colour, deeper towards the output.
    shades = [_fill(auto, f"w{t}") for t in range(6)]
    assert len(set(shades)) == 6
    reds = [int(c[3:5], 16) for c in shades]  # green channel falls as the red deepens
    assert reds == sorted(reds, reverse=True)
    # The legend: the scale, its range (x's gradient … the largest non-output one) and both signs.
    assert "|gradient|, log scale 9.312e-07 … 0.2469 (5 decades)" in auto
    assert ">-0.2469</TD>" in auto
    assert ">0.0004795</TD>" in auto  # the middle decade


def test_draw_chain_takes_the_scale_too() -> None:
    out, ws = _vanishing_chain()
    d = viz.draw_chain(out, ws[0], color="grad", scale="log")
    assert "|gradient|, log scale" in d.source
    assert "|gradient|" not in viz.draw_chain(out, ws[0], color="grad", scale="linear").source
