"""A corpus for judging a gradient checker: correct functions that stress it, and planted bugs.

``CORRECT`` holds 30 correct functions at points where a checker is easily fooled: huge
intermediates that cancel (rounding noise that |f| does not show), a kink a hair away from
the point, a point a hair inside a domain, kinks of the built-ins at their conventions,
badly scaled derivatives, lanes. Every check (full, fast with three seeds, and
gradgradcheck full and fast for 12 of them, kinks a hair away included) must pass: a failure
is a false alarm.

``PLANTED`` holds 30 wrong derivatives — 24 first-order (user ops with wrong local
rules, built-in rules mutated for the duration, a forward that jumps, one bad input among
50 for fast mode) and 6 second-order (a derivative right on numbers but wrong as a graph,
a fused create-graph rule off by 0.1 %, a first derivative exact at x but wrong nearby).
Each names its guilty op, so blame can be scored.

Run ``python tests/gradcheck_cases.py`` for the table (false alarms, misses, guilty op
named); the tests in ``tests/test_gradcheck_blame.py`` assert it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd import RULES, Value, define_op
from autograd.core.rules import exp, unregister

Fn = Callable[..., Any]


@dataclass(frozen=True)
class Correct:
    name: str
    f: Fn
    point: tuple[Any, ...]
    second: bool = False  # gradgradcheck (full and fast) must pass too


def _huber(x: Value) -> Value:
    return 0.5 * x * x if abs(x.data) <= 1.0 else x.abs() - 0.5


CORRECT: list[Correct] = [
    # rounding noise from large intermediates that cancel: |f| is small, the terms are not
    Correct("(x + 1e8) - 1e8 at 0.3", lambda x: (x + 1e8) - 1e8, (0.3,)),
    Correct("(x + 1e4)**2 - 2e4·x - 1e8 at 0.3", lambda x: (x + 1e4) ** 2 - 2e4 * x - 1e8, (0.3,)),
    Correct("exp(x)·exp(-x) + x at 20", lambda x: x.exp() * (-x).exp() + x, (20.0,)),
    Correct("(x·1e6 + 1)/1e6 - 1e-6 at 0.7", lambda x: (x * 1e6 + 1.0) / 1e6 - 1e-6, (0.7,)),
    Correct("x·y + 1e9 - 1e9 at (0.3, 0.8)", lambda x, y: x * y + 1e9 - 1e9, (0.3, 0.8)),
    # a kink a hair away from the point (max(a, b) = a + relu(b - a))
    Correct("max(a, b) at b = a + 1e-9", lambda a, b: a + (b - a).relu(), (0.3, 0.3 + 1e-9), second=True),
    Correct("max(a, b) at b = a + 3e-8", lambda a, b: a + (b - a).relu(), (0.3, 0.3 + 3e-8), second=True),
    Correct("max(a, b) at b = a + 1e-8", lambda a, b: a + (b - a).relu(), (0.3, 0.3 + 1e-8), second=True),
    Correct("relu(x) at 1e-9", lambda x: x.relu(), (1e-9,), second=True),
    Correct("|x| at 3e-7", lambda x: x.abs() * 2.0, (3e-7,)),
    Correct("|x - 0.5| at 0.5 + 3e-8", lambda x: (x - 0.5).abs(), (0.5 + 3e-8,), second=True),
    # a hair inside the domain: probes at x ± h would leave it
    Correct("log1p(x) at -1 + 1e-6", lambda x: x.log1p(), (-1.0 + 1e-6,)),
    Correct("sqrt(x) at 1e-12", lambda x: x.sqrt(), (1e-12,)),
    Correct("log(x) at 1e-9", lambda x: x.log(), (1e-9,)),
    # the built-ins at their kinks, at their documented conventions
    Correct("relu(x) at 0", lambda x: x.relu(), (0.0,)),
    Correct("abs(x) at 0", lambda x: x.abs(), (0.0,)),
    Correct("leaky_relu(x, 0.2) at 0", lambda x: x.leaky_relu(0.2), (0.0,)),
    Correct("relu(x)·2 + x at 0", lambda x: x.relu() * 2.0 + x, (0.0,)),
    # once but not twice differentiable, badly scaled, large
    Correct("relu(x)² at 0", lambda x: x.relu() ** 2, (0.0,)),
    Correct("Huber at +1", _huber, (1.0,)),
    Correct("cos(x²) at 84.273", lambda x: (x * x).cos(), (84.27300411487502,), second=True),
    Correct("sin(1e4·x) at 0.3", lambda x: (x * 1e4).sin(), (0.3,), second=True),
    Correct("sin(x) at 1e6", lambda x: x.sin(), (1e6,), second=True),
    Correct("1/x at 2e-4", lambda x: 1.0 / x, (2e-4,), second=True),
    Correct("x**1.5 at 2e-6", lambda x: x**1.5, (2e-6,)),
    Correct("exp(x) at 700", lambda x: x.exp(), (700.0,), second=True),
    Correct("sigmoid(x)·1e6 at 30", lambda x: x.sigmoid() * 1e6, (30.0,), second=True),
    Correct("tanh(x·y)·sin(y) at (0.4, -1.3)", lambda x, y: (x * y).tanh() * y.sin(), (0.4, -1.3), second=True),
    Correct(
        "lanes: relu² at 0, tanh, cos(x²) at 9",
        lambda v: (v.relu() ** 2).sum() + v.tanh().sum() + (v * v).cos().sum(),
        (np.array([0.0, 1e-9, -0.5, 9.0]),),
    ),
    Correct("[x·|x|, cos(x·y)] at (1e-7, 2)", lambda x, y: [x * x.abs(), (x * y).cos()], (1e-7, 2.0)),
]


# -- planted bugs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Planted:
    """A wrong derivative: ``setup()`` is a context manager yielding ``(f, point)``."""

    name: str
    guilty: str  # the op whose rule is wrong
    setup: Callable[[], Any]
    order: int = 1  # 1: the first derivative is wrong; 2: only second derivatives are
    fast_seeds: int = 0  # > 0: the check is fast mode, and must fail for each of these seeds


@contextmanager
def _user_op(
    name: str, forward: Fn, local: Fn, f: Callable[[Fn], Fn], point: tuple[Any, ...], **kw: Any
) -> Iterator[Any]:
    op = define_op(name, forward, local, replace=True, **kw)
    try:
        yield f(op), point
    finally:
        unregister(name)


@contextmanager
def _mutated(name: str, mutate: Callable[[Fn], Fn], f: Fn, point: tuple[Any, ...]) -> Iterator[Any]:
    rule = RULES[name]
    original = rule.local
    object.__setattr__(rule, "local", mutate(original))
    try:
        yield f, point
    finally:
        object.__setattr__(rule, "local", original)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def _sig(x: Any) -> Any:
    return 1.0 / (1.0 + exp(-x))


def _times(factor: float) -> Callable[[Fn], Fn]:
    return lambda local: lambda out, *xs: tuple(factor * d for d in local(out, *xs))


def _on_graphs(mutate: Callable[[Fn], Fn]) -> Callable[[Fn], Fn]:
    """Wrong only where the engine builds a gradient's graph (create_graph): second derivatives."""

    def wrap(local: Fn) -> Fn:
        wrong = mutate(local)
        return lambda out, *xs: wrong(out, *xs) if isinstance(out, Value) else local(out, *xs)

    return wrap


