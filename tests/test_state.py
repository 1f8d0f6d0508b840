"""The progress file: validated on read, never overwritten when bad, written atomically."""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
import subprocess
import sys
import tempfile
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import MINI, Runner, ended, installed_script
from roadmap_cli.core.errors import StateError
from roadmap_cli.core.state import (
    SCHEMA_VERSION,
    Invalid,
    State,
    TopicProgress,
    to_json,
    topic_from,
)
from roadmap_cli.storage import history_file, paths
from roadmap_cli.storage.state_file import render
from roadmap_cli.storage.store import Store

pytestmark = pytest.mark.usefixtures("mini")

ENTRY = '[topics.python]\nstatus = "done"\nupdated = 2026-01-01T10:00:00Z\n'
GOOD = f'schema_version = {SCHEMA_VERSION}\ncatalog = "mini"\n' + ENTRY

BAD_FILES = {
    "not toml": (
        'schema_version = 1\n[topics.python\nstatus = "done"\n',
        "not valid TOML",
        "line 2",
    ),
    "bad status": (
        "schema_version = 1\n" + ENTRY.replace('"done"', '"finished"'),
        "topics.python.status",
        "",
    ),
    "naive time": (
        'schema_version = 1\n[topics.python]\nstatus = "done"\nupdated = 2026-01-01T10:00:00\n',
        "topics.python.updated",
        "timezone",
    ),
    "no version": (
        '[topics.python]\nstatus = "done"\nupdated = 2026-01-01T10:00:00Z\n',
        "no schema_version",
        "",
    ),
    "wrong type": ('schema_version = 1\ntopics = "all of them"\n', "topics", ""),
    "binary": ("\udcff\udcfe garbage", "not UTF-8", ""),
}


def write_raw(path: Path, text: str) -> bytes:
    data = text.encode("utf-8", "surrogateescape")
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["next"],
        ["topics"],
        ["export"],
        ["done", "rag"],
        ["focus", "deep"],
        ["reset", "python"],
    ],
)
def test_bad_state_file_fails_every_command_and_stays_byte_identical(
    run: Runner, state_file: Path, case: str, args: list[str]
) -> None:
    text, what, extra = BAD_FILES[case]
    before = write_raw(state_file, text)
    result = run(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"roadmap: error: progress file {state_file} cannot be used: ")
    assert what in result.stderr and extra in result.stderr
    assert "left untouched" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert state_file.read_bytes() == before
    assert (
        sorted(p.name for p in state_file.parent.iterdir() if p.name.startswith(".progress")) == []
    )


def test_state_from_a_newer_version_is_refused_untouched(run: Runner, state_file: Path) -> None:
    before = write_raw(state_file, "schema_version = 7\n")
    result = run("done", "rag")
    assert result.exit_code == 1
    assert "written by a newer roadmap (schema 7" in result.stderr
    assert state_file.read_bytes() == before


def test_state_flag_and_environment(run: Runner, tmp_path: Path, state_file: Path) -> None:
    other = tmp_path / "elsewhere" / "mine.toml"
    assert run("--state", str(other), "done", "python").exit_code == 0
    assert other.exists() and not state_file.exists()
    assert "python" in tomllib.loads(other.read_text())["topics"]


def test_default_state_path_is_the_user_data_dir(
    run: Runner, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    monkeypatch.delenv("ROADMAP_STATE")
    assert run("done", "python").exit_code == 0
    data = isolated_home / "data" / "roadmap"
    assert (data / "progress-mini.toml").exists()  # each catalog has its own progress
    monkeypatch.delenv("ROADMAP_CATALOG")
    assert run("done", "rag").exit_code == 0
    assert "rag" in tomllib.loads((data / "progress.toml").read_text())["topics"]
    assert "rag" not in tomllib.loads((data / "progress-mini.toml").read_text())["topics"]


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=2)))
    state = State(
        focus="deep",
        topics={
            "rag": TopicProgress(
                status="done",
                started=moment,
                finished=moment,
                updated=moment,
                note='a "quoted"\nnote',
            ),
            "python": TopicProgress(status=None, updated=moment, note="only a note"),
            "lora": TopicProgress(status="skipped", updated=moment),
        },
    )
    store = Store(tmp_path / "p.toml")

    def replace(current: State) -> None:
        current.focus, current.topics = state.focus, state.topics

    store.update(replace)
    loaded = store.load()
    assert [row.key for row in loaded.changed] == ["focus"]  # when it was set: now
    assert dataclasses.replace(loaded, changed=[]) == state
    text = (tmp_path / "p.toml").read_text()
    assert text.index("[topics.lora]") < text.index("[topics.python]") < text.index("[topics.rag]")
    assert render(store.load(), text) == text


