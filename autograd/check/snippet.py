"""A line of Python that repeats a check: the checked function's source and the point's numbers."""

from __future__ import annotations

import inspect
from typing import Any


def source_number(x: Any) -> str:
    """A point coordinate as Python source: ``0.3``, ``np.array([0.1, 0.2])``."""
    if type(x) is float:
        return repr(x)
    return f"np.array({[float(v) for v in x]!r})"


def function_text(f: Any) -> str:
    """Python source for ``f``: an Expression's repr, a lambda's own text, or ``module.name``."""
    if type(f).__name__ == "Expression" and hasattr(f, "steps"):
        return repr(f)
    name = getattr(f, "__name__", "")
    if name == "<lambda>":
        text = lambda_source(f)
        if text:
            return text
    module, qualname = getattr(f, "__module__", None), getattr(f, "__qualname__", None)
    if module and qualname and "<" not in qualname:
        return qualname if module in ("__main__", "builtins") else f"{module}.{qualname}"
    return "f"  # no source to show: the name the message uses


def lambda_source(f: Any) -> str:
    """The text of the lambda ``f`` in its source file, when it can be found unambiguously."""
    import ast
    import textwrap

    try:
        lines, _ = inspect.getsourcelines(f)
    except (OSError, TypeError):
        return ""
    source = textwrap.dedent("".join(lines))
    tree = None
    for candidate in (source, f"(\n{source}\n)", source.rstrip().rstrip(",")):
        try:
            tree = ast.parse(candidate)
        except SyntaxError:
            continue
        source = candidate
        break
    if tree is None:
        return ""
    names = list(f.__code__.co_varnames[: f.__code__.co_argcount])
    found = [
        node for node in ast.walk(tree) if isinstance(node, ast.Lambda) and [a.arg for a in node.args.args] == names
    ]
    if len(found) != 1:
        return ""
    return ast.get_source_segment(source, found[0]) or ""
