"""viz.steps: forward frames in topological order, backward frames per edge with running sums, display, files."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from viz_support import golden, mlp_lanes_loss, mlp_loss, needs_dot, notebook_expression, seed_neuron, svg_texts

import viz
from autograd import Value, grad, topological_order
from autograd.testing import Expression, expressions
from viz.player import PlayerFrame, compact_svg, player_html, split_svg


def test_frame_sequence_for_the_seed_neuron() -> None:
    e, w1, _w2, _b = seed_neuron()
    order = topological_order(e)
    s = viz.steps(e)
    n_edges = sum(len(v.parents) for v in order)
    assert len(s) == len(order) + 1 + n_edges
    assert [f.phase for f in s] == ["forward"] * len(order) + ["backward"] * (1 + n_edges)
    # Forward: values appear one node at a time, in topological order.
    for i in range(len(order)):
        f = s[i]
        assert f.node == i
        assert f.data == tuple(v.data for v in order[: i + 1]) + (None,) * (len(order) - i - 1)
        assert set(f.grads) == {None}
    assert s[len(order)].caption == "E.grad = ∂E/∂E = 1 (the seed)"
    # Backward: the last frame holds every gradient, equal to the engine's.
    last = s[-1]
    assert last.data == tuple(v.data for v in order)
    expected = grad(e, order)
    for got, want in zip(last.grads, expected, strict=True):
        assert got == pytest.approx(want, rel=1e-15, abs=1e-300)
    assert last.grads[order.index(w1)] == w1.grad
    # The edge being applied and the running sum.
    w1_frame = next(f for f in s if f.edge is not None and f.edge[2] == order.index(w1))
    assert w1_frame.edge is not None
    child, slot, parent = w1_frame.edge
    assert order[child].parents[slot] is w1
    assert w1_frame.node == parent
    assert w1_frame.caption == (
        f"W1.grad += ∂v{child}/∂W1 × v{child}.grad = 0.1 × 0.09276 = 0.009276; "
        "running sum 0 + 0.009276 = 0.009276"  # the number formatter of every drawing: 4 significant digits
    )


def test_repeated_parent_accumulates_a_running_sum() -> None:
    a = Value(3.0, label="a")
    y = a * a
    y.label = "y"
    s = viz.steps(y)
    captions = [f.caption for f in s]
    assert captions == [
        "a = 3 (input)",
        "y = a × a = 9",
        "y.grad = ∂y/∂y = 1 (the seed)",
        "a.grad += ∂y/∂a × y.grad = 3 × 1 = 3; running sum 0 + 3 = 3 (1 of 2 contributions: grad so far)",
        "a.grad += ∂y/∂a × y.grad = 3 × 1 = 3; running sum 3 + 3 = 6 (2 of 2 contributions: final)",
    ]
    assert [f.edge for f in s][-2:] == [(1, 0, 0), (1, 1, 0)]
    assert s[-1].grads == (6.0, 1.0)
    # The partial sum is marked on the node too, in the frame where it is partial only.
    assert [f.partial for f in s][-2:] == [frozenset({0}), frozenset()]
    assert "grad so far 3" in s.draw(len(s) - 2).source
    assert "grad so far" not in s.draw(len(s) - 1).source


@given(expressions())
@settings(max_examples=30)
def test_last_frame_gradients_are_the_engines(expr: Expression) -> None:
    xs = [Value(v) for v in expr.inputs]
    out = expr(*xs)
    order = topological_order(out)
    s = viz.steps(out, max_frames=10_000)
    want = grad(out, order)
    for got, w in zip(s[-1].grads, want, strict=True):
        assert got is not None
        assert math.isclose(got, w, rel_tol=1e-12, abs_tol=1e-12)


def test_steps_do_not_touch_the_values_gradients() -> None:
    x = Value(0.5, label="x")
    y = x.tanh()
    viz.steps(y)
    assert x.grad == 0.0
    assert y.grad == 0.0


def test_frame_drawing_golden() -> None:
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    y.label = "y"
    s = viz.steps(y)
    golden("steps_x_times_x_frame4.dot", s.draw(4).source)
    assert s.draw(0).caption == "step 1/7 (forward): x = 0.5 (input)"
    assert "data ?" in s.draw(0).source
    assert "grad ?" not in s.draw(0).source  # gradients are hidden during the forward pass
    assert "grad ?" in s.draw(3).source


def test_unlabelled_nodes_cited_by_a_caption_are_named_in_the_picture() -> None:
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    y.label = "y"
    s = viz.steps(y)
    last = s.draw(len(s) - 1)
    assert "v1" in last.caption  # the unlabelled x*x node
    assert "<B>v1</B>" in last.source
    # draw_graph keeps unlabelled nodes anonymous: its pictures cite no ids
    assert "<B>v1</B>" not in viz.draw_graph(y).source


def test_too_many_frames_is_refused() -> None:
    x = Value(0.1)
    y = x
    for _ in range(50):
        y = y * 1.5
    with pytest.raises(ValueError, match=r"needs 202 frames \(101 nodes and their edges\), more than max_frames=100"):
        viz.steps(y, max_frames=100)
    assert len(viz.steps(y)) == 202
    for _ in range(50):
        y = y * 1.5
    with pytest.raises(ValueError, match=r"needs 402 frames .* max_frames=400; step through a smaller graph"):
        viz.steps(y)  # the default limit
    with pytest.raises(ValueError, match="max_frames must be a positive int"):
        viz.steps(y, max_frames=0)


def test_save_dot_frames_without_graphviz(tmp_path: Path) -> None:
    x = Value(0.5, label="x")
    s = viz.steps(x.exp())
    paths = s.save(tmp_path / "frames", format="dot")
    assert [p.name for p in paths] == [f"frame_{i:03d}.dot" for i in range(len(s))]
    assert paths[2].read_text(encoding="utf-8") == s.draw(2).source


@needs_dot
def test_save_svg_frames(tmp_path: Path) -> None:
    e, *_ = seed_neuron()
    s = viz.steps(e)
    paths = s.save(tmp_path)
    assert len(paths) == len(s) == 30
    texts = svg_texts(paths[-1].read_text(encoding="utf-8"))
    assert any(t.startswith("step 30/30 (backward): W1.grad +=") for t in texts)


# -- the pinned layout: every node where it is in every other frame --------------------------------


def _geometry(svg: str) -> tuple[tuple[str, str], dict[str, list[str]], list[str]]:
    """The picture's size, each node's shapes (by its title) and each edge's path: not its texts."""
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    nodes: dict[str, list[str]] = {}
    edges: list[str] = []
    for g in root.iter(f"{ns}g"):
        kind = g.get("class")
        if kind == "node":
            title = g.find(f"{ns}title")
            assert title is not None
            shapes = [
                el.get("points") or f"{el.get('cx')},{el.get('cy')},{el.get('rx')},{el.get('ry')}"
                for el in g
                if el.tag in (f"{ns}polygon", f"{ns}ellipse")
            ]
            nodes[str(title.text)] = [str(s) for s in shapes]
        elif kind == "edge":
            edges += [str(p.get("d")) for p in g.iter(f"{ns}path")]
    return (str(root.get("width")), str(root.get("height"))), nodes, edges


