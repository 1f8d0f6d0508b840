"""Pictures: the SVG progress card and the activity calendar with streaks."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Runner
from roadmap_cli.core.activity import activity, weeks
from roadmap_cli.core.records import FieldChange, Record, new_record

pytestmark = pytest.mark.usefixtures("mini")
SVG = "{http://www.w3.org/2000/svg}"


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour).astimezone()


def records_on(*days: date) -> list[Record]:
    """A topic started on each day (the record made today, as `start --date` makes it)."""
    now = datetime.now().astimezone()
    return [
        new_record(
            f"start python --date {day}",
            [
                FieldChange(
                    "topics.python", None, {"status": "in-progress", "started": at(day).isoformat()}
                )
            ],
            now,
        )
        for day in days
    ]


def test_streaks() -> None:
    today = date(2026, 11, 25)
    days = [today - timedelta(days=n) for n in (0, 1, 2, 5, 6, 7, 8, 20)]
    seen = activity(records_on(*days, today), today)
    assert (seen.current_streak, seen.longest_streak) == (3, 4)
    assert seen.per_day[today] == 2
    # A streak still counts until the end of the day after its last active day.
    assert activity(records_on(today - timedelta(days=1)), today).current_streak == 1
    assert activity(records_on(today - timedelta(days=2)), today).current_streak == 0
    assert activity([], today).longest_streak == 0


def test_weeks_end_with_this_week_monday_first() -> None:
    grid = weeks(date(2026, 11, 25), 3)  # a Wednesday
    assert [len(w) for w in grid] == [7, 7, 7]
    assert grid[-1][0] == date(2026, 11, 23) and grid[0][0] == date(2026, 11, 9)


def write_history(state_file: Path, days: list[date]) -> None:
    path = state_file.with_name("progress.history.jsonl")
    path.write_text("".join(r.to_json() + "\n" for r in records_on(*days)))


def test_calendar_in_the_terminal_and_as_json(run: Runner, state_file: Path) -> None:
    today = date.today()
    write_history(
        state_file, [today, today, today, today - timedelta(days=1), today - timedelta(days=9)]
    )
    doc = json.loads(run("log", "--calendar", "--weeks", "4", "--json").stdout)
    assert (doc["current_streak"], doc["longest_streak"]) == (2, 2)
    assert len(doc["weeks"]) == 4
    counts = {d["day"]: d["learned"] for w in doc["weeks"] for d in w}
    assert counts[today.isoformat()] == 3
    out = run("log", "--calendar", "--weeks", "4").stdout
    lines = out.splitlines()[1:]  # under the month labels
    assert [line[:3] for line in lines[:7]] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert "▒" in lines[today.weekday()]  # three things learned today
    assert "Current streak: 2 days   Longest: 2 days" in out


def test_svg_card_parses_and_holds_each_track(
    run: Runner, state_file: Path, tmp_path: Path
) -> None:
    run("focus", "deep")
    run("done", "python", "transformers")
    run("project", "add", 'Bot <&> "quoted"', "--track", "builder")
    card = tmp_path / "card.svg"
    result = run("export", "--format", "svg", "--output", str(card))
    assert result.exit_code == 0
    root = ET.parse(card).getroot()
    assert root.tag == f"{SVG}svg"
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "Builder" in texts and "Deep Models (focus)" in texts
    assert "1 done of 3 · 33%" in texts and "1 done of 4 · 25%" in texts
    assert any(t.startswith("Streak: 1 day") for t in texts)
    assert "Projects: 0 done, 0 in progress" in texts
    assert not list(root.iter(f"{SVG}script"))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "done"]
    assert len(bars) == 2 and int(bars[1].get("width", "0")) > int(bars[0].get("width", "0"))


def bars_of(svg: str, kind: str) -> list[int]:
    root = ET.fromstring(svg)
    return [int(r.get("width", "0")) for r in root.iter(f"{SVG}rect") if r.get("class") == kind]


def test_svg_card_tells_done_from_skipped(run: Runner) -> None:
    """A track cleared by skipping is not a full bar of done: the skipped stretch has a
    colour of its own, and the label counts each."""
    run("skip", "python", "llm-apis", "rag")  # all of Builder, skipped
    svg = run("export", "--format", "svg").stdout
    texts = [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "0 done, 3 skipped of 3 · 100%" in texts
    done, skipped, track = bars_of(svg, "done"), bars_of(svg, "skipped"), bars_of(svg, "track")
    assert done[0] == 0 and skipped[0] == track[0]  # cleared in full, none of it done
    run("done", "python")
    svg = run("export", "--format", "svg").stdout
    done, skipped, track = bars_of(svg, "done"), bars_of(svg, "skipped"), bars_of(svg, "track")
    assert 0 < done[0] < skipped[0] == track[0]
    style = "".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}style"))
    light, _, dark = style.partition("@media (prefers-color-scheme:dark)")
    for css in (light, dark):  # each class has its colour in both schemes
        for kind in (".done{", ".skipped{", ".card{", ".track{"):
            assert kind in css
    assert re.search(r"\.done\{fill:(#[0-9a-f]{6})", light).group(1) != re.search(  # type: ignore[union-attr]
        r"\.skipped\{fill:(#[0-9a-f]{6})", light
    ).group(1)  # type: ignore[union-attr]


def test_svg_escapes_catalog_text(run: Runner, tmp_path: Path) -> None:
    from conftest import MINI

    odd = tmp_path / "odd.toml"
    odd.write_text(MINI.read_text().replace('title = "Builder"', 'title = "<Build> & \\"ship\\""'))
    out = run("--catalog", str(odd), "export", "--format", "svg").stdout
    texts = [t.text for t in ET.fromstring(out).iter(f"{SVG}text")]
    assert '<Build> & "ship"' in texts


def test_svg_drops_characters_xml_cannot_hold(run: Runner, tmp_path: Path) -> None:
    from conftest import MINI

    odd = tmp_path / "odd.toml"
    odd.write_text(MINI.read_text().replace('title = "Builder"', 'title = "Bu\\u000bild\\ufffeer"'))
    out = run("--catalog", str(odd), "export", "--format", "svg").stdout
    assert "Builder" in [t.text for t in ET.fromstring(out).iter(f"{SVG}text")]


def test_calendar_survives_a_time_at_the_edge_of_the_calendar(
    run: Runner, state_file: Path
) -> None:
    edge = Record(
        "x",
        datetime(
            9999, 12, 31, 23, 59, tzinfo=__import__("datetime").timezone(timedelta(hours=-23))
        ),
        "x",
        (),
    )
    state_file.with_name("progress.history.jsonl").write_text(edge.to_json() + "\n")
    assert run("log", "--calendar").exit_code == 0
    assert run("export", "--format", "svg").exit_code == 0
    assert run("log", "--weeks", "3").exit_code == 2  # --weeks goes with --calendar
