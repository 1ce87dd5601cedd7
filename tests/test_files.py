"""autograd.files.write_atomic: no process-wide state touched, no temporary file outliving an interrupted write."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograd import files


def _temporaries(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def test_writing_never_reads_or_sets_the_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing once set the process umask to 0 and back: another thread's file could come out 0o666."""
    calls: list[int] = []

    def spy(mask: int) -> int:
        calls.append(mask)
        raise AssertionError("write_atomic changed the process umask")

    monkeypatch.setattr(os, "umask", spy)
    files.write_atomic(tmp_path / "new.txt", b"new")  # a new file: the one that needed the umask
    files.write_atomic(tmp_path / "new.txt", b"again")  # a replaced one
    assert calls == []
    assert (tmp_path / "new.txt").read_bytes() == b"again"


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640), (0, 0o666)])
def test_a_new_file_gets_0666_less_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    """As open() gives it; the umask is set in a child process (a test must not change this one's either)."""
    path = tmp_path / "f.bin"
    code = f"import os; os.umask({umask}); from autograd import files; files.write_atomic({str(path)!r}, b'x')"
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    )
    assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604, 0o755])
def test_a_replaced_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    path.chmod(mode)
    files.write_atomic(path, b"new")
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert path.read_bytes() == b"new"


def test_a_temporary_file_of_this_process_no_write_is_using_is_removed(tmp_path: Path) -> None:
    """Ctrl-C at the wrong moment left `.m.json.chainrule-PID-*.tmp`; later saves in the same process kept it,
    counting their own PID as running. Now only a temporary file a live write has registered is kept."""
    path = tmp_path / "m.json"
    left = tmp_path / f".m.json.chainrule-{os.getpid()}-deadbeef.tmp"
    left.write_bytes(b"half")
    other = tmp_path / f".other.json.chainrule-{os.getpid()}-deadbeef.tmp"  # another file's: not ours to judge
    other.write_bytes(b"half")
    files.write_atomic(path, b"{}")
    assert _temporaries(tmp_path) == [other.name]


def test_a_temporary_file_another_thread_is_writing_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.json"
    inside, release = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        if threading.current_thread().name == "slow":
            inside.set()
            release.wait(30)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    slow = threading.Thread(target=files.write_atomic, args=(path, b"slow"), name="slow")
    slow.start()
    try:
        assert inside.wait(30)
        (busy,) = _temporaries(tmp_path)
        files.write_atomic(path, b"fast")  # must not remove the slow write's temporary file
        assert _temporaries(tmp_path) == [busy]
    finally:
        release.set()
        slow.join(30)
    assert path.read_bytes() == b"slow"
    assert _temporaries(tmp_path) == []


def test_a_plain_path_is_not_described_as_a_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        files.write_atomic("missing/f.txt", b"x")
    assert "link" not in str(info.value)
    assert str(info.value).startswith("cannot write missing/f.txt: the folder ")
    Path("link.txt").symlink_to(tmp_path / "gone" / "f.txt")
    with pytest.raises(FileNotFoundError, match=r"cannot write 'link.txt' \(a link to '.*gone/f.txt'\)"):
        files.write_atomic("link.txt", b"x")
