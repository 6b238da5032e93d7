"""One classification run, cheapest first: deterministic rules and the local model for every
open time entry, the LLM for what stays below `llm_below`, the expense rules; then the
suggestions, the queue rows and (when the firm turned it on) auto-apply, all recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from core import clock
from rules.classify import apply, data, llm, named, store
from rules.classify.config import ClassifyConfig, unknown_projects
from rules.classify.expenses import classify_expenses
from rules.classify.local import classify_entries
from rules.classify.model import UNCALIBRATED_CAP
from rules.classify.training import calibration_status, trained_model
from warehouse import exception_groups
from warehouse.db import transaction

LLM_MODES = ("off", "auto", "on")
LLM_CONFIDENCE_CAP = 0.97  # self-reported, not calibrated: never enough to auto-apply
NO_KEY = (
    "no Anthropic API key (ANTHROPIC_API_KEY or .streamlit/secrets.toml): {n} entr{y} "
    "below {below} keep the local suggestion; the LLM step was skipped"
)
NO_KEY_ON = (
    "--llm on needs an Anthropic API key: set ANTHROPIC_API_KEY or add it to "
    ".streamlit/secrets.toml"
)
PERSON_SQL = "SELECT person_id, role, team FROM people"
NOT_CALIBRATED = (
    "auto-apply refused: the local model is not calibrated ({reason}); "
    "suggestions stay open for a person and their confidence is capped at {cap}"
)
RULE_REJECTED = "config rule not used: {problem}"


class LlmKeyMissing(ValueError):
    """`--llm on` was asked for without an API key."""


@dataclass
class ClassifyRun:
    run_id: int
    entries: pl.DataFrame
    expenses: pl.DataFrame
    summary: dict
    notes: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        """DESIGN.md's `rules classify --format json` document."""
        entries = self.entries.select(
            "entry_id",
            "project_id",
            "sow_line_id",
            "billable",
            "work_type",
            pl.col("confidence").round(4),
            "method",
        ).to_dicts()
        expenses = self.expenses.select(
            "expense_id", "splits", "billable", pl.col("confidence").round(4), "method"
        ).to_dicts()
        return {"entries": entries, "expenses": expenses}


def _llm_items(con, unsure: pl.DataFrame, targets, pairs, catalog) -> list[llm.LlmItem]:
    """What the LLM is shown: the note, date, hours and role, and the candidate lines."""
    people = con.sql(PERSON_SQL).pl()
    shown = catalog.select(
        "sow_line_id",
        "project_id",
        project="project_name",
        client="client_name",
        description="description",
        billable=pl.col("line_billable") & ~pl.col("is_internal"),
    )
    cands = (
        pairs.join(unsure.select("entry_id"), on="entry_id")
        .join(shown.drop("project_id"), on="sow_line_id")
        .sort("entry_id", "sow_line_id")
        .group_by("entry_id", maintain_order=True)
        .agg(pl.struct(pl.exclude("entry_id")).alias("candidates"))
    )
    rows = (
        targets.join(cands, on="entry_id")
        .join(people, on="person_id", how="left")
        .select("entry_id", "notes", "date", "hours", "role", "team", "candidates")
    )
    return [
        llm.LlmItem(
            r["entry_id"],
            {
                "notes": r["notes"],
                "date": str(r["date"]),
                "hours": str(r["hours"]),
                "role": r["role"],
                "team": r["team"],
            },
            r["candidates"],
        )
        for r in rows.iter_rows(named=True)
    ]


def _with_llm(local: pl.DataFrame, answers: dict[str, dict], model: str) -> pl.DataFrame:
    if not answers:
        return local.with_columns(rationale=pl.lit(None, pl.String), model=pl.lit(None, pl.String))
    got = pl.DataFrame(
        [
            {
                "entry_id": k,
                "project_id": a["project_id"],
                "sow_line_id": a["sow_line_id"],
                "billable": a["billable"],
                "work_type": a["work_type"],
                "confidence": min(a["confidence"], LLM_CONFIDENCE_CAP),
                "method": "llm",
                "rationale": a["rationale"],
                "model": model,
                "group": "llm",
            }
            for k, a in answers.items()
        ]
    )
    rest = local.join(got.select("entry_id"), on="entry_id", how="anti").with_columns(
        rationale=pl.lit(None, pl.String), model=pl.lit(None, pl.String)
    )
    return pl.concat([rest, got.select(rest.columns)], how="vertical_relaxed").sort("entry_id")


