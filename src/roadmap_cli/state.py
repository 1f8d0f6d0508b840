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


class State(BaseModel):
    """Everything the program remembers for one learner and one catalog."""

    model_config = ConfigDict(extra="ignore", strict=True)

    schema_version: int = SCHEMA_VERSION
    catalog: str | None = None  # id of the catalog this progress follows
    focus: str | None = None
    topics: dict[TopicId, TopicProgress] = {}

    def status_of(self, topic_id: str) -> str:
        entry = self.topics.get(topic_id)
        return entry.status if entry is not None and entry.status else "pending"

    def last_active(self) -> datetime | None:
        return max((entry.updated for entry in self.topics.values()), default=None)


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
    topics = data.get("topics")
    if isinstance(topics, dict):
        for topic_id, entry in topics.items():
            if isinstance(entry, dict):
                found += [f"topics.{topic_id}.{key}" for key in entry if key not in TOPIC_FIELDS]
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

    old_topics = doc.get("topics")
    if not isinstance(old_topics, dict):
        old_topics = {}
    wanted = sorted(state.topics)
    in_place = list(old_topics) == wanted  # same topics, same order: touch nothing else
    topics = old_topics if in_place else tomlkit.table(is_super_table=True)
    for topic_id in wanted:
        table = old_topics.get(topic_id)
        if not isinstance(table, dict):
            table = tomlkit.table()
        for field in TOPIC_FIELDS:
            _set(table, field, getattr(state.topics[topic_id], field))
        if not in_place:
            topics[topic_id] = table
    if not in_place:
        if "topics" in doc:
            del doc["topics"]
        if state.topics:
            doc["topics"] = topics
    return tomlkit.dumps(doc)


def _set(table: Any, key: str, value: object) -> None:
    """Set or remove one key, leaving it (and its comment) alone when the value is the same."""
    if value is None:
        if key in table:
            del table[key]
    elif table.get(key) != value:
        table[key] = value
