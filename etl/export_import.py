"""Importing a tracker's own export file (Harvest, Toggl, Clockify): parse it into canonical
rows, then stage them through the same contract checks as a canonical folder."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.contract import ENTITIES
from etl.exports import parse_export
from etl.exports.common import ExportFormatError, KnownNames
from etl.loader import LoadReport, run_load, stage_frame
from etl.staging import EntityStats, Load, Rejected, quarantine_rejected

# Parents before children, so new clients exist before the projects that reference them.
EXPORT_ENTITIES = ("clients", "people", "projects", "sow_lines", "time_entries")


def import_export(con: duckdb.DuckDBPyConnection, kind: str, path: Path) -> LoadReport:
    """One export file in one transaction; unparseable rows are quarantined with their line."""
    source = kind.removesuffix("-csv")

    def body(load: Load, report: LoadReport) -> None:
        try:
            batch = parse_export(kind, path, KnownNames.from_duckdb(con))
        except ExportFormatError as err:
            report.file_errors.append(str(err))
            quarantine_rejected(con, load, "time_entries", path.name, [Rejected(1, str(err), {})])
            report.entities.append(EntityStats("time_entries", path.name, quarantined=1))
            return
        rejected = [Rejected(e.line, e.reason, e.raw) for e in batch.errors]
        for name in EXPORT_ENTITIES:
            frame = batch.frames.get(name)
            errors = rejected if name == "time_entries" else []
            if (frame is None or frame.height == 0) and not errors:
                continue
            if frame is None:
                quarantine_rejected(con, load, name, path.name, errors)
                report.entities.append(EntityStats(name, path.name, quarantined=len(errors)))
                continue
            frame = frame.drop("_file") if "_file" in frame.columns else frame
            stats = stage_frame(con, load, ENTITIES[name], path.name, frame, errors)
            if name == "time_entries":
                stats.notes += list(batch.warnings)
                if batch.skipped:
                    stats.notes.append(f"{len(batch.skipped)} total/header row(s) skipped")
            report.entities.append(stats)

    return run_load(con, source, path, body)
