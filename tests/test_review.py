"""Spaced review of done topics: the schedule is FSRS's, ratings are kept, and every view and
every path of the data (undo, merge, migration, export) carries the reviews."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import fsrs
import pytest

from conftest import FIXTURES, Runner
from roadmap_cli.core import review, transitions
from roadmap_cli.core.state import RATINGS, SCHEMA_VERSION, Review, State, TopicProgress

pytestmark = pytest.mark.usefixtures("fixed_clock")

DAY0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)  # a fixed clock: the day the topic is done


def reference() -> fsrs.Scheduler:
    """The scheduler as FSRS's own package is asked for days, not minutes, and no fuzz."""
    return fsrs.Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def done_on_day0() -> State:
    state = State()
    transitions.finish(state, "rag", DAY0)
    return state


def test_a_topic_rated_good_each_time_is_due_on_the_days_fsrs_says() -> None:
    state = done_on_day0()
    card = fsrs.Card(card_id=1, due=DAY0)
    card, _ = reference().review_card(card, fsrs.Rating.Good, DAY0)  # the finish
    ours = [state.topics["rag"].due]
    theirs = [card.due]
    for _ in range(6):
        moment = card.due  # each review on the day it falls due
        card, _ = reference().review_card(card, fsrs.Rating.Good, moment)
        review.rate(state, "rag", "good", moment)
        ours.append(state.topics["rag"].due)
        theirs.append(card.due)
    assert ours == theirs
    gaps = [(b - a).days for a, b in itertools.pairwise(ours)]
    assert gaps == sorted(gaps) and gaps[-1] > 60  # further apart each time: months by now
    assert ours[0].date() > DAY0.date()  # the first check comes days after the finish


def test_again_brings_a_topic_back_sooner_and_hard_and_easy_fall_around_good() -> None:
    due = {}
    for rating in RATINGS:
        state = done_on_day0()
        first_due = state.topics["rag"].due
        assert first_due is not None
        review.rate(state, "rag", rating, first_due)
        due[rating] = state.topics["rag"].due
    assert due["again"] < due["hard"] < due["good"] < due["easy"]
    assert (due["again"] - DAY0).days <= 5


def test_a_higher_retention_brings_reviews_sooner() -> None:
    relaxed, strict = done_on_day0(), done_on_day0()
    relaxed.retention, strict.retention = 0.8, 0.97
    for state in (relaxed, strict):
        review.reschedule_all(state)
    assert strict.topics["rag"].due < relaxed.topics["rag"].due


def test_reviews_before_the_latest_finish_count_for_nothing() -> None:
    state = done_on_day0()
    review.rate(state, "rag", "again", DAY0 + timedelta(days=2))
    transitions.start(state, "rag", DAY0 + timedelta(days=3))
    assert state.topics["rag"].reviews == [] and state.topics["rag"].due is None
    state.topics["rag"].reviews = [
        Review(DAY0 + timedelta(days=2), "again", "b7e1")
    ]  # merged back in
    later = DAY0 + timedelta(days=10)
    transitions.finish(state, "rag", later)
    fresh = State()
    transitions.finish(fresh, "rag", later)
    assert state.topics["rag"].due == fresh.topics["rag"].due  # done again: starts afresh
    assert review.counted(state.topics["rag"]) == []


def test_the_queue_is_most_overdue_first_and_leaves_out_what_is_not_done() -> None:
    state = State()
    for topic_id, days_ago in (("python", 30), ("rag", 10), ("lora", 20)):
        transitions.finish(state, topic_id, DAY0 - timedelta(days=days_ago))
    transitions.skip(state, "lora", DAY0)
    today = DAY0.date()
    assert [d.topic_id for d in review.due_reviews(state, today)] == ["python", "rag"]
    assert review.due_reviews(state, today)[0].overdue_days > 20


# --- the command line --------------------------------------------------------------------


