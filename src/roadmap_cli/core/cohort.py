"""A cohort: the learners whose exports a mentor reads, and the files that could not be read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from roadmap_cli.core.state import State


@dataclass(frozen=True)
class Learner:
    name: str
    file: Path
    state: State
    tracks: frozenset[str]  # the tracks the export covers


@dataclass(frozen=True)
class Skipped:
    file: Path
    reason: str


def display_name(learner: str, fallback: str) -> str:
    """A learner's name on one line, never an e-mail address (the part before '@', in any of
    its Unicode forms), through the sanitiser."""
    import unicodedata

    from roadmap_cli.core.sanitize import is_email, one_line

    name = one_line(learner)
    if is_email(name):
        name = unicodedata.normalize("NFKC", name).split("@", 1)[0].strip()
    return name or one_line(fallback)
