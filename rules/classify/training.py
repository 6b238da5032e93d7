"""Training the local model on the approved history, calibrating its confidence on the last
month it has not seen, and caching it by a digest of that history: the model is retrained
exactly when approved history (or the SOW catalog) changes."""

from __future__ import annotations

import pickle
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from rules.classify import data, deterministic, local
from rules.classify.model import LineModel, fit, isotonic, softmax

VALIDATION_DAYS = 30
VALIDATION_MAX = 20_000  # entries sampled from the validation month
MIN_GROUP = 200  # validation entries a method group needs for its own calibration map
TEMPERATURES = (0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
CACHE_VERSION = "1"
_MEMORY: dict[str, LineModel] = {}


def _fit_all(con, before: date, catalog: pl.DataFrame) -> LineModel:
    history = data.history(con, before)
    model = fit(history, catalog, data.person_lines(con, before))
    model.prefixes = deterministic.learn_prefixes(history, catalog)
    return model


def _validation(con, before: date, catalog: pl.DataFrame) -> tuple[LineModel, pl.DataFrame]:
    """A model of everything before the last VALIDATION_DAYS, and its scores on a sample of
    that last stretch with the projects hidden (as an unclassified entry would be)."""
    cut = before - timedelta(days=VALIDATION_DAYS)
    early = _fit_all(con, cut, catalog)
    held = data.history(con, before).filter(pl.col("date") >= cut)
    held = held.sample(min(VALIDATION_MAX, held.height), seed=0) if held.height else held
    hidden = held.with_columns(
        project_id=pl.lit(None, pl.String), sow_line_id=pl.lit(None, pl.String)
    )
    pairs = data.candidates(con, hidden, before - timedelta(days=1))
    scored = local.score(early, hidden, pairs, catalog) if pairs.height else pairs
    return early, scored.join(held.select("entry_id", truth="sow_line_id"), on="entry_id")


def _calibrate(model: LineModel, scored: pl.DataFrame) -> None:
    """Temperature by the smallest negative log-likelihood of the true line, then one isotonic
    map per method group from the top probability to how often it was right."""
    if scored.is_empty():
        return
    nll = []
    for t in TEMPERATURES:
        probs = softmax(scored.select("entry_id", "sow_line_id", "score"), t)
        true = probs.filter(pl.col("sow_line_id") == scored["truth"])["prob"].to_numpy()
        nll.append(-np.log(np.clip(true, 1e-12, 1)).sum())
    model.temperature = float(TEMPERATURES[int(np.argmin(nll))])
    top = local.best(softmax(scored, model.temperature))
    correct = (top["sow_line_id"] == top["truth"]).to_numpy()
    prob = top["prob"].to_numpy()
    model.calibration = {"all": isotonic(prob, correct)}
    for group in top["group"].unique().to_list():
        mask = (top["group"] == group).to_numpy()
        if mask.sum() >= MIN_GROUP:
            model.calibration[group] = isotonic(prob[mask], correct[mask])


def cache_path(cache_dir: Path, digest: str) -> Path:
    return cache_dir / f"classify-model-v{CACHE_VERSION}-{digest}.pkl"


def trained_model(con, before: date, cache_dir: Path | None = None) -> LineModel:
    """The calibrated model of the approved history before `before`: from memory or
    `cache_dir` when the history's digest is unchanged, else trained (and cached) now."""
    digest = data.digest(con, before)
    key = f"{digest}-{before}"
    path = cache_path(cache_dir, key) if cache_dir else None
    model = _MEMORY.get(key)
    if model is None and path is not None and path.exists():
        model = pickle.loads(path.read_bytes())  # our own file, written below
    if model is None:
        catalog = data.catalog(con)
        early, scored = _validation(con, before, catalog)
        model = _fit_all(con, before, catalog)
        model.temperature, model.calibration = early.temperature, {}
        _calibrate(model, scored)
        model.digest = digest
    if path is not None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    _MEMORY.clear()
    _MEMORY[key] = model
    return model