def due_ids(run: Runner) -> list[str]:
    return [row["id"] for row in json.loads(run("review", "--list", "--json").stdout)["due"]]


def test_status_counts_due_reviews_and_next_puts_overdue_ones_first(run: Runner) -> None:
    run("done", "python", "--date", "-20d")
    run("done", "ml-ai-basics", "--date", "-12d")
    run("start", "rag")
    status = json.loads(run("status", "--json").stdout)
    assert status["reviews_due"] == 2
    assert "Reviews: 2 done topics due for review ('roadmap review')" in run("status").stdout
    suggestions = json.loads(run("next", "--json").stdout)["next"]
    assert [(s["id"], s["status"]) for s in suggestions[:3]] == [
        ("python", "review"),
        ("ml-ai-basics", "review"),
        ("rag", "in-progress"),
    ]
    assert "due for review" in suggestions[0]["reason"]
    run("review", "python", "--rate", "good")
    run("review", "ml-ai-basics", "--rate", "easy")
    assert json.loads(run("status", "--json").stdout)["reviews_due"] == 0
    assert "Reviews:" not in run("status").stdout
    assert json.loads(run("next", "--json").stdout)["next"][0]["id"] == "rag"


def test_a_session_rates_in_order_takes_enter_as_good_and_keeps_what_was_rated(
    run: Runner, state_file: Path
) -> None:
    run("done", "python", "--date", "-30d")
    run("done", "ml-ai-basics", "--date", "-20d")
    run("done", "core-llm", "--date", "-10d")
    # an answer that is no rating asks again; Enter is good; q stops with two rated
    result = run("review", input="maybe\n\n1\nq\n")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.index("Review 1 of 3: Python") < out.index("Review 2 of 3: ML and AI basics")
    assert "Check yourself, out loud:" in out and "virtual environment" in out
    assert "python: reviewed (good)" in out and "ml-ai-basics: reviewed (again)" in out
    assert "Stopped: 2 reviewed, 1 left" in out
    assert "Please answer 1, 2, 3 or 4" in result.stderr
    topics = tomllib.loads(state_file.read_text())["topics"]
    assert [r["rating"] for r in topics["python"]["reviews"]] == ["good"]
    assert [r["rating"] for r in topics["ml-ai-basics"]["reviews"]] == ["again"]
    assert "reviews" not in topics["core-llm"]
    assert due_ids(run) == ["core-llm"]
    # the end of the input stops a session as q does, with nothing lost
    result = run("review", input="")
    assert result.exit_code == 0 and "Stopped: 0 reviewed, 1 left" in result.stdout
    finished = run("review", input="4\n")
    assert "Reviewed 1 topic. Nothing is due for review today. Next:" in finished.stdout
    assert run("review").stdout.startswith("Nothing is due for review today.")


def test_rate_with_a_date_and_every_error_says_what_to_do(run: Runner, state_file: Path) -> None:
    run("done", "python", "--date", "-10d")
    result = run("review", "python", "--rate", "hard", "--date", "-3d")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("python: reviewed (hard); next review ")
    at = tomllib.loads(state_file.read_text())["topics"]["python"]["reviews"][0]["at"]
    assert at.date() == date.today() - timedelta(days=3)
    before = state_file.read_bytes()
    cases = [
        (["review", "rag", "--rate", "good"], 1, "'rag' is pending; only a done topic is reviewed"),
        (["review", "python", "--rate", "good", "--date", "-11d"], 2, "a review cannot come"),
        (["review", "--rate", "good"], 2, "--rate and --date need a TOPIC"),
        (["review", "python", "--date", "-1d"], 2, "--date needs --rate"),
        (["review", "python", "--rate", "fine"], 2, "again, hard, good or easy"),
        (["review", "--list", "python"], 2, "give no TOPIC"),
        (["review", "--retention", "1.5"], 2, "from 0.7 to 0.99"),
        (["review", "rag"], 1, "only a done topic is reviewed"),
    ]
    for args, code, words in cases:
        result = run(*args)
        assert result.exit_code == code, (args, result.stderr)
        assert words in result.stderr and result.stderr.count("\n") == 1, args
        assert "Traceback" not in result.stderr
    assert state_file.read_bytes() == before


