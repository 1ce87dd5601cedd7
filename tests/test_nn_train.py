"""fit: the training loop against a hand-written one, batches, history, early stop, callbacks, progress, bad input."""

import random
import sys

import numpy as np
import pytest

import nn
from autograd import DomainError, Value, vsum
from nn import MLP, SGD, Adam, fit, predict

X4 = np.array([[0.1, 0.2], [-0.3, 0.8], [0.5, -0.5], [0.9, 0.4]])
Y4 = np.array([0.3, -0.2, 0.5, 0.1])


def _manual_sgd(model: MLP, batches: list[list[int]], lr: float, reduction: str = "mean", l2: float = 0.0) -> None:
    """What fit should do, written out: one SGD step per batch of squared-error losses."""
    for batch in batches:
        model.zero_grad()
        losses = [(float(Y4[i]) - model(X4[i].tolist())) ** 2 for i in batch]  # mse of one output
        loss = vsum(losses) / len(batch) if reduction == "mean" else vsum(losses)
        if l2:
            loss = loss + l2 * vsum(p * p for p in model.parameters())
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad


def test_full_batch_fit_equals_the_hand_written_loop() -> None:
    a, b = MLP(2, [3, 1], activation="tanh", seed=0), MLP(2, [3, 1], activation="tanh", seed=0)
    history = fit(a, X4, Y4, loss="mse", optimizer=SGD(a.parameters(), lr=0.2), epochs=5, progress=False)
    _manual_sgd(b, [[0, 1, 2, 3]] * 5, lr=0.2)
    assert a.state_dict() == pytest.approx(b.state_dict(), rel=1e-13, abs=1e-15)
    assert history.epochs == 5
    assert history.accuracy == []  # regression: no accuracy
    assert history.stopped_early is None


def test_mini_batches_follow_the_seeded_shuffle() -> None:
    a, b = MLP(2, [3, 1], activation="tanh", seed=1), MLP(2, [3, 1], activation="tanh", seed=1)
    fit(a, X4, Y4, optimizer=SGD(a.parameters(), lr=0.1), epochs=3, batch_size=3, seed=42, progress=False)
    rng, order, batches = random.Random(42), [0, 1, 2, 3], []
    for _ in range(3):
        rng.shuffle(order)
        batches += [order[:3], order[3:]]
    _manual_sgd(b, batches, lr=0.1)
    assert a.state_dict() == pytest.approx(b.state_dict(), rel=1e-13, abs=1e-15)


def test_no_shuffle_keeps_the_order_and_sum_reduction_sums() -> None:
    a, b = MLP(2, [2, 1], activation="sigmoid", seed=2), MLP(2, [2, 1], activation="sigmoid", seed=2)
    history = fit(
        a, X4, Y4, optimizer=SGD(a.parameters(), lr=0.1), epochs=2, batch_size=2, shuffle=False, reduction="sum"
    )
    _manual_sgd(b, [[0, 1], [2, 3]] * 2, lr=0.1, reduction="sum")
    assert a.state_dict() == pytest.approx(b.state_dict(), rel=1e-13, abs=1e-15)
    assert len(history.loss) == 2


def test_l2_penalty_is_added_to_every_batch() -> None:
    a, b = MLP(2, [3, 1], seed=3), MLP(2, [3, 1], seed=3)
    fit(a, X4, Y4, optimizer=SGD(a.parameters(), lr=0.1), epochs=3, l2=1e-2, progress=False)
    _manual_sgd(b, [[0, 1, 2, 3]] * 3, lr=0.1, l2=1e-2)
    assert a.state_dict() == pytest.approx(b.state_dict(), rel=1e-13, abs=1e-15)


def test_epoch_loss_is_the_mean_of_the_batch_losses_before_each_update() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=4)
    start = [float((model(x.tolist()).data - t) ** 2) for x, t in zip(X4, Y4, strict=True)]
    history = fit(model, X4, Y4, optimizer=SGD(model.parameters(), lr=0.05), epochs=1, progress=False)
    assert history.loss[0] == pytest.approx(np.mean(start), rel=1e-13)


def test_batch_size_larger_than_the_data_is_one_batch() -> None:
    a, b = MLP(2, [2, 1], seed=5), MLP(2, [2, 1], seed=5)
    fit(a, X4, Y4, optimizer=SGD(a.parameters(), lr=0.1), epochs=2, batch_size=100, progress=False)
    fit(b, X4, Y4, optimizer=SGD(b.parameters(), lr=0.1), epochs=2, progress=False)
    assert a.state_dict() == b.state_dict()


