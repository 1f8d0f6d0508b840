"""The `roadmap` command's entry point.

Errors from the core are `RoadmapError`s; `main` prints each as one line on stderr and exits
with its code. Typer's own usage errors are turned into the same one-line form.
"""

from __future__ import annotations

import gc
import importlib
import io
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import typer
from typer.core import TyperGroup

from roadmap_cli.cli.app import app
from roadmap_cli.core.errors import ExitCode, RoadmapError

# Importing a command module registers its commands on the app; --help lists them in this
# order. A run imports only the module of the command it names (tests/test_cli_read.py checks
# that this map says where each command is).
MODULES = ("read", "write", "projects", "history", "sharing", "choose", "catalogs")
COMMAND_MODULES = {
    **dict.fromkeys(("status", "tracks", "topics", "show", "next", "export"), "read"),
    **dict.fromkeys(("start", "done", "skip", "reset", "note", "focus"), "write"),
    **dict.fromkeys(("project", "portfolio"), "projects"),
    **dict.fromkeys(("log", "undo", "doctor"), "history"),
    **dict.fromkeys(("import", "cohort"), "sharing"),
    "choose": "choose",
    "catalog": "catalogs",
}


def _import_commands(module: str | None) -> None:
    """Register the commands of one module, or of every module (None), in --help's order."""
    for name in MODULES if module is None else (module,):
        importlib.import_module(f"roadmap_cli.cli.commands.{name}")
    if module is None:  # whatever was imported first, list the commands in module order
        app.registered_commands.sort(
            key=lambda info: MODULES.index(
                getattr(info.callback, "__module__", "").rsplit(".", 1)[-1]
            )
        )
        app.registered_groups.sort(key=lambda info: MODULES.index(COMMAND_MODULES[str(info.name)]))


def full_command() -> TyperGroup:
    """The click command with every command registered (for --help and documentation)."""
    return build_command(["--help"])


_GLOBAL_OPTIONS_WITH_VALUES = ("--catalog", "--state")


def _command_name(args: Sequence[str]) -> str | None:
    """The command (or command group) `args` name: the first word that is not a global
    option or its value; None when there is none."""
    words = iter(args)
    for word in words:
        if word == "--":
            return next(words, None)
        if word in _GLOBAL_OPTIONS_WITH_VALUES:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _completed_words() -> list[str] | None:
    """In shell completion, the words before the one being completed (without the program's
    name), as Typer's completion class for the shell reads them; None when that cannot be
    told."""
    from typer._click.shell_completion import get_completion_class
    from typer._completion_classes import completion_init

    completion_init()  # registers Typer's completion class of each shell

    shell = os.environ.get("_ROADMAP_COMPLETE", "").partition("_")[2]
    completion = get_completion_class(shell)
    if completion is None:
        return None
    try:
        args, _ = completion(None, {}, "roadmap", "_ROADMAP_COMPLETE").get_completion_args()  # type: ignore[arg-type]
    except (KeyError, ValueError, TypeError):  # no or bad COMP_* variables
        return None
    return list(args)


def build_command(args: Sequence[str]) -> TyperGroup:
    """The click command for `args`: with only the command they name, since building each
    command's parameters is much of a run's start-up; with every command when they name none
    (the overview in --help) or one that does not exist (so that the error can suggest one)."""
    completing = bool(os.environ.get("_ROADMAP_COMPLETE"))
    if completing:
        words = _completed_words()
        name = _command_name(words) if words is not None else None
    else:
        name = _command_name(args)
    # --help before the command's name (`roadmap --help status`) shows the overview.
    before_name = args[: args.index(name)] if name in args else [] if name else args
    overview = any(a in ("-h", "--help") for a in before_name) or (name is None and completing)
    if name is not None and name in COMMAND_MODULES and not overview:
        _import_commands(COMMAND_MODULES[name])
    elif name is not None or overview:
        _import_commands(None)  # an overview, a name to complete or one that does not exist
    commands = [c for c in app.registered_commands if _name_of(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if overview or (name is not None and not commands and not groups) or name == "--":
        command = typer.main.get_command(app)
    else:
        everything = app.registered_commands, app.registered_groups
        try:
            app.registered_commands, app.registered_groups = commands, groups
            command = typer.main.get_command(app)
        finally:
            app.registered_commands, app.registered_groups = everything
    assert isinstance(command, TyperGroup)
    return command


def _name_of(info: typer.models.CommandInfo) -> str:
    assert info.callback is not None
    return info.name or typer.main.get_command_name(info.callback.__name__)


def _error(message: str) -> None:
    from roadmap_cli.core.sanitize import printable

    # One line, and no control characters from a user's input echoed to the terminal.
    sys.stderr.write(f"roadmap: error: {' '.join(printable(message).split())}\n")


def main(argv: list[str] | None = None) -> int:
    """Run the program; return its exit code (see docs/exit-codes.md)."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character gets '?', not a crash after a saved change.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    if os.environ.get("_ROADMAP_COMPLETE"):
        from roadmap_cli.cli.completion import plain_descriptions

        plain_descriptions()
    args = sys.argv[1:] if argv is None else argv
    command = build_command(args)
    try:
        result = command.main(args=args, prog_name="roadmap", standalone_mode=False)
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


def run() -> NoReturn:
    """The `roadmap` command: run, then end the process at once.

    Everything a command writes is flushed and fsynced before `main` returns, and nothing is
    left for interpreter shutdown to do but take the loaded modules apart one by one, which
    costs about as long as a whole `roadmap status` does after its imports. So the output
    streams are flushed here and the process exits without that teardown (`os._exit`).
    """
    # A run is short and its data is tree-shaped: reference counting frees it, and the cyclic
    # collector's passes over a large progress file only cost time (a quarter of `status`
    # at 50,000 topics). What a cycle might hold goes with the process.
    gc.disable()
    try:
        code = main()
    except SystemExit as stop:  # Typer's shell completion exits by itself
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: whoever read it has gone
            code = code or ExitCode.FAILED
    os._exit(code)
