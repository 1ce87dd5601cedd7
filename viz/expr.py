"""A small, safe expression language for the command line: parsed with `ast`, never evaluated by Python.

Allowed: numbers, names, ``+ - * / **``, unary ``-``/``+``, parentheses and calls of the
functions in :data:`FUNCTIONS` (``tanh(x)``, ``leaky_relu(x, 0.1)`` …). Anything else —
attribute access, subscripts, keywords, comparisons, strings, ``__import__`` — is an
:class:`ExpressionError` naming what was wrong and where. Sizes are bounded (length,
nesting depth, number of nodes, digits of a number) so no input can make the parser
or the engine run away.

>>> env = {"x": Value(0.5, label="x"), "w": Value(-1.0, label="w"), "b": Value(2.0, label="b")}
>>> y = build("tanh(x*w + b)", env)
>>> round(y.data, 6)
0.905148
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

from autograd import FUNCTION_METHODS, RULES, DomainError, Value

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_NUMBER_CHARS",
    "MAX_PARENS",
    "ExpressionError",
    "build",
    "names",
    "parse",
]

#: The callable functions: name → (number of Value arguments, optional number parameter).
#: Derived from the engine's rule table: every one-input rule with a Value method of its name.
FUNCTIONS: dict[str, tuple[int, bool]] = {name: (1, RULES[name].has_param) for name in FUNCTION_METHODS}
MAX_LENGTH = 1000  #: characters in an expression
MAX_DEPTH = 200  #: nesting depth of the syntax tree (a chain of operators nests too)
MAX_PARENS = 50  #: nesting depth of parentheses
MAX_NODES = 400  #: nodes of the syntax tree
MAX_NUMBER_CHARS = 30  #: characters of one number literal

_BINARY: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_NAMES_OF_SYNTAX = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'",
    ast.Lambda: "lambda",
    ast.IfExp: "'if' expressions",
    ast.Starred: "starred arguments",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.JoinedStr: "f-strings",
    ast.NamedExpr: "':='",
    ast.ListComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Await: "await",
}


class ExpressionError(ValueError):
    """The expression is not in the language, too large, or cannot be evaluated at the given values."""


def _where(node: ast.AST) -> str:
    col = getattr(node, "col_offset", None)
    return f" at column {col + 1}" if isinstance(col, int) else ""


def _syntax_name(node: ast.AST) -> str:
    for kind, name in _NAMES_OF_SYNTAX.items():
        if isinstance(node, kind):
            return name
    return type(node).__name__


def parse(text: str) -> ast.expr:
    """Parse and check ``text``; return its syntax tree (nothing is evaluated).

    Raises:
        ExpressionError: for anything outside the language, or too large.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    depth = deepest = 0
    for ch in text:  # bound the parser's own recursion before calling it
        depth += ch in "([{"
        depth -= ch in ")]}"
        deepest = max(deepest, depth)
    if deepest > MAX_PARENS:
        raise ExpressionError(f"the expression nests parentheses {deepest} deep; the limit is {MAX_PARENS}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"not a valid expression{col}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(f"the expression is too complex to parse ({type(exc).__name__})") from None
    body = tree.body
    count = 0
    stack: list[tuple[ast.AST, int]] = [(body, 1)]
    while stack:
        node, d = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"the expression has more than {MAX_NODES} parts; make it smaller")
        if d > MAX_DEPTH:
            raise ExpressionError(
                f"the expression is nested more than {MAX_DEPTH} levels deep (a chain of operators nests too)"
            )
        children = _check_node(node)
        stack.extend((c, d + 1) for c in reversed(children))
    return body


