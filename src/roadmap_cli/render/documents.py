"""Plain-data shapes of every `--json` output (documented in docs/json-output.md).

Nothing here imports Rich: `--json` never pays for the terminal renderer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from roadmap_cli.core.catalog import Catalog, Topic, Track
from roadmap_cli.core.pace import Pace, check_goal, forecast, pace
from roadmap_cli.core.progress import (
    Suggestion,
    TrackProgress,
    all_track_progress,
    focus_of,
    orphaned_ids,
    stalled,
    suggest_next,
)
from roadmap_cli.core.progress import track_progress as track_progress_of
from roadmap_cli.core.projects import project_counts, ready_ideas
from roadmap_cli.core.review import due_reviews
from roadmap_cli.core.state import LEARNER_FIELDS, PROJECT_FIELDS, Project, State, TopicProgress
from roadmap_cli.core.state import now as state_now

if TYPE_CHECKING:
    from roadmap_cli.core.choose import Choice
    from roadmap_cli.core.records import FieldChange, Machine, Record, Undone

JSON_VERSION = 1


def dumps(document: dict[str, Any], ascii_only: bool = False) -> str:
    """One JSON document in the key order it was built; `ascii_only` escapes the rest."""
    import json

    return json.dumps(document, indent=2, ensure_ascii=ascii_only, default=_default)


def _default(value: object) -> str:
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def track_progress(progress: TrackProgress) -> dict[str, Any]:
    return {
        "id": progress.id,
        "title": progress.title,
        "focus": progress.focus,
        "total": progress.total,
        "done": progress.done,
        "skipped": progress.skipped,
        "in_progress": progress.in_progress,
        "cleared": progress.cleared,
        "percent": progress.percent,
    }


def suggestion(item: Suggestion) -> dict[str, Any]:
    return {
        "id": item.topic_id,
        "title": item.title,
        "track": item.track_id,
        "status": item.status,
        "reason": item.reason,
    }


def topic_entry(entry: TopicProgress | None) -> dict[str, Any]:
    """Dates and note of one topic's progress; null where there is none."""
    return {
        "started": entry.started if entry else None,
        "finished": entry.finished if entry else None,
        "updated": entry.updated if entry else None,
        "note": entry.note if entry else None,
    }


def catalog_ref(catalog: Catalog) -> dict[str, Any]:
    return {"id": catalog.id, "title": catalog.title}


def pace_doc(found: Pace | None) -> dict[str, Any] | None:
    """The pace over the recent window (`core.pace`), or None when nothing was cleared."""
    if found is None:
        return None
    return {
        "since": found.since,
        "weeks": round(found.weeks, 2),
        "active_weeks": found.active_weeks,
        "cleared": found.cleared,
        "topics_per_week": round(found.topics_per_week, 2),
        "hours_per_week": round(found.hours_per_week, 1),
        "enough": found.enough,
    }


def outlook(
    catalog: Catalog, state: State, track_id: str, found: Pace | None, today: date
) -> dict[str, Any]:
    """A track's forecast at the current pace, and its goal if it has one."""
    track = catalog.track_by_id[track_id]
    seen = forecast(catalog, state, track, found, today)
    goal = next((g for g in state.goals if g.track == track_id), None)
    checked = check_goal(catalog, state, goal, found, today) if goal is not None else None
    return {
        "forecast": (
            {"reason": seen.reason}
            if seen.reason is not None
            else {"earliest": seen.earliest, "latest": seen.latest}
        ),
        "goal": None
        if checked is None
        else {
            "by": checked.by,
            "verdict": checked.verdict,
            "topics_per_week": _rounded(checked.topics_per_week, 2),
            "hours_per_week": _rounded(checked.hours_per_week, 1),
        },
    }


