"""`roadmap project ...` and `roadmap portfolio`: what the learner builds, and what it shows."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from roadmap_cli.cli import completion
from roadmap_cli.cli.app import app
from roadmap_cli.cli.help import RoadmapGroup, choice_option
from roadmap_cli.cli.session import (
    DateOption,
    JsonOption,
    Session,
    TrackOption,
    YesOption,
    confirm,
    session_of,
)
from roadmap_cli.core.errors import RoadmapError, UsageError

HELP_ORDER = 3  # where --help lists this module's commands

if TYPE_CHECKING:
    from roadmap_cli.core.state import Project, State

project_app = typer.Typer(
    cls=RoadmapGroup,
    help=(
        "Projects you build for a track: add, start, edit, done, show, list, remove, ideas.\n\n"
        'Example: roadmap project add "PDF Q&A bot" --track ai-developer'
    ),
    no_args_is_help=True,
)
app.add_typer(project_app, name="project", rich_help_panel="Projects")

ProjectArgument = Annotated[
    str,
    typer.Argument(
        metavar="PROJECT",
        help="Project id (exact, any case or unique prefix).",
        show_default=False,
        autocompletion=completion.projects,
    ),
]


def _topics_option(flag: str, what: str) -> Any:
    """A repeatable option that names topics: `--topic`, `--add-topic`, `--remove-topic`."""
    return typer.Option(
        flag,
        metavar="TOPIC",
        help=f"A topic the project {what} (repeat for more).",
        show_default=False,
        autocompletion=completion.topics,
    )


TopicOption = Annotated[list[str] | None, _topics_option("--topic", "applies")]
ProjectTrackOption = Annotated[
    str,
    typer.Option(
        "--track",
        "-t",
        metavar="TRACK",
        help="The track it shows skills of.",
        show_default=False,
        autocompletion=completion.tracks,
    ),
]
OutcomeOption = Annotated[
    str | None,
    typer.Option(
        "--outcome",
        "-o",
        metavar="IDEA",
        help="The track's outcome idea it realises ('roadmap project ideas').",
        show_default=False,
        autocompletion=completion.outcomes,
    ),
]


def _url_option(flag: str, help: str) -> Any:
    return typer.Option(flag, metavar="URL", help=help, show_default=False)


TEXT_HELP = "Text, or @FILE to read it from a file (@- for stdin)."


def _portfolio_option(name: str) -> Any:
    """`--<name>` for a portfolio field, its help the field's heading (core.state)."""
    from roadmap_cli.core.state import PORTFOLIO_FIELDS

    return typer.Option(
        f"--{name}",
        metavar="TEXT",
        help=f"{PORTFOLIO_FIELDS[name]}. {TEXT_HELP}",
        show_default=False,
    )


TEXT_LIMIT = 1_000_000  # characters read for one text from a file or stdin


def read_text_argument(value: str, *, stdin_used: list[bool] | None = None) -> str:
    """`@file.md` reads the text from a file (`@-` from stdin, once); anything else is the
    text itself. An empty file is refused: clearing a field takes an explicit ""."""
    if not value.startswith("@") or value == "@":
        return value
    name = value[1:]
    if name == "-":
        import sys

        if stdin_used is not None:
            if stdin_used:
                raise UsageError("only one text can come from stdin (@-)")
            stdin_used.append(True)
        text = sys.stdin.read(TEXT_LIMIT + 1)
    else:
        try:
            with Path(name).expanduser().open(encoding="utf-8-sig") as handle:
                text = handle.read(TEXT_LIMIT + 1)
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise UsageError(f"cannot read {name} for the text ({reason})") from None
    if len(text) > TEXT_LIMIT:
        raise UsageError(f"{name} is longer than {TEXT_LIMIT:,} characters; shorten it")
    if not text.strip():
        raise UsageError(f'{name} is empty; to clear a field, give "" instead')
    return text


