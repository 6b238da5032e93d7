"""The Import page's engine (etl/preview.py, etl/import_kinds.py) on the real-shaped samples of
data/samples/ and on a broken Harvest file: the format is detected, the preview shows the rows
as they will be staged, the mapping and every bad row with its line and reason, a preview
leaves the warehouse exactly as it was, a commit is audited with who and which file, a role
without `import_data` is refused server-side, and two sessions committing the same file at
once load it once. Expectations are counted by hand from the files."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest

from app_auth import guard
from app_auth.roles import Identity
from etl.__main__ import SOURCES
from etl.import_kinds import FORMAT_LABELS, detect_format
from etl.preview import Upload, commit_import, preview_import, save_upload
from tests.support.warehouse import fill_small_warehouse
from warehouse.db import connect
from warehouse.sessions import read_write

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
HARVEST = SAMPLES / "harvest_detailed_time.csv"
ADMIN = Identity("Ada Admin", ("admin",), "local", "ada")
OPS = Identity("Oscar Ops", ("operations",), "local", "oscar")

# The sample's header and three good rows (lines 2-4), then four bad rows and a good one.
HEADER, *SAMPLE_ROWS = HARVEST.read_text().splitlines()
ELENA = "Elena,Ruiz,Designer,Yes,150.00,300.00,60.00,120.00,USD,"
BROKEN_HARVEST = "\n".join(
    [
        HEADER,
        *SAMPLE_ROWS[:3],  # lines 2, 3, 4: good
        f"2026-02-30,Acme Corp,Website Redesign,ACME-WEB,Design,Bad day,2.0,2.0,Yes,No,No,{ELENA}",
        f"2026-01-15,Acme Corp,Website Redesign,ACME-WEB,Design,Bad hours,abc,2,Yes,No,No,{ELENA}",
        "2026-01-15,Acme Corp,Website Redesign",  # line 7: cut short (3 of 21 fields)
        SAMPLE_ROWS[3],  # line 8: good (Priya Patel, Globex, 6.0 h)
        "2026-01-16,Globex,Data Migration,GLX-DM,Analysis,All nighter,25,25,Yes,No,No,Priya,Patel,"
        + "Analyst,Yes,160.00,4000.00,65.00,1625.00,USD,",  # line 9: 25 h in one day
    ]
)  # line 5: no such date; line 6: hours not a number


def upload_of(folder: Path, name: str, data: bytes, canonical_file: str | None = None) -> Upload:
    folder.mkdir(exist_ok=True)
    return save_upload(folder, name, data, canonical_file)


def preview(db: Path, kind: str, upload: Upload, who: Identity = ADMIN):
    with guard.acting_as(who), read_write(db) as con:
        return preview_import(con, kind, upload, actor=who.name)


def commit(db: Path, kind: str, upload: Upload, who: Identity = ADMIN):
    with guard.acting_as(who), read_write(db) as con:
        return commit_import(con, kind, upload, actor=who.name)


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = connect(db)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def fingerprint(db: Path) -> dict[str, tuple]:
    """Every table's row count and a digest of its rows, and every sequence's last value."""
    con = connect(db)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' AND table_schema = 'main' ORDER BY 1"
            ).fetchall()
        ]
        found: dict[str, tuple] = {}
        for table in tables:
            found[table] = con.execute(
                f'SELECT count(*), sum(hash(CAST(t AS VARCHAR))) FROM "{table}" t'
            ).fetchone()
        for name, value in con.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences()"
        ).fetchall():
            found[f"sequence {name}"] = (value,)
        return found
    finally:
        con.close()


def test_every_format_of_the_cli_can_be_picked():
    assert set(FORMAT_LABELS) == set(SOURCES)


@pytest.mark.parametrize(
    ("sample", "kind"),
    [
        ("harvest_detailed_time.csv", "harvest-csv"),
        ("toggl_detailed_report.csv", "toggl-csv"),
        ("clockify_detailed_report.csv", "clockify-csv"),
        ("clockify_start_end_report.csv", "clockify-csv"),
        ("freshbooks_time_entries.csv", "freshbooks-csv"),
        ("hubstaff_timesheet.csv", "hubstaff-csv"),
        ("odoo_timesheets.csv", "odoo-csv"),
        ("quickbooks_invoice_list.csv", "quickbooks-csv"),
        ("quickbooks_transaction_detail.csv", "quickbooks-csv"),
        ("quickbooks_customer_balance_detail.csv", "quickbooks-csv"),
        ("xero_invoices.csv", "xero-csv"),
        ("xero_payments.csv", "xero-csv"),
        ("calendar_E-001.ics", "ics"),
    ],
)
def test_each_sample_is_recognised(sample, kind):
    assert detect_format(SAMPLES / sample).kind == kind


def test_a_contract_file_is_recognised_by_its_name_and_other_files_not_at_all(tmp_path):
    (tmp_path / "time_entries.csv").write_text("entry_id,person_id,date,hours\n")
    (tmp_path / "notes.csv").write_text("a,b,c\n1,2,3\n")
    assert detect_format(tmp_path / "time_entries.csv").kind == "canonical"
    assert detect_format(tmp_path / "notes.csv") is None


def test_harvest_preview_shows_rows_as_staged_and_the_mapping(tmp_path):
    db = tmp_path / "w.duckdb"
    upload = upload_of(tmp_path / "up", HARVEST.name, HARVEST.read_bytes())
    seen = preview(db, "harvest-csv", upload)

    # By hand from the 15 rows: clients Acme Corp, Globex, Initech GmbH; people Elena Ruiz,
    # Marcus Chen, Priya Patel; one project each; tasks Acme 3 (Design, Development,
    # Meetings), Globex 2 (Analysis, Development), Initech 2 (Development, Project Mgmt).
    counts = {
        r["what"]: (r["new"], r["changed"], r["already there"], r["quarantined"])
        for r in seen.counts().to_dicts()
    }
    assert counts == {
        "clients": (3, 0, 0, 0),
        "people": (3, 0, 0, 0),
        "projects": (3, 0, 0, 0),
        "sow lines": (7, 0, 0, 0),
        "time entries": (15, 0, 0, 0),
    }
    assert seen.loading == 31 and seen.quarantined.height == 0
    entries = seen.rows["time_entries"]
    assert entries.height == 15
    first = entries.row(0, named=True)
    assert (first["line"], first["date"].isoformat(), first["hours"]) == (
        2,
        "2026-01-05",
        Decimal("3.5"),
    )
    assert first["person_id"] == "harvest-person-elena-ruiz"
    assert first["locked"] is True  # Invoiced? Yes: billed in Harvest already
    assert sum(entries["hours"].to_list()) == Decimal("44.08")  # the Hours column, added by hand
    assert entries["line"].to_list() == list(range(2, 17))
    mapping = {r["file column"]: r["goes to"] for r in seen.mapping.to_dicts()}
    assert mapping["Hours"] == "time_entries.hours"
    assert mapping["Hours Rounded"] == "not read"  # rounding is a contract term
    assert mapping["First Name"].startswith("people.name")
    assert len(mapping) == 21


def test_a_broken_file_lists_each_bad_row_with_line_and_reason_and_previews_the_rest(tmp_path):
    db = tmp_path / "w.duckdb"
    upload = upload_of(tmp_path / "up", "harvest_broken.csv", BROKEN_HARVEST.encode())
    seen = preview(db, "harvest-csv", upload)

    bad = {r["line"]: r["reason"] for r in seen.quarantined.to_dicts()}
    assert sorted(bad) == [5, 6, 7, 9]
    assert "2026-02-30" in bad[5]
    assert "abc" in bad[6]
    assert "3 fields" in bad[7] and "21" in bad[7]
    assert "hours" in bad[9] and "24" in bad[9]  # the contract's 0-24 h a day, after parsing
    assert seen.newly_quarantined == 4 and seen.worth_committing
    assert seen.rows["time_entries"]["line"].to_list() == [2, 3, 4, 8]
    assert seen.rows["time_entries"]["hours"].to_list() == [
        Decimal(h) for h in ("3.5", "2.25", "4", "6")
    ]


def test_a_preview_leaves_the_warehouse_exactly_as_it_was(tmp_path):
    db = fill_small_warehouse(tmp_path / "w.duckdb")  # loads, quarantine, validation rows
    before = fingerprint(db)
    for name, data in (
        ("harvest_broken.csv", BROKEN_HARVEST.encode()),
        (HARVEST.name, HARVEST.read_bytes()),
    ):
        seen = preview(db, "harvest-csv", upload_of(tmp_path / "up", name, data))
        assert seen.loading > 0
    assert fingerprint(db) == before
    assert rows(
        db, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'raw_harvest%'"
    ) == [(0,)]


def test_bad_rows_quarantined_by_an_earlier_commit_are_listed_again(tmp_path):
    db = tmp_path / "w.duckdb"
    upload = upload_of(tmp_path / "up", "harvest_broken.csv", BROKEN_HARVEST.encode())
    report = commit(db, "harvest-csv", upload)
    assert report.quarantined == 4
    quarantine = rows(db, "SELECT count(*) FROM quarantine")
    again = preview(db, "harvest-csv", upload)
    assert again.quarantined["line"].to_list() == [5, 6, 7, 9]
    assert again.loading == 0 and again.unchanged == 4  # lines 2, 3, 4, 8 are in
    assert again.quarantined["already"].to_list() == [True] * 4
    assert not again.worth_committing  # a second commit would change nothing
    assert rows(db, "SELECT count(*) FROM quarantine") == quarantine


def test_a_commit_loads_through_the_loader_and_is_audited_with_who_and_which_file(tmp_path):
    db = tmp_path / "w.duckdb"
    upload = upload_of(tmp_path / "up", HARVEST.name, HARVEST.read_bytes())
    report = commit(db, "harvest-csv", upload)
    assert rows(db, "SELECT count(*), sum(hours) FROM time_entries") == [(15, Decimal("44.08"))]
    assert rows(db, "SELECT load_id, source, status FROM load_log") == [
        (report.load_id, "harvest", "ok")
    ]
    [(actor, action, after)] = rows(db, "SELECT actor, action, after->>'$.file' FROM audit_log")
    assert (actor, action, after) == ("Ada Admin", "import", HARVEST.name)
    assert rows(db, "SELECT after->>'$.rows' FROM audit_log") == [("31",)]


def test_a_role_without_import_data_is_refused_on_the_server(tmp_path):
    db = tmp_path / "w.duckdb"
    upload = upload_of(tmp_path / "up", HARVEST.name, HARVEST.read_bytes())
    with pytest.raises(guard.NotAllowed, match="Oscar Ops \\(Operations\\) may not import data"):
        commit(db, "harvest-csv", upload, who=OPS)
    with pytest.raises(guard.NotAllowed):
        preview(db, "harvest-csv", upload, who=OPS)
    assert rows(
        db,
        "SELECT (SELECT count(*) FROM time_entries), (SELECT count(*) FROM load_log), "
        "(SELECT count(*) FROM audit_log)",
    ) == [(0, 0, 0)]


def test_two_sessions_committing_the_same_file_at_once_load_it_once(tmp_path):
    db = tmp_path / "w.duckdb"
    connect(db).close()  # the warehouse exists before both sessions open it
    uploads = [
        upload_of(tmp_path / f"session{n}", HARVEST.name, HARVEST.read_bytes()) for n in (1, 2)
    ]
    start = threading.Barrier(2)
    reports, errors = [], []

    def session(upload: Upload) -> None:
        try:
            start.wait()
            reports.append(commit(db, "harvest-csv", upload))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=session, args=(u,)) for u in uploads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = sorted(
        (s.new, s.unchanged) for r in reports for s in r.entities if s.entity == "time_entries"
    )
    assert entries == [(0, 15), (15, 0)]  # one session loads the 15 rows, the other finds them
    assert rows(db, "SELECT count(*), sum(hours) FROM time_entries") == [(15, Decimal("44.08"))]
    assert rows(db, "SELECT count(*) FROM audit_log WHERE action = 'import'") == [(2,)]


def test_a_contract_file_uploaded_under_another_name_loads_as_the_file_picked(tmp_path):
    db = tmp_path / "w.duckdb"
    text = (
        "client_id,name,currency,region\nC-1,Acme Corp,USD,EMEA\nC-2,Globex,usd,EMEA\nC-3,,EUR,\n"
    )
    upload = upload_of(tmp_path / "up", "customers export.csv", text.encode(), "clients.csv")
    seen = preview(db, "canonical", upload)
    assert seen.rows["clients"]["client_id"].to_list() == ["C-1", "C-2"]
    assert seen.rows["clients"]["currency"].to_list() == ["USD", "USD"]  # stored upper-case
    assert seen.quarantined.select("line", "entity").rows() == [(4, "clients")]  # no name
    mapping = {r["file column"]: r["goes to"] for r in seen.mapping.to_dicts()}
    assert mapping["name"] == "clients.name"
    assert mapping["region"].startswith("kept as it arrived")
    assert seen.file == "customers export.csv"


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.iterdir()))
def test_each_sample_previews_what_its_commit_then_does(tmp_path, sample):
    """For every format: the preview's counts per table are the commit's, its bad lines are
    the lines the commit quarantines, and the preview itself changed nothing."""
    db = tmp_path / "w.duckdb"
    connect(db).close()
    if sample.endswith(".ics"):  # a calendar is a known person's: the file is named after E-001
        people = "person_id,name,role,email\nE-001,Elena Ruiz,Designer,elena.ruiz@firm.com\n"
        commit(db, "canonical", upload_of(tmp_path / "people", "people.csv", people.encode()))
    path = SAMPLES / sample
    upload = upload_of(tmp_path / "up", sample, path.read_bytes())
    kind = detect_format(path).kind
    before = fingerprint(db)
    seen = preview(db, kind, upload)
    assert fingerprint(db) == before
    report = commit(db, kind, upload)

    def counts(stats):
        return [(s.entity, s.new, s.updated, s.unchanged, s.quarantined) for s in stats]

    assert counts(seen.stats) == counts(report.entities)
    assert seen.loading > 0
    lines = rows(
        db,
        "SELECT line FROM quarantine WHERE load_id = ? ORDER BY line NULLS FIRST, entity",
        [report.load_id],
    )
    assert seen.quarantined["line"].to_list() == [line for (line,) in lines]
