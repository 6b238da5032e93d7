"""The cells as they arrived, kept twice: in the raw layer for every row that changed staging,
and in the quarantine's raw JSON for a row turned away. Staging reads them from the source
rows (etl/staging.py), by line for a CSV file and by rowid for rows staged from a frame."""

from __future__ import annotations

import json

import polars as pl

from etl.contract import ENTITIES
from etl.load_run import run_load, stage_frame
from etl.loader import import_canonical
from tests.conftest import write_folder
from tests.etl.canonical_fixtures import BASE_FILES

HEADER = "entry_id,person_id,date,hours,project_id,notes,billable,approved_at"
ROWS = 200_000  # ~19 MB: DuckDB's parallel reader splits it, the fast path keeps it
BAD_LINE = 150_003  # a line deep in the file, past the first read buffer


def entry_line(line: int, hours: str = "1.5") -> str:
    """The entry on physical `line` (line 1 is the header): its id names the line."""
    return f"L{line},P-1,2026-03-02,{hours},PR-1,{'n' * 60},true,2026-03-09T10:00:00-05:00"


def big_file(changed: dict[int, str]) -> str:
    """ROWS entries; `changed` replaces whole lines."""
    lines = [HEADER] + [changed.get(n) or entry_line(n) for n in range(2, ROWS + 2)]
    return "\n".join(lines) + "\n"


def raw_rows(con, load_id: int) -> list[tuple]:
    return con.execute(
        """SELECT _line, entry_id, hours, notes, sow_line_id, _file FROM raw_canonical_time_entries
        WHERE _load_id = ? ORDER BY _line""",
        [load_id],
    ).fetchall()


def test_big_file_quarantines_its_bad_row_with_its_own_cells_and_raws_the_changed_rows(
    con, tmp_path
):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    import_canonical(con, folder)
    bad = f"L{BAD_LINE},P-1, 2026-02-30 ,1.5,PR-1,late  note ,true,"
    write_folder(folder, {"time_entries.csv": big_file({BAD_LINE: bad})})
    first = import_canonical(con, folder)
    stats = {s.entity: s for s in first.entities}["time_entries"]
    assert (stats.new, stats.quarantined) == (ROWS - 1, 1)

    (line, key, reason, raw), *others = con.execute(
        """SELECT line, record_key, reason, raw FROM quarantine
        WHERE load_id = ? AND entity = 'time_entries'""",
        [first.load_id],
    ).fetchall()
    assert others == []
    assert (line, key, reason) == (
        BAD_LINE,
        f"L{BAD_LINE}",
        "date '2026-02-30' is not a date (YYYY-MM-DD)",
    )
    # the cells exactly as they arrived, spaces kept, in the file's order
    assert list(json.loads(raw).items()) == [
        ("entry_id", f"L{BAD_LINE}"),
        ("person_id", "P-1"),
        ("date", " 2026-02-30 "),
        ("hours", "1.5"),
        ("project_id", "PR-1"),
        ("notes", "late  note "),
        ("billable", "true"),
        ("approved_at", None),  # DuckDB reads an empty cell as NULL
    ]

    # the first import raws every loaded row, each with its own line
    raws = raw_rows(con, first.load_id)
    assert len(raws) == ROWS - 1
    assert raws[0] == (2, "L2", "1.5", "n" * 60, None, "time_entries.csv")
    assert raws[-1][:2] == (ROWS + 1, f"L{ROWS + 1}")
    assert all(entry_id == f"L{line}" for line, entry_id, *_ in raws)
    assert BAD_LINE not in {r[0] for r in raws}

    # a re-import that changes three rows (one by padding only: same typed values, unchanged)
    # and fixes the bad one raws exactly the rows that changed staging, as they arrived
    changed = {
        7: entry_line(7, hours=" 2.50"),
        BAD_LINE: entry_line(BAD_LINE, hours="3"),
        ROWS + 1: entry_line(ROWS + 1, hours="0.25"),
        99_999: entry_line(99_999, hours="1.50"),  # 1.50 == 1.5: not a change
    }
    write_folder(folder, {"time_entries.csv": big_file(changed)})
    second = import_canonical(con, folder)
    stats = {s.entity: s for s in second.entities}["time_entries"]
    assert (stats.new, stats.updated, stats.unchanged) == (1, 2, ROWS - 3)
    notes = "n" * 60
    assert raw_rows(con, second.load_id) == [
        (7, "L7", " 2.50", notes, None, "time_entries.csv"),
        (BAD_LINE, f"L{BAD_LINE}", "3", notes, None, "time_entries.csv"),
        (ROWS + 1, f"L{ROWS + 1}", "0.25", notes, None, "time_entries.csv"),
    ]

    # the same file again changes nothing and raws nothing
    third = import_canonical(con, folder)
    assert raw_rows(con, third.load_id) == []
    total = con.execute("SELECT count(*) FROM raw_canonical_time_entries").fetchall()[0][0]
    assert total == 3 + (ROWS - 1) + 3  # BASE_FILES' three entries, then the two loads


