"""What an import of one uploaded file would do, before it does it, and the commit that does it.

The preview runs the real import (etl/import_kinds.run_import) inside `loader.rehearsal`: every
parser, contract check, duplicate rule and upsert runs as in a commit, inside one transaction
that is rolled back after the rows it staged and quarantined were read. So what the preview
shows is what the commit will do, and the warehouse is left exactly as it was. The commit is
the same call outside the rehearsal, plus its audit row. Both check the `import_data`
permission (app_auth/roles.py) themselves, whatever page calls them.

The Import page (pages/import_data.py) only draws what this module returns."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from app_auth import audit, guard
from core.safe_paths import path_inside, safe_file_name
from etl.checks import quote
from etl.contract import CONTRACTS, ENTITIES, FIRM, Entity
from etl.encoding import decode
from etl.import_kinds import FORMAT_LABELS, accounting_report, header_fields, run_import
from etl.load_run import LoadReport, rehearsal
from etl.staging import EntityStats, Load
from warehouse.db import transaction
from warehouse.sessions import Db, read_write

PREVIEW_ROWS = 20  # rows shown per entity
PERMISSION = "import_data"
ALL_ENTITIES: dict[str, Entity] = {**ENTITIES, "contracts": CONTRACTS, "firm": FIRM}

# Unresolved quarantine rows of this file from earlier loads: the loader does not quarantine a
# row twice, so the rehearsal notes them and lifts them (rolled back with it) to list every bad
# row again, each marked when an earlier import already quarantined it.
EARLIER_QUARANTINE_SQL = """
CREATE OR REPLACE TEMP TABLE _earlier_quarantine AS
SELECT entity, line, reason, row_hash FROM quarantine WHERE resolved_at IS NULL AND file = ?
"""
LIFT_EARLIER_QUARANTINE_SQL = "DELETE FROM quarantine WHERE resolved_at IS NULL AND file = ?"
QUARANTINED_SQL = """
SELECT q.line, q.entity, q.reason, CAST(q.raw AS VARCHAR) AS raw,
       EXISTS (SELECT 1 FROM _earlier_quarantine e
               WHERE e.entity = q.entity AND e.line IS NOT DISTINCT FROM q.line
                 AND e.reason = q.reason AND e.row_hash = q.row_hash) AS already
