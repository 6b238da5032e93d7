"""A local OpenID Connect provider for tests: discovery document, authorization endpoint (signs
in `user` at once, no form), token endpoint (authorization code -> RS256 id_token with the
nonce the app sent) and JWKS, as the OIDC Core and Discovery specs shape them. Started by the
test on 127.0.0.1; nothing leaves the machine."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "billing-ops"
CLIENT_SECRET = "fake-client-secret"


@dataclass
class FakeProvider:
    issuer: str
    user: dict = field(
        default_factory=lambda: {
            "email": "lee@firm.example",
            "name": "Lee Park",
            "email_verified": True,
        }
    )
    key: object = field(default_factory=lambda: RSAKey.generate_key(2048))
    codes: dict = field(default_factory=dict)  # code -> (nonce, redirect_uri)
    token_requests: list = field(default_factory=list)

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def jwks(self) -> dict:
        public = self.key.as_dict(private=False)
        return {"keys": [{**public, "kid": "test-key", "use": "sig", "alg": "RS256"}]}

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": self.user["email"],
            "iat": now,
            "exp": now + 300,
            **self.user,
            **({"nonce": nonce} if nonce else {}),
        }
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                return self._json(200, provider.discovery())
            if url.path == "/jwks":
                return self._json(200, provider.jwks())
            if url.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                    return self._json(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                provider.codes[code] = (query.get("nonce"), query["redirect_uri"])
                back = {"code": code, "state": query.get("state", "")}
                self.send_response(302)
                self.send_header("Location", f"{query['redirect_uri']}?{urlencode(back)}")
                self.end_headers()
                return None
            return self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            if urlparse(self.path).path != "/token":
                return self._json(404, {"error": "not_found"})
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):
                cid, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            else:
                cid, secret = form.get("client_id"), form.get("client_secret")
            provider.token_requests.append(form)
            if (cid, secret) != (CLIENT_ID, CLIENT_SECRET):
                return self._json(401, {"error": "invalid_client"})
            found = provider.codes.pop(form.get("code", ""), None)
            if form.get("grant_type") != "authorization_code" or found is None:
                return self._json(400, {"error": "invalid_grant"})
            nonce, redirect_uri = found
            if form.get("redirect_uri") != redirect_uri:
                return self._json(400, {"error": "invalid_grant"})
            return self._json(
                200,
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(nonce),
                },
            )

    return Handler


@contextmanager
def fake_oidc_provider() -> Iterator[FakeProvider]:
    """The provider on a free port of 127.0.0.1 for the length of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    provider = FakeProvider(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


def auth_secrets(provider: FakeProvider, app_url: str) -> str:
    """The [auth] section of secrets.toml for an app at `app_url` signing in at `provider`."""
    return (
        "[auth]\n"
        f'redirect_uri = "{app_url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n'
    )
