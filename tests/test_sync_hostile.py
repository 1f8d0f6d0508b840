"""`roadmap sync` against remotes that push what they should not, and syncs that are stopped.

Everything a remote holds is someone else's data. Each test sets up the hostile remote (or
the interruption) for real, with git, in a temporary folder, and asserts what the learner
keeps: the files, the exit code, the message, and that no program ran that should not have
(a marker file it would have made).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_sync import GIT, Machine, assert_no_markers, flat, joined, make_world, snapshot

from conftest import fsrs_with_other_defaults, installed_script, interruptible

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
World = tuple[Path, list[Machine]]
COMMIT = ("-c", "user.name=x", "-c", "user.email=x@x", "commit", "--quiet")


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def push_by_hand(machine: Machine, message: str = "by hand") -> None:
    """Commit everything in the machine's repository and push it, with plain git (run at
    the repository's top: a look-alike in the progress folder would fool git there)."""
    top = machine.folder.parent if machine.folder.name == "roadmap" else machine.folder
    for args in (("add", "-A"), (*COMMIT, "-m", message), ("push", "-q", "origin", "HEAD")):
        done = subprocess.run([GIT, "-C", str(top), *args], env=machine.env, capture_output=True)
        assert done.returncode == 0, (args, done.stderr)


def record_line(command: str, when: datetime, **extra: object) -> str:
    data = {
        "id": f"{when:%Y%m%dT%H%M%S}.000000-{os.urandom(4).hex()}",
        "time": when.isoformat(),
        "command": command,
        "changes": [],
        **extra,
    }
    return json.dumps(data) + "\n"


def soon() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0) + timedelta(minutes=1)


# --- nothing pulled runs a program ---------------------------------------------------------


def in_notes(remote: Path, machines: list[Machine]) -> list[Machine]:
    """Machines whose progress lives in `notes/roadmap/` of a clone of the remote."""
    for machine in machines:
        notes = machine.home / "notes"
        subprocess.run([GIT, "clone", "--quiet", str(remote), str(notes)], check=True)
        machine.folder = notes / "roadmap"
        machine.folder.mkdir(exist_ok=True)
        machine.state = machine.folder / "progress.toml"
        machine.history = machine.folder / "progress.history.jsonl"
        machine.env["ROADMAP_STATE"] = str(machine.state)
    first = machines[0]
    first("done", "python")
    for machine in machines:
        machine("sync", "setup")
        machine("sync")
    return machines


def test_a_pushed_repository_lookalike_in_the_progress_folder_runs_nothing(
    world: World, tmp_path: Path
) -> None:
    """Progress inside another repository: a push that makes `roadmap/` look like a
    repository of its own, whose config names a file-system monitor program."""
    remote, (laptop, work, _) = world
    in_notes(remote, [laptop, work])
    ran = tmp_path / "fsmonitor-ran"
    lookalike = {
        "HEAD": "ref: refs/heads/main\n",
        "config": (
            "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = ..\n"
            f"\tfsmonitor = touch {ran}\n"
        ),
        "objects/info/keep": "",
        "refs/heads/keep": "",
    }
    for name, text in lookalike.items():
        (work.folder / name).parent.mkdir(parents=True, exist_ok=True)
        (work.folder / name).write_text(text)
    push_by_hand(work)
    before = snapshot(laptop)
    refused = laptop("sync", code=1)
    assert "holds a git repository's own files (HEAD, objects, refs) in roadmap/" in flat(
        refused.stderr
    )
    assert snapshot(laptop) == before and not ran.exists()
    # Pulled by hand, the files are in the progress folder: nothing roadmap runs reads them.
    subprocess.run(
        [GIT, "-C", str(laptop.folder.parent), "pull", "-q", "--no-rebase", "origin", "HEAD"],
        env=laptop.env,
        check=True,
    )
    assert (laptop.folder / "config").exists()
    refused = laptop("sync", code=1)
    assert "holds a git repository's own files" in refused.stderr
    laptop("doctor")
    laptop("status")
    assert not ran.exists()


