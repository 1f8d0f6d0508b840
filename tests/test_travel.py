"""The same progress whichever way it travels: `import --merge`, `sync` (git's merge driver, or
a fast-forward) and `doctor --repair` of git's conflict markers end the same, by the rules of
`core.merge` (docs/sync.md, "How progress merges").

Real files, the installed program as a subprocess, and real git for sync.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sync import GIT, Machine, assert_no_markers, joined, make_world

from conftest import backdated
from roadmap_cli.core import records, review
from roadmap_cli.core.merge import Side, merge, merge3, merge_in
from roadmap_cli.core.state import Goal, Project, Review, Spent, State, TopicProgress, row_order

pytestmark = pytest.mark.skipif(GIT == "git", reason="needs git")


def on_a_terminal(machine: Machine, answer: bytes, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed program with a terminal for its input, `answer` typed into it."""
    import os

    from conftest import installed_script

    leader, follower = os.openpty()
    try:
        os.write(leader, answer)
        done = subprocess.run(
            [installed_script(), *args],
            stdin=follower,
            capture_output=True,
            text=True,
            env=machine.env,
            timeout=120,
        )
    finally:
        os.close(leader)
        os.close(follower)
    return done


def spent(machine: Machine, topic: str = "python") -> int:
    return int(json.loads(machine("show", topic, "--json").stdout)["spent_minutes"])


def reviews(machine: Machine, topic: str = "python") -> list[dict[str, str]]:
    rows = machine.progress()["topics"][topic].get("reviews", [])
    return [{"at": r["at"], "rating": r["rating"], "id": r["id"]} for r in rows]


# --- rows are a multiset: alike rows count twice, one row arriving twice counts once --------


def test_two_sessions_alike_stay_two_through_an_export(tmp_path: Path) -> None:
    _, (laptop, work, _) = make_world(tmp_path)
    for _ in range(2):
        laptop("time", "python", "30m", "--date", "yesterday")
    laptop("done", "python")
    for _ in range(2):
        laptop("review", "python", "--rate", "good", "--date", "today")
    assert spent(laptop) == 60
    export = tmp_path / "laptop.json"
    laptop("export", "--format", "json", "--output", str(export))
    work("import", str(export), "--merge")
    assert spent(work) == 60
    assert len(reviews(work)) == 2
    # The same export again, and back the other way: nothing counts twice.
    work("import", str(export), "--merge")
    assert spent(work) == 60 and len(reviews(work)) == 2
    back = tmp_path / "work.json"
    work("export", "--format", "json", "--output", str(back))
    laptop("import", str(back), "--merge")
    assert spent(laptop) == 60 and reviews(laptop) == reviews(work)


@pytest.mark.parametrize("first", [0, 1])
def test_sessions_and_reviews_alike_on_two_machines_all_count_after_sync(
    tmp_path: Path, first: int
) -> None:
    remote, (laptop, work, _) = make_world(tmp_path)
    joined(remote, [laptop, work])  # python done on both
    for machine in (laptop, work):
        for _ in range(2):
            machine("time", "python", "30m", "--date", "yesterday")
        machine("review", "python", "--rate", "good", "--date", "today")
    order = [laptop, work] if first == 0 else [work, laptop]
    for machine in (*order, *order):
        machine("sync")
    assert spent(laptop) == spent(work) == 120  # four sessions of 30 minutes
    assert len(reviews(laptop)) == 2 and reviews(laptop) == reviews(work)
    assert laptop.state.read_bytes() == work.state.read_bytes()


