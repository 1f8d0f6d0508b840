"""Shell completion of topic, track, project and outcome ids, with titles as descriptions.

Completers only read: the checked data in the cache when it matches the file, else the raw
TOML (no validation, which costs more than the rest of a TAB press). They never write a file,
and they never import Rich (`typer_compat.plain_completion_descriptions` keeps Typer from
rendering the descriptions through Rich).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

Items = list[tuple[str, str]]


def _flags(ctx: typer.Context) -> tuple[Path | None, Path | None]:
    params = ctx.find_root().params
    return params.get("catalog"), params.get("state")


def _read_toml(raw: bytes) -> dict[str, Any]:
    """A TOML file's data, or {} when it cannot be read: completion never complains."""
    from roadmap_cli.formats import toml_text

    try:
        return toml_text.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, toml_text.TOMLDecodeError):
        return {}


def _catalog(ctx: typer.Context) -> dict[str, Any]:
    """The catalog's data: the checked data in the cache when there is an entry for it, else
    the file read without a check (a TAB press needs ids, not a check)."""
    from roadmap_cli.storage import cache, catalog_file, files, paths

    path = paths.catalog_path(_flags(ctx)[0])
    try:
        raw = catalog_file.read(path)
    except (OSError, files.NotRegularFile, files.TooLarge):
        return {}
    cached = cache.read(cache.catalog_entry(raw), "catalog")
    return cached if isinstance(cached, dict) else _read_toml(raw)


def _tables(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key)
    return [t for t in items if isinstance(t, dict)] if isinstance(items, list) else []


def _item(item_id: object, title: object) -> tuple[str, str] | None:
    """A value to complete and its description, or None: the file may not have been checked,
    so an id must look like one (a shell inserts it into the command line) and the title goes
    through the sanitiser (a shell prints it under the prompt)."""
    from roadmap_cli.core.sanitize import one_line
    from roadmap_cli.core.state import ID

    if not isinstance(item_id, str) or not ID.fullmatch(item_id):
        return None
    return item_id, one_line(title) if isinstance(title, str) else ""


def _pairs(tables: list[dict[str, Any]]) -> Items:
    found = (_item(t.get("id"), t.get("title", "")) for t in tables)
    return [item for item in found if item is not None]


def _tracks_in_order(data: dict[str, Any]) -> list[dict[str, Any]]:
    progression = data.get("progression")
    rank = {t: i for i, t in enumerate(progression)} if isinstance(progression, list) else {}
    return sorted(_tables(data, "tracks"), key=lambda t: rank.get(t.get("id"), len(rank)))


def _matching(items: Items, incomplete: str) -> Items:
    prefix = incomplete.lower()
    return [(value, help) for value, help in items if value.startswith(prefix)]


def topics(ctx: typer.Context, incomplete: str) -> Items:
    return _matching(_pairs(_tables(_catalog(ctx), "topics")), incomplete)


def tracks(ctx: typer.Context, incomplete: str) -> Items:
    return _matching(_pairs(_tracks_in_order(_catalog(ctx))), incomplete)


def projects(ctx: typer.Context, incomplete: str) -> Items:
    from roadmap_cli.storage import paths

    catalog_id = _catalog(ctx).get("id")
    if not isinstance(catalog_id, str):
        return []
    from roadmap_cli.storage import files
    from roadmap_cli.storage.store import cached_data

    path = paths.state_path(_flags(ctx)[1], catalog_id)
    try:
        raw = files.read_regular(path)
    except (OSError, files.NotRegularFile):
        return []
    state = cached_data(Path(os.path.realpath(path)), raw) or _read_toml(raw)
    found = state.get("projects")
    if not isinstance(found, dict):
        return []
    items = (_item(pid, p.get("title", "")) for pid, p in found.items() if isinstance(p, dict))
    return _matching(sorted(item for item in items if item is not None), incomplete)


def outcomes(ctx: typer.Context, incomplete: str) -> Items:
    track = ctx.params.get("track")
    chosen = [t for t in _tracks_in_order(_catalog(ctx)) if track in (None, t.get("id"))]
    return _matching(_pairs([o for t in chosen for o in _tables(t, "outcomes")]), incomplete)
