"""Rich renderings of the documents built in `render.documents`: what a person sees in a terminal.

Each `render_*` takes the same plain data that `--json` prints, so the two cannot disagree.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.text import Text

from roadmap_cli.core.sanitize import clean, clean_data, one_line
from roadmap_cli.render.grid import Grid, fits

if TYPE_CHECKING:
    from roadmap_cli.core.transitions import Change

PIPE_WIDTH = 80  # output that is no terminal, unless COLUMNS says otherwise

STATUS_STYLE = {
    "done": "green",
    "skipped": "yellow",
    "in-progress": "cyan",
    "pending": "dim",
    "review": "magenta",
}
STATUS_MARK = {"done": "✔", "skipped": "↷", "in-progress": "▶", "pending": "·", "review": "↻"}


def make_console(no_color: bool = False) -> Console:
    """A console for stdout.

    Text is never read as Rich markup or emoji codes: notes and catalog titles are shown as
    written. NO_COLOR, --no-color and output that is no terminal give plain text: no colour,
    and no bold or dim either (Rich alone keeps those under NO_COLOR). Output to a pipe or a
    file is laid out for 80 columns unless COLUMNS says otherwise, so that `roadmap show rag |
    less` reads as it would in an ordinary terminal.
    """
    plain = no_color or bool(os.environ.get("NO_COLOR"))
    console = Console(
        color_system=None if plain else "auto",
        markup=False,
        highlight=False,
        emoji=False,
    )
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PIPE_WIDTH
    return console


def emit(console: Console, renderable: RenderableType, soft_wrap: bool = False) -> None:
    """Print without the spaces Rich pads table rows with: piped output has no trailing blanks."""
    with console.capture() as captured:
        console.print(renderable, soft_wrap=soft_wrap)
    lines = captured.get().split("\n")
    sys.stdout.write("\n".join(line.rstrip() for line in lines))
    sys.stdout.flush()


def _clean_doc(render: Callable[..., RenderableType]) -> Callable[..., RenderableType]:
    """Pass every string of the document through the sanitiser before drawing it."""

    @functools.wraps(render)
    def wrapper(doc: dict[str, Any], *args: Any) -> RenderableType:
        return render(clean_data(doc), *args)

    return wrapper


def bar(percent: int, width: int = 12) -> Text:
    """A progress bar readable without colour: filled blocks, then light shade."""
    filled = round(width * percent / 100)
    text = Text("█" * filled, style="green")
    text.append("░" * (width - filled), style="grey37")
    return text


def when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    days = (date.today() - moment.date()).days
    if days == 0:
        return f"{moment:%Y-%m-%d} (today)"
    if days == 1:
        return f"{moment:%Y-%m-%d} (yesterday)"
    if days > 1:
        return f"{moment:%Y-%m-%d} ({days} days ago)"
    return f"{moment:%Y-%m-%d}"


def status_text(status: str) -> Text:
    return Text(f"{STATUS_MARK[status]} {status}", style=STATUS_STYLE[status])


def _grid(show_header: bool = True) -> Grid:
    """A table that never breaks a word: the views below lay themselves out to fit."""
    return Grid(show_header=show_header, keep_words=True)


def _progress_table(tracks: list[dict[str, Any]]) -> Grid:
    table = _grid()
    table.add_column("Track", overflow="fold")
    table.add_column("Progress", no_wrap=True)
    table.add_column("Cleared", justify="right", no_wrap=True)
    table.add_column("Done", justify="right", no_wrap=True)
    table.add_column("Skip", justify="right", no_wrap=True)
    for t in tracks:
        name = Text(("★ " if t["focus"] else "  ") + t["title"], style="bold" if t["focus"] else "")
        table.add_row(
            name,
            bar(t["percent"]),
            f"{t['cleared']}/{t['total']} {t['percent']:>3}%",
            str(t["done"]),
            str(t["skipped"]),
        )
    return table


def _suggestion_table(items: list[dict[str, Any]]) -> Grid:
    table = _grid(show_header=False)
    table.add_column("#", justify="right", no_wrap=True, style="dim")
    table.add_column("Topic", no_wrap=True, style="bold")
    table.add_column("Why", overflow="fold")
    for i, item in enumerate(items, 1):
        table.add_row(str(i), item["id"], f"{item['title']}: {item['reason']}")
    return table


@_clean_doc
def render_status(doc: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = []
    heading = Text(doc["catalog"]["title"], style="bold")
    if doc["fresh"]:
        parts.append(heading)
        parts.append(Text("Welcome! No progress yet. To begin:"))
        first = doc["tracks"][0]["id"] if doc["tracks"] else "TRACK"
        steps = _grid(show_header=False)
        steps.add_column(no_wrap=True, style="bold")
        steps.add_column()
        if not doc["focus"]:
            steps.add_row("  roadmap choose", "which track suits you (two questions)")
            steps.add_row(f"  roadmap focus {first}", "make a track your focus ('roadmap tracks')")
        steps.add_row("  roadmap start TOPIC", "start a topic ('roadmap next' says where)")
        parts.append(steps)
    else:
        heading.append(f"  ·  last active {when(doc['last_active'])}", style="")
        parts.append(heading)
    parts.append(Text())
    parts.append(_progress_table(doc["tracks"]))
    parts += _outlook(doc)
    if doc["projects"]:
        titles = {t["id"]: t["title"] for t in doc["tracks"]}
        counts = "; ".join(
            f"{titles[p['track']]} "
            + ", ".join(
                f"{p[k]} {k.replace('-', ' ')}" for k in ("done", "in-progress", "planned") if p[k]
            )
            for p in doc["projects"]
        )
        parts.append(Text())
        parts.append(Text.assemble(("Projects: ", "bold"), counts))
    if doc["in_progress"]:
        parts.append(Text())
        ids = ", ".join(item["id"] for item in doc["in_progress"])
        parts.append(Text.assemble(("In progress: ", "bold cyan"), ids))
    for item in doc["stalled"]:
        parts.append(
            Text.assemble(
                ("Stalled: ", "bold yellow"),
                f"{item['id']} has been in progress for {item['days']} days; finish it"
                f" ('roadmap done {item['id']}') or set it aside ('roadmap reset {item['id']}').",
            )
        )
    if doc["reviews_due"]:
        n = doc["reviews_due"]
        parts.append(Text())
        parts.append(
            Text.assemble(
                ("Reviews: ", "bold magenta"),
                f"{n} done topic{'s' if n != 1 else ''} due for review ('roadmap review')",
            )
        )
    parts.append(Text())
    if doc["next"]:
        parts.append(Text("Next up", style="bold"))
        parts.append(Padding(_suggestion_table(doc["next"]), (0, 0, 0, 1), expand=False))
    elif doc["limit"]:
        parts.append(Text("Nothing left to suggest: every available topic is cleared."))
    if doc["unknown_ids"]:
        n = len(doc["unknown_ids"])
        parts.append(
            Text(
                f"{n} entr{'y' if n == 1 else 'ies'} in your progress file"
                f" {'is' if n == 1 else 'are'} for topics this catalog does not have; kept as"
                " they are. Run 'roadmap doctor' for details.",
                style="yellow",
            )
        )
    return Group(*parts)


def _per_week(topics: float | None, hours: float | None, *, needed: bool = False) -> str:
    """`1.3 topics or 14 h a week`; what a goal needs is rounded up, never down."""
    import math

    def up(value: float, digits: int) -> float:
        return math.ceil(value * 10**digits - 1e-9) / 10**digits if needed else value

    said = f"{up(topics, 1):.1f} topics" if topics is not None else ""
    if hours:
        shown = f"{up(hours, 0):.0f} h"
        said += f" or {shown}" if said else shown
    return f"{said} a week"


def forecast_words(forecast: dict[str, Any]) -> str:
    """`done between 2027-01-10 and 2027-02-02 at this pace`, or why there is no date."""
    reason = forecast.get("reason")
    if reason == "finished":
        return "cleared"
    if reason == "not enough data yet":
        return "no forecast yet (it needs 3 topics cleared over 2 weeks)"
    if reason == "not at this pace":
        return "not within five years at this pace"
    earliest, latest = forecast["earliest"], forecast["latest"]
    if earliest == latest:
        return f"done about {earliest:%Y-%m-%d} at this pace"
    return f"done between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d} at this pace"


def goal_words(goal: dict[str, Any]) -> str:
    said = f"goal {goal['by']:%Y-%m-%d}: {goal['verdict']}"
    if goal["topics_per_week"] is not None:
        needs = _per_week(goal["topics_per_week"], goal["hours_per_week"], needed=True)
        said += f" (needs {needs})"
    return said


def _outlook(doc: dict[str, Any]) -> list[RenderableType]:
    """The pace, then each track with a goal (and the focus track) and where it is heading."""
    found = doc["pace"]
    goals = [t for t in doc["tracks"] if t["goal"] is not None]
    if found is None and not goals:
        return []
    lines = _grid(show_header=False)
    lines.add_column()
    if found is None:
        lines.add_line(Text.assemble(("Pace: ", "bold"), "none yet (no topic cleared)"))
    else:
        weeks = f"{found['weeks']:.0f} week{'s' if round(found['weeks']) != 1 else ''}"
        lines.add_line(
            Text.assemble(
                ("Pace: ", "bold"),
                f"{_per_week(found['topics_per_week'], found['hours_per_week'])} over the last"
                f" {weeks} (since {found['since']:%Y-%m-%d})",
            )
        )
    for track in doc["tracks"]:
        if track["goal"] is None and (not track["focus"] or found is None):
            continue
        said = forecast_words(track["forecast"])
        if track["goal"] is not None:
            said += f"; {goal_words(track['goal'])}"
        lines.add_line(f"{track['title']}: {said}", indent=2, hang=2)
    return [Text(), lines]


@_clean_doc
def render_tracks(doc: dict[str, Any]) -> RenderableType:
    order = " → ".join(doc["progression"])
    return Group(
        _FitToWidth(lambda width: _tracks_table(doc["tracks"], width)),
        Text(),
        Text(f"Suggested order: {order}", style="dim"),
        Text("'roadmap tracks ID' shows one track in full.", style="dim"),
    )


def _tracks_table(tracks: list[dict[str, Any]], width: int) -> Grid:
    """Id, title, topics, cleared and what it optimises for; below 80 columns the title is
    left out (the id says it)."""
    wide = width >= 80
    table = _grid()
    table.add_column("Id", no_wrap=True, style="bold")
    if wide:
        table.add_column("Track")
    table.add_column("Topics", justify="right", no_wrap=True)
    table.add_column("Cleared", justify="right", no_wrap=True)
    table.add_column("Optimises for")
    for t in tracks:
        p = t["progress"]
        star = "★ " if p["focus"] else ""
        cells = [t["id"] if wide else star + t["id"]]
        if wide:
            cells.append(star + t["title"])
        cells += [str(p["total"]), f"{p['percent']}%", t["optimizes_for"]]
        table.add_row(*cells)
    return table


@_clean_doc
def render_track(doc: dict[str, Any]) -> RenderableType:
    """One track in full, as `show` gives a topic."""
    p = doc["progress"]
    head = Text.assemble((doc["title"], "bold"), f"  ({doc['id']})")
    if p["focus"]:
        head.append("  ★ focus", style="bold")
    head.append(f"  {p['cleared']}/{p['total']} cleared ({p['percent']}%)")
    parts: list[RenderableType] = [head, Text(doc["summary"]), Text()]
    facts = _Facts("bold")
    facts.add_row("Optimises for", doc["optimizes_for"])
    if doc["choose_when"]:
        facts.add_row("Choose it", doc["choose_when"])
    if doc["entry_from"]:
        facts.add_row("Coming from", ", ".join(doc["entry_from"]))
    facts.add_row("Forecast", forecast_words(doc["forecast"]))
    if doc["goal"] is not None:
        facts.add_row("Goal", goal_words(doc["goal"]).removeprefix("goal "))
    parts.append(facts)

    def section(title: str, lines: Sequence[Text | str], hang: int = 2) -> None:
        if not lines:
            return
        parts.append(Text())
        parts.append(Text(title, style="bold"))
        block = _grid(show_header=False)
        block.add_column()
        for line in lines:
            block.add_line(line, indent=2, hang=hang)
        parts.append(block)

    section("Who it is for", [f"- {who}" for who in doc["audience"]])
    section("Questions it answers", [f"- {q}" for q in doc["questions"]])
    parts.append(Text())
    parts.append(Text("Topics", style="bold"))
    topics = _grid(show_header=False)
    topics.add_column(no_wrap=True, style="bold")
    topics.add_column(no_wrap=True)
    topics.add_column()
    for topic in doc["topics"]:
        topics.add_row("  " + topic["id"], status_text(topic["status"]), topic["title"])
    parts.append(_FitToWidth(lambda width: topics if fits(topics, width) else _stacked(doc)))
    if doc["outcomes"]:
        parts.append(Text())
        parts.append(Text("Outcome ideas", style="bold"))
        hint = _grid(show_header=False)
        hint.add_column()
        build = f"Build one: roadmap project add TITLE --track {doc['id']} --outcome IDEA"
        hint.add_line(Text(build, style="dim"), indent=2, hang=11)
        parts.append(hint)
        parts.append(_FitToWidth(lambda width: _ideas(doc["outcomes"], width, heading=False)))
    signals = [
        Text.assemble(("✔ " if s["shown"] else "· ", "green" if s["shown"] else "dim"), s["what"])
        for s in doc["recruiters_look_for"]
    ]
    section("Recruiters look for (✔ a done project shows it)", signals)
    return Group(*parts)


def _stacked(doc: dict[str, Any]) -> Grid:
    """The topics of a track with each title under its id and status."""
    topics = _grid(show_header=False)
    topics.add_column(no_wrap=True, style="bold")
    topics.add_column(no_wrap=True)
    for topic in doc["topics"]:
        topics.add_row("  " + topic["id"], status_text(topic["status"]))
        topics.add_line(topic["title"], indent=4)
    return topics


class _Facts:
    """Labels and values side by side; where a value holds a word (an id) too long to sit
    beside the labels, each value on the lines under its label instead."""

    def __init__(self, label_style: str) -> None:
        self.label_style = label_style
        self.rows: list[tuple[str, str | Text]] = []

    def add_row(self, label: str, value: str | Text) -> None:
        self.rows.append((label, value))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        side = _grid(show_header=False)
        side.add_column(style=self.label_style, no_wrap=True)
        side.add_column()
        for label, value in self.rows:
            side.add_row(label, value)
        if fits(side, options.max_width):
            yield side
            return
        stacked = _grid(show_header=False)
        stacked.add_column()
        for label, value in self.rows:
            stacked.add_line(Text(label, style=self.label_style))
            stacked.add_line(value, indent=2)
        yield stacked


class _FitToWidth:
    """A renderable built only once the width it will be drawn in is known."""

    def __init__(self, build: Callable[[int], RenderableType]) -> None:
        self.build = build

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width)


@_clean_doc
def render_topics(doc: dict[str, Any]) -> RenderableType:
    """Id, status, title and tracks; below 100 columns the tracks are left out."""
    if not doc["topics"]:
        return Text("No topics match.")
    return _FitToWidth(lambda width: _topics_table(doc["topics"], width))


def hours(value: float | None) -> str:
    """`16 h`, `1.5 h`; empty when the catalog gives no estimate."""
    return "" if value is None else f"{value:g} h"


def _topics_table(rows: list[dict[str, Any]], width: int) -> Grid:
    """Id, status and title; from 80 columns the estimated hours, from 100 the tracks."""
    table = _grid()
    table.add_column("Id", no_wrap=True, style="bold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Topic")
    with_hours = width >= 80 and any(row["hours"] is not None for row in rows)
    if with_hours:
        table.add_column("Hours", justify="right", no_wrap=True)
    wide = width >= 100
    if wide:
        table.add_column("Tracks")
    for row in rows:
        cells: list[str | Text] = [row["id"], status_text(row["status"]), row["title"]]
        if with_hours:
            cells.append(hours(row["hours"]))
        if wide:
            cells.append(", ".join(row["tracks"]))
        table.add_row(*cells)
    return table


@_clean_doc
def render_show(doc: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = [
        Text.assemble((doc["title"], "bold"), f"  ({doc['id']})  ", status_text(doc["status"])),
        Text(doc["summary"]),
        Text(),
    ]
    facts = _Facts("bold")
    facts.add_row("Tracks", ", ".join(doc["tracks"]))
    if doc["requires"]:
        reqs = Text()
        for i, req in enumerate(doc["requires"]):
            if i:
                reqs.append(", ")
            reqs.append(f"{req['id']} ")
            reqs.append(f"({req['status']})", style=STATUS_STYLE[req["status"]])
        facts.add_row("Requires", reqs)
    else:
        facts.add_row("Requires", "nothing")
    if doc["required_by"]:
        facts.add_row("Leads to", ", ".join(doc["required_by"]))
    if doc["aliases"]:
        facts.add_row("Aliases", ", ".join(doc["aliases"]))
    if doc["hours"] is not None:
        facts.add_row("Effort", f"about {hours(doc['hours'])} of study (the catalog's estimate)")
    # Only the date of a start or finish means something (`--date` gives a day, not a time);
    # the last change is a moment the program saw.
    ended = "Skipped" if doc["status"] == "skipped" else "Finished"
    for label, key in (("Started", "started"), (ended, "finished")):
        if doc[key]:
            facts.add_row(label, f"{doc[key]:%Y-%m-%d}")
    if doc["spent_minutes"]:
        from roadmap_cli.core.transitions import duration

        facts.add_row("Time spent", duration(doc["spent_minutes"]))
    review = doc["review"]
    if review is not None:
        reviewed, count, due = review["last_reviewed"], review["reviews"], review["due"]
        said = [
            f"due since {due:%Y-%m-%d}"
            if due.date() <= date.today()
            else f"next on {due:%Y-%m-%d}",
            f"{count} review{'s' if count != 1 else ''}, last on {reviewed:%Y-%m-%d}"
            if reviewed
            else "not reviewed yet",
        ]
        if review["recall"] is not None:
            said.append(f"recall today about {review['recall']:.0%}")
        facts.add_row("Review", "; ".join(said))
    if doc["updated"]:
        facts.add_row("Changed", f"{doc['updated']:%Y-%m-%d %H:%M}")
    if doc["note"]:
        facts.add_row("Note", doc["note"])
    parts.append(facts)
    if doc["questions"]:
        parts.append(Text())
        parts.append(Text("Check yourself (answer out loud, a minute or two each)", style="bold"))
        questions = _grid(show_header=False)
        questions.add_column()
        for number, question in enumerate(doc["questions"], 1):
            questions.add_line(f"{number}. {question}", indent=2, hang=3)
        parts.append(questions)
    if doc["resources"]:
        parts.append(Text())
        parts.append(Text("Resources", style="bold"))
        resources = _grid(show_header=False)
        resources.add_column()
        for res in doc["resources"]:
            resources.add_line(res["title"], indent=2)
            resources.add_line(Text(res["url"], style="blue"), indent=4)
        parts.append(resources)
    return Group(*parts)


@_clean_doc
def render_review_card(doc: dict[str, Any]) -> RenderableType:
    """One topic of a review session: its summary and the questions to answer out loud."""
    days = doc["overdue_days"]
    due = f"due {days} days ago" if days > 1 else "due yesterday" if days == 1 else "due today"
    if days < 0:
        due = f"due on {doc['due']:%Y-%m-%d}: an early review"
    heading = Text.assemble(
        (f"Review {doc['number']} of {doc['total']}: ", "bold magenta"),
        (doc["title"], "bold"),
        f" ({doc['id']}), {due}",
    )
    body = _grid(show_header=False)
    body.add_column()
    body.add_line(heading)
    body.add_line(doc["summary"], indent=2)
    if doc["questions"]:
        body.add_line(Text("Check yourself, out loud:", style="bold"), indent=2)
        for number, question in enumerate(doc["questions"], 1):
            body.add_line(f"{number}. {question}", indent=4, hang=3)
    else:
        body.add_line("Say out loud what it is, when you would use it, and its pitfalls.", indent=2)
    return body


UPCOMING_SHOWN = 10  # reviews to come that `review --list` shows (--json has them all)


@_clean_doc
def render_review_list(doc: dict[str, Any]) -> RenderableType:
    """What is due (most overdue first) and what comes next, with recall today."""
    if not doc["due"] and not doc["upcoming"]:
        return Text("Nothing to review yet: a topic comes up for review once it is done.")
    parts: list[RenderableType] = []
    more = len(doc["upcoming"]) - UPCOMING_SHOWN
    for title, rows, empty in (
        ("Due for review", doc["due"], "Nothing is due today."),
        ("Coming up", doc["upcoming"][:UPCOMING_SHOWN], None),
    ):
        if not rows:
            if empty:
                parts += [Text(empty), Text()]
            continue
        parts.append(Text(title, style="bold"))
        table = _grid()
        table.add_column("Topic", no_wrap=True, style="bold")
        table.add_column("Due", no_wrap=True)
        table.add_column("Recall", justify="right", no_wrap=True)
        table.add_column("Reviews", justify="right", no_wrap=True)
        for row in rows:
            table.add_row(
                row["id"],
                _due_words(row),
                f"{row['recall']:.0%}" if row["recall"] is not None else "",
                str(row["reviews"]),
            )
        parts.append(Padding(table, (0, 0, 0, 1), expand=False))
        if rows is not doc["due"] and more > 0:
            parts.append(Text(f" and {more} more ('--json' lists them all)", style="dim"))
        parts.append(Text())
    parts.append(
        Text(
            f"Recall: FSRS's estimate of remembering the topic today; reviews fall due when it"
            f" drops to {doc['retention']:.0%}. 'roadmap review' starts a session.",
            style="dim",
        )
    )
    return Group(*parts)


def _due_words(row: dict[str, Any]) -> str:
    if row["in_days"]:
        days = row["in_days"]
        return f"{row['due']:%Y-%m-%d} (in {days} day{'s' if days != 1 else ''})"
    days = row["overdue_days"]
    if not days:
        return "today"
    return f"{row['due']:%Y-%m-%d} ({days} day{'s' if days != 1 else ''} ago)"


@_clean_doc
def render_next(doc: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = []
    if doc["next"]:
        parts.append(_suggestion_table(doc["next"]))
    else:
        parts.append(
            Text("Nothing to suggest: every topic whose prerequisites are cleared is cleared.")
        )
    if doc["ideas"]:
        parts.append(Text())
        parts.append(Text("Ready to build (every topic it needs is done):", style="bold"))
        ideas = _grid(show_header=False)
        ideas.add_column()
        for idea in doc["ideas"]:
            ideas.add_line(
                f"{idea['id']}: {idea['title']} ('roadmap project add TITLE --track"
                f" {idea['track']} --outcome {idea['id']}')",
                indent=2,
            )
        parts.append(ideas)
    return Group(*parts)


def said(change: Change) -> str:
    """What a transition did, in words: `pending → done (start moved from … to …)`."""
    from roadmap_cli.core.transitions import duration

    def day(moment: datetime | None) -> str:
        return f"{moment:%Y-%m-%d}" if moment is not None else "none"

    if change.what == "already":
        return f"already {change.after}"
    if change.what == "note":
        return f"note {change.note}"
    if change.what == "spent":
        return f"{duration(change.minutes)} spent ({duration(change.total)} in all)"
    if change.what == "updated":
        text = f"done ({'note ' if change.note else ''}updated)"
    elif change.moved is not None:
        text = f"{change.what} moved from {day(change.moved[0])} to {day(change.moved[1])}"
    else:
        text = f"{change.before} → {change.after}"
    if change.kept:
        text += f" ({' and '.join(change.kept)} kept)"
    if change.dropped is not None:
        text += f" (finish date {day(change.dropped)} dropped)"
    if change.start_moved is not None:
        was, now = change.start_moved
        text += f" (start moved from {day(was)} to {day(now)})"
    return text


def reviewed(rating: str, due: datetime, today: date) -> str:
    """A review recorded, and when the next one is due."""
    days = (due.astimezone().date() - today).days
    when = "today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"
    return f"reviewed ({rating}); next review {due:%Y-%m-%d} ({when})"


def render_change(lines: list[tuple[str, Change]], tracks: list[dict[str, Any]]) -> RenderableType:
    """What a write command changed, one line per topic, then the progress that results."""
    parts: list[RenderableType] = []
    tracks = clean_data(tracks)
    for topic_id, change in lines:
        style = "dim" if change.what == "already" else ""
        parts.append(Text.assemble((clean(topic_id), "bold"), ": ", (clean(said(change)), style)))
    if tracks:
        parts.append(_progress_table(tracks))
    return Group(*parts)


@_clean_doc
def render_log(doc: dict[str, Any]) -> RenderableType:
    if not doc["records"]:
        return Text("No changes recorded yet.")
    shown, total = len(doc["records"]), doc["total"]
    more = f"{shown} of {total} changes; --limit shows more." if shown < total else ""
    table = _FitToWidth(lambda width: _log_table(doc["records"], width))
    return Group(table, Text(more, style="dim")) if more else table


def _log_table(records: list[dict[str, Any]], width: int) -> Grid:
    """The time beside each command, its changes under it; where a command does not fit
    beside the time (a long project id), each record as lines that wrap under themselves."""
    table = _grid(show_header=False)
    table.add_column("When", no_wrap=True, style="dim")
    table.add_column("What")
    for item in records:
        table.add_row(f"{item['time']:%Y-%m-%d %H:%M}", _command(item))
        for line in item.get("dropped", ()):  # what a repair could not keep
            table.add_line(Text(one_line(line), style="yellow"), column=1, indent=2)
        for change in item["changes"]:  # each wraps under its own first line
            table.add_line(change["summary"], column=1, indent=2)
    if fits(table, width):
        return table
    lines = _grid(show_header=False)
    lines.add_column()
    for item in records:
        when = Text(f"{item['time']:%Y-%m-%d %H:%M}  ", style="dim")
        lines.add_line(when + _command(item), hang=18)
        for line in item.get("dropped", ()):
            lines.add_line(Text(one_line(line), style="yellow"), indent=20)
        for change in item["changes"]:
            lines.add_line(change["summary"], indent=20)
    return lines


def _command(item: dict[str, Any]) -> Text:
    # A record may come from elsewhere (an import, a sync): its command is one clean line.
    what = Text(one_line(item["command"]), style="bold")
    if item["foreign"]:
        what.append(" (arrived with an import)", style="dim")
    elif not item["here"]:
        what.append(" (on another machine)", style="dim")
    return what


@_clean_doc
def render_undo(doc: dict[str, Any]) -> RenderableType:
    undid = doc["undid"]
    parts: list[RenderableType] = [
        Text.assemble(
            "Undid ",
            (one_line(undid["command"]), "bold"),
            f" from {undid['time']:%Y-%m-%d %H:%M}",
            "" if undid["here"] else ", a change made on another machine",
            ":",
        )
    ]
    for change in doc["reverted"]:
        parts.append(Text(f"  {change['summary']}"))
    if doc.get("restored"):
        said = Text(
            f"{doc['restored']} is back as it was before the repair; fix it by hand, or run"
            " 'roadmap doctor --repair' again"
        )
        parts.append(Padding(said, (0, 0, 0, 2)))
    elif not doc["reverted"]:
        parts[0] = Text.assemble(
            "Nothing of ",
            (one_line(undid["command"]), "bold"),
            " could be undone: it was changed since.",
        )
    for key in doc["left"]:
        name = key.removeprefix("topics.").replace("projects.", "project ", 1)
        parts.append(Text(f"  {name}: changed again since, left as it is", style="yellow"))
    return Group(*parts)


DOCTOR_STYLE = {"ok": "green", "note": "cyan", "warning": "yellow", "error": "red"}


@_clean_doc
def render_sync(doc: dict[str, Any]) -> RenderableType:
    from roadmap_cli.core.records import summary

    lines = []
    if doc["healed"]:
        lines.append("Cleaned up after a sync that was stopped half-way; this one went on")
    if doc["subject"]:
        lines.append(f"Committed: {doc['subject']}")
    where = doc["branch"] or doc["remote"]
    if doc["remote"] is None:
        lines.append(
            ("Nothing new to commit. " if not doc["subject"] else "")
            + "No remote to sync with; add one with 'roadmap sync setup URL'"
        )
        return "\n".join(lines)
    if doc["received"]:
        count = len(doc["received"])
        lines.append(
            f"Received {count} change{'' if count == 1 else 's'} from {where}:"
            f" {summary(doc['received'])}"
        )
    elif doc["merged"]:
        lines.append(f"Merged {where} (no recorded changes: edits by hand, or settings)")
    if doc["pushed"]:
        retries = doc["retries"]
        tried = f" (after {retries} refused push{'es' if retries > 1 else ''})"
        lines.append(f"Sent to {where}" + (tried if retries else ""))
    if not doc["merged"] and not doc["pushed"]:
        lines.append(f"Up to date with {where}")
    return "\n".join(lines)


@_clean_doc
def render_doctor(doc: dict[str, Any]) -> RenderableType:
    table = _grid(show_header=False)
    table.add_column("Level", no_wrap=True)
    table.add_column("Finding")
    for finding in doc["findings"]:
        table.add_row(Text(finding["level"], DOCTOR_STYLE[finding["level"]]), finding["message"])
    return table


PROJECT_STYLE = {"planned": "dim", "in-progress": "cyan", "done": "green"}


def _project_status(status: str) -> Text:
    return Text(status, style=PROJECT_STYLE.get(status, ""))


@_clean_doc
def render_project(doc: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = [
        Text.assemble((doc["title"], "bold"), f"  ({doc['id']})  ", _project_status(doc["status"]))
    ]
    facts = _Facts("bold")
    facts.add_row("Track", doc["track_title"] or doc["track"])
    if doc["outcome"]:
        facts.add_row("Outcome", f"{doc['outcome_title'] or doc['outcome']} ({doc['outcome']})")
    if doc["topics"]:
        facts.add_row("Topics", ", ".join(doc["topics"]))
    for label in ("repo", "demo"):
        if doc[label]:
            facts.add_row(label.capitalize(), doc[label])
    for label in ("created", "started", "finished"):
        if doc[label]:
            facts.add_row(label.capitalize(), f"{doc[label]:%Y-%m-%d}")
    parts.append(facts)
    for name in ("problem", "architecture", "evaluation", "deployment", "tradeoffs"):
        parts.append(Text())
        parts.append(Text(name.capitalize(), style="bold"))
        if doc[name]:
            text = _grid(show_header=False)
            text.add_column()
            text.add_line(doc[name], indent=2)
            parts.append(text)
        else:
            parts.append(Text("  (not written yet)", style="dim"))
    if doc["missing"]:
        parts.append(Text())
        parts.append(
            Text(
                f"Before it can be done: {', '.join(doc['missing'])}"
                f" ('roadmap project edit {doc['id']} --editor').",
                style="yellow",
            )
        )
    return Group(*parts)


@_clean_doc
def render_projects(doc: dict[str, Any]) -> RenderableType:
    if not doc["projects"]:
        return Text("No projects yet. Add one with 'roadmap project add TITLE --track TRACK'.")
    one_track = len({row["track"] for row in doc["projects"]}) == 1
    return _FitToWidth(lambda width: _projects_table(doc["projects"], width, one_track))


def _projects_table(rows: list[dict[str, Any]], width: int, one_track: bool) -> RenderableType:
    """One row per project: id, status, title and track (left out when all are of one
    track); where that does not fit, the title on a line of its own under the id."""
    table = _grid()
    table.add_column("Id", no_wrap=True, style="bold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Project")
    if not one_track:
        table.add_column("Track", no_wrap=True)
    for row in rows:
        cells = [row["id"], _project_status(row["status"]), row["title"]]
        table.add_row(*cells, *([] if one_track else [row["track"]]))
    if fits(table, width):
        return table
    stacked = _grid()
    stacked.add_column("Project", no_wrap=True, style="bold")
    stacked.add_column("Status", no_wrap=True)
    for row in rows:
        stacked.add_row(row["id"], _project_status(row["status"]))
        title = row["title"] if one_track else f"{row['title']} ({row['track']})"
        stacked.add_line(title, indent=2)
    return stacked


@_clean_doc
def render_ideas(doc: dict[str, Any]) -> RenderableType:
    """Each track's ideas under its title; the projects that take one on under it."""
    if not doc["ideas"]:
        return Text("No outcome ideas in this catalog.")
    return _FitToWidth(lambda width: _ideas(doc["ideas"], width))


