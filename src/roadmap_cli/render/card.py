"""A progress card as SVG (`roadmap export --format svg`): bars per track, streak, projects.

Plain SVG 1.1 with no script, no external font or image, so that it renders the same in a
browser and in a GitHub README.
"""

from __future__ import annotations

import re
from datetime import date
from xml.sax.saxutils import escape as xml_escape

from roadmap_cli.core.activity import activity
from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.progress import all_track_progress
from roadmap_cli.core.records import Record
from roadmap_cli.core.sanitize import one_line
from roadmap_cli.core.state import State

WIDTH = 520
# What XML 1.0 does not allow in text, whatever the escaping.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    """One line of text through the sanitiser, then as XML allows it."""
    return xml_escape(_NOT_XML.sub("", one_line(text)))


ROW = 44
# Colours by class: GitHub's light palette, and its dark one where the reader's system is dark
# (an <img> of the card follows prefers-color-scheme in browsers and on GitHub).
STYLE = (
    "text{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;fill:#1f2328}"
    ".small{font-size:12px;fill:#59636e}.name{font-size:14px;font-weight:600}"
    ".head{font-size:18px;font-weight:700}"
    ".card{fill:#ffffff;stroke:#d1d9e0}.track{fill:#e8ecf0}.done{fill:#1f883d}"
    ".skipped{fill:#d4a72c}"
    "@media (prefers-color-scheme:dark){text{fill:#f0f6fc}.small{fill:#9198a1}"
    ".card{fill:#0d1117;stroke:#3d444d}.track{fill:#262c36}.done{fill:#3fb950}"
    ".skipped{fill:#9e6a03}}"
)


def to_svg(
    catalog: Catalog,
    state: State,
    records: list[Record],
    *,
    today: date,
    track_id: str | None = None,
) -> str:
    tracks = [p for p in all_track_progress(catalog, state) if track_id in (None, p.id)]
    streaks = activity(records, today)
    done = sum(p.status == "done" for p in state.projects.values())
    building = sum(p.status == "in-progress" for p in state.projects.values())
    height = 96 + ROW * len(tracks) + 56
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}"'
        f' viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="title">',
        f'<title id="title">{escape(catalog.title)}: progress</title>',
        f"<style>{STYLE}</style>",
        f'<rect class="card" x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" rx="8"/>',
        f'<text x="24" y="38" class="head">{escape(catalog.title)}</text>',
        f'<text x="24" y="60" class="small">Progress on {today:%Y-%m-%d}</text>',
    ]
    y = 96
    bar = WIDTH - 48
    for progress in tracks:
        label = f"{progress.title}{' (focus)' if progress.focus else ''}"
        done_width = round(bar * progress.done / progress.total) if progress.total else 0
        cleared_width = round(bar * progress.cleared / progress.total) if progress.total else 0
        skipped = f", {progress.skipped} skipped" if progress.skipped else ""
        parts += [
            f'<text x="24" y="{y}" class="name">{escape(label)}</text>',
            f'<text x="{WIDTH - 24}" y="{y}" class="small" text-anchor="end">'
            f"{progress.done} done{skipped} of {progress.total} · {progress.percent}%</text>",
            f'<rect class="track" x="24" y="{y + 8}" width="{bar}" height="10" rx="5"/>',
            # Skipped topics clear a track without study: a paler stretch after the done one.
            f'<rect class="skipped" x="24" y="{y + 8}" width="{cleared_width}" height="10"'
            ' rx="5"/>',
            f'<rect class="done" x="24" y="{y + 8}" width="{done_width}" height="10" rx="5"/>',
        ]
        y += ROW
    streak = (
        f"Streak: {streaks.current_streak} day{'s' if streaks.current_streak != 1 else ''}"
        f" (longest {streaks.longest_streak})"
    )
    projects = f"Projects: {done} done, {building} in progress"
    parts += [
        f'<text x="24" y="{y + 8}" class="small">{escape(streak)}</text>',
        f'<text x="{WIDTH - 24}" y="{y + 8}" class="small" text-anchor="end">'
        f"{escape(projects)}</text>",
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