def _dropped(local: Fn) -> Fn:
    return lambda out, *xs: tuple(_data(d) for d in local(out, *xs))


def _deep(op: Fn) -> Fn:
    """A 30-node expression of three inputs with ``op`` applied once, in the middle."""

    def f(x: Value, y: Value, z: Value) -> Value:
        a = (x * y).tanh() + z.sigmoid()
        b = (a * x).sin() + (y - z).exp() * 0.3
        c = op(b * 0.7 + a)
        d = (c * z).tanh() + (x + y).cos() * c
        e = (d * d + 1.0).log() + b.sigmoid() * y
        return e * (x - 0.1).tanh() + d / (z * z + 1.0)

    return f


def _fifty(op: Fn) -> Fn:
    def f(*xs: Value) -> Value:
        return sum((op(x) if i == 17 else x.sin()) * (0.5 + 0.01 * i) for i, x in enumerate(xs))  # type: ignore[return-value]

    return f


_POINT3 = (0.4, -0.7, 1.1)
_FIFTY = tuple(0.1 + 0.03 * i for i in range(50))

PLANTED: list[Planted] = [
    # -- user ops with wrong local rules
    Planted(
        "sin ×1.001",
        "p_sin",
        lambda: _user_op(
            "p_sin",
            math.sin,
            lambda o, x: (1.001 * math.cos(_data(x)),),
            lambda op: lambda x, y: (x * y).tanh() + op(x) * y,
            (0.4, 0.8),
        ),
    ),
    Planted(
        "exp ×1.0001",
        "p_exp",
        lambda: _user_op("p_exp", math.exp, lambda o, x: (1.0001 * o,), lambda op: lambda x: op(x * 0.5) * x, (0.9,)),
    ),
    Planted(
        "log with 1/(x + 1e-3)",
        "p_log",
        lambda: _user_op(
            "p_log", math.log, lambda o, x: (1.0 / (x + 1e-3),), lambda op: lambda x: op(x * x + 0.5), (0.3,)
        ),
    ),
    Planted(
        "sigmoid + 1e-6 (inside rtol)",
        "p_sigmoid",
        lambda: _user_op(
            "p_sigmoid",
            lambda x: 1.0 / (1.0 + math.exp(-x)),
            lambda o, x: (o * (1.0 - o) + 1e-6,),
            lambda op: lambda x: op(x),
            (0.3,),
        ),
    ),
    Planted(
        "tanh with 1 − out (square forgotten)",
        "p_tanh",
        lambda: _user_op(
            "p_tanh", math.tanh, lambda o, x: (1.0 - o,), lambda op: lambda x, y: op(x * y) + y, (0.5, 0.9)
        ),
    ),
    Planted(
        "softplus with sigmoid(−x)",
        "p_softplus",
        lambda: _user_op(
            "p_softplus",
            lambda x: math.log1p(math.exp(x)),
            lambda o, x: (_sig(-x),),
            lambda op: lambda x: op(x) * 2.0,
            (0.7,),
        ),
    ),
    Planted(
        "a·b with its partials swapped",
        "p_mul",
        lambda: _user_op(
            "p_mul",
            lambda a, b: a * b,
            lambda o, a, b: (a, b),
            lambda op: lambda a, b: op(a, b).sin(),
            (0.3, 1.9),
            arity=2,
        ),
    ),
    Planted(
        "a/b with +out/b for b",
        "p_div",
        lambda: _user_op(
            "p_div",
            lambda a, b: a / b,
            lambda o, a, b: (1.0 / b, o / b),
            lambda op: lambda a, b: op(a, b),
            (0.6, 1.5),
            arity=2,
        ),
    ),
    Planted(
        "x**p with p·x**p",
        "p_pow",
        lambda: _user_op(
            "p_pow",
            lambda x, p: x**p,
            lambda o, x, p: (p * x**p,),
            lambda op: lambda x: op(x, param=3.0) + x,
            (1.3,),
            has_param=True,
        ),
    ),
    Planted(
        "|x| with 1 (sign dropped), at x < 0",
        "p_abs",
        lambda: _user_op("p_abs", abs, lambda o, x: (1.0,), lambda op: lambda x: op(x) * x, (-0.8,)),
    ),
    Planted(
        "relu with 1 for x < 0",
        "p_relu",
        lambda: _user_op(
            "p_relu",
            lambda x: max(x, 0.0),
            lambda o, x: (1.0,),
            lambda op: lambda x, y: op(x - y) + y * y,
            (0.2, 0.9),
            arity=1,
        ),
    ),
    Planted(
        "leaky_relu with its slopes swapped",
        "p_leaky",
        lambda: _user_op(
            "p_leaky",
            lambda x: x if x > 0 else 0.1 * x,
            lambda o, x: (0.1 if _data(x) > 0 else 1.0,),
            lambda op: lambda x: op(x).exp(),
            (0.4,),
        ),
    ),
    Planted(
        "Huber ×1.001 at the join",
        "p_huber",
        lambda: _user_op(
            "p_huber",
            lambda x: 0.5 * x * x if abs(x) <= 1.0 else abs(x) - 0.5,
            lambda o, x: (1.001 * (x if abs(_data(x)) <= 1.0 else math.copysign(1.0, _data(x))),),
            lambda op: lambda x: op(x),
            (1.0,),
        ),
    ),
    Planted(
        "cube with 3x",
        "p_cube",
        lambda: _user_op(
            "p_cube", lambda x: x**3, lambda o, x: (3.0 * x,), lambda op: lambda x, y: op(x) * y, (0.7, -1.2)
        ),
    ),
    Planted(
        "sqrt with 1/sqrt(x)",
        "p_sqrt",
        lambda: _user_op("p_sqrt", math.sqrt, lambda o, x: (1.0 / o,), lambda op: lambda x: op(x + 1.0), (0.6,)),
    ),
    Planted(
        "log1p with 1/x",
        "p_log1p",
        lambda: _user_op("p_log1p", math.log1p, lambda o, x: (1.0 / x,), lambda op: lambda x: op(x * 2.0), (0.45,)),
    ),
    Planted(
        "lanes: square with 2x only below 1",
        "p_square",
        lambda: _user_op(
            "p_square",
            lambda x: x * x,
            lambda o, x: (np.where(_data(x) < 1.0, 2.0 * _data(x), _data(x)),),
            lambda op: lambda v: op(v).sum(),
            (np.array([0.2, 0.7, 1.4]),),
        ),
    ),
    Planted(
        "scale(x, p) = p·x with derivative 1",
        "p_scale",
        lambda: _user_op(
            "p_scale",
            lambda x, p: p * x,
            lambda o, x, p: (1.0,),
            lambda op: lambda x: op(x, param=2.5).tanh(),
            (0.2,),
            has_param=True,
        ),
    ),
    Planted(
        "a forward that jumps just right of x",
        "p_jump",
        lambda: _user_op(
            "p_jump",
            lambda x: math.sin(x) + (1e-3 if x > 0.5 else 0.0),
            lambda o, x: (math.cos(_data(x)),),
            lambda op: lambda x: op(x),
            (0.5,),
        ),
    ),
    Planted(
        "dot3 with one wrong partial",
        "p_dot3",
        lambda: _user_op(
            "p_dot3",
            lambda a, b, c: a * b + c,
            lambda o, a, b, c: (b, a, 2.0),
            lambda op: lambda a, b, c: op(a, b, c).tanh(),
            (0.3, -0.5, 0.2),
            arity=3,
        ),
    ),
    # -- built-in rules mutated for the duration
    Planted(
        "cos with +sin (sign)",
        "cos",
        lambda: _mutated("cos", lambda local: lambda o, a: (-local(o, a)[0],), _deep(lambda v: v.cos()), _POINT3),
    ),
    Planted(
        "mul ×1.001 in a 30-node expression",
        "mul",
        lambda: _mutated("mul", _times(1.001), _deep(lambda v: v.cos()), _POINT3),
    ),
    Planted(
        "sin wrong for negative inputs",
        "sin",
        lambda: _mutated(
            "sin",
            lambda local: lambda o, a: (-local(o, a)[0],) if np.any(_data(a) < 0) else local(o, a),
            _deep(lambda v: (v - 1.5).sin()),
            _POINT3,
        ),
    ),
    Planted(
        "one bad input among 50 (fast mode, 10 seeds)",
        "p_sin50",
        lambda: _user_op("p_sin50", math.sin, lambda o, x: (1.0001 * math.cos(_data(x)),), _fifty, _FIFTY),
        fast_seeds=10,
    ),
    # -- second order: first derivatives right, second derivatives wrong
    Planted(
        "softplus with its second derivative dropped",
        "p_softplus2",
        lambda: _user_op(
            "p_softplus2",
            lambda x: math.log1p(math.exp(x)),
            lambda o, x: (_sig(_data(x)),),
            lambda op: lambda x: op(x) * x,
            (0.7,),
        ),
        order=2,
    ),
    Planted(
        "sin ×1.001 on graphs only",
        "sin",
        lambda: _mutated("sin", _on_graphs(_times(1.001)), lambda x, y: (x * y).sin() + y, (0.4, 0.8)),
        order=2,
    ),
    Planted(
        "tanh_backward's derivative ×1.001",
        "tanh_backward",
        lambda: _mutated(
            "tanh_backward",
            lambda local: lambda o, t, g: (1.001 * local(o, t, g)[0], local(o, t, g)[1]),
            lambda x: x.tanh() * x,
            (0.6,),
        ),
        order=2,
    ),
    Planted(
        "f″ = 3.1 where f″ = 3: the first derivative exact at x, wrong nearby",
        "p_near",
        lambda: _user_op(
            "p_near",
            lambda x: 1.5 * x * x,
            lambda o, x: (3.0 * x + 0.1 * (x - 0.8),),
            lambda op: lambda x: op(x),
            (0.8,),
        ),
        order=2,
    ),
    Planted(
        "exp with its second derivative dropped",
        "exp",
        lambda: _mutated("exp", _dropped, lambda x: x.exp() * x, (0.5,)),
        order=2,
    ),
    Planted(
        "sigmoid_backward's derivative with a flipped sign",
        "sigmoid_backward",
        lambda: _mutated(
            "sigmoid_backward",
            lambda local: lambda o, s, g: (-local(o, s, g)[0], local(o, s, g)[1]),
            lambda x: x.sigmoid() * x,
            (0.9,),
        ),
        order=2,
    ),
]


