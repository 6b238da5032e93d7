"""One review run in two steps, so no network call ever holds the warehouse: `judge` reads the
window and asks Claude (or the local heuristic) without writing; `record` caches new answers
and syncs the findings into the exception queue (source `review`) in one transaction. A re-run
over the same data gives the same queue rows (decisions kept; what is no longer found
resolved)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

import anthropic
import duckdb

from core import clock
from exception_queue.findings import Finding, sync_exceptions
from rules.classify import llm
from rules.llm_review import claude, data, kinds, local
from rules.llm_review.config import ReviewConfig
from warehouse.db import transaction

MODES = ("off", "auto", "on")
NO_KEY = (
    "no Anthropic API key (ANTHROPIC_API_KEY or .streamlit/secrets.toml): the local "
    "heuristic review ran instead of Claude"
)
NO_KEY_ON = (
    "--llm on needs an Anthropic API key: set ANTHROPIC_API_KEY or add it to "
    ".streamlit/secrets.toml"
)


class ReviewKeyMissing(ValueError):
    """`--llm on` without an API key."""


@dataclass
class ReviewResult:
    as_of: date
    since: date
    method: str  # "llm" or "local"
    findings: list[kinds.ReviewFinding]
    entries: int
    days: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    usage: claude.ReviewUsage = field(default_factory=claude.ReviewUsage)
    cost_usd: Decimal = Decimal(0)
    prefix_tokens: int = 0
    answers: list = field(default_factory=list)  # new LLM answers to cache
    counts: dict = field(default_factory=dict)  # the sync's new / updated / resolved

    def to_json(self) -> dict:
        u = self.usage
        return {
            "as_of": str(self.as_of),
            "since": str(self.since),
            "method": self.method,
            "entries": self.entries,
            "days": self.days,
            "notes": self.notes,
            "findings": [f.to_json() for f in self.findings],
            "counts": self.counts,
            "llm": {
                "calls": u.calls,
                "cache_hits": u.cache_hits,
                "errors": u.errors,
                "rejected": u.rejected,
                **u.tokens(),
                "cost_usd": str(self.cost_usd),
                "prefix_tokens": self.prefix_tokens,
            },
        }


def _subset(data_in: data.ReviewInput, chunks: list[claude.Chunk]) -> data.ReviewInput:
    ids = {r.get("entry_id") for c in chunks for r in c.rows}
    days = {r.get("person_day") for c in chunks for r in c.rows}
    return replace(
        data_in,
        entries=[e for e in data_in.entries if e["entry_id"] in ids],
        days=[d for d in data_in.days if f"{d['person_id']}:{d['day']}" in days],
    )


def judge(
    con: duckdb.DuckDBPyConnection,
    as_of: date | None = None,
    config: ReviewConfig | None = None,
    *,
    llm_mode: str = "auto",
    api_key: str | None = None,
    client: anthropic.Anthropic | None = None,
) -> ReviewResult:
    """The findings of the window up to `as_of` (today): Claude's when a key or client is given
    (auto) or required (on), else the local heuristic's. Writes nothing."""
    if llm_mode not in MODES:
        raise ValueError(f"--llm must be one of {MODES}, not {llm_mode!r}")
    config = config or ReviewConfig()
    as_of = as_of or clock.today()
    started = time.perf_counter()
    facts = data.read(con, as_of, config.days, config.history_days)
    notes: list[str] = []
    usage = claude.ReviewUsage()
    use_llm = llm_mode != "off" and (client is not None or api_key is not None)
    if llm_mode == "on" and not use_llm:
        raise ReviewKeyMissing(NO_KEY_ON)
    if llm_mode == "auto" and not use_llm:
        notes.append(NO_KEY)
    answers: list = []
    if use_llm:
        client = client or anthropic.Anthropic(api_key=api_key, max_retries=config.max_retries)
        found, failed, answers = claude.review(con, client, facts, config, usage)
        if failed:
            found += local.review(_subset(facts, failed), config.gap_hours)
            notes.append(
                f"{len(failed)} request(s) got no usable answer; the local heuristic "
                f"reviewed their rows: {'; '.join(usage.failed_chunks[:3])}"
            )
        if usage.rejected:
            notes.append(
                f"{len(usage.rejected)} finding(s) rejected (ids not in the batch): "
                + "; ".join(usage.rejected[:3])
            )
        prefix = claude.prefix_tokens(facts)
        if not llm.cacheable(config.model, prefix):
            notes.append(
                f"the firm-wide prefix (~{prefix} tokens) is below {config.model}'s "
                "minimum cacheable length: every request pays it in full"
            )
    else:
        found, prefix = local.review(facts, config.gap_hours), 0
    kept = _dedupe([f for f in found if f.confidence >= config.min_confidence])
    return ReviewResult(
        as_of,
        facts.since,
        "llm" if use_llm else "local",
        kept,
        len(facts.entries),
        len(facts.days),
        time.perf_counter() - started,
        notes,
        usage,
        llm.cost_usd(config.model, usage.tokens()) if use_llm else Decimal(0),
        prefix,
        answers,
    )


def _dedupe(found: list[kinds.ReviewFinding]) -> list[kinds.ReviewFinding]:
    """One finding per (kind, ref): the most confident (ties: the first)."""
    best: dict[tuple, kinds.ReviewFinding] = {}
    for f in found:
        key = (f.kind, f.ref)
        if key not in best or f.confidence > best[key].confidence:
            best[key] = f
    return sorted(best.values(), key=lambda f: (f.kind, f.ref))


def record(
    con: duckdb.DuckDBPyConnection,
    result: ReviewResult,
    actor: str = "system",
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Caches the run's new LLM answers (one transaction: what the model said stays true even
    if the sync fails), then syncs the findings over the whole `review` scope (another; a
    failure leaves the queue as it was). The caller holds the write turn."""
    rows = [
        Finding(
            f.kind,
            f.ref,
            f.detail,
            f.severity,
            project_id=f.project_id,
            client_id=f.client_id,
            period=f.period,
            evidence=f.queue_evidence(),
            suggested_action=f.suggested_action,
        )
        for f in result.findings
    ]
    if result.answers:
        with transaction(con):
            claude.store_answers(con, result.answers)
    result.counts = sync_exceptions(con, rows, kinds.SOURCE, {}, actor, now=now)
    return result.counts


def run_review(
    con: duckdb.DuckDBPyConnection,
    as_of: date | None = None,
    config: ReviewConfig | None = None,
    *,
    actor: str = "system",
    now: datetime | None = None,
    **kw,
) -> ReviewResult:
    """judge then record on one connection (tests, benches); the CLI splits them."""
    result = judge(con, as_of, config, **kw)
    record(con, result, actor, now=now)
    return result
