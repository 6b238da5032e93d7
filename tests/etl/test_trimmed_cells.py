"""A cell is trimmed of Unicode space separators (DuckDB's trim) at both ends and is NULL when
nothing is left; etl/checks.py skips trim for cells that cannot need it, which must not change
any cell's value."""

from __future__ import annotations

import duckdb
import pytest

from etl.checks import trimmed
from etl.loader import import_canonical
from tests.conftest import write_folder
from tests.etl.canonical_fixtures import BASE_FILES

NBSP, IDEO, THIN, OGHAM, NNBSP = "\u00a0", "\u3000", "\u2009", "\u1680", "\u202f"

CELLS = [
    ("P-1", "P-1"),
    ("2026-03-02", "2026-03-02"),
    (" P-1", "P-1"),
    ("P-1 ", "P-1"),
    ("  ", None),
    ("", None),
    (None, None),
    (f"P-1{NBSP}", "P-1"),
    (f"{NBSP}P-1", "P-1"),
    (f"1.5{IDEO}", "1.5"),
    (f"{THIN}1.5{THIN}", "1.5"),
    (f"x{OGHAM}", "x"),
    (f"x{NNBSP}", "x"),
    (f"{NBSP}{IDEO} ", None),
    ("café", "café"),  # non-ASCII inside, nothing to trim
    (f"a{NBSP}b", f"a{NBSP}b"),  # a space separator inside stays
    ("\tP-1\t", "\tP-1\t"),  # a tab is not a space separator: DuckDB's trim keeps it
    ("P-1\n", "P-1\n"),
    ("\u200bP-1", "\u200bP-1"),  # zero-width space is a format character, kept
    ("é ", "é"),
    ("x", "x"),
    ("~", "~"),
    ("!", "!"),
]


@pytest.mark.parametrize(("cell", "expected"), CELLS)
def test_trimmed_cell(cell, expected):
    con = duckdb.connect()
    got, reference = con.execute(
        f"SELECT {trimmed('c')}, nullif(trim(c), '') FROM (SELECT CAST(? AS VARCHAR) AS c)",
        [cell],
    ).fetchall()[0]
    assert got == expected
    assert reference == expected  # the rule is DuckDB's trim's


def test_padded_cells_load_trimmed(con, tmp_path):
    """Keys and values padded with Unicode spaces match and cast as their trimmed selves."""
    entries = (
        "entry_id,person_id,date,hours,project_id,notes,billable,approved_at\n"
        f"T-1{NBSP},P-1{IDEO},{THIN}2026-03-02,1.5{NNBSP},{NBSP}PR-1,a{NBSP}b ,true,\n"
        "T-2, P-2 , 2026-03-03 , 2 ,PR-1,\tx,yes,\n"
    )
    folder = write_folder(tmp_path / "firm", BASE_FILES | {"time_entries.csv": entries})
    report = import_canonical(con, folder)
    assert report.quarantined == 0
    rows = con.execute(
        """SELECT entry_id, person_id, date::VARCHAR, hours::VARCHAR, project_id, notes, billable
        FROM time_entries ORDER BY entry_id"""
    ).fetchall()
    assert rows == [
        ("T-1", "P-1", "2026-03-02", "1.5000", "PR-1", f"a{NBSP}b", True),
        ("T-2", "P-2", "2026-03-03", "2.0000", "PR-1", "\tx", True),
    ]
