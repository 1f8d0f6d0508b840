"""The `roadmap` command's entry point.

Errors from the core are `RoadmapError`s; `main` prints each as one line on stderr and exits
with its code. Typer's own usage errors are turned into the same one-line form.
"""

# No `from __future__ import annotations` here: it imports a module before the first line
# below can catch a Ctrl-C (every annotation in this module reads the same without it).
# The C module: `signal` imports enum first, milliseconds open to a Ctrl-C. (No stubs.)
import _signal  # type: ignore[import-not-found]
import os
import sys


def _interrupted_early(signum: int, frame: object) -> None:
    """Ctrl-C before `main` can catch it (while the program loads): one line, exit 130."""
    os.write(2, b"\nroadmap: interrupted\n")
    os._exit(130)


# As the `roadmap` program (not when a test imports this module), from the first moment: the
# imports below take most of a command's start-up, and a Ctrl-C there would print Python's
# traceback. An interrupt the parent ignores (nohup, a script's `&`) stays ignored.
if (
    os.path.basename(sys.argv[0]).startswith("roadmap") or sys.argv[0].endswith("__main__.py")
) and _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
    _signal.signal(_signal.SIGINT, _interrupted_early)

import gc  # noqa: E402
import io  # noqa: E402
import signal  # noqa: E402
from typing import NoReturn  # noqa: E402

import typer  # noqa: E402

from roadmap_cli.cli.dispatch import build_command, globals_first  # noqa: E402
from roadmap_cli.core.errors import Declined, ExitCode, Interrupted, RoadmapError  # noqa: E402

MESSAGE_LIMIT = 2_000  # characters of an error line: a message may quote someone else's data


def _error(message: str, prefix: str = "roadmap: error: ") -> None:
    from roadmap_cli.core.sanitize import one_line

    # One line, through the sanitiser: a file name or a value from someone else's export can
    # hold escape sequences or direction overrides.
    sys.stderr.write(f"{prefix}{one_line(message, MESSAGE_LIMIT)}\n")


def _interrupted() -> int:
    """Ctrl-C: end the line the ^C was typed on, say so, and exit 130 as shells expect.
    A change is written whole or not at all, so nothing is left half done."""
    sys.stderr.write("\n")
    _error("interrupted", prefix="roadmap: ")
    sys.stderr.flush()
    return ExitCode.INTERRUPTED


def _with_help(error: RoadmapError) -> str:
    """A usage error's message, naming the help of the command it came from."""
    if not error.hint or not error.command_path:
        return error.message
    from roadmap_cli.cli.help import see_help

    return see_help(error.message, error.command_path)


def main(argv: list[str] | None = None) -> int:
    """Run the program; return its exit code (see docs/exit-codes.md)."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character gets '?', not a crash after a saved change.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    if os.environ.get("_ROADMAP_COMPLETE"):
        from roadmap_cli.cli.typer_compat import plain_completion_descriptions

        plain_completion_descriptions()
    args = sys.argv[1:] if argv is None else argv
    command = None
    try:
        if signal.getsignal(signal.SIGINT) is _interrupted_early:  # from here, main catches it
            signal.signal(signal.SIGINT, signal.default_int_handler)
        args = globals_first(args)
        command = build_command(args)
        result = command.main(args=args, prog_name="roadmap", standalone_mode=False)
    except Interrupted:
        return _interrupted()
    except Declined as exc:  # a "no" to a question: nothing changed, and that is fine
        _error(exc.message, prefix="roadmap: ")
        return ExitCode.OK
    except RoadmapError as exc:
        _error(_with_help(exc))
        return exc.exit_code
    except typer.Abort as exc:  # click's word for Ctrl-C (or an end of input) in a command
        if isinstance(exc.__context__, KeyboardInterrupt):
            return _interrupted()
        _error("cancelled; nothing was changed")
        return ExitCode.FAILED
    except typer.TyperException as exc:  # Typer's usage errors: unknown command, option, value
        from roadmap_cli.cli.help import command_path, usage_message

        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            sys.stdout.write(ctx.get_help() + "\n")  # `roadmap project`: its commands
            return ExitCode.OK
        _error(usage_message(exc, command_path(command, args)))
        return int(getattr(exc, "exit_code", ExitCode.USAGE))
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as exc:  # a bug: still one line, and no half-done change (writes are atomic)
        if os.environ.get("ROADMAP_DEBUG"):
            raise
        _error(
            f"unexpected {type(exc).__name__}: {exc}; nothing more was changed."
            " Set ROADMAP_DEBUG=1 to see the traceback and please report it"
        )
        return ExitCode.FAILED
    if result == ExitCode.INTERRUPTED:  # Typer's word for a Ctrl-C outside a command's run
        return _interrupted()
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
