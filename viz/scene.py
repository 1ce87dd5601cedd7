"""The scene: which Values a picture draws, their roles, names, modules and collapsed boxes.

The first stage of every drawing (:func:`viz.draw_graph`, :func:`viz.draw_chain`,
:func:`viz.steps` and the player): :func:`build_scene` walks the graph once and gives each
Value an index (topological: parents first), a role (input, parameter, constant,
intermediate, output), the name a picture shows, and the innermost module of a model
that holds it. :func:`boxes_of` says which collapsed module box each Value is drawn in.
The later stages (:mod:`viz.marks`, :mod:`viz.layout`, :mod:`viz.emit`) read a
:class:`Scene` and never walk the graph again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from autograd import Value, topological_order

__all__ = [
    "MAX_LABEL",
    "Module",
    "ModuleLike",
    "Names",
    "Scene",
    "as_roots",
    "boxes_of",
    "build_scene",
    "checked_name",
    "collapse_levels",
    "collapsed_modules",
    "count_values",
    "visible",
]

#: Names longer than this many characters are cut, visibly (``…`` and the full length).
MAX_LABEL = 200

#: Display names: a mapping from a Value (or a parameter's dotted name, or a label) to the
#: name a picture and its caption show, or a function of the Value (returning None: no change).
Names = Mapping[Any, str] | Callable[[Value], "str | None"]


def checked_name(text: str, what: str) -> str:
    r"""``text`` for a label: a NUL is refused, a name longer than :data:`MAX_LABEL` is cut visibly.

    Characters no picture can hold are shown, not passed on to fail in graphviz or in an
    encoder: a control character as its symbol (``"\x1b[31m"`` → ``␛[31m``), a lone
    surrogate or U+FFFE/U+FFFF as its escape (``"bad\udcff"`` → ``bad\udcff``).
    """
    if "\x00" in text:
        raise ValueError(f"{what} {text[:40]!r}… contains a NUL character, which graphviz cannot draw")
    if len(text) > MAX_LABEL:
        text = f"{text[: MAX_LABEL - 1]}… ({len(text)} characters)"
    return visible(text)


_CONTROL_PICTURES = {c: 0x2400 + c for c in range(0x20) if chr(c) not in "\t\n\r"} | {0x7F: 0x2421}


def visible(text: str) -> str:
    r"""``text`` with what XML (so graphviz, SVG) and UTF-8 cannot carry made visible, everything else as written.

    >>> visible("\x1b[31m"), visible("bad\udcff"), visible("ok ✓")
    ('␛[31m', 'bad\\udcff', 'ok ✓')
    """
    text = text.translate(_CONTROL_PICTURES)
    if text.isascii():
        return text
    return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff" else c for c in text)


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


@dataclass
class Module:
    name: str
    kind: str  # the module's class name
    parent: int | None  # index of the enclosing module (None for top level)
    params: list[Value]
    depth: int


@dataclass
class Scene:
    """A graph with ids, roles, names and module membership worked out once."""

    order: list[Value]
    index: dict[int, int]
    roots: list[int]
    roles: list[str]
    names: list[str]  # what the node's label shows ("" for none)
    modules: list[Module] = field(default_factory=list)
    owner: list[int | None] = field(default_factory=list)  # innermost module of each node
    first: list[int] = field(default_factory=list)  # emitted before the rest: inputs, then parameters
    stubs: frozenset[int] = frozenset()  # leaves drawn as a stub at each use (viz.shared)
    # Each node's drawn inputs, worked out on first use: a picture asks for them several times a
    # node (counting what is drawn, the edges, each collapse level tried); never copied by replace().
    _inputs: list[list[tuple[int, int]]] | None = field(default=None, init=False, repr=False, compare=False)

    def vid(self, i: int) -> str:
        return f"v{i}"

    def source(self, pi: int, i: int) -> str:
        """The node an edge from ``pi`` into ``i`` starts at: ``pi``'s, or its stub at ``i`` (``v3u12``)."""
        return f"v{pi}u{i}" if pi in self.stubs else f"v{pi}"

    def name(self, i: int) -> str:
        """A name for captions: the label, the parameter's name, or the node id."""
        return self.names[i] or self.vid(i)

    def idx(self, v: Value) -> int:
        return self.index[id(v)]

    def inputs(self, i: int) -> Sequence[tuple[int, int]]:
        """``(slot, parent index)`` for each input of node ``i`` that the scene draws."""
        if self._inputs is None:
            index = self.index
            self._inputs = [[(k, index[id(p)]) for k, p in enumerate(v.parents) if id(p) in index] for v in self.order]
        return self._inputs[i]

    def left_out(self, i: int) -> list[Value]:
        """The inputs of node ``i`` that the scene does not draw (a chain's view leaves out
        what is off its paths), each once, in order."""
        seen: dict[int, Value] = {}
        for p in self.order[i].parents:
            if id(p) not in self.index:
                seen.setdefault(id(p), p)
        return list(seen.values())


def count_values(roots: Sequence[Value], limit: int) -> int:
    """How many Values ``roots`` were computed from, counting no further than ``limit + 1``.

    The walk stops as soon as the count passes ``limit``, so refusing a graph too large to draw
    costs time in proportion to the limit, not to the graph (10⁶ nodes are refused at once).
    """
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if len(seen) > limit:
            break
        stack.extend(v.parents)
    return len(seen)


def as_roots(root: Value | Sequence[Value]) -> list[Value]:
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


def named_params(module: Any, what: str) -> list[tuple[str, Value]]:
    method = getattr(module, "named_parameters", None)
    if not callable(method):
        raise TypeError(f"{what} has no named_parameters() method (the nn.Module protocol)")
    pairs = list(method())
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], Value)):
            raise TypeError(f"{what}.named_parameters() must give (str, Value) pairs, got {pair!r}")
    return pairs


