"""roadmap doctor explains what it finds; --repair salvages a damaged file."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from conftest import Runner
from roadmap_cli.core.state import SCHEMA_VERSION

pytestmark = pytest.mark.usefixtures("mini")


def findings(run: Runner) -> tuple[int, list[dict]]:
    result = run("doctor", "--json")
    return result.exit_code, json.loads(result.stdout)["findings"]


def test_a_healthy_file(run: Runner) -> None:
    assert findings(run)[1][0]["message"].startswith("no progress file yet")
    run("done", "python")
    code, found = findings(run)
    assert code == 0
    assert {f["level"] for f in found} == {"ok"}
    assert "history: 1 recorded changes" in run("doctor").stdout


def test_drift_and_odd_entries_are_explained(run: Runner, state_file: Path) -> None:
    state_file.write_text(
        'schema_version = 3\ncatalog = "other-roadmap"\nfocus = "gone-track"\n'
        '[topics.python]\nstatus = "in-progress"\nupdated = 2026-01-01T10:00:00Z\n'
        "finished = 2026-01-01T09:00:00Z\nstarted = 2026-01-02T09:00:00Z\n"
        '[topics.old-topic]\nstatus = "done"\nupdated = 2026-01-01T10:00:00Z\n'
    )
    code, found = findings(run)
    assert code == 0
    messages = " | ".join(f"{f['level']}: {f['message']}" for f in found)
    assert "warning: this progress follows catalog 'other-roadmap'" in messages
    assert "warning: focus track 'gone-track' is not in the catalog" in messages
    assert "warning: 'old-topic' is not in the catalog" in messages
    assert "warning: 'python' finished before it started" in messages
    assert "note: 'python' has a finish time but is in-progress" in messages
    assert [f["level"] for f in found] == sorted(
        (f["level"] for f in found), key=["error", "warning", "note", "ok"].index
    )


def test_a_damaged_file_is_an_error_and_repair_keeps_what_validates(
    run: Runner, state_file: Path
) -> None:
    run("focus", "deep")
    run("done", "python")
    run("done", "rag", "--note", "keep")
    run("start", "lora")
    text = state_file.read_text()
    damaged = text.replace(
        '[topics.lora]\nstatus = "in-progress"', '[topics.lora]\nstatus = "in-prog'
    )
    damaged = damaged.replace("[topics.python]\n", "[topics.python]\nthis line is garbage\n")
    damaged = damaged.replace('note = "keep"', "note = 42")
    damaged += '[topics.ghost\nstatus = "done"\n'  # a header cut short: nothing to keep
    state_file.write_text(damaged)
    code, found = findings(run)
    assert code == 1 and found[0]["level"] == "error"
    assert "not valid TOML" in found[0]["message"]
    result = run("doctor", "--repair")
    assert result.exit_code == 0
    moved = re.search(r"Moved the damaged file to (\S+)", result.stdout)
    assert moved
    aside = Path(moved.group(1))
    assert re.fullmatch(r"progress\.toml\.corrupt-\d{8}T\d{6}Z", aside.name)
    assert aside.read_text() == damaged
    assert f"Wrote {state_file} with 3 entries\n" in result.stdout
    assert "Dropped ghost (its table header could not be read)\n" in result.stdout
    assert "Removed topics.rag.note (should be text; it was 42)\n" in result.stdout
    assert "Removed the line 'this line is garbage' in topics.python (not valid" in result.stdout
    assert """Removed the line 'status = "in-prog' in topics.lora""" in result.stdout
    data = tomllib.loads(state_file.read_text())
    assert data["focus"] == "deep"
    assert data["topics"]["rag"]["status"] == "done" and "note" not in data["topics"]["rag"]
    assert data["topics"]["python"]["status"] == "done"  # its bad line skipped
    # the cut-off status line is gone, but its start time says where it stands
    assert data["topics"]["lora"]["status"] == "in-progress"
    assert "Read topics.lora.status as in-progress, from its start time\n" in result.stdout
    assert run("status").exit_code == 0
    assert findings(run)[0] == 0


def test_repair_of_a_healthy_file_changes_nothing(run: Runner, state_file: Path) -> None:
    run("done", "python")
    before = state_file.read_bytes()
    result = run("doctor", "--repair")
    assert result.exit_code == 1
    assert "is fine; there is nothing to repair" in result.stderr
    assert state_file.read_bytes() == before


def test_repair_of_a_file_that_is_not_toml_at_all(run: Runner, state_file: Path) -> None:
    state_file.write_bytes(b"\x00\xff\xfe not a progress file")
    result = run("doctor", "--repair")
    assert result.exit_code == 0
    assert "with 0 entries" in result.stdout
    assert tomllib.loads(state_file.read_text())["schema_version"] == SCHEMA_VERSION


def test_undo_puts_back_what_a_repair_replaced_once_then_stops(
    run: Runner, state_file: Path
) -> None:
    run("done", "python")
    broken = state_file.read_bytes() + b"\nbroken = = \n"
    state_file.write_bytes(broken)
    assert run("doctor", "--repair").exit_code == 0
    log = json.loads(run("log", "--json").stdout)["records"][0]
    assert log["command"].startswith("doctor --repair (damaged file kept as progress.toml.corrupt-")
    # A change since the repair is undone first; the repair waits for it.
    run("note", "python", "after the repair")
    undone = run("undo")
    assert undone.exit_code == 0 and "Undid note python" in " ".join(undone.stdout.split())
    undone = run("undo")
    assert undone.exit_code == 0
    assert "is back as it was before the repair" in " ".join(undone.stdout.split())
    assert state_file.read_bytes() == broken
    assert not list(state_file.parent.glob("*.corrupt-*"))  # its copy went back in place
    result = run("undo")  # the file is the damaged one again: undo says so, as all do
    assert result.exit_code == 1 and "doctor --repair" in result.stderr
    assert state_file.read_bytes() == broken
    assert run("doctor", "--repair").exit_code == 0  # repaired again, the history goes on
    result = run("undo")
    assert result.exit_code == 0 and state_file.read_bytes() == broken


def test_undo_of_a_repair_refuses_when_progress_changed_since(
    run: Runner, state_file: Path
) -> None:
    """A change after the repair that is not undone (here, one made on top by hand and
    repaired again is no case: a note the history does not know) keeps the repair."""
    run("done", "python")
    state_file.write_text(state_file.read_text() + "\nbroken = = \n")
    assert run("doctor", "--repair").exit_code == 0
    state_file.write_text(state_file.read_text().replace('status = "done"', 'status = "skipped"'))
    before = state_file.read_bytes()
    result = run("undo")
    assert result.exit_code == 1
    assert "your progress changed since 'roadmap doctor --repair'" in result.stderr
    assert result.stderr.count("\n") == 1
    assert state_file.read_bytes() == before


def test_repair_keeps_the_mode_and_never_overwrites_an_earlier_corrupt_file(
    run: Runner, state_file: Path
) -> None:
    run("done", "python")
    broken = state_file.read_text() + "\nbroken = = \n"
    moved = []
    for _ in range(2):  # twice within the same second
        state_file.write_text(broken)
        state_file.chmod(0o640)
        result = run("doctor", "--repair")
        assert result.exit_code == 0
        moved.append(re.search(r"Moved the damaged file to (\S+)", result.stdout).group(1))  # type: ignore[union-attr]
        assert (state_file.stat().st_mode & 0o777) == 0o640
    assert moved[0] != moved[1]
    assert all(Path(m).read_text() == broken for m in moved)


def test_repair_refuses_a_file_from_a_newer_roadmap(run: Runner, state_file: Path) -> None:
    state_file.write_text('schema_version = 5\nfocus = 5\n[topics.rag]\nstatus = "mastered"\n')
    before = state_file.read_bytes()
    status = run("status")
    assert status.exit_code == 1
    assert (
        "was written by a newer roadmap (schema 5) in a form this one cannot read" in status.stderr
    )
    result = run("doctor", "--repair")
    assert result.exit_code == 1
    assert "A repair would lose what the newer version wrote" in result.stderr
    assert state_file.read_bytes() == before


def test_doctor_reports_a_path_that_cannot_be_read(run: Runner, state_file: Path) -> None:
    state_file.symlink_to(state_file)  # a link to itself
    code, found = findings(run)
    assert code == 1 and found[0]["level"] == "error"
    assert "Too many levels of symbolic links" in found[0]["message"]


def test_both_old_and_new_ids_merge_and_a_reset_sticks(run: Runner, state_file: Path) -> None:
    state_file.write_text(
        'schema_version = 3\ncatalog = "mini"\n'
        '[topics.finetuning]\nstatus = "done"\nupdated = 2026-11-20T18:04:11Z\nnote = "old note"\n'
        '[topics.fine-tuning]\nstatus = "in-progress"\nupdated = 2026-11-21T18:04:11Z\n'
    )
    assert "finetuning" in run("doctor").stdout
    shown = json.loads(run("show", "fine-tuning", "--json").stdout)
    assert (shown["status"], shown["note"]) == ("in-progress", "(from finetuning) old note")
    run("reset", "fine-tuning", "--yes")
    shown = json.loads(run("show", "fine-tuning", "--json").stdout)
    assert shown["status"] == "pending" and shown["note"] == "(from finetuning) old note"
    assert "finetuning" not in tomllib.loads(state_file.read_text())["topics"]


def test_repair_keeps_projects_and_doctor_checks_them(run: Runner, state_file: Path) -> None:
    run("project", "add", "Keep me", "--track", "builder")
    run("project", "add", "Old one", "--track", "builder")
    text = state_file.read_text()
    text = text.replace('track = "builder"', 'track = "vanished"', 1)  # keep-me: unknown track
    state_file.write_text(text)
    messages = " ".join(f["message"] for f in findings(run)[1])
    assert "project 'keep-me' is on track 'vanished'" in messages
    state_file.write_text(text.replace('status = "planned"', 'status = "bogus', 1) + "\n")
    result = run("doctor", "--repair")
    assert result.exit_code == 0, result.stderr
    saved = tomllib.loads(state_file.read_text())["projects"]
    assert set(saved) == {"keep-me", "old-one"}
    assert "status" not in saved["keep-me"] or saved["keep-me"]["status"] == "planned"
    assert "## Projects" in run("export").stdout  # a project of a vanished track still exports


def test_repair_keeps_comments_and_keys_of_your_own_and_says_what_it_removed(
    run: Runner, state_file: Path
) -> None:
    """A file that is TOML but does not validate is edited, not written anew."""
    run("start", "python")
    run("done", "rag", "--note", "kept")
    text = state_file.read_text()
    text = '# my learning log\nmine = "a key of my own"\n' + text
    text = text.replace("[topics.rag]\n", "[topics.rag]\n# why I chose RAG\nsource = 'a book'\n")
    text = text.replace("[topics.python]\n", '[topics.python]\nfinished = "last week"\n')
    state_file.write_text(text)
    assert run("status").exit_code == 1
    result = run("doctor", "--repair")
    assert result.exit_code == 0, result.stderr
    assert (
        "Removed topics.python.finished (should be a date and time, like 2026-01-01T10:00:00Z;"
        " it was 'last week')"
    ) in result.stdout
    repaired = state_file.read_text()
    for kept in ("# my learning log", 'mine = "a key of my own"', "# why I chose RAG"):
        assert kept in repaired
    assert "source = 'a book'" in repaired and "last week" not in repaired
    data = tomllib.loads(repaired)
    assert data["topics"]["rag"]["note"] == "kept"
    assert data["topics"]["python"]["status"] == "in-progress"
    assert run("status").exit_code == 0


def test_a_repair_that_cannot_be_written_puts_the_damaged_file_back(
    run: Runner, state_file: Path
) -> None:
    """An id that is no id is dropped and named; and if the new file still could not be
    written, the damaged one would be where it was."""
    run("done", "python")
    text = state_file.read_text() + '\n[topics.Python]\nstatus = "done"\nupdated = 2026-01-01\n'
    state_file.write_text(text)
    result = run("doctor", "--repair")
    assert result.exit_code == 0, result.stderr
    assert "Dropped Python (not an id: lowercase words joined by -)" in result.stdout
    assert run("status").exit_code == 0
    assert tomllib.loads(state_file.read_text())["topics"]["python"]["status"] == "done"


def test_a_failed_repair_leaves_the_damaged_file_in_place(
    run: Runner, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roadmap_cli.storage import files

    run("done", "python")
    damaged = state_file.read_text().replace('status = "done"', 'status = "dnoe"')
    state_file.write_text(damaged)

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:  # a full disk cannot be had for real here
        patch.setattr(files, "sync", full_disk)
        result = run("doctor", "--repair")
    assert result.exit_code == 1
    assert state_file.read_text() == damaged
    assert [p.name for p in state_file.parent.iterdir() if ".corrupt-" in p.name] == []


def test_a_repair_names_top_level_values_it_removes(run: Runner, state_file: Path) -> None:
    run("done", "python")
    state_file.write_text(
        state_file.read_text().replace("schema_version", "focus = 3\nschema_version")
    )
    result = run("doctor", "--repair")
    assert "Removed focus (should be text; it was 3)" in result.stdout


def test_repair_keeps_a_table_given_twice_and_drops_only_a_bad_row(
    run: Runner, state_file: Path
) -> None:
    state_file.write_text(
        "schema_version = 4\n"
        '[topics.python]\nstatus = "done"\nfinished = 2026-01-02T10:00:00Z\n'
        "updated = 2026-01-02T10:00:00Z\n"
        '[topics.python]\nnote = "the second half of the table"\n'
        '[topics.rag]\nstatus = "done"\nfinished = 2026-01-03T10:00:00Z\n'
        'updated = 2026-01-03T10:00:00Z\nnote = "keep me"\n'
        'spent = [{at = 2026-01-03T12:00:00Z, minutes = 0, id = "a1"},'
        ' {at = 2026-01-03T12:00:00Z, minutes = 30, id = "a2"}]\n'
    )
    result = run("doctor", "--repair")
    assert result.exit_code == 0, result.stderr
    topics = tomllib.loads(state_file.read_text())["topics"]
    assert topics["python"]["status"] == "done"  # both halves of the table
    assert topics["python"]["note"] == "the second half of the table"
    assert topics["rag"]["status"] == "done" and topics["rag"]["note"] == "keep me"
    assert [row["minutes"] for row in topics["rag"]["spent"]] == [30]  # the bad row alone
    assert "Removed topics.rag.spent.0 (minutes should be from 1 to 100,000" in result.stdout


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31T23:59:00"])
def test_repair_of_a_date_at_the_ends_of_the_calendar_is_no_crash(
    run: Runner, state_file: Path, day: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """West of UTC, the first day has no local time, and east of it the last one has none."""
    import time

    try:
        for zone in ("America/New_York", "Asia/Tokyo"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            state_file.write_text(
                f'schema_version = 4\n[topics.python]\nstatus = "Done"\nfinished = {day}\n'
                "updated = 2026-01-02T10:00:00Z\n"
            )
            result = run("doctor", "--repair")
            assert result.exit_code == 0, (zone, result.stderr)
            topics = tomllib.loads(state_file.read_text())["topics"]
            assert topics["python"]["status"] == "done"
    finally:
        monkeypatch.delenv("TZ", raising=False)
        time.tzset()


def test_undo_of_a_repair_puts_back_only_the_file_it_kept(
    run: Runner, state_file: Path, tmp_path: Path
) -> None:
    state_file.write_text('schema_version = 4\n[topics.python]\nstatus = "Done"\n')
    assert run("doctor", "--repair").exit_code == 0
    (kept,) = state_file.parent.glob("progress.toml.corrupt-*")
    other = tmp_path / "someone-elses.txt"
    other.write_text("not yours\n")
    kept.unlink()
    kept.symlink_to(other)
    before = state_file.read_bytes()
    refused = run("undo")
    assert refused.exit_code == 1 and "is no longer a plain file" in refused.stderr
    assert state_file.read_bytes() == before and kept.is_symlink()
    kept.unlink()
    gone = run("undo")
    assert gone.exit_code == 1 and "there is nothing to undo" in gone.stderr
    assert gone.stderr.count("\n") == 1 and state_file.read_bytes() == before


def test_repair_reads_a_goal_given_as_a_day(run: Runner, state_file: Path) -> None:
    state_file.write_text(
        'schema_version = 4\ngoals = [{track = "builder", by = 2027-05-01}]\n'
        '[topics.python]\nstatus = "Done"\nupdated = 2026-01-02T10:00:00Z\n'
    )
    result = run("doctor", "--repair")
    assert result.exit_code == 0, result.stderr
    assert "Read goals.0.by 2027-05-01 as 2027-05-01T12:00:00" in result.stdout
    (goal,) = tomllib.loads(state_file.read_text())["goals"]
    assert goal["track"] == "builder" and goal["by"].date().isoformat() == "2027-05-01"
