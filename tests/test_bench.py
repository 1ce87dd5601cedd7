"""The benchmark harness runs (tiny sizes; speed itself is measured by `make bench`, never asserted)."""

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import pytest

import autograd.value

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chainrule_bench", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_chain_builds_the_stated_number_of_nodes(bench: ModuleType) -> None:
    y, w, x = bench.chain_ours(300)
    assert len(bench.topological_order(y)) == 300 + 3  # and three leaves: w, x, the first y
    y.backward()
    value, dw = 0.5, 0.0  # forward mode by hand: y' = (1 - y²)(y_prev + w·y_prev')
    for _ in range(100):
        value, previous = math.tanh(value * w.data + x.data), value
        dw = (1.0 - value * value) * (previous + w.data * dw)
    assert y.data == pytest.approx(value, rel=1e-12)
    assert w.grad == pytest.approx(dw, rel=1e-9)


@pytest.mark.parametrize("op_pause", [True, False])
def test_chain_section_reports_ratios_and_restores_the_op_pause(bench: ModuleType, op_pause: bool) -> None:
    before = autograd.value._gc_isenabled
    result = bench.chain_section(300, 1, op_pause=op_pause)
    assert autograd.value._gc_isenabled is before
    assert result["nodes"] == 300
    assert result["ours_us_per_op"] > 0
    if "torch_version" in result:  # the comparison also checks both engines' gradients agree
        assert result["ratio_vs_torch"] > 0


def test_report_marks_each_target(bench: ModuleType) -> None:
    lines = bench.report({"chain": {"ratio_vs_torch": 6.0}, "moons": {"ratio_vs_micrograd": 3.0}})
    by_text = {line.split("  ")[0]: line for line in lines}
    assert by_text["scalar chain: PyTorch 0-dim ÷ ours (build + backward)"].endswith("yes")
    assert by_text["moons step: micrograd (default GC) ÷ ours"].endswith("NO")
    assert by_text["deepest chain at the default recursion limit"].endswith("-")  # not measured
