"""Local fakes of the tracker APIs, reproducing the documented request and response shapes
(../shared/reference/connectors.md sections 1-4): headers and auth, paging styles, filters,
429 + Retry-After and error bodies. Each fake is a handler `httpx.Request -> httpx.Response`:
`.transport()` serves it in-process (httpx.MockTransport), `serve(fake)` over real HTTP on
127.0.0.1 (the bench). `fail` maps a request number (1-based) to a (status, headers) reply,
so a test can put a 429 exactly where it wants one."""

from __future__ import annotations

import base64
import json
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import httpx


def _json(status: int, body, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers or {})


@dataclass
class Fake:
    base: str = "https://fake.test"
    fail: dict[int, tuple[int, dict[str, str]]] = field(default_factory=dict)
    seen: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        planned = self.fail.get(len(self.seen))
        if planned:
            status, headers = planned
            return _json(status, {"message": "planned failure"}, headers)
        return self.handle(request)

    def handle(self, request: httpx.Request) -> httpx.Response:  # pragma: no cover
        raise NotImplementedError

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


# ------------------------------------------------------------------ Harvest v2


def harvest_entry(
    entry_id: int,
    day: str,
    hours: float,
    *,
    user: str = "Elena Ruiz",
    client: str = "Kestrel & Co",
    currency: str = "EUR",
    project: str = "Storefront",
    code: str = "KES-01",
    task: str = "Development",
    notes: str = "Checkout totals refactor",
    updated_at: str = "2026-03-16T11:31:40Z",
    billable: bool = True,
    is_closed: bool = False,
    is_billed: bool = False,
) -> dict:
    """A time_entry in the documented shape (hours a JSON number)."""
    return {
        "id": entry_id,
        "spent_date": day,
        "hours": hours,
        "rounded_hours": hours,
        "notes": notes,
        "is_locked": False,
        "locked_reason": None,
        "is_closed": is_closed,
        "is_billed": is_billed,
        "timer_started_at": None,
        "started_time": "9:05am",
        "ended_time": "11:29am",
        "is_running": False,
        "billable": billable,
        "budgeted": True,
        "billable_rate": 150.0,
        "cost_rate": 70.0,
        "created_at": updated_at,
        "updated_at": updated_at,
        "user": {"id": zlib.crc32(user.encode()) % 10**7, "name": user},
        "client": {"id": zlib.crc32(client.encode()) % 10**7, "name": client, "currency": currency},
        "project": {"id": zlib.crc32(project.encode()) % 10**8, "name": project, "code": code},
        "task": {"id": zlib.crc32(task.encode()) % 10**7, "name": task},
        "external_reference": None,
        "invoice": None,
    }


