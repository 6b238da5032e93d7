"""Never bill twice: a month whose fees are on an invoice (imported from the accounting system
or approved here) or a saved draft is not drafted again, and two sessions acting at the same
moment end with one draft and distinct invoice numbers. Amounts worked out by hand below."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from billing import locks, store
from billing.__main__ import main as billing_main
from billing.draft import draft_period
from billing.locks import AlreadyBilled
from billing.period import Period
from tests.billing.firm import build, entry
from warehouse.db import WarehouseBusy, connect, migrate
from warehouse.sessions import read_write

MARCH, APRIL = Period(2026, 3), Period(2026, 4)

# C-1 (Acme): a retainer on PR-1 (fee 1000.00, 10 h included) and T&M on PR-4 at 100.00, one
# invoice for both. C-2 (Globex): a retainer on PR-2 (fee 2000.00, 20 h included).
CONTRACTS = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: retainer
        monthly_fee: "1000.00"
        included_hours: 10
        overage_rate: "150.00"
      - project_id: PR-4
        billing: time_and_materials
  - contract_id: C-2
    client_id: CL-2
    currency: USD
    workstreams:
      - project_id: PR-2
        billing: retainer
        monthly_fee: "2000.00"
        included_hours: 20
"""
RATES = "C-1,100.00,2026-01-01,,,,\nC-2,150.00,2026-01-01,,,,\n"

INVOICE_HEADER = (
    "invoice_id,client_id,issue_date,due_date,currency,total,number,contract_id,status,"
    "period_start,period_end\n"
)
LINE_HEADER = "invoice_id,line_no,amount,kind,project_id,entry_ids\n"


def firm(con, tmp_path: Path, entries: str = "", invoices: str = "", lines: str = "") -> None:
    """The firm through the real importer, with the accounting system's invoices when given."""
    files = {}
    if invoices:
        files = {
            "invoices__csv": INVOICE_HEADER + invoices,
            "invoice_lines__csv": LINE_HEADER + lines,
        }
    build(con, tmp_path, CONTRACTS, RATES, entries, **files)


def fee_lines(draft) -> list[tuple[str, str, D]]:
    return [
        (inv.contract_id, line.kind, line.amount)
        for inv in draft.invoices
        for line in inv.lines
        if line.kind in ("retainer_fee", "fixed_fee", "milestone")
    ]


def all_lines(draft) -> list[tuple[str, str, D, D]]:
    return [
        (i.contract_id, ln.kind, ln.quantity, ln.amount) for i in draft.invoices for ln in i.lines
    ]


# ---- imported invoices ----------------------------------------------------------------------


def test_a_month_invoiced_by_an_imported_invoice_is_not_drafted_again(con, tmp_path):
    # The accounting system's INV-2026-0007 billed C-1's March retainer fee (period March).
    firm(
        con,
        tmp_path,
        invoices="I-7,CL-1,2026-04-10,2026-05-10,USD,1080.00,INV-2026-0007,C-1,sent,"
        "2026-03-01,2026-03-31\n",
        lines="I-7,1,1000.00,retainer_fee,PR-1,\n",
    )
    march = draft_period(con, MARCH)
    # only C-2's fee is left for March; C-1's is on INV-2026-0007
    assert fee_lines(march) == [("C-2", "retainer_fee", D("2000.00"))]
    assert march.already_invoiced == ["INV-2026-0007"]
    assert [(f.project_id, f.ref) for f in march.fees_already_billed] == [("PR-1", "INV-2026-0007")]
    # April is not invoiced: both fees
    assert fee_lines(draft_period(con, APRIL)) == [
        ("C-1", "retainer_fee", D("1000.00")),
        ("C-2", "retainer_fee", D("2000.00")),
    ]


