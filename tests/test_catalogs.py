"""roadmap catalog validate / list, and following a catalog of your own by name."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

from conftest import MINI, Runner


def broken_copy(tmp_path: Path) -> Path:
    text = MINI.read_text()
    text = text.replace('requires = ["llm-apis"]', 'requires = ["nope", "ghost"]')
    text = text.replace('id = "lora"', 'id = "rag"')
    text = text.replace('summary = "Calling models."', 'sumary = "Calling models."')
    path = tmp_path / "broken.toml"
    path.write_text(text)
    return path


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return hits[nth - 1]


def test_validate_reports_every_problem_with_its_line(run: Runner, tmp_path: Path) -> None:
    path = broken_copy(tmp_path)
    result = run("catalog", "validate", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    llm, rag = line_of(path, 'id = "llm-apis"'), line_of(path, 'id = "rag"')
    assert f"{path}:{llm}: topic 'llm-apis', 'sumary': unknown key" in lines
    assert f"{path}:{rag}: topic 'rag' requires unknown topic 'nope'" in lines
    assert f"{path}:{rag}: topic 'rag' requires unknown topic 'ghost'" in lines
    assert f"{path}:{rag}: duplicate topic id 'rag'" in lines
    assert lines[-1] == f"{len(lines) - 1} problem(s) in {path}"
    doc = json.loads(run("catalog", "validate", str(path), "--json").stdout)
    assert doc["valid"] is False and len(doc["problems"]) == len(lines) - 1
    assert all(p["line"] for p in doc["problems"])


def test_validate_a_syntax_error_and_a_good_file(run: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "syntax.toml"
    bad.write_text('format = 1\nid = "x\n')
    result = run("catalog", "validate", str(bad))
    assert result.exit_code == 1 and result.stdout.startswith(f"{bad}:2: not valid TOML")
    good = run("catalog", "validate", str(MINI))
    assert (good.exit_code, good.stdout) == (
        0,
        f"{MINI}: a valid catalog 'mini' (2 tracks, 6 topics)\n",
    )


def test_list_shows_bundled_and_own_catalogs(
    run: Runner, isolated_home: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("ROADMAP_STATE")
    own = isolated_home / "config" / "roadmap" / "catalogs"
    own.mkdir(parents=True)
    shutil.copy(MINI, own / "mini.toml")
    shutil.copy(broken_copy(tmp_path), own / "draft.toml")
    doc = json.loads(run("catalog", "list", "--json").stdout)
    rows = {row["name"]: row for row in doc["catalogs"]}
    assert list(rows) == ["ai-engineer-2026", "draft", "mini"]
    assert rows["ai-engineer-2026"]["in_use"] and rows["ai-engineer-2026"]["valid"]
    assert rows["mini"]["origin"] == "yours" and rows["mini"]["topics"] == 6
    assert rows["draft"]["valid"] is False and rows["draft"]["problems"] >= 3
    assert rows["mini"]["progress"].endswith("progress-mini.toml")
    text = run("catalog", "list").stdout
    assert "★ ai-engineer-2026" in text and "draft" in text


def test_follow_an_own_catalog_by_name_with_its_own_progress(
    run: Runner, isolated_home: Path, monkeypatch
) -> None:
    monkeypatch.delenv("ROADMAP_STATE")
    own = isolated_home / "config" / "roadmap" / "catalogs"
    own.mkdir(parents=True)
    shutil.copy(MINI, own / "mini.toml")
    assert run("--catalog", "mini", "done", "python").exit_code == 0
    assert run("done", "python").exit_code == 0  # the bundled catalog
    data = isolated_home / "data" / "roadmap"
    assert set(tomllib.loads((data / "progress-mini.toml").read_text())["topics"]) == {"python"}
    assert tomllib.loads((data / "progress.toml").read_text())["catalog"] == "ai-engineer-2026"
    assert "★ mini" in run("--catalog", "mini", "catalog", "list").stdout
    missing = run("--catalog", "nosuch", "status")
    assert missing.exit_code == 1 and "catalog nosuch: file not found" in missing.stderr


def test_list_warns_when_two_catalogs_share_an_id(run: Runner, isolated_home: Path) -> None:
    own = isolated_home / "config" / "roadmap" / "catalogs"
    own.mkdir(parents=True)
    shutil.copy(MINI, own / "mini.toml")
    shutil.copy(MINI, own / "copy.toml")
    rows = {r["name"]: r for r in json.loads(run("catalog", "list", "--json").stdout)["catalogs"]}
    assert rows["mini"]["shares_id_with"] == ["copy"] and rows["copy"]["shares_id_with"] == ["mini"]
    assert rows["ai-engineer-2026"]["shares_id_with"] == []
    assert "same id as copy" in run("catalog", "list").stdout
