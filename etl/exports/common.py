"""Shared machinery for tracker CSV exports: reading, header aliases, cell parsing, ids, the batch."""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

import polars as pl

from etl.csv_rows import BadRecord, physical_lines, read_records
from etl.currencies import ISO_4217
from etl.encoding import decode

FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("client_id", "name", "currency"),
    "projects": ("project_id", "name", "client_id", "code"),
    "people": ("person_id", "name", "role", "email", "team", "employment"),
    "sow_lines": ("sow_line_id", "project_id", "code", "description"),
    "time_entries": (
        "entry_id",
        "person_id",
        "date",
        "hours",
        "project_id",
        "sow_line_id",
        "notes",
        "billable",
        "work_type",
        "source",
        "source_id",
        "approved_at",
        "invoice_id",
        "locked",
    ),
}
DELIMITERS = (",", ";", "\t")
HEADER_SCAN_LINES = 50  # the header row must start within this many lines (preamble rows above)
UNKNOWN_ROLE = "Unknown"
HOURS_PLACES = Decimal("0.0001")


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


@dataclass
class ExportBatch:
    frames: dict[str, pl.DataFrame]  # keys of FRAME_COLUMNS
    errors: list[RowError]  # rows that could not be parsed at all
    skipped: list[RowError] = field(default_factory=list)  # Total rows, footers: dropped on purpose
    warnings: list[str] = field(default_factory=list)  # file-level notes (encoding, date format)


@lru_cache(maxsize=65536)
def name_key(text: str | None) -> str:
    """How names are matched: case-insensitive, whitespace collapsed."""
    return " ".join((text or "").split()).casefold()


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass
class KnownNames:
    """What the warehouse already has, so an export reuses ids instead of duplicating entities."""

    clients: dict[str, str] = field(default_factory=dict)  # name -> client_id
    projects: dict[tuple[str, str], str] = field(default_factory=dict)  # (client_id, name) -> id
    project_codes: dict[str, str] = field(default_factory=dict)  # code -> project_id
    people: dict[str, str] = field(default_factory=dict)  # email -> person_id
    people_by_name: dict[str, str] = field(default_factory=dict)  # full name -> person_id
    sow_lines: dict[tuple[str, str], str] = field(default_factory=dict)  # (project_id, task) -> id
    default_currency: str = "USD"  # for new clients when the export names none
    person_emails: dict[str, str] = field(default_factory=dict)  # person_id -> email

    def __post_init__(self) -> None:
        self.clients = {name_key(k): v for k, v in self.clients.items()}
        self.projects = {(c or "", name_key(n)): v for (c, n), v in self.projects.items()}
        self.project_codes = {name_key(k): v for k, v in self.project_codes.items()}
        self.people = {k.strip().lower(): v for k, v in self.people.items()}
        self.people_by_name = {name_key(k): v for k, v in self.people_by_name.items()}
        self.sow_lines = {(p, name_key(t)): v for (p, t), v in self.sow_lines.items()}
        emails = {v: k for k, v in self.people.items()}
        self.person_emails = emails | {k: v.strip().lower() for k, v in self.person_emails.items()}
        self.ids = {
            "clients": set(self.clients.values()),
            "projects": set(self.projects.values()) | set(self.project_codes.values()),
            "people": set(self.people.values()) | set(self.people_by_name.values()),
            "sow_lines": set(self.sow_lines.values()),
        }

    @classmethod
    def from_duckdb(cls, con) -> KnownNames:
        """Reads the staging tables; a table that does not exist yet contributes nothing."""
        clients = _rows(con, "clients", ("client_id", "name"))
        projects = _rows(con, "projects", ("project_id", "client_id", "name", "code"))
        people = _rows(con, "people", ("person_id", "name", "email"))
        sow = _rows(con, "sow_lines", ("sow_line_id", "project_id", "code", "description"))
        firm = _rows(con, "firm", ("base_currency",))
        sow_lines = {(p, d): i for i, p, _, d in sow if p and d}
        sow_lines |= {(p, c): i for i, p, c, _ in sow if p and c}  # a task named like a code wins
        return cls(
            clients={n: i for i, n in clients if n},
            projects={(c or "", n): i for i, c, n, _ in projects if n},
            project_codes={c: i for i, _, _, c in projects if c},
            people={e: i for i, _, e in people if e},
            people_by_name={n: i for i, n, _ in people if n},
            sow_lines=sow_lines,
            default_currency=next((c for (c,) in firm if c), "USD"),
            person_emails={i: e for i, _, e in people if e},
        )