def test_rows_alike_are_kept_when_conflict_markers_are_repaired(tmp_path: Path) -> None:
    remote, (laptop, work, _) = make_world(tmp_path)
    joined(remote, [laptop, work])
    plain = Machine(laptop.home.parent, "plain")
    subprocess.run([GIT, "clone", "--quiet", str(remote), str(plain.folder)], check=True)
    plain.git("config", "user.name", "Ana")
    plain.git("config", "user.email", "ana@example.org")
    plain("time", "python", "30m", "--date", "yesterday")
    plain("review", "python", "--rate", "good", "--date", "today")
    plain.git("commit", "--quiet", "-am", "by hand")
    laptop("time", "python", "30m", "--date", "yesterday")
    laptop("review", "python", "--rate", "good", "--date", "today")
    laptop("sync")
    subprocess.run(
        [GIT, "-C", str(plain.folder), "pull", "--quiet", "--no-rebase", "--no-edit"],
        capture_output=True,
        env=plain.env,
    )
    assert "<<<<<<<" in plain.state.read_text()
    plain("doctor", "--repair")
    assert_no_markers(plain)
    assert spent(plain) == 60 and len(reviews(plain)) == 2


OLD_FILE = """schema_version = 3
catalog = "ai-engineer-2026"

[topics.python]
status = "done"
finished = 2026-11-01T18:00:00Z
updated = 2026-11-02T18:00:00Z
spent = [{at = 2026-11-01T12:00:00Z, minutes = 30}, {at = 2026-11-01T12:00:00Z, minutes = 30}]
reviews = [{at = 2026-11-05T09:00:00Z, rating = "good"}]
"""


def test_a_file_from_before_row_ids_keeps_its_rows_and_derives_the_same_ids_everywhere(
    tmp_path: Path,
) -> None:
    """Both machines had the same old rows (synced before): derived alike, they count once;
    the two alike sessions of one list stay two."""
    _, (laptop, work, _) = make_world(tmp_path)
    for machine in (laptop, work):
        machine.folder.mkdir(parents=True)
        machine.state.write_text(OLD_FILE, encoding="utf-8")
        assert spent(machine) == 60
    laptop("note", "python", "written after the upgrade")
    data = laptop.progress()
    assert data["schema_version"] == 4
    ids = [row["id"] for row in data["topics"]["python"]["spent"]]
    assert len(set(ids)) == 2
    assert laptop.state.with_name("progress.toml.bak-v3").read_text() == OLD_FILE
    export = tmp_path / "laptop.json"
    laptop("export", "--format", "json", "--output", str(export))
    work("import", str(export), "--merge")  # work still holds the file without ids
    assert spent(work) == 60 and len(reviews(work)) == 1
    assert [
        row["id"] for row in tomllib.loads(work.state.read_text())["topics"]["python"]["spent"]
    ] == ids


# --- the merge driver and `import --merge` agree -------------------------------------------

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TOPICS = ("python", "rag", "lora")
PROJECTS = ("bot", "eval-suite")


def _entry(state: State, topic: str, moment: datetime) -> TopicProgress:
    entry = state.topics.get(topic)
    return replace(entry, updated=moment) if entry else TopicProgress(updated=moment)


def _apply(state: State, op: tuple[Any, ...], moment: datetime) -> None:
    """One change as a command makes it (`core.transitions` and the top-level setters)."""
    kind, *args = op
    if kind == "status":
        topic, status = args
        entry = _entry(state, topic, moment)
        entry.status = status
        entry.started = moment if status else None
        entry.finished = moment if status in ("done", "skipped") else None
        if status != "done":
            entry.reviews = []
        state.topics[topic] = entry
    elif kind == "note":
        topic, note = args
        entry = _entry(state, topic, moment)
        entry.note = note
        state.topics[topic] = entry
    elif kind == "reset":
        state.topics.pop(args[0], None)
    elif kind in ("review", "spent"):
        topic, row_id = args
        entry = state.topics.get(topic)
        if kind == "review" and (entry is None or entry.status != "done"):
            return  # only a done topic is reviewed
        entry = _entry(state, topic, moment)
        if kind == "review":
            entry.reviews = sorted([*entry.reviews, Review(moment, "good", row_id)], key=row_order)
        else:
            entry.spent = sorted([*entry.spent, Spent(moment, 30, row_id)], key=row_order)
        state.topics[topic] = entry
    elif kind == "project":
        project_id, title = args
        old = state.projects.get(project_id)
        state.projects[project_id] = (
            replace(old, title=title, updated=moment)
            if old
            else Project(title=title, track="ai-developer", created=moment, updated=moment)
        )
    elif kind == "drop-project":
        state.projects.pop(args[0], None)
    elif kind == "focus":
        state.focus = args[0]
    elif kind == "retention":
        state.retention = args[0]
    elif kind == "goal":
        state.goals = [Goal(args[0], T0 + timedelta(days=90))] if args[0] else []


