"""Sync through git: `roadmap sync setup` and `roadmap sync`.

The progress file's folder is (or is inside) a git repository. `setup` writes a
`.gitattributes` there that gives the progress file roadmap's merge driver and the history
file git's `union` merge, registers the driver in that repository's own config
(`.git/config`, never the user's global one), keeps the lock and temporary files out of git
(`.git/info/exclude`), and asks git afterwards what it resolves (`git check-attr`,
`git config`). `sync` commits the learner's changes, fetches, merges, pushes, and on a push
that was rejected because the remote moved on, fetches and merges again (a few times; never
with force).

Nothing that arrives from a remote can make roadmap run a program: git reads merge drivers
from config only, and config never travels with a fetch; `sync` checks that the driver is
the one `setup` wrote before it merges. See docs/security.md.

Only the real `git` program is run, with arguments in a list (no shell), in the C locale.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from roadmap_cli.core.errors import SyncError, UsageError
from roadmap_cli.core.records import summary
from roadmap_cli.storage.paths import MACHINE_FILE

if TYPE_CHECKING:
    from roadmap_cli.core.records import Record

DRIVER = "roadmap"  # merge.roadmap.driver
# Attributes with which git rewrites a file on checkout (or runs a filter's program). Setup
# unsets them on roadmap's files beside their merge, so that a repository's own `* text=auto`
# leaves them alone; a remote may not set them there (`sync_gate`). The others (`merge`,
# `diff`, `linguist-*`, `export-ignore`) change no byte; a macro such as `binary` is read
# expanded.
REWRITING = ("text", "eol", "working-tree-encoding", "filter", "ident", "crlf")
KEEP_BYTES = " ".join(f"-{name}" for name in REWRITING)
LOCAL_ENV = frozenset(
    [
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_OBJECT_DIRECTORY",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_GRAFT_FILE",
        "GIT_INDEX_FILE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_REPLACE_REF_BASE",
        "GIT_PREFIX",
        "GIT_INTERNAL_SUPER_PREFIX",
        "GIT_SHALLOW_FILE",
        "GIT_COMMON_DIR",
    ]
)
DRIVER_NAME = "roadmap progress (docs/sync.md)"
IDENTITY = ("roadmap", "roadmap@localhost")  # when git has none configured
PUSH_TRIES = 4  # a push, and three more after fetching what the remote gained meanwhile
# Where git keeps the state of an operation that is under way.
BUSY = {
    "MERGE_HEAD": ("a merge", "git merge --continue' or 'git merge --abort"),
    "rebase-merge": ("a rebase", "git rebase --continue' or 'git rebase --abort"),
    "rebase-apply": ("a rebase", "git rebase --continue' or 'git rebase --abort"),
    "CHERRY_PICK_HEAD": ("a cherry-pick", "git cherry-pick --continue' or '--abort"),
    "REVERT_HEAD": ("a revert", "git revert --continue' or '--abort"),
    "BISECT_LOG": ("a bisect", "git bisect reset"),
}
# The kinds of files roadmap keeps in the progress folder: the only ones a sync commits, and
# the only ones it lets a remote it has never merged with hold.
OWN_SUFFIXES = (".toml", ".history.jsonl")
# What roadmap leaves beside any progress file: its lock, temporary files and copies.
BY_PRODUCTS = (
    "*.toml.lock",
    "*.toml.bak-*",
    "*.toml.corrupt-*",
    ".*.tmp",
    MACHINE_FILE,
    ".merge_file_*",  # git's copies for a merge driver, left by a merge that was stopped
)
MARK = "roadmap-sync"  # in the git folder while a sync runs: one found at the start was stopped
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a file name git patterns read as such


def driver_command() -> str:
    """How git runs the driver: this program, by absolute path, with git's placeholders."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name.startswith("roadmap") and script.is_file():
        program = [str(script.resolve())]
    else:
        program = [sys.executable, "-m", "roadmap_cli"]
    return " ".join(shlex.quote(part) for part in program) + " merge-driver %O %A %B"


# Settings given on every git command line, which no repository's config can override:
# nothing that arrives with a pull, or sits in a folder made to look like a repository,
# makes git run a program (docs/security.md, "Sync through git").
SAFE = (
    "safe.bareRepository=explicit",  # a pushed HEAD/config/objects/refs is never a repository
    "core.fsmonitor=false",  # no file-system monitor program
    f"core.hooksPath={os.devnull}",  # no hooks, ours or a path remote's
    "core.alternateRefsCommand=",  # no program to list an alternate's refs
    "submodule.recurse=false",  # submodules are never fetched or updated
    "diff.ignoreSubmodules=all",
    "fetch.recurseSubmodules=false",
    "protocol.ext.allow=never",  # no remote helper that runs a command
    "core.quotePath=false",
)


def safe_options() -> list[str]:
    return [f for setting in SAFE for f in ("-c", setting)]


def git_dir_of(folder: Path) -> tuple[Path, Path] | None:
    """The work tree's top and the git folder of the repository `folder` is in, found
    without running git: the nearest `.git` above it (a folder, or a file naming one).
    None when there is none. A folder that merely looks like a repository (HEAD, objects,
    refs) is never taken for one."""
    for place in (folder, *folder.parents):
        dot = place / ".git"
        if dot.is_dir():
            return place.resolve(), dot.resolve()
        if dot.is_file():
            try:
                text = dot.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if not text.startswith("gitdir:"):
                return None
            target = (place / text.removeprefix("gitdir:").strip()).resolve()
            if not target.is_dir():
                raise SyncError(
                    f"{dot} names the git folder {target}, which is not there (a work tree"
                    " moved or removed); repair it ('git worktree repair') and try again"
                )
            return place.resolve(), target
    return None


