"""`draw_chain`: the derivative chain from an output to one input, on the graph.

The chain rule's picture from the seeds: every path from the output down to the input
is highlighted, each of its edges labelled with its local derivative, and a caption
multiplies the factors along each path and adds the paths up, e.g.::

    ∂E/∂W1 = 0.844352 × 0.109860 × 0.1 = 0.00927609

How the factors are grouped (``factors=``):

- ``"labels"``: the path is cut at every *labelled* intermediate node, and each factor
  is the derivative between consecutive named nodes (the product of the local
  derivatives in between). For the seed's neuron with ``s``, ``predicted`` and ``E``
  labelled, the path E → ×0.5 → **2 → − → predicted → s → + → × → W1 gives
  ``∂E/∂predicted × ∂predicted/∂s × ∂s/∂W1`` — the article's three factors.
- ``"edges"``: one factor per edge (every local derivative), leaving out the exact
  ``1`` factors of ``+``/``Σ`` edges unless ``drop_ones=False``.
- ``"auto"`` (default): ``"labels"`` when some path passes a labelled intermediate
  node, otherwise ``"edges"``.

Lanes. When the paths run through Values holding lanes (one scalar per sample), each
path's product is lane-wise (see :mod:`autograd.chains`) and the caption shows:

- the chain **at one lane** (``lane=``, default 0): each path's factors and product at
  that lane — one sample's chain, the seeds' picture — and their sum at that lane;
- then **all lanes**: for an input holding lanes, its gradient, lane by lane
  (``∂L/∂x = [0.0983060, 0.0525134, 0.0226138, … 4 lanes]``); for a scalar input that
  fed the lanes (a parameter), the sum over the lanes of the per-lane sums, which is
  its gradient (``∂L/∂w = sum over the 4 lanes of [0.196612, …] = 0.612799``).

A path made of scalars only (e.g. a weight-decay term ``w * w``) is the same in every
lane and is added once, after the sum over the lanes. A path that adds up the lanes at
a scalar node and goes on into lanes (a lane reduction used lane-wise) shows only its
product at the lane, since its factors do not multiply lane by lane. ``lane=None``
shows each path's lane-wise product summarised (``[a, b, c, … n lanes]``) instead of
the factors at one lane.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Literal

from autograd import Chain, Value, chain_summary, derivative_chains
from autograd.chains import DEFAULT_PATH_LIMIT, ChainSummary
from viz.display import Drawing
from viz.graph import DEFAULT_MAX_NODES, Color, ModuleLike, _emit, _fills, _Graph, _prepare, _Style
from viz.numbers import DEFAULT_SHOWN, fixed_lanes, is_lanes, short, short_lanes

__all__ = ["Factors", "chain_caption", "draw_chain"]

Factors = Literal["auto", "labels", "edges"]


def _term(x: float, digits: int) -> str:
    text = short(x, digits)
    return f"({text})" if text.startswith("-") else text


def _at(x: Any, lane: int) -> float:
    """The value of ``x`` at ``lane`` (a float is the same in every lane)."""
    return float(x[lane]) if is_lanes(x) else float(x)


def _factor_texts(chain: Chain, mode: str, digits: int, drop_ones: bool, lane: int = 0) -> list[str]:
    if mode == "labels":
        values = [_at(s.factor, lane) for s in chain.segments(lambda v: bool(v.label))]
    else:
        values = [_at(e.local, lane) for e in chain.edges]
        if drop_ones:
            values = [x for x in values if x != 1.0] or [1.0]
    return [_term(x, digits) for x in values] or ["1"]


def _path_text(texts: list[str], product: str) -> str:
    """``factors = product``, or the product alone when it is the only factor."""
    if len(texts) == 1 and texts[0].strip("()") == product:
        return product
    return f"{' × '.join(texts)} = {product}"


def _check_lane(lane: int | None, n: int | None) -> None:
    if lane is None:
        return
    if isinstance(lane, bool) or not isinstance(lane, int) or lane < 0:
        raise ValueError(f"lane must be None or a non-negative int, got {lane!r}")
    if n is not None and lane >= n:
        raise ValueError(f"lane must be from 0 to {n - 1} (the paths hold {n} lanes), got {lane}")


def _lanes_caption(
    chains: Sequence[Chain],
    head: str,
    scalar_wrt: bool,
    n: int,
    *,
    mode: str,
    digits: int,
    drop_ones: bool,
    max_listed: int,
    lane: int | None,
    shown: int,
) -> str:
    """The caption when the paths hold ``n`` lanes (see the module docstring)."""
    products = [c.product for c in chains]
    once = [p for c, p in zip(chains, products, strict=True) if c.lanes is None]  # scalar paths: added once
    per_lane = [p for c, p in zip(chains, products, strict=True) if c.lanes is not None]
    sums = sum(per_lane[1:], per_lane[0])

    def path(c: Chain, p: Any) -> str:
        if c.lanes is None:
            return f"{_path_text(_factor_texts(c, mode, digits, drop_ones), short(p, digits))} (no lanes: counted once)"
        if lane is None:
            return short_lanes(p, digits, shown)
        at = short(_at(p, lane), digits)
        if c.mixes_lanes:
            return f"{at} (this path adds up the lanes at a scalar node, so its factors do not multiply lane by lane)"
        return _path_text(_factor_texts(c, mode, digits, drop_ones, lane), at)

    if scalar_wrt:
        total = math.fsum([*(float(x) for x in sums), *once])
        added = "".join(f" + {_term(p, digits)}" for p in once)
        last = f"{head} = sum over the {n} lanes of {short_lanes(sums, digits, shown)}{added} = {short(total, digits)}"
    else:
        last = f"{head} = {short_lanes(sums, digits, shown)}"
    if len(chains) == 1:
        return last if lane is None else f"lane {lane}: {head} = {path(chains[0], products[0])}\n{last}"
    lines = [] if lane is None else [f"lane {lane} of {n}:"]
    lines += [f"path {k}: {path(c, p)}" for k, (c, p) in enumerate(zip(chains, products, strict=True), 1)][:max_listed]
    if len(chains) > max_listed:
        lines.append(f"… and {len(chains) - max_listed} more paths")
    if lane is not None:
        at = short(_at(sums, lane), digits)
        if len(chains) <= max_listed and len(per_lane) > 1:
            terms = " + ".join(_term(_at(p, lane), digits) for p in per_lane)
            lines.append(f"lane {lane}: {head} = {terms} = {at}")
        elif len(per_lane) > 1:
            lines.append(f"lane {lane}: {head} = the sum over {len(per_lane)} paths through the lanes = {at}")
    lines.append(last)
    return "\n".join(lines)


def _mode(chains: Sequence[Chain], factors: str) -> str:
    if factors not in ("auto", "labels", "edges"):
        raise ValueError(f"factors must be 'auto', 'labels' or 'edges', got {factors!r}")
    if factors != "auto":
        return factors
    named = any(bool(v.label) for c in chains for v in c.nodes[1:-1])
    return "labels" if named else "edges"


def _caption(
    summary: ChainSummary,
    name: Callable[[Value], str],
    *,
    digits: int,
    factors: str,
    drop_ones: bool,
    limit: int,
    max_listed: int,
    lane: int | None = 0,
    shown: int = DEFAULT_SHOWN,
) -> str:
    if isinstance(max_listed, bool) or not isinstance(max_listed, int) or max_listed < 1:
        raise ValueError(f"max_listed must be a positive int, got {max_listed!r}")
    _check_lane(lane, None)
    output, wrt = summary.output, summary.wrt
    head = f"∂{name(output)}/∂{name(wrt)}"
    if summary.count == 0:
        _mode([], factors)
        return f"{head} = 0 (no path from {name(output)} to {name(wrt)})"
    if summary.count > limit:
        _mode([], factors)
        return (
            f"{head} = {short_lanes(summary.gradient, digits, shown)} "
            f"(the sum over {summary.count} paths, more than limit={limit} to list; "
            "the highlighted edges carry them)"
        )
    chains = derivative_chains(output, wrt, limit=limit)
    mode = _mode(chains, factors)
    n = next((c.lanes for c in chains if c.lanes is not None), None)
    if n is not None:
        _check_lane(lane, n)
        return _lanes_caption(
            chains,
            head,
            wrt.lanes is None,
            n,
            mode=mode,
            digits=digits,
            drop_ones=drop_ones,
            max_listed=max_listed,
            lane=lane,
            shown=shown,
        )
    if len(chains) == 1:
        texts = _factor_texts(chains[0], mode, digits, drop_ones)
        product = short(chains[0].product, digits)
        if len(texts) == 1 and texts[0].strip("()") == product:
            return f"{head} = {product}"
        return f"{head} = {' × '.join(texts)} = {product}"
    lines = []
    for k, chain in enumerate(chains[:max_listed], start=1):
        texts = _factor_texts(chain, mode, digits, drop_ones)
        product = short(chain.product, digits)
        if len(texts) == 1 and texts[0].strip("()") == product:
            lines.append(f"path {k}: {product}")
        else:
            lines.append(f"path {k}: {' × '.join(texts)} = {product}")
    total = short(math.fsum(c.product for c in chains), digits)
    if len(chains) <= max_listed:
        lines.append(f"{head} = {' + '.join(_term(c.product, digits) for c in chains)} = {total}")
    else:
        lines.append(f"… and {len(chains) - max_listed} more paths")
        lines.append(f"{head} = the sum over {len(chains)} paths = {total}")
    return "\n".join(lines)


def _check_values(output: object, wrt: object) -> None:
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    if not isinstance(wrt, Value):
        raise TypeError(f"wrt must be a Value, got {type(wrt).__name__}")


def _namer(g: _Graph) -> Callable[[Value], str]:
    def name(v: Value) -> str:
        i = g.index.get(id(v))
        if i is None:  # wrt outside the graph
            return v.label or "wrt"
        return g.name(i)

    return name


def chain_caption(
    output: Value,
    wrt: Value,
    *,
    digits: int = 6,
    factors: Factors = "auto",
    drop_ones: bool = True,
    limit: int = DEFAULT_PATH_LIMIT,
    max_listed: int = 10,
    lane: int | None = 0,
    lanes_shown: int = DEFAULT_SHOWN,
) -> str:
    """The derivative chain from ``output`` to ``wrt`` as text (the caption of :func:`draw_chain`).

    One path gives one line, ``∂E/∂W1 = 0.844352 × 0.109860 × 0.1 = 0.00927609``;
    several paths give one line per path (``path k: factors = product``) and a last
    line adding the products. Nodes are named by their label, else by their drawing
    id (``v3``). Numbers with at most ``digits`` significant digits are shown exactly,
    others rounded to ``digits`` significant digits.

    Args:
        output: The node differentiated.
        wrt: The node differentiated with respect to.
        digits: Significant digits of rounded numbers.
        factors: How to group a path's local derivatives into factors; see
            :mod:`viz.chain`.
        drop_ones: In ``"edges"`` mode, leave out factors that are exactly 1.
        limit: With more paths than this, give only the gradient and the path count.
        max_listed: List at most this many paths (the sum still covers all).
        lane: With lanes, the lane (from 0) whose factors and products are shown,
            or None for each path's products over all lanes; see :mod:`viz.chain`.
        lanes_shown: With lanes, how many values of a lane-wise number are listed.

    Raises:
        ValueError: for a bad argument, e.g. a ``lane`` beyond the lanes of the paths.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> y.label = "y"
    >>> print(chain_caption(y, x))
    path 1: 3
    path 2: 3
    ∂y/∂x = 3 + 3 = 6

    With lanes, the chain at one lane, then over all lanes:

    >>> import numpy as np
    >>> w = Value(0.5, label="w")
    >>> x = Value(np.array([1.0, 2.0, 3.0, 4.0]), label="x")
    >>> loss = (w * x).sum()
    >>> loss.label = "L"
    >>> print(chain_caption(loss, w, lane=1))
    lane 1: ∂L/∂w = 2
    ∂L/∂w = sum over the 4 lanes of [1, 2, 3, … 4 lanes] = 10
    """
    _check_values(output, wrt)
    short_lanes(0.0, digits, lanes_shown)  # validates digits and lanes_shown
    g = _prepare([output])
    return _caption(
        chain_summary(output, wrt),
        _namer(g),
        digits=digits,
        factors=factors,
        drop_ones=drop_ones,
        limit=limit,
        max_listed=max_listed,
        lane=lane,
        shown=lanes_shown,
    )


def draw_chain(
    output: Value,
    wrt: Value,
    *,
    precision: int = 4,
    digits: int = 6,
    factors: Factors = "auto",
    drop_ones: bool = True,
    limit: int = DEFAULT_PATH_LIMIT,
    max_listed: int = 10,
    color: Color = "role",
    params: Iterable[Value] = (),
    inputs: Iterable[Value] = (),
    model: ModuleLike | None = None,
    collapse: str | Collection[str] | None = None,
    rankdir: str = "LR",
    max_nodes: int = DEFAULT_MAX_NODES,
    lane: int | None = 0,
    lanes_shown: int = DEFAULT_SHOWN,
) -> Drawing:
    """Draw ``output``'s graph with every path to ``wrt`` highlighted and the chain as caption.

    Each highlighted edge is labelled with its local derivative ``∂child/∂parent``
    (``precision`` decimals); edges off the paths are grey. The caption (also in
    ``.caption``) is :func:`chain_caption`'s text. With more than ``limit`` paths the
    edges are still highlighted (found without listing the paths) and the caption
    gives the gradient and the number of paths.

    Args:
        output: The node differentiated (e.g. the loss ``E``).
        wrt: The node differentiated with respect to (e.g. the weight ``W1``).
        precision: Decimals of the numbers in nodes and on edges.
        digits: Significant digits of the caption's rounded numbers.
        factors: ``"auto"``, ``"labels"`` or ``"edges"``; see :mod:`viz.chain`.
        drop_ones: In ``"edges"`` mode, leave out factors that are exactly 1.
        limit: The most paths listed in the caption.
        max_listed: List at most this many paths (the sum still covers all).
        color: Node fill, as in :func:`~viz.graph.draw_graph`.
        params: Leaves to draw as parameters.
        inputs: Leaves to draw as inputs.
        model: Group the Values by module, as in :func:`~viz.graph.draw_graph`.
        collapse: Modules to draw as one box each (needs ``model``).
        rankdir: Graphviz layout direction.
        max_nodes: Warn above this many drawn nodes.
        lane: With lanes, the lane (from 0) whose chain the caption shows, or None
            for the paths' products over all lanes; see :mod:`viz.chain`.
        lanes_shown: How many values of a lane Value (or lane-wise local
            derivative) are listed, as in :func:`~viz.graph.draw_graph`.

    Returns:
        A :class:`~viz.display.Drawing`.
    """
    _check_values(output, wrt)
    fixed_lanes(0.0, precision, lanes_shown)
    short(0.0, digits)
    g = _prepare([output], params=params, inputs=inputs, model=model)
    summary = chain_summary(output, wrt)
    caption = _caption(
        summary,
        _namer(g),
        digits=digits,
        factors=factors,
        drop_ones=drop_ones,
        limit=limit,
        max_listed=max_listed,
        lane=lane,
        shown=lanes_shown,
    )
    hot = {(g.idx(e.edge.child), e.edge.index) for e in summary.edges}
    on_path = {i for i, _ in hot} | {g.idx(e.edge.parent) for e in summary.edges}
    style = _Style(
        data=[fixed_lanes(v.data, precision, lanes_shown) for v in g.order],
        grad=[fixed_lanes(v.grad, precision, lanes_shown) for v in g.order],
        fill=_fills(g, color, [v.grad for v in g.order]),
        emphasis=on_path,
        edge_labels={(i, k): fixed_lanes(g.order[i].local_grads[k], precision, lanes_shown) for i, k in hot},
        hot=hot,
        dim_others=True,
        caption=caption,
    )
    return _emit(
        g,
        style,
        precision=precision,
        rankdir=rankdir,
        collapse=collapse,
        max_nodes=max_nodes,
        lanes_shown=lanes_shown,
    )
