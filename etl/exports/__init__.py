"""Tracker CSV exports (Harvest, Toggl, Clockify detailed reports; FreshBooks, Hubstaff, Odoo
timesheets) parsed into canonical rows.

`parse_export(kind, path, known)` returns an ExportBatch whose frames the engine validates and
upserts exactly like a canonical import. See common.py for the shared rules.
"""

from __future__ import annotations

from pathlib import Path

from etl.exports import clockify, freshbooks, harvest, hubstaff, odoo, toggl
from etl.exports.batch import ExportBatch
from etl.exports.names import KnownNames
from etl.exports.table import ExportFormatError, RowError

PARSERS = {
    "harvest-csv": harvest.parse,
    "toggl-csv": toggl.parse,
    "clockify-csv": clockify.parse,
    "freshbooks-csv": freshbooks.parse,
    "hubstaff-csv": hubstaff.parse,
    "odoo-csv": odoo.parse,
}
EXPORT_KINDS = tuple(PARSERS)

__all__ = [
    "EXPORT_KINDS",
    "ExportBatch",
    "ExportFormatError",
    "KnownNames",
    "RowError",
    "parse_export",
]


def parse_export(kind: str, path: Path | str, known: KnownNames | None = None) -> ExportBatch:
    """Parses one export file; raises ExportFormatError when the file is not that export."""
    if kind not in PARSERS:
        raise ValueError(f"unknown export kind {kind!r}; expected one of {', '.join(PARSERS)}")
    return PARSERS[kind](Path(path), known if known is not None else KnownNames())
