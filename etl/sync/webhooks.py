"""A small webhook receiver: `python -m etl webhooks [--host H] [--port P]`. A POST to
`/hooks/<source>` whose signature verifies queues a sync of that source (sync_requests); the
next `python -m jobs run` (or `etl sync`) pulls the changes through the API as usual, so a
webhook never writes tracker data itself and polling stays the fallback for missed ones.

Signatures (docs/connectors.md):
- clockify: header `Clockify-Signature` carries the webhook's signing secret, as Clockify
  sends it (`CLOCKIFY_WEBHOOK_SECRET`); `CLOCKIFY_WEBHOOK_SCHEME=hmac` expects the hex
  HMAC-SHA256 of the raw body with that secret instead (unconfirmed which Clockify uses now).
- any other registered source (Harvest has no webhooks of its own: a relay such as an
  automation tool can call this): header `X-Signature-256: sha256=<hex HMAC-SHA256 of the raw
  body>` with `<SOURCE>_WEBHOOK_SECRET`.
A source without a secret configured is not accepted (404), an unsigned or mis-signed call is
401, a body over 1 MiB 413. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb

from core.cli_errors import UserError
from etl.sync.registry import names
from etl.sync.run import request_sync
from etl.sync.settings import Settings, load_settings
from warehouse.db import WarehouseBusy

MAX_BODY = 1 << 20


@dataclass(frozen=True)
class Reply:
    status: int
    text: str


def _hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def secret_key(source: str) -> str:
    return f"{source.upper()}_WEBHOOK_SECRET"


def verify(source: str, headers: Mapping[str, str], body: bytes, settings: Settings) -> bool:
    """Whether the call carries the source's signature (headers looked up case-insensitively)."""
    lower = {k.lower(): v for k, v in headers.items()}
    secret = settings.get(secret_key(source))
    if not secret:
        return False
    if source == "clockify":
        given = lower.get("clockify-signature", "")
        if settings.get("CLOCKIFY_WEBHOOK_SCHEME", "token") == "hmac":
            return hmac.compare_digest(given, _hmac_hex(secret, body))
        return hmac.compare_digest(given, secret)
    given = lower.get("x-signature-256", "")
    return hmac.compare_digest(given, f"sha256={_hmac_hex(secret, body)}")


def _event(source: str, headers: Mapping[str, str], body: bytes) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    event = lower.get("clockify-webhook-event-type") or lower.get("x-event-type")
    if not event:
        try:
            parsed = json.loads(body or b"{}")
            event = parsed.get("event") if isinstance(parsed, dict) else None
        except ValueError:
            event = None
    return f"{source} webhook {str(event or 'event')[:80]}"


def handle(
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    settings: Settings,
    connect: Callable[[], duckdb.DuckDBPyConnection],
) -> Reply:
    """The whole receiver, without the HTTP server (tests call it directly)."""
    prefix = "/hooks/"
    source = path.split("?", 1)[0][len(prefix) :] if path.startswith(prefix) else ""
    if source not in names() or not settings.get(secret_key(source)):
        return Reply(404, "no such webhook")
    if len(body) > MAX_BODY:
        return Reply(413, "body too large")
    if not verify(source, headers, body, settings):
        return Reply(401, "bad signature")
    try:
        con = connect()
    except (WarehouseBusy, duckdb.Error, UserError, OSError):  # busy, or held by a command
        return Reply(503, "warehouse busy; retry")
    try:
        request_id = request_sync(con, source, _event(source, headers, body))
    finally:
        con.close()
    return Reply(202, f"sync of {source} queued (request {request_id})")


def make_server(
    host: str,
    port: int,
    connect: Callable[[], duckdb.DuckDBPyConnection],
    settings: Settings | None = None,
) -> ThreadingHTTPServer:
    settings = settings or load_settings()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._reply(Reply(413, "body too large"))
                return
            body = self.rfile.read(length) if length else b""
            self._reply(handle(self.path, dict(self.headers.items()), body, settings, connect))

        def _reply(self, reply: Reply) -> None:
            payload = (reply.text + "\n").encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, fmt: str, *args) -> None:  # one line per call, no bodies
            print(f"webhooks: {self.address_string()} {fmt % args}", flush=True)

    return ThreadingHTTPServer((host, port), Handler)
