"""A learner's progress: the models of the progress file and the strict check of its data.

`storage.state_file` turns the file's text into data and back; this module turns that data
into a checked `State` (or says what is wrong with it, path by path).
"""

from __future__ import annotations

import functools
import re
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal, NamedTuple

from roadmap_cli.core.sanitize import MAX_TEXT

SCHEMA_VERSION = 4

Status = Literal["in-progress", "done", "skipped"]
STATUSES: tuple[str, ...] = ("pending", *typing.get_args(Status))
ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
ProjectStatus = Literal["planned", "in-progress", "done"]
PROJECT_STATUSES: tuple[str, ...] = typing.get_args(ProjectStatus)
# What a strong portfolio shows about a project; all five are needed to mark it done.
# A project's portfolio fields, in the order they are written and shown, each with the
# heading of its section in an export (and the help of its option, `--<field>`).
PORTFOLIO_FIELDS = {
    "problem": "Problem solved",
    "architecture": "Why this architecture",
    "evaluation": "How it was evaluated",
    "deployment": "How it is deployed and operated",
    "tradeoffs": "Tradeoffs handled",
}
Rating = Literal["again", "hard", "good", "easy"]
RATINGS: tuple[str, ...] = typing.get_args(Rating)  # FSRS's 1 to 4, in order
# The share of reviews that should find a topic still remembered, as FSRS schedules them.
RETENTION_RANGE = (0.7, 0.99)
YEARS = (1970, 2200)  # the years a time of progress may have
DEFAULT_RETENTION = 0.9
# The parameters of `core.review` that schedule review dates, as a progress file records
# them: the first 12 hex digits of sha256(repr((review.PARAMETERS, review.MAXIMUM_INTERVAL)))
# (a test checks it). Here, so that a write can tell a file scheduled otherwise without
# importing the scheduler's module.
SCHEDULER = "fsrs-6:eda99d193a81"


class Review(NamedTuple):
    """One self-check of a done topic: when, and how well it was recalled."""

    at: datetime
    rating: Rating
    id: str  # the row's own (`new_row_id`): the same review arriving twice counts once


class Goal(NamedTuple):
    """A date by which the learner means to have cleared a track."""

    track: str  # a track id
    by: datetime  # noon local time of the day given


class Changed(NamedTuple):
    """When a top-level value of the learner's (`focus`, `retention`, `goals`) was last set:
    of two versions of it, the later change wins wherever progress travels (core.merge)."""

    key: str  # the field's name
    at: datetime


class Spent(NamedTuple):
    """Time spent studying a topic: when (noon of the day given with --date), and how long."""

    at: datetime
    minutes: int
    id: str  # as a review's: two sessions alike are two sessions


# The small records that a state or an entry keeps lists of ("rows"): each field is an id, a
# time, one of a few words or a whole number from 1 to MAX_ROW_NUMBER. The rows of an entry
# (reviews, time spent) are a multiset: each has an `id` of its own, written when it is
# recorded, and a merge keeps every id once (core.merge). The rows at the top (goals, and when
# each top-level value changed) have none: each list is one value.
ROW_CLASSES: tuple[type, ...] = (Review, Spent, Goal, Changed)
MAX_ROW_NUMBER = 100_000
ROW_ID = "id"


def new_row_id() -> str:
    """The id of a row recorded now: 10 random hex digits."""
    import os

    return os.urandom(5).hex()


def derived_row_id(values: dict[str, Any], alike: dict[str, int]) -> str:
    """The id of a row written without one (before schema 4, or by hand): 10 hex digits of
    the SHA-256 of its other values (a time as its POSIX timestamp, the same moment in any
    time zone) and of the number of rows alike that came before it in its list, which
    `alike` counts (one dict a list). Every machine derives the same ids from the same list,
    so a row that two machines both had counts once, and two rows alike in one list stay
    two."""
    import hashlib

    text = "|".join(
        repr(v.timestamp()) if isinstance(v, datetime) else str(v)
        for k, v in values.items()
        if k != ROW_ID
    )
    n = alike.get(text, 0)
    alike[text] = n + 1
    return hashlib.sha256(f"{text}#{n}".encode()).hexdigest()[:10]


