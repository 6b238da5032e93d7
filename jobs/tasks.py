"""What each scheduled job does: a thin call into the module that owns the work, returning
its outcome as one line for job_runs. Nothing here decides billing; it runs what a person
would run from the command line, at the time the firm chose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import duckdb

from app_auth.audit_row import cli_actor
from billing.period import Period
from etl.sync.run import SyncContext

ROOT = Path(__file__).resolve().parent.parent
TIMESHEET_OUTBOX = ROOT / "data" / "outbox" / "timesheets"


@dataclass
class JobContext:
    now: datetime
    slot: str
    off: set[date]  # public holidays
    sync: SyncContext | None = None  # tests pass transports; None: the real settings
    sender: object | None = None  # anything with .send(EmailMessage); None: from settings
    problems: list[str] = field(default_factory=list)  # a job that partly failed says so
    # the name the jobs' writes record (audit_log): jobs:<OS user>, or `--actor NAME (jobs:..)`
    actor: str = field(default_factory=lambda: cli_actor(kind="jobs"))

    @property
    def today(self) -> date:
        return self.now.date()


def sync(con: duckdb.DuckDBPyConnection, ctx: JobContext) -> str:
    """Every configured tracker and accounting source, plus any a webhook asked for; one
    source failing does not stop the others (the job is marked failed, naming it)."""
    from etl.sync.run import configured_sources, pending_sources, run_sync

    sync_ctx = ctx.sync or SyncContext()
    names = sorted(set(configured_sources(sync_ctx.settings)) | set(pending_sources(con)))
    if not names:
        return "no source configured"
    parts = []
    for name in names:
        try:
            report = run_sync(con, name, sync_ctx, actor=ctx.actor)
        except Exception as err:  # noqa: BLE001 - reported per source, the others still run
            ctx.problems.append(f"{name}: {' '.join(str(err).split())}")
            continue
        parts.append(f"{name}: {report.rows_changed} row(s) changed, {report.requests} request(s)")
        parts += _validate(con, report.load.load_id)
    return "; ".join(parts + ctx.problems)


def _validate(con: duckdb.DuckDBPyConnection, load_id: int) -> list[str]:
    """The synced load's great-expectations suite, in the job's own process (it is already in
    the background), unless ETL_VALIDATE=off leaves it pending for `etl validate --pending`."""
    from etl.validation import default_mode, same_connection, validate_load

    if default_mode() == "off":
        return []
    outcome = validate_load(lambda: same_connection(con), load_id)
    return [] if outcome is None else [f"load {load_id} validation {outcome.status}"]


def rules(con: duckdb.DuckDBPyConnection, ctx: JobContext) -> str:
    from rules.engine import run_rules

    result = run_rules(con, ctx.today, actor=ctx.actor)
    c = result.counts
    return f"{len(result.exceptions)} exception(s): {c['new']} new, {c['resolved']} resolved"


def _sender(ctx: JobContext, outbox: Path | None = None):
    if ctx.sender is not None:
        return ctx.sender
    from billing.ar.senders import OutboxSender, sender_from_settings

    return OutboxSender(outbox) if outbox else sender_from_settings()


def timesheet_reminders(con: duckdb.DuckDBPyConnection, ctx: JobContext) -> str:
    """A reminder to each person with a missing or short week whose deadline passed in the
    last seven days (the Compliance page's weeks), written to data/outbox/timesheets unless
    SMTP is configured (AR_SMTP_*)."""
    from billing.ar.reminders import ReminderConfig
    from billing.ar.senders import smtp_settings
    from metrics.filters import Filters
    from metrics.session import prepare
    from read_models.compliance_view import compliance_weeks

    prepare(con, ctx.today)  # the KPI temp tables compliance reads
    weeks = compliance_weeks(con, Filters(ctx.today - timedelta(days=20), ctx.today), ctx.now)
    if weeks.height == 0:
        return "0 reminder(s): no week is due"
    cutoff = ctx.now - timedelta(days=7)
    due = weeks.filter(weeks["status"].is_in(["missing", "short"]))
    due = due.filter(due["deadline"].dt.convert_time_zone("UTC") >= cutoff)
    emails = dict(
        con.execute("SELECT person_id, email FROM people WHERE email IS NOT NULL").fetchall()
    )
    outbox = None if smtp_settings().get("AR_SMTP_HOST") else TIMESHEET_OUTBOX
    sender = _sender(ctx, outbox)
    sent = no_email = 0
    from_address = ReminderConfig.load().from_address
    for row in due.iter_rows(named=True):
        to = emails.get(row["person_id"])
        if not to:
            no_email += 1
            continue
        message = EmailMessage()
        message["From"], message["To"] = from_address, to
        week = row["week_start"]
        message["Subject"] = f"Timesheet for the week of {week}: {row['status']}"
        message.set_content(
            f"Your timesheet for the week of {week} is {row['status']} "
            f"({row['hours_short']} hour(s) short). Please complete it in the tracker."
        )
        sender.send(message)
        sent += 1
    return f"{sent} reminder(s)" + (f", {no_email} without an email" if no_email else "")


def billing_readiness(con: duckdb.DuckDBPyConnection, ctx: JobContext) -> str:
    """On the month's last business day: drafts the month without saving and queues what
    would stop its invoices (missing rates, unapproved time, caps, POs)."""
    from billing.exception_sync import sync_billing_exceptions

    period = Period.of(ctx.today)
    c = sync_billing_exceptions(con, period, actor=ctx.actor)
    return f"{period}: {c['new']} new, {c['updated']} still open, {c['resolved']} resolved"


def drafts(con: duckdb.DuckDBPyConnection, ctx: JobContext) -> str:
    """On the Nth business day: saves the previous month's draft invoices for review (never
    approves or sends them)."""
    from billing.store import save_drafts

    period = Period.of(ctx.today).shift(-1)
    ids = save_drafts(con, period, actor=ctx.actor)
    return f"{period}: {len(ids)} draft invoice(s) saved for review"


def payment_reminders(con: duckdb.DuckDBPyConnection, ctx: JobContext) -> str:
    """The AR reminder queue of the day, sent (SMTP) or written to data/outbox."""
    from billing.ar.reminders import send_reminders

    sent = send_reminders(con, ctx.today, _sender(ctx), actor=ctx.actor, now=ctx.now)
    refused = f", {len(sent.refused)} refused" if sent.refused else ""
    return f"{len(sent)} reminder(s) sent{refused}"


JOBS: dict[str, Callable[[duckdb.DuckDBPyConnection, JobContext], str]] = {
    "sync": sync,
    "rules": rules,
    "timesheet_reminders": timesheet_reminders,
    "billing_readiness": billing_readiness,
    "drafts": drafts,
    "payment_reminders": payment_reminders,
}
