"""The store under stress: property tests, many processes, writers killed mid-write, and a
folder that cannot be written."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINI, ended, installed_script, interruptible
from roadmap_cli.core.errors import StateError
from roadmap_cli.core.state import State, TopicProgress
from roadmap_cli.storage import history_file
from roadmap_cli.storage.store import Store

# --- property tests ------------------------------------------------------------------------

ids = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    offsets,
)
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
entries = st.builds(
    TopicProgress,
    status=st.sampled_from([None, "in-progress", "done", "skipped"]),
    started=st.none() | moments,
    finished=st.none() | moments,
    updated=moments,
    note=st.none() | texts,
)
states = st.builds(
    State,
    catalog=st.none() | ids,
    focus=st.none() | ids,
    topics=st.dictionaries(ids, entries, max_size=6),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def scratch() -> Iterator[Path]:
    folder = tempfile.mkdtemp()
    try:
        yield Path(folder) / "progress.toml"
    finally:
        shutil.rmtree(folder)


def save(path: Path, state: State) -> None:
    def replace(current: State) -> None:
        current.catalog, current.focus, current.topics = state.catalog, state.focus, state.topics

    Store(path).update(replace, "test", always=True)


@SETTINGS
@given(states)
def test_any_valid_state_round_trips(state: State) -> None:
    with scratch() as path:
        save(path, state)
        loaded = Store(path).load()
        assert [row.key for row in loaded.changed] == (["focus"] if state.focus else [])
        assert dataclasses.replace(loaded, changed=[]) == state
        # and again, editing the file it wrote in place
        save(path, state)
        assert Store(path).load() == loaded


def only_store_errors(path: Path, data: bytes) -> State | None:
    """Reading `data` either works or raises StateError; anything else fails the test. What it
    accepts is what the text says: valid TOML, with the same focus and the same topics."""
    path.write_bytes(data)
    try:
        state = Store(path).read().state
    except StateError:
        return None
    doc = tomllib.loads(data.decode("utf-8"))
    assert state.focus == doc.get("focus")
    assert sorted(state.topics) == sorted(doc.get("topics", {}))
    for topic_id, entry in state.topics.items():
        assert entry.status == doc["topics"][topic_id].get("status")
    return state


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_the_stores_error(data: bytes) -> None:
    with scratch() as path:
        only_store_errors(path, data)


@SETTINGS
@given(states, st.data())
def test_truncated_files_only_raise_the_stores_error(state: State, data: st.DataObject) -> None:
    with scratch() as path:
        save(path, state)
        full = path.read_bytes()
        cut = data.draw(st.integers(min_value=0, max_value=len(full)))
        accepted = only_store_errors(path, full[:cut])
        if accepted is not None:  # a cut between tables: some of the topics, each as it was
            assert set(accepted.topics) <= set(state.topics)
            kept = [t for t in accepted.topics if f"[topics.{t}]" in full[:cut].decode()]
            assert all(accepted.topics[t].updated == state.topics[t].updated for t in kept)
        if cut == len(full):
            assert accepted is not None and accepted.topics == state.topics


odd_values = (
    st.integers()
    | st.floats(allow_nan=False)
    | st.booleans()
    | texts
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(ids, st.integers(), max_size=2)
    | moments
)


@SETTINGS
@given(states.filter(lambda s: bool(s.topics)), st.data())
def test_wrong_types_only_raise_the_stores_error(state: State, data: st.DataObject) -> None:
    with scratch() as path:
        save(path, state)
        doc = tomllib.loads(path.read_text())
        topic = data.draw(st.sampled_from(sorted(doc["topics"])))
        key = data.draw(st.sampled_from(["status", "started", "finished", "updated", "note"]))
        where = data.draw(st.sampled_from(["topic", "top"]))
        value = data.draw(odd_values)
        if where == "topic":
            doc["topics"][topic][key] = value
        else:
            doc[data.draw(st.sampled_from(["schema_version", "focus", "catalog", "topics"]))] = (
                value
            )
        path.write_text(tomlkit.dumps(doc))
        accepted = only_store_errors(path, path.read_bytes())
        if accepted is not None and where == "topic":  # a value of the right kind, taken as is
            written = tomllib.loads(path.read_text())["topics"][topic][key]
            assert getattr(accepted.topics[topic], key) == written


# --- many processes --------------------------------------------------------------------------

WORKER = """
import sys
from pathlib import Path
from roadmap_cli.core.state import TopicProgress, now
from roadmap_cli.storage.store import Store

path, worker, steps = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for step in range(steps):
    def change(state, step=step):
        entry = state.topics.get(f"w{worker}") or TopicProgress(updated=now())
        entry.note, entry.updated = str(step), now()
        state.topics[f"w{worker}"] = entry
    Store(path, lock_timeout=120).update(change, f"worker {worker} step {step}")
"""


def test_eight_processes_times_25_changes_are_all_kept_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "progress.toml"
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(path), str(w), "25"]) for w in range(8)
    ]
    with ended(*workers):
        assert [w.wait(timeout=600) for w in workers] == [0] * 8
    state = Store(path).load()
    assert {k: v.note for k, v in state.topics.items()} == {f"w{w}": "24" for w in range(8)}
    commands = [r.command for r in history_file.read(history_file.path_for(path)).records]
    assert sorted(commands) == sorted(f"worker {w} step {s}" for w in range(8) for s in range(25))


WRITER = """
import sys
from pathlib import Path
from roadmap_cli.core.state import TopicProgress, now
from roadmap_cli.storage.store import Store

