"""How long `roadmap sync` takes, against `git pull && git push` of the same repository.

    python benchmarks/sync.py --roadmap PATH            # 5,000 history records, 11 rounds
    python benchmarks/sync.py --roadmap PATH --quick    # 500 records, 2 rounds: that it works

Two machines (homes of their own) sync with a bare repository in a temporary folder. In each
round the other machine changes a topic and syncs, so that the remote has moved on; then this
machine changes another topic, and one of the two variants runs, timed:

- `roadmap sync`: commit (the message read from the history), fetch, merge (git runs
  `roadmap merge-driver`, as both sides changed the progress file), push;
- `git pull --no-edit && git push`, after a `git commit -a` that is not timed: the same
  fetch, merge (with the same driver) and push, by hand.

The two variants alternate, each round one of each, so that both share the machine's load;
the ratio is the median over the rounds of sync / pull-and-push. The target is at most 2x.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from roadmap_cli.core.records import FieldChange, new_record  # noqa: E402
from roadmap_cli.storage import catalog_file, paths  # noqa: E402

GIT = shutil.which("git") or "git"


class Machine:
    def __init__(self, root: Path, name: str, roadmap: str) -> None:
        self.home = root / name
        self.folder = self.home / "progress"
        self.folder.mkdir(parents=True)
        self.roadmap = roadmap
        self.env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_DATA_HOME": str(self.home / "data"),
            "XDG_CONFIG_HOME": str(self.home / "config"),
            "XDG_CACHE_HOME": str(self.home / "cache"),
            "ROADMAP_STATE": str(self.folder / "progress.toml"),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run(self, *args: str) -> None:
        subprocess.run([self.roadmap, *args], check=True, env=self.env, stdout=subprocess.DEVNULL)

    def git(self, *args: str) -> None:
        subprocess.run(
            [GIT, "-C", str(self.folder), *args],
            check=True,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def timed(self, command: list[str]) -> float:
        began = time.perf_counter()
        subprocess.run(
            command,
            check=True,
            env=self.env,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - began


def write_history(machine: Machine, records: int) -> list[str]:
    """A learner's progress with `records` changes in its history; the topic ids."""
    catalog, problems = catalog_file.check_file(paths.bundled_catalog())
    assert catalog is not None, problems
    topic_ids = [t.id for t in catalog.topics]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lines = []
    for n in range(records):
        topic = topic_ids[n % len(topic_ids)]
        moment = start + timedelta(minutes=10 * n)
        old = {"status": "in-progress", "updated": moment.isoformat()}
        new = {**old, "note": f"note {n}"}
        record = new_record(f"note {topic}", [FieldChange(f"topics.{topic}", old, new)], moment)
        lines.append(record.to_json() + "\n")
    (machine.folder / "progress.history.jsonl").write_text("".join(lines), encoding="utf-8")
    for topic in topic_ids[:40]:
        machine.run("start", topic)  # the progress file, and forty more records
    return topic_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roadmap", default=shutil.which("roadmap"), help="the program")
    parser.add_argument("--quick", action="store_true", help="500 records, 2 rounds")
    args = parser.parse_args()
    assert args.roadmap, "no roadmap program: give --roadmap PATH"
    records, rounds = (500, 2) if args.quick else (5_000, 11)
    with tempfile.TemporaryDirectory(prefix="roadmap-sync-bench-") as tmp:
        root = Path(tmp)
        remote = root / "remote.git"
        subprocess.run([GIT, "init", "--quiet", "--bare", str(remote)], check=True)
        here, other = Machine(root, "here", args.roadmap), Machine(root, "other", args.roadmap)
        topics = write_history(here, records)
        for machine in (here, other):
            machine.run("sync", "setup", str(remote))
            machine.git("config", "user.name", "Learner")
            machine.git("config", "user.email", "learner@example.org")
            machine.git("config", "pull.rebase", "false")
            machine.run("sync")
        here.run("sync")
        size = (here.folder / "progress.history.jsonl").stat().st_size
        times: dict[str, list[float]] = {"sync": [], "git": []}
        ratios = []
        for n in range(rounds):
            pair = {}
            for variant in ("sync", "git") if n % 2 == 0 else ("git", "sync"):
                other.run("note", topics[(2 * n) % 40], f"round {n} {variant} there")
                other.run("sync")
                here.run("note", topics[(2 * n + 1) % 40], f"round {n} {variant} here")
                if variant == "sync":
                    pair[variant] = here.timed([args.roadmap, "sync"])
                else:
                    here.git("commit", "--quiet", "-am", f"round {n}")
                    pair[variant] = here.timed(
                        ["sh", "-c", f"{GIT} pull --quiet --no-edit && {GIT} push --quiet"]
                    )
                times[variant].append(pair[variant])
            ratios.append(pair["sync"] / pair["git"])
        lines = subprocess.run(
            [GIT, "-C", str(here.folder), "show", "HEAD:progress.history.jsonl"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.count("\n")
    print(f"History: {lines:,} records ({size / 2**20:.1f} MiB at the start); {rounds} rounds")
    print()
    print("| command | median | min | max |")
    print("| --- | ---: | ---: | ---: |")
    for label, key in (("`git pull && git push` (floor)", "git"), ("`roadmap sync`", "sync")):
        found = times[key]
        print(
            f"| {label} | {statistics.median(found):.3f} s | {min(found):.3f} s"
            f" | {max(found):.3f} s |"
        )
    print()
    print(f"Ratio (median of rounds' sync / pull-and-push): {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