def assert_pinned(s: viz.Steps, *, caption: bool) -> None:
    first = _geometry(s.svg(0, caption=caption))
    assert first[1], "no nodes found"
    for i in range(1, len(s)):
        assert _geometry(s.svg(i, caption=caption)) == first, f"frame {i} moved"


@needs_dot
@pytest.mark.parametrize("caption", [False, True])
def test_nodes_hold_still_across_frames(caption: bool) -> None:
    loss, inputs, params = notebook_expression()
    s = viz.steps(loss, inputs=inputs, params=params)
    assert len(s) == 18
    assert_pinned(s, caption=caption)
    # and the frames do differ: values and gradients appear
    assert "data ?" in svg_texts(s.svg(0))
    assert "grad 0.8193" in svg_texts(s.svg(len(s) - 1))


@needs_dot
def test_nodes_hold_still_with_lanes_clusters_and_boxes() -> None:
    model, loss, _ = mlp_lanes_loss([3, 1])
    assert_pinned(viz.steps(loss, model=model), caption=True)
    assert_pinned(viz.steps(loss, model=model, collapse="Neuron", max_frames=10_000), caption=False)
    e, *_ = seed_neuron()
    assert_pinned(viz.steps(e, rankdir="LR"), caption=True)


@needs_dot
@given(expressions())
@settings(max_examples=8)
def test_nodes_hold_still_on_random_graphs(expr: Expression) -> None:
    xs = [Value(v, label=f"x{k}") for k, v in enumerate(expr.inputs)]
    assert_pinned(viz.steps(expr(*xs), max_frames=10_000), caption=False)


