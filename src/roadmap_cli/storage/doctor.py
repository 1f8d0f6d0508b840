"""`roadmap doctor`: check a progress file against the catalog, and salvage a broken one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.errors import StateError
from roadmap_cli.core.state import (
    CARRIED_FIELDS,
    HEAD_ROWS,
    ID,
    SCHEMA_VERSION,
    Invalid,
    State,
    entry_from,
    head_value_from,
    now,
    unknown_keys,
)
from roadmap_cli.formats import toml_text
from roadmap_cli.storage import conflicts
from roadmap_cli.storage.store import Loaded, Store

Level = Literal["ok", "note", "warning", "error"]


@dataclass(frozen=True)
class Finding:
    level: Level
    message: str


@dataclass(frozen=True)
class Repair:
    moved_to: Path
    written: Path
    kept: list[str]
    dropped: list[str]  # entries left out whole, each with why
    removed: list[str]  # single values left out of entries that were kept, each with why
    edited: bool  # the old text was edited (comments and keys of your own kept)
    merged: bool = False  # both sides of a git conflict were merged
    read_as: tuple[str, ...] = ()  # values kept as the file means them (`Done` as done)


def diagnose(store: Store, catalog: Catalog) -> list[Finding]:
    """Everything worth knowing about the progress file, most serious first."""
    try:
        loaded = store.read(cached=False)  # the file itself, never what the cache says of it
    except StateError as exc:
        return [Finding("error", exc.message)]
    if loaded.text is None:
        return [Finding("ok", f"no progress file yet at {store.path}: nothing to check")]
    state = loaded.state
    found = [
        Finding(
            "ok",
            f"{store.path} reads and validates ({len(state.topics)} topic entries,"
            f" {len(state.projects)} projects)",
        ),
        *_schema_findings(store, loaded),
        *_catalog_findings(state, catalog),
        *_entry_problems(state),
        *_project_problems(state, catalog),
    ]
    extra = unknown_keys(toml_text.loads(loaded.text))
    if extra:
        found.append(
            Finding(
                "note", f"keys this version does not use are kept as written: {', '.join(extra)}"
            )
        )
    found += _history_findings(store)
    order: dict[Level, int] = {"error": 0, "warning": 1, "note": 2, "ok": 3}
    return sorted(found, key=lambda f: order[f.level])


def _schema_findings(store: Store, loaded: Loaded) -> list[Finding]:
    """A file of a newer schema (shown, never changed), or of an older one (upgraded)."""
    found = []
    if loaded.newer:
        found.append(
            Finding(
                "warning",
                f"written by a newer roadmap (schema {loaded.version}): shown, never changed;"
                " upgrade roadmap to make changes",
            )
        )
    if loaded.older:
        found.append(
            Finding(
                "note",
                f"schema {loaded.version} will be brought up to {SCHEMA_VERSION} on the next"
                f" change, after a copy is kept as {store.backup_path(loaded.version or 0).name}",
            )
        )
    return found


def _catalog_findings(state: State, catalog: Catalog) -> list[Finding]:
    """Progress that the catalog in use does not know: another catalog's, a focus track or a
    topic it lacks, a topic it renamed."""
    found = []
    if state.catalog and state.catalog != catalog.id:
        found.append(
            Finding(
                "warning",
                f"this progress follows catalog '{state.catalog}', but the catalog in use is"
                f" '{catalog.id}'",
            )
        )
    if state.focus and state.focus not in catalog.track_by_id:
        found.append(Finding("warning", f"focus track '{state.focus}' is not in the catalog"))
    aliases = {alias: t.id for t in catalog.topics for alias in t.aliases}
    for topic_id in sorted(t for t in state.topics if t not in catalog.topic_by_id):
        if topic_id in aliases and aliases[topic_id] not in state.topics:
            found.append(
                Finding(
                    "note",
                    f"'{topic_id}' was renamed to '{aliases[topic_id]}'; its progress follows"
                    " the new id and moves there on the next change",
                )
            )
        elif topic_id in aliases:
            found.append(
                Finding(
                    "note",
                    f"'{topic_id}' was renamed to '{aliases[topic_id]}', which has progress of"
                    " its own; on the next change the entry changed last is kept, with the"
                    " other's note added to its note",
                )
            )
        else:
            found.append(
                Finding(
                    "warning",
                    f"'{topic_id}' is not in the catalog (removed or from another catalog);"
                    " its entry is kept but not counted",
                )
            )
    return found


def _history_findings(store: Store) -> list[Finding]:
    """Lines of the history that do not parse or repeat a record, its size, and whether
    changes wait to be synced."""
    try:
        log = store.history()
    except StateError as exc:
        return [Finding("warning", exc.message)]
    found = []
    if log.bad_lines:
        found.append(
            Finding(
                "warning",
                f"{log.bad_lines} line(s) of {store.history_path} do not parse and are skipped",
            )
        )
    if log.repeated:
        found.append(
            Finding(
                "note",
                f"{log.repeated} line(s) of {store.history_path} repeat a record (a union of"
                " two machines' lines); each record counts once",
            )
        )
    found.append(Finding("ok", f"history: {len(log.records)} recorded changes"))
    from roadmap_cli.storage import git_sync

    unsynced = git_sync.doctor_finding(store.target, store.history_path)
    if unsynced is not None:
        found.append(Finding("warning", unsynced))
    return found


def _entry_problems(state: State) -> list[Finding]:
    found = []
    for topic_id, entry in sorted(state.topics.items()):
        if entry.finished and entry.status not in ("done", "skipped"):
            found.append(Finding("note", f"'{topic_id}' has a finish time but is {entry.status}"))
        if entry.started and entry.finished and entry.started > entry.finished:
            found.append(Finding("warning", f"'{topic_id}' finished before it started"))
    return found


def _project_problems(state: State, catalog: Catalog) -> list[Finding]:
    found = []
    for project_id, project in sorted(state.projects.items()):
        track = catalog.track_by_id.get(project.track)
        if track is None:
            found.append(
                Finding(
                    "warning",
                    f"project '{project_id}' is on track '{project.track}',"
                    " which the catalog does not have; it is kept and exported",
                )
            )
        elif project.outcome and project.outcome not in {o.id for o in track.outcomes}:
            found.append(
                Finding(
                    "note",
                    f"project '{project_id}' takes on outcome idea"
                    f" '{project.outcome}', which {track.title} no longer has",
                )
            )
        unknown = [t for t in project.topics if t not in catalog.topic_by_id]
        if unknown:
            found.append(
                Finding(
                    "note",
                    f"project '{project_id}' applies topics the catalog does not"
                    f" have: {', '.join(unknown)}",
                )
            )
        if project.status == "done" and project.missing_portfolio():
            found.append(
                Finding(
                    "note",
                    f"project '{project_id}' is done without its"
                    f" {', '.join(project.missing_portfolio())}",
                )
            )
    return found


def repair(store: Store) -> Repair:
    """Move a file that cannot be used aside and write one with everything that validates."""
    dropped: list[str] = []
    removed: list[str] = []
    read_as: list[str] = []
    merged: list[bool] = []

    def salvage(raw: bytes) -> State | tuple[State, str]:
        text = raw.decode("utf-8-sig", errors="replace")
        if conflicts.has_markers(text):
            try:
                both = conflicts.resolved(text, store.catalog_id)
            except StateError as exc:  # a side that is no progress file: keep what validates
                removed.append(f"the merge of both sides ({exc.message})")
                both = None
            if both is not None:
                merged.append(True)
                return both
        top, tables = _salvage(text, removed)
        kept = _kept_entries(tables, dropped, removed, read_as)
        for name, loose in _LOOSE_TABLES.items():
            prefix = "" if name == "topics" else "project "
            dropped.extend(
                f"{prefix}{i} (its table header could not be read)"
                for i in set(loose.findall(text)) - set(tables[name])
            )
        head = _kept_head(top, removed, read_as)
        head["catalog"] = head.get("catalog") or store.catalog_id
        return State(**head, topics=kept["topics"], projects=kept["projects"])

    aside, state, edited = store.repair(
        salvage,
        lambda: [f"Dropped {d}" for d in sorted(set(dropped))] + [f"Removed {r}" for r in removed],
    )
    kept_ids = sorted(state.topics) + [f"project {p}" for p in sorted(state.projects)]
    return Repair(
        aside,
        store.path,
        kept_ids,
        sorted(set(dropped)),
        removed,
        edited,
        bool(merged),
        tuple(read_as),
    )


def _kept_entries(
    tables: dict[str, dict[str, Any]], dropped: list[str], removed: list[str], read_as: list[str]
) -> dict[str, dict[str, Any]]:
    """The topics and projects of the damaged file that can still be read, each with what
    could be read of it; an entry with nothing to keep goes into `dropped`, a value into
    `removed`."""
    kept: dict[str, dict[str, Any]] = {"topics": {}, "projects": {}}
    for name, items in tables.items():
        for item_id, table in items.items():
            label = item_id if name == "topics" else f"project {item_id}"
            if not ID.fullmatch(item_id):
                dropped.append(f"{label} (not an id: lowercase words joined by -)")
                continue
            entry, problems = _salvage_entry(name, item_id, table, read_as)
            if entry is None:
                why = "; ".join(f"{key} {what}" for key, what in problems) or "not a table"
                dropped.append(f"{label} ({why})")
            else:
                kept[name][item_id] = entry
                removed.extend(f"{name}.{item_id}.{key} ({what})" for key, what in problems)
    return kept


def _kept_head(top: dict[str, Any], removed: list[str], read_as: list[str]) -> dict[str, Any]:
    """The top-level values of the damaged file that can still be read."""
    head: dict[str, Any] = {}
    for key in (*CARRIED_FIELDS, "catalog"):
        if key not in top:
            continue
        value = top[key]
        if key in HEAD_ROWS and isinstance(value, list):  # a goal's day: noon of it
            value = [_read_times(key, n, row, read_as) for n, row in enumerate(value)]
        try:
            head[key] = head_value_from(key, value, from_json=False)
        except Invalid as exc:
            removed.append(f"{key} ({exc.problems[0][1]}; it was {_shown(top[key])})")
    return head


def _shown(value: object) -> str:
    from datetime import date

    shown = value.isoformat() if isinstance(value, date) else repr(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _salvage_entry(
    name: str, item_id: str, table: object, read_as: list[str] | None = None
) -> tuple[Any, list[tuple[str, str]]]:
    """An entry from a damaged table, and each value left out with why. Every value that can
    still be read is kept (`_readable`, each reading noted in `read_as`); values that do not
    validate are left out, one by one; a missing time becomes now. None for the entry when
    what is left is not one."""
    if not isinstance(table, dict):
        return None, []
    values = _readable(name, f"{name}.{item_id}", dict(table), read_as)
    left_out: list[tuple[str, str]] = []
    times = ("updated",) if name == "topics" else ("created", "updated")
    for _ in range(len(values) + 2):
        for key in times:
            values.setdefault(key, now())
        try:
            return entry_from(name, values, from_json=False), left_out
        except Invalid as exc:
            bad = {where: what for where, what in exc.problems}
            rows = {w for w in bad if w.count(".") >= 1 and w.split(".")[0] in values}
            if not (set(bad) & set(values)) and not rows:
                return None, left_out + sorted(bad.items())  # a required value is missing
            gone: set[tuple[str, str]] = set()  # rows taken out (one may have two problems)
            for key in sorted(bad, key=_rows_last_first):
                field, _, rest = key.partition(".")
                if rest and isinstance(values.get(field), list):  # one row of a list: it alone
                    index = rest.split(".")[0]
                    if (
                        index.isdigit()
                        and (field, index) not in gone
                        and int(index) < len(values[field])
                    ):
                        gone.add((field, index))
                        values[field] = list(values[field])
                        was = _shown(values[field].pop(int(index)))
                        what = f"{rest.partition('.')[2]} {bad[key]}".strip()
                        left_out.append((f"{field}.{index}", f"{what}; it was {was}"))
                    continue
                if key in values:
                    was = _shown(values.pop(key))
                    said = bad[key] if was in bad[key] else f"{bad[key]}; it was {was}"
                    left_out.append((key, said))
            if name == "topics" and "status" in bad:  # the dates still say where it stands
                _status_from_dates(f"{name}.{item_id}", values, read_as)
    return None, left_out


def _rows_last_first(where: str) -> tuple[str, int]:
    """Problems in order, a list's rows from the last (so that a row taken out leaves the
    places of the rows before it as they were)."""
    field, _, rest = where.partition(".")
    index = rest.split(".")[0]
    return field, -int(index) if index.isdigit() else 0


# Words a person may write for a status, as the file's own words (after the case is folded
# and spaces and underscores are read as hyphens).
_STATUS_WORDS = {
    "done": "done",
    "finished": "done",
    "complete": "done",
    "completed": "done",
    "in-progress": "in-progress",
    "inprogress": "in-progress",
    "started": "in-progress",
    "doing": "in-progress",
    "skipped": "skipped",
    "skip": "skipped",
    "planned": "planned",
}


def _readable(
    name: str, where: str, values: dict[str, Any], read_as: list[str] | None
) -> dict[str, Any]:
    """The values of a damaged entry table with what a person wrote read as the file means
    it: a key in another case or misspelt (`finshed`) as the field, a status in another case
    or word (`Done`, `finished`), a date or a time without an offset (local time, a day at
    noon) or as text in ISO form. Each reading is noted in `read_as`."""
    import difflib

    from roadmap_cli.core.state import CHOICE_FIELDS, COLLECTIONS, ENTRY_CLASSES, TIME_FIELDS

    notes = read_as if read_as is not None else []
    known = COLLECTIONS[name]
    cls = ENTRY_CLASSES[name]
    for key in [k for k in values if k not in known]:
        folded = [f for f in known if f == key.lower().strip()]
        close = folded or difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.8)
        if close and close[0] not in values:
            values[close[0]] = values.pop(key)
            notes.append(f"{where}.{key} as {close[0]}")
    for key, words in CHOICE_FIELDS[cls].items():
        value = values.get(key)
        if isinstance(value, str) and value not in words:
            word = value.strip().lower().replace("_", "-").replace(" ", "-")
            word = _STATUS_WORDS.get(word, word)
            if word in words:
                values[key] = word
                notes.append(f"{where}.{key} {_shown(value)} as {word}")
    for key in TIME_FIELDS[cls]:
        if key in values:
            moment = _moment(values[key])
            if moment is not None and moment != values[key]:
                notes.append(f"{where}.{key} {_shown(values[key])} as {moment.isoformat()}")
                values[key] = moment
    if name == "topics" and values.get("status") is None:  # its line lost, or never written
        _status_from_dates(where, values, notes)
    return values


def _moment(value: Any) -> Any:
    """A time as the file keeps it (aware) from a date, a local time or ISO text; None for
    what is none of those."""
    from datetime import date, datetime, time

    if isinstance(value, str):
        for kind in (date, datetime):  # a day alone is a day, not its midnight
            try:
                value = kind.fromisoformat(value.strip())
                break
            except ValueError:
                continue
        else:
            return None
    try:  # (a year at either end of the calendar has no local time)
        if isinstance(value, datetime):
            return value if value.utcoffset() is not None else value.astimezone()
        if isinstance(value, date):
            return datetime.combine(value, time(12)).astimezone()
    except (ValueError, OverflowError):
        return None
    return None


def _read_times(name: str, n: int, row: Any, read_as: list[str]) -> Any:
    """A row of a top-level list with its times read as `_moment` reads them."""
    if not isinstance(row, dict):
        return row
    row = dict(row)
    for key, value in row.items():
        moment = _moment(value) if not isinstance(value, str | int) or key in ("by", "at") else None
        if moment is not None and moment != value:
            read_as.append(f"{name}.{n}.{key} {_shown(value)} as {moment.isoformat()}")
            row[key] = moment
    return row


def _status_from_dates(where: str, values: dict[str, Any], read_as: list[str] | None) -> None:
    """A topic whose status could not be read: done when it has a finish time, in progress
    when it has a start time."""
    from datetime import datetime

    def has(key: str) -> bool:
        moment = values.get(key)
        return isinstance(moment, datetime) and moment.utcoffset() is not None

    status = "done" if has("finished") else "in-progress" if has("started") else None
    if status is not None:
        values["status"] = status
        if read_as is not None:
            reason = "finish time" if status == "done" else "start time"
            read_as.append(f"{where}.status as {status}, from its {reason}")


def _table_pattern(name: str, loose: bool = False) -> re.Pattern[str]:
    end = "" if loose else r"\"?\s*\]\s*$"
    return re.compile(
        rf"^\s*\[{'+' if loose else ''}\s*{name}\s*\.\s*\"?([A-Za-z0-9_-]+){end}", re.M
    )


_TABLES = {name: _table_pattern(name) for name in ("topics", "projects")}
# Any line that looks like it meant to open such a table, well formed or not.
_LOOSE_TABLES = {name: _table_pattern(name, loose=True) for name in ("topics", "projects")}


def _salvage(
    text: str, skipped: list[str] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Top-level values and topic and project tables of a damaged file, each part parsed on
    its own; the lines that parse in no way go to `skipped`, with where they were."""
    skipped = [] if skipped is None else skipped
    try:
        data = toml_text.loads(text)
    except toml_text.TOMLDecodeError:
        data = None
    if isinstance(data, dict):
        found = {name: data.get(name) for name in _TABLES}
        return data, {name: dict(v) if isinstance(v, dict) else {} for name, v in found.items()}
    heads = sorted(
        ((m, name) for name, pattern in _TABLES.items() for m in pattern.finditer(text)),
        key=lambda pair: pair[0].start(),
    )
    top = _parse_lines(text[: heads[0][0].start()] if heads else text, "the top", skipped)
    tables: dict[str, dict[str, Any]] = {name: {} for name in _TABLES}
    for i, (head, name) in enumerate(heads):
        end = heads[i + 1][0].start() if i + 1 < len(heads) else len(text)
        body = _only_tables_body(text[head.end() : end])
        where = f"{name}.{head.group(1)}"
        try:
            found = toml_text.loads(body)
        except toml_text.TOMLDecodeError:
            found = _parse_lines(body, where, skipped)  # keep the lines that still parse
        table = tables[name].setdefault(head.group(1), {})
        for key, value in found.items():  # a table given twice: the values of both, the
            if key in table and table[key] != value:  # first where they differ
                skipped.append(f"{where}.{key} given again ({_shown(value)}; kept the first)")
            else:
                table[key] = value
    return top, tables


def _only_tables_body(body: str) -> str:
    """The key/value lines of one table, up to any other table header."""
    lines = []
    for line in body.splitlines():
        if line.lstrip().startswith("["):
            break
        lines.append(line)
    return "\n".join(lines)


def _parse_lines(text: str, where: str, skipped: list[str]) -> dict[str, Any]:
    """Each `key = value` line that parses by itself; the others go to `skipped`."""
    values: dict[str, Any] = {}
    for line in text.splitlines():
        try:
            values.update(toml_text.loads(line))
        except toml_text.TOMLDecodeError:
            shown = line.strip() if len(line.strip()) <= 40 else line.strip()[:39] + "…"
            if shown and not shown.startswith("#"):
                skipped.append(f"the line {shown!r} in {where} (not valid TOML)")
    return values


def to_json(findings: list[Finding]) -> dict[str, Any]:
    return {
        "version": 1,
        "healthy": not any(f.level == "error" for f in findings),
        "findings": [{"level": f.level, "message": f.message} for f in findings],
    }
