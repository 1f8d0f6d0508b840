"""What a git remote sends, checked before a sync merges it (or fast-forwards to it).

A remote is someone else's data, as an export is: a shared notes repository, a USB stick, a
fork. Before anything of it reaches the work tree, the remote branch's tree is read from
git's objects (nothing is checked out) and held to the rules an import keeps:

- in the progress folder, roadmap's files are regular files (no link, folder or
  submodule at their names), no folder looks like a repository (HEAD, objects, refs), and
  no submodule sits anywhere;
- a `.gitattributes` it brings gives roadmap's files no attribute but `merge` (an encoding,
  end-of-line rule or filter would rewrite the progress file on checkout);
- it deletes neither a progress file nor a history that the last merge had;
- each progress file it changes reads and validates as the progress file does (size,
  TOML, depth, schema, every value), and no time in it lies before 1970 or more than a day
  ahead of this machine's clock;
- each history record it adds has a plausible time and does not claim to be this
  machine's own.

A refusal is a `SyncError` that says what the remote holds; nothing here has changed then.
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from roadmap_cli.core.errors import ConflictError, StateError, SyncError
from roadmap_cli.storage.git_sync import REWRITING, lookalike

if TYPE_CHECKING:
    from roadmap_cli.core.records import Record
    from roadmap_cli.core.state import State
    from roadmap_cli.storage.git_sync import Repo

LINK, GITLINK = "120000", "160000"
MAX_BYTES = 16 * 1024 * 1024  # a progress file or a history, as the merge driver reads them
TRIM_SLACK = 64 * 1024  # the most a trim may leave below half its limit: one large record


class Entry(NamedTuple):
    mode: str
    kind: str  # blob, tree or commit (a submodule)
    oid: str
    size: int | None  # None for a tree or a submodule
    path: str  # from the top of the work tree


class Trees(NamedTuple):
    """The progress folder's entries here, on the remote, and at the last merge."""

    ours: dict[str, Entry]
    theirs: dict[str, Entry]
    base: dict[str, Entry]


def check(repo: Repo, upstream: str) -> None:
    """Refuse (SyncError) what `upstream` holds that a sync must not take."""
    short = upstream.removeprefix("refs/remotes/")
    folder = repo.state.parent.as_posix()
    base = repo.git.run("merge-base", "HEAD", upstream, check=False).stdout.strip()
    trees = Trees(
        _tree(repo, "HEAD", folder),
        _tree(repo, upstream, folder),
        _tree(repo, base, folder) if base else {},
    )
    _check_layout(repo, upstream, short, folder, trees.theirs)
    _check_attributes(repo, upstream, short, trees)
    _check_deletions(repo, short, trees)
    _check_contents(repo, short, trees)


def _refuse(short: str, holds: str, fix: str) -> SyncError:
    return SyncError(f"{short} holds {holds}; it was not merged, and nothing here changed. {fix}")


def _tree(repo: Repo, rev: str, folder: str) -> dict[str, Entry]:
    """Every entry of `rev` in the progress folder and below it, folders included; empty
    when `rev` does not exist yet (a repository without commits)."""
    where = [] if folder == "." else ["--", f"{folder}/"]
    done = repo.git.run("ls-tree", "-r", "-t", "-z", "--long", rev, *where, check=False)
    if done.returncode != 0:
        return {}
    found: dict[str, Entry] = {}
    for line in done.stdout.split("\0"):
        info, _, path = line.partition("\t")
        parts = info.split()
        if len(parts) != 4:
            continue
        mode, kind, oid, size = parts
        found[path] = Entry(mode, kind, oid, int(size) if size.isdigit() else None, path)
    return found


def _own(repo: Repo, path: str) -> bool:
    """A name roadmap keeps a file at, in the progress folder."""
    from roadmap_cli.storage.git_sync import is_ours

    where = PurePosixPath(path)
    return is_ours(repo, path) or (
        Path(where.parent) == repo.state.parent and where.name.startswith(repo.state.name)
    )


def _by_product(repo: Repo, path: str) -> bool:
    """A name in the progress folder that roadmap or git keeps for this machine alone: git
    would write a pulled file over an ignored one there."""
    from roadmap_cli.storage.git_sync import by_product

    return Path(PurePosixPath(path).parent) == repo.state.parent and by_product(path)


