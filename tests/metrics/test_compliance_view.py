"""Timesheet compliance page shaping over compliance.sql's person-week statuses, on the
four-person firm of tests/support/leadership_firm.py; expected values worked out by hand.

Statuses of February 2026 (expected hours in brackets), as the firm's entries make them:
  Ada  W1 short (35 of 40)  W2 late (12:30 > 12:00)  W3 short (24 of 32)  W4 on time
  Bo   W1 short (10 of 20)  W2 missing               W3 short (8 of 16)   W4 missing
  Cy   W1 missing           W2 on time               W3 on time           W4 missing
  Di   -                    -                        W3 missing (24)      W4 short (24 of 40)
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from metrics.filters import Filters
from metrics.session import kpi_connection
from read_models import compliance_view as cv
from tests.support.leadership_firm import NOW, W1, W2, W3, W4, build_firm

FEB = Filters.month("2026-02")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("firm")
    return build_firm(folder / "warehouse.duckdb", folder / "canonical")


def rows_of(db: Path, filters: Filters = FEB, now: datetime = NOW):
    with kpi_connection(db, last_day=filters.end) as con:
        return cv.compliance_weeks(con, filters, now)


def test_grid_offenders_first(db):
    g = cv.grid(rows_of(db))
    assert g.person_ids == ["P-2", "P-1", "P-3", "P-4"]
    assert g.labels[2] == "Cy · Design · contractor"
    assert g.weeks == [W1, W2, W3, W4]
    assert g.statuses == [
        ["short", "missing", "short", "missing"],
        ["short", "late", "short", "on_time"],
        ["missing", "on_time", "on_time", "missing"],
        [None, None, "missing", "short"],  # Di starts 02-18: nothing expected before W3
    ]


def test_worst_offenders(db):
    table = cv.offenders(rows_of(db))
    got = [
        (r["person_id"], r["non_compliant"], r["late"], r["missing"], r["short"], r["hours_short"])
        for r in table.iter_rows(named=True)
    ]
    assert got == [
        ("P-2", 4, 0, 2, 2, 58.0),  # (20-10) + 20 + (16-8) + 20
        ("P-1", 3, 1, 0, 2, 21.0),  # 5 + (32-24) + (32-24) + 0
        ("P-3", 2, 0, 2, 0, 80.0),  # 40 + 0 + 0 + 40: ties on weeks, more hours short first
        ("P-4", 2, 0, 1, 1, 40.0),  # 24 + (40-24)
    ]
    assert cv.offenders(rows_of(db), limit=2)["person_id"].to_list() == ["P-2", "P-1"]


def test_team_rates_contractors_apart(db):
    teams = cv.team_rates(rows_of(db))
    got = [
        (
            r["team"],
            r["employment"],
            r["person_weeks"],
            r["compliance"],
            r["on_time_submission"],
            r["completeness"],
        )
        for r in teams.iter_rows(named=True)
    ]
    assert got == [
        # Di: 0 of 2 on time and complete; 1 of 2 submitted on time (short); 24 of 64 h
        ("Design", "employee", 2, 0.0, 0.5, 0.375),
        # Ada + Bo: 1 of 8; 5 of 8 (1 on time + 4 short); (123 + 18) / (144 + 76) = 0.64091
        ("Eng", "employee", 8, 0.125, 0.625, 0.6409),
        # Cy: 2 of 4; 2 of 4; 72 / 152 = 0.47368
        ("Design", "contractor", 4, 0.5, 0.5, 0.4737),
    ]


def test_firm_rate_and_employees(db):
    s = cv.summaries(rows_of(db))
    assert (s["all"].value, s["all"].on_time_submission, s["all"].completeness) == (
        D("0.2143"),  # 3 on time and complete of 14 person-weeks
        D("0.5714"),  # 8 of 14 submitted by the deadline
        D("0.5436"),  # 237 of 436 expected hours
    )
    assert s["all"].counts == {"on_time": 3, "short": 5, "late": 1, "missing": 5}
    assert (s["employees"].value, s["employees"].on_time_submission) == (D("0.1"), D("0.6"))
    assert s["employees"].completeness == D("0.5810")  # 165 / 284 = 0.58099
    assert s["contractors"].weeks == 4


def test_only_weeks_whose_deadline_passed(db):
    # on Fri 02-20 only W1 (deadline 02-09) and W2 (02-16) are due; Di expected nothing yet
    rows = rows_of(db, now=datetime(2026, 2, 20, tzinfo=UTC))
    assert sorted(set(rows["week_start"])) == [W1, W2]
    assert rows.height == 6


def test_person_week_drill_down(db):
    rows = rows_of(db)
    week = cv.person_week(rows, "P-1", W2)
    assert week["status"] == "late"
    assert week["deadline"] == datetime(2026, 2, 16, 12, 0, tzinfo=UTC)
    assert week["submitted_at"] == datetime(2026, 2, 16, 12, 30, tzinfo=UTC)  # the first one
    assert cv.lateness(week["submitted_at"], week["deadline"]) == "0 h 30 min after the deadline"
    di = cv.person_week(rows, "P-4", W4)
    assert cv.lateness(di["submitted_at"], di["deadline"]) == "exactly at the deadline"
    bo = cv.person_week(rows, "P-2", W3)
    assert cv.lateness(bo["submitted_at"], bo["deadline"]) == "0 h 01 min before the deadline"
    assert cv.person_week(rows, "P-4", W1) is None
    with kpi_connection(db, last_day=FEB.end) as con:
        entries = cv.week_entries(con, "P-1", W2)
        assert cv.firm_timezone(con) == "UTC"
    assert [
        (str(r["date"]), r["hours"], r["submitted_at"].strftime("%m-%d %H:%M"))
        for r in entries.iter_rows(named=True)
    ] == [
        ("2026-02-09", 8, "02-16 12:30"),
        ("2026-02-11", 8, "02-17 09:00"),
        ("2026-02-12", 8, "02-17 09:00"),
    ]


def test_team_filter(db):
    rows = rows_of(db, Filters.month("2026-02", teams=("Eng",)))
    assert sorted(set(rows["person_id"])) == ["P-1", "P-2"]


def test_empty_warehouse(tmp_path):
    rows = rows_of(tmp_path / "none.duckdb")
    assert rows.is_empty()
    assert cv.grid(rows).statuses == []
    assert cv.offenders(rows).is_empty()
    assert cv.team_rates(rows).is_empty()
    assert cv.summaries(rows)["all"].value is None
