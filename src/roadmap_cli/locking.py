"""An exclusive, OS-level lock on a file, held by one process at a time.

On POSIX systems this is `flock(2)` on the lock file, the same lock `filelock` takes there (so
the two exclude each other), written out here because importing `filelock` costs a sixth of a
command's start-up. Elsewhere (Windows) the `filelock` package does it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType

POLL_SECONDS = 0.05


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
            import fcntl
        except ImportError:  # not POSIX
            self._acquire_with_filelock()
            return
        deadline = time.monotonic() + self.timeout
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise LockTimeout(str(self.path)) from None
                        time.sleep(POLL_SECONDS)
                # The lock is on this file only if it is still the one at the path (someone
                # may have deleted or replaced the lock file while this process waited).
                if _same_file(fd, self.path):
                    self._fd = fd
                    return
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)

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

    def _acquire_with_filelock(self) -> None:
        import filelock

        lock = filelock.FileLock(self.path, timeout=self.timeout)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise LockTimeout(str(self.path)) from None
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


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