def test_ragged_file_raws_and_quarantines_from_the_record_by_record_read(con, tmp_path):
    """A ragged row sends the file down the slow path: its source is a table, not a view."""
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    import_canonical(con, folder)
    entries = (
        "entry_id,person_id,date,hours,notes,extra\n"
        "T-7,P-1,2026-03-02,1,ok,x1\n"
        "T-8,P-1,2026-03-02\n"
        'T-9,P-2,2026-03-03,abc,"two\nlines",x3\n'
        "T-10,P-2,2026-03-04,2,fine,x4\n"
    )
    write_folder(folder, {"time_entries.csv": entries})
    report = import_canonical(con, folder)
    stats = {s.entity: s for s in report.entities}["time_entries"]
    assert (stats.new, stats.quarantined) == (2, 2)
    quarantined = con.execute(
        "SELECT line, raw FROM quarantine WHERE load_id = ? ORDER BY line", [report.load_id]
    ).fetchall()
    assert [(line, json.loads(raw)) for line, raw in quarantined] == [
        (3, {"entry_id": "T-8", "person_id": "P-1", "date": "2026-03-02"}),
        (
            4,
            {
                "entry_id": "T-9",
                "person_id": "P-2",
                "date": "2026-03-03",
                "hours": "abc",
                "notes": "two\nlines",
                "extra": "x3",
            },
        ),
    ]
    raws = con.execute(
        """SELECT _line, entry_id, hours, notes, _extra FROM raw_canonical_time_entries
        WHERE _load_id = ? ORDER BY _line""",
        [report.load_id],
    ).fetchall()
    assert [(line, e, h, n, json.loads(x)) for line, e, h, n, x in raws] == [
        (2, "T-7", "1", "ok", {"extra": "x1"}),
        (6, "T-10", "2", "fine", {"extra": "x4"}),
    ]


def test_rows_staged_from_a_frame_sharing_a_line_are_told_apart(con, tmp_path):
    """An export can turn one line into several rows (stage_frame): the quarantine and the raw
    layer take each row's own cells, not those of another row on its line."""
    import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
    frame = pl.DataFrame(
        {
            "_line": [5, 5, 5, 9],
            "entry_id": ["E-1", "E-2", "E-3", "E-4"],
            "person_id": ["P-1", "P-1", "P-9", "P-2"],
            "date": ["2026-03-02", "2026-03-02", "2026-03-02", "2026-03-05"],
            "hours": ["1", "x", "2", "3"],
        }
    )

    def body(load, report):
        report.entities.append(
            stage_frame(con, load, ENTITIES["time_entries"], "export.csv", frame, [])
        )

    report = run_load(con, "frame-test", "export.csv", body)
    quarantined = con.execute(
        "SELECT line, record_key, reason, raw FROM quarantine WHERE load_id = ? ORDER BY 2",
        [report.load_id],
    ).fetchall()
    assert [(line, key, reason, json.loads(raw)) for line, key, reason, raw in quarantined] == [
        (
            5,
            "E-2",
            "hours 'x' is not decimal hours like 1.25",
            {"entry_id": "E-2", "person_id": "P-1", "date": "2026-03-02", "hours": "x"},
        ),
        (
            5,
            "E-3",
            "unknown person_id 'P-9'",
            {"entry_id": "E-3", "person_id": "P-9", "date": "2026-03-02", "hours": "2"},
        ),
    ]
    raws = con.execute(
        """SELECT _line, entry_id, person_id, hours, _file FROM raw_frame_test_time_entries
        WHERE _load_id = ? ORDER BY entry_id""",
        [report.load_id],
    ).fetchall()
    assert raws == [(5, "E-1", "P-1", "1", "export.csv"), (9, "E-4", "P-2", "3", "export.csv")]


def test_conflicting_duplicates_are_quarantined_with_their_own_cells(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    import_canonical(con, folder)
    entries = (
        f"{HEADER}\n"
        "D-1,P-1,2026-03-02,1,PR-1,first,true,\n"
        "D-2,P-1,2026-03-02,1,PR-1,same,true,\n"
        "D-1,P-1,2026-03-02,2,PR-1,second,true,\n"
        "D-2,P-1,2026-03-02,1,PR-1,same,true,\n"
    )
    write_folder(folder, {"time_entries.csv": entries})
    report = import_canonical(con, folder)
    rows = con.execute(
        "SELECT line, raw->>'hours', raw->>'notes' FROM quarantine WHERE load_id = ? ORDER BY 1",
        [report.load_id],
    ).fetchall()
    assert rows == [(2, "1", "first"), (4, "2", "second")]
    raws = con.execute(
        "SELECT _line, entry_id FROM raw_canonical_time_entries WHERE _load_id = ?",
        [report.load_id],
    ).fetchall()
    assert raws == [(3, "D-2")]  # the identical repeat on line 5 loads once
