"""Deterministic number formatting for pictures and captions.

Numbers are floats, or lanes (a 1-D array, one scalar per sample) which are shown by
their first few values and their count, e.g. ``[0.5000, 1.0000, 1.5000, … 8 lanes]``,
plus, in pictures, a line of summary statistics ``mean 1.2500, min 0.5000, max 2.0000``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from autograd import is_lanes

__all__ = [
    "DEFAULT_DIGITS",
    "DEFAULT_SHOWN",
    "check_digits",
    "fixed",
    "fixed_lanes",
    "format_lanes",
    "format_number",
    "is_lanes",
    "short",
    "short_lanes",
]

#: How many of a lane Value's values a picture or caption shows.
DEFAULT_SHOWN = 3

#: Significant digits of every number a picture or caption shows, unless ``digits=`` says otherwise.
DEFAULT_DIGITS = 4

# Outside [_SMALL, _LARGE) numbers are written in scientific notation.
_SMALL = 1e-4
_LARGE = 1e6


def check_digits(digits: int) -> int:
    """``digits`` when it is an int from 1 to 17, else a ValueError naming it."""
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17 (significant digits), got {digits!r}")
    return digits


def _strip_zeros(mantissa: str) -> str:
    return mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa


def format_number(x: float, digits: int = DEFAULT_DIGITS) -> str:
    """``x`` rounded to ``digits`` significant digits, without trailing zeros.

    Every picture and caption writes its numbers with this function, so one number
    reads the same everywhere. Scientific notation is used only outside
    ``[1e-4, 1e6)``; an integer part longer than ``digits`` is kept whole (``123457``,
    not ``1.235e+05``). Negative zero prints as ``0``.

    >>> [format_number(x) for x in (0.009276093, 0.109860473, -1.68899, 1.2341e-05)]
    ['0.009276', '0.1099', '-1.689', '1.234e-05']
    >>> [format_number(x) for x in (0.5, 1.0, 0.000123, 123456.7, 2.5e7, -0.0)]
    ['0.5', '1', '0.000123', '123457', '2.5e+07', '0']
    >>> [format_number(x, 2) for x in (999999.99, 1e6, 0.000099999)]
    ['1e+06', '1e+06', '0.0001']
    >>> format_number(0.0001)
    '0.0001'
    >>> format_number(0.844352, digits=6), format_number(float("nan"))
    ('0.844352', 'nan')
    """
    check_digits(digits)
    _one_number(x, "format_number")
    x = float(x)
    if not math.isfinite(x):
        return repr(x)
    if x == 0.0:
        return "0"
    # The notation follows the number as written, rounded: 999999.99 at 2 digits is 1e+06, as 1e6 is.
    ax = abs(float(f"{x:.{digits - 1}e}"))
    if _SMALL <= ax < _LARGE:
        text = f"{x:.{digits}g}"
        if "e" in text:  # more integer digits than `digits`: keep them all
            text = f"{x:.0f}"
        else:
            # .g rounds to `digits` significant digits; .f with as many decimals keeps
            # the zeros of 0.0009276 that .g would otherwise turn into 9.276e-04.
            exponent = math.floor(math.log10(ax))
            text = _strip_zeros(f"{x:.{max(0, digits - 1 - exponent)}f}")
    else:
        mantissa, _, exp = f"{x:.{digits - 1}e}".partition("e")
        text = f"{_strip_zeros(mantissa)}e{exp}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text


def format_lanes(x: Any, digits: int = DEFAULT_DIGITS, shown: int = DEFAULT_SHOWN, *, stats: bool = True) -> str:
    """A float as :func:`format_number`; lanes as their first ``shown`` values and their count.

    When some lanes are not listed (and ``stats``), a second line gives their mean, min
    and max, so a picture shows every lane Value's size, a few of its values and where
    the rest lie.

    >>> import numpy as np
    >>> format_lanes(0.5), format_lanes(np.array([0.5, -1.0]))
    ('0.5', '[0.5, -1]')
    >>> print(format_lanes(np.array([0.5, 1.0, 1.5, 2.25]), 3))
    [0.5, 1, 1.5, … 4 lanes]
    mean 1.31, min 0.5, max 2.25
    """
    check_digits(digits)
    return _lanes_text(x, lambda v: format_number(v, digits), shown, stats)


def _one_number(x: object, what: str) -> None:
    if is_lanes(x):
        raise TypeError(f"{what}() formats one number, got lanes; use {what}_lanes() for a Value holding lanes")


def fixed(x: float, precision: int = 4) -> str:
    """``x`` with ``precision`` decimals (scientific outside ``[10**-precision, 1e6)``).

    Negative zero prints as zero, so the text does not depend on how a 0 was computed.

    >>> fixed(0.5), fixed(-0.0), fixed(0.0092760934), fixed(1.5e-9), fixed(2.5e7, 2)
    ('0.5000', '0.0000', '0.0093', '1.5000e-09', '2.50e+07')
    """
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 17:
        raise ValueError(f"precision must be an int from 0 to 17, got {precision!r}")
    _one_number(x, "fixed")
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

    >>> [short(x) for x in (0.1, 1.0, -1.0, 0.109860473, 0.009276093, 2.0e-7)]
    ['0.1', '1', '-1', '0.109860', '0.00927609', '2e-07']
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    _one_number(x, "short")
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


def _check_shown(shown: int) -> None:
    if isinstance(shown, bool) or not isinstance(shown, int) or shown < 0:
        raise ValueError(f"shown must be a non-negative int, got {shown!r}")


def _listing(head: list[float], count: int, number: Callable[[float], str]) -> str:
    if len(head) == count:
        return f"[{', '.join(number(v) for v in head)}]"
    return f"[{''.join(f'{number(v)}, ' for v in head)}… {count} lanes]"


def _stats(x: Any, number: Callable[[float], str]) -> str:
    return f"mean {number(_mean(x))}, min {number(float(x.min()))}, max {number(float(x.max()))}"


#: Up to this many lanes a mean is exactly rounded (``math.fsum``); beyond, numpy's pairwise
#: mean (in C, within a few ulps: the same at the digits a picture shows), so a player of a
#: million lanes formats its dozens of labels in a fraction of a second.
EXACT_MEAN_LANES = 100_000


def _mean(x: Any) -> float:
    """The mean of the lanes ``x``: exactly rounded for up to :data:`EXACT_MEAN_LANES` lanes."""
    if len(x) <= EXACT_MEAN_LANES:
        try:
            return math.fsum(x.tolist()) / len(x)  # tolist: the lanes as floats at C speed
        except OverflowError:  # a partial sum beyond float64 (lanes near 1e308): halve first, exactly
            return math.fsum((x * 0.5).tolist()) / len(x) * 2.0
    import numpy as np  # loaded already: x holds lanes

    with np.errstate(over="ignore"):
        mean = float(x.mean())
        return mean if math.isfinite(mean) else float((x * 0.5).mean()) * 2.0


def _lanes_text(x: Any, number: Callable[[float], str], shown: int, stats: bool) -> str:
    """``x`` (a float or lanes) written with ``number``: lanes as a listing, with a line of
    statistics when some are not listed and ``stats`` is set. Only the ``shown`` lanes listed
    are ever made Python floats one by one (a player of a million lanes formats dozens of labels)."""
    _check_shown(shown)
    if not is_lanes(x):
        return number(x)
    count = len(x)
    text = _listing(x[:shown].tolist(), count, number)
    return text if count <= shown or not stats else f"{text}\n{_stats(x, number)}"


def fixed_lanes(x: Any, precision: int = 4, shown: int = DEFAULT_SHOWN) -> str:
    """A float as :func:`fixed`; lanes as their first ``shown`` values and their count.

    When some lanes are not listed a second line gives their mean, min and max (all
    with ``precision`` decimals), so a picture shows every lane Value's size, a few of
    its values and where the rest lie.

    >>> import numpy as np
    >>> fixed_lanes(0.5), fixed_lanes(np.array([0.5, -1.0]))
    ('0.5000', '[0.5000, -1.0000]')
    >>> print(fixed_lanes(np.array([0.5, 1.0, 1.5, 2.0]), 2))
    [0.50, 1.00, 1.50, … 4 lanes]
    mean 1.25, min 0.50, max 2.00
    """
    fixed(0.0, precision)  # validates
    return _lanes_text(x, lambda v: fixed(v, precision), shown, stats=True)


def short_lanes(x: Any, digits: int = 6, shown: int = DEFAULT_SHOWN) -> str:
    """A float as :func:`short`; lanes as their first ``shown`` values and their count, on one line.

    >>> import numpy as np
    >>> short_lanes(0.25), short_lanes(np.array([0.25, 1.0]))
    ('0.25', '[0.25, 1]')
    >>> short_lanes(np.array([1.0, 2.0, 3.0, 4.0]), shown=2)
    '[1, 2, … 4 lanes]'
    """
    short(0.0, digits)  # validates
    return _lanes_text(x, lambda v: short(v, digits), shown, stats=False)
