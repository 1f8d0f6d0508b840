"""The records of the change history: what one command changed, key by key.

A `Record` holds one `FieldChange` per key of the state it changed (`focus`, `topics.<id>`,
`projects.<id>`), with the value before and after as JSON-ready data, so that `undo` can put
the old values back and `log` can say what happened. `storage.history_file` keeps them in a
file beside the progress file, one JSON line each.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from roadmap_cli.core.state import (
    LEARNER_FIELDS,
    TIME_FIELDS,
    State,
    head_to_json,
    set_changed,
    to_json,
)


class FieldChange(NamedTuple):
    """One key of the state before and after: `topics.<id>` (an entry or None) or `focus`."""

    key: str
    old: Any
    new: Any


class Record(NamedTuple):
    id: str
    time: datetime
    command: str
    changes: tuple[FieldChange, ...]
    undoes: str | None = None
    barrier: bool = False  # undo stops here (a repair replaced the whole file)
    # The record of an import, at this machine's time of it: undo may revert it but never
    # walks past it.
    imported: bool = False
    # A record that arrived in an import, from the history in the export: kept so that later
    # merges know it, but never this learner's own change here. It is no deletion and no focus
    # change in a later merge (the import's own record holds what it changed, at this
    # machine's time), no undo barrier, and never undone (its times and flags are someone
    # else's word).
    foreign: bool = False
    # The machine that made the change (`Machine.id`, kept in that machine's data folder and
    # never synced); None in records written before machines were told apart.
    machine: str | None = None
    # Of a repair: the name of the file it moved aside (beside the progress file), which
    # `undo` puts back byte for byte.
    kept_as: str | None = None
    # Of a repair: each value it could not keep, as `doctor --repair` said it (the first
    # sync after it shows them before it sends the repaired file on).
    dropped: tuple[str, ...] = ()

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "id": self.id,
            "time": self.time.isoformat(),
            "command": self.command,
            "changes": [{"key": c.key, "old": c.old, "new": c.new} for c in self.changes],
        }
        if self.undoes:
            data["undoes"] = self.undoes
        if self.barrier:
            data["barrier"] = True
        if self.imported:
            data["imported"] = True
        if self.foreign:
            data["foreign"] = True
        if self.machine:
            data["machine"] = self.machine
        if self.kept_as:
            data["kept_as"] = self.kept_as
        if self.dropped:
            data["dropped"] = list(self.dropped)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> Record:
        """A record from its line; ValueError for anything that is not one."""
        data = json.loads(line)
        if not isinstance(data, dict) or not isinstance(data.get("changes"), list):
            raise ValueError("not a record")
        changes = []
        for item in data["changes"]:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise ValueError("not a change")
            kind = str | float | list | None if item["key"] in LEARNER_FIELDS else dict | None
            values = (item.get("old"), item.get("new"))
            if not all(isinstance(v, kind) and not isinstance(v, bool) for v in values):
                raise ValueError("not a value of its key")
            changes.append(FieldChange(item["key"], item.get("old"), item.get("new")))
        time = datetime.fromisoformat(str(data["time"]))
        if time.utcoffset() is None:
            raise ValueError("a time without a time zone")
        undoes = data.get("undoes")
        machine = data.get("machine")
        kept_as = data.get("kept_as")
        dropped = data.get("dropped")
        if not isinstance(dropped, list | None) or not all(
            isinstance(d, str) for d in dropped or ()
        ):
            raise ValueError("not a list of texts")
        return cls(
            id=str(data["id"]),
            time=time,
            command=str(data["command"]),
            changes=tuple(changes),
            undoes=str(undoes) if undoes else None,
            barrier=data.get("barrier") is True,
            imported=data.get("imported") is True,
            foreign=data.get("foreign") is True,
            machine=str(machine) if machine else None,
            kept_as=str(kept_as) if kept_as else None,
            dropped=tuple(dropped or ()),
        )


class Machine(NamedTuple):
    """This machine, as its records name it: an id of its own, and when it was first given
    one. A record without a machine is this machine's when it is older than that (it was
    written here, or synced here, before machines were told apart)."""

    id: str
    since: datetime

    def made(self, record: Record) -> bool:
        """Whether `record` is a change made on this machine (not one that arrived)."""
        if record.foreign:
            return False
        if record.machine is None:
            return record.time < self.since
        return record.machine == self.id


class Undone(NamedTuple):
    """What `undo` did: the record it took back, and how much of it."""

    record: Record  # the change that was reverted
    reverted: tuple[FieldChange, ...]  # as applied now (old and new as they were in the record)
    left: tuple[str, ...]  # keys changed again since, and so left as they are
    restored: str | None = None  # of a repair: the file put back, as it was before it


@dataclass
class History:
    records: list[Record] = field(default_factory=list)
    bad_lines: int = 0  # lines that did not parse (a write cut short by a crash, a hand edit)
    repeated: int = 0  # lines of a record already read (a union of two files' lines)


def snapshot(state: State) -> dict[str, Any]:
    """Every key of the state that history tracks, as JSON-ready values."""
    values: dict[str, Any] = {
        name: head_to_json(name, getattr(state, name)) for name in LEARNER_FIELDS
    }
    for topic_id, entry in state.topics.items():
        values[f"topics.{topic_id}"] = to_json(entry, exclude_none=True)
    for project_id, project in state.projects.items():
        values[f"projects.{project_id}"] = to_json(project, exclude_none=True)
    return values


def diff(before: State, after: State) -> tuple[FieldChange, ...]:
    """The keys whose JSON values differ, `focus` first (as `snapshot` would compare them:
    only entries that are not equal are turned into JSON)."""
    changes = [
        FieldChange(
            name,
            head_to_json(name, getattr(before, name)),
            head_to_json(name, getattr(after, name)),
        )
        for name in LEARNER_FIELDS
        if getattr(before, name) != getattr(after, name)
    ]
    for name in ("projects", "topics"):  # the order of their keys: projects.* < topics.*
        old_items: dict[str, Any] = getattr(before, name)
        new_items: dict[str, Any] = getattr(after, name)
        for key in sorted(set(old_items) | set(new_items)):
            old_entry, new_entry = old_items.get(key), new_items.get(key)
            if old_entry == new_entry and _same_offsets(old_entry, new_entry):
                continue
            old = None if old_entry is None else to_json(old_entry, exclude_none=True)
            new = None if new_entry is None else to_json(new_entry, exclude_none=True)
            if old != new:
                changes.append(FieldChange(f"{name}.{key}", old, new))
    return tuple(changes)


def _same_offsets(a: Any, b: Any) -> bool:
    """Equal times in different time zones are equal datetimes but not equal JSON."""
    if a is None or b is None:
        return a is b
    return all(
        getattr(a, f).utcoffset() == getattr(b, f).utcoffset()
        for f in TIME_FIELDS[type(a)]
        if isinstance(getattr(a, f, None), datetime)
    )


def stamp(state: State, changes: Iterable[FieldChange], moment: datetime) -> None:
    """Note in `state` when each top-level value that `changes` set was set: `moment`."""
    for change in changes:
        if change.key in LEARNER_FIELDS:
            set_changed(state, change.key, moment)


def new_record(
    command: str,
    changes: Iterable[FieldChange],
    moment: datetime,
    undoes: str | None = None,
    barrier: bool = False,
    imported: bool = False,
    machine: str | None = None,
    kept_as: str | None = None,
    dropped: tuple[str, ...] = (),
) -> Record:
    # The microseconds of the clock order the records of one second (times are kept to the
    # second), so that sorting by (time, id), as a merge does, keeps the order they were made.
    stamp = moment.astimezone().strftime("%Y%m%dT%H%M%S")
    tick = datetime.now().microsecond
    record_id = f"{stamp}.{tick:06d}-{os.urandom(4).hex()}"  # as secrets.token_hex(4) makes it
    return Record(
        record_id,
        moment,
        command,
        tuple(changes),
        undoes,
        barrier,
        imported,
        machine=machine,
        kept_as=kept_as,
        dropped=dropped,
    )


def undoable(history: History, machine: Machine | None = None) -> Record | None:
    """The newest record of the learner's own that neither undoes another nor was undone
    itself; None when there is none, or when a barrier (a repair) comes first. Records that
    arrived in an import are passed over: they are another history's, and the import's own
    record holds what it changed here. With `machine`, only the changes made on that machine
    count: a change that arrived from another one (through a sync) is neither undone here
    nor a barrier, and cannot mark one of ours as undone."""
    undone: set[str] = set()
    for record in history.records[::-1]:
        if record.foreign or (machine is not None and not machine.made(record)):
            continue
        if record.barrier:  # a repair that kept the file it replaced may be undone, once
            return record if record.kept_as and record.id not in undone else None
        if record.undoes:
            undone.add(record.undoes)
        elif record.id not in undone:
            return record
    return None


def summary(commands: list[str], width: int = 72) -> str:
    """A commit subject: the commands, as many as fit, and how many more."""
    subject = ""
    for n, command in enumerate(commands):
        more = f", and {len(commands) - n} more"
        candidate = f"{subject}, {command}" if subject else command
        if len(candidate) + (len(more) if n < len(commands) - 1 else 0) > width and subject:
            return subject + more
        subject = candidate
    return subject[: width - 1] + "…" if len(subject) > width else subject
