"""Two sessions acting on the same thing within the same second: late fees, reminders and
exception decisions happen once, whichever way the two overlap.

Session A is paused inside its action (the functions' `pause` seam) while session B runs the
same action, both through the connections the pages use (warehouse.sessions.read_write). Then the
same race without the app's turn-taking (two plain connections, as two processes would if the
file allowed it), where the warehouse's own constraints must catch it."""

from __future__ import annotations

from decimal import Decimal as D
from email import message_from_bytes
from pathlib import Path

import pytest

from billing.ar.late_fees import accrue_late_fees
from billing.ar.reminders import send_reminders
from billing.ar.senders import OutboxSender
from exception_queue.findings import decide
from tests.billing.race_firm import (
    EXCEPTION,
    EXPECTED_FEES,
    EXPECTED_REMINDERS,
    FEES_AS_OF,
    REMINDERS_AS_OF,
    build_race_db,
)
from tests.support.sessions import overlap
from warehouse.db import WarehouseBusy, connect
from warehouse.sessions import read_only, read_write


@pytest.fixture
def ar_db(tmp_path: Path) -> Path:
    return build_race_db(tmp_path)


def _fees(db: Path) -> dict[str, D]:
    with read_only(db) as con:
        return dict(
            con.execute(
                "SELECT invoice_id, sum(amount) FROM late_fee_charges GROUP BY ALL"
            ).fetchall()
        )


def _accrue(db: Path, actor: str, pause=None) -> list[dict]:
    with read_write(db) as con:
        return accrue_late_fees(con, FEES_AS_OF, actor, pause=pause)


def test_two_sessions_accruing_late_fees_charge_them_once(ar_db):
    """A has written its first charge and not committed when B clicks: B waits for A's turn to
    end, then finds nothing left to charge. 180.00 in all, not 360.00."""
    a, b = overlap(lambda pause: _accrue(ar_db, "A", pause), lambda: _accrue(ar_db, "B"))
    assert a.error is None and b.error is None
    assert {c["invoice_id"]: c["amount"] for c in a.value} == EXPECTED_FEES
    assert b.value == []
    assert _fees(ar_db) == EXPECTED_FEES


def test_without_the_apps_turns_the_charge_chain_refuses_the_second_run(ar_db):
    """Two plain connections (no turn-taking): both read "nothing charged yet"; B commits
    first, and A's commit breaks the one-charge-per-(invoice, amount charged before) rule, so
    A writes nothing and says busy. Still 180.00."""
    cons = [connect(ar_db), connect(ar_db)]
    try:
        a, b = overlap(
            lambda pause: accrue_late_fees(cons[0], FEES_AS_OF, "A", pause=pause),
            lambda: accrue_late_fees(cons[1], FEES_AS_OF, "B"),
        )
    finally:
        for con in cons:
            con.close()
    assert isinstance(a.error, WarehouseBusy)
    assert {c["invoice_id"]: c["amount"] for c in b.value} == EXPECTED_FEES
    assert _fees(ar_db) == EXPECTED_FEES
    # A's retry finds everything charged
    assert _accrue(ar_db, "A") == []


def _send(db: Path, outbox: Path, actor: str, pause=None) -> list:
    with read_write(db) as con:
        return send_reminders(con, REMINDERS_AS_OF, OutboxSender(outbox), actor, pause=pause)


def _sent_messages(outbox: Path) -> list[str]:
    return sorted(message_from_bytes(p.read_bytes())["X-Invoice-Id"] for p in outbox.glob("*.eml"))


def test_two_sessions_sending_reminders_send_each_once(ar_db, tmp_path):
    """A has read the queue (four reminders) and not claimed any when B clicks Send: B waits
    for A's turn, then finds the queue empty. Four .eml files, one per invoice."""
    outbox = tmp_path / "outbox"
    a, b = overlap(
        lambda pause: _send(ar_db, outbox, "A", pause), lambda: _send(ar_db, outbox, "B")
    )
    assert a.error is None and b.error is None
    assert {(r.invoice_id, r.offset_days) for r in a.value} == EXPECTED_REMINDERS
    assert b.value == []
    assert _sent_messages(outbox) == ["I-L", "I-M", "I-N", "I-S"]


def test_without_the_apps_turns_a_claimed_reminder_is_not_sent_again(ar_db, tmp_path):
    """Two plain connections: both read the same queue; B claims and sends all four while A is
    paused; A's claims then hit the (invoice, offset) key B committed, so A sends none."""
    outbox = tmp_path / "outbox"
    cons = [connect(ar_db), connect(ar_db)]
    try:
        a, b = overlap(
            lambda pause: send_reminders(
                cons[0], REMINDERS_AS_OF, OutboxSender(outbox), "A", pause=pause
            ),
            lambda: send_reminders(cons[1], REMINDERS_AS_OF, OutboxSender(outbox), "B"),
        )
        logged = (
            cons[1]
            .execute(
                "SELECT invoice_id, offset_days, channel, sent_by FROM "
                "reminder_log WHERE channel <> 'skipped'"
            )
            .fetchall()
        )
    finally:
        for con in cons:
            con.close()
    assert a.error is None and b.error is None
    assert a.value == []
    assert {(r.invoice_id, r.offset_days) for r in b.value} == EXPECTED_REMINDERS
    assert _sent_messages(outbox) == ["I-L", "I-M", "I-N", "I-S"]
    assert sorted(logged) == sorted((i, o, "outbox", "B") for i, o in EXPECTED_REMINDERS)


def _audit(db: Path) -> list[tuple]:
    with read_only(db) as con:
        return con.execute(
            "SELECT actor, action, json_extract_string(before, '$.status'), "
            "json_extract_string(after, '$.status') FROM audit_log "
            "WHERE object_type = 'exception' AND object_id = ? ORDER BY audit_id",
            [EXCEPTION],
        ).fetchall()


def _decide(db: Path, action: str, actor: str, pause=None) -> None:
    with read_write(db) as con:
        decide(con, EXCEPTION, action, actor, f"{actor} decided", pause=pause)


def test_two_sessions_deciding_one_exception_apply_both_in_order(ar_db):
    """A approves and is paused between its checks and its writes when B rejects: B waits for
    A's turn, and its decision is applied on top of A's (its audit row's `before` is A's
    `approved`). Two decisions, two audit rows: none lost, none doubled."""
    a, b = overlap(
        lambda pause: _decide(ar_db, "approve", "A", pause), lambda: _decide(ar_db, "reject", "B")
    )
    assert a.error is None and b.error is None
    assert _audit(ar_db) == [
        ("A", "approve", "open", "approved"),
        ("B", "reject", "approved", "rejected"),
    ]


def test_without_the_apps_turns_overlapping_decisions_are_refused_not_lost(ar_db):
    """Two plain connections: B's decision commits while A is inside its transaction; A's
    write to the same row conflicts, so A is told the warehouse is busy and wrote nothing."""
    cons = [connect(ar_db), connect(ar_db)]
    try:
        a, b = overlap(
            lambda pause: decide(cons[0], EXCEPTION, "approve", "A", "A decided", pause=pause),
            lambda: decide(cons[1], EXCEPTION, "reject", "B", "B decided"),
        )
    finally:
        for con in cons:
            con.close()
    assert isinstance(a.error, WarehouseBusy)
    assert b.error is None
    assert _audit(ar_db) == [("B", "reject", "open", "rejected")]
