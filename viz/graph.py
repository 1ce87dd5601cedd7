"""`draw_graph`: a computation graph with every node's value and gradient.

Every :class:`~autograd.Value` is a node showing its label (if any), ``data`` and
``grad``; every op is a small node of its own between its inputs and its result, so
``a + a`` shows two edges. Node ids are topological (``v0``, ``v1`` … parents before
children; an op node is its result's id plus ``op``) and numbers have a fixed
precision, so the DOT text is deterministic and can be compared with a golden file.
Labels are HTML tables in which every user string is escaped.

Models (anything with the ``named_modules()``/``named_parameters()`` protocol of
``nn.Module``; this package never imports ``nn``) are drawn with the Values of each
module in a labelled cluster, and modules can be collapsed into one box each.

Lanes: a Value holding lanes (one scalar per sample) shows its first few values and
their count, ``data [0.5000, 1.0000, 1.5000, … 8 lanes]``, and when some are not listed
a line ``mean …, min …, max …``; its gradient and any local derivative that differs
from lane to lane are shown the same way (:func:`viz.numbers.fixed_lanes`). Coloured by
gradient, a lane Value takes the colour of the **sum of its gradient over the lanes**:
the gradient of the output with respect to one shift added to every lane, which is
what a scalar in its place (a parameter) would receive, so lane and scalar nodes share
one scale.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from autograd import RULES, Value, topological_order
from viz.display import Drawing
from viz.numbers import DEFAULT_SHOWN, fixed, fixed_lanes, is_lanes, short

__all__ = [
    "DEFAULT_MAX_NODES",
    "ROLE_COLORS",
    "LargeGraphWarning",
    "ModuleLike",
    "draw_graph",
]

#: Above this many drawn nodes, :func:`draw_graph` warns and suggests collapsing.
DEFAULT_MAX_NODES = 200

#: Fill colour of each node role (colour-blind-safe pastels).
ROLE_COLORS = {
    "input": "#d6eaf8",
    "parameter": "#fdebd0",
    "constant": "#eeeeee",
    "intermediate": "#ffffff",
    "output": "#d5f5e3",
}
_MODULE_COLOR = "#e8daef"
_HOT = "#d62728"  # highlighted edges and nodes
_DIM = "#b0b0b0"  # edges off the highlighted paths
_NEGATIVE = (0x43, 0x93, 0xC3)  # diverging gradient scale: blue for < 0 ...
_POSITIVE = (0xD6, 0x60, 0x4D)  # ... red for > 0, white at 0

Color = Literal["role", "grad", "none"]


class LargeGraphWarning(UserWarning):
    """The graph has more nodes than a picture can show legibly."""


class ModuleLike(Protocol):
    """What :func:`draw_graph` needs from a model (``nn.Module`` has it).

    ``named_modules()`` lists ``(dotted_name, module)`` pairs, the model itself first
    with name ``""``; every module has ``named_parameters()`` (``(dotted_name, Value)``
    pairs, its own and its submodules') and ``parameters()``.
    """

    def named_modules(self) -> Sequence[tuple[str, Any]]:
        """``(dotted_name, module)`` for the model and every submodule."""
        ...

    def named_parameters(self) -> Sequence[tuple[str, Value]]:
        """``(dotted_name, parameter)`` for every parameter."""
        ...

    def parameters(self) -> Sequence[Value]:
        """Every parameter."""
        ...


# -- the prepared graph ---------------------------------------------------------------


@dataclass
class _Module:
    name: str
    kind: str  # the module's class name
    parent: int | None  # index of the enclosing module (None for top level)
    params: list[Value]
    depth: int


@dataclass
class _Graph:
    """A graph with ids, roles, names and module membership worked out once."""

    order: list[Value]
    index: dict[int, int]
    roots: list[int]
    roles: list[str]
    names: list[str]  # what the node's label shows ("" for none)
    modules: list[_Module] = field(default_factory=list)
    owner: list[int | None] = field(default_factory=list)  # innermost module of each node

    def vid(self, i: int) -> str:
        return f"v{i}"

    def name(self, i: int) -> str:
        """A name for captions: the label, the parameter's name, or the node id."""
        return self.names[i] or self.vid(i)

    def idx(self, v: Value) -> int:
        return self.index[id(v)]


def _roots(root: Value | Sequence[Value]) -> list[Value]:
    if isinstance(root, Value):
        return [root]
    if isinstance(root, (str, bytes)) or not isinstance(root, Sequence):
        raise TypeError(f"root must be a Value or a sequence of Values, got {type(root).__name__}")
    roots = list(root)
    if not roots:
        raise ValueError("root is an empty sequence: nothing to draw")
    for k, r in enumerate(roots):
        if not isinstance(r, Value):
            raise TypeError(f"root[{k}] must be a Value, got {type(r).__name__}")
    return roots


def _value_set(values: Iterable[Value], what: str) -> set[int]:
    if isinstance(values, Value):
        values = [values]
    out: set[int] = set()
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"{what} must contain Values, got {type(v).__name__}")
        out.add(id(v))
    return out


