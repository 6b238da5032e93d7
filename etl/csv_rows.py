"""Reading CSV records one at a time so that no bad row can stop the rows after it.

Python's csv module alone gives up on the whole file at the first NUL-free surprise: a cell over
its field limit, a quote that never closes (which swallows every line after it), a character
after a closing quote. Here each record is parsed from the physical lines of the file; when a
record is malformed, only the line it started on is reported (with its true line number and a
reason) and reading resumes on the next physical line. Lines end at CR, LF or CRLF, mixed freely.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

MAX_CELL = csv.field_size_limit()  # 131,072 characters: Python's default, kept as the rule


@dataclass(frozen=True)
class Record:
    line: int  # physical line the record starts on (the file's first line is 1)
    cells: list[str]


@dataclass(frozen=True)
class BadRecord:
    line: int
    reason: str
    cells: list[str]  # what could be read of it: the cells of its first line


class _Lines:
    """The file's physical lines as an iterator that can be rewound to any line."""

    def __init__(self, lines: list[str], pos: int = 0):
        self.lines = lines
        self.pos = pos

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def physical_lines(text: str) -> list[str]:
    """The lines of `text` with their endings; CR, LF and CRLF all end a line, nothing else
    does (str.splitlines would also split on form feeds and Unicode separators)."""
    return io.StringIO(text, newline="").readlines()


def header_end(lines: list[str], delimiter: str = ",") -> int:
    """Index of the first line after the header record (a quoted header cell may span lines)."""
    source = _Lines(lines)
    try:
        next(csv.reader(source, delimiter=delimiter))
    except (StopIteration, csv.Error):
        return 1
    return source.pos


def _first_line_cells(line: str, delimiter: str) -> list[str]:
    """The bad record's first line split at every delimiter, quotes kept: what is on the line."""
    stripped = line.rstrip("\r\n")
    try:
        return next(csv.reader([stripped], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
    except csv.Error:
        return [stripped[:MAX_CELL]]


def _csv_reason(err: csv.Error) -> str:
    text = str(err)
    if "field larger than field limit" in text:
        return f"a cell is longer than {MAX_CELL:,} characters (an unterminated quote?)"
    if "unexpected end of data" in text:
        return "a quoted cell is never closed (unterminated quote)"
    return f"malformed quoting: {text}"


def read_records(
    lines: list[str], start: int = 0, delimiter: str = ",", width: int | None = None
) -> Iterator[Record | BadRecord]:
    """Records from `lines[start:]`, each a Record or a BadRecord; blank lines are skipped.

    With `width` (the header's field count), a record that spans several lines and does not
    have `width` fields is taken for an unbalanced quote: its first line is reported and
    reading resumes on the next line, so the rows it swallowed still load."""
    source = _Lines(lines, start)
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    while source.pos < len(lines):
        first = source.pos
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield BadRecord(first + 1, _csv_reason(err), _first_line_cells(lines[first], delimiter))
            source.pos = first + 1
            reader = csv.reader(source, delimiter=delimiter, strict=True)
            continue
        span = source.pos - first
        if span > 1 and width is not None and len(cells) != width:
            reason = (
                f"a quote opened on this line runs over {span} lines and leaves "
                f"{len(cells)} fields, the header has {width} (an unbalanced quote?)"
            )
            yield BadRecord(first + 1, reason, _first_line_cells(lines[first], delimiter))
            source.pos = first + 1
            reader = csv.reader(source, delimiter=delimiter, strict=True)
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line
        if any("\x00" in c for c in cells):
            yield BadRecord(first + 1, "contains NUL bytes (binary data, not text)", cells)
            continue
        yield Record(first + 1, cells)
