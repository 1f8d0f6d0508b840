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
        "<style>text{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;fill:#1f2328}"
        ".small{font-size:12px;fill:#59636e}.name{font-size:14px;font-weight:600}"
        ".head{font-size:18px;font-weight:700}</style>",
        f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" rx="8" fill="#ffffff"'
        ' stroke="#d1d9e0"/>',
        f'<text x="24" y="38" class="head">{escape(catalog.title)}</text>',
        f'<text x="24" y="60" class="small">Progress on {today:%Y-%m-%d}</text>',
    ]
    y = 96
    for progress in tracks:
        label = f"{progress.title}{' (focus)' if progress.focus else ''}"
        filled = round((WIDTH - 48) * progress.percent / 100)
        parts += [
            f'<text x="24" y="{y}" class="name">{escape(label)}</text>',
            f'<text x="{WIDTH - 24}" y="{y}" class="small" text-anchor="end">'
            f"{progress.cleared}/{progress.total} · {progress.percent}%</text>",
            f'<rect x="24" y="{y + 8}" width="{WIDTH - 48}" height="10" rx="5" fill="#e8ecf0"/>',
            f'<rect x="24" y="{y + 8}" width="{filled}" height="10" rx="5" fill="#1f883d"/>',
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
