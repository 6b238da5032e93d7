"""Decorates raw entries: planted edits, rush work, billability, unclassified rows, notes, ids."""

from __future__ import annotations

import numpy as np
import polars as pl

from . import core, notes
from .catalog import Client, Project, sow_table
from .config import DemoConfig
from .contracts import Contract
from .plan import Plan

RUSH_SHARE = 0.08
BLANK_PROJECT = 0.09  # project, SOW line, billable and work type all empty
BLANK_SOW = 0.065  # only the SOW line empty
HINTED_BLANK = 0.75  # unclassified rows whose note names a ticket, client or internal work


def period_of(cfg: DemoConfig, days: np.ndarray) -> np.ndarray:
    months = (
        np.asarray(days, dtype=np.int64)
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )
    start = np.datetime64(cfg.start_month, "M").astype(np.int64)
    return months - start


def _post_end(
    df: pl.DataFrame, plan: Plan, projects: list[Project], sow_index: dict
) -> pl.DataFrame:
    person, proj, days = plan.post_end
    hit = (pl.col("pidx") == person) & pl.col("day").is_in(days) & (pl.col("pos") == 0)
    return df.with_columns(
        post_end=hit,
        proj=pl.when(hit).then(proj).otherwise(pl.col("proj")),
        sow=pl.when(hit).then(sow_index[(proj, "DEV")]).otherwise(pl.col("sow")),
    )


def _leak(df: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Approved billable T&M time in a closed period that the invoice run missed.

    One non-planted person's month on the leaky project; if nobody qualifies there (small firms
    with unlucky staffing), the neighbouring months and then other T&M projects are tried."""
    proj0, period0 = plan.leak
    for proj in (proj0, *(n - 1 for n in core.LEAK_FALLBACKS)):
        for period in (period0, period0 - 1, period0 + 1, period0 - 2):
            here = (pl.col("proj") == proj) & (pl.col("period") == period) & pl.col("billable_true")
            by_person = (
                df.filter(here & ~pl.col("pidx").is_in(sorted(plan.persons())))
                .group_by("pidx")
                .agg(pl.col("cent").sum())
                .sort(["cent", "pidx"], descending=[True, False])
            )
            if by_person.height:
                person = int(by_person["pidx"][0])
                plan.leak, plan.extra["leak_person"] = (proj, period), person
                return df.with_columns(no_bill=here & (pl.col("pidx") == person))
    raise ValueError("no time to plant the unbilled-time problem on")


def _flags(
    df: pl.DataFrame, projects: list[Project], contracts: list[Contract], rng: np.random.Generator
) -> pl.DataFrame:
    rush_projects = [w.project_idx for c in contracts for w in c.workstreams if w.rush]
    internal = [p.idx for p in projects if p.client_idx in (None, 0)]
    sows = sow_table(projects)
    nb_sow = [i for i, (_, code) in enumerate(sows) if code in core.NON_BILLABLE_SOW]
    rush = pl.Series(rng.random(df.height) < RUSH_SHARE)
    return df.with_columns(
        rush=pl.col("proj").is_in(rush_projects) & rush & ~pl.col("post_end"),
        billable_true=~pl.col("proj").is_in(internal) & ~pl.col("sow").is_in(nb_sow),
    )


def _blank(df: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    u = rng.random(df.height)
    exempt = df["post_end"] | df["no_bill"] | (df["proj"] == core.BURNING - 1)
    blank_proj = pl.Series(u < BLANK_PROJECT) & ~exempt
    blank_sow = pl.Series((u >= BLANK_PROJECT) & (u < BLANK_PROJECT + BLANK_SOW)) & ~exempt
    return df.with_columns(blank_proj=blank_proj, blank_sow=blank_sow | blank_proj)


def _notes(
    df: pl.DataFrame, projects: list[Project], clients: list[Client], rng: np.random.Generator
) -> pl.DataFrame:
    sows = sow_table(projects)
    sow_code = np.array([notes.code_index(code) for _, code in sows])[df["sow"].to_numpy()]
    sow_code = np.where(df["rush"].to_numpy(), notes.code_index("RUSH"), sow_code)
    sow_code = np.where(df["post_end"].to_numpy(), notes.code_index("HOTFIX"), sow_code)
    hinted = df["blank_proj"].to_numpy() & (rng.random(df.height) < HINTED_BLANK)
    t_id = notes.choose(sow_code, hinted, rng)
    pcode = pl.Series([p.code for p in projects]).gather(df["proj"])
    short = [
        clients[p.client_idx].short if p.client_idx is not None else "Northbeam" for p in projects
    ]
    frame = pl.DataFrame(
        {
            "t_id": t_id,
            "note_r": rng.integers(0, 1_000_000, df.height),
            "pcode": pcode,
            "cshort": pl.Series(short).gather(df["proj"]),
        }
    )
    rough = notes.roughen(
        notes.render(frame), rng.integers(0, 1 << 40, df.height), df["post_end"].to_numpy()
    )
    return df.with_columns(notes=rough)


def decorate(
    cfg: DemoConfig,
    raw: pl.DataFrame,
    clients: list[Client],
    projects: list[Project],
    contracts: list[Contract],
    plan: Plan,
    rng: np.random.Generator,
) -> pl.DataFrame:
    sow_index = {key: i for i, key in enumerate(sow_table(projects))}
    df = raw.with_columns(period=pl.Series(period_of(cfg, raw["day"].to_numpy())))
    df = _post_end(df, plan, projects, sow_index)
    df = _flags(df, projects, contracts, rng)
    df = _leak(df, plan)
    df = _blank(df, rng)
    df = _notes(df, projects, clients, rng)
    width = max(7, len(str(df.height)))
    ids = pl.Series(np.arange(1, df.height + 1)).cast(pl.String).str.zfill(width)
    return df.with_columns(
        entry_id="TE-" + ids, source_id=(410_000_000 + pl.int_range(df.height) * 7).cast(pl.String)
    )
