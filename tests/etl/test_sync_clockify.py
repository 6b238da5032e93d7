"""`etl sync --source clockify` against the fake Clockify API (detailed report)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from etl.sync.http import CredentialError, RetryPolicy
from etl.sync.run import SyncContext, run_sync
from etl.sync.settings import Settings
from tests.support.fake_trackers import FakeClockify, clockify_entry


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def ctx(fake, sleeps=None, **extra) -> SyncContext:
    values = {
        "CLOCKIFY_API_KEY": "clockify-key",
        "CLOCKIFY_BASE_URL": "https://fake.test/api/v1",
        "CLOCKIFY_REPORTS_URL": "https://fake.test/report/v1",
        "CLOCKIFY_PAGE_SIZE": "2",
        **extra,
    }
    return SyncContext(
        settings=Settings(values),
        transport=fake.transport(),
        policy=RetryPolicy(sleep=sleeps if sleeps is not None else Sleeps()),
    )


def fake_clockify() -> FakeClockify:
    fake = FakeClockify()
    fake.entries = [
        clockify_entry("65f5a1c2e4b0a93a2c1d7e01", "2026-11-02T14:15:00Z", 9900),
        clockify_entry(
            "65f5a1c2e4b0a93a2c1d7e02",
            "2026-11-03T09:00:00Z",
            1800,
            user="Sam Okafor",
            email="sam@firm.example",
            tags=["Rush"],
        ),
        clockify_entry(
            "65f5a1c2e4b0a93a2c1d7e03", "2026-11-04T09:00:00Z", 3600, task=None, billable=False
        ),
    ]
    return fake


def entries(con) -> dict[str, tuple]:
    rows = con.execute(
        """SELECT e.entry_id, p.email, e.date::VARCHAR, e.hours, pr.name, s.description,
                  e.billable, e.work_type
        FROM time_entries e JOIN people p USING (person_id) JOIN projects pr USING (project_id)
        LEFT JOIN sow_lines s USING (sow_line_id) ORDER BY e.entry_id"""
    ).fetchall()
    return {r[0].removeprefix("clockify-65f5a1c2e4b0a93a2c1d7e"): r[1:] for r in rows}


def test_first_run_maps_the_detailed_report(con):
    fake = fake_clockify()
    report = run_sync(con, "clockify", ctx(fake))
    assert entries(con) == {
        "01": (
            "elena@firm.example",
            "2026-11-02",
            Decimal("2.75"),
            "Storefront",
            "Newsletter",
            True,
            None,
        ),
        "02": (
            "sam@firm.example",
            "2026-11-03",
            Decimal("0.5"),
            "Storefront",
            "Newsletter",
            True,
            "rush",
        ),
        "03": ("elena@firm.example", "2026-11-04", Decimal(1), "Storefront", None, False, None),
    }
    # workspaces, then report pages 1 (2 rows), 2 (1 row: short, the last)
    assert report.requests == 3
    assert [p.url.path for p in fake.seen] == [
        "/api/v1/workspaces",
        "/report/v1/workspaces/64c7770001/reports/detailed",
        "/report/v1/workspaces/64c7770001/reports/detailed",
    ]


def test_second_run_loads_nothing(con):
    fake = fake_clockify()
    run_sync(con, "clockify", ctx(fake, CLOCKIFY_WORKSPACE_ID="64c7770001"))
    second = run_sync(con, "clockify", ctx(fake, CLOCKIFY_WORKSPACE_ID="64c7770001"))
    assert second.rows_changed == 0


def test_deleted_in_the_window_is_removed_and_marked(con):
    fake = fake_clockify()
    run_sync(con, "clockify", ctx(fake))
    del fake.entries[0]
    run_sync(con, "clockify", ctx(fake))
    assert set(entries(con)) == {"02", "03"}
    marks = con.execute("SELECT source_id, action FROM sync_deletions").fetchall()
    assert marks == [("65f5a1c2e4b0a93a2c1d7e01", "removed")]


def test_burst_429_is_retried(con):
    fake = fake_clockify()
    fake.fail = {2: (429, {"Retry-After": "1"})}
    sleeps = Sleeps()
    run_sync(con, "clockify", ctx(fake, sleeps))
    assert sleeps == [1.0] and len(entries(con)) == 3


def test_wrong_key_is_a_credential_error(con):
    with pytest.raises(CredentialError, match="^clockify: GET /api/v1/workspaces: 401"):
        run_sync(con, "clockify", ctx(fake_clockify(), CLOCKIFY_API_KEY="bad"))