class ProjectStatusChoice(StrEnum):
    planned = "planned"
    in_progress = "in-progress"
    done = "done"


def _resolve(session: Session, query: str, command: str) -> str:
    return session.project_id(query, command)


def _topics(session: Session, queries: list[str] | None) -> list[str] | None:
    return session.topic_ids(queries, "project") if queries else None


def _outcome(session: Session, track_id: str, query: str | None) -> str | None:
    if query is None:
        return None
    from roadmap_cli.core.matching import IdIndex

    track = session.catalog().track_by_id[track_id]
    if not track.outcomes:
        raise UsageError(f"{track.title} has no outcome ideas; leave out --outcome")
    titles = {o.title.lower().replace(" ", "-"): o.id for o in track.outcomes}
    index = IdIndex(
        "outcome idea",
        [o.id for o in track.outcomes],
        titles,
        f"'roadmap project ideas --track {track_id}'",
    )
    return index.resolve(query)


def _title(text: str) -> str:
    """A title on one line: control characters out, runs of white space as one space."""
    from roadmap_cli.core.sanitize import MAX_TEXT, note_text, stored

    title = " ".join(stored(text).split())
    if len(title) > MAX_TEXT:
        note_text(title, "a title")  # says what the limit is
    if not title:
        raise UsageError("a project needs a title")
    return title


def _said(session: Session, project_id: str, message: str) -> None:
    session.print(f"{project_id}: {message}")


@project_app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[
        str, typer.Argument(metavar="TITLE", help="What the project is called.", show_default=False)
    ],
    track: ProjectTrackOption,
    outcome: OutcomeOption = None,
    topic: TopicOption = None,
    repo: Annotated[str | None, _url_option("--repo", "Repository URL.")] = None,
) -> None:
    """Record a project you plan to build (planned until you start it).

    Example: roadmap project add "PDF Q&A bot" -t ai-developer -o document-qa-system --topic rag
    """
    from roadmap_cli.core.projects import check_url, new_id
    from roadmap_cli.core.state import Project, now

    session = session_of(ctx)
    track_id = session.track_id(track)
    assert track_id is not None
    clean_title = _title(title)
    outcome_id = _outcome(session, track_id, outcome)
    topic_ids = _topics(session, topic) or []
    repo_url = check_url(repo) if repo is not None else None
    moment = now()

    def add_project(state: State) -> str:
        project_id = new_id(clean_title, set(state.projects))
        state.projects[project_id] = Project(
            title=clean_title,
            track=track_id,
            outcome=outcome_id,
            topics=topic_ids,
            repo=repo_url,
            created=moment,
            updated=moment,
        )
        return project_id

    project_id = session.update(add_project, f"project add {clean_title}")
    _said(
        session, project_id, f"added to {session.catalog().track_by_id[track_id].title} (planned)"
    )


def _change_project(
    ctx: typer.Context, query: str, command: str, change: Any
) -> tuple[Session, str, Any]:
    """Resolve a project id, then apply `change(id, project, moment)` in one recorded write."""
    from roadmap_cli.core.state import now

    session = session_of(ctx)
    project_id = _resolve(session, query, command.rpartition(" ")[2])
    moment = now()

    def apply(state: State) -> Any:
        project = state.projects.get(project_id)
        if project is None:  # removed by another command meanwhile
            raise RoadmapError(f"project '{project_id}' is gone; see 'roadmap project list'")
        return change(project_id, project, moment)

    return session, project_id, session.update(apply, f"{command} {project_id}")