class Git:
    """The `git` program, run on one repository named explicitly (never discovered)."""

    def __init__(self, folder: Path, git_dir: Path | None = None) -> None:
        program = shutil.which("git")
        if program is None:
            raise SyncError(
                "git is not installed (or not on PATH); install it (https://git-scm.com)"
                " and run this again"
            )
        self.program = program
        self.folder = folder
        self.git_dir = git_dir
        self.identity: list[str] = []  # -c options for commits when git has no identity
        # Variables a parent git sets for its own repository (a hook, a dotfiles tool) would
        # point every command at that one: git's own list (`git rev-parse --local-env-vars`).
        inherited = {k: v for k, v in os.environ.items() if k not in LOCAL_ENV}
        self.env = {**inherited, "LC_ALL": "C", "GIT_MERGE_AUTOEDIT": "no"}

    def argv(self, *args: str) -> list[str]:
        where = ["-C", str(self.folder)]
        if self.git_dir is not None:
            where += [f"--git-dir={self.git_dir}", f"--work-tree={self.folder}"]
        return [self.program, *where, *safe_options(), *args]

    def run(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = run_to_end(self.argv(*args), {**self.env, **(env or {})}, self.program)
        if check and done.returncode != 0:
            name = next(a for n, a in enumerate(args) if a != "-c" and args[n - 1 : n] != ("-c",))
            raise SyncError(f"git {name} failed: {last_line(done)}")
        return done

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.strip()


def run_to_end(
    argv: list[str], env: dict[str, str], program: str
) -> subprocess.CompletedProcess[str]:
    """Run git to its end. On Ctrl-C, git (in the same process group) has the interrupt too
    and removes its own locks; it is waited for, never killed half-way (a killed git leaves
    `index.lock` behind), and the interrupt goes on once it has ended."""
    import signal

    try:
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
        )
    except OSError as exc:
        raise SyncError(f"cannot run git ({program}): {exc.strerror or exc}") from None
    interrupted = False
    with child:
        while True:
            try:
                out, err = child.communicate()
                break
            except KeyboardInterrupt:
                if not interrupted and child.poll() is None and hasattr(signal, "SIGINT"):
                    child.send_signal(signal.SIGINT)  # as a terminal's Ctrl-C would
                interrupted = True
    if interrupted:
        raise KeyboardInterrupt
    return subprocess.CompletedProcess(argv, child.returncode, out, err)


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    """git's own word on what went wrong: a push's reason for a refused ref, else its first
    `fatal:` or `error:` line, else its last line that says something (stderr first)."""
    from roadmap_cli.core.sanitize import clean

    refused = [line.split("\t")[-1] for line in done.stdout.splitlines() if line[:2] == "!\t"]
    lines = [line.strip() for line in (done.stderr + "\n" + done.stdout).splitlines()]
    said = [line for line in lines if line and not line.startswith(("hint:", "Done", "To "))]
    first = [line for line in said if line.startswith(("fatal:", "error:"))]
    found = (refused or first or said[-1:] or [f"exit code {done.returncode}"])[0]
    return clean(found.removeprefix("fatal: ").removeprefix("error: "))[:500]


@dataclass
class Repo:
    """What one run learns of the repository that holds the progress file."""

    git: Git
    top: Path  # the work tree's top folder
    git_dir: Path
    state: Path  # the progress file, relative to `top`
    history: Path
    branch: str | None  # None: HEAD is detached
    config: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # key: [(scope, v)]

    def get(self, key: str, scope: str | None = None) -> str | None:
        values = [v for s, v in self.config.get(key.lower(), []) if scope is None or s == scope]
        return values[-1] if values else None

    def remotes(self) -> list[str]:
        return sorted(
            {k.split(".")[1] for k in self.config if k.startswith("remote.") and k.endswith(".url")}
        )


def open_repo(state_file: Path, history_file: Path, *, needed: bool = True) -> Repo | None:
    """The repository that holds the progress folder; None (or, when `needed`, an error
    that says how to make one) when there is none."""
    folder = state_file.parent
    found = git_dir_of(folder) if folder.is_dir() else None
    if found is None:
        Git(folder)  # git missing is said first
        if not needed:
            return None
        if not folder.is_dir():
            raise SyncError(f"no progress folder yet at {folder}: run 'roadmap sync setup' first")
        raise SyncError(
            f"{folder} is not a git repository; run 'roadmap sync setup [REMOTE]' to make it one"
        )
    top, git_dir = found
    _refuse_lookalike(folder.resolve(), top)
    git = Git(top, git_dir)
    head = git.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    repo = Repo(
        git,
        top,
        git_dir,
        state_file.resolve().relative_to(top) if _inside(state_file, top) else state_file,
        history_file.resolve().relative_to(top) if _inside(history_file, top) else history_file,
        head.stdout.strip() if head.returncode == 0 else None,
    )
    repo.config = _config(git)
    return repo


# What makes a folder look like a repository to git: never in the progress folder, or between
# it and the top of the repository it is in.
LOOKALIKE = ("HEAD", "objects", "refs")