def _taken(idea: dict[str, Any]) -> Text:
    """The projects that take an idea on: ✔ once one of them is done."""
    projects = ", ".join(idea["projects"])
    if idea["covered"]:
        return Text(f"✔ covered by {projects}", style="green")
    return Text(f"taken on by {projects}", style="cyan")


def _ideas(ideas: list[dict[str, Any]], width: int, heading: bool = True) -> RenderableType:
    parts: list[RenderableType] = []
    by_track: dict[str, list[dict[str, Any]]] = {}
    for idea in ideas:
        by_track.setdefault(idea.get("track", ""), []).append(idea)
    for track, items in by_track.items():
        if parts:
            parts.append(Text())
        if heading:
            title = items[0].get("track_title") or track
            parts.append(Text.assemble((title, "bold"), f" ({track})"))
        table = _grid(show_header=False)
        table.add_column("Idea", no_wrap=True, style="bold")
        table.add_column("Title")
        for idea in items:
            table.add_row("  " + idea["id"], idea["title"])
            if idea["projects"]:
                table.add_line(_taken(idea), indent=4)
        if not fits(table, width):  # the title under the id
            table = _grid(show_header=False)
            table.add_column("Idea", no_wrap=True, style="bold")
            for idea in items:
                table.add_row("  " + idea["id"])
                table.add_line(idea["title"], indent=4)
                if idea["projects"]:
                    table.add_line(_taken(idea), indent=4)
        parts.append(table)
    return Group(*parts)