def test_a_pushed_submodule_runs_nothing_and_later_syncs_go_on(
    world: World, tmp_path: Path
) -> None:
    remote, (laptop, work, _) = world
    in_notes(remote, [laptop, work])
    ran = tmp_path / "submodule-ran"
    top = work.folder.parent
    (top / ".gitmodules").write_text(
        f'[submodule "x"]\n\tpath = x\n\turl = ext::sh -c touch% {ran}\n\tupdate = !touch {ran}\n'
    )
    head = work.git("rev-parse", "HEAD").strip()
    work.git("update-index", "--add", "--cacheinfo", f"160000,{head},x")
    push_by_hand(work, "a submodule")
    laptop("done", "rag")
    assert "Sent to origin" in laptop("sync").stdout
    laptop("start", "agentic-ai")
    assert "Sent to origin" in laptop("sync").stdout  # and every sync after it
    work("sync")
    assert "agentic-ai" in work.progress()["topics"]
    assert not ran.exists() and not (laptop.folder.parent / "x" / ".git").exists()


def test_a_submodule_in_the_progress_folder_is_refused(world: World) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    head = work.git("rev-parse", "HEAD").strip()
    work.git("update-index", "--add", "--cacheinfo", f"160000,{head},vendor")
    work.git(*COMMIT, "-m", "a submodule")
    work.git("push", "--quiet", "origin", "HEAD")
    before = snapshot(laptop)
    refused = laptop("sync", code=1)
    assert "holds a submodule at vendor" in refused.stderr
    assert snapshot(laptop) == before


def test_a_pushed_attribute_that_rewrites_the_progress_file_is_refused(world: World) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    with (work.folder / ".gitattributes").open("a") as out:
        out.write("/progress.toml working-tree-encoding=UTF-16LE-BOM\n")
    work.git("add", ".gitattributes")
    work.git(*COMMIT, "-m", "encoding")
    work.git("push", "--quiet", "origin", "HEAD")
    before = snapshot(laptop)
    refused = laptop("sync", code=1)  # a fast-forward: the laptop has nothing new
    said = flat(refused.stderr)
    assert "gives progress.toml 'working-tree-encoding: UTF-16LE-BOM'" in said
    assert "'roadmap sync setup' on the machine that pushed it does" in said
    assert refused.stderr.count("\n") == 1
    assert snapshot(laptop) == before
    assert laptop.state.read_bytes().startswith(b"schema_version")  # still UTF-8
    laptop("status")


def test_an_appended_line_that_takes_the_driver_away_is_repaired_by_setup(world: World) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    with (work.folder / ".gitattributes").open("a") as out:
        out.write("/progress.toml merge=union\n")
    push_by_hand(work, "union")
    laptop("sync")
    refused = laptop("sync", code=1)
    assert "run 'roadmap sync setup' to fix it" in refused.stderr
    said = flat(laptop("sync", "setup").stdout)
    assert "a line that overrode roadmap's: /progress.toml merge=union" in said
    assert "Checked: git resolves the progress file to roadmap's driver" in said
    laptop("done", "rag")
    laptop("sync")
    work("sync", code=1)  # the machine that pushed the line has it too, until its own setup
    work("sync", "setup")
    work("sync")
    assert "/progress.toml merge=union" not in (work.folder / ".gitattributes").read_text()
    assert work.progress()["topics"]["rag"]["status"] == "done"
    assert work.git("check-attr", "merge", "--", "progress.toml").strip().endswith("roadmap")


# --- what arrives passes the gate an import passes --------------------------------------


def bigger_than_the_limit(machine: Machine) -> None:
    text = machine.state.read_text()
    machine.state.write_text(text + "# " + "x" * (17 * 2**20) + "\n")


def nested_too_deep(machine: Machine) -> None:
    machine.state.write_text(
        machine.state.read_text() + "own = " + "[" * 400 + "1" + "]" * 400 + "\n"
    )