def _changed(side: Side, ops: list[tuple[Any, ...]], start: int) -> Side:
    """`side` after `ops`, one recorded change each, a minute apart from `start`."""
    state, history = side.state.copy(), list(side.records)
    for n, op in enumerate(ops):
        moment = T0 + timedelta(minutes=start + 2 * n)
        before = state.copy()
        _apply(state, op, moment)
        changes = records.diff(before, state)
        if changes:
            record = records.new_record(" ".join(map(str, op)), changes, moment)
            records.stamp(state, changes, record.time)
            history.append(record)
    if any(e.status == "done" for e in state.topics.values()):
        review.reschedule_all(state)
    return Side(state, tuple(history))


topics_ = st.sampled_from(TOPICS)
operations = st.one_of(
    st.tuples(
        st.just("status"), topics_, st.sampled_from([None, "in-progress", "done", "skipped"])
    ),
    st.tuples(st.just("note"), topics_, st.sampled_from(["a", "b", "a\n\nc", None])),
    st.tuples(st.just("reset"), topics_),
    st.tuples(st.just("review"), topics_, st.sampled_from(["r1", "r2", "r3"])),
    st.tuples(st.just("spent"), topics_, st.sampled_from(["s1", "s2", "s3"])),
    st.tuples(st.just("project"), st.sampled_from(PROJECTS), st.sampled_from(["Bot", "Bot 2"])),
    st.tuples(st.just("drop-project"), st.sampled_from(PROJECTS)),
    st.tuples(st.just("focus"), st.sampled_from([None, "ai-developer", "aiops"])),
    st.tuples(st.just("retention"), st.sampled_from([None, 0.8, 0.95])),
    st.tuples(st.just("goal"), st.sampled_from([None, "ai-developer", "aiops"])),
)
histories = st.lists(operations, max_size=8)


@settings(max_examples=400, deadline=None)
@given(histories, histories, histories, st.booleans())
def test_the_merge_driver_and_import_agree_on_any_two_diverging_states(
    common: list[Any], mine: list[Any], yours: list[Any], same_rows: bool
) -> None:
    """Two machines grow apart from one progress (each change recorded, as commands do; row
    ids unique per machine unless `same_rows`, when they share them as a synced row would).
    git's merge driver (three ways, from the common version) and `import --merge` either way
    (from the two histories) end with the same progress."""
    base = _changed(Side(State(catalog="ai-engineer-2026"), ()), common, 0)
    if not same_rows:  # rows recorded on one machine have ids of its own
        yours = [(*op[:2], f"{op[2]}b") if op[0] in ("review", "spent") else op for op in yours]
    here = _changed(base, mine, 1000)
    there = _changed(base, yours, 1001)
    driver = merge3(base.state, here.state, there.state)
    assert merge_in(here, there).state == driver
    assert merge_in(there, here).state == driver
    assert merge(here, there).state == driver


def _settings(machine: Machine) -> tuple[Any, ...]:
    data = machine.progress()
    return data.get("focus"), data.get("retention"), data.get("goals")