def test_the_list_shows_due_and_upcoming_with_recall(run: Runner) -> None:
    run("done", "python", "--date", "-30d")
    run("done", "rag", "--date", "today")
    doc = json.loads(run("review", "--list", "--json").stdout)
    (due,) = doc["due"]
    (upcoming,) = doc["upcoming"]
    assert (due["id"], upcoming["id"]) == ("python", "rag")
    assert due["overdue_days"] > 20 and upcoming["in_days"] >= 1
    assert 0 < due["recall"] < upcoming["recall"] <= 1  # a month on, less is remembered
    assert doc["retention"] == 0.9
    text = run("review", "--list").stdout
    assert "Due for review" in text and "Coming up" in text and "python" in text
    assert f"{due['recall']:.0%}" in text


def test_the_list_shows_the_next_ten_to_come_and_json_all(run: Runner) -> None:
    topics = json.loads(run("topics", "--track", "generative-ai", "--json").stdout)["topics"]
    ids = [t["id"] for t in topics][:12]
    run("done", *ids)
    text = run("review", "--list").stdout
    shown = [i for i in ids if re.search(rf"^ {re.escape(i)} ", text, re.M)]
    assert len(shown) == 10 and " and 2 more ('--json' lists them all)" in text
    assert len(json.loads(run("review", "--list", "--json").stdout)["upcoming"]) == 12


def test_show_gives_the_next_review_the_count_and_recall(run: Runner) -> None:
    run("done", "python", "--date", "-10d")
    run("review", "python", "--rate", "good", "--date", "-5d")
    run("review", "python", "--rate", "good")
    doc = json.loads(run("show", "python", "--json").stdout)["review"]
    assert doc["reviews"] == 2 and doc["last_reviewed"][:10] == date.today().isoformat()
    assert 0.9 <= doc["recall"] <= 1
    text = " ".join(run("show", "python").stdout.split())
    assert f"Review next on {doc['due'][:10]}; 2 reviews, last on {date.today()}" in text
    assert json.loads(run("show", "rag", "--json").stdout)["review"] is None


def test_retention_reschedules_every_done_topic_and_undo_takes_it_back(run: Runner) -> None:
    run("done", "python", "--date", "-3d")

    def due() -> str:
        return json.loads(run("show", "python", "--json").stdout)["review"]["due"]

    before = due()
    result = run("review", "--retention", "0.97")
    assert result.stdout == "desired retention 0.97: 1 topic rescheduled\n"
    assert due() < before
    assert json.loads(run("review", "--list", "--json").stdout)["retention"] == 0.97
    run("undo")
    assert due() == before


def test_undo_takes_back_a_review(run: Runner, state_file: Path) -> None:
    run("done", "python", "--date", "-10d")
    before = state_file.read_text()
    run("review", "python", "--rate", "again")
    log = run("log", "--limit", "1").stdout
    assert "review python again" in log and "python: reviewed (again)" in log
    undone = run("undo")
    assert undone.stdout.startswith("Undid review python again from ")
    assert "python: 1 review dropped" in undone.stdout
    assert tomllib.loads(state_file.read_text()) == tomllib.loads(before)
    assert due_ids(run) == ["python"]


def test_reset_and_skip_leave_the_queue_and_done_again_starts_afresh(
    run: Runner, state_file: Path
) -> None:
    run("done", "python", "ml-ai-basics", "--date", "-30d")
    run("review", "python", "--rate", "again", "--date", "-20d")
    run("reset", "python", "--yes")
    run("skip", "ml-ai-basics", "--yes")
    assert due_ids(run) == []
    assert json.loads(run("status", "--json").stdout)["reviews_due"] == 0
    run("done", "python")
    entry = tomllib.loads(state_file.read_text())["topics"]["python"]
    assert "reviews" not in entry and entry["due"].date() > date.today()


