"""`Drawing`: a `graphviz.Digraph` that always displays, and writes files by extension.

Jupyter shows a :class:`Drawing` inline as SVG scaled to the width of the notebook's
column (never wider), with a "full size" view to open when it was scaled down. When
graphviz's ``dot`` binary is missing, display falls back to the DOT text plus a
one-line install hint instead of an error cell; writing a rendered file (svg, png,
pdf) raises :class:`DotNotFoundError` with the same hint, while ``.dot``/``.gv`` files
need no binary at all.

Every run of ``dot`` goes through :func:`render`: it has a timeout (a drawing's
``timeout``, default :data:`DEFAULT_TIMEOUT` seconds) and turns a failure or a crash of
``dot`` into :class:`DotError` (:class:`DotTimeoutError` for the timeout) naming the
picture's node count and what to do.
"""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import graphviz

from autograd import files
from viz.png import with_dpi

__all__ = [
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "INSTALL_HINT",
    "MAX_DPI",
    "MAX_TIMEOUT",
    "MIN_DPI",
    "DotError",
    "DotNotFoundError",
    "DotTimeoutError",
    "Drawing",
    "check_dpi",
    "check_timeout",
    "fit_svg",
    "format_for",
    "render",
    "write_atomic",
]

#: Seconds ``dot`` may run for one picture before :func:`render` stops it.
DEFAULT_TIMEOUT = 30.0
#: The longest timeout :func:`render` accepts: a day (None means no limit at all).
MAX_TIMEOUT = 86_400.0
#: The resolutions a raster picture (PNG, GIF frames) may have, in dots per inch: below
#: 10 nothing is legible (graphviz writes an empty file), above 600 ``dot`` needs gigabytes.
MIN_DPI, MAX_DPI = 10, 600

#: Above this natural width (CSS px) the notebook display offers a full-size view.
_FULL_SIZE_FROM = 800

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


class DotError(RuntimeError):
    """graphviz's ``dot`` failed, crashed or ran out of time on a picture."""


class DotTimeoutError(DotError):
    """graphviz's ``dot`` did not finish within the timeout."""


_ADVICE = (
    "draw fewer nodes (collapse= modules of a model, or viz.draw_chain to one input), "
    "raise timeout= if you can wait, or save a .dot file and run dot on it outside Python"
)


#: What ``dot`` says when it cannot read the DOT text (no fault of the picture's size).
_SYNTAX = ("syntax error", "not well-formed", "in label of", "invalid token")
_READ_ADVICE = (
    "graphviz could not read this picture's text, whatever its size: save it as a .dot file to see the "
    "line dot names (a label's characters, or graph_attr/node_attr/edge_attr values passed on to graphviz)"
)


def _size(nodes: int | None) -> str:
    return "this picture" if nodes is None else f"this picture of {nodes} nodes"


def check_timeout(timeout: object) -> float | None:
    """``timeout`` if it is None or a number of seconds in (0, :data:`MAX_TIMEOUT`], else ValueError."""
    if timeout is None:
        return None
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 < timeout <= MAX_TIMEOUT  # also refuses nan
    ):
        raise ValueError(
            f"timeout must be a positive number of seconds up to {MAX_TIMEOUT:,.0f} (a day) or None (no limit), "
            f"got {timeout!r}"
        )
    return float(timeout)


def check_dpi(dpi: object) -> float:
    """``dpi`` if it is a number from :data:`MIN_DPI` to :data:`MAX_DPI`, else ValueError."""
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not MIN_DPI <= dpi <= MAX_DPI:
        raise ValueError(f"dpi must be a number from {MIN_DPI} to {MAX_DPI}, got {dpi!r}")
    return float(dpi)


def _encoded(source: str) -> bytes:
    """``source`` as UTF-8, or a ValueError showing the character no file can hold (a lone surrogate)."""
    try:
        return source.encode("utf-8")
    except UnicodeEncodeError as exc:
        around = (
            source[max(0, exc.start - 30) : exc.end + 30]
            .encode("utf-8", "backslashreplace")
            .decode("ascii", "backslashreplace")
        )
        raise ValueError(
            f"the picture's text holds {source[exc.start : exc.end].encode('utf-8', 'backslashreplace').decode()!r}, "
            f"a lone surrogate that UTF-8 cannot encode, near {around!r}: give labels as valid text "
            "(chainrule's drawings show such characters escaped)"
        ) from None


