"""The progress file's lock: exclusive across processes and with the filelock package."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from roadmap_cli.storage.locking import FileLock, LockTimeout

HOLD = """
import sys, time
from {module} import FileLock
lock = FileLock(sys.argv[1], {timeout})
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
lock.release()
"""


def hold(path: Path, module: str) -> subprocess.Popen[str]:
    timeout = "5" if module == "roadmap_cli.storage.locking" else "timeout=5"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(module=module, timeout=timeout), str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


@pytest.mark.parametrize("module", ["roadmap_cli.storage.locking", "filelock"])
def test_a_lock_held_by_another_process_waits_then_times_out(tmp_path: Path, module: str) -> None:
    path = tmp_path / "progress.toml.lock"
    holder = hold(path, module)
    try:
        started = time.monotonic()
        with pytest.raises(LockTimeout):
            FileLock(path, timeout=0.3).acquire()
        assert time.monotonic() - started >= 0.3
    finally:
        holder.communicate("\n")
    with FileLock(path, timeout=0.3):  # free again once the holder let go
        pass


def test_a_waiter_locks_the_new_file_when_the_lock_file_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roadmap_cli.storage import locking

    path = tmp_path / "progress.toml.lock"
    first = FileLock(path, timeout=1)
    first.acquire()
    waiting = threading.Event()  # set once the waiter has the old file open and tries it
    tried = locking._flock

    def flock(fd: int, deadline: float) -> bool:
        waiting.set()
        return tried(fd, deadline)

    monkeypatch.setattr(locking, "_flock", flock)
    second = FileLock(path, timeout=5)
    waiter = threading.Thread(target=second.acquire)
    waiter.start()
    assert waiting.wait(timeout=10)
    path.unlink()
    first.release()
    waiter.join()
    assert second._fd is not None
    held = FileLock(path, timeout=0.2)
    with pytest.raises(LockTimeout):  # the waiter holds the file that is at the path now
        held.acquire()
    second.release()


def test_a_file_system_without_flock_falls_back_to_filelock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some network and FUSE mounts cannot flock (a fault this machine cannot cause)."""
    import errno
    import fcntl

    def no_flock(fd: int, operation: int) -> None:
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(fcntl, "flock", no_flock)
    path = tmp_path / "progress.toml.lock"
    lock = FileLock(path, timeout=1)
    lock.acquire()
    assert lock._fd is None and (tmp_path / "progress.toml.lock.soft").exists()
    with pytest.raises(LockTimeout):  # a second writer waits for it, and gives up
        FileLock(path, timeout=0.2).acquire()
    lock.release()
    assert not (tmp_path / "progress.toml.lock.soft").exists()
