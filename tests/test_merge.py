"""Import and merge: exports round-trip, and merging is commutative and idempotent."""

from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Runner
from roadmap_cli.core.merge import Side, merge, merge3
from roadmap_cli.core.records import FieldChange, Record
from roadmap_cli.core.state import Goal, Project, Review, State, TopicProgress, row_order, to_json
from roadmap_cli.formats import export_schema

ROOT = Path(__file__).resolve().parents[1]

# --- properties -------------------------------------------------------------------------

T0 = datetime(2026, 1, 1, tzinfo=UTC)
times = st.integers(min_value=0, max_value=5).map(lambda h: T0 + timedelta(hours=h))
ids = st.sampled_from(["python", "rag", "lora"])
notes = st.none() | st.sampled_from(["a", "b", "a\n\nb", "c\n\na"])
# Reviews from a shared pool too: two machines may hold the same review, or others of their own.
# Two rows alike under ids of their own are two reviews; one id written with two offsets is one.
review_pool = [
    Review(T0 + timedelta(hours=h, minutes=m), rating, row_id)
    for h, m, rating, row_id in [
        (1, 0, "good", "a1"),
        (2, 0, "again", "a2"),
        (2, 0, "easy", "a3"),
        (4, 30, "hard", "a4"),
        (4, 30, "hard", "a5"),
        (3, 0, "good", "a6"),
    ]
] + [Review((T0 + timedelta(hours=3)).astimezone(timezone(timedelta(hours=2))), "good", "a6")]
topic_entries = st.builds(
    lambda status, updated, note, finished, reviews: TopicProgress(
        status=status,
        updated=updated,
        note=note,
        finished=finished if status in ("done", "skipped") else None,
        reviews=reviews,
    ),
    st.sampled_from([None, "in-progress", "done", "skipped"]),
    times,
    notes,
    st.sampled_from([T0, T0 + timedelta(hours=2)]),
    st.lists(st.sampled_from(review_pool), max_size=3, unique_by=lambda r: r.id).map(
        lambda found: sorted(found, key=row_order)
    ),
).filter(lambda e: e.status is not None or e.note is not None)  # as the program keeps them
project_entries = st.builds(
    lambda status, updated, title: Project(
        title=title, track="builder", status=status, created=T0, updated=updated
    ),
    st.sampled_from(["planned", "in-progress", "done"]),
    times,
    st.sampled_from(["Bot", "Bot v2"]),
)
# Records come from a shared pool, so that two sides may hold the same record (same id).
record_pool = [
    Record(
        f"r{i}",
        T0 + timedelta(hours=h),
        "x",
        (FieldChange(key, {"status": "done", "updated": T0.isoformat()}, None),),
    )
    for i, (h, key) in enumerate(
        [(h, k) for h in range(6) for k in ("topics.python", "topics.rag", "projects.p1")]
    )
] + [
    Record(f"f{h}", T0 + timedelta(hours=h, minutes=30), "focus", (FieldChange("focus", None, t),))
    for h, t in enumerate(["builder", "deep", "builder"])
]


@st.composite
def sides(draw: st.DrawFn) -> Side:
    state = State(
        catalog="mini",
        focus=draw(st.none() | st.sampled_from(["builder", "deep"])),
        retention=draw(st.none() | st.sampled_from([0.8, 0.95])),
        goals=draw(
            st.sampled_from([[], [Goal("builder", T0)], [Goal("builder", T0), Goal("deep", T0)]])
        ),
        topics=draw(st.dictionaries(ids, topic_entries, max_size=3)),
        projects=draw(st.dictionaries(st.sampled_from(["p1", "p2"]), project_entries, max_size=2)),
    )
    if draw(st.booleans()):  # scheduled as a file of this version is: a merge may keep dates
        from roadmap_cli.core import review

        review.reschedule_all(state)
    chosen = draw(st.lists(st.sampled_from(record_pool), max_size=5, unique_by=lambda r: r.id))
    return Side(state, tuple(sorted(chosen, key=lambda r: (r.time, r.id))))


