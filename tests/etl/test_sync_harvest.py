"""`etl sync --source harvest` against the fake Harvest v2 API (tests/support/fake_trackers.py):
mapping, both paging styles, incremental cursors, deletions, the billed-entry guard, errors."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from billing.locks import hold
from etl.__main__ import main as etl_main
from etl.sync.cursors import read_cursors
from etl.sync.http import CredentialError, RetryPolicy
from etl.sync.run import SyncContext, run_sync
from etl.sync.settings import Settings
from tests.support.fake_trackers import FakeHarvest, harvest_entry, serve

TODAY = "2026-11-07"  # tests/support/demo.py DEMO_AS_OF, pinned by conftest


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def settings(**extra) -> Settings:
    return Settings(
        {
            "HARVEST_ACCESS_TOKEN": "good-token",
            "HARVEST_ACCOUNT_ID": "123",
            "HARVEST_BASE_URL": "https://fake.test/v2",
            **extra,
        }
    )


def ctx(fake, sleeps=None, **extra) -> SyncContext:
    return SyncContext(
        settings=settings(**extra),
        transport=fake.transport(),
        policy=RetryPolicy(sleep=sleeps if sleeps is not None else Sleeps()),
    )


def three_entries() -> list[dict]:
    return [
        harvest_entry(1001, "2026-11-02", 2.4, updated_at="2026-11-02T11:31:40Z", is_closed=True),
        harvest_entry(
            1002,
            "2026-11-03",
            1.25,
            user="Sam Okafor",
            task="Design",
            notes="Wireframes",
            updated_at="2026-11-03T09:00:00Z",
        ),
        harvest_entry(
            1003,
            "2026-11-04",
            8,
            client="Bluefin Ltd",
            currency="GBP",
            project="Audit",
            code="BLU-02",
            task="Fieldwork",
            billable=False,
            updated_at="2026-11-04T17:45:00Z",
            is_billed=True,
        ),
    ]


def entries(con) -> dict[str, tuple]:
    rows = con.execute(
        """SELECT e.entry_id, p.name, e.date::VARCHAR, e.hours, pr.code, s.description, e.notes,
                  e.billable, e.approved_at IS NOT NULL, e.invoice_id, e.locked
        FROM time_entries e JOIN people p USING (person_id) JOIN projects pr USING (project_id)
        LEFT JOIN sow_lines s USING (sow_line_id) ORDER BY e.entry_id"""
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_first_run_maps_entries_like_the_csv_importer(con):
    fake = FakeHarvest()
    fake.put(*three_entries())
    report = run_sync(con, "harvest", ctx(fake))
    assert report.fetched == 3 and report.rows_changed > 0
    got = entries(con)
    assert got["harvest-1001"] == (
        "Elena Ruiz",
        "2026-11-02",
        Decimal("2.4000"),
        "KES-01",
        "Development",
        "Checkout totals refactor",
        True,
        True,
        None,
        False,
    )
    assert got["harvest-1003"][1:3] == ("2026-11-04", Decimal("8.0000"))
    assert got["harvest-1003"][6:] == (False, False, "harvest-invoiced", True)
    currencies = dict(con.execute("SELECT name, currency FROM clients").fetchall())
    assert currencies == {"Kestrel & Co": "EUR", "Bluefin Ltd": "GBP"}
    assert read_cursors(con, "harvest") == {
        "time_entries": "2026-11-04T17:45:00Z",
        "reconciled_on": TODAY,
    }


def test_every_request_carries_the_documented_headers(con):
    fake = FakeHarvest()
    fake.put(*three_entries())
    run_sync(con, "harvest", ctx(fake, HARVEST_CONTACT="ops@firm.example"))
    first = fake.seen[0]
    assert first.headers["Authorization"] == "Bearer good-token"
    assert first.headers["Harvest-Account-Id"] == "123"
    assert first.headers["User-Agent"] == "billing-ops-sync (ops@firm.example)"


@pytest.mark.parametrize("style", ["cursor", "page"])
def test_links_next_is_followed_in_both_paging_styles(con, style):
    fake = FakeHarvest(style=style)
    fake.put(
        *[
            harvest_entry(
                2000 + i, "2026-11-05", 1, notes=f"n{i}", updated_at=f"2026-11-05T10:00:{i:02d}Z"
            )
            for i in range(5)
        ]
    )
    report = run_sync(con, "harvest", ctx(fake, HARVEST_PER_PAGE="2"))
    assert report.fetched == 5
    # 3 pages of changes (2+2+1), then 3 pages of the reconciliation window
    assert report.requests == 6
    assert con.execute("SELECT count(*) FROM time_entries").fetchone()[0] == 5


def test_second_run_loads_nothing_and_asks_once(con):
    fake = FakeHarvest()
    fake.put(*three_entries())
    run_sync(con, "harvest", ctx(fake))
    before = len(fake.seen)
    second = run_sync(con, "harvest", ctx(fake))
    assert second.rows_changed == 0
    assert len(fake.seen) - before == 1  # updated_since only: reconciled already today
    assert fake.seen[-1].url.params["updated_since"] == "2026-11-04T17:45:00Z"
    assert con.execute("SELECT count(*) FROM entity_history").fetchone()[0] == 0


def test_an_edit_upstream_updates_the_same_row_and_keeps_the_old_version(con):
    fake = FakeHarvest()
    fake.put(*three_entries())
    run_sync(con, "harvest", ctx(fake))
    fake.put(
        harvest_entry(
            1002,
            "2026-11-03",
            1.5,
            user="Sam Okafor",
            task="Design",
            notes="Wireframes v2",
            updated_at="2026-11-05T08:00:00Z",
        )
    )
    report = run_sync(con, "harvest", ctx(fake))
    assert report.rows_changed == 1
    assert entries(con)["harvest-1002"][2] == Decimal("1.5000")
    history = con.execute("SELECT record_key, row_data FROM entity_history").fetchall()
    assert [(k, json.loads(d)["hours"]) for k, d in history] == [("harvest-1002", 1.25)]


def test_deleted_upstream_is_removed_and_marked_on_the_next_days_reconciliation(con, monkeypatch):
    fake = FakeHarvest()
    fake.put(*three_entries())
    run_sync(con, "harvest", ctx(fake))
    fake.delete(1002)
    run_sync(con, "harvest", ctx(fake))  # same day: no reconciliation yet
    assert "harvest-1002" in entries(con)
    monkeypatch.setenv("BILLING_TODAY", "2026-11-08")
    run_sync(con, "harvest", ctx(fake))
    assert "harvest-1002" not in entries(con)
    marks = con.execute("SELECT record_id, source_id, action FROM sync_deletions").fetchall()
    assert marks == [("harvest-1002", "1002", "removed")]
    kept = con.execute("SELECT record_key FROM entity_history").fetchall()
    assert kept == [("harvest-1002",)]


def test_edit_after_billing_raises_an_exception_and_keeps_the_billed_version(con):
    fake = FakeHarvest()
    fake.put(*three_entries())
    run_sync(con, "harvest", ctx(fake))
    hold(con, 1, [("entry", "harvest-1001", "", "", "")])  # a saved draft bills it
    fake.put(
        harvest_entry(1001, "2026-11-02", 3.0, updated_at="2026-11-06T10:00:00Z", is_closed=True)
    )
    run_sync(con, "harvest", ctx(fake))
    assert entries(con)["harvest-1001"][2] == Decimal("2.4000")
    row = con.execute(
        "SELECT kind, ref, source, severity, status, evidence FROM exceptions"
    ).fetchall()
    assert [r[:5] for r in row] == [
        ("billed_entry_changed", "harvest-1001", "sync", "high", "open")
    ]
    evidence = json.loads(row[0][5])
    assert evidence["upstream"]["hours"] == "3" and evidence["billed"]["hours"] == 2.4


def test_a_billed_entry_whose_upstream_edit_bills_the_same_is_left_alone(con):
    fake = FakeHarvest()
    fake.put(*three_entries())
    run_sync(con, "harvest", ctx(fake))
    hold(con, 1, [("entry", "harvest-1001", "", "", "")])
    fake.put(
        harvest_entry(
            1001,
            "2026-11-02",
            2.4,
            updated_at="2026-11-06T10:00:00Z",
            is_closed=True,
            notes="typo fixed",
        )
    )
    run_sync(con, "harvest", ctx(fake))
    assert con.execute("SELECT count(*) FROM exceptions").fetchone()[0] == 0
    assert entries(con)["harvest-1001"][5] == "Checkout totals refactor"


def test_deleting_a_billed_entry_keeps_it_with_an_exception(con, monkeypatch):
    fake = FakeHarvest()
    fake.put(*three_entries())
    run_sync(con, "harvest", ctx(fake))
    hold(con, 7, [("entry", "harvest-1001", "", "", "")])
    fake.delete(1001)
    monkeypatch.setenv("BILLING_TODAY", "2026-11-08")
    run_sync(con, "harvest", ctx(fake))
    assert "harvest-1001" in entries(con)
    assert con.execute("SELECT action FROM sync_deletions").fetchall() == [("kept_billed",)]
    kinds = con.execute("SELECT exception_id, status FROM exceptions").fetchall()
    assert kinds == [("billed_entry_deleted:harvest-1001", "open")]


def test_429_with_retry_after_is_waited_out(con):
    fake = FakeHarvest(fail={1: (429, {"Retry-After": "2"})})
    fake.put(*three_entries())
    sleeps = Sleeps()
    report = run_sync(con, "harvest", ctx(fake, sleeps))
    assert sleeps == [2.0]
    assert report.fetched == 3


def test_a_bad_record_is_quarantined_and_the_rest_loads(con):
    fake = FakeHarvest()
    broken = harvest_entry(1004, "2026-11-04", 1, updated_at="2026-11-04T18:00:00Z")
    broken["spent_date"] = "04/11/2026"
    fake.put(*three_entries(), broken)
    run_sync(con, "harvest", ctx(fake))
    assert len(entries(con)) == 3
    rows = con.execute("SELECT file, line, reason FROM quarantine").fetchall()
    assert rows == [
        ("harvest-api time_entries", 4, "time entry 1004: Invalid isoformat string: '04/11/2026'")
    ]


def test_bad_token_is_a_credential_error_and_nothing_changes(con):
    fake = FakeHarvest(token="other")
    fake.put(*three_entries())
    with pytest.raises(CredentialError, match=r"^harvest: GET /v2/time_entries: 401 Unauthorized"):
        run_sync(con, "harvest", ctx(fake))
    assert read_cursors(con, "harvest") == {}


def test_cli_sync_against_a_local_server(db_path, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("etl.sync.settings.SECRETS_PATH", tmp_path / "none.toml")
    fake = FakeHarvest()
    fake.put(*three_entries())
    with serve(fake) as base:
        monkeypatch.setenv("HARVEST_BASE_URL", f"{base}/v2")
        monkeypatch.setenv("HARVEST_ACCOUNT_ID", "123")
        monkeypatch.setenv("HARVEST_ACCESS_TOKEN", "good-token")
        assert etl_main(["--db", str(db_path), "sync", "--source", "harvest"]) == 0
        assert "harvest: 3 record(s) in 2 request(s)" in capsys.readouterr().out
        monkeypatch.setenv("HARVEST_ACCESS_TOKEN", "expired")
        assert etl_main(["--db", str(db_path), "sync"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: harvest: GET /v2/time_entries: 401 Unauthorized: The access")
    assert err.rstrip().endswith("check the harvest credentials")


def test_cli_one_failing_source_does_not_stop_the_others(db_path, capsys, monkeypatch, tmp_path):
    from tests.support.fake_trackers import FakeClockify

    monkeypatch.setattr("etl.sync.settings.SECRETS_PATH", tmp_path / "none.toml")
    harvest, clockify = FakeHarvest(), FakeClockify()
    harvest.put(*three_entries())
    with serve(harvest) as h_base, serve(clockify) as c_base:
        monkeypatch.setenv("HARVEST_BASE_URL", f"{h_base}/v2")
        monkeypatch.setenv("HARVEST_ACCOUNT_ID", "123")
        monkeypatch.setenv("HARVEST_ACCESS_TOKEN", "good-token")
        monkeypatch.setenv("CLOCKIFY_BASE_URL", f"{c_base}/api/v1")
        monkeypatch.setenv("CLOCKIFY_API_KEY", "revoked")
        assert etl_main(["--db", str(db_path), "sync"]) == 1
    captured = capsys.readouterr()
    assert "harvest: 3 record(s) in 2 request(s)" in captured.out
    assert captured.err.startswith("error: clockify: GET /api/v1/workspaces: 401 Unauthorized")
    assert captured.err.count("\n") == 1
