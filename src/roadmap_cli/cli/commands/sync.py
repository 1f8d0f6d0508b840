"""`roadmap sync` and `roadmap sync setup`: progress that follows the learner through git;
and the hidden `roadmap merge-driver` that git runs to merge the progress file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from roadmap_cli.cli.app import app
from roadmap_cli.cli.help import RoadmapGroup
from roadmap_cli.cli.session import JsonOption, YesOption, session_of
from roadmap_cli.core.errors import StateError

if TYPE_CHECKING:
    from roadmap_cli.core.records import Record

HELP_ORDER = 5.5  # with the sharing commands

sync_app = typer.Typer(
    cls=RoadmapGroup,
    help=(
        "Sync your progress between machines through git: commit, fetch, merge, push.\n\n"
        "Set it up once on each machine with 'roadmap sync setup [REMOTE]'. The commit"
        ' message names what changed ("done rag, note vector-databases"); with no remote it'
        " commits and says so. Changes made on two machines merge by themselves"
        " (docs/sync.md). A push refused because another machine pushed first fetches and"
        " merges again; it never forces. Exit code 1, with nothing changed, when git is"
        " missing, a merge or rebase is under way, HEAD is detached, or other files have"
        " uncommitted changes.\n\n"
        "Example: roadmap sync"
    ),
    invoke_without_command=True,
    subcommand_metavar="[setup [REMOTE]]",
)
app.add_typer(sync_app, name="sync", rich_help_panel="Sharing")


@sync_app.callback()
def sync(ctx: typer.Context, yes: YesOption = False, json_out: JsonOption = False) -> None:
    """Commit, fetch, merge and push (the help is the group's, above)."""
    if ctx.invoked_subcommand is not None:
        return
    from roadmap_cli.storage import git_sync

    session = session_of(ctx)
    store = session.store()
    with store.holding_lock():
        store.read(cached=False)  # never commit a file that cannot be used (conflict markers)
        if not yes:
            _approve_repairs(git_sync.unsent_repairs(store.target, store.history_path))
        done = git_sync.sync(store.target, store.history_path)
        try:
            store.read(cached=False)  # what the merge made reads and validates
        except StateError as exc:  # say so: another machine pushed a file that cannot be used
            raise type(exc)(
                f"the sync is done, but what it brought cannot be used: {exc}"
            ) from None
    from roadmap_cli.render import documents

    session.emit(documents.synced(done), json_out, "render_sync")


def _approve_repairs(repairs: list[Record]) -> None:
    """Show what repairs dropped before the repaired file goes to every machine, and ask;
    without a terminal, refuse (--yes sends it)."""
    if not repairs:
        return
    import sys

    from roadmap_cli.core.errors import Declined, RoadmapError
    from roadmap_cli.core.sanitize import clean

    dropped = [line for record in repairs for line in record.dropped]
    when = ", ".join(f"{record.time:%Y-%m-%d %H:%M}" for record in repairs)
    what = f"{len(dropped)} value{'' if len(dropped) == 1 else 's'}"
    if not sys.stdin.isatty():
        raise RoadmapError(
            f"'roadmap doctor --repair' ({when}) dropped {what} it could not read, and this sync"
            " would send the repaired file to every machine; nothing was synced. See them with"
            " 'roadmap log', then run 'roadmap sync --yes' to send it (or 'roadmap undo' to"
            " put the file back and mend it by hand)"
        )
    sys.stderr.write(
        f"'roadmap doctor --repair' ({when}) dropped {what} it could not read; this sync sends"
        " the repaired file to every machine:\n"
    )
    for line in dropped:
        sys.stderr.write(f"  {' '.join(clean(line).split())}\n")
    from roadmap_cli.cli.session import yes_or_no

    answer = yes_or_no("Sync it?")
    if answer is None:
        raise RoadmapError("no answer, nothing was synced; pass --yes to skip the question")
    if not answer:
        raise Declined("nothing was synced")


@sync_app.command("setup")
def setup(
    ctx: typer.Context,
    remote: Annotated[
        str | None,
        typer.Argument(
            metavar="REMOTE",
            help="Where to sync with: a URL (git@github.com:you/progress.git) or a path.",
            show_default=False,
        ),
    ] = None,
    replace: Annotated[
        str | None,
        typer.Option(
            "--remote",
            metavar="URL",
            help="Sync with URL instead of the remote origin set up before.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Make the folder of your progress file a git repository that merges it by itself.

    Uses the repository the folder is already in (say, when ROADMAP_STATE points into a
    clone). Writes a .gitattributes beside the progress file, registers roadmap's merge
    driver in that repository's own git config (never your global one), adds REMOTE as
    origin, and checks that git resolves the progress file to the driver. Run it on every
    machine you sync. REMOTE must answer ('git ls-remote') before anything is written; to
    change a wrong one, give the right one with --remote.

    Example: roadmap sync setup git@github.com:you/roadmap-progress.git
    """
    from roadmap_cli.core.errors import UsageError
    from roadmap_cli.storage import git_sync

    if remote is not None and replace is not None:
        raise UsageError("give the remote once: as REMOTE, or with --remote to replace one")
    session = session_of(ctx)
    store = session.store()
    url = replace or remote
    if url is not None:
        git_sync.check_answers(store.target, url)
    with store.holding_lock():
        said = git_sync.setup(store.target, store.history_path, url, replace=replace is not None)
    said.append("Run 'roadmap sync' to commit and send your progress")
    session.print("\n".join(said))


@app.command("merge-driver", hidden=True, rich_help_panel="Sharing")
def merge_driver(
    base: Annotated[Path, typer.Argument(metavar="BASE", show_default=False)],
    ours: Annotated[Path, typer.Argument(metavar="OURS", show_default=False)],
    theirs: Annotated[Path, typer.Argument(metavar="THEIRS", show_default=False)],
) -> None:
    """git's merge driver for the progress file (%O %A %B): the merge is written over OURS.

    Exit code 1, OURS unchanged, when a version is not a progress file (git then reports a
    conflict). Example: roadmap merge-driver %O %A %B
    """
    from roadmap_cli.storage import conflicts

    conflicts.merge_files(base, ours, theirs)
