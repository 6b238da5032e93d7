"""What the accounting connectors (quickbooks, xero) share beyond the core: exact JSON, the
document links they keep (accounting_links, migration 009), and the label stage_ledger wants."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import duckdb
import httpx
import polars as pl

from etl.sync.http import ApiError

LINKS_SQL = "INSERT OR REPLACE INTO accounting_links VALUES (?, ?, ?, ?, ?, ?, ?)"
LINK_COLUMNS = ("source", "entity", "external_id", "local_id", "version", "remote_json")
BULK_LINKS_SQL = """
INSERT OR REPLACE INTO accounting_links
SELECT source, entity, external_id, local_id, version, CAST(remote_json AS JSON), ?
FROM links_batch
"""


def write_links(con: duckdb.DuckDBPyConnection, rows: list[list], now: object) -> None:
    """Many links in one statement (row-by-row executemany costs seconds per thousand)."""
    if not rows:
        return
    links_batch = pl.DataFrame(rows, schema=dict.fromkeys(LINK_COLUMNS, pl.Utf8), orient="row")
    con.register("links_batch", links_batch)
    try:
        con.execute(BULK_LINKS_SQL, [now]).fetchall()
    finally:
        con.unregister("links_batch")


def decode(source: str, response: httpx.Response) -> Any:
    """JSON with exact numbers: amounts become Decimal, never float."""
    try:
        return json.loads(response.text, parse_float=Decimal)
    except ValueError:
        raise ApiError(f"{source}: {response.request.url.path}: the response is not JSON") from None


class Label(str):
    """stage_ledger wants a path-like with a `.name`; an API batch has a label."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return str(self)