@project_app.command("start")
def start(ctx: typer.Context, project: ProjectArgument, when: DateOption = None) -> None:
    """Mark a project as in progress (since today, or --date).

    Example: roadmap project start pdf-q-a-bot --date -2d
    """
    from roadmap_cli.core.transitions import at_day, parse_day

    day = parse_day(when) if when is not None else None

    def change(project_id: str, item: Project, moment: Any) -> str:
        if item.status == "in-progress":
            if day is None or (item.started is not None and item.started.date() == day):
                return "already in-progress"
            was = item.started
            item.started, item.updated = at_day(day, moment), moment
            return f"start moved from {_date(was)} to {_date(item.started)}"
        before = item.status
        item.status, item.updated = "in-progress", moment
        lost = f" (finish date {_date(item.finished)} dropped)" if item.finished else ""
        item.finished = None
        if day is not None or item.started is None:
            item.started = at_day(day, moment)
        return f"{before} → in-progress{lost}"

    session, project_id, message = _change_project(ctx, project, "project start", change)
    _said(session, project_id, message)


def _date(moment: Any) -> str:
    return f"{moment:%Y-%m-%d}" if moment is not None else "none"


@project_app.command("done")
def done(
    ctx: typer.Context,
    project: ProjectArgument,
    when: DateOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Mark done even with portfolio fields missing.")
    ] = False,
) -> None:
    """Mark a project done, once its five portfolio fields are written (or --force).

    The fields: problem, architecture, evaluation, deployment, tradeoffs. A finish before the
    recorded start moves the start to it, and says so.

    Example: roadmap project done pdf-q-a-bot --date 2026-11-20
    """
    from roadmap_cli.core.transitions import at_day, parse_day

    day = parse_day(when) if when is not None else None

    def change(project_id: str, item: Project, moment: Any) -> str:
        if item.status == "done" and (
            day is None or (item.finished and item.finished.date() == day)
        ):
            return "already done"
        missing = item.missing_portfolio()
        if missing and not force:
            fill = " ".join(f"--{name} TEXT" for name in missing)
            raise RoadmapError(
                f"project '{project_id}' cannot be done yet: {', '.join(missing)}"
                f" {'is' if len(missing) == 1 else 'are'} missing. Fill them with"
                f" 'roadmap project edit {project_id} {fill}' (or --editor), or pass --force"
            )
        before, started, finished = item.status, item.started, item.finished
        item.status, item.updated = "done", moment
        item.finished = at_day(day, moment)
        item.started = (
            item.started if item.started and item.started <= item.finished else item.finished
        )
        if before != "done":
            message = f"{before} → done"
        else:
            message = f"finish moved from {_date(finished)} to {_date(item.finished)}"
        if started is not None and started.date() != item.started.date():
            message += f" (start moved from {_date(started)} to {_date(item.started)})"
        return message

    session, project_id, message = _change_project(ctx, project, "project done", change)
    _said(session, project_id, message)


def editor_command(editor: str, windows: bool = os.name == "nt") -> list[str]:
    """$EDITOR as a program and its arguments, split as the platform's shell would: on
    Windows a backslash is a folder's separator, and quotes hold a path with spaces."""
    import shlex

    if not windows:
        return shlex.split(editor)
    parts = shlex.split(editor, posix=False)
    return [p[1:-1] if len(p) > 1 and p[0] == p[-1] == '"' else p for p in parts]


def _edit_in_editor(project_id: str, item: Project) -> dict[str, str | None]:
    import subprocess
    import tempfile

    from roadmap_cli.core.projects import editor_template, parse_editor_text

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{project_id}.md"
        path.write_text(editor_template(project_id, item), encoding="utf-8")
        try:
            command = editor_command(editor)
        except ValueError as exc:
            raise RoadmapError(
                f"cannot read the editor command '{editor}' ({exc}); fix EDITOR"
            ) from None
        try:
            result = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise RoadmapError(
                f"cannot start the editor '{editor}' ({exc.strerror or exc}); set EDITOR"
            ) from None
        if result.returncode != 0:
            raise RoadmapError(
                f"the editor '{editor}' exited with {result.returncode}; nothing was changed"
            )
        return parse_editor_text(path.read_text(encoding="utf-8"))


