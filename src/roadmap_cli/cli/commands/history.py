"""Commands about the progress file itself: log, undo, doctor."""

from __future__ import annotations

from typing import Annotated

import typer

from roadmap_cli.cli.app import app
from roadmap_cli.cli.help import limit_option
from roadmap_cli.cli.session import JsonOption, session_of
from roadmap_cli.core.errors import RoadmapError, UsageError

HELP_ORDER = 4  # where --help lists this module's commands
DEFAULT_WEEKS = 12  # weeks in `log --calendar --json` unless --weeks says
MAX_WEEKS = 53


@app.command(rich_help_panel="Progress")
def log(
    ctx: typer.Context,
    limit: Annotated[int, limit_option(1, "changes")] = 20,
    calendar: Annotated[
        bool, typer.Option("--calendar", help="Activity per day as a heat-map, with streaks.")
    ] = False,
    weeks: Annotated[
        int | None,
        typer.Option(
            "--weeks",
            min=1,
            max=MAX_WEEKS,
            metavar="N",
            help="How many weeks the calendar shows (default: as many as fit).",
            show_default=False,
        ),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Your changes, newest first, with each value before and after; or a learning calendar.

    With --calendar: the days you learned on (the dates topics and projects were started,
    finished or skipped, and projects worked on) as a heat-map of the last weeks, and your
    current and longest streak of such days.

    Example: roadmap log --calendar
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    if weeks is not None and not calendar:
        raise UsageError("--weeks goes with --calendar")
    records = session.store().history().records
    if calendar:
        from roadmap_cli.core.state import now

        # The terminal view shows as many of the weeks as fit its width.
        count = weeks or (DEFAULT_WEEKS if json_out else MAX_WEEKS)
        calendar_doc = documents.calendar(records, now().date(), count)
        session.emit(calendar_doc, json_out, "render_calendar")
        return
    from roadmap_cli.storage.store import this_machine

    doc = documents.log(list(reversed(records))[:limit], len(records), this_machine())
    session.emit(doc, json_out, "render_log")


@app.command(rich_help_panel="Progress")
def undo(
    ctx: typer.Context,
    anywhere: Annotated[
        bool,
        typer.Option(
            "--any",
            help="Take back the last change from any machine (one a sync brought, too).",
        ),
    ] = False,
) -> None:
    """Revert your last change on this machine; run it again to go further back.

    A value changed again since that change is left as it is, and said so. A change that
    arrived from another machine through 'roadmap sync' is that machine's to undo; --any
    takes back the last change from anywhere, and says whose it was.

    Example: roadmap undo
    """
    from roadmap_cli.render import documents
    from roadmap_cli.storage.store import this_machine

    session = session_of(ctx)
    session.catalog()
    store = session.store()
    undone = store.undo(anywhere=anywhere)
    machine = this_machine()
    if undone is None:
        if any(r.barrier and (anywhere or machine.made(r)) for r in store.history().records):
            raise RoadmapError(
                "there is nothing to undo since 'roadmap doctor --repair' rebuilt the file"
                " (the damaged file is kept beside it as .corrupt-<time>)"
            )
        raise RoadmapError("there is nothing to undo")
    from roadmap_cli.render.terminal import render_undo

    session.print(render_undo(documents.undone(undone, machine)))


@app.command(rich_help_panel="Maintenance")
def doctor(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Move a file that cannot be used aside and keep every value it can still read.",
        ),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Check your progress file against the catalog and explain what it finds.

    Exit code 1 when the file cannot be used; 'roadmap doctor --repair' then moves it aside
    (to progress.toml.corrupt-<UTC time>) and writes a new one with every value it can still
    read ('Done' is done; a topic with a finish time is done), saying what it read and what
    it dropped. 'roadmap undo' right after puts the damaged file back.

    Example: roadmap doctor
    """
    from roadmap_cli.storage import doctor as checks

    session = session_of(ctx)
    store = session.store()
    if repair:
        done = checks.repair(store)
        entries = f"{len(done.kept)} entr{'y' if len(done.kept) == 1 else 'ies'}"
        lines = [
            f"Moved the damaged file to {done.moved_to}",
            f"Wrote {done.written} with {entries}",
        ]
        if done.merged:
            lines = [
                f"Merged both sides of the git conflict in {done.written} ({entries});"
                f" the file as it was is kept as {done.moved_to}"
            ]
        lines += [f"Read {item}" for item in done.read_as]
        lines += [f"Dropped {item}" for item in done.dropped]
        lines += [f"Removed {item}" for item in done.removed]
        if not done.edited:
            lines.append(
                "The damaged file was not TOML, so the new one is written afresh: comments and"
                f" keys of your own are only in {done.moved_to.name}"
            )
        session.print("\n".join(lines), wrap=False)  # paths, whole, one a line
        return
    findings = checks.diagnose(store, session.catalog(checked=True))
    doc = checks.to_json(findings)
    session.emit(doc, json_out, "render_doctor")
    if not doc["healthy"]:
        raise typer.Exit(1)
