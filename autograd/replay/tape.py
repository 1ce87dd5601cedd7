"""The tape: a traced graph flattened into numbered slots, in the eager engine's order.

Slots ``0 … L-1`` are the leaves (the arguments first, then the parameters, then every
other leaf the graph reads), slots ``L …`` the interior nodes in topological order. The
order of the nodes the first output depends on is exactly
:func:`autograd.topological_order`'s, so a replay's reverse pass visits them, and adds
up each gradient's contributions, in the order :func:`autograd.backward` does.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

from autograd.core.reverse import interior_order
from autograd.core.rules import Rule
from autograd.core.value import Value

__all__ = ["Tape", "build"]


@dataclass
class Tape:
    """A traced graph as numbered slots (see the module docstring)."""

    leaves: list[Value]
    n_nodes: int
    rules: list[Rule]
    parents: list[tuple[int, ...]]
    params: list[float | None]
    lanes: list[int | None]  # per slot: None for a float, else the number of lanes
    local_lanes: list[tuple[bool, ...]]  # per node: which local derivatives held lanes when traced
    outputs: list[int]
    n_args: int
    wanted: list[int]  # leaf slots whose gradients a call returns: the arguments, then the parameters
    in_first: list[bool]  # per node: whether the first output depends on it
    guard_slots: list[tuple[int, int | None]]  # per guard: the slots it compares (or reads)
    has_lanes: bool  # whether any slot holds lanes
    nodes_lanes: bool  # whether any node holds lanes

    @property
    def size(self) -> int:
        return len(self.leaves) + self.n_nodes

    @functools.cached_property
    def reads(self) -> tuple[int, ...]:
        """Per slot: how many times it is read (by nodes, as an output, or by a guard)."""
        count = [0] * self.size
        for parents in self.parents:
            for s in parents:
                count[s] += 1
        for s in self.outputs:
            count[s] += 1
        for a, b in self.guard_slots:
            count[a] += 1
            if b is not None:
                count[b] += 1
        return tuple(count)


def _order(roots: Sequence[Value], split: bool) -> tuple[list[Value], list[Value], set[Value]]:
    """Leaves and interior nodes reachable from ``roots``: depth first in argument order, as
    :func:`autograd.topological_order` (so the first root's nodes come in its very order);
    and, when ``split``, the nodes the first root reaches (else an empty set).
    Leaves are taken on sight, as the engine does."""
    leaves: list[Value] = []
    nodes: list[Value] = []
    seen: set[Value] = set()  # Values hash by identity
    first: set[Value] = set()
    for k, root in enumerate(roots):
        if root not in seen:
            order, found, _lanes = interior_order(root, reset=False, seen=seen)
            if not root._n:
                seen.add(root)
            nodes += order
            leaves += found
        if k == 0 and split:
            first = set(seen)
    return leaves, nodes, first


def build(
    outputs: Sequence[Value],
    guards: Sequence[tuple[Value, Value | None]],
    args: Sequence[Value],
    params: Sequence[Value],
) -> Tape:
    """The tape of ``outputs`` (and of the Values ``guards`` read), arguments and parameters first.

    The tape keeps no interior node: only numbers and slots (the leaves are read at each call).
    """
    extra = [v for pair in guards for v in pair if v is not None]
    leaves_found, nodes, first = _order([*outputs, *extra], bool(extra))
    leaves = list(dict.fromkeys([*args, *params, *leaves_found]))  # each once, first place kept
    base = len(leaves)
    slot = dict(zip(leaves, range(base), strict=True))
    slot.update(zip(nodes, range(base, base + len(nodes)), strict=True))
    lanes: list[int | None] = [None if type(d) is float else len(d) for d in map(_data_of, leaves)]
    parents: list[tuple[int, ...]] = []
    add = parents.append
    has_lanes = any(n is not None for n in lanes)  # lanes only ever come from leaves
    nodes_lanes = False
    if has_lanes:
        local_lanes: list[tuple[bool, ...]] = []
        note = local_lanes.append
        for v in nodes:  # one and two parents live in slots (see autograd/core/value.py)
            n = v._n
            if n == 2:
                add((slot[v._p0], slot[v._p1]))
                note((type(v._d0) is not float, type(v._d1) is not float))
            elif n == 1:
                add((slot[v._p0],))
                note((type(v._d0) is not float,))
            else:
                add(tuple([slot[p] for p in v._parents]))
                note(tuple([type(d) is not float for d in v._local]))
        node_lanes = [None if type(d) is float else len(d) for d in map(_data_of, nodes)]
        nodes_lanes = node_lanes.count(None) < len(nodes)
        lanes += node_lanes
    else:
        for v in nodes:
            n = v._n
            if n == 2:
                add((slot[v._p0], slot[v._p1]))
            elif n == 1:
                add((slot[v._p0],))
            else:
                add(tuple([slot[p] for p in v._parents]))
        lanes += [None] * len(nodes)
        local_lanes = [()] * len(nodes)
    return Tape(
        leaves=leaves,
        n_nodes=len(nodes),
        rules=_rules(nodes),
        parents=parents,
        params=list(map(_param_of, nodes)),
        lanes=lanes,
        local_lanes=local_lanes,
        outputs=[slot[v] for v in outputs],
        n_args=len(args),
        wanted=[slot[v] for v in [*args, *params]],
        in_first=[v in first for v in nodes] if extra else [True] * len(nodes),
        guard_slots=[(slot[a], None if b is None else slot[b]) for a, b in guards],
        has_lanes=has_lanes,
        nodes_lanes=nodes_lanes,
    )


_data_of = attrgetter("_data")
_param_of = attrgetter("_param")


def _rules(nodes: list[Value]) -> list[Rule]:
    from autograd.core.rules import RULES

    ops = [v._op for v in nodes]
    found: dict[str, Rule] = {}
    for op in dict.fromkeys(ops):
        rule = RULES.get(op)
        if rule is None:  # pragma: no cover - a node's op is always registered when it is made
            raise RuntimeError(f"op {op!r} is not in the rule table")
        found[op] = rule
    return list(map(found.__getitem__, ops))
