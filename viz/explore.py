"""`explore`: a live graph in any page — change a number, watch the chain rule recompute, no kernel.

:func:`explore` lays the graph out once (graphviz, at pinned cell sizes: nodes never move)
and hands the browser everything it needs to compute: each node's op, parents and
parameter, each leaf's number, and the rule table in JavaScript (``rules.js``, the same
formulas as :mod:`autograd.core.rules`, checked against it in Chromium). The page then does, in
float64, what the engine does:

- every leaf is an editable number (typed, arrow keys, or a slider whose range you set);
  each change recomputes every value, every local derivative and every gradient at once;
  *Reset* returns to the numbers Python had. A domain error shows at its node, in words
  (``log(-0.3) is undefined: needs x > 0``), and the nodes after it show no number;
- click a node: a panel writes its gradient as the chain rule does — the sum over its
  consumers of local derivative × upstream gradient, with the numbers — and highlights
  every path from the output to it, each with its product (the factors shown, rounded,
  multiply to the product shown);
- *Step through* plays the forward and backward pass of the values now in the explorer,
  frame by frame (buttons, slider, ← →);
- *SGD step* applies ``w ← w − lr·grad`` to the parameters (lr editable) and recomputes;
- lanes (a batch in one graph) are shown one lane at a time, with a lane selector.

An op with no JavaScript form (a :func:`autograd.define_op` of yours) keeps the numbers
Python computed: the nodes after it are read-only, and so are the leaves feeding them,
with a note saying why.

The explorer is one self-contained HTML fragment (``_repr_html_`` in Jupyter) or file
(:meth:`Explorer.save`): script and style inline, no network, no kernel, no widget
library; several on one page do not interfere. For tests, each leaf's input carries
``data-leaf="<name>"`` and each node ``data-node="<name>"`` with its current
``data-value`` and ``data-grad`` (JavaScript's shortest round-trip text of the float).
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Collection, Iterable
from functools import cache
from importlib.resources import files
from typing import Any

from autograd import DomainError, Value, grad
from viz.display import DotError, DotNotFoundError, write_atomic
from viz.emit import GraphTooLargeError, Options, emit
from viz.explore_layout import box_labels, choose_collapse, layout
from viz.explore_rules import js_rule_names, rules_js
from viz.frame_labels import relabel
from viz.marks import Marks, op_text
from viz.numbers import DEFAULT_DIGITS, check_digits
from viz.scene import ModuleLike, Names, Scene, as_roots, boxes_of, build_scene, collapsed_modules, count_values
from viz.styles import Style, StyleName, get_style

__all__ = ["DEFAULT_EXPLORE_NODES", "MAX_EXPLORE_VALUES", "Explorer", "explore"]

#: :func:`explore` draws at most this many nodes: a picture of more is no longer read node by
#: node. A model's larger graph is drawn with its modules collapsed into boxes (``collapse="auto"``,
#: as :func:`viz.draw_graph` does); the page still computes every node.
DEFAULT_EXPLORE_NODES = 500

#: The hard limit: :func:`explore` refuses graphs of more Values than this, collapsed or not (the page
#: carries and recomputes every one of them; explore fewer samples or a smaller model).
MAX_EXPLORE_VALUES = 5_000


@cache
def _asset(name: str) -> str:
    return files("viz").joinpath(name).read_text(encoding="utf-8")


def _scene(
    root: Value, *, params: Iterable[Value], inputs: Iterable[Value], model: ModuleLike | None, names: Names | None
) -> Scene:
    """The graph with roles and display names worked out: the pictures' scene (:mod:`viz.scene`)."""
    (r,) = as_roots(root)
    return build_scene([r], params=params, inputs=inputs, model=model, names_=names)


def _number(x: Any) -> Any:
    """A float, or lanes as a list of floats, for the page's JSON."""
    return x if type(x) is float else [float(t) for t in x]


