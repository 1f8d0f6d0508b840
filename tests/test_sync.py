"""`roadmap sync` with real git: a bare remote and two or three machines in a temporary folder.

Each machine is a home of its own (progress file, cache, no git config but what a test gives
it), and every command runs the installed program as a subprocess, as a learner would; git
runs `roadmap merge-driver` itself.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, backdated, installed_script

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
GIT = shutil.which("git") or "git"
MARKERS = ("<<<<<<<", "=======", ">>>>>>>")


class Machine:
    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.home = root / name
        self.folder = self.home / "progress"
        self.state = self.folder / "progress.toml"
        self.history = self.folder / "progress.history.jsonl"
        self.env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_DATA_HOME": str(self.home / "data"),
            "XDG_CONFIG_HOME": str(self.home / "config"),
            "XDG_CACHE_HOME": str(self.home / "cache"),
            "ROADMAP_STATE": str(self.state),
            "GIT_CONFIG_NOSYSTEM": "1",
            "COLUMNS": "100",
        }
        for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME"):
            self.env.pop(var, None)
        self.env.pop("GIT_COMMITTER_EMAIL", None)
        self.home.mkdir(parents=True)

    def __call__(self, *args: str, code: int = 0) -> Result:
        proc = subprocess.run(
            [installed_script(), *args],
            capture_output=True,
            text=True,
            env=self.env,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        assert result.exit_code == code, (self.name, args, result)
        assert "Traceback" not in result.stderr
        return result

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(
            [GIT, "-C", str(self.folder), *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
        )
        assert proc.returncode == 0 or not check, (args, proc.stderr)
        return proc.stdout

    def progress(self) -> dict[str, Any]:
        return tomllib.loads(self.state.read_text(encoding="utf-8"))

    def record_ids(self) -> list[str]:
        lines = self.history.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["id"] for line in lines if line.strip()]


def make_world(tmp_path: Path) -> tuple[Path, list[Machine]]:
    """A bare remote and three machines, none of them set up yet."""
    remote = tmp_path / "remote.git"
    subprocess.run([GIT, "init", "--quiet", "--bare", str(remote)], check=True)
    return remote, [Machine(tmp_path, name) for name in ("laptop", "work", "cloud")]


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, list[Machine]]:
    return make_world(tmp_path)


def joined(remote: Path, machines: list[Machine]) -> list[Machine]:
    """Every machine set up and synced once, starting from the first's progress."""
    first = machines[0]
    first("done", "python")
    first("note", "python", "lists and dicts")
    for machine in machines:
        machine("sync", "setup", str(remote))
        machine("sync")
    machines[0]("sync")
    return machines


def flat(text: str) -> str:
    """Output as one line: a long path may wrap onto a line of its own at any width."""
    return " ".join(text.split())


def assert_no_markers(machine: Machine) -> None:
    for path in (machine.state, machine.history):
        text = path.read_text(encoding="utf-8")
        assert not any(line.startswith(MARKERS) for line in text.splitlines()), path


# --- setup --------------------------------------------------------------------------------


def test_setup_makes_a_repository_registers_the_driver_locally_and_checks_it(
    world: tuple[Path, list[Machine]],
) -> None:
    remote, (laptop, *_) = world
    laptop("done", "python")
    said = flat(laptop("sync", "setup", str(remote)).stdout)
    assert "Made" in said and "a git repository" in said
    assert "Registered roadmap's merge driver" in said
    assert f"Added the remote origin: {remote}" in said
    assert "Checked: git resolves the progress file to roadmap's driver" in said
    attributes = (laptop.folder / ".gitattributes").read_text()
    assert "/progress.toml merge=roadmap" in attributes
    assert "/progress.history.jsonl merge=union" in attributes
    driver = laptop.git("config", "--local", "--get", "merge.roadmap.driver").strip()
    assert driver.endswith("merge-driver %O %A %B")
    assert laptop.git("check-attr", "merge", "--", "progress.toml").strip().endswith("roadmap")
    assert not (laptop.home / ".gitconfig").exists()  # never the user's global config
    assert not (laptop.home / "config" / "git").exists()
    # Setting up again changes nothing and says so plainly.
    again = flat(laptop("sync", "setup", str(remote)).stdout)
    assert "Using the git repository" in again and "already" in again
    assert (laptop.folder / ".gitattributes").read_text() == attributes
    # Another remote than origin's is refused before anything is written, saying how to
    # change it; --remote changes it, from any folder.
    other = remote.with_name("other.git")
    subprocess.run([GIT, "init", "--quiet", "--bare", str(other)], check=True)
    (laptop.folder / ".gitattributes").unlink()
    refused = laptop("sync", "setup", str(other), code=1)
    assert f"the remote origin of {laptop.folder} is {remote}, not {other}" in flat(refused.stderr)
    assert f"roadmap sync setup --remote {other}" in flat(refused.stderr)
    assert not (laptop.folder / ".gitattributes").exists()
    changed = flat(laptop("sync", "setup", "--remote", str(other)).stdout)
    assert f"Changed the remote origin from {remote} to {other}" in changed
    assert laptop.git("remote", "get-url", "origin").strip() == str(other)
    laptop("sync")
    assert (
        subprocess.run(
            [GIT, "--git-dir", str(other), "rev-parse", "HEAD"], capture_output=True
        ).returncode
        == 0
    )  # the progress went to the new remote
    both = laptop("sync", "setup", str(other), "--remote", str(other), code=2)
    assert "give the remote once" in both.stderr


