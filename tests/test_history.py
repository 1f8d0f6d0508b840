"""Every change is recorded; log shows them newest first; undo walks back through them."""

from __future__ import annotations

import json
import tomllib
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_state_edit import projects
from test_store_robustness import entries, ids

from conftest import Runner
from roadmap_cli.core import records
from roadmap_cli.core.state import State
from roadmap_cli.storage import history_file

pytestmark = pytest.mark.usefixtures("mini")


def log_json(run: Runner, *args: str) -> dict:
    return json.loads(run("log", "--json", *args).stdout)


def topics(state_file: Path) -> dict:
    return tomllib.loads(state_file.read_text()).get("topics", {})


def test_every_change_is_recorded_with_old_and_new_values(run: Runner) -> None:
    run("start", "python")
    run("done", "python", "llm-apis")
    run("focus", "deep")
    run("done", "python")  # already done: no change, no record
    doc = log_json(run)
    assert doc["total"] == 3
    assert [r["command"] for r in doc["records"]] == [
        "focus deep",
        "done python llm-apis",
        "start python",
    ]
    focus, done, start = doc["records"]
    assert focus["changes"] == [
        {"key": "focus", "old": None, "new": "deep", "summary": "focus: none → deep"}
    ]
    assert [c["summary"] for c in done["changes"]] == [
        "topics.llm-apis: pending → done".removeprefix("topics."),
        "python: in-progress → done",
    ]
    python = done["changes"][1]
    assert python["old"]["status"] == "in-progress" and python["new"]["status"] == "done"
    assert start["changes"][0]["old"] is None


def test_log_text_and_limit(run: Runner) -> None:
    for topic in ("python", "llm-apis", "rag"):
        run("done", topic)
    out = run("log", "--limit", "2").stdout
    assert out.index("done rag") < out.index("done llm-apis")
    assert "done python" not in out
    assert "2 of 3 changes; --limit shows more." in out
    assert "No changes recorded yet." in run("--state", "/nonexistent/x.toml", "log").stdout


def test_undo_reverts_the_last_change_and_walks_back(run: Runner, state_file: Path) -> None:
    run("done", "python")
    run("done", "llm-apis", "rag", "--note", "both at once")
    run("focus", "deep")
    first = run("undo")
    assert first.exit_code == 0
    assert first.stdout.splitlines()[0].startswith("Undid focus deep from ")
    assert "focus: deep → none" in first.stdout
    assert "focus" not in tomllib.loads(state_file.read_text())
    second = run("undo")
    assert "Undid done llm-apis rag" in second.stdout
    assert set(topics(state_file)) == {"python"}
    third = run("undo")
    assert "Undid done python" in third.stdout
    assert topics(state_file) == {}
    nothing = run("undo")
    assert (nothing.exit_code, nothing.stderr) == (1, "roadmap: error: there is nothing to undo\n")
    # The undos are changes too, recorded with what they undid.
    records = log_json(run)["records"]
    assert [r["command"] for r in records[:3]] == [
        "undo done python",
        "undo done llm-apis rag",
        "undo focus deep",
    ]
    assert all(r["undoes"] for r in records[:3])


def test_undo_leaves_a_value_changed_since(run: Runner, state_file: Path) -> None:
    run("done", "python", "rag")
    state_file.write_text(
        state_file.read_text().replace('status = "done"', 'status = "skipped"', 1)
    )
    result = run("undo")
    assert "  rag: done → pending\n" in result.stdout
    assert "  python: changed again since, left as it is\n" in result.stdout
    assert topics(state_file)["python"]["status"] == "skipped"
    assert "rag" not in topics(state_file)


def test_a_record_is_one_json_line_with_an_id(run: Runner, state_file: Path) -> None:
    run("done", "python")
    run("note", "python", "x")
    lines = state_file.with_name("progress.history.jsonl").read_text().splitlines()
    assert len(lines) == 2
    ids = [json.loads(line)["id"] for line in lines]
    assert len(set(ids)) == 2


def test_history_is_bounded_and_trimming_keeps_current_progress(
    run: Runner, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_file, "MAX_BYTES", 4000)
    for i in range(40):
        run("note", "python", f"note number {i}")
        run("done", "rag" if i % 2 else "lora")
    log_file = state_file.with_name("progress.history.jsonl")
    assert log_file.stat().st_size <= 4000
    records = history_file.read(log_file).records
    assert 0 < len(records) < 80
    assert records[-1].command == "done lora" or records[-1].command.startswith("note python")
    assert topics(state_file)["python"]["note"] == "note number 39"
    assert {"rag", "lora", "python"} <= set(topics(state_file))


def test_a_damaged_history_line_is_skipped_and_reported(run: Runner, state_file: Path) -> None:
    run("done", "python")
    log_file = state_file.with_name("progress.history.jsonl")
    with log_file.open("a") as f:
        f.write('{"id": "cut short by a cra')
    assert log_json(run)["total"] == 1
    assert "1 line(s) of" in " ".join(run("doctor").stdout.split())
    run("done", "rag")
    assert log_json(run)["total"] == 2


