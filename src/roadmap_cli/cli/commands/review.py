"""Spaced review of done topics: a session over what is due, one rating, or the list."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from roadmap_cli.cli import completion
from roadmap_cli.cli.app import app
from roadmap_cli.cli.help import choice_option
from roadmap_cli.cli.session import DateOption, Session, ask, session_of
from roadmap_cli.core.errors import UsageError

HELP_ORDER = 2.5  # after the other commands that change progress (write.py)

if TYPE_CHECKING:
    from datetime import date, datetime

    from roadmap_cli.core.state import Rating, State


class RatingChoice(StrEnum):
    again = "again"
    hard = "hard"
    good = "good"
    easy = "easy"


@app.command(rich_help_panel="Progress")
def review(
    ctx: typer.Context,
    topic: Annotated[
        str | None,
        typer.Argument(
            metavar="TOPIC",
            help="Review this done topic now, due or not.",
            show_default=False,
            autocompletion=completion.topics,
        ),
    ] = None,
    rate: Annotated[
        RatingChoice | None,
        choice_option(
            RatingChoice, "--rate", help="Rate TOPIC without a session: how well you recalled it."
        ),
    ] = None,
    when: DateOption = None,
    listing: Annotated[
        bool,
        typer.Option("--list", help="List what is due and what comes next, with recall today."),
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the list as one JSON document.")
    ] = False,
    retention: Annotated[
        float | None,
        typer.Option(
            "--retention",
            metavar="SHARE",
            help="Set the share of reviews that should find a topic remembered (0.7 to 0.99;"
            " default 0.9): higher means more reviews.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Review done topics when they are due, so that you keep what you learned.

    With no options, a session over the topics due today, most overdue first: each shows its
    summary and self-check questions; answer them out loud, then rate how well you recalled
    it (1 again, 2 hard, 3 good, 4 easy; Enter for good, q to stop). Every rating is saved at
    once. FSRS schedules the next review of each topic from your ratings.

    Example: roadmap review rag --rate good --date yesterday
    """
    session = session_of(ctx)
    with session.scheduler_known():
        _review(session, topic, rate, when, listing, json_out, retention)


def _review(
    session: Session,
    topic: str | None,
    rate: RatingChoice | None,
    when: str | None,
    listing: bool,
    json_out: bool,
    retention: float | None,
) -> None:
    if retention is not None:
        if topic or rate or when or listing or json_out:
            raise UsageError("--retention is set on its own")
        _set_retention(session, retention)
        return
    if listing or json_out:
        if topic or rate or when:
            raise UsageError("--list shows every topic; give no TOPIC, --rate or --date with it")
        _list(session, json_out)
        return
    if rate is not None or when is not None:
        if topic is None:
            raise UsageError(
                "--rate and --date need a TOPIC, e.g. 'roadmap review rag --rate good'",
                hint=False,
            )
        (topic_id,) = session.topic_ids([topic], "review")
        if rate is None:
            raise UsageError(
                f"--date needs --rate, e.g. 'roadmap review {topic_id} --rate good'", hint=False
            )
        _rate(session, topic_id, rate.value, when)
        return
    from datetime import date

    from roadmap_cli.core import review as reviews

    if topic is not None:
        (topic_id,) = session.topic_ids([topic], "review")
        reviews.done_entry(session.load_state(), topic_id)  # a topic not done is refused
        _session(session, [topic_id])
        return

    due = [d.topic_id for d in reviews.due_reviews(session.load_state(), date.today())]
    if not due:
        session.print(_nothing_due(session.load_state(), date.today()))
        return
    _session(session, due)


def _nothing_due(state: State, today: date) -> str:
    from roadmap_cli.core import review as reviews

    upcoming = reviews.upcoming(state, today)
    if not upcoming:
        return "Nothing to review: a topic comes up for review once it is done."
    first = upcoming[0]
    return (
        f"Nothing is due for review today. Next: {first.topic_id} on {first.due:%Y-%m-%d}"
        " ('roadmap review --list' shows them all)."
    )


def _rate(session: Session, topic_id: str, rating: Rating, when: str | None) -> None:
    """Record one rating in its own write, and print what it did."""
    from roadmap_cli.core import review as reviews
    from roadmap_cli.core.state import now
    from roadmap_cli.core.transitions import parse_day
    from roadmap_cli.render.terminal import reviewed

    day = parse_day(when) if when is not None else None
    moment = now()

    def change(state: State) -> datetime:
        return reviews.rate(state, topic_id, rating, moment, day=day)

    due = session.update(change, f"review {topic_id} {rating}")
    session.print(f"{topic_id}: {reviewed(rating, due, moment.date())}")


def _session(session: Session, topic_ids: list[str]) -> None:
    """Show each topic and its questions, take a rating, save it; stop at q or no input."""
    from datetime import date

    from roadmap_cli.core import review as reviews
    from roadmap_cli.render import documents, terminal

    cat = session.catalog()
    done = 0
    for number, topic_id in enumerate(topic_ids, 1):
        state = session.load_state()
        card = documents.review_card(cat, state, topic_id, date.today(), number, len(topic_ids))
        session.print(terminal.render_review_card(card))
        prompt = "Rate it: 1 again, 2 hard, 3 good, 4 easy (Enter: good, q: stop):"
        while True:
            answer = ask(prompt)
            if answer is None or answer.lower() in ("q", "quit"):
                left = len(topic_ids) - done
                more = "; run 'roadmap review' again to go on" if left else ""
                session.print(f"Stopped: {done} reviewed, {left} left{more}.")
                return
            try:
                rating = reviews.rating_of(answer or "good")
            except UsageError:
                prompt = "Please answer 1, 2, 3 or 4 (again, hard, good, easy), Enter or q:"
                continue
            break
        _rate(session, topic_id, rating, None)
        done += 1
        session.print("")
    state = session.load_state()
    finished = f"Reviewed {done} topic{'s' if done != 1 else ''}."
    session.print(f"{finished} {_nothing_due(state, date.today())}")


def _list(session: Session, json_out: bool) -> None:
    from datetime import date

    from roadmap_cli.core.state import now
    from roadmap_cli.render import documents

    doc = documents.review_list(session.catalog(), session.load_state(), date.today(), now())
    session.emit(doc, json_out, "render_review_list")


def _set_retention(session: Session, retention: float) -> None:
    from roadmap_cli.core import review as reviews
    from roadmap_cli.core.state import DEFAULT_RETENTION, RETENTION_RANGE

    least, most = RETENTION_RANGE
    if not least <= retention <= most:
        raise UsageError(
            f"--retention: give a share from {least} to {most}, like 0.9 (90% remembered)"
        )

    def change(state: State) -> int:
        state.retention = None if retention == DEFAULT_RETENTION else retention
        reviews.reschedule_all(state)
        return sum(1 for entry in state.topics.values() if entry.due is not None)

    count = session.update(change, f"review --retention {retention:g}")
    session.print(
        f"desired retention {retention:g}: {count} topic{'s' if count != 1 else ''} rescheduled"
    )
