"""The gradcheck section of the benchmark harness runs (tiny MLPs; `make bench` measures speed, never asserted)."""

from autograd import gradgradcheck
from benchmarks import gradcheck as bench


def test_gradcheck_section_reports_every_figure() -> None:
    result = bench.gradcheck_section(True, {7: (1, [2, 1]), 9: (2, [2, 1])})
    for n in (7, 9):
        for key in (
            "gradcheck_full_s",
            "gradcheck_fast_s",
            "gradgradcheck_full_s",
            "gradgradcheck_fast_s",
            "gradcheck_function_eager_s",
            "gradcheck_function_s",
            "gradcheck_replay_speedup",
        ):
            assert result[f"{key}_{n}"] > 0
    assert result["gradgradcheck_per_entry_s_7"] > 0
    assert result["gradgradcheck_speedup_full_7"] > 0


def test_the_benchmarked_mlp_loss_has_the_stated_size_and_passes() -> None:
    nin, sizes = bench.GRADCHECK_MLPS[33]
    assert (nin + 1) * sizes[0] + (sizes[0] + 1) * sizes[1] == 33
    nin, sizes = bench.GRADCHECK_MLPS[500]
    assert (nin + 1) * sizes[0] + (sizes[0] + 1) * sizes[1] + (sizes[1] + 1) * sizes[2] == 500
    f = bench._mlp_loss(2, [2, 1], [[0.5, -1.0], [1.5, 0.2]], [0.3, -0.1])
    ws = [0.1 * (k + 1) * (-1) ** k for k in range(9)]
    assert gradgradcheck(f, *ws)
    bench._per_entry_gradgradcheck(f, ws)  # the reference runs on the same function
