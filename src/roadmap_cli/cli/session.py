"""What every command shares: the files it works on, how it prints, its common options."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from roadmap_cli.cli import completion

if TYPE_CHECKING:
    from rich.console import RenderableType

    from roadmap_cli.core.catalog import Catalog
    from roadmap_cli.core.state import State
    from roadmap_cli.storage.store import Store

T = TypeVar("T")

TrackOption = Annotated[
    str | None,
    typer.Option(
        "--track",
        "-t",
        metavar="TRACK",
        help="Only this track (id, unique prefix or title).",
        show_default=False,
        autocompletion=completion.tracks,
    ),
]
TopicArgument = Annotated[
    str,
    typer.Argument(
        metavar="TOPIC",
        help="Topic id (exact, any case, alias or unique prefix).",
        show_default=False,
        autocompletion=completion.topics,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of a table.")
]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        metavar="DATE",
        help="The day it happened: YYYY-MM-DD, today, yesterday or -Nd (default: today).",
        show_default=False,
    ),
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
TopicsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="TOPIC...",
        help="Topic ids (exact, any case, alias or unique prefix).",
        show_default=False,
        autocompletion=completion.topics,
    ),
]


class Session:
    """The catalog and progress file a command works on, and how it prints."""

    def __init__(
        self,
        catalog_flag: Path | None = None,
        state_flag: Path | None = None,
        no_color: bool = False,
    ) -> None:
        self.catalog_flag = catalog_flag
        self.state_flag = state_flag
        self.no_color = no_color
        self._catalog: Catalog | None = None

    def catalog(self, *, checked: bool = False) -> Catalog:
        """The catalog; `checked`: read and checked from its file, never from the cache."""
        if self._catalog is None or checked:
            from roadmap_cli.storage import catalog_file, paths

            path = paths.catalog_path(self.catalog_flag)
            self._catalog = catalog_file.load(path, cached=not checked)
        return self._catalog

    def store(self) -> Store:
        from roadmap_cli.storage import paths
        from roadmap_cli.storage.store import Store

        catalog_id = self.catalog().id
        return Store(paths.state_path(self.state_flag, catalog_id), catalog_id=catalog_id)

    def load_state(self) -> State:
        """The progress, with entries of renamed topics following the catalog's aliases."""
        from roadmap_cli.core.progress import follow_renames

        loaded = self.store().read()
        if loaded.newer:
            sys.stderr.write(
                f"roadmap: note: the progress file was written by a newer roadmap (schema"
                f" {loaded.version}); showing what this version understands\n"
            )
        follow_renames(self.catalog(), loaded.state)
        return loaded.state

    def update(self, change: Callable[[State], T], command: str) -> T:
        """Apply `change` to the progress in one locked, recorded, atomic write."""
        from roadmap_cli.core.progress import follow_renames
        from roadmap_cli.core.state import scheduled_elsewhere

        catalog = self.catalog()

        def renamed_then_changed(state: State) -> T:
            follow_renames(catalog, state)
            if scheduled_elsewhere(state):  # dates another scheduler gave: replayed here
                from roadmap_cli.core.review import reschedule_all

                reschedule_all(state)
            return change(state)

        return self.store().update(renamed_then_changed, command)

    def print(self, renderable: str | RenderableType, *, wrap: bool = True) -> None:
        """Print a message (wrapped at spaces on a terminal unless `wrap` is false: lines
        such as `file:line: problem` that editors read) or a renderable. Piped or redirected,
        a message is not wrapped (unless COLUMNS asks for a width): a path or an id stays on
        its line for whatever reads it."""
        from rich.text import Text

        from roadmap_cli.core.sanitize import clean
        from roadmap_cli.render.terminal import emit, make_console

        console = make_console(self.no_color)
        piped = not console.is_terminal and "COLUMNS" not in os.environ
        if isinstance(renderable, str) and (not wrap or piped):
            emit(console, Text(clean(renderable)), soft_wrap=True)
        elif isinstance(renderable, str):  # a message: wrapped at spaces, a long path whole
            import textwrap

            lines = [
                wrapped
                for line in clean(renderable).split("\n")
                for wrapped in textwrap.wrap(
                    line, console.width, break_long_words=False, break_on_hyphens=False
                )
                or [""]
            ]
            emit(console, Text("\n".join(lines)), soft_wrap=True)
        else:
            emit(console, renderable)

    def track_id(self, query: str | None) -> str | None:
        """The id of the track a `--track` value names; None when none was given."""
        if query is None:
            return None
        with self._kinds_explained("track", ""):
            return self.catalog().resolve_track(query)

    def topic_ids(self, queries: list[str], command: str) -> list[str]:
        """The topics `queries` name (every one resolved before anything acts on them)."""
        with self._kinds_explained("topic", command):
            return self.catalog().resolve_topics(queries)

    def project_id(self, query: str, command: str) -> str:
        """The project `query` names."""
        from roadmap_cli.core.projects import project_index

        with self._kinds_explained("project", command):
            return project_index(self.load_state()).resolve(query)

    @contextlib.contextmanager
    def _kinds_explained(self, wanted: str, command: str) -> Iterator[None]:
        """An unknown id that names a thing of another kind says so (`core.kinds`)."""
        from roadmap_cli.core.errors import UnknownIdError

        try:
            yield
        except UnknownIdError as error:
            from roadmap_cli.core.kinds import other_kind

            projects = self.load_state().projects if wanted != "project" else {}
            better = other_kind(error.query, wanted, self.catalog(), projects, command)
            if better is None:
                raise
            raise UnknownIdError(better, error.query, hint=False) from None  # names a command

    @contextlib.contextmanager
    def scheduler_known(self) -> Iterator[None]:
        """Run with what FSRS says of every topic alike read from the cache, and keep what the
        run added: `done` and `review --list` then need not import the scheduler."""
        from roadmap_cli.core import review
        from roadmap_cli.storage import cache

        entry = cache.scheduler_entry()
        with review.knowing(cache.read(entry, "scheduler") if entry is not None else None) as known:
            yield
        if entry is not None and known.changed:
            cache.write(entry, "scheduler", known.to_data())

    def emit(self, document: dict[str, Any], as_json: bool, view: str) -> None:
        """Print a command's document: as JSON with `--json`, else drawn by the function
        `render.terminal.<view>` (imported only then: JSON output loads no Rich)."""
        if as_json:
            self.print_json(document)
            return
        from roadmap_cli.render import terminal

        self.print(getattr(terminal, view)(document))

    def print_json(self, document: dict[str, Any]) -> None:
        """Print a document as `--json` gives it (its terminal view is drawn from the same
        document by a function of `render.terminal`, so the two cannot disagree)."""
        from roadmap_cli.render.documents import dumps

        utf8 = (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"
        sys.stdout.write(dumps(document, ascii_only=not utf8) + "\n")


def ask(prompt: str) -> str | None:
    """Ask on stderr and read one line from stdin (a terminal or a pipe); None at its end.
    Nothing goes to stdout, so a question never mixes into output that is piped on."""
    from roadmap_cli.core.sanitize import clean

    sys.stderr.write(f"{clean(prompt)} ")
    sys.stderr.flush()
    try:
        line = sys.stdin.readline()
    except (OSError, ValueError):  # no stdin at all
        line = ""
    if not line:
        sys.stderr.write("\n")
        return None
    return line.strip()


def yes_or_no(question: str, default: bool = False) -> bool | None:
    """A [y/N] question ([Y/n] with a `default` of yes: Enter takes it); None when no answer
    could be read."""
    prompt = f"{question} {'[Y/n]' if default else '[y/N]'}:"
    while True:  # an answer that is neither asks again
        answer = ask(prompt)
        if answer is None:
            return None
        if not answer:
            return default
        if answer.lower() in ("y", "yes", "n", "no"):
            return answer.lower() in ("y", "yes")
        prompt = "Please answer y or n:"


def confirm(question: str, yes: bool, what: str) -> None:
    """Ask `question` unless `yes`. A no stops with 'nothing was <what>' and exit 0 (the
    learner chose it); no answer at all (no terminal, no input) is an error: exit 1."""
    if yes:
        return
    from roadmap_cli.core.errors import Declined, RoadmapError

    confirmed = yes_or_no(question)
    if confirmed is None:
        raise RoadmapError(f"no answer, nothing was {what}; pass --yes to skip the question")
    if not confirmed:
        raise Declined(f"nothing was {what}")


def session_of(ctx: typer.Context) -> Session:
    obj = ctx.find_root().obj
    assert isinstance(obj, Session)
    return obj
