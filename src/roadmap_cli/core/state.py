"""A learner's progress: the models of the progress file and the strict check of its data.

`storage.state_file` turns the file's text into data and back; this module turns that data
into a checked `State` (or says what is wrong with it, path by path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

SCHEMA_VERSION = 2

Status = Literal["in-progress", "done", "skipped"]
STATUSES: tuple[str, ...] = ("pending", "in-progress", "done", "skipped")
ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
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
STATE_FIELDS = ("schema_version", "catalog", "focus", "topics", "projects")


@dataclass(kw_only=True)
class TopicProgress:
    """Where one topic stands. A topic with no entry is pending."""

    status: Status | None = None  # None: pending, kept only because it has a note
    started: datetime | None = None
    finished: datetime | None = None
    updated: datetime
    note: str | None = None


@dataclass(kw_only=True)
class Project:
    """Something the learner builds to show a track's skills."""

    title: str
    track: str
    outcome: str | None = None  # the catalog outcome idea it realises, if any
    topics: list[str] = field(default_factory=list)  # topics it applies
    status: ProjectStatus = "planned"
    repo: str | None = None
    demo: str | None = None
    problem: str | None = None
    architecture: str | None = None
    evaluation: str | None = None
    deployment: str | None = None
    tradeoffs: str | None = None
    created: datetime
    started: datetime | None = None
    finished: datetime | None = None
    updated: datetime

    def missing_portfolio(self) -> list[str]:
        return [name for name in PORTFOLIO_FIELDS if not (getattr(self, name) or "").strip()]


Entry = TopicProgress | Project
COLLECTIONS: dict[str, tuple[str, ...]] = {"topics": TOPIC_FIELDS, "projects": PROJECT_FIELDS}


@dataclass(kw_only=True)
class State:
    """Everything the program remembers for one learner and one catalog."""

    schema_version: int = SCHEMA_VERSION
    catalog: str | None = None  # id of the catalog this progress follows
    focus: str | None = None
    topics: dict[str, TopicProgress] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)

    def status_of(self, topic_id: str) -> str:
        entry = self.topics.get(topic_id)
        return entry.status if entry is not None and entry.status else "pending"

    def last_active(self) -> datetime | None:
        times = [e.updated for e in self.topics.values()] + [
            p.updated for p in self.projects.values()
        ]
        return max(times, default=None)

    def copy(self) -> State:
        """A copy that shares nothing that can change (entries and their lists are copied)."""
        return State(
            schema_version=self.schema_version,
            catalog=self.catalog,
            focus=self.focus,
            topics={key: replace(entry) for key, entry in self.topics.items()},
            projects={
                key: replace(project, topics=list(project.topics))
                for key, project in self.projects.items()
            },
        )


# --- checking data against the models
#
# Strict, like the file's own types: no "1" for 1 and no text for a time in a TOML file.
# Unknown keys are ignored here and kept in the file by the writer, so a hand-added key
# survives. From JSON (history records, exports) a time is ISO 8601 text.