def not_our_schema(machine: Machine) -> None:
    text = machine.state.read_text()
    machine.state.write_text(text.replace("schema_version = ", 'schema_version = "x" # '))


def a_folder_at_the_history(machine: Machine) -> None:
    machine.git("rm", "--quiet", "progress.history.jsonl")
    (machine.folder / "progress.history.jsonl").mkdir()
    (machine.folder / "progress.history.jsonl" / "x").write_text("x\n")


def a_link_at_the_history(machine: Machine) -> None:
    machine.history.unlink()
    machine.history.symlink_to("/etc/passwd")


def the_progress_deleted(machine: Machine) -> None:
    machine.git("rm", "--quiet", "progress.toml")


def the_history_deleted(machine: Machine) -> None:
    machine.git("rm", "--quiet", "progress.history.jsonl")


def a_time_far_ahead(machine: Machine) -> None:
    with machine.history.open("a") as out:
        out.write(record_line("reset rag", datetime(2199, 1, 1).astimezone(), barrier=True))


def a_time_before_1970(machine: Machine) -> None:
    with machine.history.open("a") as out:
        out.write(record_line("reset rag", datetime(1969, 7, 20).astimezone()))


def a_finish_far_ahead(machine: Machine) -> None:
    text = machine.state.read_text()
    machine.state.write_text(text.replace("finished = 20", "finished = 21", 1))


def a_machine_id(machine: Machine) -> None:
    """The data folder is the progress folder by default: git would write a pulled file over
    the machine's own id there (it is ignored, and git overwrites ignored files)."""
    (machine.folder / "machine-id").write_text("0badc0ffee00 2026-01-01T00:00:00+00:00\n")
    machine.git("add", "-f", "machine-id")


def a_lock_file(machine: Machine) -> None:
    (machine.folder / "progress.toml.lock").write_text("")
    machine.git("add", "-f", "progress.toml.lock")


def a_merge_copy(machine: Machine) -> None:
    (machine.folder / ".merge_file_abc123").write_text("x\n")
    machine.git("add", "-f", ".merge_file_abc123")


def another_catalogs_file_reencoded(machine: Machine) -> None:
    text = machine.state.read_text().replace("ai-engineer-2026", "mycat")
    # As the work tree of the machine that has the attribute holds it: UTF-16.
    (machine.folder / "progress-mycat.toml").write_bytes(text.encode("utf-16"))
    with (machine.folder / ".gitattributes").open("a") as out:
        out.write("/progress-mycat.toml working-tree-encoding=UTF-16LE-BOM\n")


def history_lines_removed(machine: Machine) -> None:
    lines = machine.history.read_text().splitlines(keepends=True)
    machine.history.write_text(lines[0])