# The three dataclasses below are the one declaration of the progress file's fields: their
# names, types and defaults. Everything else is derived from them: the field lists, the strict
# checker (`kinds`), the cache's encoder and decoder, the history's values (`to_json`), the
# file writers, and the export models (`formats.export_schema`). A type with no check here
# fails at the first check, and tests/test_schema.py adds a field and follows it everywhere.


@dataclass(kw_only=True)
class TopicProgress:
    """Where one topic stands. A topic with no entry is pending."""

    status: Status | None = None  # None: pending, kept only because it has a note
    started: datetime | None = None
    finished: datetime | None = None
    updated: datetime
    note: str | None = None
    spent: list[Spent] = field(default_factory=list)  # `roadmap time`, oldest first
    # Spaced review of a done topic (core.review): when the next self-check falls due and how
    # long the topic is remembered (in days), as FSRS makes them of the reviews that follow:
    # every self-check, oldest first. The first two are derived from the reviews and kept so
    # that `status` can count what is due without the scheduler.
    due: datetime | None = field(default=None, metadata={"future": True})
    stability: float | None = field(default=None, metadata={"range": (0.001, 1e6)})
    reviews: list[Review] = field(default_factory=list)


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


@dataclass(kw_only=True)
class State:
    """Everything the program remembers for one learner and one catalog."""

    schema_version: int = SCHEMA_VERSION
    catalog: str | None = None  # id of the catalog this progress follows
    focus: str | None = None
    # The desired retention of spaced review (None: DEFAULT_RETENTION).
    retention: float | None = field(default=None, metadata={"range": RETENTION_RANGE})
    goals: list[Goal] = field(default_factory=list)  # `roadmap goal`, one a track
    # The parameters that scheduled the review dates in this file (`core.review.SCHEDULER`);
    # None in a file from before they were named. Dates of other parameters are replayed.
    scheduler: str | None = None
    # When each of the learner's top-level values was last set (none for a value not set
    # since schema 4): a merge keeps the later change of each.
    changed: list[Changed] = field(default_factory=list)
    topics: dict[str, TopicProgress] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)

    def status_of(self, topic_id: str) -> str:
        entry = self.topics.get(topic_id)
        return entry.status if entry is not None and entry.status else "pending"

    def last_active(self) -> datetime | None:
        """The latest change to an entry, but never later than now: a time ahead of this
        machine's clock (another machine's clock, an export) shows as now."""
        times = [e.updated for e in self.topics.values()] + [
            p.updated for p in self.projects.values()
        ]
        latest = max(times, default=None)
        return None if latest is None else min(latest, now())

    def copy(self) -> State:
        """A copy that shares nothing that can change (entries and their lists are copied)."""
        return replace(
            self,
            topics={key: _copy(entry) for key, entry in self.topics.items()},
            projects={key: _copy(project) for key, project in self.projects.items()},
        )


def _copy(entry: Any) -> Any:
    lists = LIST_FIELDS[type(entry)] | set(ROW_FIELDS[type(entry)])
    return replace(entry, **{name: list(getattr(entry, name)) for name in lists})


