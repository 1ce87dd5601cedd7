"""Step frames on a slide: the graph's fold and the captions' wrap, chosen together by measuring.

A frame written to a GIF or a PDF page is the pinned graph with its caption above it
(:func:`viz.pinned.pin`), grown to 16:9. Scaled to fill a 1280×720 slide, its smallest text
is as large as the whole frame — graph and caption — lets it be. A long chain is folded like a
snake (:mod:`viz.wrap`), which makes it wider and shorter; a caption longer than the graph is
wide would then set the frame's width, so it is wrapped to the graph's width (or to the width a
16:9 frame of that height has anyway) and measured with ``dot``, as the folds are.
:func:`plan_slide` lays out the graph as it is and each fold once, wraps the captions for each,
and keeps the pair whose frame shows the text largest.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from viz.display import Drawing
from viz.pinned import caption_box, caption_room, frame_size
from viz.styles import Style
from viz.wrap import FOLDS, MAX_MEASURED_NODES, Fold, Measured, fold, measure

__all__ = ["SLIDE_ASPECT", "SlidePlan", "plan_slide", "wrap_caption"]

#: Width / height of a slide (1280×720): the shape of every step frame in the slide style.
SLIDE_ASPECT = 16 / 9

#: The fewest characters a wrapped caption line may hold: narrower, a caption becomes a column of words.
_MIN_CHARS = 24


@dataclass(frozen=True)
class SlidePlan:
    """How a step-through's frames are drawn on a slide.

    Attributes:
        fold: The fold applied to every frame (None: the graph as laid out).
        chars: Captions wrapped to lines of at most this many characters (None: as written).
        caption_size: The box every (wrapped) caption is drawn in, points.
        text_px: The smallest text, CSS px, of a frame filling a 1280×720 slide.
        beside: The caption is drawn at the right of the graph (a tall graph), not above it.
    """

    fold: Fold | None
    chars: int | None
    caption_size: tuple[int, int]
    text_px: float
    beside: bool = False


def wrap_caption(caption: str, chars: int | None) -> str:
    """``caption`` with every line longer than ``chars`` characters broken (None: as it is).

    A line breaks where its sentence does — after a ``;`` or a ``:`` outside parentheses, before
    a remark in parentheses — and clauses are packed into lines of at most ``chars``; a clause
    longer than that is broken between words. Numbers stay whole (``-0.8444`` is never broken at its sign).

    >>> print(wrap_caption("step 3/6 (backward): v1.grad += 2 × 3 = 6; running sum 0 + 6 = 6", 32))
    step 3/6 (backward):
    v1.grad += 2 × 3 = 6;
    running sum 0 + 6 = 6
    >>> print(wrap_caption("running sum 2 + (-1) = 1 (1 of 2 contributions: grad so far)", 40))
    running sum 2 + (-1) = 1
    (1 of 2 contributions: grad so far)
    """
    if chars is None:
        return caption
    lines: list[str] = []
    for line in caption.split("\n"):
        packed: list[str] = []
        for clause in _clauses(line):
            if packed and len(packed[-1]) + 1 + len(clause) <= chars:
                packed[-1] += " " + clause
            else:
                packed += textwrap.wrap(clause, chars, break_on_hyphens=False, break_long_words=False) or [clause]
        lines += packed or [line]
    return "\n".join(lines)


def _clauses(line: str) -> list[str]:
    """``line`` cut after every ``;`` or ``:`` followed by a space, and before a remark in
    parentheses (``(1 of 2 contributions: grad so far)``: words, not a number), outside parentheses."""
    out, depth, start = [], 0, 0
    for k, ch in enumerate(line):
        if ch == "(" and depth == 0 and k > start and line[k - 1] == " ":
            close = line.find(")", k)
            if close > 0 and " " in line[k:close]:
                out.append(line[start:k].strip())
                start = k
        depth += (ch == "(") - (ch == ")")
        if ch in ";:" and depth == 0 and line[k + 1 : k + 2] == " ":
            out.append(line[start : k + 1].strip())
            start = k + 1
    out.append(line[start:].strip())
    return [c for c in out if c]


def _frame_px(graph: Measured, box: tuple[int, int], look: Style, caption_font: float, *, beside: bool) -> float:
    width, height = frame_size(graph.width, graph.height, box, aspect=SLIDE_ASPECT, beside=beside)
    fit_w, fit_h = look.fit
    scale = fit_w / width if fit_h is None else min(fit_w / width, fit_h / height)
    return min(graph.font, caption_font) * 4 / 3 * scale


class _Captions:
    """The captions' boxes, wrapped to a given line length (each measured once, by one ``dot`` run)."""

    def __init__(self, captions: Sequence[str], font: float) -> None:
        self.captions = list(captions)
        self.font = font
        self.longest = max((len(line) for c in captions for line in c.split("\n")), default=0)
        self.boxes: dict[int | None, tuple[int, int]] = {}

    def box(self, chars: int | None) -> tuple[int, int]:
        if chars is not None and chars >= self.longest:
            chars = None  # nothing to wrap
        if chars not in self.boxes:
            self.boxes[chars] = caption_box([wrap_caption(c, chars) for c in self.captions], font_size=self.font)
        return self.boxes[chars]

    def fitting(self, width: float) -> int | None:
        """The longest line length whose wrapped captions are at most ``width`` points wide (None:
        they fit unwrapped); at least :data:`_MIN_CHARS`."""
        w, _ = self.box(None)
        if w <= width:
            return None
        chars = max(_MIN_CHARS, math.floor(self.longest * width / w))
        for _ in range(4):  # measured, narrowed in proportion while still too wide
            w, _ = self.box(chars)
            if w <= width or chars == _MIN_CHARS:
                break
            chars = max(_MIN_CHARS, min(chars - 1, math.floor(chars * width / w)))
        return chars