def _rows(con, table: str, columns: tuple[str, ...]) -> list[tuple]:
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = current_schema()",
            [table],
        ).fetchall()
    }
    if not set(columns) <= have:
        return []
    cols = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
    return con.execute(f'SELECT {cols} FROM "{table}"').fetchall()


# ---------------------------------------------------------------- ids


def slug(text: str, max_len: int = 60) -> str:
    """ASCII, lower case, dashes; never contains '--', so '--' can join slugs unambiguously."""
    ascii_text = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    digest = hashlib.sha1(name_key(text).encode()).hexdigest()[:8]
    if not s:
        return f"x{digest}"
    if len(s) > max_len:
        return f"{s[: max_len - 9].rstrip('-')}-{digest}"
    return s


def entity_id(source: str, kind: str, *names: str) -> str:
    """E.g. `harvest-client-acme-corp`, `harvest-project-acme-corp--website` (client--project)."""
    return f"{source}-{kind}-" + "--".join(slug(n) for n in names if clean(n))


def entry_digest(parts: tuple[str, ...]) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- reading the file


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
                table.bad.append(RowError(table.file, line, _lookalike_reason(table, cells, spec),
                                          table.raw(cells)))  # fmt: skip
            else:
                table.skipped.append(RowError(table.file, line, "Total row", table.raw(cells)))
        elif cells == table.header:
            table.skipped.append(RowError(table.file, line, "repeated header", table.raw(cells)))
        elif _is_footer(table, cells, date_cell, spec):
            reason = "not a time entry (no date, no duration)"
            table.skipped.append(RowError(table.file, line, reason, table.raw(cells)))
        elif len(cells) < width:
            reason = f"row has {len(cells)} fields, the header has {width} (a row cut short?)"
            table.bad.append(RowError(table.file, line, reason, table.raw(cells)))
        else:
            table.rows.append((line, cells))


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


# ---------------------------------------------------------------- numbers and durations


def _is_currency_edge(ch: str) -> bool:
    return ch.isspace() or ch.isalpha() or unicodedata.category(ch) == "Sc"


def _strip_currency(text: str) -> str:
    """Removes currency symbols/codes and spaces at both ends: '$ 1,250.00', '1.250,00 EUR'."""
    start, end = 0, len(text)
    while start < end and _is_currency_edge(text[start]):
        start += 1
    while end > start and _is_currency_edge(text[end - 1]):
        end -= 1
    return text[start:end]


def _plain_number(text: str, decimal_comma: bool | None, single_is_decimal: bool) -> Decimal:
    """'1,234.5' / '1.234,5' / '1 234,5' -> Decimal. Ambiguous '1,500': see parse_decimal."""
    v = re.sub(r"[\s'’\u00a0\u202f\u2009]", "", text)
    if not re.fullmatch(r"[\d.,]*\d[\d.,]*", v):
        raise ValueError("not a number")
    commas, dots = v.count(","), v.count(".")
    if commas and dots:
        dec = "," if v.rfind(",") > v.rfind(".") else "."
        return _grouped(v, "." if dec == "," else ",", dec)
    sep = "," if commas else "." if dots else ""
    if not sep:
        return Decimal(v)
    if v.count(sep) > 1:
        return _grouped(v, sep, None)
    fraction = v.rsplit(sep, 1)[1]
    thousands = (
        not single_is_decimal
        and len(fraction) == 3
        and (decimal_comma is True if sep == "." else decimal_comma is not True)
    )
    return _grouped(v, sep, None) if thousands else Decimal(v.replace(sep, "."))


def _grouped(v: str, thousands: str, dec: str | None) -> Decimal:
    whole, _, fraction = v.partition(dec) if dec else (v, "", "")
    if dec and dec in fraction:
        raise ValueError("two decimal separators")
    if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})*", whole):
        raise ValueError("bad digit grouping")
    return Decimal(whole.replace(thousands, "") + ("." + fraction if dec else ""))


