"""One declaration of each schema: the progress file's fields are the dataclasses of
core/state.py, and everything else (checker, cache, files, history, export) follows them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import typing
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import roadmap_cli
from roadmap_cli.core import sanitize, state
from roadmap_cli.core.state import Invalid, Project, State, TopicProgress, kinds
from roadmap_cli.formats import export_schema

ENTRIES = {"topics": TopicProgress, "projects": Project}
MODELS = {"topics": export_schema.ExportedTopic, "projects": export_schema.Project}


@pytest.mark.parametrize("cls", [TopicProgress, Project])
def test_the_fast_field_lists_are_the_declared_types(cls: type) -> None:
    """The time and list fields read from the types' text at start-up are the ones the
    evaluated types say."""
    assert state.TIME_FIELDS[cls] == {k.name for k in kinds(cls) if k.kind == "time"}
    assert state.LIST_FIELDS[cls] == {k.name for k in kinds(cls) if k.kind == "ids"}
    assert state.CHOICE_FIELDS[cls] == {k.name: k.choices for k in kinds(cls) if k.kind == "choice"}


def test_the_command_line_choices_are_the_schemas_values() -> None:
    """Typer needs an enum for each choice; each is the schema's own list, in its order."""
    from roadmap_cli.cli.commands.projects import ProjectStatusChoice
    from roadmap_cli.cli.commands.read import StatusChoice
    from roadmap_cli.cli.commands.review import RatingChoice

    assert [c.value for c in RatingChoice] == list(state.RATINGS)
    assert [c.value for c in StatusChoice] == list(state.STATUSES)
    assert [c.value for c in ProjectStatusChoice] == list(state.PROJECT_STATUSES)


def test_the_field_lists_are_the_dataclasses() -> None:
    assert tuple(f.name for f in fields(TopicProgress)) == state.TOPIC_FIELDS
    assert tuple(f.name for f in fields(Project)) == state.PROJECT_FIELDS
    assert tuple(f.name for f in fields(State)) == state.STATE_FIELDS
    assert set(state.PORTFOLIO_FIELDS) <= set(state.PROJECT_FIELDS)


@pytest.mark.parametrize("name", ["topics", "projects"])
def test_the_export_model_has_every_field_with_its_type(name: str) -> None:
    """Field by field and type by type (the export writes a pending topic's status as
    "pending", where the progress file has none)."""
    cls, model = ENTRIES[name], MODELS[name]
    assert list(model.model_fields) == [f.name for f in fields(cls)]
    for k in kinds(cls):
        info = model.model_fields[k.name]
        annotation = info.annotation
        args = typing.get_args(annotation)
        optional = type(None) in args
        if name == "topics" and k.name == "status":
            assert typing.get_args(annotation) == state.STATUSES and info.is_required()
            continue
        assert optional == k.optional, k.name
        assert info.is_required() == k.required, k.name
        if not k.required:
            assert info.default == k.default, k.name
        base = next(a for a in args if a is not type(None)) if optional else annotation
        if k.kind == "choice":
            assert typing.get_args(base) == k.choices, k.name
        elif k.kind == "text":  # a string no longer than a note may be
            # (pydantic keeps the constraint in the annotation of an optional field, and moves
            # it to the field's metadata otherwise)
            text, *limits = typing.get_args(base) or (base, *info.metadata)
            assert text is str, k.name
            assert [c.max_length for c in limits] == [sanitize.MAX_TEXT], k.name
        elif k.kind == "ids":
            assert typing.get_origin(base) is list, k.name
        elif k.kind == "number":  # a number in the range its declaration gives
            number, *limits = typing.get_args(base) or (base, *info.metadata)
            assert number is float, k.name
            flat = [m for c in limits for m in getattr(c, "metadata", [c])]
            found = {type(c).__name__: c for c in flat}
            assert (found["Ge"].ge, found["Le"].le) == k.range, k.name
        elif k.kind == "rows":  # a model of the row's fields, each of its kind
            assert typing.get_origin(base) is list and k.row is not None, k.name
            (row,) = typing.get_args(base)
            assert list(row.model_fields) == list(k.row._fields), k.name
            for name, kind in state.row_kinds(k.row).items():
                shown = str(row.model_fields[name].annotation) + repr(row.model_fields[name])
                if kind is datetime:
                    assert "AwareDatetime" in shown, (k.name, name)
                elif kind is int:
                    assert f"le={state.MAX_ROW_NUMBER}" in shown and "ge=1" in shown, name
                elif name == state.ROW_ID:  # an id, which an export from before may leave out
                    assert "pattern='^[a-z0-9]+(-[a-z0-9]+)*$'" in shown, name
                    assert "NoneType" in shown and "default=None" in shown, name
                else:
                    assert typing.get_args(row.model_fields[name].annotation) == typing.get_args(
                        kind
                    )
        else:
            assert "AwareDatetime" in str(base), k.name
            assert "AfterValidator" in repr(info), k.name  # aware, and a plausible year


