"""What a gradient check reports: :class:`GradcheckError` (raised), :class:`GradcheckResult`
(returned with ``raise_exception=False``) and the :class:`GradcheckEntry` rows of its table.

Import them from :mod:`autograd.check.gradcheck` (or :mod:`autograd`); they live here so that the
problems (``autograd.check.problems``) and the run (``autograd.check.run``) can
build them without importing the public functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograd.check.blame import Culprit
    from autograd.core.value import Value

__all__ = ["GradcheckEntry", "GradcheckError", "GradcheckResult"]


@dataclass(frozen=True)
class GradcheckEntry:
    """One (output, input) entry of the Jacobian that failed.

    Attributes:
        output: The output's name (``"f"``, ``"f[1]"``, ``"f lane 2"`` …).
        input: The input's name, as the function names it (``"y"``, ``"v lane 0"`` …).
        analytic: The engine's derivative.
        numeric: The finite-difference estimate.
        kind: ``"mismatch"``, ``"jump"`` (a one-sided difference grows like 1/h: f is
            not continuous within the step) or ``"undecided"`` (the differences did not
            converge before rounding error stopped them: a kink within ~h of x).
        left: The last left one-sided (extrapolated) derivative, or None.
        right: The last right one-sided (extrapolated) derivative, or None.
        steps: Every step tried: ``(h, central, left, right)`` differences.
        note: How it was decided, where that is more than disagreement (a kink, …).
    """

    __module__ = "autograd"  # where it is imported from, documented and printed

    output: str
    input: str
    analytic: float
    numeric: float
    kind: str
    left: float | None = None
    right: float | None = None
    steps: tuple[tuple[float, float, float, float], ...] = ()
    note: str = ""

    @property
    def abs_error(self) -> float:
        """``|analytic − numeric|``."""
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        """``|analytic − numeric| / |numeric|`` (inf for a zero numeric value)."""
        return self.abs_error / abs(self.numeric) if self.numeric != 0.0 else math.inf


class GradcheckError(AssertionError):
    """A gradient check failed.

    Attributes:
        kind: ``"mismatch"`` (analytic ≠ numeric; at a kink of f: the analytic value is
            not between the one-sided derivatives), ``"jump"`` (f is not continuous
            within the step), ``"undecided"`` (the differences never converged: a kink
            within ~h of x), ``"nondeterministic"`` (the same input gave different outputs),
            ``"reentrancy"`` (two evaluations of the gradient disagree) or
            ``"linearity"`` (the gradient is not linear in the upstream gradient).
        index: The argument the (first) failure is about (or None).
        lane: The lane of that argument, for an argument holding lanes (or None).
        analytic: The engine's value for the first bad entry, where it applies.
        numeric: The finite-difference value for the first bad entry, where it applies.
        entries: Every bad Jacobian entry (the table in the message).
        culprits: The nodes whose stored local derivatives disagree with finite
            differences of their own rule (see :func:`autograd.gradcheck.blame`): each a
            :class:`~autograd.check.gradcheck.Culprit` with its ``node``. Empty when none is
            found or the failure is not about values of derivatives.
        point: The whole point checked, one argument each (floats or lanes), never cut.
        names: The arguments' names, as in the message.
        graph: The outputs of the checked function built at the point (Values): the graph
            the culprits belong to, for a picture (``viz.check.draw_check``).
        snippet: A line of Python that repeats the check.
    """

    __module__ = "autograd"  # where it is imported from, documented and printed

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        index: int | None = None,
        lane: int | None = None,
        analytic: float | None = None,
        numeric: float | None = None,
        entries: Sequence[GradcheckEntry] = (),
        culprits: Sequence[Culprit] = (),
        point: Sequence[Any] = (),
        names: Sequence[str] = (),
        graph: Sequence[Value] = (),
        snippet: str = "",
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.index = index
        self.lane = lane
        self.analytic = analytic
        self.numeric = numeric
        self.entries = list(entries)
        self.culprits = list(culprits)
        self.point = tuple(point)
        self.names = tuple(names)
        self.graph = list(graph)
        self.snippet = snippet


@dataclass
class GradcheckResult:
    """What ``gradcheck(..., raise_exception=False)`` returns; truthy when the check passed.

    Attributes:
        ok: Whether every check passed.
        kind: None when ok, else the :class:`GradcheckError` kind.
        message: The error message ("" when ok).
        entries: The bad Jacobian entries (empty when ok).
        error: The error that would have been raised (None when ok).
    """

    __module__ = "autograd"  # where it is imported from, documented and printed

    ok: bool
    kind: str | None = None
    message: str = ""
    entries: list[GradcheckEntry] = field(default_factory=list)
    error: GradcheckError | None = None

    def __bool__(self) -> bool:
        return self.ok