@pytest.mark.parametrize("later", ["laptop", "work"])
def test_top_level_values_set_on_both_machines_go_to_the_later_change_by_any_path(
    tmp_path: Path, later: str
) -> None:
    remote, (laptop, work, _) = make_world(tmp_path)
    joined(remote, [laptop, work])
    first, second = (work, laptop) if later == "laptop" else (laptop, work)
    with backdated(first.state, first.history):  # the second machine's come a minute later
        first("focus", "aiops")
        first("review", "--retention", "0.8")
        first("goal", "aiops", "--by", "2027-06-30")
    second("focus", "generative-ai")
    second("review", "--retention", "0.95")
    second("goal", "generative-ai", "--by", "2027-09-30")
    wanted = _settings(second)
    assert wanted[0] == "generative-ai" and wanted[1] == 0.95
    # By import, either way round, into copies of the two machines' progress.
    for into, source in ((first, second), (second, first)):
        copy = Machine(tmp_path, f"copy-of-{into.name}")
        copy.folder.mkdir(parents=True)
        for path in (into.state, into.history):
            (copy.folder / path.name).write_bytes(path.read_bytes())
        export = tmp_path / f"{source.name}.json"
        source("export", "--format", "json", "--output", str(export))
        copy("import", str(export), "--merge")
        assert _settings(copy) == wanted, into.name
    # By sync, the earlier machine first and last.
    for machine in (first, second, first):
        machine("sync")
    assert _settings(first) == _settings(second) == wanted
    assert first.state.read_bytes() == second.state.read_bytes()


# --- a repair keeps what the file still says ------------------------------------------------

HAND_BROKEN = """schema_version = 4
catalog = "ai-engineer-2026"
focus = "ai-developer"  # my own notes, kept by hand

[topics.python]
status = "Done"
started = 2026-10-01T10:00:00Z
finished = 2026-10-05T10:00:00Z
updated = 2026-10-05T10:00:00Z

[topics.ml-ai-basics]
status = "finished"
finished = "2026-10-09"
updated = 2026-10-09T10:00:00Z

[topics.vector-databases]
status = "mastered"
finished = 2026-10-12T10:00:00Z
updated = 2026-10-12T10:00:00Z

[topics.genai-basics]
status = "in progress"
started = 2026-10-13
updated = 2026-10-13T10:00:00Z

[topics.core-llm]
Status = "done"
finshed = 2026-10-20T10:00:00Z
updated = 2026-10-20T10:00:00Z

[topics.rag]
started = 2026-10-21T10:00:00Z
updated = 2026-10-21T10:00:00Z
note = "chunking first"

[topics.agentic-ai]
status = "done"
finished = "last tuesday"
started = 2026-10-22T10:00:00Z
updated = 2026-10-22T10:00:00Z
"""


