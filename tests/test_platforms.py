"""The write path on platforms other than the one the tests run on: no POSIX-only call is
needed, every file is binary, and the history never keeps a record of a change that was not
written, whatever stopped the write."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from conftest import Runner
from roadmap_cli.storage import files, history_file

POSIX_ONLY = ("pread", "pwrite", "fchmod", "fchown", "fdatasync")


def log_commands(run: Runner) -> list[str]:
    return [r["command"] for r in json.loads(run("log", "--json").stdout)["records"]]


def test_every_write_works_without_posix_only_calls(
    run: Runner, state_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on Windows before Python 3.13: no os.pread, no os.fchmod (and none of their
    kin). Progress and history stay in step through every kind of write."""
    for name in POSIX_ONLY:
        monkeypatch.delattr(os, name, raising=False)
    assert run("start", "python").exit_code == 0
    assert run("done", "python").exit_code == 0
    assert run("note", "rag", "line one\nline two").exit_code == 0
    assert run("project", "add", "A bot", "--track", "ai-developer").exit_code == 0
    assert run("focus", "llm-mastery").exit_code == 0
    assert run("undo").exit_code == 0
    exported = tmp_path / "mine.json"
    with monkeypatch.context() as other:  # another machine's progress, to merge in
        other.setenv("ROADMAP_STATE", str(tmp_path / "other" / "progress.toml"))
        assert run("start", "rag").exit_code == 0
        assert run("export", "--format", "json", "-o", str(exported)).exit_code == 0
    assert run("import", str(exported), "--merge").exit_code == 0
    assert run("doctor").exit_code == 0
    commands = log_commands(run)
    assert commands[0] == "import --merge mine.json"  # newest first; one record a change
    assert sorted(commands[1:]) == sorted(
        [
            "undo focus llm-mastery",
            "focus llm-mastery",
            "project add A bot",
            "note rag",
            "done python",
            "start python",
            "start rag",  # the other machine's, arrived with the merge
        ]
    )
    shown = json.loads(run("show", "python", "--json").stdout)
    assert shown["status"] == "done"
    assert b"\r\n" not in state_file.read_bytes()
    assert b"\r\n" not in history_file.path_for(state_file).read_bytes()


