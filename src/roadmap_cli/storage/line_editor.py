"""Writing a change into the progress file's text by editing only the lines it touches.

`state_file.render` can rewrite the whole file with tomlkit, which keeps comments and hand-added
keys, but parsing a whole file with tomlkit takes longer than the rest of a command. Most
changes touch one or two topic tables, so `edit` cuts the text at its table headers, rewrites
the lines of the keys that changed in the tables that changed, and leaves every other byte as
it was: comments, keys of your own, blank lines, the order of tables.

It gives up (returns None, and the caller renders with tomlkit) whenever the text is not laid
out the way it expects: a value written over several lines anywhere in the file (a line that
looks like a key might be inside it), a table header it cannot read, tables out of order,
topics or projects defined before the tables. And it checks its own work before it is used:
each edited table must read, on its own, as the new state has it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from roadmap_cli.core.state import (
    COLLECTIONS,
    HEAD_FIELDS,
    ROW_CLASSES,
    ROW_FIELDS,
    Entry,
    State,
    entry_from,
    head_value_from,
    json_time,
)
from roadmap_cli.formats import toml_text

_HEADER = re.compile(r"^[ \t]*\[([^\[\]\n]*)\][ \t]*(?:#[^\n]*)?$", re.M)
_TABLE_NAME = re.compile(r"\s*(topics|projects)\s*\.\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*")
_KEY_LINE = re.compile(r"[ \t]*([A-Za-z0-9_-]+)[ \t]*=")


class _Unsure(Exception):
    """The text is not laid out as expected: leave it to tomlkit."""


def toml_value(value: object) -> str:
    """A value as TOML text: text, a number, a time, a list of texts or of rows (inline
    tables)."""
    if isinstance(value, str):
        # JSON's escapes are TOML's; DEL is the one control character JSON leaves bare.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, bool):
        raise _Unsure("a boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Unsure("not a finite number")
        return repr(value)
    if isinstance(value, ROW_CLASSES):
        assert isinstance(value, tuple)  # a NamedTuple
        cells = (f"{name} = {toml_value(item)}" for name, item in value._asdict().items())  # type: ignore[attr-defined]
        return "{" + ", ".join(cells) + "}"
    if isinstance(value, datetime):
        return json_time(value)
    if isinstance(value, list) and value and isinstance(value[0], ROW_CLASSES):
        return _rows_text(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise _Unsure(f"a value of type {type(value).__name__}")


def _rows_text(rows: list[Any]) -> str:
    """Rows as `toml_value` writes each (a file may hold hundreds of thousands of them: one
    loop, the plain words and ids written as they are)."""
    plain = _PLAIN.fullmatch
    names = [f"{name} = " for name in rows[0]._fields]
    tables = []
    for row in rows:
        cells = []
        for name, cell in zip(names, row, strict=True):
            if type(cell) is str and plain(cell):
                cells.append(f'{name}"{cell}"')
            elif type(cell) is int:
                cells.append(f"{name}{cell}")
            else:
                cells.append(name + toml_value(cell))
        tables.append("{" + ", ".join(cells) + "}")
    return "[" + ", ".join(tables) + "]"


_PLAIN = re.compile(r"[a-z0-9-]*")  # text that TOML (and JSON) write as it is, in quotes


def _values(entry: Entry | None, fields: tuple[str, ...]) -> dict[str, object]:
    """The keys an entry's table holds: no key for no value, and none for no rows."""
    if entry is None:
        return {}
    return {name: value for name in fields if (value := written(entry, name)) is not None}


def written(entry: Entry, name: str) -> object:
    """A field's value as the file holds it: None (no key) for no value and for no rows."""
    value = getattr(entry, name)
    return None if value == [] and name in ROW_FIELDS[type(entry)] else value


def _lines(text: str) -> list[str]:
    """The lines of TOML text, each with its newline (only \\n ends a TOML line)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _edit_lines(block: str, old: dict[str, object], new: dict[str, object]) -> str:
    """`block` (a table, or the text before the first table) with the keys whose value differs
    between `old` and `new` rewritten, removed or added after the last key."""
    lines = _lines(block)
    kept: list[str] = []
    seen: set[str] = set()
    # Where added keys go: after the last key line, or else after the table's header.
    last_key = 1 if lines and _HEADER.match(lines[0]) else 0
    for line in lines:
        match = _KEY_LINE.match(line)
        if match is None:
            kept.append(line)
            continue
        key = match.group(1)
        if key in new or key in old:
            seen.add(key)
            if old.get(key) != new.get(key):
                if key in new:
                    kept.append(f"{key} = {toml_value(new[key])}{_comment_of(line)}\n")
                    last_key = len(kept)
                continue
        kept.append(line)
        last_key = len(kept)
    if last_key and not kept[last_key - 1].endswith("\n"):
        kept[last_key - 1] += "\n"
    added = [f"{key} = {toml_value(value)}\n" for key, value in new.items() if key not in seen]
    kept[last_key:last_key] = added
    return "".join(kept)


def _comment_of(line: str) -> str:
    """The comment at the end of a `key = value` line, with the blanks before it ("" when
    there is none): it stays when the value changes. The first `#` after which the line
    still reads as a key and its value is where the comment starts (a `#` inside a string
    cuts the string short, and does not read)."""
    body = line.removesuffix("\n").removesuffix("\r")
    for index, char in enumerate(body):
        if char == "#":
            try:
                toml_text.loads(body[:index])
            except toml_text.TOMLDecodeError:
                continue
            start = len(body[:index].rstrip(" \t"))
            return body[start:]
    return ""


def _split(text: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The text before the first table, and each table as (name, id, its text)."""
    headers = list(_HEADER.finditer(text))
    head = text[: headers[0].start()] if headers else text
    tables = []
    for i, header in enumerate(headers):
        name = _TABLE_NAME.fullmatch(header.group(1))
        if name is None:
            raise _Unsure(f"a table [{header.group(1)}]")
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        tables.append((name.group(1), name.group(2), text[header.start() : end]))
    return head, tables


