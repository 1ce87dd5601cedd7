"""The step-through player: every frame's SVG inline, a slider and buttons, a small vanilla script.

Frames drawn at one pinned layout differ in a few nodes and edges, so each frame is stored
as its differences from the one before (:func:`player_data`): notebook 4's 18 frames take
tens of kB instead of hundreds, and a graph of hundreds of frames stays a few MB.

It needs no kernel, no network, no widget library: it works in live Jupyter and
JupyterLab, in nbconvert's HTML, in VS Code and in a file opened in a browser offline.
The script (``player.js``) and style (``player.css``) ship inside the package and are
copied into every player, so each one stands alone; several on a page do not interfere
(the script keeps no globals and sets up each player once).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["MIN_SCALE", "PlayerFrame", "compact_svg", "player_data", "player_html", "player_page", "split_svg"]

#: Below this scale (the column's width over the picture's) the player starts at actual
#: size, scrolled to each step's node, instead of shrinking the text out of legibility.
MIN_SCALE = 0.6

_XML_HEADER = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)
_IDS = re.compile(r' id="[^"]*"')
_BETWEEN = re.compile(r">\s+<")
_EDGE_TITLE = re.compile(r'(<g class="(?:edge|graph)"[^>]*>)<title>[^<]*</title>')
_FONT_ATTRS = ("font-family", "font-size")


@dataclass(frozen=True)
class PlayerFrame:
    """One frame of the player.

    Attributes:
        svg: The picture (graphviz SVG, without the caption).
        caption: What the step does.
        phase: ``"forward"`` or ``"backward"``.
        focus: Name (the SVG ``<title>``) of the node the step is about.
    """

    svg: str
    caption: str
    phase: str
    focus: str


@cache
def _asset(name: str) -> str:
    return files("viz").joinpath(name).read_text(encoding="utf-8")


def compact_svg(svg: str) -> str:
    """Graphviz SVG made smaller for inlining: no XML header, comments, element ids or indentation.

    Ids go because every frame repeats them (``node1``, ``edge1`` …) and ids must be unique
    in a page; nothing in graphviz's SVG refers to them. Edges lose their ``<title>`` (a
    tooltip); nodes keep theirs, which name them (``v3``). The most common font family and
    size become attributes of the ``<svg>`` element, inherited by every text.
    """
    svg = _XML_HEADER.sub("", svg)
    svg = _IDS.sub("", svg)
    svg = _BETWEEN.sub("><", svg).strip()
    svg = _EDGE_TITLE.sub(r"\1", svg)
    # The most common font attributes move to the <svg> element, from which the texts inherit them.
    for name in _FONT_ATTRS:
        values = Counter(re.findall(f' {name}="([^"]*)"', svg))
        if values and svg.startswith("<svg "):
            common = values.most_common(1)[0][0]
            svg = svg.replace(f' {name}="{common}"', "")
            svg = f'<svg {name}="{common}" {svg[5:]}'
    return svg


_SCRIPT_UNSAFE = re.compile(r"<(/|!--|script)", re.IGNORECASE)


def _script_safe(text: str) -> str:
    """JSON that cannot end or confuse the ``<script>`` element holding it (``</``, ``<!--``, ``<script``)."""
    return _SCRIPT_UNSAFE.sub(lambda m: "<\\/" if m.group(1) == "/" else "\\u003c" + m.group(1), text)


_GROUP_TAG = re.compile(r"<g[\s>]|</g>")


def split_svg(svg: str) -> list[str]:
    """A graphviz SVG cut into slots: its head, each top-level group (a node, an edge, a cluster), its tail.

    Joined again they give ``svg`` back. Frames drawn at one pinned layout have the same
    slots, most of them equal from one frame to the next.
    """
    slots: list[str] = []
    depth = 0
    start = 0
    for m in _GROUP_TAG.finditer(svg):
        if m.group(0) == "</g>":
            depth -= 1
            if depth == 1:
                slots.append(svg[start : m.end()])
                start = m.end()
        else:
            depth += 1
            if depth == 2:
                if not slots:  # everything up to the first group is the head
                    slots.append(svg[: m.start()])
                elif m.start() > start:  # anything between two groups goes with the one before
                    slots[-1] += svg[start : m.start()]
                start = m.start()
    if not slots:
        return [svg]
    slots.append(svg[start:])
    return slots


def player_data(frames: list[PlayerFrame]) -> dict[str, Any]:
    """What the player's script draws from: each distinct SVG piece once, each frame as its changes.

    ``parts`` lists every distinct slot text (see :func:`split_svg`); frame ``k`` has ``n``
    slots and ``c``, the flat list ``[slot, part, slot, part, …]`` of the slots that differ
    from frame ``k - 1`` (for frame 0, all of them), plus its caption, phase and focus node.
    """
    parts: list[str] = []
    index: dict[str, int] = {}
    out = []
    previous: list[int] = []
    for f in frames:
        ids = []
        for slot in split_svg(compact_svg(f.svg)):
            if slot not in index:
                index[slot] = len(parts)
                parts.append(slot)
            ids.append(index[slot])
        changes = [x for k, i in enumerate(ids) if k >= len(previous) or previous[k] != i for x in (k, i)]
        out.append({"n": len(ids), "c": changes, "caption": f.caption, "phase": f.phase, "focus": f.focus})
        previous = ids
    return {"parts": parts, "frames": out}


def player_html(frames: list[PlayerFrame], *, dark: bool = False, legend: Sequence[tuple[str, str]] = ()) -> str:
    """The player as an HTML fragment (for a notebook output or a page).

    The first frame is drawn in the HTML (what shows where scripts do not run); the script
    draws the others from :func:`player_data`, embedded as JSON. ``dark``: controls and
    caption in dark colours, for frames drawn in the dark style. ``legend``: ``(label, colour)``
    swatches shown under the caption, saying what the frames' colours and marks mean.

    Raises:
        ValueError: if there are no frames.
    """
    if not frames:
        raise ValueError("a player needs at least one frame")
    n = len(frames)
    lines = max(f.caption.count("\n") + 1 for f in frames)
    data = _script_safe(json.dumps(player_data(frames), ensure_ascii=False, separators=(",", ":")))
    first = frames[0]
    parts = [
        f'<div class="chainrule-player{" crp-dark" if dark else ""}" tabindex="0" role="group" '
        f'aria-label="step-through, {n} frames" '
        'data-lm-suppress-shortcuts="true" '
        f'data-min-scale="{MIN_SCALE}">',
        f"<style>{_asset('player.css')}</style>",
        '<div class="crp-bar" hidden>'
        '<button type="button" class="crp-prev" title="previous step (←)" aria-label="previous step">◀</button>'
        '<button type="button" class="crp-play" title="play or pause (space)" aria-pressed="false">▶ play</button>'
        '<button type="button" class="crp-next" title="next step (→)" aria-label="next step">▶</button>'
        f'<input type="range" class="crp-slider" min="1" max="{n}" value="1" step="1" aria-label="step">'
        f'<span class="crp-status" aria-live="polite">step 1/{n} ({html.escape(first.phase)})</span>'
        '<label>speed <select class="crp-speed" title="time per step">'
        '<option value="1400">0.5×</option><option value="700" selected>1×</option>'
        '<option value="350">2×</option><option value="175">4×</option></select></label>'
        '<button type="button" class="crp-fit" title="fit the picture to the width, or show it at actual size">'
        "fit width</button>"
        "</div>",
        f'<div class="crp-caption" style="min-height:{1.4 * lines:.1f}em">{html.escape(first.caption)}</div>',
        _legend(legend),
        f'<div class="crp-view"><div class="crp-frame" data-focus="{html.escape(first.focus)}">'
        f"{compact_svg(first.svg)}</div></div>",
        '<p class="crp-nojs">This is frame 1 of a step-through player whose controls need JavaScript '
        "(in Jupyter: trust the notebook).</p>",
        f'<script type="application/json" class="crp-data">{data}</script>',
        f"<script>{_asset('player.js')}</script>",
        "</div>",
    ]
    return "\n".join(parts)


def player_page(fragment: str, title: str, *, dark: bool = False) -> str:
    """A whole HTML document around a player fragment (what ``Steps.save("x.html")`` writes); ``dark``: a dark page."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n"
        f'<body style="margin:16px;background:{"#111" if dark else "#fff"}">\n'
        f"{fragment}\n</body>\n</html>\n"
    )


def _legend(items: Sequence[tuple[str, str]]) -> str:
    """What the frames' colours and marks mean: ``(label, colour)`` swatches ("" when there are none)."""
    if not items:
        return ""
    swatches = "".join(
        f'<span class="crp-key"><i style="background:{html.escape(colour)}"></i>{html.escape(label)}</span>'
        for label, colour in items
    )
    return f'<div class="crp-legend">{swatches}</div>'
