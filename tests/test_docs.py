"""The README, the docs and --help say what the code does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import Runner
from roadmap_cli.cli.dispatch import full_command
from roadmap_cli.storage.catalog_file import check_file

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ROOT_COMMAND = full_command()
COMMANDS = sorted(ROOT_COMMAND.commands)  # type: ignore[attr-defined]
SUBCOMMANDS = sorted(
    f"{name} {sub}"
    for name, command in ROOT_COMMAND.commands.items()  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {})
)


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", text, flags=re.S)


def test_readme_gives_the_two_fresh_machine_commands() -> None:
    run_cmd, test_cmd = shell_blocks(README)[:2]
    assert run_cmd == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/roadmap status"
    assert test_cmd == (
        'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest'
    )


def test_ci_runs_the_readme_test_command_in_a_fresh_venv() -> None:
    test_cmd = shell_blocks(README)[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # The same steps, with the fresh venv's path in place of .venv.
    as_in_ci = re.sub(r"\.venv/bin/(\w+)", r'"$venv/bin/\1"', test_cmd)
    as_in_ci = as_in_ci.replace("python3 -m venv .venv", '"$python" -m venv "$venv"')
    assert as_in_ci in ci
    assert 'venv="$work/.venv"' in ci and "mktemp -d" in ci
    assert 'check_status "$status"' in ci and '"$1" -eq 5' in ci  # no tests is no pass
    assert "--resolution lowest-direct" in ci  # and at the lowest versions allowed
    assert 'export HOME="$test_home"' in ci and 'find "$test_home" -mindepth 1' in ci


@pytest.mark.parametrize("command", COMMANDS + SUBCOMMANDS)
def test_every_command_is_in_the_readme_and_has_help_with_an_example(
    run: Runner, command: str
) -> None:
    assert f"`roadmap {command}" in README
    result = run(*command.split(), "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_catalog_format_example_is_a_valid_catalog(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "catalog-format.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)\n```", text, flags=re.S)
    assert example
    path = tmp_path / "example.toml"
    path.write_text(example.group(1), encoding="utf-8")
    catalog, problems = check_file(path)
    assert problems == [] and catalog is not None
    assert [t.id for t in catalog.tracks] == ["builder", "deep"]


@pytest.mark.usefixtures("mini")
@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["tracks"],
        ["topics"],
        ["show", "rag"],
        ["next"],
        ["focus", "deep"],
        ["log"],
        ["log", "--calendar"],
        ["doctor"],
        ["project", "show", "bot"],
        ["project", "list"],
        ["project", "ideas"],
        ["portfolio"],
    ],
)
def test_json_output_doc_names_every_key(run: Runner, args: list[str]) -> None:
    documented = (ROOT / "docs" / "json-output.md").read_text(encoding="utf-8")
    run("done", "python", "llm-apis", "rag")
    run("project", "add", "Bot", "--track", "builder", "--outcome", "qa-bot", "--topic", "rag")

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    for key in keys(json.loads(run(*args, "--json").stdout)):
        assert f'"{key}"' in documented, f"{args[0]} --json key {key!r} is not in json-output.md"


def test_export_json_doc_names_every_key(run: Runner, mini: Path) -> None:
    documented = (ROOT / "docs" / "export-format.md").read_text(encoding="utf-8")
    run("done", "python", "--note", "x")
    run("project", "add", "Bot", "--track", "builder")
    doc = json.loads(run("export", "--format", "json").stdout)
    for key in [*doc, *doc["catalog"], *doc["state"], *doc["state"]["topics"]["python"]]:
        assert f'"{key}"' in documented, key


def test_command_reference_is_current() -> None:
    """docs/commands.md is generated from --help by cog; regenerate with cog -r."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", str(ROOT / "docs" / "commands.md")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, (
        "docs/commands.md is stale: run 'cog -r docs/commands.md'\n" + proc.stdout + proc.stderr
    )


def test_the_merge_rules_are_one_table_in_sync_md_and_cover_every_field_once() -> None:
    """docs/sync.md shows `core.merge.RULES` as they are; every field of the progress that
    a merge decides falls under exactly one rule (a new field cannot be left without one)."""
    from dataclasses import fields

    from roadmap_cli.core import state
    from roadmap_cli.core.merge import RULES, rules_table

    assert rules_table() in (ROOT / "docs" / "sync.md").read_text(encoding="utf-8")
    covered = [name for rule in RULES for name in rule.fields]
    assert len(covered) == len(set(covered))
    wanted = {f"State.{f.name}" for f in fields(state.State) if f.name not in state.ABOUT_FIELDS}
    for cls in (state.TopicProgress, state.Project):
        wanted |= {f"{cls.__name__}.{f.name}" for f in fields(cls)}
    assert set(covered) == wanted
    for doc in ("state-file.md", "export-format.md"):  # the rules are stated once
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        assert "sync.md#how-progress-merges" in text
        assert "| How two versions merge |" not in text