def same(x: Side, y: Side) -> bool:
    return x.state == y.state and x.records == y.records


PROPERTIES = settings(max_examples=300, deadline=None)


@PROPERTIES
@given(sides(), sides())
def test_merge_is_commutative(a: Side, b: Side) -> None:
    assert same(merge(a, b), merge(b, a))


@PROPERTIES
@given(sides())
def test_merge_is_idempotent(a: Side) -> None:
    once = merge(a, a)
    assert same(merge(once, once), once)
    assert same(merge(once, a), once)


@PROPERTIES
@given(sides(), sides())
def test_merge_loses_no_note_paragraph_and_no_record(a: Side, b: Side) -> None:
    merged = merge(a, b)
    assert {r.id for r in merged.records} == {r.id for r in (*a.records, *b.records)}
    for side in (a, b):
        for topic_id, entry in side.state.topics.items():
            for paragraph in (entry.note or "").split("\n\n"):
                if paragraph:
                    assert paragraph in (merged.state.topics[topic_id].note or "")


@PROPERTIES
@given(sides(), sides())
def test_merge_keeps_every_review_and_schedules_from_all_of_them(a: Side, b: Side) -> None:
    """Each review of either side is in the merged entry once, and the schedule of a done
    topic is the replay of the merged reviews (what the scheduler itself says of them)."""
    from roadmap_cli.core import review

    merged = merge(a, b).state
    for topic_id in {*a.state.topics, *b.state.topics}:
        held = [s.topics[topic_id] for s in (a.state, b.state) if topic_id in s.topics]
        wanted = {r.id: (r.at, r.rating) for e in held for r in e.reviews}
        entry = merged.topics.get(topic_id)
        found = [(r.id, r.at, r.rating) for r in entry.reviews] if entry else []
        assert sorted(r[0] for r in found) == sorted(wanted)  # every id once: alike rows too
        assert all(wanted[i] == (at, rating) for i, at, rating in found)
        if entry is not None and entry.status == "done":  # kept or replayed: the same
            fresh = TopicProgress(**{**vars(entry), "due": None, "stability": None})
            review.reschedule(topic_id, fresh, review.retention_of(merged))
            assert (entry.due, entry.stability) == (fresh.due, fresh.stability)


# --- three-way merge (git's merge driver) -----------------------------------------------


def schedule_free(state: State) -> State:
    """The state with every done topic's schedule replayed, as any merge leaves it."""
    from roadmap_cli.core import review

    state = state.copy()
    review.reschedule_all(state)
    return state


@PROPERTIES
@given(sides(), sides(), sides())
def test_merge3_is_symmetric(o: Side, a: Side, b: Side) -> None:
    assert merge3(o.state, a.state, b.state) == merge3(o.state, b.state, a.state)


@PROPERTIES
@given(sides(), sides())
def test_merge3_takes_the_only_side_that_changed(o: Side, a: Side) -> None:
    """Nothing changed on one side: the other side's state, deletions included."""
    assert merge3(o.state, a.state, o.state) == schedule_free(a.state)
    assert merge3(o.state, o.state, a.state) == schedule_free(a.state)
    assert merge3(o.state, a.state, a.state) == schedule_free(a.state)


