"""Import discipline: each command loads only what it needs (checked in a real subprocess, as
typer's own tests/test_rich_import.py does; never by timing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Runner

# Run the program, then report which of these modules the process loaded.
# (The probe itself imports nothing that is watched.)
PROBE = """
import atexit, sys
watched = sys.argv[1].split(",")
atexit.register(lambda: sys.stderr.write(
    "\\nLOADED " + ",".join(sorted(m for m in watched if m in sys.modules)) + "\\n"))
from roadmap_cli.cli.main import main
sys.exit(main(sys.argv[2:]))
"""

HEAVY = [
    "pydantic",  # checking a catalog not seen before, and JSON exports
    "tomlkit",  # rewriting a whole progress file laid out unusually
    "tomllib",  # parsing TOML the cache does not have
    "filelock",  # locking on Windows
    "json",  # --json, history, exports
    "hashlib",  # loads OpenSSL
    "typer.rich_utils",  # Typer's Rich help and errors
    "rich.markdown",
    "rich.traceback",
    "markdown_it",
    "rich",
    "roadmap_cli.formats.catalog_schema",
    "roadmap_cli.storage.history_file",
    "roadmap_cli.storage.line_editor",
    "roadmap_cli.cli.commands.projects",
    "fsrs",  # the review scheduler: what it says of every topic alike is kept in the cache
]


# On Windows the lock comes from filelock.
ELSEWHERE = {"filelock"} if sys.platform != "linux" else set()


def loaded(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    command = [sys.executable, "-c", PROBE, ",".join(HEAVY), *args]
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )
    marker = result.stderr.rsplit("LOADED ", 1)
    assert len(marker) == 2, result.stderr
    return set(filter(None, marker[1].strip().split(","))) - ELSEWHERE


def warm(run: Runner) -> None:
    """A run fills the caches of the catalog, the progress file and the command registry, as
    any use does; a topic done, what the scheduler says of a topic just done."""
    assert run("done", "genai-basics").exit_code == 0
    assert run("review", "--list").exit_code == 0
    assert run("start", "python").exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["next"],
        ["topics"],
        ["show", "rag"],
        [],
        ["review", "--list"],
        ["plan", "--hours", "7.5"],
        ["map"],
        ["goal"],
    ],
)
def test_reading_commands_load_rich_but_nothing_heavy(run: Runner, args: list[str]) -> None:
    warm(run)
    assert loaded(args) == {"rich"}


def test_done_writes_without_pydantic_tomlkit_filelock_or_openssl(
    run: Runner, state_file: Path
) -> None:
    warm(run)
    found = loaded(["done", "python"])
    assert "done" in state_file.read_text(encoding="utf-8")
    # history (and json for its records), the line editor (and tomllib to check its work)
    assert found == {
        "rich",
        "json",
        "tomllib",
        "roadmap_cli.storage.history_file",
        "roadmap_cli.storage.line_editor",
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--help"], {"roadmap_cli.cli.commands.projects"}),  # the overview lists every command
        (["done", "--help"], set()),
        (["--version"], set()),
    ],
)
def test_help_and_version_load_no_rich_at_all(
    run: Runner, args: list[str], expected: set[str]
) -> None:
    warm(run)  # which module holds which command is in the cache, as after any earlier run
    assert loaded(args) == expected


def test_json_output_loads_no_rich(run: Runner) -> None:
    warm(run)
    assert loaded(["status", "--json"]) == {"json"}


def test_completion_loads_no_rich_and_no_toml_parser_with_a_warm_cache(run: Runner) -> None:
    warm(run)
    env = {"_ROADMAP_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "roadmap done p"}
    assert loaded([], env) == set()


def test_a_catalog_not_seen_before_is_checked_with_pydantic() -> None:
    """The other side: the first run on a catalog does check it, fully."""
    found = loaded(["status"])
    assert {"pydantic", "roadmap_cli.formats.catalog_schema", "tomllib"} <= found
