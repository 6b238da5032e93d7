"""Rule 7: expenses pass through split first, then the receiving contract's markup, then FX."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing.expenses import (
    FxRates,
    MissingFxRate,
    SplitError,
    allocate,
    expense_lines,
    split_expense,
)
from billing.model import Contract
from billing.period import Period
from tests.conftest import write_folder
from warehouse.db import connect

D = Decimal
MARCH = Period(2026, 3)
APPROVED = "2026-04-01T09:00:00-04:00"
EXPENSE_COLUMNS = (
    "expense_id",
    "person_id",
    "date",
    "amount",
    "currency",
    "description",
    "vendor",
    "project_id",
    "billable",
    "split",
    "invoice_id",
    "approved_at",
)


def contract(
    cid: str, currency: str = "USD", billable: bool | None = True, markup: str | None = "0"
) -> Contract:
    return Contract(
        contract_id=cid,
        client_id=f"CL-{cid}",
        currency=currency,
        payment_terms_days=30,
        po_number=None,
        po_limit=None,
        po_alert_at=None,
        rounding_increment_minutes=None,
        rounding_mode=None,
        expenses_billable=billable,
        expenses_markup=None if markup is None else D(markup),
        invoice_per="contract",
    )


CONTRACTS = {
    "C-US": contract("C-US", "USD", markup="0.10"),  # P-1, P-7
    "C-EU": contract("C-EU", "EUR", markup="0.10"),  # P-2
    "C-9": contract("C-9", "USD", markup="0"),  # P-9: another client, no markup
    "C-NOEXP": contract("C-NOEXP", "USD", billable=False),  # P-5: expenses not billed
    "C-NOBLOCK": contract("C-NOBLOCK", "USD", billable=None, markup=None),  # P-6: no block
}
PROJECT_CONTRACT = {
    "P-1": "C-US",
    "P-7": "C-US",
    "P-2": "C-EU",
    "P-9": "C-9",
    "P-5": "C-NOEXP",
    "P-6": "C-NOBLOCK",
}
FX_ROWS = [  # base USD; rate_to_base = USD per unit
    ("2026-02-15", "EUR", "1.05"),
    ("2026-03-01", "EUR", "1.08"),
    ("2026-03-20", "EUR", "1.12"),  # after the mid-month expenses: not in force for them
    ("2026-03-01", "GBP", "1.27"),
    ("2026-03-15", "CHF", "1.0843"),
]


@pytest.fixture
def wh(tmp_path: Path):
    con = connect(tmp_path / "w.duckdb")
    _insert(con, "firm", ["name", "base_currency"], [("Kestrel Partners", "USD")])
    _insert(con, "fx_rates", ["date", "currency", "rate_to_base"], FX_ROWS)
    yield con
    con.close()


def _insert(con, table: str, columns: list[str], rows: list[tuple]) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = (
        f"INSERT INTO {table} ({cols}, _row_hash, _load_id, _source, _updated_at) "
        f"VALUES ({marks}, 0, 0, 'test', now())"
    )
    for row in rows:
        con.execute(sql, list(row)).fetchall()


def expense(
    con,
    expense_id: str,
    amount: str,
    currency: str = "USD",
    *,
    project: str | None,
    day: str = "2026-03-10",
    description: str = "Expense",
    **extra,
) -> None:
    """One expense row: approved, billable and uninvoiced unless `extra` says otherwise."""
    row = {
        "expense_id": expense_id,
        "person_id": "PE-1",
        "date": day,
        "amount": amount,
        "currency": currency,
        "description": description,
        "vendor": None,
        "project_id": project,
        "billable": True,
        "split": None,
        "invoice_id": None,
        "approved_at": APPROVED,
    } | extra
    _insert(con, "expenses", list(EXPENSE_COLUMNS), [tuple(row[c] for c in EXPENSE_COLUMNS)])


def run(con, contracts=CONTRACTS, project_contract=PROJECT_CONTRACT):
    return expense_lines(con, MARCH, contracts, project_contract, FxRates.from_duckdb(con))


def amounts(lines_by_contract) -> dict[tuple[str, str, str], Decimal]:
    """(contract, expense, project) -> amount."""
    return {
        (cid, line.sources[0], line.project_id): line.amount
        for cid, lines in lines_by_contract.items()
        for line in lines
    }


# --- FX: markup then conversion, one rounding ----------------------------------------------


def test_eur_expense_on_usd_contract_marks_up_then_converts(wh):
    expense(wh, "E-1", "120.00", "EUR", project="P-1", description="Train tickets")
    lines, problems = run(wh)
    assert problems == []
    [line] = lines["C-US"]
    # 120.00 EUR × (1 + 0.10) = 132.00 EUR; × 1.08 USD/EUR (the 2026-03-01 rate) = 142.56 USD
    assert line.amount == D("142.56")
    assert (line.kind, line.project_id, line.quantity, line.unit_price, line.sources) == (
        "expense",
        "P-1",
        D(1),
        D("142.56"),
        ["E-1"],
    )
    assert line.description == "Train tickets, 120.00 EUR at 1.0800"
    assert line.person_id == "PE-1"


def test_rate_in_force_is_the_latest_on_or_before_the_expense_date(wh):
    expense(wh, "E-10", "100.00", "EUR", project="P-1", day="2026-03-19")
    expense(wh, "E-20", "100.00", "EUR", project="P-1", day="2026-03-20")
    got = amounts(run(wh)[0])
    # 03-19: the 03-20 rate is not in force yet; 100 × 1.10 × 1.08 = 118.80
    assert got["C-US", "E-10", "P-1"] == D("118.80")
    # 03-20: a rate dated the expense day is in force; 100 × 1.10 × 1.12 = 123.20
    assert got["C-US", "E-20", "P-1"] == D("123.20")


def test_cross_rate_goes_through_the_base_currency(wh):
    expense(wh, "E-GB", "100.00", "GBP", project="P-2", description="Hotel")
    expense(wh, "E-US", "100.00", "USD", project="P-2", description="Taxi")
    lines, problems = run(wh)
    assert problems == []
    got = amounts(lines)
    # 100.00 GBP × 1.10 = 110.00 GBP; × 1.27 (GBP→USD) / 1.08 (EUR→USD) = 129.351851… EUR
    assert got["C-EU", "E-GB", "P-2"] == D("129.35")
    # base → EUR: 100.00 USD × 1.10 / 1.08 = 101.851851… EUR
    assert got["C-EU", "E-US", "P-2"] == D("101.85")
    descriptions = [line.description for line in lines["C-EU"]]
    assert descriptions == ["Hotel, 100.00 GBP at 1.1759", "Taxi, 100.00 USD at 0.9259"]


def test_one_rounding_per_line_no_intermediate_cents(wh):
    con_contracts = CONTRACTS | {"C-CH": contract("C-CH", "USD", markup="0.15")}
    expense(wh, "E-CH", "10.03", "CHF", project="P-CH", day="2026-03-16")
    lines, _ = run(wh, con_contracts, PROJECT_CONTRACT | {"P-CH": "C-CH"})
    # 10.03 × 1.15 = 11.5345; × 1.0843 = 12.50685835 → 12.51
    # (rounding the markup first would give 11.53 × 1.0843 = 12.501979 → 12.50)
    assert lines["C-CH"][0].amount == D("12.51")


def test_missing_fx_rate_is_an_exception_and_the_expense_is_held_back(wh):
    expense(wh, "E-JPY", "5000", "JPY", project="P-1")
    expense(wh, "E-CHF", "10.00", "CHF", project="P-1", day="2026-03-10")  # rate from 03-15
    expense(wh, "E-OK", "10.00", "USD", project="P-1")
    lines, problems = run(wh)
    assert [(p.kind, p.ref) for p in problems] == [
        ("missing_fx_rate", "E-CHF"),
        ("missing_fx_rate", "E-JPY"),
    ]
    assert "JPY" in problems[1].detail and "2026-03-10" in problems[1].detail
    assert [line.sources for line in lines["C-US"]] == [["E-OK"]]


def test_fx_rates_convert_and_missing_rate():
    fx = FxRates("USD", {"EUR": [(date(2026, 3, 1), D("1.08"))]})
    assert fx.convert(D("10"), "USD", "USD", date(2020, 1, 1)) == D("10")
    assert fx.convert(D("10"), "EUR", "USD", date(2026, 3, 31)) == D("10.80")
    with pytest.raises(MissingFxRate, match=r"EUR on or before 2026-02-28"):
        fx.convert(D("10"), "EUR", "USD", date(2026, 2, 28))


# --- splits -------------------------------------------------------------------------------


def test_split_parts_take_the_markup_of_the_contract_that_receives_them(wh):
    expense(
        wh,
        "E-AWS",
        "1000.01",
        project=None,
        split="P-7:60;P-9:40",
        description="Hosting",
        vendor="AWS",
    )
    lines, problems = run(wh)
    assert problems == []
    # split first: 1000.01 × 60% = 600.006 → 600.01; × 40% = 400.004 → 400.00; sum 1000.01
    # then each part's own markup: C-US 10% → 600.01 × 1.10 = 660.011 → 660.01
    #                              C-9   0% → 400.00 × 1.00 = 400.00
    [us], [nine] = lines["C-US"], lines["C-9"]
    assert (us.project_id, us.amount, us.sources) == ("P-7", D("660.01"), ["E-AWS"])
    assert (nine.project_id, nine.amount, nine.sources) == ("P-9", D("400.00"), ["E-AWS"])
    assert us.description == "Hosting (AWS), 60% of 1000.01 USD"
    assert nine.description == "Hosting (AWS), 40% of 1000.01 USD"


def test_split_remainder_goes_to_the_largest_part():
    # 0.10 × 25% = 0.025 → 0.03, 0.03; × 50% = 0.05; sum 0.11: −0.01 to the 50% part
    assert allocate(D("0.10"), [D(25), D(25), D(50)]) == [D("0.03"), D("0.03"), D("0.04")]
    # 100.01 × 50% = 50.005 → 50.01 twice; sum 100.02: −0.01 to the first of the tie
    assert allocate(D("100.01"), [D(50), D(50)]) == [D("50.00"), D("50.01")]
    # 0.01 × 40% = 0.004 → 0.00, × 30% → 0.00 twice; sum 0.00: +0.01 to the 40% part
    assert allocate(D("0.01"), [D(30), D(40), D(30)]) == [D("0.00"), D("0.01"), D("0.00")]


def test_split_expense_parts():
    parts = split_expense(
        "E-1",
        D("500.00"),
        "USD",
        " P-7:60 ; P-9:40 ",
        None,
        date=date(2026, 3, 2),
        description="Hosting",
        vendor="AWS",
    )
    assert [(p.project_id, p.share, p.amount) for p in parts] == [
        ("P-7", D(60), D("300.00")),
        ("P-9", D(40), D("200.00")),
    ]
    [whole] = split_expense("E-2", D("12.34"), "EUR", "", "P-1", date=date(2026, 3, 2))
    assert (whole.project_id, whole.share, whole.amount, whole.split) == (
        "P-1",
        D(100),
        D("12.34"),
        False,
    )


@pytest.mark.parametrize(
    "split, message",
    [
        ("P-7:60;P-9:30", "adds up to 90, not 100"),
        ("P-7:60;P-9:50", "adds up to 110, not 100"),
        ("P-7:60;P-9", "malformed"),
        ("P-7:sixty;P-9:40", "malformed"),
        (":60;P-9:40", "malformed"),
        ("P-7:140;P-9:-40", "malformed"),
        ("P-7:60;P-7:40", "names P-7 twice"),
    ],
)
def test_bad_splits_raise_naming_the_expense(split, message):
    with pytest.raises(SplitError, match=message) as err:
        split_expense("E-9", D("10"), "USD", split, None, date=date(2026, 3, 2))
    assert "E-9" in str(err.value) and split in str(err.value)


def test_invalid_split_is_an_exception_and_other_expenses_still_bill(wh):
    expense(wh, "E-BAD", "100.00", project=None, split="P-7:60;P-9:30")
    expense(wh, "E-OK", "10.00", project="P-1")
    lines, problems = run(wh)
    [problem] = problems
    assert (problem.kind, problem.ref) == ("invalid_split", "E-BAD")
    assert "E-BAD" in problem.detail and "P-7:60;P-9:30" in problem.detail
    assert "90" in problem.detail
    # 10.00 × 1.10 = 11.00
    assert amounts(lines) == {("C-US", "E-OK", "P-1"): D("11.00")}


def test_missing_rate_for_one_part_holds_back_the_whole_split(wh):
    with_jpy = CONTRACTS | {"C-JP": contract("C-JP", "JPY")}
    expense(wh, "E-T", "100.00", project=None, split="P-7:50;P-8:50")
    # the P-7 half needs no rate (USD on a USD contract), the P-8 half needs USD→JPY: none
    lines, problems = run(wh, with_jpy, PROJECT_CONTRACT | {"P-8": "C-JP"})
    assert lines == {} and [(p.kind, p.ref) for p in problems] == [("missing_fx_rate", "E-T")]
    assert "JPY" in problems[0].detail


# --- eligibility --------------------------------------------------------------------------


def test_only_approved_billable_uninvoiced_in_period_expenses_bill(wh):
    expense(wh, "E-OK", "10.00", project="P-1")
    expense(wh, "E-UNAPPROVED", "10.00", project="P-1", approved_at=None)
    expense(wh, "E-NONBILL", "10.00", project="P-1", billable=False)
    expense(wh, "E-INVOICED", "10.00", project="P-1", invoice_id="INV-1")
    expense(wh, "E-FEB", "10.00", project="P-1", day="2026-02-28")
    expense(wh, "E-APR", "10.00", project="P-1", day="2026-04-01")
    expense(wh, "E-FIRST", "10.00", project="P-1", day="2026-03-01")
    expense(wh, "E-LAST", "10.00", project="P-1", day="2026-03-31")
    expense(wh, "E-EMPTY", "10.00", project="P-1", billable=None)  # contract bills expenses
    lines, problems = run(wh)
    assert problems == []
    assert [line.sources[0] for line in lines["C-US"]] == [
        "E-FIRST",
        "E-EMPTY",
        "E-OK",
        "E-LAST",
    ]  # date, then expense id
    assert {line.amount for line in lines["C-US"]} == {D("11.00")}  # 10.00 × 1.10


def test_contract_that_does_not_bill_expenses_skips_them_without_exception(wh):
    expense(wh, "E-NOEXP", "10.00", project="P-5")
    expense(wh, "E-NOBLOCK", "10.00", project="P-6", billable=None)
    expense(wh, "E-SPLIT", "10.00", project=None, split="P-5:50;P-9:50")
    lines, problems = run(wh)
    assert problems == []
    # only the P-9 half of E-SPLIT bills: 10.00 × 50% = 5.00, C-9 markup 0
    assert amounts(lines) == {("C-9", "E-SPLIT", "P-9"): D("5.00")}


def test_project_without_contract_is_a_no_contract_exception(wh):
    expense(wh, "E-NC", "10.00", project="P-404")
    expense(wh, "E-NC-SPLIT", "10.00", project=None, split="P-404:50;P-9:50")
    expense(wh, "E-UNSET", "10.00", project="P-404", billable=None)  # nothing says billable
    expense(wh, "E-NOPROJ", "10.00", project=None)
    lines, problems = run(wh)
    assert [(p.kind, p.ref) for p in problems] == [
        ("no_contract", "E-NC"),
        ("no_contract", "E-NC-SPLIT"),
        ("no_contract", "E-NOPROJ"),
    ]
    assert "P-404" in problems[0].detail
    assert amounts(lines) == {("C-9", "E-NC-SPLIT", "P-9"): D("5.00")}


# --- through the canonical import ---------------------------------------------------------


CANONICAL_FIRM = {
    "firm.yaml": "name: Kestrel Partners\nbase_currency: USD\n",
    "clients.csv": """
        client_id,name,currency
        CL-1,Acme,USD
        CL-2,Brio,EUR
    """,
    "people.csv": "person_id,name,role\nPE-1,Elena Ruiz,Engineer\n",
    "projects.csv": """
        project_id,name,client_id
        P-7,Storefront,CL-1
        P-9,Portal,CL-2
    """,
    "contracts.yaml": """
        contracts:
          - contract_id: C-1
            client_id: CL-1
            currency: USD
            expenses: {billable: true, markup: "0.10"}
            workstreams:
              - {project_id: P-7, billing: time_and_materials}
          - contract_id: C-2
            client_id: CL-2
            currency: EUR
            expenses: {billable: true, markup: "0.05"}
            workstreams:
              - {project_id: P-9, billing: time_and_materials}
    """,
    "fx_rates.csv": "date,currency,rate_to_base\n2026-03-01,EUR,1.08\n2026-03-20,EUR,1.12\n",
    "expenses.csv": """
        expense_id,person_id,date,amount,currency,description,vendor,project_id,billable,split,invoice_id,approved_at
        E-1,PE-1,2026-03-05,1000.00,USD,Hosting,AWS,,,P-7:60;P-9:40,,2026-03-06T10:00:00-05:00
        E-2,PE-1,2026-03-06,50.00,USD,Taxi,,P-7,true,,,
        E-3,PE-1,2026-03-07,50.00,USD,Taxi,,P-7,true,,INV-9,2026-03-08T10:00:00-05:00
    """,
}


def test_canonical_import_end_to_end(tmp_path: Path):
    from billing.terms import load_contracts, project_contracts
    from etl.loader import import_canonical

    folder = write_folder(tmp_path / "firm", CANONICAL_FIRM)
    con = connect(tmp_path / "w.duckdb")
    try:
        import_canonical(con, folder)
        contracts = load_contracts(con)
        lines, problems = expense_lines(
            con, MARCH, contracts, project_contracts(contracts), FxRates.from_duckdb(con)
        )
    finally:
        con.close()
    assert problems == []
    # E-1 only (E-2 unapproved, E-3 invoiced). 60% = 600.00 USD × 1.10 = 660.00 USD;
    # 40% = 400.00 USD × 1.05 = 420.00 USD / 1.08 (EUR on 03-01) = 388.888… → 388.89 EUR
    assert amounts(lines) == {
        ("C-1", "E-1", "P-7"): D("660.00"),
        ("C-2", "E-1", "P-9"): D("388.89"),
    }
    assert lines["C-2"][0].description == "Hosting (AWS), 40% of 1000.00 USD at 0.9259"
