"""The classifier on notes it did not write: the second benchmark firm (demo/bench_firm), whose
October brings new contacts, products and wording and never repeats a history note. Every
threshold is computed here from the firm's held-out data: the person's habit (their most
frequent line over the last approved weeks) is the baseline the model must beat, and the
model's own accuracy on the weeks it held out is what its confident answers must exceed."""

from __future__ import annotations

import re
from datetime import timedelta

import polars as pl
import pytest

from demo.bench_firm.generate import LAST_DAY, TEST_DAY, generate, normalize
from etl.loader import import_canonical
from rules.classify import data
from rules.classify.local import classify_entries
from rules.classify.training import calibration_status, trained_model
from warehouse.db import connect

WORD = re.compile(r"[a-z0-9äöüßéèáíóúñ]+")


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    firm = generate()
    folder = firm.write(tmp_path_factory.mktemp("second"))
    con = connect(tmp_path_factory.mktemp("db") / "second.duckdb")
    report = import_canonical(con, folder)
    assert report.quarantined == 0
    model = trained_model(con, LAST_DAY + timedelta(days=1), kind="linear")
    catalog = data.catalog(con)
    targets = data.targets(con, LAST_DAY)
    pairs = data.candidates(con, targets, LAST_DAY, model.reach_days)
    got = classify_entries(model, targets, pairs, catalog, r"\b(urgent)\b")
    history = data.history(con, TEST_DAY)
    yield firm, model, got.join(firm.truth, on="entry_id", suffix="_true"), history, targets
    con.close()


def test_october_notes_are_new_words_not_copies(second):
    _firm, _model, _got, history, targets = second
    seen = {normalize(n) for n in history["notes"].to_list()}
    october = targets["notes"].to_list()
    assert len(october) > 1500
    assert not [n for n in october if normalize(n) in seen]
    vocab = {w for n in history["notes"].to_list() for w in WORD.findall(n.lower())}
    words = [w for n in october for w in WORD.findall(n.lower())]
    assert sum(w not in vocab for w in words) / len(words) >= 0.15


def _habit(history: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """Each person's most frequent line over the last 28 approved days (ties: smallest id)."""
    last = history["date"].max()
    recent = history.filter(pl.col("date") > last - timedelta(days=28))
    top = (
        recent.group_by("person_id", "sow_line_id", "project_id")
        .agg(n=pl.len())
        .sort(["person_id", "n", "sow_line_id"], descending=[False, True, False])
        .unique("person_id", keep="first")
    )
    return targets.select("entry_id", "person_id").join(top, on="person_id", how="left")


def test_the_model_beats_the_persons_habit(second):
    firm, _model, got, history, targets = second
    habit = _habit(history, targets).join(firm.truth, on="entry_id", suffix="_true")
    baseline = (habit["sow_line_id"] == habit["sow_line_id_true"]).fill_null(False).mean()
    baseline_project = (habit["project_id"] == habit["project_id_true"]).fill_null(False).mean()
    accuracy = (got["sow_line_id"] == got["sow_line_id_true"]).fill_null(False).mean()
    project = (got["project_id"] == got["project_id_true"]).fill_null(False).mean()
    assert accuracy > baseline and project > baseline_project


@pytest.mark.xfail(
    strict=True,
    reason="known gap: October's new presales/training wording that names the person's own "
    "client (`pricing model for nimbus health renewal`) goes to the client's project",
)
def test_presales_and_training_notes_naming_a_client_stay_internal(second):
    firm, _model, got, history, targets = second
    clients = ("orion", "nimbus", "bramble", "tessellate", "quarry", "helix", "lumen")
    named = got.join(targets.select("entry_id", "notes", "person_id"), on="entry_id").filter(
        pl.col("project_id_true").is_in(["BP-BD", "BP-LND"])
        & pl.col("notes").str.to_lowercase().str.contains("|".join(clients))
    )
    habit = _habit(history, named.select("entry_id", "person_id")).join(
        firm.truth, on="entry_id", suffix="_true"
    )
    baseline = (habit["project_id"] == habit["project_id_true"]).fill_null(False).mean()
    assert named.height >= 20
    assert (named["project_id"] == named["project_id_true"]).mean() > baseline


def test_confident_answers_beat_the_held_out_accuracy(second):
    _firm, model, got, _history, _targets = second
    status = calibration_status(model)
    # the held-out weeks end on the last approved day (30 September), a month before the run
    assert status["calibrated"] and status["to"] == "2026-09-30"
    sure = got.filter(pl.col("confidence") >= 0.98)
    assert sure.height > 0
    precision = (sure["sow_line_id"] == sure["sow_line_id_true"]).mean()
    assert precision > status["accuracy"]
