"""Projects and portfolio evidence: pure functions over a catalog and a state."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from roadmap_cli.core.catalog import Catalog, Outcome, Track
from roadmap_cli.core.errors import UsageError
from roadmap_cli.core.matching import IdIndex
from roadmap_cli.core.state import PORTFOLIO_FIELDS, Project, State

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


# Compiled on first use (re keeps them): checking a URL is rare, start-up is not.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_ESCAPES = r"%(?![0-9A-Fa-f]{2})"


MAX_URL = 2_048  # what browsers and servers reliably accept


def check_url(text: str) -> str:
    """An http(s) URL with a real host and no credentials; anything else is a usage error."""
    url = text.strip()
    if len(url) > MAX_URL:
        raise UsageError(f"a URL may hold at most {MAX_URL:,} characters; give a shorter one")
    if not _url_ok(url):
        raise UsageError(
            f"invalid URL '{text}': give an http:// or https:// address with a host name,"
            " e.g. https://github.com/you/project"
        )
    if "@" in urlsplit(url).netloc:
        raise UsageError(
            f"the URL '{text}' holds a user name or password; leave them out (exports are public)"
        )
    return url


def _url_ok(url: str) -> bool:
    import ipaddress

    if any(ch.isspace() or not ch.isprintable() or ch in '<>"`{}|\\^' for ch in url):
        return False
    if re.search(_ESCAPES, url):
        return False
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # a bad IPv6 literal, a port that is not a number
        return False
    if parts.scheme not in ("http", "https") or not host or parts.netloc.endswith(":"):
        return False
    if port is not None and not 0 < port < 65536:
        return False
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        after = parts.netloc.split("]", 1)[1]
        return after == "" or after.startswith(":")
    if re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return all(re.fullmatch(_LABEL, label) for label in labels)


# --- the portfolio editor ------------------------------------------------------------------

MARK = "#:"
EDITOR_HEADER = """#: Portfolio of '{title}' ({id}).
#: Write under each '#: field' line (markdown is fine, '#' headings included). Lines that
#: start with '#:' are not kept; an empty section clears its field. Keep all five '#:' lines.
"""


def editor_template(project_id: str, project: Project) -> str:
    parts = [EDITOR_HEADER.format(title=project.title, id=project_id)]
    for name in PORTFOLIO_FIELDS:
        parts.append(f"{MARK} {name}\n{getattr(project, name) or ''}\n")
    return "\n".join(parts)


def parse_editor_text(text: str) -> dict[str, str | None]:
    """The five fields of an edited template; a missing '#: field' line is a usage error,
    so that no text slides into the field above it."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(MARK):
            name = line[len(MARK) :].strip().lower()
            if name in PORTFOLIO_FIELDS:
                current = sections.setdefault(name, [])
            continue
        if current is not None:
            current.append(line)
    missing = [name for name in PORTFOLIO_FIELDS if name not in sections]
    if missing:
        raise UsageError(
            f"the edited text lacks the line '{MARK} {missing[0]}'; nothing was changed"
        )
    return {name: "\n".join(lines).strip() or None for name, lines in sections.items()}


# --- views of projects against the catalog -------------------------------------------------


class Idea(NamedTuple):
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
    applied: list[str] = field(default_factory=list)  # used by a done project
    studied: list[str] = field(default_factory=list)  # done, in no done project
    # Applied, but not marked done: the learner has shown it and may want to say so.
    unmarked: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # what recruiters look for, shown
    not_shown: list[str] = field(default_factory=list)


def portfolio(catalog: Catalog, state: State, track_id: str | None = None) -> list[TrackPortfolio]:
    """Per track: what its done projects cover and show.

    A topic is *applied* when some done project (of any track) uses it, marked done or not:
    the project shows it. It is *studied* when it is done and no done project uses it. What
    recruiters of a track look for is shown by a done project of that track that uses one of
    the signal's `shown_by` topics (or by any done project of the track, for a signal that
    names no topic).
    """
    all_done = [p for p in state.projects.values() if p.status == "done"]
    applied = {t for p in all_done for t in p.topics}
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
            if topic_id in applied:
                view.applied.append(topic_id)
                if state.status_of(topic_id) != "done":
                    view.unmarked.append(topic_id)
            elif state.status_of(topic_id) == "done":
                view.studied.append(topic_id)
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
