"""`formats.toml_text.loads` reads the long row lines of a progress file itself: whatever the
text, it gives what tomllib gives (the same data, or an error where tomllib has one)."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_cli.formats import toml_text

times = st.sampled_from(
    [
        "2026-01-05T09:00:00Z",
        "2026-01-05T09:00:00+01:00",
        "2026-01-05T09:00:00-05:30",
        "2026-01-05T09:00:00+00:00",
        "2026-02-30T09:00:00Z",  # no such day: tomllib refuses it
        "2026-01-05T25:00:00Z",
        "2026-01-05 09:00:00Z",  # a space for the T: TOML allows it
        "2026-01-05T09:00:00.5Z",
    ]
)
cells = st.one_of(
    st.tuples(st.just("at"), times),
    st.tuples(st.just("rating"), st.sampled_from(['"good"', '"again"', '"Good"', '"a b"'])),
    st.tuples(st.just("id"), st.sampled_from(['"9f3a61c0d2"', '"x"', '""', "'lit'"])),
    st.tuples(st.just("minutes"), st.sampled_from(["30", "0", "007", "+5", "1_000"])),
)


@st.composite
def row_lines(draw: st.DrawFn) -> str:
    keys = draw(st.lists(cells, min_size=1, max_size=4))
    table = "{" + ", ".join(f"{k} = {v}" for k, v in keys) + "}"
    count = draw(st.integers(min_value=1, max_value=40))
    tables = [table] * count
    if draw(st.booleans()):  # another table of other keys in the same line
        tables.append(draw(st.sampled_from(["{at = 2026-01-05T09:00:00Z}", "{x = 1, x = 2}"])))
    line = "reviews = [" + ", ".join(tables) + "]"
    return line + draw(st.sampled_from(["", "  # on the bus", " ", "\r"]))


@st.composite
def progress_texts(draw: st.DrawFn) -> str:
    parts = ['schema_version = 4\ncatalog = "mini"\n']
    for n in range(draw(st.integers(min_value=1, max_value=4))):
        parts.append(f'\n[topics.t{n}]\nstatus = "done"\nupdated = 2026-01-05T09:00:00Z\n')
        parts.append(draw(row_lines()) + "\n")
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(['note = """\nreviews = [{x = 1}]\n"""\n', "# x\n"])))
    text = "".join(parts)
    return text + "# padding\n" * (toml_text._LARGE // 10)  # long enough to be read here


def outcome(read: Any, text: str) -> Any:
    try:
        return read(text)
    except tomllib.TOMLDecodeError:
        return "refused"


@settings(max_examples=300, deadline=None)
@given(progress_texts())
def test_the_row_reader_gives_what_tomllib_gives(text: str) -> None:
    assert outcome(toml_text.loads, text) == outcome(tomllib.loads, text)


def test_the_row_reader_reads_a_real_progress_file_and_is_the_one_that_reads_it() -> None:
    rows = ", ".join(
        f'{{at = 2026-01-{1 + n % 28:02d}T09:00:{n % 60:02d}+01:00, rating = "good",'
        f' id = "{n:010x}"}}'
        for n in range(3000)
    )
    text = f'schema_version = 4\n\n[topics.rag]\nstatus = "done"\nreviews = [{rows}]\n'
    rest, cut = toml_text.cut_rows(text)
    assert len(cut) == 1 and len(rest) < 200  # read here, not by tomllib
    data = toml_text.loads(text)
    assert data == tomllib.loads(text)
    at = data["topics"]["rag"]["reviews"][0]["at"]
    assert at.utcoffset() == tomllib.loads(text)["topics"]["rag"]["reviews"][0]["at"].utcoffset()


@pytest.mark.parametrize("guard", ['"""', "'''"])
def test_a_text_with_a_multi_line_string_is_left_to_tomllib(guard: str) -> None:
    rows = ", ".join('{at = 2026-01-01T09:00:00Z, rating = "good"}' for _ in range(3000))
    text = f"note = {guard}\nreviews = [{rows}]\n{guard}\n"
    assert toml_text.cut_rows(text) == (text, {})
    assert toml_text.loads(text) == tomllib.loads(text)


def test_digits_of_other_scripts_are_tomllibs_to_refuse() -> None:
    rows = ", ".join(f"{{at = 2026-01-01T09:00:00Z, n = 1{chr(0x663)}}}" for _ in range(3000))
    text = f"reviews = [{rows}]\n"
    assert outcome(toml_text.loads, text) == outcome(tomllib.loads, text) == "refused"
