"""Help and errors in the words of a command line, swept over every command.

Each test walks the whole command tree (`dispatch.full_command`), so that a command added
later is held to the same rules: metavars instead of Python types, summaries whole, help
never broken inside an id, usage errors that say what is wrong in plain words and name the
command's own help, global options after the command, ids of another kind explained, a no
to a question that is not a failure, and Ctrl-C that ends the line and exits 130.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import Runner, ended, installed_script, interruptible
from roadmap_cli.cli import dispatch
from roadmap_cli.cli.help import GROUPS, RoadmapCommand, RoadmapGroup, summary

pytestmark = pytest.mark.usefixtures("mini")

# What Python, pydantic, Typer or click would say, and roadmap never does.
LIBRARY_WORDS = (
    "Value error",
    "Input should",
    "Invalid value for",
    "Missing argument",
    "Missing option",
    "No such option",
    "No such command",
    "Try '",
    "Usage:",
    "Error:",
    "Traceback",
    "unable to parse",
)
PYTHON_TYPES = re.compile(r"<[a-z][^>]*>|\{[a-z_]+\}|list\[|int range|\bstr\b|\bint\b|\bbool\b")
METAVAR = re.compile(r"[A-Z][A-Z_]*(,\.\.\.|\.\.\.)?|[a-z0-9-]+(\|[a-z0-9-]+)+")


def command_paths() -> list[tuple[list[str], Any]]:
    """Every command and command group, by its words after `roadmap`."""
    root = dispatch.full_command()
    found: list[tuple[list[str], Any]] = []
    for name, command in root.commands.items():
        found.append(([name], command))
        for sub_name, sub in getattr(command, "commands", {}).items():
            found.append(([name, sub_name], sub))
    return found


PATHS = command_paths()
LEAVES = [(path, command) for path, command in PATHS if not hasattr(command, "commands")]


def ids(paths: list[tuple[list[str], Any]]) -> list[str]:
    return [" ".join(path) for path, _ in paths]


def test_every_command_has_roadmaps_help() -> None:
    for path, command in PATHS:
        kind = RoadmapGroup if hasattr(command, "commands") else RoadmapCommand
        assert isinstance(command, kind), path
    assert isinstance(dispatch.full_command(), RoadmapGroup)


@pytest.mark.parametrize(("path", "command"), PATHS, ids=ids(PATHS))
def test_every_value_has_a_metavar_and_help_no_python_type(
    run: Runner, path: list[str], command: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for param in command.params:
        takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        if takes_value and param.name != "help":
            assert param.metavar, f"roadmap {' '.join(path)}: {param.name} declares no metavar"
            assert METAVAR.fullmatch(param.metavar), param.metavar
    for width in ("60", "80"):
        monkeypatch.setenv("COLUMNS", width)
        out = run(*path, "--help").stdout
        assert out.startswith(f"Usage: roadmap {' '.join(path)}")
        assert not PYTHON_TYPES.search(out), out
        assert "Example:" in out
        for line in out.splitlines():
            assert len(line) <= int(width), line
            # No word is broken at a hyphen: an id is what the learner copies.
            assert not re.search(r"[a-z]-$", line), line


@pytest.mark.parametrize(("path", "command"), PATHS, ids=ids(PATHS))
def test_help_command_shows_the_same_help(run: Runner, path: list[str], command: Any) -> None:
    assert run("help", *path).stdout == run(*path, "--help").stdout


def test_root_help_groups_commands_and_shows_each_summary_whole(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = run("--help").stdout
    headings = [line for line in out.splitlines() if line.endswith(" commands:")]
    assert headings == [f"{group} commands:" for group in GROUPS]
    root = dispatch.full_command()
    for name, command in root.commands.items():
        assert command.rich_help_panel in GROUPS, name
        if command.hidden:  # run by other programs (git's merge driver), never listed
            assert f" {name} " not in " ".join(out.split()), name
            continue
        assert f" {name} {summary(command)} " in " ".join(out.split()) + " "
    assert run("help").stdout == out
    unknown = run("help", "zzzz")
    assert unknown.exit_code == 2
    assert unknown.stderr == "roadmap: error: unknown command 'zzzz'; see 'roadmap --help'\n"


def test_choices_are_shown_as_their_values(run: Runner) -> None:
    assert "-f, --format markdown|json|svg" in run("export", "--help").stdout
    assert "-s, --status pending|in-progress|done|skipped" in run("topics", "--help").stdout
    assert "Usage: roadmap done [OPTIONS] TOPIC..." in run("done", "--help").stdout
    assert "-n, --limit N" in run("next", "--help").stdout
    assert "--date DATE" in run("done", "--help").stdout


def plain(stderr: str) -> None:
    assert stderr.count("\n") == 1 and stderr.startswith("roadmap: error: "), stderr
    for words in LIBRARY_WORDS:
        assert words not in stderr, stderr


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=ids(LEAVES))
def test_usage_errors_are_plain_and_name_the_commands_help(
    run: Runner, path: list[str], command: Any, state_file: Path
) -> None:
    help_hint = f"see 'roadmap {' '.join(path)} --help'"
    unknown = run(*path, "--frobnicate")
    assert unknown.exit_code == 2
    plain(unknown.stderr)
    assert help_hint in unknown.stderr.lower()
    required = [p for p in command.params if p.required]
    if required:
        missing = run(*path)
        assert missing.exit_code == 2
        plain(missing.stderr)
        assert help_hint in missing.stderr.lower()
        assert f"roadmap {' '.join(path)} needs " in missing.stderr
    for param in command.params:
        if param.param_type_name != "option" or getattr(param, "is_flag", False):
            continue
        if "|" in (param.metavar or "") or param.metavar == "N":
            bad = run(*path, param.opts[-1], "zzz-not-valid")
            assert bad.exit_code == 2, (path, param.opts)
            plain(bad.stderr)
            assert help_hint in bad.stderr.lower()
            if "|" in param.metavar:  # the valid choices, in words
                choices = param.metavar.split("|")
                assert ", ".join(choices[:-1]) + " or " + choices[-1] in bad.stderr
    assert not state_file.exists()


def test_numbers_out_of_range_are_said_in_words(run: Runner) -> None:
    for args, words in (
        (["next", "-n", "0"], "--limit: give 1 or more; see 'roadmap next --help'"),
        (["log", "--calendar", "--weeks", "99"], "--weeks: give 53 or less; see 'roadmap log"),
        (["status", "--limit", "2.5"], "--limit: give a whole number; see 'roadmap status"),
    ):
        result = run(*args)
        assert result.exit_code == 2
        plain(result.stderr)
        assert words in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["status", "foo"], "too many arguments: foo; see 'roadmap status --help'"),
        (["done", "rag", "--date"], "--date needs a value; see 'roadmap done --help'"),
        (["project", "add", "x", "-t"], "-t needs a value; see 'roadmap project add --help'"),
        (["export", "-f"], "-f needs a value; see 'roadmap export --help'"),
    ],
)
def test_click_errors_in_plain_words(run: Runner, args: list[str], words: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    plain(result.stderr)
    assert result.stderr == f"roadmap: error: {words}\n"


@pytest.mark.parametrize("group", ["project", "catalog"])
def test_a_group_alone_shows_its_commands(run: Runner, group: str) -> None:
    result = run(group)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == run(group, "--help").stdout


def test_an_unknown_command_or_option_suggests_the_close_one(run: Runner) -> None:
    assert run("stauts").stderr == (
        "roadmap: error: unknown command 'stauts'; did you mean status or start?"
        " See 'roadmap --help'\n"
    )
    assert "did you mean --no-color?" in run("status", "--no-colour").stderr
    assert "did you mean --json?" in run("tracks", "--jsn").stderr


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=ids(LEAVES))
def test_global_options_work_after_the_command(run: Runner, path: list[str], command: Any) -> None:
    root_options = {name for param in dispatch.full_command().params for name in param.opts}
    for param in command.params:
        assert not (set(param.opts) & root_options - {"-h", "--help"}), (path, param.opts)
    for global_ in (["--no-color"], ["--state", "elsewhere.toml"], ["--catalog", "mini"]):
        result = run(*path, *global_, "--help")
        assert result.exit_code == 0, (path, global_, result.stderr)


def test_a_global_option_after_the_command_takes_effect(
    run: Runner, tmp_path: Path, state_file: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    assert run("done", "python", "--state", str(elsewhere)).exit_code == 0
    assert elsewhere.exists() and not state_file.exists()
    assert "python" in run("topics", "--status", "done", f"--state={elsewhere}").stdout
    assert run("topics", "--status", "done").stdout == "No topics match.\n"
    # After `--`, nothing moves: a note may say anything.
    assert run("note", "rag", "--", "--no-color").exit_code == 0
    assert json.loads(run("show", "rag", "--json").stdout)["note"] == "--no-color"


def add_project(run: Runner) -> None:
    assert run("project", "add", "Bot", "--track", "builder").exit_code == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["done", "deep"], "'deep' is a track, not a topic; 'roadmap topics --track deep'"),
        (["start", "Builder"], "'Builder' is a track, not a topic"),
        (["show", "deep"], "'deep' is a track, not a topic; 'roadmap tracks deep' shows it"),
        (["done", "bot"], "'bot' is a project, not a topic; did you mean 'roadmap project done"),
        (["note", "bot", "x"], "did you mean 'roadmap project edit bot'?"),
        (["project", "done", "rag"], "'rag' is a topic, not a project; did you mean 'roadmap done"),
        (["project", "show", "python"], "did you mean 'roadmap show python'?"),
        (["project", "start", "deep"], "'deep' is a track, not a project; 'roadmap project list"),
        (["status", "--track", "rag"], "'rag' is a topic, not a track; 'roadmap show rag'"),
        (["focus", "bot"], "'bot' is a project, not a track"),
        (["tracks", "lora"], "'lora' is a topic, not a track"),
    ],
)
def test_an_id_of_another_kind_says_what_it_is(run: Runner, args: list[str], words: str) -> None:
    add_project(run)
    result = run(*args)
    assert result.exit_code == 2
    plain(result.stderr)
    assert words in result.stderr


def done_with_a_project(run: Runner, tmp_path: Path) -> Path:
    """Progress with a done topic and a project, and a JSON export of it."""
    assert run("done", "python", "transformers").exit_code == 0
    add_project(run)
    exported = tmp_path / "mine.json"
    assert run("export", "-o", str(exported)).exit_code == 0
    return exported


CONFIRMATIONS = [
    (["reset", "--track", "deep"], "reset"),
    (["reset", "python"], "reset"),
    (["skip", "python"], "skipped"),
    (["start", "python"], "started"),
    (["project", "remove", "bot"], "removed"),
    (["import", "EXPORT", "--replace"], "imported"),
]


@pytest.mark.parametrize(("args", "what"), CONFIRMATIONS)
def test_a_no_is_not_an_error_and_no_answer_is(
    run: Runner, state_file: Path, tmp_path: Path, args: list[str], what: str
) -> None:
    exported = done_with_a_project(run, tmp_path)
    args = [str(exported) if a == "EXPORT" else a for a in args]
    before = state_file.read_bytes()
    declined = run(*args, input="n\n")
    assert declined.exit_code == 0 and declined.stdout == ""
    assert declined.stderr.endswith(f" [y/N]: roadmap: nothing was {what}\n")
    unanswered = run(*args, input="")
    assert unanswered.exit_code == 1
    assert unanswered.stderr.endswith(
        f"roadmap: error: no answer, nothing was {what}; pass --yes to skip the question\n"
    )
    assert state_file.read_bytes() == before
    assert run(*args, "--yes").exit_code == 0
    if args[0] != "import":  # the export holds this very progress
        assert state_file.read_bytes() != before


def test_ctrl_c_at_a_question_ends_the_line_and_exits_130(state_file: Path) -> None:
    env = {**os.environ, "ROADMAP_STATE": str(state_file)}
    script = installed_script()
    subprocess.run([script, "done", "python"], env=env, check=True, capture_output=True)
    before = state_file.read_bytes()
    proc = subprocess.Popen(
        [script, "reset", "python"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    with ended(proc):
        assert proc.stderr is not None
        asked = b""
        deadline = time.monotonic() + 30
        while not asked.endswith(b"[y/N]: ") and time.monotonic() < deadline:
            asked += os.read(proc.stderr.fileno(), 1)  # unbuffered: the rest is for communicate
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert asked.decode() + err == asked.decode() + "\nroadmap: interrupted\n"
    assert "Traceback" not in err and out == ""
    assert state_file.read_bytes() == before
