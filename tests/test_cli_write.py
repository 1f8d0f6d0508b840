"""start / done / skip / reset / note / focus: what changes, what is said, what is refused."""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Runner

pytestmark = pytest.mark.usefixtures("mini", "fixed_clock")


def saved(state_file: Path) -> dict:
    return tomllib.loads(state_file.read_text(encoding="utf-8"))


def test_nothing_is_written_before_the_first_change(run: Runner, state_file: Path) -> None:
    for args in (["status"], ["tracks"], ["topics"], ["next"], ["show", "rag"], ["export"]):
        assert run(*args).exit_code == 0
    assert not state_file.exists()


def test_start_records_status_and_start_time(run: Runner, state_file: Path) -> None:
    result = run("start", "python")
    assert result.exit_code == 0
    assert "python: pending → in-progress" in result.stdout
    entry = saved(state_file)["topics"]["python"]
    assert entry["status"] == "in-progress"
    assert entry["started"].tzinfo is not None
    assert entry["updated"] == entry["started"]


def test_done_says_what_changed_and_the_resulting_track_progress(
    run: Runner, state_file: Path
) -> None:
    result = run("done", "python", "llm-apis")
    assert result.exit_code == 0
    assert "python: pending → done" in result.stdout
    assert "llm-apis: pending → done" in result.stdout
    assert "2/3" in result.stdout and "66%" in result.stdout  # Builder: 2 of 3 cleared
    topics = saved(state_file)["topics"]
    assert {topics["python"]["status"], topics["llm-apis"]["status"]} == {"done"}
    assert topics["python"]["finished"].tzinfo is not None


def test_shared_topic_done_once_counts_in_both_tracks(run: Runner) -> None:
    run("done", "rag")
    doc = json.loads(run("status", "--json").stdout)
    by_id = {t["id"]: t for t in doc["tracks"]}
    assert by_id["builder"]["done"] == 1 and by_id["builder"]["total"] == 3
    assert by_id["deep"]["done"] == 1 and by_id["deep"]["total"] == 4
    out = run("done", "rag").stdout
    assert "already done" in out


def test_done_with_note_and_date(run: Runner, state_file: Path) -> None:
    result = run("done", "rag", "--note", "built a PDF bot", "--date", "2026-01-15")
    assert result.exit_code == 0
    entry = saved(state_file)["topics"]["rag"]
    assert entry["note"] == "built a PDF bot"
    assert entry["finished"].date() == date(2026, 1, 15)
    assert entry["started"] <= entry["finished"]


def test_done_date_earlier_than_start_moves_the_start_back(run: Runner, state_file: Path) -> None:
    run("start", "rag")
    run("done", "rag", "--date", "2025-06-01")
    entry = saved(state_file)["topics"]["rag"]
    assert entry["started"] == entry["finished"]
    assert entry["finished"].date() == date(2025, 6, 1)


@pytest.mark.parametrize("bad", ["2026-13-01", "tomorrow", "15/01/2026", "2026-02-30", "-3"])
def test_bad_date_is_a_usage_error_and_changes_nothing(
    run: Runner, state_file: Path, bad: str
) -> None:
    result = run("done", "rag", "--date", bad)
    assert result.exit_code == 2
    assert (
        result.stderr == f"roadmap: error: invalid date '{bad}': use YYYY-MM-DD, today,"
        " yesterday or -Nd (N days ago), e.g. 2026-03-31; see 'roadmap done --help'\n"
    )
    assert not state_file.exists()


def test_future_date_is_refused(run: Runner, state_file: Path) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    result = run("done", "rag", "--date", tomorrow)
    assert result.exit_code == 2
    assert "in the future" in result.stderr
    assert not state_file.exists()


def test_skip_counts_as_cleared(run: Runner) -> None:
    run("skip", "python")
    run("done", "llm-apis")
    out = run("status", "--json").stdout
    builder = next(t for t in json.loads(out)["tracks"] if t["id"] == "builder")
    assert (builder["done"], builder["skipped"], builder["cleared"], builder["percent"]) == (
        1,
        1,
        2,
        66,
    )


def test_reset_back_to_pending_keeps_the_note(run: Runner, state_file: Path) -> None:
    run("done", "rag", "--note", "keep me")
    run("done", "python")
    result = run("reset", "rag", "python", "--yes")
    assert result.exit_code == 0
    assert "rag: done → pending (note kept) (finish date" in result.stdout
    assert "python: done → pending (finish date" in result.stdout
    topics = saved(state_file).get("topics", {})
    assert "python" not in topics
    assert topics["rag"] == {"updated": topics["rag"]["updated"], "note": "keep me"}
    shown = json.loads(run("show", "rag", "--json").stdout)
    assert (shown["status"], shown["note"]) == ("pending", "keep me")


def test_reset_track_asks_and_a_no_changes_nothing(run: Runner, state_file: Path) -> None:
    run("done", "transformers", "fine-tuning", "python")
    before = state_file.read_bytes()
    result = run("reset", "--track", "deep", input="n\n")
    assert result.exit_code == 0  # a no is an answer, not a failure
    assert "Reset 2 topics of Deep Models to pending, dropping 2 finish dates?" in result.stderr
    assert result.stderr.endswith("roadmap: nothing was reset\n")
    assert state_file.read_bytes() == before


