"""Sending reminders safely: outbox file names from ids cannot leave their folder, STARTTLS
verifies the server's certificate and host name, SMTP failures are one line, and a line break
in an e-mail field cannot add headers. SMTP runs against a local server (tests/support)."""

from __future__ import annotations

import os
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from billing.__main__ import main as billing_main
from billing.ar.reminders import send_reminders
from billing.ar.senders import OutboxSender, SendError, SmtpSender, sender_from_settings
from core.safe_paths import UnsafePath, path_inside, safe_file_name
from tests.billing.ar_firm import build_ar_firm
from tests.support.smtp_server import make_certs, serve_smtp

# ---- file names from ids ----------------------------------------------------------------------

HOSTILE_IDS = {
    "../../etc/x": "etc_x",
    "/abs": "abs",
    "a\\b": "a_b",
    "..": "file",
    ".": "file",
    "a\x00b": "a_b",
    "": "file",
    "-rf": "rf",
    "x/../../y": "x_.._.._y",  # dots between separators are harmless without them
    "INV-2026-0001": "INV-2026-0001",  # an ordinary id is kept as it is
    "I" * 300: "I" * 100,
}


@pytest.mark.parametrize("text", list(HOSTILE_IDS), ids=repr)
def test_safe_file_name(text, tmp_path):
    name = safe_file_name(text)
    assert name == HOSTILE_IDS[text]
    assert path_inside(tmp_path, name).parent == tmp_path.resolve()


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "..", "a\x00b", "sub/x"])
def test_path_inside_refuses_what_leaves_the_folder(name, tmp_path):
    with pytest.raises(UnsafePath):
        path_inside(tmp_path, name)


def _message(invoice_id: str) -> EmailMessage:
    message = EmailMessage()
    message["To"] = "ap@acme.example"
    message["Subject"] = "Invoice due"
    message["X-Invoice-Id"] = invoice_id
    message.set_content("Hello")
    return message


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("invoice_id", ["../../escape/x", "ABS", "a\\b", "..", "a\x00b"])
def test_outbox_writes_inside_its_folder_whatever_the_invoice_id(invoice_id, tmp_path):
    outbox = tmp_path / "box" / "outbox"
    (tmp_path / "escape").mkdir()  # where ../../escape/x would land: it exists, so it could
    if invoice_id == "ABS":
        invoice_id = str(tmp_path / "escape" / "abs")  # an absolute path (inside tmp_path)
    path = OutboxSender(outbox).send(_message(invoice_id))
    assert path.parent == outbox.resolve()
    assert _files(tmp_path) == {path}
    assert message_from_bytes(path.read_bytes())["Subject"] == "Invoice due"


def test_outbox_never_follows_a_planted_symlink(tmp_path):
    outbox, target = tmp_path / "outbox", tmp_path / "target.txt"
    outbox.mkdir()
    (outbox / "INV-9_1.eml").symlink_to(target)  # dangling: writing through it creates target
    path = OutboxSender(outbox).send(_message("INV-9"))
    assert path == (outbox / "INV-9_2.eml").resolve() and not target.exists()


def test_outbox_does_not_overwrite_after_a_file_was_removed(tmp_path):
    sender = OutboxSender(tmp_path)
    first, second = sender.send(_message("I-1")), sender.send(_message("I-1"))
    first.unlink()
    third = sender.send(_message("I-1"))  # one file left: the count says _2, which exists
    assert second.exists() and third.name == "I-1_3.eml" and second.read_bytes()


# ---- SMTP: certificates, failures, header injection -------------------------------------------

# I-R: 1000 due 03-31, I-S: 200 due 03-31 -> on 03-31 both get their "due" reminder
INVOICES = """
invoice_id,number,client_id,contract_id,issue_date,due_date,currency,total,kind,credits_invoice_id
I-R,INV-R,CL-1,C-1,2026-03-01,2026-03-31,USD,1000.00,invoice,
I-S,INV-S,CL-2,C-2,2026-03-28,2026-03-31,USD,200.00,invoice,
"""
PAYMENTS = "payment_id,client_id,date,amount,currency,reference,invoice_id\n"
DUE_DAY = date(2026, 3, 31)


@pytest.fixture
def firm(con, tmp_path):
    report = build_ar_firm(con, tmp_path, INVOICES, PAYMENTS)
    assert report.quarantined == 0
    return con


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("certs"))


def _settings(port: int, **extra: str) -> dict[str, str]:
    return {"AR_SMTP_HOST": "127.0.0.1", "AR_SMTP_PORT": str(port)} | extra


def _logged(con) -> int:
    return con.execute("SELECT count(*) FROM reminder_log").fetchall()[0][0]


