"""Grid draws exactly what Rich's borderless Table draws, characters and styles, at any width."""

from __future__ import annotations

import io

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from roadmap_cli.render.grid import Grid

Cell = tuple[str, Style | None]


def drawn(renderable: RenderableType, width: int) -> list[list[Cell]]:
    """Each line as (character, style) pairs, without the trailing blanks (which roadmap strips
    from its output); a space's style is left out, since it cannot be seen."""
    console = Console(
        width=width, color_system="truecolor", force_terminal=True, file=io.StringIO()
    )
    lines = []
    for line in console.render_lines(renderable, console.options, pad=False):
        chars = [
            (ch, None if ch == " " else (segment.style or Style()))
            for segment in line
            if not segment.control
            for ch in segment.text
        ]
        while chars and chars[-1][0] == " ":
            chars.pop()
        lines.append(chars)
    while lines and not lines[-1]:
        lines.pop()
    return lines


COLUMNS = [
    ({"no_wrap": True, "style": "bold"}, "Id"),
    ({"no_wrap": True}, "Status"),
    ({"overflow": "fold"}, "Topic"),
    ({"justify": "right", "no_wrap": True}, "Done"),
    ({"overflow": "fold", "style": "dim"}, "Tracks"),
    ({}, "Why"),
]
ROWS = [
    ["python", Text("✔ done", style="green"), "Python", "3", "ai-developer", "first"],
    [
        "rag",
        Text("◐ in-progress", style="yellow"),
        "Retrieval-augmented generation",
        "12",
        "a, b",
        "",
    ],
    ["x", "", "Averyveryverylongwordwithoutspaces and more", "0", "", "because"],
    ["中文", Text("↷ skipped"), "宽字符 wide characters 宽字符", "100", "ai-developer, aiops", "é"],
    ["multi", "", "two\nlines", "1", "", "a reason with several words in it"],
    ["odd", "", "a\ttab and a\u2028line separator", "2", "\x85", "x"],
]


def both(show_header: bool, columns: list[int], rows: list[list[str | Text]]) -> tuple[Grid, Table]:
    grid = Grid(show_header=show_header)
    table = Table(
        box=None, pad_edge=False, show_edge=False, show_header=show_header, header_style="bold"
    )
    for index in columns:
        options, header = COLUMNS[index]
        grid.add_column(header, **options)  # type: ignore[arg-type]
        table.add_column(header, **options)  # type: ignore[arg-type]
    for row in rows:
        cells = [row[index] for index in columns]
        grid.add_row(*cells)
        table.add_row(*cells)
    return grid, table


@pytest.mark.parametrize("show_header", [True, False])
@pytest.mark.parametrize("width", [100, 80, 60, 50, 40, 30, 24, 12])
def test_the_topics_layout_matches_rich(show_header: bool, width: int) -> None:
    grid, table = both(show_header, [0, 1, 2, 4], ROWS)
    assert drawn(grid, width) == drawn(table, width)


@settings(max_examples=300, deadline=None)
@example(show_header=True, columns=[0, 2], rows=[], width=8)  # a header that wraps
@given(
    show_header=st.booleans(),
    columns=st.lists(st.integers(0, len(COLUMNS) - 1), min_size=1, max_size=5),
    rows=st.lists(st.sampled_from(ROWS), max_size=4),
    width=st.integers(8, 140),
)
def test_any_table_matches_rich(
    show_header: bool, columns: list[int], rows: list[list[str | Text]], width: int
) -> None:
    grid, table = both(show_header, columns, rows)
    assert drawn(grid, width) == drawn(table, width)


@settings(max_examples=500, deadline=None)
@given(
    columns=st.lists(st.tuples(st.integers(0, 120), st.booleans()), min_size=1, max_size=7),
    max_width=st.integers(1, 200),
)
def test_columns_narrow_as_richs_table_narrows_them(
    columns: list[tuple[int, bool]], max_width: int
) -> None:
    from roadmap_cli.render.grid import shrink

    rich_own = getattr(Table, "_collapse_widths", None)  # private to Rich: may go away
    if rich_own is None:
        pytest.skip("this Rich has no Table._collapse_widths to compare with")
    widths = [w for w, _ in columns]
    wrapable = [ok for _, ok in columns]
    assert shrink(widths, wrapable, max_width) == rich_own(list(widths), wrapable, max_width)
