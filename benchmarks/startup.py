"""How long `roadmap` takes to start and answer, next to the floor of its stack (whole processes).

    python benchmarks/startup.py               # 15 rounds on the bundled catalog, 5 at scale
    python benchmarks/startup.py --quick       # 2 rounds, 500 and 5,000 topics: that it works
    python benchmarks/startup.py --rounds 5    # another number of rounds, in both sections
    python benchmarks/startup.py --json FILE   # the figures as JSON as well

Every command is a new process of the installed `roadmap` script (the one beside this Python,
or `--roadmap PATH`), run in interleaved rounds (each round runs every command once, in a
shuffled order) together with two floors measured in the same run with the script's own
Python: `python -c "import typer, rich.console, rich.table"`, the floor of every command, and
`python -c "import typer"`, the floor of shell completion. Each command runs once untimed
first; HOME and the XDG folders point into a temporary folder.

Bundled: the bundled catalog and a busy learner (every topic touched, 20 projects, 1,000
history events): `--help`, `status`, `next`, `topics`, `done TOPIC` (each run really writes:
the progress and history files, and the program's cache entry for them, are restored before
it and checked after it), `export --format markdown`, the completion of a topic id, and
`status` with an empty cache folder; and, for information, the floor without the
interpreter's teardown at exit. Scale: generated catalogs of 500, 5,000 and 50,000 topics
(100 a track), every topic touched, 20 projects and 10 history events a topic: `status` and
`export --format markdown`.

It prints the median, min and max wall time and the peak RSS of each command, its ratio to its
floor next to the issue's target, and how time grows with the number of topics. The exit code
is 1 only when a command fails; a missed target is reported, never a failure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from roadmap_cli.core import records, transitions  # noqa: E402
from roadmap_cli.core.state import RATINGS, Project, State, TopicProgress  # noqa: E402
from roadmap_cli.storage import history_file, paths  # noqa: E402
from roadmap_cli.storage.state_file import render  # noqa: E402

FLOOR_CODE = "import typer, rich.console, rich.table"
TYPER_FLOOR_CODE = "import typer"
FULL_ROUNDS, FULL_SCALE_ROUNDS = 15, 5
QUICK_ROUNDS, QUICK_SCALE_ROUNDS = 2, 1
FULL_SIZES, QUICK_SIZES = (500, 5_000, 50_000), (500, 5_000)
MAIN_SIZE = 5_000
TOPICS_PER_TRACK = 100
PROJECTS = 20
BUNDLED_EVENTS = 1_000
EVENTS_PER_TOPIC = 10
GROWTH_TARGET = 10.0
# The targets: a command's median over its floor's median.
RATIO_TARGETS = {
    "help": 1.10,
    "status": 1.25,
    "next": 1.25,
    "topics": 1.25,
    "done": 1.25,
    "completion": 1.20,
    # Spaced review (issue "Remember what you learned"): within the start-up targets.
    "review-status": 1.25,
    "review-list": 1.25,
    # Pace, goals, plan and map (issue "Pace, goals, a weekly plan, and the map of the roadmap").
    "status-goal": 1.25,
    "plan": 1.25,
    "map": 1.25,
}
REVIEWED_TOPICS = 60  # done topics of the reviewing learner
REVIEWS = 2_000  # their reviews, each in the progress file and a record in the history
SCALE_STATUS_TARGET = 3.0  # status at 5,000 topics over status on the bundled catalog
SCALE_EXPORT_TARGET = 1.0  # seconds for export at 5,000 topics
SCALE_RSS_TARGET = 2.0  # peak RSS at 5,000 topics over the floor's
TOPIC_STATUSES: tuple[Literal["in-progress", "done", "skipped"], ...] = (
    "in-progress",
    "done",
    "skipped",
)
PROJECT_STATUSES: tuple[Literal["planned", "in-progress", "done"], ...] = (
    "done",
    "in-progress",
    "planned",
    "done",
)
PORTFOLIO = {
    "problem": "Support staff spent hours finding answers in a 2,000-page product manual.",
    "architecture": "FastAPI service, hybrid retrieval over pgvector, a small reranker.",
    "evaluation": "120 real questions with graded answers; 87% judged correct, up from 61%.",
    "deployment": "Container on a managed service behind the company's single sign-on.",
    "tradeoffs": "A smaller model with retrieval beat a larger one on cost and latency.",
}


class BenchmarkError(Exception):
    """A command failed or did not do what it is timed for: the figures would be wrong."""


@dataclass
class Command:
    key: str
    label: str  # the command line as a user would type it
    argv: list[str]
    env: dict[str, str]
    floor: str | None = None  # key of the floor it is compared with; None: it is a floor
    prints: str | None = None  # what its output holds (checked untimed); None: not checked
    before: Callable[[], None] | None = None  # untimed, before every run
    after: Callable[[], None] | None = None  # untimed, after every run
    times: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def peak_kib(self) -> int:
        return max(self.rss_kib)

    def figures(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "command": self.label,
            "median_s": round(self.median, 4),
            "min_s": round(min(self.times), 4),
            "max_s": round(max(self.times), 4),
            "peak_rss_kib": self.peak_kib,
            "runs": len(self.times),
        }


@dataclass
class CatalogIds:
    id: str
    title: str
    tracks: dict[str, list[str]]  # track id: its topic ids in order
    outcomes: dict[str, list[str]]  # track id: its outcome ids

    @property
    def topics(self) -> list[str]:
        seen: dict[str, None] = {}
        for topic_ids in self.tracks.values():
            seen.update(dict.fromkeys(topic_ids))
        return list(seen)


@dataclass
class Check:
    what: str
    value: float
    target: float | None
    unit: str = "x"

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "-"
        return "ok" if self.value <= self.target else "MISS"

    @property
    def figure(self) -> str:
        return f"{self.value:.3f} s" if self.unit == "s" else f"{self.value:.2f}x"

    @property
    def limit(self) -> str:
        if self.target is None:
            return "-"
        return f"≤ {self.target:g} s" if self.unit == "s" else f"≤ {self.target:g}x"


# Running and timing


# The timed processes are started by this small launcher, not by the benchmark itself: on
# Linux a child's peak RSS counts the memory of the process it was forked from, and the
# benchmark holds the generated test data.
LAUNCHER = """
import json, os, subprocess, sys, tempfile, time
with tempfile.TemporaryFile() as err:
    for line in sys.stdin:
        job = json.loads(line)
        err.seek(0)
        err.truncate()
        began = time.perf_counter()
        proc = subprocess.Popen(
            job["argv"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            env=job["env"],
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        said = err.read().decode("utf-8", "replace") if proc.returncode else ""
        reply = {"seconds": seconds, "maxrss": usage.ru_maxrss, "code": proc.returncode,
                 "stderr": said}
        print(json.dumps(reply), flush=True)
"""


class Launcher:
    """Runs one command at a time: its wall time from start to exit, and its peak RSS."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()

    def run(self, command: Command) -> tuple[float, int]:
        """Seconds and KiB of one run (hooks untimed); BenchmarkError if it fails."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if command.before is not None:
            command.before()
        self.proc.stdin.write(json.dumps({"argv": command.argv, "env": command.env}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise BenchmarkError("the launcher of the timed commands stopped")
        reply = json.loads(line)
        if reply["code"] != 0:
            said = reply["stderr"].strip()
            raise BenchmarkError(f"`{command.label}` exited with {reply['code']}:\n{said}")
        if command.after is not None:
            command.after()
        maxrss = int(reply["maxrss"])
        return float(reply["seconds"]), maxrss // 1024 if sys.platform == "darwin" else maxrss


def check_once(command: Command) -> None:
    """Run a command untimed, as a warm-up (OS caches, and any cache the program builds on
    its first run), and check that it prints what it should."""
    if command.before is not None:
        command.before()
    proc = subprocess.run(
        command.argv, stdin=subprocess.DEVNULL, capture_output=True, env=command.env
    )
    out = proc.stdout.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", errors="replace").strip()
        raise BenchmarkError(f"`{command.label}` exited with {proc.returncode}:\n{said}")
    if command.prints is not None and (not out.strip() or command.prints not in out):
        raise BenchmarkError(
            f"`{command.label}` printed {out[:300]!r}, expected it to hold {command.prints!r}"
        )
    if command.after is not None:
        command.after()


def measure(commands: list[Command], rounds: int, rng: random.Random) -> None:
    for command in commands:
        check_once(command)
    with Launcher() as launcher:
        for _ in range(rounds):
            order = list(commands)
            rng.shuffle(order)
            for command in order:
                elapsed, kib = launcher.run(command)
                command.times.append(elapsed)
                command.rss_kib.append(kib)


# The environment


def interpreter_of(script: Path) -> str:
    """The Python a console script runs with (its shebang), else this one."""
    try:
        with script.open("rb") as handle:
            first = handle.readline().decode("utf-8", errors="replace").strip()
    except OSError:
        return sys.executable
    if first.startswith("#!"):
        candidate = Path(first[2:].strip().split(" ")[0])
        if candidate.name.startswith("python") and os.access(candidate, os.X_OK):
            return str(candidate)
    return sys.executable


def isolated_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ROADMAP_", "_ROADMAP_", "_TYPER_"))
        and k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")
        # An installed program runs from compiled bytecode; without it an editable install
        # would compile the project's modules again on every run.
        and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["HOME"] = str(home)
    for var, sub in (
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    return env


def output_of(argv: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise BenchmarkError(f"`{' '.join(argv)}` exited with {proc.returncode}:\n{proc.stderr}")
    return proc.stdout.strip()


def memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f", {int(line.split()[1]) / 1024**2:.0f} GiB"
    except OSError:
        pass
    return ""


# Test data


def bundled_ids() -> CatalogIds:
    data = tomllib.loads(paths.bundled_catalog().read_text(encoding="utf-8"))
    return CatalogIds(
        id=data["id"],
        title=data["title"],
        tracks={t["id"]: list(t["topics"]) for t in data["tracks"]},
        outcomes={t["id"]: [o["id"] for o in t.get("outcomes", [])] for t in data["tracks"]},
    )


def toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def write_catalog(path: Path, size: int) -> CatalogIds:
    """A valid catalog of `size` topics, 100 a track, each topic in one track; prerequisites
    point at earlier topics of the same track, so there is no cycle."""
    count = size // TOPICS_PER_TRACK
    track_ids = [f"track-{k}" for k in range(1, count + 1)]
    ids = CatalogIds(
        id=f"scale-{size}",
        title=f"Scale test, {size:,} topics",
        tracks={
            t: [f"topic-{k}-{p}" for p in range(1, TOPICS_PER_TRACK + 1)]
            for k, t in enumerate(track_ids, 1)
        },
        outcomes={t: [f"{t}-capstone"] for t in track_ids},
    )
    out = [
        "format = 1",
        f"id = {json.dumps(ids.id)}",
        f"title = {json.dumps(ids.title)}",
        'description = "A generated catalog for timing roadmap at scale."',
        f"progression = {toml_list(track_ids)}",
    ]
    for k, (track_id, topic_ids) in enumerate(ids.tracks.items(), 1):
        out += [
            "",
            "[[tracks]]",
            f'id = "{track_id}"',
            f'title = "Track {k}"',
            f'summary = "The skills of track {k}, from the basics to production."',
            f"topics = {toml_list(topic_ids)}",
            "recruiters_look_for = [",
            '  "shipped projects",',
            f'  {{ what = "depth in track {k}", shown_by = {toml_list(topic_ids[-2:])} }},',
            "]",
            "",
            "[[tracks.outcomes]]",
            f'id = "{ids.outcomes[track_id][0]}"',
            f'title = "Capstone of track {k}"',
            f'summary = "A project that uses the main topics of track {k}."',
            f"uses = {toml_list(topic_ids[:3])}",
        ]
    for k, topic_ids in enumerate(ids.tracks.values(), 1):
        for p, topic_id in enumerate(topic_ids):
            out += [
                "",
                "[[topics]]",
                f'id = "{topic_id}"',
                f'title = "Topic {k}.{p + 1}"',
                f'summary = "What topic {p + 1} of track {k} teaches, in one sentence."',
            ]
            requires = [topic_ids[p - 1]] if p % 2 == 1 else []
            if p >= 7 and p % 7 == 0:
                requires.append(topic_ids[p - 7])
            if requires:
                out.append(f"requires = {toml_list(requires)}")
            if p % 4 == 0:
                out += [
                    "[[topics.resources]]",
                    f'title = "Reference for topic {k}.{p + 1}"',
                    f'url = "https://example.org/docs/{topic_id}"',
                ]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return ids


def moments(count: int) -> list[datetime]:
    """`count` times spread over the past year, oldest first, to the second."""
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    step = timedelta(days=365) / max(count, 1)
    return [(end - (count - n) * step).replace(microsecond=0) for n in range(count)]


def busy_state(ids: CatalogIds, rng: random.Random, target: str) -> State:
    """Every topic touched (`target` in progress), 20 projects spread over the tracks."""
    topic_ids = ids.topics
    times = moments(2 * len(topic_ids))
    topics: dict[str, TopicProgress] = {}
    for n, topic_id in enumerate(topic_ids):
        status = "in-progress" if topic_id == target else rng.choices(TOPIC_STATUSES, [3, 6, 1])[0]
        started, finished = times[2 * n], times[2 * n + 1]
        note = rng.choice([None, None, "Worked through the guide and wrote a small demo."])
        topics[topic_id] = TopicProgress(
            status=status,
            started=started,
            finished=finished if status == "done" else None,
            updated=finished if status == "done" else started,
            note=note,
        )
    track_ids = list(ids.tracks)
    project_times = moments(4 * PROJECTS)
    projects: dict[str, Project] = {}
    for k in range(PROJECTS):
        track_id = track_ids[k % len(track_ids)]
        project_status = PROJECT_STATUSES[k % len(PROJECT_STATUSES)]
        done = project_status == "done"
        created, started, finished = project_times[4 * k : 4 * k + 3]
        outcomes: list[str | None] = [*ids.outcomes.get(track_id, [])] or [None]
        portfolio = {name: (text if done else None) for name, text in PORTFOLIO.items()}
        projects[f"project-{k + 1:02d}"] = Project(
            title=f"Project {k + 1}",
            track=track_id,
            outcome=outcomes[k % len(outcomes)],
            topics=rng.sample(ids.tracks[track_id], min(3, len(ids.tracks[track_id]))),
            status=project_status,
            repo=f"https://github.com/learner/project-{k + 1:02d}",
            demo=f"https://learner.github.io/project-{k + 1:02d}/" if done else None,
            created=created,
            started=started if project_status != "planned" else None,
            finished=finished if done else None,
            updated=finished if done else started if project_status != "planned" else created,
            **portfolio,
        )
    return State(catalog=ids.id, focus=track_ids[0], topics=topics, projects=projects)


def entry(status: str, moment: datetime) -> dict[str, str]:
    stamp = moment.isoformat()
    value = {"status": status, "started": stamp, "updated": stamp}
    if status == "done":
        value["finished"] = stamp
    return value


def write_history(path: Path, topic_ids: list[str], count: int) -> None:
    """`count` records, one change each, written as the history module writes them."""
    steps = (("start", None, "in-progress"), ("done", "in-progress", "done"))
    with path.open("w", encoding="utf-8") as out:
        lines: list[str] = []
        for n, moment in enumerate(moments(count)):
            topic_id = topic_ids[n % len(topic_ids)]
            verb, old, new = steps[(n // len(topic_ids)) % 2]
            change = records.FieldChange(
                f"topics.{topic_id}",
                entry(old, moment) if old else None,
                entry(new, moment),
            )
            lines.append(records.new_record(f"{verb} {topic_id}", [change], moment).to_json())
            if len(lines) >= 10_000:
                out.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            out.write("\n".join(lines) + "\n")


def write_learner(folder: Path, ids: CatalogIds, events: int, target: str) -> Path:
    folder.mkdir(parents=True)
    state_file = folder / "progress.toml"
    rng = random.Random(f"{ids.id}-{events}")
    state_file.write_text(render(busy_state(ids, rng, target)), encoding="utf-8")
    write_history(history_file.path_for(state_file), ids.topics, events)
    return state_file


def write_reviewer(folder: Path, ids: CatalogIds) -> Path:
    """A learner with `REVIEWED_TOPICS` done topics and `REVIEWS` reviews of them over the
    past year, each review made as `roadmap review` makes it: one recorded change."""
    from roadmap_cli.core import review

    folder.mkdir(parents=True)
    state_file = folder / "progress.toml"
    rng = random.Random("reviewer")
    done = ids.topics[:REVIEWED_TOPICS]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=400)
    state = State(catalog=ids.id, focus=next(iter(ids.tracks)))
    for n, topic_id in enumerate(done):
        transitions.finish(state, topic_id, start + timedelta(hours=n))
    lines = []
    for n, moment in enumerate(moments(REVIEWS)):
        topic_id = done[n % len(done)]
        before = state.copy()
        rating = rng.choices(RATINGS, [1, 2, 6, 2])[0]
        review.rate(state, topic_id, rating, moment)
        changes = records.diff(before, state)
        lines.append(records.new_record(f"review {topic_id} {rating}", changes, moment).to_json())
    state_file.write_text(render(state), encoding="utf-8")
    history_file.path_for(state_file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return state_file


# The two sections


@dataclass
class Bundled:
    commands: list[Command]
    target: str
    topics: int
    tracks: int

    def by_key(self, key: str) -> Command:
        return next(c for c in self.commands if c.key == key)


def bundled_commands(
    root: Path, roadmap: str, python: str, env: dict[str, str], rng: random.Random
) -> Bundled:
    ids = bundled_ids()
    target = rng.choice(ids.topics)
    state_file = write_learner(root / "bundled", ids, BUNDLED_EVENTS, target)
    log_file = history_file.path_for(state_file)
    pristine = root / "bundled-pristine"
    pristine.mkdir()
    for file in (state_file, log_file):
        shutil.copyfile(file, pristine / file.name)
    state_text = state_file.read_bytes()
    history_lines = log_file.read_bytes().count(b"\n")
    # The program caches the checked state of the progress file it last wrote or read. A
    # learner's file is one roadmap wrote, so `done` starts with the cache entry of the
    # file as it is: keep the entry for the pristine file and put it back with the file.
    reviewer = write_reviewer(root / "reviewer", ids)
    reviewer_env = {**env, "ROADMAP_STATE": str(reviewer)}
    # The busy learner with a goal for each track: status works out every forecast and goal.
    goaled = root / "goals" / "progress.toml"
    goaled.parent.mkdir()
    by = (datetime.now().astimezone() + timedelta(days=200)).replace(microsecond=0)
    goals = ", ".join(f'{{track = "{t}", by = {by.isoformat()}}}' for t in ids.tracks)
    goaled.write_text(f"goals = [{goals}]\n" + state_file.read_text(), encoding="utf-8")
    shutil.copyfile(log_file, history_file.path_for(goaled))
    goal_env = {**env, "ROADMAP_STATE": str(goaled)}
    progress_cache = Path(env["XDG_CACHE_HOME"]) / "roadmap" / "progress"
    # Every learner's file is read once before the entries are kept, so that putting them
    # back after a `done` leaves the other learners' entries in place too.
    for learner in (state_file, reviewer, goaled):
        output_of([roadmap, "status"], {**env, "ROADMAP_STATE": str(learner)})
    shutil.copytree(progress_cache, pristine / "progress-cache")

    def restore() -> None:
        for file in (state_file, log_file):
            shutil.copyfile(pristine / file.name, file)
        shutil.rmtree(progress_cache, ignore_errors=True)
        shutil.copytree(pristine / "progress-cache", progress_cache)

    def verify_and_restore() -> None:
        if state_file.read_bytes() == state_text:
            raise BenchmarkError(
                f"`roadmap done {target}` exited 0 but did not change {state_file}"
            )
        status = tomllib.loads(state_file.read_text(encoding="utf-8"))["topics"][target]
        if status.get("status") != "done":
            raise BenchmarkError(f"`roadmap done {target}` left it {status.get('status')!r}")
        if log_file.read_bytes().count(b"\n") != history_lines + 1:
            raise BenchmarkError(f"`roadmap done {target}` added no record to {log_file}")
        restore()

    cold_cache = root / "empty-cache"

    def empty_cache() -> None:
        shutil.rmtree(cold_cache, ignore_errors=True)
        cold_cache.mkdir()

    env = {**env, "ROADMAP_STATE": str(state_file)}
    complete = f"roadmap done {target[:2]}"
    completion_env = {**env, "_ROADMAP_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": complete}
    commands = [
        Command("floor", f'python -c "{FLOOR_CODE}"', [python, "-c", FLOOR_CODE], env),
        Command(
            "typer-floor",
            f'python -c "{TYPER_FLOOR_CODE}"',
            [python, "-c", TYPER_FLOOR_CODE],
            env,
        ),
        Command(
            "floor-exit",
            f'python -c "{FLOOR_CODE}, os; os._exit(0)"',
            [python, "-c", f"{FLOOR_CODE}, os; os._exit(0)"],
            env,
            "floor",
        ),
        Command("help", "roadmap --help", [roadmap, "--help"], env, "floor", "Usage"),
        Command("status", "roadmap status", [roadmap, "status"], env, "floor", ids.title),
        Command("next", "roadmap next", [roadmap, "next"], env, "floor", ""),
        Command("topics", "roadmap topics", [roadmap, "topics"], env, "floor", target),
        Command(
            "done",
            f"roadmap done {target}",
            [roadmap, "done", target],
            env,
            "floor",
            "",
            before=restore,
            after=verify_and_restore,
        ),
        Command(
            "export",
            "roadmap export --format markdown",
            [roadmap, "export", "--format", "markdown"],
            env,
            "floor",
            ids.title,
        ),
        Command(
            "completion",
            f"{complete}<TAB>",
            [roadmap],
            completion_env,
            "typer-floor",
            target,
        ),
        Command(
            "review-status",
            f"roadmap status ({REVIEWED_TOPICS} done topics, {REVIEWS:,} reviews)",
            [roadmap, "status"],
            reviewer_env,
            "floor",
            "Reviews:",
        ),
        Command(
            "review-list",
            f"roadmap review --list ({REVIEWED_TOPICS} done topics, {REVIEWS:,} reviews)",
            [roadmap, "review", "--list"],
            reviewer_env,
            "floor",
            "Recall",
        ),
        Command(
            "status-goal",
            f"roadmap status (a goal for each of the {len(ids.tracks)} tracks)",
            [roadmap, "status"],
            goal_env,
            "floor",
            "goal ",
        ),
        Command(
            "plan",
            "roadmap plan --hours 10",
            [roadmap, "plan", "--hours", "10"],
            env,
            "floor",
            "Week 4",
        ),
        Command("map", "roadmap map", [roadmap, "map"], env, "floor", target),
        Command(
            "cold-status",
            "roadmap status",
            [roadmap, "status"],
            {**env, "XDG_CACHE_HOME": str(cold_cache)},
            "floor",
            ids.title,
            before=empty_cache,
        ),
    ]
    return Bundled(commands, target, len(ids.topics), len(ids.tracks))


@dataclass
class Scale:
    floor: Command
    status: dict[int, Command]
    export: dict[int, Command]
    plan: dict[int, Command]
    map: dict[int, Command]

    @property
    def by_name(self) -> dict[str, dict[int, Command]]:
        return {
            "status": self.status,
            "export --format markdown": self.export,
            "plan --hours 10": self.plan,
            "map": self.map,
        }

    @property
    def commands(self) -> list[Command]:
        return [self.floor, *(c for sized in self.by_name.values() for c in sized.values())]


def scale_commands(
    root: Path, roadmap: str, python: str, env: dict[str, str], sizes: tuple[int, ...]
) -> Scale:
    floor = Command("floor", f'python -c "{FLOOR_CODE}"', [python, "-c", FLOOR_CODE], env)
    status: dict[int, Command] = {}
    export: dict[int, Command] = {}
    plan: dict[int, Command] = {}
    mapped: dict[int, Command] = {}
    for size in sizes:
        print(f"writing a catalog and a learner with {size:,} topics", file=sys.stderr)
        folder = root / f"scale-{size}"
        folder.mkdir()
        catalog = folder / "catalog.toml"
        ids = write_catalog(catalog, size)
        state_file = write_learner(folder / "learner", ids, EVENTS_PER_TOPIC * size, ids.topics[0])
        sized = {**env, "ROADMAP_CATALOG": str(catalog), "ROADMAP_STATE": str(state_file)}
        status[size] = Command(
            f"status-{size}", "roadmap status", [roadmap, "status"], sized, "floor", ids.title
        )
        export[size] = Command(
            f"export-{size}",
            "roadmap export --format markdown",
            [roadmap, "export", "--format", "markdown"],
            sized,
            "floor",
            ids.title,
        )
        plan[size] = Command(
            f"plan-{size}",
            "roadmap plan --hours 10",
            [roadmap, "plan", "--hours", "10"],
            sized,
            "floor",
            "Week 4",
        )
        mapped[size] = Command(
            f"map-{size}", "roadmap map", [roadmap, "map"], sized, "floor", ids.topics[-1]
        )
    return Scale(floor, status, export, plan, mapped)


# Reporting


def seconds(value: float) -> str:
    return f"{value:.3f} s"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("| " + " | ".join("---:" if i in right else "---" for i in range(len(header))))
    lines[-1] += " |"
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def bundled_report(bundled: Bundled, checks: list[Check]) -> list[str]:
    floors = {c.key: c for c in bundled.commands if c.floor is None}
    notes = {
        "floor": " (floor)",
        "typer-floor": " (completion floor)",
        "completion": " (zsh completion)",
        "cold-status": " with an empty cache folder (information)",
        "floor-exit": " (the floor without interpreter teardown, information)",
    }
    shown = {c.key: f"`{c.label}`{notes.get(c.key, '')}" for c in bundled.commands}
    rows = []
    for command in bundled.commands:
        timing = [seconds(command.median), seconds(min(command.times)), seconds(max(command.times))]
        if command.floor is None:
            rows.append([shown[command.key], *timing, mib(command.peak_kib), "-", "-", ""])
            continue
        floor = floors[command.floor]
        check = Check(
            f"{shown[command.key]} / {shown[command.floor]}",
            command.median / floor.median,
            RATIO_TARGETS.get(command.key),
        )
        checks.append(check)
        vs = "completion floor" if command.floor == "typer-floor" else "floor"
        row = [shown[command.key], *timing, mib(command.peak_kib), f"{check.figure} {vs}"]
        rows.append([*row, check.limit, check.verdict])
    header = ["command", "median", "min", "max", "peak RSS", "ratio", "target", ""]
    return table(header, rows, {1, 2, 3, 4, 5, 6})


def growth(times: dict[int, float], first: int, second: int) -> tuple[float, float]:
    """How much the time grew from one size to the next, and what each topic added on the
    way cost (microseconds): linear growth keeps that cost flat from step to step."""
    per_topic = (times[second] - times[first]) / (second - first) * 1e6
    return times[second] / times[first], per_topic


def scale_report(
    scale: Scale, bundled: Bundled, checks: list[Check]
) -> tuple[list[str], list[str], list[str]]:
    floor = scale.floor
    rows = [
        [
            "-",
            "-",
            "-",
            f"`{floor.label}` (floor)",
            seconds(floor.median),
            seconds(min(floor.times)),
            seconds(max(floor.times)),
            mib(floor.peak_kib),
            "-",
        ]
    ]
    for size in scale.status:
        for command in (sized[size] for sized in scale.by_name.values()):
            rows.append(
                [
                    f"{size:,}",
                    f"{size // TOPICS_PER_TRACK:,}",
                    f"{EVENTS_PER_TOPIC * size:,}",
                    f"`{command.label}`",
                    seconds(command.median),
                    seconds(min(command.times)),
                    seconds(max(command.times)),
                    mib(command.peak_kib),
                    f"{command.median / floor.median:.2f}x",
                ]
            )
    header = [
        "topics",
        "tracks",
        "history events",
        "command",
        "median",
        "min",
        "max",
        "peak RSS",
        "vs floor",
    ]
    measured = table(header, rows, {0, 1, 2, 4, 5, 6, 7, 8})

    main = [
        Check(
            f"`status` at {MAIN_SIZE:,} topics / `status` on the bundled catalog",
            scale.status[MAIN_SIZE].median / bundled.by_key("status").median,
            SCALE_STATUS_TARGET,
        ),
        Check(
            f"`export --format markdown` at {MAIN_SIZE:,} topics",
            scale.export[MAIN_SIZE].median,
            SCALE_EXPORT_TARGET,
            unit="s",
        ),
        Check(
            f"peak RSS of `status` at {MAIN_SIZE:,} topics / the floor's",
            scale.status[MAIN_SIZE].peak_kib / floor.peak_kib,
            SCALE_RSS_TARGET,
        ),
        Check(
            f"peak RSS of `export` at {MAIN_SIZE:,} topics / the floor's",
            scale.export[MAIN_SIZE].peak_kib / floor.peak_kib,
            SCALE_RSS_TARGET,
        ),
    ]
    checks += main
    targets = table(
        ["check", "figure", "target", ""],
        [[c.what, c.figure, c.limit, c.verdict] for c in main],
        {1, 2},
    )

    rows = []
    sizes = list(scale.status)
    for name, commands in scale.by_name.items():
        medians = {size: c.median for size, c in commands.items()}
        for first, second in itertools.pairwise(sizes):
            total, per_topic = growth(medians, first, second)
            step = f"{first:,} → {second:,}"
            whole = Check(f"`{name}` {step}: time", total, GROWTH_TARGET)
            checks.append(whole)
            rows.append(
                [f"`roadmap {name}`", step, whole.figure, whole.verdict, f"{per_topic:.1f} µs"]
            )
    grown = table(
        [
            "command",
            "topics",
            f"time ratio (≤ {GROWTH_TARGET:.0f}x)",
            "",
            "cost of each added topic",
        ],
        rows,
        {2, 4},
    )
    return measured, targets, grown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="2 rounds, 500 and 5,000 topics: that it works"
    )
    parser.add_argument("--rounds", type=int, help="rounds in both sections")
    parser.add_argument("--roadmap", type=Path, help="the roadmap script to time")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures here too")
    parser.add_argument("--seed", type=int, default=1, help="order of the rounds, test data")
    args = parser.parse_args()
    rounds, scale_rounds = (
        (QUICK_ROUNDS, QUICK_SCALE_ROUNDS) if args.quick else (FULL_ROUNDS, FULL_SCALE_ROUNDS)
    )
    if args.rounds is not None:
        rounds = scale_rounds = max(1, args.rounds)
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    roadmap_path = args.roadmap or Path(sys.executable).parent / "roadmap"
    if not roadmap_path.is_file():
        print(f"startup: no roadmap script at {roadmap_path} (see --roadmap)", file=sys.stderr)
        return 1
    roadmap = str(roadmap_path.resolve())
    python = interpreter_of(roadmap_path)
    rng = random.Random(args.seed)
    started = datetime.now().astimezone()
    began = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="roadmap-startup-") as folder:
            root = Path(folder)
            env = isolated_env(root / "home")
            version = output_of([roadmap, "--version"], env)
            python_version = output_of(
                [python, "-c", "import platform as p; print(p.python_version())"], env
            )
            bundled = bundled_commands(root, roadmap, python, env, rng)
            scale = scale_commands(root, roadmap, python, env, sizes)
            if hasattr(os, "sync"):
                os.sync()  # the test data is on disk before anything is timed
            print(f"timing the bundled catalog, {rounds} round(s)", file=sys.stderr)
            measure(bundled.commands, rounds, rng)
            print(f"timing the generated catalogs, {scale_rounds} round(s)", file=sys.stderr)
            measure(scale.commands, scale_rounds, rng)
    except BenchmarkError as exc:
        print(f"startup: {exc}", file=sys.stderr)
        return 1

    checks: list[Check] = []
    bundled_lines = bundled_report(bundled, checks)
    measured, targets, grown = scale_report(scale, bundled, checks)
    out = [
        f"# roadmap start-up ({version})",
        "",
        f"- date: {started:%Y-%m-%d %H:%M %z}",
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs{memory_gib()},"
        f" Python {python_version} ({python})",
        f"- mode: {'quick' if args.quick else 'full'}; {rounds} round(s) on the bundled"
        f" catalog, {scale_rounds} at scale; each command once untimed first; wall time from"
        " start to exit, peak RSS of the process",
    ]
    if args.quick:
        out.append("- quick run: too few rounds for the verdicts to mean anything")
    out += [
        "",
        f"## Bundled catalog, busy learner ({bundled.topics} topics in {bundled.tracks} tracks,"
        f" all touched; {PROJECTS} projects; {BUNDLED_EVENTS:,} history events)",
        "",
        *bundled_lines,
        "",
        "The last row is the first run after an install or upgrade (an empty cache folder),"
        " for information: it has no target. `roadmap` ends its process without the"
        " interpreter's teardown of loaded modules (`os._exit` once its output is flushed);"
        " the floor pays that teardown, and the row with `os._exit(0)` shows what it costs.",
        "",
        f"## Scale: generated catalogs ({TOPICS_PER_TRACK} topics a track, all touched;"
        f" {PROJECTS} projects; {EVENTS_PER_TOPIC} history events a topic)",
        "",
        *measured,
        "",
        *targets,
        "",
        "## Growth with the number of topics (10x a step; linear or better is ≤ 10x)",
        "",
        *grown,
        "",
        "Linear growth keeps the cost of each added topic flat from one step to the next.",
        "",
        f"({time.perf_counter() - began:.0f} s in all)",
    ]
    print("\n".join(out))
    if args.json is not None:
        figures = {
            "date": started.isoformat(timespec="seconds"),
            "machine": platform.platform(),
            "cpus": os.cpu_count(),
            "python": python_version,
            "roadmap": version,
            "rounds": {"bundled": rounds, "scale": scale_rounds},
            "bundled": [c.figures() for c in bundled.commands],
            "scale": {
                str(size): {
                    "status": scale.status[size].figures(),
                    "export": scale.export[size].figures(),
                    "plan": scale.plan[size].figures(),
                    "map": scale.map[size].figures(),
                }
                for size in sizes
            }
            | {"floor": scale.floor.figures()},
            "checks": [
                {
                    "check": c.what,
                    "value": round(c.value, 4),
                    "target": c.target,
                    "verdict": c.verdict,
                }
                for c in checks
            ],
        }
        args.json.write_text(
            json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
