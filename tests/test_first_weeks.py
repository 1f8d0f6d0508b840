"""A learner's first weeks: dates are learning dates, and changes say exactly what they do.

Swept over every command where each kind applies: `--date` on start, done, skip and project
start|done; the calendar and streaks counting the days learning happened; `show` with dates
only; a done topic's finish date never dropped without a question; project topics added and
removed; `log` with the values before and after; `export -o` following the extension and
shared; portfolio counting what a done project applies; `tracks ID` in full.
"""

from __future__ import annotations

import json
import stat
import tomllib
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXED_DAY, Runner
from roadmap_cli.core.activity import learning_days
from roadmap_cli.core.errors import UsageError
from roadmap_cli.core.records import FieldChange, Record, new_record
from roadmap_cli.core.transitions import parse_day

pytestmark = pytest.mark.usefixtures("mini", "fixed_clock")
TODAY = FIXED_DAY


def saved(state_file: Path) -> dict[str, Any]:
    return tomllib.loads(state_file.read_text())


def day_of(value: Any) -> date:
    return (value if isinstance(value, datetime) else datetime.fromisoformat(value)).date()


# --- --date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-31", date(2026, 3, 31)),
        ("today", TODAY),
        ("Yesterday", TODAY - timedelta(days=1)),
        ("-3d", TODAY - timedelta(days=3)),
        ("-0d", TODAY),
    ],
)
def test_a_date_is_a_day_today_yesterday_or_days_ago(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["tomorrow", "3d", "-3", "+1d", "2026-3-31", "-99999999d", ""])
def test_other_dates_are_refused_with_the_forms(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_day(text)
    assert raised.value.message == (
        f"invalid date '{text}': use YYYY-MM-DD, today, yesterday or -Nd (N days ago),"
        " e.g. 2026-03-31"
    )


def test_a_date_in_the_future_or_before_1970_is_refused() -> None:
    for text, words in (("2999-01-01", "in the future"), ("1969-12-31", "before 1970-01-01")):
        with pytest.raises(UsageError) as raised:
            parse_day(text)
        assert words in raised.value.message


DATED = [
    (["start", "python"], "topics", "python", "started"),
    (["done", "python"], "topics", "python", "finished"),
    (["skip", "python"], "topics", "python", "finished"),
    (["project", "start", "bot"], "projects", "bot", "started"),
    (["project", "done", "bot", "--force"], "projects", "bot", "finished"),
]


@pytest.mark.parametrize(
    ("args", "kind", "key", "field"), DATED, ids=[" ".join(d[0]) for d in DATED]
)
def test_every_dated_command_takes_every_form_of_date(
    run: Runner, state_file: Path, args: list[str], kind: str, key: str, field: str
) -> None:
    assert run("project", "add", "Bot", "--track", "builder").exit_code == 0
    for given, expected in (("-5d", TODAY - timedelta(days=5)), ("2026-01-02", date(2026, 1, 2))):
        result = run(*args, "--date", given)
        assert result.exit_code == 0, result.stderr
        assert day_of(saved(state_file)[kind][key][field]) == expected
    future = run(*args, "--date", (TODAY + timedelta(days=1)).isoformat())
    assert future.exit_code == 2 and "in the future" in future.stderr


def test_a_date_never_moves_another_date_silently(run: Runner, state_file: Path) -> None:
    run("start", "rag", "--date", "2026-01-10")
    done = run("done", "rag", "--date", "2026-01-05")
    assert "rag: in-progress → done (start moved from 2026-01-10 to 2026-01-05)" in done.stdout
    entry = saved(state_file)["topics"]["rag"]
    assert day_of(entry["started"]) == day_of(entry["finished"]) == date(2026, 1, 5)
    run("start", "llm-apis", "--date", "2026-01-10")
    moved = run("start", "llm-apis", "--date", "2026-01-08")
    assert "llm-apis: start moved from 2026-01-10 to 2026-01-08" in moved.stdout
    run("project", "add", "Bot", "--track", "builder")
    run("project", "start", "bot", "--date", "2026-01-10")
    finished = run("project", "done", "bot", "--force", "--date", "2026-01-04")
    assert finished.stdout == (
        "bot: in-progress → done (start moved from 2026-01-10 to 2026-01-04)\n"
    )


def test_show_gives_dates_never_an_invented_time(run: Runner) -> None:
    run("start", "rag", "--date", "2026-01-10")
    run("done", "rag", "--date", "2026-01-12")
    run("skip", "lora", "--date", "2026-01-11")
    shown = run("show", "rag").stdout
    assert "Started   2026-01-10\n" in shown and "Finished  2026-01-12\n" in shown
    # the noon a back-dated day is kept at is no time of day (the last change has its time)
    assert [line for line in shown.splitlines() if "12:00" in line and "Changed" not in line] == []
    assert "Skipped   2026-01-11\n" in run("show", "lora").stdout


# --- learning days


def topic_record(
    key: str, old: dict[str, Any] | None, new: dict[str, Any] | None, **kw: Any
) -> Record:
    return new_record("x", [FieldChange(key, old, new)], datetime.now().astimezone(), **kw)


def at(day: date) -> str:
    return datetime(day.year, day.month, day.day, 12).astimezone().isoformat()


def test_learning_days_are_the_dates_learning_happened() -> None:
    d1, d2, d3 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)
    started = topic_record("topics.rag", None, {"status": "in-progress", "started": at(d1)})
    finished = topic_record(
        "topics.rag",
        {"status": "in-progress", "started": at(d1)},
        {"status": "done", "started": at(d1), "finished": at(d2)},
    )
    note = topic_record(
        "topics.rag", {"status": "done", "note": "a"}, {"status": "done", "note": "b"}
    )
    focus = new_record("focus x", [FieldChange("focus", None, "deep")], datetime.now().astimezone())
    reset = topic_record("topics.lora", {"status": "done", "finished": at(d3)}, None)
    undone = topic_record("topics.python", None, {"status": "done", "finished": at(d3)})
    undo = topic_record(
        "topics.python", {"status": "done", "finished": at(d3)}, None, undoes=undone.id
    )
    foreign = topic_record("topics.lora", None, {"status": "done", "finished": at(d3)})._replace(
        foreign=True
    )
    imported = topic_record(
        "topics.llm-apis", None, {"status": "done", "finished": at(d1)}, imported=True
    )
    days = learning_days([started, finished, note, focus, reset, undone, undo, foreign, imported])
    # d1: started; d2: finished; d3: the other machine's finish. Notes, focus, a reset, a
    # change and its undo, and an import's own record count for nothing.
    assert dict(days) == {d1: 1, d2: 1, d3: 1}


