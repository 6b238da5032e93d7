"""The tone a client reads: a first reminder is never the final notice, a later one may be, and
the AR review shows the tone actually sent (not a skipped offset's)."""

from __future__ import annotations

from datetime import date

import pytest

from billing.ar.reminders import reminder_queue, send_reminders
from billing.ar.senders import OutboxSender
from tests.billing.ar_firm import build_ar_firm
from tests.billing.test_ar_reminders import INVOICES, PAYMENTS


@pytest.fixture
def firm(con, tmp_path):
    build_ar_firm(con, tmp_path, INVOICES, PAYMENTS)
    return con


def tones(con, day):
    return [
        (r.invoice_id, r.offset_days, r.tone, r.subject.split(":")[0])
        for r in reminder_queue(con, day)
    ]


def test_a_first_reminder_at_30_days_is_firm_not_final(firm):
    # I-R and I-S (due 31 March) had no reminder; on 30 April offset 30 ("final") has come
    assert tones(firm, date(2026, 4, 30)) == [
        ("I-R", 30, "firm", "Second reminder"),
        ("I-S", 30, "firm", "Second reminder"),
    ]


def test_after_an_earlier_reminder_the_final_notice_goes(firm, tmp_path):
    send_reminders(firm, date(2026, 4, 14), OutboxSender(tmp_path / "outbox"), "Dana")
    assert tones(firm, date(2026, 4, 30)) == [
        ("I-R", 30, "final", "Final notice"),
        ("I-S", 30, "final", "Final notice"),
    ]


def test_the_review_shows_the_tone_sent_not_a_skipped_offsets(firm, tmp_path):
    # 7 April: I-R's -7 and 0 offsets were never sent: logged as skipped at the same moment as
    # the "polite" reminder that went
    send_reminders(firm, date(2026, 4, 7), OutboxSender(tmp_path / "outbox"), "Dana")
    logged = firm.execute(
        "SELECT offset_days, tone, channel FROM reminder_log WHERE invoice_id = 'I-R' "
        "ORDER BY offset_days"
    ).fetchall()
    assert logged == [(-7, "courtesy", "skipped"), (0, "due", "skipped"), (7, "polite", "outbox")]
    from billing.ar.review import REMINDERS_SQL

    shown = dict(
        firm.execute(f"SELECT invoice_id, last_reminder_tone FROM ({REMINDERS_SQL})").fetchall()
    )
    assert shown == {"I-R": "polite", "I-S": "polite"}
