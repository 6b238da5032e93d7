"""The sync core (etl/sync): retries honouring 429 + Retry-After and 5xx, one-line errors,
paginators, settings, and a run's cursor written in the same transaction as its rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import polars as pl
import pytest

from etl.__main__ import main as etl_main
from etl.contract import ENTITIES
from etl.loader import stage_frame
from etl.sync import registry
from etl.sync.cursors import read_cursors
from etl.sync.http import ApiError, CredentialError, RetryPolicy, make_client, parse_retry_after
from etl.sync.paginate import (
    HeaderCursorPaginator,
    JsonLinkPaginator,
    PageNumberPaginator,
    PageRequest,
    paginate,
)
from etl.sync.run import Extract, SyncContext, request_sync, run_sync
from etl.sync.settings import Settings, load_settings


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(handler, sleeps: Sleeps | None = None, **policy):
    policy = RetryPolicy(sleep=sleeps if sleeps is not None else Sleeps(), **policy)
    return make_client(
        "fake", "https://api.example.test/v1", transport=httpx.MockTransport(handler), policy=policy
    )


def replies(*responses: httpx.Response):
    queue = list(responses)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    handler.seen = seen
    return handler


def test_429_waits_exactly_retry_after_then_succeeds():
    sleeps = Sleeps()
    handler = replies(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"message": "slow down"}),
        httpx.Response(200, json={"ok": True}),
    )
    client = client_for(handler, sleeps)
    assert client.get_json("/things") == {"ok": True}
    assert sleeps == [3.0]
    assert client.requests == 2


def test_5xx_backs_off_and_retries():
    sleeps = Sleeps()
    handler = replies(httpx.Response(503), httpx.Response(502), httpx.Response(200, json=[1]))
    client = client_for(handler, sleeps, backoff_initial=1, backoff_max=10)
    assert client.get_json("/things") == [1]
    assert len(sleeps) == 2 and all(0 < s <= 10 for s in sleeps)


def test_429_that_never_ends_is_one_line_after_the_attempts():
    handler = replies(*[httpx.Response(429, headers={"Retry-After": "1"})] * 3)
    client = client_for(handler, attempts=3)
    with pytest.raises(ApiError) as caught:
        client.get_json("/things")
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith("fake: GET /v1/things: 429 Too Many Requests after 3 attempts")
    assert client.requests == 3


def test_retry_after_longer_than_the_policy_allows_fails_at_once():
    handler = replies(httpx.Response(429, headers={"Retry-After": "3600"}))
    client = client_for(handler, max_retry_after=300)
    with pytest.raises(ApiError, match=r"Retry-After 3600 s"):
        client.get_json("/things")
    assert client.requests == 1


def test_retry_after_as_http_date():
    now = datetime(2026, 3, 16, 9, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(later, now) == 42.0
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("soon", now) is None


def test_401_is_a_credential_error_without_retrying():
    handler = replies(httpx.Response(401, json={"error_description": "token expired"}))
    client = client_for(handler)
    with pytest.raises(CredentialError) as caught:
        client.get_json("/things")
    assert str(caught.value) == (
        "fake: GET /v1/things: 401 Unauthorized: token expired; check the fake credentials"
    )
    assert client.requests == 1


def test_422_is_not_retried_and_names_the_api_message():
    handler = replies(httpx.Response(422, json={"message": "per_page must be <= 2000"}))
    client = client_for(handler)
    with pytest.raises(ApiError, match="422 Unprocessable Entity: per_page must be <= 2000"):
        client.get_json("/things")
    assert client.requests == 1


def test_transport_errors_are_retried_then_reported():
    calls = []

    def handler(request):
        calls.append(1)
        raise httpx.ConnectError("connection refused")

    client = client_for(handler, attempts=2)
    with pytest.raises(ApiError, match="cannot reach the API"):
        client.get_json("/things")
    assert len(calls) == 2


def test_user_agent_is_sent_by_default():
    handler = replies(httpx.Response(200, json={}))
    client_for(handler).get_json("/x")
    assert handler.seen[0].headers["User-Agent"].startswith("billing-ops-sync")


# ------------------------------------------------------------------ paginators


def test_json_link_paginator_follows_next_until_null():
    base = "https://api.example.test/v1/items"
    pages = {
        "": {"items": [1, 2], "links": {"next": f"{base}?cursor=b"}},
        "cursor=b": {"items": [3], "links": {"next": f"{base}?cursor=c"}},
        "cursor=c": {"items": [4], "links": {"next": None}},
    }

    def handler(request):
        return httpx.Response(200, json=pages[request.url.query.decode()])

    client = client_for(handler)
    got = list(
        paginate(
            client, PageRequest(url="/items"), JsonLinkPaginator(("items",), ("links", "next"))
        )
    )
    assert got == [[1, 2], [3], [4]]


def test_page_number_paginator_stops_on_a_short_page_in_the_json_body():
    seen_pages = []

    def handler(request):
        body = json.loads(request.content)
        page = body["filter"]["page"]
        seen_pages.append(page)
        return httpx.Response(200, json={"rows": [page] * (2 if page < 3 else 1)})

    client = client_for(handler)
    paginator = PageNumberPaginator(2, ("rows",), ("json", "filter", "page"))
    first = PageRequest("POST", "/report", json={"filter": {"page": 1}})
    got = list(paginate(client, first, paginator))
    assert got == [[1, 1], [2, 2], [3]]
    assert seen_pages == [1, 2, 3]


def test_header_cursor_paginator_copies_headers_into_the_body():
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        if len(bodies) == 1:
            return httpx.Response(
                200, json=[{"a": 1}], headers={"X-Next-ID": "77", "X-Next-Row-Number": "51"}
            )
        return httpx.Response(200, json=[{"a": 2}])

    client = client_for(handler)
    paginator = HeaderCursorPaginator(
        {"X-Next-ID": "first_id", "X-Next-Row-Number": "first_row_number"}, "X-Next-Row-Number"
    )
    got = list(paginate(client, PageRequest("POST", "/search", json={"page_size": 50}), paginator))
    assert got == [[{"a": 1}], [{"a": 2}]]
    assert bodies[1] == {"page_size": 50, "first_id": 77, "first_row_number": 51}


# ------------------------------------------------------------------ settings


def test_environment_wins_over_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('FAKE_TOKEN = "from-file"\nFAKE_ACCOUNT = 42\n')
    settings = load_settings({"FAKE_TOKEN": "from-env"}, secrets)
    assert settings.get("FAKE_TOKEN") == "from-env"
    assert settings.get("FAKE_ACCOUNT") == "42"


def test_missing_key_is_one_line_naming_both_places():
    with pytest.raises(CredentialError) as caught:
        Settings({}).require("harvest", "HARVEST_ACCESS_TOKEN")
    assert str(caught.value) == (
        "harvest: HARVEST_ACCESS_TOKEN is not set (environment or .streamlit/secrets.toml)"
    )


# ------------------------------------------------------------------ a run


class ClientsSource:
    """A generic test source: GET /clients?since=<cursor> gives {"clients": [...], "now": ...};
    loads them as canonical clients and moves the cursor to `now`. `fail_after_staging` makes
    load raise once the rows are written, as a bug or a crash would."""

    name = "fakeclients"

    def __init__(self, transport, fail_after_staging=False):
        self.transport, self.fail_after_staging = transport, fail_after_staging

    def configured(self, settings):
        return settings.has("FAKE_TOKEN")

    def fetch(self, ctx, cursors):
        client = make_client(self.name, "https://api.example.test", transport=self.transport)
        params = {"since": cursors["clients"]} if "clients" in cursors else {}
        body = client.get_json("/clients", params)
        return Extract(
            "https://api.example.test",
            body["clients"],
            {"clients": body["now"]},
            client.requests,
            len(body["clients"]),
        )

    def load(self, con, load, report, extract):
        rows = [
            {"client_id": c["id"], "name": c["name"], "currency": "EUR", "_line": i}
            for i, c in enumerate(extract.payload, 1)
        ]
        schema = {"client_id": pl.Utf8, "name": pl.Utf8, "currency": pl.Utf8, "_line": pl.Int64}
        frame = pl.DataFrame(rows, schema=schema)
        report.entities.append(stage_frame(con, load, ENTITIES["clients"], "api", frame, []))
        if self.fail_after_staging:
            raise RuntimeError("crash after staging")


def clients_api(state):
    def handler(request):
        since = request.url.params.get("since")
        fresh = [c for c in state["clients"] if since is None or c["at"] > since]
        return httpx.Response(200, json={"clients": fresh, "now": state["now"]})

    return httpx.MockTransport(handler)


@pytest.fixture
def fake_source():
    added = []

    def add(source):
        registry.register(source.name, source)
        added.append(source.name)
        return source

    yield add
    for name in added:
        registry.SOURCES.pop(name, None)
        registry._loaded.pop(name, None)


def test_second_run_loads_nothing_and_cursor_moves_with_the_rows(con, fake_source):
    state = {
        "clients": [{"id": "C-1", "name": "Acme", "at": "2026-03-01T10:00:00Z"}],
        "now": "2026-03-01T12:00:00Z",
    }
    fake_source(ClientsSource(clients_api(state)))
    first = run_sync(con, "fakeclients", SyncContext(settings=Settings({})))
    assert first.rows_changed == 1 and first.fetched == 1
    assert read_cursors(con, "fakeclients") == {"clients": "2026-03-01T12:00:00Z"}
    second = run_sync(con, "fakeclients", SyncContext(settings=Settings({})))
    assert second.fetched == 0 and second.rows_changed == 0


def test_failed_run_leaves_rows_and_cursor_as_they_were(con, fake_source):
    state = {
        "clients": [{"id": "C-1", "name": "Acme", "at": "2026-03-01T10:00:00Z"}],
        "now": "2026-03-01T12:00:00Z",
    }
    fake_source(ClientsSource(clients_api(state), fail_after_staging=True))
    with pytest.raises(RuntimeError):
        run_sync(con, "fakeclients", SyncContext(settings=Settings({})))
    assert con.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
    assert read_cursors(con, "fakeclients") == {}
    status = con.execute("SELECT status FROM load_log WHERE source = 'fakeclients-api'").fetchall()
    assert status == [("failed",)]


def test_a_run_marks_the_queued_requests_of_its_source_handled(con, fake_source):
    state = {"clients": [], "now": "2026-03-01T12:00:00Z"}
    fake_source(ClientsSource(clients_api(state)))
    request_sync(con, "fakeclients", "webhook")
    request_sync(con, "other", "webhook")
    report = run_sync(con, "fakeclients", SyncContext(settings=Settings({})))
    handled = con.execute(
        "SELECT source, handled_by_load FROM sync_requests ORDER BY request_id"
    ).fetchall()
    assert handled == [("fakeclients", report.load.load_id), ("other", None)]


def test_cli_without_configured_sources_is_one_line(db_path, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("etl.sync.settings.SECRETS_PATH", tmp_path / "none.toml")
    monkeypatch.setattr(registry, "SOURCES", {})
    assert etl_main(["--db", str(db_path), "sync"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no sync source is configured") and err.count("\n") == 1


def test_cli_runs_a_registered_source_and_reports_requests(db_path, capsys, fake_source):
    state = {
        "clients": [{"id": "C-9", "name": "Zeta", "at": "2026-03-02T00:00:00Z"}],
        "now": "2026-03-02T01:00:00Z",
    }
    fake_source(ClientsSource(clients_api(state)))
    assert etl_main(["--db", str(db_path), "sync", "--source", "fakeclients"]) == 0
    out = capsys.readouterr().out
    assert "fakeclients: 1 record(s) in 1 request(s), 1 row(s) changed" in out
