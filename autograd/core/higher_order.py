"""``grad(..., create_graph=True)``: the gradient as a graph of Values, to differentiate again.

The one reverse pass (:func:`autograd.core.reverse.reverse_pass`) asks
:class:`GradientGraph` for each node's contributions when ``create_graph=True``: the node's
rule is evaluated again on Values, so the local derivatives are themselves nodes, and each
contribution ``local × g`` is recorded with the same operators users call. Two things keep that graph small and linear
in the original's size: a node's contributions are summed once, as one ``sum`` node, and a
rule with a :attr:`~autograd.Rule.vjp` (``tanh``, ``sigmoid``) records one fused node
instead of its derivative's own graph times ``g``.

The derivatives stored when a node was built are compared with the rule on the current
numbers (:func:`_check_fresh`): if a ``.data`` was assigned since, ``backward()`` and this
would disagree, so it refuses and names the node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autograd.core.functions import RuleCall, load_numpy
from autograd.core.lanes import sum_to
from autograd.core.ops import record_op, vsum
from autograd.core.reverse import describe_number, topological_order
from autograd.core.rules import RULES, Rule
from autograd.core.value import Value, record_binary

if TYPE_CHECKING:
    from autograd.core.data import Data

_MUL = RULES["mul"]


def _local_as_values(rule: Rule, node: Value, parents: tuple[Value, ...]) -> tuple[Data | Value, ...]:
    """The node's rule evaluated again on Values: its local derivatives, differentiable."""
    param = node._param
    local = rule.local(node, *parents) if param is None else rule.local(node, *parents, param)
    return tuple(_record(d) if type(d) is RuleCall else d for d in local)


def _record(call: RuleCall) -> Value:
    """The node a rule asked for in place of a local derivative's expression (:class:`RuleCall`)."""
    return record_op(RULES[call.op], call.args, None)


def _fused(rule: Rule, node: Value, g: Value) -> Value:
    """``g·∂node/∂x`` as the one node of the rule's :attr:`~autograd.Rule.vjp` (``tanh_backward`` …)."""
    return record_binary(RULES[rule.vjp], node, g)


def _check_fresh(node: Value, local: tuple[Data | Value, ...], output: Value) -> None:
    """Raise if ``local`` (re-evaluated now) differs from the derivatives stored when ``node`` was built
    because a ``.data`` was assigned since (see :attr:`Value.data`).

    Then ``backward`` and ``grad(create_graph=True)`` would disagree, so this refuses. When
    the rule evaluated on the current numbers still gives the stored derivatives, the data
    did not change: only the rule's Value form differs, which is the rule's bug for
    ``gradgradcheck`` to report, so the differentiable (Value) derivatives are used.
    """
    for i, (now, then) in enumerate(zip(local, node.local_grads, strict=True)):
        now = now.data if isinstance(now, Value) else now
        if not _same(now, then) and not _rule_differs_on_values(node):
            where = f"v{topological_order(output).index(node)}"
            raise ValueError(
                f"grad(create_graph=True): node {where} ({node.op!r}) was built when its inputs held other data "
                f"(local derivative {i}: {describe_number(then)} then, {describe_number(now)} now): "
                "a .data was assigned after the graph was built. backward() and grad() use the derivatives "
                "stored at build time; build the graph again to differentiate at the new data"
            )


def _rule_differs_on_values(node: Value) -> bool:
    """True when the node's data is unchanged (its rule on the current numbers gives the stored
    derivatives) and only the rule's ``local`` evaluated on Values differs: not a ``.data``
    assignment but a rule whose second derivative is wrong, which gradgradcheck reports."""
    rule = RULES[node._op]
    xs = tuple(p._data for p in node.parents)
    args = xs if node._param is None else (*xs, node._param)
    try:
        again = tuple(rule.local(node._data, *args))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return False
    return len(again) == len(node.local_grads) and all(
        _same(a, b) for a, b in zip(again, node.local_grads, strict=True)
    )


def _same(a: Data, b: Data) -> bool:
    """Equal up to rounding (the same rule evaluated on floats and on Values)."""
    if type(a) is float and type(b) is float:
        return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    return bool(load_numpy().allclose(a, b, rtol=1e-12, atol=0.0))


class GradientGraph:
    """The gradient as a graph of Values: what :func:`~autograd.core.reverse.reverse_pass` calls
    for ``grad(..., create_graph=True)``.

    Each node's rule is evaluated again on Values (so its derivatives are differentiable)
    and checked against the numbers stored when the node was built (:func:`_check_fresh`);
    a rule with a :attr:`~autograd.Rule.vjp` records its one fused node instead. A node's
    contributions are summed once, as one ``sum`` node (:func:`~autograd.vsum`), when the
    node is reached: no chain of ``+`` nodes. Local derivatives that are the constants 0
    and 1 add no node (``0·g`` contributes nothing, ``1·g`` is ``g``).
    """

    def __init__(self, output: Value) -> None:
        self.output = output

    def total(self, terms: list[Value]) -> Value:
        """The contributions to one node as one ``sum`` node."""
        return vsum(terms)

    def final(self, t: Value | list[Value]) -> Value:
        """A gradient as the pass left it (a Value, or a leaf's list of contributions) as one Value."""
        return vsum(t) if isinstance(t, list) else t

    def propagate(self, node: Value, g: Value, totals: dict[Value, Any]) -> None:
        """Add ``∂node/∂parent × g``, recorded as Values, to each parent's entry of ``totals``."""
        rule = RULES[node._op]
        if rule.vjp and node._n == 1:  # one fused node (out, g) ↦ g·∂out/∂x
            a = node._p0
            args = (a._data,) if node._param is None else (a._data, node._param)
            recomputed = rule.local(node._data, *args)  # on the numbers: the stale-data check
            if type(recomputed[0]) is not float or recomputed[0] != node._d0:
                _check_fresh(node, recomputed, self.output)
            _add(totals, a, _fused(rule, node, g))
            return
        n = node._n
        if n == 2:  # the common cases, parents and stored derivatives read from their slots
            parents: tuple[Value, ...] = (node._p0, node._p1)
            stored: tuple[Data, ...] = (node._d0, node._d1)
        elif n == 1:
            parents, stored = (node._p0,), (node._d0,)
        else:
            parents, stored = node._parents, node._local
        local = _local_as_values(rule, node, parents)
        for parent, d, then in zip(parents, local, stored, strict=True):
            now = d._data if type(d) is Value else d
            if type(now) is not float or type(then) is not float or now != then:  # lanes, or changed: look closer
                _check_fresh(node, tuple(local), self.output)
            if type(d) is float:
                if d == 0.0:
                    continue
                _add(totals, parent, g if d == 1.0 else record_binary(_MUL, d, g))
            else:
                _add(totals, parent, record_binary(_MUL, d, g))


def _add(totals: dict[Value, Any], parent: Value, c: Value) -> None:
    """One contribution to ``parent``'s gradient: kept (a list from the second on), summed when it is reached."""
    if type(c._data) is not float and type(parent._data) is float:  # lanes meet a scalar
        c = sum_to(parent._data, c)
    t = totals.get(parent)
    if t is None:
        totals[parent] = c
    elif type(t) is list:
        t.append(c)
    else:
        totals[parent] = [t, c]