def parse_decimal(text: str, decimal_comma: bool | None = None) -> Decimal:
    """Money/number cells: currency symbols, thousands separators, (negatives), trailing minus.

    A single separator followed by exactly three digits is ambiguous ('1,500', '1.500'):
    `decimal_comma=True` reads ',' as decimal and '.' as thousands, False the reverse, None
    (unknown) takes '.' as decimal and ',' as thousands. Use detect_decimal_comma on the column.
    """
    v = text.strip()
    negative = False
    if v.startswith("(") and v.endswith(")"):
        negative, v = True, v[1:-1]
    v = _strip_currency(v)
    if v[:1] in ("-", "−") or v[-1:] in ("-", "−"):
        negative = not negative
        v = _strip_currency(v[1:] if v[:1] in ("-", "−") else v[:-1])
    elif v[:1] == "+":
        v = _strip_currency(v[1:])
    try:
        number = _plain_number(v, decimal_comma, single_is_decimal=False)
    except (ValueError, InvalidOperation):
        raise ValueError(f"cannot parse number {text!r}") from None
    return -number if negative else number


def detect_decimal_comma(values) -> bool | None:
    """True when the column's numbers use a decimal comma, False for a point, None if unknown."""
    for v in values:
        last = max(v.rfind(","), v.rfind("."))
        if last < 0:
            continue
        digits_after = len(re.match(r"\d*", v[last + 1 :]).group())
        if ("," in v and "." in v) or digits_after in (1, 2):
            return v[last] == ","
    return None


_HMS = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}(?:[.,]\d+)?))?$")
_NUM = r"(\d+(?:[.,]\d+)?)"
_ISO_DURATION = re.compile(
    rf"^P(?:{_NUM}D)?(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$", re.IGNORECASE
)
_UNIT_DURATION = re.compile(
    rf"^(?:{_NUM}\s*h(?:ours?|rs?)?)?\s*(?:{_NUM}\s*m(?:in(?:utes?|s)?)?)?"
    rf"\s*(?:{_NUM}\s*s(?:ec(?:onds?|s)?)?)?$",
    re.IGNORECASE,
)


def _dec(part: str | None) -> Decimal:
    return Decimal(part.replace(",", ".")) if part else Decimal(0)


def _seconds(text: str) -> Decimal | None:
    """Seconds of '1:30:00', '1:30' (h:mm), 'PT1H30M', '1h 30m'; None if no such form."""
    m = _HMS.match(text)
    if m:
        minutes, seconds = int(m.group(2)), _dec(m.group(3))
        if minutes >= 60 or seconds >= 60:
            raise ValueError("minutes or seconds above 59")
        return int(m.group(1)) * 3600 + minutes * 60 + seconds
    for pattern, scale in ((_ISO_DURATION, (86400, 3600, 60, 1)), (_UNIT_DURATION, (3600, 60, 1))):
        m = pattern.match(text)
        if m and any(m.groups()) and not text.upper().endswith("T"):
            return sum((_dec(g) * s for g, s in zip(m.groups(), scale)), Decimal(0))
    return None


@lru_cache(maxsize=8192)
def parse_duration(text: str) -> Decimal:
    """Hours (4 places, half-up) of '1:30:00', '1:30', '1.5', '1,5', 'PT1H30M', '1h 30m'.

    Decimal hours take a lone ',' or '.' as the decimal separator (hours are never in thousands).
    """
    v = text.strip()
    negative = v[:1] in ("-", "−")
    v = v[1:].strip() if negative or v[:1] == "+" else v
    if not v:
        raise ValueError("empty")
    try:
        seconds = _seconds(v)
        hours = seconds / 3600 if seconds is not None else _plain_number(v, True, True)
    except (ValueError, InvalidOperation, ArithmeticError):
        raise ValueError(f"cannot parse duration {text!r}") from None
    hours = hours.quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)
    return -hours if negative else hours


def format_hours(hours: Decimal) -> str:
    """'1.5', '0.3333', '8'."""
    text = format(hours.quantize(HOURS_PLACES, rounding=ROUND_HALF_UP).normalize(), "f")
    return "0" if text in ("-0", "0") else text


@lru_cache(maxsize=8192)
def _hours_text(value: str) -> str:
    return format_hours(parse_duration(value))


