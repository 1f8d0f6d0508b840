"""The portable progress format (`roadmap export --format json`): its models, the check of an
export's bytes, and what an export holds as state and history (`core.merge` merges them).

The JSON Schema in docs/export-format.schema.json is generated from `Export` by
`python -m roadmap_cli.formats.export_schema`; a test fails when it is stale.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
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
from roadmap_cli.core.state import LEARNER_FIELDS, STATUSES, State, TopicProgress, kinds
from roadmap_cli.core.state import Project as StateProject

EXPORT_FORMAT_NAME = "ai-roadmap-export"
VERSION = 1


class _Model(BaseModel):
    # strict: a number is not a time and `true` is not a version; JSON's ISO strings still are
    model_config = ConfigDict(extra="forbid", strict=True)


def _plausible(moment: datetime) -> datetime:
    if not 1970 <= moment.year <= 2200:
        raise ValueError(f"{moment.isoformat()} is not a plausible time")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


TopicId = Annotated[str, StringConstraints(pattern=KEBAB)]


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
            annotation = str
        elif k.kind == "time":
            annotation = Moment
        elif k.kind == "ids":
            annotation = list[TopicId]
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
    key: str = Field(description="`focus`, `topics.<id>` or `projects.<id>`")
    old: dict[str, Any] | str | None = None
    new: dict[str, Any] | str | None = None


class ExportedRecord(_Model):
    id: str
    time: Moment
    command: str
    changes: list[ExportedChange]
    undoes: str | None = None
    barrier: bool = False
    imported: bool = False


class ExportedCatalog(_Model):
    id: str
    title: str
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
    learner: str = Field(description="a display name, never an e-mail address")
    catalog: ExportedCatalog
    state: ExportedState  # type: ignore[valid-type]
    history: list[ExportedRecord] = []
    summary: Summary


def schema() -> dict[str, Any]:
    document = Export.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return document


def parse(raw: bytes, path: object, *, check_history: bool = True) -> Export:
    """The bytes of an export file (`path` names it in messages), validated; RoadmapError
    (exit 1) says why they cannot be used."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RoadmapError(f"{path} is not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT_NAME:
        raise RoadmapError(f'{path} is not a roadmap export (no "format": "{EXPORT_FORMAT_NAME}")')
    version = data.get("version")
    if isinstance(version, int) and version > VERSION:
        raise RoadmapError(
            f"{path} was exported by a newer roadmap (format version {version}; this one reads"
            f" {VERSION}); upgrade roadmap to import it"
        )
    try:
        export = Export.model_validate_json(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in err["loc"]) or "top level"
        raise RoadmapError(f"{path} is not a valid export: {where}: {err['msg']}") from None
    if check_history:
        try:
            to_side(export)  # the history's changes must make sense for their keys, too
        except ValueError as exc:
            raise RoadmapError(f"{path} is not a valid export: history: {exc}") from None
    if export.version != VERSION:
        raise RoadmapError(
            f"{path} has format version {export.version}; this roadmap reads {VERSION}"
        )
    return export


def to_side(export: Export) -> Side:
    """The state and history an export holds, ready to merge or restore."""
    from roadmap_cli.core.records import Record

    records = tuple(Record.from_json(record.model_dump_json()) for record in export.history)
    return Side(state_of(export), records)


def state_of(export: Export) -> State:
    """The progress an export holds, as a `State` of this catalog."""
    from roadmap_cli.core.state import project_from, topic_from

    exported_state: Any = export.state  # models made from core.state's declaration
    exported_topics: dict[str, Any] = exported_state.topics
    exported_projects: dict[str, Any] = exported_state.projects
    topics = {
        topic_id: topic_from(
            {
                **json.loads(entry.model_dump_json()),
                "status": None if entry.status == "pending" else entry.status,
            }
        )
        for topic_id, entry in exported_topics.items()
    }
    return State(
        catalog=export.catalog.id,
        **{name: getattr(exported_state, name) for name in LEARNER_FIELDS},
        topics=topics,
        projects={
            project_id: project_from(json.loads(project.model_dump_json()))
            for project_id, project in exported_projects.items()
        },
    )


# python -m roadmap_cli.formats.export_schema > docs/export-format.schema.json
if __name__ == "__main__":
    sys.stdout.write(json.dumps(schema(), indent=2, sort_keys=True) + "\n")
