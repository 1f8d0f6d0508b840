"""`roadmap choose`: which track to start with."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from roadmap_cli.cli.app import app
from roadmap_cli.cli.help import choice_option
from roadmap_cli.cli.session import JsonOption, ask, session_of, yes_or_no
from roadmap_cli.core.errors import UsageError

HELP_ORDER = 6  # where --help lists this module's commands

if TYPE_CHECKING:
    from rich.console import RenderableType

    from roadmap_cli.core.catalog import Catalog
    from roadmap_cli.core.choose import Choice
    from roadmap_cli.core.state import State


class GoalChoice(StrEnum):
    product = "product"
    broaden = "broaden"
    llms = "llms"
    operations = "operations"


class BackgroundChoice(StrEnum):
    developer = "developer"
    ml = "ml"
    devops = "devops"
    non_cs = "non-cs"


def _ask(question: str, options: dict[str, str], flag: str, default: str | None = None) -> str:
    """A numbered question on stderr, answered on stdin (a terminal or a pipe) by number or
    name; an answer it does not know asks again, and Enter takes the `default`."""
    from roadmap_cli.core.sanitize import one_line

    keys = list(options)
    sys.stderr.write(one_line(question) + "\n")
    for n, key in enumerate(keys, 1):
        sys.stderr.write(f"  {n}. {one_line(options[key])}\n")
    prompt = "Your answer:" if default is None else f"Your answer [{keys.index(default) + 1}]:"
    while True:
        answer = ask(prompt)
        if answer is None:
            raise UsageError(f"no answer was read; give {flag} (one of {', '.join(keys)})")
        answer = answer.lower()
        if not answer and default is not None:
            return default
        if answer.isdigit() and 1 <= int(answer) <= len(keys):
            return keys[int(answer) - 1]
        if answer in options:
            return answer
        shown = one_line(answer, 40)
        sys.stderr.write(
            f"'{shown}' is not one of the answers: give 1-{len(keys)} or one of"
            f" {', '.join(keys)}.\n"
            if answer
            else f"Give 1-{len(keys)}.\n"
        )


def _text(catalog: Catalog, choice: Choice) -> RenderableType:
    """The recommendation, each reason wrapping under its own first line."""
    from rich.console import Group
    from rich.text import Text

    from roadmap_cli.render.grid import Grid

    title = catalog.track_by_id[choice.recommended].title
    reasons = Grid(show_header=False, keep_words=True)
    reasons.add_column()
    for reason in choice.why:
        reasons.add_line(f"- {reason}", indent=2, hang=2)
    then = " → ".join(catalog.track_by_id[t].title for t in choice.then)
    return Group(
        Text(f"Start with {title} ({choice.recommended})."), reasons, Text(f"Then: {then}")
    )


def _answers(goal: GoalChoice | None, background: BackgroundChoice | None) -> tuple[str, str]:
    """The goal and the background: as given, else asked."""
    from roadmap_cli.core.choose import BACKGROUNDS, GOALS

    goal_key = (
        goal.value
        if goal
        else _ask(
            "What do you want to do?",
            {k: v[0][0].upper() + v[0][1:] for k, v in GOALS.items()},
            "--goal",
        )
    )
    background_key = (
        background.value
        if background
        else _ask(
            "Where do you come from?",
            {k: v[0].upper() + v[1:] for k, v in BACKGROUNDS.items()},
            "--background",
            default="developer",
        )
    )
    return goal_key, background_key


@app.command(rich_help_panel="Topics")
def choose(
    ctx: typer.Context,
    goal: Annotated[
        GoalChoice | None, choice_option(GoalChoice, "--goal", help="What you want to do.")
    ] = None,
    background: Annotated[
        BackgroundChoice | None,
        choice_option(BackgroundChoice, "--background", help="Where you come from."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Make the recommended track your focus.")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Which track should you start with? A recommendation, the order after it, and why.

    Two questions (or --goal and --background) give the recommended track, the order of the
    other tracks after it and why; then it offers to make it your focus track (--yes does).

    Example: roadmap choose --goal llms --background developer --yes
    """
    from roadmap_cli.core.choose import recommend

    session = session_of(ctx)
    catalog = session.catalog()
    recommend(catalog, "product", "developer")  # refuses another catalog before any question
    choice = recommend(catalog, *_answers(goal, background))
    title = catalog.track_by_id[choice.recommended].title
    if not json_out:
        session.print(_text(catalog, choice))
        if not yes:
            yes = bool(yes_or_no(f"Make {title} your focus track?", default=True))
    if yes:

        def set_focus(state: State) -> None:
            state.focus = choice.recommended

        session.update(set_focus, f"focus {choice.recommended}")
    if json_out:
        from roadmap_cli.render import documents

        session.print_json(documents.choice(choice, yes))
    elif yes:
        session.print(f"Focus track: {title} ({choice.recommended})")
    else:
        session.print(f"Make it your focus any time with 'roadmap focus {choice.recommended}'.")