@PROPERTIES
@given(sides(), sides(), sides())
def test_merge3_loses_no_note_paragraph_no_added_review_and_no_entry(
    o: Side, a: Side, b: Side
) -> None:
    """What one side added stays: an entry the other side does not have, a paragraph of a
    note, a review. (An entry both sides changed may end with nothing to keep, say a note
    removed on one side and the topic reset on the other: then it is gone, as it should.)"""
    merged = merge3(o.state, a.state, b.state)
    for side, other in ((a.state, b.state), (b.state, a.state)):
        for topic_id, entry in side.topics.items():
            was = o.state.topics.get(topic_id)
            if was is not None and replace(entry, due=None, stability=None) == replace(
                was, due=None, stability=None
            ):
                continue  # not changed on this side (review dates are replayed, not changed)
            kept = merged.topics.get(topic_id)
            if topic_id not in other.topics:
                assert kept is not None, f"{topic_id} changed on one side, gone on the other"
            old = {p.strip() for p in ((was.note if was else None) or "").split("\n\n")}
            added_notes = {p.strip() for p in (entry.note or "").split("\n\n")} - old - {""}
            for paragraph in added_notes:
                assert kept is not None and paragraph in (kept.note or ""), (topic_id, paragraph)
            added = set(entry.reviews) - set(was.reviews if was else [])
            if added:
                assert kept is not None, f"{topic_id} lost a review added on one side"
                assert added <= set(kept.reviews) | _same_moment(added, kept.reviews)


def _same_moment(rows: set[Review], kept: list[Review]) -> set[Review]:
    """Rows kept as another text of the same moment (one review written with two offsets)."""
    return {r for r in rows if any(k.at == r.at and k.rating == r.rating for k in kept)}


def test_merge3_a_note_removed_on_one_side_and_a_reset_on_the_other_leave_nothing() -> None:
    base = State(topics={"rag": TopicProgress(status="in-progress", updated=T0, note="b")})
    unnoted = State(topics={"rag": TopicProgress(status="in-progress", updated=T0)})
    reset = State(topics={"rag": TopicProgress(updated=T0, note="b")})
    assert merge3(base, unnoted, reset).topics == {}
    assert merge3(base, reset, unnoted).topics == {}


def test_merge3_keeps_a_removal_on_one_side_and_additions_on_both() -> None:
    """A review undone on one side stays undone; a review added on the other stays."""
    done = TopicProgress(status="done", finished=T0, updated=T0, reviews=review_pool[:1])
    base = State(topics={"python": done})
    undone = State(topics={"python": replace_entry(done, reviews=[])})
    added = State(
        topics={"python": replace_entry(done, reviews=[*review_pool[:1], review_pool[3]])}
    )
    merged = merge3(base, undone, added)
    assert merged.topics["python"].reviews == [review_pool[3]]


def test_merge3_takes_status_from_one_side_and_a_note_from_the_other() -> None:
    base = State(topics={"rag": TopicProgress(status="in-progress", started=T0, updated=T0)})
    finished = State(
        topics={
            "rag": TopicProgress(
                status="done",
                started=T0,
                finished=T0 + timedelta(hours=2),
                updated=T0 + timedelta(hours=2),
            )
        }
    )
    noted = State(
        topics={
            "rag": TopicProgress(
                status="in-progress", started=T0, note="chunking", updated=T0 + timedelta(hours=3)
            )
        }
    )
    rag = merge3(base, finished, noted).topics["rag"]
    assert (rag.status, rag.note, rag.finished) == ("done", "chunking", T0 + timedelta(hours=2))
    assert rag.updated == T0 + timedelta(hours=3)
    assert rag.due is not None  # a done topic gets its review schedule


def test_merge3_a_change_beats_a_deletion_and_one_sided_deletions_stand() -> None:
    bot = Project(title="Bot", track="builder", created=T0, updated=T0)
    base = State(projects={"bot": bot, "old": bot})
    ours = State(projects={"old": bot})  # removed bot
    theirs = State(projects={"bot": Project(**{**bot.__dict__, "title": "Bot v2"})})  # removed old
    merged = merge3(base, ours, theirs)
    assert list(merged.projects) == ["bot"] and merged.projects["bot"].title == "Bot v2"


def replace_entry(entry: TopicProgress, **values: object) -> TopicProgress:
    from dataclasses import replace

    return replace(entry, **values)  # type: ignore[arg-type]