def test_accuracy_for_classification_losses() -> None:
    points, y = nn.moons(30, noise=0.05, seed=0)
    model = MLP(2, [8, 1], seed=0)
    history = fit(
        model,
        points,
        2 * y - 1,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=3,
        seed=0,
        progress=False,
    )
    assert len(history.accuracy) == 3
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)
    # accuracy counts the training-time outputs: recompute the first epoch's from a copy of the start weights
    fresh = MLP(2, [8, 1], seed=0)
    hits = sum((fresh(x.tolist()).data > 0) == (t == 1) for x, t in zip(points, y, strict=True))
    assert history.accuracy[0] == hits / 30


def test_cross_entropy_with_several_classes() -> None:
    points, y = nn.spirals(60, classes=3, noise=0.1, seed=0)
    model = MLP(2, [16, 3], activation="tanh", seed=0)
    history = fit(
        model, points, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05), epochs=40, seed=0
    )
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] > history.accuracy[0]
    out = predict(model, points)
    assert out.shape == (60, 3)


def test_multi_output_regression() -> None:
    inputs = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    targets = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    model = MLP(2, [2], activation=["linear"], seed=0)
    history = fit(model, inputs, targets, loss="mse", optimizer=SGD(model.parameters(), lr=0.5), epochs=300)
    assert history.loss[-1] < 1e-6
    assert predict(model, inputs) == pytest.approx(targets, abs=1e-3)


def test_custom_loss_and_accuracy() -> None:
    model = MLP(2, [3, 1], seed=6)

    def absolute(out: Value, target: float) -> Value:
        return abs(out - target)

    history = fit(
        model,
        X4,
        Y4,
        loss=absolute,
        optimizer=SGD(model.parameters(), lr=0.01),
        epochs=2,
        accuracy=lambda out, t: abs(out.data - t) < 10.0,
    )
    assert history.accuracy == [1.0, 1.0]


def test_target_loss_stops_early() -> None:
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(
        model, X4, Y4, optimizer=Adam(model.parameters(), lr=0.05), epochs=2000, target_loss=1e-3, progress=False
    )
    assert history.stopped_early == "target_loss"
    assert history.epochs < 2000
    assert history.loss[-1] <= 1e-3
    assert all(v > 1e-3 for v in history.loss[:-1])


def test_callbacks_see_every_epoch_and_can_stop() -> None:
    calls: list[tuple[str, int, int]] = []

    def record(epoch: int, history: nn.History) -> None:
        calls.append(("record", epoch, history.epochs))

    def stop_after_three(epoch: int, history: nn.History) -> bool:
        calls.append(("stop", epoch, history.epochs))
        return epoch == 2

    model = MLP(2, [2, 1], seed=0)
    history = fit(
        model, X4, Y4, optimizer=SGD(model.parameters(), lr=0.1), epochs=10, callbacks=[stop_after_three, record]
    )
    assert history.stopped_early == "callback"
    assert history.epochs == 3
    assert calls == [(name, e, e + 1) for e in range(3) for name in ("stop", "record")]


def test_zero_epochs_trains_nothing() -> None:
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    history = fit(model, X4, Y4, optimizer=SGD(model.parameters(), lr=0.1), epochs=0)
    assert history.epochs == 0
    assert model.state_dict() == before


