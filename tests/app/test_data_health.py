"""The Data health page rendered by Streamlit's AppTest against temp warehouses."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.contract import CSV_ENTITIES
from tests.support.app_pages import signed_in
from tests.support.demo import build_demo
from tests.support.warehouse import (
    FILE_REASON,
    OPEN_REASON,
    RESOLVED_REASON,
    fill_small_warehouse,
    held_by_writer,
)
from warehouse.db import connect

APP = Path(__file__).resolve().parents[2] / "app.py"


def run_app(monkeypatch: pytest.MonkeyPatch, db: Path) -> AppTest:
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=30).run()
    signed_in(at, "Dana Ortiz")  # a busy warehouse cannot tell whether demo mode applies
    at.switch_page("pages/data_health.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def quarantine_table(at: AppTest):
    return next(df.value for df in at.dataframe if "reason" in df.value.columns)


def test_a_missing_warehouse_shows_the_explained_empty_state(monkeypatch, tmp_path):
    at = run_app(monkeypatch, tmp_path / "warehouse.duckdb")
    assert "No data yet" in at.info[0].value
    assert "make run" in at.info[0].value
    assert "python -m etl import canonical DIR" in at.info[0].value
    assert not at.dataframe and not at.metric


def test_a_warehouse_without_rows_shows_the_empty_state(monkeypatch, tmp_path):
    connect(tmp_path / "warehouse.duckdb").close()
    at = run_app(monkeypatch, tmp_path / "warehouse.duckdb")
    assert "No data yet" in at.info[0].value


def test_a_filled_warehouse_shows_kpis_loads_quarantine_and_checks(monkeypatch, tmp_path):
    at = run_app(monkeypatch, fill_small_warehouse(tmp_path / "warehouse.duckdb"))
    assert [m.label for m in at.metric] == [
        "Entities loaded",
        "Rows in staging",
        "Open quarantined rows",
        "Failed expectations",
    ]
    assert [m.value for m in at.metric] == ["4 of 17", "8", "2", "1 of 3"]
    assert "harvest-csv" in at.error[0].value and "missing required column" in at.error[0].value
    reasons = quarantine_table(at)["reason"].tolist()
    assert reasons == [FILE_REASON, OPEN_REASON]
    assert RESOLVED_REASON not in reasons
    checks = next(df.value for df in at.dataframe if "expectation" in df.value.columns)
    assert checks["success"].tolist() == [False, True, True]
    assert not at.info  # no empty state


def test_the_quarantine_filters_narrow_the_table(monkeypatch, tmp_path):
    at = run_app(monkeypatch, fill_small_warehouse(tmp_path / "warehouse.duckdb"))
    file_filter = next(m for m in at.multiselect if m.label == "File")
    file_filter.select("time_entries.csv").run()
    assert quarantine_table(at)["reason"].tolist() == [OPEN_REASON]
    assert any(c.value.startswith("1 of 2 open rows") for c in at.caption)


def test_a_running_load_shows_a_busy_notice(monkeypatch, tmp_path):
    db = fill_small_warehouse(tmp_path / "warehouse.duckdb")
    with held_by_writer(db):
        at = run_app(monkeypatch, db)
    assert "writing to the warehouse" in at.warning[0].value
    assert not at.dataframe


def test_the_demo_firm_renders_with_every_entity_loaded(monkeypatch, tmp_path):
    """The demo through the real CLI path, then the page a new user sees after `make run`."""
    db = build_demo(tmp_path / "warehouse.duckdb")
    at = run_app(monkeypatch, db)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Entities loaded"] == "17 of 17"
    assert metrics["Open quarantined rows"] == "0"
    con = connect(db)
    tables = [e.name for e in CSV_ENTITIES] + ["firm", "contracts", "contract_workstreams"]
    staged = sum(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables)
    con.close()
    assert metrics["Rows in staging"] == f"{staged:,}"


def test_scheduled_jobs_show_their_last_run_and_result(monkeypatch, tmp_path):
    db = fill_small_warehouse(tmp_path / "warehouse.duckdb")
    at = run_app(monkeypatch, db)
    assert "No scheduled job has run yet" in " ".join(c.value for c in at.caption)
    con = connect(db)
    con.execute(
        """INSERT INTO job_runs VALUES
        ('sync', '2026-11-09T09:00', 'ok', TIMESTAMPTZ '2026-11-09 09:00:01+00',
         TIMESTAMPTZ '2026-11-09 09:00:03+00', 'harvest: 4 row(s) changed, 1 request(s)'),
        ('sync', '2026-11-09T09:15', 'failed', TIMESTAMPTZ '2026-11-09 09:15:01+00',
         TIMESTAMPTZ '2026-11-09 09:15:02+00', 'harvest: 401 Unauthorized'),
        ('rules', '2026-11-09', 'ok', TIMESTAMPTZ '2026-11-09 02:00:00+00',
         TIMESTAMPTZ '2026-11-09 02:00:09+00', '12 exception(s): 2 new, 1 resolved')"""
    )
    con.close()
    at = run_app(monkeypatch, db)
    jobs = next(df.value for df in at.dataframe if "job" in df.value.columns)
    assert jobs[["job", "slot", "status", "message"]].values.tolist() == [
        ["rules", "2026-11-09", "ok", "12 exception(s): 2 new, 1 resolved"],
        ["sync", "2026-11-09T09:15", "failed", "harvest: 401 Unauthorized"],
    ]


def validation_column(at: AppTest) -> dict:
    loads = next(df.value for df in at.dataframe if "validation" in df.value.columns)
    shown = loads["validation"].astype(object).where(loads["validation"].notna(), None)
    return dict(zip(loads["source"], shown, strict=True))


def unsettled_warning(at: AppTest) -> str:
    return next(w.value for w in at.warning if "great-expectations suite" in w.value)


def test_each_load_shows_its_validation_and_unsettled_ones_are_listed(monkeypatch, tmp_path):
    db = fill_small_warehouse(tmp_path / "warehouse.duckdb")
    con = connect(db)
    con.execute(
        """INSERT INTO load_log VALUES (4, 'toggl-csv', '/exports/toggl.csv',
           '2025-02-05 10:00:00+00', '2025-02-05 10:00:02+00', 'ok', null)"""
    )
    con.execute(
        "INSERT INTO load_validation (load_id, status, queued_at) VALUES (4, 'pending', "
        "'2025-02-05 10:00:02+00')"
    )
    con.close()
    at = run_app(monkeypatch, db)
    # load 2 (canonical) has a failed expectation in validation_results; load 3 failed whole
    # (nothing to validate); load 4 waits for its validator
    assert validation_column(at) == {
        "toggl-csv": "pending",
        "harvest-csv": None,
        "canonical": "failed",
    }
    text = unsettled_warning(at)
    assert "1 load(s) failed validation and 1 load(s) not validated yet" in text
    assert "load 4 (toggl-csv, /exports/toggl.csv): not validated yet" in text
    assert "load 2 (canonical, /imports/2025-02): 1 of 2 expectations failed" in text


def test_a_load_validated_after_its_commit_shows_passed_and_no_warning(monkeypatch, tmp_path):
    from etl import validation
    from etl.loader import import_canonical
    from tests.conftest import write_folder
    from tests.etl.canonical_fixtures import BASE_FILES

    db = tmp_path / "warehouse.duckdb"
    con = connect(db)
    report = import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
    con.close()
    at = run_app(monkeypatch, db)
    assert validation_column(at) == {"canonical": "pending"}
    assert "load 1 (canonical" in unsettled_warning(at)
    assert validation.validate_load(validation.file_opener(db), report.load_id).status == "passed"
    at = run_app(monkeypatch, db)
    assert validation_column(at) == {"canonical": "passed"}
    assert not any("great-expectations suite" in w.value for w in at.warning)