def _llm_step(con, local, targets, pairs, catalog, config, mode, key, client, summary, notes):
    """Answers and failures of the LLM step, or none when it is off, not needed or has no key."""
    unsure = llm.route(local, config)
    if mode == "off" or unsure.is_empty():
        return {}, {}
    if client is None and key is None:
        if mode == "on":
            raise LlmKeyMissing(NO_KEY_ON)
        n = unsure.height
        notes.append(NO_KEY.format(n=n, y="y" if n == 1 else "ies", below=config.llm_below))
        return {}, {}
    client = client or llm.make_client(key, config)
    items = _llm_items(con, unsure.head(config.llm_max_entries), targets, pairs, catalog)
    usage = llm.LlmUsage()
    answers, failures = llm.classify(con, client, items, config, usage)
    batch_cost = config.cost(usage.batch_tokens) / 2  # the Batches API bills half
    summary.update(
        llm_used=True,
        model=config.llm_model,
        llm_calls=usage.calls,
        llm_cache_hits=usage.cache_hits,
        llm_errors=usage.errors,
        cost_usd=config.cost(usage.tokens()) - batch_cost,
        **usage.tokens(),
    )
    notes.extend(llm.batch_notes(usage, config.llm_model))
    return answers, failures


def _inputs(suggestions: pl.DataFrame, targets: pl.DataFrame, pairs: pl.DataFrame, digest: str):
    lines = pairs.group_by("entry_id").agg(candidates=pl.col("sow_line_id").sort())
    return (
        suggestions.join(
            targets.select("entry_id", "person_id", "date", "notes", "hours"), on="entry_id"
        )
        .join(lines, on="entry_id", how="left")
        .with_columns(
            input=pl.struct(
                "notes",
                "person_id",
                pl.col("date").cast(pl.String),
                pl.col("hours").cast(pl.String),
                "candidates",
            ).struct.json_encode(),
            model=pl.coalesce("model", pl.lit(f"local-{digest}")),
        )
    )


def _findings(suggestions: pl.DataFrame, catalog: pl.DataFrame, failures: dict) -> list:
    named = suggestions.join(
        catalog.select("sow_line_id", "project_name", "description", "client_id"),
        on="sow_line_id",
        how="left",
    ).filter(pl.col("method") != "no_candidates")
    out = []
    for r in named.iter_rows(named=True):
        billable = "billable" if r["billable"] else "non-billable"
        # names, not ids: the page and its CSV show this text as is
        detail = (
            f'"{r["notes"]}" → {r["project_name"] or r["project_id"]} · '
            f"{r['description'] or r['sow_line_id']} ({billable}, {r['work_type']}); "
            f"{r['method']} {r['confidence']:.2f}"
        )
        out.append(
            store.Finding(
                store.SUGGESTION_KIND,
                r["entry_id"],
                detail,
                project_id=r["project_id"],
                client_id=r["client_id"],
                period=str(r["date"])[:7],
                evidence={
                    "suggestion": {
                        k: r[k]
                        for k in (
                            "project_id",
                            "sow_line_id",
                            "billable",
                            "work_type",
                            "confidence",
                            "method",
                        )
                    }
                },
                suggested_action="accept the suggestion (one click), or reassign the entry",
            )
        )
    for entry_id, reason in failures.items():
        out.append(
            store.Finding(
                store.FAILED_KIND,
                entry_id,
                f"LLM answer rejected: {reason}",
                suggested_action="classify the entry by hand (reassign)",
            )
        )
    return out


def _auto_apply(con, run_id: int, config: ClassifyConfig, now: datetime) -> int:
    """Applies this run's suggestions at or above the threshold, except entries a person once
    undid; each gets an approved queue row by `classify (auto)` that can be undone."""
    rows = con.execute(
        "SELECT s.* FROM classify_suggestions s WHERE s.run_id = ? AND s.status = 'open' "
        "AND s.object_type = 'time_entry' AND s.confidence >= ? AND s.object_id NOT IN "
        "(SELECT object_id FROM classify_suggestions WHERE status = 'undone') ORDER BY 1",
        [run_id, config.auto_apply_threshold],
    )
    names = [d[0] for d in rows.description]
    todo = [dict(zip(names, r, strict=True)) for r in rows.fetchall()]
    with transaction(con):
        for s in todo:
            apply.apply_suggestion(con, s, apply.AUTO_ACTOR, now, "applied")
            exception_id = f"{store.SUGGESTION_KIND}:{s['object_id']}"
            why = "auto-applied at or above the threshold"
            apply.decide_exception(con, exception_id, "approved", apply.AUTO_ACTOR, why, now)
            apply.settle_sibling(con, exception_id, apply.AUTO_ACTOR, why, now)
        exception_groups.refresh(con)
    return len(todo)


