"""Every view fits the terminal, at 60 and 80 columns: ids whole, text wrapping under itself.

The views are drawn from a learner's progress on the bundled catalog (long topic and outcome
ids, a project with a long id, notes, several tracks) and read as a learner would: no line
wider than the terminal, no id cut at the end of a line, continuation lines indented under
their first line, the calendar's rows never wrapped, and piped output laid out for 80
columns unless COLUMNS says otherwise.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import Runner, installed_script

WIDTHS = (60, 80)
LONG_TITLE = "Serving a quantized model under a strict latency budget"
NOTE = (
    "Chunks of 512 tokens with an overlap of 64 worked best on the FAQ corpus; 1024 lost"
    " precision and 256 lost context"
)


@pytest.fixture
def learner(run: Runner, tmp_path: Path) -> dict[str, list[str]]:
    """Some weeks of progress; returns every id a view may show, by kind."""
    steps = [
        ("focus", "llm-mastery"),
        ("done", "python", "ml-ai-basics", "tokenization-embeddings", "--date", "-20d"),
        ("start", "vector-databases", "rag", "transformer-internals"),
        ("skip", "ml-math"),
        ("note", "rag", NOTE),
        ("project", "add", LONG_TITLE, "--track", "llm-mastery", "--outcome",
         "optimized-inference-service", "--topic", "quantization"),
        ("project", "add", "PDF Q&A bot", "--track", "ai-developer", "--outcome",
         "document-qa-system", "--topic", "rag"),
    ]  # fmt: skip
    for step in steps:
        assert run(*step).exit_code == 0, step
    projects = json.loads(run("project", "list", "--json").stdout)["projects"]
    long_id = next(p["id"] for p in projects if p["title"] == LONG_TITLE)
    for field in ("problem", "architecture", "evaluation", "deployment", "tradeoffs"):
        run("project", "edit", long_id, f"--{field}", f"The {field} of it, in some detail.")
    assert run("project", "done", long_id, "--date", "yesterday").exit_code == 0
    for name in ("ada", "grace-hopper-the-admiral"):
        run("export", "--format", "json", "--name", name, "-o", str(tmp_path / f"{name}.json"))
    tracks = json.loads(run("tracks", "--json").stdout)["tracks"]
    topics = json.loads(run("topics", "--json").stdout)["topics"]
    return {
        "tracks": [t["id"] for t in tracks],
        "topics": [t["id"] for t in topics],
        "outcomes": [o["id"] for t in tracks for o in t["outcomes"]],
        "projects": [p["id"] for p in projects],
        "long_project": [long_id],
    }


def views(ids: dict[str, list[str]], folder: Path) -> list[list[str]]:
    long_id = ids["long_project"][0]
    return [
        ["status"],
        ["tracks"],
        ["tracks", "llm-mastery"],
        ["topics"],
        ["topics", "--track", "aiops"],
        ["show", "rag"],
        ["show", "inference-optimization"],
        ["next"],
        ["project", "list"],
        ["project", "ideas"],
        ["project", "ideas", "--track", "llm-mastery"],
        ["project", "show", long_id],
        ["portfolio"],
        ["log"],
        ["log", "--calendar"],
        ["cohort", str(folder)],
        ["catalog", "list"],
        ["doctor"],
        ["focus"],
        ["choose", "--goal", "llms", "--background", "ml"],
    ]


def broken_ids(text: str, every_id: set[str]) -> list[str]:
    """Ids cut at the end of a line: the line ends with the start of an id and the next
    line goes on with the rest of it."""
    found = []
    for line, following in itertools.pairwise(text.splitlines()):
        tail = re.split(r"[\s'(,:]", line.rstrip())[-1].rstrip(")") if line.strip() else ""
        head = re.split(r"[\s'),:]", following.strip())[0] if following.strip() else ""
        if not tail or not head[:1].isalnum() or tail in every_id:
            continue
        joined = tail + head
        for an_id in every_id:
            cut = an_id.startswith(tail) and len(tail) < len(an_id)
            if cut and (joined.startswith(an_id) or an_id.startswith(joined)):
                found.append(f"{line} / {following}")
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_every_view_fits_and_keeps_ids_whole(
    run: Runner,
    learner: dict[str, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    width: int,
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    every_id = {i for kind in learner.values() for i in kind}
    for args in views(learner, tmp_path):
        result = run(*args, input="n\n")
        assert result.exit_code in (0, 1), (args, result.stderr)  # doctor may find notes
        out = result.stdout
        assert out.strip(), args
        for line in out.splitlines():
            assert len(line) <= width, (args, line)
        assert broken_ids(out, every_id) == [], args
        for kind in ("topics", "outcomes", "projects"):
            for an_id in learner[kind]:
                # An id the view shows is shown whole on one line, never in two parts.
                head = an_id[: len(an_id) // 2 + 1]
                if head in out and an_id not in out and "-" in an_id:
                    assert not re.search(re.escape(head) + r"\s*$", out, re.M), (args, an_id)


def test_the_cut_id_detector_finds_a_cut(learner: dict[str, list[str]]) -> None:
    every_id = {i for kind in learner.values() for i in kind}
    assert broken_ids("llm-mastery  optimized-infer\n             ence-service", every_id)
    assert not broken_ids("llm-mastery  optimized-inference-service", every_id)


def test_columns_that_say_nothing_are_left_out(run: Runner, learner: dict[str, list[str]]) -> None:
    one_track = run("project", "ideas", "--track", "aiops").stdout
    assert one_track.splitlines()[0] == "AIOps (aiops)"
    assert "aiops " not in "\n".join(one_track.splitlines()[1:])  # no track column
    assert "Your projects" not in one_track and "covered by" not in one_track
    every = run("project", "ideas").stdout
    assert "✔ covered by" in every and "taken on by pdf-q-a-bot" in every
    mine = run("project", "list", "--track", "ai-developer").stdout
    assert mine.splitlines()[0].split() == ["Id", "Status", "Project"]  # no track column
    assert "Track" in run("project", "list").stdout.splitlines()[0]


@pytest.mark.parametrize("width", WIDTHS)
def test_continuation_lines_are_indented_under_their_first_line(
    run: Runner, learner: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    log = run("log", "--limit", "30").stdout.splitlines()
    record = re.compile(r"^\d{4}-\d{2}-\d{2} ")
    change = re.compile(r"^( +)(project )?[a-z0-9-]+:( |$)")
    wrapped = 0
    indent = 0
    for line in log[:-1]:
        if record.match(line):
            indent = 0  # a long command goes on under itself, or where a long id fits
        elif found := change.match(line):
            indent = len(found.group(1))
            assert indent >= 2
        elif indent:  # a change's further line: under its first
            assert len(line) - len(line.lstrip()) >= indent, line
            wrapped += 1
    assert wrapped  # the long notes and texts did wrap
    show = run("show", "rag").stdout.splitlines()
    note = next(i for i, line in enumerate(show) if line.startswith("Note "))
    value_at = show[note].index(NOTE.split()[0])
    assert show[note + 1].startswith(" " * value_at) and show[note + 1].strip()
    choose = run("choose", "--goal", "llms", "--background", "developer", input="n\n")
    reasons = choose.stdout.splitlines()
    first = next(i for i, line in enumerate(reasons) if line.startswith("  - "))
    assert reasons[first + 1].startswith("    ") and not reasons[first + 1].startswith("  - ")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_calendar_shows_the_weeks_that_fit_under_month_labels(
    run: Runner, learner: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    lines = run("log", "--calendar").stdout.splitlines()
    days = lines[1:8]
    assert [line[:3] for line in days] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    weeks = (width - 4) // 2
    assert len(lines[1].split()) - 1 == weeks  # one mark a week on Monday's row
    assert all(len(line) <= width for line in lines)
    assert re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", lines[0])
    asked = run("log", "--calendar", "--weeks", "53").stdout.splitlines()
    assert len(asked[1].split()) - 1 == weeks  # more weeks than fit: the newest that fit
    narrow = run("log", "--calendar", "--weeks", "4").stdout.splitlines()
    assert len(narrow[1].split()) - 1 == 4


def test_piped_output_is_laid_out_for_80_columns_unless_columns_says(
    learner: dict[str, list[str]], state_file: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}

    def widest(extra: dict[str, str]) -> int:
        out = subprocess.run(
            [installed_script(), "topics"],
            capture_output=True,
            text=True,
            env={**env, **extra},
            check=True,
        ).stdout
        return max(len(line) for line in out.splitlines())

    assert 60 < widest({}) <= 80
    assert widest({"COLUMNS": "120"}) > 80  # the Tracks column comes back
    assert widest({"COLUMNS": "60"}) <= 60
