"""Data health: what the warehouse holds, what each source's last load did, what was held back
in quarantine and why, and how the latest data-contract checks went."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import polars as pl

from etl.contract import CSV_ENTITIES
from read_models.sql_files import sql
from warehouse.sessions import read_only

# Every staging table, in load order; firm and the contracts.yaml tables are not CSV entities.
STAGING_TABLES: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            "firm",
            "clients",
            "people",
            "projects",
            "contracts",
            "contract_workstreams",
            *(entity.name for entity in CSV_ENTITIES),
        )
    )
)

# Staging tables without the bookkeeping columns (_source, _updated_at) read NULL for them.
_ENTITY_ROWS = """
select
    '{table}' as entity,
    count(*)::bigint as row_count,
    {sources} as sources,
    {updated} as last_updated_at
from "{table}"
"""


def _columns_by_table(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'main' and list_contains(?, table_name)",
        [list(STAGING_TABLES)],
    ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return columns


def rows_per_entity(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per staging table (entity, row_count, sources, last_updated_at), in load order.

    Empty when the warehouse holds no rows at all; otherwise empty entities show as 0."""
    columns = _columns_by_table(con)
    selects = []
    for table in (t for t in STAGING_TABLES if t in columns):
        tracked = {"_source", "_updated_at"} <= columns[table]
        selects.append(
            _ENTITY_ROWS.format(
                table=table,
                sources="string_agg(distinct _source, ', ' order by _source)"
                if tracked
                else "null::varchar",
                updated="max(_updated_at)" if tracked else "null::timestamptz",
            )
        )
    frame = con.sql(" union all ".join(selects)).pl()
    if frame["row_count"].sum() == 0:
        return frame.clear()
    return frame


def source_last_loads(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per source: its most recent load (source, status, path, started_at, finished_at,
    message, entity_count, new/updated/unchanged/quarantined_rows, last_ok_at, load_id)."""
    return con.sql(sql("data_health/source_last_loads")).pl()


def load_validations(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per validated or validating load, newest first: load_id, source, path,
    loaded_at, validation (pending | running | passed | failed), expectations,
    failed_expectations, validation_error, validated_at."""
    return con.sql(sql("data_health/load_validations")).pl()


def with_validation(loads: pl.DataFrame, validations: pl.DataFrame) -> pl.DataFrame:
    """`loads` with each load's `validation` status (null: a failed load, nothing to check)."""
    return loads.join(
        validations.select("load_id", "validation"), on="load_id", how="left", maintain_order="left"
    )


def unsettled_validations(validations: pl.DataFrame) -> pl.DataFrame:
    """The loads whose validation failed or has not finished: what the page warns about."""
    return validations.filter(pl.col("validation") != "passed")


def job_last_runs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per scheduled job: its latest run (job, slot, status, started_at, finished_at,
    message)."""
    return con.sql(sql("data_health/job_last_runs")).pl()


def load_entity_stats(con: duckdb.DuckDBPyConnection, load_ids: Iterable[int]) -> pl.DataFrame:
    """One row per (load, entity, file) of the given loads: new/updated/unchanged/quarantined."""
    return con.sql(sql("data_health/load_entity_stats"), params=[list(load_ids)]).pl()


def open_quarantine(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The unresolved quarantined rows (file, line, entity, record_key, reason, raw), newest first."""
    return con.sql(sql("data_health/open_quarantine")).pl()


def latest_expectations(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The great-expectations results of each entity's most recent validation, failures first."""
    return con.sql(sql("data_health/latest_expectations")).pl()


def filter_quarantine(
    quarantine: pl.DataFrame, entities: Iterable[str] = (), files: Iterable[str] = ()
) -> pl.DataFrame:
    """The rows of the chosen entities and files; an empty choice keeps everything."""
    entities, files = list(entities), list(files)
    if entities:
        quarantine = quarantine.filter(pl.col("entity").is_in(entities))
    if files:
        quarantine = quarantine.filter(pl.col("file").is_in(files))
    return quarantine


@dataclass(frozen=True)
class Kpis:
    entities_loaded: int
    entity_count: int
    total_rows: int
    open_quarantined_rows: int
    failed_expectations: int
    expectation_count: int
    failed_sources: int


@dataclass(frozen=True)
class DataHealth:
    """Everything the Data health page shows, read in one pass over the warehouse."""

    entities: pl.DataFrame
    loads: pl.DataFrame
    load_entities: pl.DataFrame
    quarantine: pl.DataFrame
    expectations: pl.DataFrame
    jobs: pl.DataFrame  # the scheduled jobs' last runs (python -m jobs)
    validations: pl.DataFrame  # every load's great-expectations status (load_validations)

    @property
    def is_empty(self) -> bool:
        """Nothing loaded and nothing attempted: no rows, no load, no quarantine."""
        return self.entities.is_empty() and self.loads.is_empty() and self.quarantine.is_empty()

    def kpis(self) -> Kpis:
        return Kpis(
            entities_loaded=self.entities.filter(pl.col("row_count") > 0).height,
            entity_count=len(STAGING_TABLES),
            total_rows=int(self.entities["row_count"].sum()),
            open_quarantined_rows=self.quarantine.height,
            failed_expectations=self.expectations.filter(~pl.col("success")).height,
            expectation_count=self.expectations.height,
            failed_sources=self.loads.filter(pl.col("status") == "failed").height,
        )


def data_health(db: str | os.PathLike | None = None) -> DataHealth:
    """Reads the whole Data health picture through one short-lived read-only connection."""
    with read_only(db) as con:
        loads = source_last_loads(con)
        validations = load_validations(con)
        return DataHealth(
            entities=rows_per_entity(con),
            loads=with_validation(loads, validations),
            load_entities=load_entity_stats(con, loads["load_id"]),
            quarantine=open_quarantine(con),
            expectations=latest_expectations(con),
            jobs=job_last_runs(con),
            validations=validations,
        )
