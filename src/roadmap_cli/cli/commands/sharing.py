"""Progress between machines and people: import, cohort."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from roadmap_cli.cli.app import app
from roadmap_cli.cli.help import choices
from roadmap_cli.cli.session import Session, TrackOption, YesOption, confirm, session_of
from roadmap_cli.core.errors import RoadmapError, UsageError

HELP_ORDER = 5  # where --help lists this module's commands

if TYPE_CHECKING:
    from roadmap_cli.core.records import Record
    from roadmap_cli.core.state import State


MaxSizeOption = Annotated[
    str | None,
    typer.Option(
        "--max-size",
        metavar="SIZE",
        help="Largest export file to read (default 16MiB, or $ROADMAP_MAX_EXPORT_SIZE).",
        show_default=False,
    ),
]


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _changed(before: State, after: State) -> str:
    topics = sum(
        before.topics.get(k) != after.topics.get(k) for k in {*before.topics, *after.topics}
    )
    projects = sum(
        before.projects.get(k) != after.projects.get(k) for k in {*before.projects, *after.projects}
    )
    focus = ", focus" if before.focus != after.focus else ""
    return f"{_count(topics, 'topic')} and {_count(projects, 'project')} changed{focus}"


@app.command("import", rich_help_panel="Sharing")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A JSON export ('roadmap export --format json').")
    ],
    merge: Annotated[
        bool,
        typer.Option("--merge", help="Combine it with your progress, by the rules a sync follows."),
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Make your progress the export's (asks first).")
    ] = False,
    yes: YesOption = False,
    max_size: MaxSizeOption = None,
) -> None:
    """Bring in progress exported on another machine (--merge, or --replace).

    --merge combines the two as a sync would: what changed on one side is taken, and the
    later change where both did (docs/sync.md); --replace restores the export after keeping
    a copy of your current files.

    Example: roadmap import laptop.json --merge
    """
    from roadmap_cli.core.merge import Side, merge_in
    from roadmap_cli.core.state import now
    from roadmap_cli.formats import export_schema
    from roadmap_cli.storage import export_file

    if merge == replace:
        raise UsageError("choose one of --merge or --replace")
    max_bytes = export_file.size_limit(max_size)
    session = session_of(ctx)
    catalog = session.catalog()
    export = export_file.read(file, export_file.limits_for(catalog), now(), max_bytes)
    if export.catalog.id != catalog.id:
        raise RoadmapError(
            f"{file} is progress on catalog '{export.catalog.id}', but the catalog in use is"
            f" '{catalog.id}'; nothing was changed"
        )
    theirs = export_schema.to_side(export)
    store = session.store()
    if replace:
        _replace_with(session, file, export, theirs, yes)
        return

    def merged(state: State, records: tuple[Record, ...]) -> tuple[State, tuple[Record, ...]]:
        result = merge_in(Side(state, records), theirs)
        return result.state, result.records

    before, after = store.take_in(merged, f"import --merge {file.name}")
    session.print(f"Merged {file}: {_changed(before, after)}.")


def _replace_with(session: Session, file: Path, export: Any, theirs: Any, yes: bool) -> None:
    """`import --replace`: the export becomes the progress, after asking, with copies of the
    current files kept."""
    from roadmap_cli.core.merge import arrived

    catalog = session.catalog()
    if set(export.catalog.tracks) != set(catalog.track_by_id):
        raise UsageError(
            f"{file} holds only the tracks {', '.join(export.catalog.tracks)}; --replace would"
            " drop the rest of your progress. Import it with --merge"
        )
    held: Any = export.state
    confirm(
        f"Replace your progress with the export in {file} (from {export.exported_at:%Y-%m-%d},"
        f" {_count(len(held.topics), 'topic')}, {_count(len(held.projects), 'project')})?"
        " A copy of your current files is kept.",
        yes,
        "imported",
    )

    def restore(state: State, records: tuple[Record, ...]) -> tuple[State, tuple[Record, ...]]:
        from roadmap_cli.core.review import reschedule_all

        reschedule_all(theirs.state)  # the schedule is this program's, not the export's
        return theirs.state, arrived(theirs.records)

    store = session.store()
    before, after = store.take_in(restore, f"import --replace {file.name}", backup=True)
    session.print(
        f"Replaced your progress with {file}: {_changed(before, after)}. The previous files"
        f" are kept beside {store.path} as *.bak-<UTC time>."
    )


class CohortFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"


@app.command(rich_help_panel="Sharing")
def cohort(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...", help="Export files, or folders of them (*.json).", show_default=False
        ),
    ],
    track: TrackOption = None,
    format: Annotated[
        CohortFormat,
        typer.Option(
            "--format", "-f", metavar=choices(CohortFormat), help="table, markdown, json or csv."
        ),
    ] = CohortFormat.table,
    max_size: MaxSizeOption = None,
) -> None:
    """A mentor's report over many learners' JSON exports.

    Per learner and track: the percent cleared, topics in progress, projects done and last
    activity; per topic, how many learners have done it; the cohort's median per track.

    Example: roadmap cohort exports/ --format markdown
    """
    import sys

    from roadmap_cli.core.state import now
    from roadmap_cli.render import cohort_report
    from roadmap_cli.storage import cohort_folder, export_file

    max_bytes = export_file.size_limit(max_size)
    session = session_of(ctx)
    catalog = session.catalog()
    learners, skipped = cohort_folder.load(paths, catalog, now(), max_bytes)
    if not learners:
        why = f": {skipped[0].file}: {skipped[0].reason}" if skipped else ""
        raise RoadmapError(f"no learner's export to report on among {len(skipped)} file(s){why}")
    doc = cohort_report.report(catalog, learners, skipped, session.track_id(track))
    if format is CohortFormat.json:
        session.print_json(doc)
    elif format is CohortFormat.csv:
        sys.stdout.write(cohort_report.to_csv(doc))
    elif format is CohortFormat.markdown:
        sys.stdout.write(cohort_report.to_markdown(doc))
    else:
        from roadmap_cli.render import terminal

        session.print(terminal.render_cohort(doc))
