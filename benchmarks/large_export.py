"""How long a large but valid export takes to import and to report on in a cohort.

    python benchmarks/large_export.py --roadmap PATH            # 300,000 reviews, 3 rounds
    python benchmarks/large_export.py --roadmap PATH --quick    # 3,000 reviews, 1 round

The export is made as a learner's would be: a seed progress with the real program in a home
of its own (topics done on past days, time spent, reviews, a note, a project, a focus),
exported with `roadmap export --format json`, then given `--rows` reviews spread over its 40
done topics, each at a past second of its own after the topic's finish, rated as learners
rate (again, hard, good, easy), with the review dates this version gives them. Written
without row ids and without indentation, as an export from before row ids: 300,000 reviews
make 15 MB, under the 16 MiB an import reads by default, and the ids are derived on import.

Timed, each round in a fresh home, beside the floor of the stack in the same run:
- `roadmap import FILE --merge` into no progress;
- `roadmap import FILE --merge` into a progress of its own (a few topics done);
- `roadmap cohort DIR --format json` over 1 and over 3 such exports.

Targets (issue "One set of rules wherever progress travels"): the import under 3 s, the
cohort under 1 s a file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

RATINGS = ("again", "hard", "good", "easy")
WEIGHTS = (0.08, 0.17, 0.6, 0.15)
FLOOR = [sys.executable, "-c", "import typer, rich.console, rich.table"]


def home(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ROADMAP_"))}
    env.update(
        HOME=str(root),
        XDG_DATA_HOME=str(root / "data"),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_CACHE_HOME=str(root / "cache"),
        ROADMAP_STATE=str(root / "data" / "progress.toml"),
        NO_COLOR="1",
    )
    root.mkdir(parents=True, exist_ok=True)
    return env


def run(roadmap: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [roadmap, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise SystemExit(f"roadmap {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def seed(roadmap: str, root: Path, name: str) -> dict:
    """A real export of a small progress, made with the real program."""
    env = home(root)
    ids = [t["id"] for t in json.loads(run(roadmap, env, "topics", "--json"))["topics"]]
    start = datetime.now(UTC).date() - timedelta(days=700)
    done = ids[:40]
    for n in range(0, len(done), 5):
        day = (start + timedelta(days=3 * n)).isoformat()
        run(roadmap, env, "done", *done[n : n + 5], "--date", day)
    run(roadmap, env, "start", ids[40], "--date", (start + timedelta(days=200)).isoformat())
    run(roadmap, env, "note", done[0], "first topic done; revisit embeddings")
    for topic in done[:3]:
        run(roadmap, env, "time", topic, "90m", "--date", (start + timedelta(days=150)).isoformat())
    track = json.loads(run(roadmap, env, "tracks", "--json"))["tracks"][0]["id"]
    run(roadmap, env, "focus", track)
    run(roadmap, env, "project", "add", "PDF Q&A bot", "--track", track)
    out = root / "seed.json"
    run(roadmap, env, "export", "--format", "json", "--output", str(out), "--name", name)
    doc: dict = json.loads(out.read_text(encoding="utf-8"))
    return doc


def inflate(doc: dict, rows: int, rng: random.Random) -> dict:
    """`rows` reviews spread over the done topics, each at a second of its own."""
    topics = doc["state"]["topics"]
    done = sorted(t for t, e in topics.items() if e["status"] == "done")
    end = datetime.fromisoformat(doc["exported_at"]) - timedelta(hours=1)
    for n, topic_id in enumerate(done):
        count = rows // len(done) + (1 if n < rows % len(done) else 0)
        entry = topics[topic_id]
        finished = datetime.fromisoformat(entry["finished"])
        span = int((end - finished).total_seconds())
        moments = sorted(
            finished + timedelta(seconds=s) for s in rng.sample(range(60, span), count)
        )
        entry["reviews"] = [
            {"at": m.strftime("%Y-%m-%dT%H:%M:%SZ"), "rating": rng.choices(RATINGS, WEIGHTS)[0]}
            for m in moments
        ]
        for row in entry.get("spent", []):
            row.pop("id", None)  # as an export from before row ids
        entry["updated"] = entry["reviews"][-1]["at"] if moments else entry["updated"]
        _schedule(topic_id, entry, doc["state"])
    return doc


def _schedule(topic_id: str, entry: dict, state: dict) -> None:  # (the importer replays them)
    """The review dates this version gives the topic, as its export holds them."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from roadmap_cli.core import review
    from roadmap_cli.core.state import json_time, topic_from

    found = topic_from({**entry, "status": "done"})
    review.reschedule(topic_id, found, state.get("retention") or review.DEFAULT_RETENTION)
    assert found.due is not None
    entry["due"], entry["stability"] = json_time(found.due), found.stability


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roadmap", default=shutil.which("roadmap") or "roadmap")
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="3,000 reviews, 1 round")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.rounds = 3_000, 1
    with tempfile.TemporaryDirectory(prefix="roadmap-bench-") as folder:
        root = Path(folder)
        doc = inflate(seed(args.roadmap, root / "seed", "Ana"), args.rows, random.Random(1))
        exports = root / "cohort"
        exports.mkdir()
        for name in ("ana", "ben", "chloe"):
            doc["learner"] = name.title()
            text = json.dumps(doc, ensure_ascii=False)
            (exports / f"{name}.json").write_text(text, encoding="utf-8")
        one = root / "one"
        one.mkdir()
        shutil.copy(exports / "ana.json", one / "ana.json")
        big = exports / "ana.json"
        rows = sum(len(e.get("reviews", [])) for e in doc["state"]["topics"].values())
        print(f"Export: {rows:,} reviews, {big.stat().st_size / 1e6:.1f} MB\n")
        times: dict[str, list[float]] = {}
        for n in range(args.rounds):
            env = home(root / f"empty-{n}")
            times.setdefault("floor", []).append(timed(FLOOR, env))
            imports = [args.roadmap, "import", str(big), "--merge"]
            times.setdefault("import", []).append(timed(imports, env))
            env = home(root / f"own-{n}")
            run(args.roadmap, env, "done", "python", "rag", "--date", "2026-01-05")
            run(args.roadmap, env, "review", "python", "--rate", "good", "--date", "2026-02-01")
            times.setdefault("import-own", []).append(timed(imports, env))
            for count, where in ((1, one), (3, exports)):
                cohort = [args.roadmap, "cohort", str(where), "--format", "json"]
                times.setdefault(f"cohort-{count}", []).append(timed(cohort, env) / count)
        floor = statistics.median(times["floor"])
        names = {
            "floor": "`python -c 'import typer, rich'` (floor)",
            "import": "`roadmap import FILE --merge`, no progress yet",
            "import-own": "`roadmap import FILE --merge`, into progress of its own",
            "cohort-1": "`roadmap cohort DIR` over 1 export, a file",
            "cohort-3": "`roadmap cohort DIR` over 3 exports, a file",
        }
        print("| command | median | min | max | ratio to floor |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for key, label in names.items():
            found = times[key]
            median = statistics.median(found)
            print(
                f"| {label} | {median:.2f} s | {min(found):.2f} s | {max(found):.2f} s"
                f" | {median / floor:.1f}x |"
            )
        worst = max(statistics.median(times["import"]), statistics.median(times["import-own"]))
        cohort = max(statistics.median(times["cohort-1"]), statistics.median(times["cohort-3"]))
        print(f"\nImport: {worst:.2f} s (target under 3 s)")
        print(f"Cohort: {cohort:.2f} s a file (target under 1 s)")


if __name__ == "__main__":
    main()
