"""Payment reminders: from each open invoice's due date, reminders at the configured offsets
(billing/ar/reminders.toml; per client too) with the tone stepping up; a queue of what would go
to whom on a date, drafted from templates; paused while an invoice is disputed or promised to
pay; each (invoice, offset) logged once. Sending is pluggable (billing.ar.senders)."""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from string import Template

import duckdb

from app_auth import guard
from billing.ar.aging import aging_from_ledger
from billing.ar.ledger import build_ledger
from core import clock
from core.money import money_text
from warehouse.db import WarehouseBusy, transaction

CONFIG_PATH = Path(__file__).with_name("reminders.toml")
PAUSES_SQL = "SELECT invoice_id, is_disputed, promised_date FROM ar_invoice_notes"
LOGGED_SQL = "SELECT invoice_id, offset_days FROM reminder_log"
# Invoices that already had a reminder handed over (skipped offsets were never sent).
REMINDED_SQL = "SELECT DISTINCT invoice_id FROM reminder_log WHERE channel <> 'skipped'"
FIRM_SQL = "SELECT coalesce(max(name), '') FROM firm"
LOG_SQL = "INSERT INTO reminder_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
CLAIMED = "sending"  # reminder_log.channel of a reminder claimed and not yet handed over
SENT_SQL = "UPDATE reminder_log SET channel = ? WHERE invoice_id = ? AND offset_days = ?"
UNCLAIM_SQL = """
DELETE FROM reminder_log
WHERE invoice_id = ? AND (offset_days = ? OR list_contains(?, offset_days))
"""


@dataclass(frozen=True)
class ReminderConfig:
    offsets: tuple[int, ...]
    client_offsets: dict[str, tuple[int, ...]]
    tones: tuple[dict, ...]  # {name, until, subject, body}, by `until`
    from_address: str
    firm_name: str = ""

    @classmethod
    def load(cls, path: Path | None = None) -> ReminderConfig:
        data = tomllib.loads((path or CONFIG_PATH).read_text())
        defaults = data.get("defaults", {})
        clients = {k: tuple(sorted(v["offsets"])) for k, v in data.get("clients", {}).items()}
        return cls(
            tuple(sorted(defaults.get("offsets", (-7, 0, 7, 14, 30)))),
            clients,
            tuple(sorted(data["tones"], key=lambda t: t["until"])),
            defaults.get("from_address", "accounts@example.com"),
            defaults.get("firm_name", ""),
        )

    def offsets_for(self, client_id: str) -> tuple[int, ...]:
        return self.client_offsets.get(client_id, self.offsets)

    def tone_for(self, offset: int, first: bool = False) -> dict:
        """The tone of `offset`. A first reminder never takes the last tone (the final notice):
        nobody is told "despite our earlier reminders" before they had one; it gets the tone
        before it instead."""
        tone = next((t for t in self.tones if offset <= t["until"]), self.tones[-1])
        if first and tone is self.tones[-1] and len(self.tones) > 1:
            return self.tones[-2]
        return tone


@dataclass
class Reminder:
    invoice_id: str
    number: str
    client_id: str
    client_name: str
    recipient: str | None
    offset_days: int
    tone: str
    scheduled_date: date
    subject: str
    body: str
    skipped_offsets: list[int] = field(default_factory=list)  # missed, never sent later
    facts: tuple[str, ...] = ()  # amount and due date as written: a polished text keeps them

    def to_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items()}


def _paused(pauses: dict, invoice_id: str, as_of: date) -> bool:
    """Disputed, or promised to pay on or after `as_of`: no reminder until that changes."""
    disputed, promised = pauses.get(invoice_id, (False, None))
    return bool(disputed) or (promised is not None and promised >= as_of)


