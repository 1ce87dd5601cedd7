"""The benchmark harness runs (tiny sizes; speed itself is measured by `make bench`, never asserted)."""

import gc
import math

import pytest

from autograd import topological_order
from benchmarks.chain import chain_ours, chain_section
from benchmarks.grad import grad_section
from benchmarks.harness import Info, Options, Section, Target
from benchmarks.pictures import pictures_section
from benchmarks.run import SECTIONS, report


def test_chain_builds_the_stated_number_of_nodes() -> None:
    y, w, x = chain_ours(300)
    assert len(topological_order(y)) == 300 + 3  # and three leaves: w, x, the first y
    y.backward()
    value, dw = 0.5, 0.0  # forward mode by hand: y' = (1 - y²)(y_prev + w·y_prev')
    for _ in range(100):
        value, previous = math.tanh(value * w.data + x.data), value
        dw = (1.0 - value * value) * (previous + w.data * dw)
    assert y.data == pytest.approx(value, rel=1e-12)
    assert w.grad == pytest.approx(dw, rel=1e-9)


@pytest.mark.parametrize("gc_off", [False, True])
def test_chain_section_reports_ratios_and_restores_the_gc(gc_off: bool) -> None:
    result = chain_section(300, 1, gc_off=gc_off)
    assert gc.isenabled()
    assert result["nodes"] == 300
    assert result["ours_us_per_op"] > 0
    if "torch_version" in result:  # the comparison also checks both engines' gradients agree
        assert result["ratio_vs_torch"] > 0


def test_grad_section_reports_each_size() -> None:
    result = grad_section([300, 600])  # it also checks grad, create_graph and backward agree
    assert set(result) == {"3e+02_nodes", "6e+02_nodes", "worst_grad_vs_backward", "worst_create_graph_vs_backward"}
    assert result["6e+02_nodes"]["grad_vs_backward"] > 0


def test_report_marks_each_target() -> None:
    lines = report({"chain": {"ratio_vs_torch": 6.0}, "moons": {"ratio_vs_micrograd": 3.0}})
    by_text = {line.split("  ")[0]: line for line in lines}
    assert by_text["scalar chain: PyTorch 0-dim ÷ ours (build + backward)"].endswith("yes")
    assert by_text["moons step: micrograd (default GC) ÷ ours"].endswith("NO")
    assert by_text["deepest chain at the default recursion limit"].endswith("-")  # not measured


def test_every_section_is_listed_once_with_its_targets() -> None:
    names = [section.name for section in SECTIONS]
    assert names == [
        "moons",
        "moons_lanes",
        "chain",
        "grad",
        "memory",
        "depth",
        "gradcheck",
        "explore",
        "compiled",
        "pictures",
    ]
    texts = [target.text for section in SECTIONS for target in section.targets]
    assert len(texts) == len(set(texts)) == 28


def test_the_pictures_section_counts_the_numbers_a_collapsed_model_formats() -> None:
    result = pictures_section(Options(quick=True))
    assert result["model"] == "MLP(2, [64, 64, 1])"
    assert result["values"] > 4000
    assert result["collapsed_to"] is not None
    assert 0 < result["numbers_formatted"] <= 2 * result["drawn_nodes"]


def test_a_new_section_plugs_into_the_report() -> None:
    extra = Section("extra", "an extra section", lambda options: {"speedup": 3.0}, (Target("speedup", ">=", 2.0, "x"),))
    lines = report({"extra": extra.run(Options(quick=True))}, [extra])
    assert lines[1].startswith("x ")
    assert lines[1].endswith("yes")


def test_information_lines_follow_a_sections_targets_with_no_verdict() -> None:
    extra = Section(
        "extra",
        "an extra section",
        lambda options: {"speedup": 3.0, "cold": 1.5},
        (Target("speedup", ">=", 2.0, "x"),),
        (Info("cold", "cold start"), Info("absent", "not measured")),
    )
    lines = report({"extra": extra.run(Options(quick=True))}, [extra])
    assert lines[1].endswith("yes")
    assert lines[2].split() == ["cold", "start", "1.5", "(info)", "-"]
    assert lines[3].split() == ["not", "measured", "n/a", "(info)", "-"]