@pytest.mark.parametrize(
    ("push", "said"),
    [
        (a_machine_id, "holds machine-id, a name roadmap keeps for a file of this machine's"),
        (a_lock_file, "holds progress.toml.lock, a name roadmap keeps"),
        (a_merge_copy, "holds .merge_file_abc123, a name roadmap keeps"),
        (
            another_catalogs_file_reencoded,
            "gives progress-mycat.toml 'working-tree-encoding: UTF-16LE-BOM'",
        ),
        (history_lines_removed, "holds a progress.history.jsonl without 1 record this machine"),
        (bigger_than_the_limit, "holds a progress.toml of 17 MiB (at most 16 MiB)"),
        (nested_too_deep, "holds a progress.toml that cannot be used"),
        (not_our_schema, "holds a progress.toml that cannot be used"),
        (a_folder_at_the_history, "holds a folder at progress.history.jsonl"),
        (a_link_at_the_history, "holds a link at progress.history.jsonl"),
        (the_progress_deleted, "holds no progress.toml: a commit there deleted it"),
        (the_history_deleted, "holds no progress.history.jsonl: a commit there deleted it"),
        (a_time_far_ahead, "with a time that cannot be right (2199-01-01T00:00:00"),
        (a_time_before_1970, "with a time that cannot be right (1969-07-20T00:00:00"),
        (a_finish_far_ahead, "holds a progress.toml with a time that cannot be right"),
    ],
)
def test_a_fast_forward_takes_nothing_a_merge_would_refuse(
    world: World, push: Callable[[Machine], None], said: str
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    push(work)
    push_by_hand(work, push.__name__)
    before = snapshot(laptop)
    refused = laptop("sync", code=1)  # the laptop has nothing new: git would fast-forward
    assert said in flat(refused.stderr), refused.stderr
    assert "it was not merged, and nothing here changed" in flat(refused.stderr)
    assert refused.stderr.count("\n") == 1
    assert snapshot(laptop) == before
    assert laptop.git("status", "--porcelain") == ""
    laptop("status")
    # With a change of its own the laptop would merge: the same refusal.
    laptop("start", "rag")
    assert said in flat(laptop("sync", code=1).stderr)


def test_records_from_another_machine_never_undo_or_block_the_learners_own(
    world: World,
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    laptop("done", "rag")
    laptop("sync")
    work("sync")
    rag = work.progress()["topics"]["rag"]
    rag = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in rag.items()}
    # A forged record, as another machine would write it: it claims to have finished rag,
    # so that an undo of it resets the topic; and a repair's barrier after it.
    with work.history.open("a") as out:
        forged = json.loads(record_line("done rag", soon(), machine="0badc0ffee00"))
        forged["changes"] = [{"key": "topics.rag", "old": None, "new": rag}]
        out.write(json.dumps(forged) + "\n")
        out.write(record_line("doctor --repair", soon(), barrier=True, machine="0badc0ffee00"))
    push_by_hand(work, "forged")
    work("start", "agentic-ai")  # a real change of the work machine's
    work("sync")
    laptop("note", "python", "the laptop's own note")
    assert "Received" in laptop("sync").stdout
    undone = flat(laptop("undo").stdout)
    assert undone.startswith("Undid note python")
    assert laptop.progress()["topics"]["rag"]["status"] == "done"
    assert "agentic-ai" in laptop.progress()["topics"]  # work's change stays
    undone = flat(laptop("undo").stdout)
    assert undone.startswith("Undid done rag")  # the laptop's own, under the forged ones


def test_undo_takes_back_this_machines_change_and_any_takes_the_last_from_anywhere(
    world: World,
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    laptop("note", "python", "the laptop's note")
    laptop("sync")
    work("sync")
    work("start", "rag")  # the newest change of all, made at work
    work("sync")
    laptop("sync")
    log = laptop("log").stdout.splitlines()
    assert any("start rag (on another machine)" in line for line in log)
    assert any("note python" in line and "another machine" not in line for line in log)
    said = json.loads(laptop("log", "--json").stdout)["records"]
    assert [(r["command"], r["here"]) for r in said[:2]] == [
        ("start rag", False),
        ("note python", True),
    ]
    assert flat(laptop("undo").stdout).startswith("Undid note python")
    assert "rag" in laptop.progress()["topics"]
    anywhere = flat(laptop("undo", "--any").stdout)
    assert anywhere.startswith("Undid start rag from ")
    assert ", a change made on another machine:" in anywhere
    assert "rag" not in laptop.progress().get("topics", {})


def test_a_record_that_claims_to_be_this_machines_is_refused(world: World) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    laptop("done", "rag")
    laptop("sync")
    work("sync")
    mine = json.loads(laptop.history.read_text().splitlines()[-1])["machine"]
    with work.history.open("a") as out:
        out.write(record_line("reset rag", soon(), machine=mine))
    push_by_hand(work, "forged")
    before = snapshot(laptop)
    refused = laptop("sync", code=1)
    assert "claims to be this machine's" in refused.stderr
    assert snapshot(laptop) == before


def test_a_pulled_command_with_line_breaks_and_escapes_is_one_clean_line_in_log(
    world: World,
) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    with work.history.open("a") as out:
        out.write(record_line("done rag\nFAKE line\x1b[31m red\x07", soon(), machine="0ther"))
    push_by_hand(work, "odd command")
    laptop("sync")
    out = laptop("log").stdout
    assert "\x1b" not in out and "\x07" not in out
    [line] = [line for line in out.splitlines() if "FAKE" in line]
    assert "done rag FAKE line" in line


# --- an interrupted sync heals itself ---------------------------------------------------


def start_sync(machine: Machine) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [installed_script(), "sync"],
        env=machine.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job is
        preexec_fn=interruptible,
    )


def stop(proc: subprocess.Popen[str], sig: int) -> tuple[str, str]:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        return proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def when_it_appears(folder: Path, pattern: str, proc: subprocess.Popen[str]) -> bool:
    """Wait until a file matching `pattern` is in `folder` (True), or the process ends."""
    while proc.poll() is None:
        if any(folder.glob(pattern)):
            return True
        time.sleep(0.0005)
    return False


def leftovers(machine: Machine) -> list[str]:
    found = [p.name for p in machine.folder.glob(".merge_file_*")]
    found += [str(p) for p in (machine.folder / ".git").rglob("*.lock")]
    return found


def diverged(remote: Path, laptop: Machine, work: Machine) -> None:
    joined(remote, [laptop, work])
    work("done", "rag")
    work("note", "python", "from work")
    work("sync")
    laptop("start", "agentic-ai")
    laptop("note", "python", "from the laptop")


def heals(laptop: Machine, work: Machine) -> None:
    """The next plain sync completes by itself, and both machines end with every change."""
    laptop("sync")
    assert leftovers(laptop) == []
    assert laptop.git("status", "--porcelain") == ""
    work("sync")
    laptop("sync")
    for machine in (laptop, work):
        topics = machine.progress()["topics"]
        assert topics["rag"]["status"] == "done"
        assert topics["agentic-ai"]["status"] == "in-progress"
        assert "from work" in topics["python"]["note"]
        assert "from the laptop" in topics["python"]["note"]
        assert_no_markers(machine)
    assert laptop.state.read_text() == work.state.read_text()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill -9", "ctrl-c"])
@pytest.mark.parametrize(
    "moment", [".git/roadmap-sync", ".git/index.lock", ".merge_file_*"], ids=str.strip
)
def test_a_sync_stopped_at_any_moment_is_completed_by_the_next(
    world: World, sig: int, moment: str
) -> None:
    """Stopped once the sync has begun, while git holds the index (a commit, a merge), or
    while git runs roadmap's merge driver: the next `roadmap sync` cleans up and goes on."""
    remote, (laptop, work, _) = world
    diverged(remote, laptop, work)
    proc = start_sync(laptop)
    caught = when_it_appears(laptop.folder, moment, proc)
    out, err = stop(proc, sig)
    if sig == signal.SIGINT and caught:
        assert proc.returncode in (0, 130), (proc.returncode, out, err)
        assert "Traceback" not in err
        if proc.returncode == 130:
            assert err.strip() == "roadmap: interrupted"
    heals(laptop, work)


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.45, 0.6, 0.8])
def test_a_sync_killed_after_any_delay_is_completed_by_the_next(world: World, delay: float) -> None:
    remote, (laptop, work, _) = world
    diverged(remote, laptop, work)
    proc = start_sync(laptop)
    time.sleep(delay)
    stop(proc, signal.SIGKILL)
    heals(laptop, work)


