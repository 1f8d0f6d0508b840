"""Reading a catalog file: checked by the schema the first time, from the cache after that.

`load(path)` returns a validated `Catalog` or raises `CatalogError` whose message names the file
and its problem (and the line, for TOML syntax errors). The format is checked by
`formats.catalog_schema` (pydantic), but only for a file not seen before: the checked result is
kept in the user's cache folder under checksums of the file's bytes, and later runs read it
back in Python's marshal format, so that a command starts without importing pydantic or parsing
TOML. An entry that is missing, unreadable or damaged is ignored and the file is checked again.
"""

from __future__ import annotations

from pathlib import Path

from roadmap_cli.core.catalog import Catalog, from_data, sound
from roadmap_cli.core.errors import CatalogError
from roadmap_cli.storage import files

# A catalog is someone else's file: no more than this is read of it (the bundled one is about
# 40 KiB; one of 5,000 topics about 2 MiB).
MAX_BYTES = 16 * 1024 * 1024


def read(path: Path) -> bytes:
    """A catalog file's bytes; OSError, files.NotRegularFile or files.TooLarge otherwise."""
    return files.read_regular(path, MAX_BYTES)


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, files.NotRegularFile):
        return f"it is {exc.kind}, not a file"
    if isinstance(exc, files.TooLarge):
        return f"it is larger than {MAX_BYTES // 1024**2} MiB, too large for a catalog"
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    assert isinstance(exc, OSError)
    return f"cannot read it ({exc.strerror or exc})"


def check_file(path: Path) -> tuple[Catalog | None, list[str]]:
    """Read and validate a catalog file, never from the cache; return it (or None) and every
    problem found."""
    try:
        raw = read(path)
    except (OSError, files.NotRegularFile, files.TooLarge) as exc:
        return None, [_unreadable(exc)]
    with files.interrupts_held():  # as in `load`
        from roadmap_cli.formats.catalog_schema import check_bytes

        plain, found = check_bytes(raw)
    return (None if plain is None else from_data(plain)), found


def load(path: Path, *, cached: bool = True) -> Catalog:
    """A validated catalog, or CatalogError naming the file and its first problems.
    `cached=False` checks the file itself, never the cache (doctor)."""
    try:
        raw = read(path)
    except (OSError, files.NotRegularFile, files.TooLarge) as exc:
        raise CatalogError(f"catalog {path}: {_unreadable(exc)}") from None
    from roadmap_cli.storage import cache

    entry = cache.catalog_entry(raw)
    try:
        if cached:
            catalog = from_data(cache.read(entry, "catalog"))
            if sound(catalog):  # ids and references hold: the cache cannot steer a path
                return catalog
    except (KeyError, TypeError, AttributeError, ValueError):
        pass  # no entry, or not one this version reads: check the file
    with files.interrupts_held():  # pydantic would take a Ctrl-C for an invalid value, and
        # one while the models are built (pydantic-core compiles their patterns) for a
        # pattern that matches nothing
        from roadmap_cli.formats.catalog_schema import check_bytes

        data, found = check_bytes(raw)
    if found or data is None:
        more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
        raise CatalogError(f"catalog {path}: {found[0]}{more}")
    cache.write(entry, "catalog", data)
    return from_data(data)
