"""The errors the program raises on purpose, and the exit codes they map to.

Every one is a `RoadmapError` carrying its message and exit code, caught once by
`cli.main`. Errors that callers handle differently are different types; nothing branches on
an error's message text."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes (see docs/exit-codes.md)."""

    OK = 0
    FAILED = 1  # the operation could not be done: bad catalog, unreadable state, lock held
    USAGE = 2  # the command line was wrong: unknown command, option, id, date
    INTERRUPTED = 130  # Ctrl-C, as shells report a process ended by SIGINT


class RoadmapError(Exception):
    """An error with a message meant for the user and the exit code that goes with it.

    The message is one line that says what is wrong and, where possible, what to do.
    `cli.main` prints it to stderr; nothing else in the program prints errors.
    """

    exit_code: ExitCode = ExitCode.FAILED
    # The command that raised it ("roadmap project add"), set on the way out: a usage error
    # names that command's help.
    command_path: str = ""
    hint = False  # add the command's help to the message (a usage error's choice)

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Interrupted(RoadmapError):
    """Ctrl-C while a command ran: a change is written whole or not at all."""

    exit_code = ExitCode.INTERRUPTED


class Declined(RoadmapError):
    """The learner answered no to a question: nothing changed, and that is not a failure."""

    exit_code = ExitCode.OK


class UsageError(RoadmapError):
    """The user asked for something that does not exist or cannot be parsed. `cli.main` adds
    the help of the command to the message, unless `hint` is False (a message that already
    says what to run)."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, hint: bool = True) -> None:
        super().__init__(message)
        self.hint = hint


class UnknownIdError(UsageError):
    """An id matched nothing, or more than one thing."""

    def __init__(self, message: str, query: str = "", *, hint: bool = True) -> None:
        super().__init__(message, hint=hint)
        self.query = query  # what the learner typed


class CatalogError(RoadmapError):
    """The catalog file is missing, is not TOML, or does not validate."""


class StateError(RoadmapError):
    """The progress file cannot be read, validated, locked or written."""


class NewerStateError(StateError):
    """The progress file was written by a newer roadmap, in a form this one must not change
    (and, when it cannot even read it, must not repair either)."""


class NotAFileError(StateError):
    """Something other than a file (a folder, a FIFO, a device) is where the progress file
    should be: nothing may read, write or repair it."""


class ConflictError(StateError):
    """The progress file holds git's conflict markers: both sides of a merge that ran without
    roadmap's merge driver, which `roadmap doctor --repair` merges."""


class SyncError(RoadmapError):
    """`roadmap sync` cannot go on: no git, a repository in the middle of something else,
    changes of other files, a remote that refuses."""
