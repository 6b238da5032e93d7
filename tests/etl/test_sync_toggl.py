"""`etl sync --source toggl` against the fake Toggl v9 + Reports v3 API."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from etl.sync.http import ApiError, CredentialError, RetryPolicy
from etl.sync.run import SyncContext, run_sync
from etl.sync.settings import Settings
from tests.support.fake_trackers import FakeToggl, toggl_row


def ctx(fake, **extra) -> SyncContext:
    values = {
        "TOGGL_API_TOKEN": "toggl-token",
        "TOGGL_BASE_URL": "https://fake.test",
        "TOGGL_PAGE_SIZE": "2",
        **extra,
    }
    return SyncContext(
        settings=Settings(values),
        transport=fake.transport(),
        policy=RetryPolicy(sleep=lambda s: None),
    )


def fake_toggl() -> FakeToggl:
    fake = FakeToggl()
    fake.clients = [{"id": 55, "wid": 7311024, "name": "Kestrel & Co"}]
    fake.projects = [
        {
            "id": 201448812,
            "workspace_id": 7311024,
            "client_id": 55,
            "name": "Storefront",
            "active": True,
        }
    ]
    fake.tags = [{"id": 17002931, "name": "meeting"}, {"id": 17002932, "name": "Rush job"}]
    fake.rows = [
        toggl_row(3859110042, "2026-11-02T08:00:00+00:00", 4500, tag_ids=[17002931]),
        toggl_row(
            3859110043,
            "2026-11-03T08:00:00+00:00",
            1800,
            user="Sam Okafor",
            description="Hotfix",
            tag_ids=[17002932],
            at="2026-11-03T08:31:00+00:00",
        ),
        toggl_row(
            3859110044,
            "2026-11-04T23:30:00-05:00",
            3600,
            project_id=None,
            description="Internal",
            billable=False,
            at="2026-11-05T04:31:00+00:00",
        ),
    ]
    return fake


def entries(con) -> dict[str, tuple]:
    rows = con.execute(
        """SELECT e.entry_id, p.name, e.date::VARCHAR, e.hours, pr.name, e.notes, e.billable,
                  e.work_type
        FROM time_entries e JOIN people p USING (person_id)
        LEFT JOIN projects pr USING (project_id) ORDER BY e.entry_id"""
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_first_run_maps_report_rows_with_v9_names(con):
    fake = fake_toggl()
    report = run_sync(con, "toggl", ctx(fake))
    got = entries(con)
    assert got == {
        "toggl-3859110042": (
            "Elena Ruiz",
            "2026-11-02",
            Decimal("1.25"),
            "Storefront",
            "Sprint planning",
            True,
            None,
        ),
        "toggl-3859110043": (
            "Sam Okafor",
            "2026-11-03",
            Decimal("0.5"),
            "Storefront",
            "Hotfix",
            True,
            "rush",
        ),
        # the day as the tracker wrote it (23:30 at -05:00 is still 4 November there)
        "toggl-3859110044": ("Elena Ruiz", "2026-11-04", Decimal(1), None, "Internal", False, None),
    }
    clients = con.execute("SELECT name, currency FROM clients").fetchall()
    assert clients == [("Kestrel & Co", "EUR")]
    # workspaces, clients, projects, tasks, tags, then the report in two pages of 2
    assert report.requests == 7
    second_page = json.loads(fake.seen[-1].content)
    assert second_page["first_row_number"] == 3 and second_page["first_id"] == 3859110043


def test_second_run_loads_nothing(con):
    fake = fake_toggl()
    run_sync(con, "toggl", ctx(fake))
    second = run_sync(con, "toggl", ctx(fake))
    assert second.fetched == 0 and second.rows_changed == 0


def test_edit_and_deletion_in_the_window_propagate(con):
    fake = fake_toggl()
    run_sync(con, "toggl", ctx(fake))
    fake.rows[0]["time_entries"][0].update(seconds=5400, at="2026-11-06T10:00:00+00:00")
    del fake.rows[1]
    report = run_sync(con, "toggl", ctx(fake))
    assert report.fetched == 1
    got = entries(con)
    assert got["toggl-3859110042"][2] == Decimal("1.5")
    assert "toggl-3859110043" not in got
    marks = con.execute("SELECT record_id, action FROM sync_deletions").fetchall()
    assert marks == [("toggl-3859110043", "removed")]


def test_a_running_timer_waits_until_it_stops(con):
    fake = fake_toggl()
    fake.rows.append(
        toggl_row(3859110050, "2026-11-06T08:00:00+00:00", -1, at="2026-11-06T08:00:00+00:00")
    )
    run_sync(con, "toggl", ctx(fake))
    assert "toggl-3859110050" not in entries(con)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
    fake.rows[-1]["time_entries"][0].update(seconds=900, at="2026-11-06T08:15:00+00:00")
    run_sync(con, "toggl", ctx(fake))
    assert entries(con)["toggl-3859110050"][2] == Decimal("0.25")


def test_quota_used_up_is_one_line(con):
    fake = fake_toggl()
    fake.quota = 3
    with pytest.raises(ApiError) as caught:
        run_sync(con, "toggl", ctx(fake))
    assert str(caught.value) == (
        "toggl: GET /api/v9/workspaces/7311024/tasks: 402 Payment Required: "
        "You have hit your hourly API quota"
    )
    assert con.execute("SELECT count(*) FROM time_entries").fetchone()[0] == 0


def test_wrong_token_is_a_credential_error(con):
    fake = fake_toggl()
    with pytest.raises(CredentialError, match=r"^toggl: GET /api/v9/me/workspaces: 403 Forbidden"):
        run_sync(con, "toggl", ctx(fake, TOGGL_API_TOKEN="nope"))
