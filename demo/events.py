"""Calendar events: client meetings on days with client time, internal meetings, planted gaps."""

from __future__ import annotations

import numpy as np
import polars as pl

from .catalog import Client, Project
from .config import DemoConfig
from .dates import int_dates, zoned_strings
from .people import Person
from .plan import Plan

CLIENT_TITLES = (
    "{C} weekly status",
    "Sprint review - {C}",
    "Workshop with {C}",
    "{C} steering committee",
    "{C} requirements call",
    "Demo for {C}",
)
INTERNAL_TITLES = ("Team sync", "1:1", "All-hands")
START_MINUTES = np.array(
    [9 * 60, 9 * 60 + 30, 10 * 60, 11 * 60, 13 * 60, 14 * 60, 15 * 60, 16 * 60]
)


def _client_days(df: pl.DataFrame, projects: list[Project]) -> pl.DataFrame:
    """(person, day, client) where the person logged time to that client's project, visibly."""
    client_of = {p.idx: p.client_idx for p in projects if p.client_idx not in (None, 0)}
    return (
        df.filter(~pl.col("blank_proj") & pl.col("proj").is_in(list(client_of)))
        .with_columns(client=pl.col("proj").replace_strict(client_of, return_dtype=pl.Int64))
        .select("pidx", "day", "client")
        .unique()
        .sort("pidx", "day", "client")
    )


def _client_meetings(
    days: pl.DataFrame, clients: list[Client], rng: np.random.Generator
) -> pl.DataFrame:
    pick = days.filter(pl.Series(rng.random(days.height) < 0.2))
    n = pick.height
    title = rng.integers(0, len(CLIENT_TITLES), n)
    names = pl.Series([c.short for c in clients]).gather(pick["client"])
    ids = pl.Series([c.client_id for c in clients]).gather(pick["client"])
    hint = pl.Series(rng.random(n) < 0.85)  # some invites carry no CRM link, only the name
    return pick.select(
        "pidx",
        "day",
        start=pl.Series(START_MINUTES[rng.integers(0, len(START_MINUTES), n)]),
        length=pl.Series(rng.choice([30, 60, 90], n, p=[0.4, 0.45, 0.15])),
        title=pl.Series([CLIENT_TITLES[t] for t in title]).str.replace("{C}", names, literal=True),
        external=pl.Series(rng.integers(1, 7, n)),
        client_id=pl.when(hint).then(ids),
    )


def _internal_meetings(df: pl.DataFrame) -> pl.DataFrame:
    """Monday team sync, a 1:1 every other Thursday, all-hands on the first Friday of a month."""
    days = df.select("pidx", "day").unique().sort("pidx", "day")
    wd = (pl.col("day") + 3) % 7
    first_friday = (wd == 4) & (int_dates(days["day"].to_numpy()).dt.day() <= 7)
    kind = (
        pl.when(wd == 0)
        .then(0)
        .when((wd == 3) & ((pl.col("day") - wd) // 7 % 2 == 0))
        .then(1)
        .when(first_friday)
        .then(2)
    )
    out = days.with_columns(kind=kind).filter(pl.col("kind").is_not_null())
    return out.select(
        "pidx",
        "day",
        start=pl.col("kind").replace_strict(
            {0: 600, 1: 14 * 60 + 30, 2: 16 * 60}, return_dtype=pl.Int64
        ),
        length=pl.col("kind").replace_strict({0: 30, 1: 30, 2: 60}, return_dtype=pl.Int64),
        title=pl.col("kind").replace_strict(
            dict(enumerate(INTERNAL_TITLES)), return_dtype=pl.String
        ),
        external=pl.lit(0),
        client_id=pl.lit(None, pl.String),
    )


def _planted(plan: Plan, clients: list[Client]) -> pl.DataFrame:
    rows = [
        (p, d, 11 * 60, 60, f"{clients[c].short} steering committee", 3, clients[c].client_id)
        for p, d, c in plan.forgot
    ]
    return pl.DataFrame(
        rows,
        schema=["pidx", "day", "start", "length", "title", "external", "client_id"],
        orient="row",
    )


SCHEMA = {
    "pidx": pl.Int64,
    "day": pl.Int64,
    "start": pl.Int64,
    "length": pl.Int64,
    "title": pl.String,
    "external": pl.Int64,
    "client_id": pl.String,
}


def build_events(
    cfg: DemoConfig,
    df: pl.DataFrame,
    people: list[Person],
    clients: list[Client],
    projects: list[Project],
    plan: Plan,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Calendar events in the contract's columns, ordered by start time."""
    parts = [
        _client_meetings(_client_days(df, projects), clients, rng),
        _internal_meetings(df),
        _planted(plan, clients),
    ]
    ev = pl.concat([p.select(list(SCHEMA)).cast(SCHEMA) for p in parts])
    ev = ev.sort("day", "start", "pidx", "title")
    width = max(6, len(str(ev.height)))
    ids = "EV-" + pl.Series(np.arange(1, ev.height + 1)).cast(pl.String).str.zfill(width)
    return pl.DataFrame(
        {
            "event_id": ids,
            "person_id": pl.Series([p.person_id for p in people]).gather(ev["pidx"]),
            "start": zoned_strings(ev["day"].to_numpy(), ev["start"].to_numpy()),
            "end": zoned_strings(ev["day"].to_numpy(), (ev["start"] + ev["length"]).to_numpy()),
            "title": ev["title"],
            "external_attendees": ev["external"].cast(pl.String),
            "client_id": ev["client_id"],
            "status": pl.Series(["confirmed"] * ev.height),
        }
    )
