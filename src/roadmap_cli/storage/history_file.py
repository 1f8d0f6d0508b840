"""The history file: one JSON line per command that changed progress, oldest first.

It lives beside the progress file (`progress.history.jsonl` for `progress.toml`), is only
written under the progress file's lock, and is kept under `MAX_BYTES` by dropping the oldest
records. The progress file alone holds current progress, so trimming history never loses it.
"""

from __future__ import annotations

import os
from pathlib import Path

from roadmap_cli.core.records import History, Record
from roadmap_cli.storage import files

MAX_BYTES = 4 * 1024 * 1024  # about 10,000 typical changes; trimmed to half when exceeded


def path_for(state_file: Path) -> Path:
    stem = state_file.name.removesuffix(".toml")
    return state_file.with_name(f"{stem}.history.jsonl")


def read(path: Path) -> History:
    """Every record that parses; a missing file is an empty history (OSError otherwise, and
    files.NotRegularFile for a folder or a FIFO in its place).

    Records are split on `\n` alone: a note may hold U+2028, U+0085 or any other character
    that `str.splitlines` would also break a line at, and JSON leaves them as they are.

    A file that git merged as a union of lines (`roadmap sync`) may hold a record twice, or
    records out of time order (one machine's new lines, then another's): each id counts once
    (its first line), and records are put in time order (those of one second in the order
    of their lines), so that every reader (log, undo, the calendar, a merge) sees one
    history whatever the order the machines synced in. Git's conflict markers, from a merge
    made without the attributes, are lines of no record."""
    history = History()
    try:
        text = files.read_regular(path).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return history
    seen: set[str] = set()
    ordered = True
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            record = Record.from_json(line)
        except (ValueError, KeyError, TypeError, RecursionError):
            history.bad_lines += 1
            continue
        if record.id in seen:
            history.repeated += 1
            continue
        seen.add(record.id)
        if history.records and record.time < history.records[-1].time:
            ordered = False
        history.records.append(record)
    if not ordered:  # stable: the records of one second keep the order of their lines
        history.records.sort(key=lambda record: record.time)
    return history


def append(path: Path, record: Record) -> None:
    """Add one record with a single write, flushed to disk before the state file changes."""
    line = (record.to_json() + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | files.BINARY, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and files.last_byte(fd, size) != b"\n":
            line = b"\n" + line  # a line cut short by a crash stays a line of its own
        os.write(fd, line)  # O_APPEND: at the end, wherever the last read left off
        files.sync(fd)
    finally:
        os.close(fd)


def needs_trim(path: Path) -> bool:
    try:
        return path.stat().st_size > MAX_BYTES
    except OSError:
        return False


def trimmed(history: History) -> str:
    """The records that fit in half of MAX_BYTES, as text. Records that arrived with an import
    go first, oldest first; then the records of imports (which hold whole entries, and may be
    larger than all the rest), oldest first; then the learner's own, oldest first: an
    import, however large, never pushes the learner's own changes out. The newest record
    always stays."""
    lines = [record.to_json() + "\n" for record in history.records]
    sizes = [len(line.encode("utf-8")) for line in lines]
    kinds = [
        "foreign" if r.foreign else "imported" if r.imported else "own" for r in history.records
    ]
    total = sum(sizes)
    dropped: set[int] = set()
    for kind in ("foreign", "imported", "own"):
        if kind == "own":  # only as many as the learner's own take more than their share:
            total = sum(size for size, k in zip(sizes, kinds, strict=True) if k == "own")
        for n in range(len(lines) - 1):  # (a large import's record is dropped next time)
            if total <= MAX_BYTES // 2:
                break
            if kinds[n] == kind:
                dropped.add(n)
                total -= sizes[n]
    return "".join(line for n, line in enumerate(lines) if n not in dropped)
