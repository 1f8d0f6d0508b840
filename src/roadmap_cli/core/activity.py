"""Activity over time, from the change history: changes per day, and streaks of active days."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from roadmap_cli.core.records import Record


@dataclass(frozen=True)
class Activity:
    per_day: Counter[date]
    current_streak: int  # active days in a row, ending today or yesterday
    longest_streak: int


def activity(records: list[Record] | tuple[Record, ...], today: date) -> Activity:
    per_day: Counter[date] = Counter()
    for record in records:
        if record.foreign:
            continue  # another history's word: its times say nothing of this learner's days
        try:
            per_day[record.time.astimezone().date()] += 1
        except (OverflowError, ValueError):  # a time at the edge of the calendar: not a day
            continue
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
