"""Pure functions over a catalog and a state: how far along each track is, what comes next."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from roadmap_cli.core.catalog import Catalog, Track
from roadmap_cli.core.review import due_reviews
from roadmap_cli.core.state import ROW_FIELDS, State, TopicProgress

CLEARED = frozenset({"done", "skipped"})
STALLED_DAYS = 14  # a topic in progress longer than this is pointed out as stalled


class TrackProgress(NamedTuple):
    id: str
    title: str
    total: int
    done: int
    skipped: int
    in_progress: int
    focus: bool

    @property
    def cleared(self) -> int:
        """Done and skipped both clear a topic, as roadmap.sh counts them."""
        return self.done + self.skipped

    @property
    def percent(self) -> int:
        """Rounded down, so 100 means every topic is cleared."""
        return self.cleared * 100 // self.total if self.total else 0


class Suggestion(NamedTuple):
    topic_id: str
    title: str
    track_id: str
    track_title: str
    status: str
    reason: str


def tracks_in_order(catalog: Catalog, focus: str | None) -> list[Track]:
    """The focus track first, then the rest in the catalog's progression order."""
    ordered = list(catalog.ordered_tracks)
    ordered.sort(key=lambda track: track.id != focus)  # stable: keeps progression order
    return ordered


def focus_of(catalog: Catalog, state: State) -> str | None:
    """The focus track, if the state names one this catalog has."""
    return state.focus if state.focus in catalog.track_by_id else None


def track_progress(catalog: Catalog, state: State, track: Track) -> TrackProgress:
    statuses = [state.status_of(topic_id) for topic_id in track.topics]
    return TrackProgress(
        id=track.id,
        title=track.title,
        total=len(statuses),
        done=statuses.count("done"),
        skipped=statuses.count("skipped"),
        in_progress=statuses.count("in-progress"),
        focus=track.id == focus_of(catalog, state),
    )


def all_track_progress(catalog: Catalog, state: State) -> list[TrackProgress]:
    return [
        track_progress(catalog, state, track)
        for track in tracks_in_order(catalog, focus_of(catalog, state))
    ]


def progress_of_tracks_with(
    catalog: Catalog, state: State, topic_ids: list[str]
) -> list[TrackProgress]:
    """Progress of every track that holds one of `topic_ids`, in display order."""
    wanted = {track.id for topic_id in topic_ids for track in catalog.tracks_of_topic[topic_id]}
    return [p for p in all_track_progress(catalog, state) if p.id in wanted]


def is_available(catalog: Catalog, state: State, topic_id: str) -> bool:
    """A topic can be suggested once every prerequisite is done or skipped."""
    return all(state.status_of(req) in CLEARED for req in catalog.topic_by_id[topic_id].requires)


def suggest_next(
    catalog: Catalog,
    state: State,
    track_id: str | None = None,
    limit: int | None = 5,
    today: date | None = None,
) -> list[Suggestion]:
    """What to learn next, each with the reason it was picked.

    Topics in progress come first, then done topics due for review, then available topics
    of the focus track in catalog order, then those of the other tracks in the progression
    order. When a review is overdue (due before today), the reviews come first of all. With
    `track_id`, only that track's topics are considered.
    """
    focus = focus_of(catalog, state)
    if track_id is not None:
        tracks = [catalog.track_by_id[track_id]]
    else:
        tracks = tracks_in_order(catalog, focus)

    picked: dict[str, Suggestion] = {}
    in_tracks = {topic_id: track for track in reversed(tracks) for topic_id in track.topics}
    due = [d for d in due_reviews(state, today or date.today()) if d.topic_id in in_tracks]
    reviews = {
        d.topic_id: _suggestion(
            catalog, d.topic_id, in_tracks[d.topic_id], "review", _overdue(d.overdue_days)
        )
        for d in due
    }
    if any(d.overdue_days > 0 for d in due):
        picked.update(reviews)

    for track in tracks:
        for topic_id in track.topics:
            entry = state.topics.get(topic_id)
            if topic_id in picked or entry is None or entry.status != "in-progress":
                continue
            since = f" since {entry.started:%Y-%m-%d}" if entry.started else ""
            days = _days_in_progress(entry.started, today or date.today())
            if days > STALLED_DAYS:
                since += f" ({days} days: stalled?)"
            picked[topic_id] = _suggestion(
                catalog, topic_id, track, "in-progress", f"in progress{since}"
            )

    picked.update(reviews)
    for track in tracks:
        for topic_id in track.topics:
            if topic_id in picked or state.status_of(topic_id) != "pending":
                continue
            if not is_available(catalog, state, topic_id):
                continue
            requires = catalog.topic_by_id[topic_id].requires
            if requires:
                cleared = (
                    "done" if all(state.status_of(r) == "done" for r in requires) else "cleared"
                )
                reason = f"prerequisites {cleared}: " + ", ".join(requires)
            else:
                reason = f"next in {track.title}"
            picked[topic_id] = _suggestion(catalog, topic_id, track, "pending", reason)
            if limit is not None and len(picked) >= limit:
                break
        if limit is not None and len(picked) >= limit:
            break

    suggestions = list(picked.values())
    return suggestions[:limit] if limit is not None else suggestions


