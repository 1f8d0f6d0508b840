"""Merging two versions of a learner's progress: `import --merge` (`merge_in`), git's merge
driver and the repair of git's conflict markers (`merge3`). Both follow one set of rules,
`RULES` (docs/sync.md shows it as a table), and one implementation: an import is the same
three-way merge as the driver, with the common version rebuilt from the history records the
two sides share (`merge`).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, NamedTuple

from roadmap_cli.core.records import Record
from roadmap_cli.core.sanitize import MAX_TEXT
from roadmap_cli.core.state import (
    COLLECTIONS,
    LEARNER_FIELDS,
    ROW_FIELDS,
    Entry,
    Invalid,
    Project,
    State,
    TopicProgress,
    changed_at,
    entry_from,
    head_to_json,
    head_value_from,
    set_changed,
    to_json,
)

# Fields that say together where an entry stands: they come from one side, never mixed.
_TOGETHER = ("status", "started", "finished")
_DERIVED = ("due", "stability")  # replayed from the reviews after the merge
_OWN_RULE = ("note", "updated", *_TOGETHER, *_DERIVED)  # fields with a rule of their own
_ENTRIES = (TopicProgress, Project)


class Rule(NamedTuple):
    """How two versions of some values of the progress merge."""

    values: str  # which values, as docs/sync.md names them
    fields: tuple[str, ...]  # the declared fields (core.state) it covers, as `kind.field`
    rule: str  # what the merge keeps


# The merge rules, each field of the progress under exactly one (a test checks that a new
# field cannot be left out, and that docs/sync.md shows this table as it is).
RULES: tuple[Rule, ...] = (
    Rule(
        "A top-level value",
        tuple(f"State.{name}" for name in LEARNER_FIELDS),
        "The later change wins: each value carries the time it was set (`changed`). A value"
        " with no time (set before schema 4) loses to one with a time; of two without, the"
        " greater wins.",
    ),
    Rule(
        "A topic or project changed on one machine only",
        tuple(f"State.{name}" for name in COLLECTIONS),
        "That machine's version, whole: what it changed, added or removed.",
    ),
    Rule(
        "A topic or project changed on one machine and removed on the other",
        (),
        "The change stays: nothing anyone wrote is lost.",
    ),
    Rule(
        "Where a topic or project stands, changed on both",
        tuple(f"{cls.__name__}.{name}" for cls in _ENTRIES for name in _TOGETHER),
        "Taken together from one side: the one that changed them, or if both did, the entry"
        " changed last (`updated`; of two changed at the same second, the one whose JSON"
        " sorts last).",
    ),
    Rule(
        "Any other field of a topic or project, changed on both",
        tuple(
            f"{cls.__name__}.{f.name}"
            for cls in _ENTRIES
            for f in fields(cls)
            if f.name not in (*_OWN_RULE, *ROW_FIELDS[cls])
        ),
        "The side that changed it; if both did, the entry changed last.",
    ),
    Rule(
        "When an entry last changed",
        tuple(f"{cls.__name__}.updated" for cls in _ENTRIES),
        "The later of the two times.",
    ),
    Rule(
        "A note",
        ("TopicProgress.note",),
        "The side that changed it; if both did, every paragraph of both, once each.",
    ),
    Rule(
        "Reviews and time spent",
        tuple(f"TopicProgress.{name}" for name in ROW_FIELDS[TopicProgress]),
        "Every row either side added, by its id: two rows alike are two, one that arrives"
        " twice is one. A row one side removed (an undo) stays removed.",
    ),
    Rule(
        "Review dates",
        tuple(f"TopicProgress.{name}" for name in _DERIVED),
        "Replayed by FSRS from the merged reviews: the same on every machine.",
    ),
    Rule(
        "The change history",
        (),
        "Every record of both, once by its id, in time order.",
    ),
)


def rules_table() -> str:
    """`RULES` as the markdown table docs/sync.md shows (a test checks it is current)."""
    lines = ["| What | How two versions merge |", "| --- | --- |"]
    for rule in RULES:
        names = ", ".join(dict.fromkeys(f"`{name.split('.')[1]}`" for name in rule.fields))
        lines.append(f"| {rule.values}{f' ({names})' if names else ''} | {rule.rule} |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Side:
    state: State
    records: tuple[Record, ...]


def merge(a: Side, b: Side) -> Side:
    """Two histories and their states merged (commutative and idempotent): the three-way
    merge of `merge3`, from the common version the two histories tell. An entry's common
    version is its value after the newest change to it that both histories hold; one with no
    change in common has none (both added it). Top-level values need none: the later change
    of each wins."""
    records = _union_records(a.records, b.records)
    return Side(merge3(_common(a, b), a.state, b.state), records)


def _common(a: Side, b: Side) -> State:
    """The progress as the records both histories hold left it: each entry and top-level
    value as the newest change to it that both hold made it. An entry that one side no
    longer has is in it only when that side's own records say it removed it: a state that
    merely leaves entries out (an export edited by hand) removes nothing."""
    theirs = {record.id: record._replace(foreign=False) for record in b.records}
    shared = sorted(  # the same record, not one that only reuses its id
        (r for r in a.records if theirs.get(r.id) == r._replace(foreign=False)),
        key=lambda r: (r.time, r.id),
    )
    base = _as_recorded(shared)
    common = {record.id for record in shared}
    for name in COLLECTIONS:
        for item_id in list(getattr(base, name)):
            key = f"{name}.{item_id}"
            for side in (a, b):
                if item_id not in getattr(side.state, name) and not _removed(key, side, common):
                    del getattr(base, name)[item_id]
                    break
    return base


def _removed(key: str, side: Side, common: set[str]) -> bool:
    """Whether a record of `side`'s own, since the common ones, removed `key`."""
    return any(
        change.key == key and change.new is None
        for record in side.records
        if record.id not in common
        for change in record.changes
    )


