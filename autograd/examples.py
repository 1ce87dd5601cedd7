"""Worked examples computed by the engine (the project carries its own copy of the inputs).

``python -m autograd.examples`` prints the single-sigmoid-neuron example: forward values,
error, each local derivative, the chain products and the update.

The example: inputs X1 = 0.1, X2 = 0.3, desired output 0.03, weights W1 = 0.5,
W2 = 0.2, bias b = 1.83, learning rate 0.01, sigmoid activation and squared error
E = ½(desired − predicted)².
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from autograd.core.engine import grad
from autograd.core.value import Value

__all__ = ["SINGLE_NEURON", "SingleNeuronGraph", "SingleNeuronResult", "single_neuron", "single_neuron_graph"]

#: The inputs of the single-neuron worked example.
SINGLE_NEURON = {"x1": 0.1, "x2": 0.3, "target": 0.03, "w1": 0.5, "w2": 0.2, "b": 1.83, "lr": 0.01}


@dataclass(frozen=True)
class SingleNeuronResult:
    """Every number of the single-neuron example, as the engine computed it."""

    s: float
    predicted: float
    error: float
    de_dpredicted: float
    dpredicted_ds: float
    ds_dw1: float
    ds_dw2: float
    ds_db: float
    de_dw1: float
    de_dw2: float
    de_db: float
    w1_new: float
    w2_new: float
    b_new: float
    error_new: float
    article_b_new: float
    article_error_new: float


class SingleNeuronGraph(NamedTuple):
    """The single-neuron example's graph, its nodes labelled as in the article."""

    error: Value
    predicted: Value
    s: Value
    x1: Value
    x2: Value
    w1: Value
    w2: Value
    b: Value


def single_neuron_graph() -> SingleNeuronGraph:
    """Build the example's forward graph (inputs and parameters as labelled leaves).

    >>> g = single_neuron_graph()
    >>> g.error.label, round(g.error.data, 9)
    ('E', 0.356465271)
    """
    p = SINGLE_NEURON
    x1, x2 = Value(p["x1"], "X1"), Value(p["x2"], "X2")
    w1, w2, b = Value(p["w1"], "W1"), Value(p["w2"], "W2"), Value(p["b"], "b")
    s, predicted, error = _forward(x1, x2, p["target"], w1, w2, b)
    return SingleNeuronGraph(error, predicted, s, x1, x2, w1, w2, b)


def _forward(
    x1: float | Value, x2: float | Value, target: float, w1: Value, w2: Value, b: Value
) -> tuple[Value, Value, Value]:
    s = x1 * w1 + x2 * w2 + b
    s.label = "s"
    predicted = s.sigmoid()
    predicted.label = "predicted"
    error = 0.5 * (target - predicted) ** 2
    error.label = "E"
    return s, predicted, error


def single_neuron(**overrides: float) -> SingleNeuronResult:
    """Run the example with the engine; keyword arguments override :data:`SINGLE_NEURON`.

    >>> r = single_neuron()
    >>> f"{r.predicted:.9f} {r.error:.9f} {r.de_dw1:.9f} {r.de_dw2:.9f}"
    '0.874352143 0.356465271 0.009276093 0.027828278'
    """
    p = {**SINGLE_NEURON, **overrides}
    w1, w2, b = Value(p["w1"], "W1"), Value(p["w2"], "W2"), Value(p["b"], "b")
    s, predicted, error = _forward(p["x1"], p["x2"], p["target"], w1, w2, b)
    de_dp, dp_ds = grad(error, [predicted])[0], grad(predicted, [s])[0]
    ds_dw1, ds_dw2, ds_db = grad(s, [w1, w2, b])
    de_dw1, de_dw2, de_db = grad(error, [w1, w2, b])
    lr = p["lr"]
    new = [Value(v.data - lr * g) for v, g in ((w1, de_dw1), (w2, de_dw2), (b, de_db))]
    error_new = _forward(p["x1"], p["x2"], p["target"], *new)[2]
    # The article updates the bias with the perceptron rule b + η(d − y)·1 (it takes ∂s/∂b
    # to be 0), then runs its second forward pass with the new parameters as it printed
    # them (W1 to 11 decimals, W2 to 10, b to 9).
    article_b = round(p["b"] + lr * (p["target"] - float(predicted.data)), 9)
    article = (Value(round(float(new[0].data), 11)), Value(round(float(new[1].data), 10)), Value(article_b))
    article_error = _forward(p["x1"], p["x2"], p["target"], *article)[2]
    return SingleNeuronResult(
        s=float(s.data),
        predicted=float(predicted.data),
        error=float(error.data),
        de_dpredicted=de_dp,
        dpredicted_ds=dp_ds,
        ds_dw1=ds_dw1,
        ds_dw2=ds_dw2,
        ds_db=ds_db,
        de_dw1=de_dw1,
        de_dw2=de_dw2,
        de_db=de_db,
        w1_new=float(new[0].data),
        w2_new=float(new[1].data),
        b_new=float(new[2].data),
        error_new=float(error_new.data),
        article_b_new=article_b,
        article_error_new=float(article_error.data),
    )


def main() -> None:
    """Print the single-neuron worked example."""
    p = SINGLE_NEURON
    r = single_neuron()
    print("Single sigmoid neuron, one training step, computed by chainrule's engine")
    print(f"  inputs X1={p['x1']}, X2={p['x2']}, desired {p['target']}")
    print(f"  weights W1={p['w1']}, W2={p['w2']}, bias b={p['b']}, learning rate {p['lr']}")
    print("Forward pass")
    print(f"  s = X1·W1 + X2·W2 + b          = {r.s:.9f}")
    print(f"  predicted = sigmoid(s)         = {r.predicted:.9f}")
    print(f"  E = ½(desired − predicted)²    = {r.error:.9f}")
    print("Local derivatives")
    print(f"  ∂E/∂predicted = predicted − desired  = {r.de_dpredicted:.9f}")
    print(f"  ∂predicted/∂s = σ(s)(1 − σ(s))      = {r.dpredicted_ds:.9f}")
    print(f"  ∂s/∂W1 = X1 = {r.ds_dw1:.9g}    ∂s/∂W2 = X2 = {r.ds_dw2:.9g}    ∂s/∂b = {r.ds_db:.9g}")
    print("Chain products")
    chain = r.de_dpredicted * r.dpredicted_ds
    print(f"  ∂E/∂W1 = {r.de_dpredicted:.9f} × {r.dpredicted_ds:.9f} × {r.ds_dw1:g} = {r.de_dw1:.9f}")
    print(f"  ∂E/∂W2 = {r.de_dpredicted:.9f} × {r.dpredicted_ds:.9f} × {r.ds_dw2:g} = {r.de_dw2:.9f}")
    print(f"  ∂E/∂b  = {r.de_dpredicted:.9f} × {r.dpredicted_ds:.9f} × {r.ds_db:g} = {chain * r.ds_db:.9f}")
    print("Update (W ← W − η·∂E/∂W)")
    print(f"  W1 = {r.w1_new:.11f}   W2 = {r.w2_new:.10f}   b = {r.b_new:.9f}")
    print(f"  new error E = {r.error_new:.17g}  (was {r.error:.9f})")
    print("The article's second pass")
    print(f"  The article takes ∂s/∂b = 0 and moves the bias by the perceptron rule to {r.article_b_new:.9f};")
    print(f"  with that bias and its rounded weights the new error is {r.article_error_new!r}, as it prints.")
    print(f"  In fact ∂s/∂b = 1, so ∂E/∂b = {r.de_db:.9f} and gradient descent gives the error above.")


if __name__ == "__main__":
    main()