def _named_params(module: Any, what: str) -> list[tuple[str, Value]]:
    method = getattr(module, "named_parameters", None)
    if not callable(method):
        raise TypeError(f"{what} has no named_parameters() method (the nn.Module protocol)")
    pairs = list(method())
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], Value)):
            raise TypeError(f"{what}.named_parameters() must give (str, Value) pairs, got {pair!r}")
    return pairs


def _modules_of(model: Any) -> tuple[list[_Module], dict[int, tuple[int, str]]]:
    """The model's modules (with nesting) and, per parameter id, (innermost module, local name)."""
    method = getattr(model, "named_modules", None)
    if not callable(method):
        raise TypeError(
            f"model must provide named_modules() and named_parameters() (the nn.Module protocol), "
            f"got {type(model).__name__}"
        )
    entries = list(method())
    names: dict[str, int] = {}
    modules: list[_Module] = []
    for k, entry in enumerate(entries):
        if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
            raise TypeError(f"model.named_modules() must give (str, module) pairs, got {entry!r} at position {k}")
        name, module = entry
        if name in names:
            raise ValueError(f"model.named_modules() lists the name {name!r} twice")
        params = [v for _, v in _named_params(module, f"module {name or type(module).__name__!r}")]
        parent = None
        best = -1
        for other, j in names.items():  # the longest enclosing name is the parent
            if (other == "" or name.startswith(other + ".")) and name != other and len(other) > best:
                parent, best = j, len(other)
        depth = 0 if parent is None else modules[parent].depth + 1
        names[name] = len(modules)
        modules.append(_Module(name, type(module).__name__, parent, params, depth))
    owner: dict[int, tuple[int, str]] = {}
    for j, (name, module) in enumerate(entries):
        for local, p in _named_params(module, f"module {name!r}"):
            prev = owner.get(id(p))
            if prev is None or modules[prev[0]].depth < modules[j].depth:
                owner[id(p)] = (j, local)
    return modules, owner


def _prepare(
    roots: list[Value],
    *,
    params: Iterable[Value] = (),
    inputs: Iterable[Value] = (),
    model: ModuleLike | None = None,
) -> _Graph:
    order: list[Value] = []
    index: dict[int, int] = {}
    for r in roots:
        for v in topological_order(r):
            if id(v) not in index:
                index[id(v)] = len(order)
                order.append(v)
    param_ids = _value_set(params, "params")
    input_ids = _value_set(inputs, "inputs")
    modules: list[_Module] = []
    owned: dict[int, tuple[int, str]] = {}
    if model is not None:
        modules, owned = _modules_of(model)
        param_ids |= set(owned)
    root_ids = {id(r) for r in roots}
    roles: list[str] = []
    names: list[str] = []
    for v in order:
        if id(v) in root_ids:
            role = "output"
        elif not v.is_leaf:
            role = "intermediate"
        elif id(v) in param_ids:
            role = "parameter"
        elif id(v) in input_ids or v.label:
            role = "input"
        else:
            role = "constant"
        roles.append(role)
        names.append(v.label or (owned[id(v)][1] if id(v) in owned else ""))
    g = _Graph(order, index, [index[id(r)] for r in roots], roles, names, modules)
    g.owner = _assign(g, owned)
    return g