def hours_cell(value: str, label: str) -> str:
    """A duration cell as canonical hours, or RowProblem naming the column and the value."""
    if not value:
        raise RowProblem(f"{label}: empty duration")
    try:
        return _hours_text(value)
    except ValueError:
        raise RowProblem(f"{label}: cannot parse duration {value!r}") from None


_BOOLS = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
}


def parse_bool(text: str) -> bool | None:
    """Yes/No (and true/false, 1/0); None when empty or anything else."""
    return _BOOLS.get(text.strip().lower())


def bool_text(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}


def currency_code(text: str) -> str | None:
    """'USD', 'Euro - EUR', 'US Dollar (USD)', '€' -> ISO code; None when none is recognisable."""
    v = text.strip()
    if v.upper() in ISO_4217:
        return v.upper()
    codes = [c for c in re.findall(r"\b[A-Z]{3}\b", v) if c in ISO_4217]
    return codes[-1] if codes else _CURRENCY_SYMBOLS.get(v)


# ---------------------------------------------------------------- dates and times

_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTHS = (
    {n[:3]: i for i, n in enumerate(_MONTH_NAMES, 1)}
    | {n: i for i, n in enumerate(_MONTH_NAMES, 1)}
    | {"sept": 9}
)
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})$")
_DAY_MONTH_DATE = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4}|\d{2})$")
_MONTH_DAY_DATE = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
ORDER_LABELS = {"DMY": "DD/MM/YYYY", "MDY": "MM/DD/YYYY"}


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _make_date(year: int, month: int | None, day: int) -> date | None:
    try:
        return date(year, month, day) if month else None
    except ValueError:
        return None


def parse_date(text: str, order: str = "MDY") -> date | None:
    """YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY (per `order`), '15 Jul 2026', 'Jul 15, 2026'."""
    v = text.strip()
    if m := _ISO_DATE.match(v):
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC_DATE.match(v):
        first, second = int(m[1]), int(m[3])
        if m[2] == "." or order == "DMY":
            return _make_date(_year(m[4]), second, first)
        return _make_date(_year(m[4]), first, second)
    if m := _DAY_MONTH_DATE.match(v):
        return _make_date(_year(m[3]), _MONTHS.get(m[2].lower()), int(m[1]))
    if m := _MONTH_DAY_DATE.match(v):
        return _make_date(int(m[3]), _MONTHS.get(m[1].lower()), int(m[2]))
    return None


def detect_date_order(values, default: str = "MDY") -> tuple[str, str | None]:
    """DMY or MDY for a column of dd/mm or mm/dd dates, judged on all its values at once.

    A value above 12 in the first place means DMY, in the second place MDY; the order that reads
    more values wins. When every date reads both ways, the order that puts fewer dates on a
    weekend wins (timesheets are weekday work), else `default`; both guesses come with a warning.
    """
    readings: dict[str, list[date]] = {"DMY": [], "MDY": []}
    ambiguous = False
    for v in values:
        m = _NUMERIC_DATE.match(v.strip())
        if not m or m[2] == ".":
            continue
        first, second, year = int(m[1]), int(m[3]), _year(m[4])
        for order, d in (
            ("DMY", _make_date(year, second, first)),
            ("MDY", _make_date(year, first, second)),
        ):
            if d:
                readings[order].append(d)
        ambiguous |= first != second
    dmy, mdy = len(readings["DMY"]), len(readings["MDY"])
    if dmy != mdy:
        return ("DMY" if dmy > mdy else "MDY"), None
    if not dmy or not ambiguous:
        return default, None
    weekdays = {o: sum(d.weekday() < 5 for d in ds) for o, ds in readings.items()}
    note = "day and month are ambiguous in every date; read as"
    if weekdays["DMY"] != weekdays["MDY"]:
        order = max(weekdays, key=weekdays.get)
        return order, f"{note} {ORDER_LABELS[order]}, which puts fewer dates on weekends"
    return default, f"{note} {ORDER_LABELS[default]} (the default)"


class DateColumn:
    """Parses one export's dates in the format detected from the whole column."""

    def __init__(self, values, default_order: str = "MDY"):
        self.order, self.warning = detect_date_order(values, default_order)
        self._cache: dict[str, str] = {}

    def iso(self, value: str, label: str) -> str:
        hit = self._cache.get(value)
        if hit is None:
            parsed = parse_date(value, self.order)
            hit = self._cache[value] = parsed.isoformat() if parsed else ""
        if not hit:
            raise RowProblem(
                f"{label}: cannot parse date {value!r}" if value else f"{label}: empty"
            )
        return hit


