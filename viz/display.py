"""`Drawing`: a `graphviz.Digraph` that always displays, and writes files by extension.

Jupyter shows a :class:`Drawing` inline as SVG. When graphviz's ``dot`` binary is
missing, display falls back to the DOT text plus a one-line install hint instead of
an error cell; writing a rendered file (svg, png, pdf) raises :class:`DotNotFoundError`
with the same hint, while ``.dot``/``.gv`` files need no binary at all.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import graphviz

from autograd import _files

__all__ = [
    "FORMATS",
    "INSTALL_HINT",
    "DotNotFoundError",
    "Drawing",
    "format_for",
    "write_atomic",
]

#: One line telling how to get the ``dot`` binary.
INSTALL_HINT = (
    "graphviz's 'dot' program is not installed, so this is the DOT text; "
    "install it with `sudo apt-get install graphviz` (or `brew install graphviz`) to see the picture"
)

_WRITE_HINT = (
    "graphviz's 'dot' program is not installed, so no {fmt} can be rendered; "
    "install it with `sudo apt-get install graphviz` (or `brew install graphviz`), or write a .dot file"
)

#: File extensions a drawing can be written to, and the format each one means.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


class DotNotFoundError(RuntimeError):
    """Rendering needs graphviz's ``dot`` program and it is not on ``PATH``."""


def format_for(path: str | os.PathLike[str]) -> str:
    """The output format named by ``path``'s extension (``svg``, ``png``, ``pdf`` or ``dot``).

    Raises:
        ValueError: for any other extension.
    """
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"cannot tell the output format from {os.fspath(path)!r}: use one of {known}")
    return FORMATS[ext]


def write_atomic(path: str | os.PathLike[str], data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` atomically: chainrule's one helper for models and pictures.

    No half-written file; a symlink is followed; a directory, FIFO or device is never
    replaced, nor a read-only file unless ``force=True``; no temporary file is left behind
    (see ``autograd._files``).
    """
    _files.write_atomic(path, data, force=force)


class Drawing(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type information
    """A :class:`graphviz.Digraph` with a safe notebook display and file output by extension.

    Everything a ``Digraph`` offers works (``.source``, ``.pipe()``, ``.render()``).
    Drawings made by :mod:`viz` set :attr:`caption` to the text they show as a title
    (the derivative chain, or a step's explanation).
    """

    caption: str = ""

    def svg(self) -> str:
        """The picture as SVG text.

        Raises:
            DotNotFoundError: if graphviz's ``dot`` program is missing.
        """
        try:
            out: str = self.pipe(format="svg", encoding="utf-8")
        except graphviz.ExecutableNotFound:
            raise DotNotFoundError(_WRITE_HINT.format(fmt="svg")) from None
        return out

    def save(
        self,
        path: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        *,
        skip_existing: bool | None = False,
    ) -> Path:
        """Write the drawing to ``path``; the extension picks the format (svg, png, pdf, dot/gv).

        Called the way graphviz calls it (``render()`` and ``view()`` do: with a
        ``directory``, ``skip_existing`` or no path), it is ``Digraph.save``: the DOT source
        to ``path`` or to the drawing's own filename.

        Returns:
            The path written.

        Raises:
            ValueError: for an unknown extension.
            DotNotFoundError: for a rendered format when ``dot`` is missing.
        """
        if path is None or directory is not None or skip_existing is not False:
            return Path(super().save(path, directory=directory, skip_existing=skip_existing))
        fmt = format_for(path)
        if fmt == "dot":
            data = self.source.encode("utf-8")
        else:
            try:
                data = self.pipe(format=fmt)
            except graphviz.ExecutableNotFound:
                raise DotNotFoundError(_WRITE_HINT.format(fmt=fmt)) from None
        write_atomic(path, data)
        return Path(path)

    def _fallback(self, reason: str) -> dict[str, Any]:
        text = f"{reason}\n{self.source}"
        return {
            "text/plain": text,
            "text/html": f"<p>{html.escape(reason)}</p><pre>{html.escape(self.source)}</pre>",
        }

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Jupyter display: SVG, or the DOT text with an install hint when ``dot`` is missing."""
        try:
            return {"image/svg+xml": self.pipe(format="svg", encoding="utf-8")}
        except graphviz.ExecutableNotFound:
            return self._fallback(INSTALL_HINT)
        except graphviz.CalledProcessError as exc:
            return self._fallback(f"graphviz's dot failed on this graph ({exc}); here is the DOT text")

    def _repr_svg_(self) -> str | None:
        """SVG for IPython, or None (so another representation is used) when ``dot`` is missing."""
        try:
            return self.svg()
        except DotNotFoundError:
            return None
