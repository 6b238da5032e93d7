"""The local model: multinomial naive Bayes over SOW lines on hashed note features, with a
person prior, and a back-off to the line's description (pooled over every line with the same
description) when the line itself has little history. Scores only the candidate lines of an
entry, so a firm with thousands of lines pays for the ten or so each entry may belong to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.optimize import isotonic_regression

from rules.classify.features import featurize, normalize_expr

ALPHA = 0.05  # additive smoothing of feature counts
MIN_HISTORY = 20  # entries a line needs before its own counts replace its description's
PSEUDO_WEIGHT = 3.0  # the line's description (and its project's name) counted as this many notes
PRIOR_SMOOTHING = 0.5  # added to a person's entry count on each candidate line
UNCALIBRATED_CAP = 0.9  # an uncalibrated confidence never looks sure (nor reaches auto-apply)
CHUNK = 200_000  # candidate pairs scored at once (bounds memory at 600 people)


@dataclass
class LineModel:
    """Everything needed to score (note, SOW line) pairs; pickled per training digest."""

    line_ids: list[str]
    weights: sp.csr_matrix  # lines x features: log(1 + count / alpha)
    bias: np.ndarray  # per line: log alpha - log(total count + alpha * vocabulary)
    backoff: np.ndarray  # per line: true when scored from its description's pool
    person_prior: pl.DataFrame  # person_id, sow_line_id, prior (log count)
    digest: str = ""
    temperature: float = 1.0
    neighbour_weight: float = 0.0  # weight of the person's week (neighbours.py), calibrated
    calibration: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    calibration_info: dict = field(default_factory=dict)  # training.calibration_status()
    history_rows: int = 0
    prefixes: pl.DataFrame | None = None  # ticket-key prefix -> project_id (deterministic.py)
    cues: dict = field(default_factory=dict)  # learnt rush / no-charge words (deterministic.py)
    kind: str = "nb"
    reach_days: int = 60  # candidate window after a person's last entry on a project
    names: pl.DataFrame | None = None  # name -> project_id (named.py)
    vocabulary: Any = None  # novelty.Vocabulary of the approved history
    novelty_caps: np.ndarray | None = None  # per novelty band (novelty.py), calibrated

    @property
    def line_index(self) -> dict[str, int]:
        return {line: i for i, line in enumerate(self.line_ids)}


def _pseudo_docs(catalog: pl.DataFrame) -> list[str]:
    """What a line is when it has no history: its description, project code and name, client."""
    rows = catalog.select(
        pl.concat_str(
            [
                pl.col("description"),
                pl.col("project_code").fill_null(""),
                pl.col("project_name").fill_null(""),
                pl.col("client_name").fill_null(""),
            ],
            separator=" ",
        ).alias("doc")
    )
    return rows.with_columns(doc=normalize_expr("doc"))["doc"].to_list()


def _counts(history: pl.DataFrame, line_ids: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Feature counts per line (lines x features) and the number of entries per line."""
    index = pl.DataFrame({"sow_line_id": line_ids, "l": np.arange(len(line_ids))})
    grouped = (
        history.with_columns(norm=normalize_expr("notes"))
        .join(index, on="sow_line_id", how="inner")
        .group_by("l", "norm")
        .agg(n=pl.len())
    )
    uniq = grouped["norm"].unique(maintain_order=True)
    u = grouped.join(pl.DataFrame({"norm": uniq, "u": np.arange(len(uniq))}), on="norm")
    lines_by_note = sp.csr_matrix(
        (u["n"].to_numpy().astype(np.float32), (u["l"].to_numpy(), u["u"].to_numpy())),
        shape=(len(line_ids), len(uniq)),
    )
    counts = (lines_by_note @ featurize(uniq.to_list())).tocsr()
    docs = np.asarray(lines_by_note.sum(axis=1)).ravel()
    return counts, docs


