"""A change is written by editing only the lines it touches, and always reads back exactly."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from test_store_robustness import entries, ids, moments, texts

from roadmap_cli.core.state import Project, State, TopicProgress, state_from
from roadmap_cli.storage.line_editor import edit
from roadmap_cli.storage.state_file import render

T0 = datetime(2026, 1, 1, 10, tzinfo=UTC)
T1 = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)

HAND_EDITED = """\
# My progress. Keep this comment.
schema_version = 3
catalog = "mini"
mood = "keen"  # a key of my own

[topics.deep]
status = "in-progress"  # started on the train
updated = 2026-01-01T10:00:00Z

# between the tables
[topics.python]
status = "done"
updated = 2026-01-01T10:00:00Z
source = "course"
"""


def read(text: str) -> State:
    return state_from(tomllib.loads(text))


def test_an_untouched_table_keeps_every_byte_and_a_touched_one_its_comments() -> None:
    before = read(HAND_EDITED)
    after = before.copy()
    after.topics["deep"].status = "done"
    after.topics["deep"].finished = T1
    text = edit(after, HAND_EDITED, before)
    assert text is not None and read(text) == after
    assert text.startswith(HAND_EDITED.split("[topics.deep]")[0])  # the head, byte for byte
    assert text.endswith(HAND_EDITED.split("# between the tables\n")[1])  # python's table
    assert "# between the tables\n" in text
    assert 'status = "done"  # started on the train\n' in text  # a changed line keeps its comment
    assert "finished = 2026-02-01T09:30:00Z\n" in text
    assert 'mood = "keen"  # a key of my own' in text


def test_a_table_that_sorts_in_the_middle_goes_there_and_keeps_the_comments_around_it() -> None:
    before = read(HAND_EDITED)
    after = before.copy()
    after.topics["embeddings"] = TopicProgress(status="in-progress", started=T1, updated=T1)
    text = edit(after, HAND_EDITED, before)
    assert text is not None and read(text) == after
    assert text.index("[topics.deep]") < text.index("[topics.embeddings]")
    assert text.index("[topics.embeddings]") < text.index("[topics.python]")
    assert text.count("#") == HAND_EDITED.count("#")


def test_removing_tables_and_setting_the_focus() -> None:
    before = read(HAND_EDITED)
    after = before.copy()
    del after.topics["python"]
    after.focus = "builder"
    text = edit(after, HAND_EDITED, before)
    assert text is not None and read(text) == after
    assert "[topics.python]" not in text and 'source = "course"' not in text
    assert text.endswith("# between the tables\n")  # a comment outside a table is never lost
    assert 'focus = "builder"\n' in text.split("[topics")[0]


def test_a_header_inside_a_multi_line_note_is_not_taken_for_a_table() -> None:
    text = (
        'schema_version = 3\n\n[topics.deep]\nstatus = "done"\nupdated = 2026-01-01T10:00:00Z\n'
        'note = """\n[topics.python]\nstatus = "done"\n"""\n'
    )
    before = read(text)
    after = before.copy()
    after.topics["deep"].status = "skipped"
    edited = edit(after, text, before)
    # Either the line editor declines, or what it wrote reads back exactly; never a new table.
    assert edited is None or read(edited) == after
    assert read(render(after, text)) == after


def test_a_file_with_a_value_over_several_lines_is_left_to_the_full_writer() -> None:
    """A line that looks like `key = value` may be inside such a value: the line editor
    declines, and the whole-file writer keeps the value as it is."""
    text = (
        'schema_version = 3\n\n[projects.bot]\ntitle = "Bot"\ntrack = "builder"\ntopics = [\n'
        '  "python",\n]\nstatus = "planned"\ncreated = 2026-01-01T10:00:00Z\n'
        "updated = 2026-01-01T10:00:00Z\n"
        'memo = """\nstatus = "my old plan"\n"""\n'
    )
    before = read(text)
    after = before.copy()
    after.projects["bot"].status = "in-progress"
    assert edit(after, text, before) is None
    rendered = render(after, text)
    assert read(rendered) == after
    assert tomllib.loads(rendered)["projects"]["bot"]["memo"] == 'status = "my old plan"\n'
    assert '  "python",\n]\n' in rendered


def test_topics_defined_before_the_tables_are_left_to_the_full_writer() -> None:
    text = 'schema_version = 3\ncatalog = "mini"\ntopics = {}\n'
    before = read(text)
    after = before.copy()
    after.topics["rag"] = TopicProgress(status="done", updated=T1)
    assert edit(after, text, before) is None
    assert read(render(after, text)) == after


projects = st.builds(
    Project,
    title=texts,
    track=ids,
    topics=st.lists(ids, max_size=3),
    status=st.sampled_from(["planned", "in-progress", "done"]),
    repo=st.none() | texts,
    created=moments,
    updated=moments,
)


@settings(max_examples=150, deadline=None)
@given(
    before=st.builds(
        State,
        catalog=st.none() | ids,
        focus=st.none() | ids,
        topics=st.dictionaries(ids, entries, max_size=6),
        projects=st.dictionaries(ids, projects, max_size=3),
    ),
    data=st.data(),
)
def test_any_change_reads_back_exactly(before: State, data: st.DataObject) -> None:
    previous = render(before)
    after = before.copy()
    after.focus = data.draw(st.none() | ids)
    for topic_id in data.draw(
        st.lists(st.sampled_from(sorted(before.topics)), max_size=3)
        if before.topics
        else st.just([])
    ):
        after.topics.pop(topic_id, None)
    after.topics.update(data.draw(st.dictionaries(ids, entries, max_size=3)))
    after.projects.update(data.draw(st.dictionaries(ids, projects, max_size=2)))
    text = edit(after, previous, before)
    assert text is not None, "a file the program wrote itself is always edited in place"
    assert read(text) == after
    # tables nobody changed are there byte for byte
    for topic_id, entry in before.topics.items():
        if after.topics.get(topic_id) == entry:
            block = previous.split(f"[topics.{topic_id}]\n", 1)[1].split("\n\n", 1)[0]
            assert f"[topics.{topic_id}]\n{block}" in text


def test_three_quotes_inside_one_line_strings_are_only_text() -> None:
    """A title or note of quotes is a one-line string: the file is still edited in place,
    while a value that starts a multi-line string is not (its lines may look like keys)."""
    quotes = "'" * 3
    before = State(
        catalog="mini",
        topics={"rag": TopicProgress(status="done", note='say """hi"""', updated=T0)},
        projects={"bot": Project(title=quotes, track="builder", created=T0, updated=T0)},
    )
    previous = "# mine\n" + render(before)
    after = before.copy()
    after.projects["bot"].status = "in-progress"
    text = edit(after, previous, before)
    assert text is not None and text.startswith("# mine\n")
    assert read(text) == after and read(text).projects["bot"].title == quotes
    multi = previous + "memo = " + quotes + "\nstatus = 'x'\n" + quotes + "\n"
    assert edit(after, multi, read(multi)) is None
