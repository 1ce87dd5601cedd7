"""Derivative chains: every path from an output to an input, with its local derivatives.

The queries are in :mod:`autograd.chains.paths` (its docstring explains paths over lanes),
the objects they return in :mod:`autograd.chains.types`, and the per-edge summary in
:mod:`autograd.chains.summary`. Import them from here (or from :mod:`autograd`).
"""

from autograd.chains.paths import (
    DEFAULT_PATH_LIMIT,
    TooManyPathsError,
    chain_summary,
    count_paths,
    derivative_chains,
    path_count_text,
)
from autograd.chains.types import Chain, ChainEdge, ChainSegment, ChainSummary, EdgeSummary, Number

__all__ = [
    "DEFAULT_PATH_LIMIT",
    "Chain",
    "ChainEdge",
    "ChainSegment",
    "ChainSummary",
    "EdgeSummary",
    "Number",
    "TooManyPathsError",
    "chain_summary",
    "count_paths",
    "derivative_chains",
    "path_count_text",
]
