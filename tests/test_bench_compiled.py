"""The compiled-replay benchmark section runs at tiny sizes (speed is measured by `make bench`, never asserted)."""

import pytest

from benchmarks.compiled import chain_compiled, hand_loop, memory_compiled, moons_compiled


def test_the_hand_written_loop_is_the_chain_and_its_derivatives() -> None:
    y, gy, gw, gc = hand_loop(0.5, 0.9, 0.1, 1)
    t = 0.5 * 0.9 + 0.1
    assert y == pytest.approx(__import__("math").tanh(t))
    d = 1.0 - y * y
    assert (gy, gw, gc) == pytest.approx((d * 0.9, d * 0.5, d))


def test_the_hand_written_loop_gives_the_eager_engines_numbers_over_many_steps() -> None:
    from autograd import Value, grad
    from benchmarks.compiled import chain

    leaves = [Value(0.5), Value(0.999), Value(0.01)]
    out = chain(*leaves, steps=30)
    want = [out.data, *grad(out, leaves)]
    got = hand_loop(0.5, 0.999, 0.01, 30)
    assert got[0] == want[0]
    assert list(got[1:]) == pytest.approx(want[1:], rel=1e-12)
    assert hand_loop(0.5, 0.999, 0.01, 0) == (0.5, 1.0, 0.0, 0.0)


def test_chain_section_checks_the_replay_against_the_loop_and_the_eager_engine() -> None:
    result = chain_compiled(rounds=2, ops=300)  # raises if the numbers differ
    assert result["ops"] == 300
    assert result["compiled_ns_per_op"] > 0
    assert result["compiled_vs_hand_loop_p25"] <= result["compiled_vs_hand_loop"] <= result["compiled_vs_hand_loop_p75"]
    assert result["compiled_vs_hand_loop_cpu_p25"] <= result["compiled_vs_hand_loop_cpu"]
    assert result["compiled_vs_hand_loop_cpu"] <= result["compiled_vs_hand_loop_cpu_p75"]
    assert result["compiled_cpu_ns_per_op"] > 0
    assert result["program_lines"] < 60  # rolled into a loop


def test_memory_section_measures_both() -> None:
    result = memory_compiled(ops=600)
    assert result["eager_graph_bytes_per_node"] > 0
    assert result["compiled_program_bytes_per_node"] > 0


def test_moons_section_compares_losses_and_gradients() -> None:
    pytest.importorskip("micrograd")
    result = moons_compiled(rounds=1)  # raises if compiled and eager differ beyond 1e-12
    assert result["max_relative_gradient_difference"] <= 1e-12
    assert result["compiled_vs_micrograd"] > 0
    assert result["compiled_vs_eager_lanes_in_loops_p25"] <= result["compiled_vs_eager_lanes_in_loops"]
    assert result["compiled_vs_eager_lanes_in_loops"] <= result["compiled_vs_eager_lanes_in_loops_p75"]


def test_moons_section_times_the_passes_and_the_whole_step_of_the_same_steps() -> None:
    pytest.importorskip("micrograd")
    result = moons_compiled(rounds=2)
    # zero_grad + forward + backward is part of each step: shorter than the step with its SGD loop
    assert 0 < result["compiled_fwd_bwd_ms"] < result["compiled_ms"]
    assert 0 < result["eager_lanes_fwd_bwd_ms"] < result["eager_lanes_ms"]
    assert 0 < result["compiled_fwd_bwd_ms_in_loops"] < result["compiled_ms_in_loops"]
    assert 0 < result["eager_lanes_fwd_bwd_ms_in_loops"] < result["eager_lanes_ms_in_loops"]
    for key in ("compiled_vs_eager_lanes", "compiled_vs_eager_lanes_with_sgd", "compiled_vs_eager_lanes_in_loops"):
        assert result[f"{key}_p25"] <= result[key] <= result[f"{key}_p75"]
    assert result["compiled_vs_eager_lanes_with_sgd_in_loops"] > 0