def _rounded(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def status(catalog: Catalog, state: State, track_id: str | None, limit: int) -> dict[str, Any]:
    progress = all_track_progress(catalog, state)
    found = pace(catalog, state, date.today())
    if track_id is not None:
        progress = [p for p in progress if p.id == track_id]
    track_topics = set(catalog.track_by_id[track_id].topics) if track_id else None
    in_progress = [
        topic_id
        for topic_id, entry in state.topics.items()
        if entry.status == "in-progress"
        and topic_id in catalog.topic_by_id
        and (track_topics is None or topic_id in track_topics)
    ]
    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "focus": focus_of(catalog, state),
        "fresh": not state.topics,
        "last_active": state.last_active(),
        "tracks": [
            {**track_progress(p), **outlook(catalog, state, p.id, found, date.today())}
            for p in progress
        ],
        "pace": pace_doc(found),
        "in_progress": [{"id": t, "title": catalog.topic_by_id[t].title} for t in in_progress],
        "stalled": [
            {
                "id": s.topic_id,
                "title": catalog.topic_by_id[s.topic_id].title,
                "since": s.started,
                "days": s.days,
            }
            for s in stalled(catalog, state, date.today())
            if track_topics is None or s.topic_id in track_topics
        ],
        "next": [suggestion(s) for s in suggest_next(catalog, state, track_id, limit)],
        "reviews_due": len(
            [
                d
                for d in due_reviews(state, date.today())
                if d.topic_id in catalog.topic_by_id
                and (track_topics is None or d.topic_id in track_topics)
            ]
        ),
        "unknown_ids": orphaned_ids(catalog, state),
        "limit": limit,
        "projects": [
            {"track": p.id, **counts}
            for p in progress
            if any((counts := project_counts(state, p.id)).values())
        ],
    }


def track_summary(track: Track) -> dict[str, Any]:
    return {
        "id": track.id,
        "title": track.title,
        "summary": track.summary,
        "optimizes_for": track.optimizes_for,
        "choose_when": track.choose_when,
        "entry_from": list(track.entry_from),
        "audience": list(track.audience),
        "topics": list(track.topics),
        "questions": list(track.questions),
        "recruiters_look_for": [signal.what for signal in track.signals],
        "outcomes": [
            {"id": o.id, "title": o.title, "summary": o.summary, "uses": list(o.uses)}
            for o in track.outcomes
        ],
    }


def tracks(catalog: Catalog, state: State) -> dict[str, Any]:
    progress = {p.id: p for p in all_track_progress(catalog, state)}
    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "progression": [t.id for t in catalog.ordered_tracks],
        "tracks": [
            {**track_summary(track), "progress": track_progress(progress[track.id])}
            for track in catalog.ordered_tracks
        ],
    }


def track(catalog: Catalog, state: State, track_id: str) -> dict[str, Any]:
    """One track in full: what `roadmap tracks ID` shows. Its topics with their status, its
    outcome ideas with the projects that take them on, and what recruiters look for with
    whether a done project shows it yet."""
    from roadmap_cli.core.projects import ideas as find_ideas
    from roadmap_cli.core.projects import portfolio as views_of

    chosen = catalog.track_by_id[track_id]
    progress = {p.id: p for p in all_track_progress(catalog, state)}[track_id]
    (view,) = views_of(catalog, state, track_id)
    ideas = {idea.outcome.id: idea for idea in find_ideas(catalog, state, track_id)}
    summary = track_summary(chosen)
    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        **summary,
        "progress": track_progress(progress),
        **outlook(catalog, state, track_id, pace(catalog, state, date.today()), date.today()),
        "topics": [
            {"id": t, "title": catalog.topic_by_id[t].title, "status": state.status_of(t)}
            for t in chosen.topics
        ],
        "outcomes": [
            {
                **outcome,
                "projects": ideas[outcome["id"]].projects,
                "covered": ideas[outcome["id"]].done,
            }
            for outcome in summary["outcomes"]
        ],
        "recruiters_look_for": [
            {"what": signal.what, "shown": signal.what in view.shown} for signal in chosen.signals
        ],
    }


