"""The cohort report: many learners' progress summed up for a mentor, as data, CSV or markdown."""

from __future__ import annotations

import statistics
from datetime import date
from typing import Any

from roadmap_cli.core.catalog import Catalog, Track
from roadmap_cli.core.cohort import Learner, Skipped
from roadmap_cli.core.progress import track_progress
from roadmap_cli.core.review import due_reviews
from roadmap_cli.core.sanitize import one_line, spreadsheet_cell

REASON_LIMIT = 500  # characters: a reason may quote what the file holds


def report(
    catalog: Catalog, learners: list[Learner], skipped: list[Skipped], track_id: str | None
) -> dict[str, Any]:
    """The report as data: a row per learner, how many learners have done each topic, each
    track's median percent, and the files left out with why."""
    tracks = [t for t in catalog.ordered_tracks if track_id is None or t.id == track_id]
    today = date.today()
    percents: dict[str, list[int]] = {t.id: [] for t in tracks}
    rows = [_learner_row(catalog, learner, tracks, today, percents) for learner in learners]
    topic_ids = list(dict.fromkeys(t for track in tracks for t in track.topics))
    done_by = {t: 0 for t in topic_ids}
    for learner in learners:
        for topic_id in topic_ids:
            done_by[topic_id] += learner.state.status_of(topic_id) == "done"
    return {
        "version": 1,
        "catalog": {"id": catalog.id, "title": one_line(catalog.title)},
        "tracks": [{"id": t.id, "title": one_line(t.title)} for t in tracks],
        "learners": rows,
        "topics": [
            {
                "id": t,
                "title": one_line(catalog.topic_by_id[t].title),
                "done": done_by[t],
                "of": len(learners),
            }
            for t in topic_ids
        ],
        "median": {
            t: (statistics.median(values) if values else None) for t, values in percents.items()
        },
        # File names and reasons come from the folder and the files: through the sanitiser in
        # every format, JSON included.
        "skipped": [
            {"file": one_line(str(s.file)), "reason": one_line(s.reason, REASON_LIMIT)}
            for s in skipped
        ],
    }


def _learner_row(
    catalog: Catalog,
    learner: Learner,
    tracks: list[Track],
    today: date,
    percents: dict[str, list[int]],
) -> dict[str, Any]:
    """One learner's row: a cell per track (its percent added to the track's `percents`),
    when last active, and how many reviews of the tracks' topics are overdue."""
    cells = [_track_cell(catalog, learner, track, percents) for track in tracks]
    last = learner.state.last_active()
    wanted = {t for track in tracks for t in track.topics}
    overdue = sum(
        d.overdue_days > 0 and d.topic_id in wanted for d in due_reviews(learner.state, today)
    )
    return {
        "learner": one_line(learner.name),
        "file": one_line(str(learner.file)),
        "last_active": last.isoformat() if last else None,
        "reviews_overdue": overdue,
        "tracks": cells,
    }


def _track_cell(
    catalog: Catalog, learner: Learner, track: Track, percents: dict[str, list[int]]
) -> dict[str, Any]:
    """A learner's progress on a track, all None when the learner's export leaves it out."""
    if track.id not in learner.tracks:  # a one-track export says nothing of the rest
        return {
            "track": track.id,
            "percent": None,
            "cleared": None,
            "total": None,
            "in_progress": None,
            "projects_done": None,
        }
    progress = track_progress(catalog, learner.state, track)
    done_projects = sum(
        p.track == track.id and p.status == "done" for p in learner.state.projects.values()
    )
    percents[track.id].append(progress.percent)
    return {
        "track": track.id,
        "percent": progress.percent,
        "cleared": progress.cleared,
        "total": progress.total,
        "in_progress": progress.in_progress,
        "projects_done": done_projects,
    }


def to_csv(doc: dict[str, Any]) -> str:
    """One row per learner and track; no cell starts a spreadsheet formula."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "learner",
            "file",
            "track",
            "percent",
            "cleared",
            "total",
            "in_progress",
            "projects_done",
            "last_active",
            "reviews_overdue",
        ]
    )
    for row in doc["learners"]:
        for cell in row["tracks"]:
            values = (
                row["learner"],
                row["file"],
                cell["track"],
                cell["percent"],
                cell["cleared"],
                cell["total"],
                cell["in_progress"],
                cell["projects_done"],
                row["last_active"],
                row["reviews_overdue"],
            )
            writer.writerow(["" if v is None else spreadsheet_cell(str(v)) for v in values])
    return out.getvalue()


def to_markdown(doc: dict[str, Any]) -> str:
    from roadmap_cli.render.export import md_escape

    titles = [md_escape(t["title"]) for t in doc["tracks"]]
    lines = [f"# {md_escape(doc['catalog']['title'])}: cohort of {len(doc['learners'])}", ""]
    lines += ["| Learner | " + " | ".join(titles) + " | Last active | Reviews overdue |"]
    lines += ["| --- | " + " | ".join("---:" for _ in titles) + " | --- | ---: |"]
    for row in doc["learners"]:
        cells = [
            f"{c['percent']}% ({c['in_progress']} in progress, {c['projects_done']} projects)"
            if c["percent"] is not None
            else "n/a"
            for c in row["tracks"]
        ]
        last = (row["last_active"] or "")[:10] or "never"
        lines.append(
            f"| {md_escape(row['learner'])} | "
            + " | ".join(cells)
            + f" | {last} | {row['reviews_overdue']} |"
        )
    medians = [
        f"{doc['median'][t['id']]:g}%" if doc["median"][t["id"]] is not None else ""
        for t in doc["tracks"]
    ]
    lines.append("| **Median** | " + " | ".join(medians) + " | | |")
    lines += ["", "## Topics done", "", "| Topic | Learners done |", "| --- | ---: |"]
    for topic in doc["topics"]:
        lines.append(
            f"| {md_escape(topic['title'])} (`{topic['id']}`) | {topic['done']} of {topic['of']} |"
        )
    if doc["skipped"]:
        lines += ["", "## Skipped files", ""]
        lines += [f"- `{md_escape(s['file'])}`: {md_escape(s['reason'])}" for s in doc["skipped"]]
    return "\n".join(lines) + "\n"
