"""The local cascade for time entries: SOW-line defaults, ticket keys, the only candidate
project, then the local model over the remaining candidates; one suggestion per entry with a
calibrated confidence and the method that decided it."""

from __future__ import annotations

import numpy as np
import polars as pl

from rules.classify import deterministic, named, novelty
from rules.classify.linear import raw_scores_linear
from rules.classify.model import LineModel, calibrated, raw_scores, softmax
from rules.classify.neighbours import neighbour_evidence, reweigh

SUGGESTION_SCHEMA = {
    "entry_id": pl.String,
    "project_id": pl.String,
    "sow_line_id": pl.String,
    "billable": pl.Boolean,
    "work_type": pl.String,
    "confidence": pl.Float64,
    "method": pl.String,
    "group": pl.String,
}


def _defaults(targets: pl.DataFrame, catalog: pl.DataFrame, rush: str, cues: dict) -> pl.DataFrame:
    """Entries that have their project and SOW line: billable and work type follow from them."""
    known = targets.filter(pl.col("sow_line_id").is_not_null() & pl.col("project_id").is_not_null())
    return known.join(
        catalog.select("sow_line_id", "line_billable", "is_internal"), on="sow_line_id"
    ).select(
        "entry_id",
        "project_id",
        "sow_line_id",
        billable=pl.coalesce("billable", deterministic.billable(cues)),
        work_type=pl.coalesce("work_type", deterministic.work_type(rush, cues)),
        confidence=pl.lit(1.0),
        method=pl.lit("sow_line_defaults"),
        group=pl.lit("defaults"),
    )


def _pairs_with_keys(
    open_: pl.DataFrame, pairs: pl.DataFrame, model: LineModel, catalog: pl.DataFrame
) -> pl.DataFrame:
    """Candidate pairs, with each entry's method group: a ticket key's project replaces the
    candidates (adding its lines if the person had no time there yet); one candidate project
    is `single_project`; a project given on the entry is `project_given`."""
    keys = deterministic.ticket_projects(open_, model.prefixes).join(
        open_.select("entry_id", "project_id"), on="entry_id"
    )
    keys = keys.filter(pl.col("project_id").is_null())
    key_pairs = keys.join(
        catalog.select("sow_line_id", key_project_id="project_id"), on="key_project_id"
    ).select("entry_id", "sow_line_id", project_id="key_project_id")
    rest = pairs.join(keys, on="entry_id", how="anti")
    projects = rest.group_by("entry_id").agg(n_projects=pl.col("project_id").n_unique())
    given = open_.filter(pl.col("project_id").is_not_null()).select("entry_id")
    groups = pl.concat(
        [
            keys.select("entry_id", group=pl.lit("ticket_key")),
            projects.join(given, on="entry_id", how="anti").select(
                "entry_id",
                group=pl.when(pl.col("n_projects") == 1)
                .then(pl.lit("single_project"))
                .otherwise(pl.lit("model")),
            ),
            given.select("entry_id", group=pl.lit("project_given")),
        ]
    ).unique("entry_id", keep="first")
    return pl.concat([key_pairs, rest.select("entry_id", "sow_line_id", "project_id")]).join(
        groups, on="entry_id"
    )


def score(
    model: LineModel, targets: pl.DataFrame, pairs: pl.DataFrame, catalog: pl.DataFrame
) -> pl.DataFrame:
    """Every candidate pair with its probability within the entry (uncalibrated) and group;
    the score includes the person's week (neighbours.py) at the weight calibration chose, and
    `neighbour` keeps that evidence so calibration can choose it."""
    open_ = targets.filter(pl.col("sow_line_id").is_null() | pl.col("project_id").is_null())
    pairs = named.add_candidates(pairs, open_, getattr(model, "names", None), catalog)
    grouped = _pairs_with_keys(open_, pairs, model, catalog)
    scorer = raw_scores_linear if model.kind == "linear" else raw_scores
    scored = scorer(model, open_, grouped.select("entry_id", "sow_line_id")).join(
        grouped.select("entry_id", "sow_line_id", "project_id", "group"),
        on=["entry_id", "sow_line_id"],
    )
    internal = internal_projects(catalog)
    scored = scored.with_columns(neighbour=neighbour_evidence(scored, open_, internal))
    weight = getattr(model, "neighbour_weight", 0.0)  # models pickled before it: none
    new = novelty.novelty(getattr(model, "vocabulary", None), open_)
    scored = scored.join(
        open_.select("entry_id", novelty=pl.Series(new, dtype=pl.Float64)),
        on="entry_id",
        maintain_order="left",
    )
    return softmax(reweigh(scored, weight, internal), model.temperature)


def internal_projects(catalog: pl.DataFrame) -> list[str]:
    return catalog.filter("is_internal")["project_id"].unique().sort().to_list()


def best(scored: pl.DataFrame) -> pl.DataFrame:
    """The most probable line of each entry, with its raw probability."""
    return scored.sort(["entry_id", "prob", "sow_line_id"], descending=[False, True, False]).unique(
        "entry_id", keep="first", maintain_order=True
    )


def classify_entries(
    model: LineModel,
    targets: pl.DataFrame,
    pairs: pl.DataFrame,
    catalog: pl.DataFrame,
    rush_pattern: str,
) -> pl.DataFrame:
    """One suggestion per target (SUGGESTION_SCHEMA); entries without any candidate line get
    none (method `no_candidates`, confidence 0) and are left to the LLM or a person."""
    top = best(score(model, targets, pairs, catalog))
    conf = np.zeros(top.height)
    for group in top["group"].unique().to_list():
        mask = (top["group"] == group).to_numpy()
        conf[mask] = calibrated(model, group, top["prob"].to_numpy()[mask])
    conf = novelty.apply_caps(getattr(model, "novelty_caps", None), top["novelty"].to_numpy(), conf)
    method = (
        pl.when(pl.col("group") == "ticket_key")
        .then(pl.lit("ticket_key"))
        .when(pl.col("group") == "single_project")
        .then(pl.lit("single_project"))
        .when(pl.col("backoff"))
        .then(pl.lit("sow_description"))
        .otherwise(pl.lit("local_model"))
    )
    modelled = (
        top.with_columns(confidence=pl.Series(conf), method=method)
        .join(catalog.select("sow_line_id", "line_billable", "is_internal"), on="sow_line_id")
        .join(targets.select("entry_id", "notes"), on="entry_id")
        .select(
            "entry_id",
            "project_id",
            "sow_line_id",
            billable=deterministic.billable(model.cues),
            work_type=deterministic.work_type(rush_pattern, model.cues),
            confidence="confidence",
            method="method",
            group="group",
        )
    )
    done = pl.concat(
        [_defaults(targets, catalog, rush_pattern, model.cues), modelled], how="vertical_relaxed"
    )
    missing = targets.join(done, on="entry_id", how="anti").select(
        "entry_id",
        project_id="project_id",
        sow_line_id=pl.lit(None, pl.String),
        billable=pl.lit(None, pl.Boolean),
        work_type=pl.lit(None, pl.String),
        confidence=pl.lit(0.0),
        method=pl.lit("no_candidates"),
        group=pl.lit("none"),
    )
    return (
        pl.concat([done, missing], how="vertical_relaxed")
        .select([pl.col(c).cast(t) for c, t in SUGGESTION_SCHEMA.items()])
        .sort("entry_id")
    )
