"""Expense pass-through (contract rule 7): split, then each part's contract markup, then FX."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import duckdb

from billing.model import BillingException, Contract, Line
from billing.period import Period
from core.money import ZERO, cents, dec

HUNDRED = Decimal(100)
ONE = Decimal(1)


class SplitError(ValueError):
    """An expense's `split` is malformed or its shares do not add up to 100."""


class MissingFxRate(LookupError):
    """No `fx_rates` row for a currency on or before a date."""

    def __init__(self, currency: str, on: date):
        super().__init__(f"no fx rate for {currency} on or before {on.isoformat()}")
        self.currency = currency
        self.on = on


@dataclass
class ExpensePart:
    """One share of an expense, bound for one project's contract."""

    expense_id: str
    project_id: str | None
    share: Decimal  # percent; 100 when not split
    amount: Decimal  # in the expense currency, after the split (cents, remainder to the largest)
    currency: str
    date: date
    description: str
    vendor: str | None
    person_id: str | None = None
    split: bool = False  # True when this part comes from a `split`


def parse_split(expense_id: str, split: str) -> list[tuple[str, Decimal]]:
    """`P-7:60;P-9:40` -> [(P-7, 60), (P-9, 40)]; raises SplitError naming the expense."""
    shares: list[tuple[str, Decimal]] = []
    for piece in (p.strip() for p in split.split(";") if p.strip()):
        project, sep, pct = (s.strip() for s in piece.partition(":"))
        try:
            share = Decimal(pct)
        except InvalidOperation:
            share = None
        if not sep or not project or share is None or not share.is_finite() or share <= 0:
            raise SplitError(f"expense {expense_id}: split {split!r} is malformed at {piece!r}")
        if project in (p for p, _ in shares):
            raise SplitError(f"expense {expense_id}: split {split!r} names {project} twice")
        shares.append((project, share))
    total = sum((s for _, s in shares), ZERO)
    if total != HUNDRED:
        raise SplitError(f"expense {expense_id}: split {split!r} adds up to {total}, not 100")
    return shares