# -- running the corpus through a checker ---------------------------------------------------


@dataclass
class Outcome:
    name: str
    passed: bool
    kind: str | None = None
    culprits: tuple[str, ...] = ()
    message: str = ""


def check_correct(case: Correct, gradcheck: Fn, gradgradcheck: Fn) -> Outcome:
    """All checks of a correct function: a failure of any is a false alarm."""
    runs: list[Callable[[], Any]] = [lambda: gradcheck(case.f, *case.point, raise_exception=False)]
    runs += [
        lambda s=s: gradcheck(case.f, *case.point, fast_mode=True, seed=s, raise_exception=False) for s in range(3)
    ]
    if case.second:
        runs.append(lambda: gradgradcheck(case.f, *case.point, raise_exception=False))
        runs.append(lambda: gradgradcheck(case.f, *case.point, fast_mode=True, raise_exception=False))
    for run in runs:
        try:
            result = run()
        except Exception as exc:  # a checker that raises something else on a correct function: a false alarm too
            return Outcome(case.name, False, type(exc).__name__, message=str(exc))
        if not result:
            return Outcome(case.name, False, result.kind, message=result.message)
    return Outcome(case.name, True)


def check_planted(case: Planted, gradcheck: Fn, gradgradcheck: Fn) -> Outcome:
    """The planted bug caught: every run fails, and none dismisses it as a kink of f."""
    with case.setup() as (f, point):
        seeds = range(case.fast_seeds) if case.fast_seeds else [None]
        outcome = Outcome(case.name, True)
        for seed in seeds:
            check = gradgradcheck if case.order == 2 else gradcheck
            options: dict[str, Any] = {} if seed is None else {"fast_mode": True, "seed": seed}
            try:
                result = check(f, *point, raise_exception=False, **options)
            except Exception as exc:  # an error other than a failed check: not a diagnosis of the bug
                return Outcome(case.name, True, type(exc).__name__, message=str(exc))
            if result:
                return Outcome(case.name, True)
            culprits = tuple(
                n for c in getattr(result.error, "culprits", ()) for n in (c.op, getattr(c, "via", "")) if n
            )
            outcome = Outcome(case.name, result.kind == "kink", result.kind, culprits, result.message)
            if outcome.passed:
                return outcome
        return outcome


