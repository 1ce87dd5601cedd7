"""Every rule through every public entry point: the operator or method users call
(``a * b``, ``x.sqrt()``, ``x ** 2``, ``2 ** x``…), :func:`~autograd.apply`, and
:func:`~autograd.define_op` (the same rule registered as a user op).

Each path is checked on its own — closed form, gradcheck, gradgradcheck, lanes — and the
paths are shown to build identical nodes and raise identical errors. The last test proves
the checks see every path: a stored derivative ×1.001 in any function that builds nodes
fails them.
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rule_table import BUILTIN, CLOSED_FORM, PATHS, copy_name, entry, user_copies

import autograd.core.errors as errors
import autograd.core.value as record_module
from autograd import RULES, DomainError, GradcheckError, Value, gradcheck, gradgradcheck
from autograd.testing import op_inputs


@pytest.fixture(scope="module", autouse=True)
def _copies() -> Iterator[None]:
    with user_copies():
        yield


def _op_name(name: str, path: str) -> str:
    return copy_name(name) if path == "define_op" else name


def _assert_closed_form(node: Value, name: str, path: str, xs: tuple[float, ...], param: Any) -> None:
    assert node.op == _op_name(name, path)
    expected = CLOSED_FORM[name](xs, param)
    assert len(node.local_grads) == len(expected)
    for got, want in zip(node.local_grads, expected, strict=True):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (name, path, got, want)


def _assert_lanes_closed_form(name: str, path: str, columns: list[tuple[float, ...]], param: Any) -> None:
    """The rule on lanes (one input column per argument): each lane's stored derivatives
    against the closed form at that lane's numbers."""
    lanes = [np.array(c) for c in columns]
    node = entry(name, path)(tuple(Value(a) for a in lanes), param)
    assert node.op == _op_name(name, path)
    n = len(columns[0])
    for i in range(n):
        at = tuple(c[i] for c in columns)
        expected = CLOSED_FORM[name](at, param)
        if name == "lanemean":
            expected = (1.0 / n,)
        for d, want in zip(node.local_grads, expected, strict=True):
            got = d if type(d) is float else float(np.broadcast_to(d, (n,))[i])
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (name, path, i, got, want)


CASES = [(name, path) for name in BUILTIN for path in PATHS]


@pytest.mark.parametrize(("name", "path"), CASES)
@given(data=st.data())
def test_closed_form_through_every_path(name: str, path: str, data: st.DataObject) -> None:
    xs, param = data.draw(op_inputs(name))
    node = entry(name, path)(tuple(Value(x) for x in xs), param)
    _assert_closed_form(node, name, path, xs, param)


