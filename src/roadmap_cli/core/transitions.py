"""What each write command does to the state, one topic at a time.

Each function changes `state` in place and returns the line to show the user, or None when
the topic was already where the command would put it (the caller then says "already ...").
They are pure apart from that: `Store.update` may run them twice (a dry run, then for real).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from roadmap_cli.core.errors import UsageError
from roadmap_cli.core.state import State, Status, TopicProgress

EARLIEST_DAY = date(1970, 1, 1)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str) -> date:
    """A `--date` value: strictly YYYY-MM-DD, not in the future, not before 1970."""
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"invalid date '{text}': use YYYY-MM-DD, e.g. 2026-03-31") from None
    if day > date.today():
        raise UsageError(f"date {text} is in the future; give the day you finished")
    if day < EARLIEST_DAY:
        raise UsageError(f"date {text} is before {EARLIEST_DAY}; give the day you finished")
    return day


def finished_at(day: date | None, moment: datetime) -> datetime:
    """When a topic finished: now, or noon local time on an earlier `day` (noon keeps the
    date the same in any nearby time zone, and the offset is that day's, DST included)."""
    if day is None or day == moment.date():
        return moment
    return datetime.combine(day, time(12)).astimezone()


def _entry(state: State, topic_id: str, moment: datetime) -> TopicProgress:
    entry = state.topics.get(topic_id)
    if entry is None:
        entry = state.topics[topic_id] = TopicProgress(updated=moment)
    return entry


def _moved(before: str, after: str) -> str:
    return f"{before} → {after}"


def _open_status(state: State, topic_id: str, moment: datetime, status: Status) -> str | None:
    """Set a status that has no finish time (in progress, skipped)."""
    before = state.status_of(topic_id)
    if before == status:
        return None
    entry = _entry(state, topic_id, moment)
    entry.status, entry.finished, entry.updated = status, None, moment
    if status == "in-progress":
        entry.started = entry.started or moment
    return _moved(before, status)


def start(state: State, topic_id: str, moment: datetime) -> str | None:
    return _open_status(state, topic_id, moment, "in-progress")


def finish(
    state: State,
    topic_id: str,
    moment: datetime,
    *,
    day: date | None = None,
    note: str | None = None,
) -> str | None:
    """Mark done; `day` back-dates the finish, `note` (already cleaned) replaces the note."""
    before = state.status_of(topic_id)
    entry = state.topics.get(topic_id)
    if (
        before == "done"
        and entry is not None
        and (note is None or entry.note == note)
        and (day is None or (entry.finished is not None and entry.finished.date() == day))
    ):
        return None
    entry = _entry(state, topic_id, moment)
    if before != "done" or day is not None:
        entry.finished = finished_at(day, moment)
    entry.status, entry.updated = "done", moment
    if entry.started is None or (entry.finished and entry.started > entry.finished):
        entry.started = entry.finished
    if note is not None:
        entry.note = note
    return _moved(before, "done") if before != "done" else "done (updated)"


def skip(state: State, topic_id: str, moment: datetime) -> str | None:
    return _open_status(state, topic_id, moment, "skipped")


def reset(state: State, topic_id: str, moment: datetime) -> str | None:
    """Back to pending. The note is the learner's own text, so it is kept."""
    before = state.status_of(topic_id)
    entry = state.topics.get(topic_id)
    if entry is None or entry.status is None:
        return None
    if entry.note:
        state.topics[topic_id] = TopicProgress(note=entry.note, updated=moment)
        return _moved(before, "pending") + " (note kept)"
    del state.topics[topic_id]
    return _moved(before, "pending")


def set_note(state: State, topic_id: str, moment: datetime, note: str | None) -> str:
    """Replace the note (already cleaned); None removes it."""
    entry = state.topics.get(topic_id)
    if (entry.note if entry else None) == note:
        return "note unchanged"
    entry = _entry(state, topic_id, moment)
    entry.note, entry.updated = note, moment
    if entry.status is None and entry.note is None:
        del state.topics[topic_id]
    return "note saved" if note else "note removed"
