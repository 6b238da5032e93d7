"""`etl sync --source tempo` against the fake Tempo v4 API (and Jira for keys and names)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from etl.loader import import_canonical
from etl.sync.http import CredentialError, RetryPolicy
from etl.sync.run import SyncContext, run_sync
from etl.sync.settings import Settings
from tests.conftest import write_folder
from tests.support.fake_trackers import FakeTempo, tempo_worklog

JIRA = {
    "JIRA_BASE_URL": "https://fake.test",
    "JIRA_EMAIL": "ops@firm.example",
    "JIRA_API_TOKEN": "jira-token",
}
ELENA, SAM = "5b10a2844c20165700ede21g", "5b10a2844c20165700ede99z"


def ctx(fake, **extra) -> SyncContext:
    values = {
        "TEMPO_API_TOKEN": "tempo-token",
        "TEMPO_BASE_URL": "https://fake.test/4",
        "TEMPO_LIMIT": "2",
        **extra,
    }
    return SyncContext(
        settings=Settings(values),
        transport=fake.transport(),
        policy=RetryPolicy(sleep=lambda s: None),
    )


@pytest.fixture
def firm(con, tmp_path):
    folder = write_folder(
        tmp_path / "firm",
        {
            "clients.csv": "client_id,name,currency\nC-KES,Kestrel & Co,EUR\n",
            "projects.csv": "project_id,name,client_id,code\nP-KES,Storefront,C-KES,KES-01\n",
        },
    )
    import_canonical(con, folder)
    return con


def fake_tempo() -> FakeTempo:
    fake = FakeTempo()
    fake.issues = {10421: "ATL-101", 10422: "ATL-102"}
    fake.users = {
        ELENA: ("Elena Ruiz", "elena@firm.example"),
        SAM: ("Sam Okafor", "sam@firm.example"),
    }
    fake.put(
        tempo_worklog(88231, "2026-11-02", 5400),
        tempo_worklog(
            88232,
            "2026-11-03",
            1800,
            issue_id=10422,
            account_id=SAM,
            description="ATL-102 review",
            account=None,
            billable_seconds=0,
            updated_at="2026-11-03T10:00:00Z",
        ),
        tempo_worklog(88233, "2026-11-04", 7200, description="", updated_at="2026-11-04T10:00:00Z"),
    )
    return fake


def entries(con) -> dict[str, tuple]:
    rows = con.execute(
        """SELECT e.entry_id, p.name, e.date::VARCHAR, e.hours, e.project_id, e.notes, e.billable
        FROM time_entries e JOIN people p USING (person_id) ORDER BY e.entry_id"""
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_issue_keys_lead_the_note_and_the_account_attribute_finds_the_project(firm):
    fake = fake_tempo()
    report = run_sync(firm, "tempo", ctx(fake, **JIRA))
    assert entries(firm) == {
        "tempo-88231": (
            "Elena Ruiz",
            "2026-11-02",
            Decimal("1.5"),
            "P-KES",
            "ATL-101: Checkout totals",
            True,
        ),
        "tempo-88232": ("Sam Okafor", "2026-11-03", Decimal("0.5"), None, "ATL-102 review", False),
        "tempo-88233": ("Elena Ruiz", "2026-11-04", Decimal(2), "P-KES", "ATL-101", True),
    }
    # worklogs in 2 pages of 2, the reconciliation window in 2, Jira: 2 issues and 2 people
    assert report.requests == 8


def test_second_run_asks_updated_from_once_and_loads_nothing(firm):
    fake = fake_tempo()
    run_sync(firm, "tempo", ctx(fake, **JIRA))
    before = len(fake.seen)
    second = run_sync(firm, "tempo", ctx(fake, **JIRA))
    assert second.rows_changed == 0
    asked = fake.seen[before:]
    worklog_calls = [r for r in asked if r.url.path == "/4/worklogs"]
    assert [dict(r.url.params) for r in worklog_calls] == [
        {"updatedFrom": "2026-11-04T10:00:00Z", "limit": "2"}
    ]


def test_without_jira_the_author_is_their_account_id(con):
    fake = fake_tempo()
    run_sync(con, "tempo", ctx(fake))
    got = entries(con)
    assert got["tempo-88231"][0] == ELENA and got["tempo-88231"][4] == "Checkout totals"
    assert got["tempo-88231"][3] is None  # no project KES-01 in this warehouse


def test_deleted_worklog_is_removed_on_the_next_days_reconciliation(con, monkeypatch):
    fake = fake_tempo()
    run_sync(con, "tempo", ctx(fake))
    del fake.worklogs[88232]
    monkeypatch.setenv("BILLING_TODAY", "2026-11-08")
    run_sync(con, "tempo", ctx(fake))
    assert set(entries(con)) == {"tempo-88231", "tempo-88233"}
    assert con.execute("SELECT source_id, action FROM sync_deletions").fetchall() == [
        ("88232", "removed")
    ]


def test_bad_token(con):
    with pytest.raises(CredentialError, match="^tempo: GET /4/worklogs: 401 Unauthorized"):
        run_sync(con, "tempo", ctx(fake_tempo(), TEMPO_API_TOKEN="old"))
