"""Every benchmark in benchmarks/ runs against the installed program and reports each of its
figures (the timings are read by people, never asserted). They take about a minute on two
cores, so they carry the `benchmark` mark: the README's test command leaves them out and
`.ci/run` runs them once (`pytest -m benchmark`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import benchmark_output, installed_script

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).resolve().parents[1]
TIMES = r"( [\d.]+ s \|){3} [\d.]+ MiB \|"  # median, min, max, peak RSS
BUNDLED_ROWS = {
    "help": r"`roadmap --help`",
    "status": r"`roadmap status`",
    "next": r"`roadmap next`",
    "topics": r"`roadmap topics`",
    "done": r"`roadmap done [a-z0-9-]+`",
    "export": r"`roadmap export --format markdown`",
    "completion": r"`roadmap done [a-z0-9-]+<TAB>` \(zsh completion\)",
    "cold status": r"`roadmap status` with an empty cache folder \(information\)",
}


def test_the_startup_benchmark_runs_and_reports_every_command() -> None:
    script = ROOT / "benchmarks" / "startup.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--quick", "--roadmap", installed_script()],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout

    for name, label in BUNDLED_ROWS.items():
        ratio = r" [\d.]+x (completion )?floor \|"
        assert re.search(rf"^\| {label} \|{TIMES}{ratio}", out, re.M), f"no {name} row:\n{out}"

    assert "## Scale" in out
    for size, tracks, events in (("500", "5", "5,000"), ("5,000", "50", "50,000")):
        for command in ("status", "export --format markdown"):
            row = rf"^\| {size} \| {tracks} \| {events} \| `roadmap {command}` \|{TIMES}"
            assert re.search(row, out, re.M), f"no {command} at {size} topics:\n{out}"
            assert f"| `roadmap {command}` | 500 → 5,000 | " in out
    assert re.search(r"^\| `export --format markdown` at 5,000 topics \| [\d.]+ s \|", out, re.M)


def test_the_sync_benchmark_runs_and_reports_its_ratio() -> None:
    out = benchmark_output("sync.py")
    assert re.search(r"^\| `roadmap sync` \|( [\d.]+ s \|){3}$", out, re.M), out
    assert re.search(r"^\| `git pull && git push` \(floor\) \|", out, re.M)
    assert re.search(r"^Ratio .*: [\d.]+x$", out, re.M)


def test_the_guards_benchmark_runs_and_reports_each_command() -> None:
    out = benchmark_output("guards.py", installed=False)
    rows = [line for line in out.splitlines() if line.startswith("| `roadmap")]
    assert [row.split("`")[1].split(" DIR")[0] for row in rows] == ["roadmap status"] + [
        "roadmap cohort"
    ] * 3
    for row in rows:
        assert re.search(r"\| [\d.]+ s \| [\d.]+ s \| [\d.]+x \| [\d.]+x \| ≤ 1.05x \|", row), row


def test_the_cohort_benchmark_runs() -> None:
    """The benchmark itself works (its timings are read by people, not asserted)."""
    out = benchmark_output("cohort.py", installed=False)
    assert "cohort of 50 exports" in out and "cohort / floor:" in out


def test_the_large_export_benchmark_runs_and_reports_its_targets() -> None:
    out = benchmark_output("large_export.py")
    assert re.search(r"^Export: 3,000 reviews, [\d.]+ MB$", out, re.M), out
    assert re.search(r"^\| `roadmap import FILE --merge`, no progress yet \|", out, re.M)
    assert re.search(r"^Import: [\d.]+ s \(target under 3 s\)$", out, re.M)
    assert re.search(r"^Cohort: [\d.]+ s a file \(target under 1 s\)$", out, re.M)
