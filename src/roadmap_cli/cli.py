"""The `roadmap` command: parse the command line, call the core, hand the result to a view.

Errors from the core are `RoadmapError`s; `main` prints each as one line on stderr and exits
with its code. Typer's own usage errors are turned into the same one-line form.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from roadmap_cli import __version__
from roadmap_cli.errors import ExitCode, RoadmapError, UsageError

if TYPE_CHECKING:
    from rich.console import RenderableType

    from roadmap_cli.catalog import Catalog
    from roadmap_cli.state import State, Store

app = typer.Typer(
    name="roadmap",
    help=(
        "Track your progress through the AI Engineer Roadmap 2026: four tracks (AI Developer, "
        "Generative AI, LLM Mastery, AIOps), their topics and what to learn next.\n\n"
        "Run without a command to see your dashboard (the same as 'roadmap status')."
    ),
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class Session:
    """What every command needs: where the files are, and how to print."""

    catalog_flag: Path | None = None
    state_flag: Path | None = None
    no_color: bool = False
    _catalog: Catalog | None = field(default=None, repr=False)

    def catalog(self) -> Catalog:
        if self._catalog is None:
            from roadmap_cli import catalog, paths

            self._catalog = catalog.load(paths.catalog_path(self.catalog_flag))
        return self._catalog

    def store(self) -> Store:
        from roadmap_cli import paths
        from roadmap_cli.state import Store

        return Store(paths.state_path(self.state_flag))

    def print(self, renderable: str | RenderableType | Callable[[int], RenderableType]) -> None:
        """Print a message, a renderable, or what a function of the output width returns."""
        from rich.text import Text

        from roadmap_cli.sanitize import printable
        from roadmap_cli.views import emit, make_console

        console = make_console(self.no_color)
        if isinstance(renderable, str):
            renderable = Text(printable(renderable))
        elif callable(renderable):
            renderable = renderable(console.width)
        emit(console, renderable)


def _session(ctx: typer.Context) -> Session:
    obj = ctx.find_root().obj
    assert isinstance(obj, Session)
    return obj


def _print_json(document: dict[str, Any]) -> None:
    from roadmap_cli.serialize import dumps

    utf8 = (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"
    sys.stdout.write(dumps(document, ascii_only=not utf8) + "\n")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"roadmap {__version__}\n")
        raise typer.Exit()


class StatusChoice(StrEnum):
    pending = "pending"
    in_progress = "in-progress"
    done = "done"
    skipped = "skipped"


class ExportFormat(StrEnum):
    markdown = "markdown"
    json = "json"


TrackOption = Annotated[
    str | None,
    typer.Option(
        "--track", "-t", help="Only this track (id, unique prefix or title).", show_default=False
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of a table.")
]
TopicsArgument = Annotated[
    list[str],
    typer.Argument(help="Topic ids (exact, any case, alias or unique prefix).", show_default=False),
]


@app.callback()
def root(
    ctx: typer.Context,
    catalog: Annotated[
        Path | None,
        typer.Option(
            "--catalog",
            metavar="PATH",
            help="Catalog file to use instead of the bundled one. [env: ROADMAP_CATALOG]",
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="PATH",
            help="Progress file to use (default: in your user data folder). [env: ROADMAP_STATE]",
            show_default=False,
        ),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Plain text, no colour (NO_COLOR=1 does the same).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = Session(catalog_flag=catalog, state_flag=state, no_color=no_color)
    if ctx.invoked_subcommand is None:
        status(ctx)


# --- read commands ---------------------------------------------------------------------------


@app.command()
def status(
    ctx: typer.Context,
    track: TrackOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="How many suggestions.")] = 3,
    json_out: JsonOption = False,
) -> None:
    """Your dashboard: progress per track, topics in progress and what to learn next.

    Example: roadmap status --track llm-mastery
    """
    from roadmap_cli import serialize

    session = _session(ctx)
    cat = session.catalog()
    track_id = cat.resolve_track(track) if track is not None else None
    doc = serialize.status(cat, session.store().load(), track_id, limit)
    if json_out:
        _print_json(doc)
        return
    from roadmap_cli.views import render_status

    session.print(render_status(doc))


@app.command()
def tracks(ctx: typer.Context, json_out: JsonOption = False) -> None:
    """The four tracks, what each optimises for, and how far along you are.

    Example: roadmap tracks
    """
    from roadmap_cli import serialize

    session = _session(ctx)
    doc = serialize.tracks(session.catalog(), session.store().load())
    if json_out:
        _print_json(doc)
        return
    from roadmap_cli.views import render_tracks

    session.print(render_tracks(doc))


@app.command()
def topics(
    ctx: typer.Context,
    track: TrackOption = None,
    status: Annotated[
        StatusChoice | None,
        typer.Option("--status", "-s", help="Only topics with this status.", show_default=False),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """List topics with their status, in roadmap order.

    Example: roadmap topics --track generative-ai --status pending
    """
    from roadmap_cli import serialize

    session = _session(ctx)
    cat = session.catalog()
    state = session.store().load()
    if track is not None:
        wanted = cat.track_by_id[cat.resolve_track(track)].topics
        rows = [cat.topic_by_id[t] for t in wanted]
    else:
        order = [t for tr in cat.ordered_tracks for t in tr.topics]
        rows = [cat.topic_by_id[t] for t in dict.fromkeys(order)]
    if status is not None:
        rows = [t for t in rows if state.status_of(t.id) == status.value]
    doc = serialize.topics(cat, state, rows)
    if json_out:
        _print_json(doc)
        return
    from roadmap_cli.views import render_topics

    session.print(lambda width: render_topics(doc, width))


@app.command()
def show(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="Topic id.", show_default=False)],
    json_out: JsonOption = False,
) -> None:
    """Everything about one topic: summary, prerequisites, tracks, resources, dates, note.

    Example: roadmap show rag
    """
    from roadmap_cli import serialize

    session = _session(ctx)
    cat = session.catalog()
    doc = serialize.show(cat, session.store().load(), cat.topic_by_id[cat.resolve_topic(topic)])
    if json_out:
        _print_json(doc)
        return
    from roadmap_cli.views import render_show

    session.print(render_show(doc))


@app.command("next")
def next_(
    ctx: typer.Context,
    track: TrackOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many suggestions.")] = 5,
    json_out: JsonOption = False,
) -> None:
    """Suggested next topics, each with the reason it was picked.

    A topic is suggested once all its prerequisites are done or skipped: topics in progress
    first, then your focus track in roadmap order, then the other tracks in the suggested
    progression.

    Example: roadmap next --limit 3
    """
    from roadmap_cli import serialize

    session = _session(ctx)
    cat = session.catalog()
    track_id = cat.resolve_track(track) if track is not None else None
    doc = serialize.next_topics(cat, session.store().load(), track_id, limit)
    if json_out:
        _print_json(doc)
        return
    from roadmap_cli.views import render_next

    session.print(render_next(doc))


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="markdown for GitHub, or json.")
    ] = ExportFormat.markdown,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write here instead of stdout.",
            show_default=False,
        ),
    ] = None,
    track: TrackOption = None,
) -> None:
    """Export your progress as GitHub-ready markdown or as versioned JSON.

    Example: roadmap export --output PROGRESS.md
    """
    from roadmap_cli import export as exporters
    from roadmap_cli.state import now

    session = _session(ctx)
    cat = session.catalog()
    track_id = cat.resolve_track(track) if track is not None else None
    state = session.store().load()
    render = exporters.to_json if format is ExportFormat.json else exporters.to_markdown
    text = render(cat, state, track_id=track_id, when=now())
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RoadmapError(f"cannot write {output}: {exc.strerror or exc}") from None
    sys.stdout.write(f"Wrote {format.value} export to {output}\n")


# --- write commands --------------------------------------------------------------------------


Change = Callable[["State", str, datetime], str | None]


def _apply(ctx: typer.Context, queries: list[str], change: Change) -> None:
    """Resolve every id first (nothing changes if one is wrong), then change them in one write.

    `change` is one of `changes.*`: it changes one topic and returns what it did, or None when
    the topic was already there.
    """
    from roadmap_cli import serialize
    from roadmap_cli.progress import progress_of_tracks_with
    from roadmap_cli.state import now

    session = _session(ctx)
    cat = session.catalog()
    ids = cat.resolve_topics(queries)
    moment = now()

    def apply_all(state: State) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
        lines = [
            (topic_id, change(state, topic_id, moment) or f"already {state.status_of(topic_id)}")
            for topic_id in ids
        ]
        progress = progress_of_tracks_with(cat, state, ids)
        return lines, [serialize.track_progress(p) for p in progress]

    lines, progress = session.store().update(apply_all)
    from roadmap_cli.views import render_change

    session.print(render_change(lines, progress))


@app.command()
def start(ctx: typer.Context, topics: TopicsArgument) -> None:
    """Mark topics as in progress.

    Example: roadmap start python ml-ai-basics
    """
    from roadmap_cli import changes

    _apply(ctx, topics, changes.start)


@app.command()
def done(
    ctx: typer.Context,
    topics: TopicsArgument,
    note: Annotated[
        str | None, typer.Option("--note", help="Attach a note.", show_default=False)
    ] = None,
    when: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="YYYY-MM-DD",
            help="The day you finished (default: today).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Mark topics as done.

    Example: roadmap done rag --note "built a PDF Q&A bot" --date 2026-11-20
    """
    from roadmap_cli import changes
    from roadmap_cli.sanitize import note_text

    day = changes.parse_day(when) if when is not None else None
    cleaned = note_text(note) if note is not None else None

    def change(state: State, topic_id: str, moment: datetime) -> str | None:
        return changes.finish(state, topic_id, moment, day=day, note=cleaned)

    _apply(ctx, topics, change)


