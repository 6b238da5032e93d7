"""The warehouse schema is versioned: an older file is upgraded in place and keeps its data."""

from __future__ import annotations

import duckdb

from etl.contract import CSV_ENTITIES
from etl.loader import import_canonical
from tests.conftest import write_folder
from tests.etl.canonical_fixtures import BASE_FILES
from warehouse.db import LATEST_VERSION, connect, migrate, resolve_db_path, schema_version


def test_new_warehouse_is_at_the_latest_version(con):
    assert schema_version(con) == LATEST_VERSION >= 2


def test_version_1_warehouse_is_upgraded_in_place_keeping_its_data(db_path, tmp_path):
    old = duckdb.connect(str(db_path))
    assert migrate(old, target=1) == 1
    old.execute(
        "INSERT INTO clients VALUES ('CL-1', 'Acme', 'USD', 30, 0, NULL, 'active', 42, 1, 'canonical', now())"
    )
    old.execute(
        "INSERT INTO quarantine VALUES (1, 'canonical', 'x.csv', 2, 'clients', 'CL-2', 'bad', NULL, now(), NULL)"
    )
    old.close()

    con = connect(db_path)
    assert schema_version(con) == LATEST_VERSION
    assert con.execute("SELECT client_id, name FROM clients").fetchall() == [("CL-1", "Acme")]
    assert con.execute("SELECT reason, row_hash FROM quarantine").fetchall() == [("bad", None)]
    # and the upgraded warehouse takes new loads
    import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
    assert con.execute("SELECT count(*) FROM clients").fetchall() == [(3,)]


def test_staging_tables_have_exactly_the_contract_columns(con):
    for entity in CSV_ENTITIES:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND column_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY ordinal_position",
                [entity.name],
            ).fetchall()
        ]
        assert cols == entity.column_names, entity.name


def test_db_path_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("WAREHOUSE_DB", raising=False)
    assert resolve_db_path(None).name == "warehouse.duckdb"
    monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path(None) == tmp_path / "env.duckdb"
    assert resolve_db_path(tmp_path / "flag.duckdb") == tmp_path / "flag.duckdb"


def test_a_migration_that_landed_after_a_higher_one_still_runs(db_path):
    """Branches land in any order: a warehouse that ran 1-5 and 7 (7 merged first) still
    gets 6 (billing_locks) and everything after 7."""
    from warehouse.db import migrations

    old = duckdb.connect(str(db_path))
    assert migrate(old, target=5) == 5
    seventh = dict(migrations())[7]
    old.execute(seventh.read_text())
    old.execute("INSERT INTO schema_version VALUES (7, now())")
    old.close()

    con = connect(db_path)
    versions = {v for (v,) in con.execute("SELECT version FROM schema_version").fetchall()}
    assert versions == {v for v, _ in migrations()}
    assert con.execute("SELECT count(*) FROM billing_locks").fetchall() == [(0,)]
