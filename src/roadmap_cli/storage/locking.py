"""An exclusive, OS-level lock on a file, held by one process at a time.

On POSIX systems this is `flock(2)` on the lock file, the same lock `filelock` takes there (so
the two exclude each other), written out here because importing `filelock` costs a sixth of a
command's start-up. Elsewhere (Windows), and on a file system that cannot flock, the
`filelock` package does it.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from types import TracebackType
from typing import Any

POLL_SECONDS = 0.05
# What flock(2) fails with where the file system cannot lock.
_NO_FLOCK = {errno.ENOSYS, errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP}


class LockTimeout(Exception):
    """The lock was still held by another process when the timeout ran out."""


class FileLock:
    """`with FileLock(path, timeout):` holds an exclusive lock on `path` (created if missing)."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None
        self._fallback: object = None

    def acquire(self) -> None:
        """Take the lock, waiting up to the timeout; LockTimeout, or OSError for a lock file
        that cannot be created or opened."""
        try:
            import fcntl  # noqa: F401  (POSIX only)
        except ImportError:  # not POSIX
            self._acquire_with_filelock()
            return
        deadline = time.monotonic() + self.timeout
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                locked = _flock(fd, deadline)
                # The lock is on this file only if it is still the one at the path (someone
                # may have deleted or replaced the lock file while this process waited).
                if locked and _same_file(fd, self.path):
                    self._fd = fd
                    return
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
            if not locked:
                # A file system without flock (some network and FUSE mounts): filelock has
                # a fallback for those.
                self._acquire_with_filelock(deadline - time.monotonic())
                return

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        elif self._fallback is not None:
            lock, self._fallback = self._fallback, None
            lock.release()  # type: ignore[attr-defined]

    def _acquire_with_filelock(self, timeout: float | None = None) -> None:
        """filelock's lock: an OS lock off POSIX; given a timeout (a file system that cannot
        flock), its soft lock, a file `<lock>.soft` that exists while it is held (a process
        killed while holding it leaves it behind, and the timeout message names it)."""
        import filelock

        if timeout is None:
            lock: Any = filelock.FileLock(self.path, timeout=self.timeout)
        else:
            soft = self.path.with_name(self.path.name + ".soft")
            lock = filelock.SoftFileLock(soft, timeout=max(timeout, 0.0))
        try:
            lock.acquire()
        except filelock.Timeout:
            raise LockTimeout(str(lock.lock_file)) from None
        self._fallback = lock

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()


def _flock(fd: int, deadline: float) -> bool:
    """Lock `fd` exclusively, waiting until `deadline`; False where flock is not supported."""
    import fcntl

    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeout("held by another process") from None
            time.sleep(POLL_SECONDS)
        except OSError as exc:
            if exc.errno in _NO_FLOCK:
                return False
            raise


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
