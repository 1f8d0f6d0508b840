"""The Typer application and its global options; commands live in `roadmap_cli.cli.commands`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from roadmap_cli import __version__
from roadmap_cli.cli import typer_compat
from roadmap_cli.cli.help import RoadmapGroup
from roadmap_cli.cli.session import Session

typer_compat.install()

# What `roadmap` alone runs (dispatch builds it in, and the callback below runs it).
DEFAULT_COMMAND = "status"

app = typer.Typer(
    name="roadmap",
    help=(
        "Track your progress through the AI Engineer Roadmap 2026: four tracks (AI Developer, "
        "Generative AI, LLM Mastery, AIOps), their topics and what to learn next.\n\n"
        "Run without a command to see your dashboard (the same as 'roadmap status')."
    ),
    invoke_without_command=True,
    cls=RoadmapGroup,
    pretty_exceptions_enable=False,
    # Click's plain help: Typer's Rich help imports Rich's Markdown and traceback modules,
    # which take longer to load than the rest of a command's start-up together.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"roadmap {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    catalog: Annotated[
        Path | None,
        typer.Option(
            "--catalog",
            metavar="PATH",
            help="Catalog to follow: a file, or the name of one of yours ('roadmap catalog"
            " list'). Also ROADMAP_CATALOG.",
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="PATH",
            help="Progress file to use (default: one per catalog in your user data folder)."
            " Also ROADMAP_STATE.",
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
    if ctx.invoked_subcommand is None and isinstance(ctx.command, typer.core.TyperGroup):
        command = ctx.command.get_command(ctx, DEFAULT_COMMAND)
        if command is not None:
            with command.make_context(DEFAULT_COMMAND, [], parent=ctx) as default:
                command.invoke(default)
