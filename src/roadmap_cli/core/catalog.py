"""The catalog: tracks, outcomes and one global set of topics, and the checks across them.

Its entries are named tuples, which Python makes several times faster than frozen
dataclasses: every command builds these classes at start-up. `storage.catalog_file` reads a
catalog file into one; `formats.catalog_schema` checks each field of the format.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any, NamedTuple

from roadmap_cli.core.matching import IdIndex, normalize

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
FORMAT = 1


class Resource(NamedTuple):
    title: str
    url: str


class Topic(NamedTuple):
    id: str
    title: str
    summary: str
    requires: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = ()
    questions: tuple[str, ...] = ()  # self-check questions, answered out loud
    hours: float | None = None  # estimated study hours (docs/catalog-format.md says how)


class Outcome(NamedTuple):
    """A typical outcome of a track: an idea for a project that shows the track's skills."""

    id: str
    title: str
    summary: str = ""
    uses: tuple[str, ...] = ()


class Signal(NamedTuple):
    """Something recruiters look for, and the topics whose use in a done project shows it."""

    what: str
    shown_by: tuple[str, ...] = ()  # empty: any done project of the track shows it


class Track(NamedTuple):
    id: str
    title: str
    topics: tuple[str, ...]
    summary: str = ""
    optimizes_for: str = ""
    choose_when: str = ""
    entry_from: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    signals: tuple[Signal, ...] = ()  # `recruiters_look_for` in the file
    outcomes: tuple[Outcome, ...] = ()


class Catalog:
    """A whole catalog. Frozen in use: nothing changes a catalog once it is read."""

    def __init__(
        self,
        *,
        id: str,
        title: str,
        tracks: tuple[Track, ...],
        topics: tuple[Topic, ...],
        format: int = FORMAT,
        description: str = "",
        source: str = "",
        progression: tuple[str, ...] = (),
    ) -> None:
        self.id = id
        self.title = title
        self.tracks = tracks
        self.topics = topics
        self.format = format
        self.description = description
        self.source = source
        self.progression = progression

    def _values(self) -> tuple[object, ...]:
        return (
            self.id,
            self.title,
            self.tracks,
            self.topics,
            self.format,
            self.description,
            self.source,
            self.progression,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Catalog) and self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Catalog(id={self.id!r}, {len(self.tracks)} tracks, {len(self.topics)} topics)"

    # Indexes, computed once on first use. The catalog is frozen, so they cannot go stale.

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

    def resolve_topics(self, queries: list[str]) -> list[str]:
        return self.topic_index.resolve_all(queries)

    def resolve_track(self, query: str) -> str:
        return self.track_index.resolve(query)


# --- from checked data


# The data comes from `formats.catalog_schema.validate` (directly, or through the cache, whose
# entries are that data behind a checksum): every key is there and of its type, so nothing is
# checked again here. A cache entry of another shape fails with KeyError or TypeError.


def _texts(value: list[str]) -> tuple[str, ...]:
    return tuple(value)


def _signal(item: Any) -> Signal:
    if isinstance(item, str):
        return Signal(item)
    return Signal(item["what"], _texts(item.get("shown_by", [])))


def _track(data: dict[str, Any]) -> Track:
    return Track(
        id=data["id"],
        title=data["title"],
        topics=_texts(data["topics"]),
        summary=data.get("summary", ""),
        optimizes_for=data.get("optimizes_for", ""),
        choose_when=data.get("choose_when", ""),
        entry_from=_texts(data.get("entry_from", [])),
        audience=_texts(data.get("audience", [])),
        questions=_texts(data.get("questions", [])),
        signals=tuple(_signal(item) for item in data.get("recruiters_look_for", [])),
        outcomes=tuple(
            Outcome(o["id"], o["title"], o.get("summary", ""), _texts(o.get("uses", [])))
            for o in data.get("outcomes", [])
        ),
    )


def _topic(data: dict[str, Any]) -> Topic:
    return Topic(
        id=data["id"],
        title=data["title"],
        summary=data["summary"],
        requires=_texts(data.get("requires", [])),
        aliases=_texts(data.get("aliases", [])),
        resources=tuple(Resource(r["title"], r["url"]) for r in data.get("resources", [])),
        questions=_texts(data.get("questions", [])),
        hours=data.get("hours"),
    )


def from_data(data: dict[str, Any]) -> Catalog:
    """A catalog from data already checked by `formats.catalog_schema.validate` (a KeyError or a
    TypeError means it was not)."""
    return Catalog(
        id=data["id"],
        title=data["title"],
        tracks=tuple(_track(t) for t in data["tracks"]),
        topics=tuple(_topic(t) for t in data["topics"]),
        format=data["format"],
        description=data.get("description", ""),
        source=data.get("source", ""),
        progression=_texts(data.get("progression", [])),
    )


