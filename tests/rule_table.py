"""What the rule tests share: each built-in rule's closed-form derivatives (written from the
textbook formulas, independently of the table) and the operator or method users call for it.

Every rule test runs through each public entry point — :data:`USER_PATHS` (the operator or
method), :func:`autograd.apply`, and :func:`autograd.define_op` (the same rule as a user op) —
so a mistake in any one recording path fails the suite.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from autograd import RULES, Value, apply, define_op, dot, vsum
from autograd.core.rules import unregister


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ∂out/∂x_i written independently of the rule table, from the textbook formulas (on scalars).
CLOSED_FORM: dict[str, Callable[[tuple[float, ...], Any], tuple[float, ...]]] = {
    "add": lambda xs, p: (1.0, 1.0),
    "sub": lambda xs, p: (1.0, -1.0),
    "mul": lambda xs, p: (xs[1], xs[0]),
    "div": lambda xs, p: (1.0 / xs[1], -xs[0] / xs[1] ** 2),
    "neg": lambda xs, p: (-1.0,),
    "pow": lambda xs, p: (p * xs[0] ** (p - 1),),
    "powv": lambda xs, p: (xs[1] * xs[0] ** (xs[1] - 1), xs[0] ** xs[1] * math.log(xs[0])),
    "rpow": lambda xs, p: (p ** xs[0] * math.log(p),),
    "exp": lambda xs, p: (math.exp(xs[0]),),
    "log": lambda xs, p: (1.0 / xs[0],),
    "log1p": lambda xs, p: (1.0 / (1.0 + xs[0]),),
    "sqrt": lambda xs, p: (0.5 / math.sqrt(xs[0]),),
    "tanh": lambda xs, p: (1.0 / math.cosh(xs[0]) ** 2,),
    "sigmoid": lambda xs, p: (_sig(xs[0]) * (1 - _sig(xs[0])),),
    "relu": lambda xs, p: (1.0 if xs[0] > 0 else 0.0,),
    "leaky_relu": lambda xs, p: (1.0 if xs[0] > 0 else p,),
    "abs": lambda xs, p: (math.copysign(1.0, xs[0]) if xs[0] != 0 else 0.0,),
    "sin": lambda xs, p: (math.cos(xs[0]),),
    "cos": lambda xs, p: (-math.sin(xs[0]),),
    "sum": lambda xs, p: (1.0,) * len(xs),
    "dot": lambda xs, p: (
        tuple(v for i in range(0, len(xs) - 1, 2) for v in (xs[i + 1], xs[i])) + ((1.0,) if len(xs) % 2 else ())
    ),
    # on a scalar the lane reductions are the identity
    "lanesum": lambda xs, p: (1.0,),
    "lanemean": lambda xs, p: (1.0,),
    # ∂(a**b)/∂a as a node (grad(create_graph=True) of powv): ∂/∂a and ∂/∂b of b·a**(b-1)
    "powv_dbase": lambda xs, p: (
        xs[1] * (xs[1] - 1) * xs[0] ** (xs[1] - 2),
        xs[0] ** (xs[1] - 1) * (1 + xs[1] * math.log(xs[0])),
    ),
    # what grad(create_graph=True) records for tanh and sigmoid: (out, g) ↦ g·∂out/∂x
    "tanh_backward": lambda xs, p: (-2.0 * xs[0] * xs[1], 1.0 - xs[0] ** 2),
    "sigmoid_backward": lambda xs, p: ((1.0 - 2.0 * xs[0]) * xs[1], xs[0] * (1.0 - xs[0])),
}
BUILTIN = sorted(CLOSED_FORM)


def _dot(xs: tuple[Any, ...]) -> Value:
    # parents w0, x0, w1, x1, …[, bias]
    pairs = len(xs) // 2
    bias = xs[-1] if len(xs) % 2 else None
    return dot(xs[0 : 2 * pairs : 2], xs[1 : 2 * pairs : 2], bias)


# The operator or method a user writes for each built-in rule: ``f(xs, param)``.
USER_PATHS: dict[str, Callable[[tuple[Any, ...], Any], Value]] = {
    "add": lambda xs, p: xs[0] + xs[1],
    "sub": lambda xs, p: xs[0] - xs[1],
    "mul": lambda xs, p: xs[0] * xs[1],
    "div": lambda xs, p: xs[0] / xs[1],
    "neg": lambda xs, p: -xs[0],
    "pow": lambda xs, p: xs[0] ** p,
    "powv": lambda xs, p: xs[0] ** xs[1],
    "rpow": lambda xs, p: p ** xs[0],
    "exp": lambda xs, p: xs[0].exp(),
    "log": lambda xs, p: xs[0].log(),
    "log1p": lambda xs, p: xs[0].log1p(),
    "sqrt": lambda xs, p: xs[0].sqrt(),
    "tanh": lambda xs, p: xs[0].tanh(),
    "sigmoid": lambda xs, p: xs[0].sigmoid(),
    "relu": lambda xs, p: xs[0].relu(),
    "leaky_relu": lambda xs, p: xs[0].leaky_relu(p),
    "abs": lambda xs, p: abs(xs[0]),
    "sin": lambda xs, p: xs[0].sin(),
    "cos": lambda xs, p: xs[0].cos(),
    "sum": lambda xs, p: vsum(xs),
    "dot": lambda xs, p: _dot(xs),
    "lanesum": lambda xs, p: xs[0].sum(),
    "lanemean": lambda xs, p: xs[0].mean(),
    # No operator: users meet these through grad(create_graph=True) (tests/test_vjp_rules.py
    # checks that path); here they go through apply like any rule.
    "powv_dbase": lambda xs, p: apply("powv_dbase", *xs),
    "tanh_backward": lambda xs, p: apply("tanh_backward", *xs),
    "sigmoid_backward": lambda xs, p: apply("sigmoid_backward", *xs),
}

PATHS = ("operator", "apply", "define_op")


def copy_name(name: str) -> str:
    """The name of the user op that copies the built-in rule ``name``."""
    return f"user_copy_of_{name}"


@contextmanager
def user_copies() -> Iterator[None]:
    """Every built-in rule registered again as a user op (:func:`define_op`), for the duration."""
    made = []
    try:
        for name in BUILTIN:
            r = RULES[name]
            define_op(
                copy_name(name),
                r.forward,
                r.local,
                arity=r.arity,
                has_param=r.has_param,
                sample=r.sample,
                kinks=r.kinks,
                lanes=r.lanes or r.forward,
                param_sample=r.param_sample,
            )
            made.append(copy_name(name))
        yield
    finally:
        for name in made:
            unregister(name)


def entry(name: str, path: str) -> Callable[[tuple[Any, ...], Any], Value]:
    """The function ``f(xs, param)`` applying the built-in rule ``name`` through ``path``."""
    if path == "operator":
        return USER_PATHS[name]
    op = name if path == "apply" else copy_name(name)
    return lambda xs, p: apply(op, *xs, param=p)
