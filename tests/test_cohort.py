"""roadmap cohort: many learners' exports in one report, bad files skipped with a reason."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import Runner

pytestmark = pytest.mark.usefixtures("mini")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def exports(run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three learners' exports and two files that are not valid exports."""
    folder = tmp_path / "exports"
    folder.mkdir()
    learners = {
        "Ana": (["python", "llm-apis", "rag"], ["transformers"]),
        "Ben": (["python"], ["rag"]),
        "Chloé": ([], []),
    }
    for name, (done, started) in learners.items():
        monkeypatch.setenv("ROADMAP_STATE", str(tmp_path / name / "progress.toml"))
        if done:
            run("done", *done)
        if started:
            run("start", *started)
        if name == "Ana":
            run("project", "add", "Bot", "--track", "builder")
            run("project", "done", "bot", "--force")
        out = folder / f"{name.lower()}.json"
        assert (
            run("export", "--format", "json", "--name", name, "--output", str(out)).exit_code == 0
        )
    (folder / "notes.json").write_text('{"hello": "world"}')
    other = json.loads((folder / "ben.json").read_text())
    other["catalog"]["id"] = "another-roadmap"
    (folder / "other.json").write_text(json.dumps(other))
    return folder


def test_json_report_per_learner_topic_and_median(run: Runner, exports: Path) -> None:
    doc = json.loads(run("cohort", str(exports), "--format", "json").stdout)
    by_name = {row["learner"]: row for row in doc["learners"]}
    assert sorted(by_name) == ["Ana", "Ben", "Chloé"]
    ana = {c["track"]: c for c in by_name["Ana"]["tracks"]}
    assert (ana["builder"]["percent"], ana["builder"]["projects_done"]) == (100, 1)
    assert (ana["deep"]["percent"], ana["deep"]["in_progress"]) == (25, 1)  # rag counts in both
    ben = {c["track"]: c for c in by_name["Ben"]["tracks"]}
    assert (ben["builder"]["percent"], ben["builder"]["in_progress"]) == (33, 1)
    assert by_name["Chloé"]["last_active"] is None
    done = {t["id"]: t["done"] for t in doc["topics"]}
    assert done == {
        "python": 2,
        "llm-apis": 1,
        "rag": 1,
        "transformers": 0,
        "fine-tuning": 0,
        "lora": 0,
    }
    assert doc["median"] == {"builder": 33, "deep": 0}
    assert sorted((Path(s["file"]).name, s["reason"]) for s in doc["skipped"]) == [
        ("notes.json", 'is not a roadmap export (no "format": "ai-roadmap-export")'),
        ("other.json", "is an export of catalog 'another-roadmap'"),
    ]


def test_track_filter_and_files_given_one_by_one(run: Runner, exports: Path) -> None:
    doc = json.loads(
        run(
            "cohort",
            str(exports / "ana.json"),
            str(exports / "ben.json"),
            "-t",
            "deep",
            "-f",
            "json",
        ).stdout
    )
    assert [t["id"] for t in doc["tracks"]] == ["deep"]
    assert [t["id"] for t in doc["topics"]] == ["transformers", "rag", "fine-tuning", "lora"]
    assert doc["median"] == {"deep": 12.5}


def test_csv_has_a_row_per_learner_and_track(run: Runner, exports: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run("cohort", str(exports), "-f", "csv").stdout)))
    assert len(rows) == 6
    assert {(r["learner"], r["track"], r["percent"]) for r in rows} >= {("Ana", "builder", "100")}


def test_markdown_renders_tables(run: Runner, exports: Path) -> None:
    html = (
        MarkdownIt("commonmark")
        .enable("table")
        .render(run("cohort", str(exports), "-f", "markdown").stdout)
    )
    assert html.count("<table>") == 2
    assert "<td>Chloé</td>" in html and "<strong>Median</strong>" in html
    assert "notes.json" in html


def test_table_lists_skipped_files_and_the_median(run: Runner, exports: Path) -> None:
    out = run("cohort", str(exports)).stdout
    assert "median" in out and "Fewest learners done" in out
    assert "skipped" in out and "other.json" in out


def test_names_are_never_emails_and_a_file_counts_once(run: Runner, exports: Path) -> None:
    doc = json.loads((exports / "ben.json").read_text())
    doc["learner"] = "ben@example.com"
    (exports / "ben.json").write_text(json.dumps(doc))
    (exports / "ben-again.json").symlink_to(exports / "ben.json")
    report = json.loads(run("cohort", str(exports), str(exports / "ben.json"), "-f", "json").stdout)
    names = [row["learner"] for row in report["learners"]]
    assert sorted(names) == ["Ana", "Chloé", "ben"]
    assert "example.com" not in run("cohort", str(exports), "-f", "csv").stdout


def test_a_one_track_export_is_not_counted_for_other_tracks(
    run: Runner, exports: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ROADMAP_STATE", str(tmp_path / "dana" / "progress.toml"))
    run("done", "python", "llm-apis", "rag")
    run("export", "-f", "json", "-t", "builder", "--name", "Dana", "-o", str(exports / "dana.json"))
    doc = json.loads(run("cohort", str(exports), "-f", "json").stdout)
    dana = next(row for row in doc["learners"] if row["learner"] == "Dana")
    cells = {c["track"]: c["percent"] for c in dana["tracks"]}
    assert cells == {"builder": 100, "deep": None}
    assert doc["median"]["deep"] == 0  # Ana 25, Ben 0, Chloé 0: Dana left out
    assert "n/a" in run("cohort", str(exports)).stdout


def test_nothing_to_report_is_a_failure_that_says_why(run: Runner, tmp_path: Path) -> None:
    empty = run("cohort", str(tmp_path), "--format", "json")
    assert empty.exit_code == 1 and "among 0 file(s)" in empty.stderr
    missing = run("cohort", str(tmp_path / "none.json"), "-f", "json")
    assert missing.exit_code == 1
    assert f"among 1 file(s): {tmp_path / 'none.json'}: cannot read" in missing.stderr
