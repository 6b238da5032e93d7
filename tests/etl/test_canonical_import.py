"""`import canonical`: a clean folder loads, re-imports are no-ops, changes keep history."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from etl.loader import import_canonical
from tests.conftest import write_folder
from tests.etl.canonical_fixtures import BASE_FILES


def counts(con) -> dict[str, int]:
    tables = [
        "clients",
        "people",
        "projects",
        "contracts",
        "contract_workstreams",
        "rates",
        "time_entries",
        "firm",
    ]
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


def test_clean_folder_loads_every_row(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    report = import_canonical(con, folder)
    assert report.quarantined == 0
    assert counts(con) == {
        "clients": 3,
        "people": 2,
        "projects": 3,
        "contracts": 2,
        "contract_workstreams": 2,
        "rates": 2,
        "time_entries": 3,
        "firm": 1,
    }
    hours, approved = con.execute(
        "SELECT hours, approved_at FROM time_entries WHERE entry_id = 'T-1'"
    ).fetchall()[0]
    assert hours == Decimal("1.5")
    # 10:00 at -05:00 is 15:00 UTC
    assert approved == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    fee = con.execute("SELECT fee FROM contract_workstreams WHERE contract_id = 'C-2'").fetchall()
    assert fee == [(Decimal("25000.00"),)]
    limit = con.execute(
        "SELECT po_number, po_limit, po_alert_at FROM contracts WHERE contract_id='C-1'"
    )
    assert limit.fetchall() == [("PO-4471", Decimal("60000.00"), Decimal("0.8"))]
    # defaults from the contract: payment terms 30, status active, internal client kept
    assert con.execute(
        "SELECT payment_terms_days, status FROM clients WHERE client_id='CL-0'"
    ).fetchall() == [(30, "internal")]
    assert con.execute("SELECT base_currency FROM firm").fetchall() == [("USD",)]


def test_missing_optional_project_loads_as_null(con, tmp_path):
    import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
    row = con.execute(
        "SELECT project_id, billable FROM time_entries WHERE entry_id='T-3'"
    ).fetchall()
    assert row == [(None, None)]


def test_importing_the_same_folder_twice_changes_nothing(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    import_canonical(con, folder)
    before = con.execute(
        "SELECT * EXCLUDE (_updated_at) FROM time_entries ORDER BY entry_id"
    ).fetchall()
    report = import_canonical(con, folder)
    assert all(s.new == 0 and s.updated == 0 for s in report.entities)
    assert sum(s.unchanged for s in report.entities) == 3 + 2 + 3 + 2 + 2 + 3 + 1
    after = con.execute(
        "SELECT * EXCLUDE (_updated_at) FROM time_entries ORDER BY entry_id"
    ).fetchall()
    assert after == before
    assert con.execute("SELECT count(*) FROM entity_history").fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM raw_canonical_time_entries").fetchall()[0][0] == 3


def test_newer_version_of_a_row_replaces_it_and_keeps_the_old_in_history(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    import_canonical(con, folder)
    changed = BASE_FILES["time_entries.csv"].replace(
        "T-2,P-1,2026-03-02,6.25", "T-2,P-1,2026-03-02,7"
    )
    write_folder(folder, {"time_entries.csv": changed})
    report = import_canonical(con, folder)
    stats = {s.entity: s for s in report.entities}["time_entries"]
    assert (stats.new, stats.updated, stats.unchanged) == (0, 1, 2)
    assert con.execute("SELECT hours FROM time_entries WHERE entry_id='T-2'").fetchall() == [
        (Decimal(7),)
    ]
    history = con.execute(
        "SELECT record_key, row_data->>'hours', replaced_by FROM entity_history"
    ).fetchall()
    assert history == [("T-2", "6.25", report.load_id)]


def test_changed_contract_replaces_its_workstreams(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    import_canonical(con, folder)
    write_folder(
        folder, {"contracts.yaml": BASE_FILES["contracts.yaml"].replace('"25000.00"', '"27500.00"')}
    )
    import_canonical(con, folder)
    rows = con.execute("SELECT contract_id, fee FROM contract_workstreams ORDER BY 1").fetchall()
    assert rows == [("C-1", None), ("C-2", Decimal("27500.00"))]
    assert con.execute("SELECT record_key FROM entity_history").fetchall() == [("C-2",)]