@_clean_doc
def render_portfolio(doc: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = []
    for track in doc["tracks"]:
        if parts:
            parts.append(Text())
        parts.append(Text(track["title"], style="bold"))
        facts = _Facts("dim")
        facts.add_row("Done projects", ", ".join(track["done_projects"]) or "none yet")
        facts.add_row("Ideas covered", ", ".join(track["outcomes_covered"]) or "none yet")
        facts.add_row("Ideas open", ", ".join(track["outcomes_open"]) or "none")
        facts.add_row("Topics applied", ", ".join(track["topics_applied"]) or "none yet")
        facts.add_row("Only studied", ", ".join(track["topics_studied"]) or "none")
        if track["topics_to_mark_done"]:
            unmarked = " ".join(track["topics_to_mark_done"])
            them = "them" if len(track["topics_to_mark_done"]) > 1 else "it"
            facts.add_row(
                "Mark done",
                Text(
                    f"{unmarked}: a done project applies {them} ('roadmap done {unmarked}')", "cyan"
                ),
            )
        if track["recruiters_see"] or track["recruiters_miss"]:
            facts.add_row("Recruiters see", ", ".join(track["recruiters_see"]) or "nothing yet")
        if track["recruiters_see"] or track["recruiters_miss"]:
            facts.add_row("Not shown yet", ", ".join(track["recruiters_miss"]) or "nothing")
        parts.append(facts)
    return Group(*parts)


@_clean_doc
def render_cohort(doc: dict[str, Any]) -> RenderableType:
    return _FitToWidth(lambda width: _cohort(doc, width))


def _cohort_learners(doc: dict[str, Any], short: bool) -> Grid:
    """A row per learner: per track the percent cleared, topics in progress and projects
    done; `short`: each track's cell on two lines, and the last activity as MM-DD."""
    learners = _grid()
    learners.add_column("Learner", min_width=12, overflow="fold")  # a name, not an id to type
    for track in doc["tracks"]:
        learners.add_column(track["title"], justify="right")
    learners.add_column("Active" if short else "Last active", no_wrap=True)
    learners.add_column("↻", justify="right", no_wrap=True)
    for row in doc["learners"]:
        cells = [
            f"{c['percent']}% ▶{c['in_progress']} ✔{c['projects_done']}"
            if c["percent"] is not None
            else "n/a"
            for c in row["tracks"]
        ]
        last = (row["last_active"] or "never")[:10]
        learners.add_row(
            row["learner"],
            *cells,
            last[5:] if short and last != "never" else last,
            str(row["reviews_overdue"]),
        )
    medians = [
        f"{doc['median'][t['id']]:g}%" if doc["median"][t["id"]] is not None else "-"
        for t in doc["tracks"]
    ]
    learners.add_row(Text("median", style="bold"), *medians, "", "")
    return learners


def _cohort(doc: dict[str, Any], width: int) -> RenderableType:
    learners = _cohort_learners(doc, short=False)
    if not fits(learners, width):
        learners = _cohort_learners(doc, short=True)
    parts: list[RenderableType] = [
        learners,
        Text("▶ topics in progress, ✔ projects done, ↻ reviews overdue", style="dim"),
        Text(),
    ]
    stuck = sorted(doc["topics"], key=lambda t: t["done"])[:10]
    if stuck and doc["learners"]:
        parts.append(Text("Fewest learners done", style="bold"))
        table = _grid(show_header=False)
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        table.add_column(justify="right", no_wrap=True)
        for topic in stuck:
            table.add_row(topic["id"], topic["title"], f"{topic['done']} of {topic['of']}")
        parts.append(table)
    for skipped in doc["skipped"]:
        parts.append(Text(f"skipped {skipped['file']}: {skipped['reason']}", style="yellow"))
    return Group(*parts)


HEAT = [
    (0, "·", "grey37"),
    (1, "░", "green"),
    (2, "▒", "green"),
    (4, "▓", "green"),
    (7, "█", "bold green"),
]


def _heat(changes: int) -> Text:
    mark, style = next((m, s) for floor, m, s in reversed(HEAT) if changes >= floor)
    return Text(mark, style=style)


@_clean_doc
def render_calendar(doc: dict[str, Any]) -> RenderableType:
    """Days as rows (Monday first), weeks as columns, the newest week on the right: as many
    of the document's weeks as fit the width, under a row of month labels."""
    return _FitToWidth(lambda width: _calendar(doc, width))


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _calendar(doc: dict[str, Any], width: int) -> RenderableType:
    fit = max(1, (width - 4) // 2)  # "Mon " then two columns a week
    weeks = doc["weeks"][-fit:]
    months = Text("    ")
    for week in weeks:
        firsts = [d["day"] for d in week if d["day"].endswith("-01")]
        label = ""
        if firsts or week is weeks[0]:
            label = date.fromisoformat(firsts[0] if firsts else week[0]["day"]).strftime("%b")
        at = min(4 + 2 * weeks.index(week), width - len(label))  # the last may shift left
        if label and len(months.plain) + (len(months.plain) > 4) <= at:
            months.append(" " * (at - len(months.plain)))
            months.append(label, style="dim")
    grid = Text()
    for weekday, name in enumerate(_DAY_NAMES):
        grid.append(f"{name} ", style="dim")
        for week in weeks:
            day = week[weekday]
            grid.append_text(_heat(day["learned"]) if day["day"] <= doc["today"] else Text(" "))
            grid.append(" ")
        if weekday < 6:
            grid.append("\n")
    first, last = weeks[0][0]["day"], doc["today"]
    legend = Text.assemble(
        ("less ", "dim"),
        *[(m + " ", s) for _, m, s in HEAT],
        ("more", "dim"),
        (f"   {first} to {last}", "dim"),
    )
    current, longest = doc["current_streak"], doc["longest_streak"]
    streak = Text.assemble(
        ("Current streak: ", "bold"),
        f"{current} day{'s' if current != 1 else ''}",
        ("   Longest: ", "bold"),
        f"{longest} day{'s' if longest != 1 else ''}",
    )
    return Group(months, grid, legend, streak)


@_clean_doc
def render_catalogs(doc: dict[str, Any]) -> RenderableType:
    table = _grid()
    table.add_column("Name", no_wrap=True, style="bold")
    table.add_column("Catalog")
    table.add_column("Tracks", justify="right", no_wrap=True)
    table.add_column("Topics", justify="right", no_wrap=True)
    table.add_column("State")
    for row in doc["catalogs"]:
        state = (
            Text("valid", "green") if row["valid"] else Text(f"{row['problems']} problems", "red")
        )
        if row["shares_id_with"]:
            state.append(f", same id as {', '.join(row['shares_id_with'])}", "yellow")
        name = ("★ " if row["in_use"] else "") + row["name"]
        table.add_row(
            name, row["title"] or row["file"], str(row["tracks"]), str(row["topics"]), state
        )
    hint = Text(
        f"Your own catalogs go in {doc['folder']}; use one with 'roadmap --catalog NAME'.",
        style="dim",
    )
    return Group(table, Text(), hint)


MAP_LEVELS = 10  # levels of a tree drawn in full; deeper rows show their depth instead


@_clean_doc
def render_map(doc: dict[str, Any]) -> RenderableType:
    """Each track's topics as a tree by depth: a topic under the prerequisite it needs last,
    its other prerequisites named beside it, its status as a mark and a colour."""
    parts: list[RenderableType] = []
    for track in doc["tracks"]:
        heading = Text(track["title"], style="bold")
        heading.append(f"  {track['cleared']} of {track['total']} cleared", style="dim")
        parts.append(heading)
        parts.append(_FitToWidth(functools.partial(_map_group, track["rows"])))
        parts.append(Text())
    legend = Text("  ".join(f"{STATUS_MARK[s]} {s}" for s in STATUS_MARK if s != "review"))
    legend.append(
        "; a topic sits under the prerequisite it needs last, and names the others after +"
        " (↗ from another track)."
    )
    legend.stylize("dim")
    parts.append(legend)
    return Group(*parts)


def _map_group(rows: list[dict[str, Any]], width: int) -> RenderableType:
    """The lines of a track's tree as one text: Rich need not wrap lines that fit."""
    lines = _map_lines(rows, width)
    fits = all(line.cell_len <= width for line in lines)
    return Text("\n", no_wrap=fits, overflow="fold").join(lines)


def _map_lines(rows: list[dict[str, Any]], width: int) -> list[Text]:
    """A row a line; what else a topic needs goes on the line under it when it does not fit
    beside it, and folds there if it must."""
    lines = []
    for row in rows:
        levels: list[bool] = row["last"][1:]  # below its root: is it the last child at each
        shown = levels[-MAP_LEVELS:]
        bars = Text(f"⋮{len(levels) - len(shown)} " if len(levels) > len(shown) else "")
        for is_last in shown[:-1]:
            bars.append("   " if is_last else "│  ")
        line = bars.copy()
        if shown:
            line.append("└─ " if shown[-1] else "├─ ")
        line.stylize("dim")
        style = STATUS_STYLE[row["status"]]
        line.append(f"{STATUS_MARK[row['status']]} ", style=style)
        line.append(row["id"], style=f"bold {style}" if row["status"] != "pending" else "")
        needs = ", ".join([*row["also"], *(f"↗{r}" for r in row["outside"])])
        if needs and line.cell_len + len(needs) + 4 <= width:
            line.append(f"  + {needs}", style="dim")
        elif needs:
            under = bars.copy()
            if shown:
                under.append("   " if shown[-1] else "│  ")
            lines.append(line)
            line = Text.assemble(under, f"  + {needs}", style="dim", overflow="fold")
        lines.append(line)
    return lines


@_clean_doc
def render_goals(doc: dict[str, Any]) -> RenderableType:
    if not doc["goals"]:
        which = f"{doc['track']} has no goal" if doc["track"] else "No goals"
        return Text(f"{which}. Set one with 'roadmap goal TRACK --by YYYY-MM-DD'.")
    lines = _grid(show_header=False)
    lines.add_column()
    for track in doc["goals"]:
        lines.add_line(
            Text.assemble(
                (track["title"], "bold"),
                f" ({track['id']}, {track['cleared']}/{track['total']} cleared):"
                f" {goal_words(track['goal'])}",
            ),
            hang=2,
        )
        lines.add_line(forecast_words(track["forecast"]), indent=2, hang=2)
    return lines


def plan_hours(value: float) -> str:
    """`15 min`, `2 h`, `5 h 15 min`."""
    from roadmap_cli.core.transitions import duration

    return duration(max(round(value * 60), 1))


def plan_part(item: dict[str, Any]) -> str:
    if item["parts"] == 1:
        return ""
    if item["parts"] == 0:
        return f", part {item['part']}, goes on after the plan"
    return f", part {item['part']} of {item['parts']}"


@_clean_doc
def render_plan(doc: dict[str, Any]) -> RenderableType:
    lines = _grid(show_header=False)
    lines.add_column()
    for n, week in enumerate(doc["weeks"], 1):
        lines.add_line(
            Text.assemble(
                (f"Week {n}", "bold"),
                f"  {week['start']:%a %Y-%m-%d} to {week['end']:%a %Y-%m-%d}",
                (f"  {plan_hours(week['hours'])} of {plan_hours(doc['hours_per_week'])}", "dim"),
            )
        )
        reviews = [i for i in week["items"] if i["kind"] == "review"]
        if reviews:
            ids = ", ".join(i["id"] for i in reviews)
            total = plan_hours(sum(i["hours"] for i in reviews))
            lines.add_line(
                Text.assemble(
                    (f"{STATUS_MARK['review']} ", STATUS_STYLE["review"]), f"review {ids} ({total})"
                ),
                indent=2,
                hang=2,
            )
        for item in week["items"]:
            if item["kind"] != "topic":
                continue
            lines.add_line(
                Text.assemble(
                    (f"{STATUS_MARK[item['status']]} ", STATUS_STYLE[item["status"]]),
                    (item["id"], "bold"),
                    f"  {item['title']}, {plan_hours(item['hours'])}{plan_part(item)}",
                ),
                indent=2,
                hang=4,
            )
        if not week["items"]:
            lines.add_line(Text("nothing left to plan", style="dim"), indent=2)
        lines.add_line("")
    lines.add_line(
        Text(
            f"Each week: due reviews ({plan_hours(doc['review_hours'])} each), then topics in"
            " the order 'roadmap next' gives, each after its prerequisites.",
            style="dim",
        )
    )
    return lines
