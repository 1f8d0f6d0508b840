"""Reading a cohort folder: the learners' exports in it, and the files that are not exports.

Every file is someone else's: it is read as `storage.export_file` reads an export (regular
files only, within the size limit, never blocking), and whatever is wrong with one file,
even a parser that runs out of stack or memory, makes it a skipped file with its reason and
never stops the report of the others.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.cohort import Learner, Skipped, display_name
from roadmap_cli.core.errors import RoadmapError
from roadmap_cli.formats import export_schema
from roadmap_cli.storage import export_file


def files_of(paths: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """Each file given, and the `*.json` entries of each folder given (sorted); a file reached
    twice (given again, or through a link) once. A folder that cannot be listed is skipped."""
    found: list[Path] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for path in paths:
        try:
            items = sorted(path.glob("*.json")) if path.is_dir() else [path]
        except OSError as exc:  # a name too long, a folder that cannot be listed
            skipped.append(Skipped(path, f"cannot be read: {exc.strerror or exc}"))
            continue
        for item in items:
            try:
                real = item.resolve()
            except (OSError, RuntimeError):  # a loop of links
                real = item
            if real not in seen:
                seen.add(real)
                found.append(item)
    return found, skipped


def load(
    paths: list[Path], catalog: Catalog, now: datetime, max_bytes: int
) -> tuple[list[Learner], list[Skipped]]:
    learners: list[Learner] = []
    files, skipped = files_of(paths)
    limits = export_file.limits_for(catalog)
    for path in files:
        try:
            learners.append(_learner(path, catalog, limits, now, max_bytes))
        except RoadmapError as exc:
            skipped.append(Skipped(path, exc.message.replace(f"{path} ", "", 1)))
        except RecursionError:
            skipped.append(Skipped(path, "is nested too deeply to read"))
        except MemoryError:
            skipped.append(Skipped(path, "is too large to read"))
        except (OSError, ValueError) as exc:
            skipped.append(Skipped(path, f"cannot be read: {exc}"))
    return learners, skipped


def _learner(
    path: Path, catalog: Catalog, limits: export_schema.Limits, now: datetime, max_bytes: int
) -> Learner:
    export = export_file.read(path, limits, now, max_bytes, for_merge=False)
    if export.catalog.id != catalog.id:
        raise RoadmapError(f"{path} is an export of catalog '{export.catalog.id}'")
    name = display_name(export.learner, path.stem)
    covered = frozenset(export.catalog.tracks)
    return Learner(name, path, export_schema.state_of(export, rows=False), covered)
