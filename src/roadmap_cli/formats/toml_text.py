"""TOML text to data, with a file nested too deeply for the parser reported as invalid TOML;
and how deep data nests, measured without recursion.

`tomllib` parses nested arrays and inline tables by recursion, so a line such as
`a = [[[[...` a few hundred levels deep raises RecursionError, which would escape as an
unexpected error. Every reader of a progress file or a catalog parses through `loads`.
"""

from __future__ import annotations

import tomllib
from typing import Any

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """`tomllib.loads`, raising TOMLDecodeError (never RecursionError) for deep nesting."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise TOMLDecodeError("it is nested too deeply to read") from None


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