#: graphviz's raster resolution when none is given.
_DOT_DPI = 96.0
_DPI_ATTR = re.compile(r'\bdpi="?(\d+(?:\.\d+)?)')


def render(
    source: str,
    fmt: str,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    nodes: int | None = None,
    dpi: float | None = None,
    program: str = "dot",
    options: tuple[str, ...] = (),
) -> bytes:
    """Run graphviz's ``dot`` on ``source`` and return the ``fmt`` output (svg, png, pdf …).

    Args:
        source: DOT text.
        fmt: A ``dot -T`` output format.
        timeout: Seconds before ``dot`` is stopped (None: no limit).
        nodes: The picture's node count, for the messages.
        dpi: Resolution of raster formats (ignored for svg and pdf).
        program: The graphviz layout program (``"neato"`` draws pinned positions).
        options: More command-line options (``("-n2",)`` for pinned positions).

    Raises:
        ValueError: for a ``timeout`` or ``dpi`` out of range (:func:`check_timeout`,
            :func:`check_dpi`), or text no file can hold (a lone surrogate).
        DotNotFoundError: if ``dot`` is not installed.
        DotTimeoutError: if ``dot`` ran longer than ``timeout``.
        DotError: if ``dot`` failed or crashed.
    """
    check_timeout(timeout)
    cmd = [program, f"-T{fmt}", *options]
    if dpi is not None and fmt.split(":")[0] not in ("svg", "pdf", "ps", "eps", "dot", "gv", "json", "plain"):
        cmd.append(f"-Gdpi={check_dpi(dpi):g}")
    data = _encoded(source)
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise DotNotFoundError(_WRITE_HINT.format(fmt=fmt)) from None
    except subprocess.TimeoutExpired:
        raise DotTimeoutError(
            f"graphviz's dot did not finish {_size(nodes)} within timeout={timeout:g} s and was stopped; {_ADVICE}"
        ) from None
    if done.returncode != 0:
        if done.returncode < 0:
            try:
                how = f"crashed ({signal.Signals(-done.returncode).name})"
            except ValueError:
                how = f"was killed by signal {-done.returncode}"
        else:
            how = f"failed (exit status {done.returncode})"
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = f": {said[-1][:300]}" if said else ""
        unreadable = done.returncode > 0 and any(words in line for line in said for words in _SYNTAX)
        raise DotError(f"graphviz's dot {how} on {_size(nodes)}{detail}; {_READ_ADVICE if unreadable else _ADVICE}")
    if fmt.split(":")[0] == "png":  # say the resolution, so slide and document tools place it at size
        given = _DPI_ATTR.search(source) if dpi is None else None
        return with_dpi(done.stdout, dpi if dpi is not None else float(given.group(1)) if given else _DOT_DPI)
    return done.stdout


_SVG_START = re.compile(r"<svg\b[^>]*>")
_SVG_SIZE = re.compile(r'\swidth="([\d.]+)(pt|px)?"\s+height="([\d.]+)(pt|px)?"')


