"""Tempo v4 client (bearer token) and the optional Jira Cloud client (basic email:token)."""

from __future__ import annotations

from etl.sync.http import SyncClient
from etl.sync.paginate import JsonLinkPaginator
from etl.sync.tempo.settings import SOURCE, TempoSettings


def tempo_client(ctx, settings: TempoSettings) -> SyncClient:
    return ctx.client(
        SOURCE, settings.base_url, headers={"Authorization": f"Bearer {settings.token}"}
    )


def jira_client(ctx, settings: TempoSettings) -> SyncClient:
    return ctx.client(
        f"{SOURCE} (jira)", settings.jira_url, auth=(settings.jira_email, settings.jira_token)
    )


def paginator() -> JsonLinkPaginator:
    """`metadata.next` is a full URL, absent on the last page."""
    return JsonLinkPaginator(("results",), ("metadata", "next"))