def _draft(
    config: ReminderConfig, row, offset: int, firm_name: str, first: bool = False
) -> tuple[str, str, str]:
    tone = config.tone_for(offset, first)
    inv = row.invoice
    fee = (
        f"A late fee of {money_text(row.late_fee)} {inv.currency} has accrued so far.\n"
        if row.late_fee > 0
        else ""
    )
    values = {
        "client_name": inv.client_name,
        "number": inv.label,
        "open": money_text(row.open),
        "currency": inv.currency,
        "due_date": inv.due_date.isoformat(),
        "days_past_due": max(row.days_past_due, 0),
        "late_fee_text": fee,
        "firm_name": firm_name,
    }
    return (
        tone["name"],
        Template(tone["subject"]).safe_substitute(values),
        Template(tone["body"]).safe_substitute(values),
    )


def reminder_queue(
    con: duckdb.DuckDBPyConnection, as_of: date, config: ReminderConfig | None = None
) -> list[Reminder]:
    """What would be sent on `as_of`: per open invoice not paused, the latest offset that has
    come (due + offset <= as_of, and not before the invoice was issued) and was not sent yet;
    earlier offsets not sent are skipped, so a client never gets three reminders at once. The
    first reminder of an invoice is never the final notice (ReminderConfig.tone_for). An
    invoice the accounting system marks paid gets none, whatever payments were imported."""
    config = config or ReminderConfig.load()
    pauses = {r[0]: (r[1], r[2]) for r in con.execute(PAUSES_SQL).fetchall()}
    logged = set(con.execute(LOGGED_SQL).fetchall())
    reminded = {r[0] for r in con.execute(REMINDED_SQL).fetchall()}
    firm_name = config.firm_name or con.execute(FIRM_SQL).fetchall()[0][0]
    queue = []
    for row in aging_from_ledger(build_ledger(con), as_of).rows:
        inv = row.invoice
        if _paused(pauses, inv.invoice_id, as_of) or inv.paid_in_accounting:
            continue
        due = [
            o
            for o in config.offsets_for(inv.client_id)
            if inv.issue_date <= inv.due_date + timedelta(o) <= as_of
            and (inv.invoice_id, o) not in logged
        ]
        if not due:
            continue
        offset = due[-1]
        first = inv.invoice_id not in reminded
        tone, subject, body = _draft(config, row, offset, firm_name, first)
        queue.append(
            Reminder(
                inv.invoice_id,
                inv.label,
                inv.client_id,
                inv.client_name,
                inv.billing_email,
                offset,
                tone,
                inv.due_date + timedelta(offset),
                subject,
                body,
                due[:-1],
                (money_text(row.open), inv.due_date.isoformat()),
            )
        )
    return sorted(queue, key=lambda r: (r.client_id, r.scheduled_date, r.invoice_id))


class HeaderRefused(ValueError):
    """A header of one reminder would carry a line break or a control character (from a
    client's name or billing e-mail, an invoice number, the config): sending it could add
    headers (Bcc: someone) or split the message, so that reminder is not sent."""


def _header_problem(value: str) -> str | None:
    """Why `value` cannot be a header, or None. CR, LF and the other line separators, NUL and
    every other control character except tab are refused."""
    bad = next(
        (
            c
            for c in value
            if c != "\t" and (unicodedata.category(c) in ("Cc", "Zl", "Zp") or c == "\x85")
        ),
        None,
    )
    return None if bad is None else f"contains the control character {bad!r}"


def email_of(reminder: Reminder, from_address: str) -> EmailMessage:
    """The reminder as an e-mail. EmailMessage's default policy already refuses CR/LF in a
    header value; the value as decoded is checked too, because an RFC 2047 encoded word
    (`=?utf-8?q?x=0D=0ABcc:_y?=`) would otherwise be written out as a second header line."""
    message = EmailMessage()
    headers = {
        "From": from_address,
        "To": reminder.recipient or "",
        "Subject": reminder.subject,
        "X-Invoice-Id": reminder.invoice_id,
    }
    for name, value in headers.items():
        problem = _header_problem(value)
        if problem is None:
            try:
                message[name] = value
                problem = _header_problem(str(message[name]))  # as decoded
            except ValueError as err:  # the policy's own refusal, should ours miss a case
                problem = " ".join(str(err).split())
        if problem:
            raise HeaderRefused(
                f"reminder for {reminder.number!r}: the {name} header {problem}; "
                "not sent (fix the data it comes from)"
            )
    message.set_content(reminder.body)
    return message