def _assign(g: _Graph, owned: Mapping[int, tuple[int, str]]) -> list[int | None]:
    """Innermost module of each node.

    A parameter belongs to its innermost module; a non-leaf node to the innermost module
    that owns all of its parents that are parameters (a neuron's ``dot`` node to the
    neuron; an L2 penalty over every weight to the model itself, so to no box); a unary
    node whose parent belongs to a module, to that module; anything else to no module.
    """
    owner: list[int | None] = [None] * len(g.order)
    if not g.modules:
        return owner
    for i, v in enumerate(g.order):
        if v.is_leaf:
            owner[i] = owned[id(v)][0] if id(v) in owned else None
            continue
        holders = {owned[id(p)][0] for p in v.parents if id(p) in owned}
        best = _common_module(g, holders) if holders else None
        if best is None and len(v.parents) == 1:
            best = owner[g.idx(v.parents[0])]
        owner[i] = best
    return owner


def _common_module(g: _Graph, holders: set[int]) -> int | None:
    """The innermost module containing all of ``holders`` (by dotted name), or None."""
    paths = [g.modules[j].name.split(".") if g.modules[j].name else [] for j in holders]
    prefix: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    by_name = {m.name: j for j, m in enumerate(g.modules)}
    while prefix and ".".join(prefix) not in by_name:
        prefix.pop()
    return by_name.get(".".join(prefix))


# -- styling and emission -------------------------------------------------------------


@dataclass
class _Style:
    """What each node and edge shows; one instance per picture (or per frame)."""

    data: list[str | None]  # the data cell text (None: "?")
    grad: list[str | None]  # the grad cell text (None: "?"; "" hides the cell)
    fill: list[str]
    emphasis: set[int] = field(default_factory=set)  # node indices drawn with a red border
    edge_labels: dict[tuple[int, int], str] = field(default_factory=dict)  # (child, slot) → label
    hot: set[tuple[int, int]] = field(default_factory=set)  # highlighted (child, slot) edges
    dim_others: bool = False  # grey every edge not in `hot`
    caption: str = ""
    show_ids: bool = False  # name unlabelled nodes by their id (v4), as captions that cite them do


def _lines(text: str) -> str:
    """``text`` escaped for an HTML label, its lines (several for lanes) separated by ``<BR/>``."""
    return "<BR/>".join(html.escape(line) for line in text.split("\n"))


def _cell(text: str, *, bold: bool = False) -> str:
    body = _lines(text)
    return f"<TD><B>{body}</B></TD>" if bold else f"<TD>{body}</TD>"


def _value_label(name: str, data: str | None, grad: str | None, fill: str, emphasis: bool) -> str:
    cells = []
    if name:
        cells.append(_cell(name, bold=True))
    cells.append(_cell(f"data {data if data is not None else '?'}"))
    if grad != "":
        cells.append(_cell(f"grad {grad if grad is not None else '?'}"))
    border = ' COLOR="' + _HOT + '" BORDER="2"' if emphasis else ' BORDER="0"'
    return (
        f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{fill}">'
        f"<TR>{''.join(cells)}</TR></TABLE>>"
    )


def _op_text(v: Value) -> str:
    rule = RULES.get(v.op)
    symbol = rule.label if rule is not None else v.op
    if v.param is None:
        return symbol
    if v.op == "pow":
        return f"{symbol}{short(v.param)}"
    if v.op == "rpow":
        return f"{short(v.param)}{symbol}"
    return f"{symbol}({short(v.param)})"


def _html(text: str) -> str:
    return f"<{_lines(text)}>"


def _diverging(g: float, scale: float) -> str:
    if scale == 0.0 or g == 0.0:
        return "#ffffff"
    t = min(1.0, abs(g) / scale)
    target = _POSITIVE if g > 0 else _NEGATIVE
    r, gr, b = (round(255 + (c - 255) * t) for c in target)
    return f"#{r:02x}{gr:02x}{b:02x}"


