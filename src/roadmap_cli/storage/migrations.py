"""Older progress files are brought up to the current schema one small step at a time.

Each step takes the data of schema N and returns the data of schema N+1. Steps never drop a
key they do not know. `Store` keeps a copy of the file as `<name>.bak-v<N>` before it first
writes a migrated file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roadmap_cli.core.state import SCHEMA_VERSION

Data = dict[str, Any]
Step = Callable[[Data, "str | None"], Data]


def _v1_to_v2(data: Data, catalog_id: str | None) -> Data:
    """Schema 2 records which catalog the progress follows. A schema 1 file was written for
    the catalog in use when it is first read again, so that one is recorded."""
    migrated = {**data, "schema_version": 2}
    if catalog_id is not None:
        migrated.setdefault("catalog", catalog_id)
    return migrated


def _v2_to_v3(data: Data, catalog_id: str | None) -> Data:
    """Schema 3 schedules done topics for spaced review (docs/review.md): each done topic gets
    the due date and stability that FSRS gives its finish, as if `roadmap done` ran today.
    A table that does not read as a done topic is left for the check that follows."""
    from datetime import datetime

    from roadmap_cli.core import review
    from roadmap_cli.core.state import DEFAULT_RETENTION, TopicProgress

    topics = data.get("topics")
    if not isinstance(topics, dict):
        return {**data, "schema_version": 3}
    scheduled = {}
    for topic_id, table in topics.items():
        finished = table.get("finished") if isinstance(table, dict) else None
        if (
            isinstance(table, dict)
            and table.get("status") == "done"
            and isinstance(finished, datetime)
            and finished.utcoffset() is not None
            and "due" not in table
        ):
            entry = TopicProgress(status="done", finished=finished, updated=finished)
            review.reschedule(topic_id, entry, DEFAULT_RETENTION)
            table = {**table, "due": entry.due, "stability": entry.stability}
        scheduled[topic_id] = table
    return {**data, "schema_version": 3, "topics": scheduled}


def _v3_to_v4(data: Data, catalog_id: str | None) -> Data:
    """Schema 4 gives every review and every session of time spent an id of its own, so that
    two rows alike are two and one row that arrives twice (a sync, an import) is one. A row of
    an older file gets the id `core.state.derived_row_id` derives from its values and its
    place among the rows alike in its list, when the file is read: the same ids on every
    machine that reads the same rows. The step itself only says the file is of schema 4."""
    return {**data, "schema_version": 4}


STEPS: dict[int, Step] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def migrate(data: Data, catalog_id: str | None) -> Data:
    """`data` of any older schema, as data of the current one."""
    version = data["schema_version"]
    while version < SCHEMA_VERSION:
        data = STEPS[version](data, catalog_id)
        version = data["schema_version"]
    return data