def _as_recorded(shared: list[Record]) -> State:
    """The values the newest change to each key in `shared` (in time order) left."""
    values: dict[str, tuple[Any, datetime]] = {}
    for record in shared:
        for change in record.changes:
            values[change.key] = (change.new, record.time)
    base = State()
    for key, (value, moment) in values.items():
        name, _, item_id = key.partition(".")
        if key in LEARNER_FIELDS:
            try:
                setattr(base, key, head_value_from(key, value))
            except Invalid:
                continue
            set_changed(base, key, moment)  # as the change stamped it (`records.stamp`)
            continue
        if name not in COLLECTIONS or value is None:
            continue
        try:  # a record may say anything: what is not an entry is no common version
            getattr(base, name)[item_id] = entry_from(name, value)
        except (Invalid, TypeError):
            continue
    return base


def later(name: str, a: State, b: State) -> tuple[Any, datetime | None]:
    """The top-level value `name` of `a` and `b` as the rule has it, and when it was set."""
    found = [(getattr(side, name), changed_at(side, name)) for side in (a, b)]
    (value_a, time_a), (value_b, time_b) = found
    if value_a == value_b:
        times = [t for t in (time_a, time_b) if t is not None]
        return value_a, max(times, default=None)

    def key(pair: tuple[Any, datetime | None]) -> tuple[Any, ...]:
        value, moment = pair
        text = json.dumps(head_to_json(name, value), sort_keys=True)
        return (moment is not None, moment.timestamp() if moment else 0.0, value is not None, text)

    value, moment = max(found, key=key)
    return value, moment