def lookalike(names: set[str]) -> bool:
    return all(name in names for name in LOOKALIKE)


def _refuse_lookalike(folder: Path, top: Path) -> None:
    for place in (folder, *folder.parents):
        if place == top:
            return
        try:
            names = {entry.name for entry in place.iterdir()}
        except OSError:
            continue
        if lookalike(names):
            raise SyncError(
                f"{place} holds a git repository's own files ({', '.join(LOOKALIKE)}), which"
                " a pull must never bring; nothing was run. Remove them (they are not"
                " roadmap's) and sync again"
            )


def _inside(path: Path, top: Path) -> bool:
    try:
        path.resolve().relative_to(top)
    except ValueError:
        return False
    return True


def _config(git: Git) -> dict[str, list[tuple[str, str]]]:
    """Every config value git sees here, each with its scope (local, global, system...)."""
    done = git.run("config", "--list", "-z", "--show-scope", check=False)
    values: dict[str, list[tuple[str, str]]] = {}
    parts = done.stdout.split("\0")
    for scope, entry in zip(parts[::2], parts[1::2], strict=False):
        key, _, value = entry.partition("\n")
        values.setdefault(key.lower(), []).append((scope, value))
    return values


# --- what is wrong with a repository, for sync and for doctor


def driver_problem(repo: Repo) -> str | None:
    """Why git would not merge the progress file with roadmap's driver here; None if it
    would. Only the repository's own config counts: that is where `setup` wrote it."""
    said = repo.git.run(
        "check-attr", "-z", "merge", "--", str(repo.state), str(repo.history), check=False
    )
    parts = said.stdout.split("\0")
    attrs = {
        path: value for path, _, value in zip(parts[::3], parts[1::3], parts[2::3], strict=False)
    }
    if attrs.get(str(repo.state)) != DRIVER or attrs.get(str(repo.history)) != "union":
        return (
            f"the .gitattributes of {repo.top} does not give {repo.state.name} roadmap's merge"
            " driver (git would merge it as text and may leave conflict markers)"
        )
    command = repo.get(f"merge.{DRIVER}.driver", "local")
    if not command:
        return (
            f"roadmap's merge driver is not registered in {repo.top}'s git config (git would"
            f" merge {repo.state.name} as text and may leave conflict markers)"
        )
    program = shlex.split(command)[0] if command.strip() else ""
    if not (Path(program).is_file() or shutil.which(program)):
        return f"the merge driver registered in {repo.top} runs {program}, which is not there"
    return None


def busy(repo: Repo) -> str | None:
    """The operation the repository is in the middle of, with how to end it; None if none."""
    for name, (what, how) in BUSY.items():
        if (repo.git_dir / name).exists():
            return f"{what} is under way in {repo.top}; finish it ('{how}') and sync again"
    return None


# --- setup


def setup(
    state_file: Path, history_file: Path, remote: str | None, *, replace: bool = False
) -> list[str]:
    """Make the progress folder a synced repository; what was done, one line each. With
    `replace`, `remote` takes the place of the remote origin there was. (The caller has
    checked that it answers: `check_answers`.)"""
    if remote is not None:
        _check_remote(remote)
    if not SAFE_NAME.fullmatch(state_file.name):
        raise SyncError(
            f"git patterns would misread the progress file's name {state_file.name!r}; name"
            " it with letters, digits, '.', '_' and '-' only (ROADMAP_STATE) and set up again"
        )
    said: list[str] = []
    folder = state_file.parent
    folder.mkdir(parents=True, exist_ok=True)
    repo = open_repo(state_file, history_file, needed=False)
    if repo is None:
        Git(folder).out("init", "--quiet", str(folder))
        said.append(f"Made {folder} a git repository")
        repo = open_repo(state_file, history_file)
        assert repo is not None
    else:
        said.append(f"Using the git repository at {repo.top}")
    current = repo.git.run("remote", "get-url", "origin", check=False)
    origin = current.stdout.strip() if current.returncode == 0 else None
    if remote is not None and origin not in (None, remote) and not replace:
        raise SyncError(  # before anything is written
            f"the remote origin of {repo.top} is {origin}, not {remote}; run"
            f" 'roadmap sync setup --remote {remote}' to sync with {remote} instead"
        )
    said += _write_attributes(folder, state_file, history_file)
    exclude_by_products(state_file.parent)
    repo.git.out("config", "--local", f"merge.{DRIVER}.name", DRIVER_NAME)
    repo.git.out("config", "--local", f"merge.{DRIVER}.driver", driver_command())
    said.append(f"Registered roadmap's merge driver in {repo.git_dir / 'config'}")
    if remote is not None and origin is None:
        repo.git.out("remote", "add", "origin", remote)
        said.append(f"Added the remote origin: {remote}")
    elif remote is not None and origin != remote:
        repo.git.out("remote", "set-url", "origin", remote)
        said.append(f"Changed the remote origin from {origin} to {remote}")
    elif remote is not None:
        said.append(f"The remote origin is already {remote}")
    repo = open_repo(state_file, history_file)
    assert repo is not None
    problem = driver_problem(repo)
    if problem is not None:
        raise SyncError(
            f"set up, but {problem}; check the attributes git reads"
            f" ('git check-attr -a {repo.state}')"
        )
    said.append("Checked: git resolves the progress file to roadmap's driver")
    return said


