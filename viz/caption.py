"""The chain caption: the factors along each path from an output to one input, multiplied and added.

The caption of :func:`viz.draw_chain` (and :func:`chain_caption` alone) multiplies the
factors along each path and adds the paths up, e.g.::

    ∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276

The caption is a :class:`Caption`: a ``str`` whose :meth:`~Caption.latex` gives the chain
rule with symbols and numbers, as a teacher writes it (and Jupyter shows it so)::

    \\frac{\\partial E}{\\partial W_{1}} = \\frac{\\partial E}{\\partial \\mathrm{predicted}} ·
    … = 0.84435 \\times 0.10986 \\times 0.1 = 0.009276

Numbers have ``digits`` significant digits (:func:`viz.numbers.format_number`), the same
in the caption as on the picture's nodes and edges.

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
from collections.abc import Callable, Sequence
from typing import Any, Literal

from autograd import Chain, Value, chain_summary, derivative_chains
from autograd.chains import DEFAULT_PATH_LIMIT, ChainSummary, path_count_text
from viz.arithmetic import Worked, paths_digits, worked, worked_all
from viz.latex import latex_number, latex_term, latex_text, partial
from viz.numbers import DEFAULT_DIGITS, DEFAULT_SHOWN, check_digits, format_lanes, format_number, is_lanes
from viz.scene import Names, Scene, build_scene, checked_name

__all__ = [
    "Caption",
    "Factors",
    "Naming",
    "caption_for",
    "chain_caption",
    "check_values",
    "picture_numbers",
]

Factors = Literal["auto", "labels", "edges"]


class Caption(str):
    """A chain caption: the text, plus :meth:`latex` (Jupyter shows the LaTeX)."""

    _latex: str
    _factor_digits: int | None

    def __new__(cls, text: str, latex: str = "", *, digits: int | None = None) -> Caption:
        obj = super().__new__(cls, text)
        obj._latex = latex
        obj._factor_digits = digits
        return obj

    @property
    def factor_digits(self) -> int | None:
        """The significant digits the factors are written with (guard digits included), if known."""
        return self._factor_digits

    def latex(self) -> str:
        """The chain rule with symbols and numbers, as LaTeX math (without ``$``)."""
        return self._latex

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self._latex}$"


def _term(x: float, digits: int) -> str:
    text = format_number(x, digits)
    return f"({text})" if text.startswith("-") else text


def _at(x: Any, lane: int) -> float:
    """The value of ``x`` at ``lane`` (a float is the same in every lane)."""
    return float(x[lane]) if is_lanes(x) else float(x)


def _factor_runs(
    chain: Chain, mode: str, drop_ones: bool, names: Naming, lane: int = 0
) -> list[tuple[float, Value, Value]]:
    """Each factor of ``chain`` at ``lane``, with the nodes it runs between (``∂start/∂end``).

    The fractions chain: each one's numerator is the previous one's denominator. In
    ``"edges"`` mode an edge whose local derivative is exactly 1 (dropped with
    ``drop_ones``) joins the factor above it (or, at the top, the one below), so its
    node still links the fractions: ``∂L/∂v5 · ∂v5/∂x``, never ``∂L/∂v5 · ∂v2/∂x``.
    """
    if mode == "labels":
        return [(_at(s.factor, lane), s.start, s.end) for s in chain.segments(names.named)]
    runs: list[tuple[float, Value, Value]] = []
    pending: Value | None = None  # the start of a run of dropped 1s waiting for a factor
    for e in chain.edges:
        local = _at(e.local, lane)
        if drop_ones and local == 1.0:
            if runs:
                x, start, _ = runs[-1]
                runs[-1] = (x, start, e.parent)
            elif pending is None:
                pending = e.child
            continue
        runs.append((local, pending if pending is not None else e.child, e.parent))
        pending = None
    if not runs and chain.edges:
        runs = [(1.0, chain.output, chain.wrt)]
    return runs


def _factor_pairs(chain: Chain, mode: str, drop_ones: bool, names: Naming, lane: int = 0) -> list[tuple[float, str]]:
    """Each factor of ``chain`` at ``lane`` and its LaTeX partial derivative (see :func:`_factor_runs`)."""
    return [(x, partial(names(a), names(b))) for x, a, b in _factor_runs(chain, mode, drop_ones, names, lane)]


class Naming:
    """Names of nodes for captions: display names, else the drawing id (``v3``)."""

    def __init__(self, g: Scene) -> None:
        self._g = g

    def __call__(self, v: Value) -> str:
        i = self._g.index.get(id(v))
        if i is None:  # wrt outside the graph
            return checked_name(v.label, "the label") or "wrt"
        return self._g.name(i)

    def named(self, v: Value) -> bool:
        """Whether ``v`` has a display name (a label, a parameter name or one from ``names=``)."""
        i = self._g.index.get(id(v))
        return bool(self._g.names[i]) if i is not None else bool(v.label)


def _path_text(w: Worked) -> str:
    """``factors = product``, or the product alone when it is the only factor."""
    if len(w.terms) == 1 and w.terms[0].strip("()") == w.result:
        return w.result
    return w.text("×") + (f" {w.why()}" if not w.exact else "")


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
    names: Naming,
) -> str:
    """The caption when the paths hold ``n`` lanes (see the module docstring)."""
    products = [c.product for c in chains]
    once = [p for c, p in zip(chains, products, strict=True) if c.lanes is None]  # scalar paths: added once
    per_lane = [p for c, p in zip(chains, products, strict=True) if c.lanes is not None]
    sums = sum(per_lane[1:], per_lane[0])
    # At the lane, the paths' products add up to the sum as written (guard digits as needed),
    # and each path's factors multiply to its product as written.
    lane_sum = None
    if lane is not None and len(chains) <= max_listed and len(per_lane) > 1:
        lane_sum = worked("+", [_at(p, lane) for p in per_lane], _at(sums, lane), digits=digits)
    at_digits = digits + (lane_sum.guard if lane_sum is not None else 0)

    def path(c: Chain, p: Any) -> str:
        if c.lanes is None:
            values = [x for x, _ in _factor_pairs(c, mode, drop_ones, names)] or [1.0]
            return f"{_path_text(worked('×', values, float(p), digits=digits))} (no lanes: counted once)"
        if lane is None:
            return _listed(p, digits, shown)
        at = _at(p, lane)
        if c.mixes_lanes:
            return (
                f"{format_number(at, digits)} (this path adds up the lanes at a scalar node, "
                "so its factors do not multiply lane by lane)"
            )
        values = [x for x, _ in _factor_pairs(c, mode, drop_ones, names, lane)] or [1.0]
        return _path_text(worked("×", values, at, digits=at_digits))

    if scalar_wrt:
        total = math.fsum([*(float(x) for x in sums), *once])
        added = "".join(f" + {_term(p, digits)}" for p in once)
        last = (
            f"{head} = sum over the {n} lanes of {_listed(sums, digits, shown)}{added} = {format_number(total, digits)}"
        )
    else:
        last = f"{head} = {_listed(sums, digits, shown)}"
    if len(chains) == 1:
        return last if lane is None else f"lane {lane}: {head} = {path(chains[0], products[0])}\n{last}"
    lines = [] if lane is None else [f"lane {lane} of {n}:"]
    lines += [f"path {k}: {path(c, p)}" for k, (c, p) in enumerate(zip(chains, products, strict=True), 1)][:max_listed]
    if len(chains) > max_listed:
        lines.append(f"… and {len(chains) - max_listed} more paths")
    if lane is not None:
        at = format_number(_at(sums, lane), digits)
        if lane_sum is not None:
            why = f" {lane_sum.why()}" if not lane_sum.exact else ""
            lines.append(f"lane {lane}: {head} = {lane_sum.text('+')}{why}")
        elif len(per_lane) > 1:
            lines.append(f"lane {lane}: {head} = the sum over {len(per_lane)} paths through the lanes = {at}")
    lines.append(last)
    return "\n".join(lines)


def _listed(x: Any, digits: int, shown: int = DEFAULT_SHOWN) -> str:
    return format_lanes(x, digits, shown, stats=False)


def _mode(chains: Sequence[Chain], factors: str, named: Callable[[Value], bool] = lambda v: bool(v.label)) -> str:
    if factors not in ("auto", "labels", "edges"):
        raise ValueError(f"factors must be 'auto', 'labels' or 'edges', got {factors!r}")
    if factors != "auto":
        return factors
    return "labels" if any(named(v) for c in chains for v in c.nodes[1:-1]) else "edges"


def caption_for(
    summary: ChainSummary,
    names: Naming,
    *,
    digits: int,
    factors: str,
    drop_ones: bool,
    limit: int,
    max_listed: int,
    lane: int | None = 0,
    shown: int = DEFAULT_SHOWN,
) -> Caption:
    if isinstance(max_listed, bool) or not isinstance(max_listed, int) or max_listed < 1:
        raise ValueError(f"max_listed must be a positive int, got {max_listed!r}")
    _check_lane(lane, None)
    output, wrt = summary.output, summary.wrt
    head = f"∂{names(output)}/∂{names(wrt)}"
    head_tex = partial(names(output), names(wrt))
    if summary.count == 0:
        _mode([], factors)
        return Caption(f"{head} = 0 (no path from {names(output)} to {names(wrt)})", f"{head_tex} = 0")
    if summary.count > limit:
        _mode([], factors)
        text = (
            f"{head} = {_listed(summary.gradient, digits, shown)} "
            f"(the sum over {path_count_text(summary.count)} paths, more than limit={limit} to list; "
            "the highlighted edges carry them)"
        )
        return Caption(text, latex_text(text))
    chains = derivative_chains(output, wrt, limit=limit)
    mode = _mode(chains, factors, names.named)
    n = next((c.lanes for c in chains if c.lanes is not None), None)
    if n is not None:
        _check_lane(lane, n)
        text = _lanes_caption(
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
            names=names,
        )
        return Caption(text, latex_text(text))

    products = [float(c.product) for c in chains]
    total = math.fsum(products)
    listed = chains[:max_listed]
    # The sum line's terms are the path products: written with the guard digits that make
    # them add up to the total as written (a learner redoes the sum), then each path's
    # factors with the guard digits that make them multiply to its product as written.
    added = worked("+", products, total, digits=digits) if 1 < len(chains) <= max_listed else None
    product_digits = digits + (added.guard if added is not None else 0)
    pairs = [_factor_pairs(c, mode, drop_ones, names) or [(1.0, "")] for c in listed]
    paths = worked_all("×", [[x for x, _ in p] for p in pairs], products[:max_listed], digits=product_digits)

    def one(w: Worked, symbols: list[str]) -> tuple[str, str]:
        """The path's text ``a × b = p`` and its LaTeX with symbols."""
        product = w.result
        if len(w.terms) == 1 and w.terms[0].strip("()") == product:
            return product, latex_number(product)
        numbers = r" \times ".join(latex_term(t) for t in w.terms)
        symbolic = r" \cdot ".join(s for s in symbols if s) + " = " if any(symbols) else ""
        relation = "=" if w.exact else r"\approx"
        why = f" {w.why()}" if not w.exact else ""
        return f"{w.text('×')}{why}", f"{symbolic}{numbers} {relation} {latex_number(product)}"

    if len(chains) == 1:
        text, tex = one(paths[0], [s for _, s in pairs[0]])
        return Caption(f"{head} = {text}", f"{head_tex} = {tex}", digits=paths[0].digits_shown)
    lines, tex_lines = [], []
    for k, (w, p) in enumerate(zip(paths, pairs, strict=True), start=1):
        text, tex = one(w, [s for _, s in p])
        lines.append(f"path {k}: {text}")
        tex_lines.append(rf"\text{{path {k}:}}\quad & {tex}")
    total_text = format_number(total, digits)
    if added is not None:
        why = f" {added.why()}" if not added.exact else ""
        relation = "=" if added.exact else r"\approx"
        lines.append(f"{head} = {added.text('+')}{why}")
        tex_terms = " + ".join(latex_term(t) for t in added.terms)
        tex_lines.append(f"{head_tex} & = {tex_terms} {relation} {latex_number(added.result)}")
    else:
        lines.append(f"… and {len(chains) - max_listed} more paths")
        lines.append(f"{head} = the sum over {len(chains)} paths = {total_text}")
        tex_lines.append(rf"& \text{{… and {len(chains) - max_listed} more paths}}")
        tex_lines.append(rf"{head_tex} & = \text{{the sum over {len(chains)} paths}} = {latex_number(total_text)}")
    shown = max(w.digits_shown for w in paths)
    return Caption("\n".join(lines), r"\begin{aligned}" + r" \\ ".join(tex_lines) + r"\end{aligned}", digits=shown)


