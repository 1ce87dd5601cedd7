"""A tester's toolkit: hypothesis strategies, assume-style helpers and profiles for checking gradients.

Needs ``hypothesis`` (the ``dev`` extra). Use them in your own tests::

    from hypothesis import given, settings
    from autograd import gradcheck
    from autograd.testing import expressions

    settings.load_profile("chainrule-ci")  # registered on import: derandomized, no deadline

    @given(expressions(ops=["tanh", "mul", "add", "my_softplus"]))
    def test_my_graphs(expr):
        gradcheck(expr, *expr.inputs)  # raises GradcheckError on a wrong gradient

A failing example prints as the expression's Python text (``tanh(x0) * x0``), not as a
data structure.

* :func:`safe_floats` — finite, normal floats, a margin away from given points;
* :func:`op_inputs` — arguments (and a parameter) for any op of the rule table, user ops
  included (``define_op(..., sample=..., kinks=..., param_sample=...)``);
* :func:`expressions` — random expression graphs with shared subexpressions, over the
  default smooth ops or over the ops you name (built-in or your own), on numbers or lanes;
* :func:`assume_away_from`, :func:`assume_apart` and :func:`separated_pairs` — keep
  property tests a margin away from kinks, including two-argument kinks such as
  ``relu(a - b)``, ``max(a, b)`` or ``|a - b|`` at ``a = b`` (``assume``, never offset literals);
* :func:`compare_with_torch` — values and gradients against PyTorch in float64;
* hypothesis profiles ``"chainrule-ci"`` (derandomized, no deadline, no "explain" phase) and
  ``"chainrule-dev"`` (random, no deadline, more examples), registered on import, not loaded.

Floats are drawn with ``allow_nan=False, allow_infinity=False, allow_subnormal=False``;
points near a rule's kinks or poles are filtered out with a margin, never dodged by
offset literals.

The :class:`Expression` the strategy draws (its evaluation and its Python text) is in
``autograd.check.expressions``, which does not need hypothesis; import it from here.
"""

from __future__ import annotations

import math
import unittest
from collections.abc import Callable, Sequence
from typing import Any

try:
    from hypothesis import HealthCheck, Phase, assume, settings
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised only without the dev extra
    raise ImportError(
        "autograd.testing needs hypothesis: pip install 'chainrule[dev]' (or pip install hypothesis)"
    ) from exc

from autograd.check.expressions import Expression, Step, show_data
from autograd.check.gradcheck import GradcheckError
from autograd.core.engine import grad
from autograd.core.errors import DomainError
from autograd.core.functions import is_lanes, load_numpy
from autograd.core.grad_mode import no_grad
from autograd.core.rules import RULES, Rule
from autograd.core.value import Value

__all__ = [
    "PROFILE_CI",
    "PROFILE_DEV",
    "SMOOTH_BINARY",
    "SMOOTH_UNARY",
    "Expression",
    "assume_apart",
    "assume_away_from",
    "compare_with_torch",
    "expressions",
    "op_inputs",
    "safe_floats",
    "separated_pairs",
]

#: Ops that are smooth and bounded-derivative everywhere: safe inside random graphs.
SMOOTH_UNARY = ("tanh", "sin", "cos", "sigmoid", "neg")
SMOOTH_BINARY = ("add", "sub", "mul")
_SAFE_EVERYWHERE = frozenset((*SMOOTH_UNARY, *SMOOTH_BINARY, "sum", "dot", "exp", "lanesum", "lanemean"))

#: The profile for CI: derandomized (the same examples every run), no deadline (a check of
#: second derivatives of a network takes longer than hypothesis's default 200 ms), no
#: "explain" phase (it points at library lines, not at your test).
PROFILE_CI = "chainrule-ci"
#: The profile for exploring locally: random examples, more of them, no deadline.
PROFILE_DEV = "chainrule-dev"

settings.register_profile(
    PROFILE_CI,
    derandomize=True,
    deadline=None,
    max_examples=100,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    PROFILE_DEV,
    derandomize=False,
    deadline=None,
    max_examples=300,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
)


# -- floats and assume-style helpers --------------------------------------------------------