@project_app.command("edit")
def edit(
    ctx: typer.Context,
    project: ProjectArgument,
    title: Annotated[
        str | None,
        typer.Option(
            "--title", metavar="TITLE", help="A new title (the id stays).", show_default=False
        ),
    ] = None,
    problem: Annotated[str | None, _portfolio_option("problem")] = None,
    architecture: Annotated[str | None, _portfolio_option("architecture")] = None,
    evaluation: Annotated[str | None, _portfolio_option("evaluation")] = None,
    deployment: Annotated[str | None, _portfolio_option("deployment")] = None,
    tradeoffs: Annotated[str | None, _portfolio_option("tradeoffs")] = None,
    repo: Annotated[str | None, _url_option("--repo", 'Repository URL ("" removes it).')] = None,
    demo: Annotated[str | None, _url_option("--demo", 'Demo URL ("" removes it).')] = None,
    add_topic: Annotated[list[str] | None, _topics_option("--add-topic", "also applies")] = None,
    remove_topic: Annotated[
        list[str] | None, _topics_option("--remove-topic", "no longer applies")
    ] = None,
    set_topics: Annotated[
        str | None,
        typer.Option(
            "--set-topics",
            metavar="TOPIC,...",
            help='Replace the list of topics ("" empties it).',
            show_default=False,
        ),
    ] = None,
    editor: Annotated[
        bool, typer.Option("--editor", "-e", help="Write the five portfolio fields in $EDITOR.")
    ] = False,
) -> None:
    """Change a project's title, links, topics or portfolio fields.

    Topics: --add-topic and --remove-topic change the list; --set-topics replaces it.

    Example: roadmap project edit pdf-q-a-bot --problem @problem.md --add-topic agentic-ai
    """
    from roadmap_cli.core.sanitize import note_text

    session = session_of(ctx)
    texts = (problem, architecture, evaluation, deployment, tradeoffs)
    values = _edited_values(title, texts, repo, demo)
    adding, removing = _topic_edits(session, values, set_topics, add_topic, remove_topic)
    if editor:
        project_id = _resolve(session, project, "edit")
        current = session.load_state().projects[project_id]
        edited = _edit_in_editor(project_id, current)
        values.update({k: note_text(v, k) if v else None for k, v in edited.items()})
    if not values and not adding and not removing:
        raise UsageError("nothing to change")
    change = _project_change(values, adding, removing)
    session, project_id, message = _change_project(ctx, project, "project edit", change)
    _said(session, project_id, message)


def _edited_values(
    title: str | None, texts: tuple[str | None, ...], repo: str | None, demo: str | None
) -> dict[str, Any]:
    """The fields `project edit` was given, checked: the title, the portfolio texts (in the
    order of PORTFOLIO_FIELDS), the links ("" removes one)."""
    from roadmap_cli.core.projects import check_url
    from roadmap_cli.core.sanitize import note_text
    from roadmap_cli.core.state import PORTFOLIO_FIELDS

    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = _title(title)
    from_stdin: list[bool] = []
    for name, text in zip(PORTFOLIO_FIELDS, texts, strict=True):  # an option for every field
        if text is not None:
            values[name] = note_text(read_text_argument(text, stdin_used=from_stdin), f"--{name}")
    for name, url in (("repo", repo), ("demo", demo)):
        if url is not None:
            values[name] = check_url(url) if url.strip() else None
    return values


def _topic_edits(
    session: Session,
    values: dict[str, Any],
    set_topics: str | None,
    add_topic: list[str] | None,
    remove_topic: list[str] | None,
) -> tuple[list[str], list[str]]:
    """The topics to add and to remove; `--set-topics` goes into `values` as the new list."""
    if set_topics is not None and (add_topic or remove_topic):
        raise UsageError(
            "--set-topics replaces the list: give it alone, or use --add-topic and --remove-topic"
        )
    if set_topics is not None:
        wanted = [t for t in (part.strip() for part in set_topics.split(",")) if t]
        values["topics"] = _topics(session, wanted) or []
    adding = _topics(session, add_topic) or []
    removing = _topics(session, remove_topic) or []
    if set(adding) & set(removing):
        raise UsageError(
            f"{', '.join(sorted(set(adding) & set(removing)))}: both added and removed"
        )
    return adding, removing


