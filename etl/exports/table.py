"""Finding the table inside a vendor export: encoding, delimiter, the header row below
any preamble, column mapping, and total/footer rows that are not data."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from etl.csv_rows import BadRecord, physical_lines, read_records
from etl.currencies import ISO_4217
from etl.encoding import decode

DELIMITERS = (",", ";", "\t")


HEADER_SCAN_LINES = 50  # the header row must start within this many lines (preamble rows above)


class ExportFormatError(ValueError):
    """The whole file cannot be read as this export (no header, missing required column)."""


class RowProblem(ValueError):
    """One cell of one row cannot be parsed; the row becomes a RowError."""


@dataclass
class RowError:
    file: str
    line: int
    reason: str
    raw: dict[str, str]


def normalize_header(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").split()).casefold()


_CURRENCY_IN_HEADER = re.compile(r"^(.*?)\s*\(([a-z]*)\)$")  # "Amount (USD)", "Amount ()"


@dataclass(frozen=True)
class ExportSpec:
    source: str  # "harvest", also the prefix of every generated id
    aliases: dict[str, tuple[str, ...]]  # field -> header names; a money header may add "(USD)"
    required: tuple[tuple[str, ...], ...]  # each: alternative fields; the first names the column
    date_field: str
    key_fields: tuple[str, ...]  # date and duration: a row with none of them is a footer

    def lookup(self) -> dict[str, str]:
        return {normalize_header(a): f for f, names in self.aliases.items() for a in names}


def map_header(cells: list[str], lookup: dict[str, str]) -> tuple[dict[str, int], str | None]:
    """Fields found by header name (first wins) and the currency code seen in a money header."""
    columns: dict[str, int] = {}
    currency = None
    for i, cell in enumerate(cells):
        norm = normalize_header(cell)
        found = lookup.get(norm)
        m = _CURRENCY_IN_HEADER.match(norm) if found is None else None
        if m and m.group(1) in lookup:
            found = lookup[m.group(1)]
            code = m.group(2).upper()
            currency = currency or (code if code in ISO_4217 else None)
        if found and found not in columns:
            columns[found] = i
    return columns, currency


@dataclass
class Table:
    """The rows under the header; values addressed by field, never by position."""

    file: str
    header: list[str]
    columns: dict[str, int]
    fields: tuple[str, ...]
    header_currency: str | None
    rows: list[tuple[int, list[str]]]  # (physical line, cells)
    bad: list[RowError] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._labels = {
            f: self.header[i].replace("\ufeff", "").strip() for f, i in self.columns.items()
        }

    def has(self, f: str) -> bool:
        return f in self.columns

    def label(self, f: str) -> str:
        """The column's name as the file spells it, for messages."""
        return self._labels.get(f, f)

    def get(self, cells: list[str], f: str) -> str:
        i = self.columns.get(f)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def raw(self, cells: list[str]) -> dict[str, str]:
        raw = {h.strip(): v for h, v in zip(self.header, cells)}
        raw.update({f"column {i + 1}": v for i, v in enumerate(cells) if i >= len(self.header)})
        return raw

    def values(self, *fields: str) -> set[str]:
        return {self.get(cells, f) for _, cells in self.rows for f in fields} - {""}

    def records(self) -> Iterator[tuple[int, dict[str, str], list[str]]]:
        """(line, {field: stripped value, "" when absent}, cells) for every data row."""
        names = list(self.columns)
        pick = itemgetter(*self.columns.values())  # a tuple: every export requires 3 columns
        absent = dict.fromkeys((f for f in self.fields if f not in self.columns), "")
        width = len(self.header)
        for line, cells in self.rows:
            row = dict(absent)
            padded = cells if len(cells) >= width else cells + [""] * (width - len(cells))
            row.update(zip(names, map(str.strip, pick(padded))))
            yield line, row, cells


def _find_header(lines: list[str], lookup: dict[str, str]) -> tuple[int, str]:
    """The line (index) and delimiter whose cells match the most known column names."""
    best = (0, 0, ",")  # score, index, delimiter
    for index, line in enumerate(lines[:HEADER_SCAN_LINES]):
        for delimiter in DELIMITERS:
            if delimiter not in line and delimiter != ",":
                continue
            try:
                cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
            except csv.Error:  # an over-long or garbled line is not the header
                continue
            score = len(map_header(cells, lookup)[0])
            if score > best[0]:
                best = (score, index, delimiter)
    return best[1], best[2]


_TOTAL = re.compile(r"^(grand\s+|sub-?)?totals?\b", re.IGNORECASE)


def _is_total(cells: list[str], date_cell: str) -> bool:
    """A Total/Subtotal/Grand total row: a cell says so and the date cell holds no date."""
    if date_cell[:1].isdigit():
        return False
    if date_cell and not _TOTAL.match(date_cell) and any(ch.isdigit() for ch in date_cell):
        return False
    return any(_TOTAL.match(c.strip()) for c in cells)


