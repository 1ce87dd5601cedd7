"""`steps`: the forward and backward passes as a sequence of pictures.

Frames first follow the forward pass in topological order (each node's value appears),
then a seed frame (``∂root/∂root = 1``), then the backward pass in reverse topological
order: one frame per edge, the edge being applied highlighted and the caption showing
``parent.grad += local × node.grad`` with the running sum. The gradients are computed
for the frames (the Values' own ``.grad`` are not touched), starting from zero.

Lanes: values, gradients and local derivatives that hold lanes are shown as in
:func:`~viz.graph.draw_graph` (a few values, the count, mean/min/max). An output
holding lanes is seeded with 1 in every lane (the gradient of the sum of its lanes),
and where lanes meet a scalar parent (a parameter) its gradient receives the sum over
the lanes, as in the engine; the caption says so.

In Jupyter a :class:`Steps` displays as a slider (with a play button) when ipywidgets
is installed, and as the static sequence of pictures otherwise; :meth:`Steps.save`
writes the frames to a folder.
"""

from __future__ import annotations

import html
import os
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

from autograd import Value
from viz.display import INSTALL_HINT, DotNotFoundError, Drawing, format_for
from viz.graph import DEFAULT_MAX_NODES, ROLE_COLORS, ModuleLike, _emit, _Graph, _op_text, _prepare, _roots, _Style
from viz.numbers import DEFAULT_SHOWN, fixed_lanes, is_lanes, short, short_lanes

__all__ = ["DEFAULT_MAX_FRAMES", "Frame", "Steps", "steps"]

#: :func:`steps` refuses graphs that would need more frames than this.
DEFAULT_MAX_FRAMES = 2000

_FOCUS = "#f9e79f"  # fill of the node a frame is about


@dataclass(frozen=True)
class Frame:
    """One picture of the step-through.

    Attributes:
        index: Position in the sequence (0-based).
        phase: ``"forward"`` or ``"backward"``.
        caption: What happens in this step, in words and numbers.
        node: Index (``v<node>``) of the node the step is about.
        edge: For a backward step, ``(child, slot, parent)`` node indices of the edge
            being applied; None otherwise.
        data: The data shown per node (None: not computed yet): a float, or lanes.
        grads: The gradient shown per node (None: not reached yet): a float, or lanes.
    """

    index: int
    phase: Literal["forward", "backward"]
    caption: str
    node: int
    edge: tuple[int, int, int] | None
    data: tuple[Any, ...]
    grads: tuple[Any, ...]


