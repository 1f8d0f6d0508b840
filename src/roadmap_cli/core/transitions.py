"""What each write command does to the state, one topic at a time.

Each function changes `state` in place and returns the line to show the user, or None when
the topic was already where the command would put it (the caller then says "already ...").
They are pure apart from that: `Store.update` may run them twice (a dry run, then for real).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from roadmap_cli.core.errors import UsageError
from roadmap_cli.core.state import State, TopicProgress, new_row_id

EARLIEST_DAY = date(1970, 1, 1)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAYS_AGO = re.compile(r"-(\d{1,5})d")
DATE_FORMS = "YYYY-MM-DD, today, yesterday or -Nd (N days ago)"


def parse_day(text: str, today: date | None = None) -> date:
    """A `--date` value: YYYY-MM-DD, `today`, `yesterday` or `-Nd` (N days ago); not in the
    future, not before 1970."""
    today = today or date.today()
    word = text.strip().lower()
    ago = _DAYS_AGO.fullmatch(word)
    try:
        if word == "today":
            day = today
        elif word == "yesterday":
            day = today - timedelta(days=1)
        elif ago is not None:
            day = today - timedelta(days=int(ago.group(1)))
        elif _DAY.fullmatch(word):
            day = date.fromisoformat(word)
        else:
            raise ValueError(text)
    except (ValueError, OverflowError):
        raise UsageError(f"invalid date '{text}': use {DATE_FORMS}, e.g. 2026-03-31") from None
    if day > today:
        raise UsageError(f"date {text} is in the future; give the day it happened")
    if day < EARLIEST_DAY:
        raise UsageError(f"date {text} is before {EARLIEST_DAY}; give the day it happened")
    return day


def at_day(day: date | None, moment: datetime) -> datetime:
    """When something happened: now, or noon local time on an earlier `day` (noon keeps the
    date the same in any nearby time zone, and the offset is that day's, DST included).
    Only the date of a back-dated time means anything: no view shows its time of day."""
    if day is None or day == moment.date():
        return moment
    return datetime.combine(day, time(12)).astimezone()


@dataclass(frozen=True)
class Change:
    """What a transition did to one topic; `render.terminal.said` puts it in words.

    `what`: "status" (from `before` to `after`), "start", "finish" or "skip" (that date
    moved, `moved` from and to), "updated" (a done topic's finish or note set again),
    "note" (`note`: saved, removed or unchanged), "spent" (`minutes`, `total` in all),
    "already" (nothing to do: the topic is `after` already). With it: the finish date a
    change `dropped`, what a reset `kept`, and how the start `start_moved` with a change."""

    what: str
    before: str = ""
    after: str = ""
    moved: tuple[datetime | None, datetime | None] | None = None
    dropped: datetime | None = None
    kept: tuple[str, ...] = ()
    start_moved: tuple[datetime | None, datetime | None] | None = None
    note: str = ""
    minutes: int = 0
    total: int = 0


def _start_moved(
    before: datetime | None, after: datetime | None
) -> tuple[datetime | None, datetime | None] | None:
    """The start's move, when a change moved it to another day."""
    if before is not None and after is not None and before.date() != after.date():
        return before, after
    return None


def _entry(state: State, topic_id: str, moment: datetime) -> TopicProgress:
    entry = state.topics.get(topic_id)
    if entry is None:
        entry = state.topics[topic_id] = TopicProgress(updated=moment)
    return entry


def start(
    state: State, topic_id: str, moment: datetime, *, day: date | None = None
) -> Change | None:
    """In progress since now or `day`. A topic already in progress gets the start `day`."""
    before = state.status_of(topic_id)
    entry = state.topics.get(topic_id)
    if before == "in-progress" and entry is not None:
        if day is None or (entry.started is not None and entry.started.date() == day):
            return None
        was = entry.started
        entry.started, entry.updated = at_day(day, moment), moment
        return Change("start", moved=(was, entry.started))
    entry = _entry(state, topic_id, moment)
    lost = entry.finished if before == "done" else None
    entry.status, entry.finished, entry.updated = "in-progress", None, moment
    _leaves_review(entry)
    if day is not None or entry.started is None:
        entry.started = at_day(day, moment)
    return Change("status", before, "in-progress", dropped=lost)


def finish(
    state: State,
    topic_id: str,
    moment: datetime,
    *,
    day: date | None = None,
    note: str | None = None,
) -> Change | None:
    """Mark done; `day` back-dates the finish, `note` (already cleaned) replaces the note.
    A finish before the recorded start moves the start to it, and says so."""
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
    started, was = entry.started, entry.finished
    if before != "done" or day is not None:
        entry.finished = at_day(day, moment)
    entry.status, entry.updated = "done", moment
    if entry.started is None or (entry.finished and entry.started > entry.finished):
        entry.started = entry.finished
    if note is not None:
        entry.note = note
    if before != "done" or day is not None:
        from roadmap_cli.core import review  # the first review is the finish

        review.schedule(state, topic_id, entry)
    start_moved = _start_moved(started, entry.started)
    if before != "done":
        return Change("status", before, "done", start_moved=start_moved)
    if was is not None and entry.finished is not None and was.date() != entry.finished.date():
        return Change("finish", moved=(was, entry.finished), start_moved=start_moved)
    return Change("updated", note="updated" if note is not None else "", start_moved=start_moved)


def skip(
    state: State, topic_id: str, moment: datetime, *, day: date | None = None
) -> Change | None:
    """Skipped (cleared without study) now or on `day`: the day is kept as `finished`. A done
    topic loses its finish date; the command asks first (see `loses_finish`)."""
    before = state.status_of(topic_id)
    entry = state.topics.get(topic_id)
    if (
        before == "skipped"
        and entry is not None
        and (day is None or (entry.finished is not None and entry.finished.date() == day))
    ):
        return None
    entry = _entry(state, topic_id, moment)
    previous = entry.finished
    was = previous if before == "done" else None
    started = entry.started
    entry.status, entry.finished, entry.updated = "skipped", at_day(day, moment), moment
    _leaves_review(entry)
    if entry.started is not None and entry.started > entry.finished:
        entry.started = entry.finished
    start_moved = _start_moved(started, entry.started)
    if before == "skipped":
        return Change("skip", moved=(previous, entry.finished), start_moved=start_moved)
    return Change("status", before, "skipped", dropped=was, start_moved=start_moved)


def _leaves_review(entry: TopicProgress) -> None:
    """A topic that is no longer done leaves the review queue (done again, it starts anew)."""
    entry.reviews, entry.due, entry.stability = [], None, None


def loses_finish(state: State, topic_id: str) -> datetime | None:
    """The finish date a skip, start or reset of `topic_id` would drop (None: nothing lost)."""
    entry = state.topics.get(topic_id)
    if entry is None or entry.status != "done":
        return None
    return entry.finished


def reset(state: State, topic_id: str, moment: datetime) -> Change | None:
    """Back to pending. The note and the time spent are the learner's own record, so they are
    kept."""
    before = state.status_of(topic_id)
    entry = state.topics.get(topic_id)
    if entry is None or entry.status is None:
        return None
    lost = entry.finished if entry.status == "done" else None
    kept = tuple(w for w, v in (("note", entry.note), ("time spent", entry.spent)) if v)
    if kept:
        state.topics[topic_id] = TopicProgress(note=entry.note, spent=entry.spent, updated=moment)
    else:
        del state.topics[topic_id]
    return Change("status", before, "pending", dropped=lost, kept=kept)


def set_note(state: State, topic_id: str, moment: datetime, note: str | None) -> Change:
    """Replace the note (already cleaned); None removes it."""
    entry = state.topics.get(topic_id)
    if (entry.note if entry else None) == note:
        return Change("note", note="unchanged")
    entry = _entry(state, topic_id, moment)
    entry.note, entry.updated = note, moment
    if entry.status is None and entry.note is None and not entry.spent:
        del state.topics[topic_id]
    return Change("note", note="saved" if note else "removed")


_DURATION = re.compile(
    r"(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(?P<m>\d+)\s*(?:m(?:in(?:utes?|s)?)?)?)?"
)
_CLOCK = re.compile(r"(?P<h>\d+):(?P<m>[0-5]\d)")
MAX_MINUTES = 24 * 60  # one record of time spent is at most a day
DURATION_FORMS = "1h30, 1.5h, 90m, 90 (minutes) or 1:30"


def parse_duration(text: str) -> int:
    """Minutes from `1h30`, `1.5h`, `2h`, `90m`, `90` or `1:30`; from 1 minute to a day."""
    word = text.strip().lower().replace(" ", "")
    clock = _CLOCK.fullmatch(word)
    found = clock or _DURATION.fullmatch(word)
    minutes = None
    if found is not None and (found.group("h") or found.group("m")):
        hours = float(found.group("h") or 0)
        minutes = round(hours * 60) + int(found.group("m") or 0)
    if minutes is None or not 1 <= minutes <= MAX_MINUTES:
        raise UsageError(f"invalid time '{text}': give 1 minute to 24 hours, as {DURATION_FORMS}")
    return minutes


def duration(minutes: int) -> str:
    """`45 min`, `2 h`, `1 h 30 min`."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def spend(
    state: State, topic_id: str, minutes: int, moment: datetime, *, day: date | None = None
) -> Change:
    """Record time spent on a topic now (or on `day`); its status does not change."""
    from roadmap_cli.core.state import Spent, row_order

    entry = _entry(state, topic_id, moment)
    entry.spent = sorted(
        [*entry.spent, Spent(at_day(day, moment), minutes, new_row_id())], key=row_order
    )
    entry.updated = moment
    return Change("spent", minutes=minutes, total=sum(s.minutes for s in entry.spent))
