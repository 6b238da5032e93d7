"""DuckDB's parallel reader numbers the lines of a large file right (etl/csv_source.py's fast
path takes a row's line from its position in DuckDB's result): a 30 MB file, read by several
threads in several buffers, gives every row its own physical line, and the row with a bad cell
deep in it keeps its true line (the line its quarantine entry names)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.contract import ENTITIES
from etl.csv_source import drop_source, read_csv_file
from warehouse.db import in_any_order, transaction

ROWS = 300_000
NOTE = "x" * 60  # ~100 bytes a row: ~30 MB, more than one read buffer


def write_entries(path: Path, bad_line: int) -> None:
    lines = ["entry_id,person_id,date,hours,notes"]
    for line in range(2, ROWS + 2):  # line 1 is the header
        day = "2026-13-01" if line == bad_line else "2026-10-01"
        lines.append(f"L{line},P-1,{day},1.5,{NOTE}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_every_row_of_a_large_file_has_its_own_line(con, tmp_path):
    path = tmp_path / "time_entries.csv"
    write_entries(path, bad_line=ROWS - 7)
    source = read_csv_file(con, path, ENTITIES["time_entries"], table="src")
    assert source.rows == ROWS and not source.ragged
    wrong = con.execute("SELECT count(*) FROM src WHERE 'L' || _line <> entry_id").fetchall()[0][0]
    assert wrong == 0
    lines = con.execute("SELECT min(_line), max(_line), count(DISTINCT _line) FROM src").fetchall()
    assert lines == [(2, ROWS + 1, ROWS)]
    bad = con.execute("SELECT _line FROM src WHERE date = '2026-13-01'").fetchall()
    assert bad == [(ROWS - 7,)]
    drop_source(con, "src")
    left = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name LIKE 'src%'"
    ).fetchall()
    assert left == [(0,)]
    views = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'src'").fetchall()
    assert views == [(0,)]


def test_lines_stay_right_after_a_write_in_any_order_failed(con, tmp_path):
    """A write in any order (the raw layer's) that fails leaves its transaction aborted, so the
    session setting cannot come back there; the next file read still numbers its lines right.
    Without order, DuckDB's two threads return this file's rows out of order."""
    con.execute("CREATE TEMP TABLE strict (a INTEGER NOT NULL)")
    with pytest.raises(duckdb.ConstraintException):
        with transaction(con), in_any_order(con):
            con.execute("INSERT INTO strict VALUES (NULL)")
    path = tmp_path / "time_entries.csv"
    write_entries(path, bad_line=3)
    read_csv_file(con, path, ENTITIES["time_entries"], table="src")
    wrong = con.execute("SELECT count(*) FROM src WHERE 'L' || _line <> entry_id").fetchall()[0][0]
    assert wrong == 0
    drop_source(con, "src")


def test_a_write_in_any_order_gives_the_session_its_order_back(con):
    with transaction(con), in_any_order(con):
        inside = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
    after = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
    assert (inside, after) == ([(False,)], [(True,)])