def _colour_value(grad: Any) -> float:
    """The number a gradient is coloured by: itself, or for lanes their sum (see the module docstring)."""
    return math.fsum(float(x) for x in grad) if is_lanes(grad) else float(grad)


def _fills(g: _Graph, color: Color, grads: Sequence[Any]) -> list[str]:
    if color == "none":
        return ["#ffffff"] * len(g.order)
    if color == "grad":
        values = [_colour_value(x) for x in grads]
        scale = max((abs(x) for x in values), default=0.0)
        return [_diverging(x, scale) for x in values]
    if color == "role":
        return [ROLE_COLORS[r] for r in g.roles]
    raise ValueError(f"color must be 'role', 'grad' or 'none', got {color!r}")


def _collapsed(g: _Graph, collapse: str | Collection[str] | None) -> set[int]:
    if collapse is None:
        return set()
    wanted = {collapse} if isinstance(collapse, str) else set(collapse)
    for w in wanted:
        if not isinstance(w, str):
            raise TypeError(f"collapse must be a str or a collection of str, got an item {w!r}")
    if not g.modules:
        raise ValueError("collapse= needs model= (the modules to collapse come from the model)")
    chosen = {j for j, m in enumerate(g.modules) if m.name and (m.kind in wanted or m.name in wanted)}
    unknown = wanted - {m.kind for m in g.modules if m.name} - {m.name for m in g.modules if m.name}
    if unknown:
        kinds = sorted({m.kind for m in g.modules if m.name})
        raise ValueError(
            f"collapse: no module class or name {sorted(unknown)!r} in this model; its module classes are {kinds!r}"
        )
    return chosen


def _boxes(g: _Graph, collapsed: set[int]) -> list[int | None]:
    """For each node, the outermost collapsed module containing it (or None)."""
    out: list[int | None] = []
    for j in g.owner:
        box = None
        while j is not None:
            if j in collapsed:
                box = j
            j = g.modules[j].parent
        out.append(box)
    return out


def _box_label(g: _Graph, j: int, members: list[int], outputs: list[int], precision: int, lanes_shown: int) -> str:
    m = g.modules[j]
    name = m.name
    parent = g.modules[m.parent] if m.parent is not None else None
    if parent is not None and parent.name and name.startswith(parent.name + "."):
        name = name[len(parent.name) + 1 :]  # the enclosing cluster's label says the rest
    n_params = len(m.params)
    rows = [
        f"<TR><TD><B>{html.escape(name)}</B> ({html.escape(m.kind)})</TD></TR>",
        f"<TR><TD>{n_params} parameter{'s' if n_params != 1 else ''}, {len(members)} values</TD></TR>",
    ]
    for i in outputs[:4]:
        v = g.order[i]
        data, grad = fixed_lanes(v.data, precision, lanes_shown), fixed_lanes(v.grad, precision, lanes_shown)
        sep = "\n" if is_lanes(v.data) or is_lanes(v.grad) else " "  # lanes: grad on a line of its own
        rows.append(f"<TR><TD>{_lines(f'out data {data}{sep}grad {grad}')}</TD></TR>")
    if len(outputs) > 4:
        rows.append(f"<TR><TD>… and {len(outputs) - 4} more outputs</TD></TR>")
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{_MODULE_COLOR}">'
        f"{''.join(rows)}</TABLE>>"
    )


