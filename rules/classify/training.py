"""Training the local model on the approved history, calibrating its confidence on the last
approved weeks it has not seen (whatever their date: a firm that approves a month late still
calibrates), and caching it by a digest of that history: the model is retrained exactly when
approved history (or the SOW catalog) changes. A model that could not be calibrated says so
(calibration_status) and auto-apply refuses it."""

from __future__ import annotations

import pickle
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from rules.classify import data, deterministic, local, named, novelty
from rules.classify.linear import LinearModel, fit_linear
from rules.classify.model import LineModel, calibrated, fit, isotonic, softmax
from rules.classify.neighbours import WEIGHTS as NEIGHBOUR_WEIGHTS
from rules.classify.neighbours import reweigh
from rules.classify.reliability import expected_calibration_error

MODEL_KINDS = ("linear", "nb")
DEFAULT_KIND = "linear"  # the better on both benchmark firms (docs/benchmarks.md)
REACH_DAYS = {"linear": 240, "nb": 60}  # candidates: days after the person's last entry there
TRAIN_RECENT = 60_000  # linear: the most recent approved entries it learns from (600 people: 1.2 M)
HOLDOUT_DAYS = 28  # the last approved weeks, counted back from the last approved entry
MIN_CALIBRATION = 100  # held-out entries (with candidates) needed to calibrate at all
VALIDATION_MAX = 20_000  # entries sampled from the held-out weeks
MIN_GROUP = 200  # validation entries a method group needs for its own calibration map
TEMPERATURES = (0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
CACHE_VERSION = "4"  # 4: names, vocabulary and novelty caps
_MEMORY: dict[str, LineModel | LinearModel] = {}


def _fit_all(con, before: date, catalog: pl.DataFrame, kind: str, start=None):
    history = data.history(con, before)
    names = named.learn_names(history, catalog)
    if kind == "linear":
        recent = history.sort("date").tail(TRAIN_RECENT)  # candidates of these only
        hidden = recent.with_columns(project_id=pl.lit(None, pl.String))
        pairs = data.candidates(con, hidden, before - timedelta(days=1), REACH_DAYS[kind])
        pairs = named.add_candidates(pairs, hidden, names, catalog)
        model = fit_linear(history, catalog, pairs, start)
    else:
        model = fit(history, catalog, data.person_lines(con, before))
    model.names = names
    model.vocabulary = novelty.learn_vocabulary(history)
    model.prefixes = deterministic.learn_prefixes(history, catalog)
    model.reach_days = REACH_DAYS[kind]
    model.cues = deterministic.learn_cues(con, before)
    return model


def holdout_window(con, before: date) -> tuple[date, date] | None:
    """[first, last] day of the last HOLDOUT_DAYS of approved history before `before`, ending
    on the last approved entry's date; None when nothing is approved."""
    last = data.history(con, before)["date"].max()
    if last is None:
        return None
    return last - timedelta(days=HOLDOUT_DAYS - 1), last


def _validation(con, before: date, catalog: pl.DataFrame, kind: str):
    """A model of everything before the held-out weeks, and its scores on a sample of those
    weeks with the projects hidden and candidates from before them (as an unclassified entry
    would be)."""
    window = holdout_window(con, before)
    if window is None:
        return None, pl.DataFrame(), None
    cut, last = window
    early = _fit_all(con, cut, catalog, kind)
    held = data.history(con, last + timedelta(days=1)).filter(pl.col("date") >= cut)
    held = held.sample(min(VALIDATION_MAX, held.height), seed=0) if held.height else held
    hidden = held.with_columns(
        project_id=pl.lit(None, pl.String), sow_line_id=pl.lit(None, pl.String)
    )
    pairs = data.candidates(con, hidden, cut - timedelta(days=1), REACH_DAYS[kind])
    scored = local.score(early, hidden, pairs, catalog) if pairs.height else pairs
    truth = held.select("entry_id", truth="sow_line_id")
    return early, scored.join(truth, on="entry_id") if scored.height else scored, window


def _calibrate(model, scored: pl.DataFrame, window, internal: list[str]) -> None:
    """The weight of the person's week (neighbours.py) and the temperature by the smallest
    negative log-likelihood of the true line on the held-out weeks, then one isotonic
    map per method group from the top probability to how often it was right; the held-out
    expected calibration error is kept for the run summary."""
    entries = scored["entry_id"].n_unique() if scored.height else 0
    info = {
        "calibrated": False,
        "held_out_entries": entries,
        "from": str(window[0]) if window else None,
        "to": str(window[1]) if window else None,
    }
    model.calibration, model.calibration_info = {}, info
    if window is None:
        info["reason"] = "no approved history to calibrate on"
        return
    if entries < MIN_CALIBRATION:
        info["reason"] = (
            f"only {entries} held-out entr{'y' if entries == 1 else 'ies'} "
            f"in the last approved weeks ({window[0]} to {window[1]}); "
            f"{MIN_CALIBRATION} needed"
        )
        return
    nll = {}
    for weight in NEIGHBOUR_WEIGHTS:
        adjusted = reweigh(scored, weight, internal).select("entry_id", "sow_line_id", "score")
        for t in TEMPERATURES:
            probs = softmax(adjusted, t)
            true = probs.filter(pl.col("sow_line_id") == scored["truth"])["prob"].to_numpy()
            missing = entries - len(true)  # the true line was not a candidate
            nll[weight, t] = -np.log(np.clip(true, 1e-12, 1)).sum() + missing * -np.log(1e-12)
    weight, temperature = min(nll, key=nll.__getitem__)
    model.neighbour_weight, model.temperature = float(weight), float(temperature)
    scored = reweigh(scored, weight, internal)
    top = local.best(softmax(scored, model.temperature))
    correct = (top["sow_line_id"] == top["truth"]).to_numpy()
    prob = top["prob"].to_numpy()
    model.calibration = {"all": isotonic(prob, correct)}
    for group in top["group"].unique().to_list():
        mask = (top["group"] == group).to_numpy()
        if mask.sum() >= MIN_GROUP:
            model.calibration[group] = isotonic(prob[mask], correct[mask])
    confidence = np.zeros(top.height)
    for group in top["group"].unique().to_list():
        mask = (top["group"] == group).to_numpy()
        confidence[mask] = calibrated(model, group, prob[mask])
    novel = top["novelty"].to_numpy()
    model.novelty_caps = novelty.fit_caps(novel, confidence, correct)
    info["calibrated"] = True
    info["novelty_caps"] = [round(float(c), 4) for c in model.novelty_caps]
    info["neighbour_weight"] = model.neighbour_weight
    info["accuracy"] = round(float(correct.mean()), 4)
    info["ece_before"] = round(expected_calibration_error(prob, correct), 4)


def calibration_status(model) -> dict:
    """calibrated (bool), held_out_entries, from, to, and the reason when not calibrated."""
    return dict(model.calibration_info)


def cache_path(cache_dir: Path, digest: str) -> Path:
    return cache_dir / f"classify-model-v{CACHE_VERSION}-{digest}.pkl"


def trained_model(
    con, before: date, cache_dir: Path | None = None, kind: str = DEFAULT_KIND
) -> LineModel | LinearModel:
    """The calibrated model of the approved history before `before`: from memory or
    `cache_dir` when the history's digest is unchanged, else trained (and cached) now."""
    if kind not in MODEL_KINDS:
        raise ValueError(f"model kind must be one of {MODEL_KINDS}, not {kind!r}")
    digest = data.digest(con, before)
    key = f"{kind}-{digest}-{before}"
    path = cache_path(cache_dir, key) if cache_dir else None
    model = _MEMORY.get(key)
    if model is None and path is not None and path.exists():
        model = pickle.loads(path.read_bytes())  # our own file, written below
    if model is None:
        catalog = data.catalog(con)
        early, scored, window = _validation(con, before, catalog, kind)
        model = _fit_all(con, before, catalog, kind, early if kind == "linear" else None)
        _calibrate(model, scored, window, local.internal_projects(catalog))
        model.digest = digest
    if path is not None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    _MEMORY.clear()
    _MEMORY[key] = model
    return model
