"""DuckDB's parallel reader numbers the lines of a large file right (etl/csv_source.py's fast
path takes a row's line from its position in the copied table): a 30 MB file, read by several
threads in several buffers, gives every row its own physical line, and the row with a bad cell
deep in it keeps its true line (the line its quarantine entry names)."""

from __future__ import annotations

from pathlib import Path

from etl.contract import ENTITIES
from etl.csv_source import drop_source, read_csv_file

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
    assert left == [(0,)]  # the copy of the file is gone, and the view over it
    views = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'src'").fetchall()
    assert views == [(0,)]