def _emit(
    g: _Graph,
    style: _Style,
    *,
    precision: int,
    rankdir: str,
    collapse: str | Collection[str] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    stacklevel: int = 3,
    lanes_shown: int = DEFAULT_SHOWN,
) -> Drawing:
    """Build the DOT for ``g`` with ``style``: value nodes, op nodes, module clusters, edges."""
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    box = _boxes(g, _collapsed(g, collapse))
    # Count what will be drawn before building anything.
    consumers_outside: set[int] = set(g.roots)
    for i, v in enumerate(g.order):
        for p in v.parents:
            pi = g.idx(p)
            if box[pi] is not None and box[pi] != box[i]:
                consumers_outside.add(pi)
    boxes_used = sorted({b for b in box if b is not None})
    n_drawn = len(boxes_used) + sum(1 if v.is_leaf else 2 for i, v in enumerate(g.order) if box[i] is None)
    if n_drawn > max_nodes:
        kinds = sorted({m.kind for m in g.modules if m.name})
        if kinds:
            hint = "pass " + " or ".join(f"collapse={k!r}" for k in kinds[:3]) + " to draw each such module as one box"
        else:
            hint = "draw a smaller graph, or the derivative chain to one input (viz.draw_chain)"
        warnings.warn(
            LargeGraphWarning(f"the picture has {n_drawn} nodes (more than max_nodes={max_nodes}); {hint}"),
            stacklevel=stacklevel,
        )

    graph_attr = {"rankdir": rankdir}
    if boxes_used:
        # Keep module boxes in the order they are emitted (neurons.0, neurons.1, …): with its
        # full crossing-minimisation budget, dot rotates the boxes of fully connected layers
        # (8–15 above 0–7 in MLP(2, [16, 16, 1])), where every order has the same crossings.
        graph_attr["mclimit"] = "0.1"
    top = Drawing(name="chainrule", graph_attr=graph_attr)
    top.attr("node", fontname="Helvetica", fontsize="11")
    top.attr("edge", fontname="Helvetica", fontsize="10")
    if style.caption:
        lines = "<BR/>".join(html.escape(line) for line in style.caption.splitlines())
        top.attr(label=f"<{lines}>", labelloc="t", labeljust="l")
    top.caption = style.caption

    clusters: dict[int, Drawing] = {}

    def container(j: int | None) -> Drawing:
        if j is None:
            return top
        if j not in clusters:
            m = g.modules[j]
            c = Drawing(name=f"cluster_m{j}")
            c.attr(label=_html(f"{m.name} ({m.kind})"), style="rounded", color="#7d3c98")
            clusters[j] = c
        return clusters[j]

    def owner_container(j: int | None) -> int | None:
        # The model itself (named "") gets no cluster: it is the whole picture.
        return None if j is None or not g.modules[j].name else j

    members: dict[int, list[int]] = {b: [] for b in boxes_used}
    for i, v in enumerate(g.order):
        b = box[i]
        if b is not None:
            members[b].append(i)
            continue
        c = container(owner_container(g.owner[i]))
        vid = g.vid(i)
        name = g.names[i] or (g.vid(i) if style.show_ids else "")
        label = _value_label(name, style.data[i], style.grad[i], style.fill[i], i in style.emphasis)
        c.node(vid, label=label, shape="plain")
        if not v.is_leaf:
            c.node(f"{vid}op", label=_html(_op_text(v)), shape="ellipse", margin="0.02,0.01", height="0.3")
    for b in boxes_used:
        outputs = [i for i in members[b] if i in consumers_outside]
        parent = g.modules[b].parent
        container(owner_container(parent)).node(
            f"m{b}", label=_box_label(g, b, members[b], outputs, precision, lanes_shown), shape="plain"
        )
    # Enclosing modules get a cluster even without nodes of their own (a layer of neurons).
    for j in list(clusters):
        parent = owner_container(g.modules[j].parent)
        while parent is not None:
            container(parent)
            parent = owner_container(g.modules[parent].parent)
    # Attach clusters innermost first, so each is complete when its parent takes it.
    for j in sorted(clusters, key=lambda j: (-g.modules[j].depth, j)):
        container(owner_container(g.modules[j].parent)).subgraph(clusters[j])

    seen: set[tuple[str, str]] = set()
    for i, v in enumerate(g.order):
        if v.is_leaf:
            continue
        dst = f"m{box[i]}" if box[i] is not None else f"{g.vid(i)}op"
        for k, p in enumerate(v.parents):
            pi = g.idx(p)
            src = f"m{box[pi]}" if box[pi] is not None else g.vid(pi)
            if src == dst:
                continue
            attrs: dict[str, str] = {}
            if box[pi] is not None or box[i] is not None:
                if (src, dst) in seen:
                    continue
                seen.add((src, dst))
            elif (i, k) in style.edge_labels:
                attrs["label"] = _html(style.edge_labels[(i, k)])
            if (i, k) in style.hot:
                attrs.update(color=_HOT, penwidth="2.5", fontcolor=_HOT)
            elif style.dim_others:
                attrs.update(color=_DIM)
            top.edge(src, dst, **attrs)
        if box[i] is None:
            attrs = {}
            if any((i, k) in style.hot for k in range(len(v.parents))):
                attrs.update(color=_HOT, penwidth="2.5")
            elif style.dim_others:
                attrs["color"] = _DIM
            top.edge(f"{g.vid(i)}op", g.vid(i), **attrs)
    return top