def topic_row(catalog: Catalog, state: State, topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.id,
        "title": topic.title,
        "status": state.status_of(topic.id),
        "tracks": [t.id for t in catalog.tracks_of_topic[topic.id]],
        "requires": list(topic.requires),
        "hours": topic.hours,
        **topic_entry(state.topics.get(topic.id)),
        "spent_minutes": sum(s.minutes for s in entry.spent)
        if (entry := state.topics.get(topic.id))
        else 0,
    }


def topics(catalog: Catalog, state: State, rows: list[Topic]) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "topics": [topic_row(catalog, state, topic) for topic in rows],
    }


def show(catalog: Catalog, state: State, topic: Topic) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        **topic_row(catalog, state, topic),
        "summary": topic.summary,
        "aliases": list(topic.aliases),
        "requires": [
            {"id": r, "title": catalog.topic_by_id[r].title, "status": state.status_of(r)}
            for r in topic.requires
        ],
        "required_by": [t.id for t in catalog.topics if topic.id in t.requires],
        "resources": [{"title": r.title, "url": r.url} for r in topic.resources],
        "questions": list(topic.questions),
        "review": review_of(state, topic.id, state_now()),
    }


def review_of(state: State, topic_id: str, moment: datetime) -> dict[str, Any] | None:
    """Where a done topic stands in spaced review (None for a topic that is not done)."""
    from roadmap_cli.core import review

    entry = state.topics.get(topic_id)
    if entry is None or entry.status != "done" or entry.due is None:
        return None
    recall = review.recall(entry, moment, review.retention_of(state))
    return {
        "due": entry.due,
        "reviews": len(review.counted(entry)),
        "last_reviewed": review.last_reviewed(entry),
        "recall": round(recall, 3) if recall is not None else None,
    }


def review_card(
    catalog: Catalog, state: State, topic_id: str, today: date, number: int, total: int
) -> dict[str, Any]:
    """One topic of a review session: what to recall it by."""
    topic = catalog.topic_by_id[topic_id]
    entry = state.topics.get(topic_id)
    due = entry.due if entry is not None else None
    return {
        "id": topic_id,
        "title": topic.title,
        "summary": topic.summary,
        "questions": list(topic.questions),
        "number": number,
        "total": total,
        "due": due,
        "overdue_days": (today - due.astimezone().date()).days if due is not None else 0,
    }


def review_list(catalog: Catalog, state: State, today: date, moment: datetime) -> dict[str, Any]:
    """Every scheduled topic: those due today or before (most overdue first), then the rest
    (soonest first), each with FSRS's estimate of recall now."""
    from roadmap_cli.core import review

    def row(item: review.Due) -> dict[str, Any]:
        entry = state.topics[item.topic_id]
        known = catalog.topic_by_id.get(item.topic_id)
        counted = review.counted(entry)
        last = counted[-1].at if counted else None
        recall = review.recall(entry, moment, review.retention_of(state), last)
        return {
            "id": item.topic_id,
            "title": known.title if known else item.topic_id,
            "due": item.due,
            "overdue_days": max(item.overdue_days, 0),
            "in_days": max(-item.overdue_days, 0),
            "reviews": len(counted),
            "last_reviewed": last,
            "recall": round(recall, 3) if recall is not None else None,
        }

    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "today": today,
        "retention": review.retention_of(state),
        "due": [row(d) for d in review.due_reviews(state, today)],
        "upcoming": [row(d) for d in review.upcoming(state, today)],
    }


def next_topics(
    catalog: Catalog, state: State, track_id: str | None, limit: int | None
) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "focus": focus_of(catalog, state),
        "track": track_id,
        "next": [suggestion(s) for s in suggest_next(catalog, state, track_id, limit)],
        "ideas": [
            {
                "track": i.track.id,
                "id": i.outcome.id,
                "title": i.outcome.title,
                "uses": list(i.outcome.uses),
            }
            for i in ready_ideas(catalog, state)
            if track_id is None or i.track.id == track_id
        ],
    }


def _change(change: FieldChange) -> dict[str, Any]:
    """A change with a one-line summary; `reverted` in `undone` lists the undoing direction."""
    return {"key": change.key, "old": change.old, "new": change.new, "summary": describe(change)}