def table(gradcheck: Fn, gradgradcheck: Fn) -> dict[str, Any]:
    """False alarms, misses (first and second order) and the guilty op named, with the cases."""
    correct = [check_correct(c, gradcheck, gradgradcheck) for c in CORRECT]
    planted = [(p, check_planted(p, gradcheck, gradgradcheck)) for p in PLANTED]
    first = [(p, o) for p, o in planted if p.order == 1]
    second = [(p, o) for p, o in planted if p.order == 2]
    return {
        "false_alarms": [o for o in correct if not o.passed],
        "missed_first": [o for p, o in first if o.passed],
        "missed_second": [o for p, o in second if o.passed],
        "blamed_first": [o for p, o in first if p.guilty in o.culprits],
        "blamed_second": [o for p, o in second if p.guilty in o.culprits],
        "n_first": len(first),
        "n_second": len(second),
    }


def main() -> None:
    from autograd import gradcheck, gradgradcheck

    t = table(gradcheck, gradgradcheck)
    print(f"false alarms: {len(t['false_alarms'])} of {len(CORRECT)}")
    for o in t["false_alarms"]:
        print(f"  - {o.name}: {o.kind}: {o.message.splitlines()[0] if o.message else ''}")
    print(f"missed first-order bugs: {len(t['missed_first'])} of {t['n_first']}")
    for o in t["missed_first"]:
        print(f"  - {o.name} ({o.kind or 'passed'})")
    print(f"missed second-order bugs: {len(t['missed_second'])} of {t['n_second']}")
    for o in t["missed_second"]:
        print(f"  - {o.name} ({o.kind or 'passed'})")
    print(
        f"guilty op named: {len(t['blamed_first'])} of {t['n_first']} first-order, "
        f"{len(t['blamed_second'])} of {t['n_second']} second-order"
    )


if __name__ == "__main__":
    sys.exit(main())
