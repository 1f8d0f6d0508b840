"""How long `roadmap cohort` takes over many learners' exports (whole process, wall clock).

    python benchmarks/cohort.py            # 2,000 exports of the bundled catalog
    python benchmarks/cohort.py --quick    # 50 exports: checks that it works, not how fast

It writes realistic exports (every learner has touched a random share of the topics, has a
few projects and a history of changes), then runs `roadmap cohort DIR --format json` a few
times and prints the median, min and max, next to the floor of the stack measured in the same
run (`python -c "import typer, rich.console, rich.table"`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
from roadmap_cli.core.state import Project, State, TopicProgress  # noqa: E402
from roadmap_cli.render.documents import dumps  # noqa: E402
from roadmap_cli.render.export import to_json_document  # noqa: E402
from roadmap_cli.storage import catalog_file, paths  # noqa: E402


def make_exports(folder: Path, count: int, seed: int = 1) -> None:
    catalog, problems = catalog_file.check_file(paths.bundled_catalog())  # no cache written
    assert catalog is not None, problems
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    topic_ids = [t.id for t in catalog.topics]
    for n in range(count):
        state = State(catalog=catalog.id, focus=rng.choice(list(catalog.track_by_id)))
        records = []
        for topic_id in rng.sample(topic_ids, rng.randint(0, len(topic_ids))):
            moment = start + timedelta(minutes=rng.randint(0, 300_000))
            entry = TopicProgress(
                status=rng.choice(["in-progress", "done", "done", "skipped"]),
                started=moment,
                updated=moment,
                note=rng.choice([None, "a note about what I learned"]),
            )
            state.topics[topic_id] = entry
            records.append(
                new_record(
                    f"done {topic_id}", [FieldChange(f"topics.{topic_id}", None, {"x": 1})], moment
                )
            )
        for p in range(rng.randint(0, 3)):
            track = rng.choice(catalog.tracks)
            state.projects[f"project-{p}"] = Project(
                title=f"Project {p}",
                track=track.id,
                status=rng.choice(["planned", "done"]),
                created=start,
                updated=start,
            )
        document = to_json_document(
            catalog, state, when=start, learner=f"learner {n}", records=records
        )
        text = dumps(document) + "\n"
        (folder / f"learner-{n:05d}.json").write_text(text, encoding="utf-8")


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 exports, 1 round")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    count, rounds = (50, 1) if args.quick else (args.count, args.rounds)
    roadmap = Path(sys.executable).parent / "roadmap"
    with tempfile.TemporaryDirectory() as folder:
        make_exports(Path(folder), count)
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
        home = Path(folder) / "home"  # the program's cache goes here, not in the user's
        env = {
            **os.environ,
            "ROADMAP_STATE": str(Path(folder) / "unused.toml"),
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
        }
        env.pop("ROADMAP_CATALOG", None)
        floor_cmd = [sys.executable, "-c", "import typer, rich.console, rich.table"]
        cohort_cmd = [str(roadmap), "cohort", folder, "--format", "json"]
        floors, runs = [], []
        for _ in range(rounds):  # interleaved, so both see the same machine load
            floors.append(timed(floor_cmd, env))
            runs.append(timed(cohort_cmd, env))
        out = subprocess.run(cohort_cmd, check=True, capture_output=True, text=True, env=env)
        learners = len(json.loads(out.stdout)["learners"])
    assert learners == count, f"the report holds {learners} learners, not {count}"
    print(f"cohort of {count} exports ({size / 1e6:.1f} MB), {rounds} round(s)")
    for name, times in (("floor", floors), ("cohort", runs)):
        print(
            f"  {name:6} median {statistics.median(times):.3f} s"
            f"  min {min(times):.3f}  max {max(times):.3f}"
        )
    print(f"  cohort / floor: {statistics.median(runs) / statistics.median(floors):.1f}x")
    if not args.quick:
        verdict = "within" if statistics.median(runs) <= 3.0 else "OVER"
        print(f"  target: 2,000 exports in under 3 s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
