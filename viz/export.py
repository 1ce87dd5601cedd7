"""Files made of many pictures: an animated GIF and a PDF with one page per picture.

:meth:`viz.Steps.save` renders each frame (PNG or PDF bytes, from graphviz) and hands them here:
:func:`animated_gif` assembles PNGs with Pillow, :func:`merged_pdf` joins PDFs with pypdf. Both
packages are optional (``pip install 'chainrule[export]'``); :func:`need` names the one missing.
"""

from __future__ import annotations

import importlib
import io
from collections import Counter
from collections.abc import Iterable
from typing import Any

__all__ = ["GIF_COLORS", "MAX_FPS", "MIN_FPS", "animated_gif", "check_fps", "merged_pdf", "need"]

#: The slowest GIF: a frame lasts at most 655.35 s in the format, and the last is held three times as long.
MIN_FPS = 0.01

#: The fastest GIF: browsers slow down frames shorter than 20 ms.
MAX_FPS = 50

#: Colours of an animated GIF's palette.
GIF_COLORS = 48


def need(module: str, package: str, what: str) -> Any:
    """Import ``module``, or raise an ImportError saying that writing ``what`` needs ``package``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"writing {what} needs {package}: pip install 'chainrule[export]' (or pip install {package})"
        ) from None


def check_fps(fps: float) -> None:
    """Refuse a frame rate that is not a number from :data:`MIN_FPS` to :data:`MAX_FPS`."""
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not MIN_FPS <= fps <= MAX_FPS:
        raise ValueError(f"fps must be a number of frames per second from {MIN_FPS} to {MAX_FPS}, got {fps!r}")


def animated_gif(pngs: Iterable[bytes], *, fps: float, page: str) -> bytes:
    """An animated GIF of the PNG pictures ``pngs``, ``fps`` per second, the last held three times as long.

    Each picture is composited on the colour ``page`` (a GIF has no partial transparency).
    ``pngs`` may be a generator: it is read only after ``fps`` and Pillow are checked.

    Raises:
        ValueError: for ``fps`` outside [:data:`MIN_FPS`, :data:`MAX_FPS`].
        ImportError: without Pillow.
    """
    check_fps(fps)
    image = need("PIL.Image", "Pillow", "a GIF")
    frames = []
    for png in pngs:
        frame = image.open(io.BytesIO(png)).convert("RGBA")
        canvas = image.new("RGBA", frame.size, page)
        canvas.alpha_composite(frame)
        frames.append(canvas.convert("RGB"))
    if not frames:
        raise ValueError("an animated GIF needs at least one picture")
    size = (max(im.width for im in frames), max(im.height for im in frames))
    padded = []
    for im in frames:  # equal sizes by construction; pad defensively so no frame is rescaled
        if im.size != size:
            canvas = image.new("RGB", size, "white")
            canvas.paste(im, (0, 0))
            im = canvas
        padded.append(im)
    # One palette for every frame: the drawing's most frequent colours exactly (white stays
    # white, fills stay themselves), anti-aliased pixels mapped to the nearest of them without
    # dithering, so edges stay crisp and Pillow stores each frame as its change from the last.
    counts: Counter[tuple[int, int, int]] = Counter()
    for im in padded:
        for n, rgb in im.getcolors(maxcolors=size[0] * size[1]) or []:
            counts[rgb] += n
    top: list[tuple[int, int, int]] = []
    buckets = set()  # Pillow maps near colours (251 and 255) to one palette entry: one colour per 5-bit bucket
    for rgb, _ in counts.most_common():
        bucket = tuple(c >> 3 for c in rgb)
        if bucket not in buckets:
            buckets.add(bucket)
            top.append(rgb)
            if len(top) == GIF_COLORS:
                break
    palette = image.new("P", (1, 1))
    palette.putpalette([c for rgb in top for c in rgb] + [255, 255, 255] * (256 - len(top)))
    canvas_frames = [im.quantize(palette=palette, dither=image.Dither.NONE) for im in padded]
    ms = round(1000 / fps)
    buf = io.BytesIO()
    canvas_frames[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=canvas_frames[1:],
        duration=[ms] * (len(canvas_frames) - 1) + [3 * ms],
        loop=0,
    )
    return buf.getvalue()


def merged_pdf(pdfs: Iterable[bytes]) -> bytes:
    """One PDF with the pages of every PDF in ``pdfs``, in order (fonts shared between pages kept once).

    Raises:
        ImportError: without pypdf.
    """
    pypdf = need("pypdf", "pypdf", "a PDF")
    writer = pypdf.PdfWriter()
    for pdf in pdfs:
        writer.append(pypdf.PdfReader(io.BytesIO(pdf)))
    writer.compress_identical_objects()  # the pages' fonts are the same: keep one copy
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