def _write_attributes(folder: Path, state_file: Path, history_file: Path) -> list[str]:
    """The lines of `.gitattributes` that give the progress files roadmap's merges (a line of
    one's own that overrides one of them goes); what was done, one line each."""
    said = []
    attributes = folder / ".gitattributes"
    lines = [
        f"/{state_file.name} merge={DRIVER} {KEEP_BYTES}",
        f"/{history_file.name} merge=union {KEEP_BYTES}",
        "/.gitattributes merge=union",  # two machines' own lines both stay
    ]
    names = [state_file.name, history_file.name]
    if state_file.name.startswith("progress"):  # the data folder: every catalog's progress
        lines[2:2] = [
            f"/progress-*.toml merge={DRIVER} {KEEP_BYTES}",
            f"/progress-*.history.jsonl merge=union {KEEP_BYTES}",
        ]
        names += ["progress-x.toml", "progress-x.history.jsonl"]  # as the globs above match
    for line in _drop_overrides(attributes, lines, names):
        said.append(f"Removed from {attributes} a line that overrode roadmap's: {line}")
    if _append_lines(attributes, lines, "# roadmap: how git merges your progress (docs/sync.md)"):
        said.append(
            f"Wrote {attributes}: {state_file.name} merges with roadmap's driver,"
            f" {history_file.name} as a union of lines"
        )
    return said


def exclude_by_products(folder: Path) -> bool:
    """Keep roadmap's by-products in `folder` (its lock, temporary files, copies, the machine's
    id) out of the git repository it is in, if any, through that repository's
    `info/exclude`, which is never shared: for a repository made by hand as much as for
    one `sync setup` made. Found and written without running git; False when there is no
    repository."""
    found = git_dir_of(folder)
    if found is None:
        return False
    top, git_dir = found
    common = git_dir / "commondir"  # a work tree of its own keeps exclude in the main one
    if common.is_file():
        git_dir = (git_dir / common.read_text(encoding="utf-8").strip()).resolve()
    inner = folder.resolve().relative_to(top).as_posix()
    where = "" if inner == "." else "/" + _escaped(inner)
    ignored = [f"{where}/{pattern}" for pattern in BY_PRODUCTS]
    exclude = git_dir / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    _append_lines(exclude, ignored, "# roadmap: its lock, temporary files and copies")
    return True


def _escaped(path: str) -> str:
    """A folder's path as a gitignore pattern matching it alone (globs and spaces quoted)."""
    return "".join("\\" + c if c in "*?[]\\!# " else c for c in path)


def _check_remote(remote: str) -> None:
    if not remote.strip() or remote.startswith("-"):
        raise UsageError(f"{remote!r} is not a remote: give a URL or a path")
    if "::" in remote.split("/")[0]:
        raise UsageError(
            f"{remote!r} names a remote helper; give an https, ssh or file URL, or a path"
        )


def check_answers(state_file: Path, remote: str) -> None:
    """That `remote` answers as a git repository (`git ls-remote`, which changes nothing
    anywhere), with no question for a password: one that does not is said so, before setup
    writes anything (its lock, even). A path is served by a git with roadmap's settings, as
    a sync serves it; git runs where the progress folder is, or would be."""
    import tempfile

    _check_remote(remote)
    given = remote
    folder = state_file.parent
    if is_local(remote) and not remote.startswith("file://"):  # as git will read it there
        near = next(p for p in (folder, *folder.parents) if p.is_dir())
        remote = str(near / Path(remote).expanduser())
    serve = []
    if is_local(remote):
        serve = [f"--upload-pack={shlex.join(['git', *safe_options(), 'upload-pack'])}"]
    # Run in an empty folder of its own, outside any repository: the config of a repository
    # the progress folder is in (an ssh command, a remote's name) has no say in the check.
    with tempfile.TemporaryDirectory(prefix="roadmap-remote-") as empty:
        git = Git(Path(empty))
        done = git.run(
            "ls-remote",
            "--heads",
            *serve,
            remote,
            check=False,
            env={
                "GIT_TERMINAL_PROMPT": "0",
                "GCM_INTERACTIVE": "never",
                "GIT_CEILING_DIRECTORIES": str(Path(empty).parent),
            },
        )
    if done.returncode != 0:
        raise SyncError(
            f"the remote {given} does not answer ({last_line(done)}); nothing was set up."
            " Check the URL, and that this machine can reach it ('git ls-remote URL'), then"
            " run this again"
        )


def _drop_overrides(path: Path, lines: list[str], names: list[str]) -> list[str]:
    """Remove from the `.gitattributes` at `path` the lines (other than roadmap's own) that
    set attributes on one of `names` (a later line wins in git: `/progress.toml merge=union`
    pushed by another machine would take the progress file from roadmap's driver, an
    encoding would rewrite it); the lines removed. Lines of roadmap's older versions (a
    merge alone) stay: the lines written after them say the same and more."""
    import fnmatch

    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SyncError(f"cannot read {path}: {exc}") from None
    kept: list[str] = []
    dropped: list[str] = []
    for line in text.splitlines(keepends=True):
        pattern, *attrs = line.split() or [""]
        older = any(line.split() == own.split()[:2] for own in lines)  # a merge line alone
        bare = pattern.removeprefix("/")
        if (
            line.strip() not in lines
            and not older
            and attrs
            and not pattern.startswith("#")
            and any(fnmatch.fnmatchcase(name, bare) for name in names)
        ):
            dropped.append(line.strip())
        else:
            kept.append(line)
    if dropped:
        path.write_text("".join(kept), encoding="utf-8")
    return dropped


