"""OAuth2 for the accounting APIs (QuickBooks Online, Xero): the authorisation-code grant once
(`python -m etl connect quickbooks|xero`), then refresh tokens for every sync.

Why this shape:
- authlib (pinned) writes and reads the protocol (RFC 6749): the authorize URL with a state,
  the redirect's code and state check, the token request bodies. The POSTs to the vendor's
  token endpoint (HTTP Basic client auth) go through httpx, so tests use the same
  MockTransport as the API (authlib's own httpx client is built on another httpx package).
- Both vendors ROTATE refresh tokens (QBO may return a new one, Xero always does and the old
  one dies 30 min later), so the latest token set is written back after every refresh, or the
  next run is locked out. One copy per source: parallel refreshes get `invalid_grant`.
- Tokens never go in the repo, the warehouse or a log: they live in one file per source,
  encrypted with Fernet (cryptography) under `ACCOUNTING_TOKEN_KEY` (environment or
  .streamlit/secrets.toml), in `ACCOUNTING_TOKEN_DIR` (default ~/.local/share/billing-ops).
- `BearerAuth` is an httpx.Auth: it refreshes before a request when the access token has
  expired (by the injectable clock) and once more on a 401, then retries that request.
Tests pass an httpx.MockTransport for the token endpoint and a fixed clock.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.oauth2.rfc6749 import parameters
from cryptography.fernet import Fernet, InvalidToken

from etl.sync.http import CredentialError
from etl.sync.settings import Settings

TOKEN_KEY = "ACCOUNTING_TOKEN_KEY"
TOKEN_DIR = "ACCOUNTING_TOKEN_DIR"
DEFAULT_TOKEN_DIR = Path.home() / ".local" / "share" / "billing-ops" / "tokens"
EARLY_SECONDS = 60  # refresh this long before the access token expires


@dataclass(frozen=True)
class OAuthApp:
    """One vendor's endpoints and this firm's app registration."""

    source: str
    authorize_url: str
    token_url: str
    client_id: str
    client_secret: str
    scope: str
    redirect_uri: str


class TokenStore:
    """The latest token set of one source, Fernet-encrypted on disk (mode 0600)."""

    def __init__(self, source: str, settings: Settings):
        self.source = source
        key = settings.get(TOKEN_KEY)
        if key is None:
            raise CredentialError(
                f"{source}: {TOKEN_KEY} is not set (environment or .streamlit/secrets.toml); "
                f"make one with: python -m etl connect {source} --new-key"
            )
        try:
            self._fernet = Fernet(key.encode())
        except ValueError:
            raise CredentialError(f"{source}: {TOKEN_KEY} is not a Fernet key") from None
        folder = Path(settings.get(TOKEN_DIR) or DEFAULT_TOKEN_DIR)
        self.path = folder / f"{source}.token"

    def load(self) -> dict[str, Any]:
        if not self.path.exists():
            raise CredentialError(
                f"{self.source}: not connected; run: python -m etl connect {self.source}"
            )
        try:
            return json.loads(self._fernet.decrypt(self.path.read_bytes()))
        except InvalidToken:
            raise CredentialError(
                f"{self.source}: the stored token cannot be read with this {TOKEN_KEY}; "
                f"run: python -m etl connect {self.source}"
            ) from None

    def save(self, token: dict[str, Any]) -> None:
        """Atomically replaces the stored set (a crash never leaves half a file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(self._fernet.encrypt(json.dumps(token).encode()))
        os.replace(tmp, self.path)


def new_key() -> str:
    """A fresh Fernet key for ACCOUNTING_TOKEN_KEY."""
    return Fernet.generate_key().decode()


def authorization_url(app: OAuthApp, state: str | None = None) -> tuple[str, str]:
    """(URL to open in a browser, the state to check on the redirect)."""
    state = state or secrets.token_urlsafe(24)
    url = parameters.prepare_grant_uri(
        app.authorize_url,
        app.client_id,
        "code",
        redirect_uri=app.redirect_uri,
        scope=app.scope,
        state=state,
    )
    return url, state


def code_from_redirect(redirect: str, state: str | None) -> tuple[str, dict[str, str]]:
    """The authorisation code of the URL the browser was sent back to (its state checked), and
    the redirect's other parameters (QBO adds `realmId`)."""
    try:
        found = parameters.parse_authorization_code_response(redirect, state=state)
    except AuthlibBaseError as err:  # MismatchingStateException, MissingCodeException
        raise CredentialError(f"the redirect URL is not an authorisation answer: {err}") from None
    extra = dict(httpx.URL(redirect).params)
    return found["code"], extra


def _token_request(
    app: OAuthApp, body: str, transport: httpx.BaseTransport | None, now: float
) -> dict[str, Any]:
    """POST to the token endpoint with HTTP Basic client auth (both vendors' documented way)."""
    with httpx.Client(transport=transport, timeout=30.0, follow_redirects=False) as http:
        response = http.post(
            app.token_url,
            content=body,
            auth=(app.client_id, app.client_secret),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
    try:
        token = response.json()
    except ValueError:
        token = {}
    if response.is_error or "access_token" not in token:
        reason = token.get("error") or f"HTTP {response.status_code}"
        raise CredentialError(
            f"{app.source}: the token endpoint refused the request ({reason}); "
            f"run: python -m etl connect {app.source}"
        )
    if token.get("expires_in") is not None:
        token["expires_at"] = now + float(token["expires_in"])
    return token


def exchange_code(
    app: OAuthApp,
    code: str,
    *,
    transport: httpx.BaseTransport | None = None,
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """The token set for an authorisation code (the `code` on the redirect)."""
    body = parameters.prepare_token_request(
        "authorization_code", code=code, redirect_uri=app.redirect_uri
    )
    return _token_request(app, body, transport, now())


def refresh(
    app: OAuthApp,
    token: dict[str, Any],
    *,
    transport: httpx.BaseTransport | None = None,
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """A new token set from the refresh token; keeps the old refresh token when the vendor
    returns none (QBO may keep it) and carries the tenant/realm fields along."""
    if not token.get("refresh_token"):
        raise CredentialError(
            f"{app.source}: no refresh token; run: python -m etl connect {app.source}"
        )
    body = parameters.prepare_token_request("refresh_token", refresh_token=token["refresh_token"])
    fresh = _token_request(app, body, transport, now())
    fresh.setdefault("refresh_token", token["refresh_token"])
    for key in ("realm_id", "tenant_id"):
        if key in token and key not in fresh:
            fresh[key] = token[key]
    return fresh


@dataclass
class BearerAuth(httpx.Auth):
    """Bearer token from the store; refreshed when expired and once on a 401, and saved."""

    app: OAuthApp
    store: TokenStore
    transport: httpx.BaseTransport | None = None
    now: Callable[[], float] = time.time
    refreshes: int = 0
    _token: dict[str, Any] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def token(self) -> dict[str, Any]:
        if self._token is None:
            self._token = self.store.load()
        return self._token

    def _refresh(self) -> None:
        with self._lock:
            self._token = refresh(self.app, self.token, transport=self.transport, now=self.now)
            self.store.save(self._token)
            self.refreshes += 1

    def _expired(self) -> bool:
        expires = self.token.get("expires_at")
        return not self.token.get("access_token") or (
            expires is not None and float(expires) - EARLY_SECONDS <= self.now()
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._expired():
            self._refresh()
        request.headers["Authorization"] = f"Bearer {self.token['access_token']}"
        response = yield request
        if response.status_code == 401:
            self._refresh()
            request.headers["Authorization"] = f"Bearer {self.token['access_token']}"
            yield request