@dataclass
class FakeHarvest(Fake):
    """GET /v2/time_entries with updated_since (>=), from/to on spent_date, per_page (422 above
    2000), cursor or page style `links.next`; 400 without User-Agent, 401 on a bad token."""

    token: str = "good-token"
    account_id: str = "123"
    style: str = "cursor"  # or "page"
    entries: dict[int, dict] = field(default_factory=dict)

    def put(self, *entries: dict) -> None:
        for e in entries:
            self.entries[e["id"]] = e

    def delete(self, entry_id: int) -> None:
        self.entries.pop(entry_id)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not request.headers.get("User-Agent"):
            return _json(400, {"message": "User-Agent header is required"})
        if (
            request.headers.get("Authorization") != f"Bearer {self.token}"
            or request.headers.get("Harvest-Account-Id") != self.account_id
        ):
            return _json(
                401,
                {
                    "error": "invalid_token",
                    "error_description": "The access token provided is expired, revoked, malformed or "
                    "invalid for other reasons.",
                },
            )
        if request.url.path != "/v2/time_entries":
            return _json(404, {"message": "Not found"})
        q = request.url.params
        per_page = int(q.get("per_page", "2000"))
        if per_page > 2000:
            return _json(422, {"message": "per_page must be less than or equal to 2000"})
        rows = sorted(self.entries.values(), key=lambda e: e["id"])
        if "updated_since" in q:
            since = datetime.fromisoformat(q["updated_since"])
            rows = [e for e in rows if datetime.fromisoformat(e["updated_at"]) >= since]
        if "from" in q:
            rows = [e for e in rows if e["spent_date"] >= q["from"]]
        if "to" in q:
            rows = [e for e in rows if e["spent_date"] <= q["to"]]
        offset = (
            int(q.get("cursor", "0"))
            if self.style == "cursor"
            else (int(q.get("page", "1")) - 1) * per_page
        )
        page_rows = rows[offset : offset + per_page]
        more = offset + per_page < len(rows)
        keep = {k: v for k, v in q.items() if k not in ("cursor", "ref", "page")}
        total_pages = max(1, -(-len(rows) // per_page))
        if self.style == "cursor":
            nxt = (
                f"{self.base}/v2/time_entries?"
                + urlencode({**keep, "cursor": offset + per_page, "ref": "next_cursor"})
                if more
                else None
            )
            page = next_page = None
        else:
            page = offset // per_page + 1
            next_page = page + 1 if more else None
            nxt = (
                f"{self.base}/v2/time_entries?" + urlencode({**keep, "page": next_page})
                if more
                else None
            )
        return _json(
            200,
            {
                "time_entries": page_rows,
                "per_page": per_page,
                "total_pages": total_pages,
                "total_entries": len(rows),
                "page": page,
                "next_page": next_page,
                "previous_page": None,
                "links": {
                    "first": f"{self.base}/v2/time_entries?page=1",
                    "next": nxt,
                    "previous": None,
                    "last": None,
                },
            },
        )


# ------------------------------------------------------------------ real HTTP


@contextmanager
def serve(fake: Fake) -> Iterator[str]:
    """Serves `fake` on 127.0.0.1 (a free port); yields the base URL. The fake's `base` is set
    to it so its next links point back at the server."""

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = httpx.Request(
                self.command,
                f"{fake.base}{self.path}",
                headers=dict(self.headers.items()),
                content=body,
            )
            response = fake(request)
            payload = response.content
            self.send_response(response.status_code)
            for k, v in response.headers.items():
                if k.lower() not in ("content-length", "transfer-encoding"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _any

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake.base
    finally:
        server.shutdown()
        server.server_close()


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def later(stamp: str, seconds: int) -> str:
    return iso(datetime.fromisoformat(stamp) + timedelta(seconds=seconds))


# ------------------------------------------------------------------ Toggl Track v9 + Reports v3


@dataclass
class FakeToggl(Fake):
    """Basic auth `<token>:api_token` (403 otherwise); v9 workspaces, clients, projects
    (page/per_page), tasks, tags; Reports v3 detailed search with `X-Next-*` paging headers;
    `quota` requests before 402 (the hourly quota); entries are grouped rows."""

    token: str = "toggl-token"
    workspace: dict = field(
        default_factory=lambda: {"id": 7311024, "name": "Acme", "default_currency": "EUR"}
    )
    clients: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # grouped report rows
    quota: int = 10_000

    def handle(self, request: httpx.Request) -> httpx.Response:
        expected = "Basic " + base64.b64encode(f"{self.token}:api_token".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return httpx.Response(403, text="Incorrect username and/or password")
        self.quota -= 1
        if self.quota < 0:
            return _json(402, {"message": "You have hit your hourly API quota"})
        path, wid = request.url.path, self.workspace["id"]
        if path == "/api/v9/me/workspaces":
            return _json(200, [self.workspace])
        if path == f"/api/v9/workspaces/{wid}/clients":
            return _json(200, self.clients)
        if path == f"/api/v9/workspaces/{wid}/tasks":
            return _json(200, [])
        if path == f"/api/v9/workspaces/{wid}/tags":
            return _json(200, self.tags)
        if path == f"/api/v9/workspaces/{wid}/projects":
            page, per = int(request.url.params["page"]), int(request.url.params["per_page"])
            return _json(200, self.projects[(page - 1) * per : page * per])
        if path == f"/reports/api/v3/workspace/{wid}/search/time_entries":
            body = json.loads(request.content)
            rows = [
                r
                for r in self.rows
                if body["start_date"] <= r["time_entries"][0]["start"][:10] <= body["end_date"]
            ]
            first = int(body.get("first_row_number", 1))
            page = rows[first - 1 : first - 1 + body["page_size"]]
            for i, r in enumerate(page, first):
                r["row_number"] = i
            headers = {}
            if first - 1 + body["page_size"] < len(rows):
                last = page[-1]["time_entries"][0]
                headers = {
                    "X-Next-ID": str(last["id"]),
                    "X-Next-Row-Number": str(first + body["page_size"]),
                    "X-Next-Timestamp": "1773650000",
                }
            return _json(200, page, headers)
        return _json(404, {"message": "not found"})


def toggl_row(
    entry_id: int,
    start: str,
    seconds: int,
    *,
    user: str = "Elena Ruiz",
    project_id: int | None = 201448812,
    description: str = "Sprint planning",
    billable: bool = True,
    tag_ids: list[int] | None = None,
    at: str = "2026-11-02T09:15:04+00:00",
) -> dict:
    stop = iso(datetime.fromisoformat(start) + timedelta(seconds=max(seconds, 0)))
    return {
        "user_id": zlib.crc32(user.encode()) % 10**7,
        "username": user,
        "project_id": project_id,
        "task_id": None,
        "description": description,
        "billable": billable,
        "tag_ids": tag_ids or [],
        "hourly_rate_in_cents": 9000,
        "billable_amount_in_cents": 0,
        "currency": "EUR",
        "row_number": 0,
        "time_entries": [
            {"id": entry_id, "seconds": seconds, "start": start, "stop": stop, "at": at}
        ],
    }


# ------------------------------------------------------------------ Clockify v1


@dataclass
class FakeClockify(Fake):
    """`X-Api-Key` (401 otherwise); GET /api/v1/workspaces; POST
    /report/v1/workspaces/{ws}/reports/detailed paged by detailedFilter.page/pageSize with a
    short last page and no totals on it; report durations in whole seconds."""

    api_key: str = "clockify-key"
    workspace_id: str = "64c7770001"
    entries: list[dict] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("X-Api-Key") != self.api_key:
            return _json(
                401,
                {
                    "message": "Full authentication is required to access this resource",
                    "code": 1000,
                },
            )
        path = request.url.path
        if path == "/api/v1/workspaces":
            return _json(200, [{"id": self.workspace_id, "name": "Acme"}])
        if path == f"/report/v1/workspaces/{self.workspace_id}/reports/detailed":
            body = json.loads(request.content)
            lo, hi = body["dateRangeStart"][:10], body["dateRangeEnd"][:10]
            rows = [e for e in self.entries if lo <= e["timeInterval"]["start"][:10] <= hi]
            page, size = body["detailedFilter"]["page"], body["detailedFilter"]["pageSize"]
            chunk = rows[(page - 1) * size : page * size]
            totals = [{"_id": "", "totalTime": 0, "entriesCount": len(rows)}] if page == 1 else []
            return _json(200, {"totals": totals, "timeentries": chunk})
        return _json(404, {"message": "not found"})


def clockify_entry(
    entry_id: str,
    start: str,
    seconds: int,
    *,
    user: str = "Elena Ruiz",
    email: str = "elena@firm.example",
    client: str = "Kestrel & Co",
    project: str = "Storefront",
    task: str | None = "Newsletter",
    description: str = "Draft the March newsletter",
    billable: bool = True,
    tags: list[str] | None = None,
) -> dict:
    end = iso(datetime.fromisoformat(start) + timedelta(seconds=seconds))
    return {
        "_id": entry_id,
        "description": description,
        "userId": "64c777dd01",
        "userName": user,
        "userEmail": email,
        "billable": billable,
        "projectId": "64c7771234",
        "projectName": project,
        "clientId": "64c7775678",
        "clientName": client,
        "taskId": None,
        "taskName": task,
        "isLocked": False,
        "tags": [{"name": t} for t in tags or []],
        "timeInterval": {"start": start, "end": end, "duration": seconds},
    }


# ------------------------------------------------------------------ Tempo v4 (+ Jira Cloud)


@dataclass
class FakeTempo(Fake):
    """Bearer token (401 otherwise); GET /4/worklogs with updatedFrom (>=) or from/to, offset
    and limit, `metadata.next` a full URL absent on the last page. Jira: GET
    /rest/api/3/issue/{id} and /rest/api/3/user?accountId= (basic auth not checked)."""

    token: str = "tempo-token"
    worklogs: dict[int, dict] = field(default_factory=dict)
    issues: dict[int, str] = field(default_factory=dict)  # id -> key
    users: dict[str, tuple[str, str]] = field(default_factory=dict)  # accountId -> name, email

    def put(self, *worklogs: dict) -> None:
        for w in worklogs:
            self.worklogs[w["tempoWorklogId"]] = w

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, q = request.url.path, request.url.params
        if path.startswith("/rest/api/3/issue/"):
            issue_id = int(path.rsplit("/", 1)[1])
            return _json(200, {"id": str(issue_id), "key": self.issues[issue_id], "fields": {}})
        if path == "/rest/api/3/user":
            name, email = self.users[q["accountId"]]
            return _json(
                200, {"accountId": q["accountId"], "displayName": name, "emailAddress": email}
            )
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json(401, {"errors": [{"message": "Authentication failed"}]})
        if path != "/4/worklogs":
            return _json(404, {"message": "not found"})
        rows = sorted(self.worklogs.values(), key=lambda w: w["tempoWorklogId"])
        if "updatedFrom" in q:
            rows = [w for w in rows if w["updatedAt"] >= q["updatedFrom"]]
        if "from" in q:
            rows = [w for w in rows if q["from"] <= w["startDate"] <= q["to"]]
        offset, limit = int(q.get("offset", "0")), int(q.get("limit", "50"))
        chunk = rows[offset : offset + limit]
        keep = {k: v for k, v in q.items() if k != "offset"}
        meta = {"count": len(chunk), "offset": offset, "limit": limit}
        if offset + limit < len(rows):
            meta["next"] = f"{self.base}/4/worklogs?" + urlencode(
                {**keep, "offset": offset + limit}
            )
        return _json(200, {"self": str(request.url), "metadata": meta, "results": chunk})


def tempo_worklog(
    worklog_id: int,
    day: str,
    seconds: int,
    *,
    issue_id: int = 10421,
    account_id: str = "5b10a2844c20165700ede21g",
    description: str = "Checkout totals",
    account: str | None = "KES-01",
    billable_seconds: int | None = None,
    updated_at: str = "2026-11-02T10:31:02Z",
) -> dict:
    return {
        "self": f"https://api.tempo.io/4/worklogs/{worklog_id}",
        "tempoWorklogId": worklog_id,
        "issue": {
            "self": f"https://acme.atlassian.net/rest/api/2/issue/{issue_id}",
            "id": issue_id,
        },
        "timeSpentSeconds": seconds,
        "billableSeconds": seconds if billable_seconds is None else billable_seconds,
        "startDate": day,
        "startTime": "09:00:00",
        "startDateTimeUtc": f"{day}T08:00:00Z",
        "description": description,
        "createdAt": updated_at,
        "updatedAt": updated_at,
        "author": {"accountId": account_id},
        "attributes": {"values": [{"key": "_Account_", "value": account}] if account else []},
    }
