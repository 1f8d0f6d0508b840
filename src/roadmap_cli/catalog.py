"""The catalog: tracks, outcomes and one global set of topics, read from a TOML file.

`load(path)` returns a validated `Catalog` or raises `CatalogError` whose message names
the file and the offending id (and the line, for TOML syntax errors).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
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

from roadmap_cli.errors import CatalogError
from roadmap_cli.matching import IdIndex, normalize

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Id = Annotated[str, StringConstraints(pattern=KEBAB)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    blank = any(ch.isspace() or not ch.isprintable() for ch in value)
    if parts.scheme != "https" or not parts.netloc or blank:
        raise ValueError(f"{value!r} is not an https:// URL")
    return value


HttpsUrl = Annotated[str, AfterValidator(_https_url)]
FORMAT = 1


def _format_number(value: object) -> object:
    if type(value) is not int or value != FORMAT:  # `true` and `1.0` are not format 1
        raise ValueError(f"format {value!r} is not one this roadmap reads (it reads {FORMAT})")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resource(_Model):
    title: Text
    url: HttpsUrl


class Topic(_Model):
    id: Id
    title: Text
    summary: Text
    requires: tuple[Id, ...] = ()
    aliases: tuple[Id, ...] = ()
    resources: tuple[Resource, ...] = ()


class Outcome(_Model):
    """A typical outcome of a track: an idea for a project that shows the track's skills."""

    id: Id
    title: Text
    summary: str = ""
    uses: tuple[Id, ...] = ()


class Signal(_Model):
    """Something recruiters look for, and the topics whose use in a done project shows it."""

    what: Text
    shown_by: tuple[Id, ...] = ()  # empty: any done project of the track shows it


class Track(_Model):
    id: Id
    title: Text
    summary: str = ""
    optimizes_for: str = ""
    choose_when: str = ""
    entry_from: tuple[Text, ...] = ()
    audience: tuple[Text, ...] = ()
    topics: tuple[Id, ...] = Field(min_length=1)
    questions: tuple[Text, ...] = ()
    recruiters_look_for: tuple[Text | Signal, ...] = ()  # a plain string is a Signal's `what`
    outcomes: tuple[Outcome, ...] = ()

    @property
    def signals(self) -> tuple[Signal, ...]:
        return tuple(
            item if isinstance(item, Signal) else Signal(what=item)
            for item in self.recruiters_look_for
        )


class Catalog(_Model):
    format: Annotated[int, BeforeValidator(_format_number)]
    id: Id
    title: Text
    description: str = ""
    source: str = ""
    progression: tuple[Id, ...] = ()
    tracks: tuple[Track, ...] = Field(min_length=1)
    topics: tuple[Topic, ...] = Field(min_length=1)

    # Indexes, computed once on first use. The model is frozen, so they cannot go stale.

    @cached_property
    def topic_by_id(self) -> dict[str, Topic]:
        return {topic.id: topic for topic in self.topics}

    @cached_property
    def track_by_id(self) -> dict[str, Track]:
        return {track.id: track for track in self.tracks}

    @cached_property
    def ordered_tracks(self) -> tuple[Track, ...]:
        """Tracks in the suggested progression, then any the progression leaves out."""
        rank = {track_id: i for i, track_id in enumerate(self.progression)}
        return tuple(sorted(self.tracks, key=lambda t: rank.get(t.id, len(rank))))

    @cached_property
    def tracks_of_topic(self) -> dict[str, tuple[Track, ...]]:
        found: dict[str, list[Track]] = {topic.id: [] for topic in self.topics}
        for track in self.ordered_tracks:
            for topic_id in track.topics:
                found.setdefault(topic_id, []).append(track)
        return {topic_id: tuple(tracks) for topic_id, tracks in found.items()}

    @cached_property
    def topic_index(self) -> IdIndex:
        aliases = {alias: topic.id for topic in self.topics for alias in topic.aliases}
        return IdIndex("topic", self.topic_by_id, aliases, "'roadmap topics'")

    @cached_property
    def track_index(self) -> IdIndex:
        titles = {normalize(track.title): track.id for track in self.tracks}
        return IdIndex("track", self.track_by_id, titles, "'roadmap tracks'")

    def resolve_topic(self, query: str) -> str:
        return self.topic_index.resolve(query)

    def resolve_topics(self, queries: list[str]) -> list[str]:
        return self.topic_index.resolve_all(queries)

    def resolve_track(self, query: str) -> str:
        return self.track_index.resolve(query)