@needs_dot
def test_the_pinned_source_gives_every_node_a_position() -> None:
    loss, inputs, params = notebook_expression()
    s = viz.steps(loss, inputs=inputs, params=params)
    src = s.pinned_source(5)
    declared = set(re.findall(r"^\t+(v\d+(?:op)?) \[", src, flags=re.MULTILINE))
    pinned = set(re.findall(r"^\t+(v\d+(?:op)?) \[pos=\"[\d.]+,[\d.]+\"", src, flags=re.MULTILINE))
    assert declared == pinned
    assert len(declared) == 8  # each op in its result's node, as the pictures draw it: no op nodes
    assert all("pos=" in line for line in src.splitlines() if " -> " in line)


# -- no leaks from the future ---------------------------------------------------------------------


@needs_dot
def test_forward_frames_show_no_gradient() -> None:
    loss, inputs, params = notebook_expression()
    s = viz.steps(loss, inputs=inputs, params=params)
    for f in s:
        texts = svg_texts(s.svg(f.index, caption=False))
        known = sum(1 for x in f.data if x is not None)
        assert sum(1 for t in texts if t.startswith("data ") and t != "data ?") == known
        grads = [t for t in texts if t.startswith("grad")]
        if f.phase == "forward":
            assert grads == []
        else:
            assert sum(1 for t in grads if t != "grad ?") == sum(1 for g in f.grads if g is not None)


def test_collapsed_boxes_show_only_what_is_known() -> None:
    model, loss, _ = mlp_loss([2, 1])
    s = viz.steps(loss, model=model, collapse="Neuron")
    order = topological_order(loss)

    def boxes(i: int) -> list[str]:
        return re.findall(r"^\t+m\d+ \[label=<(.*)> shape=plain\]$", s.draw(i).source, flags=re.MULTILINE)

    # what used to leak: the boxes' final gradients, shown before the backward pass had reached them
    final = {g for b in boxes(len(s) - 1) for g in re.findall(r"grad (-?[0-9][^<]*)<", b)} - {"0"}
    assert final, "the last frame's boxes show their gradients"
    for f in s:
        shown = boxes(f.index)
        assert len(shown) == 3
        if f.phase == "forward":
            assert not any("grad" in b for b in shown), f.caption
        if f.index == 0:
            assert all("out data ?" in b for b in shown)
        if f.phase == "forward" or f.index == len(order):
            early = {g for b in shown for g in re.findall(r"grad (-?[0-9][^<]*)<", b)}
            assert not early & final, (f.caption, early & final)
    last = s.draw(len(s) - 1).source
    assert "out data ?" not in last
    assert "grad ?" not in last


def test_a_focus_inside_a_box_highlights_the_box() -> None:
    model, loss, _ = mlp_loss([2, 1])
    s = viz.steps(loss, model=model, collapse="Neuron")
    w = model.layers[0].neurons[1].w[0]
    order = topological_order(loss)
    f = next(f for f in s if f.phase == "forward" and order[f.node] is w)
    src = s.draw(f.index).source
    highlighted = re.findall(r"^\t+(m\d+) \[label=<<TABLE COLOR=\"#d62728\"", src, flags=re.MULTILINE)
    assert len(highlighted) == 1
    assert s._focus_name(f) == highlighted[0]


# -- the player -----------------------------------------------------------------------------------


def _player_frames(page: str) -> list[dict[str, Any]]:
    """Every frame of a player rebuilt from its embedded data, as the script does."""
    (text,) = re.findall(r'<script type="application/json" class="crp-data">(.*?)</script>', page, flags=re.DOTALL)
    data = json.loads(text)
    slots: list[int] = []
    out = []
    for f in data["frames"]:
        changes = f["c"]
        for k in range(0, len(changes), 2):
            if changes[k] == len(slots):
                slots.append(changes[k + 1])
            else:
                slots[changes[k]] = changes[k + 1]
        del slots[f["n"] :]
        out.append({**f, "svg": "".join(data["parts"][i] for i in slots)})
    return out