def plan_slide(
    drawing: Drawing, captions: Sequence[str], look: Style, *, folds: Sequence[int] = FOLDS
) -> SlidePlan | None:
    """The fold of ``drawing`` (the widest frame) and the wrap of ``captions`` (every frame's) whose
    frames show the text largest filling ``look``'s display; None when the graph cannot be measured
    (no graphviz, more than :data:`~viz.wrap.MAX_MEASURED_NODES` nodes)."""
    if drawing.node_count is not None and drawing.node_count > MAX_MEASURED_NODES:
        return None
    laid = measure(drawing)
    if laid is None:
        return None
    text = _Captions(captions, look.caption_fontsize)
    candidates: list[tuple[Fold | None, Measured]] = [(None, laid)]
    for parts in folds:
        bent = fold(drawing, parts, laid.ranks)
        bent_laid = measure(bent) if bent is not None else None
        if bent_laid is not None:
            candidates.append((Fold(parts, laid.ranks), bent_laid))
    best: SlidePlan | None = None
    for plan_fold, graph in candidates:
        widths = [caption_room(frame_size(graph.width, graph.height)[0])]  # as wide as the graph
        _, height = frame_size(graph.width, graph.height, text.box(text.fitting(widths[0])))
        widths.append(caption_room(height * SLIDE_ASPECT))  # as wide as a 16:9 frame of that height
        # Beside a tall graph: as wide as what a 16:9 frame of the graph's height leaves at its right.
        frame_w, frame_h = frame_size(graph.width, graph.height)
        room = frame_h * SLIDE_ASPECT - frame_size(graph.width, graph.height, (0, 0), beside=True)[0]
        options = [(chars, False) for chars in dict.fromkeys([None, *(text.fitting(w) for w in widths)])]
        if room > frame_w / 4:  # a column of a few words would not be a caption
            options.append((text.fitting(room), True))
        for chars, beside in options:
            box = text.box(chars)
            px = _frame_px(graph, box, look, look.caption_fontsize, beside=beside)
            if best is None or px > best.text_px + 1e-9:
                chars = chars if chars is None or chars < text.longest else None
                best = SlidePlan(plan_fold, chars, box, px, beside)
    return best