@pytest.mark.parametrize("where", ["missing-path", "refused-url", "not-a-repository"])
def test_setup_with_a_remote_that_does_not_answer_writes_nothing(
    world: tuple[Path, list[Machine]], where: str
) -> None:
    _, (laptop, *_) = world
    (laptop.home / "plain-folder").mkdir()
    remote = {
        "missing-path": str(laptop.home / "nowhere.git"),
        "refused-url": "http://127.0.0.1:9/progress.git",  # the discard port: nobody listens
        "not-a-repository": str(laptop.home / "plain-folder"),
    }[where]
    refused = laptop("sync", "setup", remote, code=1)
    assert refused.stderr.count("\n") == 1
    assert f"the remote {remote} does not answer" in refused.stderr
    assert "nothing was set up" in refused.stderr
    assert not laptop.folder.exists()  # not even the folder
    laptop("done", "python")
    before = sorted(p.name for p in laptop.folder.iterdir())
    laptop("sync", "setup", remote, code=1)
    assert sorted(p.name for p in laptop.folder.iterdir()) == before  # no .git, nothing


def test_setup_uses_the_repository_the_progress_folder_is_in_and_leaves_its_files(
    tmp_path: Path, world: tuple[Path, list[Machine]]
) -> None:
    _, (laptop, *_) = world
    notes = laptop.home / "notes"
    (notes / "roadmap").mkdir(parents=True)
    subprocess.run([GIT, "init", "--quiet", str(notes)], check=True)
    (notes / "README.md").write_text("my notes\n")
    (notes / ".gitattributes").write_text("*.md text\n")
    laptop.env["ROADMAP_STATE"] = str(notes / "roadmap" / "progress.toml")
    laptop("done", "python")
    said = flat(laptop("sync", "setup").stdout)
    assert f"Using the git repository at {notes}" in said
    assert (notes / "README.md").read_text() == "my notes\n"
    assert (notes / ".gitattributes").read_text() == "*.md text\n"  # the top one untouched
    assert "merge=roadmap" in (notes / "roadmap" / ".gitattributes").read_text()
    out = laptop("sync").stdout
    assert "Committed: done python" in out and "No remote" in out
    committed = subprocess.run(
        [GIT, "-C", str(notes), "show", "--name-only", "--format=%s", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "roadmap/progress.toml" in committed and "README.md" not in committed


# --- machines that diverge, synced in every order ---------------------------------------


def diverge(laptop: Machine, work: Machine, cloud: Machine) -> None:
    laptop("done", "rag")
    laptop("note", "python", "from the laptop")
    laptop("review", "python", "--rate", "good")
    work("start", "vector-databases")
    work("note", "python", "from work")
    work("project", "add", "PDF Q&A bot", "--track", "ai-developer")
    cloud("skip", "genai-basics")
    cloud("review", "python", "--rate", "hard")
    cloud("goal", "ai-developer", "--by", "2027-06-30")


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_three_machines_synced_in_any_order_end_equal_with_nothing_lost(
    world: tuple[Path, list[Machine]], order: tuple[int, ...]
) -> None:
    remote, machines = world
    joined(remote, machines)
    diverge(*machines)
    expected_ids = set().union(*(m.record_ids() for m in machines))
    for n in (*order, *order):  # a second round brings everyone what the others sent
        machines[n]("sync")
    texts = {m.state.read_text(encoding="utf-8") for m in machines}
    assert len(texts) == 1, "the machines differ after syncing"
    progress = machines[0].progress()
    topics = progress["topics"]
    assert topics["rag"]["status"] == "done"
    assert topics["vector-databases"]["status"] == "in-progress"
    assert topics["genai-basics"]["status"] == "skipped"
    assert "from the laptop" in topics["python"]["note"] and "from work" in topics["python"]["note"]
    assert sorted(r["rating"] for r in topics["python"]["reviews"]) == ["good", "hard"]
    assert [p["title"] for p in progress["projects"].values()] == ["PDF Q&A bot"]
    assert progress["goals"][0]["track"] == "ai-developer"
    for machine in machines:
        ids = machine.record_ids()
        assert len(ids) == len(set(ids)), "a history record is there twice"
        assert set(ids) == expected_ids
        assert_no_markers(machine)
        assert machine.git("status", "--porcelain").strip() == ""
        machine("doctor")  # reads and validates, history included


def test_a_machine_that_merged_with_plain_git_is_repaired_with_nothing_lost(
    world: tuple[Path, list[Machine]],
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    # A third clone made by hand, without 'sync setup': git has no driver there.
    plain = Machine(laptop.home.parent, "plain")
    subprocess.run([GIT, "clone", "--quiet", str(remote), str(plain.folder)], check=True)
    plain.git("config", "user.name", "Ana")
    plain.git("config", "user.email", "ana@example.org")
    plain("start", "agentic-ai")
    plain("note", "python", "from the plain clone")
    plain.git("commit", "--quiet", "-am", "by hand")
    laptop("note", "python", "from the laptop")
    laptop("done", "rag")
    laptop("sync")
    merged = subprocess.run(
        [GIT, "-C", str(plain.folder), "pull", "--quiet", "--no-rebase", "--no-edit"],
        capture_output=True,
        text=True,
        env=plain.env,
    )
    assert merged.returncode != 0  # git fell back to a text merge, which conflicts
    assert "<<<<<<<" in plain.state.read_text()
    refused = plain("status", code=1)
    assert "git conflict markers" in refused.stderr and "roadmap doctor --repair" in refused.stderr
    assert refused.stderr.count("\n") == 1
    doctor = plain("doctor", code=1)
    assert "conflict markers" in flat(doctor.stdout)
    fixed = plain("doctor", "--repair")
    assert "Merged both sides of the git conflict" in flat(fixed.stdout)
    progress = plain.progress()
    assert progress["topics"]["agentic-ai"]["status"] == "in-progress"
    assert progress["topics"]["rag"]["status"] == "done"
    note = progress["topics"]["python"]["note"]
    assert "from the plain clone" in note and "from the laptop" in note
    assert_no_markers(plain)
    assert set(laptop.record_ids()) <= set(plain.record_ids())
    # Set up and synced, it ends git's merge by itself, sends the repair on, and the laptop
    # takes it.
    plain("sync", "setup")
    plain("sync")
    assert plain.git("status", "--porcelain").strip() == ""
    laptop("sync")
    assert laptop.state.read_text() == plain.state.read_text()


def test_a_push_refused_because_another_machine_pushed_first_is_retried(
    world: tuple[Path, list[Machine]], tmp_path: Path
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    work("done", "rag")
    work.git("add", "-A")
    work.git(*("-c", "user.name=w", "-c", "user.email=w@x", "commit", "--quiet", "-m", "w"))
    # The race cannot be caused on cue for real: a git that lets the work machine push
    # just before the laptop's first push goes out, as if it had pushed a moment earlier.
    shim = tmp_path / "shim"
    shim.mkdir()
    flag = tmp_path / "raced"
    (shim / "git").write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" push "*) if [ ! -e {flag} ]; then touch {flag};'
        f" {GIT} -C {work.folder} push --quiet origin HEAD >/dev/null 2>&1; fi;; esac\n"
        f'exec {GIT} "$@"\n'
    )
    (shim / "git").chmod(0o755)
    laptop.env["PATH"] = f"{shim}{os.pathsep}{laptop.env['PATH']}"
    laptop("note", "python", "pushed second")
    out = laptop("sync").stdout
    assert flag.exists()
    assert "after 1 refused push" in out
    assert "Received 1 change" in out and "done rag" in out
    work("sync")
    assert work.state.read_text() == laptop.state.read_text()
    assert work.progress()["topics"]["python"]["note"].endswith("pushed second")


# --- what sync refuses, changing nothing --------------------------------------------------


def snapshot(machine: Machine) -> tuple[bytes, bytes, str]:
    head = machine.git("rev-parse", "HEAD", check=False)
    return machine.state.read_bytes(), machine.history.read_bytes(), head


def test_no_remote_commits_and_says_so(world: tuple[Path, list[Machine]]) -> None:
    _, (laptop, *_) = world
    laptop("done", "python")
    laptop("sync", "setup")
    out = laptop("sync").stdout
    assert "Committed: done python" in out
    assert "No remote to sync with" in out and "roadmap sync setup URL" in out
    assert laptop.git("log", "--format=%s").splitlines() == ["done python"]
    assert "Nothing new to commit" in laptop("sync").stdout


def test_without_git_sync_and_setup_refuse_and_change_nothing(
    world: tuple[Path, list[Machine]], tmp_path: Path
) -> None:
    _, (laptop, *_) = world
    laptop("done", "python")
    before = laptop.state.read_bytes()
    empty = tmp_path / "no-git"
    empty.mkdir()
    laptop.env["PATH"] = str(empty)
    for args in (("sync",), ("sync", "setup")):
        result = laptop(*args, code=1)
        assert "git is not installed" in result.stderr and result.stderr.count("\n") == 1
    assert laptop.state.read_bytes() == before
    assert not (laptop.folder / ".git").exists()
    assert not (laptop.folder / ".gitattributes").exists()


@pytest.mark.parametrize("trouble", ["detached", "rebase", "other-file", "not-set-up"])
def test_a_repository_busy_elsewhere_is_refused_and_nothing_changes(
    world: tuple[Path, list[Machine]], trouble: str
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    laptop("done", "rag")
    laptop("sync")
    work("start", "agentic-ai")  # an uncommitted change of the learner's
    if trouble == "detached":
        work.git("checkout", "--quiet", "--detach", "HEAD")
        expected = "HEAD is detached"
    elif trouble == "rebase":
        (work.folder / "scratch.txt").write_text("one\n")
        work.git("add", "scratch.txt")
        work.git("-c", "user.name=w", "-c", "user.email=w@x", "commit", "-qm", "scratch")
        work.git("stash", "--quiet")
        work.git(
            "-c", "user.name=w", "-c", "user.email=w@x", "rebase", "--quiet",
            "--exec", "false", "HEAD~1", check=False,
        )  # fmt: skip
        assert (Path(work.git("rev-parse", "--absolute-git-dir").strip()) / "rebase-merge").exists()
        expected = "a rebase is under way"
    elif trouble == "other-file":
        (work.folder / "notes.txt").write_text("mine\n")
        expected = "has changes that are not roadmap's"
    else:
        work.git("config", "--unset", "merge.roadmap.driver")
        expected = "merge driver is not registered"
    before = snapshot(work)
    refused = work("sync", code=1)
    assert expected in refused.stderr, refused.stderr
    assert refused.stderr.count("\n") == 1
    assert snapshot(work) == before
    assert "rag" not in work.progress().get("topics", {})  # nothing was fetched in


def test_a_pulled_repository_cannot_name_another_merge_program(
    world: tuple[Path, list[Machine]], tmp_path: Path
) -> None:
    """Attributes travel with a pull, config never does: a .gitattributes that names
    another driver, pushed by someone else, makes sync refuse, and nothing runs."""
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    ran = tmp_path / "ran"
    (laptop.folder / ".gitattributes").write_text("/progress.toml merge=evil\n")
    (laptop.folder / "evil.sh").write_text(f"#!/bin/sh\ntouch {ran}\n")
    laptop.git("add", "-A")
    laptop.git("-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "evil")
    laptop.git("push", "--quiet", "origin", "HEAD")
    work("done", "rag")
    work("sync")  # merged with the driver this machine's attributes name
    assert not ran.exists()
    refused = work("sync", code=1)
    assert "does not give progress.toml roadmap's merge driver" in refused.stderr
    assert "roadmap sync setup" in refused.stderr
    work("sync", "setup")  # its lines come last, and the last line wins
    work("note", "rag", "after the fix")
    work("sync")
    assert not ran.exists()


# --- the driver itself ---------------------------------------------------------------------


def test_the_driver_keeps_comments_and_own_keys_of_both_sides(tmp_path: Path) -> None:
    machine = Machine(tmp_path, "one")
    head = 'schema_version = 3\ncatalog = "ai-engineer-2026"\n'
    topic = '[topics.python]\nstatus = "in-progress"\nstarted = 2026-11-01T10:00:00Z\n'
    base = head + "\n" + topic + "updated = 2026-11-01T10:00:00Z\n"
    ours = (
        "# my progress, kept in git\n" + head + "mood = \"keen\"\n\n" + topic
        + "updated = 2026-11-02T10:00:00Z\nnote = \"mine\"\n"
    )  # fmt: skip
    theirs = head + "\n" + topic + 'updated = 2026-11-03T10:00:00Z\nlink = "https://x.org"\n'
    theirs += '\n[topics.rag]\nstatus = "done"\nfinished = 2026-11-03T10:00:00Z\n'
    theirs += "updated = 2026-11-03T10:00:00Z\n"
    paths = []
    for name, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        path = tmp_path / name
        path.write_text(text)
        paths.append(str(path))
    machine("merge-driver", *paths)
    merged = Path(paths[1]).read_text()
    data = tomllib.loads(merged)
    assert merged.startswith("# my progress, kept in git\n")
    assert data["mood"] == "keen"
    assert data["topics"]["python"]["note"] == "mine"
    assert data["topics"]["python"]["link"] == "https://x.org"
    assert data["topics"]["python"]["updated"].isoformat().startswith("2026-11-03")
    assert data["topics"]["rag"]["status"] == "done"


def test_the_driver_refuses_a_version_that_is_no_progress_file_and_keeps_ours(
    tmp_path: Path,
) -> None:
    machine = Machine(tmp_path, "one")
    ours = tmp_path / "ours"
    ours.write_text('schema_version = 3\n[topics.python]\nstatus = "bogus"\n')
    text = 'schema_version = 3\n[topics.rag]\nstatus = "done"\nupdated = 2026-11-01T10:00:00Z\n'
    ours.write_text(text.replace("rag", "python"))
    theirs = tmp_path / "theirs"
    theirs.write_text('schema_version = 3\n[topics.rag]\nstatus = "bogus"\n')
    before = ours.read_bytes()
    refused = machine("merge-driver", str(tmp_path / "none"), str(ours), str(theirs), code=1)
    assert "their version" in refused.stderr and refused.stderr.count("\n") == 1
    assert ours.read_bytes() == before


# --- the history, read after a union of lines ----------------------------------------------


def test_repeated_and_reordered_history_records_count_once(tmp_path: Path) -> None:
    machine = Machine(tmp_path, "one")
    with backdated(machine.state, machine.history):  # the next change comes a minute later
        machine("done", "python")
    machine("start", "rag")
    lines = machine.history.read_text().splitlines()
    machine.history.write_text("\n".join([lines[1], lines[0], lines[1], lines[0]]) + "\n")
    log = machine("log").stdout
    assert log.count("start rag") == 1 and log.count("done python") == 1
    assert log.index("start rag") < log.index("done python")  # newest first
    undone = machine("undo").stdout
    assert "start rag" in undone
    assert "rag" not in machine.progress().get("topics", {})
    assert "repeat a record" in flat(machine("doctor").stdout)


def test_doctor_reports_a_git_folder_without_the_driver(world: tuple[Path, list[Machine]]) -> None:
    _, (laptop, *_) = world
    laptop("done", "python")
    subprocess.run([GIT, "init", "--quiet", str(laptop.folder)], check=True)
    said = laptop("doctor").stdout
    assert "roadmap sync setup" in said and "merge" in said
    laptop("sync", "setup")
    assert "roadmap sync setup" not in laptop("doctor").stdout


def test_commits_use_the_users_identity_or_roadmap(world: tuple[Path, list[Machine]]) -> None:
    _, (laptop, *_) = world
    laptop("done", "python")
    laptop("sync", "setup")
    laptop("sync")
    assert laptop.git("log", "-1", "--format=%an <%ae>").strip() == "roadmap <roadmap@localhost>"
    laptop.git("config", "user.name", "Ana Lima")
    laptop.git("config", "user.email", "ana@example.org")
    laptop("start", "rag")
    laptop("note", "rag", "chunk sizes")
    laptop("sync")
    assert laptop.git("log", "-1", "--format=%an <%ae>").strip() == "Ana Lima <ana@example.org>"
    assert laptop.git("log", "-1", "--format=%s").strip() == "start rag, note rag"


def test_sync_json_says_what_it_did_in_documented_keys(
    world: tuple[Path, list[Machine]],
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    laptop("done", "rag")
    laptop("sync")
    work("note", "rag", "chunking")
    doc = json.loads(work("sync", "--json").stdout)
    assert doc == {
        "version": 1,
        "committed": ["note rag"],
        "subject": "note rag",
        "remote": "origin",
        "branch": doc["branch"],
        "received": ["done rag"],
        "merged": True,
        "pushed": True,
        "retries": 0,
        "healed": False,
    }
    assert doc["branch"].startswith("origin/")
    documented = (Path(__file__).parents[1] / "docs" / "json-output.md").read_text()
    for key in doc:
        assert f'"{key}"' in documented, key


# --- what a remote or a folder may hold ---------------------------------------------------


def test_a_link_pushed_where_roadmap_keeps_a_file_is_not_merged(
    world: tuple[Path, list[Machine]], tmp_path: Path
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours\n")
    (laptop.folder / "progress.history.jsonl").unlink()
    (laptop.folder / "progress.history.jsonl").symlink_to(victim)
    laptop.git("add", "-A")
    laptop.git("-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "link")
    laptop.git("push", "--quiet", "origin", "HEAD")
    before = snapshot(work)
    refused = work("sync", code=1)
    assert "holds a link at progress.history.jsonl" in refused.stderr
    assert snapshot(work) == before and not work.history.is_symlink()
    work("done", "rag")
    assert victim.read_text() == "not yours\n"


def test_comments_and_own_keys_of_both_machines_stay(world: tuple[Path, list[Machine]]) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    text = laptop.state.read_text()
    laptop.state.write_text("# kept in git, edited by hand\n" + text)
    laptop("done", "rag")
    text = work.state.read_text()
    work.state.write_text(text.replace("[topics.python]\n", '[topics.python]\nbook = "Fluent"\n'))
    work("start", "agentic-ai")
    for machine in (laptop, work, laptop):
        machine("sync")
    merged = laptop.state.read_text()
    assert merged == work.state.read_text()
    assert merged.startswith("# kept in git, edited by hand\n")
    # An edit by hand alone is committed as one, and arrives as a merge without records.
    laptop.state.write_text(merged + "# the end\n")
    assert "Committed: roadmap: progress edited by hand" in laptop("sync").stdout
    said = work("sync").stdout
    assert "no recorded changes" in said and "Received" not in said
    assert work.state.read_text().endswith("# the end\n")
    assert laptop.progress()["topics"]["python"]["book"] == "Fluent"
    assert {"rag", "agentic-ai"} <= set(laptop.progress()["topics"])


def test_each_machines_own_gitattributes_lines_both_stay(
    world: tuple[Path, list[Machine]],
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop])
    work("done", "rag")
    work.folder.mkdir(parents=True, exist_ok=True)
    (work.folder / ".gitattributes").write_text("*.md text\n")
    work("sync", "setup", str(remote))
    work("sync")
    laptop("sync")
    for machine in (laptop, work):
        lines = (machine.folder / ".gitattributes").read_text().splitlines()
        own = "/progress.toml merge=roadmap -text -eol -working-tree-encoding -filter -ident -crlf"
        assert "*.md text" in lines and own in lines
        assert lines.count(own) == 1


def test_every_catalogs_progress_in_the_folder_is_synced(
    world: tuple[Path, list[Machine]], tmp_path: Path
) -> None:
    _, (laptop, *_) = world
    del laptop.env["ROADMAP_STATE"]  # the data folder: one progress file per catalog
    laptop.folder = laptop.home / "data" / "roadmap"
    bundled = Path(__file__).parents[1] / "catalogs" / "ai-engineer-2026.toml"
    mine = tmp_path / "mycat.toml"
    mine.write_text(bundled.read_text().replace('id = "ai-engineer-2026"', 'id = "mycat"', 1))
    laptop("done", "python")
    laptop("--catalog", str(mine), "done", "rag")
    assert (laptop.folder / "progress-mycat.toml").exists()
    laptop("sync", "setup")  # for the bundled catalog only: the other's lock is no change
    laptop("--catalog", str(mine), "done", "lora")
    out = laptop("sync").stdout
    assert "Committed" in out
    committed = laptop.git("show", "--name-only", "--format=", "HEAD").split()
    assert {"progress.toml", "progress-mycat.toml", "progress-mycat.history.jsonl"} <= set(
        committed
    )
    laptop("--catalog", str(mine), "sync")


def test_a_name_git_patterns_would_misread_is_refused_before_anything_is_written(
    world: tuple[Path, list[Machine]],
) -> None:
    _, (laptop, *_) = world
    laptop.env["ROADMAP_STATE"] = str(laptop.folder / "my progress.toml")
    laptop("done", "python")
    refused = laptop("sync", "setup", code=1)
    assert "misread the progress file's name 'my progress.toml'" in refused.stderr
    assert not (laptop.folder / ".git").exists()
    assert not (laptop.folder / ".gitattributes").exists()


def test_a_push_the_remote_refuses_says_why_and_is_not_retried(
    world: tuple[Path, list[Machine]],
) -> None:
    remote, (laptop, *_) = world
    joined(remote, [laptop])
    subprocess.run([GIT, "-C", str(remote), "config", "receive.maxInputSize", "20"], check=True)
    laptop("done", "rag")
    refused = laptop("sync", code=1)
    assert "cannot push to origin" in refused.stderr
    assert "[remote rejected] (unpacker error)" in refused.stderr  # git's own reason
    assert "committed here and go with the next sync" in refused.stderr
    assert laptop.git("log", "-1", "--format=%s").strip() == "done rag"


def test_a_remote_on_a_path_runs_none_of_its_hooks(
    world: tuple[Path, list[Machine]], tmp_path: Path
) -> None:
    """A bare repository on a USB stick is someone else's folder: the git that serves it
    runs here, and its hooks would run as the learner."""
    remote, (laptop, work, _) = world
    ran = tmp_path / "hook-ran"
    for name in ("pre-receive", "update", "post-receive", "post-update", "reference-transaction"):
        hook = remote / "hooks" / name
        hook.write_text(f"#!/bin/sh\necho {name} >> {ran}\n")
        hook.chmod(0o755)
    joined(remote, [laptop, work])
    laptop("done", "rag")
    laptop("sync")
    work("sync")
    assert "done rag" in work.history.read_text()
    assert not ran.exists()
    # A file:// URL is the same folder by another name.
    work.git("remote", "set-url", "origin", f"file://{remote}")
    work("start", "agentic-ai")
    assert "Sent to origin" in work("sync").stdout
    assert not ran.exists()


def test_a_git_of_another_repository_in_the_environment_is_not_followed(
    world: tuple[Path, list[Machine]], tmp_path: Path
) -> None:
    """A hook or a dotfiles tool sets GIT_DIR for its own repository: sync still works on
    the progress folder's."""
    remote, (laptop, *_) = world
    other = tmp_path / "dotfiles"
    subprocess.run([GIT, "init", "--quiet", str(other)], check=True)
    laptop.env["GIT_DIR"] = str(other / ".git")
    laptop.env["GIT_WORK_TREE"] = str(other)
    laptop("done", "python")
    said = flat(laptop("sync", "setup", str(remote)).stdout)
    assert f"Made {laptop.folder} a git repository" in said
    laptop("sync")
    del laptop.env["GIT_DIR"], laptop.env["GIT_WORK_TREE"]
    assert laptop.git("log", "--format=%s").split("\n")[0] == "done python"
    config = (other / ".git" / "config").read_text()
    assert "roadmap" not in config and "remote" not in config
    assert not (other / ".gitattributes").exists()


def test_a_remote_that_keeps_progress_at_another_path_is_refused(
    world: tuple[Path, list[Machine]],
) -> None:
    remote, (laptop, work, _) = world
    notes = laptop.home / "notes"
    subprocess.run([GIT, "init", "--quiet", str(notes)], check=True)  # progress in a folder
    laptop.env["ROADMAP_STATE"] = str(notes / "roadmap" / "progress.toml")
    laptop("done", "python")
    laptop("sync", "setup", str(remote))
    laptop("sync")
    work("done", "rag")
    work("sync", "setup", str(remote))
    refused = work("sync", code=1)
    assert "keeps its progress at roadmap/progress.toml" in refused.stderr
    assert "ROADMAP_STATE" in refused.stderr
    assert not (work.folder / "roadmap").exists()


def test_sync_keeps_the_progress_files_private_and_names_what_failed(
    world: tuple[Path, list[Machine]],
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    laptop("done", "rag")
    laptop("sync")
    work("start", "agentic-ai")
    work("sync")  # a merge: git writes the files as it writes any
    for path in (work.state, work.history):
        assert path.stat().st_mode & 0o777 == 0o600, path
    # The learner's own setting that makes every commit fail: signing with a program that
    # cannot sign. (Hooks never run in a sync: docs/security.md.)
    work.git("config", "commit.gpgSign", "true")
    work.git("config", "gpg.program", shutil.which("false") or "false")
    work("done", "agentic-ai")
    refused = work("sync", code=1)
    assert "git commit failed: gpg failed to sign the data" in refused.stderr


def test_lines_a_rewrite_moved_are_not_named_as_new(world: tuple[Path, list[Machine]]) -> None:
    """A trim, or a union of two machines' lines, rewrites the history in another order:
    the commit names only the records that are new."""
    remote, (laptop, *_) = world
    joined(remote, [laptop])
    laptop("start", "rag")
    laptop("sync")
    lines = laptop.history.read_text().splitlines()
    laptop.history.write_text("\n".join(reversed(lines)) + "\n")
    laptop("done", "rag")
    assert "Committed: done rag\n" in laptop("sync").stdout


def test_markers_pushed_from_elsewhere_are_refused_until_repaired_there(
    world: tuple[Path, list[Machine]],
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    text = laptop.state.read_text()
    laptop.state.write_text(text + "<<<<<<< HEAD\n=======\n>>>>>>> theirs\n")
    laptop.git("-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "web merge")
    laptop.git("push", "--quiet", "origin", "HEAD")
    before = snapshot(work)
    refused = work("sync", code=1)
    assert "origin/master holds a progress.toml that cannot be used" in refused.stderr
    assert "git conflict markers" in refused.stderr and refused.stderr.count("\n") == 1
    assert "nothing here changed" in refused.stderr
    assert snapshot(work) == before
    laptop("doctor", "--repair")
    laptop("sync")
    work("sync")
    assert_no_markers(work)
    assert work.state.read_text() == laptop.state.read_text()


@pytest.mark.parametrize("remote", ["--upload-pack=touch /tmp/x", "ext::sh -c touch% /tmp/x"])
def test_a_remote_that_is_an_option_or_runs_a_command_is_a_usage_error(
    world: tuple[Path, list[Machine]], remote: str
) -> None:
    _, (laptop, *_) = world
    laptop("done", "python")
    refused = laptop("sync", "setup", "--", remote, code=2)
    assert "give" in refused.stderr and refused.stderr.count("\n") == 1
    assert not (laptop.folder / ".git").exists()


def test_a_repository_made_by_hand_never_sees_roadmaps_by_products(tmp_path: Path) -> None:
    """Progress kept in a clone of one's notes, without `sync setup`: the lock, temporary
    files and copies are kept out of it from the first write, so `git add -A` takes only
    the progress and its history."""
    machine = Machine(tmp_path, "notes")
    notes = machine.home / "notes"
    subprocess.run([GIT, "init", "--quiet", str(notes)], check=True)
    machine.folder = notes / "roadmap"
    machine.env["ROADMAP_STATE"] = str(machine.folder / "progress.toml")
    machine.env["XDG_DATA_HOME"] = str(notes)  # the data folder: notes/roadmap, the same
    machine("done", "python")
    assert (machine.folder / "progress.toml.lock").exists()
    listed = subprocess.run(
        [GIT, "-C", str(notes), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(p for p in listed if p != "??") == [
        "roadmap/progress.history.jsonl",
        "roadmap/progress.toml",
    ]
    assert (machine.folder / "machine-id").exists()  # there, and kept out as well
