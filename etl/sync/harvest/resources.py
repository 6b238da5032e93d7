"""Harvest resources: time entries changed since the cursor (`updated_since`), and once a day
the ids of a trailing window to find deletions (Harvest reports none). Mapping follows the
Harvest CSV importer (etl/exports/harvest.py): people by name, the client's currency,
project code, task as SOW line, `hours` (not `rounded_hours`: rounding is a contract term),
`is_closed` as approval, `is_billed` as invoiced elsewhere (locked)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from etl.exports.cells import bool_text
from etl.exports.harvest import INVOICED_ELSEWHERE
from etl.exports.table import RowProblem
from etl.sync.harvest.client import harvest_client, paginator
from etl.sync.harvest.settings import SOURCE, HarvestSettings
from etl.sync.paginate import PageRequest, paginate
from etl.sync.trackers import ApiBatch, Mapped, hours_text, window_deletions

ENTRIES = "time_entries"
RECONCILED = "reconciled_on"


def fetch(ctx, settings: HarvestSettings, cursors: dict[str, str], today: date) -> dict:
    """{"entries": [...], "window": (from, to, ids) or None, "cursors": {...}, "requests": n}"""
    client = harvest_client(ctx, settings)
    with client:
        params: dict[str, Any] = {"per_page": settings.per_page}
        if ENTRIES in cursors:
            params["updated_since"] = cursors[ENTRIES]
        elif settings.first_from:
            params["from"] = settings.first_from
        entries = [
            e
            for page in paginate(
                client, PageRequest(url="/time_entries", params=params), paginator(ENTRIES)
            )
            for e in page
        ]
        new_cursors = dict(cursors)
        stamps = [e["updated_at"] for e in entries if e.get("updated_at")]
        if stamps:
            new_cursors[ENTRIES] = max([*stamps, cursors.get(ENTRIES, "")])
        window = None
        if settings.reconcile_days > 0 and cursors.get(RECONCILED) != today.isoformat():
            start = (today - timedelta(days=settings.reconcile_days)).isoformat()
            window_params = {"from": start, "to": today.isoformat(), "per_page": settings.per_page}
            ids = {
                str(e["id"])
                for page in paginate(
                    client,
                    PageRequest(url="/time_entries", params=window_params),
                    paginator(ENTRIES),
                )
                for e in page
            }
            window = (start, today.isoformat(), ids)
            new_cursors[RECONCILED] = today.isoformat()
        return {
            "entries": entries,
            "window": window,
            "cursors": new_cursors,
            "requests": client.requests,
        }


def _name(obj: Any) -> str:
    return (obj or {}).get("name") or "" if isinstance(obj, dict) else ""


def map_entries(con, batch: ApiBatch, payload: dict) -> Mapped:
    for line, e in enumerate(payload["entries"], 1):
        try:
            _map_one(batch, line, e)
        except (RowProblem, KeyError, TypeError, ValueError, ArithmeticError) as err:
            batch.error_record(line, f"time entry {e.get('id')}: {_reason(err)}", e)
    deleted = []
    if payload["window"]:
        start, end, ids = payload["window"]
        deleted = window_deletions(con, SOURCE, start, end, ids)
    return Mapped(batch.batch(), deleted)


def _reason(err: Exception) -> str:
    return f"missing field {err}" if isinstance(err, KeyError) else str(err) or type(err).__name__


def _map_one(batch: ApiBatch, line: int, e: dict) -> None:
    source_id = str(e["id"])
    day = date.fromisoformat(e["spent_date"]).isoformat()
    if e.get("hours") is None:
        raise RowProblem("hours: empty")
    hours = hours_text(e["hours"])
    user = _name(e.get("user"))
    if not user:
        raise RowProblem("user: empty person name")
    person = batch.person(user, "", line)
    client_obj = e.get("client") or {}
    client_name, project_name = _name(client_obj), _name(e.get("project"))
    client = batch.client(client_name, client_obj.get("currency"), line)
    project_code = (e.get("project") or {}).get("code") or ""
    project = batch.project(client, client_name, project_name, project_code, line)
    task = batch.task(project, client_name, project_name, _name(e.get("task")), line)
    billed = bool(e.get("is_billed"))
    batch.api_entry(
        line,
        source_id,
        person_id=person,
        date=day,
        hours=hours,
        project_id=project,
        sow_line_id=task,
        notes=e.get("notes") or "",
        billable=bool_text(e.get("billable")),
        approved_at=f"{day}T23:59:59+00:00" if e.get("is_closed") else None,
        invoice_id=INVOICED_ELSEWHERE if billed else None,
        locked=bool_text(billed),
    )
