"""What a Value's ``data`` may be — a finite float, or lanes (a 1-D float64 numpy array) —
and the conversions to it, with errors naming what was wrong."""

from __future__ import annotations

import math
import numbers
import sys
from typing import TYPE_CHECKING, TypeAlias, cast

from autograd.core.functions import is_lanes, load_numpy

if TYPE_CHECKING:  # numpy is imported when lanes first appear (functions.load_numpy), not for typing
    import numpy
    from numpy.typing import NDArray

    from autograd.core.value import Value

    #: What a Value's ``data`` and ``grad`` hold: a float, or lanes (a 1-D float64 array).
    Data: TypeAlias = float | NDArray[numpy.float64]

__all__: list[str] = []  # used inside autograd only


def to_float(x: object, what: str) -> float:
    if type(x) is float:
        value = x
    elif type(x) is int:
        value = _int_to_float(x, what)
    elif isinstance(x, bool) or not isinstance(x, numbers.Real):
        if is_lanes(x) and cast("NDArray[numpy.float64]", x).ndim == 0:  # a 0-d array is a scalar
            return to_float(cast("NDArray[numpy.float64]", x)[()], what)
        refuse_array_subclass(x, what)
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    elif isinstance(x, int):
        value = _int_to_float(int(x), what)
    else:
        try:
            value = float(x)
        except OverflowError:
            raise ValueError(f"{what} is too large for a float64: {type(x).__name__}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


def refuse_array_subclass(x: object, what: str) -> None:
    """A TypeError for a numpy array subclass (a masked array, a matrix): its own arithmetic would
    take over a Value's and drop the graph (``w * np.ma.array(...)`` once gave ``w.grad == 0``)."""
    np = sys.modules.get("numpy")  # only if numpy is in use: such an array needs it
    if np is None or not isinstance(x, np.ndarray) or type(x) is np.ndarray:
        return
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{what}: a masked array is not lanes (its masked entries have no number to compute with); "
            "pass a.filled(value) or a.compressed() (the unmasked entries), a plain array"
        )
    raise TypeError(f"{what}: a {type(x).__name__} (a numpy array subclass) is not lanes; pass np.asarray(a).ravel()")


def refuse_array_in_power(x: object, what: str) -> None:
    """A TypeError for a plain numpy array as the exponent (``what="exponent"``) or the base of ``**``
    with a Value: a constant there is one number (the rules ``pow`` and ``rpow`` take it as their
    parameter); lanes go in a Value, whose ``**`` is lane-wise. Otherwise numpy refuses it without
    saying why (a Value opts out of numpy's ufuncs)."""
    np = sys.modules.get("numpy")  # only if numpy is in use: such an array needs it
    if np is None or type(x) is not np.ndarray:
        return
    where = "x ** Value(array)" if what == "exponent" else "Value(array) ** x"
    raise TypeError(f"{what}: a numpy array is not a number; for one {what} per lane, pass it as a Value: {where}")


def _int_to_float(x: int, what: str) -> float:
    """``float(x)``, or a ValueError naming the integer's size (its digits may be too many to print)."""
    try:
        return float(x)
    except OverflowError:
        digits = int(abs(x).bit_length() * 0.30103) + 1
        raise ValueError(
            f"{what} is an integer of about {digits:,} digits, beyond float64's largest finite number (about 1.8e308)"
        ) from None


def to_data(x: object, what: str) -> Data:
    """A float, or lanes: a 1-D float64 numpy array (copied), for a Value's ``data``."""
    if type(x) is float or not is_lanes(x):
        return to_float(x, what)
    np = load_numpy()
    arr = cast("NDArray[numpy.generic]", x)
    if arr.ndim == 0:
        return to_float(arr, what)
    if arr.ndim != 1:
        raise ValueError(f"{what}: lanes must be a 1-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{what}: lanes must not be empty")
    if arr.dtype == np.bool_ or arr.dtype.kind not in "fiu":  # real numbers only: no complex, dates, objects
        raise TypeError(f"{what}: lanes must hold real numbers, got dtype {arr.dtype}")
    lanes: NDArray[numpy.float64] = np.array(arr, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(lanes))
    if bad.size:
        raise ValueError(f"{what} must be finite, got {float(lanes[bad[0]])!r} at lane {bad[0]}")
    lanes.flags.writeable = False  # a copy no one else holds: it can only change through .data = ...
    return lanes


def is_real(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def is_number(x: object) -> bool:
    """A real number or lanes that may meet a Value (bool is refused: it is almost always a bug)."""
    return (
        type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)) or is_lanes(x)
    )


#: The marker in a constant leaf's (otherwise unused) ``_local``: see :func:`is_constant`.
CONSTANT: tuple[float, ...] = (math.nan,)  # math.nan is looked up, so the tuple is built, never shared


def is_constant(node: Value) -> bool:
    """Whether ``node`` (a Value) is a plain number an operation made a leaf (``x * 2``'s 2), not a user's Value."""
    return node._n == 0 and getattr(node, "_local", None) is CONSTANT