def _check_layout(
    repo: Repo, upstream: str, short: str, folder: str, theirs: dict[str, Entry]
) -> None:
    names: dict[str, set[str]] = {}
    for path, entry in theirs.items():
        parent = PurePosixPath(path).parent.as_posix()
        names.setdefault(parent, set()).add(PurePosixPath(path).name)
        if entry.mode == GITLINK:
            raise _refuse(
                short,
                f"a submodule at {path}",
                "Roadmap never fetches submodules; remove it from the remote's branch and"
                " sync again",
            )
        if _by_product(repo, path):
            raise _refuse(
                short,
                f"{path}, a name roadmap keeps for a file of this machine's own (its lock,"
                " a temporary file, a copy, the machine's id)",
                "Those never travel: remove it from the remote's branch and sync again",
            )
        if not _own(repo, path):
            continue
        what = {LINK: "a link", GITLINK: "a submodule"}.get(
            entry.mode, "a folder" if entry.kind == "tree" else None
        )
        if what is not None:
            raise _refuse(
                short,
                f"{what} at {path}, where roadmap keeps a file of its own",
                "Remove it from the remote's branch and sync again",
            )
    # The progress folder, the folders below it, and those between it and the top.
    above = [p.as_posix() for p in PurePosixPath(folder).parents if p.as_posix() != "."]
    for place in above:
        listed = repo.git.run("ls-tree", "-z", "--name-only", upstream, "--", f"{place}/")
        names[place] = {PurePosixPath(n).name for n in listed.stdout.split("\0") if n}
    names.setdefault(folder, set())
    if folder == ".":
        names["."] |= {PurePosixPath(p).name for p in theirs if "/" not in p}
    for place, held in sorted(names.items()):
        if lookalike(held):
            shown = "the top folder" if place == "." else f"{place}/"
            raise _refuse(
                short,
                f"a git repository's own files (HEAD, objects, refs) in {shown}",
                "Git would take that folder for a repository and read its config; remove"
                " them from the remote's branch and sync again",
            )


def _check_attributes(repo: Repo, upstream: str, short: str, trees: Trees) -> None:
    """Attributes the remote's tree gives roadmap's files that this one does not, read by
    git itself from an index of that tree (git 2.39 has no `check-attr --source`): for the
    progress file and history of every catalog on either side."""
    both = {
        p
        for p in (*trees.ours, *trees.theirs)
        if _own(repo, p) and not p.endswith(".gitattributes")
    }
    files = sorted({str(repo.state), str(repo.history)} | both)
    now = _attributes(repo, files, None)
    with tempfile.TemporaryDirectory(prefix="roadmap-sync-") as scratch:
        index = str(Path(scratch, "index"))
        repo.git.run("read-tree", upstream, env={"GIT_INDEX_FILE": index})
        then = _attributes(repo, files, index)
    for (path, name), value in sorted(then.items()):
        if name in REWRITING and now.get((path, name)) != value:
            raise _refuse(
                short,
                f"a .gitattributes that gives {path} '{name}: {value}' (an attribute that"
                " rewrites a file on checkout; roadmap's files allow 'merge' and those that"
                " change nothing, such as 'diff')",
                "Remove that line from the remote's branch (where it is in the progress"
                " folder's .gitattributes, 'roadmap sync setup' on the machine that pushed it"
                " does) and sync again",
            )


def _attributes(repo: Repo, files: list[str], index: str | None) -> dict[tuple[str, str], str]:
    env = {"GIT_INDEX_FILE": index} if index else {}
    said = repo.git.run("check-attr", "--cached", "-z", "-a", "--", *files, env=env)
    parts = said.stdout.split("\0")
    return {
        (path, name): value
        for path, name, value in zip(parts[::3], parts[1::3], parts[2::3], strict=False)
        if path
    }


def _progress_like(repo: Repo, path: str) -> bool:
    name = PurePosixPath(path).name
    return _own(repo, path) and name != ".gitattributes"


def _check_deletions(repo: Repo, short: str, trees: Trees) -> None:
    for path in [p for p in trees.ours if _progress_like(repo, p) and p not in trees.theirs]:
        if path in trees.base:
            raise _refuse(
                short,
                f"no {path}: a commit there deleted it",
                "A sync never takes a deletion of your progress (clear it with 'roadmap"
                " reset', which travels as changes); restore the file on the remote's branch"
                " and sync again",
            )