def _append_lines(path: Path, lines: list[str], heading: str) -> bool:
    """Add each of `lines` that `path` lacks, under `heading`; leave every other line be."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SyncError(f"cannot read {path}: {exc}") from None
    have = {line.strip() for line in text.splitlines()}
    missing = [line for line in lines if line not in have]
    if not missing:
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    if heading not in have:
        text += heading + "\n"
    path.write_text(text + "\n".join(missing) + "\n", encoding="utf-8")
    return True


# --- sync


@dataclass
class Synced:
    """What a sync did."""

    committed: list[str] = field(default_factory=list)  # the commands it committed
    subject: str | None = None  # the message of its commit; None: nothing to commit
    remote: str | None = None  # None: no remote to sync with
    branch: str | None = None  # the remote branch, as `origin/main`
    received: list[str] = field(default_factory=list)  # the commands that arrived
    merged: bool = False  # the remote had commits this machine lacked
    pushed: bool = False
    retries: int = 0  # pushes refused because the remote had moved on
    healed: bool = False  # a sync stopped half-way was found, and what it left cleaned


def sync(state_file: Path, history_file: Path) -> Synced:
    """Commit, fetch, merge and push the progress files (the caller holds the lock). Git
    writes what it merges as any file of the repository (readable by all, as the umask
    has it); the progress files keep the mode they had, or are made private (0600)."""
    modes: dict[Path, int] = {}
    for path in (state_file, history_file):
        try:
            modes[path] = path.stat().st_mode & 0o777
        except OSError:
            modes[path] = 0o600
    try:
        return _sync(state_file, history_file)
    finally:
        for path, mode in modes.items():
            try:
                if path.stat().st_mode & 0o777 != mode:
                    path.chmod(mode)
            except OSError:
                pass


def unsent_repairs(state_file: Path, history_file: Path) -> list[Record]:
    """This machine's repairs that dropped values and are not committed yet: the sync that
    would send the repaired file to every machine should show them first. Records on the
    history's lines that HEAD does not have (all of them before a first commit)."""
    from roadmap_cli.core.records import Record
    from roadmap_cli.storage import files
    from roadmap_cli.storage.store import this_machine

    try:  # (a pipe or a folder in its place is the sync's to refuse, never to wait on)
        text = files.read_regular(history_file).decode("utf-8", errors="replace")
    except (OSError, files.NotRegularFile):
        return []
    if '"dropped"' not in text:
        return []  # no repair ever dropped a value here: no git to run
    repo = open_repo(state_file, history_file, needed=False)
    if repo is None:
        return []
    shown = repo.git.run("show", f"HEAD:{repo.history.as_posix()}", check=False)
    sent = {_id_of(line) for line in shown.stdout.splitlines()} if shown.returncode == 0 else set()
    machine = this_machine()
    found = []
    undone = set()
    for line in text.splitlines():
        if not ('"dropped"' in line and _id_of(line) not in sent) and '"undoes"' not in line:
            continue
        try:
            record = Record.from_json(line)
        except (ValueError, KeyError, TypeError, RecursionError):
            continue
        undone.add(record.undoes)
        if record.barrier and record.dropped and machine.made(record):
            found.append(record)
    return [record for record in found if record.id not in undone]


def _sync(state_file: Path, history_file: Path) -> Synced:
    repo = open_repo(state_file, history_file)
    assert repo is not None
    mark = repo.git_dir / MARK
    healed = _heal(repo, mark)
    try:
        mark.write_text(f"{os.getpid()}\n", encoding="utf-8")
        began = mark.stat().st_mtime - 1
    except OSError as exc:
        raise SyncError(f"cannot write {mark}: {exc.strerror or exc}") from None
    try:
        done = _sync_in(repo)
    except KeyboardInterrupt:  # the mark stays: the next sync cleans what a stopped git left
        _remove_merge_files(repo, began)
        raise
    except BaseException:
        _remove_merge_files(repo, began)
        mark.unlink(missing_ok=True)
        raise
    mark.unlink(missing_ok=True)
    done.healed = healed
    return done


def _heal(repo: Repo, mark: Path) -> bool:
    """Clean what a sync that was stopped half-way (Ctrl-C, a kill, a crash) left behind:
    git's lock files and the temporary files of a merge, made since it began. A lock that a
    live git holds (or one older than the stopped sync) is waited for a moment, then named.
    True when a stopped sync was found (the caller holds the progress file's lock, so no
    other sync is running)."""
    import time

    try:
        began: float | None = mark.stat().st_mtime - 1
    except FileNotFoundError:
        began = None
    if began is not None and not mark.is_file():
        raise SyncError(f"{mark} is not roadmap's file; remove it and sync again")
    locks = _git_locks(repo)
    for _ in range(20):  # a live git ends its command in a moment
        if not locks:
            break
        time.sleep(0.1)
        locks = _git_locks(repo)
    for lock in locks:
        try:
            made = lock.stat().st_mtime
        except FileNotFoundError:
            continue
        if began is None or made < began:
            raise SyncError(
                f"git is busy in {repo.top}: {lock} is held by another git command (or one"
                " that was stopped); wait for it to end, or remove that file if no git runs,"
                " and sync again"
            )
        lock.unlink(missing_ok=True)
    if began is None:
        return False
    _remove_merge_files(repo, began)
    return True