def test_latest_change_wins_and_ties_are_fixed() -> None:
    early = TopicProgress(status="done", updated=T0)
    late = TopicProgress(status="in-progress", updated=T0 + timedelta(hours=1))
    a = Side(State(topics={"rag": early}), ())
    b = Side(State(topics={"rag": late}), ())
    assert merge(a, b).state.topics["rag"].status == "in-progress"
    tie = TopicProgress(status="skipped", updated=T0)
    a, b = Side(State(topics={"rag": early}), ()), Side(State(topics={"rag": tie}), ())
    assert merge(a, b).state.topics["rag"].status == merge(b, a).state.topics["rag"].status


def test_a_reset_on_one_side_wins_where_the_other_did_not_change_the_topic() -> None:
    entry = TopicProgress(status="done", updated=T0, note="keep")
    made = Record("m", T0, "done rag", (FieldChange("topics.rag", None, to_json(entry)),))
    pending = TopicProgress(updated=T0 + timedelta(hours=1), note="keep")
    reset = Record(
        "r",
        T0 + timedelta(hours=1),
        "reset rag",
        (FieldChange("topics.rag", to_json(entry), to_json(pending)),),
    )
    here = Side(State(topics={"rag": entry}), (made,))
    there = Side(State(topics={"rag": pending}), (made, reset))
    for merged in (merge(here, there), merge(there, here)):
        assert merged.state.topics["rag"] == pending
    # Without the record both hold, neither is the other's past: both stand, field by field.
    alone = merge(Side(State(topics={"rag": entry}), ()), Side(there.state, (reset,)))
    assert alone.state.topics["rag"].status == "done"


# --- the commands -------------------------------------------------------------------------

pytestmark = pytest.mark.usefixtures("mini")


def export_to(run: Runner, path: Path, *extra: str) -> dict:
    assert run("export", "--format", "json", "--output", str(path), *extra).exit_code == 0
    return json.loads(path.read_text())


