"""The file formats `python -m etl import` reads, their names for people, which one a file is,
and the one call that runs an import of any of them (the CLI and the app's Import page both go
through `run_import`, so there is one importer)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.contract import CSV_ENTITIES
from etl.csv_rows import physical_lines
from etl.encoding import decode
from etl.exports.table import ExportFormatError, ExportSpec, map_header, normalize_header
from etl.load_run import LoadReport

# kind (the CLI's `source` argument) -> what a person picks it by
FORMAT_LABELS: dict[str, str] = {
    "canonical": "Canonical contract file (clients.csv, time_entries.csv, firm.yaml, …)",
    "harvest-csv": "Harvest detailed time report (CSV)",
    "toggl-csv": "Toggl Track detailed report (CSV)",
    "clockify-csv": "Clockify detailed report (CSV)",
    "freshbooks-csv": "FreshBooks time entries (CSV)",
    "hubstaff-csv": "Hubstaff timesheet (CSV)",
    "odoo-csv": "Odoo timesheets (CSV)",
    "quickbooks-csv": "QuickBooks Online report (CSV)",
    "xero-csv": "Xero export (CSV)",
    "ics": "Calendar (iCalendar .ics)",
}
# A canonical folder's files, by name: what an uploaded contract file must be called.
CANONICAL_FILES: tuple[str, ...] = (
    "firm.yaml",
    "contracts.yaml",
    *(e.file for e in CSV_ENTITIES),
)
HEADER_LINES = 50  # a header row is looked for this far down (exports put a preamble above)
HEAD_BYTES = 256 * 1024  # what detection and the mapping read of a file: its first lines


@dataclass(frozen=True)
class Detected:
    """Which format a file looks like, and why (shown next to the picker)."""

    kind: str
    why: str


def tracker_specs() -> dict[str, ExportSpec]:
    from etl.exports import clockify, freshbooks, harvest, hubstaff, odoo, toggl

    modules = {
        "harvest-csv": harvest,
        "toggl-csv": toggl,
        "clockify-csv": clockify,
        "freshbooks-csv": freshbooks,
        "hubstaff-csv": hubstaff,
        "odoo-csv": odoo,
    }
    return {kind: module.SPEC for kind, module in modules.items()}


def header_fields(path: Path, spec: ExportSpec) -> tuple[list[str], dict[str, int]]:
    """The header row the export reader would take (the line and delimiter matching the most
    known column names, as etl/exports/table.read_table finds it) and its fields by column."""
    text = _head(path)
    lookup = spec.lookup()
    best: tuple[int, list[str], dict[str, int]] = (0, [], {})
    for line in physical_lines(text)[:HEADER_LINES]:
        for delimiter in (",", ";", "\t"):
            try:
                cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
            except csv.Error:
                continue
            fields, _ = map_header(cells, lookup)
            if len(fields) > best[0]:
                best = (len(fields), cells, fields)
    return best[1], best[2]


def _head(path: Path) -> str:
    """The first HEAD_BYTES of the file, decoded, cut after its last whole line: the header is
    near the top, and a large export is not read whole for it."""
    with path.open("rb") as handle:
        data = handle.read(HEAD_BYTES)
    if len(data) == HEAD_BYTES and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return decode(data)[0]


def _fits(spec: ExportSpec, fields: dict[str, int]) -> bool:
    return all(any(f in fields for f in alternatives) for alternatives in spec.required)


def accounting_report(kind: str, path: Path):
    """The QuickBooks or Xero report a file is (etl/exports/reports.detect_report), or
    ExportFormatError."""
    from etl.exports import quickbooks, xero
    from etl.exports.reports import detect_report

    vendor = {"quickbooks-csv": (quickbooks, "QuickBooks Online"), "xero-csv": (xero, "Xero")}
    module, name = vendor[kind]
    return detect_report(path, module.REPORTS, name)


def detect_format(path: Path) -> Detected | None:
    """The format a file most likely is: a calendar by its extension, a contract file by its
    name, else the export whose known column names its header matches most (a QuickBooks or
    Xero report by its title or columns). None when nothing fits; the person picks then."""
    name = path.name.lower()
    if name.endswith(".ics"):
        return Detected("ics", "an iCalendar file (.ics)")
    if name in CANONICAL_FILES:
        return Detected("canonical", f"named like the contract's {name}")
    try:
        scores: list[tuple[int, str, str]] = []
        for kind in ("quickbooks-csv", "xero-csv"):
            try:
                report = accounting_report(kind, path)
            except ExportFormatError:
                continue
            fields = header_fields(path, report.spec)[1]
            scores.append(
                (
                    len(fields) + 1,
                    kind,
                    f"its columns match the {FORMAT_LABELS[kind].split()[0]} {report.title}",
                )
            )
        for kind, spec in tracker_specs().items():
            fields = header_fields(path, spec)[1]
            if _fits(spec, fields):
                vendor = FORMAT_LABELS[kind].split()[0]
                scores.append((len(fields), kind, f"{len(fields)} of its columns are {vendor}'s"))
    except (OSError, ExportFormatError):
        return None
    if not scores:
        return None
    _, kind, why = max(scores, key=lambda s: s[0])
    return Detected(kind, why)


def run_import(
    con: duckdb.DuckDBPyConnection, kind: str, path: Path, person: str | None = None
) -> LoadReport:
    """Imports `path` as `kind` (a canonical folder, or one export or calendar file) in one
    transaction: the loader every caller shares."""
    if kind == "canonical":
        from etl.loader import import_canonical

        return import_canonical(con, path)
    if kind == "ics":
        from etl.export_import import import_ics

        return import_ics(con, path, person)
    if kind in ("quickbooks-csv", "xero-csv"):
        from etl.accounting_import import import_accounting

        return import_accounting(con, kind, path)
    if kind not in FORMAT_LABELS:
        raise ValueError(f"unknown import format {kind!r}")
    from etl.export_import import import_export

    return import_export(con, kind, path)


__all__ = [
    "CANONICAL_FILES",
    "FORMAT_LABELS",
    "Detected",
    "detect_format",
    "header_fields",
    "normalize_header",
    "run_import",
]
