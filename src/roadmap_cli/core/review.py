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

import contextlib
import functools
import itertools
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from roadmap_cli.core.errors import RoadmapError, UsageError
from roadmap_cli.core.state import (
    DEFAULT_RETENTION,
    RATINGS,
    SCHEDULER,
    Rating,
    Review,
    State,
    TopicProgress,
    json_time,
    new_row_id,
    row_order,
    scheduled_elsewhere,
)
from roadmap_cli.core.transitions import at_day

if TYPE_CHECKING:
    import fsrs

RATING_KEYS = {"1": "again", "2": "hard", "3": "good", "4": "easy"}
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)


@dataclass
class Known:
    """What FSRS says that no topic's reviews change, kept between runs (`storage.cache`) so
    that the commands run most often need not import the scheduler: the schedule of a topic
    just done (its first review, rated good) per retention, as (days to the next review,
    stability); and the decay of the forgetting curve that recall is read from, or None when
    the curve below does not give what the scheduler gives (then the scheduler is asked).
    Whatever is missing is asked of the scheduler and added."""

    first: dict[float, tuple[float, float]] = field(default_factory=dict)
    decay: float | None = None
    curve_checked: bool = False  # `decay` was worked out and checked against the scheduler
    changed: bool = False  # something was added since it was read

    def to_data(self) -> dict[str, Any]:
        return {"first": dict(self.first), "decay": self.decay, "checked": self.curve_checked}

    def learn(self, data: Any) -> None:
        """Take what a cache entry holds, if it is what `to_data` makes; else nothing."""
        if not isinstance(data, dict) or not isinstance(data.get("first"), dict):
            return
        first = data["first"]
        good = all(
            type(r) is float
            and isinstance(v, tuple)
            and len(v) == 2
            and all(type(x) is float and 0 < x < 1e6 for x in v)
            for r, v in first.items()
        )
        decay = data.get("decay")
        if not good or not (decay is None or (type(decay) is float and -10 < decay < 0)):
            return
        self.first.update(first)
        if data.get("checked") is True:
            self.decay, self.curve_checked = decay, True


# What the run knows: set by the caller for a run (`knowing`); outside one, each question is
# asked of the scheduler afresh. A context variable, not a module's state.
_known: ContextVar[Known | None] = ContextVar("known", default=None)


@contextlib.contextmanager
def knowing(data: Any) -> Iterator[Known]:
    """Run knowing what a cache entry holds (and nothing else); what the run adds is in the
    `Known` it gives, for the caller to keep."""
    known = Known()
    known.learn(data)
    token = _known.set(known)
    try:
        yield known
    finally:
        _known.reset(token)


def _knowledge() -> Known:
    return _known.get() or Known()


class Due(NamedTuple):
    topic_id: str
    due: datetime
    overdue_days: int  # 0: due today


def card_id(topic_id: str) -> int:
    """The card's id, derived from the topic id (FSRS wants a whole number)."""
    return zlib.crc32(topic_id.encode("utf-8"))


def retention_of(state: State) -> float:
    return state.retention if state.retention is not None else DEFAULT_RETENTION


# FSRS-6's default parameters as fsrs 6.2 and later have them, given explicitly: a release's
# defaults may change (6.1 and 6.3 put a review two months apart), and every machine must
# give the same reviews the same dates, whichever fsrs it has installed.
PARAMETERS = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)  # fmt: skip
MAXIMUM_INTERVAL = 36500  # days


@functools.cache
def scheduler(retention: float) -> fsrs.Scheduler:
    """FSRS's scheduler, one for each retention (making one checks every parameter)."""
    import fsrs

    return fsrs.Scheduler(
        parameters=PARAMETERS,
        desired_retention=retention,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=MAXIMUM_INTERVAL,
        enable_fuzzing=False,
    )


def counted(entry: TopicProgress) -> list[Review]:
    """The reviews that make the schedule: those since the latest finish, in time order."""
    if entry.status != "done" or entry.finished is None:
        return []
    finished = entry.finished
    found = [r for r in entry.reviews if r.at >= finished]
    if any(b.at <= a.at for a, b in itertools.pairwise(found)):  # kept in order, unless edited
        found.sort(key=row_order)
    return found


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


def first_schedule(retention: float) -> tuple[float, float]:
    """Days from a topic's finish to its first review, and its stability then: what the
    scheduler gives a new card rated good (the same whenever the finish is)."""
    known = _knowledge()
    found = known.first.get(retention)
    if found is None:
        import fsrs

        new = fsrs.Card(card_id=0, due=_EPOCH)
        new, _ = scheduler(retention).review_card(new, fsrs.Rating.Good, _EPOCH)
        found = ((new.due - _EPOCH) / timedelta(days=1), float(new.stability or 0.0))
        known.first[retention] = found
        known.changed = True
    return found


def reschedule(topic_id: str, entry: TopicProgress, retention: float) -> None:
    """Set the entry's next due time and stability from its reviews (none when not done)."""
    if entry.status != "done" or entry.finished is None:
        entry.due = entry.stability = None
        return
    if not counted(entry):  # done, not reviewed since: the first schedule
        days, stability = first_schedule(retention)
        due = entry.finished + timedelta(days=days)
    else:
        found = card(topic_id, entry, retention)
        assert found is not None
        due, stability = found.due, float(found.stability or 0.0)
    entry.due = due.astimezone().replace(microsecond=0)
    entry.stability = round(stability, 4)


def schedule(state: State, topic_id: str, entry: TopicProgress) -> None:
    """Schedule one topic's next review; in a file scheduled by other parameters, every
    topic's (so that the file's dates all come from one scheduler, as it says)."""
    if scheduled_elsewhere(state):
        reschedule_all(state)
    else:
        reschedule(topic_id, entry, retention_of(state))
        state.scheduler = SCHEDULER


