"""Learning over time, from the change history: learning per day, and streaks of such days.

A day counts when learning happened on it, not when a command was typed: the dates a topic
or project was started, finished or skipped on (`--date` included), the days a done topic
was reviewed on, the days time was spent on a topic, and the days a project was worked on
(added, edited, started, done). Notes, focus, resets, undo and imports are bookkeeping; a
change that was undone counts for nothing. Records that arrived with an import from the
learner's other machine count by the dates they hold, like the learner's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from roadmap_cli.core.records import Record
from roadmap_cli.core.state import ROW_FIELDS, TopicProgress

DATED = ("started", "finished")  # the fields of an entry that say when learning happened


@dataclass(frozen=True)
class Activity:
    per_day: Counter[date]  # learning events per day
    current_streak: int  # learning days in a row, ending today or yesterday
    longest_streak: int


def _local_day(value: Any) -> date | None:
    """The local date of a time as the history stores it; None for anything else."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.utcoffset() is None:
            return None
        return moment.astimezone().date()
    except (OverflowError, ValueError, TypeError):  # a time at the edge of the calendar
        return None


def _row_times(entry: dict[str, Any]) -> set[str]:
    """The times of an entry's reviews and time spent as the history holds them (what is no
    such row, none)."""
    found = set()
    for name in ROW_FIELDS[TopicProgress]:
        rows = entry.get(name)
        if isinstance(rows, list):
            found |= {
                f"{name} {r['at']}"
                for r in rows
                if isinstance(r, dict) and isinstance(r.get("at"), str)
            }
    return found


def learning_days(records: Iterable[Record]) -> Counter[date]:
    """How many things were learned on each day, from the records of the history, oldest
    first. A date that a later change corrects (a start moved from one day to another) counts
    on the new day only."""
    records = list(records)
    undone = {r.undoes for r in records if r.undoes}
    per_day: Counter[date] = Counter()
    counted: dict[tuple[str, str], date] = {}  # the day each dated field last counted on
    for record in records:
        if record.undoes or record.imported or record.id in undone:
            continue
        for change in record.changes:
            kind, _, _ = change.key.partition(".")
            if kind not in ("topics", "projects") or not isinstance(change.new, dict):
                continue  # focus, or an entry removed (reset, project remove)
            old = change.old if isinstance(change.old, dict) else {}
            days = set()
            for name in DATED:
                new_value, old_value = change.new.get(name), old.get(name)
                if not new_value or new_value == old_value:
                    continue
                day = _local_day(new_value)
                if day is None:
                    continue
                corrected = counted.get((change.key, name))
                if old_value and corrected is not None and corrected == _local_day(old_value):
                    per_day[corrected] -= 1  # the earlier date was a mistake, not learning
                    if not per_day[corrected]:
                        del per_day[corrected]
                counted[(change.key, name)] = day
                days.add(day)
            if kind == "topics":  # a self-check, time spent: the day of each new one
                before = _row_times(old)
                days |= {
                    day
                    for row in _row_times(change.new) - before
                    if (day := _local_day(row.partition(" ")[2])) is not None
                }
            if not days and kind == "projects":  # work on a project: the day it was done
                day = _local_day(record.time)
                days = {day} if day is not None else set()
            for day in days:
                per_day[day] += 1
    return per_day


def activity(records: list[Record] | tuple[Record, ...], today: date) -> Activity:
    per_day = learning_days(records)
    return Activity(per_day, _current(per_day, today), _longest(per_day))


def _current(per_day: Counter[date], today: date) -> int:
    day = today if per_day[today] else today - timedelta(days=1)
    streak = 0
    while per_day[day]:
        streak += 1
        day -= timedelta(days=1)
    return streak


def _longest(per_day: Counter[date]) -> int:
    longest = run = 0
    previous: date | None = None
    for day in sorted(d for d, n in per_day.items() if n):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    return longest


def weeks(today: date, count: int) -> list[list[date]]:
    """The last `count` weeks as columns of seven days, Monday first, ending with this week."""
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=count - 1)
    return [[start + timedelta(weeks=w, days=d) for d in range(7)] for w in range(count)]
