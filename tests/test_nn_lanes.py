"""nn with lanes: a batch as one graph gives the per-sample values and gradients of the scalar path.

Equality is checked to 1e-12 relative. The two paths add in different orders (the
scalar ``dot``/``sum`` nodes round once with ``math.fsum``, lanes add in sequence, and a
parameter's gradient is summed over the samples by numpy), so the tolerance is relative
to the size of what is summed: at least 1 for the O(1) values of these models, and the
sum of the magnitudes of the per-sample terms for a gradient — never to a sum that may
cancel to nearly nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import nn
from autograd import Value, grad, topological_order
from nn import (
    LANES_FROM,
    LOSSES,
    MLP,
    SGD,
    Adam,
    Layer,
    Module,
    Neuron,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    fit,
    hinge,
    l2_penalty,
    mse,
    predict,
    softmax,
    squared_error,
    sum_of_squares,
    to_lanes,
)

REL = 1e-12
KINKS = ("relu", "leaky_relu", "abs")


def _close(a: float, b: float, scale: float = 0.0) -> bool:
    """``a`` and ``b`` agree to 1e-12 relative to the larger of them (or of ``scale``)."""
    return abs(a - b) <= REL * max(abs(a), abs(b), scale)


def _assert_lanes_equal(lanes: Any, values: Sequence[float], scale: float = 0.0) -> None:
    got = np.broadcast_to(lanes, (len(values),))
    for i, (a, b) in enumerate(zip(got, values, strict=True)):
        assert _close(float(a), b, scale), (i, float(a), b)


def _outputs(result: Value | list[Value]) -> list[Value]:
    return [result] if isinstance(result, Value) else result


def _away_from_kinks(root: Value, margin: float = 1e-9) -> bool:
    """No relu/leaky_relu/abs input (in any lane) within ``margin`` of its kink at 0."""
    for node in topological_order(root):
        if node.op in KINKS and np.min(np.abs(node.parents[0].data)) <= margin:
            return False
    return True


# -- modules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        MLP(2, [3, 1], seed=0),
        MLP(3, [4, 4, 2], activation="tanh", seed=1),
        MLP(2, [3, 2], activation=["sigmoid", "leaky_relu"], seed=2),
        Layer(3, 2, "tanh", seed=3),
        Neuron(3, "sigmoid", seed=4),
        MLP(1, [2, 1], seed=5),
    ],
    ids=repr,
)
def test_a_batch_as_lanes_gives_every_sample_output(model: Module) -> None:
    xs = np.random.default_rng(0).uniform(-2, 2, size=(7, model.nin))
    out = _outputs(model.batch(xs))
    assert len(out) == model.nout
    assert all(v.lanes == 7 for v in out)
    for j, v in enumerate(out):
        _assert_lanes_equal(v.data, [_outputs(model(row.tolist()))[j].data for row in xs], 1.0)
    same = _outputs(model(to_lanes(xs)))  # model.batch(xs) is model(to_lanes(xs))
    assert [v.data.tolist() for v in same] == [v.data.tolist() for v in out]
    columns = _outputs(model([xs[:, k] for k in range(model.nin)]))  # 1-D arrays as columns
    assert [v.data.tolist() for v in columns] == [v.data.tolist() for v in out]


def test_the_lane_graph_is_the_graph_of_one_sample() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    xs, _ = nn.moons(100, noise=0.1, seed=0)
    batch_graph = topological_order(model.batch(xs))
    one_sample = topological_order(model(xs[0].tolist()))
    assert len(batch_graph) == len(one_sample)
    assert [v.op for v in batch_graph] == [v.op for v in one_sample]


def test_scalar_inputs_meet_lanes() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    column = np.array([0.5, -1.0, 2.0])
    out = model([0.25, column])  # the first input is the same for every sample
    _assert_lanes_equal(out.data, [model([0.25, v]).data for v in column], 1.0)


def test_to_lanes() -> None:
    x0, x1 = to_lanes([[0, 1], [2, 3], [4, 5]])
    assert (x0.label, x1.label) == ("x0", "x1")
    assert x0.data.tolist() == [0.0, 2.0, 4.0]
    assert x1.data.dtype == np.float64
    (only,) = to_lanes(np.array([1.0, 2.0]), nin=1)  # one input: a 1-D array is one column
    assert only.lanes == 2
    model = MLP(1, [2, 1], seed=0)
    assert model.batch(np.array([1.0, 2.0, 3.0])).lanes == 3


def test_parameters_in_named_order() -> None:
    for model in (MLP(3, [4, 2], seed=0), MLP(2, [3, 1], bias=False, seed=0), Layer(2, 3), Neuron(2, bias=False)):
        assert model.parameters() == [p for _, p in model.named_parameters()]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m: m([np.zeros(3), np.zeros(4)]), ValueError, r"lanes of different lengths \(x0 has 3, x1 has 4\)"),
        (lambda m: m(np.zeros((5, 2))), ValueError, r"shape \(5, 2\) \(for a batch of samples use model\.batch\(X\)\)"),
        (lambda m: MLP(1, [1], seed=0)(np.zeros(5)), ValueError, r"an array of 5 \(for a batch .*model\.batch\(X\)"),
        (lambda m: m([[1.0, 2.0], [3.0, 4.0]]), TypeError, "MLP input 0 is a list: .*1-D numpy array"),
        (lambda m: m([np.zeros((2, 2)), np.zeros(2)]), ValueError, "MLP input 0: .*1-D"),
        (lambda m: m([np.array([1.0, np.nan]), np.zeros(2)]), ValueError, "MLP input 0: .*lane 1"),
        (lambda m: m([np.array([True]), np.zeros(1)]), TypeError, "MLP input 0: .*dtype bool"),
        (lambda m: m.batch(np.zeros((4, 3))), ValueError, r"takes 2 input\(s\) per sample but X has 3"),
        (lambda m: m.batch(np.zeros(4)), ValueError, r"X must be 2-D \(samples × 2 inputs\), got shape \(4,\)"),
        (lambda m: m.batch(np.zeros((0, 2))), ValueError, "X is empty"),
        (lambda m: m.batch([[1.0, math.inf]]), ValueError, "nan or infinite .*sample 0, input 1"),
        (lambda m: m.batch([["a", "b"]]), TypeError, "X must be a 2-D array of numbers"),
        (lambda m: m.batch([[1.0, 2.0], [3.0]]), TypeError, "X must be a 2-D array of numbers"),
        (lambda m: m.batch(np.zeros((2, 2, 2))), ValueError, "X must be 2-D"),
    ],
)
def test_bad_lane_input(call: Callable[[MLP], object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call(MLP(2, [3, 1], seed=0))


# -- losses, lane by lane ---------------------------------------------------------------------------

RNG = np.random.default_rng(7)  # module-level data only: each test draws from its own generator
N = 9
SCORES = RNG.uniform(-3, 3, N)
PROBS = RNG.uniform(0.05, 0.95, N)


def _lane_loss_matches_samples(
    loss: Callable[..., Value], outputs: list[np.ndarray], targets: Any, per_sample: Callable[[int], Any]
) -> None:
    """Value and gradient (w.r.t. each output) of every lane equal those of the sample alone."""
    lane_outputs = [Value(o) for o in outputs]
    losses = loss(lane_outputs[0] if len(lane_outputs) == 1 else lane_outputs, targets)
    assert losses.lanes == N
    grads = grad(losses.sum(), lane_outputs)
    for i in range(N):
        sample = [Value(float(o[i])) for o in outputs]
        one = loss(sample[0] if len(sample) == 1 else sample, per_sample(i))
        assert _close(float(losses.data[i]), one.data, 1.0), (i, losses.data[i], one.data)
        for g, want in zip(grads, grad(one, sample), strict=True):
            assert _close(float(g[i]), want, 1.0), (i, g[i], want)


@pytest.mark.parametrize("loss", [squared_error, sum_of_squares, mse])
def test_squared_losses_lane_by_lane(loss: Callable[..., Value]) -> None:
    rng = np.random.default_rng(1)
    targets = rng.uniform(-1, 1, N)
    _lane_loss_matches_samples(loss, [SCORES], targets, lambda i: float(targets[i]))
    two = rng.uniform(-1, 1, (N, 2))
    _lane_loss_matches_samples(loss, [SCORES, PROBS], two, lambda i: two[i].tolist())  # an (n, k) array
    _lane_loss_matches_samples(loss, [SCORES, PROBS], [two[:, 0], 0.5], lambda i: [float(two[i, 0]), 0.5])


def test_hinge_lane_by_lane() -> None:
    labels = np.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0, 1.0])
    assert all(abs(1.0 - t * s) > 1e-3 for s, t in zip(SCORES, labels, strict=True))  # away from the kink
    _lane_loss_matches_samples(hinge, [SCORES], labels, lambda i: float(labels[i]))
    _lane_loss_matches_samples(hinge, [SCORES], labels.astype(int), lambda i: int(labels[i]))


@pytest.mark.parametrize("targets", [np.array([0.0, 1.0, 0.3] * 3), np.ones(N), np.zeros(N)])
def test_bce_lane_by_lane(targets: np.ndarray) -> None:
    _lane_loss_matches_samples(binary_cross_entropy, [PROBS], targets, lambda i: float(targets[i]))


def test_bce_lanes_with_saturated_probabilities_where_the_target_allows() -> None:
    z = Value(np.array([40.0, -800.0, 0.5]))
    p = z.sigmoid()  # rounds to exactly 1.0 and 0.0 in the first two lanes
    assert p.data[:2].tolist() == [1.0, 0.0]
    loss = binary_cross_entropy(p, np.array([1.0, 0.0, 0.5]))  # each lane needs only the log it can take
    (g,) = grad(loss.sum(), [z])
    for i, t in enumerate([1.0, 0.0, 0.5]):
        zi = Value(float(z.data[i]))
        one = binary_cross_entropy(zi.sigmoid(), t)
        assert _close(float(loss.data[i]), one.data, 1e-300)
        assert _close(float(g[i]), grad(one, [zi])[0], 1e-300)
    with pytest.raises(ValueError, match=r"log\(1 − p\) needs p < 1, got p = 1\.0 at lane 0 .*with_logits"):
        binary_cross_entropy(p, np.array([0.5, 0.0, 0.5]))
    with pytest.raises(ValueError, match=r"log\(p\) needs p > 0, got p = 0\.0 at lane 1"):
        binary_cross_entropy(p, np.array([1.0, 1.0, 0.5]))


@pytest.mark.parametrize("targets", [np.array([0.0, 1.0, 0.25] * 3), np.full(N, 0.6)])
def test_bce_with_logits_lane_by_lane(targets: np.ndarray) -> None:
    logits = SCORES.copy()
    logits[:4] = [0.0, 800.0, -800.0, -0.0]  # each side of 0, at 0 (not a kink), and far out
    _lane_loss_matches_samples(binary_cross_entropy_with_logits, [logits], targets, lambda i: float(targets[i]))
    z = Value(logits)
    loss = binary_cross_entropy_with_logits(z, targets)
    sig = np.where(
        logits >= 0, 1 / (1 + np.exp(-np.abs(logits))), np.exp(-np.abs(logits)) / (1 + np.exp(-np.abs(logits)))
    )
    (g,) = grad(loss.sum(), [z])
    _assert_lanes_equal(g, (sig - targets).tolist(), 1e-15)  # sigmoid(z) − t in every lane, also at z = 0


def test_cross_entropy_and_softmax_lane_by_lane() -> None:
    rng = np.random.default_rng(2)
    logits = [rng.uniform(-4, 4, N) for _ in range(3)]
    classes = rng.integers(0, 3, N)
    _lane_loss_matches_samples(cross_entropy, logits, classes, lambda i: int(classes[i]))
    _lane_loss_matches_samples(cross_entropy, logits, 2, lambda i: 2)  # one class for every lane
    probs = softmax([Value(z) for z in logits])
    for i in range(N):
        one = softmax([Value(float(z[i])) for z in logits])
        assert all(_close(float(p.data[i]), q.data, 1.0) for p, q in zip(probs, one, strict=True))


def test_cross_entropy_is_stable_in_every_lane() -> None:
    zs = [Value(np.array([1000.0, 0.0])), Value(np.array([-1000.0, 1.0])), Value(np.array([999.0, -1000.0]))]
    loss = cross_entropy(zs, np.array([1, 0]))
    assert loss.data[0] == pytest.approx(2000.0 + math.log1p(math.exp(-1.0)), rel=1e-14)
    assert loss.data[1] == pytest.approx(1.0 + math.log1p(math.exp(-1.0)), rel=1e-14)


def test_per_sample_losses_reduce_to_the_batch_loss() -> None:
    scores, labels = Value(SCORES), np.where(SCORES > 0, -1.0, 1.0)
    losses = hinge(scores, labels)
    assert losses.mean().lanes is None
    assert _close(losses.mean().data, math.fsum(max(0.0, 1 + abs(s)) for s in SCORES) / N)
    assert _close(losses.sum().data, math.fsum(losses.data))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: mse(Value(SCORES), np.zeros(N - 1)), ValueError, rf"holds {N} lanes but the target {N - 1}"),
        (lambda: mse(Value(SCORES), np.array([0.0, math.nan] * 4 + [0.0])), ValueError, "finite, got nan at lane 1"),
        (lambda: mse(Value(SCORES), np.zeros(N, dtype=bool)), TypeError, "real numbers, got dtype bool"),
        (lambda: mse([Value(SCORES)] * 2, np.zeros(N)), ValueError, rf"give the targets as an \({N}, 2\) array"),
        (lambda: mse([Value(SCORES)] * 2, np.zeros((N, 3))), ValueError, rf"need targets of shape \({N}, 2\)"),
        (lambda: mse([Value(1.0)] * 2, np.zeros((2, 2))), ValueError, "2-D target needs outputs holding lanes"),
        (lambda: mse([Value(SCORES), Value(SCORES[:3])], [0.0, 0.0]), ValueError, r"different lengths \[3, 9\]"),
        (lambda: hinge(Value(SCORES), np.array([1.0, 0.0] * 4 + [1.0])), ValueError, r"-1 or \+1, got 0\.0 at lane 1"),
        (lambda: binary_cross_entropy(Value(PROBS), np.full(N, 1.5)), ValueError, "between 0 and 1, got 1.5 at lane 0"),
        (lambda: cross_entropy([Value(SCORES)] * 2, np.array([0, 2] * 4 + [0])), ValueError, "out of range .* lane 1"),
        (lambda: cross_entropy([Value(SCORES)] * 2, np.zeros(N)), TypeError, "1-D integer array"),
        (lambda: cross_entropy([Value(SCORES)] * 2, np.zeros(3, dtype=int)), ValueError, "9 lanes but the target 3"),
    ],
)
def test_bad_lane_targets(call: Callable[[], object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_hits_count_what_correct_says_sample_by_sample() -> None:
    cases = {
        "hinge": ([SCORES], np.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0, 1.0])),
        "binary_cross_entropy": ([PROBS], np.array([0.0, 1.0, 0.7] * 3)),
        "binary_cross_entropy_with_logits": ([SCORES], np.array([0.0, 1.0, 0.2] * 3)),
        "cross_entropy": ([SCORES, -SCORES, PROBS], np.array([0, 1, 2] * 3)),
    }
    for name, (outputs, targets) in cases.items():
        spec = LOSSES[name]
        assert spec.hits is not None
        assert spec.correct is not None
        lane_out = [Value(o) for o in outputs]
        hits = spec.hits(lane_out[0] if len(lane_out) == 1 else lane_out, targets)
        expected = 0
        for i in range(N):
            sample = [Value(float(o[i])) for o in outputs]
            expected += bool(spec.correct(sample[0] if len(sample) == 1 else sample, targets[i].item()))
        assert hits == expected, name
        assert 0 < hits < N, name  # the case tells something


# -- equality with the scalar path: random small MLPs, and the moons model ---------------------------

LOSS_CASES = ("hinge", "mse", "binary_cross_entropy_with_logits", "cross_entropy", "squared_error")


def _per_sample(
    model: Module, xs: np.ndarray, ts: Any, loss: Callable[..., Value], alpha: float
) -> tuple[list[float], list[list[float]], list[float]]:
    """The scalar path: each sample's loss and its gradient, one graph per sample; and the L2 term's gradient."""
    params = model.parameters()
    losses, grads = [], []
    for i, row in enumerate(xs):
        one = loss(model(row.tolist()), ts[i].tolist())
        losses.append(one.data)
        grads.append(grad(one, params))
    return losses, grads, grad(l2_penalty(params, alpha), params) if alpha else [0.0] * len(params)


def _check_equal_to_scalar_path(
    model: Module, xs: np.ndarray, ts: Any, loss: Callable[..., Value], alpha: float, *, kinks: Callable[[bool], object]
) -> None:
    """Per-sample losses, batch loss and every parameter's gradient: lanes against one graph per sample.

    ``kinks(ok)`` is told whether every relu-like input is away from its kink (where the
    two summation orders could take different branches): ``assume`` or an assertion.
    """
    params = model.parameters()
    n = len(xs)
    lane_losses = loss(model.batch(xs), ts)
    total = lane_losses.mean() + (l2_penalty(params, alpha) if alpha else 0.0)
    kinks(_away_from_kinks(total))
    lane_grads = grad(total, params)
    losses, grads, l2_grads = _per_sample(model, xs, ts, loss, alpha)
    _assert_lanes_equal(lane_losses.data, losses, 1.0)
    mean = math.fsum(losses) / n
    penalty = l2_penalty(params, alpha).data if alpha else 0.0
    assert _close(total.data, mean + penalty, 1.0)
    for k, g in enumerate(lane_grads):
        terms = [grads[i][k] / n for i in range(n)] + [l2_grads[k]]
        assert _close(g, math.fsum(terms), sum(abs(t) for t in terms)), (k, g, math.fsum(terms))


@st.composite
def small_problems(draw: Any) -> tuple[Module, np.ndarray, Any, Callable[..., Value], float]:
    """A small MLP, a batch of inputs, and targets for a loss drawn from LOSS_CASES."""
    name = draw(st.sampled_from(LOSS_CASES))
    nin = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    nout = {"cross_entropy": draw(st.integers(2, 3)), "mse": draw(st.integers(1, 2))}.get(name, 1)
    activation = draw(st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu", "linear"]))
    model = MLP(nin, [*hidden, nout], activation=activation, seed=draw(st.integers(0, 2**16)))
    n = draw(st.integers(1, 6))
    values = st.floats(-2, 2, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    xs = np.array(draw(st.lists(st.lists(values, min_size=nin, max_size=nin), min_size=n, max_size=n)))
    if name == "hinge":
        ts: Any = np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)))
    elif name == "cross_entropy":
        ts = np.array(draw(st.lists(st.integers(0, nout - 1), min_size=n, max_size=n)))
    elif name == "binary_cross_entropy_with_logits":
        ts = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 0.3]), min_size=n, max_size=n)))
    else:
        ts = np.array(draw(st.lists(st.lists(values, min_size=nout, max_size=nout), min_size=n, max_size=n)))
        ts = ts[:, 0] if nout == 1 else ts
    alpha = draw(st.sampled_from([0.0, 1e-4, 0.1]))
    return model, xs, ts, LOSSES[name].fn, alpha


@given(small_problems())
def test_random_mlps_lanes_equal_the_scalar_path(problem: tuple[Module, np.ndarray, Any, Any, float]) -> None:
    _check_equal_to_scalar_path(*problem, kinks=assume)


def _must_hold(ok: bool) -> None:
    assert ok


def test_moons_model_lanes_equal_the_scalar_path() -> None:
    xs, y = nn.moons(100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1], seed=1337)
    labels = 2.0 * y - 1
    params = model.parameters()
    for step in range(4):  # the first steps of micrograd's demo: compared at each step's weights
        _check_equal_to_scalar_path(model, xs, labels, hinge, 1e-4, kinks=_must_hold)
        total = hinge(model.batch(xs), labels).mean() + l2_penalty(params, 1e-4)
        for p, g in zip(params, grad(total, params), strict=True):
            p.data -= (1.0 - 0.9 * step / 100) * g


# -- fit and predict -------------------------------------------------------------------------------------


def _fit_both(
    make: Callable[[], Module], xs: Any, y: Any, **kwargs: Any
) -> tuple[nn.History, nn.History, Module, Module]:
    opt = kwargs.pop("opt", lambda ps: SGD(ps, lr=0.1))
    a, b = make(), make()
    lanes = fit(a, xs, y, optimizer=opt(a.parameters()), lanes=True, progress=False, **kwargs)
    samples = fit(b, xs, y, optimizer=opt(b.parameters()), lanes=False, progress=False, **kwargs)
    return lanes, samples, a, b


MOONS_X, MOONS_Y = nn.moons(40, noise=0.1, seed=3)
SPIRALS_X, SPIRALS_Y = nn.spirals(30, classes=3, noise=0.1, seed=0)
MULTI_Y = np.random.default_rng(1).uniform(-1, 1, (40, 2))


@pytest.mark.parametrize(
    ("make", "xs", "y", "kwargs"),
    [
        (lambda: MLP(2, [16, 16, 1], seed=0), MOONS_X, 2 * MOONS_Y - 1, {"loss": "hinge", "l2": 1e-4, "epochs": 15}),
        (
            lambda: MLP(2, [8, 1], activation="tanh", seed=1),
            MOONS_X,
            2 * MOONS_Y - 1,
            {"loss": "hinge", "epochs": 6, "batch_size": 16, "seed": 4, "reduction": "sum"},
        ),
        (lambda: MLP(2, [6, 2], activation="tanh", seed=2), MOONS_X, MULTI_Y, {"loss": "mse", "epochs": 8}),
        (
            lambda: MLP(2, [6, 2], activation="sigmoid", seed=2),
            MOONS_X,
            MULTI_Y,
            {"loss": "sum_of_squares", "epochs": 4, "batch_size": 7, "seed": 1, "l2": 1e-3},
        ),
        (
            lambda: MLP(2, [5, 1], "tanh", "sigmoid", seed=3),
            MOONS_X,
            MOONS_Y,
            {"loss": "binary_cross_entropy", "epochs": 10, "opt": lambda ps: Adam(ps, lr=0.05)},
        ),
        (
            lambda: MLP(2, [5, 1], activation="leaky_relu", seed=4),
            MOONS_X,
            MOONS_Y,
            {"loss": "binary_cross_entropy_with_logits", "epochs": 6, "batch_size": 10, "seed": 0},
        ),
        (
            lambda: MLP(2, [8, 3], activation="tanh", seed=5),
            SPIRALS_X,
            SPIRALS_Y,
            {"loss": "cross_entropy", "epochs": 8, "batch_size": 12, "seed": 2, "opt": lambda ps: Adam(ps, lr=0.02)},
        ),
        (
            lambda: MLP(2, [4, 1], activation="tanh", seed=6),
            MOONS_X,
            MOONS_Y,
            {"loss": squared_error, "epochs": 5, "accuracy": lambda out, t: abs(out.data - t) < 0.5},
        ),
        (
            lambda: MLP(2, [4, 1], activation="tanh", seed=7),
            MOONS_X,
            MOONS_Y,
            {"loss": lambda out, t: abs(out - t), "epochs": 5, "batch_size": 9, "seed": 3},
        ),
    ],
    ids=[
        "hinge-l2",
        "hinge-minibatch-sum",
        "mse-2-outputs",
        "sos-minibatch-l2",
        "bce-adam",
        "bce-logits",
        "cross-entropy",
        "custom-accuracy",
        "custom-loss",
    ],
)
def test_fit_with_lanes_gives_the_per_sample_history(make: Any, xs: Any, y: Any, kwargs: dict[str, Any]) -> None:
    lanes, samples, a, b = _fit_both(make, xs, y, **kwargs)
    assert lanes.epochs == samples.epochs == kwargs["epochs"]
    assert all(_close(p, q) for p, q in zip(lanes.loss, samples.loss, strict=True)), (lanes.loss, samples.loss)
    assert lanes.accuracy == samples.accuracy
    loss = kwargs["loss"]
    classifies = (isinstance(loss, str) and LOSSES[loss].correct is not None) or "accuracy" in kwargs
    assert len(lanes.accuracy) == (kwargs["epochs"] if classifies else 0)
    sa, sb = a.state_dict(), b.state_dict()
    assert all(_close(sa[k], sb[k], 1.0) for k in sa), [(k, sa[k], sb[k]) for k in sa if not _close(sa[k], sb[k], 1.0)]


class Spy(Module):
    """Wraps an MLP and records whether each call got lanes."""

    def __init__(self, inner: MLP) -> None:
        self.inner = inner
        self.calls: list[int | None] = []

    def named_children(self) -> list[tuple[str, Module]]:
        return [("inner", self.inner)]

    @property
    def nin(self) -> int:
        return self.inner.nin

    @property
    def nout(self) -> int:
        return self.inner.nout

    def __call__(self, x: Any) -> Value | list[Value]:
        self.calls.append(x[0].lanes if isinstance(x[0], Value) else None)
        return self.inner(x)


@pytest.mark.parametrize(
    ("loss", "batch_size", "lanes", "expected"),
    [
        ("hinge", None, None, [40]),  # built-in loss, 40 samples: lanes
        ("hinge", LANES_FROM, None, [min(LANES_FROM, 40 - start) for start in range(0, 40, LANES_FROM)]),
        ("hinge", LANES_FROM - 1, None, [None] * 40),  # small batches: one graph per sample
        ("hinge", 4, True, [4] * 10),
        ("hinge", None, False, [None] * 40),
        (lambda out, t: (1.0 - t * out).relu(), None, None, [None] * 40),  # your function: one sample at a time
        (lambda out, t: (1.0 - t * out).relu(), None, True, [40]),
    ],
)
def test_fit_uses_lanes_by_default_for_batches_that_gain(loss: Any, batch_size: Any, lanes: Any, expected: Any) -> None:
    spy = Spy(MLP(2, [3, 1], seed=0))
    fit(
        spy,
        MOONS_X,
        2 * MOONS_Y - 1,
        loss=loss,
        optimizer=SGD(spy.parameters(), lr=0.1),
        batch_size=batch_size,
        lanes=lanes,
        shuffle=False,
        progress=False,
    )
    assert spy.calls == expected


def test_fit_lane_errors() -> None:
    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="lanes must be True, False or None, got 'yes'"):
        fit(model, MOONS_X, MOONS_Y, optimizer=opt, lanes="yes")
    with pytest.raises(ValueError, match="one loss per sample, a Value holding 40 lanes; got Value"):
        fit(model, MOONS_X, MOONS_Y, loss=lambda out, t: mse(out, t).mean(), optimizer=opt, lanes=True)

    class Branching(Spy):
        def __call__(self, x: Any) -> Value | list[Value]:
            out = self.inner(x)
            return out if out > 0.0 else -out  # compares .data: scalars only

    spy = Branching(MLP(2, [3, 1], seed=0))
    with pytest.raises(TypeError, match=r"Branching could not run on lanes .*pass lanes=False"):
        fit(spy, MOONS_X, MOONS_Y, optimizer=SGD(spy.parameters(), lr=0.1))
    fit(spy, MOONS_X, MOONS_Y, optimizer=SGD(spy.parameters(), lr=0.1), lanes=False)  # the switch


def test_predict_with_lanes() -> None:
    model = MLP(2, [5, 3], activation="tanh", seed=0)
    lanes, rows = predict(model, MOONS_X, lanes=True), predict(model, MOONS_X, lanes=False)
    assert lanes.shape == rows.shape == (40, 3)
    assert all(_close(a, b) for a, b in zip(lanes.ravel(), rows.ravel(), strict=True))
    assert predict(model, MOONS_X).tolist() == lanes.tolist()  # 40 rows: lanes by default
    one = MLP(2, [3, 1], seed=0)
    assert predict(one, MOONS_X[:3], lanes=True).shape == (3,)
    with pytest.raises(TypeError, match="lanes must be True, False or None"):
        predict(one, MOONS_X, lanes=1)