def test_reviews_are_learning_days_and_the_markdown_export_says_when(run: Runner) -> None:
    run("done", "python", "ml-ai-basics", "--date", "-30d")
    run("review", "python", "--rate", "good", "--date", "-7d")
    calendar = json.loads(run("log", "--calendar", "--json").stdout)
    learned = {d["day"]: d["learned"] for week in calendar["weeks"] for d in week}
    assert learned[(date.today() - timedelta(days=7)).isoformat()] == 1
    markdown = run("export", "--track", "ai-developer").stdout
    reviewed = (date.today() - timedelta(days=7)).isoformat()
    assert f"(`python`) — done {date.today() - timedelta(days=30)}, last reviewed {reviewed}" in (
        markdown
    )
    assert "(`ml-ai-basics`) — done" in markdown and "not reviewed yet" in markdown


def test_reviews_merge_both_ways_and_each_is_kept_once(run: Runner, tmp_path: Path) -> None:
    """Two machines review the same topic on different days: imported both ways, both hold
    both reviews, once each, and the same schedule."""
    laptop, desk = tmp_path / "laptop.toml", tmp_path / "desk.toml"
    for state in (laptop, desk):
        run("--state", str(state), "done", "python", "--date", "-40d")
    run("--state", str(laptop), "review", "python", "--rate", "good", "--date", "-30d")
    run("--state", str(desk), "review", "python", "--rate", "again", "--date", "-10d")
    for here, there in ((laptop, desk), (desk, laptop)):
        export = tmp_path / f"{there.stem}.json"
        run("--state", str(there), "export", "--format", "json", "-o", str(export))
        assert run("--state", str(here), "import", str(export), "--merge").exit_code == 0
    held = [tomllib.loads(p.read_text())["topics"]["python"] for p in (laptop, desk)]
    assert held[0]["reviews"] == held[1]["reviews"]
    assert [r["rating"] for r in held[0]["reviews"]] == ["good", "again"]
    assert held[0]["due"] == held[1]["due"]
    # imported again, nothing new arrives
    export = tmp_path / "again.json"
    run("--state", str(desk), "export", "--format", "json", "-o", str(export))
    again = run("--state", str(laptop), "import", str(export), "--merge").stdout
    assert "0 topics and 0 projects changed" in " ".join(again.split())


def test_a_schema_2_file_is_scheduled_on_migration_with_a_backup(
    run: Runner, state_file: Path, mini: Path
) -> None:
    shutil.copyfile(FIXTURES / "state" / "v2.toml", state_file)
    original = state_file.read_bytes()
    # reading schedules the done topic (in memory; nothing is written)
    listed = json.loads(run("review", "--list", "--json").stdout)
    assert [row["id"] for row in listed["due"]] == ["python"]
    assert state_file.read_bytes() == original
    assert run("review", "python", "--rate", "good").exit_code == 0
    assert state_file.with_name("progress.toml.bak-v2").read_bytes() == original
    data = tomllib.loads(state_file.read_text())
    python = data["topics"]["python"]
    assert data["schema_version"] == SCHEMA_VERSION
    assert [r["rating"] for r in python["reviews"]] == ["good"]
    assert python["note"] == "the official tutorial" and python["hours"] == 6  # kept
    # the migrated due date (the value before the review) is what FSRS makes of the finish
    finished = python["finished"].astimezone(UTC)
    first, _ = reference().review_card(
        fsrs.Card(card_id=1, due=finished), fsrs.Rating.Good, finished
    )
    (change,) = json.loads(run("log", "--json").stdout)["records"][0]["changes"]
    assert datetime.fromisoformat(change["old"]["due"]) == first.due


