"""One import run end to end: a load id, one transaction, per-entity staging, the load log.
A run that fails anywhere rolls back whole and is logged as failed.

`ETL_PAUSE_AFTER_FIRST_ENTITY=SECONDS` (read only in `_pause_for_crash_test`) makes a canonical
import sleep inside its transaction right after the first entity is written: the
crash-consistency test kills the process there and checks nothing of the run remains."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import yaml

from core import clock
from etl.contract import CONTRACTS, CSV_ENTITIES, ENTITIES, FIRM, Entity
from etl.contracts_yaml import ContractError, parse_contracts, parse_firm
from etl.csv_source import FileRejected, SourceFile, drop_source, read_csv_file
from etl.staging import (
    EntityStats,
    Load,
    Rejected,
    quarantine_rejected,
    stage_entity,
    warm_up_validation,
)
from etl.yaml_nodes import read_yaml_text
from warehouse.db import scalar, transaction

WORKSTREAM_COLUMNS = (
    "contract_id",
    "position",
    "project_id",
    "billing",
    "fee",
    "bill_on",
    "monthly_fee",
    "included_hours",
    "overage_rate",
    "rollover_max_hours",
    "rollover_expires_after_months",
    "rush_multiplier",
    "rush_counts_against_retainer",
    "cap_amount",
    "cap_scope",
    "tiers",
)


@dataclass
class LoadReport:
    load_id: int
    source: str
    entities: list[EntityStats] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)  # whole files refused

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.entities)


def _start(con: duckdb.DuckDBPyConnection, source: str, path: Path | str) -> Load:
    load_id = scalar(con, "SELECT nextval('load_id_seq')")
    return Load(load_id, source, str(path), clock.now())


def _log(con, load: Load, status: str, message: str | None) -> None:
    """Wall-clock start and end (now() would give the transaction's start for both)."""
    con.execute(
        "INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?)",
        [load.load_id, load.source, load.path, load.started_at, clock.now(), status, message],
    )


def _record_stats(con, load: Load, stats: EntityStats) -> None:
    con.execute(
        "INSERT INTO load_entity_stats VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            load.load_id,
            stats.entity,
            stats.file,
            stats.new,
            stats.updated,
            stats.unchanged,
            stats.quarantined,
        ],
    )


def run_load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path | str,
    body: Callable[[Load, LoadReport], None],
    prepare: Callable[[], None] | None = None,
) -> LoadReport:
    """Runs `body` inside one transaction; on any error the warehouse is left as it was.
    `prepare` runs first, outside the transaction: reading files into temp tables, where a
    failed statement (DuckDB's CSV reader giving up) must not abort the transaction."""
    warm_up_validation()  # every load validates: GX's import overlaps the reading
    load = _start(con, source, path)
    report = LoadReport(load.load_id, source)
    try:
        if prepare is not None:
            prepare()
        with transaction(con):
            body(load, report)
            for stats in report.entities:
                _record_stats(con, load, stats)
            message = "; ".join(report.file_errors) or None
            _log(con, load, "ok", message)
    except Exception as err:
        _log(con, load, "failed", f"{type(err).__name__}: {err}")
        raise
    return report


def validator(entity: Entity) -> Callable:
    """The great-expectations suite of `entity`, as the staging step's `validate` hook. GX and
    pandas are imported on the first validation, not with the loader (`etl --help` stays
    fast)."""

    def validate(frame):
        from etl import expectations

        return expectations.validate_entity(entity, frame)

    return validate


def record_validation(con, load: Load, stats: EntityStats) -> None:
    for result in stats.validation:
        con.execute(
            "INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
            [
                load.load_id,
                stats.entity,
                result.expectation,
                result.column,
                result.success,
                result.element_count,
                result.unexpected_count,
                json.dumps(result.details, default=str),
            ],
        )


def stage_frame(
    con, load: Load, entity: Entity, file: str, frame: pl.DataFrame, rejected: list[Rejected]
) -> EntityStats:
    """Stages rows that arrive as a frame of strings with `_line` (YAML files, exports)."""
    con.register("_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE frame_src AS SELECT * FROM _frame")
    con.unregister("_frame")
    stats = stage_entity(
        con, load, entity, file, "frame_src", frame.columns, rejected, validator(entity)
    )
    record_validation(con, load, stats)
    return stats


def _strings_frame(rows: list[dict], entity: Entity) -> pl.DataFrame:
    columns = {"_line": pl.Series([r["_line"] for r in rows], dtype=pl.Int64)}
    for name in entity.column_names:
        columns[name] = pl.Series([r.get(name) for r in rows], dtype=pl.Utf8)
    return pl.DataFrame(columns)


PAUSE_ENV = "ETL_PAUSE_AFTER_FIRST_ENTITY"


def _pause_for_crash_test(report: LoadReport) -> None:
    """The one place PAUSE_ENV is read: sleeps once, inside the transaction, after the first
    entity was written, saying so on stderr, so a test can SIGKILL the import right there."""
    seconds = os.environ.get(PAUSE_ENV)
    if not seconds or len(report.entities) != 1:
        return
    print(f"paused after {report.entities[0].entity} ({PAUSE_ENV})", file=sys.stderr, flush=True)
    time.sleep(float(seconds))


def read_source(con, path: Path, entity: Entity) -> SourceFile | FileRejected:
    """The file in temp table `src_<entity>`, or why it cannot load (outside the transaction)."""
    try:
        return read_csv_file(con, path, entity, table=f"src_{entity.name}")
    except FileRejected as err:
        return err.with_traceback(None)  # kept until staging: hold no frames (no connection)