@app.command()
def skip(ctx: typer.Context, topics: TopicsArgument) -> None:
    """Mark topics as skipped: they count as cleared, like done, but say you passed them by.

    Example: roadmap skip ml-math
    """
    from roadmap_cli import changes

    _apply(ctx, topics, changes.skip)


@app.command()
def reset(
    ctx: typer.Context,
    topics: Annotated[
        list[str] | None,
        typer.Argument(help="Topic ids to set back to pending.", show_default=False),
    ] = None,
    track: Annotated[
        str | None,
        typer.Option("--track", "-t", help="Reset every topic of this track.", show_default=False),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Set topics back to pending, or a whole track with --track (asks first).

    Notes are kept. Example: roadmap reset rag; roadmap reset --track aiops --yes
    """
    from roadmap_cli import changes

    if bool(topics) == (track is not None):
        raise UsageError("give topic ids or --track TRACK (not both); see 'roadmap reset --help'")
    if topics:
        _apply(ctx, topics, changes.reset)
        return
    assert track is not None
    session = _session(ctx)
    cat = session.catalog()
    chosen = cat.track_by_id[cat.resolve_track(track)]
    state = session.store().load()
    touched = [t for t in chosen.topics if state.status_of(t) != "pending"]
    if not touched:
        session.print(f"Nothing to reset: every topic of {chosen.title} is pending.")
        return
    shared = [t for t in touched if len(cat.tracks_of_topic[t]) > 1]
    verb = "counts" if len(shared) == 1 else "count"
    also = f" ({', '.join(shared)} also {verb} in other tracks)" if shared else ""
    count = f"{len(touched)} topic{'s' if len(touched) > 1 else ''}"
    question = f"Reset {count} of {chosen.title} to pending{also}?"
    if not yes:
        try:
            confirmed = typer.confirm(question, default=False, err=True)
        except typer.Abort:  # no answer: stdin closed or not a terminal
            sys.stderr.write("\n")
            raise RoadmapError(
                "no answer, nothing was reset; pass --yes to skip the question"
            ) from None
        if not confirmed:
            raise RoadmapError("nothing was reset")
    _apply(ctx, touched, changes.reset)


@app.command()
def note(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="Topic id.", show_default=False)],
    text: Annotated[str, typer.Argument(help='The note; "" removes it.', show_default=False)],
) -> None:
    """Attach a note to a topic (replacing any earlier note).

    Example: roadmap note rag "chunk size 512 worked best"
    """
    from roadmap_cli import changes
    from roadmap_cli.sanitize import note_text

    cleaned = note_text(text)

    def change(state: State, topic_id: str, moment: datetime) -> str:
        return changes.set_note(state, topic_id, moment, cleaned)

    _apply(ctx, [topic], change)


@app.command()
def focus(
    ctx: typer.Context,
    track: Annotated[
        str | None, typer.Argument(help="Track id or title.", show_default=False)
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Have no focus track.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Choose the track that 'status' and 'next' put first; without a track, show it.

    Example: roadmap focus generative-ai
    """
    from roadmap_cli.progress import focus_of

    session = _session(ctx)
    cat = session.catalog()
    if track is not None and clear:
        raise UsageError("give a track or --clear, not both")
    if track is None and not clear:
        current = focus_of(cat, session.store().load())
    else:
        current = cat.resolve_track(track) if track is not None else None

        def set_focus(state: State) -> None:
            state.focus = current

        session.store().update(set_focus)
    if json_out:
        title = cat.track_by_id[current].title if current else None
        _print_json({"version": 1, "focus": current, "title": title})
    elif current:
        session.print(f"Focus track: {cat.track_by_id[current].title} ({current})")
    elif clear:
        session.print("Focus cleared.")
    else:
        session.print(
            "No focus track. Choose one with 'roadmap focus TRACK' (see 'roadmap tracks')."
        )


# --- entry point -----------------------------------------------------------------------------


def _error(message: str) -> None:
    sys.stderr.write(f"roadmap: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    """Run the program; return its exit code (see docs/exit-codes.md)."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character gets '?', not a crash after a saved change.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="roadmap", standalone_mode=False)
    except RoadmapError as exc:
        _error(exc.message)
        return exc.exit_code
    except typer.Abort:
        _error("cancelled; nothing was changed")
        return ExitCode.FAILED
    except typer.TyperException as exc:  # Typer's usage errors: unknown command, option, value
        message = " ".join(exc.format_message().split())
        _error(f"{message} (see 'roadmap --help')")
        return int(getattr(exc, "exit_code", ExitCode.USAGE))
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:  # a bug: still one line, and no half-done change (writes are atomic)
        if os.environ.get("ROADMAP_DEBUG"):
            raise
        _error(
            f"unexpected {type(exc).__name__}: {exc}; nothing more was changed."
            " Set ROADMAP_DEBUG=1 to see the traceback and please report it"
        )
        return ExitCode.FAILED
    return result if isinstance(result, int) else ExitCode.OK