def _days_in_progress(started: datetime | None, today: date) -> int:
    return (today - started.astimezone().date()).days if started is not None else 0


class Stalled(NamedTuple):
    topic_id: str
    started: datetime
    days: int


def stalled(catalog: Catalog, state: State, today: date) -> list[Stalled]:
    """Topics of the catalog in progress for more than `STALLED_DAYS`, longest first."""
    found = [
        Stalled(topic_id, entry.started, _days_in_progress(entry.started, today))
        for topic_id, entry in state.topics.items()
        if entry.status == "in-progress"
        and entry.started is not None
        and topic_id in catalog.topic_by_id
        and _days_in_progress(entry.started, today) > STALLED_DAYS
    ]
    return sorted(found, key=lambda s: (-s.days, s.topic_id))


def _overdue(days: int) -> str:
    if days > 1:
        return f"due for review {days} days ago"
    return "due for review " + ("yesterday" if days == 1 else "today")


def _suggestion(
    catalog: Catalog, topic_id: str, track: Track, status: str, reason: str
) -> Suggestion:
    return Suggestion(
        topic_id=topic_id,
        title=catalog.topic_by_id[topic_id].title,
        track_id=track.id,
        track_title=track.title,
        status=status,
        reason=reason,
    )


def orphaned_ids(catalog: Catalog, state: State) -> list[str]:
    """Ids in the progress file that this catalog does not have (kept, never deleted)."""
    return sorted(topic_id for topic_id in state.topics if topic_id not in catalog.topic_by_id)


def follow_renames(catalog: Catalog, state: State) -> list[tuple[str, str]]:
    """Move progress kept under an old id to the topic that now lists it as an alias.

    When both ids have an entry, the one changed last wins and the other's note is added to
    its note, so nothing a learner wrote is dropped; the reviews of both are kept. Returns
    the (old, new) pairs that moved.
    """
    aliases = {alias: topic.id for topic in catalog.topics for alias in topic.aliases}
    moved = []
    for old_id in list(state.topics):
        new_id = aliases.get(old_id)
        if old_id in catalog.topic_by_id or new_id is None:
            continue
        old = state.topics.pop(old_id)
        current = state.topics.get(new_id)
        if current is not None:
            kept, other = (old, current) if old.updated > current.updated else (current, old)
            if other.note and other.note != kept.note:
                earlier = f" (from {old_id if other is old else new_id}) {other.note}"
                kept.note = f"{kept.note or ''}{earlier}".strip()
            if any(getattr(other, name) for name in ROW_FIELDS[TopicProgress]):
                from roadmap_cli.core import review

                for name in ROW_FIELDS[TopicProgress]:
                    setattr(kept, name, review.union([getattr(kept, name), getattr(other, name)]))
                review.schedule(state, new_id, kept)
            old = kept
        state.topics[new_id] = old
        moved.append((old_id, new_id))
    return moved
