"""The Clockify clients: `X-Api-Key` on the API host and on the reports host."""

from __future__ import annotations

from etl.sync.clockify.settings import SOURCE, ClockifySettings
from etl.sync.http import SyncClient
from etl.sync.paginate import PageNumberPaginator


def clockify_client(ctx, settings: ClockifySettings, base_url: str) -> SyncClient:
    return ctx.client(SOURCE, base_url, headers={"X-Api-Key": settings.api_key})


def report_paginator(page_size: int) -> PageNumberPaginator:
    """The detailed report pages by `detailedFilter.page` in the body; no total count, so a
    short page is the last."""
    return PageNumberPaginator(page_size, ("timeentries",), ("json", "detailedFilter", "page"))