@needs_dot
def test_the_player_is_self_contained() -> None:
    loss, inputs, params = notebook_expression()
    s = viz.steps(loss, inputs=inputs, params=params)
    page = s.to_html()
    frames = _player_frames(page)
    assert len(frames) == 18
    for i, f in enumerate(frames):  # each frame rebuilt from the differences is the frame's picture
        assert f["svg"] == compact_svg(s.svg(i, caption=False))
        assert f["caption"] == s[i].caption
        assert f["phase"] == s[i].phase
        assert svg_texts(f["svg"])  # well-formed
    assert [f["focus"] for f in frames][:3] == ["v0", "v1", "v2"]
    assert '<input type="range" class="crp-slider" min="1" max="18" value="1"' in page
    assert "step 1/18 (forward)" in page
    # the first frame is drawn in the page itself, for where scripts do not run
    assert compact_svg(s.svg(0, caption=False)) in page
    # the caption is text beside the picture, not drawn into it
    assert "step 11/18" not in page
    assert not any("step " in t for f in frames for t in svg_texts(f["svg"]))
    # no network, no module loader, no widget library, no element ids that two players would share
    local = page.replace("http://www.w3.org/2000/svg", "").replace("http://www.w3.org/1999/xlink", "")  # names
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w", local) == []
    for word in ("require(", "<script src", "ipywidgets", "jupyter-widgets", ' id="', "<link", "import("):
        assert word not in page
    assert page.count("<script") == 2  # the frames' data and the script
    bundle = s._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/html"] == page
    assert bundle["text/plain"] == "Steps(18 frames: 8 forward, 10 backward)"


def test_user_text_cannot_break_out_of_the_players_script() -> None:
    data = [
        PlayerFrame(
            svg="<svg><g><text>a</text></g></svg>",
            caption="</script><script>alert(1)</script><!--",
            phase="forward",
            focus="v0",
        )
    ]
    page = player_html(data)
    assert page.count("</script>") == 2
    assert _player_frames(page)[0]["caption"] == "</script><script>alert(1)</script><!--"


def test_split_svg_joins_back() -> None:
    svg = (
        '<svg a="1"><g class="graph"><polygon/>'
        '<g class="node"><title>v0</title></g>x<g class="edge"><path/></g></g></svg>'
    )
    slots = split_svg(svg)
    assert "".join(slots) == svg
    assert slots == [
        '<svg a="1"><g class="graph"><polygon/>',
        '<g class="node"><title>v0</title></g>x',
        '<g class="edge"><path/></g>',
        "</g></svg>",
    ]
    assert split_svg("<svg></svg>") == ["<svg></svg>"]


@needs_dot
def test_notebook_4s_player_is_a_few_hundred_kb() -> None:
    loss, inputs, params = notebook_expression()
    size = len(viz.steps(loss, inputs=inputs, params=params).to_html().encode("utf-8"))
    assert size < 150_000, f"notebook 4's player is {size / 1000:.0f} kB"


def test_without_dot_the_display_is_the_dot_text(no_dot: Path) -> None:
    s = viz.steps(Value(0.5, label="x").exp())
    html = s._repr_mimebundle_()["text/html"]
    assert html.count("<pre>digraph chainrule {") == 4
    with pytest.raises(viz.DotNotFoundError):
        s.to_html()


# -- exports --------------------------------------------------------------------------------------


