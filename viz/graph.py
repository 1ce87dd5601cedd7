"""`draw_graph`: a computation graph with every node's value and gradient.

Every :class:`~autograd.Value` is a node showing the op that made it (first cell, grey),
its label (if any), ``data`` and ``grad``; each input is an edge into it, so ``a + a``
shows two edges. With ``ops="nodes"`` every op is a small node of its own between its
inputs and its result instead (twice the levels). Node ids are topological (``v0``,
``v1`` … parents before children; an op node is its result's id plus ``op``). A node's
cells sit side by side, or stacked where that keeps ranks narrow (left-to-right layouts,
and any layout in a display that scrolls, like a notebook). Numbers have a fixed
number of significant digits (:func:`viz.numbers.format_number`), so the DOT text is
deterministic and can be compared with a golden file. Labels are HTML tables in which
every user string is escaped.

Pictures fit where they are shown: ``rankdir="auto"`` (the default) estimates the
size of the left-to-right and the top-to-bottom layout and takes the one whose text
is shown largest in the style's display (a ~1000 px notebook column, a 1280×720
slide, a page); ``style=`` picks the look (:mod:`viz.styles`); graphs with more than
``max_nodes`` drawn nodes are refused with a message saying how to collapse them, except
a model's graph, which ``collapse="auto"`` (the default) draws at the finest collapse whose
text reads (:data:`READABLE_PX`) and says so in its caption.

Models (anything with the ``named_modules()``/``named_parameters()`` protocol of
``nn.Module``; this package never imports ``nn``) are drawn with the Values of each
module in a labelled cluster, and modules can be collapsed into one box each.

Lanes: a Value holding lanes (one scalar per sample) shows its first few values and
their count, ``data [0.5000, 1.0000, 1.5000, … 8 lanes]``, and when some are not listed
a line ``mean …, min …, max …``; its gradient and any local derivative that differs
from lane to lane are shown the same way (:func:`viz.numbers.format_lanes`). Coloured by
gradient, a lane Value takes the colour of the **sum of its gradient over the lanes**:
the gradient of the output with respect to one shift added to every lane, which is
what a scalar in its place (a parameter) would receive, so lane and scalar nodes share
one scale.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from autograd import RULES, Value, topological_order
from viz.display import DEFAULT_TIMEOUT, Drawing
from viz.numbers import DEFAULT_DIGITS, DEFAULT_SHOWN, check_digits, format_lanes, format_number, is_lanes
from viz.styles import STYLES, Style, get_style

__all__ = [
    "DEFAULT_MAX_NODES",
    "LAYOUT_CELLS_PER_NODE",
    "MAX_LABEL",
    "READABLE_PX",
    "ROLE_COLORS",
    "GraphTooLargeError",
    "LargeGraphWarning",
    "ModuleLike",
    "Names",
    "draw_graph",
]

#: Above this many drawn nodes the drawing functions refuse (unless ``max_nodes=`` is raised).
DEFAULT_MAX_NODES = 200

#: dot lays out the nodes plus a point per rank crossed by each long edge; its time grows fast
#: with their number (a 20-level ``tanh(y*w + b)`` chain: 3,700 cells, 25 s). Pictures needing
#: more than this many cells per allowed node (3,000 for ``max_nodes=200``) are refused.
LAYOUT_CELLS_PER_NODE = 15

#: The smallest node text (CSS px, in the style's display, the picture fitted to it) that
#: ``draw_graph``'s ``collapse="auto"`` accepts as readable.
READABLE_PX = 9.0

#: Names longer than this many characters are cut, visibly (``…`` and the full length).
MAX_LABEL = 200

#: Fill colour of each node role in the notebook style (colour-blind-safe pastels).
ROLE_COLORS = dict(STYLES["notebook"].roles)

Color = Literal["role", "grad", "none"]

#: Display names: a mapping from a Value (or a parameter's dotted name, or a label) to the
#: name a picture and its caption show, or a function of the Value (returning None: no change).
Names = Mapping[Any, str] | Callable[[Value], "str | None"]

# What an op node shows, where the rule's own symbol would be ambiguous or invisible.
_OP_SYMBOLS = {"neg": "negate", "dot": "Σ w·x", "sub": "−"}


class LargeGraphWarning(UserWarning):
    """Kept for compatibility: large graphs are now refused with :class:`GraphTooLargeError`."""


class GraphTooLargeError(ValueError):
    """The picture would have more nodes than ``max_nodes``; the message says how to draw it.

    ``nodes`` is the number of nodes the picture would have had, ``reason`` says in a few
    words what was too large ("407 nodes, more than max_nodes=200").
    """

    nodes: int | None = None
    reason: str = "too large"


def _checked_name(text: str, what: str) -> str:
    """``text`` for a label: a NUL is refused, a name longer than :data:`MAX_LABEL` is cut visibly."""
    if "\x00" in text:
        raise ValueError(f"{what} {text[:40]!r}… contains a NUL character, which graphviz cannot draw")
    if len(text) > MAX_LABEL:
        return f"{text[: MAX_LABEL - 1]}… ({len(text)} characters)"
    return text


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
    first: list[int] = field(default_factory=list)  # emitted before the rest: inputs, then parameters

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
    names_: Names | None = None,
) -> _Graph:
    order: list[Value] = []
    index: dict[int, int] = {}
    for r in roots:
        for v in topological_order(r):
            if id(v) not in index:
                index[id(v)] = len(order)
                order.append(v)
    if isinstance(params, Value):
        params = [params]
    if isinstance(inputs, Value):
        inputs = [inputs]
    params, inputs = list(params), list(inputs)
    param_ids = _value_set(params, "params")
    input_ids = _value_set(inputs, "inputs")
    modules: list[_Module] = []
    owned: dict[int, tuple[int, str]] = {}
    dotted: dict[int, str] = {}
    if model is not None:
        modules, owned = _modules_of(model)
        param_ids |= set(owned)
        for full, p in _named_params(model, "model"):
            dotted.setdefault(id(p), full)
            if id(p) in index and all(id(q) != id(p) for q in params):
                params.append(p)  # the model's named order
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
    shown = [_checked_name(n, "the label") for n in _display_names(order, names, dotted, names_arg=names_)]
    g = _Graph(order, index, [index[id(r)] for r in roots], roles, shown, modules)
    g.owner = _assign(g, owned)
    first: list[int] = []
    for v in [*inputs, *params]:  # inputs first and in the order given, then parameters in theirs
        i = index.get(id(v))
        if i is not None and i not in first and order[i].is_leaf:
            first.append(i)
    g.first = first
    return g


def _display_names(
    order: Sequence[Value], base: Sequence[str], dotted: Mapping[int, str], *, names_arg: Names | None
) -> list[str]:
    """Each node's shown name: from ``names=`` when it has one, else the label or parameter name."""
    if names_arg is None:
        return list(base)
    if callable(names_arg) and not isinstance(names_arg, Mapping):
        out = []
        for v, b in zip(order, base, strict=True):
            got = names_arg(v)
            if got is not None and not isinstance(got, str):
                raise TypeError(f"names= function must return a str or None, got {type(got).__name__}")
            out.append(b if got is None else got)
        return out
    if not isinstance(names_arg, Mapping):
        raise TypeError(f"names must be a mapping or a function, got {type(names_arg).__name__}")
    by_id: dict[int, str] = {}
    by_text: dict[str, str] = {}
    for key, shown in names_arg.items():
        if not isinstance(shown, str):
            raise TypeError(f"names[{key!r}] must be a str, got {type(shown).__name__}")
        if isinstance(key, Value):
            by_id[id(key)] = shown
        elif isinstance(key, str):
            by_text[key] = shown
        else:
            raise TypeError(f"names= keys must be Values or names (str), got {type(key).__name__}")
    out = []
    for v, b in zip(order, base, strict=True):
        full = dotted.get(id(v), "")
        if id(v) in by_id:
            out.append(by_id[id(v)])
        elif full and full in by_text:
            out.append(by_text[full])
        elif v.label and v.label in by_text:
            out.append(by_text[v.label])
        else:
            out.append(b)
    return out


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
    show_ids: bool | frozenset[int] = (
        False  # name unlabelled nodes (all, or these) by their id (v4), as captions citing them do
    )
    legend: str = ""  # an HTML table shown under the caption ("" for none)


