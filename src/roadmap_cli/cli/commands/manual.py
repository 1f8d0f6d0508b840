"""`roadmap help [COMMAND...]`: the help of a command, as `roadmap COMMAND --help` shows it.

`cli.dispatch.globals_first` turns the command line into `roadmap COMMAND... --help` before
anything runs, so that the help shown is the command's own; the command is declared here so
that it is listed in `roadmap --help` and completed in the shell.
"""

from __future__ import annotations

from typing import Annotated

import typer

from roadmap_cli.cli.app import app

HELP_ORDER = 8  # where --help lists this module's commands


@app.command("help", rich_help_panel="Maintenance")
def help_(
    ctx: typer.Context,
    command: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="COMMAND...",
            help="The command to explain, e.g. 'export' or 'project add'.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show the help of a command, or of roadmap itself.

    Example: roadmap help project add
    """
    typer.echo(ctx.find_root().get_help())
