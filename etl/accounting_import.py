"""Importing an accounting system's CSV export (QuickBooks Online, Xero): parse it into
canonical clients, projects, invoices, invoice lines and payments, then stage them through the
same contract checks as a canonical folder, in one transaction."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.contract import ENTITIES
from etl.export_import import refuse_file
from etl.exports import quickbooks, xero
from etl.exports.ledger import LEDGER_ENTITIES, KnownLedger, LedgerBatch
from etl.exports.table import ExportFormatError
from etl.loader import LoadReport, run_load, stage_frame
from etl.staging import EntityStats, Load, Rejected, quarantine_rejected

PARSERS = {"quickbooks-csv": quickbooks.parse, "xero-csv": xero.parse}
ACCOUNTING_KINDS = tuple(PARSERS)


def parse_accounting(kind: str, path: Path | str, known: KnownLedger) -> LedgerBatch:
    """One export file as canonical frames; ExportFormatError when it is none of the reports."""
    return PARSERS[kind](Path(path), known)


def stage_ledger(con, load: Load, report: LoadReport, path: Path, batch: LedgerBatch) -> None:
    """Every frame, parents first; each entity's quarantined rows join it."""
    for name in LEDGER_ENTITIES:
        frame = batch.frames[name].drop("_file")
        rejected = [Rejected(e.line, e.reason, e.raw) for e in batch.errors.get(name, [])]
        if frame.height == 0 and not rejected:
            continue
        if frame.height == 0:
            quarantine_rejected(con, load, name, path.name, rejected)
            stats = EntityStats(name, path.name, quarantined=len(rejected))
        else:
            stats = stage_frame(con, load, ENTITIES[name], path.name, frame, rejected)
        report.entities.append(stats)
    if report.entities:
        notes = report.entities[-1].notes
        notes.insert(0, batch.report)
        notes += batch.warnings
        if batch.skipped:
            notes.append(f"{len(batch.skipped)} row(s) skipped, see docs/import.md")


def import_accounting(con: duckdb.DuckDBPyConnection, kind: str, path: Path) -> LoadReport:
    """One export file in one transaction; a file that is none of the vendor's reports is
    refused whole in one line, and nothing from it loads."""

    def body(load: Load, report: LoadReport) -> None:
        try:
            batch = parse_accounting(kind, path, KnownLedger.from_duckdb(con))
        except ExportFormatError as err:
            refuse_file(con, load, report, "invoices", path, err)
            return
        stage_ledger(con, load, report, path, batch)

    return run_load(con, kind.removesuffix("-csv"), path, body)
