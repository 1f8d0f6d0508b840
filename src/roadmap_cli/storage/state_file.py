"""The progress file's text: reading it into a checked `State`, and writing a `State` back.

`store.Store` owns the file on disk (locking, atomic writes, history); this module only turns
text into a validated `State` and a `State` back into text. Writing edits the previous text in
place (with tomlkit), so comments and keys that a person added by hand survive, and topics are
kept in a stable order so that the file diffs cleanly in git.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roadmap_cli.core.errors import ConflictError, NewerStateError, StateError
from roadmap_cli.core.state import (
    COLLECTIONS,
    HEAD_FIELDS,
    ROW_CLASSES,
    SCHEMA_VERSION,
    Entry,
    Invalid,
    State,
    state_from,
)


def unreadable(path: Path, why: str) -> str:
    return (
        f"progress file {path} cannot be used: {why}; it was left untouched. Fix it by hand,"
        " or run 'roadmap doctor --repair' to keep what is valid and start the rest afresh"
    )


def decode(raw: bytes, path: Path) -> dict[str, Any]:
    """The TOML data of a state file (an editor's byte-order mark is fine)."""
    from roadmap_cli.formats import toml_text

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StateError(unreadable(path, f"it is not UTF-8 text (byte {exc.start})")) from None
    try:
        return toml_text.loads(text)
    except toml_text.TOMLDecodeError as exc:
        from roadmap_cli.storage import conflicts

        if conflicts.has_markers(text):  # never valid TOML, so only looked for on a failure
            raise ConflictError(conflicts.message(path)) from None
        raise StateError(unreadable(path, f"it is not valid TOML ({exc})")) from None


def schema_version_of(data: dict[str, Any], path: Path) -> int:
    version = data.get("schema_version")
    if "schema_version" not in data:
        raise StateError(unreadable(path, "it has no schema_version"))
    if type(version) is not int or version < 1:
        raise StateError(unreadable(path, f"schema_version {version!r} is not a version number"))
    return version


def parsed(
    raw: bytes, path: Path, catalog_id: str | None, name: str, depth: int | None = None
) -> tuple[State, int]:
    """The state a progress file's bytes hold, and the schema version they name: decoded (no
    deeper than `depth` levels, if given), migrated from an older schema and checked; a newer
    schema is read as far as this version knows it (a NewerStateError, that says `name`,
    when it cannot be). Every reader of a progress file, the store's and the merge driver's,
    takes these steps."""
    from roadmap_cli.formats.toml_text import depth_at_most
    from roadmap_cli.storage.migrations import migrate

    data = decode(raw, path)
    if depth is not None and not depth_at_most(data, depth):
        raise StateError(f"{name} nests tables and arrays deeper than {depth} levels")
    version = schema_version_of(data, path)
    if version < SCHEMA_VERSION:
        data = migrate(data, catalog_id or data.get("catalog"))
    elif version > SCHEMA_VERSION:
        try:
            state = validate({**data, "schema_version": SCHEMA_VERSION}, path)
        except StateError:
            raise NewerStateError(
                f"{name} was written by a newer roadmap (schema {version}) in a form this one"
                " cannot read; upgrade roadmap. The file was left untouched"
            ) from None
        state.schema_version = version
        return state, version
    return validate(data, path), version


def validate(data: dict[str, Any], path: Path) -> State:
    """A `State` from data already migrated to the current schema."""
    try:
        return state_from(data)
    except Invalid as exc:
        where, what = exc.problems[0]
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise StateError(unreadable(path, f"{where or 'top level'}: {what}{more}")) from None


def render(state: State, previous: str | None = None) -> str:
    """The text of the state file: `previous` edited in place, or a new document. Rows are
    written as `line_editor.toml_value` writes them, one line a list: tomlkit holds a token
    in their place, and the token is replaced in its text (tomlkit takes about 0.3 ms to
    read or build one row, and a file may hold hundreds of thousands); so are the rows of
    `previous` while tomlkit reads it (`toml_text.cut_rows`)."""
    import os

    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    from roadmap_cli.formats.toml_text import cut_rows

    doc: Any
    previous, kept = cut_rows(previous) if previous else (previous, {})
    try:
        doc = tomlkit.parse(previous) if previous else tomlkit.document()
    except (TOMLKitError, RecursionError):  # not for a file that loaded; a fresh start is safe
        doc, kept = tomlkit.document(), {}

    rows: dict[str, str] = {}
    token = f"roadmap-rows-{os.urandom(8).hex()}-"
    for name in HEAD_FIELDS:
        _set(doc, name, getattr(state, name) if getattr(state, name) != [] else None, rows, token)

    for name, fields in COLLECTIONS.items():
        _render_tables(doc, name, getattr(state, name), fields, rows, token)
    text = tomlkit.dumps(doc)
    for name, value in (*rows.items(), *kept.items()):  # (rows of keys of one's own, kept)
        text = text.replace(f'"{name}"', value, 1)
    return text


def _render_tables(
    doc: Any,
    name: str,
    items: dict[str, Entry],
    fields: tuple[str, ...],
    rows: dict[str, str],
    token: str,
) -> None:
    """Write `[name.<id>]` tables sorted by id, reusing the tables (and comments) there were."""
    import tomlkit

    from roadmap_cli.storage.line_editor import written

    old = doc.get(name)
    if not isinstance(old, dict):
        old = {}
    wanted = sorted(items)
    kept = [item_id for item_id in old if item_id in items]
    # Edit in place, so comments stay where they are, when the ids that stay are in order and
    # the new ones sort after them (tables are removed and appended); otherwise rebuild.
    in_place = (
        isinstance(old, tomlkit.items.Table)
        and kept == sorted(kept)
        and all(item_id > kept[-1] for item_id in wanted if item_id not in old)
        if kept
        else list(old) == wanted
    )
    if in_place:
        for item_id in [i for i in old if i not in items]:
            del old[item_id]
    tables = old if in_place else tomlkit.table(is_super_table=True)
    for item_id in wanted:
        table = old.get(item_id)
        if not isinstance(table, dict):
            table = tomlkit.table()
        for name_ in fields:
            _set(table, name_, written(items[item_id], name_), rows, token)
        if not in_place or item_id not in old:
            tables[item_id] = table
    if not in_place:
        if name in doc:
            del doc[name]
        if items:
            doc[name] = tables


def _set(table: Any, key: str, value: object, rows: dict[str, str], token: str) -> None:
    """Set or remove one key, leaving it (and its comment) alone when the value is the same;
    a list of rows is set to a token that `render` replaces with their text."""
    if value is None:
        if key in table:
            del table[key]
    elif isinstance(value, list) and value and isinstance(value[0], ROW_CLASSES):
        from roadmap_cli.storage.line_editor import toml_value

        name = f"{token}{len(rows)}"
        rows[name] = toml_value(value)
        table[key] = name  # one line, inline tables
    elif table.get(key) != value or _is_time(table.get(key)) != _is_time(value):
        table[key] = list(value) if isinstance(value, tuple) else value


def _is_time(value: object) -> bool:
    """A date with a time (tomlkit's day compares equal to a time on that day)."""
    from datetime import datetime

    return isinstance(value, datetime)
