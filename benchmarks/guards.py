"""What the sanitiser and the limits on untrusted input cost: `status` and a 2,000-learner
cohort, each timed as it is and with the guards taken out, in the same run.

    python benchmarks/guards.py            # 41 rounds of status, 11 of each cohort format
    python benchmarks/guards.py --quick    # 2 rounds, 50 exports: that it works

Both variants start the same way, from compiled bytecode: `python -c WRAPPER`, where the
wrapper imports the modules the guards live in and then runs `roadmap_cli.cli.main.run()`.
In the bare variant it first replaces the guards with what they stand in front of: the
sanitiser (`core.sanitize`) passes text through, a file is read with `open().read()` with no
type or size check, and an export is not held to nesting, count or time limits before
pydantic reads it. The two run side by side in each round; the median over the rounds of
guarded / bare is what the guards cost, and the target is at most 1.05x (issue "Nothing from
outside can hurt a learner"). Both variants must print the same output, or the run stops.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGET = 1.05

# Imported by both variants, so that they load the same modules before `run()`.
COMMON = """
import sys
from roadmap_cli.core import sanitize
from roadmap_cli.storage import files
"""
# What the cohort reads through: imported by both variants of a cohort run.
COHORT = """
from roadmap_cli.formats import export_schema
"""
BARE = """
def plain(text, *args, **kwargs):
    return text

def plain_data(value):
    return value

def read(path, limit=None):
    with open(path, "rb") as handle:
        return handle.read()

for name in ("stored", "clean", "one_line", "spreadsheet_cell"):
    setattr(sanitize, name, plain)
sanitize.clean_data = plain_data
files.read_regular = read
"""
BARE_COHORT = """
export_schema._nesting_at_most = lambda data, limit: True
export_schema._too_many = lambda data, limits: None
export_schema._implausible_time = lambda export, now: None
"""
RUN = """
from roadmap_cli.cli.main import run
sys.argv[0] = "roadmap"
run()
"""


def wrapper(bare: bool, cohort: bool) -> str:
    parts = [COMMON, COHORT if cohort else ""]
    if bare:
        parts += [BARE, BARE_COHORT if cohort else ""]
    return "".join(parts) + RUN


def timed(argv: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - began


def isolated(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ROADMAP_")}
    for var, sub in (
        ("HOME", ""),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
    ):
        env[var] = str(home / sub)
    env["COLUMNS"] = "100"
    return env


def compare(
    label: str, args: list[str], env: dict[str, str], rounds: int, cohort: bool
) -> tuple[str, float, float, float, float]:
    """Median seconds guarded and bare, and their ratio, over interleaved rounds."""
    guarded = [sys.executable, "-c", wrapper(False, cohort), *args]
    bare = [sys.executable, "-c", wrapper(True, cohort), *args]
    # untimed first runs: fill the caches, and check that both print the same thing
    outputs = [
        subprocess.run(argv, check=True, capture_output=True, env=env).stdout
        for argv in (guarded, bare)
    ]
    if outputs[0] != outputs[1]:
        raise SystemExit(f"{label}: the bare variant prints something else; not comparable")
    times: dict[str, list[float]] = {"guarded": [], "bare": []}
    for n in range(rounds):
        order = [("guarded", guarded), ("bare", bare)]
        for name, argv in order if n % 2 == 0 else order[::-1]:
            times[name].append(timed(argv, env))
    g, b = statistics.median(times["guarded"]), statistics.median(times["bare"])
    # Each round's two runs are neighbours in time, so their ratio is free of the slow swings
    # of a shared machine; the median of those ratios is what the guards cost.
    paired = statistics.median(x / y for x, y in zip(times["guarded"], times["bare"], strict=True))
    return label, g, b, paired, min(times["guarded"]) / min(times["bare"])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds, 50 exports")
    args = parser.parse_args()
    from cohort import make_exports
    from startup import bundled_ids, write_learner

    # Compiled once, as an installed program is: no run pays for compiling the source.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src")],
        check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )
    count = 50 if args.quick else 2_000
    status_rounds, cohort_rounds = (2, 1) if args.quick else (41, 11)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        env = isolated(base / "home")
        learner = write_learner(base / "learner", bundled_ids(), 1_000, "simple-deployment")
        status_env = {**env, "ROADMAP_STATE": str(learner)}
        rows.append(compare("`roadmap status`", ["status"], status_env, status_rounds, False))
        exports = base / "exports"
        exports.mkdir()
        make_exports(exports, count)
        cohort_env = {**env, "ROADMAP_STATE": str(base / "unused.toml")}
        for fmt in ("json", "table", "csv"):
            rows.append(
                compare(
                    f"`roadmap cohort DIR --format {fmt}` ({count:,} exports)",
                    ["cohort", str(exports), "--format", fmt],
                    cohort_env,
                    cohort_rounds,
                    True,
                )
            )
        check = subprocess.run(
            [sys.executable, "-c", wrapper(False, True), "cohort", str(exports), "-f", "json"],
            check=True,
            capture_output=True,
            env=cohort_env,
        )
        assert len(json.loads(check.stdout)["learners"]) == count
    print(f"guards: {status_rounds} round(s) of status, {cohort_rounds} of each cohort")
    print(
        "| command | guarded (median) | bare (median) | ratio (median of rounds)"
        " | ratio of the fastest runs | target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    over = False
    for label, guarded, bare, ratio, fastest in rows:
        print(
            f"| {label} | {guarded:.3f} s | {bare:.3f} s | {ratio:.3f}x | {fastest:.3f}x"
            f" | ≤ {TARGET}x |"
        )
        over |= ratio > TARGET
    if not args.quick:
        print("every target met" if not over else "OVER a target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
