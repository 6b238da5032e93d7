"""One "today" for the whole app (core.clock): BILLING_TODAY pins it, every default that means
today follows it (rules, aging, late fees, reminders, the app's default period), and a bad value
is one line from a CLI, not a traceback. Dates here are explicit; `make test-clock` reruns these
with the wall clock moved to prove none of them reads it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
import time_machine
from streamlit.testing.v1 import AppTest

from billing.__main__ import main as billing_main
from core import clock
from etl.__main__ import main as etl_main
from rules.__main__ import main as rules_main
from tests.billing.ar_firm import build_ar_firm
from tests.rules.test_rules import firm as rules_firm
from tests.support.demo import DEMO_AS_OF
from ui.app_state import PERIOD_KEY, last_complete_period, period_label
from warehouse.db import connect

pytestmark = pytest.mark.clock

APP = Path(__file__).resolve().parent.parent / "app.py"


def one_line_error(capsys: pytest.CaptureFixture, code: int) -> str:
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


# --- the clock itself -------------------------------------------------------------------------


def test_the_suite_runs_on_the_pinned_day():
    assert clock.today() == DEMO_AS_OF


def test_billing_today_pins_today_and_now(monkeypatch):
    monkeypatch.setenv(clock.TODAY_ENV, "2028-02-29")
    assert clock.today() == dt.date(2028, 2, 29)
    now = clock.now()
    assert now.date() == dt.date(2028, 2, 29) and now.utcoffset() == dt.timedelta(0)


def test_unpinned_today_is_the_wall_clocks_utc_date(monkeypatch):
    monkeypatch.delenv(clock.TODAY_ENV)
    # 23:30 in New York on New Year's Eve is already 2027 in UTC
    with time_machine.travel(dt.datetime(2027, 1, 1, 4, 30, tzinfo=dt.UTC), tick=False):
        assert clock.today() == dt.date(2027, 1, 1)
        assert clock.now() == dt.datetime(2027, 1, 1, 4, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("bad", ["2026-02-30", "tomorrow", "05/12/2026"])
def test_a_bad_billing_today_is_a_clock_error(monkeypatch, bad):
    monkeypatch.setenv(clock.TODAY_ENV, bad)
    with pytest.raises(clock.ClockError, match=f"BILLING_TODAY={bad!r} is not a date"):
        clock.today()


# --- defaults that mean today -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "period"),
    [
        ("2027-03-01", "2027-02"),
        ("2027-01-31", "2026-12"),
        ("2028-02-29", "2028-01"),
        ("2026-12-31", "2026-11"),
    ],
)
def test_the_apps_default_period_is_the_month_before_today(monkeypatch, tmp_path, today, period):
    monkeypatch.setenv(clock.TODAY_ENV, today)
    assert str(last_complete_period()) == period
    monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / "none.duckdb"))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    picker = at.sidebar.selectbox(key=PERIOD_KEY)
    assert picker.value == period
    assert picker.options[0] == period_label(period)  # the newest month offered


def test_rules_run_looks_at_days_up_to_billing_today(monkeypatch, con, tmp_path, db_path, capsys):
    # T-11 is 11 h with no project on 2026-05-04: a long day and a missing project from that day on
    rules_firm(con, tmp_path)
    con.close()
    found = {}
    for today in ("2026-05-03", "2026-05-04"):
        monkeypatch.setenv(clock.TODAY_ENV, today)
        assert rules_main(["--db", str(db_path), "run", "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)["exceptions"]
        found[today] = {(e["kind"], e["ref"]) for e in out}
    late = {("long_day", "P-1:2026-05-04"), ("missing_project", "T-11")}
    assert not late & found["2026-05-03"]
    assert late <= found["2026-05-04"]


def test_ar_commands_default_to_billing_today(monkeypatch, con, tmp_path, db_path, capsys):
    build_ar_firm(con, tmp_path)
    con.close()
    monkeypatch.setenv(clock.TODAY_ENV, "2026-03-03")
    db = ["--db", str(db_path)]
    assert billing_main([*db, "aging", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == "2026-03-03"
    assert billing_main([*db, "reminders", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == "2026-03-03"
    # C-1 charges 1.5% a month after the due date (no grace). On 03-03, I-1 (due 01-31, 1000.00
    # less P-1's 400.00 = 600.00 open) has had one full 30-day period: 600.00 x 0.015 = 9.00.
    # I-2 (due 02-14) and I-3 (due 03-03) have had none yet. On the wall clock's today
    # (months later) there would be more periods and more invoices.
    assert billing_main([*db, "late-fees", "--format", "json"]) == 0
    capsys.readouterr()
    check = connect(db_path)
    try:
        charges = check.execute(
            "SELECT invoice_id, as_of_date, periods, amount FROM late_fee_charges"
        ).fetchall()
    finally:
        check.close()
    assert charges == [("I-1", dt.date(2026, 3, 3), 1, D("9.00"))]


# --- a bad BILLING_TODAY ----------------------------------------------------------------------


def test_a_bad_billing_today_is_one_line_from_every_cli(
    monkeypatch, con, tmp_path, db_path, capsys
):
    build_ar_firm(con, tmp_path)
    con.close()
    monkeypatch.setenv(clock.TODAY_ENV, "2026-13-01")
    db = ["--db", str(db_path)]
    commands = [
        (rules_main, [*db, "run"]),
        (billing_main, [*db, "aging"]),
        (billing_main, [*db, "late-fees"]),
        (billing_main, [*db, "reminders"]),
        (billing_main, [*db, "ar-sync"]),
        (etl_main, ["--db", str(tmp_path / "demo.duckdb"), "demo"]),
        (etl_main, [*db, "import", "canonical", str(tmp_path / "ar_firm")]),
    ]
    for main, argv in commands:
        err = one_line_error(capsys, main(argv))
        assert "BILLING_TODAY='2026-13-01' is not a date (YYYY-MM-DD)" in err, argv
