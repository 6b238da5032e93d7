"""The one way a connector talks HTTP: an httpx client with retries and clear errors.

Retries (tenacity) cover what a well-behaved API client must survive: 429 with `Retry-After`
(seconds or an HTTP date; waited exactly, up to `RetryPolicy.max_retry_after`), 5xx and
transport errors (exponential backoff with jitter). Anything else is the caller's problem and
becomes one line the CLI prints as it is: `CredentialError` for 401/403 (a bad or expired token
is fixed by the user, not by retrying), `ApiError` for the rest, naming the source, the method,
the path and the status. Tests inject an `httpx.MockTransport` (or point `base_url` at a local
fake server) and a `sleep` that records instead of sleeping.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

import httpx
import tenacity

from core.cli_errors import UserError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "billing-ops-sync (https://github.com/billing-ops)"


class SyncError(UserError):
    """A sync that cannot go on; the message is one line naming the source."""


class CredentialError(SyncError):
    """Missing, rejected or expired credentials (401/403, or a key not configured)."""


class ApiError(SyncError):
    """The API refused the request or kept failing after the retries."""


class _Retryable(Exception):
    """A response worth another try (429, 5xx); carries the server's Retry-After, if any."""

    def __init__(self, response: httpx.Response, retry_after: float | None):
        super().__init__(f"{response.status_code}")
        self.response, self.retry_after = response, retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. The defaults suit every tracker's documented limits (Harvest 100 per
    15 s, Tempo 5/s, Clockify 50/s); `max_retry_after` refuses to sit out a longer ban (a quota
    window) and says so instead."""

    attempts: int = 6
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 300.0
    sleep: Callable[[float], None] = time.sleep


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date (seconds from now); None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _wait(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    backoff = tenacity.wait_exponential_jitter(
        multiplier=policy.backoff_initial, max=policy.backoff_max, jitter=policy.backoff_initial
    )

    def wait(state: tenacity.RetryCallState) -> float:
        err = state.outcome.exception() if state.outcome else None
        if isinstance(err, _Retryable) and err.retry_after is not None:
            return err.retry_after
        return backoff(state)

    return wait


@dataclass
class SyncClient:
    """An httpx.Client for one source plus its retry policy and a request counter (the bench
    reports requests; a test asserts an unchanged second run asks little)."""

    source: str
    http: httpx.Client
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    requests: int = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One logical request, retried per the policy; a 2xx response or a SyncError."""
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.policy.attempts),
            wait=_wait(self.policy),
            retry=tenacity.retry_if_exception_type((_Retryable, httpx.TransportError)),
            sleep=self.policy.sleep,
            reraise=True,
        )
        try:
            return retrying(self._once, method, url, params, json, headers)
        except _Retryable as err:
            raise self._error(method, err.response, f" after {self.policy.attempts} attempts")
        except httpx.TransportError as err:
            where = f"{method} {self._path(url)}"
            raise ApiError(f"{self.source}: {where}: cannot reach the API: {err}") from None

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.json_of(self.request("GET", url, params=params))

    def json_of(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            path = self._path(str(response.request.url))
            raise ApiError(f"{self.source}: {path}: the response is not JSON") from None

    def _once(self, method, url, params, json, headers) -> httpx.Response:
        self.requests += 1
        response = self.http.request(method, url, params=params, json=json, headers=headers)
        if response.status_code in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.policy.max_retry_after:
                raise self._error(method, response, f" (Retry-After {retry_after:.0f} s)")
            raise _Retryable(response, retry_after)
        if response.is_error:
            raise self._error(method, response, "")
        return response

    def _path(self, url: str) -> str:
        return httpx.URL(url).path or url

    def _error(self, method: str, response: httpx.Response, suffix: str) -> SyncError:
        where = f"{method} {self._path(str(response.request.url))}"
        status = f"{response.status_code} {response.reason_phrase}".strip()
        detail = _body_hint(response)
        text = f"{self.source}: {where}: {status}{suffix}{detail}"
        if response.status_code in (401, 403):
            return CredentialError(f"{text}; check the {self.source} credentials")
        return ApiError(text)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _body_hint(response: httpx.Response) -> str:
    """The API's own message, short, on one line (most APIs put it in `message` or `error`)."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return f": {' '.join(text.split())[:160]}" if text and len(text) < 400 else ""
    if isinstance(body, dict):
        for key in ("message", "error_description", "error", "detail", "errorMessage"):
            if isinstance(body.get(key), str) and body[key].strip():
                return f": {' '.join(body[key].split())[:160]}"
    return ""


def make_client(
    source: str,
    base_url: str,
    *,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    policy: RetryPolicy | None = None,
    timeout: float = 30.0,
) -> SyncClient:
    """A client for `source`: base URL, default headers (a User-Agent unless given), auth, and
    the transport tests replace. Redirects are not followed (an API that redirects is
    misconfigured, and a redirect could carry the token elsewhere)."""
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"} | dict(headers or {})
    http = httpx.Client(
        base_url=base_url,
        headers=all_headers,
        auth=auth,
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
    )
    return SyncClient(source, http, policy or RetryPolicy())
