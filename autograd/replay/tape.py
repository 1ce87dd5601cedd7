"""The tape: a traced graph flattened into numbered slots, in the eager engine's order.

Slots ``0 … L-1`` are the leaves (the arguments first, then the parameters, then every
other leaf the graph reads), slots ``L …`` the interior nodes in topological order. The
order of the nodes the first output depends on is exactly
:func:`autograd.topological_order`'s, so a replay's reverse pass visits them, and adds
up each gradient's contributions, in the order :func:`autograd.backward` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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

    @property
    def size(self) -> int:
        return len(self.leaves) + self.n_nodes


def _parents_of(node: Value) -> tuple[Value, ...]:
    n = node._n  # one and two parents live in slots (see autograd/value.py)
    return (node._p0,) if n == 1 else (node._p0, node._p1) if n == 2 else node._parents


def _order(roots: Sequence[Value]) -> tuple[list[Value], list[Value], set[Value]]:
    """Leaves and interior nodes reachable from ``roots``: depth first in argument order, as
    :func:`autograd.topological_order` (so the first root's nodes come in its very order);
    and the nodes the first root reaches. Leaves are taken on sight, as the engine does."""
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
        if k == 0:
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
    leaves_found, nodes, first = _order([*outputs, *extra])
    leaves: list[Value] = []
    slot: dict[Value, int] = {}
    for v in [*args, *params, *leaves_found]:
        if v not in slot:
            slot[v] = len(leaves)
            leaves.append(v)
    base = len(leaves)
    slot.update(zip(nodes, range(base, base + len(nodes)), strict=True))
    lanes: list[int | None] = [_lane_count(v) for v in leaves]
    any_lanes = any(n is not None for n in lanes)
    if any_lanes:
        lanes.extend(_lane_count(v) for v in nodes)
        local_lanes = [tuple(type(d) is not float for d in v.local_grads) for v in nodes]
    else:
        lanes.extend([None] * len(nodes))
        local_lanes = [()] * len(nodes)
    parents: list[tuple[int, ...]] = []
    for v in nodes:
        n = v._n
        if n == 1:
            parents.append((slot[v._p0],))
        elif n == 2:
            parents.append((slot[v._p0], slot[v._p1]))
        else:
            parents.append(tuple([slot[p] for p in v._parents]))
    rules = _rules(nodes)
    return Tape(
        leaves=leaves,
        n_nodes=len(nodes),
        rules=rules,
        parents=parents,
        params=[v._param for v in nodes],
        lanes=lanes,
        local_lanes=local_lanes,
        outputs=[slot[v] for v in outputs],
        n_args=len(args),
        wanted=[slot[v] for v in [*args, *params]],
        in_first=[v in first for v in nodes] if extra else [True] * len(nodes),
        guard_slots=[(slot[a], None if b is None else slot[b]) for a, b in guards],
    )


def _lane_count(v: Value) -> int | None:
    data: Any = v._data
    return None if type(data) is float else len(data)


def _rules(nodes: list[Value]) -> list[Rule]:
    from autograd.core.rules import RULES

    found: dict[str, Rule] = {}
    out: list[Rule] = []
    for v in nodes:
        rule = found.get(v._op)
        if rule is None:
            rule = RULES.get(v._op)
            if rule is None:  # pragma: no cover - a node's op is always registered when it is made
                raise RuntimeError(f"op {v._op!r} is not in the rule table")
            found[v._op] = rule
        out.append(rule)
    return out
