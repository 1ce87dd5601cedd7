"""Deterministic number formatting for pictures and captions."""

from __future__ import annotations

import math
from decimal import Decimal

__all__ = ["fixed", "short"]


def fixed(x: float, precision: int = 4) -> str:
    """``x`` with ``precision`` decimals (scientific outside ``[10**-precision, 1e6)``).

    Negative zero prints as zero, so the text does not depend on how a 0 was computed.

    >>> fixed(0.5), fixed(-0.0), fixed(0.0092760934), fixed(1.5e-9), fixed(2.5e7, 2)
    ('0.5000', '0.0000', '0.0093', '1.5000e-09', '2.50e+07')
    """
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 17:
        raise ValueError(f"precision must be an int from 0 to 17, got {precision!r}")
    x = float(x)
    if not math.isfinite(x):
        return repr(x)
    ax = abs(x)
    text = f"{x:.{precision}e}" if ax != 0.0 and (ax < 10.0**-precision or ax >= 1e6) else f"{x:.{precision}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text


def short(x: float, digits: int = 6) -> str:
    """``x`` exactly when it has at most ``digits`` significant digits, else rounded to ``digits``.

    Rounded numbers keep their trailing zeros, so a reader sees how many digits are
    shown: the seed's caption ``0.844352 × 0.109860 × 0.1 = 0.00927609``.

    >>> short(0.1), short(1.0), short(-1.0), short(0.109860473), short(0.009276093), short(2.0e-7)
    ('0.1', '1', '-1', '0.109860', '0.00927609', '2e-07')
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    x = float(x)
    if not math.isfinite(x):
        return repr(x)
    if x == 0.0:
        return "0"
    exact = Decimal(repr(x)).normalize()
    if len(exact.as_tuple().digits) <= digits:
        if x.is_integer() and abs(x) < 1e16:
            return str(int(x))
        return repr(x)
    return f"{x:#.{digits}g}"