def test_diverging_copies_merged_both_ways_end_equal(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, work = tmp_path / "laptop" / "progress.toml", tmp_path / "work" / "progress.toml"
    monkeypatch.setenv("ROADMAP_STATE", str(laptop))
    run("done", "python", "--note", "tutorial")
    run("focus", "builder")
    work.parent.mkdir()
    shutil.copy(laptop, work)
    shutil.copy(
        laptop.with_name("progress.history.jsonl"), work.with_name("progress.history.jsonl")
    )
    # the two copies diverge
    run("start", "rag")
    run("note", "python", "tutorial\n\nand the docs")
    monkeypatch.setenv("ROADMAP_STATE", str(work))
    run("done", "llm-apis")
    run("reset", "python", "--yes")
    run("project", "add", "Bot", "--track", "builder")
    export_to(run, tmp_path / "work.json")
    monkeypatch.setenv("ROADMAP_STATE", str(laptop))
    export_to(run, tmp_path / "laptop.json")
    # merge both ways
    assert run("import", str(tmp_path / "work.json"), "--merge").exit_code == 0
    monkeypatch.setenv("ROADMAP_STATE", str(work))
    assert run("import", str(tmp_path / "laptop.json"), "--merge").exit_code == 0
    on_work = json.loads(run("topics", "--json").stdout)
    on_work_projects = json.loads(run("project", "list", "--json").stdout)
    monkeypatch.setenv("ROADMAP_STATE", str(laptop))
    assert json.loads(run("topics", "--json").stdout) == on_work
    assert json.loads(run("project", "list", "--json").stdout) == on_work_projects
    python = next(t for t in on_work["topics"] if t["id"] == "python")
    # The reset on one machine and the note on the other: both changes stand.
    assert python["status"] == "pending" and python["note"] == "tutorial\n\nand the docs"
    statuses = {t["id"]: t["status"] for t in on_work["topics"]}
    assert (statuses["rag"], statuses["llm-apis"]) == ("in-progress", "done")
    # and again: nothing more changes
    assert "0 topics and 0 projects changed" in " ".join(
        run("import", str(tmp_path / "work.json"), "--merge").stdout.split()
    )


def test_replace_asks_keeps_copies_and_restores(
    run: Runner, state_file: Path, tmp_path: Path
) -> None:
    run("done", "python", "lora")
    export_to(run, tmp_path / "saved.json")
    run("reset", "python", "lora", "--yes")
    run("done", "rag")
    before = state_file.read_bytes()
    declined = run("import", str(tmp_path / "saved.json"), "--replace", input="n\n")
    assert declined.exit_code == 0 and state_file.read_bytes() == before
    assert declined.stderr.endswith("roadmap: nothing was imported\n")
    result = run("import", str(tmp_path / "saved.json"), "--replace", "--yes")
    assert result.exit_code == 0
    assert set(tomllib.loads(state_file.read_text())["topics"]) == {"python", "lora"}
    copies = sorted(p.name for p in state_file.parent.glob("progress.*.bak-*"))
    assert [c.split(".bak-")[0] for c in copies] == ["progress.history.jsonl", "progress.toml"]
    assert (state_file.parent / copies[1]).read_bytes() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=2), "was exported by a newer roadmap (format version 2"),
        (lambda d: d["catalog"].update(id="other"), "is progress on catalog 'other'"),
        (lambda d: d.update(format="something"), "is not a roadmap export"),
        (
            lambda d: d["state"]["topics"].update(rag={"status": "bogus"}),
            "is not a valid export: state.topics.rag",
        ),
        (
            lambda d: d["state"]["topics"]["python"].update(updated=4102444800),
            "state.topics.python.updated",
        ),
        (lambda d: d.update(version=True), "version"),
        (lambda d: d["history"][0]["changes"][0].update(new="hello"), "history"),
        (
            lambda d: d["history"][0].update(time="9999-12-31T23:59:59-23:59"),
            "not a plausible time",
        ),
    ],
)
def test_bad_exports_are_refused_and_change_nothing(
    run: Runner, state_file: Path, tmp_path: Path, change: object, message: str
) -> None:
    run("done", "python")
    doc = export_to(run, tmp_path / "e.json")
    change(doc)  # type: ignore[operator]
    (tmp_path / "e.json").write_text(json.dumps(doc))
    before = state_file.read_bytes()
    for mode in ("--merge", "--replace"):
        result = run("import", str(tmp_path / "e.json"), mode, "--yes")
        assert result.exit_code == 1, result.stderr
        assert message in result.stderr and "unexpected" not in result.stderr
    assert state_file.read_bytes() == before


def test_a_one_track_export_cannot_replace(run: Runner, tmp_path: Path) -> None:
    export_to(run, tmp_path / "deep.json", "--track", "deep")
    result = run("import", str(tmp_path / "deep.json"), "--replace", "--yes")
    assert result.exit_code == 2 and "Import it with --merge" in result.stderr
    assert run("import", str(tmp_path / "deep.json")).exit_code == 2  # neither mode given


def test_export_name_is_a_name_never_an_email(run: Runner, tmp_path: Path) -> None:
    assert export_to(run, tmp_path / "a.json", "--name", "Ana Lima")["learner"] == "Ana Lima"
    assert export_to(run, tmp_path / "b.json")["learner"]  # the user name by default
    result = run("export", "--format", "json", "--name", "ana@example.com")
    assert result.exit_code == 2 and "e-mail" in result.stderr


def test_the_checked_in_json_schema_is_current() -> None:
    checked_in = json.loads((ROOT / "docs" / "export-format.schema.json").read_text())
    assert checked_in == export_schema.schema(), (
        "docs/export-format.schema.json is stale: python -m roadmap_cli.formats.export_schema"
        " > docs/export-format.schema.json"
    )


def test_an_export_validates_against_its_schema(run: Runner, tmp_path: Path) -> None:
    run("done", "python", "--note", "n")
    run("project", "add", "Bot", "--track", "builder")
    doc = export_to(run, tmp_path / "e.json")
    assert export_schema.Export.model_validate_json(json.dumps(doc)).learner
    assert doc["history"] and doc["state"]["projects"]["bot"]["title"] == "Bot"


