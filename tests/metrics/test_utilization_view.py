"""Utilization page shaping over person-week rows (utilization_weeks.sql) on the four-person
firm of tests/support/leadership_firm.py; every expected figure is worked out by hand below."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from metrics.filters import Filters
from metrics.kpis import summarize_utilization, utilization_rows
from metrics.session import kpi_connection
from read_models import utilization_view as uv
from tests.support.leadership_firm import W1, W2, W3, W4, build_firm

FEB = Filters.month("2026-02")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("firm")
    return build_firm(folder / "warehouse.duckdb", folder / "canonical")


def weeks_of(db: Path, filters: Filters = FEB):
    with kpi_connection(db, last_day=filters.end) as con:
        return uv.utilization_weeks(con, filters)


def cells(frame, *columns):
    return {
        (r["person_id"], r["week_start"]): tuple(r[c] for c in columns)
        for r in frame.iter_rows(named=True)
    }


def test_person_weeks_available_hours_and_split(db):
    weeks = weeks_of(db)
    got = cells(weeks, "available_hours", "billable_hours", "nonbillable_hours")
    assert got == {
        # Ada: 02-10 off (8 h); the holiday's 8 h beats her 4 h off on 02-16
        ("P-1", W1): (40, 30, 5),
        ("P-1", W2): (32, 24, 0),
        ("P-1", W3): (32, 16, 8),
        ("P-1", W4): (40, 40, 0),
        # Bo, part time: 4 h a weekday, none on the holiday
        ("P-2", W1): (20, 10, 0),
        ("P-2", W2): (20, 0, 0),
        ("P-2", W3): (16, 8, 0),
        ("P-2", W4): (20, 0, 0),
        ("P-3", W1): (40, 0, 0),
        ("P-3", W2): (40, 40, 0),
        ("P-3", W3): (32, 32, 0),
        ("P-3", W4): (40, 0, 0),
        # Di starts Wed 02-18: three days of W3, no rows before
        ("P-4", W3): (24, 0, 0),
        ("P-4", W4): (40, 20, 4),
    }


def test_weeks_add_up_to_the_month(db):
    """The weekly rows of a range and the monthly KPI rows count the same hours."""
    weeks = weeks_of(db)
    with kpi_connection(db, last_day=FEB.end) as con:
        months = utilization_rows(con, FEB)
    assert summarize_utilization(weeks) == summarize_utilization(months)
    # 220 billable of 436 available (Ada 144, Bo 76, Cy 152, Di 64)
    assert summarize_utilization(weeks).value == D("0.5046")


def test_a_range_ending_mid_week_counts_only_its_days(db):
    # 02-01 .. Wed 02-11: W2 is Mon (8 h), Tue (off) and Wed (8 h) for Ada, 8 h billable each day
    weeks = weeks_of(db, Filters(date(2026, 2, 1), date(2026, 2, 11)))
    assert cells(
        weeks.filter(weeks["person_id"] == "P-1"), "available_hours", "billable_hours"
    ) == {
        ("P-1", W1): (40, 30),
        ("P-1", W2): (16, 16),
    }


def test_people_table_against_target(db):
    people = uv.people_table(weeks_of(db))
    got = {
        r["person_id"]: (r["utilization"], r["target_utilization"], r["gap"])
        for r in people.iter_rows(named=True)
    }
    assert got == {
        "P-1": (0.7639, 0.80, -0.0361),  # 110 / 144 = 0.76389
        "P-2": (0.2368, 0.50, -0.2632),  # 18 / 76 = 0.23684
        "P-3": (0.4737, 0.90, -0.4263),  # 72 / 152 = 0.47368
        "P-4": (0.3125, 0.75, -0.4375),  # 20 / 64
    }
    # furthest below target first
    assert people["person_id"].to_list() == ["P-4", "P-3", "P-2", "P-1"]
    assert people.filter(people["person_id"] == "P-3")["employment"].item() == "contractor"


def test_team_table_keeps_contractors_apart(db):
    teams = uv.team_table(weeks_of(db))
    got = [
        (
            r["team"],
            r["employment"],
            r["people"],
            r["available_hours"],
            r["billable_hours"],
            r["nonbillable_hours"],
            r["utilization"],
            r["target_utilization"],
        )
        for r in teams.iter_rows(named=True)
    ]
    assert got == [
        # Di alone: 20 / 64; target 0.75
        ("Design", "employee", 1, 64, 20, 4, 0.3125, 0.75),
        # Ada + Bo: 128 / 220 = 0.58182; target (0.8 x 144 + 0.5 x 76) / 220 = 153.2 / 220
        ("Eng", "employee", 2, 220, 128, 13, 0.5818, 0.6964),
        # Cy, a contractor, last and on his own
        ("Design", "contractor", 1, 152, 72, 0, 0.4737, 0.90),
    ]


def test_summaries_employees_and_contractors(db):
    s = uv.summaries(weeks_of(db))
    assert s["all"].value == D("0.5046")  # 220 / 436
    assert s["all"].target == D("0.7752")  # (153.2 + 48 + 136.8) / 436 = 338 / 436
    assert s["employees"].value == D("0.5211")  # 148 / 284
    assert s["employees"].billable_hours == D(148)
    assert s["contractors"].value == D("0.4737")  # 72 / 152
    assert s["contractors"].target == D("0.9000")


def test_client_filter_is_the_clients_share_of_the_people_who_worked_for_it(db):
    weeks = weeks_of(db, Filters.month("2026-02", clients=("CL-2",)))
    s = uv.summaries(weeks)
    # Only Bo worked for Globex in February: his capacity 20 + 20 + 16 + 20 = 76 h, not the
    # firm's 436 h
    assert set(weeks["person_id"]) == {"P-2"}
    assert s["all"].available_hours == D(76)
    assert s["all"].billable_hours == D(8)  # Bo's 8 h on Globex
    assert s["all"].value == D("0.1053")  # 8 / 76 = 0.105263


def test_heatmap_rows_in_team_order_contractors_last(db):
    hm = uv.heatmap(weeks_of(db))
    assert hm.person_ids == ["P-4", "P-1", "P-2", "P-3"]
    assert hm.labels[0] == "Di · Design"
    assert hm.labels[3] == "Cy · Design · contractor"
    assert hm.weeks == [W1, W2, W3, W4]
    assert hm.z == [
        [None, None, 0.0, 0.5],  # Di: not started in W1-W2; 0 / 24; 20 / 40
        [0.75, 0.75, 0.5, 1.0],  # Ada: 30/40, 24/32, 16/32, 40/40
        [0.5, 0.0, 0.5, 0.0],  # Bo: 10/20, 0/20, 8/16, 0/20
        [0.0, 1.0, 1.0, 0.0],  # Cy
    ]


def test_team_filter_keeps_its_people(db):
    weeks = weeks_of(db, Filters.month("2026-02", teams=("Design",)))
    assert sorted(set(weeks["person_id"])) == ["P-3", "P-4"]


def test_hours_split_by_team(db):
    split = uv.hours_split(weeks_of(db), "team")
    got = {
        (r["team"], r["kind"]): (r["hours"], r["available"]) for r in split.iter_rows(named=True)
    }
    assert got == {
        ("Design", "billable"): (92, 216),
        ("Design", "non-billable"): (4, 216),
        ("Eng", "billable"): (128, 220),
        ("Eng", "non-billable"): (13, 220),
    }


def test_person_weeks_and_the_entries_behind(db):
    weeks = uv.person_weeks(weeks_of(db), "P-1")
    assert weeks["utilization"].to_list() == [0.75, 0.75, 0.5, 1.0]
    with kpi_connection(db, last_day=FEB.end) as con:
        entries = uv.person_entries(con, FEB, "P-1", W3, uv.week_end(W3))
    assert [
        (str(r["date"]), r["project_id"], r["client_name"], r["hours"], r["billable"])
        for r in entries.iter_rows(named=True)
    ] == [
        ("2026-02-17", "PR-1", "Acme Corp", 8, True),
        ("2026-02-18", "PR-1", "Acme Corp", 8, True),
        ("2026-02-19", "PR-INT", "Kestrel (internal)", 8, False),
    ]


def test_empty_warehouse_reads_empty(tmp_path):
    weeks = weeks_of(tmp_path / "none.duckdb")
    assert weeks.is_empty()
    assert uv.people_table(weeks).is_empty()
    assert uv.team_table(weeks).is_empty()
    assert uv.heatmap(weeks).z == []
    assert uv.hours_split(weeks, "team").is_empty()
    assert uv.summaries(weeks)["all"].value is None


def test_heatmap_in_a_given_order_keeps_only_those_people(db):
    hm = uv.heatmap(weeks_of(db), ["P-3", "P-1"])
    assert hm.person_ids == ["P-3", "P-1"]
    assert hm.z == [[0.0, 1.0, 1.0, 0.0], [0.75, 0.75, 0.5, 1.0]]