def _check_contents(repo: Repo, short: str, trees: Trees) -> None:
    from roadmap_cli.core.state import State, now
    from roadmap_cli.formats.plausible import implausible_time

    moment = now()
    for path, entry in sorted(trees.theirs.items()):
        if entry.kind != "blob" or not _progress_like(repo, path):
            continue
        mine = trees.ours.get(path)
        if mine is not None and mine.oid == entry.oid:
            continue  # the same bytes as here
        if entry.size is not None and entry.size > MAX_BYTES:
            raise _refuse(
                short,
                f"a {path} of {entry.size / 2**20:.0f} MiB (at most {MAX_BYTES // 2**20} MiB)",
                "Check what was pushed there and sync again",
            )
        text = _blob(repo, entry.oid)
        if path.endswith(".toml"):
            state = _state(short, path, text)
            late = implausible_time(state, [], moment)
        else:
            old = _blob(repo, mine.oid) if mine is not None and mine.kind == "blob" else ""
            added = _added_records(repo, short, path, old, text)
            was = trees.base.get(path)
            if was is not None and was.kind == "blob" and was.oid != entry.oid:
                _check_dropped(short, path, _blob(repo, was.oid), text)
            late = implausible_time(State(), added, moment)
        if late:
            raise _refuse(
                short,
                f"a {path} with a time that cannot be right ({late.split(': ', 1)[-1]})",
                "Check the clock of the machine that pushed it and sync again",
            )


def _records(text: str) -> list[Record]:
    from roadmap_cli.core.records import Record

    found = []
    for line in text.split("\n"):
        if line.strip():
            try:
                found.append(Record.from_json(line))
            except (ValueError, KeyError, TypeError, RecursionError):
                continue
    return found


def _check_dropped(short: str, path: str, old: str, text: str) -> None:
    """A history may lose records of the last merge (`old`) only as a trim drops them
    (`history_file.trimmed`): the oldest, from a file that is still large; a remote that
    removes newer ones would remove them here too (a union merge takes a side's deletions)."""
    from roadmap_cli.storage.history_file import MAX_BYTES as TRIMMED_AT

    kept = _records(text)
    have = {record.id for record in kept}
    dropped = [r for r in _records(old) if r.id not in have and not r.foreign]
    if not dropped:
        return
    oldest = min((r.time for r in kept if not r.foreign), default=None)
    # A trim keeps records up to half the size that set it off, less one record at most:
    # counted in records, so that lines of no record cannot pass for a trimmed history.
    kept_bytes = sum(len(r.to_json().encode("utf-8")) + 1 for r in kept)
    trimmed = kept_bytes >= TRIMMED_AT // 2 - TRIM_SLACK
    if trimmed and oldest is not None and all(r.time <= oldest for r in dropped):
        return  # the oldest records, as a trim on the other machine drops them
    newest = max(dropped, key=lambda r: r.time)
    raise _refuse(
        short,
        f"a {path} without {len(dropped)} record{'s' if len(dropped) > 1 else ''} this"
        f" machine has (the newest: {newest.command.splitlines()[0][:60]!r} of"
        f" {newest.time:%Y-%m-%d %H:%M})",
        "A sync never takes records away from your history; restore them on the remote's"
        " branch (or push this machine's history there) and sync again",
    )


def _blob(repo: Repo, oid: str) -> str:
    return repo.git.run("cat-file", "blob", oid).stdout


def _state(short: str, path: str, text: str) -> State:
    from roadmap_cli.storage.conflicts import state_of

    try:
        return state_of(text, f"{short}'s {path}")
    except ConflictError:
        why = "it holds git conflict markers: it was merged without roadmap's driver"
    except StateError as exc:
        why = exc.message
    raise _refuse(
        short,
        f"a {path} that cannot be used ({why})",
        "Run 'roadmap doctor' on the machine that pushed it, then sync again",
    )


def _added_records(repo: Repo, short: str, path: str, old: str, text: str) -> list[Record]:
    """The records of `text` that `old` lacks; refused when one claims to be this
    machine's (a record made here never arrives from elsewhere)."""
    from roadmap_cli.core.records import Record
    from roadmap_cli.storage.store import this_machine

    have = set(old.split("\n"))
    machine = this_machine().id
    added: list[Record] = []
    for line in text.split("\n"):
        if not line.strip() or line in have:
            continue
        try:
            record = Record.from_json(line)
        except (ValueError, KeyError, TypeError, RecursionError):
            continue  # no record: every reader skips it
        if record.machine == machine:
            raise _refuse(
                short,
                f"a record in {path} that claims to be this machine's ({record.id}) but is"
                " not in its history",
                "Check who can push to the remote, and sync again once it is removed",
            )
        added.append(record)
    return added
