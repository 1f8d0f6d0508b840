"""Pace, forecasts and goals, time spent, the weekly plan and the map (issue 16), with a fixed
clock for what depends on today."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from conftest import Runner
from roadmap_cli.core import pace, plan, transitions
from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.state import Goal, State
from roadmap_cli.render.graph import map_rows
from roadmap_cli.storage import catalog_file, paths

pytestmark = pytest.mark.usefixtures("fixed_clock")

TODAY = date(2026, 12, 1)  # a Tuesday: the fixed clock of these tests


def bundled() -> Catalog:
    return catalog_file.load(paths.catalog_path(None), cached=False)


def on(day: date) -> datetime:
    return datetime.combine(day, time(12)).astimezone()


def cleared(*days_ago: int, track: str = "ai-developer", skip: int = 0) -> State:
    """A state with one topic of `track` done on each day (days before TODAY), in order."""
    cat = bundled()
    state = State()
    topics = list(cat.track_by_id[track].topics)[skip:]
    for topic_id, ago in zip(topics, days_ago, strict=False):
        transitions.finish(state, topic_id, on(TODAY - timedelta(days=ago)))
    return state


def test_enough_data_gives_a_range_of_days_to_come() -> None:
    cat = bundled()
    state = cleared(20, 13, 6, 2)  # four topics over three weeks
    found = pace.pace(cat, state, TODAY)
    assert found is not None and found.enough and found.cleared == 4
    assert found.since == date(2026, 11, 9)  # the Monday of the earliest active week
    track = cat.track_by_id["ai-developer"]
    seen = pace.forecast(cat, state, track, found, TODAY)
    assert seen.reason is None and seen.earliest is not None and seen.latest is not None
    assert TODAY < seen.earliest <= seen.latest
    # six topics left at about 1.3 topics a week: weeks, not days or years
    assert 20 < (seen.latest - TODAY).days < 120


@pytest.mark.parametrize(
    ("days_ago", "why"),
    [
        ((), "no topic cleared"),
        ((1, 0, 0), "one week only"),
        ((20, 1), "two topics only"),
    ],
)
def test_too_little_data_says_so_instead_of_a_date(days_ago: tuple[int, ...], why: str) -> None:
    cat = bundled()
    state = cleared(*days_ago)
    found = pace.pace(cat, state, TODAY)
    seen = pace.forecast(cat, state, cat.track_by_id["ai-developer"], found, TODAY)
    assert seen == pace.Forecast(None, None, pace.NOT_ENOUGH_DATA), why


def test_a_pace_that_would_take_more_than_five_years_is_said_plainly() -> None:
    cat = bundled()
    # three topics over four active weeks spread across two years: a very slow pace
    state = cleared(700, 500, 300, 2, track="llm-mastery")
    found = pace.pace(cat, state, TODAY)
    assert found is not None and found.enough
    seen = pace.forecast(cat, state, cat.track_by_id["aiops"], found, TODAY)
    assert seen == pace.Forecast(None, None, pace.NOT_AT_THIS_PACE)


def test_a_cleared_track_has_no_forecast_and_no_date_is_ever_past() -> None:
    cat = bundled()
    track = cat.track_by_id["ai-developer"]
    state = cleared(*range(30, 30 - len(track.topics), -1))
    found = pace.pace(cat, state, TODAY)
    assert pace.forecast(cat, state, track, found, TODAY) == pace.Forecast(
        None, None, pace.FINISHED
    )
    for other in cat.tracks:
        seen = pace.forecast(cat, state, other, found, TODAY)
        assert seen.earliest is None or seen.earliest > TODAY


def test_goals_met_missed_on_track_and_behind() -> None:
    cat = bundled()
    track = cat.track_by_id["ai-developer"]
    everything = cleared(*range(40, 40 - len(track.topics), -1))
    found = pace.pace(cat, everything, TODAY)
    met = pace.check_goal(cat, everything, Goal("ai-developer", on(TODAY)), found, TODAY)
    late = pace.check_goal(
        cat, everything, Goal("ai-developer", on(TODAY - timedelta(days=35))), found, TODAY
    )
    assert met is not None and met.verdict == "met" and met.topics_per_week is None
    assert late is not None and late.verdict == "missed"

    some = cleared(20, 13, 6, 2)
    found = pace.pace(cat, some, TODAY)
    seen = pace.forecast(cat, some, track, found, TODAY)
    assert seen.latest is not None and seen.earliest is not None
    roomy = pace.check_goal(cat, some, Goal("ai-developer", on(seen.latest)), found, TODAY)
    tight = pace.check_goal(
        cat, some, Goal("ai-developer", on(seen.earliest - timedelta(days=1))), found, TODAY
    )
    passed = pace.check_goal(
        cat, some, Goal("ai-developer", on(TODAY - timedelta(days=1))), found, TODAY
    )
    assert roomy is not None and roomy.verdict == "on track"
    assert tight is not None and tight.verdict == "behind"
    assert passed is not None and passed.verdict == "missed"
    # what the goal needs: the six topics left over the weeks to the goal
    assert roomy.topics_per_week == pytest.approx(6 / (((seen.latest - TODAY).days + 1) / 7))


# --- the plan -----------------------------------------------------------------------------


def check_plan(cat: Catalog, state: State, hours: float, weeks: list[plan.Week]) -> None:
    placed: list[str] = []
    for week in weeks:
        assert week.hours <= hours + 1e-9  # never more than the hours of a week
        for item in week.items:
            if item.kind == "topic" and item.part == 1:
                placed.append(item.topic_id)
    for n, topic_id in enumerate(placed):  # prerequisites first, or cleared already
        for needed in cat.topic_by_id[topic_id].requires:
            if state.status_of(topic_id) == "in-progress":
                continue  # a topic in progress is worked on, as next says
            assert state.status_of(needed) in ("done", "skipped") or needed in placed[:n]


@pytest.mark.parametrize("hours", [0.5, 3, 7.5, 20, 60])
def test_a_plan_keeps_to_the_hours_and_puts_prerequisites_first(hours: float) -> None:
    cat = bundled()
    state = cleared(20, 13, 6)
    weeks = plan.plan(cat, state, hours, 6, TODAY)
    assert [w.start for w in weeks] == [TODAY + timedelta(weeks=n) for n in range(6)]
    check_plan(cat, state, hours, weeks)
    assert sum(w.hours for w in weeks) == pytest.approx(hours * 6, abs=0.01)  # filled


def test_a_topic_longer_than_a_week_is_spread_over_weeks_in_parts() -> None:
    cat = bundled()
    state = State()
    weeks = plan.plan(cat, state, 4, 6, TODAY, "ai-developer")
    first = weeks[0].items[0]
    parts = [i for w in weeks for i in w.items if i.topic_id == first.topic_id]
    estimate = cat.topic_by_id[first.topic_id].hours
    assert estimate is not None and estimate > 4
    assert [p.part for p in parts] == list(range(1, len(parts) + 1))
    if parts[0].parts:
        assert sum(p.hours for p in parts) == pytest.approx(estimate)
        assert all(p.parts == len(parts) for p in parts)


def test_time_spent_shortens_a_topic_in_progress_and_reviews_come_first() -> None:
    cat = bundled()
    state = cleared(20, 13)  # python and ml-ai-basics: their first reviews are due
    transitions.start(state, "rag", on(TODAY - timedelta(days=3)))
    transitions.spend(state, "rag", 120, on(TODAY - timedelta(days=2)))
    weeks = plan.plan(cat, state, 5, 4, TODAY)
    first = weeks[0].items
    assert [i.kind for i in first[:2]] == ["review", "review"]
    assert {i.topic_id for i in first[:2]} == {"python", "ml-ai-basics"}
    assert first[2].topic_id == "rag"  # in progress first
    rag = sum(i.hours for w in weeks for i in w.items if i.topic_id == "rag")
    assert rag == pytest.approx((cat.topic_by_id["rag"].hours or 0) - 2)


# --- the map --------------------------------------------------------------------------------


@pytest.mark.parametrize("track_id", ["ai-developer", "generative-ai", "llm-mastery", "aiops"])
def test_the_map_has_every_topic_once_at_its_depth_and_every_edge(track_id: str) -> None:
    cat = bundled()
    rows = map_rows(cat, State(), track_id)
    track = cat.track_by_id[track_id]
    assert sorted(r.id for r in rows) == sorted(set(track.topics))
    depth = {r.id: r.depth for r in rows}
    for n, row in enumerate(rows):
        requires = cat.topic_by_id[row.id].requires
        inside = [r for r in requires if r in depth]
        assert row.depth == (1 + max(depth[r] for r in inside) if inside else 0)
        assert len(row.last) == row.depth + 1  # drawn at the level of its depth
        parent = [r for r in inside if r not in row.also]
        assert len(parent) == (1 if inside else 0)
        if parent:  # drawn under it: the nearest row above of one level up
            above = next(r for r in reversed(rows[:n]) if r.depth == row.depth - 1)
            assert above.id == parent[0]
        assert set(row.also) | set(row.outside) | set(parent) == set(requires)  # every edge


def test_the_map_in_the_terminal_fits_and_reads_plain(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("done", "python", "ml-ai-basics")
    run("start", "genai-basics")
    for columns in ("60", "80"):
        monkeypatch.setenv("COLUMNS", columns)
        monkeypatch.setenv("NO_COLOR", "1")
        out = run("map").stdout
        assert all(len(line) <= int(columns) for line in out.splitlines())
        assert "\x1b[" not in out
        assert "✔ python" in out and "▶ genai-basics" in out and "· core-llm" in out
        assert "✔ done ↷ skipped ▶ in-progress · pending" in " ".join(out.split())
        assert "rag  + vector-databases" in out or "+ vector-databases" in out
    one = run("map", "--track", "aiops").stdout
    assert one.startswith("AIOps") and "ai-developer" not in one
    doc = json.loads(run("map", "--json").stdout)
    assert [t["id"] for t in doc["tracks"]] == [
        "ai-developer",
        "generative-ai",
        "llm-mastery",
        "aiops",
    ]


# --- the command line -----------------------------------------------------------------------


def test_time_is_recorded_summed_and_undone(run: Runner, state_file: Path) -> None:
    assert run("time", "rag", "1h30", "--date", "yesterday").stdout == (
        "rag: 1 h 30 min spent (1 h 30 min in all)\n"
    )
    assert run("time", "rag", "45").stdout == "rag: 45 min spent (2 h 15 min in all)\n"
    assert json.loads(run("show", "rag", "--json").stdout)["spent_minutes"] == 135
    assert "Time spent  2 h 15 min" in run("show", "rag").stdout
    assert json.loads(run("show", "rag", "--json").stdout)["status"] == "pending"  # unchanged
    run("start", "rag")
    assert (
        "in progress since" in run("export").stdout and "2 h 15 min spent" in run("export").stdout
    )
    run("reset", "rag", "--yes")
    entry = tomllib.loads(state_file.read_text())["topics"]["rag"]
    assert [s["minutes"] for s in entry["spent"]] == [90, 45]  # the reset keeps it
    run("undo")
    run("undo")
    run("undo")
    entry = tomllib.loads(state_file.read_text())["topics"]["rag"]
    assert [s["minutes"] for s in entry["spent"]] == [90]
    for bad in ("0", "25h", "soon", "1:75"):
        result = run("time", "rag", bad)
        assert result.exit_code == 2 and "invalid time" in result.stderr, bad


def test_goal_status_and_tracks_say_where_a_track_is_heading(run: Runner) -> None:
    for topic_id, day in (("python", "-20d"), ("ml-ai-basics", "-13d"), ("genai-basics", "-6d")):
        run("done", topic_id, "--date", day)
    target = (date.today() + timedelta(days=400)).isoformat()
    result = run("goal", "ai-developer", "--by", target)
    assert result.exit_code == 0, result.stderr
    assert f"goal {target}: on track" in " ".join(result.stdout.split())
    status = json.loads(run("status", "--json").stdout)
    (developer,) = [t for t in status["tracks"] if t["id"] == "ai-developer"]
    assert developer["goal"]["verdict"] == "on track" and developer["goal"]["by"] == target
    assert set(developer["forecast"]) == {"earliest", "latest"}
    assert date.fromisoformat(developer["forecast"]["earliest"]) > date.today()
    assert status["pace"]["cleared"] == 3 and status["pace"]["enough"] is True
    text = " ".join(run("status").stdout.split())
    assert "Pace:" in text and f"goal {target}: on track (needs" in text
    track = json.loads(run("tracks", "ai-developer", "--json").stdout)
    assert track["forecast"] == developer["forecast"] and track["goal"] == developer["goal"]
    others = {t["id"]: t["forecast"] for t in status["tracks"]}
    assert all("reason" in f or "earliest" in f for f in others.values())
    assert run("goal", "ai-developer", "--clear").stdout == "ai-developer: goal cleared\n"
    assert json.loads(run("goal", "--json").stdout)["goals"] == []
    for args, words in (
        (["goal", "aiops", "--by", "2020-01-01"], "has passed"),
        (["goal", "aiops", "--by", "soon"], "YYYY-MM-DD"),
        (["goal", "--by", target], "need a TRACK"),
    ):
        result = run(*args)
        assert result.exit_code == 2 and words in result.stderr, args


def test_stalled_topics_are_pointed_out_in_status_and_next(run: Runner) -> None:
    run("start", "python", "--date", "-20d")
    run("start", "rag", "--date", "-3d")
    status = json.loads(run("status", "--json").stdout)
    assert [(s["id"], s["days"]) for s in status["stalled"]] == [("python", 20)]
    assert "Stalled: python has been in progress for 20 days" in " ".join(
        run("status").stdout.split()
    )
    reasons = {s["id"]: s["reason"] for s in json.loads(run("next", "--json").stdout)["next"]}
    assert "(20 days: stalled?)" in reasons["python"] and "stalled" not in reasons["rag"]


def test_plan_in_three_forms(run: Runner) -> None:
    run("done", "python", "--date", "-10d")
    doc = json.loads(run("plan", "--hours", "5", "--weeks", "3", "--json").stdout)
    assert [len(doc["weeks"]), doc["hours_per_week"]] == [3, 5]
    assert all(w["hours"] <= 5 for w in doc["weeks"])
    assert doc["weeks"][0]["items"][0] == {
        "kind": "review",
        "id": "python",
        "title": "Python",
        "status": "done",
        "hours": 0.25,
        "part": 1,
        "parts": 1,
    }
    text = run("plan", "--hours", "5", "--weeks", "3").stdout
    assert text.startswith("Week 1  ") and "↻ review python (15 min)" in text
    markdown = run("plan", "--hours", "5", "--weeks", "3", "--format", "markdown").stdout
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    headings = [t.content for t in tokens if t.type == "inline" and t.map and t.level == 1]
    assert sum(1 for h in headings if re.match(r"Week \d: ", h)) == 3
    assert "- [ ] Review **Python** (`python`), 15 min" in markdown
    for bad in (["plan"], ["plan", "--hours", "0"], ["plan", "--hours", "5", "--weeks", "0"]):
        assert run(*bad).exit_code == 2, bad


def test_goals_show_before_any_pace_and_in_the_track_view(run: Runner) -> None:
    run("goal", "aiops", "--by", (date.today() + timedelta(days=180)).isoformat())
    text = " ".join(run("status").stdout.split())
    assert "Pace: none yet (no topic cleared)" in text and "no pace yet (needs" in text
    track = " ".join(run("tracks", "aiops").stdout.split())
    assert "Forecast no forecast yet" in track and "Goal " in track and "no pace yet" in track
    far = (date.today() + timedelta(days=366 * 30)).isoformat()
    result = run("goal", "aiops", "--by", far)
    assert result.exit_code == 2 and "more than 25 years away" in result.stderr


def test_what_a_goal_needs_is_rounded_up_and_a_plan_never_shows_more_than_its_hours(
    run: Runner,
) -> None:
    for topic_id, day in (("python", "-20d"), ("ml-ai-basics", "-13d"), ("genai-basics", "-6d")):
        run("done", topic_id, "--date", day)
    run("goal", "ai-developer", "--by", (date.today() + timedelta(days=300)).isoformat())
    goal = json.loads(run("goal", "--json").stdout)["goals"][0]["goal"]
    words = " ".join(run("goal").stdout.split())
    needs = re.search(r"needs ([\d.]+) topics or (\d+) h a week", words)
    assert needs is not None
    assert float(needs.group(1)) >= goal["topics_per_week"]
    assert int(needs.group(2)) >= goal["hours_per_week"]
    doc = json.loads(run("plan", "--hours", "12.345", "--weeks", "6", "--json").stdout)
    assert all(week["hours"] <= 12.345 for week in doc["weeks"])
