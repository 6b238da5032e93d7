"""Runs each rules/sql/<kind>.sql as one set-based query, collects its findings and syncs them
into the shared exception queue as source `rules`."""

from __future__ import annotations

import importlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from app_auth import guard
from core import clock
from exception_queue.findings import sync_exceptions
from rules.config import RulesConfig, load_config
from rules.prepare import prepare

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
PARAMETER = re.compile(r"\$([a-z][a-z0-9_]*)")


@dataclass(frozen=True)
class RuleException:
    """One finding; the optional attributes are read by exception_queue.findings.sync."""

    kind: str
    ref: str
    detail: str
    severity: str
    value: Decimal | None = None
    currency: str | None = None
    project_id: str | None = None
    period: str | None = None
    evidence: dict = field(default_factory=dict, compare=False)
    suggested_action: str | None = None

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "severity": self.severity,
            "value": None if self.value is None else str(self.value),
            "detail": self.detail,
        }


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
    rows = con.execute(sql, {name: available[name] for name in wanted}).fetchall()
    found = []
    for row in rows:
        r = dict(zip(COLUMNS, row, strict=True))
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
    counts = sync_exceptions(con, found, SOURCE, {}, actor, now=now)
    found.sort(key=lambda e: (e.kind, e.ref))
    return RulesRun(found, counts, seconds)