def safe_floats(
    lo: float = -3.0, hi: float = 3.0, *, avoid: Sequence[float] = (), margin: float = 1e-3
) -> st.SearchStrategy[float]:
    """Finite, normal floats in ``[lo, hi]`` at least ``margin`` away from each point in ``avoid``."""
    floats = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if not avoid:
        return floats
    return floats.filter(lambda x: all(abs(x - a) >= margin for a in avoid))


def _distance(x: Any, points: Sequence[float]) -> float:
    """The smallest distance from ``x`` (a number, lanes or a Value) to any of ``points``."""
    data = x.data if isinstance(x, Value) else x
    if is_lanes(data):
        return min((float(abs(data - p).min()) for p in points), default=math.inf)
    return min((abs(float(data) - p) for p in points), default=math.inf)


def assume_away_from(x: Any, points: Sequence[float] = (0.0,), margin: float = 1e-3) -> None:
    """``hypothesis.assume`` that ``x`` is at least ``margin`` from each of ``points``.

    ``x`` may be a number, lanes (every lane is checked) or a Value — typically an
    intermediate result where a kink sits, such as the argument of a ``relu``:

    >>> from hypothesis import given, settings
    >>> from autograd import gradcheck
    >>> @settings(derandomize=True, deadline=None, max_examples=30)
    ... @given(safe_floats(), safe_floats())
    ... def test_hinge(y, s):
    ...     assume_away_from(1.0 - y * s)  # the hinge's kink: 1 - y·s = 0
    ...     assert gradcheck(lambda y_, s_: (1.0 - y_ * s_).relu(), y, s)
    >>> test_hinge()
    """
    assume(_distance(x, points) >= margin)


def assume_apart(a: Any, b: Any, margin: float = 1e-3) -> None:
    """``hypothesis.assume`` that ``a`` and ``b`` are at least ``margin`` apart.

    For the two-argument kinks: ``max(a, b)``, ``relu(a - b)``, ``|a - b|`` and friends are
    not differentiable where ``a = b``. Numbers, lanes or Values.
    """
    a_data = a.data if isinstance(a, Value) else a
    b_data = b.data if isinstance(b, Value) else b
    assume(_distance(a_data - b_data, (0.0,)) >= margin)


def separated_pairs(
    lo: float = -3.0, hi: float = 3.0, *, margin: float = 1e-3
) -> st.SearchStrategy[tuple[float, float]]:
    """Pairs ``(a, b)`` of safe floats in ``[lo, hi]`` with ``|a - b| >= margin``.

    A strategy for two-argument kinks at ``a = b`` (``max``, ``relu(a - b)``, ``|a - b|``):

    >>> from hypothesis import given, settings
    >>> from autograd import gradcheck
    >>> @settings(derandomize=True, deadline=None, max_examples=30)
    ... @given(separated_pairs())
    ... def test_max(pair):
    ...     assert gradcheck(lambda a, b: a + (b - a).relu(), *pair)
    >>> test_max()
    """
    floats = safe_floats(lo, hi)
    return st.tuples(floats, floats).filter(lambda p: abs(p[0] - p[1]) >= margin)


# -- one op's arguments ----------------------------------------------------------------------


def _rule(rule: Rule | str) -> Rule:
    if isinstance(rule, Rule):
        return rule
    if rule not in RULES:
        raise KeyError(f"no op named {rule!r}; registered ops: {', '.join(sorted(RULES))}")
    return RULES[rule]


def _params(r: Rule) -> tuple[float, ...]:
    if r.has_param and not r.param_sample:
        raise ValueError(
            f"op {r.name!r} takes a parameter but has no param_sample to draw it from: "
            f"define_op({r.name!r}, ..., has_param=True, param_sample=(0.5, 2.0))"
        )
    return r.param_sample


@st.composite
def op_inputs(draw: Any, rule: Rule | str, *, margin: float = 1e-3) -> tuple[tuple[float, ...], float | None]:
    """Arguments (and a param) for one rule, inside its smooth sample domain.

    Returns ``(xs, param)``. Each argument is drawn from the rule's ``sample`` interval
    for that position, at least ``margin`` from every point in ``rule.kinks``; the
    parameter from ``rule.param_sample`` (``define_op(..., param_sample=...)`` for a user op).
    """
    r = _rule(rule)
    params = _params(r)
    n = len(r.sample) if r.arity == -1 else r.arity
    intervals = [r.sample[min(i, len(r.sample) - 1)] for i in range(n)]
    param = draw(st.sampled_from(params)) if r.has_param else None
    kinks = r.kinks_at(param)
    xs = tuple(draw(safe_floats(lo, hi, avoid=kinks, margin=margin)) for lo, hi in intervals)
    return xs, param


