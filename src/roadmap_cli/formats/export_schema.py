"""The portable progress format (`roadmap export --format json`): its models, the check of an
export's bytes, and what an export holds as state and history (`core.merge` merges them).

The JSON Schema in docs/export-format.schema.json is generated from `Export` by
`python -m roadmap_cli.formats.export_schema`; a test fails when it is stale.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from typing import Annotated, Any, Literal, Optional

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)

from roadmap_cli.core.catalog import KEBAB
from roadmap_cli.core.errors import RoadmapError
from roadmap_cli.core.merge import Side
from roadmap_cli.core.sanitize import MAX_NAME, MAX_TEXT
from roadmap_cli.core.state import (
    CARRIED_FIELDS,
    HEAD_ROWS,
    ID,
    LEARNER_FIELDS,
    MAX_ROW_NUMBER,
    ROW_CLASSES,
    ROW_ID,
    STATUSES,
    YEARS,
    State,
    TopicProgress,
    kinds,
    row_kinds,
)
from roadmap_cli.core.state import Project as StateProject
from roadmap_cli.formats.plausible import CLOCK_SLACK, EPOCH, ahead, implausible_time
from roadmap_cli.formats.toml_text import depth_at_most

EXPORT_FORMAT_NAME = "ai-roadmap-export"
VERSION = 1


class _Model(BaseModel):
    # strict: a number is not a time and `true` is not a version; JSON's ISO strings still are
    model_config = ConfigDict(extra="forbid", strict=True)


def _plausible(moment: datetime) -> datetime:
    if moment < EPOCH:
        raise ValueError(f"{moment.isoformat()} is before 1970")
    if moment.year > YEARS[1]:
        raise ValueError(f"{moment.isoformat()} is not a plausible time")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


TopicId = Annotated[str, StringConstraints(pattern=KEBAB)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


@dataclass(frozen=True)
class Limits:
    """What an export from someone else may hold at most, beyond its size in bytes (which the
    reader checks before parsing; see docs/security.md)."""

    entries: int  # topic entries and listed topics: as many as the catalog has ids (aliases too)
    projects: int = 1_000
    records: int = 50_000  # history records (a history file is trimmed at about 10,000)
    depth: int = 16  # nested arrays and objects; an export itself needs 7


# Where an export's form leaves nesting free, and how deep those places already lie: the
# values of a history record's changes (`history[n].changes[m].old`) and a project's keys
# that a newer roadmap may add. Everywhere else the models fix the form, and a value nested
# where it should not be is refused by them.
_ABOVE_CHANGE_VALUE = 5  # the export, history, a record, its changes, a change
_ABOVE_PROJECT = 3  # the export, its state, the projects


def _nesting_at_most(data: dict[str, Any], limit: int) -> bool:
    """Whether the export nests no deeper than `limit` levels, looking only where its form
    lets values nest (fast enough for 2,000 exports: see benchmarks/guards.py)."""
    history = data.get("history")
    records = history if type(history) is list else ()
    changes = [
        change
        for record in records
        if type(record) is dict and type(record.get("changes")) is list
        for change in record["changes"]
        if type(change) is dict
    ]
    # All change values side by side, in one list at the level of the change that holds them.
    values = [
        value
        for change in changes
        for value in (change.get("old"), change.get("new"))
        if type(value) is dict or type(value) is list
    ]
    if not depth_at_most(values, limit - _ABOVE_CHANGE_VALUE + 1):
        return False
    state = data.get("state")
    projects = state.get("projects") if type(state) is dict else None
    found = list(projects.values()) if type(projects) is dict else []  # one list, as above
    return depth_at_most(found, limit - _ABOVE_PROJECT + 1)


def _too_many(data: dict[str, Any], limits: Limits) -> str | None:
    """The first part of an export that holds more than `limits` allow, as a message."""
    state = data.get("state")
    catalog = data.get("catalog")
    history = data.get("history")
    counts = (
        ("state.topics", state.get("topics") if isinstance(state, dict) else None, limits.entries),
        (
            "catalog.topics",
            catalog.get("topics") if isinstance(catalog, dict) else None,
            limits.entries,
        ),
        (
            "state.projects",
            state.get("projects") if isinstance(state, dict) else None,
            limits.projects,
        ),
        ("history", history, limits.records),
    )
    for where, items, most in counts:
        if isinstance(items, dict | list) and len(items) > most:
            return f"{where} holds {len(items)} entries, more than the {most} allowed"
    return None


def _row_model(row: type) -> type[BaseModel]:
    """The export model of a row class of `core.state` (a review, time spent), field by field."""
    spec: dict[str, Any] = {}
    for name, kind in row_kinds(row).items():
        if kind is datetime:
            spec[name] = (Moment, ...)
        elif kind is int:
            spec[name] = (Annotated[int, Field(ge=1, le=MAX_ROW_NUMBER)], ...)
        elif name == ROW_ID:  # an export from before rows had ids: derived on import
            spec[name] = (Optional[TopicId], None)  # noqa: UP045  (built at run time)
        else:
            spec[name] = (kind, ...)
    config = ConfigDict(extra="forbid", strict=True)
    model: type[BaseModel] = create_model(
        f"Exported{row.__name__}", __config__=config, __doc__=row.__doc__, **spec
    )
    return model


ROW_MODELS = {row: _row_model(row) for row in ROW_CLASSES}


def _entry_model(
    cls: type, name: str, extra: Literal["forbid", "ignore"], **overrides: Any
) -> type[BaseModel]:
    """The export model of an entry class of `core.state`, field by field from its declaration
    (`kinds`): a field added there is exported, checked and imported with no change here."""
    spec: dict[str, Any] = {}
    for k in kinds(cls):
        annotation: Any
        if k.kind in ("entries", "int"):
            continue  # given in `overrides`
        if k.kind == "text":
            annotation = Text
        elif k.kind == "time":
            annotation = Moment
        elif k.kind == "ids":
            annotation = list[TopicId]
        elif k.kind == "number":
            assert k.range is not None
            least, most = k.range
            annotation = Annotated[float, Field(ge=least, le=most, allow_inf_nan=False)]
        elif k.kind == "rows":
            assert k.row is not None
            annotation = list.__class_getitem__(ROW_MODELS[k.row])
        else:
            annotation = Literal[k.choices]
        if k.optional:
            annotation = Optional[annotation]  # noqa: UP045  (built at run time)
        spec[k.name] = (annotation, ... if k.required else k.default)
    spec.update(overrides)
    spec = {name: value for name, value in spec.items() if value is not None}
    config = ConfigDict(extra=extra, strict=True)
    model: type[BaseModel] = create_model(name, __config__=config, __doc__=cls.__doc__, **spec)
    return model


# A project as exported: every field of `core.state.Project`; keys a newer roadmap adds are
# ignored on import.
Project = _entry_model(StateProject, "Project", "ignore")
# A topic as exported: every field of `core.state.TopicProgress`, and a pending topic says so
# (`"pending"` where the progress file has no status).
ExportedTopic = _entry_model(
    TopicProgress, "ExportedTopic", "forbid", status=(Literal[STATUSES], ...)
)


class ExportedChange(_Model):
    key: Annotated[str, StringConstraints(max_length=200)] = Field(
        description="`focus`, `topics.<id>` or `projects.<id>`"
    )
    old: dict[str, Any] | list[dict[str, Any]] | str | float | None = None
    new: dict[str, Any] | list[dict[str, Any]] | str | float | None = None


class ExportedRecord(_Model):
    id: Annotated[str, StringConstraints(max_length=100)]
    time: Moment
    command: Annotated[str, StringConstraints(max_length=1_000)]
    changes: list[ExportedChange]
    undoes: str | None = None
    barrier: bool = False
    imported: bool = False
    foreign: bool = False
    machine: Annotated[str, StringConstraints(max_length=100)] | None = None
    kept_as: Annotated[str, StringConstraints(max_length=200)] | None = None
    dropped: list[Annotated[str, StringConstraints(max_length=MAX_TEXT)]] = []


class ExportedCatalog(_Model):
    id: Annotated[str, StringConstraints(pattern=KEBAB, max_length=100)]
    title: Annotated[str, StringConstraints(max_length=MAX_TEXT)]
    tracks: list[str] = Field(description="the tracks this export covers")
    topics: list[str] = Field(description="the topic ids of those tracks")


# The state as exported: the file's schema version, the learner's top-level fields of
# `core.state.State` (made from its declaration, as the entries are) and the entries.
ExportedState = _entry_model(
    State,
    "ExportedState",
    "forbid",
    schema_version=(int, ...),
    catalog=None,  # the export says which catalog in its own `catalog`
    scheduler=None,  # the schedule is the importing program's own, replayed from the reviews
    topics=(dict[TopicId, ExportedTopic], {}),  # type: ignore[valid-type]
    projects=(dict[TopicId, Project], {}),  # type: ignore[valid-type]
)


class TrackSummary(_Model):
    id: str
    title: str
    focus: bool
    total: int
    done: int
    skipped: int
    in_progress: int
    cleared: int
    percent: int


class Summary(_Model):
    tracks: list[TrackSummary]


class Export(_Model):
    """One learner's progress, as `roadmap export --format json` writes it."""

    format: Literal["ai-roadmap-export"]
    version: int = Field(description=f"the format version; this roadmap writes {VERSION}")
    exported_at: Moment
    learner: Annotated[str, StringConstraints(max_length=MAX_NAME)] = Field(
        description="a display name, never an e-mail address"
    )
    catalog: ExportedCatalog
    state: ExportedState  # type: ignore[valid-type]
    history: list[ExportedRecord] = []
    summary: Summary


