"""One op, one place: every one-input rule of the table is reachable everywhere a user meets it —
a method (or operator), a closed form in the tests, a symbol in pictures, a name on the command line."""

from __future__ import annotations

import pytest
from rule_table import CLOSED_FORM

import nn
from autograd import FUNCTION_METHODS, RULES, Value
from autograd.core.rules import BUILTIN_OPS
from viz import draw_graph
from viz.expr import FUNCTIONS, build

UNARY = sorted(name for name in BUILTIN_OPS if RULES[name].arity == 1)

# The rules users reach through an operator or a differently named method.
NOT_NAMED_METHODS = {
    "neg": lambda x, p: -x,
    "pow": lambda x, p: x**p,
    "rpow": lambda x, p: p**x,
    "lanesum": lambda x, p: x.sum(),
    "lanemean": lambda x, p: x.mean(),
}
# The command line writes these with operators (its expressions are scalars: no lane reductions).
CLI_EXPRESSIONS = {"neg": "-x", "pow": "x**3", "rpow": "2**x"}
SCALAR_ONLY_CLI_EXCLUDED = {"lanesum", "lanemean"}


def _param(name: str) -> float | None:
    rule = RULES[name]
    return rule.param_sample[0] if rule.has_param else None


@pytest.mark.parametrize("name", UNARY)
def test_every_unary_rule_has_a_method(name: str) -> None:
    x, p = Value(0.7), _param(name)
    if name in NOT_NAMED_METHODS:
        node = NOT_NAMED_METHODS[name](x, p)
    else:
        assert name in FUNCTION_METHODS
        method = getattr(Value, name)
        node = method(x) if p is None else method(x, p)
    assert node.op == name
    assert node.parents == (x,)


@pytest.mark.parametrize("name", UNARY)
def test_every_unary_rule_has_a_closed_form(name: str) -> None:
    assert name in CLOSED_FORM


@pytest.mark.parametrize("name", UNARY)
def test_every_unary_rule_has_a_picture_symbol(name: str) -> None:
    rule = RULES[name]
    assert rule.label
    node = NOT_NAMED_METHODS.get(name, lambda x, p: getattr(x, name)() if p is None else getattr(x, name)(p))(
        Value(0.7), _param(name)
    )
    source = draw_graph(node).source
    shown = {"neg": "negate"}.get(name, rule.label)  # viz spells out the ambiguous "−"
    assert shown in source, (name, shown)


@pytest.mark.parametrize("name", UNARY)
def test_every_unary_rule_has_a_command_line_name(name: str) -> None:
    if name in SCALAR_ONLY_CLI_EXCLUDED:
        return
    x = Value(0.7, label="x")
    if name in CLI_EXPRESSIONS:
        node = build(CLI_EXPRESSIONS[name], {"x": x})
    else:
        arity, has_param = FUNCTIONS[name]
        assert (arity, has_param) == (1, RULES[name].has_param)
        node = build(f"{name}(x, 0.1)" if has_param else f"{name}(x)", {"x": x})
    assert node.op == name


def test_the_command_line_functions_are_the_rules_with_methods() -> None:
    assert set(FUNCTIONS) == set(FUNCTION_METHODS)
    assert set(FUNCTION_METHODS) | set(NOT_NAMED_METHODS) == set(UNARY)


def test_every_activation_is_a_rule_with_a_method() -> None:
    for name, method in nn.ACTIVATIONS.items():
        if method is not None:
            assert name in FUNCTION_METHODS
            assert method is getattr(Value, name)
