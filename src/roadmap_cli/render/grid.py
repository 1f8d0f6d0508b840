"""A borderless table drawn straight as lines, laid out as Rich lays out its own.

Every table roadmap draws is `Table(box=None, pad_edge=False, show_edge=False)`: columns two
spaces apart, a bold header row or none. Rich's Table measures, pads and renders each cell
through its general layout machinery, about a fifth of a millisecond a row: a list of all
topics took longer to draw than the rest of `roadmap topics` together. `Grid` takes the same
columns and rows, works out the column widths with Rich's own rule (the widest wrapping column
gives way first), and writes each row as one line of styled Text, wrapping a cell only when it
is too long. tests/test_grid.py compares it with Rich's Table at many widths. When even the
columns that must not wrap do not fit, it hands the table to Rich.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

Justify = Literal["left", "right"]
Overflow = Literal["fold", "ellipsis"]


class _Column:
    def __init__(
        self,
        header: str,
        style: str,
        no_wrap: bool,
        overflow: Overflow,
        justify: Justify,
        min_width: int | None = None,
    ) -> None:
        self.min_width = min_width  # with keep_words: words longer than this may break
        self.header = header
        self.style = style
        self.no_wrap = no_wrap
        self.overflow = overflow
        self.justify = justify


class _Line:
    """A row that is one text across the table: it starts where `column` starts (plus
    `indent`) and wraps within the rest of the width, each further line under its first."""

    def __init__(self, text: Text, column: int, indent: int, hang: int) -> None:
        self.text = text
        self.column = column
        self.indent = indent
        self.hang = hang  # further lines start this much to the right of the first


class Grid:
    """`Table(box=None, pad_edge=False, show_edge=False, show_header=..., header_style=...)`
    with columns of text; add columns and rows as with Rich's Table. `add_line` adds what
    Rich's Table cannot: a row of one text that starts at a column and wraps under itself
    (a note under a log entry, a project under the idea it takes on)."""

    def __init__(
        self, *, show_header: bool = True, header_style: str = "bold", keep_words: bool = False
    ) -> None:
        self.show_header = show_header
        self.header_style = header_style
        # Never narrow a column below its longest word (an id, a title's word): when the
        # columns cannot all fit so, the caller lays the view out in another way.
        self.keep_words = keep_words
        self.columns: list[_Column] = []
        self.rows: list[list[Text]] = []
        self._lines_at: dict[int, list[_Line]] = {}  # lines to draw before row n

    def add_column(
        self,
        header: str = "",
        *,
        style: str = "",
        no_wrap: bool = False,
        overflow: Overflow = "ellipsis",
        justify: Justify = "left",
        min_width: int | None = None,
    ) -> None:
        self.columns.append(_Column(header, style, no_wrap, overflow, justify, min_width))

    def add_row(self, *cells: str | Text) -> None:
        row = [cell if isinstance(cell, Text) else Text(cell) for cell in cells]
        row += [Text() for _ in range(len(self.columns) - len(row))]
        self.rows.append(row)

    def add_line(
        self, text: str | Text, *, column: int = 0, indent: int = 0, hang: int = 0
    ) -> None:
        """A row of one text from `column` (plus `indent` spaces) to the right edge; its
        further lines `hang` columns further in (under the text after a "- ")."""
        line = _Line(text if isinstance(text, Text) else Text(text), column, indent, hang)
        self._lines_at.setdefault(len(self.rows), []).append(line)

    def _spanning(self, line: _Line, widths: list[int], console: Console) -> list[Text]:
        total = sum(widths)
        start, hang = sum(widths[: line.column]) + line.indent, line.hang
        longest = _longest_word(line.text)
        if longest > total - start - hang:  # a long id: no hanging indent,
            hang = 0
        if longest > total - start:  # and nearer the left edge if need be
            start = min(line.indent, 2)
        room = max(total - start - hang, 10)
        if not line.text.plain:
            return [Text()]
        first = line.text.wrap(console, room + hang, overflow="fold")[0]
        rest = line.text[len(first.plain) :]
        rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")) :]
        wrapped = [Text(" " * start) + first]
        if rest.plain:
            pad = Text(" " * (start + hang))
            wrapped += [pad + part for part in rest.wrap(console, room, overflow="fold")]
        return wrapped

    # --- drawing

    def _padding(self, index: int) -> int:
        """Space beside a column: one on each side, none at the table's outer edges."""
        return (index > 0) + (index < len(self.columns) - 1)

    def _table_rows(self) -> list[list[Text]]:
        if not self.show_header:
            return self.rows
        header = [Text(column.header, style=self.header_style) for column in self.columns]
        return [header, *self.rows]

    def _widths(self, rows: list[list[Text]], max_width: int) -> list[int] | None:
        """Each column's width with its padding, as Rich's Table works them out; None when
        only Rich's last resort (squeezing columns that must not wrap) would do."""
        widths = []
        for index in range(len(self.columns)):
            longest = max((_longest_line(row[index]) for row in rows), default=0)
            widths.append(min(longest + self._padding(index), max_width) or 1)
        if sum(widths) > max_width:
            # Too narrow for every column's longest word: Rich's last resort decides which
            # columns are squeezed out.
            if (
                sum(
                    max(_longest_word(row[i]) for row in rows) + self._padding(i)
                    for i in range(len(self.columns))
                )
                > max_width
                and not self.keep_words
            ):
                return None
            wrapable = [not column.no_wrap for column in self.columns]
            if self.keep_words:
                floors = [
                    min(
                        max(_longest_word(row[i]) for row in rows),
                        self.columns[i].min_width or max_width,
                    )
                    + self._padding(i)
                    for i in range(len(self.columns))
                ]
                for i, floor in enumerate(floors):
                    if wrapable[i] and floor > max_width:  # wider than any view: it folds
                        floors[i] = max(1 + self._padding(i), max_width - sum(floors) + floor)
                widths = _shrink_to(widths, floors, wrapable, max_width)
            else:
                widths = shrink(widths, wrapable, max_width)
            if sum(widths) > max_width:
                return None
            # Rich measures the columns again at their new widths.
            widths = [
                min(width, max(_longest_line(row[index]) for row in rows) + self._padding(index))
                for index, width in enumerate(widths)
            ]
        return widths

    def _lines(self, console: Console, max_width: int) -> list[Text] | None:
        rows = self._table_rows()
        if not self.columns:
            return []
        if not rows:  # lines alone
            alone = [max_width] + [0] * (len(self.columns) - 1)
            return [
                part
                for line in self._lines_at.get(0, [])
                for part in self._spanning(line, alone, console)
            ]
        if any(_UNUSUAL.search(cell.plain) for row in rows for cell in row):
            return None  # tabs and other line breaks: Rich's own handling
        widths = self._widths(rows, max_width)
        if widths is None:
            return None
        if self._lines_at:  # the table spans the width, so that a line has room to wrap
            widths[-1] = max(widths[-1], max_width - sum(widths[:-1]))
        lines: list[Text] = []
        header = 1 if self.show_header else 0
        for row_number, row in enumerate(rows):
            for spanning in self._lines_at.get(row_number - header, []):
                lines += self._spanning(spanning, widths, console)
            cells = []
            for index, (cell, column) in enumerate(zip(row, self.columns, strict=True)):
                room = widths[index] - self._padding(index)
                text = cell
                if column.style and not (row_number == 0 and self.show_header):
                    text = Text(style=column.style) + cell
                if room <= 0:  # squeezed out, as Rich leaves it: blank
                    cells.append([Text()])
                elif _longest_line(text) <= room and "\n" not in text.plain:
                    cells.append([text])
                elif column.no_wrap:
                    return None
                else:  # a word longer than the column is folded, never cut short
                    overflow: Overflow = "fold" if self.keep_words else column.overflow
                    wrapped = text.wrap(console, room, overflow=overflow)
                    cells.append(list(wrapped) or [Text()])
            height = max(len(cell) for cell in cells)
            if row_number == 0 and self.show_header:  # a header sits on its line, as Rich's
                cells = [[Text()] * (height - len(cell)) + cell for cell in cells]
            for depth in range(height):
                line = Text()
                for index, column in enumerate(self.columns):
                    part = cells[index][depth] if depth < len(cells[index]) else Text()
                    room = widths[index] - self._padding(index)
                    gap = " " * (room - cell_len(part.plain))
                    if index > 0:
                        line.append(" ")
                    if column.justify == "right":
                        line.append(gap)
                        line.append_text(part)
                    else:
                        line.append_text(part)
                        line.append(gap)
                    if index < len(self.columns) - 1:
                        line.append(" ")
                lines.append(line)
        for spanning in self._lines_at.get(len(self.rows), []):
            lines += self._spanning(spanning, widths, console)
        return lines

    def _rich_table(self) -> Table:
        table = Table(
            box=None,
            pad_edge=False,
            show_edge=False,
            show_header=self.show_header,
            header_style=self.header_style,
        )
        for column in self.columns:
            table.add_column(
                column.header,
                style=column.style or None,
                no_wrap=column.no_wrap,
                overflow="fold" if self.keep_words else column.overflow,
                justify=column.justify,
            )
        for number in range(len(self.rows) + 1):
            for spanning in self._lines_at.get(number, []):  # as a row of its own
                cell = Padding(spanning.text, (0, 0, 0, spanning.indent))
                table.add_row(*[Text()] * spanning.column, cell)
            if number < len(self.rows):
                table.add_row(*self.rows[number])
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self._lines(console, options.max_width)
        if lines is None:
            yield self._rich_table()
            return
        yield from _segments(console, lines)


