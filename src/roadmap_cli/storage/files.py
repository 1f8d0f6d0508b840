"""Low-level file calls that behave the same on Linux, macOS and Windows.

- Every file is opened in binary mode: Windows translates line ends in a descriptor opened
  without `O_BINARY`, which would turn the `\n` of a record into `\r\n`.
- `sync` makes written data durable: `fsync` on Linux and Windows; on macOS `fsync` only
  reaches the drive's cache, and `F_FULLFSYNC` asks the drive to write it out.
- `set_mode` sets permission bits through the descriptor where `os.fchmod` exists (POSIX;
  Windows only from Python 3.13), else through the path (on Windows only the read-only bit
  means anything).
- `last_byte` reads without `os.pread`, which Windows does not have.
"""

from __future__ import annotations

import os
import sys

BINARY: int = getattr(os, "O_BINARY", 0)


def sync(fd: int) -> None:
    """Make what was written to `fd` durable (OSError when it cannot be)."""
    if sys.platform == "darwin":
        import fcntl

        full_sync = getattr(fcntl, "F_FULLFSYNC", None)
        if full_sync is not None:
            try:
                fcntl.fcntl(fd, full_sync)
                return
            except OSError:
                pass  # a file system without it (a network share): fsync is the best there is
    os.fsync(fd)


def set_mode(fd: int, path: str, mode: int) -> None:
    """Give the open file `fd` (at `path`) the permission bits `mode`."""
    fchmod = getattr(os, "fchmod", None)
    if fchmod is not None:
        fchmod(fd, mode)
    else:
        os.chmod(path, mode)


def last_byte(fd: int, size: int) -> bytes:
    """The last byte of the file open as `fd`, whose size is `size` (> 0)."""
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1)
