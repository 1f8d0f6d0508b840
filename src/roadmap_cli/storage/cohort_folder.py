"""Reading a cohort folder: the learners' exports in it, and the files that are not exports."""

from __future__ import annotations

from pathlib import Path

from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.cohort import Learner, Skipped, display_name
from roadmap_cli.core.errors import RoadmapError
from roadmap_cli.formats import export_schema
from roadmap_cli.storage import export_file


def files_of(paths: list[Path]) -> list[Path]:
    """Each file given, and the `*.json` entries of each folder given (sorted); a file reached
    twice (given again, or through a link) once."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        for item in sorted(path.glob("*.json")) if path.is_dir() else [path]:
            real = item.resolve()
            if real not in seen:
                seen.add(real)
                found.append(item)
    return found


def load(paths: list[Path], catalog: Catalog) -> tuple[list[Learner], list[Skipped]]:
    learners: list[Learner] = []
    skipped: list[Skipped] = []
    for path in files_of(paths):
        try:
            export = export_file.read(path, check_history=False)
        except RoadmapError as exc:
            skipped.append(Skipped(path, exc.message.replace(f"{path} ", "", 1)))
            continue
        if export.catalog.id != catalog.id:
            skipped.append(Skipped(path, f"an export of catalog '{export.catalog.id}'"))
            continue
        name = display_name(export.learner, path.stem)
        covered = frozenset(export.catalog.tracks)
        learners.append(Learner(name, path, export_schema.state_of(export), covered))
    return learners, skipped
