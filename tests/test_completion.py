"""Shell completion through Typer's completion protocol, as a shell would call it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINI, Runner, installed_script

pytestmark = pytest.mark.usefixtures("mini")


def complete(
    shell: str, line: str, state: Path, *extra_env: tuple[str, str]
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "_ROADMAP_COMPLETE": f"complete_{shell}", "ROADMAP_CATALOG": str(MINI)}
    env["ROADMAP_STATE"] = str(state)
    if shell == "bash":
        words = line.split(" ")
        env["COMP_WORDS"], env["COMP_CWORD"] = line, str(len(words) - 1)
    else:
        env["_TYPER_COMPLETE_ARGS"] = line
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    env.update(dict(extra_env))
    return subprocess.run([installed_script()], capture_output=True, text=True, env=env, timeout=60)


def test_topic_ids_with_titles_in_zsh(state_file: Path) -> None:
    out = complete("zsh", "roadmap done l", state_file).stdout
    assert '"llm-apis":"LLM APIs"' in out and '"lora":"LoRA"' in out and "python" not in out


def test_track_ids_in_bash_and_fish(state_file: Path) -> None:
    assert complete("bash", "roadmap focus d", state_file).stdout.split() == ["deep"]
    fish = complete("fish", "roadmap status --track b", state_file).stdout
    assert fish.strip() == "builder\tBuilder"


def test_statuses_and_project_ids(run: Runner, state_file: Path) -> None:
    statuses = complete("zsh", "roadmap topics --status ", state_file).stdout
    for status in ("pending", "in-progress", "done", "skipped"):
        assert f'"{status}"' in statuses
    run("project", "add", "PDF bot", "--track", "builder")
    fish = complete("fish", "roadmap project show p", state_file).stdout
    assert fish.strip() == "pdf-bot\tPDF bot"


def test_outcome_ids_follow_the_track(state_file: Path) -> None:
    out = complete("zsh", "roadmap project add X --track builder --outcome ", state_file).stdout
    assert '"qa-bot":"Q&A bot"' in out


def test_completing_writes_nothing_and_never_imports_rich(tmp_path: Path) -> None:
    state = tmp_path / "fresh" / "progress.toml"
    env = {
        **os.environ,
        "_ROADMAP_COMPLETE": "complete_zsh",
        "_TYPER_COMPLETE_ARGS": "roadmap done ra",
        "ROADMAP_CATALOG": str(MINI),
        "ROADMAP_STATE": str(state),
    }
    code = (
        "import sys; from roadmap_cli.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('RICH' if any(m.startswith('rich') for m in sys.modules) else 'CLEAN')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert '"rag":"RAG"' in proc.stdout
    assert proc.stderr.endswith("CLEAN")
    assert not state.parent.exists()


def test_a_broken_catalog_completes_nothing_quietly(tmp_path: Path, state_file: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("not a catalog")
    proc = complete("bash", "roadmap done ", state_file, ("ROADMAP_CATALOG", str(bad)))
    assert proc.returncode == 0 and proc.stdout.strip() == "" and proc.stderr == ""


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_a_script_for_each_shell(shell: str) -> None:
    env = {**os.environ, "_ROADMAP_COMPLETE": f"source_{shell}"}
    proc = subprocess.run([installed_script()], capture_output=True, text=True, env=env)
    assert proc.returncode == 0
    assert "_ROADMAP_COMPLETE" in proc.stdout


def test_install_completion_writes_the_script_for_the_shell_in_use(isolated_home: Path) -> None:
    home = isolated_home
    env = {
        **os.environ,
        "HOME": str(home),
        "SHELL": "/bin/bash",
        "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1",
    }
    proc = subprocess.run(
        [installed_script(), "--install-completion", "bash"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    script = home / ".bash_completions" / "roadmap.sh"
    assert "_ROADMAP_COMPLETE" in script.read_text()
    assert str(script) in (home / ".bashrc").read_text()


def test_completion_reads_the_cache_when_it_matches_and_the_files_when_not(
    run: Runner, state_file: Path
) -> None:
    """After a command has cached the catalog and the progress file, completion reads the
    cache (no TOML parser at all); a stale or damaged entry falls back to the files."""
    before = complete("zsh", "roadmap done l", state_file).stdout
    run("project", "add", "PDF bot", "--track", "builder")  # fills both caches
    probe = (
        "import atexit, sys; sys.argv = ['roadmap'];"
        "atexit.register(lambda: sys.stderr.write("
        "'tomllib' in sys.modules and 'PARSED' or 'CACHED'));"
        "from roadmap_cli.cli.main import main; main([])"
    )
    env = {
        **os.environ,
        "_ROADMAP_COMPLETE": "complete_zsh",
        "_TYPER_COMPLETE_ARGS": "roadmap project show p",
        "ROADMAP_CATALOG": str(MINI),
        "ROADMAP_STATE": str(state_file),
    }
    cached = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert '"pdf-bot":"PDF bot"' in cached.stdout and cached.stderr.endswith("CACHED")
    assert complete("zsh", "roadmap done l", state_file).stdout == before
    for entry in (Path(os.environ["XDG_CACHE_HOME"]) / "roadmap").rglob("*.marshal"):
        entry.write_bytes(b"damaged")
    parsed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert '"pdf-bot":"PDF bot"' in parsed.stdout and parsed.stderr.endswith("PARSED")
    assert complete("zsh", "roadmap done l", state_file).stdout == before


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_command_names_and_the_word_after_a_space_complete(shell: str, state_file: Path) -> None:
    names = complete(shell, "roadmap d", state_file).stdout
    assert "done" in names and "doctor" in names
    after_space = complete(shell, "roadmap done ", state_file).stdout
    assert "python" in after_space and "llm-apis" in after_space


def test_help_before_a_command_lists_every_command(run: Runner) -> None:
    for args in (["--help", "status"], ["-h", "done"]):
        out = run(*args).stdout
        assert all(name in out for name in ("status", "done", "project", "catalog", "cohort"))
