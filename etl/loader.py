"""One import run end to end: a load id, one transaction, per-entity staging, the load log.
A run that fails anywhere rolls back whole and is logged as failed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from etl import expectations
from etl.contract import CONTRACTS, CSV_ENTITIES, ENTITIES, FIRM, Entity
from etl.contracts_yaml import ContractError, parse_contracts, parse_firm
from etl.csv_source import FileRejected, read_csv_file
from etl.staging import EntityStats, Load, Rejected, quarantine_rejected, stage_entity
from etl.warehouse import scalar, transaction
from etl.yaml_nodes import YamlRefused, read_yaml_text

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
    return Load(load_id, source, str(path), datetime.now(UTC))


def _log(con, load: Load, status: str, message: str | None) -> None:
    """Wall-clock start and end (now() would give the transaction's start for both)."""
    con.execute(
        "INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?)",
        [load.load_id, load.source, load.path, load.started_at, datetime.now(UTC), status, message],
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
) -> LoadReport:
    """Runs `body` inside one transaction; on any error the warehouse is left as it was."""
    load = _start(con, source, path)
    report = LoadReport(load.load_id, source)
    try:
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
    """The great-expectations suite of `entity`, as the staging step's `validate` hook."""
    return lambda frame: expectations.validate_entity(entity, frame)


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


def load_csv(con, load: Load, report: LoadReport, entity: Entity, path: Path) -> None:
    try:
        source = read_csv_file(con, path, entity)
    except FileRejected as err:
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
    record_validation(con, load, stats)
    stats.notes += source.notes
    report.entities.append(stats)


def load_firm(con, load: Load, report: LoadReport, path: Path) -> None:
    try:
        row = parse_firm(read_yaml_text(path))
    except (ContractError, ValueError) as err:
        line = (
            getattr(err, "line", None) or getattr(getattr(err, "problem_mark", None), "line", 0) + 1
        )
        if isinstance(err, YamlRefused):  # unreadable, not merely wrong: the run fails
            report.file_errors.append(f"{path.name}: {err}")
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
    except (ContractError, ValueError) as err:
        line = getattr(err, "line", None) or 1
        report.file_errors.append(f"{path.name}: {err}")
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

    def body(load: Load, report: LoadReport) -> None:
        if (folder / "firm.yaml").exists():
            load_firm(con, load, report, folder / "firm.yaml")
        for entity in CSV_ENTITIES:
            if entity.name == "sow_lines" and (folder / "contracts.yaml").exists():
                load_contracts(con, load, report, folder / "contracts.yaml")
            path = folder / entity.file
            if path.exists():
                load_csv(con, load, report, entity, path)
            if entity.name == "calendar_events":
                load_calendars(con, load, report, folder)
        if not report.entities:
            raise FileNotFoundError(f"{folder} holds none of the data contract's files")

    return run_load(con, "canonical", label or folder, body)


__all__ = ["ENTITIES", "LoadReport", "import_canonical", "run_load", "stage_frame"]
