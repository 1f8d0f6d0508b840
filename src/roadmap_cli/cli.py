"""The `roadmap` command's entry point.

Errors from the core are `RoadmapError`s; `main` prints each as one line on stderr and exits
with its code. Typer's own usage errors are turned into the same one-line form.
"""

from __future__ import annotations

import importlib
import io
import os
import sys

import typer

from roadmap_cli.app import app
from roadmap_cli.errors import ExitCode, RoadmapError

# Importing a command module registers its commands on the app, in this order in --help.
for _module in ("read", "write", "projects", "history", "sharing", "guide", "catalogs"):
    importlib.import_module(f"roadmap_cli.commands.{_module}")


def _error(message: str) -> None:
    from roadmap_cli.sanitize import printable

    # One line, and no control characters from a user's input echoed to the terminal.
    sys.stderr.write(f"roadmap: error: {' '.join(printable(message).split())}\n")


def main(argv: list[str] | None = None) -> int:
    """Run the program; return its exit code (see docs/exit-codes.md)."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character gets '?', not a crash after a saved change.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    if os.environ.get("_ROADMAP_COMPLETE"):
        from roadmap_cli.completion import plain_descriptions

        plain_descriptions()
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