_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*(?:([AaPp])\.?\s*[Mm]\.?)?$")


@lru_cache(maxsize=8192)
def normalize_time(text: str) -> str:
    """'09:00 AM', '9:00', '21:00:00' -> 'HH:MM:SS' (24 h); anything else as a name key."""
    m = _TIME.match(text.strip())
    if not m:
        return name_key(text)
    hour = int(m[1]) % 12 + (12 if m[4] in ("P", "p") else 0) if m[4] else int(m[1])
    return f"{hour:02d}:{int(m[2]):02d}:{int(m[3] or 0):02d}"


def has_tag(tags: str, word: str) -> bool:
    """Whether a comma-separated tags cell holds `word` as a word of some tag ('Rush job')."""
    if word not in tags.casefold():
        return False
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    return any(pattern.search(t) for t in tags.split(","))


# ---------------------------------------------------------------- the batch


class BatchBuilder:
    """Collects one export's canonical rows: entities by name (reused or new), then entries."""

    def __init__(self, source: str, table: Table, known: KnownNames):
        self.source, self.table, self.known = source, table, known
        self.errors = list(table.bad)
        self.warnings = [f"{table.file}: {n}" for n in table.notes]
        self._order = {k: (*cols, "_line") for k, cols in FRAME_COLUMNS.items()}
        self._rows: dict[str, list[list]] = {k: [] for k in FRAME_COLUMNS}
        self._resolved: dict[tuple, str | None] = {}
        self._new_ids: dict[str, dict[str, str]] = {k: {} for k in FRAME_COLUMNS}  # id -> owner
        self._occurrences: Counter[str] = Counter()

    def dates(self, *fields: str, default_order: str = "MDY") -> DateColumn:
        column = DateColumn(self.table.values(*fields), default_order)
        if column.warning:
            self.warnings.append(
                f"{self.table.file}: {self.table.label(fields[0])}: {column.warning}"
            )
        return column

    def error(self, line: int, reason: str, cells: list[str]) -> None:
        self.errors.append(RowError(self.table.file, line, reason, self.table.raw(cells)))

    def _emit(self, frame: str, line: int, **values: str | None) -> None:
        values["_line"] = line
        self._rows[frame].append([values.get(c) or None for c in self._order[frame]])

    def _new(self, frame: str, entity_id: str, owner: str, line: int, **values) -> str:
        """Emits a new entity once; an id that exists already is reused, never overwritten."""
        if entity_id not in self.known.ids[frame] and entity_id not in self._new_ids[frame]:
            self._new_ids[frame][entity_id] = owner
            self._emit(frame, line, **{FRAME_COLUMNS[frame][0]: entity_id}, **values)
        return entity_id

    def client(self, name: str, currency: str | None, line: int) -> str | None:
        key = ("client", name_key(name))
        if not key[1]:
            return None
        if key not in self._resolved:
            found = self.known.clients.get(key[1])
            self._resolved[key] = found or self._new(
                "clients",
                entity_id(self.source, "client", name),
                key[1],
                line,
                name=clean(name),
                currency=currency or self.known.default_currency,
            )
        return self._resolved[key]

    def project(self, client_id: str | None, client: str, name: str, code: str, line: int):
        key = ("project", client_id or "", name_key(name))
        if not key[2]:
            return None
        if key not in self._resolved:
            found = self.known.projects.get(key[1:]) or self.known.project_codes.get(name_key(code))
            self._resolved[key] = found or self._new(
                "projects",
                entity_id(self.source, "project", client, name),
                key[2],
                line,
                name=clean(name),
                client_id=client_id,
                code=clean(code),
            )
        return self._resolved[key]

    def task(self, project_id: str | None, client: str, project: str, task: str, line: int):
        key = ("task", project_id, name_key(task))
        if not project_id or not key[2]:
            return None
        if key not in self._resolved:
            found = self.known.sow_lines.get(key[1:])
            self._resolved[key] = found or self._new(
                "sow_lines",
                entity_id(self.source, "task", client, project, task),
                key[2],
                line,
                project_id=project_id,
                code=clean(task),
                description=clean(task),
            )
        return self._resolved[key]

    def person(self, name: str, email: str, line: int, **details: str | None) -> str | None:
        """By email, else by name (unless the known namesake has another email), else new."""
        email, who = email.strip().lower(), name_key(name)
        key = ("person", email or f"name:{who}")
        if not email and not who:
            return None
        if key not in self._resolved:
            found = self.known.people.get(email) if email else None
            namesake = self.known.people_by_name.get(who)
            namesake_email = self.known.person_emails.get(namesake, "")
            if not found and namesake and (not email or namesake_email in ("", email)):
                found = namesake
            self._resolved[key] = found or self._new_person(name, email, key[1], line, details)
        return self._resolved[key]

    def _new_person(self, name: str, email: str, owner: str, line: int, details: dict) -> str:
        person_id = entity_id(self.source, "person", name or email.split("@")[0])
        taken = self._new_ids["people"].get(person_id, owner) != owner
        if taken or person_id in self.known.ids["people"]:  # a namesake with another email
            person_id = f"{person_id}-{hashlib.sha1(owner.encode()).hexdigest()[:6]}"
        details = {"role": UNKNOWN_ROLE} | {k: v for k, v in details.items() if v}
        return self._new(
            "people", person_id, owner, line, name=clean(name) or email, email=email, **details
        )

    def entry(self, line: int, key: tuple[str, ...], **values: str | None) -> str:
        """A time entry; its id hashes `key` (never the hours) plus a counter for exact repeats."""
        base = f"{self.source}-{entry_digest((self.source, *key))}"
        self._occurrences[base] += 1
        count = self._occurrences[base]
        entry_id = base if count == 1 else f"{base}-{count}"
        self._emit(
            "time_entries",
            line,
            entry_id=entry_id,
            source=self.source,
            source_id=entry_id,
            **values,
        )
        return entry_id

    def batch(self) -> ExportBatch:
        frames = {}
        for name, rows in self._rows.items():
            schema = dict.fromkeys(FRAME_COLUMNS[name], pl.Utf8) | {"_line": pl.Int64}
            frame = pl.DataFrame(rows, schema=schema, orient="row")
            frames[name] = frame.with_columns(_file=pl.lit(self.table.file, dtype=pl.Utf8))
        return ExportBatch(frames, self.errors, list(self.table.skipped), self.warnings)