def merge_in(ours: Side, theirs: Side) -> Side:
    """`theirs` (an export) merged into `ours` (this machine's progress and history)."""
    here = {record.id: record for record in ours.records}
    arriving: list[Record] = []
    for record in theirs.records:
        kept = here.get(record.id)
        if kept is not None and (not kept.foreign or kept == record._replace(foreign=True)):
            continue  # the learner's own is never replaced; one already here is here
        if kept is not None:
            # Another record under an id known here only from someone else (who may have
            # sent it to hide this one): both are kept, this one under an id of its own.
            record = record._replace(id=f"{record.id}~{zlib.crc32(record.to_json().encode()):08x}")
            if record.id in here:
                continue
        arriving.append(record)
    records = _union_records(ours.records, tuple(arriving))
    state = merge3(_common(ours, theirs), ours.state, theirs.state)
    new = arrived(tuple(r for r in records if r.id not in here))
    return Side(state, _interleaved(ours.records, new))


def arrived(records: tuple[Record, ...]) -> tuple[Record, ...]:
    """`records`, from an export, marked as foreign."""
    return tuple(record._replace(foreign=True) for record in records)


def _interleaved(kept: tuple[Record, ...], new: tuple[Record, ...]) -> tuple[Record, ...]:
    """The records already here in their order (the order undo walks), with `new` ones (in
    time order) each placed before the first kept record that is later than it."""
    out: list[Record] = []
    n = 0
    for record in kept:
        while n < len(new) and new[n].time < record.time:
            out.append(new[n])
            n += 1
        out.append(record)
    return (*out, *new[n:])


def _union_records(a: tuple[Record, ...], b: tuple[Record, ...]) -> tuple[Record, ...]:
    by_id: dict[str, Record] = {}
    for record in (*a, *b):  # two records with one id (a hand edit): the same one wins always
        kept = by_id.get(record.id)
        if kept is None or record.to_json() > kept.to_json():
            by_id[record.id] = record
    return tuple(sorted(by_id.values(), key=lambda r: (r.time, r.id)))


def _canonical(entry: Entry) -> str:
    """The entry as JSON without what a merge unions or derives (notes, reviews, schedule)."""
    return json.dumps(to_json(entry, exclude=_UNIONED), sort_keys=True)


_UNIONED = ("note", *ROW_FIELDS[TopicProgress], "due", "stability")


def _notes(notes: list[str | None]) -> str | None:
    present = [n for n in notes if n]
    if not present:
        return None
    if len(set(present)) == 1:
        return present[0]
    paragraphs = sorted({p.strip() for note in present for p in note.split("\n\n") if p.strip()})
    kept: list[str] = []
    size = -2
    for paragraph in paragraphs:  # no longer than a note may be: the first that fit, in order
        size += len(paragraph) + 2
        if size > MAX_TEXT:
            break
        kept.append(paragraph)
    return "\n\n".join(kept) or min(present)  # (a note past the limit was written by hand)


# --- three-way merge (git's merge driver, and a file left with git's conflict markers)

_DEFAULTS: dict[type, dict[str, Any]] = {
    kind: {f.name: f.default for f in fields(kind)} for kind in (TopicProgress, Project)
}


def merge3(base: State | None, ours: State, theirs: State) -> State:
    """`ours` and `theirs`, two states that both grew from `base` (None: no common ancestor),
    merged by `RULES`: entry by entry, what one side changed and the other did not is taken
    as changed, deletions included; an entry both changed is merged field by field."""
    base = base or State()
    state = State(catalog=ours.catalog or theirs.catalog or base.catalog)
    for name in LEARNER_FIELDS:
        o, a, b = ((getattr(side, name), changed_at(side, name)) for side in (base, ours, theirs))
        if a[0] != b[0] and (a == o or b == o):
            value, moment = a if b == o else b  # the one side that set it since
        else:
            value, moment = later(name, ours, theirs)
        setattr(state, name, value)
        set_changed(state, name, moment)
    for name in COLLECTIONS:
        merged: dict[str, Any] = {}
        sides = [getattr(side, name) for side in (base, ours, theirs)]
        for item_id in sorted(set(sides[1]) | set(sides[2]) | set(sides[0])):
            o, a, b = (items.get(item_id) for items in sides)
            entry = _entry3(name, o, a, b)
            if entry is not None:
                merged[item_id] = entry
        setattr(state, name, merged)
    if any(entry.status == "done" for entry in state.topics.values()):
        from roadmap_cli.core import review

        # Ours' dates stand where ours' finish and reviews did; the others (theirs are
        # someone else's word) are replayed.
        review.reschedule_all(state, ours)
    return state