def test_with_the_private_ca_it_sends_exactly_the_reminder_over_tls(firm, certs):
    with serve_smtp(certs) as server:
        sender = sender_from_settings(_settings(server.port, AR_SMTP_CA_FILE=str(certs.ca_file)))
        sent = send_reminders(firm, DUE_DAY, sender, "Dana")
    assert [r.invoice_id for r in sent] == ["I-R", "I-S"] and sent.refused == []
    assert [(m.recipients, m.over_tls) for m in server.messages] == [
        (["TO:<ap@acme.example>"], True),
        (["TO:<ap@globex.example>"], True),
    ]
    first = message_from_bytes(server.messages[0].data, policy=policy.default)
    assert first["From"] == "accounts@example.com" and first["To"] == "ap@acme.example"
    assert first["Subject"] == "Invoice INV-R is due today" and first["X-Invoice-Id"] == "I-R"
    assert "Invoice INV-R for 1000.00 USD is due today (2026-03-31)." in first.get_content()
    assert sorted(first.keys()) == sorted(
        [
            "From",
            "To",
            "Subject",
            "X-Invoice-Id",
            "Content-Type",
            "Content-Transfer-Encoding",
            "MIME-Version",
        ]
    )
    assert (
        firm.execute("SELECT count(*) FROM reminder_log WHERE channel = 'smtp'").fetchall()[0][0]
        == 2
    )


@pytest.mark.parametrize("case", ["self-signed", "wrong-host"])
def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(firm, tmp_path, certs, case):
    if case == "self-signed":  # the system's CAs do not know it
        server_certs, ca_file = make_certs(tmp_path / "self", self_signed=True), None
    else:  # signed by the trusted test CA, but for another host
        server_certs = make_certs(tmp_path / "other", hosts=("mail.example.com",))
        ca_file = str(server_certs.ca_file)
    with serve_smtp(server_certs) as server:
        settings = _settings(server.port) | ({"AR_SMTP_CA_FILE": ca_file} if ca_file else {})
        with pytest.raises(SendError) as refused:
            send_reminders(firm, DUE_DAY, sender_from_settings(settings), "Dana")
    message = str(refused.value)
    assert message.startswith(f"reminders: SMTP failed: 127.0.0.1:{server.port}: ")
    assert "CERTIFICATE_VERIFY_FAILED" in message and "\n" not in message
    assert server.messages == [] and _logged(firm) == 0


def test_smtp_errors_are_one_line_from_the_cli(firm, db_path, tmp_path, monkeypatch, capsys):
    firm.close()
    closed = SmtpSender("127.0.0.1", _free_port(), timeout=5)
    monkeypatch.setenv("AR_SMTP_HOST", closed.host)
    monkeypatch.setenv("AR_SMTP_PORT", str(closed.port))
    code = billing_main(["--db", str(db_path), "reminders", "--as-of", "2026-03-31", "--send"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"error: reminders: SMTP failed: 127.0.0.1:{closed.port}: ")
    assert "Connection refused" in err and err.count("\n") == 1 and "Traceback" not in err


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_password_is_never_sent_without_starttls():
    sender = sender_from_settings(
        _settings(
            _free_port(), AR_SMTP_STARTTLS="false", AR_SMTP_USER="u", AR_SMTP_PASSWORD="secret"
        )
    )
    with pytest.raises(SendError, match="without STARTTLS"):
        sender.send(_message("I-1"))


@pytest.mark.parametrize(
    "number",
    [
        '"INV-R\r\nBcc: evil@example.com"',  # a quoted CSV cell with a line break
        "=?utf-8?q?INV-R=0D=0ABcc:_evil@example.com?=",  # the line break as an encoded word
    ],
    ids=["crlf", "encoded-word"],
)
def test_a_line_break_in_a_field_injects_nothing(con, tmp_path, certs, number):
    hostile = INVOICES.replace("I-R,INV-R,", f"I-R,{number},")
    assert build_ar_firm(con, tmp_path, hostile, PAYMENTS).quarantined == 0
    with serve_smtp(certs) as server:
        sender = sender_from_settings(_settings(server.port, AR_SMTP_CA_FILE=str(certs.ca_file)))
        sent = send_reminders(con, DUE_DAY, sender, "Dana")
    assert [r.invoice_id for r in sent] == ["I-S"]  # the other client's reminder still goes
    (refusal,) = sent.refused
    assert "the Subject header contains the control character" in refusal and "not sent" in refusal
    assert "\n" not in refusal
    assert len(server.messages) == 1 and b"evil" not in server.messages[0].data
    assert all("evil" not in r for m in server.messages for r in m.recipients)
    logged = con.execute("SELECT invoice_id FROM reminder_log").fetchall()
    assert logged == [("I-S",)]  # the refused one stays queued, to send once the data is fixed


def test_header_refusal_reaches_the_cli_as_a_line(con, tmp_path, db_path, monkeypatch, capsys):
    hostile = INVOICES.replace("I-R,INV-R,", 'I-R,"INV-R\nBcc: evil@example.com",')
    assert build_ar_firm(con, tmp_path, hostile, PAYMENTS).quarantined == 0
    con.close()
    monkeypatch.delenv("AR_SMTP_HOST", raising=False)
    outbox = tmp_path / "outbox"
    code = billing_main(
        [
            "--db",
            str(db_path),
            "reminders",
            "--as-of",
            "2026-03-31",
            "--send",
            "--outbox",
            str(outbox),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "Sent 1 reminder(s) via outbox" in out
    assert (
        "  refused reminder for 'INV-R\\nBcc: evil@example.com': the Subject header" in out
        and "Bcc" not in out.split("refused")[0]
    )
    assert [p.name for p in outbox.iterdir()] == ["I-S_1.eml"]
    assert os.path.getsize(outbox / "I-S_1.eml") > 0