def parse_user_export(
    path: Path, known: KnownNames, spec: ExportSpec, hours_of, table: Table | None = None
) -> ExportBatch:
    """Toggl and Clockify detailed reports: a row per entry with User/Email, Start date/time,
    Client/Project/Task, Description, Billable, Tags (and Group, a team). `hours_of(row, table)`
    returns the canonical hours or raises RowProblem. A tag with the word "rush" makes a rush entry.
    `table`: the file already read (Clockify looks at its columns first).
    """
    table = table if table is not None else read_table(path, spec)
    batch = BatchBuilder(spec.source, table, known)
    dates = batch.dates("start_date", "end_date")
    for line, row, cells in table.records():
        try:
            day = dates.iso(row["start_date"], table.label("start_date"))
            hours = hours_of(row, table)
        except RowProblem as problem:
            batch.error(line, str(problem), cells)
            continue
        person = batch.person(row["user"], row["email"], line, team=row.get("group"))
        if person is None:
            batch.error(line, f"{table.label('user')}: empty user", cells)
            continue
        client_name, project_name = row["client"], row["project"]
        client = batch.client(client_name, table.header_currency, line)
        project = batch.project(client, client_name, project_name, "", line)
        task = batch.task(project, client_name, project_name, row["task"], line)
        key = (
            day,
            row["email"].lower() or name_key(row["user"]),
            name_key(client_name),
            name_key(project_name),
            name_key(row["task"]),
            name_key(row["description"]),
            normalize_time(row["start_time"]),
        )
        batch.entry(
            line,
            key,
            person_id=person,
            date=day,
            hours=hours,
            project_id=project,
            sow_line_id=task,
            notes=row["description"],
            billable=bool_text(parse_bool(row["billable"])),
            work_type="rush" if has_tag(row["tags"], "rush") else None,
        )
    return batch.batch()
