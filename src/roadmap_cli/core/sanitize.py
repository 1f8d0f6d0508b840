"""Make text from notes, catalogs and the command line safe to store, print and export."""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab and newline, DEL, and C1 controls: they could move the cursor, clear
# the screen or retitle the terminal when printed, and mean nothing in a note or a title.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` without control characters; bytes that were not UTF-8 become U+FFFD."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # undecodable bytes from argv
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def note_text(text: str) -> str | None:
    """A note as stored: printable, trimmed; None when nothing is left."""
    cleaned = printable(text).strip()
    return cleaned or None


def printable_data(value: Any) -> Any:
    """`printable` applied to every string in nested dicts and lists."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: printable_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [printable_data(item) for item in value]
    return value
