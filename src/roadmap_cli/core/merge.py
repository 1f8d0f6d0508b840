"""Merging two progress histories (`roadmap import --merge`).

The rules, chosen so that merging is commutative, associative and idempotent (the property
tests in tests/test_merge.py check all three), whatever order machines are merged in:

- Per topic and per project, the latest change wins: the entry with the later `updated`
  time, or a deletion recorded in either history that is later still. A deleted topic counts
  as a bare pending entry at the time of its deletion. Equal times are broken by a fixed rule:
  the entry whose canonical JSON (sorted keys, notes left out) sorts last wins; for projects,
  a deletion beats an entry of the same time.
- Notes are unioned: when the candidates' notes differ, the merged note holds each distinct
  paragraph of them once, in sorted order, as many as fit in the longest note allowed (the
  rest are left out, the same ones whatever the order of the merges).
- History records are unioned by id and ordered by (time, id).
- Reviews of a topic are unioned (each review once, whichever entry wins), and the schedule of
  every done topic is then replayed from them (`core.review`): the same reviews give the same
  schedule on every machine.
- The focus (and the review retention) is the one set by the latest change of it in the
  merged history; without one, the greater of the two (any value beats none).
- Records that arrived in an earlier import (`foreign`) count for nothing: the record of that
  import holds what it changed, at the importing machine's time.

`merge_in` is what an import does: the same merge, with the export's records that are new
here kept as `foreign`, and the learner's own records never replaced by the export's.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from roadmap_cli.core.records import Record
from roadmap_cli.core.sanitize import MAX_TEXT
from roadmap_cli.core.state import (
    HEAD_ROWS,
    ID,
    LEARNER_FIELDS,
    ROW_FIELDS,
    Entry,
    Invalid,
    Project,
    State,
    TopicProgress,
    entry_from,
    head_value_from,
    row_order,
    to_json,
)


@dataclass(frozen=True)
class Side:
    state: State
    records: tuple[Record, ...]


def merge(a: Side, b: Side) -> Side:
    records = _union_records(a.records, b.records)
    deletions = _deletions(records)
    head: dict[str, Any] = {name: _head(name, a, b, records) for name in LEARNER_FIELDS}
    for name in HEAD_ROWS:  # a list: none is an empty one
        head[name] = head[name] or []
    state = State(catalog=a.state.catalog or b.state.catalog, **head)
    for name in ("topics", "projects"):
        merged: dict[str, Any] = {}
        ids = (
            set(getattr(a.state, name))
            | set(getattr(b.state, name))
            | {key.partition(".")[2] for key in deletions if key.startswith(name + ".")}
        )
        for item_id in sorted(ids):
            found = (getattr(a.state, name).get(item_id), getattr(b.state, name).get(item_id))
            entries = [entry for entry in found if entry is not None]
            deleted_at = deletions.get(f"{name}.{item_id}")
            winner = (
                _topic(entries, deleted_at) if name == "topics" else _project(entries, deleted_at)
            )
            if winner is not None:
                merged[item_id] = winner
        setattr(state, name, merged)
    if any(entry.status == "done" for entry in state.topics.values()):
        from roadmap_cli.core import review

        review.reschedule_all(state)
    return Side(state, records)


def _topic(entries: list[TopicProgress], deleted_at: datetime | None) -> TopicProgress | None:
    """The latest entry (a deletion counts as a bare pending entry), with the notes unioned."""
    candidates = list(entries)
    if deleted_at is not None:
        candidates.append(TopicProgress(updated=deleted_at))
    if not candidates:
        return None
    best = max(candidates, key=lambda e: (e.updated, _canonical(e)))
    note = _notes([e.note for e in entries])
    rows = {name: _rows(name, entries) for name in ROW_FIELDS[TopicProgress]}
    if best.status is None and note is None and not any(rows.values()):
        return None  # pending with nothing to keep: no entry
    return replace(best, note=note, **rows)  # type: ignore[arg-type]


def _rows(name: str, entries: list[TopicProgress]) -> list[Any]:
    """Every row of the field `name` of either entry, each once (see `core.review.union`)."""
    if not any(getattr(e, name) for e in entries):
        return []
    from roadmap_cli.core import review

    return review.union([getattr(e, name) for e in entries])


def _project(entries: list[Project], deleted_at: datetime | None) -> Project | None:
    """The latest entry, unless a deletion is later (or as late)."""
    best = max(entries, key=lambda e: (e.updated, _canonical(e)), default=None)
    if best is None or (deleted_at is not None and deleted_at >= best.updated):
        return None
    return replace(best, topics=list(best.topics))


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
    merged = merge(ours, Side(theirs.state, tuple(arriving)))
    new = arrived(tuple(r for r in merged.records if r.id not in here))
    return Side(merged.state, _interleaved(ours.records, new))


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


def _deletions(records: tuple[Record, ...]) -> dict[str, datetime]:
    """For each entry key, the time of the latest recorded change that deleted it."""
    latest: dict[str, datetime] = {}
    for record in records:
        if record.foreign:
            continue  # another history's word; the import that brought it recorded its effect
        for change in record.changes:
            deleted = (
                change.key not in LEARNER_FIELDS and change.new is None and change.old is not None
            )
            if deleted and (change.key not in latest or record.time > latest[change.key]):
                latest[change.key] = record.time
    return latest


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


def _fitting(name: str, value: Any) -> Any:
    """`value` if it fits the top-level field `name` (the focus an id), else None."""
    try:
        value = head_value_from(name, value)
    except Invalid:
        return None
    return None if isinstance(value, str) and not ID.fullmatch(value) else value


def _head(name: str, a: Side, b: Side, records: tuple[Record, ...]) -> Any:
    """A top-level field (focus): the latest recorded change of it on either side wins; with
    none, the greater of the two values, so that the merge is the same in any order."""
    for record in reversed(records):
        if record.foreign:
            continue
        for change in record.changes:
            if change.key == name:  # a record may say anything: what does not fit is none
                return _fitting(name, change.new)
    candidates = [v for v in (getattr(a.state, name), getattr(b.state, name)) if v]
    return max(candidates) if candidates else None


# --- three-way merge (git's merge driver, and a file left with git's conflict markers)

# Fields that say together where an entry stands: they come from one side, never mixed.
_TOGETHER = ("status", "started", "finished")
_DERIVED = ("due", "stability")  # replayed from the reviews after the merge
_DEFAULTS: dict[type, dict[str, Any]] = {
    kind: {f.name: f.default for f in fields(kind)} for kind in (TopicProgress, Project)
}


def merge3(base: State | None, ours: State, theirs: State) -> State:
    """`ours` and `theirs`, two states that both grew from `base` (None: no common ancestor),
    merged field by field: what one side changed and the other did not is taken as changed,
    deletions included. Where both changed the same thing, the rules of `merge` decide: the
    later entry's value (by `updated`), notes unioned by paragraph, rows (reviews, time
    spent, goals) merged as sets, so a row removed on one side (an undo) stays removed.
    A change on one side beats a deletion on the other: nothing anyone wrote is lost.
    Top-level values both sides changed (focus, retention) take the greater, as `merge` does
    without a recorded change."""
    base = base or State()
    head: dict[str, Any] = {}
    for name in LEARNER_FIELDS:
        o, a, b = (getattr(side, name) for side in (base, ours, theirs))
        if name in HEAD_ROWS:
            head[name] = _goals(_rows3(o, a, b))
        else:
            head[name] = _three(o, a, b, lambda a=a, b=b: max(v for v in (a, b) if v is not None))
    state = State(catalog=ours.catalog or theirs.catalog or base.catalog, **head)
    for name in ("topics", "projects"):
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

        review.reschedule_all(state)
    return state


def _three(o: Any, a: Any, b: Any, both: Any) -> Any:
    """One value three ways: the side that changed it, or `both()` when both did."""
    if a == b:
        return a
    if a == o:
        return b
    if b == o:
        return a
    return both()


def _rows3(o: list[Any], a: list[Any], b: list[Any]) -> list[Any]:
    """Rows as sets: those both sides keep, and those either side added."""
    if a == b:
        return list(a)
    from roadmap_cli.core import review

    old, in_a, in_b = set(o), set(a), set(b)
    kept = [r for r in a if r in in_b or r not in old], [r for r in b if r in in_a or r not in old]
    if any(hasattr(r, "at") for r in (*kept[0], *kept[1])):  # rows of a moment: reviews, time
        return review.union(list(kept))
    return sorted(set(kept[0]) | set(kept[1]), key=row_order)


def _goals(goals: list[Any]) -> list[Any]:
    """One goal a track (both sides set one): the later date."""
    by_track: dict[str, Any] = {}
    for goal in goals:
        if goal.track not in by_track or goal.by > by_track[goal.track].by:
            by_track[goal.track] = goal
    return [g for g in goals if by_track[g.track] is g]


def _entry3(name: str, o: Entry | None, a: Entry | None, b: Entry | None) -> Entry | None:
    """One topic or project three ways (None: no entry)."""
    entry: Entry | None = _three(o, a, b, lambda: _both_changed(name, o, a, b))
    return entry


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
    except Invalid:  # as `merge` would have it: the later entry, notes and rows unioned
        if name == "topics":
            return _topic([a, b], None)  # type: ignore[list-item]
        return _project([a, b], None)  # type: ignore[list-item]
