"""The leadership KPIs on tests/metrics/kpi_firm.py, every expected number worked out by hand
from the firm's files (see that module's docstring for the facts)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest

from metrics import kpis as k
from metrics.filters import Filters
from metrics.session import prepare
from rules.engine import run_rules
from tests.metrics.kpi_firm import build_kpi_firm
from warehouse.db import connect

JUNE = Filters.month("2026-06")
LATER = datetime(2026, 7, 15, tzinfo=UTC)  # every June deadline has passed


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kpi")
    connection = connect(tmp / "warehouse.duckdb")
    build_kpi_firm(connection, tmp)
    prepare(connection, date(2026, 12, 31))
    yield connection
    connection.close()


def test_utilization_divides_billable_hours_by_available_hours(con):
    util = k.summarize_utilization(k.utilization_rows(con, JUNE))
    # Available: P-1 22 weekdays x 8 = 176, less Jun 19 (holiday 8 h beats PTO 4 h) and Jun 3
    # (PTO 4 h) = 164; P-2 from Jun 15: 12 weekdays, Jun 19 a holiday, 11 x 4 = 44;
    # P-3 until Jun 5: 5 x 8 = 40. 248 h in all.
    assert util.available_hours == Decimal(248)
    # Billable: P-1 100 (incl. 2 h on the holiday), P-2 22 + 10, P-3 30 = 162; internal, the
    # billable=false entry and the entry with no project are not billable.
    assert util.billable_hours == Decimal(162)
    assert util.nonbillable_hours == Decimal(19)  # 8 internal + 6 + 5
    assert util.value == Decimal("0.6532")  # 162 / 248 = 0.65322…
    # Target: (0.80 x 164 + 0.50 x 44 + 0.75 x 40) / 248 = 183.2 / 248 = 0.73870…
    assert util.target == Decimal("0.7387")


def test_utilization_per_person_and_by_team_and_client(con):
    rows = k.utilization_rows(con, JUNE).sort("person_id")
    assert rows["available_hours"].to_list() == [164.0, 44.0, 40.0]
    assert rows["billable_hours"].to_list() == [100.0, 32.0, 30.0]
    engineering = k.summarize_utilization(
        k.utilization_rows(con, Filters.month("2026-06", teams=("Engineering",)))
    )
    assert engineering.value == Decimal("0.6373")  # (100 + 30) / (164 + 40) = 0.63725…
    # A client filter keeps that client's hours over the capacity of the people who worked
    # for it (any hours on it in the range), never the whole firm's: on Globex P-1 logged 6 h
    # (non-billable) and P-3 30 h billable; P-2 never did. 30 / (164 + 40) = 0.147058…
    globex_rows = k.utilization_rows(con, Filters.month("2026-06", clients=("CL-2",)))
    assert sorted(globex_rows["person_id"]) == ["P-1", "P-3"]
    globex = k.summarize_utilization(globex_rows)
    assert globex.value == Decimal("0.1471")


def test_an_empty_range_has_no_utilization_rather_than_zero(con):
    util = k.summarize_utilization(k.utilization_rows(con, Filters.month("2031-01")))
    assert util.value is None and util.target is None


def test_billing_realization_compares_billed_with_the_rate_card(con):
    real = k.summarize_realization(k.realization_rows(con, JUNE))
    # Billed entries: P-1's 100 h (card 10,000; billed 10,000 - 500 discount = 9,500), P-3's
    # 30 h (card 4,500; billed 4,200), P-2's 10 EUR hours (card 5 x 100 x 1.10 on Jun 15 +
    # 5 x 100 x 1.20 on Jun 22 = 1,150; billed 1,000 EUR at the Jul 1 rate 1.20 = 1,200).
    assert real.standard_value == Decimal("15650.00")
    assert real.billed_value == Decimal("14900.00")
    assert real.value == Decimal("0.9521")  # 14,900 / 15,650 = 0.95207…
    assert real.effective_rate == Decimal("106.43")  # 14,900 / 140 h
    # P-2's 22 h on PR-1 are on no invoice: work in progress at card value, not realization.
    assert real.unbilled_hours == Decimal(22)
    assert real.unbilled_value == Decimal("2200.00")


def test_realization_for_one_client(con):
    acme = k.summarize_realization(
        k.realization_rows(con, Filters.month("2026-06", clients=("CL-1",)))
    )
    assert acme.value == Decimal("0.9500")  # 9,500 / 10,000


def test_margin_takes_revenue_net_of_credit_memos_and_every_hour_at_cost(con):
    rows = k.margin_rows(con, JUNE)
    by_project = {r["project_id"]: r for r in rows.iter_rows(named=True)}
    # PR-1: 10,000 - 500 - 300 (credit memo) = 9,200; cost 100 h x 60 + 22 h x 40 = 6,880.
    assert by_project["PR-1"]["revenue"] == Decimal("9200.00")
    assert by_project["PR-1"]["cost"] == Decimal("6880.00")
    assert by_project["PR-1"]["margin"] == Decimal("2320.00")
    # PR-2: 4,200; cost 30 h x 90 + the 6 non-billable hours x 60 = 3,060.
    assert by_project["PR-2"]["margin"] == Decimal("1140.00")
    # PR-6: 1,000 EUR at 1.20 = 1,200; cost 10 h x 40 = 400.
    assert by_project["PR-6"]["margin"] == Decimal("800.00")
    firm = k.summarize_margin(rows)
    assert firm.margin == Decimal("4260.00")
    assert firm.margin_pct == Decimal("0.2918")  # 4,260 / 14,600 = 0.29178…


def test_days_to_invoice_counts_business_days_after_the_period_end(con):
    rows = k.days_to_invoice_rows(con, JUNE).sort("invoice_id")
    # Period end Tue Jun 30. I-1 sent Thu Jul 2: Jul 1, 2 = 2. I-2 sent Tue Jul 7: Jul 1, 2,
    # (Fri Jul 3 is a holiday), 6, 7 = 4. I-3 has no sent_at: its issue date Wed Jul 1 = 1.
    # The credit memo is not an invoice of the period.
    assert dict(zip(rows["invoice_id"], rows["business_days"], strict=True)) == {
        "I-1": 2,
        "I-2": 4,
        "I-3": 1,
    }
    assert k.summarize_days_to_invoice(rows).value == Decimal("2.3")  # 7 / 3


def test_timesheet_compliance_person_weeks(con):
    rows = k.compliance_rows(con, JUNE, now=LATER)
    status = {
        (r["person_id"], str(r["week_start"])): r["status"] for r in rows.iter_rows(named=True)
    }
    assert status == {
        # P-1 expects 36 (PTO), 40, 32 (holiday), 40, 32 (Jul 3 holiday) hours.
        ("P-1", "2026-06-01"): "short",  # 32 h < 90% of 36
        ("P-1", "2026-06-08"): "late",  # submitted Tuesday after the Monday-noon deadline
        ("P-1", "2026-06-15"): "short",  # 28 h < 90% of 32
        ("P-1", "2026-06-22"): "short",  # 19 h of 40
        ("P-1", "2026-06-29"): "missing",
        ("P-2", "2026-06-15"): "on_time",  # 21 h of 16, submitted Mon 11:59, deadline 12:00
        ("P-2", "2026-06-22"): "short",  # 11 h of 20
        ("P-2", "2026-06-29"): "missing",
        ("P-3", "2026-06-01"): "short",  # 30 h of 40; P-3 has left before Jun 8
    }
    comp = k.summarize_compliance(rows)
    assert comp.value == Decimal("0.1111")  # 1 of 9
    assert comp.on_time_submission == Decimal("0.6667")  # 6 of 9 submitted by the deadline
    # Completeness: min(logged, expected) summed = 32+40+28+19+0 + 16+11+0 + 30 = 176 of
    # 180 + 52 + 40 = 272 expected.
    assert comp.completeness == Decimal("0.6471")


def test_a_week_whose_deadline_has_not_passed_is_not_judged_yet(con):
    before_deadline = datetime(2026, 6, 29, 15, 0, tzinfo=UTC)  # Mon Jun 29 11:00 New York
    rows = k.compliance_rows(con, JUNE, now=before_deadline)
    assert ("P-1", date(2026, 6, 22)) not in set(zip(rows["person_id"], rows["week_start"]))
    assert ("P-1", date(2026, 6, 15)) in set(zip(rows["person_id"], rows["week_start"]))


def test_leakage_sums_the_rules_findings_in_base_currency(tmp_path):
    connection = connect(tmp_path / "warehouse.duckdb")
    build_kpi_firm(connection, tmp_path)
    run_rules(connection, as_of=date(2026, 7, 10))
    prepare(connection, date(2026, 12, 31))
    leak = k.summarize_leakage(k.leakage_rows(connection, JUNE))
    # June's billing day is Wed Jul 8 (Jul 1, 2, Fri 3 is Independence Day observed, 6, 7, 8),
    # so on Jul 10 P-2's 22 approved, uninvoiced hours on PR-1 at 100/h are leakage.
    assert leak.by_kind["unbilled_time"] == Decimal("2200.00")
    # I-2 billed P-3's 30 h (card 4,500) at 4,200: the write_down finding.
    assert leak.by_kind["write_down"] == Decimal("300.00")
    assert leak.value == Decimal("2500.00")  # without realization: the findings stand in
    # With the realization page's write-downs (value at card − billed of June's billed work):
    # I-1 10,000 − 500 discount vs 10,000 card = 500; I-2 300; I-3 1,000 EUR at 1.20 = 1,200 vs
    # 5 h x 100 EUR x 1.10 + 5 h x 100 EUR x 1.20 = 1,150 (a 50 write-up):
    # 15,650 − 14,900 = 750. Leakage = 2,200 unbilled + 750 write-downs = 2,950.
    real = k.summarize_realization(k.realization_rows(connection, JUNE))
    both = k.summarize_leakage(k.leakage_rows(connection, JUNE), real)
    assert (both.write_downs, both.value) == (Decimal("750.00"), Decimal("2950.00"))
    top = k.top_leakage(k.leakage_rows(connection, JUNE))
    assert top.row(0, named=True)["findings"] == 5  # the five unbilled entries, one item
    assert top.row(0, named=True)["value_base"] == Decimal("2200.00")
    connection.close()


def test_monthly_trend_matches_the_months_own_figures(con):
    trend = k.monthly_trend(con, Filters.month("2026-07"), months=2)
    june = trend.filter(pl.col("month") == "2026-06")
    values = dict(zip(june["kpi"], june["value"], strict=True))
    assert values["billable_utilization"] == pytest.approx(0.6532)
    assert values["billing_realization"] == pytest.approx(0.9521)
    assert values["days_to_invoice"] == pytest.approx(2.3)


def test_a_warehouse_without_a_firm_row_reads_amounts_as_usd(tmp_path):
    # A warehouse loaded from tracker and accounting exports alone has no firm row. Its
    # amounts read as USD (as the receivables ledger reads them), so the same June as above
    # gives the same hand-computed realization: 14,900 / 15,650, EUR converted at 1.10 / 1.20.
    connection = connect(tmp_path / "warehouse.duckdb")
    build_kpi_firm(connection, tmp_path)
    connection.execute("DELETE FROM firm")
    prepare(connection, date(2026, 12, 31))
    fx = connection.execute(
        "SELECT currency, date, rate_to_base FROM mart_fx_rates WHERE currency = 'USD'"
    ).fetchall()
    assert fx == [("USD", date(2000, 1, 1), Decimal(1))]
    real = k.summarize_realization(k.realization_rows(connection, JUNE))
    assert real.standard_value == Decimal("15650.00")
    assert real.billed_value == Decimal("14900.00")
    assert real.value == Decimal("0.9521")
    connection.close()
