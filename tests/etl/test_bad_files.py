"""The importer survives every bad file (issue 11, item 4), for a canonical folder and each of
the tracker exports (Harvest, Toggl, Clockify with and without durations, FreshBooks, Hubstaff,
Odoo): the bad rows are quarantined with file, true line and reason, every
good row loads, exit 0 (1 with --strict), one line on stderr at most, never a traceback.

Each case writes the same shape of file for every importer: a header, good rows, and the bad
row on line 3 (the header is line 1). Expectations are worked out by hand per case below.
"""

from __future__ import annotations

import duckdb
import pytest

from etl.__main__ import main as etl_main
from tests.conftest import write_folder
from tests.etl.canonical_fixtures import BASE_FILES


class Format:
    """One importer: its CLI source, file name, header and a good row numbered `i`."""

    def __init__(self, source: str, file: str, header: str, row: str, date: str, notes_col: int):
        self.source, self.file, self.header = source, file, header
        self._row, self._date, self.notes_col = row, date, notes_col

    def good(self, i: int, notes: str = "") -> str:
        return self._row.format(day=f"{i + 2:02d}", i=10 + i, notes=notes or f"work {i}")

    def short(self) -> str:  # a row cut short after its third field
        return ",".join(self.good(5).split(",")[:3])

    def long(self) -> str:  # two fields too many, both filled
        return self.good(5) + ",extra,9"

    def with_notes(self, i: int, notes: str) -> str:
        return self.good(i, notes)

    def undated(self, i: int, notes: str) -> str:
        cells = self.good(i, notes).split(",")
        cells[self._date] = "n/a"
        return ",".join(cells)


FORMATS = {
    "canonical": Format(
        "canonical",
        "time_entries.csv",
        "entry_id,person_id,date,hours,project_id,notes,billable",
        "T-{i},P-1,2026-03-{day},3,PR-1,{notes},true",
        date=2,
        notes_col=5,
    ),
    "harvest-csv": Format(
        "harvest-csv",
        "harvest.csv",
        "Date,Client,Project,Project Code,Task,Notes,Hours,Hours Rounded,Billable?,Invoiced?,"
        "Approved?,First Name,Last Name,Roles,Employee?,Billable Rate,Billable Amount,Cost Rate,"
        "Cost Amount,Currency,External Reference URL",
        "2026-01-{day},Acme Corp,Website,ACME-WEB,Design,{notes},2.5,2.5,Yes,No,Yes,Elena,Ruiz,"
        "Designer,Yes,150.00,375.00,60.00,150.00,USD,",
        date=0,
        notes_col=5,
    ),
    "toggl-csv": Format(
        "toggl-csv",
        "toggl.csv",
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,"
        "End time,Duration,Tags,Amount (USD)",
        "Elena Ruiz,elena@x.example,Acme,Web,,{notes},Yes,2026-02-{day},09:00:00,2026-02-{day},"
        "10:00:00,01:00:00,,100.00",
        date=7,
        notes_col=5,
    ),
    "clockify-csv": Format(
        "clockify-csv",
        "clockify.csv",
        "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,"
        "End Date,End Time,Duration (h),Duration (decimal),Billable Rate (USD),"
        "Billable Amount (USD)",
        "Web,Acme,{notes},Dev,Jordan Blake,Eng,jordan@x.example,,Yes,2026-03-{day},09:00,"
        "2026-03-{day},10:00,01:00:00,1.00,100.00,100.00",
        date=9,
        notes_col=2,
    ),
    # a Clockify report without duration columns: the hours come from start and end
    "clockify-csv start/end": Format(
        "clockify-csv",
        "clockify_start_end.csv",
        "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,"
        "End Date,End Time,Billable Rate (USD),Billable Amount (USD)",
        "Web,Acme,{notes},Dev,Jordan Blake,Eng,jordan@x.example,,Yes,2026-03-{day},09:00 AM,"
        "2026-03-{day},10:00 AM,100.00,100.00",
        date=9,
        notes_col=2,
    ),
    "freshbooks-csv": Format(
        "freshbooks-csv",
        "freshbooks.csv",
        "Date,Team Member,Client,Project,Service,Note,Duration,Billable,Billed",
        "2026-04-{day},Elena Ruiz,Acme,Web,Design,{notes},1:00,Yes,Unbilled",
        date=0,
        notes_col=5,
    ),
    "hubstaff-csv": Format(
        "hubstaff-csv",
        "hubstaff.csv",
        "Member,Email,Client,Project,To-do,Date,Start,Stop,Duration,Activity,Idle,Manual,Notes",
        "Jordan Blake,jordan@x.example,Acme,Web,Fix,2026-05-{day},9:00 am,10:00 am,1:00:00,50%,"
        "0%,0%,{notes}",
        date=5,
        notes_col=12,
    ),
    "odoo-csv": Format(
        "odoo-csv",
        "odoo.csv",
        "Date,Employee,Project,Task,Description,Hours Spent",
        "2026-06-{day},Elena Ruiz,Web,Dev,{notes},01:00",
        date=0,
        notes_col=4,
    ),
}