def test_reset_track_with_confirmation_resets_only_that_track(
    run: Runner, state_file: Path
) -> None:
    run("done", "transformers", "fine-tuning", "python")
    result = run("reset", "--track", "deep", input="y\n")
    assert result.exit_code == 0
    assert set(saved(state_file)["topics"]) == {"python"}


def test_reset_track_yes_skips_the_question_and_names_shared_topics(
    run: Runner, state_file: Path
) -> None:
    run("done", "rag", "lora", "python")
    result = run("reset", "-t", "Deep Models", "--yes")
    assert result.exit_code == 0
    assert "rag: done → pending" in result.stdout
    assert set(saved(state_file)["topics"]) == {"python"}


def test_reset_needs_ids_or_track(run: Runner) -> None:
    assert run("reset").exit_code == 2
    assert run("reset", "rag", "--track", "deep").exit_code == 2


def test_note_set_replace_and_remove(run: Runner, state_file: Path) -> None:
    assert "note saved" in run("note", "lora", "rank 8 was enough").stdout
    assert saved(state_file)["topics"]["lora"] == {
        "updated": saved(state_file)["topics"]["lora"]["updated"],
        "note": "rank 8 was enough",
    }
    run("note", "lora", "rank 16")
    assert saved(state_file)["topics"]["lora"]["note"] == "rank 16"
    assert "note removed" in run("note", "lora", "").stdout
    assert "lora" not in saved(state_file).get("topics", {})


def test_focus_set_show_and_clear(run: Runner, state_file: Path) -> None:
    assert "No focus track" in run("focus").stdout
    result = run("focus", "deep")
    assert result.exit_code == 0
    assert "Focus track: Deep Models (deep)" in result.stdout
    assert saved(state_file)["focus"] == "deep"
    assert "Deep Models" in run("focus").stdout
    run("focus", "--clear")
    assert "focus" not in saved(state_file)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["done", "pythn"], "unknown topic 'pythn'; did you mean python?"),
        (["done", "l"], "'l' matches several topics: llm-apis, lora; type more of the id"),
        (["start", "python", "nope"], "unknown topic 'nope'"),
        (["focus", "dep"], "unknown track 'dep'; did you mean deep?"),
        (["note", "zzz", "x"], "unknown topic 'zzz'"),
    ],
)
def test_unknown_or_ambiguous_ids_exit_2_and_change_nothing(
    run: Runner, state_file: Path, args: list[str], message: str
) -> None:
    run("done", "transformers")
    before = state_file.read_bytes()
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"roadmap: error: {message}")
    assert result.stderr.count("\n") == 1
    assert state_file.read_bytes() == before


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("RAG", "rag"),
        ("Fine-Tuning", "fine-tuning"),
        ("finetuning", "fine-tuning"),
        ("low", "lora"),
        ("tra", "transformers"),
    ],
)
def test_ids_match_by_case_alias_and_unique_prefix(
    run: Runner, state_file: Path, typed: str, canonical: str
) -> None:
    assert run("done", typed).exit_code == 0
    assert list(saved(state_file)["topics"]) == [canonical]


def test_repeating_a_change_does_not_rewrite_the_file(run: Runner, state_file: Path) -> None:
    run("start", "rag")
    before = state_file.read_bytes()
    mtime = state_file.stat().st_mtime_ns
    assert "already in-progress" in run("start", "rag").stdout
    assert state_file.read_bytes() == before
    assert state_file.stat().st_mtime_ns == mtime


def test_timestamps_are_timezone_aware_and_recent(run: Runner, state_file: Path) -> None:
    run("start", "rag")
    updated = saved(state_file)["topics"]["rag"]["updated"]
    assert isinstance(updated, datetime) and updated.utcoffset() is not None
    assert abs((datetime.now().astimezone() - updated).total_seconds()) < 120


def test_an_id_like_nothing_lists_every_track(run: Runner) -> None:
    result = run("focus", "mlops")
    assert result.exit_code == 2
    assert (
        result.stderr == "roadmap: error: unknown track 'mlops'; the tracks are builder and deep;"
        " see 'roadmap focus --help'\n"
    )


def test_notes_are_stored_clean(run: Runner, state_file: Path) -> None:
    run("done", "python", "--note", "   ")
    assert "note" not in saved(state_file)["topics"]["python"]
    run("note", "rag", "bell\a escape\x1b[2J and a bad byte \udcff.\r\nsecond line  ")
    # The escape sequence goes whole: no "[2J" left behind to show as junk.
    assert saved(state_file)["topics"]["rag"]["note"] == (
        "bell escape and a bad byte \ufffd.\nsecond line"
    )
    again = run("note", "rag", "bell escape and a bad byte \ufffd.\nsecond line")
    assert again.stdout.startswith("rag: note unchanged\n")
