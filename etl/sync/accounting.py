"""What the accounting connectors (quickbooks, xero) share beyond the core: exact JSON, the
document links they keep (accounting_links, migration 009), and the label stage_ledger wants."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from etl.sync.http import ApiError

LINKS_SQL = "INSERT OR REPLACE INTO accounting_links VALUES (?, ?, ?, ?, ?, ?, ?)"


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
