"""The user's cache folder: what can be worked out again from a file, kept to save time.

Each entry is a magic line naming its kind, the CRC-32 of the data, and the data in Python's
marshal format (as in Python's own bytecode cache: fast to read, and read only after its
checksum matches). An entry that is missing, unreadable, cut short or damaged reads as None,
and one that cannot be written is left out: the cache only ever saves time. Deleting the
folder is always safe.

Every key includes a checksum of the source of the modules that make and read the entries
(`CODE`): an entry made by other code, even of the same version, is never used. Where that
source cannot be read (an install without it), nothing is cached.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from pathlib import Path
from typing import Any

# The modules whose code decides what an entry holds and how it is read back.
CODE = (
    "storage/cache.py",
    "core/catalog.py",
    "formats/catalog_schema.py",
    "core/state.py",
    "storage/state_file.py",
    "storage/store.py",
    "core/review.py",
)
_made_by: str | None = None
# No entry is read past this size (an entry of a 50,000-topic progress file is about 10 MiB).
MAX_ENTRY_BYTES = 64 * 1024 * 1024


def made_by() -> str | None:
    """The program, the Python and the code that make the entries, as a short text; None when
    the code cannot be read."""
    global _made_by
    if _made_by is None:
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        checksum = 0
        try:
            for name in CODE:
                with open(os.path.join(package, name), "rb") as source:
                    checksum = zlib.crc32(source.read(), checksum)
        except OSError:
            return None
        from roadmap_cli import __version__

        _made_by = f"roadmap {__version__} code {checksum:08x} {sys.implementation.cache_tag}"
    return _made_by


def folder(kind: str) -> Path:
    from roadmap_cli.storage import paths

    return paths.cache_dir() / kind


def fingerprint(data: bytes) -> str:
    """The bytes of a file as a short text: their size and two checksums, and the program and
    Python that cache them (a newer roadmap may check more; another Python may write marshal
    data differently)."""
    maker = made_by() or "no code to key on: never read"
    return "-".join(
        (
            f"{len(data):x}",
            f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}",
            f"{zlib.crc32(maker.encode()):08x}",
        )
    )


def catalog_entry(raw: bytes) -> Path:
    """Where the checked data of the catalog file whose bytes are `raw` is kept."""
    return folder("catalogs") / f"{fingerprint(raw)}.marshal"


def scheduler_entry() -> Path | None:
    """Where what FSRS says of every topic alike (`core.review.Known`) is kept, under the
    installed scheduler's files (their paths, sizes and times: an upgrade is a new key); None
    when the `fsrs` package is not found on the path."""
    maker = made_by()
    if maker is None:
        return None
    for base in sys.path:
        package = os.path.join(base or ".", "fsrs")
        try:
            stats = [os.stat(os.path.join(package, name)) for name in _SCHEDULER_FILES]
        except OSError:
            continue
        key = " ".join([maker, package, *(f"{s.st_size}:{s.st_mtime_ns}" for s in stats)])
        return folder("scheduler") / f"{zlib.crc32(key.encode()):08x}.marshal"
    return None


_SCHEDULER_FILES = ("__init__.py", "scheduler.py", "card.py")


def _magic(kind: str) -> bytes:
    return f"roadmap {kind}\n".encode()


def read(entry: Path, kind: str) -> Any:
    """The data in a cache entry, or None."""
    if made_by() is None:
        return None
    magic = _magic(kind)
    from roadmap_cli.storage import files

    try:
        blob = files.read_regular(entry, MAX_ENTRY_BYTES)
    except (OSError, files.NotRegularFile, files.TooLarge):
        return None
    header, payload = blob[: len(magic) + 4], blob[len(magic) + 4 :]
    if header != magic + zlib.crc32(payload).to_bytes(4, "big"):
        return None
    try:
        return marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None


def write(entry: Path, kind: str, data: Any) -> None:
    """Replace a cache entry atomically; nothing happens when it cannot be written."""
    from roadmap_cli.storage import files

    if made_by() is None:
        return
    try:
        payload = marshal.dumps(data)
        entry.parent.mkdir(parents=True, exist_ok=True)
        header = _magic(kind) + zlib.crc32(payload).to_bytes(4, "big")
        files.replace(entry, header + payload, durable=False)  # a lost entry only costs time
    except (OSError, ValueError):
        pass
