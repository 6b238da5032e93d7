"""Reminder schedule on its boundaries, pauses, logging once, and both senders (outbox .eml
files; SMTP against a local server this test starts)."""

from __future__ import annotations

import socketserver
import threading
from datetime import date
from email import message_from_bytes
from pathlib import Path

import pytest

from billing.ar.reminders import reminder_queue, send_reminders
from billing.ar.review import save_note
from billing.ar.senders import OutboxSender, SmtpSender, sender_from_settings
from tests.billing.ar_firm import build_ar_firm

# I-R: 1000 due 03-31 (offsets -7, 0, 7, 14, 30 -> 03-24, 03-31, 04-07, 04-14, 04-30)
# I-S: issued 03-28, due 03-31: its -7 reminder (03-24) would predate it, so it has none
INVOICES = """
invoice_id,number,client_id,contract_id,issue_date,due_date,currency,total,kind,credits_invoice_id
I-R,INV-R,CL-1,C-1,2026-03-01,2026-03-31,USD,1000.00,invoice,
I-S,INV-S,CL-2,C-2,2026-03-28,2026-03-31,USD,200.00,invoice,
"""
PAYMENTS = "payment_id,client_id,date,amount,currency,reference,invoice_id\n"


@pytest.fixture
def firm(con, tmp_path):
    build_ar_firm(con, tmp_path, INVOICES, PAYMENTS)
    return con


def _queue(con, day):
    return [(r.invoice_id, r.offset_days, r.tone) for r in reminder_queue(con, day)]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 23), []),
        (date(2026, 3, 24), [("I-R", -7, "courtesy")]),
        (date(2026, 3, 31), [("I-R", 0, "due"), ("I-S", 0, "due")]),
        (date(2026, 4, 6), [("I-R", 0, "due"), ("I-S", 0, "due")]),
        (date(2026, 4, 7), [("I-R", 7, "polite"), ("I-S", 7, "polite")]),
        (date(2026, 4, 14), [("I-R", 14, "firm"), ("I-S", 14, "firm")]),
        # nothing was sent before: the first reminder is "firm", never the final notice
        (date(2026, 4, 30), [("I-R", 30, "firm"), ("I-S", 30, "firm")]),
    ],
)
def test_schedule_on_the_boundaries(firm, day, expected):
    assert _queue(firm, day) == expected


def test_each_reminder_once_and_paused_while_disputed_or_promised(firm, tmp_path):
    outbox = OutboxSender(tmp_path / "outbox")
    sent = send_reminders(firm, date(2026, 3, 24), outbox, "Dana")
    assert [(r.invoice_id, r.offset_days) for r in sent] == [("I-R", -7)]
    assert _queue(firm, date(2026, 3, 24)) == []  # logged: never twice
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    message = message_from_bytes(eml.read_bytes())
    assert message["To"] == "ap@acme.example" and "INV-R" in message["Subject"]
    assert "1000.00 USD" in message.get_payload()
    # disputed: no reminder while it lasts
    save_note(firm, "I-R", "Dana", is_disputed=True)
    assert [r[0] for r in _queue(firm, date(2026, 4, 7))] == ["I-S"]
    # promised for 04-20: paused through that day, back the day after with the latest offset
    save_note(firm, "I-R", "Dana", is_disputed=False, promised_date=date(2026, 4, 20))
    assert [r[0] for r in _queue(firm, date(2026, 4, 20))] == ["I-S"]
    (back,) = [r for r in reminder_queue(firm, date(2026, 4, 21)) if r.invoice_id == "I-R"]
    assert (back.offset_days, back.skipped_offsets) == (14, [0, 7])
    send_reminders(firm, date(2026, 4, 21), outbox, "Dana")
    logged = firm.execute(
        "SELECT offset_days, channel FROM reminder_log WHERE invoice_id = "
        "'I-R' ORDER BY offset_days"
    ).fetchall()
    assert logged == [(-7, "outbox"), (0, "skipped"), (7, "skipped"), (14, "outbox")]


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greets, accepts one message, keeps it."""

    def handle(self):
        self.wfile.write(b"220 localhost test SMTP\r\n")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "DATA":
                self.wfile.write(b"354 end with .\r\n")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                self.server.messages.append(b"".join(lines))
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_smtp_sender_against_a_local_server(firm):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = {
            "AR_SMTP_HOST": "127.0.0.1",
            "AR_SMTP_PORT": str(server.server_address[1]),
            "AR_SMTP_STARTTLS": "false",
        }
        sender = sender_from_settings(settings)
        assert isinstance(sender, SmtpSender)
        sent = send_reminders(firm, date(2026, 3, 31), sender, "Dana")
        assert {r.invoice_id for r in sent} == {"I-R", "I-S"}
        assert len(server.messages) == 2
        assert b"Invoice INV-R is due today" in b"".join(server.messages)
    finally:
        server.shutdown()
        server.server_close()
    assert (
        firm.execute("SELECT count(*) FROM reminder_log WHERE channel = 'smtp'").fetchall()[0][0]
        == 2
    )


def test_a_failed_send_logs_nothing(firm):
    class Down:
        channel = "smtp"

        def send(self, message):
            raise ConnectionRefusedError("server down")

    with pytest.raises(ConnectionRefusedError):
        send_reminders(firm, date(2026, 3, 24), Down(), "Dana")
    assert firm.execute("SELECT count(*) FROM reminder_log").fetchall()[0][0] == 0
    assert isinstance(sender_from_settings({}, outbox=str(Path("x"))), OutboxSender)