def _shows_id(style: _Style, i: int) -> bool:
    """Whether node ``i``, when unlabelled, shows its id."""
    return i in style.show_ids if isinstance(style.show_ids, frozenset) else style.show_ids


def _lines(text: str) -> str:
    """``text`` escaped for an HTML label, its lines (several for lanes) separated by ``<BR/>``."""
    return "<BR/>".join(html.escape(line) for line in text.split("\n"))


#: The longest line of a node's text, in characters: longer lines (lane listings and their
#: statistics) are broken after a comma, so a node stays narrow enough for ranks to sit
#: side by side in a notebook column.
_NODE_LINE = 28


def _fold(text: str, width: int = _NODE_LINE) -> str:
    """``text`` with each line longer than ``width`` broken after a comma (", "), as often as needed.

    A lane count stays with the value before it (never "…" alone at the start of a line).

    >>> print(_fold("data [0.7573, -0.2434, 1.537, … 100 lanes]"))
    data [0.7573, -0.2434,
    1.537, … 100 lanes]
    >>> print(_fold("out data [0.9151, 0, 1.409, … 100 lanes]"))
    out data [0.9151, 0,
    1.409, … 100 lanes]
    """
    out: list[str] = []
    for line in text.split("\n"):
        while len(line) > width:
            cut = line.rfind(", ", 0, width)
            while cut > 0 and line.startswith("…", cut + 2):
                cut = line.rfind(", ", 0, cut)
            if cut <= 0:
                break
            out.append(line[: cut + 1])
            line = line[cut + 2 :]
        out.append(line)
    return "\n".join(out)


def _cell(text: str, *, bold: bool = False) -> str:
    body = _lines(text)
    return f"<TD><B>{body}</B></TD>" if bold else f"<TD>{body}</TD>"


def _value_cells(name: str, data: str | None, grad: str | None, op: str = "") -> list[str]:
    texts = [op] if op else []
    texts += [name] if name else []
    texts.append(_fold(f"data {data if data is not None else '?'}"))
    if grad != "":
        texts.append(_fold(f"grad {grad if grad is not None else '?'}"))
    return texts


def _value_label(
    name: str,
    data: str | None,
    grad: str | None,
    fill: str,
    emphasis: bool,
    look: Style,
    *,
    stacked: bool = False,
    op: str = "",
) -> str:
    """A value node's table: (the op that made it,) name, data and grad side by side, or ``stacked``.

    Left-to-right layouts stack the cells, so nodes are narrow where ranks sit side by side.
    """
    cells = [f'<TD BGCOLOR="{look.op_fill}">{_lines(op)}</TD>'] if op else []
    cells += [_cell(name, bold=True)] if name else []
    cells += [_cell(t) for t in _value_cells("", data, grad)]
    border = f' COLOR="{look.hot}" BORDER="2"' if emphasis else ' BORDER="0"'
    rows = "".join(f"<TR>{c}</TR>" for c in cells) if stacked else f"<TR>{''.join(cells)}</TR>"
    return f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{fill}">{rows}</TABLE>>'


def _op_text(v: Value) -> str:
    rule = RULES.get(v.op)
    symbol = _OP_SYMBOLS.get(v.op) or (rule.label if rule is not None else v.op)
    if v.param is None:
        return symbol
    if v.op == "pow":
        return f"{symbol}{format_number(v.param)}"
    if v.op == "rpow":
        return f"{format_number(v.param)}{symbol}"
    return f"{symbol}({format_number(v.param)})"


def _html(text: str) -> str:
    return f"<{_lines(text)}>"