def test_an_imported_invoice_without_a_period_bills_the_month_before_its_issue_date(con, tmp_path):
    # No period_start/period_end: issued 10 April, so it billed March (the firm bills in
    # arrears). A void invoice issued the same day bills nothing.
    firm(
        con,
        tmp_path,
        invoices="I-8,CL-1,2026-04-10,2026-05-10,USD,1080.00,INV-2026-0008,C-1,sent,,\n"
        "I-9,CL-2,2026-04-10,2026-05-10,USD,2000.00,INV-2026-0009,C-2,void,,\n",
        lines="I-8,1,1000.00,retainer_fee,PR-1,\nI-9,1,2000.00,retainer_fee,PR-2,\n",
    )
    assert fee_lines(draft_period(con, MARCH)) == [("C-2", "retainer_fee", D("2000.00"))]
    assert draft_period(con, MARCH).already_invoiced == ["INV-2026-0008"]
    assert fee_lines(draft_period(con, APRIL)) == [
        ("C-1", "retainer_fee", D("1000.00")),
        ("C-2", "retainer_fee", D("2000.00")),
    ]


def test_a_partly_invoiced_month_proposes_only_what_is_not_billed(con, tmp_path):
    # INV-2026-0007 billed C-1's March: the retainer fee and T-1 (3 h on PR-4, 300.00). T-2
    # (2 h on PR-4) was approved after the invoice went out: 2 h x 100.00 = 200.00 is all that
    # is left, and C-2's untouched March fee of 2000.00.
    entries = entry("T-1", "P-1", "2026-03-02", "3", "PR-4", invoice="I-7") + entry(
        "T-2", "P-1", "2026-03-20", "2", "PR-4"
    )
    firm(
        con,
        tmp_path,
        entries,
        invoices="I-7,CL-1,2026-04-10,2026-05-10,USD,1404.00,INV-2026-0007,C-1,sent,"
        "2026-03-01,2026-03-31\n",
        lines="I-7,1,1000.00,retainer_fee,PR-1,\nI-7,2,300.00,time,PR-4,T-1\n",
    )
    assert all_lines(draft_period(con, MARCH)) == [
        ("C-1", "time", D(2), D("200.00")),
        ("C-2", "retainer_fee", D(1), D("2000.00")),
    ]


