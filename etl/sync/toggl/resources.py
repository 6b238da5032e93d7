"""Toggl resources: the workspace (configured, or the first of /me/workspaces), its clients,
projects, tasks and tags (v9; names for the ids a report row carries), and the Reports v3
detailed report of a trailing window. Only entries whose `at` is past the cursor are mapped;
ids of the whole window find deletions. Mapping follows the Toggl CSV importer: person by
name, client/project/task by name, a tag with the word "rush" makes a rush entry."""

from __future__ import annotations

from datetime import date, timedelta

from etl.exports.cells import bool_text, has_tag
from etl.exports.table import RowProblem
from etl.sync.http import ApiError
from etl.sync.paginate import PageRequest, paginate
from etl.sync.toggl.client import (
    PROJECTS_PER_PAGE,
    projects_paginator,
    report_paginator,
    toggl_client,
)
from etl.sync.toggl.settings import API, REPORTS, SOURCE, TogglSettings
from etl.sync.trackers import ApiBatch, Mapped, local_day, seconds_text, window_deletions

ENTRIES = "time_entries"


def fetch(ctx, settings: TogglSettings, cursors: dict[str, str], today: date) -> dict:
    client = toggl_client(ctx, settings)
    with client:
        wid = settings.workspace_id
        workspaces = client.get_json(f"{API}/me/workspaces") if wid is None else []
        if wid is None:
            if not workspaces:
                raise ApiError("toggl: the token's user belongs to no workspace")
            wid = str(workspaces[0]["id"])
        currency = next(
            (w.get("default_currency") for w in workspaces if str(w["id"]) == wid), None
        )
        base = f"{API}/workspaces/{wid}"
        clients = client.get_json(f"{base}/clients") or []
        projects = [
            p
            for page in paginate(
                client,
                PageRequest(
                    url=f"{base}/projects",
                    params={"per_page": PROJECTS_PER_PAGE, "active": "both", "page": 1},
                ),
                projects_paginator(),
            )
            for p in page
        ]
        tasks = client.get_json(f"{base}/tasks") or []
        tags = client.get_json(f"{base}/tags") or []
        start = (today - timedelta(days=settings.window_days)).isoformat()
        body = {
            "start_date": start,
            "end_date": today.isoformat(),
            "page_size": settings.page_size,
            "order_by": "date",
            "order_dir": "asc",
        }
        rows = [
            r
            for page in paginate(
                client,
                PageRequest("POST", f"{REPORTS}/workspace/{wid}/search/time_entries", json=body),
                report_paginator(),
            )
            for r in page
        ]
        since = cursors.get(ENTRIES, "")
        changed, seen, newest = [], set(), since
        for row in rows:
            for te in row.get("time_entries") or []:
                seen.add(str(te["id"]))
                at = te.get("at") or ""
                running = te.get("seconds") is not None and int(te["seconds"]) < 0
                if at > since and not running:  # a running timer comes back once stopped
                    changed.append((row, te))
                    newest = max(newest, at)
        new_cursors = dict(cursors) | ({ENTRIES: newest} if newest else {})
        return {
            "changed": changed,
            "window": (start, today.isoformat(), seen),
            "clients": {c["id"]: c["name"] for c in clients},
            "projects": {p["id"]: p for p in projects},
            "tasks": {t["id"]: t["name"] for t in tasks},
            "tags": {t["id"]: t["name"] for t in tags},
            "currency": currency,
            "cursors": new_cursors,
            "requests": client.requests,
        }


def map_entries(con, batch: ApiBatch, payload: dict) -> Mapped:
    for line, (row, te) in enumerate(payload["changed"], 1):
        try:
            _map_one(batch, line, row, te, payload)
        except (RowProblem, KeyError, TypeError, ValueError, ArithmeticError) as err:
            reason = f"missing field {err}" if isinstance(err, KeyError) else str(err)
            batch.error_record(line, f"time entry {te.get('id')}: {reason}", {**row, **te})
    start, end, seen = payload["window"]
    return Mapped(batch.batch(), window_deletions(con, SOURCE, start, end, seen))


def _map_one(batch: ApiBatch, line: int, row: dict, te: dict, payload: dict) -> None:
    seconds = te.get("seconds")
    if seconds is None or int(seconds) < 0:
        raise RowProblem("still running (negative duration)")
    user = row.get("username") or ""
    if not user:
        raise RowProblem("username: empty")
    project = payload["projects"].get(row.get("project_id")) or {}
    client_name = payload["clients"].get(project.get("client_id") or project.get("cid")) or ""
    project_name = project.get("name") or ""
    currency = row.get("currency") or project.get("currency") or payload["currency"]
    person = batch.person(user, "", line)
    client = batch.client(client_name, currency, line)
    project_id = batch.project(client, client_name, project_name, "", line)
    task_name = payload["tasks"].get(row.get("task_id")) or ""
    task = batch.task(project_id, client_name, project_name, task_name, line)
    tags = ",".join(payload["tags"].get(t, "") for t in row.get("tag_ids") or [])
    batch.api_entry(
        line,
        str(te["id"]),
        person_id=person,
        date=local_day(te["start"]),
        hours=seconds_text(seconds),
        project_id=project_id,
        sow_line_id=task,
        notes=row.get("description") or "",
        billable=bool_text(row.get("billable")),
        work_type="rush" if has_tag(tags, "rush") else None,
    )
