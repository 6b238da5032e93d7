"""The shared day tables and the FX mart (warehouse/day_tables.py, warehouse/sql/day_tables,
warehouse/sql/marts/040_mart_fx_rates.sql): grain, invariants, and that billing, the KPIs and
the rules read one definition. Every expected number is worked out by hand below.

Firm: US holidays (Mon 2026-01-19 is Martin Luther King Jr. Day), weeks start on Monday, base
USD. First time entry Wed 2026-01-07, so capacity starts Mon 2026-01-05. Built to Tue 01-20.
  P-1 40 h/week (8 a day) from 01-05; time off 4 h on Thu 01-08; the holiday takes 01-19.
  P-2 30 h/week (6 a day), left on Fri 01-16.
FX: EUR 1.10 from 01-01, a zero rate on 01-10 (a data error: never in force), 1.20 from 01-12;
a USD row of 0.5 is ignored because USD is the base currency (always 1).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from billing.fx import FxRates
from etl.loader import import_canonical
from metrics.session import prepare as prepare_kpis
from rules.prepare import prepare as prepare_rules
from tests.conftest import write_folder
from warehouse.day_tables import build_day_tables
from warehouse.db import connect

FILES = {
    "firm.yaml": "name: Day Tables LLP\nbase_currency: USD\nholidays_country: US\nweek_starts: mon\n",
    "clients.csv": "client_id,name,currency\nCL-1,Acme,USD\n",
    "people.csv": """
        person_id,name,role,weekly_capacity_hours,start_date,end_date
        P-1,Ana Lima,Engineer,40,2026-01-05,
        P-2,Ben Ode,Designer,30,,2026-01-16
    """,
    "projects.csv": "project_id,name,client_id\nPR-1,Build,CL-1\n",
    "time_entries.csv": """
        entry_id,person_id,date,hours,project_id
        E-1,P-1,2026-01-07,6,PR-1
        E-2,P-2,2026-01-13,5,PR-1
        E-3,P-1,2026-01-17,3,PR-1
    """,
    "time_off.csv": "person_id,date,hours\nP-1,2026-01-08,4\n",
    "fx_rates.csv": """
        date,currency,rate_to_base
        2026-01-01,EUR,1.10
        2026-01-10,EUR,0
        2026-01-12,EUR,1.20
        2026-01-01,USD,0.5
    """,
}
LAST_DAY = date(2026, 1, 20)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    folder = write_folder(tmp_path_factory.mktemp("day_tables") / "firm", FILES)
    con = connect(tmp_path_factory.mktemp("wh") / "wh.duckdb")
    report = import_canonical(con, folder)
    assert not report.file_errors
    build_day_tables(con, LAST_DAY)
    yield con
    con.close()


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_person_day_capacity_grain_is_person_by_weekday(con):
    dupes = rows(
        con, "SELECT person_id, day FROM person_day_capacity GROUP BY ALL HAVING count(*) > 1"
    )
    assert dupes == []
    weekend = rows(con, "SELECT day FROM person_day_capacity WHERE isodow(day) > 5")
    assert weekend == []
    # P-1: 01-05..09, 01-12..16, 01-19, 01-20 = 12 weekdays; P-2: 01-05..09, 01-12..16 = 10.
    counts = dict(rows(con, "SELECT person_id, count(*) FROM person_day_capacity GROUP BY 1"))
    assert counts == {"P-1": 12, "P-2": 10}


def test_available_follows_the_contract_capacity_rule(con):
    got = {
        (p, d): (D(c), D(a))
        for p, d, c, a in rows(
            con, "SELECT person_id, day, capacity, available FROM person_day_capacity"
        )
    }
    assert got[("P-1", date(2026, 1, 8))] == (D(8), D(4))  # time off takes its 4 hours
    assert got[("P-1", date(2026, 1, 19))] == (D(8), D(0))  # the public holiday takes the day
    assert got[("P-1", date(2026, 1, 5))] == (D(8), D(8))
    assert got[("P-2", date(2026, 1, 16))] == (D(6), D(6))  # last day inside end_date
    assert ("P-2", date(2026, 1, 19)) not in got  # after end_date
    bad = rows(con, "SELECT * FROM person_day_capacity WHERE available < 0 OR available > capacity")
    assert bad == []


def test_week_start_follows_the_firm_week(con):
    weeks = dict(
        rows(con, "SELECT day, week_start FROM person_day_capacity WHERE person_id = 'P-1'")
    )
    assert weeks[date(2026, 1, 9)] == date(2026, 1, 5)
    assert weeks[date(2026, 1, 12)] == date(2026, 1, 12)
    assert weeks[date(2026, 1, 20)] == date(2026, 1, 19)


def test_kpis_and_rules_read_the_same_capacity(con):
    prepare_kpis(con, LAST_DAY)
    # The KPIs count from the first entry (Wed 01-07): P-1 has 10 days, 4 + 8 + 8 + 8*5 + 0 + 8.
    p1 = rows(con, "SELECT count(*), sum(available) FROM kpi_person_days WHERE person_id = 'P-1'")[
        0
    ]
    assert (p1[0], D(p1[1])) == (10, D(8 + 4 + 8 + 40 + 0 + 8))
    prepare_rules(con, LAST_DAY)
    weeks = {
        (p, w): (D(c), D(e), D(h))
        for p, w, c, e, h in rows(
            con,
            "SELECT person_id, week_start, capacity_hours, expected_hours, logged_hours"
            " FROM rule_person_weeks",
        )
    }
    # Full weeks ended by 01-20: 01-05 (to 01-11) and 01-12 (to 01-18); 01-19 is not full.
    assert weeks == {
        ("P-1", date(2026, 1, 5)): (D(40), D(36), D(6)),
        ("P-1", date(2026, 1, 12)): (D(40), D(40), D(3)),  # Saturday's 3 h count in the week
        ("P-2", date(2026, 1, 5)): (D(30), D(30), D(0)),
        ("P-2", date(2026, 1, 12)): (D(30), D(30), D(5)),
    }


def test_fx_mart_keeps_only_rates_that_can_be_in_force(con):
    mart = rows(con, "SELECT currency, date, rate_to_base FROM mart_fx_rates ORDER BY ALL")
    assert [(c, d, D(r)) for c, d, r in mart] == [
        ("EUR", date(2026, 1, 1), D("1.10")),
        ("EUR", date(2026, 1, 12), D("1.20")),
        ("USD", date(2000, 1, 1), D(1)),
    ]


def test_fx_by_day_and_billing_agree_on_every_day(con):
    by_day = {(c, d): D(r) for c, d, r in rows(con, "SELECT currency, date, rate FROM fx_to_base")}
    dupes = rows(con, "SELECT currency, date FROM fx_to_base GROUP BY ALL HAVING count(*) > 1")
    assert dupes == []
    fx = FxRates.from_duckdb(con)
    for day, expected in [
        (date(2026, 1, 9), D("1.10")),
        (date(2026, 1, 10), D("1.10")),  # the zero rate is not in force
        (date(2026, 1, 11), D("1.10")),
        (date(2026, 1, 12), D("1.20")),
        (date(2026, 1, 20), D("1.20")),
    ]:
        assert by_day[("EUR", day)] == expected
        assert fx.rate_in_force("EUR", day) == expected
    assert by_day[("USD", date(2026, 1, 5))] == D(1)
    assert fx.rate_in_force("USD", date(2026, 1, 5)) == D(1)
    assert ("EUR", date(2025, 12, 31)) not in by_day
    assert fx.rate_in_force("EUR", date(2025, 12, 31)) is None
    # 100 EUR on 01-10 bill as 110.00 USD: the zero rate would have made them 0.
    assert fx.convert(D(100), "EUR", "USD", date(2026, 1, 10)) == D("110.00")


def test_hand_built_rates_follow_the_mart_rule():
    fx = FxRates("USD", [("EUR", date(2026, 1, 1), D("1.1")), ("EUR", date(2026, 1, 5), D(0))])
    assert fx.rate_in_force("EUR", date(2026, 1, 6)) == D("1.1")
