"""Commands that change progress: start, done, skip, reset, note, focus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from roadmap_cli.cli import completion
from roadmap_cli.cli.app import app
from roadmap_cli.cli.session import (
    DateOption,
    JsonOption,
    Session,
    TopicArgument,
    TopicsArgument,
    YesOption,
    confirm,
    session_of,
)
from roadmap_cli.core.errors import UsageError

HELP_ORDER = 2  # where --help lists this module's commands

if TYPE_CHECKING:
    from roadmap_cli.core.progress import TrackProgress
    from roadmap_cli.core.state import State
    from roadmap_cli.core.transitions import Change


# One of core.transitions: moves one topic in the state and returns what it did (None: the
# topic was already there).
Transition = Callable[["State", str, datetime], "Change | None"]


# The optional TRACK of `focus` and `goal`.
TrackArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="TRACK",
        help="Track id or title.",
        show_default=False,
        autocompletion=completion.tracks,
    ),
]


# What each command that can drop a finish date does to a done topic, in a question.
_DROPS = {"start": ("start", "started"), "skip": ("skip", "skipped"), "reset": ("reset", "reset")}


def _ask_before_dropping(session: Session, name: str, ids: list[str], yes: bool) -> None:
    """Ask before a command drops the finish date of a done topic (unless --yes)."""
    from roadmap_cli.core.transitions import loses_finish

    if name not in _DROPS or yes:
        return
    state = session.load_state()
    lost = [(t, when) for t in ids if (when := loses_finish(state, t)) is not None]
    if not lost:
        return
    verb, what = _DROPS[name]
    dates = ", ".join(f"{t} (finished {when:%Y-%m-%d})" for t, when in lost)
    one = len(lost) == 1
    question = (
        f"{dates} {'is' if one else 'are'} done; to {verb} {'it' if one else 'them'} drops"
        f" {'its finish date' if one else 'their finish dates'}. Go on?"
    )
    confirm(question, yes, what)


def _apply(
    ctx: typer.Context, name: str, queries: list[str], change: Transition, yes: bool = False
) -> None:
    """Resolve every id first (nothing changes if one is wrong), then change them in one write.

    `change` is one of `core.transitions`: it changes one topic and returns what it did, or
    None when the topic was already there. A change that drops a done topic's finish date
    asks first, unless `yes`.
    """
    from roadmap_cli.core.progress import progress_of_tracks_with
    from roadmap_cli.core.state import now
    from roadmap_cli.core.transitions import Change
    from roadmap_cli.render import documents

    session = session_of(ctx)
    cat = session.catalog()
    ids = session.topic_ids(queries, name)
    _ask_before_dropping(session, name, ids, yes)
    moment = now()

    def apply_all(state: State) -> tuple[list[tuple[str, Change]], list[TrackProgress]]:
        lines = [
            (
                topic_id,
                change(state, topic_id, moment)
                or Change("already", after=state.status_of(topic_id)),
            )
            for topic_id in ids
        ]
        return lines, progress_of_tracks_with(cat, state, ids)

    lines, progress = session.update(apply_all, f"{name} {' '.join(ids)}")
    from roadmap_cli.render.terminal import render_change

    # Drawn once the lock is let go. A note or time spent changes no progress: the tracks'
    # bars would only repeat themselves.
    shown = [documents.track_progress(p) for p in progress] if name not in ("note", "time") else []
    session.print(render_change(lines, shown))


def _day(when: str | None) -> date | None:
    from roadmap_cli.core.transitions import parse_day

    return parse_day(when) if when is not None else None


@app.command(rich_help_panel="Progress")
def start(
    ctx: typer.Context, topics: TopicsArgument, when: DateOption = None, yes: YesOption = False
) -> None:
    """Mark topics as in progress (since today, or --date).

    A done topic asks first: starting it again drops its finish date.

    Example: roadmap start python ml-ai-basics --date yesterday
    """
    _move(ctx, "start", topics, when, yes)


@app.command(rich_help_panel="Progress")
def done(
    ctx: typer.Context,
    topics: TopicsArgument,
    note: Annotated[
        str | None,
        typer.Option("--note", metavar="TEXT", help="Attach a note.", show_default=False),
    ] = None,
    when: DateOption = None,
) -> None:
    """Mark topics as done.

    Example: roadmap done rag --note "built a PDF Q&A bot" --date 2026-11-20
    """
    from roadmap_cli.core import transitions
    from roadmap_cli.core.sanitize import note_text

    day = _day(when)
    cleaned = note_text(note) if note is not None else None

    def change(state: State, topic_id: str, moment: datetime) -> Change | None:
        return transitions.finish(state, topic_id, moment, day=day, note=cleaned)

    with session_of(ctx).scheduler_known():  # a topic done is scheduled for review
        _apply(ctx, "done", topics, change)


@app.command(rich_help_panel="Progress")
def skip(
    ctx: typer.Context, topics: TopicsArgument, when: DateOption = None, yes: YesOption = False
) -> None:
    """Mark topics as skipped: they count as cleared, like done, but say you passed them by.

    A done topic asks first: skipping it drops its finish date.

    Example: roadmap skip ml-math
    """
    _move(ctx, "skip", topics, when, yes)


def _move(ctx: typer.Context, command: str, topics: list[str], when: str | None, yes: bool) -> None:
    """`start` and `skip`: the transition of that name (core.transitions) on each topic."""
    from roadmap_cli.core import transitions

    day = _day(when)
    move = transitions.start if command == "start" else transitions.skip

    def change(state: State, topic_id: str, moment: datetime) -> Change | None:
        return move(state, topic_id, moment, day=day)

    _apply(ctx, command, topics, change, yes)


@app.command(rich_help_panel="Progress")
def reset(
    ctx: typer.Context,
    topics: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="TOPIC...",
            help="Topic ids to set back to pending.",
            show_default=False,
            autocompletion=completion.topics,
        ),
    ] = None,
    track: Annotated[
        str | None,
        typer.Option(
            "--track",
            "-t",
            metavar="TRACK",
            help="Reset every topic of this track.",
            show_default=False,
            autocompletion=completion.tracks,
        ),
    ] = None,
    yes: YesOption = False,
) -> None:
    """Set topics back to pending, or a whole track with --track (asks first).

    A done topic asks first: resetting it drops its finish date. Notes are kept.

    Example: roadmap reset rag; roadmap reset --track aiops --yes
    """
    from roadmap_cli.core import transitions

    if bool(topics) == (track is not None):
        raise UsageError("give topic ids or --track TRACK (not both)")
    if topics:
        _apply(ctx, "reset", topics, transitions.reset, yes)
        return
    assert track is not None
    session = session_of(ctx)
    cat = session.catalog()
    chosen = cat.track_by_id[session.track_id(track) or ""]
    state = session.load_state()
    touched = [t for t in chosen.topics if state.status_of(t) != "pending"]
    if not touched:
        session.print(f"Nothing to reset: every topic of {chosen.title} is pending.")
        return
    shared = [t for t in touched if len(cat.tracks_of_topic[t]) > 1]
    verb = "counts" if len(shared) == 1 else "count"
    also = f" ({', '.join(shared)} also {verb} in other tracks)" if shared else ""
    count = f"{len(touched)} topic{'s' if len(touched) > 1 else ''}"
    done = sum(state.status_of(t) == "done" for t in touched)
    dropped = f", dropping {done} finish date{'s' if done > 1 else ''}" if done else ""
    question = f"Reset {count} of {chosen.title} to pending{also}{dropped}?"
    confirm(question, yes, "reset")
    _apply(ctx, "reset", touched, transitions.reset, yes=True)


@app.command(rich_help_panel="Progress")
def note(
    ctx: typer.Context,
    topic: TopicArgument,
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help='The note; "" removes it.', show_default=False)
    ],
) -> None:
    """Attach a note to a topic (replacing any earlier note).

    Example: roadmap note rag "chunk size 512 worked best"
    """
    from roadmap_cli.core import transitions
    from roadmap_cli.core.sanitize import note_text

    cleaned = note_text(text)

    def change(state: State, topic_id: str, moment: datetime) -> Change:
        return transitions.set_note(state, topic_id, moment, cleaned)

    _apply(ctx, "note", [topic], change)


@app.command("time", rich_help_panel="Progress")
def time_(
    ctx: typer.Context,
    topic: TopicArgument,
    spent: Annotated[
        str,
        typer.Argument(
            metavar="DURATION",
            help="How long: 1h30, 1.5h, 90m, 90 (minutes) or 1:30.",
            show_default=False,
        ),
    ],
    when: DateOption = None,
) -> None:
    """Record time spent studying a topic; show and the export add it up.

    Example: roadmap time rag 1h30 --date yesterday
    """
    from roadmap_cli.core import transitions

    minutes = transitions.parse_duration(spent)
    day = _day(when)

    def change(state: State, topic_id: str, moment: datetime) -> Change:
        return transitions.spend(state, topic_id, minutes, moment, day=day)

    _apply(ctx, "time", [topic], change)


@app.command(rich_help_panel="Progress")
def focus(
    ctx: typer.Context,
    track: TrackArgument = None,
    clear: Annotated[bool, typer.Option("--clear", help="Have no focus track.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Choose the track that 'status' and 'next' put first; without a track, show it.

    Example: roadmap focus generative-ai
    """
    from roadmap_cli.core.progress import focus_of

    session = session_of(ctx)
    cat = session.catalog()
    if track is not None and clear:
        raise UsageError("give a track or --clear, not both")
    if track is None and not clear:
        current = focus_of(cat, session.load_state())
    else:
        current = session.track_id(track)

        def set_focus(state: State) -> None:
            state.focus = current

        session.update(set_focus, f"focus {current}" if current else "focus --clear")
    if json_out:
        from roadmap_cli.render import documents

        session.print_json(documents.focus(cat, current))
    elif current:
        session.print(f"Focus track: {cat.track_by_id[current].title} ({current})")
    elif clear:
        session.print("Focus cleared.")
    else:
        session.print(
            "No focus track. Choose one with 'roadmap focus TRACK' (see 'roadmap tracks')."
        )