def allocate(amount: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """amount × share / 100 half-up to cents; the remainder goes to the largest share (first
    in split order on ties), so the parts always add up to the amount."""
    parts = [cents(amount * share / HUNDRED) for share in shares]
    largest = max(range(len(shares)), key=lambda i: (shares[i], -i))
    parts[largest] += amount - sum(parts, ZERO)
    return parts


def split_expense(
    expense_id: str,
    amount: Decimal,
    currency: str,
    split: str | None,
    project_id: str | None,
    *,
    date: date,
    description: str = "",
    vendor: str | None = None,
    person_id: str | None = None,
) -> list[ExpensePart]:
    """The parts of one expense: its `split` when given (the split wins over `project_id`),
    else one part of 100% on `project_id`."""
    common = {
        "expense_id": expense_id,
        "currency": currency,
        "date": date,
        "description": description,
        "vendor": vendor,
        "person_id": person_id,
    }
    if not (split or "").strip():
        return [ExpensePart(project_id=project_id, share=HUNDRED, amount=amount, **common)]
    shares = parse_split(expense_id, split)
    amounts = allocate(amount, [s for _, s in shares])
    return [
        ExpensePart(project_id=p, share=s, amount=a, split=True, **common)
        for (p, s), a in zip(shares, amounts)
    ]


class FxRates:
    """Rates in force: the latest `fx_rates` row on or before a date; the base currency is 1."""

    def __init__(self, base_currency: str | None, rates: dict[str, list[tuple[date, Decimal]]]):
        self.base_currency = base_currency
        self._rates = {ccy: sorted(rows) for ccy, rows in rates.items()}
        self._days = {ccy: [d for d, _ in rows] for ccy, rows in self._rates.items()}

    @classmethod
    def from_duckdb(cls, con: duckdb.DuckDBPyConnection) -> FxRates:
        firm = con.execute("SELECT base_currency FROM firm LIMIT 1").fetchall()
        rows = con.execute(
            "SELECT currency, date, rate_to_base FROM fx_rates"
            " WHERE rate_to_base > 0 ORDER BY currency, date"
        ).fetchall()
        rates: dict[str, list[tuple[date, Decimal]]] = {}
        for ccy, day, rate in rows:
            rates.setdefault(ccy, []).append((day, dec(rate)))
        return cls(firm[0][0] if firm else None, rates)

    def rate_to_base(self, currency: str, on: date) -> Decimal:
        if currency == self.base_currency:
            return ONE
        index = bisect.bisect_right(self._days.get(currency, []), on)
        if index == 0:
            raise MissingFxRate(currency, on)
        return self._rates[currency][index - 1][1]

    def rate(self, from_ccy: str, to_ccy: str, on: date) -> Decimal:
        """Units of `to_ccy` per unit of `from_ccy` (for descriptions; unrounded)."""
        return self.convert(ONE, from_ccy, to_ccy, on)

    def convert(self, amount: Decimal, from_ccy: str, to_ccy: str, on: date) -> Decimal:
        """amount × rate_to_base(from) / rate_to_base(to), unrounded; cross rates go through
        the base currency. Raises MissingFxRate naming the currency and the date."""
        if from_ccy == to_ccy:
            return amount
        return amount * self.rate_to_base(from_ccy, on) / self.rate_to_base(to_ccy, on)


EXPENSES_SQL = """
SELECT expense_id, person_id, date, amount, currency, description, vendor, project_id,
       billable, split
FROM expenses
WHERE date BETWEEN ? AND ?
  AND approved_at IS NOT NULL
  AND billable IS NOT FALSE
  AND coalesce(invoice_id, '') = ''
  AND expense_id NOT IN (SELECT source_id FROM locked_sources)
ORDER BY date, expense_id
"""


def eligible_expenses(con: duckdb.DuckDBPyConnection, period: Period) -> list[dict]:
    """Approved, not explicitly non-billable, uninvoiced expenses dated inside the period."""
    result = con.execute(EXPENSES_SQL, [period.start, period.end])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def _text(value: Decimal) -> str:
    """An amount as written: two places, more only when the source has sub-cent digits."""
    return str(cents(value)) if value == cents(value) else format(value.normalize(), "f")


def describe(part: ExpensePart, whole: Decimal, to_ccy: str, fx: FxRates) -> str:
    """E.g. `Hosting (AWS), 60% of 500.00 USD` or `Train tickets, 120.00 EUR at 1.0800`."""
    text = part.description + (f" ({part.vendor})" if part.vendor else "")
    share = f"{format(part.share.normalize(), 'f')}% of " if part.split else ""
    text += f", {share}{_text(whole)} {part.currency}"
    if part.currency != to_ccy:
        text += f" at {fx.rate(part.currency, to_ccy, part.date).quantize(Decimal('0.0001'))}"
    return text


def part_line(part: ExpensePart, whole: Decimal, contract: Contract, fx: FxRates) -> Line:
    """Markup of the receiving contract, then FX on the expense date, then one rounding."""
    marked_up = part.amount * (ONE + (contract.expenses_markup or ZERO))
    value = fx.convert(marked_up, part.currency, contract.currency, part.date)
    return Line(
        kind="expense",
        project_id=part.project_id,
        description=describe(part, whole, contract.currency, fx),
        quantity=ONE,
        unit_price=cents(value),  # the same single rounding Line applies to `amount`
        amount=value,
        sources=[part.expense_id],
        person_id=part.person_id,
    )


def _parts(row: dict) -> list[ExpensePart]:
    return split_expense(
        row["expense_id"],
        dec(row["amount"]),
        row["currency"],
        row["split"],
        row["project_id"],
        date=row["date"],
        description=row["description"] or "",
        vendor=row["vendor"],
        person_id=row["person_id"],
    )


def _no_contract(row: dict, part: ExpensePart) -> BillingException:
    where = f"project {part.project_id}" if part.project_id else "no project"
    detail = f"billable expense {row['expense_id']} is on {where}, which has no contract"
    return BillingException("no_contract", row["expense_id"], detail)


def _expense_lines_of(
    row: dict, contracts: dict[str, Contract], project_contract: dict[str, str], fx: FxRates
) -> tuple[list[tuple[str, Line]], list[BillingException]]:
    """(contract id, line) for each billed part of one expense, and its exceptions. A missing
    FX rate holds back the whole expense, so it bills in one piece once the rate is loaded."""
    try:
        parts = _parts(row)
    except SplitError as err:
        return [], [BillingException("invalid_split", row["expense_id"], str(err))]
    lines, problems = [], []
    for part in parts:
        contract = contracts.get(project_contract.get(part.project_id or "", ""))
        if contract is None:
            if row["billable"]:  # an unclassified, contract-less expense is not billable
                problems.append(_no_contract(row, part))
            continue
        if not contract.expenses_billable:
            continue
        try:
            lines.append((contract.contract_id, part_line(part, row["amount"], contract, fx)))
        except MissingFxRate as err:
            detail = f"expense {row['expense_id']}: {err}; not billed until the rate is loaded"
            return [], problems + [BillingException("missing_fx_rate", row["expense_id"], detail)]
    return lines, problems


def expense_lines(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    contracts: dict[str, Contract],
    project_contract: dict[str, str],
    fx: FxRates,
) -> tuple[dict[str, list[Line]], list[BillingException]]:
    """Expense lines of the period by contract id (in expense date, id and split order), and
    the exceptions: invalid_split, missing_fx_rate, no_contract (ref = expense id)."""
    by_contract: dict[str, list[Line]] = {}
    problems: list[BillingException] = []
    for row in eligible_expenses(con, period):
        lines, found = _expense_lines_of(row, contracts, project_contract, fx)
        for contract_id, line in lines:
            by_contract.setdefault(contract_id, []).append(line)
        problems.extend(found)
    return by_contract, problems