# -- random expressions (the Expression they draw: autograd.check.expressions) -------------------


def _valid(expr: Expression, margin: float) -> bool:
    """Every step defined at the inputs, and every argument of an op with kinks a margin away from them."""
    try:
        with no_grad():
            nodes = expr._nodes([Value(x) for x in expr.inputs])
    except (DomainError, ValueError, ZeroDivisionError, OverflowError):
        return False
    for step in expr.steps:
        if step[0] == "into":
            continue
        kinks = RULES[step[0]].kinks_at(step[2] if len(step) > 2 else None)
        if kinks and any(_distance(nodes[i], kinks) < margin for i in step[1]):
            return False
    return all(_distance(n, (0.0,)) < math.inf for n in nodes)  # finite everywhere


@st.composite
def expressions(
    draw: Any,
    *,
    n_inputs: tuple[int, int] = (1, 3),
    n_steps: tuple[int, int] = (1, 8),
    lo: float = -2.0,
    hi: float = 2.0,
    ops: Sequence[str] | None = None,
    lanes: int | tuple[int, int] | None = None,
    margin: float = 1e-3,
) -> Expression:
    """Random expression DAGs with shared subexpressions.

    Every input and step may be used by several later steps (diamonds, ``a + a``).

    Args:
        n_inputs: Range of the number of inputs.
        n_steps: Range of the number of steps (each may be followed by a ``tanh``).
        lo: Smallest input value.
        hi: Largest input value.
        ops: The ops to draw from, by name: built-in or your own (``define_op``). Default:
            the smooth ops :data:`SMOOTH_UNARY`, :data:`SMOOTH_BINARY` and n-ary ``sum``
            and ``dot``. The arguments of an op that is not safe everywhere go through
            ``into`` (a smooth map into the op's ``sample`` interval), and a drawn expression
            with an op's argument within ``margin`` of one of its ``kinks`` is rejected.
            A parameter is drawn from the op's ``param_sample``.
        lanes: Draw each input as lanes (a 1-D numpy array) of this many lanes (or a
            ``(min, max)`` range); the expression then returns lanes.
        margin: The distance kept from kinks.

    Values stay bounded because the unary ops are bounded and products act on bounded
    factors (and ``tanh`` squashes now and then).
    """
    k = draw(st.integers(*n_inputs))
    if lanes is None:
        inputs: tuple[Any, ...] = tuple(draw(safe_floats(lo, hi)) for _ in range(k))
    else:
        np = load_numpy()

        width = draw(st.integers(lanes, lanes) if isinstance(lanes, int) else st.integers(*lanes))
        inputs = tuple(np.array([draw(safe_floats(lo, hi)) for _ in range(width)]) for _ in range(k))
    steps: list[Step] = []
    if ops is None:
        for _ in range(draw(st.integers(*n_steps))):
            available = k + len(steps)
            pick = st.integers(0, available - 1)
            kind = draw(st.sampled_from(("unary", "binary", "binary", "sum", "dot")))
            if kind == "unary":
                steps.append((draw(st.sampled_from(SMOOTH_UNARY)), (draw(pick),)))
            elif kind == "binary":
                steps.append((draw(st.sampled_from(SMOOTH_BINARY)), (draw(pick), draw(pick))))
            elif kind == "sum":
                steps.append(("sum", tuple(draw(st.lists(pick, min_size=1, max_size=4)))))
            else:
                steps.append(("dot", tuple(draw(st.lists(pick, min_size=2, max_size=5)))))
            # Bound the magnitude after products: squash with tanh now and then.
            if draw(st.booleans()):
                steps.append(("tanh", (k + len(steps) - 1,)))
        return Expression(inputs, tuple(steps))
    if isinstance(ops, str) or not ops:
        raise ValueError(f"ops must be a non-empty list of op names, got {ops!r}")
    rules = [_rule(op) for op in ops]
    for r in rules:
        _params(r)  # a clear error now for a parameter with nothing to draw from
    for _ in range(draw(st.integers(*n_steps))):
        r = draw(st.sampled_from(rules))
        pick = st.integers(0, k + len(steps) - 1)
        n = r.arity
        if n == -1:  # n-ary: dot needs a weight and an input
            n = draw(st.integers(2, 5)) if r.name == "dot" else draw(st.integers(1, 4))
        args = [draw(pick) for _ in range(n)]
        if r.name not in _SAFE_EVERYWHERE and any(interval != (-3.0, 3.0) for interval in r.sample):
            for j, a in enumerate(args):
                interval = r.sample[min(j, len(r.sample) - 1)]
                steps.append(("into", (a,), interval))
                args[j] = k + len(steps) - 1
        if r.has_param:
            steps.append((r.name, tuple(args), draw(st.sampled_from(r.param_sample))))
        else:
            steps.append((r.name, tuple(args)))
        if draw(st.booleans()):
            steps.append(("tanh", (k + len(steps) - 1,)))
    expr = Expression(inputs, tuple(steps))
    assume(_valid(expr, margin))
    return expr


