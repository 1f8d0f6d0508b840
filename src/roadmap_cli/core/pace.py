"""Pace, forecasts and goals: how fast topics get cleared, and what that says of each track.

Pace is measured over a recent window: the last `WINDOW_WEEKS` calendar weeks (Monday to
Sunday) in which a topic was cleared, from the Monday of the earliest of them to today, weeks
without a clear included. It is counted in topics cleared (done or skipped) and in study
hours (the catalog's estimate of each topic done). With fewer than `MIN_WEEKS` such weeks or
fewer than `MIN_TOPICS` topics cleared in the window there is not enough data for a forecast.

A track's forecast is a range of dates. The latest is the day its remaining topics (and
remaining hours) are cleared at the window's pace; the earliest, at the pace of the weeks
with a clear only (as if every week went as those did). A finish more than five years away
is "not at this pace"; a cleared track has no forecast. No forecast date is today or earlier.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from roadmap_cli.core.catalog import Catalog, Track
from roadmap_cli.core.progress import CLEARED
from roadmap_cli.core.state import Goal, State

WINDOW_WEEKS = 4
MIN_WEEKS = 2
MIN_TOPICS = 3
HORIZON = timedelta(days=5 * 365)
GOAL_YEARS = 25  # a goal further away is no plan
NOT_ENOUGH_DATA = "not enough data yet"
NOT_AT_THIS_PACE = "not at this pace"
FINISHED = "finished"


class Pace(NamedTuple):
    since: date  # the first day of the window
    weeks: float  # the window's length in weeks
    active_weeks: int  # weeks of the window in which a topic was cleared
    cleared: int  # topics cleared in the window
    hours: float  # catalog hours of the topics done in the window

    @property
    def topics_per_week(self) -> float:
        return self.cleared / self.weeks

    @property
    def hours_per_week(self) -> float:
        return self.hours / self.weeks

    @property
    def enough(self) -> bool:
        return self.active_weeks >= MIN_WEEKS and self.cleared >= MIN_TOPICS


class Forecast(NamedTuple):
    earliest: date | None
    latest: date | None
    reason: str | None  # instead of dates: FINISHED, NOT_ENOUGH_DATA or NOT_AT_THIS_PACE


class GoalCheck(NamedTuple):
    track: str
    by: date
    verdict: str  # "met", "missed", "on track", "at risk", "behind" or "no pace yet"
    topics_per_week: float | None  # what the goal needs from now on (None: met or missed)
    hours_per_week: float | None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _cleared_days(catalog: Catalog, state: State, today: date) -> list[tuple[str, date]]:
    found = []
    for topic_id, entry in state.topics.items():
        if entry.status in CLEARED and entry.finished and topic_id in catalog.topic_by_id:
            day = entry.finished.astimezone().date()
            if day <= today:
                found.append((topic_id, day))
    return found


def pace(catalog: Catalog, state: State, today: date) -> Pace | None:
    """The pace over the window; None when no topic was ever cleared."""
    cleared = _cleared_days(catalog, state, today)
    weeks = sorted({_monday(day) for _, day in cleared}, reverse=True)[:WINDOW_WEEKS]
    if not weeks:
        return None
    since = weeks[-1]
    inside = [(t, day) for t, day in cleared if day >= since]
    hours = sum(
        catalog.topic_by_id[t].hours or 0.0 for t, _ in inside if state.topics[t].status == "done"
    )
    length = ((today - since).days + 1) / 7
    return Pace(since, max(length, 1 / 7), len(weeks), len(inside), hours)


def remaining(catalog: Catalog, state: State, track: Track) -> tuple[int, float]:
    """A track's topics not cleared yet, and their estimated hours (less time spent)."""
    left = [t for t in track.topics if state.status_of(t) not in CLEARED]
    hours = 0.0
    for topic_id in left:
        estimate = catalog.topic_by_id[topic_id].hours or 0.0
        entry = state.topics.get(topic_id)
        spent = sum(s.minutes for s in entry.spent) / 60 if entry else 0.0
        hours += max(estimate - spent, 0.0)
    return len(left), hours


def forecast(
    catalog: Catalog, state: State, track: Track, found: Pace | None, today: date
) -> Forecast:
    topics, hours = remaining(catalog, state, track)
    if topics == 0:
        return Forecast(None, None, FINISHED)
    if found is None or not found.enough:
        return Forecast(None, None, NOT_ENOUGH_DATA)
    slow = [topics / found.topics_per_week]
    fast = [topics / (found.cleared / found.active_weeks)]
    if hours and found.hours:
        slow.append(hours / found.hours_per_week)
        fast.append(hours / (found.hours / found.active_weeks))
    earliest = today + timedelta(days=max(1, math.ceil(min(fast) * 7)))
    latest = today + timedelta(days=max(1, math.ceil(max(slow) * 7)))
    if latest - today > HORIZON:
        return Forecast(None, None, NOT_AT_THIS_PACE)
    return Forecast(earliest, max(latest, earliest), None)


def last_cleared(catalog: Catalog, state: State, track: Track) -> date | None:
    days = [
        entry.finished.astimezone().date()
        for t in track.topics
        if (entry := state.topics.get(t)) is not None and entry.finished is not None
    ]
    return max(days, default=None)


def check_goal(
    catalog: Catalog, state: State, goal: Goal, found: Pace | None, today: date
) -> GoalCheck | None:
    """Where a goal stands; None for a track this catalog does not have."""
    track = catalog.track_by_id.get(goal.track)
    if track is None:
        return None
    by = goal.by.astimezone().date()
    topics, hours = remaining(catalog, state, track)
    if topics == 0:
        done_on = last_cleared(catalog, state, track)
        verdict = "met" if done_on is None or done_on <= by else "missed"
        return GoalCheck(goal.track, by, verdict, None, None)
    if by < today:
        return GoalCheck(goal.track, by, "missed", None, None)
    weeks_left = ((by - today).days + 1) / 7
    needs_topics = topics / weeks_left
    needs_hours = hours / weeks_left if hours else None
    seen = forecast(catalog, state, track, found, today)
    if seen.reason is not None:
        verdict = "behind" if seen.reason == NOT_AT_THIS_PACE else "no pace yet"
    elif seen.latest is not None and seen.latest <= by:
        verdict = "on track"
    elif seen.earliest is not None and seen.earliest <= by:
        verdict = "at risk"
    else:
        verdict = "behind"
    return GoalCheck(goal.track, by, verdict, needs_topics, needs_hours)


def goal_day(text: str, today: date) -> datetime:
    """A goal's `--by`: a date, today or later; noon local time of it."""
    from roadmap_cli.core.errors import UsageError

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"invalid date '{text}': give the goal as YYYY-MM-DD") from None
    if day < today:
        raise UsageError(f"date {day} has passed; a goal is today or a day to come")
    if day.year > today.year + GOAL_YEARS:
        raise UsageError(f"date {day} is more than {GOAL_YEARS} years away; choose a nearer goal")
    return datetime.combine(day, time(12)).astimezone()
