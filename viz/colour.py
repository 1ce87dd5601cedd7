"""The gradient colour scale of ``color="grad"``: linear, or log-magnitude for vanishing and exploding gradients.

A linear scale gives the largest gradient full colour and everything a hundred times
smaller almost white, so the very chains a lesson on vanishing gradients is about —
h₀ … h₄ with gradients 1e-1 … 1e-5 — all look alike. A *log-magnitude* scale colours
by the decade of ``|gradient|`` instead: the hue still says the sign (blue negative,
red positive), the depth says how many decades below the largest the gradient is.

``scale="auto"`` (the default) picks the log scale when the non-zero gradients span
more than :data:`AUTO_DECADES` decades, ``"linear"`` and ``"log"`` force one. The legend
gives the scale's kind and its range: ``|gradient| log scale 1e-05 … 0.8`` and the
colours of both ends, so a reader can tell which picture uses which.

>>> s = gradient_scale([0.5, -2e-5, 1e-3, 0.0], vmax=None, scale="auto")
>>> s.kind, format_number(s.low), format_number(s.high)
('log', '2e-05', '0.5')
>>> gradient_scale([0.5, -0.2], vmax=None, scale="auto").kind
'linear'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from viz.numbers import format_number
from viz.styles import Style

__all__ = ["AUTO_DECADES", "MAX_DECADES", "GradScale", "Scale", "check_scale", "gradient_scale"]

Scale = Literal["auto", "linear", "log"]

#: ``scale="auto"`` picks the log scale above this many decades between the smallest and
#: the largest non-zero |gradient|.
AUTO_DECADES = 2.0

#: The log scale spans at most this many decades below its top (smaller gradients get
#: the faintest tint, not white, so they still differ from an exact 0).
MAX_DECADES = 12.0

#: The tint of the smallest gradient on the log scale (0 would be the zero colour).
_LOW_TINT = 0.15


def check_scale(scale: object) -> Scale:
    """``scale`` when it is ``"auto"``, ``"linear"`` or ``"log"``, else a ValueError naming it."""
    if scale == "auto" or scale == "linear" or scale == "log":
        return scale
    raise ValueError(f"scale must be 'auto', 'linear' or 'log', got {scale!r}")


def _mix(c: tuple[int, int, int], zero: tuple[int, int, int], t: float) -> str:
    r, g, b = (round(z + (x - z) * t) for x, z in zip(c, zero, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass(frozen=True)
class GradScale:
    """A gradient colour scale.

    Attributes:
        kind: ``"linear"`` or ``"log"``.
        high: The |gradient| in full colour (0: nothing to colour).
        low: On the log scale, the |gradient| with the faintest tint (smaller ones get it
            too); on the linear scale 0.
    """

    kind: Literal["linear", "log"]
    high: float
    low: float = 0.0

    def depth(self, g: float) -> float:
        """How deep ``g``'s colour is, from 0 (the zero colour) to 1 (full colour)."""
        if self.high <= 0.0 or g == 0.0 or math.isnan(g):
            return 0.0
        a = abs(g)
        if self.kind == "linear":
            return min(1.0, a / self.high)
        if a >= self.high:
            return 1.0
        if a <= self.low:
            return _LOW_TINT
        span = math.log10(self.high) - math.log10(self.low)
        return _LOW_TINT + (1.0 - _LOW_TINT) * (math.log10(a) - math.log10(self.low)) / span

    def colour(self, g: float, look: Style) -> str:
        """The fill of a node whose gradient is ``g``."""
        t = self.depth(g)
        if t == 0.0:
            return _mix(look.zero, look.zero, 0.0)
        return _mix(look.positive if g > 0 else look.negative, look.zero, t)

    def ticks(self) -> list[float]:
        """The gradients the legend shows: 0, and both ends and the middle of each sign."""
        if self.kind == "linear":
            return [t * self.high for t in (-1.0, -0.5, 0.0, 0.5, 1.0)]
        mid = math.sqrt(self.low * self.high)  # the middle decade
        return [-self.high, -mid, -self.low, 0.0, self.low, mid, self.high]

    def title(self, digits: int) -> str:
        """The legend's first cell: the scale's kind and range."""
        if self.kind == "linear":
            return "gradient"
        decades = math.log10(self.high) - math.log10(self.low)
        low, high = format_number(self.low, digits), format_number(self.high, digits)
        return f"|gradient|, log scale {low} … {high} ({decades:.0f} decades)"


def gradient_scale(values: Sequence[float], *, vmax: float | None, scale: Scale) -> GradScale:
    """The scale for these gradients (those of the nodes coloured, outputs left out).

    ``vmax`` (checked by the caller) fixes the full-colour end; otherwise it is the largest
    finite |gradient|. The log scale's low end is the smallest non-zero |gradient|, at
    most :data:`MAX_DECADES` below the top.
    """
    check_scale(scale)
    magnitudes = [abs(x) for x in values if math.isfinite(x) and x != 0.0]
    high = float(vmax) if vmax is not None else max(magnitudes, default=0.0)
    if high <= 0.0:
        return GradScale("linear", 0.0)
    low = max(min((m for m in magnitudes if m <= high), default=high), high * 10.0**-MAX_DECADES)
    decades = math.log10(high) - math.log10(low) if low > 0 else 0.0
    log = scale == "log" or (scale == "auto" and decades > AUTO_DECADES)
    if not log:
        return GradScale("linear", high)
    if low >= high:  # one magnitude: a decade below it, so it reads full colour
        low = high / 10.0
    return GradScale("log", high, low)