def problems(catalog: Catalog) -> list[str]:
    """Everything wrong across entries that per-field validation cannot see."""
    found: list[str] = []

    def duplicates(template: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for id_ in ids:
            if id_ in seen:
                found.append(template.format(id_))
            seen.add(id_)

    duplicates("duplicate track id '{}'", [t.id for t in catalog.tracks])
    duplicates("duplicate topic id '{}'", [t.id for t in catalog.topics])
    duplicates("duplicate outcome id '{}'", [o.id for t in catalog.tracks for o in t.outcomes])

    topic_ids = {t.id for t in catalog.topics}
    track_ids = {t.id for t in catalog.tracks}
    alias_owner: dict[str, str] = {}
    for topic in catalog.topics:
        for alias in topic.aliases:
            if alias in topic_ids:
                found.append(f"topic '{topic.id}': alias '{alias}' is already a topic id")
            elif alias in alias_owner and alias_owner[alias] != topic.id:
                found.append(
                    f"topic '{topic.id}': alias '{alias}' is also an alias of"
                    f" '{alias_owner[alias]}'"
                )
            alias_owner.setdefault(alias, topic.id)
        for required in topic.requires:
            if required not in topic_ids:
                found.append(f"topic '{topic.id}' requires unknown topic '{required}'")
            elif required == topic.id:
                found.append(f"topic '{topic.id}' requires itself")

    for track in catalog.tracks:
        duplicates(f"track '{track.id}' lists topic '{{}}' twice", list(track.topics))
        for topic_id in track.topics:
            if topic_id not in topic_ids:
                found.append(f"track '{track.id}' lists unknown topic '{topic_id}'")
        for signal in track.signals:
            for topic_id in signal.shown_by:
                if topic_id not in track.topics:
                    found.append(
                        f"track '{track.id}': '{signal.what}' is shown by topic '{topic_id}',"
                        " which the track does not list"
                    )
        for outcome in track.outcomes:
            for used in outcome.uses:
                if used not in track.topics:
                    found.append(
                        f"outcome '{outcome.id}' uses topic '{used}', which track '{track.id}'"
                        " does not list"
                    )

    duplicates("two tracks are titled '{}'", [t.title for t in catalog.tracks])
    listed = {topic_id for track in catalog.tracks for topic_id in track.topics}
    for topic in catalog.topics:
        if topic.id not in listed:
            found.append(f"topic '{topic.id}' is in no track")
    duplicates("progression lists track '{}' twice", list(catalog.progression))
    for track_id in catalog.progression:
        if track_id not in track_ids:
            found.append(f"progression names unknown track '{track_id}'")

    cycle = _find_cycle({t.id: [r for r in t.requires if r in topic_ids] for t in catalog.topics})
    if cycle:
        found.append("prerequisites form a cycle: " + " -> ".join(cycle))
    return found


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One cycle in `graph` as a path that ends where it starts, or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for root in graph:
        if colour[root] != white:
            continue
        path: list[str] = [root]
        stack: list[Iterator[str]] = [iter(graph[root])]
        colour[root] = grey
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = black
                stack.pop()
            elif colour.get(nxt, black) == grey:
                return [*path[path.index(nxt) :], nxt]
            elif colour.get(nxt) == white:
                colour[nxt] = grey
                path.append(nxt)
                stack.append(iter(graph[nxt]))
    return None


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


def check_file(path: Path) -> tuple[Catalog | None, list[str]]:
    """Read and validate a catalog file; return it (or None) and every problem found."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, ["file not found"]
    except OSError as exc:
        return None, [f"cannot read it ({exc.strerror or exc})"]
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))  # a byte-order mark is harmless
    except UnicodeDecodeError:
        return None, ["not UTF-8 text"]
    except tomllib.TOMLDecodeError as exc:
        return None, [f"not valid TOML: {exc}"]
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        return None, _pydantic_problems(data, exc) + _problems_beyond(data, exc)
    return catalog, problems(catalog)


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
    return [p for p in problems(partial) if not any(f"'{r}'" in p for r in removed)]


def load(path: Path) -> Catalog:
    """A validated catalog, or CatalogError naming the file and its first problems."""
    catalog, found = check_file(path)
    if found or catalog is None:
        more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
        raise CatalogError(f"catalog {path}: {found[0]}{more}")
    return catalog
