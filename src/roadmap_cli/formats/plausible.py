"""Times that someone else's data may hold: none before 1970, none more than a day past this
machine's clock. The one check for an export and for what a git remote sends (it imports no
schema library, so that a sync does not pay for one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

from roadmap_cli.core.state import FUTURE_FIELDS, ROW_FIELDS, TIME_FIELDS, TopicProgress
from roadmap_cli.core.state import Project as StateProject

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How far past this machine's clock a time in an export may lie (another machine's clock may
# run ahead); anything later is refused, so that no entry or record can win every merge to come.
CLOCK_SLACK = timedelta(days=1)


def ahead(where: str, moment: datetime, now: datetime) -> str:
    return (
        f"{where}: {moment.isoformat()} is in the future, more than a day past this"
        f" machine's clock ({now:%Y-%m-%d %H:%M %Z}); check the clock of the machine"
        " that wrote it"
    )


def implausible_time(held: Any, history: Sequence[Any], now: datetime) -> str | None:
    """The first time of a progress state (`state.…`) or of history records (`history.…`)
    more than `CLOCK_SLACK` past `now`, or before 1970, as `where: what is wrong`; None if
    there is none. The same check for an export and for what a git remote sends: the state
    and records are an export's models or the progress file's own (their fields have the
    same names)."""
    latest = now + CLOCK_SLACK
    for name, cls in (("topics", TopicProgress), ("projects", StateProject)):
        names = sorted(TIME_FIELDS[cls] - FUTURE_FIELDS[cls])
        times_of = attrgetter(*names)
        entries: dict[str, Any] = getattr(held, name)
        every = [t for entry in entries.values() for t in times_of(entry) if t is not None]
        for item_id, entry in entries.items():
            for field_name in ROW_FIELDS[cls]:
                for m, one in enumerate(getattr(entry, field_name)):
                    if one.at > latest:
                        return ahead(f"state.{name}.{item_id}.{field_name}.{m}.at", one.at, now)
        if not every or max(every) <= latest:
            continue  # the common case, at C speed; else find which one it is
        for item_id, entry in entries.items():
            for field_name, moment in zip(names, times_of(entry), strict=True):
                if moment is not None and moment > latest:
                    return ahead(f"state.{name}.{item_id}.{field_name}", moment, now)
    times = (TIME_FIELDS[StateProject] | TIME_FIELDS[TopicProgress]) - FUTURE_FIELDS[TopicProgress]
    for n, record in enumerate(history):
        if record.time > latest:
            return ahead(f"history.{n}.time (record {record.id})", record.time, now)
        if record.time < EPOCH:
            where = f"history.{n}.time (record {record.id})"
            return f"{where}: {record.time.isoformat()} is before 1970"
        for c, change in enumerate(record.changes):
            for side, value in (("old", change.old), ("new", change.new)):
                for name, text in value.items() if isinstance(value, dict) else ():
                    if name not in times or type(text) is not str:
                        continue
                    try:
                        moment = datetime.fromisoformat(text)
                    except ValueError:
                        continue  # not a time: to_side refuses it where it matters
                    if moment.utcoffset() is None:
                        continue
                    where = f"history.{n}.changes.{c}.{side}.{name}"
                    if moment > latest:
                        return ahead(where, moment, now)
                    if moment < EPOCH:
                        return f"{where}: {moment.isoformat()} is before 1970"
    return None
