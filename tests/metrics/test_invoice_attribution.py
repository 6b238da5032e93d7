"""Realization, effective bill rate, fixed-fee margin and collections on invoices that name no
entry ids (tests/metrics/attribution_firm.py, whose docstring lists the facts). Every expected
number is worked out by hand below."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import polars as pl
import pytest

from metrics import kpis as k
from metrics.__main__ import main
from metrics.filters import Filters
from metrics.receivables import collection_kpis
from metrics.session import prepare
from read_models import realization_view as rv
from tests.metrics.attribution_firm import build_attribution_firm
from warehouse.db import connect

OCTOBER = Filters.month("2026-10")
AUG_SEP = Filters(date(2026, 8, 1), date(2026, 9, 30))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attribution")
    path = tmp / "warehouse.duckdb"
    con = connect(path)
    build_attribution_firm(con, tmp)
    con.close()
    return path


@pytest.fixture(scope="module")
def con(db):
    connection = connect(db)
    prepare(connection, date(2026, 12, 31))
    yield connection
    connection.close()


def _mart(con) -> dict[tuple[str, str], tuple]:
    """(entry, invoice) -> billed value, hours, standard value (cents), standard basis."""
    rows = con.execute(
        "SELECT entry_id, invoice_id, round(billed_value, 2), hours, round(standard_value, 2), "
        "standard_basis FROM mart_invoice_attribution"
    ).fetchall()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def test_lines_naming_project_and_person_find_their_work(con):
    mart = _mart(con)
    # INV-1: P-1's 900.00 over T-1 and T-2 pro rata to card value 600 : 400 = 540 + 360; the
    # -190.00 invoice-level discount spreads over all four entries the lines found, by hours
    # because T-4 has no single card rate: 6 + 4 + 5 + 4 = 19 h, -10.00 an hour:
    # T-1 540 - 60 = 480, T-2 360 - 40 = 320, T-3 500 - 50 = 450, T-4 500 - 40 = 460.
    assert mart[("T-1", "I-1")][:3] == (D(480), D(6), D(600))
    assert mart[("T-2", "I-1")][:3] == (D(320), D(4), D(400))
    assert mart[("T-3", "I-1")][:3] == (D(450), D(5), D(500))
    # T-4's card is ambiguous (120 and 130 both cover October): its billed value stands as
    # its standard value, so it is in both sides of realization, never billed alone.
    assert mart[("T-4", "I-1")] == (D(460), D(4), D(460), "billed")
    # T-5 (P-4) is on no line of INV-1: the invoice does not bill it.
    assert not [key for key in mart if key[0] == "T-5"]


def test_entries_carrying_the_invoice_id_take_its_lines_and_write_down(con):
    mart = _mart(con)
    # INV-2: 1600 time on PR-2 and -160 with no project over U-1 and U-2 (linked by
    # time_entries.invoice_id), pro rata to card 1000 : 600: 1440 x 1000/1600 = 900 and 540.
    assert mart[("U-1", "I-2")][:3] == (D(900), D(5), D(1000))
    assert mart[("U-2", "I-2")][:3] == (D(540), D(3), D(600))


def test_every_fee_line_is_attributed_in_full(con):
    # the mart's grain adds up to the invoices: INV-1 900 + 500 + 500 - 190 = 1710,
    # INV-2 1600 - 160 = 1440, INV-3 and INV-4 their fees 6100 and 1200
    totals = dict(
        con.execute(
            "SELECT invoice_id, sum(billed_value) FROM mart_invoice_attribution GROUP BY ALL"
        ).fetchall()
    )
    assert totals == {"I-1": D(1710), "I-2": D(1440), "I-3": D(6100), "I-4": D(1200)}


def test_realization_and_effective_rate_without_entry_ids(con):
    real = k.summarize_realization(k.realization_rows(con, OCTOBER))
    # billed: INV-1 1710 + INV-2 1440 = 3150; standard: 600 + 400 + 500 + T-4's 460 + 1000
    # + 600 = 3560; 3150 / 3560 = 0.884831...; EBR 3150 / (19 + 8) h = 116.666...
    assert (real.billed_value, real.standard_value) == (D("3150.00"), D("3560.00"))
    assert real.value == D("0.8848")
    assert real.effective_rate == D("116.67")
    # T-5: 3 h x 100 on no invoice, WIP
    assert (real.unbilled_hours, real.unbilled_value) == (D(3), D("300.00"))
    assert real.standard_at_billed_value == D("460.00")
    assert real.billed_hours_by_billing == {"time_and_materials": D(27)}
    # the page reads the same rows
    page = rv.read_entries(con, OCTOBER).select("entry_id", "standard_value", "billed_value")
    kpi = k.realization_rows(con, OCTOBER).select(page.columns)
    assert page.rows() == kpi.rows()


def test_a_fixed_fee_is_spread_over_its_work_pro_rata_to_card_value(con):
    # INV-3's 6100 over F-1, F-2, F-3 (card 1500, 1500, 3000 of 6000): 1525, 1525, 3050
    mart = _mart(con)
    assert [mart[(e, "I-3")][0] for e in ("F-1", "F-2", "F-3")] == [
        D(1525),
        D(1525),
        D(3050),
    ]
    both = k.summarize_realization(k.realization_rows(con, AUG_SEP))
    assert both.value == D("1.0167")  # 6100 / 6000 = 1.01666...
    assert both.billed_hours_by_billing == {"fixed_fee": D(40)}
    assert "fixed fee 40.00 h" in both.covers
    august = k.summarize_realization(k.realization_rows(con, Filters.month("2026-08")))
    assert (august.billed_value, august.standard_value) == (D("1525.00"), D("1500.00"))


def test_a_fee_billed_on_completion_covers_the_projects_earlier_work(con):
    # INV-4's service period is July, but the fee covers all of PR-4's work up to then:
    # G-1 (June, card 500) and G-2 (July, card 500) take 1200 x 500/1000 = 600.00 each
    mart = _mart(con)
    assert (mart[("G-1", "I-4")][0], mart[("G-2", "I-4")][0]) == (D("600.00"), D("600.00"))
    june = k.summarize_realization(k.realization_rows(con, Filters.month("2026-06")))
    assert june.value == D("1.2000")  # 600 / 500


def test_fixed_fee_revenue_is_recognised_straight_line_over_its_service_period(con):
    def revenue(filters: Filters) -> D:
        rows = k.margin_rows(con, filters).filter(pl.col("project_id") == "PR-3")
        return rows["revenue"][0]

    # 6100 over 08-01..09-30 = 61 days, 100.00 a day: August 31 days = 3100.00, September
    # 30 days = 3000.00 (not 6100 in August and 0 in September)
    assert revenue(Filters.month("2026-08")) == D("3100.00")
    assert revenue(Filters.month("2026-09")) == D("3000.00")
    assert revenue(AUG_SEP) == D("6100.00")
    # August 10-16 (7 days): recognised by 08-16 is 16 days = 1600, by 08-09 9 days = 900
    assert revenue(Filters(date(2026, 8, 10), date(2026, 8, 16))) == D("700.00")
    # August's margin: 3100 - F-1 10 h x 50 = 2600.00
    august = k.margin_rows(con, Filters.month("2026-08")).row(0, named=True)
    assert august["margin"] == D("2600.00")


def test_collection_realization_counts_no_cash_after_the_range(con):
    # October's cohort: INV-2 (1440, issued 10-20); PAY-1 720 on 10-28 counts, PAY-2 720 on
    # 11-04 is after the range: 720 / 1440 = 0.5
    october = collection_kpis(con, OCTOBER)
    assert october.collection_realization == D("0.5000")
    assert (october.cohort_billed, october.cohort_collected) == (D("1440.00"), D("720.00"))
    # as of 11-05 the same cohort is fully paid
    later = collection_kpis(con, OCTOBER, as_of=date(2026, 11, 5))
    assert later.collection_realization == D("1.0000")
    # period view: received in October 720 / invoiced in October 1440
    assert october.collection_rate == D("0.5000")


def _json(db, capsys, *argv: str) -> dict:
    assert main(["--db", str(db), "kpis", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_any_range_gives_the_same_document_as_the_month(db, capsys):
    month = _json(db, capsys, "--period", "2026-10")
    days = _json(db, capsys, "--start", "2026-10-01", "--end", "2026-10-31")
    assert days == month
    real = days["kpis"]["billing_realization"]
    assert (real["value"], real["billed_value"], real["standard_value"]) == (
        "0.8848",
        "3150.00",
        "3560.00",
    )
    assert days["kpis"]["effective_bill_rate"]["value"] == "116.67"
    assert "invoiced since" in real["covers"]
    coll = days["kpis"]["collection_realization"]
    assert (coll["value"], coll["view"], coll["as_of"]) == ("0.5000", "cohort", "2026-10-31")
    assert coll["period_view"] == "0.5000"
    assert days["as_of"] == "2026-10-31"


def test_cli_as_of_and_a_two_month_range(db, capsys):
    doc = _json(db, capsys, "--start", "2026-10-01", "--end", "2026-10-31", "--as-of", "2026-11-05")
    assert doc["kpis"]["collection_realization"]["value"] == "1.0000"  # 1440 / 1440
    fee = _json(db, capsys, "--start", "2026-08-01", "--end", "2026-09-30")
    assert (fee["start"], fee["end"], fee["period"]) == ("2026-08-01", "2026-09-30", "2026-09")
    assert fee["kpis"]["billing_realization"]["value"] == "1.0167"
    # revenue 6100; cost F-1 10 h x 50 + F-2 10 h x 40 + F-3 20 h x 50 = 1900
    assert fee["kpis"]["project_margin"]["revenue"] == "6100.00"
    assert fee["kpis"]["project_margin"]["cost"] == "1900.00"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--start", "2026-10-31", "--end", "2026-10-01"],
            "error: --end 2026-10-01 is before --start 2026-10-31",
        ),
        (
            ["--start", "2026-02-30", "--end", "2026-03-31"],
            "error: --start '2026-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            ["--period", "2026-10", "--as-of", "soon"],
            "error: --as-of 'soon' is not a date (YYYY-MM-DD)",
        ),
    ],
)
def test_cli_bad_dates_are_one_line(db, capsys, argv, message):
    assert main(["--db", str(db), "kpis", *argv]) == 1
    assert capsys.readouterr().err.strip() == message


def test_cli_a_half_range_is_bad_usage(db):
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(db), "kpis", "--start", "2026-10-01"])
    assert exit_.value.code == 2
