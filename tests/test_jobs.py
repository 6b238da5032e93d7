"""Scheduled jobs (jobs/): when each is due, once per slot, outcomes in job_runs, a failed
slot may run again, a webhook's request runs the sync at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from etl.sync.http import RetryPolicy
from etl.sync.run import SyncContext, request_sync
from etl.sync.settings import Settings
from jobs.__main__ import main as jobs_main
from jobs.runner import last_runs, run_pass
from jobs.schedule import Schedule, load_schedules, nth_business_day
from tests.support.fake_trackers import FakeHarvest, harvest_entry
from warehouse.db import connect

pytestmark = pytest.mark.clock


def at(hh: int, mm: int, day: date = date(2026, 11, 9)) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=UTC)


def test_slots_of_each_kind():
    every = Schedule("sync", every_minutes=15)
    assert every.slot(at(9, 22), set()) == "2026-11-09T09:15"
    assert every.slot(at(0, 0), set()) == "2026-11-09T00:00"
    nightly = Schedule("rules", at=time(2, 0))
    assert nightly.slot(at(1, 59), set()) is None
    assert nightly.slot(at(2, 0), set()) == "2026-11-09"
    last = Schedule("billing_readiness", at=time(15, 0), business_day=-1)
    assert last.slot(at(16, 0, date(2026, 11, 30)), set()) == "2026-11"  # Monday 30 November
    assert last.slot(at(16, 0, date(2026, 11, 27)), set()) is None
    second = Schedule("drafts", at=time(7, 0), business_day=2)
    assert second.slot(at(7, 0, date(2026, 12, 2)), set()) == "2026-12"  # Tue 1, Wed 2
    assert Schedule("drafts", enabled=False).slot(at(7, 0), set()) is None


def test_business_days_skip_weekends_and_holidays():
    assert nth_business_day(2026, 11, -1, set()) == date(2026, 11, 30)
    assert nth_business_day(2026, 11, -1, {date(2026, 11, 30)}) == date(2026, 11, 27)
    assert nth_business_day(2027, 1, 2, {date(2027, 1, 1)}) == date(2027, 1, 5)  # Fri 1 is off


def test_shipped_config_reads():
    schedules = load_schedules()
    assert schedules["sync"].every_minutes == 15
    assert schedules["drafts"].business_day == 2 and schedules["drafts"].at == time(7, 0)
    assert set(schedules) == {
        "sync",
        "rules",
        "timesheet_reminders",
        "billing_readiness",
        "drafts",
        "payment_reminders",
    }


def harvest_ctx(fake, token="good-token") -> dict:
    settings = Settings(
        {
            "HARVEST_ACCESS_TOKEN": token,
            "HARVEST_ACCOUNT_ID": "123",
            "HARVEST_BASE_URL": "https://fake.test/v2",
        }
    )
    return {
        "sync": SyncContext(
            settings=settings, transport=fake.transport(), policy=RetryPolicy(sleep=lambda s: None)
        )
    }


SYNC_ONLY = {"sync": Schedule("sync", every_minutes=15)}


def test_a_second_pass_in_the_same_slot_does_nothing(con):
    fake = FakeHarvest()
    fake.put(harvest_entry(1, "2026-11-05", 2, updated_at="2026-11-05T10:00:00Z"))
    first = run_pass(con, at(9, 16), SYNC_ONLY, ctx_extra=harvest_ctx(fake))
    asked = len(fake.seen)
    second = run_pass(con, at(9, 29), SYNC_ONLY, ctx_extra=harvest_ctx(fake))
    assert [(r.slot, r.status) for r in first] == [("2026-11-09T09:15", "ok")]
    # a client, a person, a project, a task and the entry; the changes, then the window
    assert first[0].message == "harvest: 5 row(s) changed, 2 request(s)"
    assert [(r.slot, r.status) for r in second] == [("2026-11-09T09:15", "skipped")]
    assert len(fake.seen) == asked
    rows = con.execute("SELECT job, slot, status FROM job_runs").fetchall()
    assert rows == [("sync", "2026-11-09T09:15", "ok")]


def test_the_sync_job_validates_its_load_unless_validation_is_off(con, monkeypatch):
    fake = FakeHarvest()
    fake.put(harvest_entry(1, "2026-11-05", 2, updated_at="2026-11-05T10:00:00Z"))
    run_pass(con, at(9, 16), SYNC_ONLY, ctx_extra=harvest_ctx(fake))  # ETL_VALIDATE=off
    assert con.execute("SELECT load_id, status FROM load_validation").fetchall() == [(1, "pending")]
    monkeypatch.setenv("ETL_VALIDATE", "background")
    fake.put(harvest_entry(2, "2026-11-06", 3, updated_at="2026-11-06T10:00:00Z"))
    second = run_pass(con, at(9, 31), SYNC_ONLY, ctx_extra=harvest_ctx(fake))
    assert second[0].message.endswith("; load 2 validation passed")
    assert con.execute("SELECT load_id, status FROM load_validation ORDER BY 1").fetchall() == [
        (1, "pending"),
        (2, "passed"),
    ]


def test_a_failed_slot_is_logged_and_may_run_again(con):
    fake = FakeHarvest()
    failed = run_pass(con, at(9, 16), SYNC_ONLY, ctx_extra=harvest_ctx(fake, token="expired"))
    assert failed[0].status == "failed"
    assert "harvest: GET /v2/time_entries: 401 Unauthorized" in failed[0].message
    again = run_pass(con, at(9, 20), SYNC_ONLY, ctx_extra=harvest_ctx(fake))
    assert again[0].status == "ok"
    assert last_runs(con)[0][:3] == ("sync", "2026-11-09T09:15", "ok")


def test_a_webhook_request_runs_the_sync_in_a_slot_of_its_own(con):
    fake = FakeHarvest()
    run_pass(con, at(9, 16), SYNC_ONLY, ctx_extra=harvest_ctx(fake))
    request_id = request_sync(con, "harvest", "test webhook")
    results = run_pass(con, at(9, 21), SYNC_ONLY, ctx_extra=harvest_ctx(fake))
    assert [(r.slot, r.status) for r in results] == [
        (f"2026-11-09T09:21/requests-{request_id}", "ok")
    ]
    handled = con.execute("SELECT handled_at IS NOT NULL FROM sync_requests").fetchall()
    assert handled == [(True,)]


def test_jobs_not_due_do_not_run_and_due_ones_log_their_outcome(con):
    schedules = {
        "drafts": Schedule("drafts", at=time(7, 0), business_day=2),
        "rules": Schedule("rules", at=time(2, 0)),
    }
    assert run_pass(con, at(6, 59, date(2026, 12, 2)), {"drafts": schedules["drafts"]}) == []
    before_time = run_pass(con, at(1, 0, date(2026, 12, 1)), schedules)
    assert before_time == []
    results = run_pass(con, at(7, 5, date(2026, 12, 2)), schedules)
    by_job = {r.job: r for r in results}
    assert by_job["drafts"].slot == "2026-12" and by_job["drafts"].status == "ok"
    assert by_job["drafts"].message == "2026-11: 0 draft invoice(s) saved for review"
    assert by_job["rules"].slot == "2026-12-02" and by_job["rules"].status == "ok"


def test_cli_run_and_status(db_path, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("etl.sync.settings.SECRETS_PATH", tmp_path / "none.toml")
    for key in ("HARVEST_ACCESS_TOKEN", "TOGGL_API_TOKEN", "CLOCKIFY_API_KEY", "TEMPO_API_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    config = tmp_path / "jobs.toml"
    config.write_text("[sync]\nevery_minutes = 15\n")
    connect(db_path).close()
    args = ["--db", str(db_path), "--config", str(config)]
    assert jobs_main([*args, "run"]) == 0
    out = capsys.readouterr().out
    assert out.split()[:1] == ["sync"] and "ok" in out and "no source configured" in out
    assert jobs_main([*args, "run"]) == 0
    assert "skipped" in capsys.readouterr().out
    assert jobs_main([*args, "status"]) == 0
    assert "no source configured" in capsys.readouterr().out
    assert jobs_main([*args, "run", "--force"]) == 1
    assert capsys.readouterr().err == "error: --force needs --job\n"


class Outbox(list):
    channel = "test"

    def send(self, message):
        self.append(message)


def test_reminder_and_readiness_jobs_run_on_the_demo_firm(tmp_path):
    """The demo's history ends with October, so on Monday 9 November after the weekly deadline
    (12:00 New York, 17:00 UTC) every person still employed has a missing week of 2 November."""
    from tests.support.demo import build_demo

    db = build_demo(tmp_path / "warehouse.duckdb")
    con = connect(db)
    try:
        outbox = Outbox()
        names = ("timesheet_reminders", "payment_reminders", "billing_readiness")
        results = {
            name: run_pass(
                con,
                at(18, 0, date(2026, 11, 9)),
                {name: Schedule(name)},
                only=name,
                force=True,
                ctx_extra={"sender": outbox},
            )[0]
            for name in names
        }
        assert {n: r.status for n, r in results.items()} == dict.fromkeys(names, "ok")
        employed = con.execute(
            "SELECT count(*) FROM people WHERE end_date IS NULL OR end_date >= DATE '2026-11-02'"
        ).fetchone()[0]
        timesheets = [m for m in outbox if m["Subject"].startswith("Timesheet")]
        assert results["timesheet_reminders"].message == f"{employed} reminder(s)"
        assert len(timesheets) == employed
        assert {m["Subject"] for m in timesheets} == {
            "Timesheet for the week of 2026-11-02: missing"
        }
        sent_payments = int(results["payment_reminders"].message.split()[0])
        assert len(outbox) - len(timesheets) == sent_payments
        assert results["billing_readiness"].message.startswith("2026-11: ")
    finally:
        con.close()