def test_progress_bar_uses_tqdm(capsys: pytest.CaptureFixture[str]) -> None:
    model = MLP(2, [2, 1], seed=0)
    fit(model, X4, Y4, optimizer=SGD(model.parameters(), lr=0.1), epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err
    assert "epoch" in err
    fit(model, X4, Y4, optimizer=SGD(model.parameters(), lr=0.1), epochs=3, progress=False)
    assert capsys.readouterr().err == ""
    fit(model, X4, Y4, optimizer=SGD(model.parameters(), lr=0.1), epochs=3)  # None: stderr is not a TTY here
    assert capsys.readouterr().err == ""


def test_progress_bar_by_default_in_jupyter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ipykernel", sys)  # any module object: "running in a kernel"
    model = MLP(2, [2, 1], seed=0)
    fit(model, X4, Y4, optimizer=SGD(model.parameters(), lr=0.1), epochs=2)
    assert "2/2" in capsys.readouterr().err


def test_without_tqdm_training_is_silent(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm…` raise ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    a, b = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=0)
    fit(a, X4, Y4, optimizer=SGD(a.parameters(), lr=0.1), epochs=3, progress=True)
    assert capsys.readouterr().err == ""
    fit(b, X4, Y4, optimizer=SGD(b.parameters(), lr=0.1), epochs=3, progress=False)
    assert a.state_dict() == b.state_dict()


def test_predict() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    out = predict(model, X4)  # 4 rows: below LANES_FROM, one row at a time
    assert out.shape == (4,)
    assert out.tolist() == [model(x.tolist()).data for x in X4]
    assert predict(model, X4, lanes=False).tolist() == out.tolist()
    one_input = MLP(1, [2, 1], seed=0)
    assert predict(one_input, [0.5, 1.0]).shape == (2,)


# -- bad input ---------------------------------------------------------------------------------


def _fit(**overrides):
    model = overrides.pop("model", MLP(2, [3, 1], seed=0))
    args = {"X": X4, "y": Y4, "loss": "mse", "optimizer": SGD(model.parameters(), lr=0.1), "epochs": 1}
    args.update(overrides)
    return fit(model, args.pop("X"), args.pop("y"), **args)


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"X": np.zeros((4, 3))}, ValueError, r"takes 2 input\(s\) per sample but X has 3 column\(s\)"),
        ({"X": np.zeros(4)}, ValueError, r"X must be 2-D \(samples × 2 inputs\), got shape \(4,\)"),
        ({"X": np.zeros((0, 2)), "y": np.zeros(0)}, ValueError, "X is empty"),
        ({"X": [["a", "b"]] * 4}, TypeError, "X must be a 2-D array of numbers"),
        ({"X": np.full((4, 2), np.nan)}, ValueError, "X contains nan"),
        ({"y": Y4[:3]}, ValueError, r"X has 4 sample\(s\) but y has shape \(3,\)"),
        ({"y": np.zeros((4, 2))}, ValueError, r"one output, so y must have shape \(4,\), got \(4, 2\)"),
        ({"y": np.array(["a", "b", "c", "d"])}, TypeError, "labels y must be numbers"),
        ({"y": np.array([True, False, True, False])}, TypeError, "labels y must be numbers"),
        ({"y": np.array([0.0, np.inf, 0.0, 0.0])}, ValueError, "y contains nan or infinite"),
        ({"loss": "hinge", "y": np.array([0, 1, 1, 0])}, ValueError, r"-1 and \+1 \(map 0/1 labels with 2\*y - 1\)"),
        ({"loss": "binary_cross_entropy", "y": np.array([0, 2, 1, 0])}, ValueError, "between 0 and 1"),
        ({"loss": "cross_entropy"}, ValueError, "integer class indices"),
        ({"loss": "nope"}, ValueError, "unknown loss 'nope'"),
        ({"loss": 3}, TypeError, "loss must be a name or a function"),
        ({"optimizer": "sgd"}, TypeError, "optimizer must be an nn optimizer"),
        (
            {"optimizer": SGD(MLP(2, [3, 1], seed=0).parameters(), lr=0.1)},
            ValueError,
            r"the optimizer updates none of the model's 13 parameters: make it from this model",
        ),
        ({"epochs": -1}, ValueError, "epochs must be at least 0"),
        ({"epochs": 2.5}, TypeError, "epochs must be an int"),
        ({"batch_size": 0}, ValueError, "batch_size must be at least 1"),
        ({"reduction": "max"}, ValueError, "reduction must be 'mean' or 'sum'"),
        ({"l2": -1.0}, ValueError, "l2 must be a finite number >= 0"),
        ({"seed": "1"}, TypeError, "seed must be an int, a random.Random or None"),
    ],
)
def test_bad_input(overrides, error, match) -> None:
    with pytest.raises(error, match=match):
        _fit(**overrides)


def test_bad_class_labels() -> None:
    model = MLP(2, [3], seed=0)
    with pytest.raises(ValueError, match=r"class labels must be in 0 … 2 \(the model has 3 outputs\)"):
        _fit(model=model, loss="cross_entropy", y=np.array([0, 1, 3, 2]))
    with pytest.raises(ValueError, match=r"3 outputs, so y must have shape \(4, 3\)"):
        _fit(model=model, loss="mse")


def test_learning_rate_must_be_positive() -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"learning rate must be a finite number > 0, got -0\.1"):
        _fit(model=model, optimizer=SGD(model.parameters(), lr=-0.1))


def test_a_diverging_run_names_the_epoch_and_the_likely_cause() -> None:
    model = MLP(2, [1], seed=0)
    expected = r"^epoch \d+: .* overflows float64; the largest parameter is .*e\+\d+, so training has probably diverged"
    with pytest.raises(DomainError, match=expected + ": lower the learning rate"):
        fit(model, X4, Y4, loss="mse", optimizer=SGD(model.parameters(), lr=50.0), epochs=500)


def test_history_repr_summarises() -> None:
    history = nn.History(loss=[0.5 - 0.001 * k for k in range(300)], accuracy=[0.5, 1.0], stopped_early="target_loss")
    assert repr(history) == "History(epochs=300, loss 0.5 → 0.201, accuracy 0.5 → 1, stopped_early='target_loss')"
    assert repr(nn.History()) == "History(epochs=0)"