# -- PyTorch as a reference ------------------------------------------------------------------


def compare_with_torch(f: Callable[..., Any], *xs: Any, atol: float = 1e-12, rtol: float = 1e-10) -> bool:
    """Values and gradients of ``f`` at ``xs``, ours against PyTorch's in float64.

    ``f`` must be written with the methods Values and tensors share (``+ - * / **``,
    ``.exp()``, ``.log()``, ``.tanh()``, ``.sigmoid()``, ``.relu()``, ``.abs()``, ``.sin()``,
    ``.cos()``, ``.sqrt()``, ``.sum()``, ``.mean()``). It is called once with Values and
    once with float64 tensors (0-dim for a number, 1-D for lanes); it may return one
    result or a list. Every output's value and every output's gradient with respect to
    every input must agree within ``atol + rtol·|torch's|``.

    Without PyTorch (the ``torch`` extra), raises :class:`unittest.SkipTest`, so a test
    that calls it is skipped with that message (pytest and unittest both honour it).

    Returns:
        True when everything agrees.

    Raises:
        GradcheckError: (``kind="torch"``) naming the output and input that disagree.
    """
    try:
        import torch
    except ImportError:
        raise unittest.SkipTest(
            "compare_with_torch needs PyTorch: pip install 'chainrule[torch]' (torch==2.13.0)"
        ) from None
    if not xs:
        raise ValueError("compare_with_torch needs at least one point coordinate: compare_with_torch(f, x, y, …)")
    ours_in = [Value(x) for x in xs]
    theirs_in = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    ours = f(*ours_in)
    theirs = f(*theirs_in)
    ours_out = list(ours) if isinstance(ours, list | tuple) else [ours]
    theirs_out = list(theirs) if isinstance(theirs, list | tuple) else [theirs]
    if len(ours_out) != len(theirs_out):
        raise GradcheckError(
            f"f returned {len(ours_out)} outputs on Values, {len(theirs_out)} on tensors", kind="torch"
        )
    np = load_numpy()

    def close(a: Any, b: Any) -> bool:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        return bool(a.shape == b.shape and np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))

    names = [f"x{i}" for i in range(len(xs))]
    for k, (o, t) in enumerate(zip(ours_out, theirs_out, strict=True)):
        label = "f" if len(ours_out) == 1 else f"f[{k}]"
        t_value = t.detach().numpy()
        if not close(o.data, t_value):
            raise GradcheckError(f"{label}: ours {o.data!r}, torch {t_value.tolist()!r}", kind="torch")
        upstream = None if o.lanes is None else np.ones(o.lanes)
        our_grads = grad(o, ours_in, upstream)
        total = t if t.dim() == 0 else t.sum()
        their_grads = torch.autograd.grad(total, theirs_in, retain_graph=True, allow_unused=True)
        for name, g, tg in zip(names, our_grads, their_grads, strict=True):
            expected = np.zeros(np.shape(xs[names.index(name)])) if tg is None else tg.numpy()
            if not close(g, expected):
                raise GradcheckError(
                    f"∂{label}/∂{name}: ours {np.asarray(g).tolist()!r}, torch {expected.tolist()!r} "
                    f"(at {', '.join(f'{n} = {show_data(x)}' for n, x in zip(names, xs, strict=True))})",
                    kind="torch",
                )
    return True
