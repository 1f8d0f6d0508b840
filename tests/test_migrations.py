"""Files of every schema version: older ones are migrated (with a backup), newer ones read-only,
and a person's comments and keys survive a rewrite."""

from __future__ import annotations

import json
import shutil
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from conftest import FIXTURES, Runner
from roadmap_cli.core.state import SCHEMA_VERSION
from roadmap_cli.storage.migrations import STEPS

pytestmark = pytest.mark.usefixtures("mini")
STATES = FIXTURES / "state"


def use(name: str, state_file: Path) -> bytes:
    shutil.copyfile(STATES / name, state_file)
    return state_file.read_bytes()


def test_every_older_version_has_a_step_and_a_fixture() -> None:
    assert sorted(STEPS) == list(range(1, SCHEMA_VERSION))
    for version in range(1, SCHEMA_VERSION + 1):
        data = tomllib.loads((STATES / f"v{version}.toml").read_text())
        assert data["schema_version"] == version


@pytest.mark.parametrize("name", ["v1.toml", "v2.toml", "v3.toml", "v4.toml"])
def test_every_version_reads_the_same_progress(run: Runner, state_file: Path, name: str) -> None:
    before = use(name, state_file)
    doc = json.loads(run("topics", "--json").stdout)
    statuses = {t["id"]: t["status"] for t in doc["topics"] if t["status"] != "pending"}
    assert statuses == {"python": "done", "llm-apis": "in-progress"}
    rag = next(t for t in doc["topics"] if t["id"] == "rag")
    assert rag["note"] == "read the paper first"
    assert json.loads(run("focus", "--json").stdout)["focus"] == "deep"
    assert state_file.read_bytes() == before  # reading never writes
    assert not list(state_file.parent.glob("*.bak-*"))


def test_a_v1_file_is_backed_up_then_migrated_on_the_first_change(
    run: Runner, state_file: Path
) -> None:
    original = use("v1.toml", state_file)
    result = run("done", "llm-apis")
    assert result.exit_code == 0, result.stderr
    backup = state_file.with_name("progress.toml.bak-v1")
    assert backup.read_bytes() == original
    data = tomllib.loads(state_file.read_text())
    assert data["schema_version"] == SCHEMA_VERSION and data["catalog"] == "mini"
    assert data["topics"]["python"]["note"] == "the official tutorial"
    assert data["topics"]["llm-apis"]["status"] == "done"
    # A later change keeps the first backup as it was.
    run("done", "rag")
    assert backup.read_bytes() == original


def test_a_newer_file_is_shown_but_never_changed(run: Runner, state_file: Path) -> None:
    before = use("v5-newer.toml", state_file)
    shown = run("topics", "--status", "done", "--json")
    assert shown.exit_code == 0
    assert [t["id"] for t in json.loads(shown.stdout)["topics"]] == ["python"]
    assert shown.stderr == (
        "roadmap: note: the progress file was written by a newer roadmap (schema 5);"
        " showing what this version understands\n"
    )
    for args in (["done", "rag"], ["focus", "builder"], ["undo"]):
        result = run(*args)
        assert result.exit_code == 1, args
        assert "was written by a newer roadmap (schema 5); this one can show it but will not" in (
            result.stderr
        )
    assert state_file.read_bytes() == before


def test_comments_and_unknown_keys_survive_a_rewrite(run: Runner, state_file: Path) -> None:
    use("v2.toml", state_file)
    run("done", "llm-apis", "--note", "used httpx")
    run("start", "transformers")
    text = state_file.read_text()
    for kept in (
        "# My roadmap progress; I keep this file in git.",
        'focus = "deep"  # switched in March',
        'editor = "me"   # a key roadmap does not use',
        "# finished on a long train ride",
        "hours = 6  # my own bookkeeping",
    ):
        assert kept in text
    data = tomllib.loads(text)
    assert list(data["topics"]) == ["llm-apis", "python", "rag", "transformers"]  # sorted
    assert data["topics"]["llm-apis"]["note"] == "used httpx"
    doctor = run("doctor").stdout
    assert "editor" in doctor and "topics.python.hours" in doctor