def load_csv(
    con,
    load: Load,
    report: LoadReport,
    entity: Entity,
    path: Path,
    source: SourceFile | FileRejected,
) -> None:
    """Stages one CSV file from what read_source read before the transaction opened."""
    if isinstance(source, FileRejected):
        err = source
        report.file_errors.append(str(err))
        quarantine_rejected(con, load, entity.name, path.name, [Rejected(1, err.reason, {})])
        report.entities.append(
            EntityStats(entity.name, path.name, quarantined=1, notes=[err.reason])
        )
        return
    rejected = [Rejected(r.line, r.reason, r.raw) for r in source.ragged]
    stats = stage_entity(
        con, load, entity, path.name, source.table, source.columns, rejected, validator(entity)
    )
    drop_source(con, source.table)
    record_validation(con, load, stats)
    stats.notes += source.notes
    report.entities.append(stats)


def _yaml_error_line(err: Exception) -> int:
    """The line a YAML or contract error points at (1 when it names none)."""
    mark = getattr(err, "problem_mark", None)
    return getattr(err, "line", None) or (mark.line + 1 if mark is not None else 1)


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())


def load_firm(con, load: Load, report: LoadReport, path: Path) -> None:
    try:
        row = parse_firm(read_yaml_text(path))
    except (ContractError, ValueError, yaml.YAMLError) as err:
        line = _yaml_error_line(err)
        report.file_errors.append(f"{path.name}: {_one_line(err)}")
        quarantine_rejected(con, load, "firm", path.name, [Rejected(line, str(err), {})])
        report.entities.append(EntityStats("firm", path.name, quarantined=1, notes=[str(err)]))
        return
    stats = stage_frame(con, load, FIRM, path.name, _strings_frame([row], FIRM), [])
    if stats.quarantined == 0:
        con.execute("DELETE FROM firm WHERE name <> ?", [row["name"]])  # one firm per warehouse
    report.entities.append(stats)


def load_contracts(con, load: Load, report: LoadReport, path: Path) -> None:
    projects = {r[0] for r in con.execute("SELECT project_id FROM projects").fetchall()}
    try:
        parsed = parse_contracts(read_yaml_text(path), projects)
    except (ContractError, ValueError, yaml.YAMLError) as err:
        line = _yaml_error_line(err)
        report.file_errors.append(f"{path.name}: {_one_line(err)}")
        quarantine_rejected(con, load, "contracts", path.name, [Rejected(line, str(err), {})])
        report.entities.append(EntityStats("contracts", path.name, quarantined=1, notes=[str(err)]))
        return
    frame = _strings_frame(parsed.rows, CONTRACTS)
    stats = stage_frame(con, load, CONTRACTS, path.name, frame, parsed.rejected)
    _replace_workstreams(con, parsed.workstreams)
    report.entities.append(stats)


def _replace_workstreams(con, workstreams: list[dict]) -> None:
    """Workstreams follow their contract: those of every contract staged now are replaced."""
    changed = {
        r[0]
        for r in con.execute(
            "SELECT _key FROM _checked WHERE _reason = '' AND _change <> 'unchanged'"
        ).fetchall()
    }
    con.execute(
        "DELETE FROM contract_workstreams WHERE list_contains(?, contract_id)", [sorted(changed)]
    )
    rows = [
        [ws[c] for c in WORKSTREAM_COLUMNS] for ws in workstreams if ws["contract_id"] in changed
    ]
    if rows:
        marks = ", ".join("?" for _ in WORKSTREAM_COLUMNS)
        con.executemany(f"INSERT INTO contract_workstreams VALUES ({marks})", rows)


def load_calendars(con, load: Load, report: LoadReport, folder: Path) -> None:
    """The contract allows calendar_events.csv or *.ics: each .ics is one person's calendar."""
    from etl.export_import import stage_ics_file  # the export layer builds on this module

    for path in sorted(folder.glob("*.ics")):
        stage_ics_file(con, load, report, path)


def import_canonical(
    con: duckdb.DuckDBPyConnection, folder: Path, label: str | None = None
) -> LoadReport:
    """Loads every file of the data contract found in `folder`, in dependency order.
    `label` replaces the folder in the load log (the demo's folder is temporary)."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    sources: dict[str, SourceFile | FileRejected] = {}

    def prepare() -> None:
        for entity in CSV_ENTITIES:
            if (folder / entity.file).exists():
                sources[entity.name] = read_source(con, folder / entity.file, entity)

    def body(load: Load, report: LoadReport) -> None:
        if (folder / "firm.yaml").exists():
            load_firm(con, load, report, folder / "firm.yaml")
            _pause_for_crash_test(report)
        for entity in CSV_ENTITIES:
            if entity.name == "sow_lines" and (folder / "contracts.yaml").exists():
                load_contracts(con, load, report, folder / "contracts.yaml")
            if entity.name in sources:
                load_csv(con, load, report, entity, folder / entity.file, sources[entity.name])
                _pause_for_crash_test(report)
            if entity.name == "calendar_events":
                load_calendars(con, load, report, folder)
        if not report.entities:
            raise FileNotFoundError(f"{folder} holds none of the data contract's files")

    try:
        return run_load(con, "canonical", label or folder, body, prepare)
    finally:
        for entity in CSV_ENTITIES:
            drop_source(con, f"src_{entity.name}")


__all__ = ["ENTITIES", "LoadReport", "import_canonical", "run_load", "stage_frame"]