def fit(history: pl.DataFrame, catalog: pl.DataFrame, person_lines: pl.DataFrame) -> LineModel:
    """Counts per line from the approved history (entry notes and SOW line), the description
    pseudo-notes, and the back-off pool for lines with fewer than MIN_HISTORY entries."""
    line_ids = catalog["sow_line_id"].to_list()
    counts, docs = _counts(history, line_ids)
    pseudo = featurize(_pseudo_docs(catalog)) * PSEUDO_WEIGHT
    desc = catalog.select(normalize_expr("description").alias("d"))["d"]
    codes = desc.unique(maintain_order=True)
    d_idx = desc.to_frame().join(
        pl.DataFrame({"d": codes, "k": np.arange(len(codes))}), on="d", maintain_order="left"
    )["k"]
    pool = sp.csr_matrix(
        (np.ones(len(line_ids), np.float32), (d_idx.to_numpy(), np.arange(len(line_ids)))),
        shape=(len(codes), len(line_ids)),
    )
    pooled = (pool.T @ (pool @ counts)).tocsr()
    thin = docs < MIN_HISTORY
    keep = sp.diags((~thin).astype(np.float32))
    use = sp.diags(thin.astype(np.float32))
    effective = (keep @ counts + use @ pooled + pseudo).tocsr()
    effective.eliminate_zeros()
    vocabulary = max(1, np.unique(effective.indices).size)
    totals = np.asarray(effective.sum(axis=1)).ravel()
    weights = effective.copy()
    weights.data = np.log1p(weights.data / ALPHA).astype(np.float32)
    prior = person_lines.with_columns(prior=(pl.col("n") + PRIOR_SMOOTHING).log()).select(
        "person_id", "sow_line_id", "prior"
    )
    return LineModel(
        line_ids=line_ids,
        weights=weights,
        bias=(np.log(ALPHA) - np.log(totals + ALPHA * vocabulary)).astype(np.float32),
        backoff=thin,
        person_prior=prior,
        history_rows=history.height,
    )


def raw_scores(model: LineModel, targets: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Log-score of every candidate pair: pairs (entry_id, sow_line_id) gain `score` and
    `backoff`; targets give each entry's person_id and notes. Lines the model does not know are
    dropped (a SOW line added since training waits for the next training)."""
    notes = targets.select("entry_id", "person_id", norm=normalize_expr("notes"))
    uniq = notes["norm"].unique(maintain_order=True)
    x = featurize(uniq.to_list())
    nnz = np.diff(x.indptr).astype(np.float32)
    lines = pl.DataFrame({"sow_line_id": model.line_ids, "l": np.arange(len(model.line_ids))})
    frame = (
        pairs.join(notes, on="entry_id")
        .join(pl.DataFrame({"norm": uniq, "u": np.arange(len(uniq))}), on="norm")
        .join(lines, on="sow_line_id")
        .join(model.person_prior, on=["person_id", "sow_line_id"], how="left")
        .sort("entry_id", "sow_line_id")
    )
    u, line = frame["u"].to_numpy(), frame["l"].to_numpy()
    dot = np.empty(len(u), dtype=np.float32)
    for start in range(0, len(u), CHUNK):
        part = slice(start, start + CHUNK)
        dot[part] = np.asarray(x[u[part]].multiply(model.weights[line[part]]).sum(axis=1)).ravel()
    score = dot + nnz[u] * model.bias[line]
    prior = frame["prior"].fill_null(np.log(PRIOR_SMOOTHING)).to_numpy()
    return frame.select("entry_id", "sow_line_id").with_columns(
        score=pl.Series(score + prior, dtype=pl.Float64),
        backoff=pl.Series(model.backoff[line]),
    )


def softmax(scored: pl.DataFrame, temperature: float) -> pl.DataFrame:
    """Probability of each candidate line within its entry (scored sorted by entry)."""
    return scored.with_columns(
        prob=((pl.col("score") - pl.col("score").max().over("entry_id")) / temperature).exp()
    ).with_columns(prob=pl.col("prob") / pl.col("prob").sum().over("entry_id"))


def isotonic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-decreasing step function of x that best fits y (0/1), by scipy's
    pool-adjacent-violators; returned as breakpoints (each block's first x and its mean) for
    np.interp."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order].astype(np.float64)
    if len(xs) == 0:
        return xs, ys
    fitted = isotonic_regression(ys, increasing=True).x
    starts = np.r_[0, np.flatnonzero(np.diff(fitted)) + 1]
    return xs[starts], fitted[starts]


def calibrated(model: LineModel, group: str, prob: np.ndarray) -> np.ndarray:
    """The calibrated confidence of raw probabilities, by the isotonic map of the method group
    (or of all groups, when the group had too few validation entries). A model without
    calibration gives its raw probability capped at UNCALIBRATED_CAP: raw scores near 1.0 were
    wrong too often to be shown as sure."""
    xs, ys = model.calibration.get(group) or model.calibration.get("all", (None, None))
    if xs is None or len(xs) == 0:
        return np.minimum(prob, UNCALIBRATED_CAP)
    return np.interp(prob, xs, ys)