# --- the checker and the export model accept and refuse the same data

AWARE = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2199, 1, 1), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2199, 1, 1),
    timezones=st.builds(
        timezone, st.integers(-12 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))
    ),
)
WRONG = st.one_of(
    st.integers(), st.booleans(), st.floats(allow_nan=False), st.lists(st.integers(), max_size=2)
)


def value_for(k: state.FieldKind) -> st.SearchStrategy[Any]:
    """Good values of the field's kind, and values of other kinds, and null."""
    good: st.SearchStrategy[Any]
    if k.kind == "text":
        good = st.text(max_size=20)
    elif k.kind == "time":
        good = AWARE.map(lambda t: t.isoformat()) | st.datetimes().map(lambda t: t.isoformat())
        good = good | st.sampled_from(["yesterday", "2026-13-01T00:00:00Z", ""])
    elif k.kind == "choice":
        good = st.sampled_from([*k.choices, "pending", "Done", ""])
    elif k.kind == "number":
        assert k.range is not None
        good = st.floats(k.range[0] - 1, k.range[1] + 1) | st.integers(-2, 2) | st.just("1.5")
    elif k.kind == "rows":
        assert k.row is not None
        cells = {}
        for name, kind in state.row_kinds(k.row).items():
            if kind is datetime:
                cells[name] = AWARE.map(lambda t: t.isoformat()) | st.sampled_from(["", "2026"])
            elif kind is int:
                cells[name] = st.integers(-1, state.MAX_ROW_NUMBER + 1) | st.just("90")
            else:
                cells[name] = st.sampled_from([*typing.get_args(kind), "Good", ""])
        row = st.fixed_dictionaries(cells, optional={"extra": st.just(1)})
        good = st.lists(row, max_size=3) | st.lists(st.integers(), max_size=2)
    else:
        ids = st.sampled_from(["rag", "llm-apis", "Rag", "two words", "rag-", "a1-b2"])
        good = st.lists(ids, max_size=3) | st.lists(st.integers(), max_size=2)
    return st.one_of(good, WRONG, st.none())


