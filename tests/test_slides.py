"""Pictures for slides: the display and the background are two axes, step frames are 16:9.

What a slide shows in a browser (the smallest text of a picture filling a 1280×720 slide)
is measured in tests/test_slides_browser.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from viz_support import needs_dot, slide_frame_text_px

import viz
from autograd import Value
from viz.pinned import pin
from viz.styles import STYLES, get_style, with_background


def test_background_is_its_own_axis() -> None:
    slide_dark = get_style("slide+dark")
    assert (slide_dark.name, slide_dark.display, slide_dark.dark) == ("slide+dark", "slide", True)
    # The slide's sizes, the dark palette, and a transparent page: it sits on the deck's own colour.
    assert (slide_dark.fontsize, slide_dark.dpi, slide_dark.fit) == (18, 150, (960.0, 540.0))
    assert slide_dark.ink == STYLES["dark"].ink
    assert slide_dark.roles == STYLES["dark"].roles
    assert slide_dark.background == "transparent"
    print_dark = get_style("print+dark")
    assert (print_dark.fontsize, print_dark.dpi, print_dark.background) == (9, 300, STYLES["dark"].background)
    assert get_style("notebook+dark") == STYLES["dark"]
    assert get_style("slide+light") == STYLES["slide"]
    assert with_background(STYLES["dark"], "light") == STYLES["notebook"]
    assert not STYLES["print"].dark
    assert STYLES["dark"].dark


@pytest.mark.parametrize("bad", ["slide+neon", "neon+dark", "slide+dark+light", "+dark", "slide+"])
def test_unknown_combinations_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="a display and a background such as 'slide\\+dark'"):
        get_style(bad)
    with pytest.raises(ValueError, match="background must be 'light' or 'dark'"):
        with_background(STYLES["slide"], "neon")


def test_every_drawing_takes_the_combined_style() -> None:
    x = Value(0.5, label="x")
    y = (x * 2.0).tanh()
    y.label = "y"
    y.backward()
    src = viz.draw_graph(y, style="slide+dark").source
    assert "bgcolor=transparent" in src
    assert re.search(r"node \[[^]]*fontsize=18", src)
    assert f'fontcolor="{STYLES["dark"].ink}"' in src
    assert "bgcolor=transparent" in viz.draw_chain(y, x, style="slide+dark").source


def test_pin_grows_the_picture_to_the_aspect() -> None:
    from viz.pinned import Layout

    at = Layout({"v0": "50,50"}, {}, {}, "0,0,100,300")
    source = 'digraph g {\n\tv0 [label="x"]\n}\n'
    corners = [
        tuple(float(t) for t in m.groups())
        for m in re.finditer(r'corner\d [^\n]*pos="([-\d.]+),([-\d.]+)"', pin(source, at, aspect=16 / 9))
    ]
    (x0, y0), (x1, y1) = corners
    assert (x1 - x0 + 8) / (y1 - y0 + 8) == pytest.approx(16 / 9)  # graphviz's 4 pt pad included
    assert (y0, y1) == (-8.0, 308.0)  # the height kept, the width grown around the middle
    assert "margin=0" in pin(source, at, aspect=16 / 9)
    assert "margin=0" not in pin(source, at)
    with pytest.raises(ValueError, match="aspect must be a positive"):
        pin(source, at, aspect=0.0)


@needs_dot
@pytest.mark.parametrize("style", ["slide", "slide+dark"])
def test_step_frames_are_16_by_9_in_the_slide_style(tmp_path: Path, style: str) -> None:
    pytest.importorskip("PIL")
    pytest.importorskip("pypdf")
    from PIL import Image
    from pypdf import PdfReader

    x, w, b = Value(0.5, label="x"), Value(-1.0, label="w"), Value(2.0, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    frames = viz.steps(y, style=style, params=[w, b], inputs=[x])
    (gif,) = frames.save(tmp_path / "steps.gif", dpi=60)
    with Image.open(gif) as im:
        assert im.width / im.height == pytest.approx(16 / 9, rel=0.01)
        im.seek(9)
        corner = im.convert("RGB").getpixel((2, 2))
    page = (255, 255, 255) if style == "slide" else (0x1E, 0x1E, 0x1E)  # a transparent page on the dark panel
    assert corner == page
    (pdf,) = frames.save(tmp_path / "steps.pdf")
    box = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].mediabox
    assert float(box.width) / float(box.height) == pytest.approx(16 / 9, rel=0.01)
    # The caption is set in the style's caption size (20 pt on a slide), not a fixed 12 pt.
    assert 'font-size="20.00"' in frames.render(9, "svg").decode("utf-8")
    # Other styles keep their natural shape (no box grown to an aspect).
    assert "margin=0" not in viz.steps(y).pinned_source(9)
    assert "margin=0" in frames.pinned_source(9)


@pytest.mark.parametrize("beside", [False, True])
def test_frame_size_is_the_size_pin_draws(beside: bool) -> None:
    """frame_size (what the slide plan measures) agrees with the corners pin writes, the caption
    above the graph or beside it."""
    from viz.pinned import Layout, frame_size

    at = Layout({"v0": "50,50"}, {}, {}, "0,0,100,300")
    source = 'digraph g {\n\tv0 [label="x"]\n}\n'
    pinned = pin(source, at, caption="a caption", caption_size=(180, 40), aspect=16 / 9, beside=beside)
    (x0, y0), (x1, y1) = [
        tuple(float(t) for t in m.groups()) for m in re.finditer(r'corner\d [^\n]*pos="([-\d.]+),([-\d.]+)"', pinned)
    ]
    laid = (100 + 8, 300 + 8)  # dot's size of the graph: its box and the 4 pt pad around it
    drawn = (x1 - x0 + 8, y1 - y0 + 8)  # the corners are written with 6 significant digits
    assert frame_size(*laid, (180, 40), aspect=16 / 9, beside=beside) == pytest.approx(drawn, abs=0.01)
    caption_at = re.search(r'caption [^\n]*pos="([-\d.]+),([-\d.]+)"', pinned)
    assert caption_at is not None
    cx, cy = (float(t) for t in caption_at.groups())
    if beside:  # at the graph's right, level with its top
        assert (cx - 90, cy + 20) == pytest.approx((100 + 8 + 10, 300 + 8))
    else:  # above the graph, at its left
        assert (cx - 90, cy - 20) == pytest.approx((0 - 8, 300 + 8 + 10))


@needs_dot
def test_a_tall_graphs_step_frames_have_the_caption_beside_it() -> None:
    """The neuron's graph is taller than wide: its frames' captions are wrapped into a column at its
    right, where a 16:9 frame has room anyway (31.3 px on a slide; the caption above: 27.4 px)."""
    x, w, b = Value(0.5, label="x"), Value(-1.0, label="w"), Value(2.0, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    frames = viz.steps(f, style="slide", params=[w, b], inputs=[x])
    source = frames.pinned_source(9)
    caption = re.search(r'\tcaption [^\n]*pos="([-\d.]+),([-\d.]+)"', source)
    assert caption is not None
    nodes = [float(m.group(1)) for m in re.finditer(r'\tv\d+ \[pos="([-\d.]+),', source)]
    assert float(caption.group(1)) > max(nodes)  # right of every node
    assert "<BR" in source.split("\tcaption", 1)[1]  # wrapped
    svg = frames.render(9, "svg").decode("utf-8")
    assert slide_frame_text_px(svg) >= 24.0
