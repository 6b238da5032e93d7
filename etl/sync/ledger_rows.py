"""API records through the CSV importers' own mapping (etl/exports/quickbooks.py, xero.py).

An accounting API object (a QBO Invoice, a Xero Invoice) is laid out as the rows of the
vendor's CSV export that carries the same facts, and the export's row handler maps them: one
mapping for customers by name, projects by class/tracking, people by item/staff, line kinds,
discounts, credit notes, service periods and payments, so a file import and an API sync of the
same invoice land as the same canonical rows (same invoice_id, same payment_id)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from etl.exports.table import Table


def api_table(file: str, aliases: Mapping[str, tuple[str, ...]], rows: Iterable[dict]) -> Table:
    """A Table whose columns are every aliased field (labelled by its first alias), holding
    `rows` ({field: value}; missing fields empty); line numbers count from 1."""
    fields = tuple(aliases)
    header = [aliases[f][0] for f in fields]
    columns = {f: i for i, f in enumerate(fields)}
    data = [(n, [_cell(row.get(f)) for f in fields]) for n, row in enumerate(rows, 1)]
    return Table(file, header, columns, fields, None, data)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
