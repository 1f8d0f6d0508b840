"""Reading an export file that someone sent: its bytes, checked by `formats.export_schema`."""

from __future__ import annotations

from pathlib import Path

from roadmap_cli.core.errors import RoadmapError
from roadmap_cli.formats.export_schema import Export, parse


def read(path: Path, *, check_history: bool = True) -> Export:
    """An export file, validated; RoadmapError (exit 1) says why one cannot be used."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RoadmapError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse(raw, path, check_history=check_history)