SHORT = 32  # characters of a text shown before and after in `log`


def _text(value: Any) -> str:
    """A text value as `log` shows it: quoted, on one line, shortened; or (none)."""
    from roadmap_cli.core.sanitize import one_line

    return f'"{one_line(str(value), SHORT)}"' if value else "(none)"


def _date(value: Any) -> str:
    return str(value)[:10] if value else "none"


def _edits(old: dict[str, Any], new: dict[str, Any], skip: set[str]) -> list[str]:
    """What changed between two versions of an entry, field by field, with the values before
    and after (texts shortened, times as dates, lists as what was added and removed)."""
    said = []
    # The schedule of a review follows from the reviews: a change says what was reviewed.
    for key in sorted({*old, *new} - skip - {"updated", "due", "stability"}):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "reviews":
            said.append(_reviews_said(before or [], after or []))
        elif key == "spent":
            said.append(_spent_said(before or [], after or []))
        elif isinstance(before, list) or isinstance(after, list):
            added = [f"+{x}" for x in after or [] if x not in (before or [])]
            removed = [f"-{x}" for x in before or [] if x not in (after or [])]
            said.append(f"{key} {' '.join(added + removed) or 'reordered'}")
        elif key in ("started", "finished", "created"):
            said.append(f"{key} {_date(before)} → {_date(after)}")
        elif key in ("status", "track", "outcome"):
            said.append(f"{key} {before or 'none'} → {after or 'none'}")
        else:
            said.append(f"{key} {_text(before)} → {_text(after)}")
    return said


def _goals_said(before: list[Any], after: list[Any]) -> str:
    """`ai-developer by 2027-03-01 (was 2027-02-01)`, `aiops cleared`."""

    def by_track(goals: list[Any]) -> dict[str, str]:
        return {str(g.get("track")): _date(g.get("by")) for g in goals if isinstance(g, dict)}

    old, new = by_track(before), by_track(after)
    said = []
    for track in sorted({*old, *new}):
        if track not in new:
            said.append(f"{track} cleared")
        elif track not in old:
            said.append(f"{track} by {new[track]}")
        elif old[track] != new[track]:
            said.append(f"{track} by {new[track]} (was {old[track]})")
    return "; ".join(said) or "unchanged"


def _spent_said(before: list[Any], after: list[Any]) -> str:
    """`spent +1 h 30 min`, `spent -45 min`."""
    from roadmap_cli.core.transitions import duration

    def total(rows: list[Any]) -> int:
        return sum(r.get("minutes", 0) for r in rows if isinstance(r, dict))

    change = total(after) - total(before)
    return f"spent {'+' if change >= 0 else '-'}{duration(abs(change))}" if change else "spent"


def _reviews_said(before: list[Any], after: list[Any]) -> str:
    """`reviewed (good)`, `reviewed (good, easy)`, `2 reviews dropped`."""
    added = [r for r in after if r not in before]
    removed = [r for r in before if r not in after]
    if added and not removed:
        ratings = ", ".join(str(r.get("rating")) if isinstance(r, dict) else "?" for r in added)
        return f"reviewed ({ratings})"
    if removed and not added:
        return f"{len(removed)} review{'s' if len(removed) != 1 else ''} dropped"
    return f"reviews {len(before)} → {len(after)}"