BAD_RECORDS = [
    '{"id":"q1","time":"2026-11-25T00:00:00+00:00","command":"x","changes":'
    '[{"key":"topics.Bad ID","old":{"status":"done","updated":"2026-11-20T18:04:11+01:00"},'
    '"new":null}]}',
    '{"id":"q2","time":"2026-11-25T00:00:00+00:00","command":"x","changes":'
    '[{"key":"topics.rag","old":{"status":"bogus"},"new":null}]}',
    '{"id":"q3","time":"2026-11-25T00:00:00+00:00","command":"x","changes":[{"key":5}]}',
    '{"id":"q4","time":"2026-11-25T00:00:00+00:00","command":"x","changes":'
    '[{"key":"topics.rag","old":5,"new":"x"}]}',
    '["not", "a", "record"]',
]


@pytest.mark.parametrize("line", BAD_RECORDS)
def test_a_damaged_record_is_never_written_back(run: Runner, state_file: Path, line: str) -> None:
    run("done", "python")
    log_file = state_file.with_name("progress.history.jsonl")
    with log_file.open("a") as f:
        f.write(line + "\n")
    assert run("log").exit_code == 0
    result = run("undo")
    assert result.exit_code == 0 and "Traceback" not in result.stderr
    assert run("status").exit_code == 0  # whatever undo did, the file still reads


def test_an_unreadable_history_is_one_line(
    run: Runner, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # doctor's table folds a path wider than a column
    run("done", "python")
    log_file = state_file.with_name("progress.history.jsonl")
    log_file.unlink()
    log_file.mkdir()
    for args in (["log"], ["undo"]):
        result = run(*args)
        assert result.exit_code == 1, args
        assert result.stderr == (
            f"roadmap: error: the history {log_file} is a folder, not a file; move it away."
            " Nothing was changed\n"
        )
    doctor = run("doctor")
    assert f"the history {log_file} is a folder" in " ".join(doctor.stdout.split())


def test_a_failed_trim_does_not_fail_a_saved_change(
    run: Runner, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roadmap_cli.core.errors import StateError
    from roadmap_cli.storage.store import Store

    real_write = Store._write

    def full_disk_for_history(self: Store, target: Path, data: bytes, **kw: object) -> None:
        if target.name.endswith(".jsonl"):
            raise StateError("No space left on device")
        real_write(self, target, data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(history_file, "MAX_BYTES", 300)
    monkeypatch.setattr(Store, "_write", full_disk_for_history)
    for topic in ("python", "llm-apis", "rag"):
        result = run("done", topic)
        assert result.exit_code == 0, result.stderr
    assert set(topics(state_file)) == {"python", "llm-apis", "rag"}
    assert log_json(run)["total"] == 3


def test_the_newest_record_survives_a_trim_however_large(
    run: Runner, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_file, "MAX_BYTES", 1000)
    run("note", "rag", "x" * 3000)
    records = log_json(run)["records"]
    assert len(records) == 1 and records[0]["command"] == "note rag"
    assert "note rag" in run("undo").stdout


def test_a_large_import_never_pushes_the_learners_own_changes_out(
    run: Runner, state_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import's record holds whole entries, and can be larger than the history may be:
    the trims that follow drop it (and what arrived with it) before any change of the
    learner's own."""
    other = tmp_path / "other" / "progress.toml"
    with monkeypatch.context() as patch:
        patch.setenv("ROADMAP_STATE", str(other))
        run("note", "lora", "y" * 3000)
        run("export", "--format", "json", "--output", str(tmp_path / "other.json"))
    run("done", "python")
    run("note", "rag", "mine")
    monkeypatch.setattr(history_file, "MAX_BYTES", 4000)
    assert run("import", str(tmp_path / "other.json"), "--merge").exit_code == 0
    run("start", "transformers")  # a trim: the import's record goes, the learner's stay
    commands = [r["command"] for r in log_json(run)["records"]]
    assert commands[0] == "start transformers"
    assert "note rag" in commands and "done python" in commands
    assert not any(c.startswith("import") for c in commands)


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[State, State]:
    """A state and a changed copy: entries kept, dropped, replaced, added, or moved to
    another time zone at the same instant."""
    before = draw(
        st.builds(
            State,
            focus=st.none() | ids,
            topics=st.dictionaries(ids, entries, max_size=5),
            projects=st.dictionaries(ids, projects, max_size=3),
        )
    )
    after = before.copy()
    after.focus = draw(st.sampled_from([before.focus, None, "other"]))
    for key in list(after.topics):
        action = draw(st.sampled_from(["keep", "drop", "replace", "shift"]))
        if action == "drop":
            del after.topics[key]
        elif action == "replace":
            after.topics[key] = draw(entries)
        elif action == "shift":
            entry = after.topics[key]
            entry.updated = entry.updated.astimezone(timezone(timedelta(hours=5)))
    after.topics.update(draw(st.dictionaries(ids, entries, max_size=2)))
    after.projects.update(draw(st.dictionaries(ids, projects, max_size=2)))
    return before, after


@settings(max_examples=300, deadline=None)
@given(_pairs())
def test_diff_is_every_key_whose_json_differs(pair: tuple[State, State]) -> None:
    """diff() only turns unequal entries into JSON; it must find what comparing whole
    snapshots finds, in the same order (focus first, then the keys sorted)."""
    before, after = pair
    old, new = records.snapshot(before), records.snapshot(after)
    keys = sorted(set(old) | set(new), key=lambda k: (k != "focus", k))
    expected = [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]
    assert [tuple(c) for c in records.diff(before, after)] == expected
    assert records.diff(before, before.copy()) == ()