@pytest.mark.parametrize(("name", "path"), CASES)
@given(data=st.data())
def test_gradcheck_through_every_path(name: str, path: str, data: st.DataObject) -> None:
    xs, param = data.draw(op_inputs(name))
    assert gradcheck(_called(entry(name, path), param), *xs, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize(("name", "path"), CASES)
@given(data=st.data())
def test_gradgradcheck_through_every_path(name: str, path: str, data: st.DataObject) -> None:
    xs, param = data.draw(op_inputs(name, margin=1e-2))
    assert gradgradcheck(_called(entry(name, path), param), *xs, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(("name", "path"), CASES)
@given(data=st.data())
def test_lanes_through_every_path(name: str, path: str, data: st.DataObject) -> None:
    samples = [data.draw(op_inputs(name)) for _ in range(3)]
    param = samples[0][1]
    columns = list(zip(*(xs for xs, _ in samples), strict=True))
    _assert_lanes_closed_form(name, path, columns, param)


# -- the paths agree: identical nodes, identical errors ----------------------------------------


def _point(name: str) -> tuple[tuple[float, ...], Any]:
    """A fixed point inside the rule's smooth domain where no derivative is 0."""
    rule = RULES[name]
    n = len(rule.sample) if rule.arity == -1 else rule.arity
    fractions = (0.63, 0.81, 0.57, 0.74, 0.69)
    xs = []
    for i in range(n):
        lo, hi = rule.sample[min(i, len(rule.sample) - 1)]
        xs.append(round(lo + fractions[i] * (hi - lo), 6))
    return tuple(xs), (rule.param_sample[0] if rule.has_param else None)


@pytest.mark.parametrize("name", BUILTIN)
def test_every_path_builds_the_same_node(name: str) -> None:
    xs, param = _point(name)
    parents = tuple(Value(x) for x in xs)
    nodes = {path: entry(name, path)(parents, param) for path in PATHS}
    for path, node in nodes.items():
        assert node.op == _op_name(name, path)
        assert node.data == nodes["apply"].data
        assert len(node.parents) == len(parents)
        assert all(a is b for a, b in zip(node.parents, parents, strict=True))
        assert node.local_grads == nodes["apply"].local_grads
        assert all(type(d) is float for d in node.local_grads)
        assert node.param == param
        assert (node.grad, node.label, node.is_leaf) == (0.0, "", False)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_a_number_operand_builds_the_same_node(name: str) -> None:
    """``x * 2.0`` and ``2.0 * x``: the number becomes a constant leaf on every path.
    (``x ** 2.5`` and ``2.5 ** x`` are the rules ``pow`` and ``rpow``, tested above.)"""
    x = Value(1.7)
    for xs in ((x, 2.5), (2.5, x)):
        nodes = [entry(name, path)(xs, None) for path in PATHS]
        for node in nodes:
            assert node.data == nodes[0].data
            assert node.local_grads == nodes[0].local_grads
            assert [p.data for p in node.parents] == ([1.7, 2.5] if xs[0] is x else [2.5, 1.7])
            assert any(p is x for p in node.parents)


# Inputs outside each rule's domain (or where a value or derivative overflows).
BAD: list[tuple[str, tuple[float, ...], Any]] = [
    ("div", (1.0, 0.0), None),
    ("mul", (1e200, 1e200), None),
    ("add", (1.7e308, 1.7e308), None),
    ("log", (-1.0,), None),
    ("log", (0.0,), None),
    ("log1p", (-1.0,), None),
    ("sqrt", (-4.0,), None),
    ("sqrt", (0.0,), None),
    ("exp", (1000.0,), None),
    ("pow", (-2.0,), 0.5),
    ("pow", (0.0,), -1.0),
    ("pow", (0.0,), 0.5),
    ("pow", (1e200,), 3.0),
    ("powv", (-1.0, 2.0), None),
    ("powv", (0.0, -1.0), None),
    ("powv", (0.0, 0.5), None),
    ("rpow", (-1.0,), -2.0),
    ("rpow", (1000.0,), 10.0),
]


@pytest.mark.parametrize(("name", "xs", "param"), BAD, ids=[f"{n}{xs}{p}" for n, xs, p in BAD])
def test_every_path_raises_the_same_error(name: str, xs: tuple[float, ...], param: Any) -> None:
    messages = {}
    for path in PATHS:
        with pytest.raises(DomainError) as info:
            entry(name, path)(tuple(Value(x) for x in xs), param)
        messages[path] = str(info.value)
    assert messages["operator"] == messages["apply"]
    # a user op is written as a call, f(x, y), where the built-in one may be infix: x / y
    infix, call = (errors.describe_op(RULES[op], xs, param) for op in (name, copy_name(name)))
    assert messages["define_op"] == messages["apply"].replace(infix, call, 1), messages
    assert messages["operator"].startswith(("(", name, repr(xs[0]), repr(param))), messages


@pytest.mark.parametrize(("name", "path"), CASES)
def test_closed_form_and_gradcheck_at_a_fixed_point(name: str, path: str) -> None:
    """The same checks at one fixed point per rule, scalar and lanes: fast and deterministic
    (``make mutate`` runs these for every mutant)."""
    xs, _ = _point(name)
    f = entry(name, path)
    rule = RULES[name]
    params = (*rule.param_sample, *((0.0, 1.0) if name == "pow" else ())) if rule.has_param else (None,)
    points = [xs, xs[:4]] if rule.arity == -1 else [xs]  # n-ary: an odd and an even count (dot's bias)
    for param in params:
        for at in points:
            _assert_closed_form(f(tuple(Value(x) for x in at), param), name, path, at, param)
            assert gradcheck(_called(f, param), *at, atol=1e-8, rtol=1e-6)
    param = params[0]
    columns = _lane_columns(name)
    _assert_lanes_closed_form(name, path, columns, param)
    node = f(tuple(Value(np.array(c)) for c in columns), param)
    if name.startswith("lane"):  # the reductions: the sum or mean of the lanes
        want = math.fsum(columns[0]) / (len(columns[0]) if name == "lanemean" else 1)
        assert node.data == pytest.approx(want, rel=1e-12)
    else:  # each lane's value as the scalar forward gives it
        for i in range(len(columns[0])):
            want = f(tuple(Value(c[i]) for c in columns), param).data
            assert node.data[i] == pytest.approx(want, rel=1e-12, abs=1e-300), (name, path, i)


def _lane_columns(name: str) -> list[tuple[float, ...]]:
    """Three lanes per input spread over the rule's sample interval (both signs where it has both)."""
    rule = RULES[name]
    n = len(rule.sample) if rule.arity == -1 else rule.arity
    columns = []
    for i in range(n):
        lo, hi = rule.sample[min(i, len(rule.sample) - 1)]
        columns.append(tuple(round(lo + t * (hi - lo), 6) for t in (0.2 + 0.05 * i, 0.63, 0.9 - 0.05 * i)))
    return columns


# -- the checks see every path: a stored derivative ×1.001 fails them ---------------------------


def _node_builders() -> list[str]:
    """Every function of autograd.core.value that makes a recorded node (sets its parents and returns
    it), and every method of Value that does so itself (an operator's inlined fast path), as
    ``"Value.__mul__"``."""
    functions = sorted(
        name
        for name, f in vars(record_module).items()
        if inspect.isfunction(f)
        and f.__module__ == record_module.__name__
        and inspect.signature(f).return_annotation in ("Value", Value)
        and "._p0 = " in inspect.getsource(f)
    )
    methods = sorted(
        f"Value.{name}"
        for name, f in vars(Value).items()
        if inspect.isfunction(f) and "._p0 = " in inspect.getsource(f)
    )
    return functions + methods


def _builder(name: str) -> Callable[..., Value]:
    return vars(Value)[name.removeprefix("Value.")] if name.startswith("Value.") else getattr(record_module, name)


def _patch_everywhere(m: pytest.MonkeyPatch, name: str, replacement: Callable[..., Value]) -> None:
    """Replace the builder ``name`` in every autograd module that binds it (its callers look it up there),
    or on Value for a method."""
    if name.startswith("Value."):
        m.setattr(Value, name.removeprefix("Value."), replacement)
        return
    original = getattr(record_module, name)
    for module_name, module in sorted(sys.modules.items()):
        if module_name.split(".")[0] == "autograd" and getattr(module, name, None) is original:
            m.setattr(module, name, replacement)


def _scaled(node: Value) -> Value:
    if node._n == 1:
        node._d0 = node._d0 * 1.001
    elif node._n == 2:
        node._d0, node._d1 = node._d0 * 1.001, node._d1 * 1.001
    elif node._n > 2:
        node._local = tuple(d * 1.001 for d in node._local)
    return node


def _mutant(builder: Callable[..., Value], made: dict[int, Value]) -> Callable[..., Value]:
    def mutated(*args: Any, **kwargs: Any) -> Value:
        node = _scaled(builder(*args, **kwargs))
        made[id(node)] = node  # kept alive, so its id is not reused
        return node

    return mutated


def _called(f: Callable[[tuple[Any, ...], Any], Value], param: Any) -> Callable[..., Value]:
    return lambda *vs: f(vs, param)


def _fails(check: Callable[..., object], *args: Any, **kwargs: Any) -> bool:
    try:
        check(*args, **kwargs)
    except (AssertionError, GradcheckError):
        return True
    return False


def test_a_wrong_derivative_on_any_path_fails_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    builders = _node_builders()
    assert {"record_binary", "new_node", "record_unary"} <= set(builders), builders
    checked_by: dict[tuple[str, str, str], set[str]] = {}
    for builder in builders:
        made: dict[int, Value] = {}
        with monkeypatch.context() as m:
            _patch_everywhere(m, builder, _mutant(_builder(builder), made))
            for name in BUILTIN:
                xs, param = _point(name)
                for path in PATHS:
                    f = entry(name, path)
                    node = f(tuple(Value(x) for x in xs), param)
                    if id(node) not in made:
                        continue  # another builder made this path's node
                    key = (name, path, "scalar")
                    checked_by.setdefault(key, set()).add(builder)
                    assert _fails(_assert_closed_form, node, name, path, xs, param), (builder, name, path)
                    assert _fails(gradcheck, _called(f, param), *xs, atol=1e-8, rtol=1e-6), (builder, name, path)
                for path in PATHS:
                    columns = [(x, x * 0.9, x * 0.8) for x in xs]
                    node = entry(name, path)(tuple(Value(np.array(c)) for c in columns), param)
                    if id(node) not in made:
                        continue
                    checked_by.setdefault((name, path, "lanes"), set()).add(builder)
                    assert _fails(_assert_lanes_closed_form, name, path, columns, param), (builder, name, path)
    # every path of every rule, on scalars and on lanes, was built by some builder and caught
    assert set(checked_by) == {(n, p, k) for n in BUILTIN for p in PATHS for k in ("scalar", "lanes")}