def test_a_hand_broken_file_is_repaired_with_nothing_lost_undone_then_synced(
    tmp_path: Path,
) -> None:
    remote, (laptop, work, _) = make_world(tmp_path)
    laptop.folder.mkdir(parents=True)
    laptop.state.write_text(HAND_BROKEN, encoding="utf-8")
    assert laptop("status", code=1).stderr.count("\n") == 1
    repaired = laptop("doctor", "--repair").stdout
    lines = repaired.splitlines()
    topics = laptop.progress()["topics"]
    statuses = {topic: table.get("status") for topic, table in topics.items()}
    assert statuses == {
        "python": "done",  # Done
        "ml-ai-basics": "done",  # finished, and a date as text
        "vector-databases": "done",  # a word no one knows, but a finish time
        "genai-basics": "in-progress",  # in progress, a start date
        "core-llm": "done",  # Status, finshed
        "rag": "in-progress",  # a start time alone
        "agentic-ai": "done",  # as it says, though its finish time cannot be read
    }
    assert topics["rag"]["note"] == "chunking first"
    assert "# my own notes, kept by hand" in laptop.state.read_text()
    # Every value it read its own way, and the one it had to drop, one line each.
    assert "Read topics.python.status 'Done' as done" in lines
    assert "Read topics.core-llm.finshed as finished" in lines
    assert "Read topics.rag.status as in-progress, from its start time" in lines
    dropped = [line for line in lines if line.startswith(("Removed", "Dropped"))]
    assert sorted(dropped) == [
        "Removed topics.agentic-ai.finished (should be a date and time, like"
        " 2026-01-01T10:00:00Z; it was 'last tuesday')",
        "Removed topics.vector-databases.status (should be one of in-progress, done,"
        " skipped, not 'mastered')",
    ]

    # Undo right after the repair puts the file back byte for byte.
    undone = laptop("undo").stdout
    assert "is back as it was before the repair" in " ".join(undone.split())
    assert laptop.state.read_text(encoding="utf-8") == HAND_BROKEN
    assert laptop("undo", code=1).stderr.count("\n") == 1  # the repair is undone once

    # Repaired again: the first sync shows what the repair dropped, and asks. Without a
    # terminal it refuses in one line and sends nothing.
    laptop("doctor", "--repair")
    laptop("sync", "setup", str(remote))
    refused = laptop("sync", code=1)
    assert refused.stderr.count("\n") == 1
    assert "dropped 2 values it could not read" in refused.stderr
    assert "roadmap sync --yes" in refused.stderr
    assert laptop.git("rev-list", "--all").strip() == ""  # nothing committed
    # On a terminal, it lists them and asks once; no sends nothing, yes sends it.
    for answer, code in ((b"n\n", 0), (b"y\n", 0)):
        asked = on_a_terminal(laptop, answer, "sync")
        assert asked.returncode == code, asked
        assert "Removed topics.vector-databases.status" in asked.stderr
        assert asked.stderr.count("[y/N]") == 1
    assert laptop.git("rev-list", "--all").strip() != ""
    assert "dropped" not in laptop("sync").stderr  # asked once: it is sent
    work("sync", "setup", str(remote))
    work("sync")
    assert work.progress()["topics"] == laptop.progress()["topics"]
    done = json.loads(work("topics", "--status", "done", "--json").stdout)["topics"]
    assert {t["id"] for t in done} == {
        "python",
        "ml-ai-basics",
        "vector-databases",
        "core-llm",
        "agentic-ai",
    }


def test_a_repair_is_asked_about_even_when_its_record_holds_rows(tmp_path: Path) -> None:
    """A record's line holds the ids of rows too: the repair is told by its own id."""
    remote, (laptop, *_) = make_world(tmp_path)
    laptop("done", "python")
    laptop("time", "python", "60m")
    laptop("sync", "setup", str(remote))
    laptop("sync")
    text = laptop.state.read_text(encoding="utf-8")
    row_id = laptop.progress()["topics"]["python"]["spent"][0]["id"]
    laptop.state.write_text(
        text + '\n[topics.rag]\nstatus = "done"\nnote = 5\n'
        f'spent = [{{at = 2026-02-01T10:00:00Z, minutes = 0, id = "{row_id}"}}]\n',
        encoding="utf-8",
    )
    laptop("doctor", "--repair")
    refused = laptop("sync", code=1)
    assert "dropped" in refused.stderr and "roadmap sync --yes" in refused.stderr


def test_an_export_that_only_leaves_entries_out_removes_nothing(tmp_path: Path) -> None:
    """The learner's own export, its topics emptied by hand but its history kept: no record
    in it removes anything, so nothing goes."""
    _, (laptop, *_) = make_world(tmp_path)
    laptop("done", "python", "rag")
    laptop("time", "python", "60m")
    export = tmp_path / "mine.json"
    laptop("export", "--format", "json", "--output", str(export))
    doc = json.loads(export.read_text(encoding="utf-8"))
    doc["state"]["topics"] = {}
    export.write_text(json.dumps(doc), encoding="utf-8")
    laptop("import", str(export), "--merge")
    topics = laptop.progress()["topics"]
    assert topics["python"]["status"] == topics["rag"]["status"] == "done"
    assert spent(laptop) == 60
