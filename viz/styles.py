"""The looks of a picture in one place: ``style="notebook" | "slide" | "print" | "dark"``.

Two axes: the *display* (``notebook``, ``slide``, ``print``: font sizes, the size laid
out for, raster resolution) and the *background* (light or dark: the palette). A name
``"<display>+<background>"`` picks both — ``"slide+dark"`` is a slide picture for a dark
deck (transparent background, light ink: it sits on the slide's own colour),
``"print+dark"`` a printed page's sizes in the dark palette; ``"dark"`` is
``"notebook+dark"`` (a dark JupyterLab) and ``"slide+light"`` is ``"slide"``.

A :class:`Style` holds everything a drawing takes from its look: the one sans-serif font
(nodes, edges, captions and cluster titles alike), font sizes, the raster resolution,
the display it is laid out for (which picks top-to-bottom or left-to-right), and the
palette (role fills, highlight, the diverging gradient scale, background and ink).

The graphviz attributes a style sets are defaults: a user's ``graph_attr``,
``node_attr`` and ``edge_attr`` (arguments of the drawing functions, or the
``Drawing``'s own dicts changed afterwards) always win.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

__all__ = ["BACKGROUNDS", "DISPLAYS", "STYLES", "Style", "StyleName", "get_style", "with_background"]

StyleName = Literal[
    "notebook",
    "slide",
    "print",
    "dark",
    "notebook+light",
    "notebook+dark",
    "slide+light",
    "slide+dark",
    "print+light",
    "print+dark",
]

#: The displays a picture is laid out for, and the backgrounds it can sit on.
DISPLAYS = ("notebook", "slide", "print")
BACKGROUNDS = ("light", "dark")

#: One sans-serif family; graphviz writes ``font-family="Helvetica,sans-Serif"`` in SVG and
#: fontconfig maps it to the system's sans (DejaVu/Liberation/Nimbus Sans) for PNG and PDF.
FONT = "Helvetica"


def _roles(input_: str, parameter: str, constant: str, intermediate: str, output: str) -> MappingProxyType[str, str]:
    return MappingProxyType(
        {
            "input": input_,
            "parameter": parameter,
            "constant": constant,
            "intermediate": intermediate,
            "output": output,
        }
    )


@dataclass(frozen=True)
class Style:
    """A picture's look.

    Attributes:
        name: The style's name.
        fontsize: Node text, in points.
        edge_fontsize: Edge labels, in points.
        caption_fontsize: The caption and cluster titles, in points.
        dpi: Resolution of raster output (PNG).
        fit: The display the layout is chosen for, ``(width, height)`` in points (height
            None: the page scrolls, as a notebook does); ``rankdir="auto"`` picks the
            orientation that shows the text largest there.
        background: Page colour.
        ink: Text and border colour.
        edge: Colour of ordinary edges.
        roles: Fill colour per node role.
        op_fill: Fill of op nodes (or of the op's cell, with ops inline).
        module: Fill of collapsed module boxes.
        cluster: Border of module clusters.
        hot: Highlighted paths and nodes.
        dim: Edges off the highlighted paths.
        focus: The node a step-through frame is about.
        negative: Gradient scale colour at ``-vmax``.
        positive: Gradient scale colour at ``+vmax``.
        zero: Gradient scale colour at 0.
    """

    name: str
    fontsize: float
    edge_fontsize: float
    caption_fontsize: float
    dpi: int
    fit: tuple[float, float | None]
    background: str
    ink: str
    edge: str
    roles: MappingProxyType[str, str]
    op_fill: str
    module: str
    cluster: str
    hot: str
    dim: str
    focus: str
    negative: tuple[int, int, int]
    positive: tuple[int, int, int]
    zero: tuple[int, int, int]
    fontname: str = FONT
    extra_graph: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def display(self) -> str:
        """The display axis: ``"notebook"``, ``"slide"`` or ``"print"`` (a custom style: its name)."""
        base = self.name.partition("+")[0]
        return "notebook" if base == "dark" else base

    @property
    def dark(self) -> bool:
        """Whether the palette is for a dark background."""
        return self.name == "dark" or self.name.endswith("+dark")

    def graph_attr(self) -> dict[str, str]:
        """Graph attributes: the font (cluster titles and the caption inherit it), colours."""
        return {
            "fontname": self.fontname,
            "fontsize": _pt(self.caption_fontsize),
            "fontcolor": self.ink,
            "bgcolor": self.background,
            **self.extra_graph,
        }

    def node_attr(self) -> dict[str, str]:
        """Node defaults."""
        return {"fontname": self.fontname, "fontsize": _pt(self.fontsize), "fontcolor": self.ink, "color": self.ink}

    def edge_attr(self) -> dict[str, str]:
        """Edge defaults."""
        return {
            "fontname": self.fontname,
            "fontsize": _pt(self.edge_fontsize),
            "fontcolor": self.ink,
            "color": self.edge,
        }


def _pt(x: float) -> str:
    return f"{x:g}"


_LIGHT_ROLES = _roles("#d6eaf8", "#fdebd0", "#eeeeee", "#ffffff", "#d5f5e3")

#: The built-in styles.
STYLES: MappingProxyType[str, Style] = MappingProxyType(
    {
        # A Jupyter column (~1000 CSS px = 750 pt) that scrolls.
        "notebook": Style(
            name="notebook",
            fontsize=11,
            edge_fontsize=11,
            caption_fontsize=12,
            dpi=96,
            fit=(750.0, None),
            background="white",
            ink="#1a1a1a",
            edge="#404040",
            roles=_LIGHT_ROLES,
            op_fill="#f0f0f0",
            module="#e8daef",
            cluster="#7d3c98",
            hot="#d62728",
            dim="#b0b0b0",
            focus="#f9e79f",
            negative=(0x43, 0x93, 0xC3),
            positive=(0xD6, 0x60, 0x4D),
            zero=(0xFF, 0xFF, 0xFF),
            extra_graph=MappingProxyType({"nodesep": "0.18", "ranksep": "0.35"}),
        ),
        # A 1280×720 slide (960×540 pt): text of 18 pt and more, 150 dpi rasters.
        "slide": Style(
            name="slide",
            fontsize=18,
            edge_fontsize=18,
            caption_fontsize=20,
            dpi=150,
            fit=(960.0, 540.0),
            background="white",
            ink="#000000",
            edge="#303030",
            roles=_LIGHT_ROLES,
            op_fill="#f0f0f0",
            module="#e8daef",
            cluster="#7d3c98",
            hot="#d62728",
            dim="#a0a0a0",
            focus="#f9e79f",
            negative=(0x21, 0x66, 0xAC),
            positive=(0xB2, 0x18, 0x2B),
            zero=(0xFF, 0xFF, 0xFF),
            extra_graph=MappingProxyType({"nodesep": "0.2", "ranksep": "0.3"}),
        ),
        # A printed page's text width (about 6.5 × 9 in), black ink, 300 dpi rasters.
        "print": Style(
            name="print",
            fontsize=9,
            edge_fontsize=8,
            caption_fontsize=10,
            dpi=300,
            fit=(468.0, 648.0),
            background="white",
            ink="#000000",
            edge="#000000",
            roles=_roles("#e0e0e0", "#f2f2f2", "#f8f8f8", "#ffffff", "#d0d0d0"),
            op_fill="#f0f0f0",
            module="#eeeeee",
            cluster="#555555",
            hot="#000000",
            dim="#c0c0c0",
            focus="#dddddd",
            negative=(0x21, 0x66, 0xAC),
            positive=(0xB2, 0x18, 0x2B),
            zero=(0xFF, 0xFF, 0xFF),
        ),
        # Dark backgrounds (a dark JupyterLab, a dark slide deck): light ink, deep fills.
        "dark": Style(
            name="dark",
            fontsize=11,
            edge_fontsize=11,
            caption_fontsize=12,
            dpi=96,
            fit=(750.0, None),
            background="#1e1e1e",
            ink="#e8e8e8",
            edge="#a8a8a8",
            roles=_roles("#1f4e79", "#7a4a12", "#3a3a3a", "#262626", "#1e6b3a"),
            op_fill="#383838",
            module="#4a2d5e",
            cluster="#c39bd3",
            hot="#ff6b6b",
            dim="#5a5a5a",
            focus="#806a00",
            negative=(0x3A, 0x7C, 0xC4),
            positive=(0xC8, 0x4B, 0x3C),
            zero=(0x26, 0x26, 0x26),
            extra_graph=MappingProxyType({"nodesep": "0.18", "ranksep": "0.35"}),
        ),
    }
)


_PALETTE = (
    "background",
    "ink",
    "edge",
    "roles",
    "op_fill",
    "module",
    "cluster",
    "hot",
    "dim",
    "focus",
    "negative",
    "positive",
    "zero",
)


def with_background(style: Style, background: str) -> Style:
    """``style``'s display (sizes, fit, resolution) with the ``"light"`` or ``"dark"`` palette.

    A slide on a dark background gets a transparent page, so the picture sits on the
    deck's own colour; the other displays get the dark palette's page colour.

    >>> s = with_background(STYLES["slide"], "dark")
    >>> s.name, s.fontsize, s.background, s.ink
    ('slide+dark', 18, 'transparent', '#e8e8e8')
    """
    if background not in BACKGROUNDS:
        raise ValueError(f"background must be 'light' or 'dark', got {background!r}")
    display = style.display
    if background == "light":  # the display's own light palette (a custom style's display: notebook's)
        palette = STYLES[display] if display in DISPLAYS else STYLES["notebook"]
        name = display if display in DISPLAYS else f"{display}+light"
    else:
        palette = STYLES["dark"]
        name = "dark" if display == "notebook" else f"{display}+dark"
    changes: dict[str, object] = {field_name: getattr(palette, field_name) for field_name in _PALETTE}
    if background == "dark" and display == "slide":
        changes["background"] = "transparent"
    return replace(style, name=name, **changes)  # type: ignore[arg-type]  # the palette's own field types


def get_style(style: str | Style) -> Style:
    """The :class:`Style` named ``style`` (or ``style`` itself): a name of :data:`STYLES`, or
    ``"<display>+<background>"`` (``"slide+dark"``, ``"print+dark"`` …).

    Raises:
        ValueError: for an unknown name.
    """
    if isinstance(style, Style):
        return style
    if isinstance(style, str) and style in STYLES:
        return STYLES[style]
    if isinstance(style, str):
        display, plus, background = style.partition("+")
        if plus and display in DISPLAYS and background in BACKGROUNDS:
            return with_background(STYLES[display], background)
    names = ", ".join(repr(s) for s in STYLES)
    raise ValueError(
        f"style must be one of {names}, or a display and a background such as 'slide+dark' "
        f"(displays {', '.join(DISPLAYS)}; backgrounds light, dark), or a viz.styles.Style; got {style!r}"
    )