def schema() -> dict[str, Any]:
    document = Export.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return document


def parse(
    raw: bytes, path: object, limits: Limits, now: datetime, *, for_merge: bool = True
) -> Export:
    """The bytes of an export file (`path` names it in messages), validated; RoadmapError
    (exit 1) says why they cannot be used. The bytes came from someone else: they are held to
    `limits` before the models see them. `for_merge`: the export will be merged or restored,
    so its history must make sense, and no time in it may lie before 1970 or more than
    `CLOCK_SLACK` past `now` (this machine's clock); a cohort report reads neither (it shows
    the last activity no later than now)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise RoadmapError(f"{path} is not a valid export: it is nested too deeply") from None
    except MemoryError:
        raise RoadmapError(f"{path} is not a valid export: it is too large to read") from None
    except json.JSONDecodeError as exc:  # where, in words; not the json module's own
        raise RoadmapError(
            f"{path} is not JSON (it stops making sense at line {exc.lineno}, column"
            f" {exc.colno}); give a file made by 'roadmap export --format json'"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise RoadmapError(f"{path} is not JSON text (not UTF-8)") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT_NAME:
        raise RoadmapError(f'{path} is not a roadmap export (no "format": "{EXPORT_FORMAT_NAME}")')
    version = data.get("version")
    if isinstance(version, int) and version > VERSION:
        raise RoadmapError(
            f"{path} was exported by a newer roadmap (format version {version}; this one reads"
            f" {VERSION}); upgrade roadmap to import it"
        )
    if not _nesting_at_most(data, limits.depth):
        raise RoadmapError(
            f"{path} is not a valid export: it is nested deeper than {limits.depth} levels"
        )
    too_many = _too_many(data, limits)
    if too_many:
        raise RoadmapError(f"{path} is not a valid export: {too_many}")
    del data
    try:
        export = Export.model_validate_json(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in err["loc"]) or "top level"
        raise RoadmapError(f"{path} is not a valid export: {where}: {err['msg']}") from None
    late = _implausible_time(export, now) if for_merge else None
    if late:
        raise RoadmapError(f"{path} is not a valid export: {late}")
    if for_merge:
        from roadmap_cli.core.records import Record

        try:  # the history's changes must make sense for their keys, too
            for record in export.history:
                Record.from_json(record.model_dump_json())
        except ValueError as exc:
            raise RoadmapError(f"{path} is not a valid export: history: {exc}") from None
        wrong = _wrong_value(export)
        if wrong:
            raise RoadmapError(f"{path} is not a valid export: {wrong}")
    focus: Any = export.state.focus  # type: ignore[attr-defined]
    if focus is not None and not ID.fullmatch(focus):
        raise RoadmapError(f"{path} is not a valid export: state.focus: not a track id")
    if export.version != VERSION:
        raise RoadmapError(
            f"{path} has format version {export.version}; this roadmap reads {VERSION}"
        )
    return export


def _wrong_value(export: Export) -> str | None:
    """The first value in the history's changes that its key does not allow, as `where: what`;
    None when every one fits (as strictly as the progress file's own values, texts no longer
    than a note)."""
    from roadmap_cli.core.state import Invalid, entry_from, head_value_from

    for n, record in enumerate(export.history):
        for c, change in enumerate(record.changes):
            name, _, item_id = change.key.partition(".")
            for side, value in (("old", change.old), ("new", change.new)):
                where = f"history.{n}.changes.{c}.{side}"
                try:
                    if name in LEARNER_FIELDS and not item_id:
                        head_value_from(name, value)
                        if isinstance(value, str) and not ID.fullmatch(value):
                            return f"{where}: not an id"
                    elif name in ("topics", "projects") and ID.fullmatch(item_id):
                        if value is not None:
                            entry_from(name, value)
                    else:
                        return f"history.{n}.changes.{c}.key: {change.key!r} is no key of progress"
                except Invalid as exc:
                    return f"{where}: {exc}"
                texts = value.values() if isinstance(value, dict) else [value]
                if any(isinstance(t, str) and len(t) > MAX_TEXT for t in texts):
                    return f"{where}: a text longer than {MAX_TEXT:,} characters"
    return None


def _implausible_time(export: Export, now: datetime) -> str | None:
    """The first time in the export more than `CLOCK_SLACK` past `now` (or, in a history
    record's values, before 1970; elsewhere the models refuse those), as `where: what is
    wrong`; None if there is none."""
    if export.exported_at > now + CLOCK_SLACK:
        return ahead("exported_at", export.exported_at, now)
    return implausible_time(export.state, export.history, now)


def to_side(export: Export) -> Side:
    """The state and history an export holds, ready to merge or restore. Its review dates
    are the export's word: a merge (or a restore) replays them as this program's."""
    from roadmap_cli.core.records import Record

    records = tuple(Record.from_json(record.model_dump_json()) for record in export.history)
    return Side(state_of(export), records)


def state_of(export: Export, rows: bool = True) -> State:
    """The progress an export holds, as a `State` of this catalog, made from the models as
    they were checked (the models are the progress file's own types: `_entry_model`).
    Without `rows`, the entries' reviews and time spent are left out (a cohort report
    reads none of them)."""
    from roadmap_cli.core.state import ROW_FIELDS, TIME_FIELDS

    exported: Any = export.state  # models made from core.state's declaration
    zones: dict[Any, Any] = {}

    def time(moment: Any) -> Any:  # pydantic's own tzinfo, as the file's reader has it
        if moment is None:
            return None
        offset = moment.utcoffset()
        zone = zones.get(offset) or zones.setdefault(offset, timezone(offset) if offset else UTC)
        return moment.replace(tzinfo=zone)

    def entry(cls: type, model: Any, **given: Any) -> Any:
        values: dict[str, Any] = {}
        for k in kinds(cls):
            value = getattr(model, k.name)
            if k.name in ROW_FIELDS[cls]:
                value = _rows(k.row, value) if rows else []
            elif k.name in TIME_FIELDS[cls]:
                value = time(value)
            elif isinstance(value, list):
                value = list(value)
            values[k.name] = value
        return cls(**{**values, **given})

    topics = {
        topic_id: entry(
            TopicProgress, model, status=None if model.status == "pending" else model.status
        )
        for topic_id, model in exported.topics.items()
    }
    head = {name: getattr(exported, name) for name in CARRIED_FIELDS}
    for name, row in HEAD_ROWS.items():
        head[name] = _rows(row, head[name] or [])
    return State(
        catalog=export.catalog.id,
        **head,
        topics=topics,
        projects={key: entry(StateProject, model) for key, model in exported.projects.items()},
    )


def _rows(row: Any, models: list[Any]) -> list[Any]:
    """Rows of class `row` from their checked models; a row without an id (an export from
    before row ids) gets the one `core.state.derived_row_id` gives it, as a file's has."""
    from operator import attrgetter

    from roadmap_cli.core.state import derived_row_id

    names = row._fields
    cells = attrgetter(*names)
    at_id = names.index(ROW_ID) if ROW_ID in names else None
    found = []
    alike: dict[str, int] = {}
    for model in models:  # (times keep pydantic's time zones: the same moments and offsets)
        values = list(cells(model))
        if at_id is not None and values[at_id] is None:
            values[at_id] = derived_row_id(dict(zip(names, values, strict=True)), alike)
        found.append(row._make(values))
    return found


# python -m roadmap_cli.formats.export_schema > docs/export-format.schema.json
if __name__ == "__main__":
    sys.stdout.write(json.dumps(schema(), indent=2, sort_keys=True) + "\n")
