"""Reading one canonical CSV file into a DuckDB temp table of strings, with source line numbers.

The fast path is DuckDB's own reader; a file it cannot read strictly (ragged rows, quoted line
breaks, odd encodings) falls back to Python's csv module so every row still gets its line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from etl.contract import Entity
from etl.encoding import decode


class FileRejected(ValueError):
    """The whole file cannot be loaded (missing required column, no header...)."""

    def __init__(self, file: str, reason: str):
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass
class RaggedRow:
    line: int
    reason: str
    raw: dict[str, str]


@dataclass
class SourceFile:
    """What was read: the temp table `table` has the file's columns (as strings) and `_line`."""

    file: str
    table: str
    columns: list[str]
    rows: int
    notes: list[str] = field(default_factory=list)
    ragged: list[RaggedRow] = field(default_factory=list)


def _decode(path: Path) -> tuple[str, str | None]:
    return decode(path.read_bytes())


def _normalise_header(names: list[str]) -> list[str]:
    return [n.strip().strip("\ufeff").strip().lower() for n in names]


def read_header(file: str, text: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text[: 1 << 16])), None)
    if not first or not any(n.strip() for n in first):
        raise FileRejected(file, "empty file: no header row")
    header = _normalise_header(first)
    dupes = sorted({n for n in header if header.count(n) > 1})
    if dupes:
        raise FileRejected(file, f"column {dupes[0]!r} appears twice in the header")
    return header


def check_required(file: str, entity: Entity, header: list[str]) -> None:
    missing = [c for c in entity.required if c not in header]
    if missing:
        cols = ", ".join(repr(c) for c in missing)
        word = "column" if len(missing) == 1 else "columns"
        raise FileRejected(file, f"missing required {word} {cols}")


def read_csv_file(
    con: duckdb.DuckDBPyConnection, path: Path, entity: Entity, table: str = "src"
) -> SourceFile:
    """Loads `path` into temp table `table`; raises FileRejected when the file cannot load."""
    text, note = _decode(path)
    if not text.strip():
        raise FileRejected(path.name, "empty file: no header row")
    header = read_header(path.name, text)
    check_required(path.name, entity, header)
    notes = [note] if note else []
    if note is None and _fast_read(con, path, header, table, text):
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        return SourceFile(path.name, table, header, rows, notes)
    ragged = _slow_read(con, path.name, text, header, table)
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return SourceFile(path.name, table, header, rows, notes, ragged)


def _physical_rows(text: str) -> int:
    """Data lines in the file, not counting the header and a final newline."""
    return text.count("\n") + (0 if text.endswith("\n") else 1) - 1


def _fast_read(
    con: duckdb.DuckDBPyConnection, path: Path, header: list[str], table: str, text: str
) -> bool:
    """DuckDB's reader; only trusted when one row is one line, so row number + 1 is the line."""
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT (row_number() OVER () + 1)::BIGINT AS _line, *
            FROM read_csv(?, header = true, all_varchar = true, delim = ',', quote = '"',
                          escape = '"', names = ?, strict_mode = true, null_padding = false,
                          parallel = true)""",
            [str(path), header],
        )
    except duckdb.Error:
        return False
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    if rows == _physical_rows(text):
        return True
    con.execute(f"DROP TABLE {table}")
    return False


def _slow_read(
    con: duckdb.DuckDBPyConnection, file: str, text: str, header: list[str], table: str
) -> list[RaggedRow]:
    """Python's csv reader: exact physical line numbers, ragged rows reported, not fatal."""
    reader = csv.reader(io.StringIO(text))
    next(reader)
    columns: list[list[str | None]] = [[] for _ in header]
    lines: list[int] = []
    ragged: list[RaggedRow] = []
    start = reader.line_num + 1
    for record in reader:
        line = start
        start = reader.line_num + 1
        if not record or all(not v.strip() for v in record):
            continue
        if len(record) != len(header):
            raw = {h: v for h, v in zip(header, record)}
            if len(record) > len(header):
                raw["_extra_fields"] = ",".join(record[len(header) :])
            ragged.append(RaggedRow(line, _ragged_reason(record, header), raw))
            continue
        lines.append(line)
        for values, v in zip(columns, record):
            values.append(v)
    frame = pl.DataFrame(
        {"_line": pl.Series(lines, dtype=pl.Int64)}
        | {h: pl.Series(v, dtype=pl.Utf8) for h, v in zip(header, columns)}
    )
    con.register("_slow_frame", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _slow_frame")
    con.unregister("_slow_frame")
    return ragged


def _ragged_reason(record: list[str], header: list[str]) -> str:
    reason = f"row has {len(record)} fields, the header has {len(header)}"
    if len(record) > len(header):
        reason += " (an unquoted comma, e.g. a decimal comma like 1,5 in a number?)"
    return reason
