"""Shared helpers of the viz tests: golden files, the seed-000 neuron, SVG text, a fake nn-style model."""

from __future__ import annotations

import os
import random
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from autograd import Value, dot

GOLDEN = Path(__file__).parent / "golden"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="graphviz's dot program is not installed")


def golden(name: str, text: str) -> None:
    """Compare ``text`` with tests/golden/<name>; CHAINRULE_UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("CHAINRULE_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text


def seed_neuron() -> tuple[Value, Value, Value, Value]:
    """Seed 000's neuron, built the seed's way with labelled s, predicted and E; backpropagated.

    Returns (E, W1, W2, b).
    """
    w1, w2, b = Value(0.5, label="W1"), Value(0.2, label="W2"), Value(1.83, label="b")
    s = 0.1 * w1 + 0.3 * w2 + b
    s.label = "s"
    predicted = s.sigmoid()
    predicted.label = "predicted"
    e = 0.5 * (0.03 - predicted) ** 2
    e.label = "E"
    e.backward()
    return e, w1, w2, b


def notebook_expression() -> tuple[Value, list[Value], list[Value]]:
    """Notebook 4's L = tanh(x·w + b) + x·x at x = 0.5, w = −1, b = 2 (18 frames)."""
    x, w, b = Value(0.5, "x"), Value(-1.0, "w"), Value(2.0, "b")
    z = x * w + b
    z.label = "z"
    y = z.tanh()
    y.label = "y"
    loss = y + x * x
    loss.label = "L"
    return loss, [x], [w, b]


def svg_texts(svg: str) -> list[str]:
    """The text elements of an SVG document (parsed as XML, so it must be well formed)."""
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    return ["".join(t.itertext()) for t in root.iter() if t.tag.endswith("text")]


# -- a tiny model with nn.Module's duck-typed protocol (viz never imports nn) ------------------


class FakeModule:
    def children(self) -> list[tuple[str, FakeModule]]:
        return []

    def own_parameters(self) -> list[tuple[str, Value]]:
        return []

    def named_modules(self) -> list[tuple[str, FakeModule]]:
        out: list[tuple[str, FakeModule]] = [("", self)]
        for name, child in self.children():
            out += [(f"{name}.{n}" if n else name, m) for n, m in child.named_modules()]
        return out

    def named_parameters(self) -> list[tuple[str, Value]]:
        out = list(self.own_parameters())
        for name, child in self.children():
            out += [(f"{name}.{n}", p) for n, p in child.named_parameters()]
        return out

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]


class Neuron(FakeModule):
    """One ``dot`` node, then one activation node (none when linear)."""

    def __init__(self, nin: int, relu: bool, rng: random.Random) -> None:
        self.w = [Value(round(rng.uniform(-1, 1), 3)) for _ in range(nin)]
        self.b = Value(0.1)
        self.relu = relu

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def __call__(self, xs: Sequence[Value]) -> Value:
        z = dot(self.w, xs, self.b)
        return z.relu() if self.relu else z


class Layer(FakeModule):
    def __init__(self, nin: int, nout: int, relu: bool, rng: random.Random) -> None:
        self.neurons = [Neuron(nin, relu, rng) for _ in range(nout)]

    def children(self) -> list[tuple[str, FakeModule]]:
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def __call__(self, xs: Sequence[Value]) -> list[Value]:
        return [n(xs) for n in self.neurons]


class MLP(FakeModule):
    """ReLU hidden layers and a linear output layer, like nn.MLP."""

    def __init__(self, nin: int, sizes: Sequence[int], seed: int = 0) -> None:
        rng = random.Random(seed)
        dims = [nin, *sizes]
        self.layers = [Layer(dims[i], dims[i + 1], i < len(sizes) - 1, rng) for i in range(len(sizes))]

    def children(self) -> list[tuple[str, FakeModule]]:
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def __call__(self, xs: Sequence[Value]) -> Value:
        out: Sequence[Value] = xs
        for layer in self.layers:
            out = layer(out)
        return out[0]


def mlp_loss(sizes: Sequence[int], seed: int = 0) -> tuple[MLP, Value, list[Value]]:
    """One forward pass of MLP(2, sizes) on x = (0.5, -1.0), squared error against 1, backpropagated."""
    model = MLP(2, sizes, seed)
    xs = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    loss = (model(xs) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return model, loss, xs


def mlp_lanes_loss(sizes: Sequence[int], seed: int = 0, n: int = 5) -> tuple[MLP, Value, list[Value]]:
    """One forward pass of MLP(2, sizes) on a batch of ``n`` points held as lanes, mean squared error, backpropagated.

    The batch is x0 = linspace(-1, 1, n), x1 = linspace(1, -0.5, n), target 1 for every point.
    """
    model = MLP(2, sizes, seed)
    xs = [Value(np.linspace(-1.0, 1.0, n), label="x0"), Value(np.linspace(1.0, -0.5, n), label="x1")]
    loss = ((model(xs) - 1.0) ** 2).mean()
    loss.label = "loss"
    loss.backward()
    return model, loss, xs


_CLEARED = re.compile(
    r'label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>'
    r'(?:<TD WIDTH="\d+"></TD><TD>(.*?)</TD></TR>|<TD>(.*?)</TD></TR><TR><TD HEIGHT="\d+"></TD></TR>)</TABLE>>'
)


def bare_edge_labels(source: str) -> str:
    """``source`` with each edge label written as its text alone, ``label=<0.5>``: the drawing sets every
    edge label in a table with an empty cell that keeps it clear of its line (viz.layout.clear_label)."""
    return _CLEARED.sub(lambda m: f"label=<{m.group(1) if m.group(1) is not None else m.group(2)}>", source)


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SEQUENCE = [0.5, -1.0, 0.8, 0.2, -0.4]


def unrolled(steps: int = 5) -> tuple[Value, dict[str, Value], list[Value], list[Value]]:
    """Lesson 8's network: h_t = tanh(wₓ·x_t + wₕ·h_{t−1} + b), y = wₒ·h_T + c, L = ½(y + 0.5)²."""
    p = {k: Value(v, label=k) for k, v in [("wₓ", 0.5), ("wₕ", 0.9), ("b", 0.1), ("wₒ", 1.2), ("c", -0.1)]}
    h = Value(0.0, label="h₀")
    xs, states = [], []
    for t, x in enumerate((SEQUENCE * 4)[:steps], start=1):
        xs.append(Value(x, label=f"x{t}".translate(_SUB)))
        h = (p["wₓ"] * xs[-1] + p["wₕ"] * h + p["b"]).tanh()
        h.label = f"h{t}".translate(_SUB)
        states.append(h)
    loss = 0.5 * (p["wₒ"] * h + p["c"] - -0.5) ** 2
    loss.label = "L"
    loss.backward()
    return loss, p, xs, states


def slide_frame_text_px(svg: str) -> float:
    """The smallest text of a 16:9 slide-style frame (asserted) when it fills a 1280×720 slide, in CSS px."""
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert size is not None
    width, height = float(size.group(1)), float(size.group(2))
    assert width / height == pytest.approx(16 / 9, rel=0.01)
    smallest = min(float(t) for t in re.findall(r'font-size="([\d.]+)"', svg))
    return smallest * 4 / 3 * min(960 / width, 540 / height)  # 1280×720 px = 960×540 pt
