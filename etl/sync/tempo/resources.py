"""Tempo resources: worklogs changed since the cursor (`updatedFrom`, alone: Tempo advises
against combining it with other filters), and once a day a `from`/`to` listing of a trailing
window to find deletions. With Jira configured, issue keys and authors' names are looked up
(one request per distinct issue or person in the run).

Mapping: person by the author's Jira name and email (else the account id), the `_Account_`
work attribute as a project code when the warehouse knows it, `timeSpentSeconds` as hours,
billable when `billableSeconds` > 0. The Jira issue key is the SOW hint: it leads the note
(`ATL-101: Checkout totals`), where the classifier's ticket-key rule reads it."""

from __future__ import annotations

from datetime import date, timedelta

from etl.exports.cells import bool_text
from etl.exports.names import name_key
from etl.exports.table import RowProblem
from etl.sync.paginate import PageRequest, paginate
from etl.sync.tempo.client import jira_client, paginator, tempo_client
from etl.sync.tempo.settings import SOURCE, TempoSettings
from etl.sync.trackers import ApiBatch, Mapped, seconds_text, window_deletions

ENTRIES = "worklogs"
RECONCILED = "reconciled_on"
ACCOUNT_ATTRIBUTE = "_Account_"


def _all(client, params: dict) -> list[dict]:
    request = PageRequest(url="/worklogs", params=params)
    return [w for page in paginate(client, request, paginator()) for w in page]


def fetch(ctx, settings: TempoSettings, cursors: dict[str, str], today: date) -> dict:
    new_cursors = dict(cursors)
    with tempo_client(ctx, settings) as client:
        if ENTRIES in cursors:
            params = {"updatedFrom": cursors[ENTRIES], "limit": settings.limit}
        else:
            params = {"limit": settings.limit}
            if settings.first_from:
                params |= {"from": settings.first_from, "to": today.isoformat()}
        worklogs = _all(client, params)
        stamps = [w["updatedAt"] for w in worklogs if w.get("updatedAt")]
        if stamps:
            new_cursors[ENTRIES] = max([*stamps, cursors.get(ENTRIES, "")])
        window = None
        if settings.reconcile_days > 0 and cursors.get(RECONCILED) != today.isoformat():
            start = (today - timedelta(days=settings.reconcile_days)).isoformat()
            listed = _all(client, {"from": start, "to": today.isoformat(), "limit": settings.limit})
            window = (start, today.isoformat(), {str(w["tempoWorklogId"]) for w in listed})
            new_cursors[RECONCILED] = today.isoformat()
        requests = client.requests
    issues, people = {}, {}
    if settings.has_jira and worklogs:
        with jira_client(ctx, settings) as jira:
            for issue_id in sorted(
                {str((w.get("issue") or {}).get("id")) for w in worklogs} - {"None"}
            ):
                issues[issue_id] = jira.get_json(
                    f"/rest/api/3/issue/{issue_id}", {"fields": "summary"}
                ).get("key")
            for account in sorted(
                {(w.get("author") or {}).get("accountId") for w in worklogs} - {None}
            ):
                user = jira.get_json("/rest/api/3/user", {"accountId": account})
                people[account] = (user.get("displayName") or "", user.get("emailAddress") or "")
            requests += jira.requests
    return {
        "worklogs": worklogs,
        "window": window,
        "issues": issues,
        "people": people,
        "cursors": new_cursors,
        "requests": requests,
    }


def map_entries(con, batch: ApiBatch, payload: dict) -> Mapped:
    for line, w in enumerate(payload["worklogs"], 1):
        try:
            _map_one(batch, line, w, payload)
        except (RowProblem, KeyError, TypeError, ValueError, ArithmeticError) as err:
            reason = f"missing field {err}" if isinstance(err, KeyError) else str(err)
            batch.error_record(line, f"worklog {w.get('tempoWorklogId')}: {reason}", w)
    deleted = []
    if payload["window"]:
        start, end, ids = payload["window"]
        deleted = window_deletions(con, SOURCE, start, end, ids)
    return Mapped(batch.batch(), deleted)


def _attribute(w: dict, key: str) -> str:
    values = (w.get("attributes") or {}).get("values") or []
    return next((str(v.get("value") or "") for v in values if v.get("key") == key), "")


def _map_one(batch: ApiBatch, line: int, w: dict, payload: dict) -> None:
    account = (w.get("author") or {}).get("accountId") or ""
    name, email = payload["people"].get(account, ("", ""))
    person = batch.person(name or account, email, line)
    if person is None:
        raise RowProblem("author: no accountId")
    day = date.fromisoformat(w["startDate"]).isoformat()
    code = _attribute(w, ACCOUNT_ATTRIBUTE)
    project = batch.known.project_codes.get(name_key(code)) if code else None
    key = payload["issues"].get(str((w.get("issue") or {}).get("id")))
    note = w.get("description") or ""
    if key and key.casefold() not in note.casefold():
        note = f"{key}: {note}" if note else key
    batch.api_entry(
        line,
        str(w["tempoWorklogId"]),
        person_id=person,
        date=day,
        hours=seconds_text(w["timeSpentSeconds"]),
        project_id=project,
        notes=note,
        billable=bool_text(int(w.get("billableSeconds") or 0) > 0),
    )
