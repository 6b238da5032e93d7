"""Reading a canonical folder: a file of nothing but blank space is refused like an empty one,
and the import leaves none of its copies of the files behind (temp tables and views
`src_<entity>`), whether it commits or fails after reading some of them."""

from __future__ import annotations

import pytest

from etl.contract import ENTITIES
from etl.csv_source import drop_source, read_csv_file
from etl.loader import import_canonical
from tests.conftest import write_folder
from tests.etl.canonical_fixtures import BASE_FILES


def temp_sources(con) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            """SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'src%'
            UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary
              AND view_name LIKE 'src%'"""
        ).fetchall()
    ]


def test_committed_import_drops_its_sources(con, tmp_path):
    import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
    assert temp_sources(con) == []


def test_failed_import_drops_the_sources_it_read(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    (folder / "time_entries.csv").unlink()
    (folder / "time_entries.csv").mkdir()  # read after clients, people, projects, rates
    with pytest.raises(IsADirectoryError):
        import_canonical(con, folder)
    assert temp_sources(con) == []


@pytest.mark.parametrize("text", ["\n\n", " \r\n\t\n", "\u00a0\u3000\n"])
def test_file_of_blank_space_is_refused_as_empty(con, tmp_path, text):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    (folder / "time_entries.csv").write_text(text, encoding="utf-8")
    report = import_canonical(con, folder)
    assert report.file_errors == ["time_entries.csv: empty file: no header row"]
    assert con.execute("SELECT count(*) FROM people").fetchall() == [(2,)]


def read_back(con, path):
    """What read_csv_file made of `path`: by the fast path (a view over DuckDB's copy of the
    file) or not, and the rows with their lines."""
    source = read_csv_file(con, path, ENTITIES["time_entries"], table="src")
    fast = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'src'").fetchall()
    rows = con.execute("SELECT _line, entry_id, notes FROM src ORDER BY _line").fetchall()
    drop_source(con, "src")
    return fast == [(1,)], rows, source.notes


HEADER = b"entry_id,person_id,date,hours,notes"
T1, T2 = b"T-1,P-1,2026-03-02,1,", b"T-2,P-1,2026-03-02,1,"


@pytest.mark.parametrize(
    ("data", "fast", "rows"),
    [
        (HEADER + b"\r\n" + T1 + b"a\r\n" + T2 + b"b\r\n", True, [(2, "a"), (3, "b")]),
        (
            ("\ufeff" + HEADER.decode() + "\r\n").encode()
            + T1
            + "Müller\r\n".encode()
            + T2
            + "b\u00a0\r\n".encode(),
            True,
            [(2, "Müller"), (3, "b\u00a0")],
        ),
        (HEADER + b"\n" + T1 + b"a\r\n" + T2 + b"b\n", False, [(2, "a"), (3, "b")]),
        (HEADER + b"\n" + T1 + b"a\r" + T2 + b"b", False, [(2, "a"), (3, "b")]),
        # a CR inside a quoted cell: DuckDB would read it, but its row would be off by a line
        (HEADER + b"\n" + T1 + b'"a\rb"\n' + T2 + b"b\n", False, [(2, "a\rb"), (4, "b")]),
    ],
    ids=["ascii-crlf", "utf8-bom-crlf", "mixed-endings", "lone-cr", "quoted-cr"],
)
def test_line_endings_and_encodings_pick_the_reader(con, tmp_path, data, fast, rows):
    """One line ending style in UTF-8 (ASCII or not) goes through DuckDB's reader; other files
    go record by record. Either way every row keeps its physical line and its cells."""
    path = tmp_path / "time_entries.csv"
    path.write_bytes(data)
    got_fast, got_rows, file_notes = read_back(con, path)
    assert got_fast == fast
    assert got_rows == [(line, f"T-{n}", notes) for n, (line, notes) in enumerate(rows, 1)]
    assert file_notes == []