def picture_numbers(
    output: Value,
    wrt: Value,
    summary: ChainSummary,
    caption: Caption,
    names: Naming,
    *,
    digits: int,
    factors: str,
    drop_ones: bool,
    limit: int,
    max_listed: int,
) -> tuple[int, list[Value]]:
    """What a chain picture adds to its caption: the digits of its edge labels, the unnamed nodes it must name.

    The highlighted edges' local derivatives get the guard digits that make each path's
    product, summed over the paths, give the gradient as written (and at least as many
    as the caption's factors, so a number reads the same in both). The unnamed nodes
    the caption's ``.latex()`` cites (``∂v5/∂x``) show their id in the picture.
    """
    if not 0 < summary.count <= limit:
        return digits, []
    chains = derivative_chains(output, wrt, limit=limit)
    if any(c.lanes is not None for c in chains):
        return digits, []
    mode = _mode(chains, factors, names.named)
    edge_digits = max(paths_digits([[float(x) for x in c.factors] for c in chains], digits=digits), digits)
    edge_digits = max(edge_digits, caption.factor_digits or digits)
    cited = [v for c in chains[:max_listed] for _, a, b in _factor_runs(c, mode, drop_ones, names) for v in (a, b)]
    return edge_digits, [v for v in cited if not names.named(v)]


