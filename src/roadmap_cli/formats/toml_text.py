"""TOML text to data, with a file nested too deeply for the parser reported as invalid TOML;
and how deep data nests, measured without recursion.

`tomllib` parses nested arrays and inline tables by recursion, so a line such as
`a = [[[[...` a few hundred levels deep raises RecursionError, which would escape as an
unexpected error. Every reader of a progress file or a catalog parses through `loads`.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from typing import Any

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """`tomllib.loads`, raising TOMLDecodeError (never RecursionError) for deep nesting.
    The rows of a large progress file are read by `_rows_read` (the same data, faster)."""
    try:
        return _rows_read(text) or tomllib.loads(text)
    except RecursionError:
        raise TOMLDecodeError("it is nested too deeply to read") from None


# A line that is a key and an array of inline tables of simple values, all on one line, as
# roadmap writes the rows of a progress file (`reviews = [{at = ..., rating = "good", ...}]`):
# a progress file can hold hundreds of thousands of them, which tomllib reads at about 11 us
# a row. Values: an offset date-time to the second, a string of lowercase letters, digits
# and hyphens, a whole number; every table of a line with the keys of its first.
_VALUE = (  # ([0-9], not \d: that matches the digits of other scripts too)
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2})"
    r'|"[a-z0-9-]*"|0|[1-9][0-9]{0,17}'
)
_KEY = r"[A-Za-z0-9_-]+"
_START = re.compile(rf"({_KEY}) = \[")
_FIRST_KEYS = re.compile(rf"({_KEY}) = (?:{_VALUE})(?:, |\}})")
_LARGE = 64 * 1024  # a smaller text: tomllib alone
_MULTILINE = ("'" * 3, '"' * 3)  # a multi-line string could hold a line that looks like rows


def _rows_read(text: str) -> dict[str, Any] | None:
    """The data of `text` with its long row lines read here and the rest by tomllib; None
    to leave it all to tomllib (a small text, one with a multi-line string, or one this
    reader is not sure of). The data is what tomllib gives for the same text
    (tests/test_toml_text.py checks it against tomllib)."""
    rest, cut = cut_rows(text)
    if not cut:
        return None
    found = {}
    for token, array in cut.items():
        rows = _cells(array)
        if rows is None:
            return None
        found[token] = rows
    data = tomllib.loads(rest)
    return data if _place(data, found) else None


def cut_rows(text: str) -> tuple[str, dict[str, str]]:
    """`text` with the array of each long row line (a key and an array of inline tables of
    simple values, every table with the keys of the first, all on one line) replaced by a
    string, a token of its own; and each token's array. The text is the same TOML but for
    those values; none are cut from a small text or from one with a multi-line string (which
    could hold a line that only looks like one)."""
    if len(text) < _LARGE or any(quotes in text for quotes in _MULTILINE):
        return text, {}
    token = f"roadmap-rows-{os.urandom(8).hex()}-"
    cut: dict[str, str] = {}
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if len(line) < 256 or not line.endswith("}]"):
            continue  # a short list is no time for tomllib
        start = _START.match(line)
        array = line[start.end() - 1 :] if start else ""
        if start is None or not _shaped(array):
            continue  # left as it is
        name = f"{token}{len(cut)}"
        cut[name] = array
        lines[n] = f'{start.group(1)} = "{name}"'
    return ("\n".join(lines), cut) if cut else (text, {})


def _shaped(array: str) -> bool:
    keys = _keys(array)
    return keys is not None and _shape(keys)[0].fullmatch(array) is not None


def _keys(array: str) -> tuple[str, ...] | None:
    """The keys of the first table of `[{...}, ...]`, when none is given twice."""
    first = array[1 : array.find("}") + 1]
    keys = tuple(m.group(1) for m in _FIRST_KEYS.finditer(first))
    return keys if keys and len(set(keys)) == len(keys) else None


@functools.lru_cache(maxsize=8)
def _shape(keys: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The whole array of tables with these keys, and one of its tables."""

    def table(group: str) -> str:
        return r"\{" + ", ".join(f"{re.escape(k)} = {group}{_VALUE})" for k in keys) + r"\}"

    plain = table("(?:")
    return re.compile(rf"\[{plain}(?:, {plain})*\]"), re.compile(table("("))


def _cells(array: str) -> list[dict[str, Any]] | None:
    """The rows of an array `cut_rows` cut; None for a date that is none (a 31st of June)."""
    from datetime import datetime

    keys = _keys(array)
    assert keys is not None
    one = _shape(keys)[1]
    parse = datetime.fromisoformat
    rows = []
    for cells in one.findall(array):
        row: dict[str, Any] = {}
        for key, value in zip(keys, (cells,) if len(keys) == 1 else cells, strict=True):
            if value[0] == '"':
                row[key] = value[1:-1]
            elif "T" in value:
                try:  # the pattern's date-time: one to the second, with its offset
                    row[key] = parse(value)
                except ValueError:
                    return None  # not a date (a 31st of June): tomllib says so
            else:
                row[key] = int(value)
        rows.append(row)
    return rows


def _place(data: dict[str, Any], found: dict[str, Any]) -> bool:
    """Put each row list where its token is in `data`: whether each went to one place."""
    wanted = len(found)
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        pairs = list(item.items() if isinstance(item, dict) else enumerate(item))
        for key, value in pairs:
            if isinstance(value, str) and value in found:
                item[key] = found.pop(value)
                wanted -= 1
            elif isinstance(value, dict | list):
                stack.append(value)
    return wanted == 0 and not found


def depth_at_most(value: Any, limit: int) -> bool:
    """Whether `value` nests no deeper than `limit` arrays and objects (no recursion)."""
    level: list[Any] = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return False
        below: list[Any] = []
        for item in level:
            items = item.values() if type(item) is dict else item
            below += [v for v in items if type(v) is dict or type(v) is list]
        level = below
    return True