def test_an_imports_own_record_never_counts_as_the_learners_deletion(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reset reached B only through an import; A's later 'done' must still win."""
    a, b = tmp_path / "a" / "p.toml", tmp_path / "b" / "p.toml"

    def on(state: Path, *args: str) -> None:
        monkeypatch.setenv("ROADMAP_STATE", str(state))
        assert run(*args).exit_code == 0

    on(b, "done", "python")
    on(b, "export", "-f", "json", "-o", str(tmp_path / "b0.json"))
    on(a, "import", str(tmp_path / "b0.json"), "--merge")
    on(a, "reset", "python", "--yes")
    on(a, "export", "-f", "json", "-o", str(tmp_path / "a1.json"))
    on(b, "import", str(tmp_path / "a1.json"), "--merge")
    log = b.with_name("p.history.jsonl").read_text().splitlines()
    made = [json.loads(line)["time"] for line in log]
    later = datetime.fromisoformat(max(made)) + timedelta(minutes=1)  # after everything so far
    monkeypatch.setenv("ROADMAP_STATE", str(a))
    from roadmap_cli.core import state as state_module

    with monkeypatch.context() as patch:  # only the clock: the isolated home stays
        patch.setattr(state_module, "now", lambda: later.astimezone().replace(microsecond=0))
        assert run("done", "python").exit_code == 0
    on(b, "export", "-f", "json", "-o", str(tmp_path / "b2.json"))
    on(a, "import", str(tmp_path / "b2.json"), "--merge")
    monkeypatch.setenv("ROADMAP_STATE", str(a))
    assert json.loads(run("show", "python", "--json").stdout)["status"] == "done"


def test_a_merge_that_brings_nothing_new_writes_nothing(
    run: Runner, state_file: Path, tmp_path: Path
) -> None:
    run("done", "python")
    export_to(run, tmp_path / "me.json")
    before = state_file.read_bytes(), state_file.with_name("progress.history.jsonl").read_bytes()
    result = run("import", str(tmp_path / "me.json"), "--merge")
    assert "0 topics and 0 projects changed" in " ".join(result.stdout.split())
    after = state_file.read_bytes(), state_file.with_name("progress.history.jsonl").read_bytes()
    assert after == before


def test_undo_reverts_an_import_then_the_learners_own_changes_never_the_others(
    run: Runner, state_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROADMAP_STATE", str(tmp_path / "other" / "p.toml"))
    run("done", "lora", "transformers")
    export_to(run, tmp_path / "other.json")
    monkeypatch.setenv("ROADMAP_STATE", str(state_file))
    run("start", "python")
    run("import", str(tmp_path / "other.json"), "--merge")
    assert "Undid import --merge other.json" in run("undo").stdout
    statuses = {t["id"]: t["status"] for t in json.loads(run("topics", "--json").stdout)["topics"]}
    assert statuses["lora"] == "pending" and statuses["python"] == "in-progress"
    assert "Undid start python" in run("undo").stdout  # the learner's own, behind the import
    nothing = run("undo")  # the other machine's 'done' arrived with the import: never undone
    assert nothing.exit_code == 1 and "nothing to undo" in nothing.stderr


def test_export_never_overwrites_the_progress_files(run: Runner, state_file: Path) -> None:
    run("done", "python")
    before = state_file.read_bytes()
    for target in (state_file, state_file.with_name("progress.history.jsonl")):
        result = run("export", "--format", "json", "--output", str(target))
        assert result.exit_code == 2 and "is where your progress is kept" in result.stderr
    assert state_file.read_bytes() == before


def test_a_one_track_export_holds_only_that_tracks_history(run: Runner, tmp_path: Path) -> None:
    run("note", "lora", "private deep note")
    run("done", "python")
    doc = export_to(run, tmp_path / "b.json", "--track", "builder")
    keys = {c["key"] for r in doc["history"] for c in r["changes"]}
    assert keys == {"topics.python"}
    assert "private deep note" not in (tmp_path / "b.json").read_text()