def fit_svg(svg: str) -> str:
    """HTML showing ``svg`` no wider than its container (scaled down, never up).

    A picture wider than ~800 CSS px can be clicked to see it at full size (its box then
    scrolls sideways; a second click fits it again), so nothing is lost to the scaling.
    """
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else svg
    head = _SVG_START.match(body)
    size = _SVG_SIZE.search(head.group(0)) if head else None
    if head is None or size is None:
        return f'<div style="max-width:100%;overflow-x:auto">{body}</div>'
    unit = 4 / 3 if size.group(2) in (None, "pt") else 1.0
    width, height = float(size.group(1)) * unit, float(size.group(3)) * unit
    tag = head.group(0)
    style = "max-width:100%;height:auto;display:block"
    extra = ""
    if width > _FULL_SIZE_FROM:
        style += ";cursor:zoom-in"
        extra = (
            " onclick=\"this.style.maxWidth = this.style.maxWidth ? '' : 'none'\""
            f' aria-label="a picture {width:.0f} px wide: click to see it at full size, again to fit it"'
        )
    new_tag = (
        tag[: size.start()]
        + f' width="{width:.0f}px" height="{height:.0f}px" style="{style}"{extra}'
        + tag[size.end() :]
    )
    hint = (
        f'<div style="font-size:small;opacity:0.7">{width:.0f} × {height:.0f} px, scaled to fit: '
        "click the picture to see it at full size</div>"
        if width > _FULL_SIZE_FROM
        else ""
    )
    return (
        f'<div class="chainrule-drawing" style="max-width:100%;overflow-x:auto">{new_tag}{body[head.end() :]}</div>'
        f"{hint}"
    )


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
    (see ``autograd.files``).
    """
    files.write_atomic(path, data, force=force)


class Drawing(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type information
    """A :class:`graphviz.Digraph` with a safe notebook display and file output by extension.

    Everything a ``Digraph`` offers works (``.source``, ``.pipe()``, ``.render()``,
    ``.view()``), and every way of running ``dot`` — :meth:`svg`, :meth:`save`, :meth:`pipe`,
    :meth:`render`, ``view()`` (which renders) and the notebook display — goes through
    :func:`render`: it stops ``dot`` after :attr:`timeout` seconds
    (:class:`DotTimeoutError`) and turns a failure into :class:`DotError`.
    Drawings made by :mod:`viz` set :attr:`caption` to the text they show as a title
    (the derivative chain, or a step's explanation).
    """

    caption: str = ""
    #: Seconds ``dot`` may take for this picture (None: no limit).
    timeout: float | None = DEFAULT_TIMEOUT
    #: Resolution of PNG output.
    dpi: float | None = None
    #: How many nodes the picture draws (for messages), None when unknown.
    node_count: int | None = None
    #: The nodes plus the hidden points dot lays out for edges that span several ranks.
    layout_cells: int | None = None
    #: Estimated height of the node text, in CSS px, in the display the style is made for (a
    #: ~1000 px notebook column, a slide …), the picture scaled down to fit; None when unknown.
    text_px: float | None = None
    #: The module classes drawn as boxes because the full picture would not have been readable
    #: (``draw_graph``'s ``collapse="auto"``); None when the picture is drawn as asked.
    auto_collapse: str | None = None

    def render_bytes(self, fmt: str) -> bytes:
        """The picture in ``fmt`` (``svg``, ``png``, ``pdf`` …), through :func:`render`."""
        return render(self.source, fmt, timeout=self.timeout, nodes=self.node_count, dpi=self.dpi)

    def svg(self) -> str:
        """The picture as SVG text.

        Raises:
            DotNotFoundError: if graphviz's ``dot`` program is missing.
            DotError: if ``dot`` fails or runs out of time.
        """
        return self.render_bytes("svg").decode("utf-8")

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
            DotError: if ``dot`` fails or runs out of time.
        """
        if path is None or directory is not None or skip_existing is not False:
            return Path(super().save(path, directory=directory, skip_existing=skip_existing))
        fmt = format_for(path)
        data = self.source.encode("utf-8") if fmt == "dot" else self.render_bytes(fmt)
        write_atomic(path, data)
        return Path(path)

    def _run(
        self,
        format: str | None,  # graphviz's name
        renderer: str | None,
        formatter: str | None,
        neato_no_op: bool | int | None,
        engine: str | None,
    ) -> tuple[str, bytes]:
        """Run the layout program through :func:`render`; ``(format, output)``.

        The arguments are checked as graphviz checks them (``ValueError`` for an unknown one).
        """
        fmt = format if format is not None else self.format
        program = engine if engine is not None else self.engine
        cmd = graphviz.backend.dot_command.command(
            program, fmt, renderer=renderer, formatter=formatter, neato_no_op=neato_no_op
        )
        flag = next(str(a) for a in cmd if str(a).startswith("-T"))
        options = tuple(str(a) for a in cmd[1:] if not str(a).startswith("-T"))
        data = render(self.source, flag[2:], timeout=self.timeout, nodes=self.node_count, dpi=self.dpi, options=options)
        return fmt, data

    def pipe(
        self,
        format: str | None = None,  # graphviz's name
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The rendered picture (``Digraph.pipe``), with :attr:`timeout` and our errors.

        Same arguments as graphviz's ``pipe()``; ``dot``'s messages are always captured
        (``quiet`` is accepted for compatibility) and reported in :class:`DotError`.

        Raises:
            DotNotFoundError: if ``dot`` is not installed.
            DotTimeoutError: if ``dot`` ran longer than :attr:`timeout`.
            DotError: if ``dot`` failed or crashed.
        """
        del quiet
        _, data = self._run(format, renderer, formatter, neato_no_op, engine)
        return data.decode(encoding) if encoding is not None else data

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,  # graphviz's name
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the DOT source and render it to a file (``Digraph.render``), with :attr:`timeout`.

        Same arguments and file names as graphviz's ``render()`` (``view()`` calls it): the
        source goes to ``filename`` (default: the drawing's name + ``.gv``), the picture to
        ``outfile`` or the source's name plus the format (``chainrule.gv.pdf``). The picture
        is written atomically, only when ``dot`` succeeded.

        Returns:
            The path of the rendered file.

        Raises:
            DotNotFoundError: if ``dot`` is not installed.
            DotTimeoutError: if ``dot`` ran longer than :attr:`timeout`.
            DotError: if ``dot`` failed or crashed.
            graphviz.FileExistsError: with ``raise_if_result_exists`` when the picture exists.
        """
        del quiet
        out: Path | None = None
        if outfile is not None:
            out = Path(outfile)
            format = graphviz.backend.rendering.get_format(out, format=format)
            if directory is None:
                out = Path(self.directory, out)
        fmt = format if format is not None else self.format
        if out is not None and filename is None:
            filename = graphviz.backend.rendering.get_filepath(out)
        if raise_if_result_exists and overwrite_source:
            raise ValueError("overwrite_source cannot be combined with raise_if_result_exists")
        filepath = Path(self.save(filename, directory=directory, skip_existing=None))
        target = out or graphviz.backend.rendering.get_outfile(
            filepath, format=fmt, renderer=renderer, formatter=formatter
        )
        if target.resolve() == filepath.resolve() and not overwrite_source:
            raise ValueError(f"outfile {os.fspath(target)!r} is the DOT source's own file: pass overwrite_source=True")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(target)!r}")
        _, data = self._run(fmt, renderer, formatter, neato_no_op, engine)
        write_atomic(target, data)
        if cleanup:
            filepath.unlink()
        if view or quiet_view:
            self._view(os.fspath(target), format=fmt, quiet=quiet_view)
        return os.fspath(target)

    def _fallback(self, reason: str, *, source: bool = True) -> dict[str, Any]:
        shown = self.source if len(self.source) <= 20_000 else self.source[:20_000] + "\n…"
        text = f"{reason}\n{shown}" if source else reason
        body = f"<pre>{html.escape(shown)}</pre>" if source else ""
        return {"text/plain": text, "text/html": f"<p>{html.escape(reason)}</p>{body}"}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Jupyter display: the SVG fitted to the column, or a message instead of a hang or a traceback.

        Without ``dot``: the DOT text with an install hint. When ``dot`` fails or runs out
        of time: what happened and what to do.
        """
        try:
            svg = self.svg()
        except DotNotFoundError:
            return self._fallback(INSTALL_HINT)
        except (DotError, ValueError) as exc:  # ValueError: a timeout or dpi out of range, text UTF-8 cannot hold
            return self._fallback(str(exc), source=False)
        return {"image/svg+xml": svg, "text/html": fit_svg(svg), "text/plain": self.caption or "<chainrule drawing>"}

    def _repr_svg_(self) -> str | None:
        """SVG for IPython, or None (so another representation is used) when ``dot`` is missing."""
        try:
            return self.svg()
        except (DotNotFoundError, DotError, ValueError):
            return None
