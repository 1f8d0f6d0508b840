"""Spaced review of done topics, scheduled by FSRS (the maintained `fsrs` package).

Each done topic is one card, known by its topic id (an id that a catalog renames follows its
alias, and the reviews with it). Marking a topic done is its first review, rated good; every
self-check after that is a `Review` in its entry. The card is never stored: it is the replay,
in time order, of the finish and of the reviews since the finish, so two machines that hold
the same reviews agree on it, and a merge only has to union the reviews. What the replay
gives, the next due time and the stability, is kept in the entry so that `status` and `next`
count what is due without importing the scheduler.

The scheduler works in days: no learning steps of minutes (a topic is not a flash card), and
no fuzz (random fuzz would give each machine its own dates for the same reviews).

A topic that is not done has no schedule; reviews from before its latest finish count for
nothing (done again, it starts fresh).
"""

from __future__ import annotations

import functools
import zlib
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, NamedTuple

from roadmap_cli.core.errors import RoadmapError, UsageError
from roadmap_cli.core.state import (
    DEFAULT_RETENTION,
    RATINGS,
    Rating,
    Review,
    State,
    TopicProgress,
    json_time,
)
from roadmap_cli.core.transitions import at_day

if TYPE_CHECKING:
    import fsrs

RATING_KEYS = {"1": "again", "2": "hard", "3": "good", "4": "easy"}


class Due(NamedTuple):
    topic_id: str
    due: datetime
    overdue_days: int  # 0: due today


def card_id(topic_id: str) -> int:
    """The card's id, derived from the topic id (FSRS wants a whole number)."""
    return zlib.crc32(topic_id.encode("utf-8"))


def retention_of(state: State) -> float:
    return state.retention if state.retention is not None else DEFAULT_RETENTION


@functools.cache
def scheduler(retention: float) -> fsrs.Scheduler:
    """FSRS's scheduler, one for each retention (making one checks every parameter)."""
    import fsrs

    return fsrs.Scheduler(
        desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )


def _order(review: Review) -> tuple[datetime, int]:
    return review.at, RATINGS.index(review.rating)


def counted(entry: TopicProgress) -> list[Review]:
    """The reviews that make the schedule: those since the latest finish, in time order."""
    if entry.status != "done" or entry.finished is None:
        return []
    finished = entry.finished
    return sorted((r for r in entry.reviews if r.at >= finished), key=_order)


def card(topic_id: str, entry: TopicProgress, retention: float) -> fsrs.Card | None:
    """The card of a done topic, by replaying its finish (rated good) and its reviews."""
    import fsrs

    if entry.status != "done" or entry.finished is None:
        return None
    plan = scheduler(retention)
    first = entry.finished.astimezone(UTC)
    current = fsrs.Card(card_id=card_id(topic_id), due=first)
    current, _ = plan.review_card(current, fsrs.Rating.Good, first)
    for review in counted(entry):
        rating = fsrs.Rating(RATINGS.index(review.rating) + 1)
        current, _ = plan.review_card(current, rating, review.at.astimezone(UTC))
    return current


def reschedule(topic_id: str, entry: TopicProgress, retention: float) -> None:
    """Set the entry's next due time and stability from its reviews (none when not done)."""
    found = card(topic_id, entry, retention)
    if found is None:
        entry.due = entry.stability = None
        return
    entry.due = found.due.astimezone().replace(microsecond=0)
    entry.stability = round(float(found.stability or 0.0), 4)


def reschedule_all(state: State) -> None:
    retention = retention_of(state)
    for topic_id, entry in state.topics.items():
        reschedule(topic_id, entry, retention)


def last_reviewed(entry: TopicProgress) -> datetime | None:
    """The latest self-check since the finish (the finish itself is not one)."""
    found = counted(entry)
    return found[-1].at if found else None


def due_reviews(state: State, today: date) -> list[Due]:
    """Done topics due for review on `today` or before, most overdue first (no scheduler)."""
    found = [
        Due(topic_id, entry.due, (today - entry.due.astimezone().date()).days)
        for topic_id, entry in state.topics.items()
        if entry.status == "done"
        and entry.due is not None
        and entry.due.astimezone().date() <= today
    ]
    return sorted(found, key=lambda d: (d.due, d.topic_id))


def upcoming(state: State, today: date) -> list[Due]:
    """Done topics not yet due, soonest first."""
    found = [
        Due(topic_id, entry.due, (today - entry.due.astimezone().date()).days)
        for topic_id, entry in state.topics.items()
        if entry.status == "done"
        and entry.due is not None
        and entry.due.astimezone().date() > today
    ]
    return sorted(found, key=lambda d: (d.due, d.topic_id))


def recall(entry: TopicProgress, at: datetime, retention: float) -> float | None:
    """FSRS's estimate of the chance the topic is recalled at `at` (None: not done)."""
    import fsrs

    if entry.status != "done" or entry.finished is None or entry.stability is None:
        return None
    last = last_reviewed(entry) or entry.finished
    found = fsrs.Card(
        card_id=0,
        state=fsrs.State.Review,
        stability=entry.stability,
        due=entry.due or last,
        last_review=last.astimezone(UTC),
    )
    return float(scheduler(retention).get_card_retrievability(found, at.astimezone(UTC)))


def rating_of(text: str) -> Rating:
    """A rating from its word or its key (1 to 4); UsageError otherwise."""
    word = RATING_KEYS.get(text.strip(), text.strip().lower())
    if word not in RATINGS:
        raise UsageError(f"invalid rating '{text}': use again, hard, good or easy (or 1 to 4)")
    return word  # type: ignore[return-value]


def rate(
    state: State, topic_id: str, rating: Rating, moment: datetime, *, day: date | None = None
) -> str:
    """Record a self-check of a done topic now (or on `day`) and schedule the next one."""
    entry = state.topics.get(topic_id)
    if entry is None or entry.status != "done" or entry.finished is None:
        status = state.status_of(topic_id)
        raise RoadmapError(
            f"'{topic_id}' is {status}; only a done topic is reviewed ('roadmap done"
            f" {topic_id}' first)"
        )
    at = at_day(day, moment)
    if at.date() < entry.finished.date():
        raise UsageError(
            f"'{topic_id}' was done on {entry.finished:%Y-%m-%d}; a review cannot come before it"
        )
    at = max(at, entry.finished)  # a back-dated review on the day of the finish
    entry.reviews = sorted([*entry.reviews, Review(at, rating)], key=_order)
    entry.updated = moment
    reschedule(topic_id, entry, retention_of(state))
    assert entry.due is not None
    days = (entry.due.astimezone().date() - moment.date()).days
    when = "today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"
    return f"reviewed ({rating}); next review {entry.due:%Y-%m-%d} ({when})"


def union(entries: list[TopicProgress]) -> list[Review]:
    """The reviews of every entry, each once, in time order (what a merge keeps). One moment
    written with two offsets is one review, kept as the first of the two texts sorts."""
    kept: dict[tuple[datetime, str], Review] = {}
    for review in (r for e in entries for r in e.reviews):
        key = (review.at, review.rating)
        if key not in kept or json_time(review.at) < json_time(kept[key].at):
            kept[key] = review
    return sorted(kept.values(), key=_order)
