"""The step-through player: every frame's SVG inline, a slider and buttons, a small vanilla script.

It needs no kernel, no network, no widget library: it works in live Jupyter and
JupyterLab, in nbconvert's HTML, in VS Code and in a file opened in a browser offline.
The script (``player.js``) and style (``player.css``) ship inside the package and are
copied into every player, so each one stands alone; several on a page do not interfere
(the script keeps no globals and sets up each player once).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

__all__ = ["MIN_SCALE", "PlayerFrame", "compact_svg", "player_html", "player_page"]

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


def player_html(frames: list[PlayerFrame]) -> str:
    """The player as an HTML fragment (for a notebook output or a page).

    Raises:
        ValueError: if there are no frames.
    """
    if not frames:
        raise ValueError("a player needs at least one frame")
    n = len(frames)
    lines = max(f.caption.count("\n") + 1 for f in frames)
    parts = [
        f'<div class="chainrule-player" tabindex="0" role="group" aria-label="step-through, {n} frames" '
        f'data-min-scale="{MIN_SCALE}">',
        f"<style>{_asset('player.css')}</style>",
        '<div class="crp-bar" hidden>'
        '<button type="button" class="crp-prev" title="previous step (←)" aria-label="previous step">◀</button>'
        '<button type="button" class="crp-play" title="play or pause (space)" aria-pressed="false">▶ play</button>'
        '<button type="button" class="crp-next" title="next step (→)" aria-label="next step">▶</button>'
        f'<input type="range" class="crp-slider" min="1" max="{n}" value="1" step="1" aria-label="step">'
        f'<span class="crp-status" aria-live="polite">step 1/{n} ({html.escape(frames[0].phase)})</span>'
        '<label>speed <select class="crp-speed" title="time per step">'
        '<option value="1400">0.5×</option><option value="700" selected>1×</option>'
        '<option value="350">2×</option><option value="175">4×</option></select></label>'
        '<button type="button" class="crp-fit" title="fit the picture to the width, or show it at actual size">'
        "fit width</button>"
        "</div>",
        f'<div class="crp-caption" style="min-height:{1.4 * lines:.1f}em">{html.escape(frames[0].caption)}</div>',
        '<div class="crp-view">',
    ]
    for k, f in enumerate(frames):
        attrs = (
            f'class="crp-frame" data-phase="{html.escape(f.phase)}" data-focus="{html.escape(f.focus)}" '
            f'data-caption="{html.escape(f.caption)}"'
        )
        parts.append(f"<div {attrs}{'' if k == 0 else ' hidden'}>{compact_svg(f.svg)}</div>")
    parts += [
        "</div>",
        '<p class="crp-nojs">This is frame 1 of a step-through player whose controls need JavaScript '
        "(in Jupyter: trust the notebook).</p>",
        f"<script>{_asset('player.js')}</script>",
        "</div>",
    ]
    return "\n".join(parts)


def player_page(fragment: str, title: str) -> str:
    """A whole HTML document around a player fragment (what ``Steps.save("x.html")`` writes)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n"
        '<body style="margin:16px;background:#fff">\n'
        f"{fragment}\n</body>\n</html>\n"
    )