def describe(change: FieldChange) -> str:
    """`rag: pending → done`, `focus: none → aiops`, `rag: note "old" → "new"`: one line,
    with the value before and after of each field that changed."""
    if change.key == "goals":
        return "goals: " + _goals_said(change.old or [], change.new or [])
    if change.key in LEARNER_FIELDS:  # focus, and any other top-level field
        return f"{change.key}: {change.old or 'none'} → {change.new or 'none'}"
    if change.key.startswith("projects."):
        name = "project " + change.key.removeprefix("projects.")
        if change.old is None or change.new is None:
            return f"{name}: {'added' if change.old is None else 'removed'}"
        if change.old.get("status") != change.new.get("status"):
            status = f"{change.old.get('status')} → {change.new.get('status')}"
            rest = _edits(change.old, change.new, {"status", "started", "finished"})
            return f"{name}: {'; '.join([status, *rest])}"
        return f"{name}: {'; '.join(_edits(change.old, change.new, set())) or 'dates changed'}"
    topic_id = change.key.removeprefix("topics.")
    old_entry, new_entry = change.old or {}, change.new or {}
    old = old_entry.get("status") or "pending"
    new = new_entry.get("status") or "pending"
    said = [f"{old} → {new}"] if old != new else []
    skip = {"status"}
    if old != new:  # a start or finish that comes with the status is said by it; a moved
        skip.add("finished")  # start is not
        if not (old_entry.get("started") and new_entry.get("started")):
            skip.add("started")
    said += _edits(old_entry, new_entry, skip)
    return f"{topic_id}: {'; '.join(said) or 'dates changed'}"


def record(item: Record, machine: Machine) -> dict[str, Any]:
    return {
        "id": item.id,
        "time": item.time,
        "command": item.command,
        "undoes": item.undoes,
        "foreign": item.foreign,
        "machine": item.machine,
        "here": machine.made(item),
        "dropped": list(item.dropped),
        "changes": [_change(c) for c in item.changes],
    }


def log(records: list[Record], total: int, machine: Machine) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "total": total,
        "records": [record(r, machine) for r in records],
    }


def undone(result: Undone, machine: Machine) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "undid": record(result.record, machine),
        "reverted": [_change(c._replace(old=c.new, new=c.old)) for c in result.reverted],
        "left": list(result.left),
        "restored": result.restored,
    }


def project_doc(catalog: Catalog, project_id: str, project: Project) -> dict[str, Any]:
    track = catalog.track_by_id.get(project.track)
    outcome = next((o for o in track.outcomes if o.id == project.outcome), None) if track else None
    return {
        "version": JSON_VERSION,
        "id": project_id,
        **{name: getattr(project, name) for name in PROJECT_FIELDS},
        "track_title": track.title if track else None,
        "outcome_title": outcome.title if outcome else None,
        "missing": project.missing_portfolio(),
    }


def project_list(
    catalog: Catalog, state: State, track_id: str | None, status: str | None
) -> dict[str, Any]:
    rank = {t.id: i for i, t in enumerate(catalog.ordered_tracks)}
    rows = [
        project_doc(catalog, pid, p)
        for pid, p in sorted(state.projects.items(), key=lambda i: (rank.get(i[1].track, 99), i[0]))
        if (track_id is None or p.track == track_id) and (status is None or p.status == status)
    ]
    return {"version": JSON_VERSION, "catalog": catalog_ref(catalog), "projects": rows}


def ideas(catalog: Catalog, state: State, track_id: str | None) -> dict[str, Any]:
    from roadmap_cli.core.projects import ideas as find_ideas

    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "ideas": [
            {
                "track": idea.track.id,
                "track_title": idea.track.title,
                "id": idea.outcome.id,
                "title": idea.outcome.title,
                "summary": idea.outcome.summary,
                "uses": list(idea.outcome.uses),
                "projects": idea.projects,
                "covered": idea.done,
            }
            for idea in find_ideas(catalog, state, track_id)
        ],
    }


def portfolio(catalog: Catalog, state: State, track_id: str | None) -> dict[str, Any]:
    from roadmap_cli.core.projects import portfolio as views_of

    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "tracks": [
            {
                "id": view.track.id,
                "title": view.track.title,
                "done_projects": view.done_projects,
                "outcomes_covered": view.outcomes_covered,
                "outcomes_open": view.outcomes_open,
                "topics_applied": view.applied,
                "topics_studied": view.studied,
                "topics_to_mark_done": view.unmarked,
                "recruiters_see": view.shown,
                "recruiters_miss": view.not_shown,
            }
            for view in views_of(catalog, state, track_id)
        ],
    }


