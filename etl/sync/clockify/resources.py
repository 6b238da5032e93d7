"""Clockify resources: the workspace (configured, or the first of GET /workspaces) and the
detailed report of a trailing window (Clockify has no updated-since filter on entries, so
every run re-reads the window; unchanged rows load as unchanged, missing ones are deletions).
Mapping follows the Clockify CSV importer: person by email (else name), client, project,
task, description, billable, a tag with the word "rush" makes a rush entry; `duration` in a
report is whole seconds."""

from __future__ import annotations

from datetime import date, timedelta

from etl.exports.cells import bool_text, has_tag
from etl.exports.table import RowProblem
from etl.sync.clockify.client import clockify_client, report_paginator
from etl.sync.clockify.settings import SOURCE, ClockifySettings
from etl.sync.http import ApiError
from etl.sync.paginate import PageRequest, paginate
from etl.sync.trackers import ApiBatch, Mapped, local_day, seconds_text, window_deletions

WINDOW_END = "window_end"


def fetch(ctx, settings: ClockifySettings, cursors: dict[str, str], today: date) -> dict:
    requests = 0
    wid = settings.workspace_id
    if wid is None:
        with clockify_client(ctx, settings, settings.api_url) as api:
            workspaces = api.get_json("/workspaces") or []
            requests += api.requests
        if not workspaces:
            raise ApiError("clockify: the API key's user belongs to no workspace")
        wid = workspaces[0]["id"]
    start = today - timedelta(days=settings.window_days)
    body = {
        "dateRangeStart": f"{start.isoformat()}T00:00:00.000Z",
        "dateRangeEnd": f"{today.isoformat()}T23:59:59.999Z",
        "detailedFilter": {"page": 1, "pageSize": settings.page_size, "sortColumn": "DATE"},
        "sortOrder": "ASCENDING",
        "exportType": "JSON",
        "amountShown": "HIDE_AMOUNT",
    }
    with clockify_client(ctx, settings, settings.reports_url) as reports:
        request = PageRequest("POST", f"/workspaces/{wid}/reports/detailed", json=body)
        rows = [
            r
            for page in paginate(reports, request, report_paginator(settings.page_size))
            for r in page
        ]
        requests += reports.requests
    finished = [r for r in rows if (r.get("timeInterval") or {}).get("end")]
    seen = {str(r.get("_id") or r.get("id")) for r in rows}
    return {
        "entries": finished,
        "window": (start.isoformat(), today.isoformat(), seen),
        "cursors": dict(cursors) | {WINDOW_END: today.isoformat()},
        "requests": requests,
    }


def _tags(value) -> str:
    names = [t.get("name", "") if isinstance(t, dict) else str(t) for t in value or []]
    return ",".join(names)


def map_entries(con, batch: ApiBatch, payload: dict) -> Mapped:
    for line, e in enumerate(payload["entries"], 1):
        try:
            _map_one(batch, line, e)
        except (RowProblem, KeyError, TypeError, ValueError, ArithmeticError) as err:
            reason = f"missing field {err}" if isinstance(err, KeyError) else str(err)
            batch.error_record(line, f"time entry {e.get('_id')}: {reason}", e)
    start, end, seen = payload["window"]
    return Mapped(batch.batch(), window_deletions(con, SOURCE, start, end, seen))


def _map_one(batch: ApiBatch, line: int, e: dict) -> None:
    interval = e["timeInterval"]
    person = batch.person(e.get("userName") or "", e.get("userEmail") or "", line)
    if person is None:
        raise RowProblem("userName and userEmail: both empty")
    client_name, project_name = e.get("clientName") or "", e.get("projectName") or ""
    client = batch.client(client_name, None, line)
    project = batch.project(client, client_name, project_name, "", line)
    task = batch.task(project, client_name, project_name, e.get("taskName") or "", line)
    batch.api_entry(
        line,
        str(e.get("_id") or e["id"]),
        person_id=person,
        date=local_day(interval["start"]),
        hours=seconds_text(interval["duration"]),
        project_id=project,
        sow_line_id=task,
        notes=e.get("description") or "",
        billable=bool_text(e.get("billable")),
        work_type="rush" if has_tag(_tags(e.get("tags")), "rush") else None,
    )