TOPIC_FIELDS = tuple(f.name for f in fields(TopicProgress))
PROJECT_FIELDS = tuple(f.name for f in fields(Project))
STATE_FIELDS = tuple(f.name for f in fields(State))
COLLECTIONS: dict[str, tuple[str, ...]] = {"topics": TOPIC_FIELDS, "projects": PROJECT_FIELDS}
HEAD_FIELDS = tuple(name for name in STATE_FIELDS if name not in COLLECTIONS)  # the top keys
# The top keys that say what the file is, or when a learner's value changed, rather than
# hold one; the others are the learner's (history records them, undo and exports carry them).
ABOUT_FIELDS = ("schema_version", "catalog", "scheduler", "changed")
LEARNER_FIELDS = tuple(name for name in HEAD_FIELDS if name not in ABOUT_FIELDS)
# The top keys an export carries: the learner's values, and when each was set.
CARRIED_FIELDS = (*LEARNER_FIELDS, "changed")
ENTRY_CLASSES: dict[str, type[TopicProgress] | type[Project]] = {
    "topics": TopicProgress,
    "projects": Project,
}
# The fields that hold times, read from the declared types' text (this runs on every start;
# `kinds`, which evaluates the types, is for the slow paths; a test checks the two agree).
TIME_FIELDS: dict[type, frozenset[str]] = {
    cls: frozenset(f.name for f in fields(cls) if "datetime" in str(f.type))
    for cls in (TopicProgress, Project)
}
# The times that may lie ahead (a schedule); every other time says when something happened.
FUTURE_FIELDS: dict[type, frozenset[str]] = {
    cls: frozenset(f.name for f in fields(cls) if f.metadata.get("future"))
    for cls in (TopicProgress, Project)
}
# The fields that hold one of a few words, with those words, read the same way: a field is
# declared with one of these aliases.
_CHOICE_ALIASES = {"ProjectStatus": PROJECT_STATUSES, "Status": typing.get_args(Status)}
CHOICE_FIELDS: dict[type, dict[str, tuple[str, ...]]] = {
    cls: {
        f.name: _CHOICE_ALIASES[str(f.type).split(" ")[0]]
        for f in fields(cls)
        if str(f.type).split(" ")[0] in _CHOICE_ALIASES
    }
    for cls in (TopicProgress, Project)
}
LIST_FIELDS: dict[type, frozenset[str]] = {
    cls: frozenset(f.name for f in fields(cls) if str(f.type).startswith("list[str"))
    for cls in (TopicProgress, Project)
}
_ROWS = {f"list[{row.__name__}]": row for row in ROW_CLASSES}
# The fields that hold lists of rows, with the class of their rows.
ROW_FIELDS: dict[type, dict[str, type]] = {
    cls: {f.name: _ROWS[str(f.type)] for f in fields(cls) if str(f.type) in _ROWS}
    for cls in (TopicProgress, Project)
}
NUMBER_FIELDS: dict[type, dict[str, tuple[float, float]]] = {
    cls: {f.name: f.metadata["range"] for f in fields(cls) if "range" in f.metadata}
    for cls in (TopicProgress, Project, State)
}


class FieldKind(NamedTuple):
    """What a field of an entry holds, as the checker and the export models see it."""

    name: str
    kind: Literal["text", "time", "choice", "ids", "int", "number", "rows", "entries"]
    optional: bool  # None (no value) is allowed
    required: bool  # no default: it must be given
    default: Any
    choices: tuple[str, ...] = ()
    range: tuple[float, float] | None = None  # of a number: the least and the most allowed
    row: type | None = None  # of rows: their class (one of ROW_CLASSES)


_KINDS: dict[type, tuple[FieldKind, ...]] = {}


def kinds(cls: type) -> tuple[FieldKind, ...]:
    """The fields of an entry class, from their declared types; TypeError for a type that no
    check is written for (add one to `_Checker.value` and to the export models)."""
    if cls not in _KINDS:
        _KINDS[cls] = _kinds_of(cls)
    return _KINDS[cls]


