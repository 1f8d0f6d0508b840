"""A learner's progress: the models of the progress file, and reading and writing its text.

`store.Store` owns the file on disk (locking, atomic writes, history); this module only turns
text into a validated `State` and a `State` back into text. Writing edits the previous text in
place (with tomlkit), so comments and keys that a person added by hand survive, and topics are
kept in a stable order so that the file diffs cleanly in git.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, ValidationError

from roadmap_cli.errors import StateError

SCHEMA_VERSION = 2

Status = Literal["in-progress", "done", "skipped"]
STATUSES: tuple[str, ...] = ("pending", "in-progress", "done", "skipped")
TopicId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
TOPIC_FIELDS = ("status", "started", "finished", "updated", "note")
ProjectStatus = Literal["planned", "in-progress", "done"]
PROJECT_STATUSES: tuple[str, ...] = ("planned", "in-progress", "done")
# What a strong portfolio shows about a project; all five are needed to mark it done.
PORTFOLIO_FIELDS = ("problem", "architecture", "evaluation", "deployment", "tradeoffs")
PROJECT_FIELDS = (
    "title",
    "track",
    "outcome",
    "topics",
    "status",
    "repo",
    "demo",
    *PORTFOLIO_FIELDS,
    "created",
    "started",
    "finished",
    "updated",
)


class TopicProgress(BaseModel):
    """Where one topic stands. A topic with no entry is pending."""

    # strict: no "1" for 1, no text for a time. Unknown keys are ignored here and kept in
    # the file by the writer, so a hand-added key survives.
    model_config = ConfigDict(extra="ignore", strict=True)

    status: Status | None = None  # None: pending, kept only because it has a note
    started: AwareDatetime | None = None
    finished: AwareDatetime | None = None
    updated: AwareDatetime
    note: str | None = None


class Project(BaseModel):
    """Something the learner builds to show a track's skills."""

    model_config = ConfigDict(extra="ignore", strict=True)

    title: str
    track: str
    outcome: str | None = None  # the catalog outcome idea it realises, if any
    topics: list[TopicId] = []  # topics it applies
    status: ProjectStatus = "planned"
    repo: str | None = None
    demo: str | None = None
    problem: str | None = None
    architecture: str | None = None
    evaluation: str | None = None
    deployment: str | None = None
    tradeoffs: str | None = None
    created: AwareDatetime
    started: AwareDatetime | None = None
    finished: AwareDatetime | None = None
    updated: AwareDatetime

    def missing_portfolio(self) -> list[str]:
        return [name for name in PORTFOLIO_FIELDS if not (getattr(self, name) or "").strip()]


COLLECTIONS: dict[str, tuple[str, ...]] = {"topics": TOPIC_FIELDS, "projects": PROJECT_FIELDS}


class State(BaseModel):
    """Everything the program remembers for one learner and one catalog."""

    model_config = ConfigDict(extra="ignore", strict=True)

    schema_version: int = SCHEMA_VERSION
    catalog: str | None = None  # id of the catalog this progress follows
    focus: str | None = None
    topics: dict[TopicId, TopicProgress] = {}
    projects: dict[TopicId, Project] = {}

    def status_of(self, topic_id: str) -> str:
        entry = self.topics.get(topic_id)
        return entry.status if entry is not None and entry.status else "pending"

    def last_active(self) -> datetime | None:
        times = [e.updated for e in self.topics.values()] + [
            p.updated for p in self.projects.values()
        ]
        return max(times, default=None)


def now() -> datetime:
    """The current local time, aware, to the second: what every timestamp records."""
    return datetime.now().astimezone().replace(microsecond=0)


def unreadable(path: Path, why: str) -> str:
    return (
        f"progress file {path} cannot be used: {why}; it was left untouched. Fix it by hand,"
        " or run 'roadmap doctor --repair' to keep what is valid and start the rest afresh"
    )


def decode(raw: bytes, path: Path) -> dict[str, Any]:
    """The TOML data of a state file (an editor's byte-order mark is fine)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StateError(unreadable(path, f"it is not UTF-8 text (byte {exc.start})")) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StateError(unreadable(path, f"it is not valid TOML ({exc})")) from None


def schema_version_of(data: dict[str, Any], path: Path) -> int:
    version = data.get("schema_version")
    if "schema_version" not in data:
        raise StateError(unreadable(path, "it has no schema_version"))
    if type(version) is not int or version < 1:
        raise StateError(unreadable(path, f"schema_version {version!r} is not a version number"))
    return version


def validate(data: dict[str, Any], path: Path) -> State:
    """A `State` from data already migrated to the current schema."""
    try:
        return State.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in err["loc"]) or "top level"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise StateError(unreadable(path, f"{where}: {err['msg']}{more}")) from None


def unknown_keys(data: dict[str, Any]) -> list[str]:
    """Keys this version does not know, as dotted paths (kept in the file, shown by doctor)."""
    found = [key for key in data if key not in State.model_fields]
    for name, fields in COLLECTIONS.items():
        tables = data.get(name)
        if isinstance(tables, dict):
            for item_id, table in tables.items():
                if isinstance(table, dict):
                    found += [f"{name}.{item_id}.{key}" for key in table if key not in fields]
    return found


def render(state: State, previous: str | None = None) -> str:
    """The text of the state file: `previous` edited in place, or a new document."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    doc: Any
    try:
        doc = tomlkit.parse(previous) if previous else tomlkit.document()
    except TOMLKitError:  # never reached for a file that loaded, but a fresh start is safe
        doc = tomlkit.document()

    _set(doc, "schema_version", state.schema_version)
    _set(doc, "catalog", state.catalog)
    _set(doc, "focus", state.focus)

    for name, fields in COLLECTIONS.items():
        _render_tables(doc, name, getattr(state, name), fields)
    return tomlkit.dumps(doc)


def _render_tables(
    doc: Any, name: str, items: dict[str, BaseModel], fields: tuple[str, ...]
) -> None:
    """Write `[name.<id>]` tables sorted by id, reusing the tables (and comments) there were."""
    import tomlkit

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
        for field in fields:
            _set(table, field, getattr(items[item_id], field))
        if not in_place or item_id not in old:
            tables[item_id] = table
    if not in_place:
        if name in doc:
            del doc[name]
        if items:
            doc[name] = tables


def _set(table: Any, key: str, value: object) -> None:
    """Set or remove one key, leaving it (and its comment) alone when the value is the same."""
    if value is None:
        if key in table:
            del table[key]
    elif table.get(key) != value:
        table[key] = list(value) if isinstance(value, tuple) else value
