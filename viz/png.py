"""PNG files that carry their resolution: a ``pHYs`` chunk, so a slide or document tool places them at size.

Graphviz writes PNGs without one, so a 150 dpi slide picture is taken for 72 or 96 dpi
and shown twice as large as meant (or blurred when scaled). :func:`with_dpi` adds (or
replaces) the chunk; it changes no pixel.

>>> import zlib
>>> def chunk(kind, data):
...     return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
>>> tiny = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", bytes(13)) + chunk(b"IEND", b"")
>>> dpi_of(with_dpi(tiny, 150))
150.0
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["dpi_of", "with_dpi"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_INCH = 0.0254  # metres


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    if not png.startswith(_SIGNATURE):
        raise ValueError("not a PNG file (the signature is missing)")
    out: list[tuple[bytes, bytes]] = []
    i = len(_SIGNATURE)
    while i + 8 <= len(png):
        (n,) = struct.unpack(">I", png[i : i + 4])
        kind = png[i + 4 : i + 8]
        out.append((kind, png[i + 8 : i + 8 + n]))
        i += 12 + n
        if kind == b"IEND":
            break
    return out


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def with_dpi(png: bytes, dpi: float) -> bytes:
    """``png`` with a ``pHYs`` chunk saying ``dpi`` pixels per inch (stored per metre, as PNG does).

    Raises:
        ValueError: if ``png`` is not a PNG or ``dpi`` is not positive.
    """
    if not dpi > 0:
        raise ValueError(f"dpi must be positive, got {dpi!r}")
    per_metre = round(dpi / _INCH)
    phys = _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    out = [_SIGNATURE]
    for kind, data in _chunks(png):
        if kind == b"pHYs":
            continue
        out.append(_chunk(kind, data))
        if kind == b"IHDR":
            out.append(phys)
    return b"".join(out)


def dpi_of(png: bytes) -> float | None:
    """The resolution a PNG's ``pHYs`` chunk gives, in dots per inch (rounded to 0.1), or None."""
    for kind, data in _chunks(png):
        if kind == b"pHYs" and len(data) == 9:
            x, _, unit = struct.unpack(">IIB", data)
            return round(x * _INCH, 1) if unit == 1 else None
    return None