path = Path(sys.argv[1])
print("ready", flush=True)
while True:
    def change(state):
        first = state.topics.get("t0")
        count = int(first.note) + 1 if first and first.note else 1
        for i in range(30):  # a file of some size, so that a write takes a while
            state.topics[f"t{i}"] = TopicProgress(updated=now(), note=str(count), status="done")
    Store(path).update(change, "count")
"""


def test_a_writer_killed_at_random_moments_never_leaves_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "progress.toml"
    rng = random.Random(20261125)
    last = 0
    for _ in range(30):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        with ended(writer):
            assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
            time.sleep(rng.uniform(0.0, 0.25))
            writer.send_signal(signal.SIGKILL)
        if not path.exists():
            continue
        data = tomllib.loads(path.read_text())  # always parses
        notes = {entry["note"] for entry in data["topics"].values()}
        assert len(notes) == 1  # one whole state, old or new, never a mix
        count = int(notes.pop())
        assert count >= last
        last = count
        assert Store(path).load().topics["t29"].note == str(count)
    assert last > 0
    # The next successful write clears temporary files left by killed writers.
    Store(path).update(lambda s: setattr(s, "focus", "done-testing"), "finish")
    assert not list(tmp_path.glob(".progress.toml.*.tmp"))


# --- a folder that cannot be written, for real -----------------------------------------------


def read_only_run(
    folder: Path, args: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run roadmap with `folder` read-only: a read-only bind mount in a private mount namespace
    (we may be root, whom permission bits do not stop), or plain permissions otherwise."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            return subprocess.run(
                [installed_script(), *args], capture_output=True, text=True, env=env
            )
        finally:
            folder.chmod(0o755)
    if not shutil.which("unshare"):
        pytest.skip("running as root without unshare: cannot make a folder read-only")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    proc = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, "sh", str(folder), installed_script(), *args],
        capture_output=True,
        text=True,
        env=env,
    )
    if "mount:" in proc.stderr or "unshare:" in proc.stderr:
        pytest.skip(f"cannot make a read-only mount here: {proc.stderr.strip()}")
    return proc


@pytest.mark.parametrize("with_lock_file", [True, False])
def test_a_read_only_folder_fails_cleanly_and_changes_nothing(
    tmp_path: Path, with_lock_file: bool
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "progress.toml"
    env = {**os.environ, "ROADMAP_CATALOG": str(MINI), "ROADMAP_STATE": str(path)}
    subprocess.run([installed_script(), "done", "python"], env=env, check=True, capture_output=True)
    if not with_lock_file:
        (folder / "progress.toml.lock").unlink()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    proc = read_only_run(folder, ["done", "rag"], env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("roadmap: error: ")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "Read-only file system" in proc.stderr or "Permission denied" in proc.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    shown = subprocess.run(
        [installed_script(), "status", "--json"], env=env, capture_output=True, text=True
    )
    assert json.loads(shown.stdout)["tracks"][0]["done"] == 1


def test_history_records_carry_timezone_aware_times(tmp_path: Path) -> None:
    path = tmp_path / "progress.toml"
    Store(path).update(lambda s: setattr(s, "focus", "x"), "focus x")
    (record,) = history_file.read(history_file.path_for(path)).records
    assert record.time.utcoffset() is not None
    assert abs(record.time - datetime.now(UTC)) < timedelta(minutes=5)


def test_ctrl_c_at_random_moments_keeps_history_and_file_in_step(tmp_path: Path) -> None:
    """Every state the file reaches was recorded once: interrupting never splits the two."""
    path = tmp_path / "progress.toml"
    rng = random.Random(7)
    for _ in range(20):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            preexec_fn=interruptible,
        )
        try:
            assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
            time.sleep(rng.uniform(0.0, 0.2))
            writer.send_signal(signal.SIGINT)
            assert writer.wait(timeout=60) != 0
        finally:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
            if writer.stdout is not None:
                writer.stdout.close()
        if path.exists():
            count = int(Store(path).load().topics["t0"].note or 0)
            assert len(history_file.read(history_file.path_for(path)).records) == count


def test_ctrl_c_while_roadmap_starts_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """Interrupts spread over a command's start-up: none shows a traceback through roadmap's
    code (its imports are most of the start-up). An interrupt that comes before Python has
    its handler ends the process as the signal does, silently; one inside Python's own
    start-up (site, the launcher's `import re`, finding roadmap's package before its first
    line runs) is Python's to report: no frame of it is in roadmap's files."""
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "ROADMAP_STATE": str(tmp_path / "progress.toml"),
    }
    seen: dict[int, int] = {}
    for n in range(40):
        proc = subprocess.Popen(
            [installed_script(), "status"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=interruptible,
        )
        with ended(proc):
            time.sleep(n * 0.005)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        seen[proc.returncode] = seen.get(proc.returncode, 0) + 1
        assert not re.search(r"roadmap_cli[/\\]", err), err  # no frame of roadmap's files
        if proc.returncode == 130:
            assert err.strip() == "roadmap: interrupted", err
        elif proc.returncode not in (0, -signal.SIGINT):  # in Python's start-up, not ours:
            # Python's own report of it (a traceback, a fatal error, or the word alone)
            assert "KeyboardInterrupt" in err and "roadmap: " not in err, (proc.returncode, err)
    assert seen.get(130, 0) >= 5, seen  # the interrupts did reach roadmap's own code
