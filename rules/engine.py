"""Runs each rules/sql/<kind>.sql as one set-based query, collects its findings and syncs them
into the shared exception queue as source `rules`."""

from __future__ import annotations

import importlib
import json
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from app_auth import guard
from core import clock
from exception_queue.findings import sync_exceptions
from rules.config import RulesConfig, load_config
from rules.finding import RuleException
from rules.prepare import prepare
from warehouse import attribution_snapshot

SQL_DIR = Path(__file__).with_name("sql")
CHECKS_DIR = Path(__file__).with_name("checks")
# the kinds this engine runs, in name order: every rules/sql/<kind>.sql (set-based SQL), and
# every rules/checks/<kind>.py whose find(con, as_of, config) needs billing's Python (caps,
# retainer banks) — still set-based inside, never a loop over entries.
KINDS = tuple(
    sorted(
        {p.stem for p in SQL_DIR.glob("*.sql")}
        | {p.stem for p in CHECKS_DIR.glob("*.py") if not p.stem.startswith("_")}
    )
)
SOURCE = "rules"
COLUMNS = (
    "ref",
    "value",
    "currency",
    "project_id",
    "period",
    "detail",
    "evidence",
    "suggested_action",
)
# typed facts a rule's query may add after COLUMNS, by name (exception_queue.findings.Finding);
# for a time entry, expense, payment or invoice ref the queue fills the ones left out
OPTIONAL_COLUMNS = ("amount", "hours", "event_date", "person_id", "client_id", "invoice_id")
PARAMETER = re.compile(r"\$([a-z][a-z0-9_]*)")


@dataclass
class RulesRun:
    exceptions: list[RuleException]
    counts: dict[str, int]  # new / updated / resolved, from the sync
    seconds: dict[str, float]  # time per rule


def rule_sql(kind: str) -> str:
    return (SQL_DIR / f"{kind}.sql").read_text(encoding="utf-8")


def evaluate(
    con: duckdb.DuckDBPyConnection, kind: str, as_of: date, config: RulesConfig
) -> list[RuleException]:
    """One rule's findings, without touching the queue."""
    if not (SQL_DIR / f"{kind}.sql").exists():
        module = importlib.import_module(f"rules.checks.{kind}")
        return module.find(con, as_of, config)
    sql = rule_sql(kind)
    available = {"as_of": as_of} | config.params()
    wanted = set(PARAMETER.findall(re.sub(r"--[^\n]*", "", sql)))  # not in comments
    if missing := sorted(wanted - set(available)):
        raise ValueError(f"rules/sql/{kind}.sql uses unknown parameter(s) {missing}")
    sql = attribution_snapshot.reading_snapshot(con, sql)  # write_down reads the attribution
    result = con.execute(sql, {name: available[name] for name in wanted})
    names = [d[0] for d in result.description]
    extra = set(names[len(COLUMNS) :]) - set(OPTIONAL_COLUMNS)
    if tuple(names[: len(COLUMNS)]) != COLUMNS or extra:
        raise ValueError(
            f"rules/sql/{kind}.sql returns {names}; expected {list(COLUMNS)} "
            f"then any of {list(OPTIONAL_COLUMNS)}"
        )
    found = []
    for row in result.fetchall():
        r = dict(zip(names, row, strict=True))
        found.append(
            RuleException(
                kind=kind,
                ref=r["ref"],
                detail=r["detail"],
                severity=config.severity_of(kind),
                value=r["value"],
                currency=r["currency"],
                project_id=r["project_id"],
                period=r["period"],
                evidence=json.loads(r["evidence"]) if r["evidence"] else {},
                suggested_action=r["suggested_action"],
                **{name: r[name] for name in OPTIONAL_COLUMNS if name in r},
            )
        )
    return found


def run_rules(
    con: duckdb.DuckDBPyConnection,
    as_of: date | None = None,
    config: RulesConfig | None = None,
    actor: str = "system",
    *,
    now: datetime | None = None,
) -> RulesRun:
    """Runs every rule as of `as_of` (default today) and syncs the findings over the whole
    `rules` scope: new ones open, decided ones keep their decision, ones no longer found are
    resolved with the reason."""
    guard.require("decide_exceptions", actor)
    as_of = as_of or clock.today()
    config = config or load_config()
    found: list[RuleException] = []
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    from rules.checks.over_cap import clear_cache  # each run drafts from the data as it is now

    clear_cache()
    prepare(con, as_of)
    seconds["(prepare)"] = time.perf_counter() - started
    for kind in KINDS:
        started = time.perf_counter()
        found += evaluate(con, kind, as_of, config)
        seconds[kind] = time.perf_counter() - started
    counts = sync_exceptions(con, [e.finding() for e in found], SOURCE, {}, actor, now=now)
    found.sort(key=lambda e: (e.kind, e.ref))
    return RulesRun(found, counts, seconds)
