"""Validating a catalog file: the pydantic schema of the format and every problem it has.

Only a catalog that has not been seen before is validated here (and `roadmap catalog
validate`); `storage.catalog_file.load` keeps the result in a cache, so most runs never import
pydantic.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from roadmap_cli.core import catalog as runtime
from roadmap_cli.core.catalog import FORMAT, KEBAB
from roadmap_cli.core.sanitize import MAX_NAME, MAX_TEXT
from roadmap_cli.formats import toml_text

# A catalog is someone else's file: every text has a length limit (docs/security.md).
Id = Annotated[str, StringConstraints(pattern=KEBAB, max_length=100)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Long = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    blank = any(ch.isspace() or not ch.isprintable() for ch in value)
    if parts.scheme != "https" or not parts.netloc or blank:
        raise ValueError(f"{value!r} is not an https:// URL")
    return value


HttpsUrl = Annotated[str, AfterValidator(_https_url)]
MAX_HOURS = 1_000  # study hours of one topic


def _hours(value: object) -> float:
    # `true` is no number of hours (bool is an int to Python), nor is NaN
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_HOURS:
        raise ValueError(f"hours {value!r} is not a number of hours from 0 to {MAX_HOURS:,}")
    return float(value)


Hours = Annotated[float, BeforeValidator(_hours)]


def _format_number(value: object) -> object:
    if type(value) is not int or value != FORMAT:  # `true` and `1.0` are not format 1
        raise ValueError(f"format {value!r} is not one this roadmap reads (it reads {FORMAT})")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resource(_Model):
    title: Title
    url: HttpsUrl


class Topic(_Model):
    id: Id
    title: Title
    summary: Text
    requires: tuple[Id, ...] = ()
    aliases: tuple[Id, ...] = ()
    resources: tuple[Resource, ...] = ()
    # Self-check questions a learner answers out loud in a minute or two (optional).
    questions: tuple[Text, ...] = ()
    hours: Hours | None = None  # estimated study hours for a working developer (optional)


class Outcome(_Model):
    """A typical outcome of a track: an idea for a project that shows the track's skills."""

    id: Id
    title: Title
    summary: Long = ""
    uses: tuple[Id, ...] = ()


class Signal(_Model):
    """Something recruiters look for, and the topics whose use in a done project shows it."""

    what: Text
    shown_by: tuple[Id, ...] = ()  # empty: any done project of the track shows it


class Track(_Model):
    id: Id
    title: Title
    summary: Long = ""
    optimizes_for: Long = ""
    choose_when: Long = ""
    entry_from: tuple[Text, ...] = ()
    audience: tuple[Text, ...] = ()
    topics: tuple[Id, ...] = Field(min_length=1)
    questions: tuple[Text, ...] = ()
    recruiters_look_for: tuple[Text | Signal, ...] = ()  # a plain string is a Signal's `what`
    outcomes: tuple[Outcome, ...] = ()


class Catalog(_Model):
    format: Annotated[int, BeforeValidator(_format_number)]
    id: Id
    title: Title
    description: Long = ""
    source: Long = ""
    progression: tuple[Id, ...] = ()
    tracks: tuple[Track, ...] = Field(min_length=1)
    topics: tuple[Topic, ...] = Field(min_length=1)


_ITEM_KINDS = {
    "tracks": "track",
    "topics": "topic",
    "outcomes": "outcome",
    "resources": "resource",
    "recruiters_look_for": "recruiter signal",
}


def _describe(data: Any, loc: tuple[int | str, ...]) -> str:
    """`('topics', 3, 'summary')` -> `topic 'rag', 'summary'`, naming items by their ids."""
    words: list[str] = []
    node = data
    i = 0
    while i < len(loc):
        key = loc[i]
        if isinstance(key, str) and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            index = loc[i + 1]
            assert isinstance(index, int)
            items = node.get(key) if isinstance(node, dict) else None
            item = items[index] if isinstance(items, list) and index < len(items) else None
            kind = _ITEM_KINDS.get(key)
            if kind and isinstance(item, dict) and isinstance(item.get("id"), str):
                words.append(f"{kind} '{item['id']}'")
            elif kind:
                words.append(f"{kind} #{index + 1}")
            else:
                words.append(f"'{key}'[{index}]")
            node = item
            i += 2
            continue
        words.append(f"'{key}'")
        node = node.get(key) if isinstance(node, dict) else None
        i += 1
    return ", ".join(words) if words else "top level"


def _pydantic_problems(data: Any, error: ValidationError) -> list[str]:
    messages = []
    # Unknown keys first: a misspelt key also shows up as a missing one, and the typo is the news.
    errors = sorted(error.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
    for err in errors:
        where = _describe(data, tuple(err["loc"]))
        if err["type"] == "extra_forbidden":
            messages.append(f"{where}: unknown key")
        elif err["type"] == "missing":
            messages.append(f"{where}: missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            messages.append(f"{where}: {msg}")
    return messages


def read_data(raw: bytes) -> tuple[dict[str, Any] | None, list[str]]:
    """The TOML data of a catalog file's bytes, or the reason there is none."""
    try:
        return toml_text.loads(raw.decode("utf-8-sig")), []  # a byte-order mark is harmless
    except UnicodeDecodeError:
        return None, ["not UTF-8 text"]
    except toml_text.TOMLDecodeError as exc:
        return None, [f"not valid TOML: {exc}"]


def validate(data: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """Catalog data checked against the format: the normalised data (text stripped, defaults
    filled in; plain JSON types) when every entry is well-formed, and every problem found
    (the cross-checks too: a catalog is usable only when that list is empty)."""
    try:
        model = Catalog.model_validate(data)
    except ValidationError as exc:
        return None, _pydantic_problems(data, exc) + _problems_beyond(data, exc)
    plain = model.model_dump(mode="json")
    found = runtime.problems(runtime.from_data(plain))
    return plain, found


def check_bytes(raw: bytes) -> tuple[dict[str, Any] | None, list[str]]:
    data, found = read_data(raw)
    return (None, found) if data is None else validate(data)


def _problems_beyond(data: Any, error: ValidationError) -> list[str]:
    """So that every problem shows at once: the cross-checks of a catalog without the tracks
    and topics that failed validation (leaving out what only their absence would cause)."""
    broken: dict[str, set[int]] = {"tracks": set(), "topics": set()}
    for err in error.errors(include_url=False):
        loc = err["loc"]
        if len(loc) < 2 or loc[0] not in broken or not isinstance(loc[1], int):
            return []  # a top-level problem: nothing sensible to check beyond it
        broken[str(loc[0])].add(loc[1])
    pruned = dict(data)
    removed: set[str] = set()
    for key, indexes in broken.items():
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            return []
        for index in indexes:
            item = items[index] if index < len(items) else None
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                removed.add(item["id"])
        pruned[key] = [item for i, item in enumerate(items) if i not in indexes]
    try:
        partial = Catalog.model_validate(pruned)
    except ValidationError:
        return []
    found = runtime.problems(runtime.from_data(partial.model_dump(mode="json")))
    return [p for p in found if not any(f"'{r}'" in p for r in removed)]