def reschedule_all(state: State, *sources: State) -> None:
    """Schedule every topic of `state` afresh. A done topic that one of `sources` (this
    machine's own progress, never someone else's) holds with the same finish and the same
    reviews, scheduled there by these parameters at the same retention, takes that schedule
    as it is: the replay would give the same (a merge of two files of many reviews replays
    only the topics it changed)."""
    retention = retention_of(state)
    known = [s for s in sources if s.scheduler == SCHEDULER and retention_of(s) == retention]
    for topic_id, entry in state.topics.items():
        if entry.status == "done" and entry.finished is not None:
            for source in known:
                other = source.topics.get(topic_id)
                if other is not None and _same_schedule(other, entry):
                    entry.due, entry.stability = other.due, other.stability
                    break
            else:
                reschedule(topic_id, entry, retention)
            continue
        reschedule(topic_id, entry, retention)
    state.scheduler = SCHEDULER if any(e.due is not None for e in state.topics.values()) else None


def _same_schedule(other: TopicProgress, entry: TopicProgress) -> bool:
    return (
        other.status == "done"
        and other.due is not None
        and other.stability is not None
        and other.finished == entry.finished
        and other.reviews == entry.reviews
    )


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


def recall(
    entry: TopicProgress, at: datetime, retention: float, last: datetime | None = None
) -> float | None:
    """FSRS's estimate of the chance the topic is recalled at `at` (None: not done); `last`,
    when known, is its last review (`last_reviewed`)."""
    if entry.status != "done" or entry.finished is None or entry.stability is None:
        return None
    last = last or last_reviewed(entry) or entry.finished
    decay = _checked_decay()
    if decay is not None:
        return _curve(decay, max(0, (at - last).days), entry.stability)
    return _scheduler_recall(entry.stability, last, at, retention)


def _curve(decay: float, days: int, stability: float) -> float:
    """FSRS-6's forgetting curve: recall after `days` whole days at `stability`."""
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * days / stability) ** decay)


_SAMPLES = [(days, stability) for days in (0, 1, 7, 40, 400) for stability in (0.5, 9.3, 210.0)]


def _checked_decay() -> float | None:
    """The decay of the scheduler's forgetting curve, once `_curve` with it is seen to give
    what the scheduler gives; None when it does not (a scheduler of another kind)."""
    known = _knowledge()
    if not known.curve_checked:
        decay = -float(scheduler(DEFAULT_RETENTION).parameters[20])
        agrees = -10 < decay < 0 and all(
            abs(
                _curve(decay, days, s)
                - _scheduler_recall(s, _EPOCH, _EPOCH + timedelta(days=days), DEFAULT_RETENTION)
            )
            < 1e-9
            for days, s in _SAMPLES
        )
        known.decay = decay if agrees else None
        known.curve_checked = known.changed = True
    return known.decay


def _scheduler_recall(stability: float, last: datetime, at: datetime, retention: float) -> float:
    """Recall at `at` as the scheduler works it out."""
    import fsrs

    found = fsrs.Card(
        card_id=0,
        state=fsrs.State.Review,
        stability=stability,
        due=last,
        last_review=last.astimezone(UTC),
    )
    return float(scheduler(retention).get_card_retrievability(found, at.astimezone(UTC)))


def rating_of(text: str) -> Rating:
    """A rating from its word or its key (1 to 4); UsageError otherwise."""
    word = RATING_KEYS.get(text.strip(), text.strip().lower())
    if word not in RATINGS:
        raise UsageError(f"invalid rating '{text}': use again, hard, good or easy (or 1 to 4)")
    return word  # type: ignore[return-value]


def done_entry(state: State, topic_id: str) -> TopicProgress:
    """The entry of a done topic; RoadmapError, saying what to run, for any other."""
    entry = state.topics.get(topic_id)
    if entry is None or entry.status != "done" or entry.finished is None:
        raise RoadmapError(
            f"'{topic_id}' is {state.status_of(topic_id)}; only a done topic is reviewed"
            f" ('roadmap done {topic_id}' first)"
        )
    return entry


def rate(
    state: State, topic_id: str, rating: Rating, moment: datetime, *, day: date | None = None
) -> datetime:
    """Record a self-check of a done topic now (or on `day`) and schedule the next one;
    returns when that is due."""
    entry = done_entry(state, topic_id)
    assert entry.finished is not None
    at = at_day(day, moment)
    if at.date() < entry.finished.date():
        raise UsageError(
            f"'{topic_id}' was done on {entry.finished:%Y-%m-%d}; a review cannot come before it"
        )
    at = max(at, entry.finished)  # a back-dated review on the day of the finish
    entry.reviews = sorted([*entry.reviews, Review(at, rating, new_row_id())], key=row_order)
    entry.updated = moment
    schedule(state, topic_id, entry)
    assert entry.due is not None
    return entry.due


def union(lists: list[list[Any]]) -> list[Any]:
    """The rows (reviews, time spent) of every list, each id once, in time order: what a
    merge keeps. Two rows under one id (one moment written with two offsets, a hand edit)
    are one: the first as (values, time's text) sort, whatever the order of the lists."""
    kept: dict[str, Any] = {}
    for row in (r for rows in lists for r in rows):
        other = kept.get(row.id)
        if other is None or (row_order(row), json_time(row.at)) < (
            row_order(other),
            json_time(other.at),
        ):
            kept[row.id] = row
    return sorted(kept.values(), key=row_order)
