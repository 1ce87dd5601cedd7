"""chainrule's engine: scalar reverse-mode automatic differentiation.

A :class:`Value` wraps a float and records every operation applied to it into a graph;
:meth:`Value.backward` (or :func:`grad`) walks that graph in reverse topological order
applying the chain rule with the local derivatives stored on each node. Derivative
rules live in one table (:mod:`autograd.core.rules`).

The public API is this module's ``__all__`` and the modules :mod:`autograd.chains` (the
derivative chains), :mod:`autograd.functional` (derivatives as numbers),
:mod:`autograd.testing` (hypothesis strategies for your own property tests),
:mod:`autograd.files` (writing files atomically) and :mod:`autograd.examples`; the engine's
layers inside (``autograd.core``, ``autograd.check``, ``autograd.replay`` and the modules
of ``autograd.chains``) are internal — except the helpers ``exp``, ``log``, ``cos`` … of
:mod:`autograd.core.rules`, which a :func:`define_op` derivative is written with.

>>> from autograd import Value
>>> x = Value(0.5, label="x")
>>> y = (x * 2.0).tanh()
>>> y.backward()
>>> round(y.data, 6), round(x.grad, 6)
(0.761594, 0.839949)
"""

from autograd.chains import (
    Chain,
    ChainEdge,
    ChainSegment,
    ChainSummary,
    EdgeSummary,
    TooManyPathsError,
    chain_summary,
    count_paths,
    derivative_chains,
)
from autograd.check.gradcheck import (
    Culprit,
    GradcheckEntry,
    GradcheckError,
    GradcheckResult,
    blame,
    gradcheck,
    gradcheck_params,
    gradgradcheck,
    gradgradcheck_params,
)
from autograd.core.batched import apply_each, dots
from autograd.core.engine import backward, grad, topological_order, zero_grad
from autograd.core.errors import DomainError
from autograd.core.functions import is_lanes
from autograd.core.grad_mode import enable_grad, is_grad_enabled, no_grad
from autograd.core.ops import apply, define_op, dot, vsum
from autograd.core.rules import RULES, Rule
from autograd.core.value import FUNCTION_METHODS, Value
from autograd.replay import GuardError, Program, ReplayMismatchError, TraceError, compile

__all__ = [
    "FUNCTION_METHODS",
    "RULES",
    "Chain",
    "ChainEdge",
    "ChainSegment",
    "ChainSummary",
    "Culprit",
    "DomainError",
    "EdgeSummary",
    "GradcheckEntry",
    "GradcheckError",
    "GradcheckResult",
    "GuardError",
    "Program",
    "ReplayMismatchError",
    "Rule",
    "TooManyPathsError",
    "TraceError",
    "Value",
    "apply",
    "apply_each",
    "backward",
    "blame",
    "chain_summary",
    "compile",
    "count_paths",
    "define_op",
    "derivative_chains",
    "dot",
    "dots",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradcheck_params",
    "gradgradcheck",
    "gradgradcheck_params",
    "is_grad_enabled",
    "is_lanes",
    "no_grad",
    "topological_order",
    "vsum",
    "zero_grad",
]
__version__ = "0.1.0"
