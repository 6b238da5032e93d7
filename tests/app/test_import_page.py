"""The Import page in AppTest: a role without `import_data` is refused before any upload; an
admin uploads a broken Harvest export, sees the format detected, the bad rows with line and
reason and the rows as they will load, with nothing written; pressing Import loads the good
rows and says how many. Counts by hand from the file (see tests/etl/test_import_preview.py)."""

from __future__ import annotations

from pathlib import Path

from tests.etl.test_import_preview import BROKEN_HARVEST
from tests.support.app_pages import button, open_page, query
from warehouse.db import connect

PAGE = "pages/import_data.py"


def empty_warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "warehouse.duckdb"
    connect(db).close()
    return db


def test_a_role_without_import_data_is_refused_before_any_upload(monkeypatch, tmp_path):
    db = empty_warehouse(tmp_path)
    at = open_page(monkeypatch, db, PAGE, user="Oscar Ops", roles=("operations",))
    refusal = "Oscar Ops (Operations) may not import data or run a connector sync: it needs "
    assert [e.value for e in at.error] == [refusal + "the role Admin."]
    assert len(at.file_uploader) == 0


def test_an_admin_previews_then_commits_a_broken_harvest_export(monkeypatch, tmp_path):
    db = empty_warehouse(tmp_path)
    at = open_page(monkeypatch, db, PAGE, user="Ada Admin", roles=("admin",))
    at.file_uploader[0].set_value(("harvest_broken.csv", BROKEN_HARVEST.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox[-1].value == "harvest-csv"  # detected from the header

    # Good rows 2, 3, 4 (Acme Corp) and 8 (Globex); line 9 parses (Priya Patel, Globex) but
    # breaks the contract's 24 h: clients 2, people 3, projects 2, tasks 3, entries 4.
    assert [m.value for m in at.metric] == ["14", "0", "4"]  # to load, already there, bad
    quarantine = next(df.value for df in at.dataframe if "reason" in df.value.columns)
    assert quarantine["line"].to_list() == [5, 6, 7, 9]
    entries = next(df.value for df in at.dataframe if "entry_id" in df.value.columns)
    assert entries["line"].to_list() == [2, 3, 4, 8]
    assert query(
        db, "SELECT (SELECT count(*) FROM time_entries), (SELECT count(*) FROM quarantine)"
    ) == [(0, 0)]

    button(at, "Import 14 row(s), quarantine 4").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith("Imported harvest_broken.csv (load 1): 14 new, 0 changed")
    assert query(db, "SELECT count(*) FROM time_entries") == [(4,)]
    assert query(db, "SELECT count(*) FROM quarantine") == [(4,)]
    assert query(db, "SELECT actor, after->>'$.file' FROM audit_log WHERE action = 'import'") == [
        ("Ada Admin", "harvest_broken.csv")
    ]
    # After the commit the same file previews as already loaded, its bad rows still listed.
    assert [m.value for m in at.metric] == ["0", "4", "4"]
    assert button(at, "Import 0 row(s)").disabled


def test_the_page_validates_the_committed_load_in_a_thread(monkeypatch, tmp_path):
    import time

    monkeypatch.setenv("ETL_VALIDATE", "background")
    db = empty_warehouse(tmp_path)
    at = open_page(monkeypatch, db, PAGE, user="Ada Admin", roles=("admin",))
    at.file_uploader[0].set_value(("harvest_broken.csv", BROKEN_HARVEST.encode(), "text/csv"))
    at.run()
    button(at, "Import 14 row(s), quarantine 4").click().run()
    assert not at.error, [e.value for e in at.error]
    assert query(db, "SELECT count(*) FROM time_entries") == [(4,)]  # committed before the suite
    deadline = time.monotonic() + 120
    status = None
    while time.monotonic() < deadline:
        status = query(db, "SELECT status FROM load_validation WHERE load_id = 1")
        if status and status[0][0] in ("passed", "failed"):
            break
        time.sleep(0.2)
    assert status == [("passed",)]
    # the suite saw the committed rows only: the 4 good entries, not the 4 quarantined
    assert query(
        db,
        "SELECT max(element_count) FROM validation_results "
        "WHERE load_id = 1 AND entity = 'time_entries'",
    ) == [(4,)]
