"""The person's week as evidence: an entry whose note says nothing about its project (`laptop
setup`, a new contact's name) is most likely on the project the same person's other open
entries of that week point to (`[grid] scada feed`, `lumen - outage api`). Staffing from the
approved history is weeks old when a month is classified; the week's own notes are not.

A first pass scores every open entry alone; each client pair then gains, per candidate project,
weight × log(share + NEIGHBOUR_FLOOR), where share is the mean first-pass probability of that
project over the person's *other* open entries of the same ISO week (labels are never read).
Only the split between client projects moves: the entry's total client probability is kept,
so a week of client work does not pull `laptop setup` off the internal project. The weight is
chosen on the held-out weeks (training.py), never on the entries being classified."""

from __future__ import annotations

import polars as pl

from rules.classify.model import softmax

NEIGHBOUR_FLOOR = 0.02  # a project no neighbour points to is unlikely, not impossible
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)  # tried on the held-out weeks


def neighbour_evidence(
    scored: pl.DataFrame, entries: pl.DataFrame, internal: list[str]
) -> pl.Series:
    """scored: entry_id, sow_line_id, project_id, score (one row per candidate pair); entries:
    entry_id, person_id, date; internal: the firm's internal project ids. Returns, aligned with
    `scored`, log(share + floor) of the pair's project among the person's other entries of the
    week; 0.0 for internal projects and when the entry has no other entry that week."""
    first = softmax(scored.select("entry_id", "sow_line_id", "project_id", "score"), 1.0)
    per_project = (
        first.group_by("entry_id", "project_id")
        .agg(p=pl.col("prob").sum())
        .join(
            entries.select("entry_id", "person_id", week=pl.col("date").dt.truncate("1w")),
            on="entry_id",
        )
    )
    weeks = per_project.group_by("person_id", "week").agg(n=pl.col("entry_id").n_unique())
    totals = per_project.group_by("person_id", "week", "project_id").agg(total=pl.col("p").sum())
    own = per_project.join(weeks, on=["person_id", "week"])
    evidence = (
        scored.select("entry_id", "project_id")
        .with_row_index("_row")
        .join(
            own.select("entry_id", "person_id", "week", "n").unique("entry_id"),
            on="entry_id",
            how="left",
        )
        .join(totals, on=["person_id", "week", "project_id"], how="left")
        .join(
            per_project.select("entry_id", "project_id", "p"),
            on=["entry_id", "project_id"],
            how="left",
        )
        .sort("_row")
        .select(
            pl.when((pl.col("n").fill_null(0) >= 2) & ~pl.col("project_id").is_in(internal))
            .then(
                (
                    (pl.col("total").fill_null(0.0) - pl.col("p").fill_null(0.0))
                    / (pl.col("n") - 1)
                    + NEIGHBOUR_FLOOR
                ).log()
            )
            .otherwise(0.0)
            .alias("neighbour")
        )
    )
    return evidence["neighbour"]


def reweigh(scored: pl.DataFrame, weight: float, internal: list[str]) -> pl.DataFrame:
    """`score` plus weight × `neighbour` on client pairs, shifted per entry so that the
    softmax mass of the entry's client pairs is what it was (internal pairs keep their score)."""
    if not weight:
        return scored
    client = ~pl.col("project_id").is_in(internal)
    top = pl.col("score").max().over("entry_id")
    moved = pl.col("score") + weight * pl.col("neighbour")

    def log_mass(expr: pl.Expr) -> pl.Expr:
        return pl.when(client).then((expr - top).exp()).otherwise(0.0).sum().over("entry_id").log()

    return scored.with_columns(
        score=pl.when(client)
        .then(moved - log_mass(moved) + log_mass(pl.col("score")))
        .otherwise(pl.col("score"))
    )