def check_values(output: object, wrt: object) -> None:
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    if not isinstance(wrt, Value):
        raise TypeError(f"wrt must be a Value, got {type(wrt).__name__}")


def chain_caption(
    output: Value,
    wrt: Value,
    *,
    digits: int = DEFAULT_DIGITS,
    names: Names | None = None,
    factors: Factors = "auto",
    drop_ones: bool = True,
    limit: int = DEFAULT_PATH_LIMIT,
    max_listed: int = 10,
    lane: int | None = 0,
    lanes_shown: int = DEFAULT_SHOWN,
) -> Caption:
    """The derivative chain from ``output`` to ``wrt`` as text (the caption of :func:`draw_chain`).

    One path gives one line, ``∂E/∂W1 = 0.84435 × 0.10986 × 0.1 = 0.009276``; several
    paths give one line per path (``path k: factors = product``) and a last line adding
    the products. Nodes are named by their display name (``names=``, else the label),
    else by their drawing id (``v3``). The result is a :class:`Caption`, a ``str`` with
    :meth:`~Caption.latex`.

    Args:
        output: The node differentiated.
        wrt: The node differentiated with respect to.
        digits: Significant digits of every number (:func:`viz.numbers.format_number`).
        names: Display names, as in :func:`~viz.graph.draw_graph` (e.g. ``{w: "w¹₂₁"}``).
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
    >>> w = Value(0.5, label="w1")
    >>> out = (w * 0.2).tanh()
    >>> out.label = "out"
    >>> caption = chain_caption(out, w, names={w: "w¹₂₁"})
    >>> print(caption)
    ∂out/∂w¹₂₁ = 0.9901 × 0.2 = 0.198
    >>> print(caption.latex().replace(" = ", "\\n= ").replace(" \\\\cdot ", "\\n  \\\\cdot "))
    \\frac{\\partial \\mathrm{out}}{\\partial w^{1}_{21}}
    = \\frac{\\partial \\mathrm{out}}{\\partial v_{2}}
      \\cdot \\frac{\\partial v_{2}}{\\partial w^{1}_{21}}
    = 0.9901 \\times 0.2
    = 0.198

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
    check_values(output, wrt)
    check_digits(digits)
    format_lanes(0.0, digits, lanes_shown)  # validates lanes_shown
    g = build_scene([output], names_=names)
    return caption_for(
        chain_summary(output, wrt),
        Naming(g),
        digits=digits,
        factors=factors,
        drop_ones=drop_ones,
        limit=limit,
        max_listed=max_listed,
        lane=lane,
        shown=lanes_shown,
    )