def test_billing_draft_names_the_invoices_and_proposes_nothing_for_an_invoiced_month(
    con, db_path, tmp_path, capsys
):
    # Both March fees are on INV-2026-0007 (C-1) and INV-2026-0008 (C-2): `billing draft`
    # proposes no invoice and says which invoices bill the month.
    firm(
        con,
        tmp_path,
        invoices="I-7,CL-1,2026-04-10,2026-05-10,USD,1080.00,INV-2026-0007,C-1,sent,"
        "2026-03-01,2026-03-31\n"
        "I-8,CL-2,2026-04-10,2026-05-10,USD,2000.00,INV-2026-0008,C-2,paid,,\n",
        lines="I-7,1,1000.00,retainer_fee,PR-1,\nI-8,1,2000.00,retainer_fee,PR-2,\n",
    )
    con.close()
    path = str(db_path)
    assert billing_main(["--db", path, "draft", "--period", "2026-03"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1:3] == [
        "Already invoiced: INV-2026-0007, INV-2026-0008 (not drafted again)",
        "Nothing left to draft.",
    ]
    assert billing_main(["--db", path, "draft", "--period", "2026-03", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["invoices"] == []
    assert document["already_invoiced"] == ["INV-2026-0007", "INV-2026-0008"]


# ---- drafted here ---------------------------------------------------------------------------


def fee_count(con, period: Period) -> dict[str, int]:
    """Retainer fee lines on non-void staging invoices of the period, by project."""
    rows = con.execute(
        "SELECT l.project_id, count(*) FROM invoice_lines l JOIN invoices i USING (invoice_id) "
        "WHERE l.kind = 'retainer_fee' AND i.status <> 'void' AND i.period_start = ? "
        "GROUP BY ALL ORDER BY 1",
        [period.start],
    ).fetchall()
    return dict(rows)


def approve_all(con, period: Period) -> list[str]:
    drafts = store.list_drafts(con, period).filter(store.pl.col("status") == "draft")
    return [store.approve_draft(con, d, "lee", issue_date=period.end) for d in drafts["draft_id"]]


def test_saving_and_approving_a_month_twice_bills_each_fee_once(con, tmp_path):
    firm(con, tmp_path)
    assert len(store.save_drafts(con, MARCH, "ops")) == 2
    assert approve_all(con, MARCH) == ["INV-2026-0001", "INV-2026-0002"]
    # Saved again: both fees are on approved invoices, nothing is left to draft.
    assert store.save_drafts(con, MARCH, "ops") == []
    assert approve_all(con, MARCH) == []
    assert fee_count(con, MARCH) == {"PR-1": 1, "PR-2": 1}
    # Voiding C-1's invoice releases its fee: the next save drafts it again, once.
    c1 = store.list_drafts(con, MARCH).filter(store.pl.col("contract_id") == "C-1")
    store.void_draft(con, c1["draft_id"][0], "lee", "wrong month")
    assert fee_lines(draft_period(con, MARCH)) == [("C-1", "retainer_fee", D("1000.00"))]
    assert len(store.save_drafts(con, MARCH, "ops")) == 1
    assert approve_all(con, MARCH) == ["INV-2026-0003"]
    assert fee_count(con, MARCH) == {"PR-1": 1, "PR-2": 1}


def test_a_second_open_draft_or_a_taken_number_is_refused_by_the_warehouse(con, tmp_path):
    # The constraints themselves, not a check in Python: a second holder of an open
    # contract-period, a fee or a number is refused by the primary keys.
    firm(con, tmp_path)
    (c1, _) = store.save_drafts(con, MARCH, "ops")
    with pytest.raises(Exception, match="[Dd]uplicate key"):
        con.execute(
            "INSERT INTO billing_locks VALUES ('open_draft', '', 'C-1', '', '2026-03', 99, now())"
        )
    with pytest.raises(Exception, match="[Dd]uplicate key"):
        con.execute(
            "INSERT INTO billing_locks VALUES "
            "('retainer_fee', '', 'C-1', 'PR-1', '2026-03', 99, now())"
        )
    number = store.approve_draft(con, c1, "lee", issue_date=MARCH.end)
    with pytest.raises(Exception, match="[Dd]uplicate key"):
        con.execute("INSERT INTO invoice_numbers VALUES (?, NULL, now())", [number])


# ---- two sessions at once -------------------------------------------------------------------


def race(db: Path, first: Callable, second: Callable) -> dict[str, object]:
    """`first(con, pause)` runs in a thread on its own read-write connection until it calls
    `pause()`; then `second(con)` runs to the end in another thread on its own connection; then
    the first goes on. Returns what each returned, or the exception it raised.

    Plain connections, without the app's turn-taking (warehouse.sessions.read_write would make the
    second wait for the first's turn, so the two never overlap inside one app): the locks must
    hold on their own, as for two processes one after the other or a future writer that skips
    the turns."""
    reached, go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def pause(*_args) -> None:
        if not reached.is_set():  # only the first time (an approval retries through it)
            reached.set()
            assert go.wait(30), "the second session never finished"

    def run(name: str, action: Callable) -> None:
        try:
            con = connect(db)
            try:
                outcome[name] = action(con)
            finally:
                con.close()
        except Exception as err:  # noqa: BLE001 - the test inspects what each session got
            outcome[name] = err
        finally:
            reached.set()  # never leave the main thread waiting on a session that failed early

    one = threading.Thread(target=run, args=("first", lambda con: first(con, pause)))
    two = threading.Thread(target=run, args=("second", second))
    one.start()
    assert reached.wait(60)
    two.start()
    two.join(60)
    go.set()
    one.join(60)
    return outcome


@pytest.fixture
def firm_db(db_path, tmp_path) -> Path:
    con = connect(db_path)
    try:
        firm(con, tmp_path)
    finally:
        con.close()
    return db_path


def drafted(db: Path) -> list[tuple]:
    with read_write(db) as con:
        return con.execute(
            "SELECT d.contract_id, d.status, l.kind, l.amount FROM invoice_drafts d "
            "JOIN invoice_draft_lines l USING (draft_id) ORDER BY ALL"
        ).fetchall()


def test_two_sessions_saving_the_same_month_at_once_save_one_draft(firm_db):
    outcome = race(
        firm_db,
        lambda con, pause: store.save_drafts(con, MARCH, "ana", before_save=pause),
        lambda con: store.save_drafts(con, MARCH, "ben"),
    )
    assert isinstance(outcome["second"], list) and len(outcome["second"]) == 2
    assert isinstance(outcome["first"], AlreadyBilled)
    assert "already drafted or invoiced" in str(outcome["first"])
    # one draft per contract, each fee once: ben's
    assert drafted(firm_db) == [
        ("C-1", "draft", "retainer_fee", D("1000.00")),
        ("C-2", "draft", "retainer_fee", D("2000.00")),
    ]


def test_two_sessions_drafting_a_saved_month_again_at_once_keep_one_draft(firm_db):
    with read_write(firm_db) as con:
        store.save_drafts(con, MARCH, "ops")
    outcome = race(
        firm_db,
        lambda con, pause: store.save_drafts(con, MARCH, "ana", before_save=pause),
        lambda con: store.save_drafts(con, MARCH, "ben"),
    )
    # ana replaced the saved drafts first (not yet committed): ben, replacing the same drafts,
    # is refused at once (the lock, or DuckDB's conflict on the drafts ana deleted, which is
    # "busy, try again"); ana's drafts are saved
    second = outcome["second"]
    assert isinstance(second, AlreadyBilled | WarehouseBusy), second
    if isinstance(second, AlreadyBilled):
        assert "already drafted or invoiced" in str(second)
    assert isinstance(outcome["first"], list) and len(outcome["first"]) == 2
    assert drafted(firm_db) == [
        ("C-1", "draft", "retainer_fee", D("1000.00")),
        ("C-2", "draft", "retainer_fee", D("2000.00")),
    ]
    with read_write(firm_db) as con:
        assert con.execute("SELECT DISTINCT created_by FROM invoice_drafts").fetchall() == [
            ("ana",)
        ]


def test_two_approvals_at_once_never_share_a_number(firm_db):
    with read_write(firm_db) as con:
        c1, c2 = store.save_drafts(con, MARCH, "ops")
    issue = MARCH.end
    outcome = race(
        firm_db,
        lambda con, pause: store.approve_draft(con, c1, "ana", issue_date=issue, on_numbered=pause),
        lambda con: store.approve_draft(con, c2, "ben", issue_date=issue),
    )
    # ben took INV-2026-0001 while ana held it in hand; ana's approval is redone with 0002
    assert outcome == {"second": "INV-2026-0001", "first": "INV-2026-0002"}
    with read_write(firm_db) as con:
        numbers = con.execute(
            "SELECT number, count(*) FROM invoices GROUP BY ALL ORDER BY 1"
        ).fetchall()
    assert numbers == [("INV-2026-0001", 1), ("INV-2026-0002", 1)]


def test_two_approvals_of_the_same_draft_approve_it_once(firm_db):
    with read_write(firm_db) as con:
        c1, _ = store.save_drafts(con, MARCH, "ops")
    issue = MARCH.end
    outcome = race(
        firm_db,
        lambda con, pause: store.approve_draft(con, c1, "ana", issue_date=issue, on_numbered=pause),
        lambda con: store.approve_draft(con, c1, "ben", issue_date=issue),
    )
    assert outcome["second"] == "INV-2026-0001"
    assert isinstance(outcome["first"], ValueError)
    assert "already approved" in str(outcome["first"])
    with read_write(firm_db) as con:
        assert con.execute("SELECT number FROM invoices").fetchall() == [("INV-2026-0001",)]
        assert fee_count(con, MARCH) == {"PR-1": 1}


def test_upgrading_a_warehouse_locks_what_its_saved_drafts_hold(tmp_path):
    # A version-5 warehouse with drafts saved by the old code, which had drafted March's C-1
    # retainer twice (drafts 1 and 2, both open) and approved C-2's as INV-2026-0004 (draft 3);
    # draft 4 is void. Version 6 locks what drafts 1 and 3 hold (the first draft wins a
    # duplicate); the void one holds nothing.
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        migrate(con, target=5)
        con.execute(
            "INSERT INTO invoice_drafts (draft_id, period, contract_id, client_id, currency, "
            "tax_rate, status, invoice_number, created_at, created_by) VALUES "
            "(1, '2026-03', 'C-1', 'CL-1', 'USD', 0, 'draft', NULL, now(), 'ops'), "
            "(2, '2026-03', 'C-1', 'CL-1', 'USD', 0, 'draft', NULL, now(), 'ops'), "
            "(3, '2026-03', 'C-2', 'CL-2', 'USD', 0, 'approved', 'INV-2026-0004', now(), 'ops'), "
            "(4, '2026-03', 'C-1', 'CL-1', 'USD', 0, 'void', NULL, now(), 'ops')"
        )
        con.execute(
            "INSERT INTO invoice_draft_lines (draft_id, line_no, kind, project_id, description, "
            "amount, sources) VALUES "
            "(1, 1, 'retainer_fee', 'PR-1', 'fee', 1000, ['T-1']), "
            "(1, 2, 'expense', 'PR-1', 'taxi', 20, ['X-1']), "
            "(2, 1, 'retainer_fee', 'PR-1', 'fee', 1000, ['T-1']), "
            "(3, 1, 'retainer_fee', 'PR-2', 'fee', 2000, []), "
            "(4, 1, 'milestone', 'PR-4', 'm', 500, ['M-1'])"
        )
        assert migrate(con) >= 6
        locks = con.execute(
            "SELECT lock_kind, ref, contract_id, project_id, period, draft_id FROM billing_locks "
            "ORDER BY ALL"
        ).fetchall()
        numbers = con.execute("SELECT number, draft_id FROM invoice_numbers").fetchall()
    finally:
        con.close()
    assert locks == [
        ("entry", "T-1", "", "", "", 1),
        ("expense", "X-1", "", "PR-1", "", 1),
        ("open_draft", "", "C-1", "", "2026-03", 1),
        ("retainer_fee", "", "C-1", "PR-1", "2026-03", 1),
        ("retainer_fee", "", "C-2", "PR-2", "2026-03", 3),
    ]
    assert numbers == [("INV-2026-0004", 3)]


def test_a_lock_taken_by_a_transaction_that_commits_first_refuses_the_other_at_commit(firm_db):
    # Both sessions write the same fee lock before either commits: DuckDB lets both inserts
    # through and refuses the second COMMIT; billing turns that into the same refusal.
    fee = [("retainer_fee", "", "C-1", "PR-1", "2026-03")]
    with read_write(firm_db) as ana, read_write(firm_db) as ben:
        ana.execute("BEGIN TRANSACTION")
        ben.execute("BEGIN TRANSACTION")
        locks.hold(ana, 1, fee)
        locks.hold(ben, 2, fee)
        ana.execute("COMMIT")
        with (
            pytest.raises(AlreadyBilled, match="already drafted or invoiced"),
            locks.refused_when_taken("already drafted or invoiced"),
        ):
            ben.execute("COMMIT")
        assert ben.execute("SELECT draft_id FROM billing_locks").fetchall() == [(1,)]
