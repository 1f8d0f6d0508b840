"""TOML text to data, with a file nested too deeply for the parser reported as invalid TOML.

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
