"""The Harvest v2 client: bearer token, Harvest-Account-Id and User-Agent on every call."""

from __future__ import annotations

from etl.sync.harvest.settings import SOURCE, HarvestSettings
from etl.sync.http import SyncClient
from etl.sync.paginate import JsonLinkPaginator


def harvest_client(ctx, settings: HarvestSettings) -> SyncClient:
    headers = {
        "Authorization": f"Bearer {settings.token}",
        "Harvest-Account-Id": settings.account_id,
        "User-Agent": settings.user_agent,
    }
    return ctx.client(SOURCE, settings.base_url, headers=headers)


def paginator(plural: str) -> JsonLinkPaginator:
    """Harvest pages: `links.next` (cursor or page style) until null; the list key is the
    plural resource name."""
    return JsonLinkPaginator((plural,), ("links", "next"))
