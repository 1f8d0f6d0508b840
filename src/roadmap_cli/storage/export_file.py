"""Reading an export file that someone sent: its bytes, checked by `formats.export_schema`.

An export is untrusted: only a regular file (or a link to one) is opened, it is never opened
in a way that could block (a FIFO, a device), and no more than the size limit is read. The
limit is 16 MiB unless `--max-size` or `ROADMAP_MAX_EXPORT_SIZE` says otherwise (see
docs/security.md).
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.errors import RoadmapError, UsageError
from roadmap_cli.formats.export_schema import Export, Limits, parse
from roadmap_cli.storage import files

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_BYTES_VARIABLE = "ROADMAP_MAX_EXPORT_SIZE"
_SIZE = re.compile(r"(\d+)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def size_limit(given: str | None) -> int:
    """The most bytes an export may have: `given` (an option), else the environment variable,
    else 16 MiB. A size is a number of bytes, or one with KiB, MiB or GiB (K, M, G for short)."""
    for value, source in ((given, "--max-size"), (os.environ.get(MAX_BYTES_VARIABLE), None)):
        if value is None or (source is None and not value.strip()):
            continue
        match = _SIZE.fullmatch(value.strip())
        if match is None or int(match[1]) == 0:
            where = source or MAX_BYTES_VARIABLE
            raise UsageError(
                f"{where} {value!r} is not a size; give bytes, or a number with KiB, MiB or GiB"
                " (e.g. 64MiB)"
            )
        return int(match[1]) * _UNITS[match[2][:1].lower()]
    return DEFAULT_MAX_BYTES


def _mib(size: int) -> str:
    return f"{size / 1024**2:g} MiB" if size >= 1024**2 else f"{size} bytes"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; RoadmapError (exit 1) otherwise.
    Never blocks: a FIFO or a device is refused before anything is read from it."""
    try:
        return files.read_regular(path, max_bytes)
    except files.NotRegularFile as exc:
        raise RoadmapError(f"{path} is {exc.kind}, not an export file") from None
    except files.TooLarge:
        raise RoadmapError(
            f"{path} is larger than {_mib(max_bytes)}, the limit for an export; if you trust"
            f" it, raise the limit with --max-size or {MAX_BYTES_VARIABLE}"
        ) from None
    except OSError as exc:
        raise RoadmapError(f"cannot read {path}: {exc.strerror or exc}") from None


def limits_for(catalog: Catalog) -> Limits:
    """What an export of `catalog` can hold: an entry per topic id or alias it knows."""
    return Limits(entries=len(catalog.topics) + sum(len(t.aliases) for t in catalog.topics))


def read(
    path: Path, limits: Limits, now: datetime, max_bytes: int, *, for_merge: bool = True
) -> Export:
    """An export file, validated; RoadmapError (exit 1) says why one cannot be used."""
    raw = read_bytes(path, max_bytes)
    with files.interrupts_held():  # pydantic would take a Ctrl-C for an invalid value
        return parse(raw, path, limits, now, for_merge=for_merge)