FROM quarantine q WHERE q.load_id = ? ORDER BY q.line NULLS FIRST, q.entity
"""
# The rows this run stages, typed, with the line they came from (the raw layer keeps it).
STAGED_ROWS_SQL = """
SELECT r._line AS line, {columns}
FROM {table} s
LEFT JOIN {raw} r ON r._load_id = $load AND {raw_key} = {staged_key}
WHERE s._load_id = $load
ORDER BY r._line NULLS LAST
LIMIT $limit
"""

# What the export readers do with a column they know (etl/exports/), in words, by field.
TRACKER_TARGETS: dict[str, str] = {
    "date": "time_entries.date",
    "start_date": "time_entries.date (and hours from start–end)",
    "start_time": "time_entries.hours (end − start, when no duration)",
    "end_date": "time_entries.hours (end − start, when no duration)",
    "end_time": "time_entries.hours (end − start, when no duration)",
    "hours": "time_entries.hours",
    "duration": "time_entries.hours",
    "duration_h": "time_entries.hours (preferred: exact to the second)",
    "duration_decimal": "time_entries.hours (when no clock-form duration)",
    "client": "clients.name → projects.client_id",
    "project": "projects.name → time_entries.project_id",
    "project_code": "projects.code",
    "task": "sow_lines.description → time_entries.sow_line_id",
    "notes": "time_entries.notes",
    "description": "time_entries.notes",
    "first_name": "people.name → time_entries.person_id",
    "last_name": "people.name → time_entries.person_id",
    "user": "people.name → time_entries.person_id",
    "employee_id": "not read",
    "email": "people.email (people are matched by e-mail first)",
    "roles": "people.role",
    "department": "people.role (when no role)",
    "group": "people.team",
    "employee": "people.employment",
    "billable": "time_entries.billable",
    "approved": "time_entries.approved_at",
    "invoiced": "time_entries.invoice_id and locked (billed elsewhere)",
    "tags": "time_entries.work_type (a tag with “rush”)",
    "currency": "clients.currency",
}
LEDGER_TARGETS: dict[str, str] = {
    "customer": "clients.name (Client:Project names a project)",
    "contact": "clients.name",
    "num": "invoices.invoice_id / payments",
    "number": "invoices.invoice_id",
    "date": "invoices.issue_date / payments.date",
    "due_date": "invoices.due_date",
    "type": "invoice, credit memo or payment",
    "status": "invoices.status",
    "total": "invoices.total",
    "tax_total": "invoices.tax",
    "tax_amount": "invoices.tax",
    "amount": "invoice_lines.amount / payments.amount / total",
    "line_amount": "invoice_lines.amount",
    "quantity": "invoice_lines.quantity",
    "rate": "invoice_lines.rate",
    "unit": "invoice_lines.rate",
    "discount": "invoice_lines.amount (discount %)",
    "description": "invoice_lines.description",
    "memo": "invoice_lines.description",
    "item": "invoice_lines.kind, project or person",
    "class": "invoice_lines.project_id or person_id",
    "account": "line kind; A/R and tax accounts split total and tax",
    "split": "line kind",
    "service_date": "invoices.period_start / period_end",
    "reference": "payments.reference / credited invoice",
    "po_number": "invoices.po_number",
    "currency": "clients.currency / payments.currency",
    "tracking_name1": "tracking category: project or person",
    "tracking_option1": "invoice_lines.project_id or person_id",
    "tracking_name2": "tracking category: project or person",
    "tracking_option2": "invoice_lines.project_id or person_id",
    "open_balance": "not read (AR computes it from payments)",
    "balance": "not read (AR computes it from payments)",
    "credited": "not read",
}


@dataclass
class Upload:
    """An uploaded file written where the importer can read it, under its own (safe) name."""

    path: Path
    name: str  # as the person's computer named it
    sha256: str


@dataclass
class ImportPreview:
    """What committing would do: per entity the counts, the first rows as they will be
    staged, every row that would be quarantined (line and reason), the column mapping."""

    kind: str
    file: str
    stats: list[EntityStats]
    rows: dict[str, pl.DataFrame]  # entity -> first PREVIEW_ROWS rows staged (new or changed)
    quarantined: pl.DataFrame  # line, entity, reason, raw, already (quarantined before)
    mapping: pl.DataFrame  # file column, read as, goes to
    file_errors: list[str] = field(default_factory=list)  # the file refused whole

    @property
    def loading(self) -> int:
        """Rows the commit would add or change."""
        return sum(s.new + s.updated for s in self.stats)

    @property
    def newly_quarantined(self) -> int:
        """Bad rows no earlier import of this file has quarantined yet."""
        if self.quarantined.height == 0:
            return 0
        return self.quarantined.filter(~pl.col("already")).height

    @property
    def worth_committing(self) -> bool:
        """Whether the commit would change anything: rows to stage, or bad rows to record."""
        return not self.file_errors and bool(self.loading or self.newly_quarantined)

    @property
    def unchanged(self) -> int:
        return sum(s.unchanged for s in self.stats)

    @property
    def notes(self) -> list[str]:
        return [note for s in self.stats for note in s.notes]

    def counts(self) -> pl.DataFrame:
        """One row per entity: new, changed, unchanged, quarantined."""
        return pl.DataFrame(
            [
                {
                    "what": s.entity.replace("_", " "),
                    "new": s.new,
                    "changed": s.updated,
                    "already there": s.unchanged,
                    "quarantined": s.quarantined,
                }
                for s in self.stats
            ],
            schema={
                "what": pl.String,
                "new": pl.Int64,
                "changed": pl.Int64,
                "already there": pl.Int64,
                "quarantined": pl.Int64,
            },
        )


def save_upload(folder: Path, name: str, data: bytes, canonical_file: str | None = None) -> Upload:
    """Writes the uploaded bytes into `folder` (a temp folder of the session) under a safe
    version of their name, or under the contract's file name it stands for (`canonical_file`:
    the loader knows a contract file by its name). The folder keeps only this file, since a
    canonical import reads the whole folder."""
    path = path_inside(folder, canonical_file or safe_file_name(name, "upload.csv"))
    for stale in folder.iterdir():
        if stale.is_file() and stale != path:
            stale.unlink()
    path.write_bytes(data)
    return Upload(path, name, hashlib.sha256(data).hexdigest())


def _import_target(kind: str, upload: Upload) -> Path:
    """A canonical import reads a folder (the upload's own), every other kind the file."""
    return upload.path.parent if kind == "canonical" else upload.path


def validate_after_commit(load_id: int, db: Db = None) -> None:
    """The great-expectations suite on the load just committed, in a thread of the app: the
    Import page returns at once and Data health shows the load pending, then passed or failed.
    The thread takes the write turn only to claim and read the load and to record the results
    (etl/validation.py). ETL_VALIDATE=off leaves it pending, as for the command line."""
    from etl.validation import default_mode, start_thread

    if default_mode() != "off":
        start_thread(lambda: read_write(db), load_id)


def preview_import(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    upload: Upload,
    *,
    actor: str,
    person: str | None = None,
    limit: int = PREVIEW_ROWS,
) -> ImportPreview:
    """The import rehearsed: everything it would stage and quarantine, nothing written.
    Run it on a read_write connection (its rolled-back transaction takes the write turn)."""
    guard.require(PERMISSION, actor)
    seen: dict[str, object] = {}

    def before(c: duckdb.DuckDBPyConnection) -> None:
        c.execute(EARLIER_QUARANTINE_SQL, [upload.path.name])
        c.execute(LIFT_EARLIER_QUARANTINE_SQL, [upload.path.name])

    def inspect(c: duckdb.DuckDBPyConnection, load: Load, report: LoadReport) -> None:
        seen["quarantined"] = c.sql(QUARANTINED_SQL, params=[load.load_id]).pl()
        seen["rows"] = {
            s.entity: _staged_rows(c, load, ALL_ENTITIES[s.entity], limit)
            for s in report.entities
            if s.new + s.updated and s.entity in ALL_ENTITIES
        }

    with rehearsal(before, inspect):
        report = run_import(con, kind, _import_target(kind, upload), person)
    return ImportPreview(
        kind=kind,
        file=upload.name,
        stats=report.entities,
        rows=seen.get("rows", {}),
        quarantined=seen.get("quarantined", pl.DataFrame()),
        mapping=column_mapping(kind, upload.path),
        file_errors=list(report.file_errors),
    )


def _staged_rows(
    con: duckdb.DuckDBPyConnection, load: Load, entity: Entity, limit: int
) -> pl.DataFrame:
    """The rows this run put in `entity`'s staging table, typed, with their file line."""
    raw = f"raw_{load.source.replace('-', '_')}_{entity.name}"
    columns = ", ".join(f"s.{quote(c)}" for c in entity.column_names)
    sql = STAGED_ROWS_SQL.format(
        columns=columns,
        table=quote(entity.name),
        raw=quote(raw),
        raw_key=_key("r", entity, raw_text=True),
        staged_key=_key("s", entity, raw_text=False),
    )
    return con.sql(sql, params={"load": load.load_id, "limit": limit}).pl()


def _key(alias: str, entity: Entity, *, raw_text: bool) -> str:
    """The upsert key as text on either side of the raw ↔ staging join (raw cells untrimmed)."""
    parts = []
    for k in entity.key:
        value = f"CAST({alias}.{quote(k)} AS VARCHAR)"
        parts.append(
            f"lower(trim(coalesce({value}, '')))" if raw_text else f"lower(coalesce({value}, ''))"
        )
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"


def column_mapping(kind: str, path: Path) -> pl.DataFrame:
    """Each column of the file's header: the field the reader takes it for, and where it goes
    in the data contract ("not read" when the reader ignores it)."""
    rows: list[tuple[str, str, str]] = []
    try:
        if kind == "canonical":
            rows = _canonical_mapping(path)
        elif kind == "ics":
            rows = [("VEVENT", "event", "calendar_events (one row per busy event)")]
        else:
            rows = _export_mapping(kind, path)
    except (OSError, ValueError):
        rows = []  # the preview's file errors say why
    return pl.DataFrame(rows, schema=["file column", "read as", "goes to"], orient="row")


def _export_mapping(kind: str, path: Path) -> list[tuple[str, str, str]]:
    if kind in ("quickbooks-csv", "xero-csv"):
        spec, targets = accounting_report(kind, path).spec, LEDGER_TARGETS
    else:
        from etl.import_kinds import tracker_specs

        spec, targets = tracker_specs()[kind], TRACKER_TARGETS
    header, fields = header_fields(path, spec)
    by_column = {index: f for f, index in fields.items()}
    rows = []
    for index, cell in enumerate(header):
        name = cell.replace("\ufeff", "").strip()
        f = by_column.get(index)
        if f is None:
            rows.append((name, "—", "not read"))
        else:
            rows.append((name, f.replace("_", " "), targets.get(f, "not read")))
    return rows


def _canonical_mapping(folder_file: Path) -> list[tuple[str, str, str]]:
    name = folder_file.name
    entity = next((e for e in ENTITIES.values() if e.file == name), None)
    if entity is None:  # firm.yaml, contracts.yaml: keys, not columns
        target = "firm" if name == "firm.yaml" else "contracts, contract_workstreams"
        return [(name, "YAML", target)]
    text, _ = decode(folder_file.read_bytes())
    header = next(csv.reader([text.splitlines()[0] if text else ""]), [])
    known = {c.casefold(): c for c in entity.column_names}
    rows = []
    for cell in header:
        column = known.get(cell.strip().casefold())
        target = f"{entity.name}.{column}" if column else "kept as it arrived (raw layer, _extra)"
        rows.append((cell.strip(), column or "—", target))
    return rows


def commit_import(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    upload: Upload,
    *,
    actor: str,
    person: str | None = None,
) -> LoadReport:
    """Imports the file for real: the CLI's loader (run_import) in its own transaction, then
    the audit row naming who, which file (name and SHA-256) and what it loaded. Run it on a
    read_write connection: two sessions committing the same file take turns, and the second
    finds every row already there (the loader's row hashes) and adds none."""
    guard.require(PERMISSION, actor)
    report = run_import(con, kind, _import_target(kind, upload), person)
    after = {
        "source": kind,
        "file": upload.name,
        "sha256": upload.sha256,
        "load_id": report.load_id,
        "rows": sum(s.new + s.updated for s in report.entities),
        "quarantined": report.quarantined,
        "files_refused": len(report.file_errors),
    }
    with transaction(con):
        audit.record(con, actor, "import", "load", str(report.load_id), after=after)
    return report


def done_message(upload_name: str, report: LoadReport) -> str:
    """The one line the page shows after a commit."""
    new = sum(s.new for s in report.entities)
    changed = sum(s.updated for s in report.entities)
    unchanged = sum(s.unchanged for s in report.entities)
    text = (
        f"Imported {upload_name} (load {report.load_id}): {new:,} new, {changed:,} changed, "
        f"{unchanged:,} already there, {report.quarantined:,} quarantined."
    )
    if report.file_errors:
        text += " Refused: " + "; ".join(report.file_errors)
    return text


__all__ = [
    "FORMAT_LABELS",
    "ImportPreview",
    "Upload",
    "column_mapping",
    "commit_import",
    "done_message",
    "preview_import",
    "save_upload",
]