def read_export_text(path: Path) -> tuple[str, str | None]:
    """The file's text and an encoding note; a missing or empty file is an ExportFormatError."""
    try:
        text, note = decode(path.read_bytes())
    except FileNotFoundError:
        raise ExportFormatError(f"{path.name}: file not found") from None
    if not text.strip():
        raise ExportFormatError(f"{path.name}: empty file")
    return text, note


def read_table(path: Path, spec: ExportSpec) -> Table:
    """Decodes, skips preamble rows, maps the header, drops Total rows and footers."""
    text, note = read_export_text(path)
    lines = physical_lines(text)
    lookup = spec.lookup()
    start, delimiter = _find_header(lines, lookup)
    try:
        header = next(csv.reader([lines[start].rstrip("\r\n")], delimiter=delimiter))
    except csv.Error as err:
        raise ExportFormatError(f"{path.name}: cannot read the header row: {err}") from None
    columns, currency = map_header(header, lookup)
    for alternatives in spec.required:
        if not any(f in columns for f in alternatives):
            column = spec.aliases[alternatives[0]][0]
            raise ExportFormatError(f"{path.name}: missing required column {column!r}")
    table = Table(path.name, header, columns, tuple(spec.aliases), currency, [])
    table.notes = [note] if note else []
    _read_rows(table, lines, start + 1, delimiter, spec)
    return table


def _read_rows(table: Table, lines: list[str], start: int, delimiter: str, spec: ExportSpec):
    """Every record under the header (etl.csv_rows: a bad record never stops the next one).
    Summary rows (Total, repeated header, footers) are skipped and listed; entry rows with the
    wrong number of fields, and rows that only look like a Total row, are quarantined."""
    width = len(table.header)
    person_fields = spec.required[-1]
    for record in read_records(lines, start, delimiter, width):
        if isinstance(record, BadRecord):
            table.bad.append(
                RowError(table.file, record.line, record.reason, table.raw(record.cells))
            )
            continue
        line, cells = record.line, record.cells
        date_cell = table.get(cells, spec.date_field)
        if not date_cell and not "".join(cells).strip():
            continue  # blank line
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            reason = (
                f"row has {len(cells)} fields, the header has {width} "
                f"(an unquoted {delimiter!r} inside a cell?)"
            )
            table.bad.append(RowError(table.file, line, reason, table.raw(cells)))
        elif _is_total(cells, date_cell):
            if any(_names_someone(table.get(cells, f)) for f in person_fields):
                table.bad.append(
                    RowError(
                        table.file, line, _lookalike_reason(table, cells, spec), table.raw(cells)
                    )
                )
            else:
                table.skipped.append(RowError(table.file, line, "Total row", table.raw(cells)))
        elif cells == table.header:
            table.skipped.append(RowError(table.file, line, "repeated header", table.raw(cells)))
        elif _REPORT_STAMP.match(",".join(cells).strip()):
            table.skipped.append(RowError(table.file, line, "report time stamp", table.raw(cells)))
        elif _is_footer(table, cells, date_cell, spec):
            reason = "not a time entry (no date, no duration)"
            table.skipped.append(RowError(table.file, line, reason, table.raw(cells)))
        elif len(cells) < width:
            reason = f"row has {len(cells)} fields, the header has {width} (a row cut short?)"
            table.bad.append(RowError(table.file, line, reason, table.raw(cells)))
        else:
            table.rows.append((line, cells))


# The time stamp QuickBooks writes under a report ("Accrual Basis Saturday, November 7, 2026
# 09:15 AM GMT-08:00"); unquoted, its commas split it into cells.
_REPORT_STAMP = re.compile(
    r"^((accrual|cash)\s+basis\s+)?(mon|tues|wednes|thurs|fri|satur|sun)day\s*,\s*[a-z]{3,9}\.?"
    r"\s+\d{1,2}\s*,\s*\d{4}\s+\d{1,2}:\d{2}",
    re.IGNORECASE,
)


def _is_footer(table: Table, cells: list[str], date_cell: str, spec: ExportSpec) -> bool:
    """A footer such as "Generated by Toggl Track": no date, no duration and at most one
    filled cell. A row with more in it is a broken entry and is quarantined instead."""
    if date_cell or any(table.get(cells, f) for f in spec.key_fields):
        return False
    return sum(1 for c in cells if c.strip()) <= 1


def _names_someone(value: str) -> bool:
    """A person cell that is filled with something other than the word Total itself."""
    return bool(value) and not _TOTAL.match(value)


def _lookalike_reason(table: Table, cells: list[str], spec: ExportSpec) -> str:
    """A row with a cell like "Total ..." that also names a person is someone's entry with a
    bad date, not the export's Total row: it is quarantined, never dropped."""
    total = next(c.strip() for c in cells if _TOTAL.match(c.strip()))
    date = table.get(cells, spec.date_field)
    return (
        f"looks like a Total row ({total!r}) but names a person, and "
        f"{table.label(spec.date_field)} {date!r} is not a date"
    )
