"""The options object of every drawing, and the refusal of pictures too large to draw.

:class:`Options` is what a caller chooses about a picture (digits, style, orientation, collapse,
limits, colour, graphviz attributes), checked once by :meth:`Options.make` and read by every
stage (:mod:`viz.marks`, :mod:`viz.emit`). :func:`refuse_early` refuses a graph too large to
draw before it is walked; :func:`too_large` words the refusal of a picture with too many nodes.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import textwrap
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, TypeVar, Unpack

from autograd import Value
from viz.colour import Scale, check_scale
from viz.display import DEFAULT_TIMEOUT, check_dpi, check_timeout
from viz.marks import Color
from viz.numbers import DEFAULT_DIGITS, DEFAULT_SHOWN, check_digits, format_lanes
from viz.scene import Scene, count_values
from viz.styles import Style, get_style

__all__ = [
    "CHAIN_WALK",
    "DEFAULTS",
    "DEFAULT_MAX_NODES",
    "LAYOUT_CELLS_PER_NODE",
    "MODEL_WALK",
    "OPTION_DOCS",
    "Collapse",
    "DrawOptions",
    "GraphTooLargeError",
    "Ops",
    "Options",
    "check_option_names",
    "graphviz_attrs",
    "refuse_early",
    "takes_options",
    "too_large",
]

#: Above this many drawn nodes the drawing functions refuse (unless ``max_nodes=`` is raised).
DEFAULT_MAX_NODES = 200

#: dot lays out the nodes plus a point per rank crossed by each long edge; its time grows fast
#: with their number (a 20-level ``tanh(y*w + b)`` chain: 3,700 cells, 25 s). Pictures needing
#: more than this many cells per allowed node (3,000 for ``max_nodes=200``) are refused.
LAYOUT_CELLS_PER_NODE = 15

#: How many Values a graph may have for :func:`viz.draw_chain` to look for the paths in it (times
#: ``max_nodes``): the paths of a large graph may make a small picture, but walking a graph of
#: millions of Values only to refuse it would take longer than the user's patience.
CHAIN_WALK = 100

#: As :data:`CHAIN_WALK`, for a model's graph (whose picture ``collapse="auto"`` can make small).
MODEL_WALK = 2000


Collapse = str | tuple[str, ...] | None
Ops = Literal["inline", "nodes"]


class GraphTooLargeError(ValueError):
    """The picture would have more nodes than ``max_nodes``; the message says how to draw it.

    ``nodes`` is the number of nodes the picture would have had, ``reason`` says in a few
    words what was too large ("407 nodes, more than max_nodes=200").
    """

    nodes: int | None = None
    reason: str = "too large"


class DrawOptions(TypedDict, total=False):
    """The keyword arguments :func:`viz.draw_graph` and :func:`viz.draw_chain` share: how a picture
    looks, how it is laid out, and how large it may be. Each is checked by :meth:`Options.make`;
    :data:`DEFAULTS` gives the default of each, :data:`OPTION_DOCS` what it means (both functions'
    signatures and docstrings are made from these: :func:`takes_options`)."""

    digits: int | None
    style: str | Style
    color: Color
    legend: bool | None
    vmax: float | None
    scale: Scale
    rankdir: str
    ops: Ops
    max_nodes: int
    lanes_shown: int
    graph_attr: Mapping[str, Any] | None
    node_attr: Mapping[str, Any] | None
    edge_attr: Mapping[str, Any] | None
    dpi: float | None
    timeout: float | None


#: The default of every drawing option (:class:`DrawOptions`).
DEFAULTS: DrawOptions = {
    "digits": None,
    "style": "notebook",
    "color": "role",
    "legend": None,
    "vmax": None,
    "scale": "auto",
    "rankdir": "auto",
    "ops": "inline",
    "max_nodes": DEFAULT_MAX_NODES,
    "lanes_shown": DEFAULT_SHOWN,
    "graph_attr": None,
    "node_attr": None,
    "edge_attr": None,
    "dpi": None,
    "timeout": DEFAULT_TIMEOUT,
}

#: What each drawing option means, as the drawing functions' docstrings give it (Google style).
OPTION_DOCS: dict[str, str] = {
    "digits": "Significant digits of every number (default 4: :func:`viz.numbers.format_number`), "
    "so the DOT text is deterministic.",
    "style": '``"notebook"``, ``"slide"``, ``"print"`` or ``"dark"``, or a :class:`~viz.styles.Style` '
    "(:mod:`viz.styles`).",
    "color": '``"role"`` fills nodes by role (input, parameter, constant, intermediate, output), '
    '``"grad"`` by a diverging blue–white–red scale of the gradient\'s sign and magnitude (a lane '
    'Value\'s by the sum of its gradient over the lanes), ``"none"`` plain.',
    "legend": "Show what the colours mean under the caption (default: whenever colour carries "
    "information); ``False`` hides it.",
    "vmax": 'With ``color="grad"``, the absolute gradient shown in full colour (default: the largest '
    "absolute gradient of a node that is not an output).",
    "scale": 'With ``color="grad"``: ``"auto"`` (the default) colours by log-magnitude when the '
    'gradients span more than 2 decades (vanishing or exploding gradients), else linearly; ``"linear"`` '
    'or ``"log"`` force one. The legend gives the scale and its range (:mod:`viz.colour`).',
    "rankdir": '``"auto"`` fits the picture to the style\'s display: the orientation (and, for a long '
    "chain, the fold) whose text is shown largest, measured with ``dot`` (:mod:`viz.wrap`); or "
    'graphviz\'s ``"LR"``, ``"TB"``, ``"RL"``, ``"BT"``.',
    "ops": '``"inline"`` writes the op that made a Value in the first cell of its node (compact: half '
    'the levels); ``"nodes"`` draws every op as a small node of its own between its inputs and its result.',
    "max_nodes": "Refuse pictures with more drawn nodes than this (:class:`GraphTooLargeError` says how "
    'to collapse; a model\'s picture is collapsed instead, with ``collapse="auto"``); raise it '
    "explicitly to draw a larger graph.",
    "lanes_shown": "How many values of a Value holding lanes (and of a lane-wise local derivative) are "
    "listed; with more lanes, their count and a line with their mean, min and max are shown too.",
    "graph_attr": "Graphviz graph attributes; they win over the style's.",
    "node_attr": 'Graphviz node attributes (e.g. ``{"fontsize": "14"}``); they win over the style\'s.',
    "edge_attr": "Graphviz edge attributes; they win over the style's.",
    "dpi": "Resolution of PNG output (default: the style's, 150 for slides).",
    "timeout": "Seconds graphviz's ``dot`` may take (None: no limit).",
}


def check_option_names(given: Mapping[str, object]) -> None:
    """Refuse a keyword that is not a drawing option (:class:`DrawOptions`), naming it and the nearest one.

    Raises:
        TypeError: for an unknown name (``digts``: "did you mean 'digits'?").
    """
    for name in given:
        if name not in DEFAULTS:
            near = difflib.get_close_matches(name, DEFAULTS, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise TypeError(
                f"unexpected keyword argument {name!r}{hint}: the drawing options are {', '.join(DEFAULTS)}"
            )


F = TypeVar("F", bound=Callable[..., Any])


def takes_options(func: F) -> F:
    """Give ``func``, a drawing function taking ``**options: Unpack[DrawOptions]``, the drawing
    options as keyword-only parameters of its signature (what :func:`help` and
    :func:`inspect.signature` show, with their types and defaults) and in its docstring: the entry
    ``**options:`` of its ``Args:`` (with its continuation lines) is replaced by one entry per option,
    from :data:`OPTION_DOCS`."""
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    for name, default in DEFAULTS.items():
        hint = DrawOptions.__annotations__[name]
        hint = getattr(hint, "__forward_arg__", hint)  # as written, like the other parameters' annotations
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hint))
    setattr(func, "__signature__", sig.replace(parameters=params))  # noqa: B010  # a function's attribute
    if not func.__doc__:  # python -OO: no docstrings
        return func
    lines = func.__doc__.split("\n")
    at = next((k for k, line in enumerate(lines) if line.lstrip().startswith("**options:")), None)
    if at is None:
        raise ValueError(f"{func.__name__}'s docstring has no '**options:' entry for the drawing options")
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    end = at + 1
    while end < len(lines) and lines[end].startswith(indent + " "):  # the entry's continuation lines
        end += 1
    entries = []
    for name, text in OPTION_DOCS.items():
        entries += textwrap.wrap(f"{name}: {text}", 92, initial_indent=indent, subsequent_indent=indent + "    ")
    lines[at:end] = entries
    func.__doc__ = "\n".join(lines)
    return func


@dataclass(frozen=True)
class Options:
    """Everything a caller chooses about a picture; build it with :meth:`make`, which checks each.

    Attributes:
        digits: Significant digits of every number.
        style: The look (:mod:`viz.styles`).
        rankdir: ``"auto"`` (the orientation whose text reads largest in the style's display), or
            graphviz's ``"LR"``, ``"TB"``, ``"RL"``, ``"BT"``.
        collapse: Module classes or dotted names drawn as one box each (None: none).
        max_nodes: Refuse pictures with more drawn nodes than this.
        lanes_shown: How many values of a lane Value are listed.
        ops: ``"inline"`` (the op in the first cell of its result) or ``"nodes"`` (a node per op).
        color: Node fill: ``"role"``, ``"grad"`` or ``"none"``.
        vmax: With ``color="grad"``, the absolute gradient in full colour (None: the largest).
        scale: With ``color="grad"``: ``"linear"``, ``"log"`` (log-magnitude, for vanishing
            and exploding gradients) or ``"auto"`` (log when they span more than 2 decades;
            :mod:`viz.colour`).
        legend: Show what the colours mean.
        graph_attr: Graphviz graph attributes, winning over the style's.
        node_attr: Graphviz node attributes, winning over the style's.
        edge_attr: Graphviz edge attributes, winning over the style's.
        dpi: Resolution of PNG output (None: the style's).
        timeout: Seconds ``dot`` may take (None: no limit).
    """

    digits: int = DEFAULT_DIGITS
    style: Style = field(default_factory=lambda: get_style("notebook"))
    rankdir: str = "auto"
    collapse: Collapse = None
    max_nodes: int = DEFAULT_MAX_NODES
    lanes_shown: int = DEFAULT_SHOWN
    ops: Ops = "inline"
    color: Color = "role"
    vmax: float | None = None
    scale: Scale = "auto"
    legend: bool = True
    graph_attr: Mapping[str, str] = field(default_factory=dict)
    node_attr: Mapping[str, str] = field(default_factory=dict)
    edge_attr: Mapping[str, str] = field(default_factory=dict)
    dpi: float | None = None
    timeout: float | None = DEFAULT_TIMEOUT

    @classmethod
    def make(cls, *, collapse: str | Collection[str] | None = None, **given: Unpack[DrawOptions]) -> Options:
        """Options from the drawing functions' arguments (:class:`DrawOptions`, defaults
        :data:`DEFAULTS`), each checked (a ValueError or TypeError names it).

        ``rankdir="auto"`` picks the orientation whose text reads largest in the style's
        display (a 16:9 slide for the slide style).
        """
        check_option_names(given)
        o = DrawOptions(**DEFAULTS)
        o.update(given)
        digits = check_digits(DEFAULT_DIGITS if o["digits"] is None else o["digits"])
        look = get_style(o["style"])
        lanes_shown, rankdir, max_nodes = o["lanes_shown"], o["rankdir"], o["max_nodes"]
        ops, color, vmax, legend, dpi, timeout = o["ops"], o["color"], o["vmax"], o["legend"], o["dpi"], o["timeout"]
        format_lanes(0.0, digits, lanes_shown)  # validates lanes_shown
        if rankdir not in ("auto", "LR", "RL", "TB", "BT"):
            raise ValueError(f"rankdir must be 'auto' or one of LR, RL, TB, BT, got {rankdir!r}")
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
        if ops not in ("nodes", "inline"):
            raise ValueError(f"ops must be 'inline' or 'nodes', got {ops!r}")
        if color not in ("role", "grad", "none"):
            raise ValueError(f"color must be 'role', 'grad' or 'none', got {color!r}")
        if vmax is not None and (
            isinstance(vmax, bool) or not isinstance(vmax, int | float) or not vmax > 0 or vmax == float("inf")
        ):
            raise ValueError(f"vmax must be a positive finite number, got {vmax!r}")
        if legend is not None and not isinstance(legend, bool):
            raise TypeError(f"legend must be True, False or None, got {type(legend).__name__}")
        if dpi is not None:
            check_dpi(dpi)
        check_timeout(timeout)
        return cls(
            digits=digits,
            style=look,
            rankdir=rankdir,
            collapse=_collapse_arg(collapse),
            max_nodes=max_nodes,
            lanes_shown=lanes_shown,
            ops="inline" if ops == "inline" else "nodes",
            color=color,
            vmax=None if vmax is None else float(vmax),
            scale=check_scale(o["scale"]),
            legend=legend is not False,
            graph_attr=graphviz_attrs("graph_attr", o["graph_attr"]),
            node_attr=graphviz_attrs("node_attr", o["node_attr"]),
            edge_attr=graphviz_attrs("edge_attr", o["edge_attr"]),
            dpi=dpi,
            timeout=timeout,
        )

    def but(self, **changes: Any) -> Options:
        """A copy with ``changes`` (e.g. ``collapse=("Neuron",)`` for one level of ``collapse="auto"``)."""
        return dataclasses.replace(self, **changes)


def _collapse_arg(collapse: object) -> Collapse:
    if collapse is None:
        return None
    if isinstance(collapse, str):
        return collapse
    if isinstance(collapse, Collection):
        for w in collapse:
            if not isinstance(w, str):
                raise TypeError(f"collapse must be a str or a collection of str, got an item {w!r}")
        return tuple(collapse)
    raise TypeError(f"collapse must be a str or a collection of str, got {type(collapse).__name__}")


def too_large(g: Scene | None, n_drawn: int, max_nodes: int, *, more: bool = False) -> GraphTooLargeError:
    """The refusal of a picture of ``n_drawn`` nodes (``more``: at least that many; the count stopped there)."""
    kinds = sorted({m.kind for m in g.modules if m.name}) if g is not None else []
    if kinds:
        how = "pass " + " or ".join(f"collapse={k!r}" for k in kinds[:3]) + " to draw each such module as one box"
    else:
        how = "draw a smaller graph, or the derivative chain to one input (viz.draw_chain)"
    count = f"more than {n_drawn - 1}" if more else f"{n_drawn}"
    anyway = "raise max_nodes" if more else f"pass max_nodes={n_drawn}"
    error = GraphTooLargeError(
        f"the picture would have {count} nodes, more than max_nodes={max_nodes} (too many to read, and dot may "
        f"take minutes): {how}, or {anyway} to draw it anyway"
    )
    error.nodes, error.reason = n_drawn, f"{count} nodes, more than max_nodes={max_nodes}"
    return error


def refuse_early(roots: Sequence[Value], walk: int, options: Options, model: bool) -> None:
    """Refuse a graph too large to draw before anything is formatted or laid out.

    The Values are counted no further than ``walk`` (:func:`viz.scene.count_values`), so the
    refusal of a graph of millions of Values costs as much as a walk of ``walk`` Values. Without
    a model every Value is a drawn node, so ``walk`` is ``options.max_nodes`` for a picture of the
    whole graph; a model's picture (boxes) or a chain's (its paths) may be smaller than the graph,
    and the caller gives a larger ``walk``.

    Raises:
        GraphTooLargeError: with more than ``walk`` Values.
    """
    n = count_values(roots, walk)
    if n <= walk:
        return
    if walk == options.max_nodes:
        error = too_large(None, n, options.max_nodes, more=True)
    else:
        how = "collapse= its modules" if model else "draw a part of it (viz.draw_chain to one input)"
        error = GraphTooLargeError(
            f"the graph has more than {walk} Values, too many to look through for a picture of at most "
            f"max_nodes={options.max_nodes} nodes: {how}, or raise max_nodes"
        )
        error.nodes, error.reason = n, f"more than {walk} Values"
    raise error


def graphviz_attrs(what: str, given: Mapping[str, Any] | None) -> dict[str, str]:
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
