"""The rule table's JavaScript form (``rules.js``): where it is, and which ops it covers.

``viz/rules.js`` holds, for every built-in entry of :data:`autograd.RULES`, the same
forward function and local derivatives in JavaScript, with the same domain refusals and
messages; the explorer (:mod:`viz.explore`) computes in the browser with it. An op it does
not cover (a user's :func:`autograd.define_op`) makes the explorer's nodes downstream of it
read-only.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

__all__ = ["js_rule_names", "rules_js"]

_ENTRY = re.compile(r"^    (\w+): rule\(", re.MULTILINE)


@cache
def rules_js() -> str:
    """The text of ``rules.js`` (it defines one name, ``RULES``, in the script that includes it)."""
    return files("viz").joinpath("rules.js").read_text(encoding="utf-8")


@cache
def js_rule_names() -> frozenset[str]:
    """The ops that have a JavaScript form in ``rules.js``."""
    return frozenset(_ENTRY.findall(rules_js()))