def test_the_calendar_counts_learning_not_typing(run: Runner) -> None:
    run("done", "python", "--date", "-10d")
    run("note", "python", "notes are not learning")
    run("focus", "deep")
    run("start", "rag")
    run("undo")  # the start of rag was taken back
    doc = json.loads(run("log", "--calendar", "--json").stdout)
    learned = {d["day"]: d["learned"] for week in doc["weeks"] for d in week if d["learned"]}
    assert learned == {(TODAY - timedelta(days=10)).isoformat(): 1}
    assert doc["current_streak"] == 0 and doc["longest_streak"] == 1
    run("project", "add", "Bot", "--track", "builder")  # work on a project is learning
    doc = json.loads(run("log", "--calendar", "--json").stdout)
    assert doc["current_streak"] == 1


def test_progress_from_another_machine_counts_by_its_dates(
    run: Runner, state_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = tmp_path / "laptop.toml"
    monkeypatch.setenv("ROADMAP_STATE", str(laptop))
    run("done", "transformers", "--date", "-2d")
    run("export", "--format", "json", "-o", str(tmp_path / "laptop.json"))
    monkeypatch.setenv("ROADMAP_STATE", str(state_file))
    run("done", "python", "--date", "-1d")
    assert run("import", str(tmp_path / "laptop.json"), "--merge").exit_code == 0
    doc = json.loads(run("log", "--calendar", "--json").stdout)
    learned = {d["day"] for week in doc["weeks"] for d in week if d["learned"]}
    assert learned == {(TODAY - timedelta(days=n)).isoformat() for n in (1, 2)}
    assert doc["current_streak"] == 2


# --- what changes say


def test_skip_and_reset_of_a_done_topic_say_what_is_lost(run: Runner, state_file: Path) -> None:
    run("done", "python", "rag", "--date", "2026-01-05")
    asked = run("skip", "python", input="n\n")
    assert "python (finished 2026-01-05) is done; to skip it drops its finish date." in asked.stderr
    skipped = run("skip", "python", "--yes")
    assert "python: done → skipped (finish date 2026-01-05 dropped)" in skipped.stdout
    reset = run("reset", "rag", "--yes")
    assert "rag: done → pending (finish date 2026-01-05 dropped)" in reset.stdout
    assert run("skip", "lora").stderr == ""  # nothing to lose: no question


def test_project_topics_are_added_removed_and_replaced(run: Runner, state_file: Path) -> None:
    run("project", "add", "Bot", "--track", "builder", "--topic", "python")

    def topics() -> list[str]:
        return saved(state_file)["projects"]["bot"].get("topics", [])

    added = run("project", "edit", "bot", "--add-topic", "rag", "--add-topic", "lora")
    assert added.stdout == "bot: changed topics (+rag +lora)\n"
    assert topics() == ["python", "rag", "lora"]
    assert run("project", "edit", "bot", "--remove-topic", "python").stdout == (
        "bot: changed topics (-python)\n"
    )
    assert run("project", "edit", "bot", "--set-topics", "transformers, rag").exit_code == 0
    assert topics() == ["transformers", "rag"]
    assert run("project", "edit", "bot", "--set-topics", "").exit_code == 0
    assert topics() == []
    both = run("project", "edit", "bot", "--set-topics", "rag", "--add-topic", "lora")
    assert both.exit_code == 2 and "--set-topics replaces the list" in both.stderr
    assert run("project", "edit", "bot", "--add-topic", "nope").exit_code == 2
    assert topics() == []


def test_log_shows_texts_before_and_after(run: Runner) -> None:
    run("note", "rag", "first thoughts on chunking and on what goes into the index")
    run("note", "rag", "second")
    run("project", "add", "Bot", "--track", "builder")
    run("project", "edit", "bot", "--problem", "Answer support questions from our manuals")
    run("done", "python", "--date", "2026-01-02")
    run("done", "python", "--date", "2026-01-03")
    summaries = [
        c["summary"]
        for r in json.loads(run("log", "--json").stdout)["records"]
        for c in r["changes"]
    ]
    assert summaries[:5] == [
        "python: finished 2026-01-02 → 2026-01-03",
        "python: pending → done",
        'project bot: problem (none) → "Answer support questions from o…"',
        "project bot: added",
        'rag: note "first thoughts on chunking and…" → "second"',
    ]
    assert 'rag: note (none) → "first thoughts on chunking and…"' in summaries


# --- export -o


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("progress.md", "markdown"),
        ("me.JSON", "json"),
        ("card.svg", "svg"),
        ("notes.txt", "markdown"),
    ],
)
def test_export_follows_the_extension_and_is_shared(
    run: Runner, tmp_path: Path, name: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("done", "python")
    target = tmp_path / name
    monkeypatch.delenv("COLUMNS")  # piped, as `roadmap export -o … | cat` is: one line
    result = run("export", "-o", str(target))
    assert result.stdout == f"Wrote {kind} export to {target}\n"
    text = target.read_text(encoding="utf-8")
    if kind == "json":
        assert json.loads(text)["format"] == "ai-roadmap-export"
    elif kind == "svg":
        assert ET.fromstring(text).tag.endswith("svg")
    else:
        assert text.startswith("# Mini Roadmap: my progress")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # meant to be shared
    forced = run("export", "-o", str(target), "--format", "json")
    assert forced.exit_code == 0 and json.loads(target.read_text())["version"] >= 1


def test_an_export_keeps_the_mode_of_a_file_already_there(run: Runner, tmp_path: Path) -> None:
    target = tmp_path / "private.md"
    target.write_text("old")
    target.chmod(0o600)
    assert run("export", "-o", str(target)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# --- portfolio and tracks


def test_a_topic_a_done_project_uses_is_applied(run: Runner) -> None:
    run("project", "add", "Bot", "--track", "builder", "--topic", "rag")
    run("project", "done", "bot", "--force")
    doc = json.loads(run("portfolio", "--track", "builder", "--json").stdout)["tracks"][0]
    assert doc["topics_applied"] == ["rag"] and doc["topics_to_mark_done"] == ["rag"]
    assert "retrieval flows" in doc["recruiters_see"]
    out = run("portfolio", "--track", "builder").stdout
    assert "Mark done       rag: a done project applies it ('roadmap done rag')" in out
    run("done", "rag")
    doc = json.loads(run("portfolio", "--track", "builder", "--json").stdout)["tracks"][0]
    assert doc["topics_applied"] == ["rag"] and doc["topics_to_mark_done"] == []


def test_tracks_id_shows_a_track_in_full(run: Runner) -> None:
    run("done", "python")
    run("project", "add", "Bot", "--track", "builder", "--outcome", "qa-bot", "--topic", "rag")
    doc = json.loads(run("tracks", "bUILDER", "--json").stdout)
    assert doc["id"] == "builder" and doc["optimizes_for"] == "shipping"
    assert [(t["id"], t["status"]) for t in doc["topics"]] == [
        ("python", "done"),
        ("llm-apis", "pending"),
        ("rag", "pending"),
    ]
    assert doc["outcomes"][0]["projects"] == ["bot"] and doc["outcomes"][0]["covered"] is False
    assert doc["recruiters_look_for"] == [
        {"what": "shipped projects", "shown": False},
        {"what": "retrieval flows", "shown": False},
    ]
    assert doc["progress"]["cleared"] == 1
    out = run("tracks", "builder").stdout
    for words in (
        "Builder  (builder)  1/3 cleared (33%)",
        "Optimises for  shipping",
        "  python    ✔ done",
        "  qa-bot  Q&A bot",
        "taken on by bot",
        "· retrieval flows",
    ):
        assert words in out, words
    assert run("tracks", "nope").exit_code == 2


def test_a_moved_date_says_from_what_to_what(run: Runner) -> None:
    run("done", "python", "--date", "2026-01-05")
    assert (
        "python: finish moved from 2026-01-05 to 2026-01-03"
        in run("done", "python", "--date", "2026-01-03").stdout
    )
    run("skip", "lora", "--date", "2026-01-05")
    assert (
        "lora: skip moved from 2026-01-05 to 2026-01-04"
        in run("skip", "lora", "--date", "2026-01-04").stdout
    )
    started = run("start", "python", "--yes")
    assert "python: done → in-progress (finish date 2026-01-03 dropped)" in started.stdout
    run("project", "add", "Bot", "--track", "builder")
    run("project", "done", "bot", "--force", "--date", "2026-01-05")
    moved = run("project", "done", "bot", "--force", "--date", "2026-01-06")
    assert moved.stdout == "bot: finish moved from 2026-01-05 to 2026-01-06\n"


def test_a_corrected_date_counts_on_the_new_day_only(run: Runner) -> None:
    run("start", "rag", "--date", "-6d")
    run("start", "rag", "--date", "-4d")  # a mistake put right: rag was started 4 days ago
    doc = json.loads(run("log", "--calendar", "--json").stdout)
    learned = {d["day"]: d["learned"] for week in doc["weeks"] for d in week if d["learned"]}
    assert learned == {(TODAY - timedelta(days=4)).isoformat(): 1}


def test_an_answer_that_is_neither_yes_nor_no_asks_again(run: Runner, state_file: Path) -> None:
    run("done", "python")
    result = run("reset", "python", input="maybe\nyes\n")
    assert result.exit_code == 0 and "Please answer y or n:" in result.stderr
    assert "python: done → pending" in result.stdout


def test_a_file_that_is_not_json_is_said_so_in_words(run: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  nope\n}")
    result = run("import", str(bad), "--merge")
    assert result.exit_code == 1
    assert result.stderr == (
        f"roadmap: error: {bad} is not JSON (it stops making sense at line 2, column 3);"
        " give a file made by 'roadmap export --format json'\n"
    )


def test_a_long_unknown_id_is_quoted_shortened(run: Runner) -> None:
    result = run("done", "x" * 300)
    assert result.exit_code == 2 and len(result.stderr) < 200
    assert "'" + "x" * 59 + "…'" in result.stderr


def test_a_piped_message_is_one_line_whatever_its_length(tmp_path: Path) -> None:
    """`roadmap export -o <long path> | cat`: the installed program, piped, with no COLUMNS
    (a shell does not export it), never wraps a message, a path or an id."""
    import os
    import subprocess

    from conftest import installed_script

    deep = tmp_path / ("a-folder-with-a-long-name-" * 4) / ("and-another-" * 5)
    deep.mkdir(parents=True)
    target = deep / "PROGRESS.md"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["ROADMAP_STATE"] = str(tmp_path / "progress.toml")
    done = subprocess.run(
        [installed_script(), "export", "-o", str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Wrote markdown export to {target}\n"
    assert len(done.stdout) > 200
