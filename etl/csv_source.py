"""Reading one canonical CSV file into DuckDB as strings, with source line numbers.

The fast path is DuckDB's own reader, for files that are plain UTF-8 with one line ending style,
no NUL byte and no line over MAX_CELL. Every other file, and every file DuckDB cannot read
strictly (ragged rows, quoted line breaks, unterminated quotes), is read record by record by
etl.csv_rows, so each bad row is reported with its true line and the good rows still load.
Reading happens before the import's transaction opens (loader.import_canonical): DuckDB aborts
a transaction on any failed statement, so a failed fast read must not happen inside one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from etl.checks import sql_literal
from etl.contract import Entity
from etl.csv_rows import MAX_CELL, BadRecord, header_end, physical_lines, read_records
from etl.encoding import decode
from warehouse.db import keep_order


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
    """What was read: `table` (registered Arrow rows or a temp table) has the file's columns (as
    strings) and `_line` (drop it with `drop_source`)."""

    file: str
    table: str
    columns: list[str]
    rows: int
    notes: list[str] = field(default_factory=list)
    ragged: list[RaggedRow] = field(default_factory=list)


def _normalise_header(names: list[str]) -> list[str]:
    return [n.strip().strip("\ufeff").strip().lower() for n in names]


HEADER_SPAN = 1 << 16  # the header row is read from the file's first 64 K characters


def read_header(file: str, text: str) -> list[str]:
    try:
        first = next(csv.reader(io.StringIO(text[:HEADER_SPAN], newline="")), None)
    except csv.Error as err:
        raise FileRejected(file, f"cannot read the header row: {err}") from None
    if not first or not any(n.strip() for n in first):
        raise FileRejected(file, "empty file: no header row")
    if any("\x00" in n for n in first):
        raise FileRejected(file, "not a text file: NUL bytes in the header (UTF-16 without a BOM?)")
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
    """Loads `path` into `table` (see SourceFile); raises FileRejected when the file cannot load.
    Call it outside a transaction: DuckDB's reader may fail, and that is not fatal here."""
    data = path.read_bytes()
    # ASCII is UTF-8 that decode() returns as it is, with no note. The fast path needs only the
    # header and scans of the bytes, so such a file is decoded (0.05 s of 80 MB) only when the
    # record-by-record reader needs its text.
    text, note = (None, None) if data.isascii() else decode(data)

    def whole() -> str:
        return text if text is not None else data.decode("ascii")

    head = text[:HEADER_SPAN] if text is not None else data[:HEADER_SPAN].decode("ascii")
    if not head or (head.isspace() and whole().isspace()):  # as `not text.strip()`
        raise FileRejected(path.name, "empty file: no header row")
    header = read_header(path.name, head)
    check_required(path.name, entity, header)
    notes = [note] if note else []
    rows = _fast_read(con, path, header, table, data) if _fast_candidate(note, data) else None
    if rows is not None:
        return SourceFile(path.name, table, header, rows, notes)
    ragged = _slow_read(con, path.name, whole(), header, table)
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return SourceFile(path.name, table, header, rows, notes, ragged)


def _fast_candidate(note: str | None, data: bytes) -> bool:
    """Only files where DuckDB's row number + 1 is surely the physical line, and whose bad rows
    DuckDB would stop at anyway, are worth trying: cheap scans of the file's bytes. `note` is
    None only for plain UTF-8 (decode notes UTF-16 and Windows-1252), whose NUL, CR and LF
    characters are its NUL, CR and LF bytes (no other UTF-8 sequence holds a byte below 0x80)."""
    if note is not None or b"\x00" in data:
        return False
    if b"\r" not in data:
        return True
    carriage_returns = data.count(b"\r")
    return carriage_returns == data.count(b"\r\n") == data.count(b"\n")


def _physical_rows(data: bytes) -> int:
    """Data lines in the file (LF or CRLF endings), not counting the header and a final newline."""
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1


