"""The live explorer in a real browser, offline: edits recompute what the engine computes.

Every check drives the page as a person would (typing, keys, clicks) through its
``data-leaf`` inputs and reads each node's ``data-value``/``data-grad``, compared with the
engine's own recomputation in Python at the new leaf values, to 1e-12 relative.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from browser_support import needs_browser, open_page, screenshot
from viz_support import notebook_expression

from autograd import DomainError, Value, apply, define_op, grad
from autograd.examples import single_neuron_graph
from viz.explore import Explorer, explore

REL = 1e-12

_NODES = """(root) => Object.fromEntries([...root.querySelectorAll('[data-node]')].map(
  e => [e.dataset.node, [e.dataset.value, e.dataset.grad, e.dataset.error || null]]))"""

_TEXTS = "() => [...document.querySelectorAll('.crx-nodes text, .crx-edges text')].map(t => t.textContent)"
_SETTLED = "() => document.querySelector('.chainrule-explorer').dataset.pending === '0'"
_EDIT_NOW = """async (value) => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  await new Promise(r => setTimeout(r, 50));  // the page has seen which nodes are on screen
  const input = document.querySelector('[data-leaf="x1"]');
  input.value = value;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return Number(document.querySelector('.chainrule-explorer').dataset.pending);
}"""


def _neuron() -> tuple[Explorer, Any]:
    g = single_neuron_graph()
    ex = explore(g.error, params=[g.w1, g.w2, g.b], inputs=[g.x1, g.x2])
    return ex, g


def replay(output: Value, leaves: dict[int, Any]) -> list[tuple[float, float]]:
    """The engine's recomputation: the graph rebuilt op by op (``apply``) at new leaf values, then ``grad``.

    ``leaves`` maps a node's index in the explorer's order to its new number.
    """
    order = _order(output)
    made: list[Value] = []
    for i, v in enumerate(order):
        if v.is_leaf:
            made.append(Value(leaves.get(i, v.data), v.label))
        else:
            made.append(apply(v.op, *(made[order.index(p)] for p in v.parents), param=v.param))
    grads = grad(made[-1], made)
    return [(m.data, g) for m, g in zip(made, grads, strict=True)]


def _order(output: Value) -> list[Value]:
    from autograd import topological_order

    return topological_order(output)


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b))


def _assert_matches(ex: Explorer, shown: dict[str, Any], expected: list[tuple[float, float]]) -> None:
    ids = [n["id"] for n in ex.data["nodes"]]
    assert set(shown) == set(ids)
    bad = []
    for node_id, (value, gradient) in zip(ids, expected, strict=True):
        v, g, error = shown[node_id]
        assert error is None, (node_id, error)
        if not (_close(float(v), value) and _close(float(g), gradient)):
            bad.append(f"{node_id}: page {v}, {g}; engine {value!r}, {gradient!r}")
    assert not bad, "\n".join(bad)


def _open(ex: Explorer, tmp_path: Path, name: str = "explore.html", **kw: Any) -> Any:
    path = tmp_path / name
    ex.save(path)
    return open_page(path, **kw)


@needs_browser
def test_seed_neuron_edits_recompute_every_value_and_gradient_as_the_engine(tmp_path: Path) -> None:
    ex, g = _neuron()
    ids = [n["id"] for n in ex.data["nodes"]]
    with _open(ex, tmp_path, viewport=(1000, 1300)) as (page, log):
        root = page.locator(".chainrule-explorer").first
        assert page.locator(".crx-nojs").count() == 0  # the still picture gives way to the live one
        start = root.evaluate(_NODES)
        _assert_matches(ex, start, replay(g.error, {}))
        page.fill('[data-leaf="X1"]', "0.7")
        page.fill('[data-leaf="W1"]', "-1.2")
        shown = root.evaluate(_NODES)
        expected = replay(g.error, {ids.index("X1"): 0.7, ids.index("W1"): -1.2})
        _assert_matches(ex, shown, expected)
        assert shown["W1"][1] != start["W1"][1]
        screenshot(page, "explore_neuron_edited", full_page=True)
        # Why this gradient? The panel's sum over W1's consumers is W1's gradient.
        page.click('[data-node="W1"]')
        total = page.locator(".crx-panel .crx-sum").first
        assert float(total.get_attribute("data-sum")) == float(shown["W1"][1])
        terms = [float(t) for t in page.locator(".crx-terms li").evaluate_all("ls => ls.map(l => l.dataset.term)")]
        assert math.fsum(terms) == pytest.approx(float(shown["W1"][1]), rel=REL)
        assert "W1.grad" in total.inner_text()
        # The derivative chain's one path: its factors multiply to W1's gradient.
        (product,) = page.locator(".crx-paths li").evaluate_all("ls => ls.map(l => Number(l.dataset.product))")
        assert product == pytest.approx(expected[ids.index("W1")][1], rel=1e-12)
        # Every product and sum the panel writes redoes: its terms, as written, give its result as written.
        _assert_redoes(page.locator(".crx-panel").inner_text())
        hot = page.locator(".crx-edge.crx-hot").count()
        assert hot == 7  # E ← ×0.5 ← **2 ← − ← σ ← + ← + ← × ← W1: the path's edges lit
        screenshot(page, "explore_neuron_why_w1", full_page=True)
    assert log.clean(), log.problems()


@needs_browser
def test_arrow_keys_slider_range_reset_and_sgd(tmp_path: Path) -> None:
    ex, g = _neuron()
    ids = [n["id"] for n in ex.data["nodes"]]
    with _open(ex, tmp_path) as (page, log):
        root = page.locator(".chainrule-explorer").first
        w2 = page.locator('[data-leaf="W2"]')
        w2.press("ArrowUp")  # one hundredth of the slider's range (-1 … 1)
        assert float(w2.input_value()) == pytest.approx(0.22)
        _assert_matches(ex, root.evaluate(_NODES), replay(g.error, {ids.index("W2"): 0.22}))
        row = page.locator(".crx-leaf", has=page.locator('[data-leaf="b"]'))
        row.locator(".crx-min").fill("0")
        row.locator(".crx-max").fill("10")
        row.locator(".crx-max").dispatch_event("change")
        assert row.locator(".crx-range").get_attribute("max") == "10"
        row.locator(".crx-range").fill("5")  # dragging the slider to the middle of 0 … 10
        assert float(page.locator('[data-leaf="b"]').input_value()) == 5.0
        page.click(".crx-reset")
        _assert_matches(ex, root.evaluate(_NODES), replay(g.error, {}))
        # One SGD step: w ← w − lr·grad on W1, W2, b; the loss falls.
        before = float(root.evaluate(_NODES)["E"][0])
        start = replay(g.error, {})
        page.fill(".crx-lr", "0.5")
        page.click(".crx-sgd")
        moved = {ids.index(p): start[ids.index(p)][0] - 0.5 * start[ids.index(p)][1] for p in ("W1", "W2", "b")}
        after = root.evaluate(_NODES)
        _assert_matches(ex, after, replay(g.error, moved))
        assert float(after["E"][0]) < before
        assert "after one SGD step" in page.locator(".crx-status").inner_text()
        page.fill(".crx-lr", "-1")
        page.click(".crx-sgd")
        assert "positive" in page.locator(".crx-status").inner_text()
        page.fill('[data-leaf="X1"]', "abc")
        assert "not a finite number" in page.locator(".crx-leaf-msg").first.inner_text() + "".join(
            page.locator(".crx-leaf-msg").all_inner_texts()
        )
    assert log.clean(), log.problems()


@needs_browser
def test_domain_error_shows_at_the_node_in_words(tmp_path: Path) -> None:
    x = Value(0.5, label="x")
    y = (x.log() * 2.0).tanh()
    y.label = "y"
    ex = explore(y)
    with _open(ex, tmp_path) as (page, log):
        page.fill('[data-leaf="x"]', "-0.3")
        nodes = page.locator(".chainrule-explorer").evaluate(_NODES)
        log_id = next(n["id"] for n in ex.data["nodes"] if n["op"] == "log")
        assert nodes[log_id][2] == "log(-0.3) is undefined: needs x > 0"
        note = page.locator(f'.crx-error-note[data-for="{log_id}"]')
        assert "log(-0.3) is undefined: needs x > 0" in note.text_content().replace("\n", " ").replace("  ", " ")
        assert nodes["y"][0] == ""
        assert nodes["y"][1] == ""
        screenshot(page, "explore_domain_error")
        page.fill('[data-leaf="x"]', "2")
        nodes = page.locator(".chainrule-explorer").evaluate(_NODES)
        assert nodes[log_id][2] is None
        assert _close(float(nodes["y"][0]), math.tanh(2 * math.log(2)))
    assert log.clean(), log.problems()


@needs_browser
def test_step_through_the_live_pass(tmp_path: Path) -> None:
    ex, g = _neuron()
    n_edges = sum(len(n["p"]) for n in ex.data["nodes"])
    with _open(ex, tmp_path) as (page, log):
        page.fill('[data-leaf="X1"]', "0.7")
        page.click(".crx-steps")
        status = page.locator(".crx-step-status")
        assert status.inner_text() == f"step 1/{15 + 1 + n_edges} (forward)"
        root = page.locator(".chainrule-explorer").first
        root.focus()
        for _ in range(15):
            page.keyboard.press("ArrowRight")
        assert page.locator(".crx-caption").inner_text() == "E.grad = ∂E/∂E = 1 (the seed)"
        page.locator(".crx-slider").fill(str(15 + 1 + n_edges))
        caption = page.locator(".crx-caption").inner_text()
        _assert_redoes(caption)
        expected = replay(g.error, {[n["id"] for n in ex.data["nodes"]].index("X1"): 0.7})
        # The last edge applied: v4 = X1 × W1's second input, W1, whose ∂v4/∂W1 is X1 = 0.7.
        assert caption.startswith("W1.grad += ∂v4/∂W1 × v4.grad = 0.7 × ")
        assert caption.endswith(f"= {_fmt(expected[3][1])}")
        screenshot(page, "explore_neuron_steps")
        page.click(".crx-steps")  # back to live values
        assert page.locator(".crx-player").is_hidden()
    assert log.clean(), log.problems()


def _assert_redoes(text: str) -> None:
    from viz.arithmetic import equations, redoes

    found = equations(text)
    assert found, text
    wrong = [e.text for e in found if not redoes(e.op, e.terms, e.result, digits=4)]
    assert not wrong, wrong


def _fmt(x: float) -> str:
    from viz.numbers import format_number

    return format_number(x)


@needs_browser
def test_lanes_one_at_a_time(tmp_path: Path) -> None:
    import numpy as np

    xs = Value(np.array([0.5, -1.0, 2.0, 0.25]), label="x")
    w = Value(0.7, label="w")
    loss = ((xs * w).tanh() - 0.3) ** 2
    out = loss.mean()
    out.label = "L"
    ex = explore(out, params=[w])
    with _open(ex, tmp_path) as (page, log):
        root = page.locator(".chainrule-explorer").first
        page.select_option(".crx-lane", "2")
        page.fill('[data-leaf="x"]', "-1.5")
        page.fill('[data-leaf="w"]', "1.3")
        shown = root.evaluate(_NODES)
        x_new = Value(np.array([0.5, -1.0, -1.5, 0.25]), label="x")
        w_new = Value(1.3, label="w")
        inner = (x_new * w_new).tanh()
        l_new = ((inner - 0.3) ** 2).mean()
        gw, gx = grad(l_new, [w_new, x_new])
        assert _close(float(shown["L"][0]), l_new.data)
        assert _close(float(shown["w"][1]), gw)  # a scalar that fed the lanes: the sum over them
        assert _close(float(shown["x"][0]), -1.5)
        assert _close(float(shown["x"][1]), float(gx[2]))  # lane 2's gradient
        screenshot(page, "explore_lanes")
    assert log.clean(), log.problems()


@needs_browser
def test_a_domain_error_at_a_lane_says_what_python_says(tmp_path: Path) -> None:
    import numpy as np

    xs = Value(np.array([0.5, 2.0, 1.0]), label="x")
    w = Value(0.7, label="w")
    out = ((xs * w).log() + 1.0).mean()
    out.label = "L"
    ex = explore(out, params=[w])
    log_id = next(n["id"] for n in ex.data["nodes"] if n["op"] == "log")
    with _open(ex, tmp_path) as (page, log):
        page.select_option(".crx-lane", "2")
        page.fill('[data-leaf="x"]', "-0.3")
        shown = page.locator(".chainrule-explorer").evaluate(_NODES)
        with pytest.raises(DomainError) as python:
            (Value(np.array([0.5, 2.0, -0.3])) * Value(0.7)).log()
        assert shown[log_id][2] == str(python.value)
        assert str(python.value).endswith("at lane 2")
        assert str(python.value) in page.locator(".crx-status").inner_text()
        screenshot(page, "explore_lane_domain_error")
    assert log.clean(), log.problems()


@needs_browser
def test_an_op_without_a_javascript_form_is_read_only_with_a_note(tmp_path: Path) -> None:
    cube = define_op("cube_explore", lambda x: x**3, lambda out, x: (3 * x * x,), replace=True)
    x = Value(0.5, label="x")
    y = cube(x) * 2.0
    y.label = "y"
    ex = explore(y)
    with _open(ex, tmp_path) as (page, log):
        note = page.locator(".crx-note").inner_text()
        assert "'cube_explore'" in note
        assert "read-only" in note
        assert page.locator('[data-leaf="x"]').is_disabled()
        nodes = page.locator(".chainrule-explorer").evaluate(_NODES)
        assert _close(float(nodes["y"][0]), 0.25)
        assert _close(float(nodes["x"][1]), 1.5)
    assert log.clean(), log.problems()


@needs_browser
def test_two_explorers_on_one_page_do_not_interfere(tmp_path: Path) -> None:
    a = Value(2.0, label="a")
    b = Value(3.0, label="b")
    page_html = (
        "<!doctype html><html><body>"
        + explore(a * a, title="one").to_html()
        + explore(b * 2.0 + 1.0).to_html()
        + "</body></html>"
    )
    path = tmp_path / "two.html"
    path.write_text(page_html, encoding="utf-8")
    with open_page(path) as (page, log):
        first, second = page.locator(".chainrule-explorer").nth(0), page.locator(".chainrule-explorer").nth(1)
        before = second.evaluate(_NODES)
        first.locator('[data-leaf="a"]').fill("5")
        assert first.evaluate(_NODES)["v1"][0] == "25"
        assert second.evaluate(_NODES) == before
    assert log.clean(), log.problems()


def _mlp_loss() -> tuple[Value, Any]:
    import nn

    model = nn.MLP(2, [4, 4, 1], seed=0)
    loss = (model([Value(0.5, "x1"), Value(-1.0, "x2")]) - 1.0) ** 2
    loss.label = "loss"
    return loss, model


@needs_browser
@pytest.mark.parametrize(
    ("style", "graph"),
    [("notebook", "neuron"), ("dark", "neuron"), ("notebook", "mlp"), ("notebook", "collapsed"), ("dark", "collapsed")],
)
def test_screens_in_a_jupyterlab_like_column(tmp_path: Path, style: str, graph: str) -> None:
    if graph == "mlp":
        loss, model = _mlp_loss()
        ex = explore(loss, model=model, prompt="Take SGD steps: how fast does the loss fall with lr = 0.1?")
    elif graph == "collapsed":
        from benchmarks.explore import mlp_samples_loss

        loss, model = mlp_samples_loss([16, 16])
        ex = explore(loss, model=model, style=style)  # type: ignore[arg-type]
    else:
        ex = explore(
            single_neuron_graph().error,
            style=style,  # type: ignore[arg-type]
            prompt="Make ∂E/∂W1 negative — which input do you change?",
        )
    background = "#111111" if style == "dark" else "#ffffff"
    page_html = (
        f'<!doctype html><html><body style="margin:0;background:{background}">'
        f'<main style="width:1000px;margin:0 auto"><div class="jp-OutputArea-output">{ex.to_html()}</div></main>'
        "</body></html>"
    )
    path = tmp_path / f"lab_{style}_{graph}.html"
    path.write_text(page_html, encoding="utf-8")
    with open_page(path, viewport=(1100, 1300), color_scheme="dark" if style == "dark" else "light") as (page, log):
        overflow = page.evaluate(
            "() => { const m = document.querySelector('main').getBoundingClientRect();"
            " const e = document.querySelector('.chainrule-explorer').getBoundingClientRect();"
            " return Math.max(0, e.right - m.right); }"
        )
        assert overflow <= 1
        if graph == "neuron":
            page.click('[data-node="W1"]')
        elif graph == "collapsed":
            page.click('.crx-box[data-box="layers.1.neurons.0"]')
            assert page.locator(".crx-box-leaves li").count() == 17
        else:
            page.click(f'[data-node="{next(n["id"] for n in ex.data["nodes"] if n["role"] == "parameter")}"]')
            before = float(page.locator('[data-node="loss"]').get_attribute("data-value"))
            page.click(".crx-sgd")
            assert float(page.locator('[data-node="loss"]').get_attribute("data-value")) < before
        page.wait_for_function(_SETTLED)  # texts off screen written too
        screenshot(page, f"explore_lab_{style}_{graph}")
    assert log.clean(), log.problems()


@needs_browser
def test_every_panel_writes_arithmetic_a_learner_can_redo(tmp_path: Path) -> None:
    loss, inputs, params = notebook_expression()
    ex = explore(loss, inputs=inputs, params=params)
    ids = [n["id"] for n in ex.data["nodes"]]
    with _open(ex, tmp_path) as (page, log):
        for value in ("0.5", "-0.8437", "1.3333"):
            page.fill('[data-leaf="x"]', value)
            shown = page.locator(".chainrule-explorer").evaluate(_NODES)
            for node_id in ids:
                page.click(f'[data-node="{node_id}"]')
                panel = page.locator(".crx-panel")
                total = panel.locator(".crx-sum")
                assert float(total.get_attribute("data-sum")) == float(shown[node_id][1]), node_id
                if node_id != "L":
                    _assert_redoes(panel.inner_text())
                page.click(f'[data-node="{node_id}"]')  # a second click closes the panel
        page.fill('[data-leaf="x"]', "0.5")
        page.click('[data-node="x"]')
        assert page.locator(".crx-terms li").count() == 3  # x is used three times: three terms
        assert page.locator(".crx-paths li").count() == 3
        screenshot(page, "explore_why_x_three_terms")
    assert log.clean(), log.problems()


@needs_browser
def test_a_model_in_its_module_boxes_recomputes_as_the_engine(tmp_path: Path) -> None:
    loss, model = _mlp_loss()
    ex = explore(loss, model=model)
    assert ex.data["geo"]["c"], "a model's modules are drawn as boxes, as in the pictures"
    ids = [n["id"] for n in ex.data["nodes"]]
    with _open(ex, tmp_path) as (page, log):
        page.click(".crx-leaf-box summary")  # 40 leaves: folded until opened
        page.fill('[data-leaf="x1"]', "0.7")
        page.fill('[data-leaf="w1.0.0"]', "-1.2")
        shown = page.locator(".chainrule-explorer").evaluate(_NODES)
        _assert_matches(ex, shown, replay(loss, {ids.index("x1"): 0.7, ids.index("w1.0.0"): -1.2}))
    assert log.clean(), log.problems()


@needs_browser
def test_texts_off_screen_wait_then_show_what_a_full_screen_shows(tmp_path: Path) -> None:
    """An edit writes the texts on screen at once; the others follow, and end exactly as on a screen showing all."""
    loss, model = _mlp_loss()
    ex = explore(loss, model=model)
    after: dict[str, tuple[int, list[str], dict[str, Any]]] = {}
    for name, viewport in [("small", (420, 300)), ("large", (6000, 4000))]:
        with _open(ex, tmp_path, f"{name}.html", viewport=viewport) as (page, log):
            page.wait_for_function(_SETTLED)
            before = page.evaluate(_TEXTS)
            waited = page.evaluate(_EDIT_NOW, "0.9")
            page.wait_for_function(_SETTLED)
            texts = page.evaluate(_TEXTS)
            assert texts != before
            after[name] = (waited, texts, page.locator(".chainrule-explorer").evaluate(_NODES))
        assert log.clean(), log.problems()
    assert after["small"][0] > 0  # most of the graph is off a 420×300 screen: its texts waited
    assert after["large"][0] == 0  # everything on screen: nothing waits
    assert after["small"][1] == after["large"][1]
    assert after["small"][2] == after["large"][2]
    ids = [n["id"] for n in ex.data["nodes"]]
    _assert_matches(ex, after["small"][2], replay(loss, {ids.index("x1"): 0.9}))


@needs_browser
def test_fit_width_too_small_to_read_lets_texts_wait(tmp_path: Path) -> None:
    """A 493-node model fitted to 1280 px draws specks for texts: they wait, then show the new numbers."""
    import nn

    model = nn.MLP(2, [18, 18, 1], seed=0)
    loss = (model([Value(0.5, "x1"), Value(-1.0, "x2")]) - 1.0) ** 2
    loss.label = "loss"
    ex = explore(loss, model=model)
    ids = [n["id"] for n in ex.data["nodes"]]
    with _open(ex, tmp_path, viewport=(1280, 900)) as (page, log):
        page.click(".crx-fit")
        page.wait_for_function(_SETTLED)
        waited = page.evaluate(_EDIT_NOW, "0.9")
        page.wait_for_function(_SETTLED)
        status = page.locator(".crx-status").inner_text()
        loss_text = page.locator('[data-node="loss"] text').all_text_contents()
        shown = page.locator(".chainrule-explorer").evaluate(_NODES)
    assert log.clean(), log.problems()
    assert waited > 0
    assert status.startswith("loss = ")
    assert f"data {status.removeprefix('loss = ')}" in loss_text
    _assert_matches(ex, shown, replay(loss, {ids.index("x1"): 0.9}))


# Every name a node's text shows, with whether it is drawn (a box with area, not hidden).
_SHOWN_NAMES = """(root) => {
  const out = {};
  root.querySelectorAll('[data-node] text').forEach(t => {
    const r = t.getBoundingClientRect();
    const name = t.textContent.trim();
    if (name && r.width > 0 && r.height > 0 && getComputedStyle(t).visibility !== 'hidden') {
      (out[name] = out[name] || []).push(t.closest('[data-node]').dataset.node);
    }
  });
  return out;
}"""


def _cited(text: str, names: list[str]) -> set[str]:
    """The node names ``text`` cites: every v-id (v13), and every other node name written as a word."""
    import re

    found = set(re.findall(r"(?<![\w.])v\d+(?![\w.])", text))
    for name in names:
        if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", text):
            found.add(name)
    return found


@needs_browser
def test_every_name_the_panel_and_controls_cite_is_shown_on_its_node(tmp_path: Path) -> None:
    """The why-panel, the status line and the step captions call nodes by names the picture shows on them."""
    ex, _ = _neuron()
    names = [n["name"] for n in ex.data["nodes"]]
    ids = [n["id"] for n in ex.data["nodes"]]
    with _open(ex, tmp_path, viewport=(1000, 1300)) as (page, log):
        root = page.locator(".chainrule-explorer").first
        page.fill('[data-leaf="X1"]', "0.7")
        shown = root.evaluate(_SHOWN_NAMES)
        for name, node_id in zip(names, ids, strict=True):
            assert node_id in shown.get(name, []), f"{name} is not shown on its node"
        texts = [page.locator(".crx-status").inner_text()]
        for node_id in ids:
            page.click(f'[data-node="{node_id}"]')
            texts.append(page.locator(".crx-panel").inner_text())
            page.click(f'[data-node="{node_id}"]')
        page.click(".crx-steps")
        last = int(page.locator(".crx-slider").get_attribute("max"))
        for k in range(1, last + 1):
            page.locator(".crx-slider").fill(str(k))
            texts.append(page.locator(".crx-caption").inner_text())
        cited = set().union(*(_cited(t, names) for t in texts))
        assert {"v4", "v13", "W1", "E"} <= cited  # the panel cites intermediate nodes by their ids
        missing = sorted(c for c in cited if c not in shown)
        assert not missing, f"cited but not shown on any node: {missing}"
        page.click(".crx-steps")
        page.click('[data-node="W1"]')
        screenshot(page, "explore_names_shown")
    assert log.clean(), log.problems()


_BOX_OUTPUTS = """(root) => [...root.querySelectorAll('.crx-box')].map(b => [b.dataset.box,
  [...b.querySelectorAll('text')].flatMap(t => t.children.length ? [...t.children].map(c => c.textContent)
                                                                 : [t.textContent])])"""


@needs_browser
def test_a_graph_too_large_to_draw_is_collapsed_and_stays_live(tmp_path: Path) -> None:
    """MLP(2, [16, 16, 1]) over 4 samples: 620 nodes, drawn as 33 neuron boxes and what lies outside them.

    An edit of an input and of a parameter inside a box recompute every node as the engine
    does; the boxes show their outputs' new numbers; a box lists its leaves, each explaining
    its gradient; every name the panel cites is shown on its node, or names the box it is in.
    """
    from benchmarks.explore import mlp_samples_loss

    loss, model = mlp_samples_loss([16, 16])
    ex = explore(loss, model=model)
    nodes = ex.data["nodes"]
    ids = [n["id"] for n in nodes]
    inside = next(i for i, n in enumerate(nodes) if n["leaf"] and n["role"] == "parameter" and "box" in n)
    with _open(ex, tmp_path, viewport=(1280, 900)) as (page, log):
        root = page.locator(".chainrule-explorer").first
        assert page.locator(".crx-box").count() == 33
        assert page.locator(".crx-node").count() + 33 <= 500
        page.click(".crx-leaf-box summary")  # 349 leaves: folded until opened
        page.fill('[data-leaf="x00"]', "0.7")
        page.fill(f'[data-leaf="{ids[inside]}"]', "-1.2")
        shown = root.evaluate(_NODES)
        expected = replay(loss, {ids.index("x00"): 0.7, inside: -1.2})
        _assert_matches(ex, shown, expected)
        # Each box's output rows show the numbers of the nodes they name.
        page.wait_for_function(_SETTLED)
        for box, texts in root.evaluate(_BOX_OUTPUTS)[:3]:
            outputs = [n for n in nodes if n.get("box") is not None and n["name"] in texts]
            assert outputs, box
            for node in outputs:
                k = texts.index(node["name"])
                assert texts[k + 1] == f" data {_fmt(expected[ids.index(node['id'])][0])}"
                assert texts[k + 2] == f"grad {_fmt(expected[ids.index(node['id'])][1])}"
        # A box lists its leaves: one explains its gradient, its sum equal to its gradient.
        page.locator(f'.crx-box[data-box="{ex.data["geo"]["b"][nodes[inside]["box"]][9]}"]').click()
        leaves = page.locator(".crx-box-leaves li")
        in_box = [n for n in nodes if n.get("box") == nodes[inside]["box"] and n["leaf"]]
        assert leaves.count() == len(in_box) == 17  # a second-layer neuron: 16 weights and a bias
        assert "collapse=None, max_nodes=620" in page.locator(".crx-panel").inner_text()  # how to draw it all
        page.locator(f'.crx-box-leaves li[data-leaf-of-box="{ids[inside]}"] .crx-why').click()
        total = page.locator(".crx-panel .crx-sum")
        assert float(total.get_attribute("data-sum")) == float(shown[ids[inside]][1])
        panel = page.locator(".crx-panel").inner_text()
        _assert_names_shown(root, panel, [n["name"] for n in nodes], [b[9] for b in ex.data["geo"]["b"]])
        assert page.locator(".crx-box-edge.crx-hot").count() >= 2  # the paths run through the boxes' edges
        screenshot(page, "explore_collapsed_why", full_page=False)
        # One SGD step moves every parameter, those inside the boxes too: the loss falls.
        before = float(shown["loss"][0])
        page.fill(".crx-lr", "0.01")
        page.click(".crx-sgd")
        assert float(root.evaluate(_NODES)["loss"][0]) < before
        page.wait_for_function(_SETTLED)
        screenshot(page, "explore_collapsed", full_page=True)
        # Step through the live pass: every node and edge, those inside the boxes too.
        page.click(".crx-steps")
        n_edges = sum(len(n["p"]) for n in nodes)
        assert page.locator(".crx-step-status").inner_text() == f"step 1/{len(nodes) + 1 + n_edges} (forward)"
        page.locator(".crx-slider").fill(str(len(nodes) + 1 + n_edges))
        caption = page.locator(".crx-caption").inner_text()
        assert ".grad += ∂" in caption  # the last edge applied
        _assert_redoes(caption)
        names = [n["name"] for n in nodes]
        for step in (1, 40, len(nodes), len(nodes) + 2, len(nodes) + 500):  # forward, the seed, backward
            page.locator(".crx-slider").fill(str(step))
            _assert_names_shown(
                root, page.locator(".crx-caption").inner_text(), names, [b[9] for b in ex.data["geo"]["b"]]
            )
        page.click(".crx-steps")
    assert log.clean(), log.problems()


def _assert_names_shown(root: Any, text: str, names: list[str], boxes: list[str]) -> None:
    """Every node name ``text`` cites is shown on a drawn node, or is followed by the box it is in."""
    import re

    shown = root.evaluate(_SHOWN_NAMES)
    drawn_boxes = set(root.evaluate("r => [...r.querySelectorAll('.crx-box')].map(b => b.dataset.box)"))
    cited = _cited(text, names)
    assert cited
    for name in cited:
        if name in shown:
            continue
        within = re.findall(rf"(?<![\w.]){re.escape(name)} in ([\w.]+)", text)
        assert within, f"{name} is cited but shown on no node and names no box"
        assert set(within) <= drawn_boxes & set(boxes), within
