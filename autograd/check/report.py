"""What a failed check reports: the message (the first bad entry in words and the steps tried,
the whole point, a table of every bad entry, the culprit nodes) and what the error carries
(the point, the names, a line that repeats the check, the culprits and their graph).

Every function on the way from a public check to a raised error sets ``__tracebackhide__``,
so pytest's traceback ends at the user's call.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd.check.blame import Culprit, blame, blame_second_order
from autograd.check.gradients import GradientProblem
from autograd.check.problems import Problem
from autograd.check.results import GradcheckEntry, GradcheckError, GradcheckResult
from autograd.check.steps import Verdict
from autograd.core.value import Value

_STEPS_SHOWN = 8  # steps listed for the first bad entry
_CULPRITS_SHOWN = 10


def fail(raise_exception: bool, error: GradcheckError) -> GradcheckResult:
    __tracebackhide__ = True
    if raise_exception:
        raise error
    return GradcheckResult(False, error.kind, str(error), error.entries, error)


def steps_text(e: GradcheckEntry) -> list[str]:
    if not e.steps:
        return []
    lines = ["steps tried (h: central, left, right differences):"]
    shown = list(e.steps)
    if len(shown) > _STEPS_SHOWN:
        shown = shown[: _STEPS_SHOWN // 2] + shown[-_STEPS_SHOWN // 2 :]
        skipped = len(e.steps) - _STEPS_SHOWN
    else:
        skipped = 0
    for n, (h, c, left, right) in enumerate(shown):
        if skipped and n == _STEPS_SHOWN // 2:
            lines.append(f"  … {skipped} more steps")
        lines.append(f"  h = {h:.3g}: {c:.12g}, {left:.12g}, {right:.12g}")
    return lines


def _head(problem: Problem, k0: int, e0: GradcheckEntry, atol: float, rtol: float) -> str:
    point = problem.point
    name = f"{point.long_name(k0)} = {point.flat[k0]!r} (output {e0.output})"
    if e0.kind == "jump":
        return (
            f"jump at {name}: {e0.note} (left {e0.left:.6g}, right {e0.right:.6g}) — f is not continuous "
            f"within the step of x, so no derivative there can match the analytic value {e0.analytic:.12g}: "
            "check the forward computation (a branch on the value?) near x"
        )
    if e0.kind == "undecided":
        return (
            f"undecided at {name}: the differences did not converge before rounding error stopped them "
            f"(left {e0.left:.9g}, right {e0.right:.9g}, analytic {e0.analytic:.12g}): a kink within ~h of x? "
            "Check at a point a little farther from it"
        )
    lines = [
        f"{problem.what} mismatch for {name}: analytic {e0.analytic:.12g}, numeric {e0.numeric:.12g}",
        f"absolute error {e0.abs_error:.3g}, relative error {e0.rel_error:.3g} "
        f"(allowed: atol {atol:g} + rtol {rtol:g}·|numeric|), and it stays as the step shrinks",
    ]
    if e0.note:
        lines.append(f"({e0.note}: left {e0.left:.9g}, right {e0.right:.9g})")
    return "\n".join(lines)


def _mismatch_error(
    problem: Problem, entries: list[tuple[int, GradcheckEntry]], atol: float, rtol: float, culprits: list[Culprit]
) -> str:
    """The message: the first bad entry in words and its steps, the whole point, a table of every
    bad entry, the culprits, and a line that repeats the check."""
    point = problem.point
    k0, e0 = entries[0]
    lines = [
        _head(problem, k0, e0, atol, rtol),
        *steps_text(e0),
        f"at the point {point.describe()}",
        f"{len(entries)} bad Jacobian entr{'y' if len(entries) == 1 else 'ies'}:",
    ]
    rows = [("output", "input", "analytic", "numeric", "abs error", "rel error", "verdict")]
    shown = entries[:50]
    for _, e in shown:
        rows.append(
            (
                e.output,
                e.input,
                f"{e.analytic:.10g}",
                f"{e.numeric:.10g}",
                f"{e.abs_error:.3g}",
                f"{e.rel_error:.3g}",
                e.kind,
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(6)]
    for r in rows:
        lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(r[:6], widths, strict=True)) + "  " + r[6])
    if len(entries) > len(shown):
        lines.append(f"  … and {len(entries) - len(shown)} more")
    lines.extend(culprit_lines(culprits))
    return "\n".join(lines)


def culprit_lines(culprits: Sequence[Culprit]) -> list[str]:
    if not culprits:
        return []
    ops = sorted({c.op for c in culprits})
    lines = [
        f"culprit{'s' if len(culprits) > 1 else ''}: {len(culprits)} node(s) whose local derivatives disagree with "
        f"their own rule ({', '.join(repr(o) for o in ops)}); they are error.culprits:"
    ]
    lines += [f"  {c.describe()}" for c in culprits[:_CULPRITS_SHOWN]]
    if len(culprits) > _CULPRITS_SHOWN:
        lines.append(f"  … and {len(culprits) - _CULPRITS_SHOWN} more")
    return lines


def blame_problem(problem: Problem, eps: float, atol: float, rtol: float) -> tuple[list[Culprit], list[Value]]:
    """The culprit nodes and the graph they belong to (first order; for a gradient problem, also
    the create-graph rules of f's nodes). Errors while blaming never hide the failure."""
    try:
        if isinstance(problem, GradientProblem):
            graph = problem.function_graph()
            culprits = blame(graph, eps=eps, atol=atol, rtol=rtol)
            culprits += blame_second_order(graph, eps=eps, atol=atol, rtol=rtol)
        else:
            graph = problem.graph()
            culprits = blame(graph, eps=eps, atol=atol, rtol=rtol)
    except (ValueError, ArithmeticError, TypeError):
        return [], []
    return culprits, graph


def finish(
    problem: Problem, error: GradcheckError, eps: float, atol: float, rtol: float, *, blamed: bool = True
) -> GradcheckError:
    """The error with what every failure carries: the whole point, names, snippet, culprits and graph."""
    point = problem.point
    error.point = tuple(point.args(point.flat))
    error.names = tuple(point.names)
    error.snippet = problem.snippet()
    if blamed and not error.graph:
        error.culprits, error.graph = blame_problem(problem, eps, atol, rtol)
        if error.culprits:
            error.args = (str(error) + "\n" + "\n".join(culprit_lines(error.culprits)),)
    if error.snippet:
        error.args = (f"{error}\nto repeat this check: {error.snippet}",)
    return error


def entry(output: str, input_: str, analytic: float, vd: Verdict) -> GradcheckEntry:
    return GradcheckEntry(output, input_, analytic, vd.numeric, vd.kind, vd.left, vd.right, tuple(vd.steps), vd.note)


def bad_entries_error(
    problem: Problem, bad: list[tuple[int, GradcheckEntry]], eps: float, atol: float, rtol: float
) -> GradcheckError:
    order = {"mismatch": 0, "jump": 1, "undecided": 2}
    bad = sorted(bad, key=lambda ke: order.get(ke[1].kind, 3))
    k0, e0 = bad[0]
    culprits, graph = blame_problem(problem, eps, atol, rtol)
    index, lane = problem.point.where[k0]
    error = GradcheckError(
        _mismatch_error(problem, bad, atol, rtol, culprits),
        kind=e0.kind,
        index=index,
        lane=lane,
        analytic=e0.analytic,
        numeric=e0.numeric,
        entries=[e for _, e in bad],
        culprits=culprits,
        graph=graph,
    )
    return error
