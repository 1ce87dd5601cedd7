"""Section explore: the live explorer's page sizes, and its recompute time in headless Chromium.

Sizes: the HTML of lesson 1's explorer (the seed neuron) and of an ``MLP(2, [4, 4, 1])``
loss. Speed: an ``MLP(2, [18, 18, 1])`` loss (493 nodes) opened in Debian's Chromium
(Playwright with ``executable_path``, the network blocked); a leaf is edited 40 times and
each edit is timed twice — by the page's own clock around forward + backward + every text
update (its ``data-recompute-ms``), and from the ``input`` event to the next animation
frame with the layout done (what a person waits for: the texts on screen are written at
once, those off screen wait), and until every text is written (idle batches of 150).
Medians and the slowest are reported; one animation frame is 16 ms. The same for an
``MLP(2, [16, 16, 1])`` loss over 4 samples (620 nodes, more than an explorer draws: drawn
with its neurons collapsed into boxes, every node still computed), editing an input.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any, cast

from benchmarks.harness import Result, Section, Target

_EDIT = """async ([selector, value]) => {
  const input = document.querySelector(selector);
  const root = input.closest('.chainrule-explorer');
  const t0 = performance.now();
  input.value = String(value);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  await new Promise(r => requestAnimationFrame(() => r()));
  root.getBoundingClientRect();  // the layout of the new texts, done
  const frame = performance.now() - t0;
  while (root.dataset.pending !== '0') {  // texts off screen, written in idle batches
    await new Promise(r => setTimeout(r, 1));
  }
  root.getBoundingClientRect();
  return [frame, Number(root.dataset.recomputeMs), performance.now() - t0];
}"""


def _neuron_html() -> str:
    import viz
    from autograd.examples import single_neuron_graph

    g = single_neuron_graph()
    return viz.explore(g.error, params=[g.w1, g.w2, g.b], inputs=[g.x1, g.x2]).to_html(title="neuron")


def _mlp_explorer(hidden: list[int]) -> tuple[int, str]:
    import nn
    import viz
    from autograd import Value, topological_order

    model = nn.MLP(2, [*hidden, 1], seed=0)
    out = cast(Value, model([Value(0.5, "x1"), Value(-1.0, "x2")]))  # one output: a Value
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    n = len(topological_order(loss))
    return n, viz.explore(loss, model=model, max_nodes=max(n, 500)).to_html(title="mlp")


#: The samples of :func:`mlp_samples_loss`: (inputs, target) pairs.
SAMPLES = (((0.5, -1.0), 1.0), ((1.0, 0.3), -1.0), ((-0.7, 0.2), 1.0), ((0.1, 0.9), -1.0))


def mlp_samples_loss(hidden: list[int], samples: int = 4) -> tuple[Any, Any]:
    """An ``MLP(2, [*hidden, 1])``'s squared-error loss summed over ``samples`` samples, and the model:
    ``MLP(2, [16, 16, 1])`` over 4 samples is 620 nodes, more than an explorer draws one by one."""
    import nn
    from autograd import Value

    model = nn.MLP(2, [*hidden, 1], seed=0)
    loss: Any = None
    for k, ((a, b), y) in enumerate(SAMPLES[:samples]):
        out = cast(Value, model([Value(a, f"x{k}0"), Value(b, f"x{k}1")]))  # one output: a Value
        term = (out - y) ** 2
        loss = term if loss is None else loss + term
    loss.label = "loss"
    return loss, model


def _collapsed_explorer() -> tuple[int, str]:
    import viz
    from autograd import topological_order

    loss, model = mlp_samples_loss([16, 16])
    return len(topological_order(loss)), viz.explore(loss, model=model).to_html(title="collapsed")


def _timings(page_html: str, edits: int, leaf: str = "x1") -> Result:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {"skipped": "Debian's chromium is not installed"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "Playwright's Python package is not installed"}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as pw:
        path = Path(folder) / "explore.html"
        path.write_text(page_html, encoding="utf-8")
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            page = context.new_page()
            page.goto(path.as_uri(), wait_until="load")
            frames, scripts, settled = [], [], []
            for k in range(edits):
                frame_ms, script_ms, settled_ms = page.evaluate(_EDIT, [f'[data-leaf="{leaf}"]', 0.5 + 0.01 * (k % 17)])
                if k >= 3:  # the first edits warm the JIT up
                    frames.append(frame_ms)
                    scripts.append(script_ms)
                    settled.append(settled_ms)
        finally:
            browser.close()
    return {
        "recompute_ms_median": statistics.median(scripts),
        "recompute_ms_max": max(scripts),
        "edit_to_frame_ms_median": statistics.median(frames),
        "edit_to_frame_ms_max": max(frames),
        "edit_to_all_texts_ms_median": statistics.median(settled),
        "edit_to_all_texts_ms_max": max(settled),
        "edits_timed": len(scripts),
    }


def explore_section(quick: bool) -> Result:
    """Page sizes of two explorers, and the recompute time of a 493-node one in Chromium."""
    result: Result = {"lesson1_kb": len(_neuron_html().encode("utf-8")) / 1000}
    n_small, small = _mlp_explorer([4, 4])
    result["mlp_2_4_4_1_nodes"] = n_small
    result["mlp_2_4_4_1_kb"] = len(small.encode("utf-8")) / 1000
    n_big, big = _mlp_explorer([18, 18])
    result["big_nodes"] = n_big
    result["big_kb"] = len(big.encode("utf-8")) / 1000
    result.update(_timings(big, 15 if quick else 40))
    n_collapsed, collapsed = _collapsed_explorer()
    result["collapsed_nodes"] = n_collapsed
    result["collapsed_kb"] = len(collapsed.encode("utf-8")) / 1000
    timed = _timings(collapsed, 15 if quick else 40, leaf="x00")
    result.update({f"collapsed_{key}": value for key, value in timed.items()})
    return result


EXPLORE = Section(
    "explore",
    "explore: page sizes and recompute time in Chromium",
    lambda options: explore_section(options.quick),
    targets=(
        Target("lesson1_kb", "<=", 150, "lesson 1's explorer page (kB)"),
        Target("mlp_2_4_4_1_kb", "<=", 1000, "MLP(2,[4,4,1]) loss explorer page (kB)"),
        Target("recompute_ms_median", "<=", 16, "explorer recompute after an edit, 493 nodes (ms, median)"),
        Target("edit_to_frame_ms_median", "<=", 16, "edit until the screen is laid out, 493 nodes (ms, median)"),
        Target("collapsed_recompute_ms_median", "<=", 16, "recompute, MLP(2,[16,16,1]) over 4 samples, collapsed"),
    ),
)