def test_a_rewrite_changes_only_the_lines_that_changed(run: Runner, state_file: Path) -> None:
    before = use(f"v{SCHEMA_VERSION}.toml", state_file).decode().splitlines()
    run("note", "rag", "read the paper twice")
    after = state_file.read_text().splitlines()
    assert len(after) == len(before)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert [a for a, _ in changed] == [
        "updated = 2026-03-03T08:00:00+01:00",
        'note = "read the paper first"',
    ]
    assert changed[1][1] == 'note = "read the paper twice"'
    assert changed[0][1].startswith("updated = ")


def test_progress_follows_a_renamed_topic(run: Runner, state_file: Path, tmp_path: Path) -> None:
    """A catalog that renamed `lora` to `low-rank-adapters` lists the old id as an alias."""
    run("done", "lora", "--note", "rank 8")
    renamed = tmp_path / "renamed.toml"
    text = (FIXTURES / "mini.toml").read_text()
    text = text.replace('"fine-tuning", "lora"]', '"fine-tuning", "low-rank-adapters"]')
    text = text.replace('id = "lora"', 'id = "low-rank-adapters"').replace(
        'aliases = ["low-rank"]', 'aliases = ["low-rank", "lora"]'
    )
    renamed.write_text(text)
    doc = json.loads(run("--catalog", str(renamed), "show", "low-rank-adapters", "--json").stdout)
    assert (doc["status"], doc["note"]) == ("done", "rank 8")
    doctor = " ".join(run("--catalog", str(renamed), "doctor").stdout.split())
    assert "'lora' was renamed to 'low-rank-adapters'" in doctor
    assert "moves there on the next change" in doctor
    run("--catalog", str(renamed), "start", "transformers")
    topics = tomllib.loads(state_file.read_text())["topics"]
    assert "lora" not in topics and topics["low-rank-adapters"]["note"] == "rank 8"


def test_the_backup_is_byte_identical_even_with_a_byte_order_mark(
    run: Runner, state_file: Path
) -> None:
    original = b"\xef\xbb\xbf" + (STATES / "v1.toml").read_bytes()
    state_file.write_bytes(original)
    assert run("done", "rag").exit_code == 0
    assert state_file.with_name("progress.toml.bak-v1").read_bytes() == original


def test_comments_on_the_topics_header_survive_adding_and_removing(
    run: Runner, state_file: Path
) -> None:
    state_file.write_text(
        'schema_version = 3\ncatalog = "mini"\n[topics] # all my topics\n# keep me\n'
        '[topics.llm-apis]\nstatus = "done"\nupdated = 2026-11-20T18:04:11Z\n'
    )
    run("done", "python")  # sorts after llm-apis: appended in place
    run("reset", "python", "--yes")
    text = state_file.read_text()
    assert "[topics] # all my topics" in text and "# keep me" in text


def test_dates_another_scheduler_gave_are_replayed_at_the_next_change(
    run: Runner, state_file: Path
) -> None:
    """A file that does not name this version's FSRS parameters (written before they were
    named, or by other parameters) gets its review dates replayed from its reviews at its
    next change, and names the parameters from then on; a command that only reads leaves it."""
    text = use(f"v{SCHEMA_VERSION}.toml", state_file).decode()
    other = text.replace('scheduler = "fsrs-6:eda99d193a81"\n', "").replace(
        "due = 2026-03-15T08:15:00+01:00", "due = 2026-05-01T08:15:00+01:00"
    )
    state_file.write_text(other)
    assert run("status").exit_code == 0
    assert state_file.read_text() == other  # reading changes nothing
    run("note", "rag", "read the paper twice")
    data = tomllib.loads(state_file.read_text())
    assert data["scheduler"] == "fsrs-6:eda99d193a81"
    replayed = data["topics"]["python"]["due"]  # the date these parameters give, again
    assert replayed == datetime.fromisoformat("2026-03-15T08:15:00+01:00")
    assert 'focus = "deep"  # switched in March' in state_file.read_text()


def test_the_scheduler_a_file_names_is_this_versions_parameters() -> None:
    import hashlib

    from roadmap_cli.core import review
    from roadmap_cli.core.state import SCHEDULER

    named = repr((review.PARAMETERS, review.MAXIMUM_INTERVAL)).encode()
    assert "fsrs-6:" + hashlib.sha256(named).hexdigest()[:12] == SCHEDULER
