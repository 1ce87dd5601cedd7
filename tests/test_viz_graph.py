"""viz.draw_graph: deterministic DOT (golden files), escaping, roles, colours, real SVG renders."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from viz_support import bare_edge_labels, golden, needs_dot, seed_neuron, svg_texts

import viz
from autograd import Value, dot, topological_order
from viz.numbers import fixed, format_number, short


def test_a_plus_a_golden() -> None:
    a = Value(2.0, label="a")
    b = a + a
    b.backward()
    src = viz.draw_graph(b).source
    assert src.count("v0 -> v1\n") == 2  # the op in the result's node: two edges into it
    assert viz.draw_graph(b, ops="nodes").source.count("v0 -> v1op") == 2
    golden("add_self.dot", src)


def test_seed_neuron_golden_with_local_grads_and_parameters() -> None:
    e, w1, w2, b = seed_neuron()
    golden("seed_neuron.dot", viz.draw_graph(e, local_grads=True, params=[w1, w2, b], ops="nodes").source)


def test_gradient_colouring_golden() -> None:
    e, *_ = seed_neuron()
    golden("seed_neuron_grad_colour.dot", viz.draw_graph(e, color="grad", digits=2, rankdir="TB").source)


def test_dot_text_is_deterministic_and_ids_are_topological() -> None:
    e1, *_ = seed_neuron()
    e2, *_ = seed_neuron()
    first, second = viz.draw_graph(e1).source, viz.draw_graph(e2).source
    assert first == second
    ids = re.findall(r"^\tv(\d+) \[", first, flags=re.MULTILINE)
    assert [int(i) for i in ids] == list(range(len(ids)))
    # Every edge goes from a lower id to a higher one (parents before children); an edge a folded
    # picture draws backwards (viz.wrap.fold: dir=back) is written from the child to the parent.
    for src, dst, attrs in re.findall(r"^\tv(\d+)(?:op)? -> v(\d+)(?:op)?(.*)$", first, flags=re.MULTILINE):
        assert int(src) >= int(dst) if "dir=back" in attrs else int(src) <= int(dst)


def test_every_user_string_is_escaped_and_no_record_shapes() -> None:
    x = Value(1.0, label="<b>&\"x' \\N")
    y = x * 2.0
    y.label = "}{|<port>"
    src = viz.draw_graph(y).source
    assert "&lt;b&gt;&amp;&quot;x&#x27; \\\\N" in src  # graphviz would expand \\N: the backslash is doubled
    assert "}{|&lt;port&gt;" in src
    assert "<b>" not in src
    assert "record" not in src


@needs_dot
def test_escaped_labels_render_literally() -> None:
    x = Value(1.0, label="<b>&\"x'")
    texts = svg_texts(viz.draw_graph(x * 2.0).svg())
    assert "<b>&\"x'" in texts


@needs_dot
@pytest.mark.parametrize("label", ["\\Gamma", "C:\\Temp\\New", "a\\Nb\\G\\L\\l\\n\\E\\T\\H"])
def test_backslashes_are_drawn_as_written(label: str) -> None:
    # graphviz expands \G (the graph's name), \N, \n … inside labels, even HTML-like ones.
    x = Value(1.0, label=label)
    texts = svg_texts(viz.draw_graph(x * 2.0, names={x: label}).svg())
    assert label in texts
    chain_texts = svg_texts(viz.draw_chain(x * 2.0, x).svg())
    assert any(label in t for t in chain_texts)


def test_roles_and_their_colours() -> None:
    w, x = Value(0.5, label="w"), Value(2.0)
    wx = w * x
    y = wx + 1.0
    src = viz.draw_graph(y, params=[w], inputs=[x]).source
    colours = dict(re.findall(r'^\t(v\d+) \[label=<<TABLE[^>]*BGCOLOR="(#[0-9a-f]+)"', src, flags=re.MULTILINE))
    ids = {id(v): f"v{i}" for i, v in enumerate(topological_order(y))}
    constant = next(p for p in y.parents if p is not wx)
    roles = {w: "parameter", x: "input", constant: "constant", wx: "intermediate", y: "output"}
    assert colours == {ids[id(v)]: viz.ROLE_COLORS[r] for v, r in roles.items()}


def test_gradient_colours_are_diverging_by_sign_and_magnitude() -> None:
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    y = 2.0 * a - 0.5 * b
    y.backward()  # a.grad = 2 (the largest magnitude), b.grad = -0.5
    src = viz.draw_graph(y, color="grad").source
    fills = {name: colour for colour, name in re.findall(r'BGCOLOR="(#[0-9a-f]+)"><TR><TD><B>(\w)</B>', src)}
    assert fills["a"] == "#d6604d"  # full red
    quarter_blue = "#" + "".join(f"{round(255 + (c - 255) * 0.25):02x}" for c in (0x43, 0x93, 0xC3))
    assert fills["b"] == quarter_blue
    assert 'BGCOLOR="#ffffff"' not in src.split("<B>a</B>")[0].rsplit("\n", 1)[-1]


def test_digits_are_fixed_and_configurable() -> None:
    x = Value(1 / 3, label="x")
    assert "data 0.33333333" in viz.draw_graph(x * 1.0, digits=8).source
    assert "data 0.3 " not in viz.draw_graph(x * 1.0, digits=1).source
    assert "data 0.3<" in viz.draw_graph(x * 1.0, digits=1).source


def test_local_grads_on_every_edge() -> None:
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    src = bare_edge_labels(viz.draw_graph(y, local_grads=True, ops="nodes").source)
    assert src.count("v0 -> v1op [label=<0.5>]") == 2
    assert f"v1 -> v2op [label=<{format_number(1 - y.data**2)}>]" in src


def test_op_nodes_show_symbol_and_parameter() -> None:
    x = Value(2.0)
    src = viz.draw_graph(vsum_like(x), ops="nodes").source
    for text in ("<**3>", "<2**>", "<leaky_relu(0.1)>", "<σ>", "<÷>"):
        assert f"label={text}" in src


def vsum_like(x: Value) -> Value:
    return (x**3) + (2.0**x) + x.leaky_relu(0.1) + x.sigmoid() + x / 3.0


def test_several_outputs() -> None:
    x = Value(1.0, label="x")
    src = viz.draw_graph([x * 2.0, x + 1.0], legend=False).source
    assert src.count(viz.ROLE_COLORS["output"]) == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"root": "x"}, TypeError, "root must be a Value or a sequence of Values, got str"),
        ({"root": []}, ValueError, "empty sequence"),
        ({"root": [Value(1.0), 2.0]}, TypeError, r"root\[1\] must be a Value, got float"),
        ({"digits": 0}, ValueError, "digits must be an int from 1 to 17"),
        ({"precision": 4}, TypeError, "unexpected keyword argument 'precision'"),
        ({"style": "neon"}, ValueError, "style must be one of 'notebook', 'slide', 'print', 'dark'"),
        ({"names": 3}, TypeError, "names must be a mapping or a function"),
        ({"legend": "yes"}, TypeError, "legend must be True, False or None"),
        ({"vmax": -1.0, "color": "grad"}, ValueError, "vmax must be a positive finite number"),
        ({"node_attr": ["fontsize"]}, TypeError, "node_attr must be a mapping"),
        ({"color": "rainbow"}, ValueError, "color must be 'role', 'grad' or 'none'"),
        ({"rankdir": "XY"}, ValueError, "rankdir must be 'auto' or one of LR, RL, TB, BT"),
        ({"params": [1.0]}, TypeError, "params must contain Values, got float"),
        ({"collapse": "Neuron"}, ValueError, "collapse= needs model="),
        ({"model": object()}, TypeError, "model must provide named_modules"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    args: dict[str, Any] = {"root": Value(1.0) * 2.0, **kwargs}
    with pytest.raises(error, match=message):
        viz.draw_graph(**args)


@needs_dot
def test_real_svg_render_and_files(tmp_path: Path) -> None:
    e, w1, *_ = seed_neuron()
    d = viz.draw_graph(e, params=[w1])
    texts = svg_texts(d.svg())
    assert "data 0.3565" in texts
    assert "E" in texts
    bundle = d._repr_mimebundle_()
    assert sorted(bundle) == ["image/svg+xml", "text/html", "text/plain"]
    assert d._repr_svg_() == bundle["image/svg+xml"]
    assert 'style="max-width:100%;height:auto;display:block' in bundle["text/html"]
    for ext, magic in ((".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF"), (".dot", b"digraph")):
        path = d.save(tmp_path / f"graph{ext}")
        assert path.read_bytes().startswith(magic)
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8") == d.source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.dot", "graph.pdf", "graph.png", "graph.svg"]


def test_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot tell the output format from .*graph\.txt"):
        viz.draw_graph(Value(1.0) * 2.0).save(tmp_path / "graph.txt")
    assert list(tmp_path.iterdir()) == []


def test_number_formats() -> None:
    assert [short(x) for x in (0.844352143, 0.109860473, 0.1, 0.009276093)] == [
        "0.844352",
        "0.109860",
        "0.1",
        "0.00927609",
    ]
    assert [short(x) for x in (-1.0, 2.0, 0.0, -0.0, 1e20, 1 / 3)] == [
        "-1",
        "2",
        "0",
        "0",
        "1e+20",
        "0.333333",
    ]
    assert [fixed(x) for x in (-0.0, -1e-12, 0.5, 1234567.0)] == ["0.0000", "-1.0000e-12", "0.5000", "1.2346e+06"]
    with pytest.raises(ValueError, match="digits must be"):
        short(1.0, 0)


def test_dot_is_used_for_weights_and_inputs_in_one_node() -> None:
    ws = [Value(0.5, label="w0"), Value(-0.5, label="w1")]
    xs = [Value(1.0, label="x0"), Value(2.0, label="x1")]
    z = dot(ws, xs, Value(0.1, label="b"))
    src = viz.draw_graph(z, local_grads=True, ops="nodes").source
    assert src.count("label=<Σ w·x>") == 1
    assert src.count(" -> v5op") == 5  # w0, x0, w1, x1, b