def sound(catalog: Catalog) -> bool:
    """Whether every id has the form of one and every reference names what it refers to: what
    a catalog read back from the cache must show before it is used, since an id can become
    part of a file name (the progress file is named after the catalog) and a reference is
    looked up in a table. A fraction of what `problems` checks, at a fraction of its cost."""
    kebab = re.compile(KEBAB).fullmatch
    topic_ids = {topic.id for topic in catalog.topics}
    track_ids = {track.id for track in catalog.tracks}
    if not kebab(catalog.id) or not all(map(kebab, topic_ids | track_ids)):
        return False
    if len(topic_ids) != len(catalog.topics) or len(track_ids) != len(catalog.tracks):
        return False
    texts = [catalog.title, catalog.description, catalog.source]
    for topic in catalog.topics:
        texts += (topic.title, topic.summary, *(t for r in topic.resources for t in r))
        texts += topic.questions
    for track in catalog.tracks:
        texts += (track.title, track.summary, track.optimizes_for, track.choose_when)
        texts += (*track.entry_from, *track.audience, *track.questions)
        texts += (*(s.what for s in track.signals), *(o.title for o in track.outcomes))
        texts += tuple(o.summary for o in track.outcomes)
    if not all(type(text) is str for text in texts):  # what is shown must be text
        return False
    if not all(t.hours is None or type(t.hours) is float for t in catalog.topics):
        return False
    for topic in catalog.topics:
        if not topic_ids.issuperset(topic.requires) or not all(map(kebab, topic.aliases)):
            return False
    for track in catalog.tracks:
        listed = set(track.topics)
        if not topic_ids.issuperset(listed):
            return False
        if not all(listed.issuperset(s.shown_by) for s in track.signals):
            return False
        if not all(kebab(o.id) and listed.issuperset(o.uses) for o in track.outcomes):
            return False
    return track_ids.issuperset(catalog.progression)


# --- checks across entries


def problems(catalog: Catalog) -> list[str]:
    """Everything wrong across entries that per-field validation cannot see."""
    found = [
        *_duplicates("duplicate track id '{}'", [t.id for t in catalog.tracks]),
        *_duplicates("duplicate topic id '{}'", [t.id for t in catalog.topics]),
        *_duplicates(
            "duplicate outcome id '{}'", [o.id for t in catalog.tracks for o in t.outcomes]
        ),
    ]
    topic_ids = {t.id for t in catalog.topics}
    track_ids = {t.id for t in catalog.tracks}
    found += _topic_problems(catalog.topics, topic_ids)
    for track in catalog.tracks:
        found += _track_problems(track, topic_ids)

    found += _duplicates("two tracks are titled '{}'", [t.title for t in catalog.tracks])
    listed = {topic_id for track in catalog.tracks for topic_id in track.topics}
    for topic in catalog.topics:
        if topic.id not in listed:
            found.append(f"topic '{topic.id}' is in no track")
    found += _duplicates("progression lists track '{}' twice", list(catalog.progression))
    for track_id in catalog.progression:
        if track_id not in track_ids:
            found.append(f"progression names unknown track '{track_id}'")

    cycle = _find_cycle({t.id: [r for r in t.requires if r in topic_ids] for t in catalog.topics})
    if cycle:
        found.append("prerequisites form a cycle: " + " -> ".join(cycle))
    return found


def _duplicates(template: str, ids: list[str]) -> list[str]:
    """`template` filled in with each id that comes again, once for each time it does."""
    found: list[str] = []
    seen: set[str] = set()
    for id_ in ids:
        if id_ in seen:
            found.append(template.format(id_))
        seen.add(id_)
    return found


def _topic_problems(topics: tuple[Topic, ...], topic_ids: set[str]) -> list[str]:
    """Aliases that are topic ids or another topic's aliases, and prerequisites that name no
    topic or the topic itself."""
    found: list[str] = []
    alias_owner: dict[str, str] = {}
    for topic in topics:
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
    return found


def _track_problems(track: Track, topic_ids: set[str]) -> list[str]:
    """A track's topics listed twice or unknown, and the topics its signals and outcomes name
    that it does not list."""
    found = _duplicates(f"track '{track.id}' lists topic '{{}}' twice", list(track.topics))
    listed_here = set(track.topics)
    for topic_id in track.topics:
        if topic_id not in topic_ids:
            found.append(f"track '{track.id}' lists unknown topic '{topic_id}'")
    for signal in track.signals:
        for topic_id in signal.shown_by:
            if topic_id not in listed_here:
                found.append(
                    f"track '{track.id}': '{signal.what}' is shown by topic '{topic_id}',"
                    " which the track does not list"
                )
    for outcome in track.outcomes:
        for used in outcome.uses:
            if used not in listed_here:
                found.append(
                    f"outcome '{outcome.id}' uses topic '{used}', which track '{track.id}'"
                    " does not list"
                )
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