def test_a_lock_of_a_git_running_beside_the_sync_is_waited_for_or_named(world: World) -> None:
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    lock = laptop.folder / ".git" / "index.lock"
    lock.write_text("")
    laptop("done", "rag")
    busy = laptop("sync", code=1)
    assert f"git is busy in {laptop.folder}: {lock} is held by another git command" in flat(
        busy.stderr
    )
    assert lock.exists()  # not ours to remove
    # A git that ends its command while the sync waits: the sync goes on.
    threading.Timer(0.5, lock.unlink).start()
    assert "Sent to origin" in laptop("sync").stdout


def test_a_push_that_lost_the_race_for_the_branch_is_retried(world: World, tmp_path: Path) -> None:
    """Another push holds the remote's branch while this one updates it ("failed to update
    ref"). The race cannot be caused on cue: a git on PATH takes the branch's lock in the
    remote before the first push goes out, and lets go once it has been refused."""
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    branch = laptop.git("symbolic-ref", "--short", "HEAD").strip()
    lock = remote / "refs" / "heads" / f"{branch}.lock"
    flag = tmp_path / "raced"
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "git").write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" push "*) if [ ! -e {flag} ]; then touch {flag} {lock};'
        f' {GIT} "$@"; code=$?; rm -f {lock}; exit $code; fi;; esac\n'
        f'exec {GIT} "$@"\n'
    )
    (shim / "git").chmod(0o755)
    laptop.env["PATH"] = f"{shim}{os.pathsep}{laptop.env['PATH']}"
    laptop("done", "rag")
    out = laptop("sync").stdout
    assert flag.exists() and not lock.exists()
    assert "after 1 refused push" in out
    work("sync")
    assert work.progress()["topics"]["rag"]["status"] == "done"


