"""Commands that only read: status, tracks, topics, show, next, export."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from roadmap_cli.cli import completion
from roadmap_cli.cli.app import app
from roadmap_cli.cli.help import choice_option, choices, limit_option
from roadmap_cli.cli.session import JsonOption, TopicArgument, TrackOption, session_of

HELP_ORDER = 1  # where --help lists this module's commands


class StatusChoice(StrEnum):
    pending = "pending"
    in_progress = "in-progress"
    done = "done"
    skipped = "skipped"


class ExportFormat(StrEnum):  # the names of render.export.FORMATS (a test compares them)
    markdown = "markdown"
    json = "json"
    svg = "svg"
    mermaid = "mermaid"
    dot = "dot"


@app.command(rich_help_panel="Progress")
def status(
    ctx: typer.Context,
    track: TrackOption = None,
    limit: Annotated[int, limit_option(0, "suggestions")] = 3,
    json_out: JsonOption = False,
) -> None:
    """Your dashboard: progress per track, topics in progress and what to learn next.

    Example: roadmap status --track llm-mastery
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    cat = session.catalog()
    track_id = session.track_id(track)
    doc = documents.status(cat, session.load_state(), track_id, limit)
    session.emit(doc, json_out, "render_status")


@app.command(rich_help_panel="Topics")
def tracks(
    ctx: typer.Context,
    track: Annotated[
        str | None,
        typer.Argument(
            metavar="TRACK",
            help="Show this track in full: who it is for, its topics, ideas and signals.",
            show_default=False,
            autocompletion=completion.tracks,
        ),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """The four tracks, what each optimises for, and how far along you are; or one in full.

    With a track: what it optimises for and who it is for, the questions it answers, its
    topics with their status, its outcome ideas with the projects that take them on, and
    what recruiters look for.

    Example: roadmap tracks llm-mastery
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    if track is not None:
        track_id = session.track_id(track)
        assert track_id is not None
        doc = documents.track(session.catalog(), session.load_state(), track_id)
    else:
        doc = documents.tracks(session.catalog(), session.load_state())
    session.emit(doc, json_out, "render_track" if track else "render_tracks")


@app.command(rich_help_panel="Topics")
def topics(
    ctx: typer.Context,
    track: TrackOption = None,
    status: Annotated[
        StatusChoice | None,
        choice_option(StatusChoice, "--status", "-s", help="Only topics with this status."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """List topics with their status, in roadmap order.

    Example: roadmap topics --track generative-ai --status pending
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    cat = session.catalog()
    state = session.load_state()
    if track is not None:
        wanted = cat.track_by_id[session.track_id(track) or ""].topics
        rows = [cat.topic_by_id[t] for t in wanted]
    else:
        order = [t for tr in cat.ordered_tracks for t in tr.topics]
        rows = [cat.topic_by_id[t] for t in dict.fromkeys(order)]
    if status is not None:
        rows = [t for t in rows if state.status_of(t.id) == status.value]
    doc = documents.topics(cat, state, rows)
    session.emit(doc, json_out, "render_topics")


@app.command(rich_help_panel="Topics")
def show(
    ctx: typer.Context,
    topic: TopicArgument,
    json_out: JsonOption = False,
) -> None:
    """Everything about one topic: summary, prerequisites, tracks, resources, dates, note.

    Example: roadmap show rag
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    cat = session.catalog()
    (topic_id,) = session.topic_ids([topic], "show")
    with session.scheduler_known():  # a done topic's recall
        doc = documents.show(cat, session.load_state(), cat.topic_by_id[topic_id])
    session.emit(doc, json_out, "render_show")


@app.command("next", rich_help_panel="Topics")
def next_(
    ctx: typer.Context,
    track: TrackOption = None,
    limit: Annotated[int, limit_option(1, "suggestions")] = 5,
    json_out: JsonOption = False,
) -> None:
    """Suggested next topics, each with the reason it was picked.

    A topic is suggested once all its prerequisites are done or skipped: topics in progress
    first, then your focus track in roadmap order, then the other tracks in the suggested
    progression.

    Example: roadmap next --limit 3
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    cat = session.catalog()
    track_id = session.track_id(track)
    doc = documents.next_topics(cat, session.load_state(), track_id, limit)
    session.emit(doc, json_out, "render_next")


class PlanFormat(StrEnum):
    table = "table"
    markdown = "markdown"


@app.command(rich_help_panel="Topics")
def plan(
    ctx: typer.Context,
    hours: Annotated[
        float,
        typer.Option(
            "--hours",
            metavar="N",
            help="Study hours you have each week.",
            show_default=False,
        ),
    ],
    weeks: Annotated[
        int, typer.Option("--weeks", "-w", min=1, max=52, metavar="W", help="Weeks to plan.")
    ] = 4,
    track: TrackOption = None,
    json_out: JsonOption = False,
    output_format: Annotated[
        PlanFormat,
        typer.Option("--format", metavar=choices(PlanFormat), help="Table, or markdown to paste."),
    ] = PlanFormat.table,
) -> None:
    """A plan for the coming weeks: due reviews and topics in order, within your hours.

    Each week holds at most the hours you give; a topic longer than that goes on in the
    weeks after. The plan is worked out afresh each time, from your progress and the
    catalog's estimates; nothing is stored.

    Example: roadmap plan --hours 6 --weeks 3 --format markdown
    """
    from datetime import date

    from roadmap_cli.core.errors import UsageError
    from roadmap_cli.render import documents

    if not 0.5 <= hours <= 100:
        raise UsageError("--hours: give the hours of a week, from 0.5 to 100")
    session = session_of(ctx)
    doc = documents.plan_doc(
        session.catalog(), session.load_state(), hours, weeks, date.today(), session.track_id(track)
    )
    if json_out:
        session.print_json(doc)
    elif output_format is PlanFormat.markdown:
        from roadmap_cli.render.export import plan_markdown

        sys.stdout.write(plan_markdown(doc))
    else:
        from roadmap_cli.render import terminal

        session.print(terminal.render_plan(doc))


@app.command("map", rich_help_panel="Topics")
def map_(ctx: typer.Context, track: TrackOption = None, json_out: JsonOption = False) -> None:
    """The map of the roadmap: each track's topics by depth, under their prerequisites.

    Each topic sits under the prerequisite it needs last and names its others after a +; its
    mark and colour say where you stand (a legend follows).

    Example: roadmap map --track ai-developer
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    doc = documents.roadmap_map(session.catalog(), session.load_state(), session.track_id(track))
    session.emit(doc, json_out, "render_map")


def _learner(name: str | None) -> str:
    """The name to put in an export: given, or the user name; never an e-mail address."""
    import getpass

    from roadmap_cli.core.errors import UsageError
    from roadmap_cli.core.sanitize import MAX_NAME, is_email, note_text

    if name is not None:
        clean = note_text(name, "--name", MAX_NAME)
        if not clean or is_email(clean):
            raise UsageError(
                f"--name '{name}' is not a display name (and may not be an e-mail address)"
            )
        return clean
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no user-name variable, and no pwd (Windows)
        user = "learner"
    import unicodedata

    return unicodedata.normalize("NFKC", user).split("@", 1)[0] or "learner"


ExportFormatOption = Annotated[
    ExportFormat | None,
    typer.Option(
        "--format",
        "-f",
        metavar=choices(ExportFormat),
        help="markdown for GitHub, json, an svg progress card, or the prerequisite graph"
        " as mermaid or dot (default: from the extension of --output, else markdown).",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="FILE", help="Write here instead of stdout.", show_default=False
    ),
]
NameOption = Annotated[
    str | None,
    typer.Option(
        "--name",
        metavar="NAME",
        help="Your name in a JSON export, for a mentor's cohort report (default: your"
        " user name; never an e-mail address).",
        show_default=False,
    ),
]


@app.command(rich_help_panel="Sharing")
def export(
    ctx: typer.Context,
    format: ExportFormatOption = None,
    output: OutputOption = None,
    track: TrackOption = None,
    name: NameOption = None,
) -> None:
    """Export your progress: GitHub-ready markdown, versioned JSON, an SVG card, or a graph.

    The JSON holds your history too; 'roadmap import' and 'roadmap cohort' read it. With
    --output, the format follows the file's extension (.md, .json, .svg) unless --format is
    given; the file is readable by others, as an export is meant to be shared.

    Example: roadmap export --output PROGRESS.md
    """
    from roadmap_cli.core.state import now
    from roadmap_cli.render import export as exporters

    if output is not None and (not output.name or os.path.isdir(output)):
        from roadmap_cli.core.errors import UsageError

        raise UsageError(f"--output '{output}' is no file name: give the export's file")
    chosen = format.value if format else exporters.format_of(output.suffix if output else "")
    session = session_of(ctx)
    request = exporters.Request(
        session.catalog(),
        session.load_state(),
        session.track_id(track),
        now(),
        lambda: session.store().history().records,
        lambda: _learner(name),
    )
    _, write = exporters.FORMATS[chosen]
    text = write(request)
    if output is None:
        sys.stdout.write(text)
        return
    session.store().write_elsewhere(output, text.encode("utf-8"))
    session.print(f"Wrote {chosen} export to {output}")
