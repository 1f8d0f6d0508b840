"""A weekly plan: the next weeks filled with the hours a learner has, computed, never stored.

Week 1 starts today and each week is seven days. Each week first takes the reviews that fall
due in it (those already due go into week 1), `REVIEW_HOURS` each, then topics in the order
`next` suggests them: topics in progress first (the hours left of their estimate after the
time spent), then each topic whose prerequisites are cleared or planned before it. A topic
longer than the hours left in a week goes on in the weeks after it; no week holds more than
the hours given. A topic without an estimate in the catalog counts as `DEFAULT_HOURS`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.progress import suggest_next
from roadmap_cli.core.review import due_reviews, upcoming
from roadmap_cli.core.state import State, TopicProgress, now

REVIEW_HOURS = 0.25  # a review: three questions answered out loud, and a rating
DEFAULT_HOURS = 8.0
MIN_LEFT = 0.5  # a topic in progress whose estimate is spent still needs this to finish


class Item(NamedTuple):
    kind: str  # "review" or "topic"
    topic_id: str
    hours: float  # in this week
    part: int  # 1 for the first week a topic is in
    parts: int  # the weeks it is spread over (0: it goes on past the plan)
    status: str  # the topic's status now


class Week(NamedTuple):
    start: date
    end: date
    items: list[Item]

    @property
    def hours(self) -> float:
        return sum(item.hours for item in self.items)


def plan(
    catalog: Catalog,
    state: State,
    hours: float,
    weeks: int,
    today: date,
    track_id: str | None = None,
) -> list[Week]:
    starts = [today + timedelta(weeks=n) for n in range(weeks)]
    items: list[list[Item]] = [[] for _ in starts]
    left = [hours] * weeks
    in_track = set(catalog.track_by_id[track_id].topics) if track_id else None

    def wanted(topic_id: str) -> bool:
        return topic_id in catalog.topic_by_id and (in_track is None or topic_id in in_track)

    # Reviews: those due go into week 1, the others into the week they fall due in.
    reviews = [d for d in due_reviews(state, today) if wanted(d.topic_id)]
    reviews += [d for d in upcoming(state, today) if wanted(d.topic_id)]
    for due in reviews:
        week = max(0, (due.due.astimezone().date() - today).days // 7)
        while week < weeks and left[week] < REVIEW_HOURS:
            week += 1  # a full week: the review waits for the next
        if week < weeks:
            items[week].append(Item("review", due.topic_id, REVIEW_HOURS, 1, 1, "done"))
            left[week] -= REVIEW_HOURS

    # Topics, in the order `next` gives, each after its prerequisites.
    virtual = state.copy()
    moment = now()
    week = 0
    while week < weeks:
        suggestions = [
            s
            for s in suggest_next(catalog, virtual, track_id, limit=None, today=today)
            if s.status != "review"
        ]
        if not suggestions:
            break
        topic_id = suggestions[0].topic_id
        need = _hours_left(catalog, state, topic_id)
        spread: list[tuple[int, float]] = []
        while need > 1e-9 and week < weeks:
            take = min(need, left[week])
            if take > 1e-9:
                spread.append((week, take))
                left[week] -= take
                need -= take
            if left[week] <= 1e-9:
                week += 1
        parts = len(spread) if need <= 1e-9 else 0
        status = state.status_of(topic_id)
        for n, (at, take) in enumerate(spread, 1):
            items[at].append(Item("topic", topic_id, take, n, parts, status))
        virtual.topics[topic_id] = TopicProgress(status="done", updated=moment)
    return [
        Week(start, start + timedelta(days=6), found)
        for start, found in zip(starts, items, strict=True)
    ]


def _hours_left(catalog: Catalog, state: State, topic_id: str) -> float:
    estimate = catalog.topic_by_id[topic_id].hours or DEFAULT_HOURS
    entry = state.topics.get(topic_id)
    if entry is None or entry.status != "in-progress":
        return estimate
    spent = sum(s.minutes for s in entry.spent) / 60
    return max(estimate - spent, MIN_LEFT)