def calendar(records: list[Record], today: date, weeks: int) -> dict[str, Any]:
    from roadmap_cli.core.activity import activity
    from roadmap_cli.core.activity import weeks as week_days

    seen = activity(records, today)
    columns = week_days(today, weeks)
    return {
        "version": JSON_VERSION,
        "today": today.isoformat(),
        "weeks": [[{"day": d.isoformat(), "learned": seen.per_day[d]} for d in w] for w in columns],
        "current_streak": seen.current_streak,
        "longest_streak": seen.longest_streak,
    }


def roadmap_map(catalog: Catalog, state: State, track_id: str | None) -> dict[str, Any]:
    """Each track's prerequisite graph as rows of a tree by depth (`render.graph.map_rows`)."""
    from roadmap_cli.render.graph import map_rows

    tracks = [catalog.track_by_id[track_id]] if track_id else list(catalog.ordered_tracks)
    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "tracks": [
            {
                **track_progress(track_progress_of(catalog, state, track)),
                "rows": [
                    {
                        "id": row.id,
                        "status": row.status,
                        "depth": row.depth,
                        "last": list(row.last),
                        "also": list(row.also),
                        "outside": list(row.outside),
                    }
                    for row in map_rows(catalog, state, track.id)
                ],
            }
            for track in tracks
        ],
    }


def goals(catalog: Catalog, state: State, track_id: str | None, today: date) -> dict[str, Any]:
    """The goals (of one track, or all), each with the track's forecast and progress."""
    found = pace(catalog, state, today)
    progress = {p.id: p for p in all_track_progress(catalog, state)}
    wanted = [g for g in state.goals if g.track in catalog.track_by_id]
    if track_id is not None:
        wanted = [g for g in wanted if g.track == track_id]
    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "track": track_id,
        "pace": pace_doc(found),
        "goals": [
            {
                **track_progress(progress[g.track]),
                **outlook(catalog, state, g.track, found, today),
            }
            for g in wanted
        ],
    }


def plan_doc(
    catalog: Catalog,
    state: State,
    hours: float,
    weeks: int,
    today: date,
    track_id: str | None,
) -> dict[str, Any]:
    """The weekly plan (`core.plan`): each week's reviews and topics, with their hours."""
    from roadmap_cli.core.plan import REVIEW_HOURS, plan

    laid = plan(catalog, state, hours, weeks, today, track_id)
    return {
        "version": JSON_VERSION,
        "catalog": catalog_ref(catalog),
        "hours_per_week": hours,
        "track": track_id,
        "review_hours": REVIEW_HOURS,
        "weeks": [
            {
                "start": week.start,
                "end": week.end,
                "hours": round(week.hours, 4),
                "items": [
                    {
                        "kind": item.kind,
                        "id": item.topic_id,
                        "title": catalog.topic_by_id[item.topic_id].title,
                        "status": item.status,
                        "hours": round(item.hours, 4),
                        "part": item.part,
                        "parts": item.parts,
                    }
                    for item in week.items
                ],
            }
            for week in laid
        ],
    }


def synced(done: Any) -> dict[str, Any]:
    """`roadmap sync --json`: what a sync (`storage.git_sync.Synced`) did."""
    return {
        "version": 1,
        "committed": done.committed,
        "subject": done.subject,
        "remote": done.remote,
        "branch": done.branch,
        "received": done.received,
        "merged": done.merged,
        "pushed": done.pushed,
        "retries": done.retries,
        "healed": done.healed,
    }


def focus(catalog: Catalog, current: str | None) -> dict[str, Any]:
    """`roadmap focus --json`: the focus track after the command, and its title."""
    title = catalog.track_by_id[current].title if current else None
    return {"version": 1, "focus": current, "title": title}


def choice(found: Choice, focus_set: bool) -> dict[str, Any]:
    """`roadmap choose --json`: the recommended track, and whether it
    became the focus."""
    return {
        "version": 1,
        "goal": found.goal,
        "background": found.background,
        "recommended": found.recommended,
        "then": found.then,
        "why": found.why,
        "focus_set": focus_set,
    }
