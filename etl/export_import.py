"""Importing a tool's own export file (Harvest, Toggl, Clockify, iCalendar): parse it into
canonical rows, then stage them through the same contract checks as a canonical folder."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.contract import ENTITIES
from etl.exports import parse_export
from etl.exports.batch import ExportBatch
from etl.exports.ics import CalendarNames, parse_ics
from etl.exports.names import KnownNames
from etl.exports.table import ExportFormatError
from etl.loader import LoadReport, run_load, stage_frame
from etl.staging import EntityStats, Load, Rejected, quarantine_rejected

# Parents before children, so new clients exist before the projects that reference them.
EXPORT_ENTITIES = ("clients", "people", "projects", "sow_lines", "time_entries", "calendar_events")


def _main_entity(batch: ExportBatch) -> str:
    """The entity a file's unparseable rows belong to."""
    return "calendar_events" if "calendar_events" in batch.frames else "time_entries"


def stage_batch(con, load: Load, report: LoadReport, path: Path, batch: ExportBatch) -> None:
    """Every frame of a parsed export, parents first; rejected rows join their entity."""
    main = _main_entity(batch)
    rejected = [Rejected(e.line, e.reason, e.raw) for e in batch.errors]
    for name in EXPORT_ENTITIES:
        frame = batch.frames.get(name)
        errors = rejected if name == main else []
        if (frame is None or frame.height == 0) and not errors:
            continue
        if frame is None:
            quarantine_rejected(con, load, name, path.name, errors)
            report.entities.append(EntityStats(name, path.name, quarantined=len(errors)))
            continue
        frame = frame.drop("_file") if "_file" in frame.columns else frame
        stats = stage_frame(con, load, ENTITIES[name], path.name, frame, errors)
        if name == main:
            stats.notes += list(batch.warnings)
            if batch.skipped:
                stats.notes.append(f"{len(batch.skipped)} row(s) skipped, see docs/import.md")
        report.entities.append(stats)


def refuse_file(con, load: Load, report: LoadReport, entity: str, path: Path, err: Exception):
    """A file that is not what it claims to be: one line, nothing from it loads."""
    report.file_errors.append(str(err))
    quarantine_rejected(con, load, entity, path.name, [Rejected(1, str(err), {})])
    report.entities.append(EntityStats(entity, path.name, quarantined=1))


def stage_ics_file(
    con, load: Load, report: LoadReport, path: Path, person_id: str | None = None
) -> None:
    try:
        batch = parse_ics(path, CalendarNames.from_duckdb(con), person_id=person_id)
    except ExportFormatError as err:
        refuse_file(con, load, report, "calendar_events", path, err)
        return
    stage_batch(con, load, report, path, batch)


def import_export(con: duckdb.DuckDBPyConnection, kind: str, path: Path) -> LoadReport:
    """One export file in one transaction; unparseable rows are quarantined with their line."""
    source = kind.removesuffix("-csv")

    def body(load: Load, report: LoadReport) -> None:
        try:
            batch = parse_export(kind, path, KnownNames.from_duckdb(con))
        except ExportFormatError as err:
            refuse_file(con, load, report, "time_entries", path, err)
            return
        stage_batch(con, load, report, path, batch)

    return run_load(con, source, path, body)


def import_ics(
    con: duckdb.DuckDBPyConnection, path: Path, person_id: str | None = None
) -> LoadReport:
    """One .ics file, or every .ics file of a folder (one person's calendar each)."""
    files = sorted(path.glob("*.ics")) if path.is_dir() else [path]
    if not files:
        raise FileNotFoundError(f"{path} holds no .ics files")

    def body(load: Load, report: LoadReport) -> None:
        for file in files:
            stage_ics_file(con, load, report, file, person_id)

    return run_load(con, "ics", path, body)