def _remove_merge_files(repo: Repo, since: float) -> None:
    """The copies git makes for a merge driver (`.merge_file_*`), made since `since`: left
    by a merge that was stopped."""
    for leftover in repo.top.glob(".merge_file_*"):
        with contextlib.suppress(OSError):
            if leftover.is_file() and leftover.stat().st_mtime >= since:
                leftover.unlink()


def _git_locks(repo: Repo) -> list[Path]:
    """git's lock files in the repository's own folder (the index, HEAD, refs, config)."""
    found = [p for p in repo.git_dir.glob("*.lock") if p.is_file()]
    refs = repo.git_dir / "refs"
    if refs.is_dir():
        found += [p for p in refs.rglob("*.lock") if p.is_file()]
    return found


def _ready(repo: Repo) -> None:
    """A SyncError unless the repository can sync: no git operation under way (one a stopped
    sync left is concluded), a branch checked out, roadmap's driver in place."""
    operation = busy(repo)  # first: a rebase detaches HEAD too
    if operation is not None and not _conclude(repo):
        raise SyncError(operation)
    if repo.branch is None:
        raise SyncError(
            f"HEAD is detached in {repo.top} (no branch is checked out); check out your"
            " branch ('git switch main') and sync again"
        )
    problem = driver_problem(repo)
    if problem is not None:
        raise SyncError(f"{problem}; run 'roadmap sync setup' to fix it")


def _fetch(repo: Repo, remote: str) -> None:
    fetched = repo.git.run(
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-recurse-submodules",
        *_transport(repo, remote, "upload-pack"),
        remote,
        check=False,
    )
    if fetched.returncode != 0:
        raise SyncError(
            f"cannot fetch from {remote}: {last_line(fetched)}; your changes are committed"
            " here and go with the next sync"
        )


def _sync_in(repo: Repo) -> Synced:
    _ready(repo)
    ours = _our_changes(repo)
    done = Synced()
    _identity(repo)
    if ours:
        done.subject, done.committed = _commit(repo, ours)
    remote = _remote(repo)
    if remote is None:
        return done
    done.remote = remote
    for attempt in range(PUSH_TRIES):
        _fetch(repo, remote)
        target, upstream = _upstream(repo, remote)
        done.branch = f"{remote}/{target}"
        if upstream is not None:
            counted = repo.git.run(
                "rev-list", "--left-right", "--count", f"HEAD...{upstream}", check=False
            )
            born = counted.returncode == 0  # else no commit yet: what the remote has is all
            ahead, behind = map(int, counted.stdout.split()) if born else (0, 1)
            if behind:
                done.received += _merge(repo, upstream, born)
                done.merged = True
            if not ahead:  # nothing of ours the remote lacks (a fast-forward, or no change)
                return done
        pushed = repo.git.run(
            "push",
            "--porcelain",
            "--quiet",
            "--no-recurse-submodules",
            *_transport(repo, remote, "receive-pack"),
            *(() if _tracking(repo) else ("--set-upstream",)),
            remote,
            f"HEAD:refs/heads/{target}",
            check=False,
        )
        if pushed.returncode == 0:
            done.pushed = True
            return done
        if not _lost_race(pushed.stdout):  # a refusal other than "fetch first"
            raise SyncError(
                f"cannot push to {remote}: {last_line(pushed)}; your changes are committed"
                " here and go with the next sync"
            )
        done.retries = attempt + 1
    raise SyncError(
        f"{remote} kept moving while this sync ran ({PUSH_TRIES} pushes were refused);"
        " your changes are committed and merged here: run 'roadmap sync' again"
    )


def _lost_race(porcelain: str) -> bool:
    """Whether a push was refused because the remote moved on: behind it ("fetch first",
    "non-fast-forward"), or another push updated the branch while this one ran."""
    refused = [line for line in porcelain.splitlines() if line.startswith("!\t")]
    return bool(refused) and all(
        "\t[rejected]" in line
        or ("[remote rejected]" in line and ("failed to update ref" in line or "lock" in line))
        for line in refused
    )


