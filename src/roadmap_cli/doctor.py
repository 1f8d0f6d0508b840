"""`roadmap doctor`: check a progress file against the catalog, and salvage a broken one."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from roadmap_cli.catalog import Catalog
from roadmap_cli.errors import StateError
from roadmap_cli.state import SCHEMA_VERSION, State, TopicProgress, now, unknown_keys
from roadmap_cli.store import Store

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
    dropped: list[str]


def diagnose(store: Store, catalog: Catalog) -> list[Finding]:
    """Everything worth knowing about the progress file, most serious first."""
    found: list[Finding] = []
    try:
        loaded = store.read()
    except StateError as exc:
        return [Finding("error", exc.message)]
    if loaded.text is None:
        return [Finding("ok", f"no progress file yet at {store.path}: nothing to check")]
    state = loaded.state
    found.append(Finding("ok", f"{store.path} reads and validates ({len(state.topics)} entries)"))
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
    for topic_id in sorted(state.topics):
        if topic_id in catalog.topic_by_id:
            continue
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
    found += _entry_problems(state)
    extra = unknown_keys(tomllib.loads(loaded.text))
    if extra:
        found.append(
            Finding(
                "note", f"keys this version does not use are kept as written: {', '.join(extra)}"
            )
        )
    try:
        log = store.history()
    except StateError as exc:
        return [*found, Finding("warning", exc.message)]
    if log.bad_lines:
        found.append(
            Finding(
                "warning",
                f"{log.bad_lines} line(s) of {store.history_path} do not parse and are skipped",
            )
        )
    found.append(Finding("ok", f"history: {len(log.records)} recorded changes"))
    order: dict[Level, int] = {"error": 0, "warning": 1, "note": 2, "ok": 3}
    return sorted(found, key=lambda f: order[f.level])


def _entry_problems(state: State) -> list[Finding]:
    found = []
    for topic_id, entry in sorted(state.topics.items()):
        if entry.finished and entry.status != "done":
            found.append(Finding("note", f"'{topic_id}' has a finish time but is {entry.status}"))
        if entry.started and entry.finished and entry.started > entry.finished:
            found.append(Finding("warning", f"'{topic_id}' finished before it started"))
    return found


def repair(store: Store) -> Repair:
    """Move a file that cannot be used aside and write one with everything that validates."""
    dropped: list[str] = []

    def salvage(raw: bytes) -> State:
        text = raw.decode("utf-8-sig", errors="replace")
        top, tables = _salvage(text)
        kept: dict[str, TopicProgress] = {}
        for topic_id, table in tables.items():
            entry = _salvage_entry(topic_id, table)
            if entry is None:
                dropped.append(topic_id)
            else:
                kept[topic_id] = entry
        dropped.extend(sorted(set(_LOOSE_TABLE.findall(text)) - set(tables)))
        focus = top.get("focus") if isinstance(top.get("focus"), str) else None
        catalog = top.get("catalog") if isinstance(top.get("catalog"), str) else store.catalog_id
        return State(catalog=catalog, focus=focus, topics=kept)

    aside, state = store.repair(salvage)
    return Repair(aside, store.path, sorted(state.topics), sorted(set(dropped)))


def _salvage_entry(topic_id: str, table: object) -> TopicProgress | None:
    """An entry from a damaged table: values that do not validate are left out, one by one;
    a missing change time becomes now. None when nothing usable is left."""
    if not isinstance(table, dict):
        return None
    values = dict(table)
    values.setdefault("updated", now())
    for _ in range(len(values) + 1):
        try:
            state = State.model_validate({"topics": {topic_id: values}})
        except ValidationError as exc:
            bad = {str(err["loc"][2]) for err in exc.errors() if len(err["loc"]) > 2}
            if not bad or not bad & set(values):
                return None
            for key in bad:
                values.pop(key, None)
            if "updated" not in values:
                values["updated"] = now()
            continue
        return state.topics[topic_id]
    return None


_TABLE = re.compile(r"^\s*\[\s*topics\s*\.\s*\"?([A-Za-z0-9_-]+)\"?\s*\]\s*$", re.M)
# Any line that looks like it meant to open a topic table, well formed or not.
_LOOSE_TABLE = re.compile(r"^\s*\[+\s*topics\s*\.\s*\"?([A-Za-z0-9_-]+)", re.M)


def _salvage(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Top-level values and topic tables from a damaged file, each part parsed on its own."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        data = None
    if isinstance(data, dict):
        found = data.get("topics")
        return data, dict(found) if isinstance(found, dict) else {}
    heads = list(_TABLE.finditer(text))
    top_text = text[: heads[0].start()] if heads else text
    top = _parse_lines(top_text)
    tables: dict[str, Any] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = _only_tables_body(text[head.end() : end])
        try:
            tables[head.group(1)] = tomllib.loads(body)
        except tomllib.TOMLDecodeError:
            tables[head.group(1)] = _parse_lines(body)  # keep the lines that still parse
    return top, tables


def _only_tables_body(body: str) -> str:
    """The key/value lines of one table, up to any other table header."""
    lines = []
    for line in body.splitlines():
        if line.lstrip().startswith("["):
            break
        lines.append(line)
    return "\n".join(lines)


def _parse_lines(text: str) -> dict[str, Any]:
    """Each `key = value` line that parses by itself."""
    values: dict[str, Any] = {}
    for line in text.splitlines():
        try:
            values.update(tomllib.loads(line))
        except tomllib.TOMLDecodeError:
            continue
    return values


def to_json(findings: list[Finding]) -> dict[str, Any]:
    return {
        "version": 1,
        "healthy": not any(f.level == "error" for f in findings),
        "findings": [{"level": f.level, "message": f.message} for f in findings],
    }
