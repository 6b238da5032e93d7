"""The AR page's reminders in AppTest (demo firm): each e-mail is previewed before anything is
sent, and sending asks for a confirmation first."""

from __future__ import annotations

from datetime import date

import pytest

from billing.ar import senders
from billing.ar.reminders import reminder_queue
from tests.support.app_pages import button, open_ar_review, open_page, query, select_rows
from tests.support.demo import DEMO_AS_OF
from warehouse.db import connect

PAGE = "pages/ar_aging.py"
SENT = "select count(*) from reminder_log where channel <> 'skipped'"


@pytest.fixture
def outbox(monkeypatch, tmp_path):
    """Reminders go to a temp outbox folder (no SMTP host is set in the tests)."""
    for name in ("AR_SMTP_HOST",):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(senders, "DEFAULT_OUTBOX", tmp_path / "outbox")
    return tmp_path / "outbox"


def expected_queue(db, as_of: date):
    con = connect(db)
    try:
        return reminder_queue(con, as_of)
    finally:
        con.close()


def test_a_picked_reminder_is_previewed_as_it_will_be_sent(monkeypatch, demo_db, outbox):
    queue = expected_queue(demo_db, DEMO_AS_OF)
    assert queue, "the demo firm has reminders due on its as-of date"
    at = open_ar_review(open_page(monkeypatch, demo_db, PAGE, user="Dana Ortiz"))
    select_rows(at, "reminder_queue", [0])
    assert not at.exception, [e.value for e in at.exception]
    first = queue[0]  # the page lists the queue in reminder_queue's order
    assert at.code[0].value == first.body
    preview = next(m.value for m in at.markdown if m.value.startswith("**To**"))
    assert first.subject in preview and (first.recipient or "no billing e-mail") in preview
    assert "Final notice" not in first.subject or first.tone == "final"


def test_sending_asks_first_and_sends_only_once_confirmed(monkeypatch, demo_db, outbox):
    queue = expected_queue(demo_db, DEMO_AS_OF)
    sendable = [r for r in queue if r.recipient]
    at = open_ar_review(open_page(monkeypatch, demo_db, PAGE, user="Dana Ortiz"))
    before = query(demo_db, SENT)[0][0]
    button(at, f"Send {len(queue)} reminder(s)…").click().run()
    assert query(demo_db, SENT)[0][0] == before  # the dialog only asks
    asked = next(m.value for m in at.markdown if "e-mail(s)** to" in m.value)
    assert asked.startswith(f"**{len(queue)} e-mail(s)**")
    next(b for b in at.button if b.label == f"Send {len(queue)} reminder(s)").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(demo_db, SENT)[0][0] == before + len(sendable)
    assert len(list(outbox.glob("*.eml"))) == len(sendable)
