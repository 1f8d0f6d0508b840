"""Three-way merges of the progress file: git's merge driver, and a file left with conflict
markers by a merge made without it.

`roadmap sync setup` registers `roadmap merge-driver %O %A %B` for the progress file, so git
hands the file's three versions (the common ancestor, ours, theirs) to `merge_files`, which
merges them with `core.merge.merge3` and writes the result over ours: ours' comments and
layout stay, and keys of the learner's own (keys this version does not know) are merged
three ways too. A merge made where the driver is not registered (a web UI, a clone without
`sync setup`) leaves git's conflict markers instead; every command refuses such a file
(`has_markers`), and `roadmap doctor --repair` merges its two sides with the same rules.

Every version is someone else's data until checked: each is read as the progress file is
(size, TOML, schema, every value), and the merged text is read back before it is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from roadmap_cli.core.errors import NewerStateError, StateError
from roadmap_cli.core.state import COLLECTIONS, SCHEMA_VERSION, STATE_FIELDS, State
from roadmap_cli.storage import files

MAX_BYTES = 16 * 1024 * 1024  # as an export: far more than any learner's progress
MAX_DEPTH = 32  # tables and arrays in tables: the progress file itself needs 5
_MARKER = re.compile(r"^(?:<{7}|>{7})(?: [^\n]*)?\r?$|^={7}\r?$", re.M)
_OURS, _BASE, _SPLIT, _THEIRS = (
    re.compile(r"<{7}(?: .*)?"),
    re.compile(r"\|{7}(?: .*)?"),
    re.compile(r"={7}"),
    re.compile(r">{7}(?: .*)?"),
)


def has_markers(text: str) -> bool:
    """Whether `text` holds git's conflict markers (`<<<<<<<`, `=======`, `>>>>>>>` lines)."""
    return _MARKER.search(text) is not None


def message(path: Path) -> str:
    return (
        f"progress file {path} holds git conflict markers (it was merged without roadmap's"
        " merge driver); it was left untouched. Run 'roadmap doctor --repair' to merge both"
        " sides, then 'roadmap sync setup' on this machine so git merges it by itself"
    )


def sides(text: str) -> tuple[str, str | None, str] | None:
    """Ours, the base (when every conflict shows it: `merge.conflictStyle diff3` or zdiff3)
    and theirs, from a text with conflict markers; None when the markers do not nest as git
    writes them."""
    ours: list[str] = []
    base: list[str] = []
    theirs: list[str] = []
    where = None  # None: lines both sides have; else "ours", "base" or "theirs"
    every_base = True
    blocks = 0
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if where is None and _OURS.fullmatch(bare):
            where, blocks, has_base = "ours", blocks + 1, False
        elif where == "ours" and _BASE.fullmatch(bare):
            where, has_base = "base", True
        elif where in ("ours", "base") and _SPLIT.fullmatch(bare):
            where, every_base = "theirs", every_base and has_base
        elif where == "theirs" and _THEIRS.fullmatch(bare):
            where = None
        elif where is None:
            ours.append(line)
            base.append(line)
            theirs.append(line)
        else:
            {"ours": ours, "base": base, "theirs": theirs}[where].append(line)
    if where is not None or not blocks:
        return None
    return "".join(ours), "".join(base) if every_base else None, "".join(theirs)


def state_of(text: str, label: str, catalog_id: str | None = None) -> State:
    """One version of the progress file, read and checked as `Store.read` reads the file
    (an older schema is migrated; a newer one is refused: a merge would drop what it adds)."""
    from roadmap_cli.storage.state_file import parsed

    # A merge of keys of one's own recurses: their depth is bounded.
    state, version = parsed(text.encode("utf-8"), Path(label), catalog_id, label, MAX_DEPTH)
    if version > SCHEMA_VERSION:
        raise NewerStateError(
            f"{label} was written by a newer roadmap (schema {version}); upgrade roadmap here"
        )
    return state