def lf(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


# name -> (file bytes, [(line, reason part)] quarantined, good rows that load, extra check)
def case(name: str, f: Format):
    h, g = f.header, f.good
    big = "x" * 140_000
    return {
        "too few fields": (lf(h, g(0), f.short(), g(1)), [(3, "3 fields, the header has")], 2),
        "too many fields": (lf(h, g(0), f.long(), g(1)), [(3, "fields, the header has")], 2),
        "unterminated quote": (
            lf(h, g(0), f.with_notes(5, '"never closed'), g(1), g(2)),
            [(3, "never closed (unterminated quote)")],
            3,
        ),
        "NUL byte line": (lf(h, g(0), "\x00" * 12, g(1)), [(3, "NUL bytes")], 2),
        "UTF-16 LE with BOM": (
            b"\xff\xfe" + "\n".join([h, g(0), f.short(), g(1)]).encode("utf-16-le"),
            [(3, "fields, the header has")],
            2,
        ),
        "UTF-16 BE with BOM": (
            b"\xfe\xff" + "\n".join([h, g(0), f.short(), g(1)]).encode("utf-16-be"),
            [(3, "fields, the header has")],
            2,
        ),
        "CR-only line endings": (
            "\r".join([h, g(0), f.short(), g(1), ""]).encode(),
            [(3, "fields, the header has")],
            2,
        ),
        "mixed CRLF/LF/CR": (
            f"{h}\r\n{g(0)}\n{f.short()}\r{g(1)}\r\n{g(2)}\n".encode(),
            [(3, "fields, the header has")],
            3,
        ),
        "cell over 128 KB": (
            lf(h, g(0), f.with_notes(5, big), g(1)),
            [(3, "longer than 131,072 characters")],
            2,
        ),
        "UTF-8 and Windows-1252 rows": (
            lf(h, f.with_notes(0, "Jürgen"))
            + (f.with_notes(1, "Müller") + "\n").encode("cp1252")
            + lf(f.with_notes(2, "Zoë")),
            [],
            3,
        ),
        "header only": (lf(h), [], 0),
    }[name]


CASE_NAMES = [
    "too few fields",
    "too many fields",
    "unterminated quote",
    "NUL byte line",
    "UTF-16 LE with BOM",
    "UTF-16 BE with BOM",
    "CR-only line endings",
    "mixed CRLF/LF/CR",
    "cell over 128 KB",
    "UTF-8 and Windows-1252 rows",
    "header only",
]


def run_import(tmp_path, f: Format, data: bytes, *extra: str) -> tuple[int, str]:
    """Writes the file (a canonical folder around it) and runs `python -m etl import`'s main."""
    if f.source == "canonical":
        folder = write_folder(tmp_path / "firm", BASE_FILES)
        (folder / f.file).write_bytes(data)
        target = folder
    else:
        target = tmp_path / f.file
        target.write_bytes(data)
    argv = ["--db", str(tmp_path / "w.duckdb"), "import", f.source, str(target), *extra]
    return etl_main(argv)


def warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)


@pytest.mark.parametrize("name", CASE_NAMES)
@pytest.mark.parametrize("source", list(FORMATS))
def test_bad_file(tmp_path, capsys, source, name):
    f = FORMATS[source]
    data, bad, good = case(name, f)
    code = run_import(tmp_path, f, data)
    err = capsys.readouterr().err
    assert code == 0, err
    assert err == ""
    with warehouse(tmp_path) as con:
        rows = con.execute(
            "SELECT file, line, reason FROM quarantine WHERE entity = 'time_entries' ORDER BY line"
        ).fetchall()
        loaded = con.execute("SELECT notes FROM time_entries ORDER BY date").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(f.file, line) for line, _ in bad]
    for (_, _, reason), (_, part) in zip(rows, bad):
        assert part in reason
    assert len(loaded) == good
    if name == "UTF-8 and Windows-1252 rows":
        assert [r[0] for r in loaded] == ["Jürgen", "Müller", "Zoë"]
    # --strict: the same run again exits 1 when anything was quarantined, with one line
    code = run_import(tmp_path, f, data, "--strict")
    err = capsys.readouterr().err
    assert code == (1 if bad else 0)
    assert len(err.splitlines()) == (1 if bad else 0) and "Traceback" not in err


@pytest.mark.parametrize("source", list(FORMATS))
def test_empty_file_is_refused_in_one_line_and_the_rest_loads(tmp_path, capsys, source):
    """A 0-byte file is refused whole (a truncated export must not pass silently): exit 1, one
    line naming it; in a canonical folder the other files still load."""
    f = FORMATS[source]
    code = run_import(tmp_path, f, b"")
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.splitlines()) == 1 and f.file in err and "empty" in err
    with warehouse(tmp_path) as con:
        assert con.execute("SELECT count(*) FROM time_entries").fetchall() == [(0,)]
        (row,) = con.execute("SELECT file, line, reason FROM quarantine").fetchall()
        people = con.execute("SELECT count(*) FROM people").fetchall()[0][0]
    assert row[:2] == (f.file, 1) and "empty" in row[2]
    assert people == (2 if source == "canonical" else 0)


@pytest.mark.parametrize("source", [s for s in FORMATS if s != "canonical"])
def test_row_that_only_looks_like_a_total_row_is_quarantined(tmp_path, capsys, source):
    """A real Total row (no person) is skipped and counted; a row with a person whose notes
    start with "Total" and whose date is not a date is someone's entry: quarantined."""
    f = FORMATS[source]
    total = ["Total" if i == 0 else "" for i in range(len(f.header.split(",")))]
    data = lf(f.header, f.good(0), f.undated(1, "Total rework of the header"), ",".join(total))
    assert run_import(tmp_path, f, data) == 0
    capsys.readouterr()
    with warehouse(tmp_path) as con:
        rows = con.execute("SELECT line, reason FROM quarantine").fetchall()
        loaded = con.execute("SELECT count(*) FROM time_entries").fetchall()
    assert len(rows) == 1 and rows[0][0] == 3
    assert "looks like a Total row ('Total rework of the header')" in rows[0][1]
    assert "'n/a' is not a date" in rows[0][1]
    assert loaded == [(1,)]
