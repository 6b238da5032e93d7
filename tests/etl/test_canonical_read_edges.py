"""Reading a canonical folder: a file of nothing but blank space is refused like an empty one,
and the import leaves none of its copies of the files behind (temp tables and views
`src_<entity>`), whether it commits or fails after reading some of them."""

from __future__ import annotations

import pytest

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
