"""Writing a file atomically and safely: the one helper ``nn`` (models) and ``viz`` (pictures) both use.

Public, so that ``nn`` and ``viz`` (which never import each other) share it: the logic lives here, once.

What :func:`write_atomic` promises:

- **Atomic**: the data goes to a temporary file in the destination's folder, is flushed to
  disk, and replaces the destination with one :func:`os.replace`; a crash leaves either the
  old file or the new one, never half of one.
- **Symlinks are followed**: writing to a link replaces the file it points to (the link
  stays a link, as ``open(path, "w")`` would behave); a dangling link creates its target.
- **Only regular files are replaced**: a directory, FIFO, socket or device node at the
  destination is refused with :class:`NotARegularFileError` (``save("/dev/null")`` as root
  would otherwise replace the device node).
- **Read-only files are refused** (no write permission bit set: 0o444, 0o000) unless the
  caller passes ``force=True`` — checked on the mode bits, so also when running as root.
- **Permissions kept**: a replaced file keeps its mode; a new file gets 0o666 less the umask.
- **No temporary file left behind**: it is removed on every error path; its name
  (``.NAME.chainrule-PID-RANDOM.tmp``) is recognisable, so a later write to the same path
  removes those left by a process that was killed (its PID no longer running).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["NotARegularFileError", "ReadOnlyFileError", "write_atomic"]

_TAG = ".chainrule-"


class NotARegularFileError(OSError):
    """The destination exists and is not a regular file (a directory, FIFO, socket, device)."""


class ReadOnlyFileError(PermissionError):
    """The destination is read-only and ``force=True`` was not given."""


def write_atomic(path: str | os.PathLike[str], data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring for every rule).

    Args:
        path: The destination; a symlink is followed to its target.
        data: The bytes to write.
        force: Replace the destination even if it is read-only.

    Raises:
        FileNotFoundError: if the destination's folder does not exist.
        NotARegularFileError: if the destination is a directory, FIFO, socket or device.
        ReadOnlyFileError: if the destination is read-only and ``force`` is False.
        OSError: if writing fails (the destination is then unchanged).
    """
    target = Path(os.path.realpath(path))  # follows symlinks, also dangling ones
    shown = str(path) if str(path) == str(target) else f"{str(path)!r} (a link to {str(target)!r})"
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {shown}: the folder {str(target.parent)!r} does not exist")
    try:
        st = target.stat()
    except FileNotFoundError:
        mode = _new_file_mode()
    else:
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFileError(f"refusing to replace {shown}: it is {_kind(st.st_mode)}, not a regular file")
        mode = st.st_mode & 0o7777
        if not mode & 0o222 and not force:
            raise ReadOnlyFileError(
                f"refusing to replace {shown}: it is read-only (mode {mode:04o}); pass force=True to replace it"
            )
    _remove_stale(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}{_TAG}{os.getpid()}-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes 0o600
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device node"
    return "not a regular file"


def _new_file_mode() -> int:
    """What ``open()`` gives a new file: 0o666 less the umask."""
    umask = os.umask(0)  # reading the umask means setting it: put it straight back
    os.umask(umask)
    return 0o666 & ~umask


def _remove_stale(target: Path) -> None:
    """Remove temporary files a killed earlier write to ``target`` left behind (their PID is gone)."""
    prefix = f".{target.name}{_TAG}"
    try:
        names = [n for n in os.listdir(target.parent) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or _running(int(pid_text)):
            continue  # another process may be writing right now
        with contextlib.suppress(OSError):
            os.unlink(target.parent / name)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of ours may be writing; ours are removed on every error path anyway
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