def _mix(c: tuple[int, int, int], zero: tuple[int, int, int], t: float) -> str:
    r, g, b = (round(z + (x - z) * t) for x, z in zip(c, zero, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _diverging(g: float, scale: float, look: Style | None = None) -> str:
    look = look or STYLES["notebook"]
    if scale == 0.0 or g == 0.0:
        return _mix(look.zero, look.zero, 0.0)
    t = min(1.0, abs(g) / scale)
    return _mix(look.positive if g > 0 else look.negative, look.zero, t)


def _colour_value(grad: Any) -> float:
    """The number a gradient is coloured by: itself, or for lanes their sum (see the module docstring)."""
    return math.fsum(float(x) for x in grad) if is_lanes(grad) else float(grad)


def _grad_scale(g: _Graph, grads: Sequence[Any], vmax: float | None) -> float:
    """The gradient colour scale's end: ``vmax``, else the largest |gradient| of a node that is not an output."""
    if vmax is not None:
        if isinstance(vmax, bool) or not isinstance(vmax, int | float) or not math.isfinite(vmax) or vmax <= 0:
            raise ValueError(f"vmax must be a positive finite number, got {vmax!r}")
        return float(vmax)
    roots = set(g.roots)
    values = [abs(_colour_value(x)) for i, x in enumerate(grads) if i not in roots]
    return max((x for x in values if math.isfinite(x)), default=0.0)


def _fills(
    g: _Graph, color: Color, grads: Sequence[Any], look: Style | None = None, vmax: float | None = None
) -> list[str]:
    look = look or STYLES["notebook"]
    if color == "none":
        return [look.roles["intermediate"]] * len(g.order)
    if color == "grad":
        scale = _grad_scale(g, grads, vmax)
        return [_diverging(_colour_value(x), scale, look) for x in grads]
    if color == "role":
        return [look.roles[r] for r in g.roles]
    raise ValueError(f"color must be 'role', 'grad' or 'none', got {color!r}")


_ROLE_ORDER = ("input", "parameter", "constant", "intermediate", "output")


def _legend(
    g: _Graph,
    color: Color,
    grads: Sequence[Any],
    look: Style,
    *,
    digits: int,
    vmax: float | None = None,
    hot: str = "",
    collapse: str | Collection[str] | None = None,
) -> str:
    """An HTML table saying what the colours mean ("" when they mean nothing): the roles drawn
    (not those hidden in collapsed boxes), or the gradient scale with its range."""
    cells: list[str] = []
    box = _boxes(g, _collapsed(g, collapse))
    if color == "role":
        present = {r for r, b in zip(g.roles, box, strict=True) if b is None}
        for role in _ROLE_ORDER:
            if role in present:
                cells.append(f'<TD BGCOLOR="{look.roles[role]}" BORDER="1">{role}</TD>')
        if any(b is not None for b in box):
            cells.append(f'<TD BGCOLOR="{look.module}" BORDER="1">module (collapsed)</TD>')
    elif color == "grad":
        scale = _grad_scale(g, grads, vmax)
        if scale > 0:
            cells.append("<TD>gradient</TD>")
            for t in (-1.0, -0.5, 0.0, 0.5, 1.0):
                x = t * scale
                cells.append(f'<TD BGCOLOR="{_diverging(x, scale, look)}" BORDER="1">{format_number(x, digits)}</TD>')
            more = "≥" if vmax is not None else ""
            cells.append(f"<TD>(outputs not counted{'; ' + more + ' vmax in full colour' if more else ''})</TD>")
    if hot:
        cells.append(f'<TD><FONT COLOR="{look.hot}">{html.escape(hot)}</FONT></TD>')
    if not cells:
        return ""
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3"><TR>{"".join(cells)}</TR></TABLE>'


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


def _box_rows(g: _Graph, j: int, members: list[int], outputs: list[int], digits: int, lanes_shown: int) -> list[str]:
    m = g.modules[j]
    name = m.name
    parent = g.modules[m.parent] if m.parent is not None else None
    if parent is not None and parent.name and name.startswith(parent.name + "."):
        name = name[len(parent.name) + 1 :]  # the enclosing cluster's label says the rest
    n_params = len(m.params)
    rows = [f"{name} ({m.kind})", f"{n_params} parameter{'s' if n_params != 1 else ''}, {len(members)} values"]
    for i in outputs[:4]:
        v = g.order[i]
        data, grad = format_lanes(v.data, digits, lanes_shown), format_lanes(v.grad, digits, lanes_shown)
        rows.append(_fold(f"out data {data}\ngrad {grad}"))  # grad on a line of its own: narrow boxes
    if len(outputs) > 4:
        rows.append(f"… and {len(outputs) - 4} more outputs")
    return rows


def _box_label(rows: list[str], look: Style) -> str:
    name, _, kind = rows[0].rpartition(" (")
    title = f"<B>{html.escape(name)}</B> ({html.escape(kind)}"
    cells = [f"<TR><TD>{title}</TD></TR>"] + [f"<TR><TD>{_lines(r)}</TD></TR>" for r in rows[1:]]
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{look.module}">'
        f"{''.join(cells)}</TABLE>>"
    )


# -- choosing the orientation -----------------------------------------------------------

_CHAR = 0.56  # average glyph width of the sans font, in ems
_LINE = 1.25  # line height, in ems


def _text_size(lines: Sequence[str], size: float) -> tuple[float, float]:
    """Rough (width, height) in points of ``lines`` at ``size`` points."""
    width = max((len(t) for t in lines), default=0) * size * _CHAR
    return width, len(lines) * size * _LINE


def _wrap(text: str, width: int) -> list[str]:
    """``text``'s lines, each longer one broken before a ``×``, ``+`` or after a comma to fit ``width``.

    Continuation lines are indented, so a wrapped chain still reads as one equation.
    """
    out: list[str] = []
    for line in text.splitlines():
        while len(line) > width:
            cut = max(line.rfind(sep, 0, width) for sep in (" × ", " + ", " = ", ", "))
            if cut <= width // 3:
                break
            cut += 1 if line[cut] == "," else 0
            out.append(line[:cut])
            line = "    " + line[cut:].lstrip()
        out.append(line)
    return out


def _ranks(
    sizes: Mapping[str, tuple[float, float]], edges: Sequence[tuple[str, str, tuple[float, float] | None]]
) -> dict[str, int]:
    """dot's ranks, roughly: the longest path from a source (a labelled edge spans two ranks), then
    each source moved down next to its first consumer, as dot's shortest-edges ranking does."""
    out_edges: dict[str, list[tuple[str, int]]] = {n: [] for n in sizes}
    waiting = dict.fromkeys(sizes, 0)
    for src, dst, label in edges:
        if src in sizes and dst in sizes:
            out_edges[src].append((dst, 2 if label is not None else 1))
            waiting[dst] += 1
    rank = dict.fromkeys(sizes, 0)
    ready = [n for n, k in waiting.items() if k == 0]
    sources = set(ready)
    while ready:
        n = ready.pop()
        for dst, span in out_edges[n]:
            rank[dst] = max(rank[dst], rank[n] + span)
            waiting[dst] -= 1
            if waiting[dst] == 0:
                ready.append(dst)
    for n, outs in out_edges.items():
        if outs and n in sources:
            rank[n] = max(0, min(rank[d] - span for d, span in outs))
    return rank


def _auto_rankdir(
    sizes: Mapping[str, tuple[float, float]],
    edges: Sequence[tuple[str, str, tuple[float, float] | None]],
    caption: tuple[float, float],
    look: Style,
    stacked: Mapping[str, tuple[float, float]] | None = None,
    scales: dict[str, float] | None = None,
) -> str:
    """``"LR"`` or ``"TB"``: the layout whose text ``look``'s display shows larger.

    ``scales``, when given, receives the estimated scale of each orientation in the display
    (1: full size; the picture is never scaled up).

    The size of each layout is estimated from the ranks dot would give (longest path from
    a source) and the estimated sizes of the labels: left to right, ranks sit side by
    side; top to bottom, they stack. Equal scales go to the shorter picture.
    """
    rank = _ranks(sizes, edges)

    def ranks(of: Mapping[str, tuple[float, float]]) -> list[list[tuple[float, float]]]:
        by_rank: dict[int, list[tuple[float, float]]] = {}
        for n, r in rank.items():
            by_rank.setdefault(r, []).append(of[n])
        for src, _dst, label in edges:
            if label is not None and src in rank:
                by_rank.setdefault(rank[src] + 1, []).append(label)
        return list(by_rank.values())

    nodesep, ranksep = 18.0, 36.0
    tb, lr = ranks(sizes), ranks(stacked if stacked is not None else sizes)
    gaps = max(0, len(tb) - 1)
    # Top to bottom: a rank's nodes side by side, the ranks stacked.
    tb_w = max((sum(w for w, _ in ns) + nodesep * (len(ns) - 1) for ns in tb), default=0.0)
    tb_h = sum(max(h for _, h in ns) for ns in tb) + ranksep * gaps / 2
    # Left to right: a rank's nodes stacked, the ranks side by side.
    lr_w = sum(max(w for w, _ in ns) for ns in lr) + ranksep * gaps / 2
    lr_h = max((sum(h for _, h in ns) + nodesep * (len(ns) - 1) for ns in lr), default=0.0)
    fit_w, fit_h = look.fit

    def scale(w: float, h: float) -> float:
        w, h = max(w, caption[0]) + 16, h + caption[1] + 16
        s = min(1.0, fit_w / w)
        return min(s, fit_h / h) if fit_h is not None else s

    s_lr, s_tb = scale(lr_w, lr_h), scale(tb_w, tb_h)
    if scales is not None:
        scales.update(LR=s_lr, RL=s_lr, TB=s_tb, BT=s_tb)
    if abs(s_lr - s_tb) < 1e-9:
        return "LR" if lr_h <= tb_h else "TB"
    return "LR" if s_lr > s_tb else "TB"


# -- the DOT ---------------------------------------------------------------------------------


def _too_large(g: _Graph, n_drawn: int, max_nodes: int) -> GraphTooLargeError:
    kinds = sorted({m.kind for m in g.modules if m.name})
    if kinds:
        how = "pass " + " or ".join(f"collapse={k!r}" for k in kinds[:3]) + " to draw each such module as one box"
    else:
        how = "draw a smaller graph, or the derivative chain to one input (viz.draw_chain)"
    error = GraphTooLargeError(
        f"the picture would have {n_drawn} nodes, more than max_nodes={max_nodes} (too many to read, and dot may "
        f"take minutes): {how}, or pass max_nodes={n_drawn} to draw it anyway"
    )
    error.nodes, error.reason = n_drawn, f"{n_drawn} nodes, more than max_nodes={max_nodes}"
    return error


def _check_rankdir(rankdir: str) -> None:
    if rankdir not in ("auto", "LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'auto' or one of LR, RL, TB, BT, got {rankdir!r}")


def _check_max_nodes(max_nodes: int) -> None:
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")


def _attrs(what: str, given: Mapping[str, Any] | None) -> dict[str, str]:
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise TypeError(f"{what} must be a mapping of graphviz attributes, got {type(given).__name__}")
    out = {}
    for k, v in given.items():
        if not isinstance(k, str):
            raise TypeError(f"{what} keys must be str, got {k!r}")
        out[k] = str(v)
    return out


def _emit(
    g: _Graph,
    style: _Style,
    *,
    rankdir: str = "auto",
    collapse: str | Collection[str] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    stacklevel: int = 3,
    lanes_shown: int = DEFAULT_SHOWN,
    digits: int | None = None,
    precision: int | None = None,
    look: str | Style = "notebook",
    graph_attr: Mapping[str, Any] | None = None,
    node_attr: Mapping[str, Any] | None = None,
    edge_attr: Mapping[str, Any] | None = None,
    dpi: float | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    cls: type[Drawing] = Drawing,
    ops: str = "nodes",
) -> Drawing:
    """Build the DOT for ``g`` with ``style``: value nodes, op nodes, module clusters, edges.

    ``precision`` is the older name of ``digits`` (the numbers of collapsed boxes);
    ``stacklevel`` is accepted for callers written for the warning this used to give.

    Raises:
        GraphTooLargeError: with more than ``max_nodes`` drawn nodes.
    """
    del stacklevel
    _check_rankdir(rankdir)
    _check_max_nodes(max_nodes)
    theme = get_style(look)
    digits = check_digits(digits if digits is not None else precision if precision is not None else DEFAULT_DIGITS)
    user_graph, user_node, user_edge = (
        _attrs("graph_attr", graph_attr),
        _attrs("node_attr", node_attr),
        _attrs("edge_attr", edge_attr),
    )
    if dpi is not None and (isinstance(dpi, bool) or not isinstance(dpi, int | float) or not 0 < dpi <= 2400):
        raise ValueError(f"dpi must be a number from 1 to 2400, got {dpi!r}")
    box = _boxes(g, _collapsed(g, collapse))
    # Count what will be drawn before building anything.
    consumers_outside: set[int] = set(g.roots)
    for i, v in enumerate(g.order):
        for p in v.parents:
            pi = g.idx(p)
            if box[pi] is not None and box[pi] != box[i]:
                consumers_outside.add(pi)
    boxes_used = sorted({b for b in box if b is not None})
    if ops not in ("nodes", "inline"):
        raise ValueError(f"ops must be 'inline' or 'nodes', got {ops!r}")
    inline = ops == "inline"
    per_op = 1 if inline else 2
    n_drawn = len(boxes_used) + sum(1 if v.is_leaf else per_op for i, v in enumerate(g.order) if box[i] is None)
    if n_drawn > max_nodes:
        raise _too_large(g, n_drawn, max_nodes)

    top = cls(
        name="chainrule",
        graph_attr={**theme.graph_attr(), **user_graph},
        node_attr={**theme.node_attr(), **user_node},
        edge_attr={**theme.edge_attr(), **user_edge},
    )
    top.caption = style.caption
    top.node_count = n_drawn
    top.timeout = timeout
    top.dpi = dpi if dpi is not None else theme.dpi
    font = float(top.node_attr.get("fontsize", theme.fontsize))
    edge_font = float(top.edge_attr.get("fontsize", theme.edge_fontsize))
    caption_font = float(top.graph_attr.get("fontsize", theme.caption_fontsize))
    if boxes_used:
        # Keep module boxes in the order they are emitted (neurons.0, neurons.1, …): with its
        # full crossing-minimisation budget, dot rotates the boxes of fully connected layers
        # (8–15 above 0–7 in MLP(2, [16, 16, 1])), where every order has the same crossings.
        top.graph_attr.setdefault("mclimit", "0.1")
    caption_size = (0.0, 0.0)
    width = max(40, int(theme.fit[0] / (caption_font * _CHAR)))  # characters the display shows on a line
    if style.caption and not style.legend:
        lines = _wrap(style.caption, width)
        top.graph_attr.setdefault("label", f"<{'<BR/>'.join(html.escape(line) for line in lines)}>")
        top.graph_attr.setdefault("labelloc", "t")
        top.graph_attr.setdefault("labeljust", "l")
        caption_size = _text_size(lines, caption_font)
    elif style.legend:
        rows = []
        if style.caption:
            lines = _wrap(style.caption, width)
            body = "".join(f'{html.escape(line)}<BR ALIGN="LEFT"/>' for line in lines)
            rows.append(f'<TR><TD ALIGN="LEFT">{body}</TD></TR>')
            caption_size = _text_size(lines, caption_font)
        if style.legend:
            rows.append(f'<TR><TD ALIGN="LEFT">{style.legend}</TD></TR>')
            caption_size = (max(caption_size[0], 420.0), caption_size[1] + caption_font * 2)
        top.graph_attr.setdefault(
            "label", f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{"".join(rows)}</TABLE>>'
        )
        top.graph_attr.setdefault("labelloc", "t")
        top.graph_attr.setdefault("labeljust", "l")

    clusters: dict[int, Drawing] = {}

    def container(j: int | None) -> Drawing:
        if j is None:
            return top
        if j not in clusters:
            m = g.modules[j]
            c = Drawing(name=f"cluster_m{j}")
            title = _html(f"{m.name} ({m.kind})")
            if j in titled:
                # Edges into a box run past its top-left corner, through a label there (left to right),
                # or enter it from above through its first rank, where the label is (top to bottom, a
                # box with open parameters: see _Places.stops): the title is a node at the box's first
                # rank, before its first member (_arrange_model), and dot routes edges around nodes.
                c.attr(label="", style="rounded", color=theme.cluster)  # not the graph's caption, inherited
                c.node(_title(j), label=title, shape="none", margin="0.15,0.02")
            else:
                c.attr(label=title, style="rounded", color=theme.cluster, labeljust="l")
                if j in below:
                    c.attr(labelloc="b")
            clusters[j] = c
        return clusters[j]

    def owner_container(j: int | None) -> int | None:
        # The model itself (named "") gets no cluster: it is the whole picture.
        return None if j is None or not g.modules[j].name else j

    members: dict[int, list[int]] = {b: [] for b in boxes_used}
    for i in range(len(g.order)):
        if box[i] is not None:
            members[box[i]].append(i)  # type: ignore[index]
    emit_order = [*g.first, *(i for i in range(len(g.order)) if i not in set(g.first))]
    edges = _edges(g, style, box, owner_container, theme, inline=inline)

    # What each node shows, and its rough size side by side (top to bottom) or stacked (left to right).
    box_rows: dict[int, list[str]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    stacked_sizes: dict[str, tuple[float, float]] = {}
    for i, v in enumerate(g.order):
        b = box[i]
        if b is not None:
            if b not in box_rows:
                outputs = [k for k in members[b] if k in consumers_outside]
                box_rows[b] = _box_rows(g, b, members[b], outputs, digits, lanes_shown)
                sizes[f"m{b}"] = stacked_sizes[f"m{b}"] = _box_size(box_rows[b], font)
            continue
        name = g.names[i] or (g.vid(i) if _shows_id(style, i) else "")
        texts = _value_cells(name, style.data[i], style.grad[i], _op_text(v) if inline and not v.is_leaf else "")
        sizes[g.vid(i)] = _cells_size(texts, font)
        stacked_sizes[g.vid(i)] = _box_size(texts, font)
        if not v.is_leaf and not inline:
            w, h = _text_size([_op_text(v)], font)
            sizes[f"{g.vid(i)}op"] = stacked_sizes[f"{g.vid(i)}op"] = (w + 20, max(h + 8, 22))
    estimate = [
        (e.src, e.dst, _text_size(e.label_text.split("\n"), edge_font) if e.label_text else None) for e in edges
    ]
    if g.modules:  # what _arrange_model adds: ranks of their own per layer, box titles and margins
        where = _Places(g, box, owner_container)
        estimate += [(src, head, None) for src, head in where.bands(edges)]
        for name in list(sizes):
            depth, k = 0, where.place.get(name)
            while k is not None:
                depth, k = depth + 1, owner_container(g.modules[k].parent)
            if depth:
                pad = 16.0 * depth
                sizes[name] = (sizes[name][0] + pad, sizes[name][1] + pad)
                stacked_sizes[name] = (stacked_sizes[name][0] + pad, stacked_sizes[name][1] + pad)
    rank = _ranks(sizes, estimate)
    spans = sum(max(0, rank[d] - rank[s] - 1) for s, d, _ in estimate if s in rank and d in rank)
    top.layout_cells = n_drawn + spans
    if top.layout_cells > LAYOUT_CELLS_PER_NODE * max_nodes:
        needed = -(-top.layout_cells // LAYOUT_CELLS_PER_NODE)
        error = GraphTooLargeError(
            f"the picture's layout would need {top.layout_cells} cells ({n_drawn} nodes, and points along edges that "
            "span many levels, as from a Value used at many depths), more than "
            f"{LAYOUT_CELLS_PER_NODE} × max_nodes = {LAYOUT_CELLS_PER_NODE * max_nodes}: dot could take minutes. "
            f"Draw a part of the graph, or pass max_nodes={needed} to draw it anyway"
        )
        error.nodes = n_drawn
        error.reason = f"a layout of {top.layout_cells} cells, more than {LAYOUT_CELLS_PER_NODE} × max_nodes"
        raise error
    scales: dict[str, float] = {}
    picked = _auto_rankdir(sizes, estimate, caption_size, theme, stacked_sizes, scales)
    if rankdir == "auto":
        rankdir = user_graph.get("rankdir") or picked
    top.graph_attr["rankdir"] = user_graph.get("rankdir", rankdir)
    # How high the node text will be in the style's display (a 1000 px notebook column, a slide):
    # points at full size are 4/3 CSS px, and a wider picture is scaled down to fit.
    top.text_px = font * 4 / 3 * scales.get(top.graph_attr["rankdir"], 1.0)
    # Cells are stacked where that makes ranks narrower: left to right always, and top to bottom too
    # when the display scrolls (a notebook), where a picture's height costs less than its width.
    stacked = theme.fit[1] is None or top.graph_attr["rankdir"] in ("LR", "RL")
    # Boxes whose titles are nodes: every box left to right. Top to bottom, edges enter an open box
    # with parameters from above, through its first rank (see _Places.stops): its title is a node;
    # the boxes around it have their label at the bottom (a node of their own would sit beside
    # their child boxes and widen the picture); others keep their label at the top.
    titled: set[int] = set()
    below: set[int] = set()
    if top.graph_attr["rankdir"] in ("LR", "RL"):
        titled = {j for j, m in enumerate(g.modules) if m.name}
    else:
        titled = set(_Places(g, box, owner_container).leads())
        for j in titled:
            up = owner_container(g.modules[j].parent)
            while up is not None:
                below.add(up)
                up = owner_container(g.modules[up].parent)
        below -= titled
    first_in: dict[int, str] = {}  # cluster → a node inside it (for edges to the whole cluster)
    emitted_boxes: set[int] = set()
    for i in emit_order:
        v = g.order[i]
        b = box[i]
        if b is not None:
            if b in emitted_boxes:
                continue
            emitted_boxes.add(b)
            holder = owner_container(g.modules[b].parent)
            container(holder).node(f"m{b}", label=_box_label(box_rows[b], theme), shape="plain")
            if holder is not None:
                first_in.setdefault(holder, f"m{b}")
            continue
        holder = owner_container(g.owner[i])
        c = container(holder)
        vid = g.vid(i)
        name = g.names[i] or (g.vid(i) if _shows_id(style, i) else "")
        c.node(
            vid,
            label=_value_label(
                name,
                style.data[i],
                style.grad[i],
                style.fill[i],
                i in style.emphasis,
                theme,
                stacked=stacked,
                op=_op_text(v) if inline and not v.is_leaf else "",
            ),
            shape="plain",
        )
        if holder is not None:
            first_in.setdefault(holder, vid)
        if not v.is_leaf and not inline:
            c.node(
                f"{vid}op",
                label=_html(_op_text(v)),
                shape="ellipse",
                margin="0.02,0.01",
                height="0.3",
                style="filled",
                fillcolor=theme.op_fill,
            )
    # Enclosing modules get a cluster even without nodes of their own (a layer of neurons).
    for j in list(clusters):
        parent = owner_container(g.modules[j].parent)
        while parent is not None:
            container(parent)
            parent = owner_container(g.modules[parent].parent)
    for j in sorted(clusters, key=lambda j: -g.modules[j].depth):  # a node for edges to a cluster
        parent = owner_container(g.modules[j].parent)
        if j in first_in and parent is not None:
            first_in.setdefault(parent, first_in[j])
    bundles = _bundles(edges, box, g, owner_container)
    drawn = _lines_of(edges, bundles, first_in, style, theme)
    where = _Places(g, box, owner_container)
    stops = where.stops(drawn) if clusters else {}
    # A module's parameters in their named order (w0, w1, b), not in the order dot's crossing
    # minimisation happens to leave them: the parameters drawn in one cluster at one (estimated)
    # rank share that rank, chained by invisible edges in that order. (Leaves outside clusters
    # are left to dot: tying them to one rank widens small pictures.)
    # (Grouped by the node they feed, not by estimated rank: a labelled edge, as draw_chain
    # writes on its path, counts two ranks in the estimate and split a neuron's parameters.)
    # The stops of the edges entering the box there (see _Places.stops) join the chain, each after
    # the parameter before it among the node's inputs (x0's after w0, in a neuron's w·x + b).
    consumer: dict[int, int] = {}
    for k, v in enumerate(g.order):
        for p in v.parents:
            consumer.setdefault(g.idx(p), k)
    siblings: dict[tuple[int | None, int], list[str]] = {}
    for i in g.first:
        holder = owner_container(g.owner[i])
        if box[i] is None and holder is not None and g.vid(i) in rank:
            siblings.setdefault((holder, consumer.get(i, -1)), []).append(g.vid(i))
    # dot puts a flat edge's tail before its head: left of it top to bottom, below it left to right.
    upward = top.graph_attr["rankdir"] in ("LR", "RL")
    for n, (j, stop) in sorted(stops.items()):
        value = re.fullmatch(r"v(\d+)(?:op)?", drawn[n][1])
        chain = siblings.get((j, int(value.group(1)))) if value else None
        if value is None or chain is None:
            continue
        i = int(value.group(1))
        slot = drawn[n][3]
        slots = {g.vid(g.idx(p)): k for k, p in reversed(list(enumerate(g.order[i].parents)))}
        at = max((k + 1 for k, name in enumerate(chain) if name in slots and slots[name] < slot), default=0)
        while at < len(chain) and chain[at] not in slots:  # after the stops already there
            at += 1
        chain.insert(at, stop)
    for (holder, _), members_in_order in siblings.items():
        if len(members_in_order) < 2:
            continue
        if clusters:  # dot's second crossing minimisation over clusters does not keep flat edges' order
            top.graph_attr.setdefault("remincross", "false")
        with container(holder).subgraph() as same:
            same.attr(rank="same")
            for before, after in itertools.pairwise(reversed(members_in_order) if upward else members_in_order):
                same.edge(before, after, style="invis")
    # The boxes a bundle reaches (a layer's neurons) share a rank (only one of them gets the
    # bundle's edge), in the model's order.
    ordered: set[tuple[str, ...]] = set()
    for group in bundles.values():
        heads = tuple(sorted({d for _, d in group.pairs}, key=_node_order))
        holders = {owner_container(g.modules[int(h[1:])].parent) for h in heads if h.startswith("m")}
        if len(heads) < 2 or heads in ordered or len(holders) != 1 or not all(h.startswith("m") for h in heads):
            continue
        holder = holders.pop()
        if holder is None:
            continue
        ordered.add(heads)
        with clusters[holder].subgraph() as same:
            same.attr(rank="same")
            for head in heads:
                same.node(head)
            # In the model's order (dot reverses the rank otherwise): chained like the parameters above.
            for tail, head_ in itertools.pairwise(reversed(heads) if upward else heads):
                same.edge(tail, head_, style="invis")
        top.graph_attr.setdefault("remincross", "false")
    if clusters:
        _arrange_model(g, top, clusters, owner_container, box, edges, upward=upward, titled=titled)
    if bundles:
        top.graph_attr.setdefault("compound", "true")
    for n, (src, dst, attrs, _) in enumerate(drawn):
        if n not in stops:
            top.edge(src, dst, **attrs)
            continue
        # Through its stop (_Places.stops): the first part without an arrowhead or label.
        _, stop = stops[n]
        plain = {a: v for a, v in attrs.items() if a not in ("label", "fontcolor", "lhead")}
        top.edge(src, stop, arrowhead="none", **plain)
        top.edge(stop, dst, **{a: v for a, v in attrs.items() if a != "ltail"})
    # The stops, last in their boxes (written before the chains, they changed dot's start order
    # enough to swap two neurons of MLP(2, [4, 4, 1])).
    for j, stop in stops.values():
        clusters[j].node(stop, label="", shape="point", style="invis", width="0", height="0")
    # Attach clusters innermost first, so each is complete when its parent takes it.
    for j in sorted(clusters, key=lambda j: (-g.modules[j].depth, j)):
        container(owner_container(g.modules[j].parent)).subgraph(clusters[j])
    return top


def _lines_of(
    edges: Sequence[_Edge],
    bundles: Mapping[tuple[str, str], _Bundle],
    first_in: Mapping[int, str],
    style: _Style,
    theme: Style,
) -> list[tuple[str, str, dict[str, str], int]]:
    """The edges as drawn: ``(tail, head, attributes, slot)``, a bundle once (slot -1: no one input)."""
    out: list[tuple[str, str, dict[str, str], int]] = []
    drawn_bundles: set[tuple[str, str]] = set()
    for e in edges:
        key = e.bundle
        if key is not None and key in bundles:
            if key in drawn_bundles:
                continue
            drawn_bundles.add(key)
            group = bundles[key]
            src, dst = _bundle_ends(key, first_in)
            attrs = {"label": _html(f"{group.count} edges"), "penwidth": "2"}
            if key[0].startswith("cluster_"):
                attrs["ltail"] = key[0]
            if key[1].startswith("cluster_"):
                attrs["lhead"] = key[1]
            if group.hot:
                attrs.update(color=theme.hot, penwidth="2.5", fontcolor=theme.hot)
            elif style.dim_others:
                attrs.update(color=theme.dim)
            out.append((src, dst, attrs, -1))
            continue
        out.append((e.src, e.dst, e.attrs, e.slot))
    return out


def _title(j: int) -> str:
    """The node id of module ``j``'s box title."""
    return f"m{j}t"


class _Places:
    """Where each drawn node of a model's picture sits: its innermost cluster (None: top level)."""

    def __init__(
        self, g: _Graph, box: Sequence[int | None], owner_container: Callable[[int | None], int | None]
    ) -> None:
        self.g, self.box, self.owner_container = g, box, owner_container
        self.place: dict[str, int | None] = {}
        for i in range(len(g.order)):
            if box[i] is not None:
                self.place[f"m{box[i]}"] = self.holder_of(i)
            else:
                self.place[g.vid(i)] = self.place[f"{g.vid(i)}op"] = self.holder_of(i)

    def holder_of(self, i: int) -> int | None:
        b = self.box[i]
        return self.owner_container(self.g.owner[i] if b is None else self.g.modules[b].parent)

    def inside(self, name: str, j: int) -> bool:
        k = self.place.get(name)
        while k is not None:
            if k == j:
                return True
            k = self.owner_container(self.g.modules[k].parent)
        return False

    def parent(self, j: int) -> int | None:
        return self.owner_container(self.g.modules[j].parent)

    def leads(self) -> dict[int, str]:
        """Each box with open parameters of its own: its first parameter."""
        lead: dict[int, str] = {}
        for i in self.g.first:
            h = self.holder_of(i)
            if h is not None and self.box[i] is None and self.g.roles[i] == "parameter":
                lead.setdefault(h, self.g.vid(i))
        return lead

    def entry(self, src: str, dst: str, leads: Mapping[int, str]) -> int | None:
        """The innermost box with parameters that an edge from ``src`` enters to reach ``dst`` (or None)."""
        k = self.place.get(dst)
        while k is not None and not self.inside(src, k):
            if k in leads:
                return k
            k = self.parent(k)
        return None

    def stops(self, lines: Sequence[tuple[str, str, Mapping[str, str], int]]) -> dict[int, tuple[int, str]]:
        """The drawn edges (by position in ``lines``) that enter a box with parameters of its own from
        outside: the box, and the name of the stop (``v6in0``) the edge passes through at the box's
        first rank, the rank of its parameters.

        dot draws an edge that spans several ranks through a point on each rank between, and puts
        those points outside every box the edge is not declared in. An edge from an input to a
        neuron's sum (inputs, then the neuron's parameters, then its sum: two ranks on) or from one
        layer's activation to the next layer's sum ran around the outside of the whole layer. Drawn
        in two parts, input to stop (one rank, no arrowhead) and stop to sum (inside the box), it
        runs straight in. In the rank, a stop comes after the parameter before it among the head's
        inputs: x0's after w0 in a neuron's w·x + b.
        """
        leads = self.leads()
        out: dict[int, tuple[int, str]] = {}
        count: dict[str, int] = {}
        for n, (src, dst, _, _) in enumerate(lines):
            j = self.entry(src, dst, leads)
            if j is None:
                continue
            k = count.get(dst, 0)
            count[dst] = k + 1
            stop = f"{dst}in{k}"
            self.place[stop] = j
            out[n] = (j, stop)
        return out

    def bands(self, edges: Sequence[_Edge]) -> list[tuple[str, str]]:
        """``(source, first parameter)`` for every box with open parameters and every node feeding it
        from outside: the invisible edges that give each layer ranks of its own."""
        lead = self.leads()
        out = []
        for j, head in sorted(lead.items()):
            sources: list[str] = []
            for e in edges:
                if self.inside(e.dst, j) and not self.inside(e.src, j) and e.src not in sources:
                    sources.append(e.src)
            out += [(src, head) for src in sources]
        return out


def _arrange_model(
    g: _Graph,
    top: Drawing,
    clusters: Mapping[int, Drawing],
    owner_container: Callable[[int | None], int | None],
    box: Sequence[int | None],
    edges: Sequence[_Edge],
    *,
    upward: bool,
    titled: Collection[int],
) -> None:
    """Rank and order a model's picture so it reads like the network (``newrank``: constraints across boxes).

    - The model's inputs (input leaves outside every box) share the first rank, in their order.
    - A box's parameters come one rank after everything that feeds the box from outside, so each
      layer has ranks of its own (inputs, then layer 0's parameters, sums, activations, then
      layer 1's …) and layers line up rank by rank instead of climbing diagonally.
    - Edges into a box with parameters enter it at that first rank, through stops among the
      parameters (_Places.stops), so they run straight in rather than around the layer.
    - Each box in ``titled`` has its title as a node: left to right at the box's first rank, before
      its first member; top to bottom (where edges now enter a box from above, through its first
      rank) at its last rank, before the member that feeds the world outside (a neuron's
      activation). Sibling boxes that do not feed each other (a layer's neurons) share the rank of
      their titles.
    """
    top.graph_attr.setdefault("newrank", "true")
    top.graph_attr.setdefault("remincross", "false")

    def chain(holder: Drawing, names: Sequence[str], *, edges: bool = True) -> None:
        """``names`` on one rank, in this order by invisible flat edges (``edges``) where dot keeps them.

        dot (2.43, ``newrank``) puts a flat edge's tail before its head: at the top level left of it
        (top to bottom) or above it (left to right); inside a box, left of it or *below* it. It does
        not keep flat edges between nodes of different boxes: their order is the order the boxes
        are written in (see the tests of the model's order).
        """
        if len(names) < 2:
            return
        with holder.subgraph() as same:
            same.attr(rank="same")
            if not edges:
                for name in names:
                    same.node(name)
                return
            flipped = upward and holder is not top
            for a, b in itertools.pairwise(reversed(names) if flipped else names):
                same.edge(a, b, style="invis")

    where = _Places(g, box, owner_container)
    holder_of, inside = where.holder_of, where.inside
    # Inputs first and in order.
    known = set(g.first)
    order = [*g.first, *(i for i in range(len(g.order)) if i not in known)]
    inputs = [g.vid(i) for i in order if g.roles[i] == "input" and box[i] is None and holder_of(i) is None]
    if inputs:
        with top.subgraph() as first:
            first.attr(rank="min")
            for name in inputs:
                first.node(name)
        chain(top, inputs)
    # Each box's leading member: its first parameter, first collapsed box or first child box's anchor;
    # its anchor on its first rank: its title node (left to right), else its leading member.
    lead: dict[int, str] = {}
    for i in g.first:
        h = holder_of(i)
        if h is not None and g.roles[i] == "parameter":
            lead.setdefault(h, f"m{box[i]}" if box[i] is not None else g.vid(i))
    kids: dict[int | None, list[int]] = {}
    for j in sorted(clusters):
        kids.setdefault(owner_container(g.modules[j].parent), []).append(j)
    anchor: dict[int, str] = {}
    for j in sorted(clusters, key=lambda j: -g.modules[j].depth):
        if j in kids and kids[j][0] in anchor:
            lead[j] = anchor[kids[j][0]]
        if j in titled:
            anchor[j] = _title(j)
            if j in lead and (upward or j in kids):  # before a parameter of the box's own; beside a child box's title
                chain(clusters[j], [_title(j), lead[j]], edges=j not in kids)
            elif j in lead:  # top to bottom, beside the member that feeds the world outside, at the box's last rank
                out = next((e.src for e in edges if inside(e.src, j) and not inside(e.dst, j)), lead[j])
                chain(clusters[j], [_title(j), out])
        elif j in lead:
            anchor[j] = lead[j]
    # Parameters after everything feeding their box from outside: one invisible edge per source,
    # weighted so that dot also lines the layers up across the ranks (weight 0 left them climbing:
    # layer centres 1,500 pt apart in MLP(3, [4, 4, 1]) top to bottom, ~200 pt with weight 5).
    for src, head in where.bands(edges):
        top.edge(src, head, style="invis", weight="5")
    # Sibling boxes that do not feed each other share their first rank, in the model's order.
    for holder, js in kids.items():
        run: list[str] = []
        for a, b in itertools.pairwise(js):
            linked = any(
                (inside(e.src, a) and inside(e.dst, b)) or (inside(e.src, b) and inside(e.dst, a)) for e in edges
            )
            if linked or a not in anchor or b not in anchor:
                chain(clusters[holder] if holder is not None else top, run, edges=False)
                run = []
            else:
                run = run or [anchor[a]]
                run.append(anchor[b])
        chain(clusters[holder] if holder is not None else top, run, edges=False)


def _node_order(name: str) -> tuple[str, int]:
    """Sort key of node names: ``m2`` before ``m10``."""
    head = name.rstrip("0123456789")
    tail = name[len(head) :]
    return head, int(tail) if tail else -1


def _cells_size(texts: Sequence[str], size: float) -> tuple[float, float]:
    w = h = 0.0
    for t in texts:
        tw, th = _text_size(t.split("\n"), size)
        w += tw + 9
        h = max(h, th + 9)
    return w, h


def _box_size(rows: Sequence[str], size: float) -> tuple[float, float]:
    w = h = 0.0
    for r in rows:
        tw, th = _text_size(r.split("\n"), size)
        w = max(w, tw + 9)
        h += th + 9
    return w, h


@dataclass
class _Edge:
    src: str
    dst: str
    attrs: dict[str, str]
    label_text: str = ""
    hot: bool = False
    bundle: tuple[str, str] | None = None  # (group of the tail, group of the head) between collapsed boxes
    slot: int = -1  # which input of the head's Value (-1: between collapsed boxes)


@dataclass
class _Bundle:
    count: int = 0  # Value edges carried
    pairs: set[tuple[str, str]] = field(default_factory=set)
    hot: bool = False


def _edges(
    g: _Graph,
    style: _Style,
    box: Sequence[int | None],
    owner_container: Callable[[int | None], int | None],
    theme: Style,
    *,
    inline: bool = False,
) -> list[_Edge]:
    """Every drawn edge, in order; edges between collapsed boxes merged per pair of boxes (with a count).

    With ``inline`` ops the edges go from each input straight to the node (whose first cell is the op).
    """
    out: list[_Edge] = []
    merged: dict[tuple[str, str], _Edge] = {}
    counts: dict[tuple[str, str], int] = {}
    for i, v in enumerate(g.order):
        if v.is_leaf:
            continue
        dst = f"m{box[i]}" if box[i] is not None else g.vid(i) if inline else f"{g.vid(i)}op"
        for k, p in enumerate(v.parents):
            pi = g.idx(p)
            src = f"m{box[pi]}" if box[pi] is not None else g.vid(pi)
            if src == dst:
                continue
            hot = (i, k) in style.hot
            if box[pi] is not None or box[i] is not None:
                counts[(src, dst)] = counts.get((src, dst), 0) + 1
                if (src, dst) in merged:
                    merged[(src, dst)].hot |= hot
                    continue

                def group(node: str, b: int | None) -> str:
                    if b is None:
                        return node
                    holder = owner_container(g.modules[b].parent)
                    return node if holder is None else f"cluster_m{holder}"

                e = _Edge(src, dst, {}, hot=hot, bundle=(group(src, box[pi]), group(dst, box[i])))
                merged[(src, dst)] = e
                out.append(e)
                continue
            attrs: dict[str, str] = {}
            text = ""
            if (i, k) in style.edge_labels:
                text = style.edge_labels[(i, k)]
                attrs["label"] = _html(text)
            if hot:
                attrs.update(color=theme.hot, penwidth="2.5", fontcolor=theme.hot)
            elif style.dim_others:
                attrs.update(color=theme.dim)
            out.append(_Edge(src, dst, attrs, text, hot, slot=k))
        if box[i] is None and not inline:
            attrs = {}
            if any((i, k) in style.hot for k in range(len(v.parents))):
                attrs.update(color=theme.hot, penwidth="2.5")
            elif style.dim_others:
                attrs["color"] = theme.dim
            out.append(_Edge(f"{g.vid(i)}op", g.vid(i), attrs))
    for e in out:
        if e.bundle is None:
            continue
        n = counts[(e.src, e.dst)]
        if n > 1:
            e.attrs["label"] = _html(f"{n} edges")
            e.label_text = f"{n} edges"
        if e.hot:
            e.attrs.update(color=theme.hot, penwidth="2.5", fontcolor=theme.hot)
        elif style.dim_others:
            e.attrs.update(color=theme.dim)
    return out


def _bundles(
    edges: Sequence[_Edge], box: Sequence[int | None], g: _Graph, owner_container: Callable[[int | None], int | None]
) -> dict[tuple[str, str], _Bundle]:
    """Groups of box edges drawn as one edge: between two clusters (layers), or a node and a cluster."""
    groups: dict[tuple[str, str], _Bundle] = {}
    for e in edges:
        if e.bundle is None or e.bundle[0] == e.bundle[1]:
            continue
        if not (e.bundle[0].startswith("cluster_") or e.bundle[1].startswith("cluster_")):
            continue
        b = groups.setdefault(e.bundle, _Bundle())
        b.pairs.add((e.src, e.dst))
        label = e.label_text
        b.count += int(label.split()[0]) if label else 1
        b.hot |= e.hot
    return {k: b for k, b in groups.items() if len(b.pairs) > 1}


def _bundle_ends(key: tuple[str, str], first_in: Mapping[int, str]) -> tuple[str, str]:
    def end(name: str) -> str:
        return first_in[int(name[len("cluster_m") :])] if name.startswith("cluster_") else name

    return end(key[0]), end(key[1])


def _resolve_digits(digits: int | None, precision: int | None) -> int:
    if digits is not None and precision is not None and digits != precision:
        raise ValueError("give digits= (significant digits); precision= is its older name, not both")
    return check_digits(digits if digits is not None else precision if precision is not None else DEFAULT_DIGITS)


def _legend_flag(legend: bool | None) -> bool:
    if legend is not None and not isinstance(legend, bool):
        raise TypeError(f"legend must be True, False or None, got {type(legend).__name__}")
    return legend is not False


def draw_graph(
    root: Value | Sequence[Value],
    *,
    digits: int | None = None,
    style: str | Style = "notebook",
    local_grads: bool = False,
    color: Color = "role",
    legend: bool | None = None,
    vmax: float | None = None,
    names: Names | None = None,
    params: Iterable[Value] = (),
    inputs: Iterable[Value] = (),
    model: ModuleLike | None = None,
    collapse: str | Collection[str] | bool | None = "auto",
    rankdir: str = "auto",
    ops: Literal["inline", "nodes"] = "inline",
    max_nodes: int = DEFAULT_MAX_NODES,
    lanes_shown: int = DEFAULT_SHOWN,
    graph_attr: Mapping[str, Any] | None = None,
    node_attr: Mapping[str, Any] | None = None,
    edge_attr: Mapping[str, Any] | None = None,
    dpi: float | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    precision: int | None = None,
) -> Drawing:
    """Draw the graph that ``root`` was computed from, with each node's data and grad.

    Args:
        root: The output Value (or several outputs).
        digits: Significant digits of every number (default 4:
            :func:`viz.numbers.format_number`), so the DOT text is deterministic.
        style: ``"notebook"``, ``"slide"``, ``"print"`` or ``"dark"`` (:mod:`viz.styles`).
        local_grads: Write the local derivative ``∂child/∂parent`` on every edge.
        color: ``"role"`` fills nodes by role (input, parameter, constant,
            intermediate, output), ``"grad"`` by a diverging blue–white–red scale of the
            gradient's sign and magnitude (a lane Value's by the sum of its gradient
            over the lanes), ``"none"`` plain.
        legend: Show what the colours mean under the caption (default: whenever colour
            carries information); ``False`` hides it.
        vmax: With ``color="grad"``, the absolute gradient shown in full colour (default: the
            largest absolute gradient of a node that is not an output).
        names: Display names for pictures and captions: a mapping from a Value, a
            parameter's dotted name or a label to the name shown (e.g. ``"w¹₂₁"``), or a
            function of the Value returning the name (or None to keep it).
        params: Leaves to draw as parameters (a model's parameters are included).
        inputs: Leaves to draw as inputs, first and in this order (a labelled leaf that
            is not a parameter is an input too; an unlabelled one is a constant).
        model: A model with ``named_modules()``/``named_parameters()``: its modules'
            Values are grouped in labelled clusters, parameters in the model's order.
        collapse: Module class names (``"Neuron"``, ``"Layer"``) or dotted module
            names to draw as one box each (needs ``model``); the edges between two
            groups of boxes are drawn as one edge labelled with their count.
            ``"auto"`` (the default) draws every node when that reads — at most
            ``max_nodes`` nodes and text at least :data:`READABLE_PX` (9) CSS px high
            once the picture is fitted to the style's display (a ~1000 px notebook
            column) — and otherwise the model's finest collapse that does (``Neuron``
            boxes, then ``Layer`` boxes …), saying so in the caption and in
            ``Drawing.auto_collapse``. ``None`` or ``False`` draws every node (and
            refuses a picture over ``max_nodes``). Without ``model``, ``"auto"`` is ``None``.
        rankdir: ``"auto"`` picks top-to-bottom or left-to-right, whichever shows the
            text larger in the style's display; or graphviz's ``"LR"``, ``"TB"`` ….
        ops: ``"inline"`` writes the op that made a Value in the first cell of its node
            (compact: half the levels); ``"nodes"`` draws every op as a small node of its
            own between its inputs and its result.
        max_nodes: Refuse pictures with more drawn nodes than this
            (:class:`GraphTooLargeError` says how to collapse; a model's picture is
            collapsed instead, with ``collapse="auto"``); raise it explicitly to draw a
            larger graph.
        lanes_shown: How many values of a Value holding lanes (and of a lane-wise
            local derivative) are listed; with more lanes, their count and a line with
            their mean, min and max are shown too.
        graph_attr: Graphviz graph attributes; they win over the style's.
        node_attr: Graphviz node attributes (e.g. ``{"fontsize": "14"}``); they win.
        edge_attr: Graphviz edge attributes; they win.
        dpi: Resolution of PNG output (default: the style's, 150 for slides).
        timeout: Seconds graphviz's ``dot`` may take (None: no limit).
        precision: Older name of ``digits``.

    Returns:
        A :class:`~viz.display.Drawing` (a ``graphviz.Digraph``): shown inline in
        Jupyter, ``.source`` is the DOT text, ``.save("g.svg")`` writes a file.

    Raises:
        GraphTooLargeError: with more than ``max_nodes`` drawn nodes (with
            ``collapse="auto"``: even with the model's coarsest collapse).

    >>> from autograd import Value
    >>> a = Value(2.0, label="a")
    >>> dot = draw_graph(a + a).source      # a + a: two edges into the "+" node
    >>> dot.count("v0 -> v1")
    2
    >>> dot = draw_graph(a + a, ops="nodes").source
    >>> dot.count("v0 -> v1op"), dot.count("v1op -> v1")
    (2, 1)
    """
    digits = _resolve_digits(digits, precision)
    look = get_style(style)
    format_lanes(0.0, digits, lanes_shown)  # validates lanes_shown
    auto = _auto_flag(collapse)
    g = _prepare(_roots(root), params=params, inputs=inputs, model=model, names_=names)
    grads = [v.grad for v in g.order]
    base = _Style(
        data=[format_lanes(v.data, digits, lanes_shown) for v in g.order],
        grad=[format_lanes(x, digits, lanes_shown) for x in grads],
        fill=_fills(g, color, grads, look, vmax),
    )
    if local_grads:
        base.edge_labels = {
            (i, k): format_lanes(d, digits, lanes_shown)
            for i, v in enumerate(g.order)
            for k, d in enumerate(v.local_grads)
        }

    def draw(level: str | Collection[str] | None, caption: str = "") -> Drawing:
        drawn = dataclasses.replace(base, caption=caption)
        if _legend_flag(legend):
            drawn.legend = _legend(g, color, grads, look, digits=digits, vmax=vmax, collapse=level)
        return _emit(
            g,
            drawn,
            digits=digits,
            look=look,
            rankdir=_default_rankdir(rankdir, look),
            collapse=level,
            max_nodes=max_nodes,
            lanes_shown=lanes_shown,
            graph_attr=graph_attr,
            node_attr=node_attr,
            edge_attr=edge_attr,
            dpi=dpi,
            timeout=timeout,
            ops=ops,
        )

    if not auto or not g.modules:
        return draw(None if auto or collapse is False else collapse)  # type: ignore[arg-type]
    return _draw_readable(g, draw, look)


def _auto_flag(collapse: object) -> bool:
    """Whether ``collapse`` asks for the automatic choice (``"auto"``); checks its type."""
    if collapse is True:
        raise ValueError("collapse=True does not say what to collapse: name module classes, or pass 'auto'")
    return isinstance(collapse, str) and collapse == "auto"


def _levels(g: _Graph) -> list[tuple[str, ...]]:
    """The ways to collapse a model, finest first: the module classes at each depth, deepest first."""
    by_depth: dict[int, set[str]] = {}
    for m in g.modules:
        if m.name:
            by_depth.setdefault(m.depth, set()).add(m.kind)
    return [tuple(sorted(by_depth[d])) for d in sorted(by_depth, reverse=True)]


def _draw_readable(g: _Graph, draw: Callable[..., Drawing], look: Style) -> Drawing:
    """Every node if that reads (text ≥ :data:`READABLE_PX` in ``look``'s display and at most
    ``max_nodes`` nodes), else the finest collapse that does (the coarsest one that can be drawn,
    if none reads), saying so in the caption and in ``Drawing.auto_collapse``."""
    why = ""
    refused: GraphTooLargeError | None = None
    try:
        full = draw(None)
    except GraphTooLargeError as exc:
        refused, why = exc, exc.reason
    else:
        if full.text_px is None or full.text_px >= READABLE_PX:
            return full
        why = f"{full.node_count} nodes and text about {full.text_px:.0f} px high in {_display(look)}"
    levels = _levels(g)
    best: Drawing | None = None
    for k, level in enumerate(levels):
        names = " and ".join(level)
        caption = (  # two lines: _wrap breaks lines only at the operators of a chain
            f"Collapsed to {names} boxes to fit: with every node it would have {why};\n"
            "pass collapse=None to draw every node."
        )
        try:
            best = draw(level, caption)
        except GraphTooLargeError as exc:
            refused = exc
            continue
        best.auto_collapse = ", ".join(level)
        if best.text_px is None or best.text_px >= READABLE_PX or k == len(levels) - 1:
            return best
    if best is not None:
        return best
    if refused is None:  # no level was tried (a model without modules to collapse)
        raise RuntimeError("collapse='auto' found no module level to draw")
    raise refused


def _display(look: Style) -> str:
    width, height = look.fit
    px = f"{width * 4 / 3:.0f} px"
    return f"a {px} column" if height is None else f"a {px} × {height * 4 / 3:.0f} px display"


def _default_rankdir(rankdir: str, look: Style) -> str:
    """Slides read top to bottom; other styles pick the orientation that fits."""
    _check_rankdir(rankdir)
    return "TB" if rankdir == "auto" and look.name == "slide" else rankdir