def _readonly(g: Scene, known: frozenset[str]) -> tuple[set[int], list[str]]:
    """Nodes the browser cannot recompute (an op without a JavaScript form, and everything after it)."""
    fixed: set[int] = set()
    unknown: list[str] = []
    for i, v in enumerate(g.order):
        if v.op and v.op not in known:
            fixed.add(i)
            if v.op not in unknown:
                unknown.append(v.op)
        elif any(g.idx(p) in fixed for p in v.parents):
            fixed.add(i)
    if not fixed:
        return fixed, unknown
    # The leaves feeding a read-only node: changing them would leave it stale.
    feeding = set(fixed)
    for i in range(len(g.order) - 1, -1, -1):
        if i in feeding:
            feeding.update(g.idx(p) for p in g.order[i].parents)
    return feeding, unknown


def _style_json(look: Style) -> dict[str, Any]:
    return {
        "name": look.name,
        "bg": look.background,
        "ink": look.ink,
        "edge": look.edge,
        "roles": dict(look.roles),
        "op": look.op_fill,
        "hot": look.hot,
        "dim": look.dim,
        "focus": look.focus,
        "cluster": look.cluster,
        "module": look.module,
        "font": look.fontname,
        "size": look.fontsize,
        "esize": look.edge_fontsize,
    }


_SCRIPT_UNSAFE = re.compile(r"<(/|!--|script)", re.IGNORECASE)


def _script_safe(text: str) -> str:
    return _SCRIPT_UNSAFE.sub(lambda m: "<\\/" if m.group(1) == "/" else "\\u003c" + m.group(1), text)