def _modules_of(model: Any) -> tuple[list[Module], dict[int, tuple[int, str]]]:
    """The model's modules (with nesting) and, per parameter id, (innermost module, local name)."""
    method = getattr(model, "named_modules", None)
    if not callable(method):
        raise TypeError(
            f"model must provide named_modules() and named_parameters() (the nn.Module protocol), "
            f"got {type(model).__name__}"
        )
    entries = list(method())
    names: dict[str, int] = {}
    modules: list[Module] = []
    named: list[list[tuple[str, Value]]] = []  # each module's named_parameters(), asked once
    for k, entry in enumerate(entries):
        if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
            raise TypeError(f"model.named_modules() must give (str, module) pairs, got {entry!r} at position {k}")
        name, module = entry
        if name in names:
            raise ValueError(f"model.named_modules() lists the name {name!r} twice")
        named.append(named_params(module, f"module {name or type(module).__name__!r}"))
        params = [v for _, v in named[-1]]
        parent = None
        best = -1
        for other, j in names.items():  # the longest enclosing name is the parent
            if (other == "" or name.startswith(other + ".")) and name != other and len(other) > best:
                parent, best = j, len(other)
        depth = 0 if parent is None else modules[parent].depth + 1
        names[name] = len(modules)
        modules.append(Module(name, type(module).__name__, parent, params, depth))
    owner: dict[int, tuple[int, str]] = {}
    for j, pairs in enumerate(named):
        for local, p in pairs:
            prev = owner.get(id(p))
            if prev is None or modules[prev[0]].depth < modules[j].depth:
                owner[id(p)] = (j, local)
    return modules, owner


def build_scene(
    roots: list[Value],
    *,
    params: Iterable[Value] = (),
    inputs: Iterable[Value] = (),
    model: ModuleLike | None = None,
    names_: Names | None = None,
    keep: Collection[int] | None = None,
) -> Scene:
    """The scene of the graph ``roots`` were computed from; with ``keep`` (ids of Values), only those
    Values and the roots are drawn (:meth:`Scene.left_out` tells what each node's inputs lost)."""
    order: list[Value] = []
    index: dict[int, int] = {}
    wanted = None if keep is None else set(keep) | {id(r) for r in roots}
    for r in roots:
        for v in topological_order(r):
            if id(v) not in index and (wanted is None or id(v) in wanted):
                index[id(v)] = len(order)
                order.append(v)
    if isinstance(params, Value):
        params = [params]
    if isinstance(inputs, Value):
        inputs = [inputs]
    params, inputs = list(params), list(inputs)
    param_ids = _value_set(params, "params")
    input_ids = _value_set(inputs, "inputs")
    modules: list[Module] = []
    owned: dict[int, tuple[int, str]] = {}
    dotted: dict[int, str] = {}
    if model is not None:
        modules, owned = _modules_of(model)
        param_ids |= set(owned)
        listed = {id(q) for q in params}
        for full, p in named_params(model, "model"):
            dotted.setdefault(id(p), full)
            if id(p) in index and id(p) not in listed:
                listed.add(id(p))
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
    shown = [checked_name(n, "the label") for n in _display_names(order, names, dotted, names_arg=names_)]
    g = Scene(order, index, [index[id(r)] for r in roots], roles, shown, modules)
    g.owner = _assign(g, owned)
    first: dict[int, None] = {}  # an ordered set
    for v in [*inputs, *params]:  # inputs first and in the order given, then parameters in theirs
        i = index.get(id(v))
        if i is not None and order[i].is_leaf:
            first.setdefault(i)
    g.first = list(first)
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


def _assign(g: Scene, owned: Mapping[int, tuple[int, str]]) -> list[int | None]:
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
        if best is None and len(v.parents) == 1 and id(v.parents[0]) in g.index:
            best = owner[g.idx(v.parents[0])]
        owner[i] = best
    return owner


def _common_module(g: Scene, holders: set[int]) -> int | None:
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


def collapsed_modules(g: Scene, collapse: str | Collection[str] | None) -> set[int]:
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


def boxes_of(g: Scene, collapsed: set[int]) -> list[int | None]:
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


def collapse_levels(g: Scene) -> list[tuple[str, ...]]:
    """The ways to collapse a model, finest first: the module classes at each depth, deepest first."""
    by_depth: dict[int, set[str]] = {}
    for m in g.modules:
        if m.name:
            by_depth.setdefault(m.depth, set()).add(m.kind)
    return [tuple(sorted(by_depth[d])) for d in sorted(by_depth, reverse=True)]
