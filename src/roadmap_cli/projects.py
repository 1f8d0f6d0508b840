"""Projects and portfolio evidence: pure functions over a catalog and a state."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from roadmap_cli.catalog import Catalog, Outcome, Track
from roadmap_cli.errors import UsageError
from roadmap_cli.matching import IdIndex
from roadmap_cli.state import PORTFOLIO_FIELDS, Project, State

SLUG_LENGTH = 48


def slug(title: str) -> str:
    """`"PDF Q&A bot (v2)"` -> `"pdf-q-a-bot-v2"`: lowercase ASCII words joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    text = ""
    for word in words:
        if len(text) + len(word) + 1 > SLUG_LENGTH and text:
            break
        text = f"{text}-{word}" if text else word[:SLUG_LENGTH]
    return text or "project"


def new_id(title: str, taken: set[str]) -> str:
    """A slug of `title` that no project has yet (`-2`, `-3`... on a clash)."""
    base = slug(title)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def project_index(state: State) -> IdIndex:
    return IdIndex("project", state.projects, None, "'roadmap project list'")


def check_url(text: str) -> str:
    """An http(s) URL with a host; anything else is a usage error (exit 2)."""
    parts = urlsplit(text.strip())
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or any(ch.isspace() or not ch.isprintable() or ch in '<>"`{}|\\^' for ch in text.strip())
    ):
        raise UsageError(
            f"invalid URL '{text}': give an http:// or https:// address,"
            " e.g. https://github.com/you/project"
        )
    return text.strip()


def read_text_argument(value: str) -> str:
    """`@file.md` reads the text from a file (`@-` from stdin); anything else is the text."""
    if not value.startswith("@") or value == "@":
        return value
    name = value[1:]
    if name == "-":
        import sys

        return sys.stdin.read()
    try:
        return Path(name).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"cannot read {name} for the text ({reason})") from None


# --- the portfolio editor ------------------------------------------------------------------

EDITOR_HEADER = """\
# Portfolio of '{title}' ({id}).
# Write under each heading; lines starting with '#' are ignored, an empty section clears it.
"""


def editor_template(project_id: str, project: Project) -> str:
    parts = [EDITOR_HEADER.format(title=project.title, id=project_id)]
    for name in PORTFOLIO_FIELDS:
        parts.append(f"## {name}\n{getattr(project, name) or ''}\n")
    return "\n".join(parts)


def parse_editor_text(text: str) -> dict[str, str | None]:
    """The five sections of an edited template; headings it lacks are left out."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        heading = re.fullmatch(r"##\s*(\w+)\s*", line)
        if heading and heading.group(1).lower() in PORTFOLIO_FIELDS:
            current = sections.setdefault(heading.group(1).lower(), [])
        elif line.startswith("#"):
            continue
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() or None for name, lines in sections.items()}


# --- views of projects against the catalog -------------------------------------------------


@dataclass(frozen=True)
class Idea:
    track: Track
    outcome: Outcome
    projects: list[str]  # ids of projects that take this idea on
    done: bool  # one of them is done


def ideas(catalog: Catalog, state: State, track_id: str | None = None) -> list[Idea]:
    found = []
    for track in catalog.ordered_tracks:
        if track_id is not None and track.id != track_id:
            continue
        for outcome in track.outcomes:
            taking = sorted(
                pid
                for pid, p in state.projects.items()
                if p.track == track.id and p.outcome == outcome.id
            )
            done = any(state.projects[pid].status == "done" for pid in taking)
            found.append(Idea(track, outcome, taking, done))
    return found


def ready_ideas(catalog: Catalog, state: State, limit: int = 3) -> list[Idea]:
    """Outcome ideas nobody took on yet whose topics are all done: time to build one."""
    ready = []
    for idea in ideas(catalog, state):
        uses = idea.outcome.uses
        if not idea.projects and uses and all(state.status_of(t) == "done" for t in uses):
            ready.append(idea)
    return ready[:limit]


@dataclass
class TrackPortfolio:
    track: Track
    done_projects: list[str] = field(default_factory=list)
    outcomes_covered: list[str] = field(default_factory=list)
    outcomes_open: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # done, and used by a done project
    studied: list[str] = field(default_factory=list)  # done, in no done project
    shown: list[str] = field(default_factory=list)  # what recruiters look for, shown
    not_shown: list[str] = field(default_factory=list)


def portfolio(catalog: Catalog, state: State, track_id: str | None = None) -> list[TrackPortfolio]:
    result = []
    for track in catalog.ordered_tracks:
        if track_id is not None and track.id != track_id:
            continue
        done = {
            pid: p
            for pid, p in state.projects.items()
            if p.track == track.id and p.status == "done"
        }
        used = {t for p in done.values() for t in p.topics}
        covered = {p.outcome for p in done.values() if p.outcome}
        view = TrackPortfolio(track, done_projects=sorted(done))
        for outcome in track.outcomes:
            (view.outcomes_covered if outcome.id in covered else view.outcomes_open).append(
                outcome.id
            )
        for topic_id in track.topics:
            if state.status_of(topic_id) == "done":
                (view.applied if topic_id in used else view.studied).append(topic_id)
        for signal in track.signals:
            shown = bool(done) and (not signal.shown_by or bool(used & set(signal.shown_by)))
            (view.shown if shown else view.not_shown).append(signal.what)
        result.append(view)
    return result


def project_counts(state: State, track_id: str) -> dict[str, int]:
    counts = {"planned": 0, "in-progress": 0, "done": 0}
    for project in state.projects.values():
        if project.track == track_id:
            counts[project.status] += 1
    return counts