def test_a_bad_review_in_the_file_is_refused_with_its_place(run: Runner, state_file: Path) -> None:
    state_file.write_text(
        'schema_version = 3\n[topics.python]\nstatus = "done"\n'
        "finished = 2026-01-01T10:00:00Z\nupdated = 2026-01-01T10:00:00Z\n"
        'reviews = [{at = 2026-01-02T10:00:00Z, rating = "meh"}]\n'
    )
    result = run("status")
    assert result.exit_code == 1
    assert "topics.python.reviews.0.rating: should be one of again, hard, good, easy" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("stability = 0.0", "topics.python.stability: should be from 0.001"),
        ("due = 9999-12-31T23:59:59Z", "topics.python.due: 9999-12-31T23:59:59+00:00 is not a"),
        ("due = 1000-01-01T00:00:00Z", "is not a plausible time (years 1970 to 2200)"),
    ],
)
def test_a_schedule_no_scheduler_gives_is_refused_with_its_place(
    run: Runner, state_file: Path, line: str, words: str
) -> None:
    state_file.write_text(
        'schema_version = 3\n[topics.python]\nstatus = "done"\n'
        "finished = 2026-01-01T10:00:00Z\nupdated = 2026-01-01T10:00:00Z\n" + line + "\n"
    )
    before = state_file.read_bytes()
    for args in (["status"], ["review", "--list"], ["show", "python"], ["export"]):
        result = run(*args)
        assert result.exit_code == 1 and words in result.stderr, args
        assert result.stderr.count("\n") == 1 and "unexpected" not in result.stderr
    assert state_file.read_bytes() == before


def test_an_export_with_a_review_in_the_future_is_refused(run: Runner, tmp_path: Path) -> None:
    run("done", "python", "--date", "-3d")
    export = tmp_path / "e.json"
    run("export", "--format", "json", "-o", str(export))
    data = json.loads(export.read_text())
    ahead = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    data["state"]["topics"]["python"]["reviews"] = [{"at": ahead, "rating": "good"}]
    export.write_text(json.dumps(data))
    result = run("import", str(export), "--merge")
    assert result.exit_code == 1
    assert "state.topics.python.reviews.0.at" in result.stderr and "in the future" in result.stderr


def test_reviews_follow_a_topic_that_the_catalog_renames(
    run: Runner, state_file: Path, mini: Path, tmp_path: Path
) -> None:
    """The card is the topic's: a catalog that renames `lora` (keeping it as an alias) keeps
    its reviews and its schedule."""
    run("done", "lora", "--date", "-20d")
    run("review", "lora", "--rate", "hard", "--date", "-5d")
    before = json.loads(run("show", "lora", "--json").stdout)["review"]
    renamed = tmp_path / "renamed.toml"
    text = mini.read_text()
    text = text.replace('"fine-tuning", "lora"]', '"fine-tuning", "low-rank-adapters"]')
    text = text.replace('id = "lora"', 'id = "low-rank-adapters"').replace(
        'aliases = ["low-rank"]', 'aliases = ["low-rank", "lora"]'
    )
    renamed.write_text(text)
    after = json.loads(run("--catalog", str(renamed), "show", "lora", "--json").stdout)
    assert after["id"] == "low-rank-adapters" and after["review"] == before
    run("--catalog", str(renamed), "review", "low-rank-adapters", "--rate", "good")
    topics = tomllib.loads(state_file.read_text())["topics"]
    assert "lora" not in topics
    assert [r["rating"] for r in topics["low-rank-adapters"]["reviews"]] == ["hard", "good"]