class Steps(Sequence[Frame]):
    """The frames of a forward and backward pass; index it, iterate it, draw or save it."""

    def __init__(
        self,
        g: _Graph,
        frames: list[Frame],
        *,
        precision: int,
        rankdir: str,
        collapse: str | Collection[str] | None,
        max_nodes: int,
        lanes_shown: int = DEFAULT_SHOWN,
    ) -> None:
        self._g = g
        self._frames = frames
        self._precision = precision
        self._lanes_shown = lanes_shown
        self._rankdir = rankdir
        self._collapse = collapse
        self._max_nodes = max_nodes
        self._svg: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._frames)

    @overload
    def __getitem__(self, i: int) -> Frame: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Frame]: ...
    def __getitem__(self, i: int | slice) -> Frame | Sequence[Frame]:
        return self._frames[i]

    def __iter__(self) -> Iterator[Frame]:
        return iter(self._frames)

    def draw(self, i: int) -> Drawing:
        """The picture of frame ``i``."""
        f = self._frames[i]
        g = self._g
        fill = []
        for j, role in enumerate(g.roles):
            if j == f.node:
                fill.append(_FOCUS)
            elif f.data[j] is None:
                fill.append("#ffffff")
            else:
                fill.append(ROLE_COLORS[role])
        shown = self._lanes_shown
        style = _Style(
            data=[None if x is None else fixed_lanes(x, self._precision, shown) for x in f.data],
            grad=[
                ("" if f.phase == "forward" else None) if x is None else fixed_lanes(x, self._precision, shown)
                for x in f.grads
            ],
            fill=fill,
            emphasis={f.node},
            caption=f"step {f.index + 1}/{len(self)} ({f.phase}): {f.caption}",
            show_ids=True,  # the captions cite unlabelled nodes as v0, v1, …
        )
        if f.edge is not None:
            child, slot, _ = f.edge
            style.hot = {(child, slot)}
            style.edge_labels = {(child, slot): fixed_lanes(g.order[child].local_grads[slot], self._precision, shown)}
        return _emit(
            g,
            style,
            precision=self._precision,
            rankdir=self._rankdir,
            collapse=self._collapse,
            max_nodes=self._max_nodes,
            stacklevel=4,
            lanes_shown=shown,
        )

    def svg(self, i: int) -> str:
        """Frame ``i`` as SVG text (cached).

        Raises:
            DotNotFoundError: if graphviz's ``dot`` program is missing.
        """
        if i not in self._svg:
            self._svg[i] = self.draw(i).svg()
        return self._svg[i]

    def save(self, folder: str | os.PathLike[str], format: str = "svg") -> list[Path]:
        """Write every frame to ``folder`` as ``frame_000.svg``, ``frame_001.svg`` … (created if needed).

        Args:
            folder: The directory to write to.
            format: ``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"``.

        Returns:
            The paths written, in frame order.

        Raises:
            ValueError: for an unknown format.
            DotNotFoundError: for a rendered format when ``dot`` is missing.
        """
        fmt = format_for(f"x.{format}")
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        width = max(3, len(str(len(self) - 1)))
        paths = []
        for i in range(len(self)):
            paths.append(self.draw(i).save(out / f"frame_{i:0{width}d}.{'dot' if fmt == 'dot' else format}"))
        return paths

    def _frame_html(self, i: int) -> str:
        caption = html.escape(self.draw(i).caption)
        try:
            body = self.svg(i)
        except DotNotFoundError:
            body = f"<pre>{html.escape(self.draw(i).source)}</pre>"
        return f"<div><p>{caption}</p>{body}</div>"

    def static_html(self) -> str:
        """Every frame one below the other (SVG, or DOT text when ``dot`` is missing), as HTML."""
        parts = [self._frame_html(i) for i in range(len(self))]
        try:
            self.svg(0)
        except DotNotFoundError:
            parts.insert(0, f"<p>{html.escape(INSTALL_HINT)}</p>")
        return "\n".join(parts)

    def widget(self) -> Any:
        """A slider with a play button over the frames (needs ipywidgets).

        Raises:
            ImportError: if ipywidgets is not installed.
        """
        import ipywidgets

        slider = ipywidgets.IntSlider(value=0, min=0, max=len(self) - 1, description="step")
        play = ipywidgets.Play(value=0, min=0, max=len(self) - 1, interval=700)
        ipywidgets.jslink((play, "value"), (slider, "value"))
        view = ipywidgets.HTML(value=self._frame_html(0))

        def show(change: dict[str, Any]) -> None:
            view.value = self._frame_html(int(change["new"]))

        slider.observe(show, names="value")
        return ipywidgets.VBox([ipywidgets.HBox([play, slider]), view])

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Jupyter display: the slider when ipywidgets is available, else the static sequence."""
        try:
            w = self.widget()
        except ImportError:
            return {"text/html": self.static_html(), "text/plain": repr(self)}
        bundle: dict[str, Any] = w._repr_mimebundle_(include=include, exclude=exclude)
        return bundle

    def __repr__(self) -> str:
        n_fwd = sum(1 for f in self._frames if f.phase == "forward")
        return f"Steps({len(self)} frames: {n_fwd} forward, {len(self) - n_fwd} backward)"


def _term(x: Any) -> str:
    text = short_lanes(x)
    return f"({text})" if text.startswith("-") else text


def _call(g: _Graph, i: int) -> str:
    """``v5 = v3 × W2 = 0.06``: the forward step that made node ``i``."""
    v = g.order[i]
    args = [g.name(g.idx(p)) for p in v.parents]
    op = _op_text(v)
    if v.op in _INFIX and len(args) == 2:
        expr = f"{args[0]} {op} {args[1]}"
    elif v.op == "pow" and v.param is not None:
        expr = f"{args[0]}**{_term(v.param)}"
    elif v.op == "rpow" and v.param is not None:
        expr = f"{_term(v.param)}**{args[0]}"
    else:
        expr = f"{v.op if v.op in ('sum', 'dot') else op}({', '.join(args)})"
    return f"{g.name(i)} = {expr} = {short_lanes(v.data)}"


_INFIX = ("add", "sub", "mul", "div", "powv")


def steps(
    root: Value,
    *,
    precision: int = 4,
    params: Sequence[Value] = (),
    inputs: Sequence[Value] = (),
    model: ModuleLike | None = None,
    collapse: str | Collection[str] | None = None,
    rankdir: str = "LR",
    max_nodes: int = DEFAULT_MAX_NODES,
    max_frames: int = DEFAULT_MAX_FRAMES,
    lanes_shown: int = DEFAULT_SHOWN,
) -> Steps:
    """The forward pass, then the backward pass, of ``root``'s graph as frames.

    Args:
        root: The output Value.
        precision: Decimals of the numbers drawn.
        params: Leaves to draw as parameters.
        inputs: Leaves to draw as inputs.
        model: Group the Values by module, as in :func:`~viz.graph.draw_graph`.
        collapse: Modules to draw as one box each (needs ``model``).
        rankdir: Graphviz layout direction.
        max_nodes: Warn above this many drawn nodes.
        max_frames: Refuse graphs needing more frames than this (one per node, one
            seed frame, one per edge).
        lanes_shown: How many values of a lane Value are listed in the pictures.

    Returns:
        A :class:`Steps` sequence of :class:`Frame`.

    Raises:
        ValueError: if the graph needs more than ``max_frames`` frames.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> s = steps(x * 3.0)
    >>> [f.phase for f in s]
    ['forward', 'forward', 'forward', 'backward', 'backward', 'backward']
    >>> print(s[-1].caption)
    v1.grad += ∂v2/∂v1 × v2.grad = 2 × 1 = 2; running sum 0 + 2 = 2
    """
    fixed_lanes(0.0, precision, lanes_shown)  # validates precision and lanes_shown
    (r,) = _roots(root)
    g = _prepare([r], params=params, inputs=inputs, model=model)
    n = len(g.order)
    n_frames = n + 1 + sum(len(v.parents) for v in g.order)
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or n_frames > max_frames:
        raise ValueError(
            f"this graph needs {n_frames} frames ({n} nodes and their edges), more than max_frames={max_frames}; "
            "step through a smaller graph or raise max_frames"
        )
    frames: list[Frame] = []
    data: list[Any] = [None] * n
    grads: list[Any] = [None] * n

    def add(phase: Literal["forward", "backward"], caption: str, node: int, edge: tuple[int, int, int] | None) -> None:
        frames.append(Frame(len(frames), phase, caption, node, edge, tuple(data), tuple(grads)))

    for i, v in enumerate(g.order):
        data[i] = v.data
        if v.is_leaf:
            add("forward", f"{g.name(i)} = {short_lanes(v.data)} ({g.roles[i]})", i, None)
        else:
            add("forward", _call(g, i), i, None)
    root_i = g.idx(r)
    name = g.name(root_i)
    if r.lanes is None:
        grads[root_i] = 1.0
        add("backward", f"{name}.grad = ∂{name}/∂{name} = 1 (the seed)", root_i, None)
    else:
        import numpy as np

        grads[root_i] = np.ones(r.lanes)
        seed = f"1 in each of its {r.lanes} lanes (the seed, as for {name}.sum())"
        add("backward", f"{name}.grad = ∂{name}/∂{name} = {seed}", root_i, None)
    for i in reversed(range(n)):
        v = g.order[i]
        gi = 0.0 if grads[i] is None else grads[i]
        for k, (p, d) in enumerate(zip(v.parents, v.local_grads, strict=True)):
            pi = g.idx(p)
            before = 0.0 if grads[pi] is None else grads[pi]
            product: Any = d * gi
            applied = f"{_term(d)} × {_term(gi)} = {short_lanes(product)}"
            if p.lanes is None and is_lanes(product):  # lanes meet a scalar: it receives their sum
                product = float(product.sum())  # as the engine sums
                applied += f", summed over the lanes = {short(product)}"
            grads[pi] = before + product
            sep = "\n" if is_lanes(d) or is_lanes(gi) else "; "  # lanes make long lines: the running sum on its own
            add(
                "backward",
                f"{g.name(pi)}.grad += ∂{g.name(i)}/∂{g.name(pi)} × {g.name(i)}.grad = {applied}{sep}"
                f"running sum {short_lanes(before)} + {_term(product)} = {short_lanes(grads[pi])}",
                pi,
                (i, k, pi),
            )
    return Steps(
        g,
        frames,
        precision=precision,
        rankdir=rankdir,
        collapse=collapse,
        max_nodes=max_nodes,
        lanes_shown=lanes_shown,
    )
