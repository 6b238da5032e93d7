"""Importing a canonical folder (the data contract's files, firm.yaml, contracts.yaml,
calendars): each file read and staged inside one run of etl/load_run.py.

`ETL_PAUSE_AFTER_FIRST_ENTITY=SECONDS` (read only in `_pause_for_crash_test`) makes a canonical
import sleep inside its transaction right after the first entity is written: the
crash-consistency test kills the process there and checks nothing of the run remains."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb
import yaml

from etl.contract import CONTRACTS, CSV_ENTITIES, ENTITIES, FIRM, Entity
from etl.contracts_yaml import ContractError, parse_contracts, parse_firm
from etl.csv_source import FileRejected, SourceFile, drop_source, read_csv_file
from etl.export_import import stage_ics_file
from etl.load_run import LoadReport, run_load, stage_frame, strings_frame
from etl.staging import EntityStats, Load, Rejected, quarantine_rejected, stage_entity
from etl.yaml_nodes import read_yaml_text

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
        con, load, entity, path.name, source.table, source.columns, rejected, row_id="_line"
    )
    drop_source(con, source.table)
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
    stats = stage_frame(con, load, FIRM, path.name, strings_frame([row], FIRM), [])
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
    frame = strings_frame(parsed.rows, CONTRACTS)
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
    read: list[str] = []  # the entities whose file prepare began to read

    def prepare() -> None:
        for entity in CSV_ENTITIES:
            if (folder / entity.file).exists():
                read.append(entity.name)
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
        for name in read:
            drop_source(con, f"src_{name}")


__all__ = ["ENTITIES", "LoadReport", "import_canonical", "run_load", "stage_frame"]