def _shrink_to(
    widths: list[int], floors: list[int], wrapable: list[bool], max_width: int
) -> list[int]:
    """Column widths narrowed to fit `max_width`, the widest first, none below its floor
    (its longest word): a table that keeps its words whole, or does not fit."""
    widths = list(widths)
    while sum(widths) > max_width:
        open_ = [i for i, w in enumerate(widths) if wrapable[i] and w > floors[i]]
        if not open_:
            break
        widest = max(open_, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def shrink(widths: list[int], wrapable: list[bool], max_width: int) -> list[int]:
    """Column widths narrowed to fit `max_width` as Rich's Table narrows them: a step at a
    time, the widest columns that may wrap come down towards the next widest, sharing what
    is taken between them, until the row fits or nothing can wrap any more.
    (tests/test_grid.py compares this with Rich's own, where this Rich has it.)"""
    widths = list(widths)
    if not any(wrapable):
        return widths
    while sum(widths) and sum(widths) > max_width:
        excess = sum(widths) - max_width
        widest = max(w for w, ok in zip(widths, wrapable, strict=True) if ok)
        others = [w for w, ok in zip(widths, wrapable, strict=True) if ok and w != widest]
        step = widest - max(others, default=0)
        if not step:
            break
        chosen = [i for i, w in enumerate(widths) if wrapable[i] and w == widest]
        limit, remaining, left = min(excess, step), excess, len(chosen)
        for i in chosen:
            taken = min(limit, round(remaining / left))
            widths[i] -= taken
            remaining -= taken
            left -= 1
    return widths


def _segments(console: Console, lines: Iterable[Text]) -> Iterable[Segment]:
    for line in lines:
        yield from line.render(console)
        yield Segment.line()


# Characters Rich lays out in its own way: tabs, and the line breaks other than \\n.
_UNUSUAL = re.compile("[\t\v\f\r\x1c-\x1e\x85\u2028\u2029]")


def _longest_word(text: Text) -> int:
    return max((cell_len(word) for word in text.plain.split()), default=0)


def fits(grid: Grid, width: int) -> bool:
    """Whether `grid` can be drawn in `width` columns without breaking a word or squeezing
    a column that must not wrap."""
    return grid._widths(grid._table_rows(), width) is not None


def _longest_line(text: Text) -> int:
    plain = text.plain
    if "\n" not in plain:
        return cell_len(plain)
    return max(cell_len(line) for line in plain.split("\n"))
