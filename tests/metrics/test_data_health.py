"""The Data health queries against the hand-filled warehouse of tests/support/warehouse.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from read_models import data_health as dh
from tests.support.warehouse import (
    FILE_REASON,
    OPEN_REASON,
    fill_small_warehouse,
    held_by_writer,
)
from warehouse.db import connect
from warehouse.sessions import WarehouseBusy, read_only, warehouse_stamp


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def small_db(tmp_path):
    return fill_small_warehouse(tmp_path / "warehouse.duckdb")


@pytest.fixture
def health(small_db) -> dh.DataHealth:
    return dh.data_health(small_db)


def test_a_missing_warehouse_reads_as_empty_frames(tmp_path):
    health = dh.data_health(tmp_path / "nowhere.duckdb")
    assert health.is_empty
    frames = [health.entities, health.loads, health.load_entities, health.quarantine]
    assert all(frame.is_empty() for frame in [*frames, health.expectations])
    assert "reason" in health.quarantine.columns  # empty, but with the real columns
    assert not (tmp_path / "nowhere.duckdb").exists()  # reading never creates it


def test_a_migrated_warehouse_without_rows_reads_as_empty(tmp_path):
    connect(tmp_path / "warehouse.duckdb").close()
    health = dh.data_health(tmp_path / "warehouse.duckdb")
    assert health.is_empty
    assert health.kpis() == dh.Kpis(0, len(dh.STAGING_TABLES), 0, 0, 0, 0, 0)


def test_rows_per_entity_lists_every_staging_table_in_load_order(health):
    entities = health.entities
    assert entities["entity"].to_list() == list(dh.STAGING_TABLES)
    assert {"firm", "contracts", "contract_workstreams", "time_entries"} <= set(dh.STAGING_TABLES)
    counts = dict(zip(entities["entity"], entities["row_count"], strict=True))
    assert {name: n for name, n in counts.items() if n} == {
        "clients": 2,
        "people": 1,
        "contract_workstreams": 1,
        "time_entries": 4,
    }
    by_entity = {row["entity"]: row for row in entities.iter_rows(named=True)}
    assert by_entity["time_entries"]["sources"] == "canonical"
    assert by_entity["time_entries"]["last_updated_at"] == utc(2025, 2, 3, 9, 2)
    # contract_workstreams has no bookkeeping columns: no source, no timestamp
    assert by_entity["contract_workstreams"]["sources"] is None
    assert by_entity["firm"]["last_updated_at"] is None


def test_last_load_per_source_is_the_newest_whatever_its_outcome(health):
    loads = health.loads.to_dicts()
    assert [load["source"] for load in loads] == ["harvest-csv", "canonical"]
    harvest, canonical = loads
    assert harvest["status"] == "failed"
    assert harvest["message"] == "harvest.csv: missing required column Hours"
    assert harvest["last_ok_at"] is None
    assert harvest["entity_count"] == harvest["new_rows"] == harvest["quarantined_rows"] == 0
    # load 2, not load 1: clients 0/0/2/0 + time entries 1/1/2/1
    assert canonical["load_id"] == 2
    assert canonical["path"] == "/imports/2025-02"
    assert canonical["finished_at"] == utc(2025, 2, 3, 9, 2)
    assert canonical["last_ok_at"] == utc(2025, 2, 3, 9, 2)
    counts = [canonical[c] for c in ("new_rows", "updated_rows", "unchanged_rows")]
    assert counts == [1, 1, 4]
    assert (canonical["entity_count"], canonical["quarantined_rows"]) == (2, 1)


def test_load_entity_stats_are_those_of_the_last_loads(health):
    rows = health.load_entities.select(
        "source",
        "entity",
        "file",
        "new_rows",
        "updated_rows",
        "unchanged_rows",
        "quarantined_rows",
        "load_id",
    ).rows()
    assert rows == [
        ("canonical", "clients", "clients.csv", 0, 0, 2, 0, 2),
        ("canonical", "time_entries", "time_entries.csv", 1, 1, 2, 1, 2),
    ]


def test_open_quarantine_leaves_out_resolved_rows_newest_first(health):
    quarantine = health.quarantine
    assert quarantine["reason"].to_list() == [FILE_REASON, OPEN_REASON]
    assert quarantine["file"].to_list() == ["harvest.csv", "time_entries.csv"]
    assert quarantine["line"].to_list() == [1, 4]
    assert quarantine["record_key"].to_list() == [None, "TE-12"]
    assert json.loads(quarantine["raw"][1]) == {"entry_id": "TE-12", "person_id": "P-404"}
    assert quarantine["raw"][0] is None


def test_latest_expectations_per_entity_failures_first(health):
    rows = health.expectations.select(
        "entity",
        "column_name",
        "success",
        "unexpected_count",
        "element_count",
        "unexpected_pct",
        "load_id",
    ).rows()
    assert rows == [
        ("time_entries", "hours", False, 1, 4, 25.0, 2),
        # clients were last validated by load 1, time entries by load 2 (load 1's result is gone)
        ("clients", "client_id", True, 0, 2, 0.0, 1),
        ("time_entries", "entry_id", True, 0, 4, 0.0, 2),
    ]


def test_kpis(health):
    assert health.kpis() == dh.Kpis(
        entities_loaded=4,
        entity_count=len(dh.STAGING_TABLES),
        total_rows=8,
        open_quarantined_rows=2,
        failed_expectations=1,
        expectation_count=3,
        failed_sources=1,
    )


def test_filter_quarantine_by_entity_and_file(health):
    quarantine = health.quarantine
    assert dh.filter_quarantine(quarantine).height == 2
    assert dh.filter_quarantine(quarantine, ["time_entries"]).height == 2
    assert dh.filter_quarantine(quarantine, ["clients"]).is_empty()
    only_file = dh.filter_quarantine(quarantine, files=["harvest.csv"])
    assert only_file["reason"].to_list() == [FILE_REASON]


def test_reading_leaves_the_warehouse_free_for_the_next_load(small_db):
    dh.data_health(small_db)
    con = connect(small_db)  # a writer gets in: no reader kept the file open
    con.close()


def test_a_running_load_makes_the_warehouse_busy_not_broken(small_db):
    with held_by_writer(small_db), pytest.raises(WarehouseBusy), read_only(small_db):
        pass


def test_the_stamp_changes_when_a_load_commits(small_db):
    before = warehouse_stamp(small_db)
    con = connect(small_db)
    con.execute("insert into load_log values (4, 'canonical', 'x', now(), now(), 'ok', null)")
    con.close()
    assert warehouse_stamp(small_db) != before
    assert warehouse_stamp(small_db)[0] == str(small_db)
