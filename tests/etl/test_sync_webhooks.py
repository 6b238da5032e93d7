"""The webhook receiver: verified signatures queue a sync; anything else queues nothing."""

from __future__ import annotations

import hashlib
import hmac
import threading

import httpx
import pytest

from etl.sync.settings import Settings
from etl.sync.webhooks import handle, make_server
from warehouse.db import connect

BODY = b'{"id":"65f5a1c2e4b0a93a2c1d7e01","description":"Draft the newsletter"}'
SETTINGS = Settings(
    {"CLOCKIFY_WEBHOOK_SECRET": "clk-secret", "HARVEST_WEBHOOK_SECRET": "hv-secret"}
)


def requests(db) -> list[tuple]:
    con = connect(db)
    try:
        return con.execute("SELECT source, reason, handled_at FROM sync_requests").fetchall()
    finally:
        con.close()


def call(db, path, headers, body=BODY, settings=SETTINGS):
    return handle(path, headers, body, settings, lambda: connect(db))


def test_clockify_token_signature_queues_a_sync(db_path):
    headers = {"Clockify-Signature": "clk-secret", "Clockify-Webhook-Event-Type": "NEW_TIME_ENTRY"}
    reply = call(db_path, "/hooks/clockify", headers)
    assert (reply.status, reply.text) == (202, "sync of clockify queued (request 1)")
    assert requests(db_path) == [("clockify", "clockify webhook NEW_TIME_ENTRY", None)]


def test_clockify_hmac_scheme(db_path):
    settings = Settings(
        {"CLOCKIFY_WEBHOOK_SECRET": "clk-secret", "CLOCKIFY_WEBHOOK_SCHEME": "hmac"}
    )
    good = hmac.new(b"clk-secret", BODY, hashlib.sha256).hexdigest()
    assert (
        call(db_path, "/hooks/clockify", {"Clockify-Signature": good}, settings=settings).status
        == 202
    )
    assert (
        call(
            db_path, "/hooks/clockify", {"Clockify-Signature": "clk-secret"}, settings=settings
        ).status
        == 401
    )


@pytest.mark.parametrize(
    "headers",
    [{}, {"Clockify-Signature": "wrong"}, {"Clockify-Signature": "clk-secret "}],
)
def test_bad_or_missing_signature_is_401_and_queues_nothing(db_path, headers):
    assert call(db_path, "/hooks/clockify", headers).status == 401
    connect(db_path).close()
    assert requests(db_path) == []


def test_generic_hmac_for_a_relay(db_path):
    signature = "sha256=" + hmac.new(b"hv-secret", BODY, hashlib.sha256).hexdigest()
    assert call(db_path, "/hooks/harvest", {"X-Signature-256": signature}).status == 202
    tampered = BODY.replace(b"Draft", b"Drift")
    assert call(db_path, "/hooks/harvest", {"X-Signature-256": signature}, tampered).status == 401
    assert [r[0] for r in requests(db_path)] == ["harvest"]


def test_unknown_or_unconfigured_source_is_404(db_path):
    assert call(db_path, "/hooks/nosuch", {}).status == 404
    assert call(db_path, "/hooks/tempo", {"X-Signature-256": "sha256=00"}).status == 404


def test_over_http(db_path):
    connect(db_path).close()
    server = make_server("127.0.0.1", 0, lambda: connect(db_path), SETTINGS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks/clockify"
        ok = httpx.post(url, content=BODY, headers={"Clockify-Signature": "clk-secret"})
        bad = httpx.post(url, content=BODY, headers={"Clockify-Signature": "nope"})
    finally:
        server.shutdown()
        server.server_close()
    assert (ok.status_code, bad.status_code) == (202, 401)
    assert [r[0] for r in requests(db_path)] == ["clockify"]


def test_a_busy_warehouse_is_503_so_the_sender_retries(db_path):
    from core.cli_errors import UserError

    def busy():
        raise UserError("cannot open warehouse: the warehouse is busy")

    reply = handle("/hooks/clockify", {"Clockify-Signature": "clk-secret"}, BODY, SETTINGS, busy)
    assert reply.status == 503
