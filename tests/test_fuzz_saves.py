"""Attacks on saving, re-run at small scale: Ctrl-C at every step of a save, threads saving at once, the umask watched.

Each class of attack once broke something (temporary files left by an interrupted
save and never removed in the same process; the umask set to 0 for a moment by every
save). Deterministic: the interrupt is raised by a line tracer at the k-th line of the
write, for every k, not by a timer.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from engine_support import InThreads

import nn
from autograd import files

_WATCHED = (os.path.abspath(files.__file__), os.path.abspath(nn.io.__file__))


def _interrupt_at(step: int, action: Callable[[], None]) -> bool:
    """Run ``action`` raising KeyboardInterrupt at its ``step``-th line inside the file helpers; True if it fired."""
    seen = 0
    fired = False

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal seen, fired
        if frame.f_code.co_filename not in _WATCHED:
            return None
        if event == "line" and not fired:
            seen += 1
            if seen == step:
                fired = True
                raise KeyboardInterrupt
        return tracer

    sys.settrace(tracer)
    try:
        action()
    except KeyboardInterrupt:
        assert fired
    finally:
        sys.settrace(None)
    return fired


def _leftovers(folder: Path, keep: str) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n != keep)


@pytest.mark.parametrize("replace", [False, True], ids=["new-file", "replace"])
def test_ctrl_c_at_every_line_of_a_save_leaves_old_or_new_and_the_next_save_cleans_up(
    tmp_path: Path, replace: bool
) -> None:
    old, new = nn.MLP(2, [2, 1], seed=0), nn.MLP(2, [2, 1], seed=1)
    path = tmp_path / "m.json"
    step = 1
    while True:
        if path.exists():
            path.unlink()
        if replace:
            nn.save(old, path)
        fired = _interrupt_at(step, lambda: nn.save(new, path))
        if path.exists():  # whole: the old model or the new one, never half
            assert nn.load(path).state_dict() in (old.state_dict(), new.state_dict())
        else:
            assert not replace
        nn.save(new, path)  # the same process saves again: nothing of the interrupted one may stay
        assert _leftovers(tmp_path, "m.json") == [], f"interrupted at line {step}"
        assert nn.load(path).state_dict() == new.state_dict()
        if not fired:
            break
        step += 1
    assert step > 20  # every line of save and write_atomic was a place to interrupt


def test_threads_saving_one_path_leave_one_whole_file_and_no_temporary_file(
    tmp_path: Path, in_threads: InThreads
) -> None:
    path = tmp_path / "m.json"
    models = [nn.MLP(2, [3, 1], seed=i) for i in range(8)]
    states = [m.state_dict() for m in models]

    def saver(model: nn.Module) -> None:
        for _ in range(10):
            nn.save(model, path)
            assert nn.load(path).state_dict() in states  # a reader never sees half a file

    in_threads([functools.partial(saver, m) for m in models])
    assert nn.load(path).state_dict() in states
    assert _leftovers(tmp_path, "m.json") == []


def _umask_now() -> int | None:
    """The process umask read without setting it (Linux's /proc), or None where it cannot be."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    m = re.search(r"^Umask:\s*([0-7]+)$", status, re.M)
    return int(m.group(1), 8) if m else None


@pytest.mark.skipif(_umask_now() is None, reason="needs /proc/self/status with a Umask line (Linux)")
def test_the_umask_watched_from_another_thread_never_changes_during_saves(tmp_path: Path) -> None:
    """Watched over 10^6 saves once; here a thousand small writes, the watcher reading all along."""
    before = _umask_now()
    seen: set[int | None] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.add(_umask_now())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        data = json.dumps({"x": 1}).encode()
        for i in range(1000):
            files.write_atomic(tmp_path / f"f{i % 7}.json", data)
    finally:
        done.set()
        watcher.join()
    assert seen == {before}
    assert sorted(os.listdir(tmp_path)) == [f"f{i}.json" for i in range(7)]