# Without fcntl, filelock (the lock Windows uses, through msvcrt there) can only offer its
# soft lock on this platform, and says so. (On this platform filelock itself needs
# os.fchmod, so the POSIX calls stay for this one.)
@pytest.mark.filterwarnings("ignore:only soft file lock is available")
def test_writes_take_filelocks_lock_where_there_is_no_fcntl(
    run: Runner, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fcntl", None)  # no flock(2): the lock is filelock's
    assert run("start", "python").exit_code == 0
    assert run("done", "python").exit_code == 0
    assert run("undo").exit_code == 0
    assert log_commands(run) == ["undo done python", "done python", "start python"]
    assert "filelock" in sys.modules


def test_a_history_line_cut_short_is_completed_without_pread(
    run: Runner, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("start", "python").exit_code == 0
    log = history_file.path_for(state_file)
    with log.open("ab") as cut:
        cut.write(b'{"id": "half a rec')  # a crash in the middle of a line
    monkeypatch.delattr(os, "pread")
    assert run("done", "python").exit_code == 0
    lines = log.read_bytes().split(b"\n")
    assert lines[1] == b'{"id": "half a rec' and b'"done python"' in lines[2]
    assert log_commands(run) == ["done python", "start python"]


@pytest.mark.parametrize(
    "error", [RuntimeError("a bug"), AttributeError("fchmod"), KeyboardInterrupt()]
)
def test_any_failure_of_the_write_takes_its_record_back(
    run: Runner, state_file: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    """Not only the store's own error: whatever stops the file being replaced, the history
    keeps no record of the change."""
    assert run("start", "python").exit_code == 0
    before = state_file.read_bytes()
    log = history_file.path_for(state_file)
    logged = log.read_bytes()

    def broken(*args: object, **kwargs: object) -> None:
        raise error

    with monkeypatch.context() as patch:  # a failure that cannot be caused for real here
        patch.setattr(files, "set_mode", broken)
        expected = 130 if isinstance(error, KeyboardInterrupt) else 1
        assert run("done", "python").exit_code == expected
    assert state_file.read_bytes() == before
    assert log.read_bytes() == logged
    assert [p for p in state_file.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert run("done", "python").exit_code == 0
    assert log_commands(run) == ["done python", "start python"]


def test_an_import_that_fails_puts_the_history_back(
    run: Runner, state_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("start", "python").exit_code == 0
    exported = tmp_path / "mine.json"
    assert run("export", "--format", "json", "-o", str(exported)).exit_code == 0
    assert run("done", "python").exit_code == 0
    assert run("reset", "python", "--yes").exit_code == 0
    log = history_file.path_for(state_file)
    before, logged = state_file.read_bytes(), log.read_bytes()
    calls: list[str] = []
    real = files.set_mode

    def fails_on_the_progress_file(fd: int, path: str, mode: int) -> None:
        calls.append(path)
        if re.fullmatch(rf"\.{re.escape(state_file.name)}\.\w+\.tmp", Path(path).name):
            raise RuntimeError("a bug")
        real(fd, path, mode)

    with monkeypatch.context() as patch:
        patch.setattr(files, "set_mode", fails_on_the_progress_file)
        result = run("import", str(exported), "--replace", "--yes")
    assert result.exit_code == 1, result.stderr
    assert any(".history" in c for c in calls)  # the history was written, then put back
    assert state_file.read_bytes() == before
    assert log.read_bytes() == logged


def test_durable_writes_ask_macos_for_a_full_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On macOS fsync stops at the drive's cache; F_FULLFSYNC is what the docs promise.
    (Neither macOS nor its fcntl can be had here: the call is recorded instead.)"""
    import fcntl
    import sys

    asked: list[int] = []
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(fcntl, "F_FULLFSYNC", 51, raising=False)
    monkeypatch.setattr(fcntl, "fcntl", lambda fd, op, *args: asked.append(op) or 0)
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    with (tmp_path / "f").open("wb") as f:
        files.sync(f.fileno())
    assert asked == [51] and synced == []
    monkeypatch.setattr(sys, "platform", "linux")
    with (tmp_path / "f").open("wb") as f:
        files.sync(f.fileno())
    assert asked == [51] and len(synced) == 1


README = Path(__file__).resolve().parents[1] / "README.md"


def readme_folders() -> dict[str, dict[str, str]]:
    """{row: {platform: path}} from the README's table of folders."""
    found: dict[str, dict[str, str]] = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split(" | ")]
        if len(cells) < 2:
            continue
        row = cells[0].lstrip("| ")
        pairs = re.findall(r"(Linux|macOS|Windows): `([^`]+)`", cells[1])
        if pairs:
            found[row] = dict(pairs)
    return found


@pytest.mark.skipif(not README.is_file(), reason="needs the source tree")
def test_the_readme_says_where_the_folders_are_on_each_platform(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Checked against platformdirs' own classes for each platform (whose folders roadmap uses
    off Linux); Windows' known folders come from its API, stood in for here."""
    from platformdirs import unix, windows
    from platformdirs.macos import MacOS

    from roadmap_cli.storage import paths

    rows = readme_folders()
    assert set(rows) == {"Data folder", "Catalogs of your own", "Cache"}
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(variable)
    monkeypatch.setenv("HOME", "/home/ada")
    assert rows["Data folder"]["Linux"] == "~/.local/share/roadmap"
    assert str(paths.data_dir()) == "/home/ada/.local/share/roadmap"
    assert str(paths.cache_dir()) == "/home/ada/.cache/roadmap"
    assert str(paths.user_catalogs()) == "/home/ada/.config/roadmap/catalogs"
    linux = unix.Unix("roadmap", appauthor=False)
    monkeypatch.setenv("HOME", "/Users/ada")
    mac = MacOS("roadmap", appauthor=False)
    monkeypatch.setattr(
        windows,
        "get_win_folder",
        lambda csidl: {"CSIDL_LOCAL_APPDATA": "%LOCALAPPDATA%"}.get(csidl, "?"),
    )
    win = windows.Windows("roadmap", appauthor=False)

    def windows_path(path: str) -> str:  # joined by this platform's os.path
        return path.replace("/", "\\")

    def home(path: str, user_home: str) -> str:
        return "~" + path.removeprefix(user_home)

    expected = {
        "Data folder": {
            "Linux": home(linux.user_data_dir, "/Users/ada"),
            "macOS": home(mac.user_data_dir, "/Users/ada"),
            "Windows": windows_path(win.user_data_dir),
        },
        "Catalogs of your own": {
            "Linux": home(linux.user_config_dir, "/Users/ada") + "/catalogs",
            "macOS": home(mac.user_config_dir, "/Users/ada") + "/catalogs",
            "Windows": windows_path(win.user_config_dir + "/catalogs"),
        },
        "Cache": {
            "Linux": home(linux.user_cache_dir, "/Users/ada"),
            "macOS": home(mac.user_cache_dir, "/Users/ada"),
            "Windows": windows_path(win.user_cache_dir),
        },
    }
    assert rows == expected
    # The XDG variables move the folders on macOS too, as the table says.
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/data")
    assert MacOS("roadmap", appauthor=False).user_data_dir == "/srv/data/roadmap"


def test_an_import_that_fails_leaves_no_history_where_there_was_none(
    run: Runner, state_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("done", "python").exit_code == 0
    exported = tmp_path / "mine.json"
    assert run("export", "--format", "json", "-o", str(exported)).exit_code == 0
    assert run("reset", "python", "--yes").exit_code == 0
    log = history_file.path_for(state_file)
    log.unlink()
    before = state_file.read_bytes()

    def fails_on_the_progress_file(fd: int, path: str, mode: int) -> None:
        if re.fullmatch(rf"\.{re.escape(state_file.name)}\.\w+\.tmp", Path(path).name):
            raise RuntimeError("a bug")
        os.chmod(path, mode)

    with monkeypatch.context() as patch:
        patch.setattr(files, "set_mode", fails_on_the_progress_file)
        assert run("import", str(exported), "--replace", "--yes").exit_code == 1
    assert state_file.read_bytes() == before
    assert not log.exists()


def test_export_names_a_neutral_learner_without_a_user_name_or_pwd(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Windows service or a stripped environment: no LOGNAME, USER, LNAME or USERNAME, and
    no `pwd` module (getpass then raises ImportError on Python 3.11 and 3.12, OSError on
    3.13)."""
    run("done", "python")
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(sys.modules, "pwd", None)
    result = run("export", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["learner"] == "learner"


@pytest.mark.parametrize(
    ("editor", "windows", "argv"),
    [
        (r"C:\Windows\notepad.exe", True, [r"C:\Windows\notepad.exe"]),
        (
            r'"C:\Program Files\Notepad++\notepad++.exe" -multiInst',
            True,
            [r"C:\Program Files\Notepad++\notepad++.exe", "-multiInst"],
        ),
        ("code --wait", True, ["code", "--wait"]),
        ("code --wait", False, ["code", "--wait"]),
        ("'/opt/my editor/bin/ed' -n", False, ["/opt/my editor/bin/ed", "-n"]),
    ],
)
def test_the_editor_is_split_as_the_platform_splits_it(
    editor: str, windows: bool, argv: list[str]
) -> None:
    from roadmap_cli.cli.commands.projects import editor_command

    assert editor_command(editor, windows) == argv
