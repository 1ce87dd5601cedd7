"""The point a check is made at: its arguments as flat scalar coordinates, named as the checked function names them.

:class:`Point` flattens the arguments (each lane is one coordinate); :func:`check_point_arg`
validates one argument, :func:`signature_names` reads the names from ``f``'s signature.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.core.functions import is_lanes, load_numpy
from autograd.core.value import Value

Function = Callable[..., Any]
Arg = Any  # a float, or lanes (a 1-D numpy array)


def short(x: Any, shown: int = 6) -> str:
    """A coordinate for a message: a float as ``repr`` shows it, lanes by their first ``shown`` values."""
    if type(x) is float:
        return repr(x)
    values = [repr(float(v)) for v in x[:shown]]
    if len(x) > shown:
        values.append(f"… {len(x)} lanes")
    return "[" + ", ".join(values) + "]"


def check_point_arg(x: object, name: str) -> Any:
    """A validated float or lanes array for one argument of the point, or a TypeError saying how to pass it."""
    if isinstance(x, Value):
        raise TypeError(
            f"{name} is a Value: pass its number ({name}.data) — gradcheck makes the Values itself; "
            "to check a model's parameters in place use gradcheck_params(loss_fn, model)"
        )
    if isinstance(x, tuple | list):
        kind = type(x).__name__
        raise TypeError(
            f"{name} is a {kind}: pass the point's coordinates as separate arguments, gradcheck(f, *point) "
            "(an argument holding lanes is a 1-D numpy array)"
        )
    if is_lanes(x):
        arr: Any = x
        if arr.ndim == 0:
            return check_point_arg(float(arr), name)
        if arr.ndim != 1:
            raise TypeError(
                f"{name} is a {arr.ndim}-D array of shape {arr.shape}: a 1-D numpy array is one argument "
                "holding lanes (one value per sample); pass the coordinates of a point as separate arguments"
            )
    if isinstance(x, bool) or not (isinstance(x, int | float) or is_lanes(x) or hasattr(x, "__float__")):
        raise TypeError(f"{name} must be a real number or lanes (a 1-D numpy array), got {type(x).__name__}: {x!r}")
    if isinstance(x, int | float) and not math.isfinite(x):
        raise ValueError(f"{name} is not finite: {x!r}; gradcheck needs a point where f is defined")
    try:
        return Value(x).data  # validates: real, finite, lanes 1-D and non-empty
    except (TypeError, ValueError) as exc:
        raise type(exc)(str(exc).replace("Value data", name)) from None


def signature_names(f: Function, n: int) -> list[str]:
    """The names ``f`` gives its first ``n`` positional arguments (``x0``… when it does not say)."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return [f"x{i}" for i in range(n)]
    names: list[str] = []
    required = 0
    var: str | None = None
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
            required += p.default is p.empty
        elif p.kind is p.VAR_POSITIONAL:
            var = p.name
            break
    if n < required:
        shown = ", ".join(names[:required])
        raise TypeError(
            f"the checked function takes {required} argument(s) ({shown}) but the point has {n}: pass each "
            "coordinate as its own argument, gradcheck(f, *point) — a 1-D numpy array is one argument holding lanes"
        )
    if n > len(names) and var is None:
        raise TypeError(f"the checked function takes {len(names)} argument(s) ({', '.join(names)}), the point has {n}")
    if var == "args" and not names:  # a generic *args (a define_op op): no names to show
        return ["x"] if n == 1 else [f"x{i}" for i in range(n)]
    return (names + [f"{var}[{i}]" for i in range(len(names), n)])[:n]


class Point:
    """The arguments as a flat list of scalar coordinates (each lane is one coordinate)."""

    def __init__(self, data: Sequence[Any], names: Sequence[str]) -> None:
        self.names = list(names)
        self.lanes: list[int | None] = []
        self.flat: list[float] = []
        for d in data:
            if type(d) is float:
                self.lanes.append(None)
                self.flat.append(d)
            else:
                self.lanes.append(len(d))
                self.flat.extend(float(v) for v in d)
        self.where = [(i, None if n is None else j) for i, n in enumerate(self.lanes) for j in range(n or 1)]

    def name(self, k: int) -> str:
        i, lane = self.where[k]
        return self.names[i] if lane is None else f"{self.names[i]} lane {lane}"

    def long_name(self, k: int) -> str:
        i, lane = self.where[k]
        return f"argument {i} ({self.names[i]})" if lane is None else f"argument {i} lane {lane} ({self.names[i]})"

    def args(self, flat: Sequence[float]) -> list[Arg]:
        out: list[Arg] = []
        k = 0
        for n in self.lanes:
            if n is None:
                out.append(flat[k])
                k += 1
            else:
                np = load_numpy()  # lanes are numpy arrays: numpy is loaded already

                out.append(np.array(flat[k : k + n], dtype=np.float64))
                k += n
        return out

    def flatten(self, values: Sequence[Any]) -> list[float]:
        out: list[float] = []
        for v, n in zip(values, self.lanes, strict=True):
            if isinstance(v, Value):
                v = v.data
            if n is None:
                out.append(float(v))
            elif type(v) is float:  # a lane input the output does not depend on
                out.extend([v] * n)
            else:
                out.extend(float(e) for e in v)
        return out

    def describe(self, limit: int = 8) -> str:
        shown = [f"{name} = {short(x)}" for name, x in zip(self.names, self.args(self.flat), strict=True)]
        if len(shown) > limit:
            shown = [*shown[:limit], f"… {len(shown)} arguments in all"]
        return ", ".join(shown)