def _kinds_of(cls: type) -> tuple[FieldKind, ...]:
    hints = typing.get_type_hints(cls)
    found = []
    for f in fields(cls):
        declared = hints[f.name]
        args = typing.get_args(declared)
        optional = type(None) in args
        base = next(a for a in args if a is not type(None)) if optional else declared
        choices: tuple[str, ...] = ()
        row: type | None = None
        kind: Literal["text", "time", "choice", "ids", "int", "number", "rows", "entries"]
        if base is str:
            kind = "text"
        elif base is datetime:
            kind = "time"
        elif typing.get_origin(base) is Literal:
            kind, choices = "choice", typing.get_args(base)
        elif typing.get_origin(base) is list and typing.get_args(base) == (str,):
            kind = "ids"
        elif base is int:
            kind = "int"
        elif base is float and "range" in f.metadata:  # every number says what it may be
            kind = "number"
        elif typing.get_origin(base) is list and typing.get_args(base)[0] in ROW_CLASSES:
            kind, row = "rows", typing.get_args(base)[0]
        elif typing.get_origin(base) is dict and f.name in COLLECTIONS:
            kind = "entries"  # checked entry by entry, by `_Checker.entries`
        else:
            raise TypeError(f"no check is written for {cls.__name__}.{f.name}: {declared}")
        required = f.default is MISSING and f.default_factory is MISSING
        default = f.default if f.default is not MISSING else None
        if f.default_factory is not MISSING:
            default = f.default_factory()
        found.append(
            FieldKind(
                f.name, kind, optional, required, default, choices, f.metadata.get("range"), row
            )
        )
    return tuple(found)


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

    def text(self, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            self.fail(path, _SHOULD_BE["text"])
            return None
        if len(value) > MAX_TEXT:  # nothing the program writes is longer; see core.sanitize
            self.fail(path, f"is longer than {MAX_TEXT:,} characters")
            return None
        return value

    def choice(self, value: Any, path: str, allowed: tuple[str, ...]) -> Any:
        value = self.text(value, path)
        if value is not None and value not in allowed:
            self.fail(path, f"should be one of {', '.join(allowed)}, not {value!r}")
            return None
        return value

    def time(self, value: Any, path: str) -> Any:
        if self.from_json and isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                self.fail(path, f"{value!r} is not an ISO 8601 date and time")
                return None
        if not isinstance(value, datetime):
            self.fail(path, _SHOULD_BE["time"])
            return None
        if value.utcoffset() is None:
            self.fail(path, "should have a timezone, like 2026-01-01T10:00:00Z")
            return None
        if (
            not YEARS[0] <= value.year <= YEARS[1]
        ):  # as an export holds them (formats.export_schema)
            self.fail(
                path,
                f"{value.isoformat()} is not a plausible time (years {YEARS[0]} to {YEARS[1]})",
            )
            return None
        return value

    def ids(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, list) or not all(
            isinstance(t, str) and ID.fullmatch(t) for t in value
        ):
            self.fail(path, _SHOULD_BE["ids"])
            return []
        return list(value)

    def whole_number(self, value: Any, path: str, default: int) -> int:
        if type(value) is not int:
            self.fail(path, _SHOULD_BE["int"])
            return default
        return value

    def number(self, value: Any, path: str, least: float, most: float) -> Any:
        if type(value) not in (int, float) or value != value:  # not a bool, not NaN
            self.fail(path, _SHOULD_BE["number"])
            return None
        if not least <= value <= most:
            self.fail(path, f"should be from {least:g} to {most:g}, not {value!r}")
            return None
        return float(value)

    def rows(self, value: Any, path: str, row: Any) -> list[Any]:
        """Rows of class `row`: tables of exactly its fields, each checked as it is typed."""
        if not isinstance(value, list):
            self.fail(path, f"should be a list of tables of {' and '.join(row._fields)}")
            return []
        quick = _quick_rows(row, value, self.from_json)
        if quick is not None:
            return quick
        found = []
        fields_ = set(row._fields)
        alike: dict[str, int] = {}  # rows without an id: how many equal ones came before
        for n, item in enumerate(value):
            where = f"{path}.{n}"
            if isinstance(item, dict) and ROW_ID in fields_ and item.get(ROW_ID) is None:
                item = {k: v for k, v in item.items() if k != ROW_ID}
                given = fields_ - {ROW_ID}
            else:
                given = fields_
            if not isinstance(item, dict) or set(item) != given:
                names = " and ".join(row._fields)
                self.fail(where, f"should be a table of {names}, and nothing else")
                continue
            before = len(self.problems)
            values = {
                name: self.row_value(item[name], f"{where}.{name}", kind)
                for name, kind in row_kinds(row).items()
                if name in given
            }
            if len(self.problems) == before:
                if given is not fields_:
                    values[ROW_ID] = derived_row_id(values, alike)
                found.append(row(**values))
        return found

    def row_value(self, value: Any, path: str, kind: Any) -> Any:
        if kind is datetime:
            return self.time(value, path)
        if kind is str:
            value = self.text(value, path)
            if value is not None and not ID.fullmatch(value):
                self.fail(path, "is not an id (lowercase words joined by -)")
            return value
        if typing.get_origin(kind) is Literal:
            return self.choice(value, path, typing.get_args(kind))
        number = self.whole_number(value, path, 0)
        if not 1 <= number <= MAX_ROW_NUMBER:
            self.fail(path, f"should be from 1 to {MAX_ROW_NUMBER:,}")
        return number

    def table(self, value: Any, where: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(where, "should be a table")
            return None
        return value

    def entry(self, cls: type[Entry], data: Any, where: str) -> Entry | None:
        """An entry of class `cls` from a table, every field checked as its type says."""
        table = self.table(data, where.rstrip("."))
        if table is None:
            return None
        before = len(self.problems)
        values = {k.name: self.value(table, k, where) for k in kinds(cls)}
        return cls(**values) if len(self.problems) == before else None

    def value(self, table: dict[str, Any], k: FieldKind, where: str) -> Any:
        """The value of field `k` in `table`, checked as its type says (None or the default,
        with the problem noted, when it does not fit)."""
        path = f"{where}{k.name}"
        if table.get(k.name) is None:  # not given, or null
            if k.required:
                self.fail(path, "missing")
            elif k.name in table and not k.optional:
                wanted = f"should be one of {', '.join(k.choices)}" if k.choices else None
                self.fail(path, f"{wanted or _SHOULD_BE[k.kind]}, not null")
            elif k.name not in table:
                return (
                    type(k.default)(k.default) if isinstance(k.default, list | dict) else k.default
                )
            return None
        value = table[k.name]
        if k.kind == "text":
            return self.text(value, path)
        if k.kind == "time":
            return self.time(value, path)
        if k.kind == "choice":
            return self.choice(value, path, k.choices)
        if k.kind == "int":
            return self.whole_number(value, path, k.default)
        if k.kind == "number":
            assert k.range is not None
            return self.number(value, path, *k.range)
        if k.kind == "rows":
            assert k.row is not None
            return self.rows(value, path, k.row)
        if k.kind == "entries":
            return self.entries(table, k.name)
        return self.ids(value, path)

    def entries(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        tables = data.get(name, {})
        if not isinstance(tables, dict):
            self.fail(name, "should be a table")
            return {}
        cls = ENTRY_CLASSES[name]
        found = {}
        for item_id, table in tables.items():
            if not ID.fullmatch(item_id):
                self.fail(f"{name}.{item_id}", "is not an id (lowercase words joined by -)")
                continue
            entry = self.entry(cls, table, f"{name}.{item_id}.")
            if entry is not None:
                found[item_id] = entry
        return found


_SHOULD_BE = {
    "text": "should be text",
    "time": "should be a date and time, like 2026-01-01T10:00:00Z",
    "ids": "should be a list of topic ids",
    "int": "should be a whole number",
    "number": "should be a number",
    "rows": "should be a list of tables",
    "entries": "should be a table",
}


def state_from(data: dict[str, Any]) -> State:
    """A `State` from a progress file's data, already migrated to the current schema; Invalid
    if it does not fit."""
    check = _Checker(from_json=False)
    values = {k.name: check.value(data, k, "") for k in kinds(State)}
    state = State(**values)
    if check.problems:
        raise Invalid(check.problems)
    return state


def _checked_entry(cls: type[Entry], value: dict[str, Any]) -> Entry:
    """An entry from what `to_cache` made of it. The cache is someone else's file too: each
    value is checked for what would break a command (a time without an offset, a status no
    table knows, a list that is not of ids, text that is not text); ValueError otherwise."""
    times, lists, choices = TIME_FIELDS[cls], LIST_FIELDS[cls], CHOICE_FIELDS[cls]
    rows, numbers = ROW_FIELDS[cls], NUMBER_FIELDS[cls]
    values: dict[str, Any] = {}
    for name, item in value.items():
        if item is None:
            values[name] = None
        elif name in rows:
            values[name] = _checked_rows(rows[name], item)
        elif name in numbers:
            least, most = numbers[name]
            if type(item) not in (int, float) or not least <= item <= most:
                raise ValueError("not a number of its field")
            values[name] = float(item)
        elif name in times:
            values[name] = _aware(item)
        elif name in lists:
            if not all(type(i) is str and ID.fullmatch(i) for i in item):
                raise ValueError("not a list of ids")
            values[name] = list(item)
        elif name in choices:
            if item not in choices[name]:
                raise ValueError("not one of the words of its field")
            values[name] = item
        elif type(item) is str:
            values[name] = item
        else:
            raise ValueError("not text")
    return cls(**values)


@functools.cache
def row_kinds(row: Any) -> dict[str, Any]:
    """The type of each field of a row class: datetime, a Literal of words, or int."""
    found = typing.get_type_hints(row, globalns=globals())
    for name, kind in found.items():
        if kind not in (datetime, int, str) and typing.get_origin(kind) is not Literal:
            raise TypeError(f"no check is written for {row.__name__}.{name}: {kind}")
    return found


@functools.cache
def _row_tags(row: Any) -> tuple[tuple[str, Any], ...]:
    """Each field of a row class and what it holds: datetime, str, int, or its words."""
    return tuple(
        (name, typing.get_args(kind) if typing.get_origin(kind) is Literal else kind)
        for name, kind in row_kinds(row).items()
    )


def row_order(row: Any) -> tuple[Any, ...]:
    """How rows sort: by their fields in turn, a word by its place among its field's words
    (a review rated again before one rated good at the same moment)."""
    return tuple(
        tag.index(value) if type(tag) is tuple else value
        for value, (_, tag) in zip(row, _row_tags(row.__class__), strict=True)
    )


def _checked_rows(row: Any, items: list[tuple[Any, ...]]) -> list[Any]:
    """Rows from what `to_cache` made of them; ValueError (or TypeError) for anything else.
    (A progress file can hold thousands of reviews: one loop, no call a field.)"""
    tags = _row_tags(row)
    parse = datetime.fromisoformat
    found = []
    for cells in items:
        if len(cells) != len(tags):
            raise ValueError("not the cells of its row")
        values = []
        for value, (_, tag) in zip(cells, tags, strict=True):
            if tag is datetime:
                value = parse(value)
                if value.utcoffset() is None:
                    raise ValueError("a time without an offset")
            elif tag is str:
                if type(value) is not str or not ID.fullmatch(value):
                    raise ValueError("not an id")
            elif tag is int:
                if type(value) is not int or not 1 <= value <= MAX_ROW_NUMBER:
                    raise ValueError("not a whole number of its field")
            elif value not in tag:
                raise ValueError("not one of the words of its field")
            values.append(value)
        found.append(row._make(values))
    return found


def _quick_rows(row: Any, items: list[Any], from_json: bool) -> list[Any] | None:
    """Rows of class `row` from tables that are all exactly as they should be (each field
    given and of its kind, as `_Checker.row_value` checks it), in one loop; None when any
    is not, for the checker to say what is wrong (or to give a row its id)."""
    tags = _row_tags(row)
    keys = set(row._fields)
    least, most = YEARS
    found = []
    for item in items:
        if type(item) is not dict or item.keys() != keys:
            return None
        values = []
        for name, tag in tags:
            value = item[name]
            if tag is datetime:
                if from_json and type(value) is str:
                    try:
                        value = datetime.fromisoformat(value)
                    except ValueError:
                        return None
                if (
                    not isinstance(value, datetime)
                    or value.utcoffset() is None
                    or not least <= value.year <= most
                ):
                    return None
            elif tag is str:
                if type(value) is not str or not ID.fullmatch(value) or len(value) > MAX_TEXT:
                    return None
            elif tag is int:
                if type(value) is not int or not 1 <= value <= MAX_ROW_NUMBER:
                    return None
            elif type(value) is not str or value not in tag:
                return None
            values.append(value)
        found.append(row._make(values))
    return found


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError("a time without an offset")
    return moment


def state_from_checked(data: dict[str, Any]) -> State:
    """A `State` from the data `to_cache` made of a checked state (what the cache holds), built
    without checking every value again; KeyError, TypeError or ValueError for other data.

    Only the ids are checked again, since they name files and index tables: the catalog's,
    the focus, the keys of the entries and the topics and track of a project."""
    values = {name: data[name] for name in HEAD_FIELDS}
    for name, row in HEAD_ROWS.items():
        values[name] = _checked_rows(row, values[name])
    for name, (least, most) in NUMBER_FIELDS[State].items():
        number = values[name]
        if number is not None and (type(number) not in (int, float) or not least <= number <= most):
            raise ValueError("not a number of its field")
    ids: list[Any] = [values["focus"], values["catalog"], *(g.track for g in values["goals"])]
    for name, cls in ENTRY_CLASSES.items():
        values[name] = {key: _checked_entry(cls, value) for key, value in data[name].items()}
        ids += values[name]
    for project in values["projects"].values():
        ids += [project.track, *project.topics]
    if not all(i is None or ID.fullmatch(i) for i in ids):
        raise ValueError("an id that is not one")
    return State(**values)


def row_to_json(row: Any) -> dict[str, Any]:
    return {k: json_time(v) if isinstance(v, datetime) else v for k, v in row._asdict().items()}


HEAD_ROWS: dict[str, type] = {
    f.name: _ROWS[str(f.type)] for f in fields(State) if str(f.type) in _ROWS
}


def head_to_json(name: str, value: Any) -> Any:
    """A top-level value as JSON-ready data (rows as tables, times as text)."""
    return [row_to_json(r) for r in value] if name in HEAD_ROWS else value


def _row_cells(row: Any) -> tuple[Any, ...]:
    """A row as the cache holds it: its values in field order, times as ISO text."""
    return tuple(json_time(v) if isinstance(v, datetime) else v for v in row)


def to_cache(state: State) -> dict[str, Any]:
    """A checked state as plain data for the cache (times as ISO text, rows as tuples of their
    values); `state_from_checked` reads it back."""
    data: dict[str, Any] = {name: getattr(state, name) for name in HEAD_FIELDS}
    for name in HEAD_ROWS:
        data[name] = [_row_cells(r) for r in data[name]]
    for name, cls in ENTRY_CLASSES.items():
        entries = {}
        rows = tuple(ROW_FIELDS[cls])
        for key, entry in getattr(state, name).items():
            entries[key] = to_json(entry, exclude=rows)  # rows once, as cells
            for field_name in rows:
                entries[key][field_name] = [_row_cells(r) for r in getattr(entry, field_name)]
        data[name] = entries
    return data


def entry_from(name: str, data: Any, from_json: bool = True) -> Entry:
    """One topic (`name` "topics") or project entry; Invalid (paths relative to the entry)."""
    check = _Checker(from_json)
    entry = check.entry(ENTRY_CLASSES[name], data, "")
    if entry is None:
        raise Invalid(check.problems)
    return entry


def head_value_from(name: str, value: Any, from_json: bool = True) -> Any:
    """One top-level value of the state (as a history record holds it, or the file), checked
    as its field is declared; Invalid when it does not fit."""
    (kind,) = [k for k in kinds(State) if k.name == name]
    check = _Checker(from_json=from_json)
    found = check.value({name: value}, kind, "")
    if check.problems:
        raise Invalid(check.problems)
    return found


def topic_from(data: Any) -> TopicProgress:
    entry = entry_from("topics", data)
    assert isinstance(entry, TopicProgress)
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
    rows = ROW_FIELDS[type(entry)]
    for name in TOPIC_FIELDS if isinstance(entry, TopicProgress) else PROJECT_FIELDS:
        value = getattr(entry, name)
        unset = value is None or (value == [] and name in rows)  # no rows: as no value
        if name in exclude or (exclude_none and unset):
            continue
        if isinstance(value, datetime):
            value = json_time(value)
        elif name in rows:
            value = [row_to_json(r) for r in value]
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
    for name, names in COLLECTIONS.items():
        tables = data.get(name)
        if isinstance(tables, dict):
            for item_id, table in tables.items():
                if isinstance(table, dict):
                    found += [f"{name}.{item_id}.{key}" for key in table if key not in names]
    return found


def changed_at(state: State, name: str) -> datetime | None:
    """When the top-level value `name` was last set (None: not since schema 4)."""
    return next((row.at for row in state.changed if row.key == name), None)


def set_changed(state: State, name: str, moment: datetime | None) -> None:
    """Record that the top-level value `name` was set at `moment` (None: forget when)."""
    rows = [row for row in state.changed if row.key != name]
    if moment is not None:
        rows.append(Changed(name, moment))
    order = {name: n for n, name in enumerate(LEARNER_FIELDS)}
    state.changed = sorted(rows, key=lambda row: (order.get(row.key, len(order)), row.key))


def scheduled_elsewhere(state: State) -> bool:
    """Whether the review dates in `state` came from other parameters than this version's
    (an older roadmap's, or parameters since changed): they are replayed from the reviews."""
    return state.scheduler != SCHEDULER and any(
        entry.due is not None for entry in state.topics.values()
    )