def _check_precision(precision: int) -> None:
    fixed(0.0, precision)  # validates


def draw_graph(
    root: Value | Sequence[Value],
    *,
    precision: int = 4,
    local_grads: bool = False,
    color: Color = "role",
    params: Iterable[Value] = (),
    inputs: Iterable[Value] = (),
    model: ModuleLike | None = None,
    collapse: str | Collection[str] | None = None,
    rankdir: str = "LR",
    max_nodes: int = DEFAULT_MAX_NODES,
    lanes_shown: int = DEFAULT_SHOWN,
) -> Drawing:
    """Draw the graph that ``root`` was computed from, with each node's data and grad.

    Args:
        root: The output Value (or several outputs).
        precision: Decimals shown for every number (scientific notation outside
            ``[10**-precision, 1e6)``), so the DOT text is deterministic.
        local_grads: Write the local derivative ``∂child/∂parent`` on every edge.
        color: ``"role"`` fills nodes by role (input, parameter, constant,
            intermediate, output; see :data:`ROLE_COLORS`), ``"grad"`` by a diverging
            blue–white–red scale of the gradient's sign and magnitude (a lane
            Value's by the sum of its gradient over the lanes), ``"none"`` white.
        params: Leaves to draw as parameters (a model's parameters are included).
        inputs: Leaves to draw as inputs (a labelled leaf that is not a parameter is
            an input too; an unlabelled one is a constant).
        model: A model with ``named_modules()``/``named_parameters()``: its modules'
            Values are grouped in labelled clusters. A parameter belongs to its
            innermost module, a node using a module's parameter to that module, a
            unary node to the module of its input.
        collapse: Module class names (``"Neuron"``, ``"Layer"``) or dotted module
            names to draw as one box each (needs ``model``).
        rankdir: Graphviz layout direction (``"LR"`` left to right, ``"TB"`` …).
        max_nodes: Above this many drawn nodes a :class:`LargeGraphWarning` suggests
            collapsing.
        lanes_shown: How many values of a Value holding lanes (and of a lane-wise
            local derivative) are listed; with more lanes, their count and a line with
            their mean, min and max are shown too.

    Returns:
        A :class:`~viz.display.Drawing` (a ``graphviz.Digraph``): shown inline in
        Jupyter, ``.source`` is the DOT text, ``.save("g.svg")`` writes a file.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a")
    >>> dot = draw_graph(a + a).source      # a + a: two edges into the "+" node
    >>> dot.count("v0 -> v1op"), dot.count("v1op -> v1")
    (2, 1)
    """
    _check_precision(precision)
    fixed_lanes(0.0, precision, lanes_shown)  # validates lanes_shown
    g = _prepare(_roots(root), params=params, inputs=inputs, model=model)
    style = _Style(
        data=[fixed_lanes(v.data, precision, lanes_shown) for v in g.order],
        grad=[fixed_lanes(v.grad, precision, lanes_shown) for v in g.order],
        fill=_fills(g, color, [v.grad for v in g.order]),
    )
    if local_grads:
        style.edge_labels = {
            (i, k): fixed_lanes(d, precision, lanes_shown)
            for i, v in enumerate(g.order)
            for k, d in enumerate(v.local_grads)
        }
    return _emit(
        g,
        style,
        precision=precision,
        rankdir=rankdir,
        collapse=collapse,
        max_nodes=max_nodes,
        lanes_shown=lanes_shown,
    )