@app.command(rich_help_panel="Progress")
def goal(
    ctx: typer.Context,
    track: TrackArgument = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="DATE",
            help="The day to have the track cleared by: YYYY-MM-DD.",
            show_default=False,
        ),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Drop the track's goal.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Set a date to clear a track by; status then says if you are on track and what it needs.

    Without --by or --clear, show the goals, each with its forecast at your pace.

    Example: roadmap goal ai-developer --by 2027-03-31
    """
    from datetime import date

    from roadmap_cli.core.state import Goal
    from roadmap_cli.render import documents

    session = session_of(ctx)
    cat = session.catalog()
    if (by is not None or clear) and track is None:
        raise UsageError(
            "--by and --clear need a TRACK, e.g. 'roadmap goal aiops --by 2027-06-30'", hint=False
        )
    if by is not None and clear:
        raise UsageError("give --by DATE or --clear, not both")
    track_id = session.track_id(track)
    if by is not None or clear:
        from roadmap_cli.core.pace import goal_day

        day = goal_day(by, date.today()) if by is not None else None

        def set_goal(state: State) -> bool:
            kept = [g for g in state.goals if g.track != track_id]
            before = list(state.goals)
            assert track_id is not None
            state.goals = sorted([*kept, Goal(track_id, day)] if day else kept)
            return state.goals != before

        changed = session.update(
            set_goal, f"goal {track_id} --by {by}" if by else f"goal {track_id} --clear"
        )
        if clear:
            said = "goal cleared" if changed else "had no goal; nothing was changed"
            session.print(f"{track_id}: {said}")
            return
    doc = documents.goals(cat, session.load_state(), track_id, date.today())
    session.emit(doc, json_out, "render_goals")