def _project_change(values: dict[str, Any], adding: list[str], removing: list[str]) -> Any:
    """The change `project edit` makes to a project: the values, then the topics added and
    removed; it says what changed."""

    def change(project_id: str, item: Project, moment: Any) -> str:
        wanted = dict(values)
        if adding or removing:
            kept = [t for t in item.topics if t not in removing]
            wanted["topics"] = kept + [t for t in adding if t not in kept]
        changed = [name for name, value in wanted.items() if getattr(item, name) != value]
        if not changed:
            return "nothing changed"
        said = []
        for name in changed:
            if name == "topics":
                gone = [f"-{t}" for t in item.topics if t not in wanted["topics"]]
                new = [f"+{t}" for t in wanted["topics"] if t not in item.topics]
                said.append(f"topics ({' '.join(new + gone) or 'reordered'})")
            else:
                said.append(name)
            setattr(item, name, wanted[name])
        item.updated = moment
        return "changed " + ", ".join(said)

    return change


@project_app.command("remove")
def remove(
    ctx: typer.Context,
    project: ProjectArgument,
    yes: YesOption = False,
) -> None:
    """Delete a project (asks first; 'roadmap undo' brings it back).

    Example: roadmap project remove pdf-q-a-bot --yes
    """

    session = session_of(ctx)
    project_id = _resolve(session, project, "remove")
    title = session.load_state().projects[project_id].title
    confirm(f"Remove project '{title}' ({project_id})?", yes, "removed")

    def drop(state: State) -> None:
        state.projects.pop(project_id, None)

    session.update(drop, f"project remove {project_id}")
    _said(session, project_id, "removed")


@project_app.command("show")
def show(ctx: typer.Context, project: ProjectArgument, json_out: JsonOption = False) -> None:
    """Everything about one project.

    Example: roadmap project show pdf-q-a-bot
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    project_id = _resolve(session, project, "show")
    state = session.load_state()
    doc = documents.project_doc(session.catalog(), project_id, state.projects[project_id])
    session.emit(doc, json_out, "render_project")


@project_app.command("list")
def list_(
    ctx: typer.Context,
    track: TrackOption = None,
    status: Annotated[
        ProjectStatusChoice | None,
        choice_option(
            ProjectStatusChoice, "--status", "-s", help="Only projects with this status."
        ),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Your projects, by track.

    Example: roadmap project list --track ai-developer --status done
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    track_id = session.track_id(track)
    doc = documents.project_list(
        session.catalog(), session.load_state(), track_id, status.value if status else None
    )
    session.emit(doc, json_out, "render_projects")


@project_app.command("ideas")
def ideas(ctx: typer.Context, track: TrackOption = None, json_out: JsonOption = False) -> None:
    """Each track's outcome ideas from the roadmap, and which your projects take on.

    Example: roadmap project ideas --track llm-mastery
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    doc = documents.ideas(session.catalog(), session.load_state(), session.track_id(track))
    session.emit(doc, json_out, "render_ideas")


@app.command(rich_help_panel="Projects")
def portfolio(ctx: typer.Context, track: TrackOption = None, json_out: JsonOption = False) -> None:
    """What your done projects show, per track, and what they do not show yet.

    Outcome ideas covered, topics applied versus only studied, and what recruiters of the
    track look for that no done project shows yet.

    Example: roadmap portfolio --track ai-developer
    """
    from roadmap_cli.render import documents

    session = session_of(ctx)
    doc = documents.portfolio(session.catalog(), session.load_state(), session.track_id(track))
    session.emit(doc, json_out, "render_portfolio")
