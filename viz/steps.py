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

In Jupyter a :class:`Steps` displays as a self-contained player (:mod:`viz.player`: every
frame's SVG inline, a slider, buttons and a small script; no kernel, no network), also
written by ``save("steps.html")``. Every frame is drawn at one pinned layout
(:mod:`viz.pinned`), so nodes never move. ``save`` also writes an animated GIF, a PDF with
one page per frame, or a folder of frames. A forward frame shows only the values computed
so far and no gradient; a collapsed module's box shows ``?`` until its outputs are known,
and is highlighted when the node a frame is about is inside it.
"""

from __future__ import annotations

import html
import os
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import graphviz

from autograd import Value
from viz.display import (
    FORMATS,
    INSTALL_HINT,
    DotError,
    DotNotFoundError,
    Drawing,
    check_dpi,
    format_for,
    write_atomic,
)
from viz.emit import DEFAULT_MAX_NODES, Options, emit
from viz.export import animated_gif, check_fps, merged_pdf, need
from viz.frame_labels import Sizes, box_label, frame_sizes, relabel, value_labels
from viz.frames import Frame, box_rows, build_frames
from viz.marks import Marks
from viz.numbers import DEFAULT_SHOWN, format_lanes
from viz.pinned import Layout, caption_box, layout, pin, render, render_svgs
from viz.player import PlayerFrame, player_html, player_page
from viz.scene import ModuleLike, Scene, as_roots, boxes_of, build_scene, collapsed_modules, count_values
from viz.slide_frames import SLIDE_ASPECT, plan_slide, wrap_caption
from viz.styles import STYLES, Style, StyleName
from viz.wrap import Fold

__all__ = ["DEFAULT_MAX_FRAMES", "Frame", "Steps", "steps"]

#: :func:`steps` refuses graphs that would need more frames than this: stepping through more
#: is no lesson, and the player of MLP(2, [8, 8, 1]) (356 frames) already takes half a minute
#: of graphviz and 1.7 MB.
DEFAULT_MAX_FRAMES = 400


class Steps(Sequence[Frame]):
    """The frames of a forward and backward pass; index it, iterate it, draw, play or save it."""

    def __init__(
        self,
        g: Scene,
        frames: list[Frame],
        options: Options,
    ) -> None:
        self._g = g
        self._frames = frames
        self._options = options
        self._digits = options.digits
        self._look = options.style
        self._lanes_shown = options.lanes_shown
        self._box = boxes_of(g, collapsed_modules(g, options.collapse))
        self._layout: tuple[Layout, Sizes] | None = None
        self._caption_size: tuple[int, int] | None = None
        self._fold: Fold | None = None  # how slide frames are folded (decided with the layout)
        self._wrap: int | None = None  # slide frames' captions wrapped to this many characters (idem)
        self._beside = False  # slide frames' captions at the right of a tall graph (idem)
        self._svg: dict[tuple[int, bool], str] = {}

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

    # -- one frame's picture ----------------------------------------------------------------

    def caption(self, i: int) -> str:
        """Frame ``i``'s caption as the pictures show it: ``step k/n (phase): …`` (k counts from 1)."""
        f = self._frames[i]
        return f"step {f.index + 1}/{len(self)} ({f.phase}): {f.caption}"

    def _text(self, x: Any) -> str:
        return format_lanes(x, self._digits, self._lanes_shown)

    def _style(self, i: int, *, caption: bool) -> Marks:
        f = self._frames[i]
        g = self._g
        look = self._look
        fill = []
        for j, role in enumerate(g.roles):
            if j == f.node:
                fill.append(look.focus)
            elif f.data[j] is None:
                fill.append(look.roles["intermediate"])  # not computed yet: no role colour
            else:
                fill.append(look.roles[role])
        style = Marks(
            data=[None if x is None else self._text(x) for x in f.data],
            grad=[
                ("" if f.phase == "forward" else None)
                if x is None
                else f"so far {self._text(x)}"
                if j in f.partial
                else self._text(x)
                for j, x in enumerate(f.grads)
            ],
            fill=fill,
            emphasis={f.node},
            caption=self.caption(i) if caption else "",
            show_ids=True,  # the captions cite unlabelled nodes as v0, v1, …
        )
        if f.edge is not None:
            child, slot, _ = f.edge
            style.hot = {(child, slot)}
            style.edge_labels = {(child, slot): self._text(g.order[child].local_grads[slot])}
        return style

    def _box_rows(self, i: int | None, *, variants: bool = False) -> dict[int, list[list[str]]]:
        return box_rows(self._g, self._box, self._frames, i, self._text, variants=variants)

    def _drawing(self, style: Marks, i: int | None, *, sizes: Sizes | None = None) -> Drawing:
        """Frame ``i``'s drawing (None: the widest labels); with ``sizes``, every label at its pinned size."""
        d = emit(self._g, style, self._options, label_nodes=False)  # the same nodes in every frame
        # Relabel: boxes show only what is known in this frame, and pinned pictures give every
        # cell the size it has in every frame.
        f = None if i is None else self._frames[i]
        labels = {}
        for b, rows in self._box_rows(i).items():
            focus = f is None or self._box[f.node] == b
            fill = self._look.focus if focus and f is not None else self._look.module
            texts = [row[0] for row in rows]
            labels[f"m{b}"] = box_label(texts, fill, focus, None if sizes is None else sizes.boxes[b], self._look)
        if sizes is not None:
            labels.update(value_labels(self._g, self._box, style, sizes, self._look))
        if labels:
            d.body[:] = [relabel(line, labels) for line in d.body]
        return d

    def draw(self, i: int) -> Drawing:
        """The picture of frame ``i`` as its own graphviz drawing (laid out on its own; DOT text needs no graphviz)."""
        return self._drawing(self._style(i, caption=True), i)

    # -- the pinned pictures: every frame at the same positions -------------------------------

    def _measure(self) -> Sizes:
        """Each cell's size: the largest over every text it shows in any frame (one ``dot`` run)."""
        return frame_sizes(self._g, self._box, self._frames, self._text, font_size=self._look.fontsize)

    def _widest_style(self) -> Marks:
        """The last frame with every edge labelled: what the layout is made for (cells have their pinned sizes)."""
        g = self._g
        style = self._style(len(self) - 1, caption=False)
        style.edge_labels = {(i, k): self._text(d) for i, v in enumerate(g.order) for k, d in enumerate(v.local_grads)}
        return style

    def _pinned_layout(self) -> tuple[Layout, Sizes]:
        if self._layout is None:
            sizes = self._measure()
            widest = self._drawing(self._widest_style(), None, sizes=sizes)
            if self._look.display == "slide":  # folded and captions wrapped to fill the slide (viz.slide_frames)
                plan = plan_slide(widest, [self.caption(k) for k in range(len(self))], self._look)
                if plan is not None:
                    self._fold, self._wrap, self._caption_size = plan.fold, plan.chars, plan.caption_size
                    self._beside = plan.beside
                    widest = plan.fold.apply(widest) if plan.fold is not None else widest
            self._layout = (layout(widest.source), sizes)
        return self._layout

    def _captions_box(self) -> tuple[int, int]:
        """The box every frame's caption is drawn in (the largest caption's, as drawn)."""
        self._pinned_layout()  # on a slide, the layout decides how captions are wrapped
        if self._caption_size is None:
            self._caption_size = caption_box(
                [wrap_caption(self.caption(k), self._wrap) for k in range(len(self))],
                font_size=self._look.caption_fontsize,
            )
        return self._caption_size

    def pinned_source(self, i: int, *, caption: bool = True) -> str:
        """Frame ``i`` as DOT with every node, edge and box pinned where it is in every other frame.

        Render it with ``neato -n2`` (graphviz). With ``caption``, the caption is drawn above
        the graph in a box as large as the largest caption, so the graph never moves.

        Raises:
            DotNotFoundError: if graphviz's ``dot`` program is missing (the layout needs it).
        """
        at, sizes = self._pinned_layout()
        frame = self._drawing(self._style(i, caption=False), i, sizes=sizes)
        source = (self._fold.apply(frame) if self._fold is not None else frame).source
        if not caption:
            return pin(source, at)
        aspect = SLIDE_ASPECT if self._look.display == "slide" else None  # slide frames fill a 16:9 slide
        return pin(
            source,
            at,
            caption=wrap_caption(self.caption(i), self._wrap),
            caption_size=self._captions_box(),
            aspect=aspect,
            font_size=self._look.caption_fontsize,
            beside=self._beside,
        )

    def render(self, i: int, format: str = "svg", *, caption: bool = True, dpi: float | None = None) -> bytes:
        """Frame ``i`` rendered at the pinned positions, as ``svg``, ``png`` or ``pdf`` bytes.

        Raises:
            DotNotFoundError: if graphviz's ``dot`` program is missing.
        """
        if format not in ("svg", "png", "pdf"):
            raise ValueError(f"format must be 'svg', 'png' or 'pdf', got {format!r}")
        source = self.pinned_source(i, caption=caption)
        if dpi is not None:
            check_dpi(dpi)
            source = source.replace("{", f"{{\n\tdpi={dpi:g}", 1)
        return render(source, format)

    def svg(self, i: int, *, caption: bool = True) -> str:
        """Frame ``i`` as SVG text at the pinned positions (cached).

        Raises:
            DotNotFoundError: if graphviz's ``dot`` program is missing.
        """
        key = (i, caption)
        if key not in self._svg:
            self._svg[key] = self.render(i, "svg", caption=caption).decode("utf-8")
        return self._svg[key]

    # -- files --------------------------------------------------------------------------------

    def save(
        self,
        path: str | os.PathLike[str],
        format: str = "svg",
        *,
        fps: float = 1.0,
        dpi: float = 96.0,
    ) -> list[Path]:
        """Write the step-through: one file by its extension, or a folder of frames.

        - ``steps.html``: the player (:meth:`to_html`), one self-contained file.
        - ``steps.gif``: an animated GIF, ``fps`` frames per second (the last one held
          three times as long), frames rasterised by graphviz at ``dpi`` and assembled
          with Pillow.
        - ``steps.pdf``: one page per frame (for slides), merged with pypdf.
        - anything else is a folder: ``frame_000.svg``, ``frame_001.svg`` … in ``format``
          (``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"``; created if needed).

        Every picture is drawn at the pinned layout, so nodes never move from frame to frame.

        Returns:
            The paths written (the one file, or the frames in order).

        Raises:
            ValueError: for an unknown format, a single picture's extension (``.png``, ``.svg``,
                ``.dot``) that is not a folder, fps outside [0.01, 50] or dpi outside [10, 600].
            DotNotFoundError: for a rendered format when ``dot`` is missing.
            ImportError: for a GIF without Pillow or a PDF without pypdf (``pip install chainrule[export]``).
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix in (".html", ".htm"):
            write_atomic(target, self.to_html(title=target.stem).encode("utf-8"))
            return [target]
        if suffix == ".gif":
            write_atomic(target, self._gif(fps=fps, dpi=dpi))
            return [target]
        if suffix == ".pdf":
            write_atomic(target, self._pdf())
            return [target]
        if suffix in FORMATS and not target.is_dir():
            raise ValueError(
                f"{os.fspath(path)!r} names one {suffix[1:]} file, and a step-through is {len(self)} pictures: "
                "write .html (a player), .gif or .pdf, or give a folder (frames in format=)"
            )
        fmt = format_for(f"x.{format}")
        target.mkdir(parents=True, exist_ok=True)
        width = max(3, len(str(len(self) - 1)))
        paths = []
        for i in range(len(self)):
            out = target / f"frame_{i:0{width}d}.{'dot' if fmt == 'dot' else format}"
            if fmt == "dot":
                self.draw(i).save(out)
            else:
                write_atomic(out, self.render(i, fmt, dpi=dpi if fmt == "png" else None))
            paths.append(out)
        return paths

    def _gif(self, *, fps: float, dpi: float) -> bytes:
        check_fps(fps)
        check_dpi(dpi)
        # A GIF has no partial transparency: a transparent page (slide+dark) goes on the dark panel colour.
        page = STYLES["dark"].background if self._look.dark else "white"
        return animated_gif((self.render(i, "png", dpi=dpi) for i in range(len(self))), fps=fps, page=page)

    def _pdf(self) -> bytes:
        need("pypdf", "pypdf", "a PDF")  # before rendering every frame
        return merged_pdf(self.render(i, "pdf") for i in range(len(self)))

    # -- display ------------------------------------------------------------------------------

    def to_html(self, *, title: str | None = None) -> str:
        """The player: every frame's SVG inline, a slider, buttons and a small script; no network, no kernel.

        With ``title`` the result is a whole HTML document (what :meth:`save` writes), else a
        fragment for a notebook output. Keys when the player has focus: ← → (previous,
        next), Home/End, space (play/pause).

        Raises:
            DotNotFoundError: if graphviz's ``dot`` program is missing.
        """
        missing = [i for i in range(len(self)) if (i, False) not in self._svg]
        if missing:
            for i, svg in zip(
                missing, render_svgs([self.pinned_source(i, caption=False) for i in missing]), strict=True
            ):
                self._svg[(i, False)] = svg
        frames = [
            PlayerFrame(
                svg=self.svg(i, caption=False),
                caption=f.caption,
                phase=f.phase,
                focus=self._focus_name(f),
            )
            for i, f in enumerate(self._frames)
        ]
        dark = self._look.dark
        fragment = player_html(frames, dark=dark, legend=self._legend())
        return fragment if title is None else player_page(fragment, title, dark=dark)

    def _legend(self) -> list[tuple[str, str]]:
        """The player's key: the roles drawn, this step's node, the edge applied, a module's box."""
        look, g = self._look, self._g
        present = {g.roles[j] for j in range(len(g.order)) if self._box[j] is None}
        items = [(role, look.roles[role]) for role in ("input", "parameter", "constant", "intermediate", "output")]
        items = [item for item in items if item[0] in present]
        if any(b is not None for b in self._box):
            items.append(("module (collapsed)", look.module))
        items.append(("this step's node (red border)", look.focus))
        items.append(("the edge applied: red, with its local derivative", look.hot))
        items.append(("“grad so far”: a partial sum", look.roles["intermediate"]))
        return items

    def _focus_name(self, f: Frame) -> str:
        b = self._box[f.node]
        return f"m{b}" if b is not None else self._g.vid(f.node)

    def _frame_html(self, i: int) -> str:
        caption = html.escape(self.caption(i))
        try:
            body = self.svg(i)
        except DotNotFoundError:
            body = f"<pre>{html.escape(self.draw(i).source)}</pre>"
        except DotError as exc:  # dot failed or ran out of time: say so, and show the DOT text
            body = f"<p>{html.escape(str(exc))}</p><pre>{html.escape(self.draw(i).source)}</pre>"
        return f"<div><p>{caption}</p>{body}</div>"

    def static_html(self) -> str:
        """Every frame one below the other (SVG, or DOT text when ``dot`` is missing), as HTML."""
        try:
            self.svg(0)
        except DotNotFoundError:
            parts = [f"<p>{html.escape(INSTALL_HINT)}</p>"]
            parts += [
                f"<div><p>{html.escape(self.caption(i))}</p><pre>{html.escape(self.draw(i).source)}</pre></div>"
                for i in range(len(self))
            ]
            return "\n".join(parts)
        return "\n".join(self._frame_html(i) for i in range(len(self)))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Jupyter display: the player; without graphviz's ``dot``, every frame's DOT text."""
        try:
            body = self.to_html()
        except DotNotFoundError:
            body = self.static_html()
        except (DotError, graphviz.CalledProcessError) as exc:
            reason = f"graphviz failed on this graph ({exc}); here is the DOT text of the first frame"
            body = f"<p>{html.escape(reason)}</p><pre>{html.escape(self.draw(0).source)}</pre>"
        return {"text/html": body, "text/plain": repr(self)}

    def __repr__(self) -> str:
        n_fwd = sum(1 for f in self._frames if f.phase == "forward")
        return f"Steps({len(self)} frames: {n_fwd} forward, {len(self) - n_fwd} backward)"


def steps(
    root: Value,
    *,
    digits: int | None = None,
    style: StyleName | Style = "notebook",
    params: Sequence[Value] = (),
    inputs: Sequence[Value] = (),
    model: ModuleLike | None = None,
    collapse: str | Collection[str] | None = None,
    rankdir: str = "TB",
    max_nodes: int = DEFAULT_MAX_NODES,
    max_frames: int = DEFAULT_MAX_FRAMES,
    lanes_shown: int = DEFAULT_SHOWN,
) -> Steps:
    """The forward pass, then the backward pass, of ``root``'s graph as frames.

    Args:
        root: The output Value.
        digits: Significant digits of every number, in the pictures and the captions
            alike (:func:`viz.numbers.format_number`; default 4).
        style: ``"notebook"``, ``"slide"``, ``"print"`` or ``"dark"`` (:mod:`viz.styles`):
            the fonts and palette of the frames; ``"dark"`` for a dark JupyterLab.
        params: Leaves to draw as parameters.
        inputs: Leaves to draw as inputs.
        model: Group the Values by module, as in :func:`~viz.graph.draw_graph`.
        collapse: Modules to draw as one box each (needs ``model``).
        rankdir: Graphviz layout direction (top to bottom fits a notebook column or a slide).
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
    options = Options.make(
        digits=digits,
        style=style,
        rankdir=rankdir,
        collapse=collapse,
        max_nodes=max_nodes,
        lanes_shown=lanes_shown,
        ops="inline",
    )
    digits = options.digits
    (r,) = as_roots(root)
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
        raise ValueError(f"max_frames must be a positive int, got {max_frames!r}")
    walk = 10 * max_frames  # a frame per Value at least: a graph far too large is refused before it is walked
    if count_values([r], walk) > walk:
        raise ValueError(
            f"this graph has more than {walk} Values, so more than max_frames={max_frames} frames (a frame per "
            "value and per edge); step through a smaller graph (one neuron, or a model with fewer units), draw the "
            "whole graph at once with viz.draw_graph(..., collapse=...), or raise max_frames"
        )
    g = build_scene([r], params=params, inputs=inputs, model=model)
    n = len(g.order)
    n_frames = n + 1 + sum(len(v.parents) for v in g.order)
    if n_frames > max_frames:
        raise ValueError(
            f"this graph needs {n_frames} frames ({n} nodes and their edges), more than max_frames={max_frames}; "
            "step through a smaller graph (one neuron, or a model with fewer units: every value and every edge "
            "is a frame), draw the whole graph at once with viz.draw_graph(..., collapse=...), "
            "or raise max_frames"
        )
    frames = build_frames(g, digits)
    return Steps(g, frames, options)