class Explorer:
    """A live explorer of one output's graph: shown in Jupyter, saved as one HTML file.

    Made by :func:`explore`. :meth:`to_html` gives the fragment (or a whole page),
    :meth:`save` writes the page.
    """

    def __init__(self, data: dict[str, Any], *, title: str, dark: bool, still: str = "") -> None:
        self._data = data
        self._title = title
        self._dark = dark
        self._still = still

    @property
    def data(self) -> dict[str, Any]:
        """What the page computes from: nodes, leaves, geometry and style (JSON-ready)."""
        return self._data

    def to_html(self, *, title: str | None = None) -> str:
        """The explorer as an HTML fragment; with ``title``, a whole HTML document (what :meth:`save` writes)."""
        data = _script_safe(json.dumps(self._data, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
        n = len(self._data["nodes"])
        prompt = self._data.get("prompt", "")
        fragment = "\n".join(
            [
                f'<div class="chainrule-explorer{" crx-dark" if self._dark else ""}" tabindex="0" role="group" '
                f'aria-label="live graph explorer, {n} nodes" data-lm-suppress-shortcuts="true">',
                f"<style>{_asset('explore.css')}</style>",
                f'<p class="crx-prompt">{html.escape(prompt)}</p>' if prompt else "",
                '<div class="crx-nojs"><p>This live graph explorer needs JavaScript (in Jupyter: trust the notebook); '
                f"here is its picture.</p>{self._still}</div>",
                f'<script type="application/json" class="crx-data">{data}</script>',
                f'<script>(function () {{\n"use strict";\n{rules_js()}\n{_asset("explore.js")}\n}})();</script>',
                "</div>",
            ]
        )
        if title is None:
            return fragment
        background = "#111" if self._dark else "#fff"
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n</head>\n"
            f'<body style="margin:16px;background:{background}">\n{fragment}\n</body>\n</html>\n'
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Jupyter display: the live explorer (HTML with its script; needs a trusted notebook)."""
        return {"text/html": self.to_html(), "text/plain": repr(self)}

    def save(self, path: str | os.PathLike[str], *, force: bool = False) -> None:
        """Write the explorer as one self-contained HTML file (no network needed to open it).

        Raises:
            ValueError: if ``path`` does not end in ``.html`` or ``.htm``.
        """
        name = os.fspath(path)
        if not name.lower().endswith((".html", ".htm")):
            raise ValueError(f"an explorer is saved as HTML: give a path ending in .html, got {name!r}")
        write_atomic(path, self.to_html(title=self._title).encode("utf-8"), force=force)

    def __repr__(self) -> str:
        d = self._data
        lanes = f", {d['lanes']} lanes" if d["lanes"] else ""
        return f"Explorer({len(d['nodes'])} nodes, {sum(1 for n in d['nodes'] if n['leaf'])} leaves{lanes})"


def explore(
    output: Value,
    *,
    params: Iterable[Value] = (),
    inputs: Iterable[Value] = (),
    model: ModuleLike | None = None,
    names: Names | None = None,
    style: StyleName | Style = "notebook",
    digits: int | None = None,
    lr: float = 0.1,
    prompt: str = "",
    rankdir: str = "TB",
    lane: int = 0,
    max_nodes: int = DEFAULT_EXPLORE_NODES,
    collapse: str | Collection[str] | bool | None = "auto",
    title: str = "chainrule explorer",
) -> Explorer:
    """A live explorer of ``output``'s graph: edit any leaf, watch every value and gradient recompute.

    Args:
        output: The Value whose graph is explored (a scalar, or lanes: then the gradient
            is that of the sum of its lanes, as ``output.sum().backward()`` gives).
        params: Leaves that are parameters (the *SGD step* moves them); a model's
            parameters are included.
        inputs: Leaves to show as inputs.
        model: A model with ``named_parameters()`` (names and parameters from it).
        names: Display names, as in :func:`~viz.graph.draw_graph`.
        style: ``"notebook"`` or ``"dark"`` (for a dark JupyterLab), or any :mod:`viz.styles` look.
        digits: Significant digits of the numbers shown (default 4); the page computes in full float64.
        lr: The learning rate the *SGD step* starts with (editable in the page).
        prompt: Something to try, shown above the explorer.
        rankdir: ``"TB"`` (top to bottom) or ``"LR"``.
        lane: The lane shown first, for a graph holding lanes.
        max_nodes: Draw at most this many nodes (collapsed boxes count one each).
        collapse: ``"auto"`` (the default): every node when there are at most ``max_nodes``,
            otherwise the model's finest collapse that draws at most that many (``Neuron``
            boxes, then ``Layer`` …), as :func:`~viz.graph.draw_graph` does. Or module class
            names or dotted module names to draw as one box each (needs ``model``), or ``None``
            for every node. A box shows its outputs' numbers as they change; every leaf
            inside it stays editable in the list of leaves, and clicking the box lists its
            parameters, each of which explains its gradient.
        title: The page title :meth:`Explorer.save` writes.

    Raises:
        TypeError: if ``output`` is not a Value.
        ValueError: for a graph that draws more than ``max_nodes`` nodes even collapsed, or
            holds more than :data:`MAX_EXPLORE_VALUES` Values (saying what to do), a bad
            ``lr``, ``lane``, ``rankdir``, ``collapse`` or ``digits``.

    >>> from autograd import DomainError, Value, grad
    >>> x = Value(2.0, label="x")
    >>> explore(x * x + 1.0)
    Explorer(4 nodes, 2 leaves)
    """
    if not isinstance(output, Value):
        raise TypeError(f"explore needs a Value, got {type(output).__name__}")
    digits = check_digits(digits if digits is not None else DEFAULT_DIGITS)
    look = get_style(style)
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir must be 'TB' or 'LR', got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    if not isinstance(prompt, str) or not isinstance(title, str):
        raise TypeError("prompt and title must be str")
    total = count_values([output], MAX_EXPLORE_VALUES)
    if total > MAX_EXPLORE_VALUES:
        raise ValueError(
            f"this graph has more than {MAX_EXPLORE_VALUES} Values, the most an explorer carries (the page "
            "recomputes every one of them on each edit): explore fewer samples (one batch of a few), a smaller "
            "model, or one part of the graph; draw the whole graph with viz.draw_graph(..., model=model)"
        )
    g = _scene(output, params=params, inputs=inputs, model=model, names=names)
    n = len(g.order)
    level, box = choose_collapse(g, collapse, max_nodes)
    lanes = sorted({v.lanes for v in g.order if v.lanes is not None})
    n_lanes = lanes[0] if lanes else 0
    if isinstance(lane, bool) or not isinstance(lane, int) or not 0 <= lane < max(n_lanes, 1):
        raise ValueError(f"lane must be an int from 0 to {max(n_lanes, 1) - 1}, got {lane!r}")
    fixed, unknown = _readonly(g, js_rule_names())
    shown = [g.names[i] or g.vid(i) for i in range(n)]
    counts: dict[str, int] = {}
    for s in shown:
        counts[s] = counts.get(s, 0) + 1
    nodes = []
    for i, v in enumerate(g.order):
        node: dict[str, Any] = {
            "id": shown[i] if counts[shown[i]] == 1 else f"{shown[i]}#{i}",
            "name": g.name(i),
            "role": g.roles[i],
            "leaf": v.is_leaf,
            "op": v.op,
            "sym": op_text(v) if v.op else "",
            "p": [g.idx(p) for p in v.parents],
            "q": v.param,
            "d": _number(v.data),
        }
        if box[i] is not None:
            node["box"] = box[i]
        if i in fixed:
            node["ro"] = 1
            if not v.is_leaf:
                node["dl"] = [_number(d) for d in v.local_grads]
        nodes.append(node)
    geo = layout(g, look, rankdir, collapse=level, box=box)
    # A node in a collapsed box: "box" is the index of its box in the geometry's list.
    order = {b: k for k, b in enumerate(sorted({b for b in box if b is not None}))}
    for node in nodes:
        if "box" in node:
            node["box"] = order[node["box"]]
    note = ""
    if unknown:
        ops = ", ".join(repr(u) for u in unknown)
        note = (
            f"The op{'s' if len(unknown) > 1 else ''} {ops} {'have' if len(unknown) > 1 else 'has'} no JavaScript "
            "form (an op defined in Python with define_op), so the page cannot recompute it: the nodes after it "
            "and the leaves feeding them are read-only here and keep the numbers Python computed."
        )
    # The leaves as the pictures order them: inputs, then parameters (a model's in its order), then the rest.
    leaf_order = [i for i in g.first if g.order[i].is_leaf]
    leaf_order += [i for i, v in enumerate(g.order) if v.is_leaf and i not in leaf_order]
    data = {
        "digits": digits,
        "leaves": leaf_order,
        "lr": float(lr),
        "lanes": n_lanes,
        "lane": lane,
        "root": g.roots[0],
        "prompt": prompt,
        "note": note,
        "style": _style_json(look),
        "nodes": nodes,
        "geo": {
            "w": geo.width,
            "h": geo.height,
            "n": geo.nodes,
            "e": geo.edges,
            "c": geo.clusters,
            "b": geo.boxes,
            "x": geo.box_edges,
            "m": geo.carried,
        },
    }
    still = _still(g, output, look, digits, rankdir, level)
    return Explorer(data, title=title, dark=look.dark, still=still)


def _still(
    g: Scene, output: Value, look: Style, digits: int, rankdir: str, collapse: str | Collection[str] | None
) -> str:
    """The graph as the pictures draw it (:func:`viz.emit.emit`), with the gradients the page starts
    from (computed here with :func:`autograd.grad`; no ``.grad`` is touched): shown where scripts do
    not run. "" when it cannot be drawn."""
    from viz.numbers import format_lanes
    from viz.player import compact_svg

    n = len(g.order)
    seed = None if output.lanes is None else [1.0] * output.lanes
    try:
        grads: list[Any] = grad(output, list(g.order), seed)
    except DomainError:
        grads = [None] * n
    marks = Marks(
        data=[format_lanes(v.data, digits) for v in g.order],
        grad=[None if x is None else format_lanes(x, digits) for x in grads],
        fill=[look.roles[r] for r in g.roles],
        edge_labels={
            (i, k): format_lanes(d, digits) for i, v in enumerate(g.order) for k, d in enumerate(v.local_grads)
        },
        show_ids=True,  # the names the live page uses
    )
    try:
        # Above the pictures' own limit a still picture is too large to read (and to carry): none.
        options = Options.make(digits=digits, style=look, rankdir=rankdir, legend=False, collapse=collapse)
        drawing = emit(g, marks, options)
        if collapse is not None:  # a box shows its outputs' numbers as the page starts, not the Values' .grad
            box = boxes_of(g, collapsed_modules(g, collapse))
            labels = box_labels(g, box, look, lambda j: (marks.data[j] or "?", marks.grad[j] or "—"))
            drawing.body[:] = [relabel(line, labels) for line in drawing.body]
        return compact_svg(drawing.svg())
    except (DotError, DotNotFoundError, GraphTooLargeError):
        return ""