def test_cohort_counts_each_learners_overdue_reviews(run: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    for name, days in (("ana", ["-30d", "-20d"]), ("ben", [])):
        state = tmp_path / f"{name}.toml"
        run("--state", str(state), "start", "python")
        for n, day in enumerate(days):
            run("--state", str(state), "done", ["python", "ml-ai-basics"][n], "--date", day)
        run(
            "--state",
            str(state),
            "export",
            "--format",
            "json",
            "--name",
            name,
            "-o",
            str(folder / f"{name}.json"),
        )
    doc = json.loads(run("cohort", str(folder), "--format", "json").stdout)
    assert {row["learner"]: row["reviews_overdue"] for row in doc["learners"]} == {
        "ana": 2,
        "ben": 0,
    }
    csv_text = run("cohort", str(folder), "--format", "csv").stdout
    assert csv_text.splitlines()[0].endswith(",reviews_overdue")
    assert "↻ reviews overdue" in run("cohort", str(folder)).stdout


@pytest.mark.parametrize("columns", ["60", "80"])
def test_review_views_fit_and_read_plain(
    run: Runner, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setenv("NO_COLOR", "1")
    run("done", "python", "--date", "-30d")
    run("done", "rag", "--date", "-2d")
    for args, kwargs in (
        (("review", "--list"), {}),
        (("review",), {"input": "q\n"}),
        (("show", "python"), {}),
        (("status",), {}),
    ):
        out = run(*args, **kwargs).stdout
        assert out and all(len(line) <= int(columns) for line in out.splitlines()), args
        assert "\x1b[" not in out


def test_the_installed_program_reviews_in_a_subprocess(
    run_installed: Runner, tmp_path: Path
) -> None:
    env = {"ROADMAP_STATE": str(tmp_path / "p.toml")}
    assert run_installed("done", "python", "--date", "-9d", env=env).exit_code == 0
    session = run_installed("review", input="3\n", env=env)
    assert session.exit_code == 0, session.stderr
    assert "python: reviewed (good)" in session.stdout
    assert "Reviewed 1 topic." in session.stdout
    listed = json.loads(run_installed("review", "--list", "--json", env=env).stdout)
    assert listed["due"] == [] and listed["upcoming"][0]["reviews"] == 1


# --- the fast path: what FSRS says of every topic alike, kept in the cache -----------------


@pytest.mark.parametrize("retention", [0.7, 0.8, 0.9, 0.95, 0.99])
def test_the_kept_first_schedule_and_curve_are_what_the_scheduler_says(retention: float) -> None:
    with review.knowing(None) as known:  # nothing kept: asked of the scheduler
        _first_schedule_and_curve_agree(known, retention)


def _first_schedule_and_curve_agree(known: review.Known, retention: float) -> None:
    state = State(retention=retention)
    transitions.finish(state, "rag", DAY0)
    entry = state.topics["rag"]
    card = review.card("rag", entry, retention)  # the replay, always by the scheduler
    assert (
        card is not None and entry.due == card.due and entry.stability == round(card.stability, 4)
    )
    assert known.curve_checked is False
    for days in (0, 1, 2, 5, 30, 365, 4000):
        for stability in (0.2, 2.3065, 48.7, 3000.0):
            at = DAY0 + timedelta(days=days, hours=7)
            fast = review.recall(review_entry(stability), at, retention)  # the curve, once checked
            slow = review._scheduler_recall(stability, DAY0, at, retention)
            assert fast == pytest.approx(slow, abs=1e-12)
    assert known.curve_checked is True and known.decay is not None


def review_entry(stability: float) -> TopicProgress:
    return TopicProgress(status="done", finished=DAY0, updated=DAY0, stability=stability)


def scheduler_copy(tmp_path: Path, *, first_stability: str, curve: str | None = None) -> Path:
    """The installed fsrs package copied and changed, as an upgrade might change it."""
    site = tmp_path / "site"
    shutil.copytree(Path(fsrs.__file__).parent, site / "fsrs")
    source = site / "fsrs" / "scheduler.py"
    # The stability after a first review rated good (roadmap gives the parameters itself, so
    # the change is in the code that reads them).
    first = f"initial_stability = {first_stability} if rating == 3 else self.parameters[rating - 1]"
    text = source.read_text().replace("initial_stability = self.parameters[rating - 1]", first, 1)
    if curve is not None:
        text = text.replace(
            "return (1 + self._FACTOR * elapsed_days / card.stability) ** self._DECAY", curve
        )
    assert first in text and (curve is None or curve in text)  # changed
    source.write_text(text)
    return site


def test_an_upgraded_scheduler_is_asked_again_never_the_kept_answer(
    run_installed: Runner, tmp_path: Path
) -> None:
    """What the cache keeps is keyed by the scheduler's files: another version (here one with
    another first stability, and a forgetting curve of another shape) is asked afresh."""
    env = {"ROADMAP_STATE": str(tmp_path / "p.toml")}
    assert run_installed("done", "python", "--date", "-3d", env=env).exit_code == 0
    assert run_installed("review", "--list", env=env).exit_code == 0  # the curve is kept too
    changed = scheduler_copy(
        tmp_path,
        first_stability="5.5",
        curve="return 0.5 * (1 + self._FACTOR * elapsed_days / card.stability) ** self._DECAY",
    )
    upgraded = {**env, "PYTHONPATH": str(changed)}
    assert run_installed("done", "rag", "--date", "-3d", env=upgraded).exit_code == 0
    topics = tomllib.loads((tmp_path / "p.toml").read_text())["topics"]
    assert topics["python"]["stability"] == 2.3065 and topics["rag"]["stability"] == 5.5
    shown = json.loads(run_installed("show", "rag", "--json", env=upgraded).stdout)["review"]
    fast = json.loads(run_installed("show", "rag", "--json", env=env).stdout)["review"]
    assert shown["recall"] == pytest.approx(fast["recall"] / 2, abs=1e-3)  # the scheduler's


def test_a_damaged_cache_entry_costs_time_never_a_wrong_date(
    run_installed: Runner, tmp_path: Path
) -> None:
    env = {"ROADMAP_STATE": str(tmp_path / "p.toml")}
    run_installed("done", "python", "--date", "-3d", env=env)
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "roadmap" / "scheduler"
    (entry,) = cache.iterdir()
    entry.write_bytes(entry.read_bytes()[:-3] + b"\x00\x01\x02")
    run_installed("done", "rag", "--date", "-3d", env=env)
    topics = tomllib.loads((tmp_path / "p.toml").read_text())["topics"]
    assert topics["rag"]["stability"] == topics["python"]["stability"]
    assert topics["rag"]["due"] - topics["rag"]["finished"] == (
        topics["python"]["due"] - topics["python"]["finished"]
    )


def test_two_fsrs_releases_give_the_same_dates(tmp_path: Path) -> None:
    """A release of fsrs may change its default parameters (6.1 and 6.3 did): roadmap gives
    its own, so two machines with different releases store the same dates for the same
    reviews. The other release is the installed one, copied with other defaults in front of
    it on PYTHONPATH."""
    import subprocess

    from conftest import fsrs_with_other_defaults, installed_script

    shadow = fsrs_with_other_defaults(tmp_path)

    def machine(name: str, extra: dict[str, str]) -> dict[str, object]:
        home = tmp_path / name
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "ROADMAP_STATE": str(home / "progress.toml"),
            **extra,
        }
        for args in (
            ("done", "python", "--date", "2026-10-01"),
            ("review", "python", "--rate", "good", "--date", "2026-10-20"),
            ("done", "ml-ai-basics", "--date", "2026-10-05"),
        ):
            subprocess.run([installed_script(), *args], env=env, check=True, capture_output=True)
        state = tomllib.loads((home / "progress.toml").read_text(encoding="utf-8"))
        return {t: (e.get("due"), e.get("stability")) for t, e in state["topics"].items()}

    usual = machine("usual", {})
    other = machine("other", {"PYTHONPATH": str(shadow)})
    assert usual == other
    assert all(due is not None for due, _ in usual.values())