class Invalid(ValueError):
    """Data that does not fit the models: every problem, as (dotted path, what is wrong)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))
        self.problems = problems


class _Checker:
    def __init__(self, from_json: bool) -> None:
        self.from_json = from_json
        self.problems: list[tuple[str, str]] = []

    def fail(self, where: str, what: str) -> None:
        self.problems.append((where, what))

    def given(self, data: dict[str, Any], key: str, where: str, required: bool) -> Any:
        """The value of `key` (None: not given, which is a problem when it is required)."""
        value = data.get(key)
        if value is None and required:
            self.fail(f"{where}{key}", "missing")
        return value

    def text(self, data: dict[str, Any], key: str, where: str, required: bool = False) -> Any:
        value = self.given(data, key, where, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(f"{where}{key}", "should be text")
            return None
        return value

    def choice(self, data: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> Any:
        value = self.text(data, key, where)
        if value is not None and value not in allowed:
            self.fail(f"{where}{key}", f"should be one of {', '.join(allowed)}, not {value!r}")
            return None
        return value

    def time(self, data: dict[str, Any], key: str, where: str, required: bool = False) -> Any:
        value = self.given(data, key, where, required)
        if value is None:
            return None
        if self.from_json and isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                self.fail(f"{where}{key}", f"{value!r} is not an ISO 8601 date and time")
                return None
        if not isinstance(value, datetime):
            self.fail(f"{where}{key}", "should be a date and time, like 2026-01-01T10:00:00Z")
            return None
        if value.utcoffset() is None:
            self.fail(f"{where}{key}", "should have a timezone, like 2026-01-01T10:00:00Z")
            return None
        return value

    def table(self, value: Any, where: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(where, "should be a table")
            return None
        return value

    def topic(self, data: Any, where: str) -> TopicProgress | None:
        table = self.table(data, where.rstrip("."))
        if table is None:
            return None
        before = len(self.problems)
        entry = TopicProgress(
            status=self.choice(table, "status", where, STATUSES[1:]),
            started=self.time(table, "started", where),
            finished=self.time(table, "finished", where),
            updated=self.time(table, "updated", where, required=True),
            note=self.text(table, "note", where),
        )
        return entry if len(self.problems) == before else None

    def project(self, data: Any, where: str) -> Project | None:
        table = self.table(data, where.rstrip("."))
        if table is None:
            return None
        before = len(self.problems)
        topics = table.get("topics", [])
        if not isinstance(topics, list) or not all(
            isinstance(t, str) and ID.fullmatch(t) for t in topics
        ):
            self.fail(f"{where}topics", "should be a list of topic ids")
            topics = []
        status = self.choice(table, "status", where, PROJECT_STATUSES)
        values = {name: self.text(table, name, where) for name in _PROJECT_TEXTS}
        entry = Project(
            title=self.text(table, "title", where, required=True),
            track=self.text(table, "track", where, required=True),
            topics=list(topics),
            status=status or "planned",
            created=self.time(table, "created", where, required=True),
            started=self.time(table, "started", where),
            finished=self.time(table, "finished", where),
            updated=self.time(table, "updated", where, required=True),
            **values,
        )
        return entry if len(self.problems) == before else None

    def entries(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        tables = data.get(name, {})
        if not isinstance(tables, dict):
            self.fail(name, "should be a table")
            return {}
        make = self.topic if name == "topics" else self.project
        found = {}
        for item_id, table in tables.items():
            if not ID.fullmatch(item_id):
                self.fail(f"{name}.{item_id}", "is not an id (lowercase words joined by -)")
                continue
            entry = make(table, f"{name}.{item_id}.")
            if entry is not None:
                found[item_id] = entry
        return found


_PROJECT_TEXTS = ("outcome", "repo", "demo", *PORTFOLIO_FIELDS)


def state_from(data: dict[str, Any]) -> State:
    """A `State` from a progress file's data, already migrated to the current schema; Invalid
    if it does not fit."""
    check = _Checker(from_json=False)
    version = data.get("schema_version", SCHEMA_VERSION)
    if type(version) is not int:
        check.fail("schema_version", "should be a whole number")
    state = State(
        schema_version=version if type(version) is int else SCHEMA_VERSION,
        catalog=check.text(data, "catalog", ""),
        focus=check.text(data, "focus", ""),
        topics=check.entries(data, "topics"),
        projects=check.entries(data, "projects"),
    )
    if check.problems:
        raise Invalid(check.problems)
    return state


def state_from_checked(data: dict[str, Any]) -> State:
    """A `State` from the data `to_json` made of a checked state (what the cache holds), built
    without checking every value again; KeyError, TypeError or ValueError for other data."""
    time = datetime.fromisoformat

    def maybe(value: str | None) -> datetime | None:
        return None if value is None else time(value)

    topics = {
        key: TopicProgress(
            status=value["status"],
            started=maybe(value["started"]),
            finished=maybe(value["finished"]),
            updated=time(value["updated"]),
            note=value["note"],
        )
        for key, value in data["topics"].items()
    }
    projects = {
        key: Project(
            **{
                **value,
                "topics": list(value["topics"]),
                "created": time(value["created"]),
                "started": maybe(value["started"]),
                "finished": maybe(value["finished"]),
                "updated": time(value["updated"]),
            }
        )
        for key, value in data["projects"].items()
    }
    return State(
        schema_version=data["schema_version"],
        catalog=data["catalog"],
        focus=data["focus"],
        topics=topics,
        projects=projects,
    )


def entry_from(name: str, data: Any, from_json: bool = True) -> Entry:
    """One topic (`name` "topics") or project entry; Invalid (paths relative to the entry)."""
    check = _Checker(from_json)
    entry = check.topic(data, "") if name == "topics" else check.project(data, "")
    if entry is None:
        raise Invalid(check.problems)
    return entry


def topic_from(data: Any) -> TopicProgress:
    entry = entry_from("topics", data)
    assert isinstance(entry, TopicProgress)
    return entry


def project_from(data: Any) -> Project:
    entry = entry_from("projects", data)
    assert isinstance(entry, Project)
    return entry


def json_time(moment: datetime) -> str:
    """A time as ISO 8601 text, UTC written as Z (as every history record has it)."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def to_json(
    entry: Entry, *, exclude_none: bool = False, exclude: tuple[str, ...] = ()
) -> dict[str, Any]:
    """An entry as JSON-ready values, in field order."""
    found: dict[str, Any] = {}
    for name in TOPIC_FIELDS if isinstance(entry, TopicProgress) else PROJECT_FIELDS:
        value = getattr(entry, name)
        if name in exclude or (value is None and exclude_none):
            continue
        if isinstance(value, datetime):
            value = json_time(value)
        elif isinstance(value, list):
            value = list(value)
        found[name] = value
    return found


def now() -> datetime:
    """The current local time, aware, to the second: what every timestamp records."""
    return datetime.now().astimezone().replace(microsecond=0)


def unknown_keys(data: dict[str, Any]) -> list[str]:
    """Keys this version does not know, as dotted paths (kept in the file, shown by doctor)."""
    found = [key for key in data if key not in STATE_FIELDS]
    for name, fields in COLLECTIONS.items():
        tables = data.get(name)
        if isinstance(tables, dict):
            for item_id, table in tables.items():
                if isinstance(table, dict):
                    found += [f"{name}.{item_id}.{key}" for key in table if key not in fields]
    return found