def entry_data(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the declared keys (never others), each with any value."""
    return st.fixed_dictionaries({}, optional={k.name: value_for(k) for k in kinds(cls)})


def checker_accepts(name: str, data: dict[str, Any]) -> bool:
    if name == "topics":
        if data.get("status") is None:
            return False  # an exported topic always has a status ("pending" for none)
        if data["status"] == "pending":
            data = {**data, "status": None}  # how an import reads an exported pending topic
    try:
        state.entry_from(name, data, from_json=True)
    except Invalid:
        return False
    return True


def model_accepts(name: str, data: dict[str, Any]) -> bool:
    try:
        MODELS[name].model_validate_json(json.dumps(data))
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", ["topics", "projects"])
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_checker_and_the_export_model_agree(name: str, data: st.DataObject) -> None:
    """Times are drawn from 1971 to 2199: an import also refuses implausible times, which is
    a rule of imports, not of the progress file."""
    entry = data.draw(entry_data(ENTRIES[name]))
    assert checker_accepts(name, entry) == model_accepts(name, entry), entry


# --- a field added in the one place goes everywhere

MOOD = "    note: str | None = None\n"
LICENCE = "    demo: str | None = None\n"
GOAL = "    focus: str | None = None\n"


@pytest.fixture
def extended(tmp_path: Path) -> Path:
    """A copy of the program with one field more in each entry, added in core/state.py only."""
    copy = tmp_path / "site" / "roadmap_cli"
    shutil.copytree(
        Path(roadmap_cli.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    source = copy / "core" / "state.py"
    text = source.read_text(encoding="utf-8")
    assert text.count(MOOD) == 1 and text.count(LICENCE) == 1 and text.count(GOAL) == 1
    text = text.replace(MOOD, MOOD + "    mood: str | None = None\n")
    text = text.replace(LICENCE, LICENCE + "    licence: str | None = None\n")
    text = text.replace(GOAL, GOAL + "    goal: str | None = None\n")
    source.write_text(text, encoding="utf-8")
    return copy.parent


def test_a_field_added_in_one_place_survives_every_path(extended: Path, tmp_path: Path) -> None:
    from roadmap_cli.storage.paths import bundled_catalog

    env = {
        **os.environ,
        "PYTHONPATH": str(extended),
        "ROADMAP_STATE": str(tmp_path / "p.toml"),
        "ROADMAP_CATALOG": str(bundled_catalog()),
    }

    def roadmap(*args: str, state_file: Path | None = None) -> subprocess.CompletedProcess[str]:
        run_env = {**env, "ROADMAP_STATE": str(state_file)} if state_file else env
        done = subprocess.run(
            [sys.executable, "-m", "roadmap_cli", *args],
            capture_output=True,
            text=True,
            env=run_env,
            timeout=60,
        )
        assert done.returncode == 0, (args, done.stderr)
        return done

    progress = tmp_path / "p.toml"
    roadmap("start", "rag")
    roadmap("project", "add", "A bot", "--track", "llm-mastery")
    # The learner (or a newer tool) writes the new fields into the file.
    text = progress.read_text(encoding="utf-8")
    text = text.replace("[topics.rag]\n", '[topics.rag]\nmood = "curious"\n')
    text = text.replace("[projects.a-bot]\n", '[projects.a-bot]\nlicence = "MIT"\n')
    text = 'goal = "ship a RAG bot"\n' + text
    progress.write_text(text, encoding="utf-8")

    def exported(state_file: Path) -> dict[str, Any]:
        out = tmp_path / f"{state_file.stem}.json"
        roadmap("export", "--format", "json", "-o", str(out), state_file=state_file)
        document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return document

    first = exported(progress)  # read and checked from the file
    assert first["state"]["topics"]["rag"]["mood"] == "curious"
    assert first["state"]["projects"]["a-bot"]["licence"] == "MIT"
    assert first["state"]["goal"] == "ship a RAG bot"
    assert exported(progress)["state"] == first["state"]  # read back from the cache

    roadmap("done", "rag")  # a write: the line editor and the history
    roadmap("note", "rag", "a note")
    text = progress.read_text(encoding="utf-8")
    assert 'mood = "curious"' in text and 'licence = "MIT"' in text
    log = json.loads(roadmap("log", "--json").stdout)["records"]
    assert log[0]["changes"][0]["new"]["mood"] == "curious"

    other = tmp_path / "other.toml"
    roadmap("import", str(tmp_path / "p.json"), "--replace", "--yes", state_file=other)
    moved = other.read_text(encoding="utf-8")
    assert 'mood = "curious"' in moved and 'licence = "MIT"' in moved
    assert 'goal = "ship a RAG bot"' in moved
    imported = json.loads(roadmap("log", "--json", state_file=other).stdout)["records"][0]
    (goal,) = [change for change in imported["changes"] if change["key"] == "goal"]
    assert (goal["old"], goal["new"]) == (None, "ship a RAG bot")
    roadmap("undo", state_file=other)  # the import: the goal goes with it
    assert "goal =" not in other.read_text(encoding="utf-8")

    roadmap("undo")  # the note
    roadmap("undo")  # done
    after = exported(progress)["state"]
    assert after["topics"]["rag"]["status"] == "in-progress"
    assert after["topics"]["rag"]["mood"] == "curious"
    assert after["projects"]["a-bot"]["licence"] == "MIT"
    assert 'mood = "curious"' in progress.read_text(encoding="utf-8")

    # A wrong value of the new field is refused like any other, naming it.
    progress.write_text(
        progress.read_text(encoding="utf-8").replace('mood = "curious"', "mood = 3"),
        encoding="utf-8",
    )
    bad = subprocess.run(
        [sys.executable, "-m", "roadmap_cli", "status"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "topics.rag.mood: should be text" in bad.stderr


def test_a_type_with_no_check_fails_at_once(extended: Path) -> None:
    """A field of a type nothing knows how to check is not silently passed through."""
    source = extended / "roadmap_cli" / "core" / "state.py"
    text = source.read_text(encoding="utf-8").replace(
        "    mood: str | None = None\n", "    mood: float | None = None\n"
    )
    source.write_text(text, encoding="utf-8")
    code = "from roadmap_cli.core import state; state.kinds(state.TopicProgress)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(extended)},
    )
    assert done.returncode != 0 and "no check is written for TopicProgress.mood" in done.stderr


def test_a_null_where_a_value_is_needed_says_what_would_do() -> None:
    """From JSON (an import, a history record), null is not a value of a field that has no
    'none'; the message lists what would do."""
    good = {"title": "A bot", "track": "llm-mastery", "created": "2026-01-01T10:00:00Z"}
    good["updated"] = good["created"]
    state.entry_from("projects", good)
    with pytest.raises(Invalid) as refused:
        state.entry_from("projects", {**good, "status": None})
    assert refused.value.problems == [
        ("status", "should be one of planned, in-progress, done, not null")
    ]
    with pytest.raises(Invalid) as refused:
        state.entry_from("projects", {**good, "topics": None})
    assert refused.value.problems == [("topics", "should be a list of topic ids, not null")]