def _fast_read(
    con: duckdb.DuckDBPyConnection, path: Path, header: list[str], table: str, data: bytes
) -> int | None:
    """DuckDB's reader; only trusted when one row is one line, so a row's position + 2 is its
    line. A line longer than MAX_CELL fails it, so the slow path applies the per-cell rule.
    The strict read lands in an Arrow table (a failed read must happen outside the import's
    transaction), numbered in Python and registered on `con` as `table`. DuckDB returns a
    query's rows in the file's order (preserve_insertion_order), so position is line. Landing
    in Arrow costs 0.25 s of 1 M rows where a temp table cost 0.41 s: the temp table's
    order-keeping insert is the slow part. Returns the row count, None when not trusted."""
    reader = (
        f"read_csv({sql_literal(str(path))}, header = true, all_varchar = true, delim = ',', "
        f"quote = '\"', escape = '\"', names = [{', '.join(sql_literal(h) for h in header)}], "
        f"strict_mode = true, null_padding = false, parallel = true, max_line_size = {MAX_CELL})"
    )
    keep_order(con)
    try:
        cells = con.sql(f"SELECT * FROM {reader}").to_arrow_table()
    except duckdb.Error:
        return None
    rows = cells.num_rows
    if rows != _physical_rows(data):
        return None
    lines = pa.array(np.arange(2, rows + 2, dtype=np.int64))
    con.register(table, cells.add_column(0, "_line", lines))
    return rows


def drop_source(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drops what read_csv_file left in `table`: the registered Arrow rows (fast path) or a temp
    table (record-by-record path). Looks first, so it never fails inside a transaction."""
    kind = con.execute(
        """SELECT 'VIEW' FROM duckdb_views() WHERE view_name = $1 AND temporary
        UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = $1 AND temporary""",
        [table],
    ).fetchall()
    for (what,) in kind:
        if what == "VIEW":
            con.unregister(table)
        else:
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _slow_read(
    con: duckdb.DuckDBPyConnection, file: str, text: str, header: list[str], table: str
) -> list[RaggedRow]:
    """Record by record (etl.csv_rows): exact physical line numbers; ragged, unterminated, NUL
    and over-long rows reported with a reason, never fatal to the rows after them."""
    lines = physical_lines(text)
    columns: list[list[str | None]] = [[] for _ in header]
    numbers: list[int] = []
    ragged: list[RaggedRow] = []
    for record in read_records(lines, start=header_end(lines), width=len(header)):
        if isinstance(record, BadRecord):
            ragged.append(RaggedRow(record.line, record.reason, _raw(header, record.cells)))
            continue
        cells = record.cells
        if all(not v.strip() for v in cells):
            continue
        if len(cells) != len(header):
            ragged.append(
                RaggedRow(record.line, _ragged_reason(cells, header), _raw(header, cells))
            )
            continue
        numbers.append(record.line)
        for values, v in zip(columns, cells):
            values.append(v)
    frame = pl.DataFrame(
        {"_line": pl.Series(numbers, dtype=pl.Int64)}
        | {h: pl.Series(v, dtype=pl.Utf8) for h, v in zip(header, columns)}
    )
    con.register("_slow_frame", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _slow_frame")
    con.unregister("_slow_frame")
    return ragged


def _raw(header: list[str], cells: list[str]) -> dict[str, str]:
    """The row as it arrived, for the quarantine: NUL bytes shown as U+FFFD, not stored."""
    cells = [c.replace("\x00", "\ufffd") for c in cells]
    raw = {h: v for h, v in zip(header, cells)}
    if len(cells) > len(header):
        raw["_extra_fields"] = ",".join(cells[len(header) :])
    return raw


def _ragged_reason(record: list[str], header: list[str]) -> str:
    reason = f"row has {len(record)} fields, the header has {len(header)}"
    if len(record) > len(header):
        reason += " (an unquoted comma, e.g. a decimal comma like 1,5 in a number?)"
    return reason