def run_classify(
    con: duckdb.DuckDBPyConnection,
    as_of: date | None = None,
    config: ClassifyConfig | None = None,
    *,
    llm_mode: str = "auto",
    actor: str = "system",
    api_key: str | None = None,
    client=None,
    cache_dir: Path | None = None,
    now: datetime | None = None,
) -> ClassifyRun:
    """Classifies every open entry and expense as of `as_of` (today) and records the run."""
    if llm_mode not in LLM_MODES:
        raise ValueError(f"--llm must be one of {LLM_MODES}, not {llm_mode!r}")
    config, now = config or ClassifyConfig(), now or clock.now()
    as_of = as_of or now.date()
    catalog = data.catalog(con)
    targets = data.targets(con, as_of)
    model = trained_model(con, as_of + timedelta(days=1), cache_dir, kind=config.local_model)
    pairs = data.candidates(con, targets, as_of, model.reach_days)
    pairs = named.add_candidates(pairs, targets, getattr(model, "names", None), catalog)
    local = classify_entries(model, targets, pairs, catalog, config.rush_pattern)
    summary: dict = {"training_digest": model.digest, "entries": local.height}
    notes: list[str] = [
        RULE_REJECTED.format(problem=p)
        for p in unknown_projects(config, set(catalog["project_id"].to_list()))
    ]
    calibration = calibration_status(model)
    answers, failures = _llm_step(
        con, local, targets, pairs, catalog, config, llm_mode, api_key, client, summary, notes
    )
    entries = _inputs(
        _with_llm(local, answers, config.llm_model), targets, pairs, f"{model.kind}:{model.digest}"
    )
    expenses = classify_expenses(con, as_of, config)
    summary["expenses"] = expenses.height
    with transaction(con):
        run_id = store.start_run(con, actor, llm_mode, now)
        store.save_suggestions(con, run_id, _suggestion_rows(entries, expenses), now)
    store.sync_findings(con, _findings(entries, catalog, failures), actor, now)
    if config.auto_apply and not calibration.get("calibrated"):
        notes.append(
            NOT_CALIBRATED.format(reason=calibration.get("reason", "unknown"), cap=UNCALIBRATED_CAP)
        )
    elif config.auto_apply:
        summary["auto_applied"] = _auto_apply(con, run_id, config, now)
    store.finish_run(con, run_id, **summary)
    result = store.run_summary(con, run_id)
    result["calibration"] = calibration
    return ClassifyRun(run_id, entries, expenses, result, notes, failures)


def _suggestion_rows(entries: pl.DataFrame, expenses: pl.DataFrame) -> pl.DataFrame:
    time_rows = entries.filter(pl.col("method") != "no_candidates").select(
        object_type=pl.lit("time_entry"),
        object_id="entry_id",
        project_id="project_id",
        sow_line_id="sow_line_id",
        billable="billable",
        work_type="work_type",
        splits=pl.lit(None, pl.String),
        confidence="confidence",
        method="method",
        model="model",
        prompt_version=pl.when(pl.col("method") == "llm").then(pl.lit(llm.PROMPT_VERSION)),
        input="input",
        rationale="rationale",
    )
    expense_rows = (
        expenses.filter(pl.col("method") != "none")
        .select(
            object_type=pl.lit("expense"),
            object_id="expense_id",
            project_id=pl.when(pl.col("splits").list.len() == 1).then(
                pl.col("splits").list.first().struct.field("project_id")
            ),
            sow_line_id=pl.lit(None, pl.String),
            billable="billable",
            work_type=pl.lit(None, pl.String),
            splits=pl.col("splits").list.eval(pl.element().struct.json_encode()).list.join(","),
            confidence="confidence",
            method="method",
            model=pl.lit("expense-rules"),
            prompt_version=pl.lit(None, pl.String),
            input=pl.struct("description", "vendor").struct.json_encode(),
            rationale=pl.lit(None, pl.String),
        )
        .with_columns(splits="[" + pl.col("splits") + "]")
    )
    return pl.concat([time_rows, expense_rows], how="vertical_relaxed")
