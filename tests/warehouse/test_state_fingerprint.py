"""The fingerprint of every table a report may read (warehouse/state_fingerprint.py): any
change to such a table changes it, including a table added after the module was written;
the logs, the raw layer and the stored reads do not."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.app_writes import insert_one, update_one
from warehouse import state_fingerprint

NOW = datetime(2026, 11, 7, 9, 30, tzinfo=UTC)


def add_client(con, client_id: str, name: str) -> None:
    insert_one(con, "clients", {"client_id": client_id, "name": name, "currency": "USD"})


def test_a_change_to_a_read_table_changes_it(con):
    empty = state_fingerprint.fingerprint(con)
    add_client(con, "CL-1", "Acme")  # a staging table: its _row_hash and _load_id
    one = state_fingerprint.fingerprint(con)
    assert one != empty
    update_one(con, "clients", "CL-1", {"name": "Acme Corp"})
    renamed = state_fingerprint.fingerprint(con)
    assert renamed != one
    # A table written outside staging (no _row_hash) is hashed row by row: a new value counts.
    con.execute("INSERT INTO app_settings VALUES ('DSO_TARGET_DAYS', '40', 'ada', ?)", [NOW])
    setting = state_fingerprint.fingerprint(con)
    assert setting != renamed
    con.execute("UPDATE app_settings SET value = '45'")
    assert state_fingerprint.fingerprint(con) != setting


def test_logs_raw_copies_and_stored_reads_do_not_count(con):
    add_client(con, "CL-1", "Acme")  # also writes the raw layer and the load log
    tables = {name for name, _ in state_fingerprint.read_tables(con)}
    assert {"clients", "time_entries", "exceptions", "app_settings", "payments"} <= tables
    assert not tables & {"audit_log", "load_log", "stored_reads", "trend_snapshot"}
    assert not any(name.startswith("raw_") for name in tables)
    before = state_fingerprint.fingerprint(con)
    con.execute(
        "INSERT INTO audit_log (audit_id, logged_at, actor, action, object_type, object_id) "
        "VALUES (1, ?, 'ada', 'sign_in', 'user', 'ada')",
        [NOW],
    )
    con.execute(
        "INSERT INTO stored_reads (reader, range_start, range_end, grain) VALUES ('r', DATE '2026-10-01', DATE '2026-10-31', 'month')"
    )
    assert state_fingerprint.fingerprint(con) == before


def test_a_table_added_later_counts_by_default(con):
    con.execute("CREATE TABLE budgets (project_id VARCHAR, amount DECIMAL(18, 2))")
    before = state_fingerprint.fingerprint(con)
    con.execute("INSERT INTO budgets VALUES ('PR-1', 1000.00)")
    assert state_fingerprint.fingerprint(con) != before
