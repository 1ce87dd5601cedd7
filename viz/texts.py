"""Numbers written when a picture reads them, not before.

A picture's marks (:class:`viz.marks.Marks`) hold a text per node (its data, its grad) and per
edge (its local derivative). Formatting a number costs about as much as drawing its cell, and a
large model is drawn with its modules collapsed into boxes: ``MLP(2, [256, 256, 1])`` has about
68,000 Values and its picture draws eight nodes. :class:`NodeTexts` and :class:`EdgeTexts` write
each text the first time the drawing asks for it (and keep it), so a picture formats only what it
draws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

from autograd import Value

__all__ = ["EdgeTexts", "NodeTexts"]


class NodeTexts(Sequence[str | None]):
    """``text(values[i])`` for each index ``i``, written when first read."""

    def __init__(self, values: Sequence[Any], text: Callable[[Any], str | None]) -> None:
        self._values = values
        self._text = text
        self._written: dict[int, str | None] = {}

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, i: int) -> str | None: ...
    @overload
    def __getitem__(self, i: slice) -> list[str | None]: ...
    def __getitem__(self, i: int | slice) -> str | list[str | None] | None:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        k = i + len(self) if i < 0 else i
        if not 0 <= k < len(self):
            raise IndexError(f"node index {i} out of range for {len(self)} nodes")
        if k not in self._written:
            self._written[k] = self._text(self._values[k])
        return self._written[k]

    @property
    def written(self) -> int:
        """How many texts have been written so far."""
        return len(self._written)


class EdgeTexts(Mapping[tuple[int, int], str]):
    """The local derivative of every edge ``(child, slot)`` of ``order`` (a graph's Values in
    topological order), written by ``text`` when first read."""

    def __init__(self, order: Sequence[Value], text: Callable[[Any], str]) -> None:
        self._order = order
        self._text = text
        self._written: dict[tuple[int, int], str] = {}

    def __contains__(self, key: object) -> bool:
        if not (isinstance(key, tuple) and len(key) == 2):
            return False
        i, k = key
        if not (isinstance(i, int) and isinstance(k, int)):
            return False
        return 0 <= i < len(self._order) and 0 <= k < len(self._order[i].parents)

    def __getitem__(self, key: tuple[int, int]) -> str:
        if key not in self:
            raise KeyError(key)
        if key not in self._written:
            i, k = key
            self._written[key] = self._text(self._order[i].local_grads[k])
        return self._written[key]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for i, v in enumerate(self._order):
            for k in range(len(v.parents)):
                yield (i, k)

    def __len__(self) -> int:
        return sum(len(v.parents) for v in self._order)

    @property
    def written(self) -> int:
        """How many texts have been written so far."""
        return len(self._written)
