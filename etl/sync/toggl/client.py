"""The Toggl client: HTTP Basic `<api_token>:api_token`; v9 and Reports v3 share the host."""

from __future__ import annotations

from etl.sync.http import SyncClient
from etl.sync.paginate import HeaderCursorPaginator, PageNumberPaginator
from etl.sync.toggl.settings import SOURCE, TogglSettings

PROJECTS_PER_PAGE = 200  # Toggl's maximum


def toggl_client(ctx, settings: TogglSettings) -> SyncClient:
    return ctx.client(SOURCE, settings.base_url, auth=(settings.token, "api_token"))


def report_paginator() -> HeaderCursorPaginator:
    """Reports v3: the next page's cursors come back in headers and go into the next body;
    the last page has no X-Next-Row-Number."""
    return HeaderCursorPaginator(
        {
            "X-Next-ID": "first_id",
            "X-Next-Row-Number": "first_row_number",
            "X-Next-Timestamp": "first_timestamp",
        },
        stop_header="X-Next-Row-Number",
    )


def projects_paginator() -> PageNumberPaginator:
    return PageNumberPaginator(PROJECTS_PER_PAGE, (), ("params", "page"))
