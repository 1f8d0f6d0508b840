"""Low-level file calls that behave the same on Linux, macOS and Windows.

- Every file is opened in binary mode: Windows translates line ends in a descriptor opened
  without `O_BINARY`, which would turn the `\n` of a record into `\r\n`.
- `sync` makes written data durable: `fsync` on Linux and Windows; on macOS `fsync` only
  reaches the drive's cache, and `F_FULLFSYNC` asks the drive to write it out.
- `set_mode` sets permission bits through the descriptor where `os.fchmod` exists (POSIX;
  Windows only from Python 3.13), else through the path (on Windows only the read-only bit
  means anything).
- `last_byte` reads without `os.pread`, which Windows does not have.
- `replace` is the one atomic write: the progress file, the history, the cache and the merge
  driver all write through it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

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


class NotRegularFile(Exception):
    """A path that is a folder, a FIFO, a socket or a device where a file should be."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "a folder", "a named pipe (FIFO)", ...


class TooLarge(Exception):
    """A file larger than the most that may be read of it."""


def kind_of(mode: int) -> str:
    import stat

    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_regular(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of a regular file (a link is followed to one), never blocking on anything
    else: the type is checked before opening and again once open (NotRegularFile), and no
    more than `limit` bytes are read (TooLarge). OSError as `open` raises it."""
    import stat

    if not stat.S_ISREG(os.stat(path).st_mode):  # FileNotFoundError for no file at all
        raise NotRegularFile(kind_of(os.stat(path).st_mode))
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | BINARY)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # replaced between the two looks
            raise NotRegularFile(kind_of(opened.st_mode))
        if limit is not None and opened.st_size > limit:
            raise TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:  # until the end: the file may have grown since fstat
            chunk = os.read(fd, max(min(opened.st_size + 1 - size, 1 << 20), 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size > limit:
                raise TooLarge
        return b"".join(chunks)
    finally:
        os.close(fd)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on them as usual: a write that
    must be whole, or work inside a library that would take an interrupt for a failure of
    its own (pydantic's validation calls back into Python, and reports a KeyboardInterrupt
    raised there as an invalid value)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda number, frame: received.append(number))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for number in received[:1]:
            signal.raise_signal(number)


def replace(target: Path, data: bytes, mode: int | None = None, *, durable: bool = True) -> None:
    """Replace `target` with `data`, whole or not at all: a temporary file beside it (with
    `mode`, else 0600), renamed over it. `durable` syncs the file before the rename and its
    folder after, so that a power cut leaves the old file or the new one. OSError when it
    cannot; the temporary file never stays."""
    import tempfile  # (platformdirs has imported it already)

    # `.<name>.<random>.tmp`, private (0600), opened in binary mode on every platform.
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    left: str | None = temporary
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if mode is not None:
                set_mode(out.fileno(), temporary, mode)
            if durable:
                sync(out.fileno())
        os.replace(temporary, target)
        left = None
        if durable:
            sync_folder(target.parent)
    finally:
        if left is not None:
            with contextlib.suppress(OSError):
                os.unlink(left)


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable, where the platform lets a folder be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not every platform lets a directory be opened; the rename already happened
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
