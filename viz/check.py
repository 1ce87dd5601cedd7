"""A failed gradient check, drawn: the checked function's graph with the culprit marked.

:func:`draw_check` takes the :class:`~autograd.GradcheckError` that ``gradcheck``,
``gradgradcheck`` or ``gradcheck_params`` raised (or the ``GradcheckResult`` they return with
``raise_exception=False``) and draws the graph the check built at the point: every node with
its data, every edge with its stored local derivative, and each culprit node — whose stored
derivative disagrees with finite differences of its own rule — with a red border, its wrong
edge highlighted and labelled with the derivative the engine used and the true one.

>>> import math
>>> from autograd import GradcheckError, define_op, gradcheck
>>> from autograd.core.rules import unregister
>>> bad_sin = define_op("bad_sin_doc", math.sin, lambda out, x: (1.01 * math.cos(x),))
>>> try:
...     gradcheck(lambda x, y: bad_sin(x * y) + y, 0.5, 2.0)
... except GradcheckError as error:
...     drawing = draw_check(error)
>>> drawing.caption.splitlines()[0]
'gradcheck failed (mismatch): 1 culprit — v3 = bad_sin_doc(1.0)'
>>> _ = unregister("bad_sin_doc")
"""

from __future__ import annotations

from typing import Any

from autograd import Culprit, GradcheckError, GradcheckResult, Value
from viz.display import DEFAULT_TIMEOUT, Drawing
from viz.emit import Options, emit
from viz.marks import Marks, fills
from viz.numbers import format_lanes, format_number
from viz.scene import build_scene

__all__ = ["draw_check"]


def _error_of(check: object) -> GradcheckError:
    if isinstance(check, GradcheckResult):
        if check.ok or check.error is None:
            raise ValueError("draw_check draws a failed check; this GradcheckResult passed (ok=True)")
        return check.error
    if isinstance(check, GradcheckError):
        return check
    raise TypeError(
        f"draw_check needs the GradcheckError a check raised (or its GradcheckResult), got {type(check).__name__}"
    )


def _culprit_text(c: Culprit) -> str:
    name = f"v{c.position}" + (f" {c.label!r}" if c.label else "")
    return f"{name} = {c.call()}"


def draw_check(
    check: GradcheckError | GradcheckResult,
    *,
    digits: int | None = None,
    style: str = "notebook",
    rankdir: str = "auto",
    max_nodes: int = 200,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Drawing:
    """Draw the graph of a failed check with its culprit nodes marked.

    Args:
        check: What the check raised (or returned with ``raise_exception=False``).
        digits: Significant digits of every number (default 4).
        style: ``"notebook"``, ``"slide"``, ``"print"`` or ``"dark"``.
        rankdir: ``"auto"``, or graphviz's ``"LR"``, ``"TB"`` ….
        max_nodes: Refuse pictures with more nodes than this.
        timeout: Seconds graphviz's ``dot`` may take (None: no limit).

    Returns:
        A :class:`~viz.display.Drawing`; its ``caption`` names the failure and each culprit.

    Raises:
        ValueError: for a check that passed, or one that kept no graph (a nondeterministic
            function, a rule with hidden state: nothing to blame on a node).
        TypeError: for anything but a check's error or result.
    """
    error = _error_of(check)
    graph: list[Value] = list(error.graph)
    if not graph:
        raise ValueError(
            f"this check failed with kind {error.kind!r} before any graph was blamed (nothing on a node to mark); "
            "draw the function's graph with viz.draw_graph instead"
        )
    options = Options.make(digits=digits, style=style, rankdir=rankdir, max_nodes=max_nodes, timeout=timeout)
    scene = build_scene(graph)
    digits_, shown, look = options.digits, options.lanes_shown, options.style
    marks = Marks(
        data=[format_lanes(v.data, digits_, shown) for v in scene.order],
        grad=[""] * len(scene.order),  # a check computes no .grad: the cell is hidden
        fill=fills(scene, "role", [0.0] * len(scene.order), look, None),
        show_ids=True,  # the caption cites nodes as v5: every node shows its id
    )
    marks.edge_labels = {
        (i, k): format_lanes(d, digits_, shown) for i, v in enumerate(scene.order) for k, d in enumerate(v.local_grads)
    }
    lines = [
        f"{_checker(error)} failed ({error.kind}): {len(error.culprits)} culprit"
        f"{'' if len(error.culprits) == 1 else 's'}"
        + (" — " + ", ".join(_culprit_text(c) for c in error.culprits[:3]) if error.culprits else "")
    ]
    for c in error.culprits:
        i = scene.index.get(id(c.node))
        if i is None:
            continue
        marks.emphasis.add(i)
        if c.order == 1:
            edge = (i, c.argument)
            marks.hot.add(edge)
            marks.edge_labels[edge] = (
                f"{format_number(c.analytic, digits_)} ✗ (true {format_number(c.numeric, digits_)})"
            )
    for c in error.culprits[:3]:
        what = "∂" if c.order == 1 else "∂² (create_graph)"
        lines.append(
            f"{_culprit_text(c)}: {what} stored {format_number(c.analytic, digits_)}, "
            f"its rule gives {format_number(c.numeric, digits_)}"
        )
    marks.caption = "\n".join(lines)
    drawing = emit(scene, marks, options)
    return drawing


def _checker(error: GradcheckError) -> str:
    snippet: Any = error.snippet
    return str(snippet).split("(", 1)[0] if snippet else "the check"
