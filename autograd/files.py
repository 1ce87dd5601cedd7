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
- **Permissions kept**: a replaced file keeps its mode; a new file gets 0o666 less the umask,
  applied by the system as it creates the file (the umask is never read nor changed: no
  process-wide state is touched, so other threads' files are never affected).
- **No temporary file left behind**: it is removed on every error path; its name
  (``.NAME.chainrule-PID-RANDOM.tmp``) is recognisable, so a later write to the same path
  removes those left by a process that was killed (its PID no longer running) and, in this
  process, those no write is working on any more (a write interrupted by Ctrl-C at the
  wrong moment): a write in progress registers its temporary file while it runs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import threading
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
    shown = f"{str(path)!r} (a link to {str(target)!r})" if os.path.islink(path) else str(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {shown}: the folder {str(target.parent)!r} does not exist")
    mode: int | None = None  # a new file: 0o666 less the umask, as open() gives it
    try:
        st = target.stat()
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFileError(f"refusing to replace {shown}: it is {_kind(st.st_mode)}, not a regular file")
        mode = st.st_mode & 0o7777
        if not mode & 0o222 and not force:
            raise ReadOnlyFileError(
                f"refusing to replace {shown}: it is read-only (mode {mode:04o}); pass force=True to replace it"
            )
    _remove_stale(target)
    tmp = target.parent / f".{target.name}{_TAG}{os.getpid()}-{secrets.token_hex(8)}.tmp"
    created = False
    try:
        _WRITING[str(tmp)] = threading.current_thread()  # before it exists: never taken for a stale one
        # A new file: 0o666, less the umask as the system applies it. A replaced one: created
        # owner-only, then given the old file's mode before any byte is written.
        fd = os.open(tmp, _FLAGS, 0o666 if mode is None else 0o600)
        created = True
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        if created:  # never another's: O_EXCL refused a name already taken
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    finally:
        _WRITING.pop(str(tmp), None)


#: The temporary files this process is writing, and the thread writing each. No lock: one
#: dict operation is atomic, and a lock's ``with`` is not safe from Ctrl-C landing in between.
_WRITING: dict[str, threading.Thread] = {}
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


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


def _remove_stale(target: Path) -> None:
    """Remove the temporary files earlier writes to ``target`` left: a killed process's, an interrupted write's."""
    prefix = f".{target.name}{_TAG}"
    try:
        names = [n for n in os.listdir(target.parent) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or _in_use(int(pid_text), str(target.parent / name)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(target.parent / name)


def _in_use(pid: int, path: str) -> bool:
    """Whether a write may still be working on the temporary file ``path`` of process ``pid``."""
    if pid == os.getpid():
        writer = _WRITING.get(path)
        return writer is not None and writer.is_alive()  # else left by a write of ours that was interrupted
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
