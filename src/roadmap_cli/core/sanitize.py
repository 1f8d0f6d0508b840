"""The one sanitiser: text from notes, exports, catalogs, file names and the command line made
safe to store and to show.

Two steps, one set of rules:

- `stored` is what a note or a title keeps: undecodable bytes become U+FFFD, line breaks
  become `\\n` (CR LF, CR and NEL alike), and escape sequences and the other C0 and C1 control
  characters go. Everything else a person can paste stays, so that a note in Hebrew with its
  direction marks, or an emoji joined by U+200D, is kept as typed.
- `clean` is what every output shows (tables, messages, prompts, errors, completion, cohort
  reports): `stored`, and then the invisible and direction-changing characters (listed at
  `_SPOOFING`) that could make one name look like another, or reverse the rest of a line,
  are removed too. `one_line` also folds every line break and run
  of spaces into one space, for cells, names and one-line messages.

JSON output (`--json`, `export`) carries text as stored: it is data for programs, its control
characters are escaped by JSON itself, and an export must import back unchanged.
"""

from __future__ import annotations

import re
from typing import Any

# An escape sequence as a whole (CSI ... final byte, OSC/DCS/APC/PM/SOS ... BEL or ST, or ESC
# and one more character), so that its parameters do not stay behind as visible junk; then
# the remaining C0 controls except tab and newline, DEL, and the C1 controls. They could move
# the cursor, clear the screen or retitle the terminal when printed.
_CONTROL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
# Invisible characters and direction overrides: zero-width space, joiners and marks (U+200B to
# U+200F), the embeddings and overrides (U+202A to U+202E), the word joiner, invisible
# operators, isolates and deprecated format controls (U+2060 to U+206F), the Arabic letter
# mark (U+061C), the Mongolian vowel separator (U+180E), the byte-order mark (U+FEFF), the
# Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) and the tag characters (U+E0000 to U+E007F).
_SPOOFING = re.compile(
    "[\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0"
    "\U000e0000-\U000e007f]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_ESCAPED_BYTE = re.compile("[\ud800-\udc7f\udd00-\udfff]")  # surrogates argv never makes
_LINE_BREAKS = re.compile("\r\n|[\r\x85]")
_SPACES = re.compile(r"\s+")

# The longest text a note, a title or a project field may hold, in characters (about eight
# pages): longer is refused on input and on import, so that no single text can make `show`,
# the history or an export slow. A learner's name is one line and shorter still.
MAX_TEXT = 10_000
MAX_NAME = 200


def stored(text: str) -> str:
    """`text` as a note or a title keeps it: line breaks as `\\n`, no control characters,
    undecodable bytes (from the command line or a file) as U+FFFD."""
    if text.isprintable():  # the common case: no control, format or surrogate character
        return text
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # undecodable bytes from argv
        text = _NOT_ESCAPED_BYTE.sub("\ufffd", text)
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = _SURROGATE.sub("\ufffd", text)  # a lone surrogate (JSON's "\ud800") is no text
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))


def clean(text: str) -> str:
    """`text` safe to show: `stored`, without the invisible and direction-changing characters,
    and with U+2028 and U+2029 as the line breaks a terminal knows. Every output passes its
    text through here."""
    if text.isprintable():
        return text
    return _SPOOFING.sub("", stored(text)).replace("\u2028", "\n").replace("\u2029", "\n")


def one_line(text: str, limit: int | None = None) -> str:
    """`clean` text on one line: every run of spaces and line breaks (U+2028 and U+2029 too)
    is one space, and none at either end; with `limit`, no longer than that (an ellipsis
    ends what was cut)."""
    line = _SPACES.sub(" ", clean(text)).strip()
    return line if limit is None or len(line) <= limit else line[: limit - 1].rstrip() + "…"


def clean_data(value: Any) -> Any:
    """`clean` applied to every string in nested dicts, lists and tuples (keys too)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_data(key): clean_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_data(item) for item in value]
    return value


def note_text(text: str, what: str = "a note", limit: int = MAX_TEXT) -> str | None:
    """A note (or any text a learner gives) as stored: `stored`, trimmed; None when nothing is
    left. UsageError when it is longer than `limit` characters."""
    kept = stored(text).strip()
    if len(kept) > limit:
        from roadmap_cli.core.errors import UsageError

        raise UsageError(
            f"{what} may hold at most {limit:,} characters, and this one has {len(kept):,};"
            " shorten it"
        )
    return kept or None


def spreadsheet_cell(text: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula: one that starts with `=`, `+`,
    `-`, `@`, a tab or a carriage return gets a `'` in front (the OWASP rule)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def is_email(text: str) -> bool:
    """Whether `text` holds an e-mail-like `@` in any Unicode form (the full-width U+FF20, the
    small U+FE6B and the like fold to `@` under NFKC)."""
    import unicodedata

    return "@" in unicodedata.normalize("NFKC", text)
