"""The start-up benchmark runs and reports every figure (its timings are read by people)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import installed_script

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