def read_version(path: Path, label: str) -> str | None:
    """The text of one version git hands the driver (None for an empty or missing one: a
    file both sides added has no ancestor)."""
    try:
        raw = files.read_regular(path, limit=MAX_BYTES)
    except FileNotFoundError:
        return None
    except files.TooLarge:
        raise StateError(f"{label} is larger than {MAX_BYTES // 2**20} MiB") from None
    except files.NotRegularFile as exc:
        raise StateError(f"{label} ({path}) is {exc.kind}, not a file") from None
    except OSError as exc:
        raise StateError(f"cannot read {label} ({path}): {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StateError(f"{label} is not UTF-8 text (byte {exc.start})") from None
    return text if text.strip() else None


def merged_text(base: str | None, ours: str, theirs: str, catalog_id: str | None = None) -> str:
    """The merge of three versions of the progress file, as ours' text edited."""
    from roadmap_cli.core.merge import merge3

    try:  # an ancestor that cannot be read (a file broken then, and mended since): none
        old = state_of(base, "the common version", catalog_id) if base is not None else None
    except StateError:
        old, base = None, None
    mine = state_of(ours, "our version", catalog_id)
    yours = state_of(theirs, "their version", catalog_id)
    return text_of(merge3(old, mine, yours), base, ours, theirs)


def merge_files(base: Path, ours: Path, theirs: Path, catalog_id: str | None = None) -> None:
    """git's merge driver (%O %A %B): the merge written over `ours`, whole or not at all.
    A StateError leaves `ours` as it was (git then reports a conflict)."""
    mine = read_version(ours, "our version")
    yours = read_version(theirs, "their version")
    if yours is None:
        return  # theirs is empty: ours stands
    text = yours
    if mine is not None:
        text = merged_text(read_version(base, "the common version"), mine, yours, catalog_id)
    files.replace(ours, text.encode("utf-8"))


def resolved(text: str, catalog_id: str | None = None) -> tuple[State, str] | None:
    """The two sides of a file with conflict markers merged (three ways when the markers
    hold the base): the state and its text (ours' text edited); None when the markers cannot
    be read as git writes them. A side that is not a valid progress file is a StateError."""
    from roadmap_cli.core.merge import merge3

    found = sides(text)
    if found is None:
        return None
    ours, base, theirs = found
    old = state_of(base, "the common side", catalog_id) if base and base.strip() else None
    mine = state_of(ours, "our side", catalog_id)
    yours = state_of(theirs, "their side", catalog_id)
    state = merge3(old, mine, yours)
    return state, text_of(state, base, ours, theirs)


def text_of(state: State, base: str | None, ours: str, theirs: str) -> str:
    """`state` written into ours' text (both sides' lines, where they merge), with keys of
    the learner's own merged three ways: the first of those texts, then the text without
    those keys, that reads back as `state`. A StateError when neither does."""
    from roadmap_cli.formats import toml_text
    from roadmap_cli.storage.state_file import render, validate

    plain = render(state, _lines_merged(base, ours, theirs) or ours)
    try:
        data = [toml_text.loads(t) if t is not None else {} for t in (base, ours, theirs)]
        candidates = [_with_own_keys(plain, *data), plain]
    except (toml_text.TOMLDecodeError, ValueError, TypeError, KeyError):
        candidates = [plain]
    for text in candidates:
        try:
            if validate(toml_text.loads(text), Path("the merge")) == state:
                return text
        except (StateError, toml_text.TOMLDecodeError):
            continue
    raise StateError("the merged progress did not read back as merged; kept ours")


def _lines_merged(base: str | None, ours: str, theirs: str) -> str | None:
    """The three texts merged line by line (`git merge-file`), when no lines conflict: the
    text the merged state is written into, so that comments and keys of one's own from
    both sides stay; None when lines conflict, or git cannot be run (then ours' text)."""
    import shutil
    import subprocess
    import tempfile

    from roadmap_cli.storage.git_sync import safe_options

    program = shutil.which("git")
    if base is None or program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="roadmap-merge-") as folder:
        names = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder, name)
            path.write_text(text, encoding="utf-8", newline="")
            names.append(str(path))
        try:
            done = subprocess.run(
                [program, *safe_options(), "merge-file", "-p", "--quiet", *names],
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=60,
                cwd=folder,  # no repository around it, whatever folder git ran the driver in
            )
        except (OSError, subprocess.SubprocessError):
            return None
    if done.returncode != 0:
        return None
    try:
        text = done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None
    from roadmap_cli.formats import toml_text

    try:  # lines from both sides may not make TOML together (a key written twice)
        toml_text.loads(text)
    except (toml_text.TOMLDecodeError, ValueError):
        return None
    return None if has_markers(text) else text


_MISSING = object()


def _with_own_keys(
    text: str, base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> str:
    """`text` (ours, merged) with the keys this version does not know that theirs changed
    (added, changed or removed since the base) and ours did not."""
    import tomlkit

    doc: Any = tomlkit.parse(text)
    changed = False
    tables: list[tuple[tuple[str, ...], frozenset[str]]] = [((), frozenset(STATE_FIELDS))]
    for name, names in COLLECTIONS.items():
        items = theirs.get(name)
        if isinstance(items, dict):
            tables += [((name, item_id), frozenset(names)) for item_id in items]
    for path, known in tables:
        target: Any = doc
        for part in path:
            target = target.get(part) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue  # an entry the merge left out: its keys go with it
        o, a, b = (_table(side, path) for side in (base, ours, theirs))
        for key in sorted((set(b) | set(o)) - known):
            was, mine, yours = o.get(key, _MISSING), a.get(key, _MISSING), b.get(key, _MISSING)
            if mine == yours or yours == was:
                continue  # ours has it as the merge wants it
            if mine != was:
                continue  # both changed it: ours stays
            changed = True
            if yours is _MISSING:
                target.pop(key, None)
            else:
                target[key] = yours
    return tomlkit.dumps(doc) if changed else text


def _table(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None  # type: ignore[assignment]
    return data if isinstance(data, dict) else {}