def _conclude(repo: Repo) -> bool:
    """Commit a merge that stopped on roadmap's files alone, once they are whole again (git
    merged them as text, and `roadmap doctor --repair` merged both sides): what a learner
    would otherwise finish by hand. False for any other operation under way."""
    if not (repo.git_dir / "MERGE_HEAD").exists() or _busy_beyond_merge(repo):
        return False
    unmerged = repo.git.out(
        "diff", "--ignore-submodules=all", "--name-only", "--diff-filter=U", "-z"
    ).split("\0")
    unmerged = [name for name in unmerged if name]
    if not all(is_ours(repo, name) for name in unmerged):
        return False
    from roadmap_cli.storage import conflicts

    for name in unmerged:
        try:
            text = (repo.top / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        if conflicts.has_markers(text):
            return False
    _identity(repo)
    repo.git.out("add", "--", *unmerged)
    repo.git.run(*repo.git.identity, "commit", "--quiet", "--no-edit")
    return True


def _busy_beyond_merge(repo: Repo) -> bool:
    return any((repo.git_dir / name).exists() for name in BUSY if name != "MERGE_HEAD")


def is_ours(repo: Repo, path: str) -> bool:
    """A file of roadmap's: in the progress folder, a progress file of any catalog, a
    history, or the .gitattributes beside them."""
    where = Path(path)
    if where.parent != repo.state.parent:
        return False
    name = where.name
    return (
        where in (repo.state, repo.history)
        or name == ".gitattributes"
        or (name.startswith("progress") and name.endswith(OWN_SUFFIXES))
    )


def by_product(path: str) -> bool:
    """A name roadmap or git keeps beside a progress file for this machine alone."""
    import fnmatch

    return any(fnmatch.fnmatchcase(Path(path).name, pattern) for pattern in BY_PRODUCTS)


def _our_changes(repo: Repo) -> list[str]:
    """The progress files that changed (relative to the top); refuse changes of any other
    tracked file, and files in the progress folder that are not roadmap's."""
    listed = repo.git.run(
        "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=all"
    ).stdout
    entries = listed.split("\0")
    folder = str(repo.state.parent)
    changed: list[str] = []
    n = 0
    while n < len(entries):
        entry = entries[n]
        n += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":
            n += 1  # the name it had comes next
        if is_ours(repo, path):
            changed.append(path)
            continue
        if code == "??" and Path(path).parent == repo.state.parent and by_product(path):
            continue  # a lock or a copy, excluded by setup (on a machine set up before)
        in_folder = folder == "." or path.startswith(folder.rstrip("/") + "/")
        if code != "??" or in_folder:
            raise SyncError(
                f"{repo.top / path} has changes that are not roadmap's; commit or stash them"
                f" ('git -C {repo.top} status'), then sync again"
            )
    return sorted(changed)


def _identity(repo: Repo) -> None:
    """Commit as the user's git identity, or as roadmap when git has none (never ask)."""
    for key, env, value in zip(
        ("user.name", "user.email"), ("NAME", "EMAIL"), IDENTITY, strict=True
    ):
        if not repo.get(key) and not (
            os.environ.get(f"GIT_AUTHOR_{env}") and os.environ.get(f"GIT_COMMITTER_{env}")
        ):
            repo.git.identity += ["-c", f"{key}={value}"]


def _commit(repo: Repo, paths: list[str]) -> tuple[str, list[str]]:
    repo.git.out("add", "--", *paths)
    added = _added_records(repo, "--cached")
    subject = summary(added) or (
        "roadmap: how git merges the progress files"
        if all(p.endswith(".gitattributes") for p in paths)
        else "roadmap: progress edited by hand"
    )
    body = "\n".join(added[:100]) + (f"\n(and {len(added) - 100} more)" if len(added) > 100 else "")
    args = ["commit", "--quiet", "-m", subject]
    if len(added) > 1:
        args += ["-m", body]
    repo.git.run(*repo.git.identity, *args, "--", *paths)
    return subject, added


def _added_records(repo: Repo, *between: str) -> list[str]:
    """The commands of the history records that `git diff *between` adds, cleaned."""
    from roadmap_cli.core.records import Record
    from roadmap_cli.core.sanitize import clean

    diff = repo.git.out(
        "diff",
        "--ignore-submodules=all",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        *between,
        "--",
        str(repo.history),
    )
    found: list[str] = []
    # A trim rewrites the file: a line it moved shows as removed and added, and is no news.
    seen = {_id_of(line[1:]) for line in diff.splitlines() if line.startswith("-{")}
    for line in diff.splitlines():
        if not line.startswith("+{") or _id_of(line[1:]) in seen:
            continue
        try:
            record = Record.from_json(line[1:])
        except (ValueError, KeyError, TypeError, RecursionError):
            continue
        if record.id not in seen:
            seen.add(record.id)
            found.append(" ".join(clean(record.command).split()))
    return found


def _id_of(line: str) -> str | None:
    """A record's id, read from its line: without parsing the rest when `"id": "` is there
    once; parsed when rows (which have ids of their own) are in its changes."""
    start = line.find('"id": "')
    if start < 0:
        return None
    if line.find('"id": "', start + 1) >= 0:
        import json

        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            return None
        found = data.get("id") if isinstance(data, dict) else None
        return found if isinstance(found, str) else None
    end = line.find('"', start + 7)
    return line[start + 7 : end] if end > 0 else None


def _remote(repo: Repo) -> str | None:
    upstream = repo.get(f"branch.{repo.branch}.remote")
    remotes = repo.remotes()
    if upstream and upstream in remotes:
        return upstream
    if "origin" in remotes:
        return "origin"
    return remotes[0] if len(remotes) == 1 else None


def _transport(repo: Repo, remote: str, side: str) -> list[str]:
    """For a remote that is a path (a bare repository on a USB stick), the git that serves
    it runs here, in that repository: with roadmap's settings, so that neither its hooks nor
    its config run a program. Other remotes run their own server."""
    url = repo.get(f"remote.{remote}.url") or ""
    if not is_local(url):
        return []
    refuse = ["-c", "receive.denyCurrentBranch=refuse"] if side == "receive-pack" else []
    command = ["git", *safe_options(), *refuse, side]
    return [f"--{side}={' '.join(shlex.quote(part) for part in command)}"]


def is_local(url: str) -> bool:
    """Whether git reaches `url` as a folder on this machine: a path or a file:// URL (not
    `host:path`, which is ssh; a letter and a colon is a Windows drive)."""
    if url.startswith("file://"):
        return True
    if "://" in url:
        return False
    head = url.split("/")[0].split("\\")[0]
    return ":" not in head or (len(head) == 2 and head[0].isalpha())


def _tracking(repo: Repo) -> bool:
    return bool(repo.get(f"branch.{repo.branch}.merge"))


def _upstream(repo: Repo, remote: str) -> tuple[str, str | None]:
    """The remote branch to merge and push to, and its fetched ref (None: not there yet)."""
    merge = repo.get(f"branch.{repo.branch}.merge")
    names = [merge.removeprefix("refs/heads/")] if merge else []
    listed = repo.git.out("for-each-ref", "--format=%(refname)", f"refs/remotes/{remote}/")
    there = [ref.removeprefix(f"refs/remotes/{remote}/") for ref in listed.splitlines()]
    there = [name for name in there if name != "HEAD"]
    names.append(str(repo.branch))
    if len(there) == 1:
        names.append(there[0])  # a remote with one branch, named otherwise (main, master)
    for name in names:
        if name in there:
            return name, f"refs/remotes/{remote}/{name}"
    if len(there) > 1:  # several, none of them ours: the one the remote calls its default
        said = repo.git.run(
            "ls-remote", "--symref", *_transport(repo, remote, "upload-pack"), remote, "HEAD"
        )
        for line in said.stdout.splitlines():
            if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
                default = line.removeprefix("ref: refs/heads/").removesuffix("\tHEAD")
                if default in there:
                    return default, f"refs/remotes/{remote}/{default}"
        raise SyncError(
            f"{remote} has several branches ({', '.join(sorted(there)[:5])}) and none is"
            f" {repo.branch}; choose the one to sync with ('git -C {repo.top} branch"
            f" --set-upstream-to {remote}/NAME') and sync again"
        )
    return names[0], None


def _merge(repo: Repo, upstream: str, born: bool) -> list[str]:
    """Merge what the remote has that HEAD lacks; the commands of the records it brought."""
    from roadmap_cli.storage import sync_gate

    short = upstream.removeprefix("refs/remotes/")
    sync_gate.check(repo, upstream)
    args = ["merge", "--quiet", "--no-edit", "--no-stat", "-m", f"roadmap sync: merge {short}"]
    merged = repo.git.run(*repo.git.identity, *args, upstream, check=False)
    if merged.returncode != 0 and "unrelated histories" in merged.stderr:
        _check_unrelated(repo, upstream)
        args.append("--allow-unrelated-histories")
        merged = repo.git.run(*repo.git.identity, *args, upstream, check=False)
    if merged.returncode != 0:
        conflicted = repo.git.run(
            "diff", "--ignore-submodules=all", "--name-only", "--diff-filter=U", check=False
        )
        files = ", ".join(conflicted.stdout.split()) or last_line(merged)
        driver = [line for line in merged.stderr.splitlines() if line.startswith("roadmap: ")]
        if driver:  # the merge driver's own reason
            files += ": " + driver[0].removeprefix("roadmap: error: ").rstrip(".")
        if (repo.git_dir / "MERGE_HEAD").exists():
            repo.git.run("merge", "--abort", check=False)
        raise SyncError(
            f"the merge with {short} stopped ({files});"
            " it was undone, and nothing changed here. Run 'roadmap doctor' to check the"
            " progress files on both machines"
        )
    if born:
        return _added_records(repo, "ORIG_HEAD", "HEAD")
    from roadmap_cli.core.sanitize import clean
    from roadmap_cli.storage import history_file

    return [clean(r.command) for r in history_file.read(repo.top / repo.history).records]


def _check_unrelated(repo: Repo, upstream: str) -> None:
    """A remote whose history shares nothing with this one is merged only when it holds
    roadmap's files alone (the first sync of a second machine), never someone's project."""
    names = repo.git.out("ls-tree", "-r", "-z", "--name-only", upstream).split("\0")
    names = [name for name in names if name]
    short = upstream.removeprefix("refs/remotes/")
    other = [n for n in names if not (n.endswith(OWN_SUFFIXES) or n.endswith(".gitattributes"))]
    if other:
        raise SyncError(
            f"{short} shares no history with {repo.top} and holds other files ({other[0]});"
            " check the remote's URL"
        )
    elsewhere = sorted(
        (n for n in names if Path(n).parent != repo.state.parent),
        key=lambda n: not n.endswith(".toml"),  # a progress file names the place best
    )
    if elsewhere:  # its progress would sit beside this one's, and neither would see the other
        where = repo.state.parent.as_posix()
        raise SyncError(
            f"{short} keeps its progress at {elsewhere[0]}, this machine in"
            f" {'the top folder' if where == '.' else where + '/'} of {repo.top}; point"
            " ROADMAP_STATE at the same place on both machines and sync again"
        )


def doctor_finding(state_file: Path, history_file: Path) -> str | None:
    """What doctor says of a progress folder kept in git whose merges would not go through
    roadmap's driver; None when it is not in git, or all is well."""
    try:
        if git_dir_of(state_file.parent) is None:
            return None
    except SyncError as exc:
        return exc.message
    try:
        repo = open_repo(state_file, history_file, needed=False)
        problem = None if repo is None else driver_problem(repo)
    except SyncError:
        return None  # no git here: nothing would merge it either
    if problem is None:
        return None
    return f"{problem}; run 'roadmap sync setup' on this machine"