def edit(state: State, previous: str, before: State) -> str | None:
    """The text of `previous` (the file that held `before`) changed to hold `state`; None
    when that cannot be done by editing lines (render the whole file instead)."""
    if not _line_based(previous):
        return None  # a value spans lines: a line that looks like a key may be inside it
    try:
        text, changed = _edit(state, previous, before)
        # Every line holds at most one whole value, the text before the tables defines no
        # topics or projects, and each table is a header and its own keys: the tables not
        # edited read as before, so each edited one must read, on its own, as it should.
        for name, item_id, block in changed:
            if not _reads_as(block, name, item_id, state):
                return None
        return text
    except (_Unsure, toml_text.TOMLDecodeError, ValueError, UnicodeError, KeyError, TypeError):
        return None


_ONE_LINE = re.compile(
    r"[ \t]*(?:#.*|\[[^\[\]\n]*\][ \t]*(?:#.*)?|[A-Za-z0-9_-]+[ \t]*=[ \t]*(.*))?\r?"
)


def _line_based(text: str) -> bool:
    """Whether every line is blank, a comment, a table header, or a key with its whole value.
    Only three kinds of TOML value may go on to the next line: multi-line strings (no value
    may start as one), and arrays and inline tables (a line whose value is one must read on
    its own, so that no multi-line string hides in it). Three quotes inside a one-line
    string, such as a title of three apostrophes, are only text."""
    for line in text.split("\n"):  # TOML's lines (splitlines() would also cut at U+2028)
        match = _ONE_LINE.fullmatch(line)
        if match is None:
            return False
        value = match.group(1)
        if value is None:
            continue
        if value.startswith(('"""', "'''")):
            return False
        if value.startswith(("[", "{")):
            try:
                toml_text.loads(line)
            except toml_text.TOMLDecodeError:
                return False
    return True


def _reads_as(block: str, name: str | None, item_id: str, state: State) -> bool:
    """Whether an edited table (or, with no name, the text before the tables) reads on its
    own as the new state has it."""
    data = toml_text.loads(block)
    if name is None:
        return all(
            (head_value_from(key, data[key], from_json=False) if key in data else None)
            == (getattr(state, key) or None)
            for key in HEAD_FIELDS
        )
    if set(data) != {name} or set(data[name]) != {item_id}:
        return False
    entry = entry_from(name, data[name][item_id], from_json=False)
    return bool(entry == getattr(state, name)[item_id])


def _edit(state: State, previous: str, before: State) -> tuple[str, list[tuple[Any, str, str]]]:
    head, tables = _split(previous)
    if any(
        match.group(1) in COLLECTIONS
        for match in map(_KEY_LINE.match, head.split("\n"))
        if match is not None
    ):
        raise _Unsure("topics or projects are defined before the tables")
    # The headers must be exactly the tables of `before`, once each, in order: a header-like
    # line inside a multi-line string, or tables written some other way, show up here.
    found = [(name, item_id) for name, item_id, _ in tables]
    expected = [("topics", i) for i in sorted(before.topics)] + [
        ("projects", i) for i in sorted(before.projects)
    ]
    if found != expected:
        raise _Unsure("tables not as expected")

    head_old = {k: v for k in HEAD_FIELDS if (v := getattr(before, k)) is not None and v != []}
    head_new = {k: v for k in HEAD_FIELDS if (v := getattr(state, k)) is not None and v != []}
    # Each part with its place in the previous text (None: a new table).
    parts: list[tuple[str, int | None]] = [
        (_edit_lines(head, head_old, head_new) if head_old != head_new else head, 0)
    ]
    changed: list[tuple[Any, str, str]] = [(None, "", parts[0][0])] if head_old != head_new else []
    blocks = {(name, item_id): (block, i + 1) for i, (name, item_id, block) in enumerate(tables)}
    for name, fields in COLLECTIONS.items():
        old_items: dict[str, Any] = getattr(before, name)
        new_items: dict[str, Any] = getattr(state, name)
        for item_id in sorted(set(old_items) | set(new_items)):
            if item_id not in new_items:
                continue  # removed: its table goes
            old, new = _values(old_items.get(item_id), fields), _values(new_items[item_id], fields)
            block, place = blocks.get((name, item_id), (f"[{name}.{item_id}]\n", None))
            if old != new:
                block = _edit_lines(block, old, new)
                changed.append((name, item_id, block))
            parts.append((block, place))
    text = _join(parts)
    if text.endswith("\n\n") and not previous.endswith("\n\n"):
        text = text.rstrip("\n") + "\n"  # the last table was removed
    return text, changed


def _join(parts: list[tuple[str, int | None]]) -> str:
    """The parts in order. Two that were neighbours keep what was between them; elsewhere (a
    new table, or one after a removed table) a blank line separates them."""
    out: list[str] = []
    last: int | None = None
    for part, place in parts:
        neighbours = last is not None and place == last + 1
        if out and part and not neighbours and out[-1].strip():
            if not out[-1].endswith("\n"):
                out[-1] += "\n"
            if not out[-1].endswith("\n\n"):
                out[-1] += "\n"
        out.append(part)
        last = place
    return "".join(out)