@needs_dot
def test_save_html_gif_pdf(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    pypdf = pytest.importorskip("pypdf")
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    y.label = "y"
    s = viz.steps(y)
    (page,) = s.save(tmp_path / "steps.html")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<title>steps</title>" in text
    assert len(_player_frames(text)) == len(s) == 7
    (gif,) = s.save(tmp_path / "steps.gif", fps=4, dpi=60)
    with image.open(gif) as im:
        assert im.format == "GIF"
        assert im.n_frames == 7
        assert im.info["loop"] == 0
        assert im.info["duration"] == 250
        sizes = set()
        for k in range(im.n_frames):
            im.seek(k)
            sizes.add(im.size)
            assert im.convert("RGB").getpixel((1, 1)) == (255, 255, 255)  # the palette keeps white white
        assert len(sizes) == 1
    big = s.save(tmp_path / "big.gif", dpi=120)[0]
    with image.open(big) as im, image.open(gif) as small:
        assert im.size[0] == pytest.approx(2 * small.size[0], abs=2)
    (pdf,) = s.save(tmp_path / "steps.pdf")
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == 7
    assert "step 7/7 (backward)" in reader.pages[6].extract_text()
    boxes = {tuple(round(float(v)) for v in p.mediabox) for p in reader.pages}
    assert len(boxes) == 1  # every page the same size: the graph does not move


@needs_dot
def test_save_png_frames_are_the_same_size(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    e, *_ = seed_neuron()
    paths = viz.steps(e).save(tmp_path / "frames", format="png", dpi=50)
    sizes = set()
    for p in paths:
        with image.open(p) as im:
            sizes.add(im.size)
    assert len(paths) == 30
    assert len(sizes) == 1


def test_bad_export_arguments(tmp_path: Path) -> None:
    s = viz.steps(Value(0.5, label="x").exp())
    with pytest.raises(ValueError, match="fps must be"):
        s.save(tmp_path / "a.gif", fps=0)
    with pytest.raises(ValueError, match="dpi must be"):
        s.save(tmp_path / "a.gif", dpi=True)
    with pytest.raises(ValueError, match="cannot tell the output format"):
        s.save(tmp_path / "frames", format="jpg")
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_a_single_leaf_and_hostile_labels_play() -> None:
    solo = viz.steps(Value(1.0, label="solo"))
    assert [f["caption"] for f in _player_frames(solo.to_html())] == [
        "solo = 1 (output)",
        "solo.grad = ∂solo/∂solo = 1 (the seed)",
    ]
    a = Value(2.0, label='<b>&"x</script>')
    y = (a * a).exp()
    y.label = "ÿ </script><!--"
    s = viz.steps(y)
    page = s.to_html()
    assert page.count("</script>") == 2  # the labels cannot end the player's scripts
    frames = _player_frames(page)
    assert frames[1]["caption"] == 'v1 = <b>&"x</script> × <b>&"x</script> = 4'
    assert '<b>&"x</script>' in svg_texts(frames[0]["svg"])
    assert_pinned(s, caption=True)
    with pytest.raises(ValueError, match="format must be 'svg', 'png' or 'pdf'"):
        s.render(0, "jpg")


# -- one number formatter, styles, graphviz failures ---------------------------------------------


def test_frames_and_captions_use_the_number_formatter_and_digits() -> None:
    e, w1, w2, b = seed_neuron()
    s = viz.steps(e, params=[w1, w2, b])
    w1_step = next(f for f in s if f.edge is not None and f.node == topological_order(e).index(w1))
    assert "= 0.1 × 0.09276 = 0.009276" in w1_step.caption  # as draw_chain shows ∂E/∂W1
    assert "grad 0.009276" in s.draw(len(s) - 1).source
    six = viz.steps(e, digits=6, params=[w1, w2, b])
    assert "= 0.1 × 0.0927609 = 0.00927609" in six[w1_step.index].caption
    assert "grad 0.00927609" in six.draw(len(six) - 1).source
    with pytest.raises(ValueError, match="digits"):
        viz.steps(e, digits=0)


def test_steps_take_a_style() -> None:
    loss, inputs, params = notebook_expression()
    dark = viz.steps(loss, inputs=inputs, params=params, style="dark")
    look = viz.styles.get_style("dark")
    src = dark.draw(3).source
    assert f'bgcolor="{look.background}"' in src
    assert f'BGCOLOR="{look.focus}"' in src  # the frame's node
    assert "#f9e79f" not in src  # no light-theme yellow
    assert 'BGCOLOR="#ffffff"' not in src  # values not computed yet take the dark style's plain fill
    with pytest.raises(ValueError, match="style"):
        viz.steps(loss, style="neon")  # type: ignore[arg-type]


@needs_dot
def test_dark_pinned_frames_draw_in_the_dark_palette() -> None:
    loss, inputs, params = notebook_expression()
    dark = viz.steps(loss, inputs=inputs, params=params, style="dark")
    look = viz.styles.get_style("dark")
    svg = dark.svg(len(dark) - 1)
    assert look.background in svg
    assert 'stroke="black"' not in svg  # cell borders in the dark style's ink
    assert 'class="chainrule-player crp-dark"' in dark.to_html()  # the controls in dark colours too
    assert "background:#111" in dark.to_html(title="steps")
    light = viz.steps(loss, inputs=inputs, params=params)
    assert 'class="chainrule-player"' in light.to_html()


def test_a_graphviz_failure_in_a_frame_is_shown_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from viz.display import DotTimeoutError

    pinned = importlib.import_module("viz.pinned")
    loss, inputs, params = notebook_expression()
    s = viz.steps(loss, inputs=inputs, params=params)

    def timed_out(source: str, fmt: str, **kw: Any) -> bytes:
        raise DotTimeoutError("graphviz's dot did not finish this picture within timeout=120 s and was stopped")

    monkeypatch.setattr(pinned, "display_render", timed_out)
    bundle = s._repr_mimebundle_()
    assert "did not finish" in bundle["text/html"]
    assert "digraph" in bundle["text/html"]  # the DOT text, for the reader to take elsewhere
    assert "did not finish" in s._frame_html(0)
    with pytest.raises(DotTimeoutError):  # rendering a file raises; only the display turns it into a message
        s.render(0)