def test_a_repositorys_own_text_attributes_do_not_stop_a_sync(world: World) -> None:
    """A notes repository that gains `* text=auto` (as many do) is no attack: roadmap's own
    lines keep its files as they are, so the other machine syncs on."""
    remote, (laptop, work, _) = world
    in_notes(remote, [laptop, work])
    laptop("sync")
    (laptop.folder.parent / ".gitattributes").write_text(
        "* text=auto\n*.md diff=markdown\n*.toml linguist-language=TOML\n*.jsonl diff=json\n"
    )
    push_by_hand(laptop, "attributes for the notes")
    laptop("done", "rag")
    laptop("sync")
    assert "Received 1 change" in work("sync").stdout
    assert work.progress()["topics"]["rag"]["status"] == "done"


def test_a_remote_with_several_branches_syncs_its_default_or_says_which(
    world: World, tmp_path: Path
) -> None:
    remote, (laptop, work, _) = world
    (laptop.home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    laptop("done", "python")
    laptop("sync", "setup", str(remote))
    laptop("sync")
    subprocess.run([GIT, "-C", str(remote), "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
    subprocess.run([GIT, "-C", str(remote), "branch", "backup", "main"], check=True)
    work("done", "rag")  # a machine whose branch is master
    work("sync", "setup", str(remote))
    assert "origin/main" in work("sync").stdout
    laptop("sync")
    assert laptop.progress()["topics"]["rag"]["status"] == "done"
    # No default among them: the sync names the branches and what to run.
    subprocess.run([GIT, "-C", str(remote), "symbolic-ref", "HEAD", "refs/heads/gone"], check=True)
    cloud = Machine(tmp_path, "elsewhere")
    cloud("done", "rag")
    cloud("sync", "setup", str(remote))
    refused = cloud("sync", code=1)
    assert "origin has several branches (backup, main) and none is master" in flat(refused.stderr)


def test_a_work_tree_whose_git_folder_is_gone_is_one_line(world: World) -> None:
    _, (laptop, *_) = world
    laptop("done", "python")
    (laptop.folder / ".git").write_text(f"gitdir: {laptop.home / 'moved' / '.git'}\n")
    refused = laptop("sync", code=1)
    assert "names the git folder" in refused.stderr and "which is not there" in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert "which is not there" in flat(laptop("doctor").stdout)


def test_machines_with_different_fsrs_releases_sync_to_the_same_dates(
    world: World, tmp_path: Path
) -> None:
    """The work machine runs an fsrs whose default parameters differ (a copy of the installed
    one with FSRS-5's first four): both store the same dates, and end byte-equal."""
    shadow = fsrs_with_other_defaults(tmp_path)
    remote, (laptop, work, _) = world
    work.env["PYTHONPATH"] = str(shadow)
    joined(remote, [laptop, work])
    # The same finish on each machine, a fast-forward between: no merge replays the dates.
    work("done", "agentic-ai", "--date", "2026-11-02")
    work("sync")
    laptop("sync")
    laptop("done", "rag", "--date", "2026-11-02")
    laptop("sync")
    work("sync")
    assert laptop.state.read_bytes() == work.state.read_bytes()
    topics = laptop.progress()["topics"]
    assert topics["rag"]["due"] == topics["agentic-ai"]["due"]
    assert topics["rag"]["stability"] == topics["agentic-ai"]["stability"]
    assert laptop.progress()["scheduler"] == work.progress()["scheduler"]


def test_junk_lines_do_not_pass_for_a_trimmed_history(world: World) -> None:
    """A trim on another machine drops the oldest records and keeps about 2 MiB of them; a
    remote that keeps one record and fills the file with lines of no record is no trim."""
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    laptop("done", "rag")
    laptop("sync")
    work("sync")
    newest = work.history.read_text().splitlines()[-1]
    work.history.write_text(("x" * 1000 + "\n") * 3000 + newest + "\n")
    push_by_hand(work, "a trim, or so it says")
    before = snapshot(laptop)
    refused = laptop("sync", code=1)
    assert "without 2 records this machine has" in flat(refused.stderr)
    assert snapshot(laptop) == before


def test_a_history_trimmed_on_the_other_machine_syncs(world: World) -> None:
    """A history past 4 MiB is trimmed to half by the next change: the other machine takes
    the trim (its oldest records go there too), and both keep every newer record."""
    remote, (laptop, work, _) = world
    joined(remote, [laptop, work])
    start = datetime(2026, 1, 1).astimezone()
    with work.history.open("a") as out:
        for n in range(4500):  # about 4.5 MiB of old records, made on the work machine
            out.write(
                record_line(f"note python {'x' * 900}", start + timedelta(minutes=n), machine="w")
            )
    push_by_hand(work, "a long history")
    laptop("sync")
    laptop("done", "rag")
    laptop("sync")
    work("sync")
    work("note", "rag", "the trim comes with this change")  # past 4 MiB: trimmed to half
    assert work.history.stat().st_size < 2.5 * 2**20
    work("sync")
    laptop("sync")
    assert laptop.history.read_bytes() == work.history.read_bytes()
    commands = [json.loads(line)["command"] for line in laptop.history.read_text().splitlines()]
    assert "done rag" in commands and commands[-1] == "note rag"


def test_the_remote_check_of_setup_reads_no_config_of_a_repository_around(
    tmp_path: Path,
) -> None:
    """Progress kept in a folder of someone's repository: the check that the remote answers
    runs outside it, so that repository's ssh command (or a remote's name) has no say."""
    around = tmp_path / "around"
    subprocess.run([GIT, "init", "--quiet", str(around)], check=True)
    marker = tmp_path / "ran"
    subprocess.run(
        [GIT, "-C", str(around), "config", "core.sshCommand", f"touch {marker}; false"],
        check=True,
    )
    subprocess.run(
        [GIT, "-C", str(around), "remote", "add", "origin", str(tmp_path / "r.git")],
        check=True,
    )
    machine = Machine(tmp_path, "laptop")
    machine.env["ROADMAP_STATE"] = str(around / "notes" / "roadmap" / "progress.toml")
    refused = machine("sync", "setup", "ssh://nobody@example.invalid/x.git", code=1)
    assert "does not answer" in refused.stderr and not marker.exists()
    named = machine("sync", "setup", "origin", code=1)  # a name of the repository around
    assert "the remote origin does not answer" in named.stderr


def test_a_pipe_where_the_history_is_never_waited_on(tmp_path: Path) -> None:
    remote, (laptop, *_) = make_world(tmp_path)
    laptop("done", "python")
    laptop("sync", "setup", str(remote))
    laptop.history.unlink()
    os.mkfifo(laptop.history)
    done = subprocess.run(
        [installed_script(), "sync"],
        capture_output=True,
        text=True,
        env=laptop.env,
        stdin=subprocess.DEVNULL,
        timeout=60,  # a wait on the pipe would end here, failed
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "named pipe" in done.stderr