def _check_node(node: ast.AST) -> list[ast.expr]:
    """Validate one node; return its sub-expressions."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ExpressionError(f"only numbers are allowed as constants, got {v!r}{_where(node)}")
        if isinstance(v, int) and len(str(abs(v))) > MAX_NUMBER_CHARS:
            raise ExpressionError(f"the number{_where(node)} has more than {MAX_NUMBER_CHARS} digits")
        if isinstance(v, float) and not math.isfinite(v):
            raise ExpressionError(f"the number{_where(node)} is too large for a float")
        return []
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id!r}{_where(node)} is a function: call it, e.g. {node.id}(x)")
        if node.id.startswith("_"):
            raise ExpressionError(f"names may not start with '_' ({node.id!r}{_where(node)})")
        return []
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"the operator {type(node.op).__name__}{_where(node)} is not allowed; use + - * / **")
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(f"the operator {type(node.op).__name__}{_where(node)} is not allowed")
        return [node.operand]
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(f"only calls of plain function names are allowed{_where(node)}")
        fname = node.func.id
        if fname not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {fname!r}{_where(node)}; known functions: {known}")
        if node.keywords:
            raise ExpressionError(f"keyword arguments are not allowed ({fname}{_where(node)})")
        arity, has_param = FUNCTIONS[fname]
        n = len(node.args)
        if not (n == arity or (has_param and n == arity + 1)):
            expected = f"{arity} or {arity + 1}" if has_param else f"{arity}"
            raise ExpressionError(f"{fname}() takes {expected} argument(s), got {n}{_where(node)}")
        if n == arity + 1 and _number(node.args[-1]) is None:
            raise ExpressionError(f"the last argument of {fname}(){_where(node)} must be a number")
        return list(node.args)
    raise ExpressionError(f"{_syntax_name(node)} not allowed{_where(node)}")


def _number(node: ast.expr) -> float | None:
    """The value of a (possibly negated) number literal, or None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        if isinstance(node.op, ast.USub):
            sign = -sign
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        try:
            return sign * float(node.value)
        except OverflowError:
            raise ExpressionError(f"the number{_where(node)} is too large for a float") from None
    return None


def names(tree: ast.expr) -> list[str]:
    """The variable names used in ``tree``, in order of first appearance."""
    out: list[str] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and node.id not in out:
            out.append(node.id)
        if isinstance(node, ast.Call):
            stack.extend(reversed(node.args))
        else:
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return out


_APPLY: dict[str, Callable[..., Value]] = {name: getattr(Value, name) for name in FUNCTIONS}


def build(text: str | ast.expr, env: Mapping[str, Value]) -> Value:
    """Build the engine graph of an expression; each name is the Value ``env`` gives it.

    A number literal becomes a constant leaf; a number exponent (``x**2``) becomes the
    op's parameter, as in Python code.

    Raises:
        ExpressionError: for a bad expression, a name missing from ``env``, or a value
            where an op is undefined (``log(-1)``) or overflows.
    """
    tree = parse(text) if isinstance(text, str) else text
    missing = [n for n in names(tree) if n not in env]
    if missing:
        raise ExpressionError(f"unknown name {missing[0]!r}: give it a value, e.g. --at {missing[0]}=1.0")
    results: dict[int, Value | float] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    try:
        while stack:  # post-order, iteratively
            node, ready = stack.pop()
            if not ready:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(_children(node)))
                continue
            results[id(node)] = _eval(node, results, env)
    except DomainError as exc:
        raise ExpressionError(f"cannot evaluate at these values: {exc}") from None
    except (OverflowError, ZeroDivisionError) as exc:
        raise ExpressionError(f"cannot evaluate at these values: {exc}") from None
    out = results[id(tree)]
    return out if isinstance(out, Value) else Value(out)


def _children(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow) and _number(node.right) is not None:
            return [node.left]
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [] if _number(node) is not None else [node.operand]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        arity, _ = FUNCTIONS[node.func.id]
        return list(node.args[:arity])
    return []


def _eval(node: ast.AST, results: Mapping[int, Value | float], env: Mapping[str, Value]) -> Value | float:
    """One node's value from its children's (numbers stay numbers until an op needs a Value)."""
    if isinstance(node, ast.Name):
        return env[node.id]
    folded = _number(node) if isinstance(node, (ast.Constant, ast.UnaryOp)) else None
    if folded is not None:
        return folded
    if isinstance(node, ast.UnaryOp):
        operand = results[id(node.operand)]
        return -_value(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = results[id(node.left)]
        exponent = _number(node.right) if isinstance(node.op, ast.Pow) else None
        if exponent is not None:
            return _value(left) ** exponent
        right = results[id(node.right)]
        if not isinstance(right, Value):
            left = _value(left)  # two numbers: let the engine compute (and check) the result
        return _BINARY_APPLY[type(node.op)](left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        fname = node.func.id
        arity, _ = FUNCTIONS[fname]
        arg = _value(results[id(node.args[0])])
        if len(node.args) > arity:
            return _APPLY[fname](arg, _number(node.args[-1]))
        return _APPLY[fname](arg)
    raise ExpressionError(f"{_syntax_name(node)} not allowed{_where(node)}")  # parse() admits nothing else


_BINARY_APPLY: dict[type[ast.operator], Callable[[Any, Any], Value]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _value(x: Value | float) -> Value:
    """A number that takes part in an op becomes a constant leaf, as the engine lifts it."""
    return x if isinstance(x, Value) else Value(x)
