"""`roadmap catalog validate` and `roadmap catalog list`: catalogs of your own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from roadmap_cli.cli.app import app
from roadmap_cli.cli.help import RoadmapGroup
from roadmap_cli.cli.session import JsonOption, session_of

HELP_ORDER = 7  # where --help lists this module's commands

catalog_app = typer.Typer(
    cls=RoadmapGroup,
    help=(
        "Catalogs: check one you wrote, and list the ones you can follow (the bundled one and"
        " those in the 'catalogs' folder of your config dir).\n\n"
        "Example: roadmap catalog validate my-roadmap.toml"
    ),
    no_args_is_help=True,
)
app.add_typer(catalog_app, name="catalog", rich_help_panel="Maintenance")

_NAMED = re.compile(r"\b(?:track|topic|outcome)(?: id)? '([a-z0-9-]+)'")
_AT_LINE = re.compile(r"at line (\d+)")


def locate(problem: str, lines: list[str]) -> int | None:
    """The line a problem is about: the TOML error's own line, or the line that declares the
    first id it names."""
    at = _AT_LINE.search(problem)
    if at:
        return int(at.group(1))
    named = _NAMED.search(problem)
    if named:
        declaration = re.compile(rf'^\s*id\s*=\s*"{re.escape(named.group(1))}"')
        for number, line in enumerate(lines, 1):
            if declaration.match(line):
                return number
    return None


def check(path: Path) -> dict[str, Any]:
    from roadmap_cli.storage.catalog_file import check_file

    catalog, problems = check_file(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    return {
        "file": str(path),
        "valid": not problems,
        "id": catalog.id if catalog else None,
        "title": catalog.title if catalog else None,
        "tracks": len(catalog.tracks) if catalog else 0,
        "topics": len(catalog.topics) if catalog else 0,
        "problems": [{"line": locate(p, lines), "message": p} for p in problems],
    }


@catalog_app.command("validate")
def validate(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The catalog file to check.", show_default=False)
    ],
    json_out: JsonOption = False,
) -> None:
    """Check a catalog file and report every problem at once, each with its line.

    Exit code 1 when there is any. Example: roadmap catalog validate my-roadmap.toml
    """
    session = session_of(ctx)
    doc = {"version": 1, **check(file)}
    if json_out:
        session.print_json(doc)
    else:
        lines = [
            f"{file}:{p['line']}: {p['message']}" if p["line"] else f"{file}: {p['message']}"
            for p in doc["problems"]
        ]
        if doc["valid"]:
            lines = [
                f"{file}: a valid catalog '{doc['id']}' ({doc['tracks']} tracks,"
                f" {doc['topics']} topics)"
            ]
        else:
            lines.append(f"{len(doc['problems'])} problem(s) in {file}")
        session.print("\n".join(lines), wrap=False)  # file:line: lines, as editors read them
    if not doc["valid"]:
        raise typer.Exit(1)


@catalog_app.command("list")
def list_(ctx: typer.Context, json_out: JsonOption = False) -> None:
    """The catalogs you can follow: the bundled one and your own.

    Your own are the files in the 'catalogs' folder of your config dir. Pick one with
    'roadmap --catalog NAME'; each keeps its own progress.

    Example: roadmap catalog list
    """
    from roadmap_cli.storage import paths

    session = session_of(ctx)
    in_use = paths.catalog_path(session.catalog_flag).resolve()
    found = [("ai-engineer-2026", paths.bundled_catalog(), "bundled")]
    folder = paths.user_catalogs()
    if folder.is_dir():
        found += [(p.stem, p, "yours") for p in sorted(folder.glob("*.toml"))]
    rows = []
    for name, path, origin in found:
        row = check(path)
        rows.append(
            {
                "name": name,
                "origin": origin,
                "in_use": path.resolve() == in_use,
                "progress": str(paths.state_path(None, row["id"] or name)),
                **row,
                "problems": len(row["problems"]),
            }
        )
    for row in rows:
        twins = [r["name"] for r in rows if r is not row and r["id"] and r["id"] == row["id"]]
        row["shares_id_with"] = twins  # same id: one progress file for both
    doc = {"version": 1, "folder": str(folder), "catalogs": rows}
    session.emit(doc, json_out, "render_catalogs")