class SentReminders(list):
    """The reminders sent (a list, as before), and `.refused`: one line per reminder whose
    e-mail was refused before sending (HeaderRefused); those stay queued and unlogged."""

    def __init__(self, sent=(), refused=()):
        super().__init__(sent)
        self.refused: list[str] = list(refused)


def send_reminders(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    sender,
    actor: str,
    config: ReminderConfig | None = None,
    *,
    now: datetime | None = None,
    polish=None,
    pause: Callable[[], None] | None = None,
) -> SentReminders:
    """Sends the queue through `sender` (anything with .send(EmailMessage) and .channel).

    Each reminder is claimed before it is sent: its reminder_log row (key: invoice and offset)
    is committed first, marked `sending`, so a second session working from the same queue
    cannot claim it again and skips it; the row then gets the channel once the message went
    out. A failed send removes the claim (it logs nothing and stays queued). A process killed
    between claim and send leaves the row `sending`: that reminder is not sent again (at most
    once). An invoice without a billing email is left queued. `polish(reminder, facts)`
    (billing.ar.polish) may rewrite the text before it goes out. A reminder whose e-mail would
    carry a line break in a header is neither sent nor logged; the others go out and the
    refusal is in the result's `.refused`. `pause()`, when given, is called once the queue is
    read, before the first claim: the seam the race tests use."""
    guard.require("send_reminders", actor)
    config = config or ReminderConfig.load()
    now = now or clock.now()
    queue = [r for r in reminder_queue(con, as_of, config) if r.recipient]
    if pause is not None and queue:
        pause()
    sent = SentReminders()
    for reminder in queue:
        if polish is not None:
            reminder = polish(reminder, [reminder.number, *reminder.facts])
        try:
            message = email_of(reminder, config.from_address)
        except HeaderRefused as refused:
            sent.refused.append(str(refused))
            continue
        if not _claim(con, reminder, config, now, actor):
            continue
        try:
            sender.send(message)
        except BaseException:
            _unclaim(con, reminder)
            raise
        con.execute(
            SENT_SQL, [sender.channel, reminder.invoice_id, reminder.offset_days]
        ).fetchall()
        sent.append(reminder)
    return sent


def _claim(con, reminder: Reminder, config: ReminderConfig, now: datetime, actor: str) -> bool:
    """Commits the reminder's log row (and the skipped offsets') as `sending`; False when
    another session logged this reminder first (seen at the INSERT, or at COMMIT when both
    were in flight)."""
    rows = [
        [
            reminder.invoice_id,
            offset,
            config.tone_for(offset)["name"],
            now,
            reminder.recipient,
            "(skipped: a later reminder was due)",
            "",
            "skipped",
            actor,
        ]
        for offset in reminder.skipped_offsets
    ]
    rows.append(
        [
            reminder.invoice_id,
            reminder.offset_days,
            reminder.tone,
            now,
            reminder.recipient,
            reminder.subject,
            reminder.body,
            CLAIMED,
            actor,
        ]
    )
    try:
        with transaction(con):
            for row in rows:
                con.execute(LOG_SQL, row).fetchall()
    except (duckdb.ConstraintException, WarehouseBusy):
        return False
    return True


def _unclaim(con, reminder: Reminder) -> None:
    with transaction(con):
        con.execute(
            UNCLAIM_SQL, [reminder.invoice_id, reminder.offset_days, reminder.skipped_offsets]
        ).fetchall()
