"""Exporters: pure functions from (catalog, state) to the text of a markdown or JSON export."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.errors import UsageError
from roadmap_cli.core.progress import TrackProgress, all_track_progress, focus_of
from roadmap_cli.core.projects import check_url
from roadmap_cli.core.records import Record
from roadmap_cli.core.sanitize import one_line
from roadmap_cli.core.state import (
    CARRIED_FIELDS,
    PORTFOLIO_FIELDS,
    State,
    TopicProgress,
    head_to_json,
    to_json,
)
from roadmap_cli.render import documents, graph

# Characters that could start markup inside a line of GitHub-flavoured markdown (`$` opens
# GitHub's math). `&`, `<` and `>` become entities, so no text can open an HTML tag or smuggle
# one in as an entity.
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]!|~#$])")
_LIST_MARK = re.compile(r"^([-+=])")
_NUMBERED = re.compile(r"^(\d+)([.)])")


def md_escape(text: str) -> str:
    """Text from titles and notes as one inert line of markdown."""
    flat = one_line(text)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MD_PUNCTUATION.sub(r"\\\1", flat)
    # At the start of a paragraph these would open a list (or underline a heading).
    return _NUMBERED.sub(r"\1\\\2", _LIST_MARK.sub(r"\\\1", escaped))


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d}" if moment else ""


def _describe(entry: TopicProgress | None) -> str:
    """`done 2026-11-20, last reviewed 2026-12-01`, `in progress since ...`, `skipped ...`:
    the words beside a checkbox."""
    from roadmap_cli.core.transitions import duration

    if entry is None:
        return ""
    total = sum(s.minutes for s in entry.spent)
    spent = f", {duration(total)} spent" if total else ""
    if entry.status is None:
        return f"{duration(total)} spent" if total else ""
    if entry.status == "done":
        from roadmap_cli.core.review import last_reviewed

        reviewed = last_reviewed(entry)
        last = f", last reviewed {_day(reviewed)}" if reviewed else ", not reviewed yet"
        return f"done {_day(entry.finished or entry.updated)}{spent}{last}"
    if entry.status == "in-progress":
        return f"in progress since {_day(entry.started or entry.updated)}{spent}"
    return f"skipped {_day(entry.finished or entry.updated)}{spent}"


def _selected(catalog: Catalog, state: State, track_id: str | None) -> list[TrackProgress]:
    progress = all_track_progress(catalog, state)
    return [p for p in progress if track_id is None or p.id == track_id]


def to_markdown(
    catalog: Catalog, state: State, *, track_id: str | None = None, when: datetime
) -> str:
    """A progress report that renders cleanly on GitHub, with one task list per track."""
    selected = _selected(catalog, state, track_id)
    topic_ids = list(dict.fromkeys(t for p in selected for t in catalog.track_by_id[p.id].topics))
    statuses = [state.status_of(t) for t in topic_ids]
    done, skipped = statuses.count("done"), statuses.count("skipped")
    in_progress = statuses.count("in-progress")
    cleared = done + skipped
    percent = cleared * 100 // len(topic_ids) if topic_ids else 0

    lines = [f"# {md_escape(catalog.title)}: my progress", ""]
    facts = [f"Exported {when:%Y-%m-%d}"]
    focus = focus_of(catalog, state)
    if focus:
        facts.append(f"Focus track: {md_escape(catalog.track_by_id[focus].title)}")
    last = state.last_active()
    if last:
        facts.append(f"Last active {_day(last)}")
    lines += [". ".join(facts) + ".", ""]
    lines += [
        f"**Overall:** {cleared} of {len(topic_ids)} topics cleared ({percent}%): "
        f"{done} done, {skipped} skipped, {in_progress} in progress.",
        "",
        "| Track | Cleared | Done | Skipped | In progress |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for p in selected:
        marker = " (focus)" if p.focus else ""
        lines.append(
            f"| {md_escape(p.title)}{marker} | {p.cleared}/{p.total} ({p.percent}%) "
            f"| {p.done} | {p.skipped} | {p.in_progress} |"
        )
    for p in selected:
        track = catalog.track_by_id[p.id]
        lines += ["", f"## {md_escape(track.title)}", ""]
        lines += [f"{p.cleared} of {p.total} topics cleared ({p.percent}%).", ""]
        for topic_id in track.topics:
            entry = state.topics.get(topic_id)
            box = "x" if state.status_of(topic_id) == "done" else " "
            title = md_escape(catalog.topic_by_id[topic_id].title)
            described = _describe(entry)
            words = f" — {described}" if described else ""
            lines.append(f"- [{box}] **{title}** (`{topic_id}`){words}")
            if entry is not None and entry.note:
                lines.append(f"  Note: {md_escape(entry.note)}")
        # The track's prerequisite graph, which GitHub draws as a diagram.
        drawn = graph.to_mermaid(graph.graph(catalog, state, track.id))
        lines += ["", "```mermaid", drawn.rstrip("\n"), "```"]
    lines += _projects_markdown(catalog, state, [p.id for p in selected])
    return "\n".join(lines) + "\n"


def _paragraphs(text: str | None) -> list[str]:
    """A long text as inert markdown paragraphs: blank lines kept, each paragraph escaped
    (so a `# heading` or a code fence in it shows as written, never as markup)."""
    blocks = re.split(r"\n\s*\n", text or "")
    return [md_escape(block) for block in blocks if block.strip()]


def _link(label: str, url: str | None) -> str | None:
    """A markdown link to a URL that passes the project URL check; otherwise inert text."""
    if not url:
        return None
    try:
        safe = check_url(url)
    except UsageError:
        return f"{label}: {md_escape(url)}"
    return f"[{label}](<{safe}>)"


def _projects_markdown(catalog: Catalog, state: State, track_ids: list[str]) -> list[str]:
    """A Projects section: each project with its track, outcome, links and portfolio fields."""
    # With every track exported, projects of tracks the catalog no longer has come too, last.
    every = set(track_ids) >= set(catalog.track_by_id)
    chosen = sorted(
        ((pid, p) for pid, p in state.projects.items() if every or p.track in track_ids),
        key=lambda item: (
            track_ids.index(item[1].track) if item[1].track in track_ids else len(track_ids),
            item[0],
        ),
    )
    if not chosen:
        return []
    lines = ["", "## Projects"]
    for _, project in chosen:
        track = catalog.track_by_id.get(project.track)
        outcomes = track.outcomes if track else ()
        outcome = next((o.title for o in outcomes if o.id == project.outcome), project.outcome)
        status = project.status.replace("-", " ")
        if project.status == "done" and project.finished:
            status += f" {_day(project.finished)}"
        facts = [f"**Track:** {md_escape(track.title if track else project.track)}"]
        if outcome:
            facts.append(f"**Outcome:** {md_escape(outcome)}")
        facts.append(f"**Status:** {status}")
        links = [x for x in (_link("Repository", project.repo), _link("Demo", project.demo)) if x]
        lines += ["", f"### {md_escape(project.title)}", "", " · ".join(facts)]
        if links:
            lines += ["", " · ".join(links)]
        if project.topics:
            lines += ["", "**Topics:** " + ", ".join(f"`{t}`" for t in project.topics)]
        for name in PORTFOLIO_FIELDS:
            paragraphs = _paragraphs(getattr(project, name))
            if paragraphs:
                lines += ["", f"**{PORTFOLIO_FIELDS[name]}.** {paragraphs[0]}"]
                for paragraph in paragraphs[1:]:
                    lines += ["", paragraph]
    return lines


def to_json_document(
    catalog: Catalog,
    state: State,
    *,
    track_id: str | None = None,
    when: datetime,
    learner: str = "",
    records: list[Record] | None = None,
) -> dict[str, Any]:
    """Everything in the state and its history, the catalog ids it refers to, and a summary;
    validated against the `formats.export_schema.Export` model that
    docs/export-format.schema.json shows."""
    from roadmap_cli.formats.export_schema import EXPORT_FORMAT_NAME, VERSION, Export

    selected = _selected(catalog, state, track_id)
    if track_id is None:
        entries = dict(sorted(state.topics.items()))
    else:
        wanted = set(catalog.track_by_id[track_id].topics)
        entries = {k: v for k, v in sorted(state.topics.items()) if k in wanted}
    document = {
        "format": EXPORT_FORMAT_NAME,
        "version": VERSION,
        "exported_at": when.isoformat(),
        "learner": learner,
        "catalog": {
            "id": catalog.id,
            "title": catalog.title,
            "tracks": [p.id for p in selected],
            "topics": sorted({t for p in selected for t in catalog.track_by_id[p.id].topics}),
        },
        "state": {
            "schema_version": state.schema_version,
            **{name: head_to_json(name, getattr(state, name)) for name in CARRIED_FIELDS},
            "topics": {
                topic_id: {
                    "status": entry.status or "pending",
                    **to_json(entry, exclude=("status",)),
                }
                for topic_id, entry in entries.items()
            },
            "projects": {
                project_id: to_json(project)
                for project_id, project in sorted(state.projects.items())
                if project.track in {p.id for p in selected}
            },
        },
        "history": _history_of(records or [], _covered(catalog, state, track_id)),
        "summary": {"tracks": [documents.track_progress(p) for p in selected]},
    }
    # Validating JSON text (not Python values) reads ISO times the way an importer will.
    checked = Export.model_validate_json(json.dumps(document)).model_dump(mode="json")
    for record in checked["history"]:
        for flag in ("foreign", "machine"):  # as before the fields: older versions read it
            if not record[flag]:
                del record[flag]
    return checked


def _covered(catalog: Catalog, state: State, track_id: str | None) -> set[str] | None:
    """The history keys a one-track export covers (None: everything)."""
    if track_id is None:
        return None
    topics = {f"topics.{t}" for t in catalog.track_by_id[track_id].topics}
    return topics | {f"projects.{p}" for p, pr in state.projects.items() if pr.track == track_id}


def _history_of(records: list[Record], covered: set[str] | None) -> list[dict[str, Any]]:
    """The records of an export; with one track, only the changes to what it covers."""
    if covered is None:
        return [json.loads(record.to_json()) for record in records]
    kept = []
    for record in records:
        changes = tuple(c for c in record.changes if c.key in covered)
        if changes:
            kept.append(json.loads(record._replace(changes=changes).to_json()))
    return kept


def plan_markdown(doc: dict[str, Any]) -> str:
    """The weekly plan as GitHub-flavoured markdown: a checklist a week, to paste into notes."""
    from roadmap_cli.render.terminal import plan_hours, plan_part

    lines = [f"# Study plan: {plan_hours(doc['hours_per_week'])} a week", ""]
    for n, week in enumerate(doc["weeks"], 1):
        lines.append(
            f"## Week {n}: {week['start']:%Y-%m-%d} to {week['end']:%Y-%m-%d}"
            f" ({plan_hours(week['hours'])})"
        )
        lines.append("")
        for item in week["items"]:
            what = "Review " if item["kind"] == "review" else ""
            lines.append(
                f"- [ ] {what}**{md_escape(item['title'])}** (`{item['id']}`),"
                f" {plan_hours(item['hours'])}{plan_part(item)}"
            )
        if not week["items"]:
            lines.append("Nothing left to plan.")
        lines.append("")
    return "\n".join(lines)


class Request(NamedTuple):
    """What an export is made of. The history and the learner's name are read only by the
    formats that show them."""

    catalog: Catalog
    state: State
    track_id: str | None
    when: datetime
    history: Callable[[], list[Record]]
    learner: Callable[[], str]


def _markdown(r: Request) -> str:
    return to_markdown(r.catalog, r.state, track_id=r.track_id, when=r.when)


def _json(r: Request) -> str:
    document = to_json_document(
        r.catalog,
        r.state,
        track_id=r.track_id,
        when=r.when,
        learner=r.learner(),
        records=r.history(),
    )
    return documents.dumps(document) + "\n"


def _svg(r: Request) -> str:
    from roadmap_cli.render.card import to_svg

    return to_svg(r.catalog, r.state, r.history(), today=r.when.date(), track_id=r.track_id)


def _mermaid(r: Request) -> str:
    return graph.to_mermaid(graph.graph(r.catalog, r.state, r.track_id))


def _dot(r: Request) -> str:
    return graph.to_dot(graph.graph(r.catalog, r.state, r.track_id))


# `roadmap export --format NAME`: each format, the extensions of `--output` that choose it
# (any other is markdown, as no file is), and what writes it.
FORMATS: dict[str, tuple[tuple[str, ...], Callable[[Request], str]]] = {
    "markdown": ((".md", ".markdown"), _markdown),
    "json": ((".json",), _json),
    "svg": ((".svg",), _svg),
    "mermaid": ((".mmd", ".mermaid"), _mermaid),
    "dot": ((".dot", ".gv"), _dot),
}


def format_of(suffix: str) -> str:
    """The format a file's extension names: markdown for any other."""
    found = [name for name, (extensions, _) in FORMATS.items() if suffix.lower() in extensions]
    return found[0] if found else "markdown"