def _three(o: Any, a: Any, b: Any, both: Any, key: Any = None) -> Any:
    """One value three ways: the side that changed it, or `both()` when both did (values
    compared as `key` makes them, when given)."""
    ko, ka, kb = (o, a, b) if key is None else (key(o), key(a), key(b))
    if ka == kb:
        return a
    if ka == ko:
        return b
    if kb == ko:
        return a
    return both()


def _rows3(o: list[Any], a: list[Any], b: list[Any]) -> list[Any]:
    """Rows (reviews, time spent), each by its id: those both sides keep, and those either
    side added."""
    if a == b:
        return list(a)
    from roadmap_cli.core import review

    old, in_a, in_b = set(o), set(a), set(b)
    kept = [r for r in a if r in in_b or r not in old], [r for r in b if r in in_a or r not in old]
    return review.union(list(kept))


def _entry3(name: str, o: Entry | None, a: Entry | None, b: Entry | None) -> Entry | None:
    """One topic or project three ways (None: no entry). The review dates count for nothing
    here (another scheduler may have given them): they are replayed after the merge."""
    entry: Entry | None = _three(o, a, b, lambda: _both_changed(name, o, a, b), key=_plain)
    return entry


def _plain(entry: Entry | None) -> Entry | None:
    """`entry` without what is derived from the rest of it (the review dates)."""
    if not isinstance(entry, TopicProgress):
        return entry
    return replace(entry, due=None, stability=None)


def _both_changed(name: str, o: Entry | None, a: Entry | None, b: Entry | None) -> Entry | None:
    """An entry both sides changed since `o`, field by field (one side may have dropped it)."""
    if a is None or b is None:
        return a or b  # changed on one side, gone on the other: the change stays
    later = max((a, b), key=lambda e: (e.updated, _canonical(e)))
    values: dict[str, Any] = {}
    kind = type(later)
    rows = ROW_FIELDS[kind]
    together = [f for f in _TOGETHER if hasattr(later, f)]

    def unit(entry: Entry | None) -> tuple[Any, ...]:
        """Where an entry stands; no entry stands where a new one does (a topic pending)."""
        if entry is None:
            return tuple(_DEFAULTS[kind][f] for f in together)
        return tuple(getattr(entry, f) for f in together)

    values.update(
        zip(together, _three(unit(o), unit(a), unit(b), lambda: unit(later)), strict=True)
    )
    for f in (f.name for f in fields(kind)):
        if f in together or f in _DERIVED:
            continue
        old = None if o is None else getattr(o, f)
        mine, yours = getattr(a, f), getattr(b, f)
        if f == "updated":
            values[f] = max(mine, yours)
        elif f in rows:
            values[f] = _rows3(old or [], mine, yours)
        elif f == "note":
            values[f] = _three(old, mine, yours, lambda m=mine, y=yours: _notes([m, y]))
        else:
            values[f] = _three(old, mine, yours, lambda f=f: getattr(later, f))
    chosen = a if unit(a) == tuple(values[f] for f in together) else b
    values.update({f: getattr(chosen, f) for f in _DERIVED if hasattr(chosen, f)})
    entry = replace(later, **values)
    kept = entry.status or getattr(entry, "note", None) or any(getattr(entry, f) for f in rows)
    if isinstance(entry, TopicProgress) and not kept:
        return None  # pending with nothing to keep: no entry, as `merge` has it
    try:  # what the fields make together must be an entry the file may hold
        return entry_from(name, to_json(entry, exclude_none=True))
    except Invalid:  # (a project done without its portfolio): the later entry, whole,
        rows_of = {f: values[f] for f in rows}  # with both sides' notes and rows
        note = values.get("note") if isinstance(later, TopicProgress) else None
        return replace(later, **rows_of, **({"note": note} if note is not None else {}))
