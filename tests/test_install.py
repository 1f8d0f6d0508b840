"""The installed program, run as a real subprocess; and a wheel installed into a fresh venv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import MINI, Runner

ROOT = Path(__file__).resolve().parents[1]


def test_installed_script_status_done_and_json(run_installed: Runner, state_file: Path) -> None:
    fresh = run_installed("status")
    assert fresh.exit_code == 0, fresh.stderr
    assert "Welcome! No progress yet." in fresh.stdout
    assert "\x1b[" not in fresh.stdout  # a pipe is not a terminal: plain text
    for track in ("AI Developer", "Generative AI", "LLM Mastery", "AIOps"):
        assert track in fresh.stdout
    assert not state_file.exists()
    done = run_installed("done", "RAG", "vector-db")
    assert done.exit_code == 0, done.stderr
    assert "rag: pending → done" in done.stdout
    doc = json.loads(run_installed("status", "--json").stdout)
    by_id = {t["id"]: t for t in doc["tracks"]}
    assert by_id["ai-developer"]["done"] == 2 and by_id["generative-ai"]["done"] == 1


def test_installed_script_errors_are_one_line_with_documented_codes(
    run_installed: Runner, state_file: Path
) -> None:
    unknown = run_installed("done", "ragg")
    assert unknown.exit_code == 2
    assert (
        unknown.stderr
        == "roadmap: error: unknown topic 'ragg'; did you mean rag? ('roadmap topics' lists them)\n"
    )
    state_file.write_text("this is = = not toml")
    broken = run_installed("status")
    assert broken.exit_code == 1 and broken.stderr.count("\n") == 1
    assert "Traceback" not in broken.stderr
    bad_option = run_installed("status", "--colour")
    assert bad_option.exit_code == 2 and bad_option.stderr == (
        "roadmap: error: roadmap status has no option --colour; did you mean --no-color?"
        " See 'roadmap status --help'\n"
    )


def test_python_dash_m_runs_the_same_program(state_file: Path) -> None:
    env = {**os.environ, "ROADMAP_CATALOG": str(MINI)}
    proc = subprocess.run(
        [sys.executable, "-m", "roadmap_cli", "next", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert [s["id"] for s in json.loads(proc.stdout)["next"]] == ["python", "transformers"]
    version = subprocess.run(
        [sys.executable, "-m", "roadmap_cli", "--version"], capture_output=True, text=True
    )
    assert version.stdout.startswith("roadmap ")


def test_unanswered_confirmation_changes_nothing(state_file: Path) -> None:
    """No answer to the reset question (stdin closed): exit 1, one line, nothing changed."""
    env = {**os.environ, "ROADMAP_CATALOG": str(MINI)}
    subprocess.run(
        [sys.executable, "-m", "roadmap_cli", "done", "lora"],
        env=env,
        check=True,
        capture_output=True,
    )
    before = state_file.read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "roadmap_cli", "reset", "--track", "deep"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.endswith(
        "Reset 1 topic of Deep Models to pending, dropping 1 finish date? [y/N]: \n"
        "roadmap: error: no answer, nothing was reset; pass --yes to skip the question\n"
    )
    assert "Traceback" not in proc.stderr
    assert state_file.read_bytes() == before


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_finds_its_catalog_from_anywhere(tmp_path: Path) -> None:
    # The fresh environment's own pip (ensurepip's) builds and installs the wheel: the one
    # running the suite may have none (a virtual environment made by uv).
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    pip = [str(bin_dir / "python"), "-m", "pip", "--quiet", "--disable-pip-version-check"]
    dist = tmp_path / "dist"
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", str(dist), str(ROOT)], check=True, timeout=600
    )
    (wheel,) = dist.glob("ai_roadmap-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "roadmap_cli/catalogs/ai-engineer-2026.toml" in names
    subprocess.run([*pip, "install", str(wheel)], check=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ROADMAP_CATALOG", "PYTHONPATH", "VIRTUAL_ENV")
    }
    env["ROADMAP_STATE"] = str(tmp_path / "state" / "progress.toml")
    proc = subprocess.run(
        [str(bin_dir / "roadmap"), "status"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "AI Engineer Roadmap 2026" in proc.stdout and "0/20" in proc.stdout
    where = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "import roadmap_cli.storage.paths as p; print(p.bundled_catalog())",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert str(env_dir) in where and str(ROOT) not in where


def test_an_ascii_only_terminal_gets_replacements_not_a_crash(state_file: Path) -> None:
    env = {**os.environ, "ROADMAP_CATALOG": str(MINI), "PYTHONIOENCODING": "ascii"}
    cmd = [sys.executable, "-m", "roadmap_cli"]
    done = subprocess.run(
        [*cmd, "done", "rag", "--note", "café"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "rag: pending ? done" in done.stdout
    shown = subprocess.run([*cmd, "show", "rag", "--json"], capture_output=True, text=True, env=env)
    assert shown.returncode == 0 and json.loads(shown.stdout)["note"] == "café"
    assert "\\u00e9" in shown.stdout


def test_the_installed_script_delivers_all_its_output(run_installed: Runner) -> None:
    """The script ends without interpreter shutdown: what it printed must all be there, to
    the last byte, through a pipe (block-buffered) as through `python -m roadmap_cli`."""
    full = run_installed("topics", "--json")
    doc = json.loads(full.stdout)
    assert full.exit_code == 0 and len(full.stdout) > 8192 and full.stdout.endswith("}\n")
    assert len(doc["topics"]) == 61
    module = subprocess.run(
        [sys.executable, "-m", "roadmap_cli", "topics", "--json"], capture_output=True, text=True
    )
    assert module.stdout == full.stdout and module.returncode == 0
    usage = subprocess.run(
        [sys.executable, "-m", "roadmap_cli", "topics", "--status", "x"], capture_output=True
    )
    assert usage.returncode == 2 and usage.stderr.count(b"\n") == 1