def test_new_file_is_private_and_no_temporary_file_is_left(run: Runner, state_file: Path) -> None:
    run("done", "python")
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in state_file.parent.iterdir() if "progress" in p.name) == [
        "progress.history.jsonl",
        "progress.toml",
        "progress.toml.lock",
    ]
    assert stat.S_IMODE((state_file.parent / "progress.history.jsonl").stat().st_mode) == 0o600


def test_existing_mode_is_kept(run: Runner, state_file: Path) -> None:
    write_raw(state_file, GOOD)
    state_file.chmod(0o644)
    run("done", "rag")
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o644


def test_symlinked_state_updates_its_target(run: Runner, tmp_path: Path, state_file: Path) -> None:
    target = tmp_path / "synced" / "real.toml"
    target.parent.mkdir()
    write_raw(target, GOOD)
    state_file.symlink_to(target)
    run("done", "rag")
    assert state_file.is_symlink()
    assert "rag" in tomllib.loads(target.read_text())["topics"]


@pytest.mark.parametrize(
    ("module", "name", "message"),
    [
        (
            os,
            "replace",
            "could not save progress to {state} (No space left on device);"
            " the previous file is unchanged",
        ),
        (
            tempfile,
            "mkstemp",
            "could not save progress to {state} (No space left on device);"
            " the previous file is unchanged",
        ),
        (
            os,
            "fsync",
            "could not record the change in {history} (No space left on device);"
            " nothing was changed",
        ),
    ],
)
def test_failed_write_leaves_the_old_file_no_temporary_and_no_record(
    run: Runner,
    state_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    module: object,
    name: str,
    message: str,
) -> None:
    before = write_raw(state_file, GOOD)
    log = state_file.with_name("progress.history.jsonl")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:  # only this patch: the isolated home stays
        patch.setattr(module, name, full_disk)  # a full disk cannot be had for real here
        result = run("done", "rag")
    assert result.exit_code == 1
    expected = message.format(state=state_file, history=log)
    assert result.stderr == f"roadmap: error: {expected}\n"
    assert state_file.read_bytes() == before
    assert [p.name for p in state_file.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert history_file.read(log).records == []
    assert run("log", "--json").stdout.count('"command"') == 0


def test_unwritable_location_fails_cleanly(run: Runner, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run("--state", str(blocker / "progress.toml"), "done", "rag")
    assert result.exit_code == 1
    assert result.stderr == (
        f"roadmap: error: cannot read progress file {blocker}/progress.toml: Not a directory\n"
    )


def test_store_raises_its_own_error_for_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="is a folder, not a file"):
        Store(tmp_path).load()


HOLD_LOCK = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(120)
"""


def test_a_held_lock_times_out_naming_the_lock_and_its_holder(state_file: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, f"{state_file}.lock"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        env = {**os.environ, "ROADMAP_LOCK_TIMEOUT": "0.2", "ROADMAP_CATALOG": str(MINI)}
        proc = subprocess.run(
            [installed_script(), "done", "rag"], capture_output=True, text=True, env=env, timeout=60
        )
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout:
            holder.stdout.close()
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        f"roadmap: error: progress file {state_file} is locked (lock file {state_file}.lock)"
        f" by process {holder.pid} ({sys.executable} -c "
    )
    assert proc.stderr.endswith(
        "; wait for it to finish, or raise ROADMAP_LOCK_TIMEOUT (now 0.2 s)\n"
    )
    assert proc.stderr.count("\n") == 1
    assert not state_file.exists()


def test_concurrent_writers_keep_every_change(state_file: Path) -> None:
    env = {**os.environ, "ROADMAP_CATALOG": str(MINI), "ROADMAP_LOCK_TIMEOUT": "60"}
    groups = [["python", "llm-apis"], ["rag", "transformers"], ["fine-tuning"], ["lora"]]
    procs = [
        subprocess.Popen([installed_script(), "done", *ids], env=env, stdout=subprocess.DEVNULL)
        for ids in groups
    ]
    with ended(*procs):
        assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    saved = tomllib.loads(state_file.read_text())["topics"]
    assert sorted(saved) == sorted(t for ids in groups for t in ids)


def test_bad_lock_timeout_setting(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROADMAP_LOCK_TIMEOUT", "soon")
    result = run("done", "rag")
    assert result.exit_code == 1
    assert "ROADMAP_LOCK_TIMEOUT='soon' is not a number" in result.stderr


@pytest.mark.parametrize("args", [["focus", "--clear"], ["reset", "python"], ["note", "rag", ""]])
def test_a_change_that_changes_nothing_creates_nothing(
    run: Runner, tmp_path: Path, args: list[str]
) -> None:
    place = tmp_path / "new-folder" / "progress.toml"
    result = run("--state", str(place), *args)
    assert result.exit_code == 0
    assert not place.parent.exists()


def test_a_symlink_and_its_target_share_one_lock(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    assert Store(link).lock_path == Store(real).lock_path == tmp_path / "real.toml.lock"


@pytest.mark.parametrize(
    "text",
    [
        'schema_version = "1"\n',
        "schema_version = true\n",
        "schema_version = 1.0\n",
        "schema_version = 0\n",
        'schema_version = 1\n[topics.rag]\nstatus = "done"\nupdated = "2026-01-01T10:00:00Z"\n',
    ],
)
def test_lax_values_are_refused_not_rewritten(run: Runner, state_file: Path, text: str) -> None:
    before = write_raw(state_file, text)
    result = run("start", "python")
    assert result.exit_code == 1 and "cannot be used" in result.stderr
    assert state_file.read_bytes() == before


def test_a_byte_order_mark_is_accepted(run: Runner, state_file: Path) -> None:
    state_file.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert run("topics", "--status", "done", "--json").stdout.count('"id": "python"') == 1


@pytest.mark.parametrize("value", ["nan", "inf", "-1", ""])
def test_odd_lock_timeouts(run: Runner, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ROADMAP_LOCK_TIMEOUT", value)
    result = run("done", "rag")
    if value == "":
        assert result.exit_code == 0  # unset in effect: the default
    else:
        assert result.exit_code == 1
        assert f"ROADMAP_LOCK_TIMEOUT={value!r} is not a number of seconds" in result.stderr


@given(
    moment=st.datetimes(
        min_value=datetime(1970, 1, 2),  # the years a time of progress may have
        max_value=datetime(2200, 12, 30),
        # Offsets in whole minutes, as TOML and `now()` give them.
        timezones=st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-1439, 1439))
        | st.just(UTC),
    )
)
def test_times_are_recorded_as_they_always_were(moment: datetime) -> None:
    """History records compare times as text: a time must be written exactly as records that
    were written with pydantic's serializer have it (UTC as Z), or undo would miss them."""
    from pydantic import TypeAdapter

    entry = TopicProgress(status="done", updated=moment)
    assert to_json(entry)["updated"] == TypeAdapter(datetime).dump_python(moment, mode="json")
    assert topic_from(to_json(entry)) == entry


@pytest.mark.parametrize(
    ("entry", "where"),
    [
        ({"status": "done"}, "updated"),
        ({"status": "done", "updated": "yesterday"}, "updated"),
        ({"status": 1, "updated": "2026-01-01T10:00:00Z"}, "status"),
        ({"updated": "2026-01-01T10:00:00Z", "note": ["a"]}, "note"),
    ],
)
def test_a_bad_entry_names_what_is_wrong(entry: dict[str, object], where: str) -> None:
    with pytest.raises(Invalid) as caught:
        topic_from(entry)
    assert [w for w, _ in caught.value.problems] == [where]


@pytest.mark.parametrize("xdg", ["absolute", "relative", "blank", "unset"])
@pytest.mark.parametrize("home", ["absolute", "relative", "unset"])
def test_folders_are_where_platformdirs_puts_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str, home: str
) -> None:
    """The folders are worked out without platformdirs on Linux; they must be the same."""
    import platformdirs

    values = {"absolute": str(tmp_path / "x"), "relative": "x/y", "blank": "  "}
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        if xdg == "unset":
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, values[xdg] + variable.lower())
    if home == "unset":
        monkeypatch.delenv("HOME", raising=False)
    else:
        monkeypatch.setenv("HOME", values[home])
    assert paths.data_dir() == platformdirs.user_data_path("roadmap", appauthor=False)
    assert paths.config_dir() == platformdirs.user_config_path("roadmap", appauthor=False)
    assert paths.cache_dir() == platformdirs.user_cache_path("roadmap", appauthor=False)
