"""What decides a note that says nothing (issue 15): the person's habit, and the person's week
(rules/classify/neighbours.py); and the linear model's training tricks (word dropout) and its
fast scoring path, checked against hand-computed values on tiny inputs."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest

from rules.classify import data, linear
from rules.classify.config import ClassifyConfig
from rules.classify.features import normalize_expr
from rules.classify.local import classify_entries
from rules.classify.neighbours import NEIGHBOUR_FLOOR, neighbour_evidence, reweigh
from rules.classify.training import trained_model
from tests.rules.classify_firm import build

D1, D2 = date(2026, 4, 6), date(2026, 4, 13)  # two Mondays: two ISO weeks


def _scored(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["entry_id", "sow_line_id", "project_id", "score"], orient="row"
    )


def test_the_week_is_the_mean_of_the_other_entries_first_pass_probabilities():
    # e1 could be P1 or P2 (scores equal: 0.5 / 0.5); e2 and e3 can only be P1 (probability 1);
    # e4 is the person's only entry of the next week; e5 is another person's.
    scored = _scored(
        [
            ("e1", "L1", "P1", 0.0),
            ("e1", "L2", "P2", 0.0),
            ("e1", "LI", "I", 0.0),
            ("e2", "L1", "P1", 0.0),
            ("e3", "L1", "P1", 3.0),
            ("e4", "L1", "P1", 0.0),
            ("e4", "L2", "P2", 1.0),
            ("e5", "L2", "P2", 0.0),
            ("e5", "L1", "P1", 0.0),
        ]
    )
    entries = pl.DataFrame(
        {
            "entry_id": ["e1", "e2", "e3", "e4", "e5"],
            "person_id": ["A", "A", "A", "A", "B"],
            "date": [D1, D1, date(2026, 4, 8), D2, D1],
        }
    )
    got = neighbour_evidence(scored, entries, ["I"]).to_list()
    # e1: its neighbours e2, e3 are P1 with probability 1 each: share P1 = 1, P2 = 0;
    # the internal project I gets no term
    assert got[0] == pytest.approx(math.log(1 + NEIGHBOUR_FLOOR))
    assert got[1] == pytest.approx(math.log(0 + NEIGHBOUR_FLOOR))
    assert got[2] == 0.0
    # e2: neighbours e1 (P1 with 1/3: three equal scores) and e3 (P1 with 1): share (1/3 + 1) / 2
    assert got[3] == pytest.approx(math.log((1 / 3 + 1) / 2 + NEIGHBOUR_FLOOR))
    # e4 and e5 are alone in their person's week: no evidence at all
    assert got[5:] == [0.0, 0.0, 0.0, 0.0]


def test_reweighing_moves_only_the_split_between_client_projects():
    # one entry, three lines: P1, P2 (client) and I (internal), equal scores: 1/3 each; the
    # week says P1 (share 1) and not P2 (share 0)
    scored = _scored([("e1", "L1", "P1", 0.0), ("e1", "L2", "P2", 0.0), ("e1", "LI", "I", 0.0)])
    scored = scored.with_columns(
        neighbour=pl.Series([math.log(1 + NEIGHBOUR_FLOOR), math.log(NEIGHBOUR_FLOOR), 0.0])
    )
    out = reweigh(scored, 1.0, ["I"])
    e = np.exp(out["score"].to_numpy())
    prob = e / e.sum()
    # the internal line keeps its third; the client two thirds split 1.02 : 0.02
    assert prob[2] == pytest.approx(1 / 3)
    assert prob[0] == pytest.approx(2 / 3 * 1.02 / 1.04)
    assert prob[1] == pytest.approx(2 / 3 * 0.02 / 1.04)
    assert reweigh(scored, 0.0, ["I"])["score"].to_list() == [0.0, 0.0, 0.0]


# Notes whose words (and 3- to 5-letter pieces) occur nowhere in the history: nothing in the
# text points anywhere, so the person's habit decides. P-1 logs, every history day, 2 entries
# on S-1-DEV and 1 each on S-2-DEV, S-2-PM and S-9-ADM: S-1-DEV is the habit. P-2 logs 2 on
# S-1-DES and 1 on S-9-ADM: S-1-DES.
VAGUE = "V-1,P-1,2026-04-06,1,,,sundry,,,\nV-2,P-2,2026-04-14,1,,,sundry,,,\n"
# P-1's week of 20 April: two notes about Globex's portal (PR-2), then the same vague note
WEEK = (
    "W-1,P-1,2026-04-20,1,,,portal api endpoint,,,\n"
    "W-2,P-1,2026-04-21,1,,,Globex weekly status call,,,\n"
    "W-3,P-1,2026-04-22,1,,,sundry,,,\n"
)


@pytest.fixture
def tiny(con, tmp_path):
    build(con, tmp_path, VAGUE + WEEK)
    model = trained_model(con, date(2026, 5, 1), kind="linear")
    catalog = data.catalog(con)
    targets = data.targets(con, date(2026, 4, 30))
    pairs = data.candidates(con, targets, date(2026, 4, 30), model.reach_days)
    return con, model, catalog, targets, pairs


def _suggest(tiny, weight: float, only: list[str]) -> dict[str, str]:
    _con, model, catalog, targets, pairs = tiny
    model.neighbour_weight = weight
    chosen = targets.filter(pl.col("entry_id").is_in(only))
    got = classify_entries(
        model,
        chosen,
        pairs.filter(pl.col("entry_id").is_in(only)),
        catalog,
        ClassifyConfig().rush_pattern,
    )
    return dict(got.select("entry_id", "sow_line_id").iter_rows())


def test_a_vague_note_goes_where_the_persons_habit_goes(tiny):
    got = _suggest(tiny, 0.0, ["V-1", "V-2"])
    assert got == {"V-1": "S-1-DEV", "V-2": "S-1-DES"}


def test_the_persons_week_moves_a_vague_note_to_the_project_of_that_week(tiny):
    alone = _suggest(tiny, 0.0, ["W-3"])
    assert alone == {"W-3": "S-1-DEV"}  # the habit, PR-1, when the week is not weighed
    week = _suggest(tiny, 1.0, ["W-1", "W-2", "W-3"])
    assert week["W-1"] == "S-2-DEV" and week["W-2"] == "S-2-PM"
    assert week["W-3"] in ("S-2-DEV", "S-2-PM")  # Globex's portal, PR-2: the week's project


def test_fast_scoring_gives_the_training_matrix_scores(tiny):
    _con, model, _catalog, targets, pairs = tiny
    frame = (
        pairs.select("entry_id", "sow_line_id")
        .join(
            targets.select("entry_id", "person_id", "date", norm=normalize_expr("notes")),
            on="entry_id",
        )
        .sort("entry_id", "sow_line_id")
        .with_columns(k=pl.int_range(pl.len(), dtype=pl.Int64))
    )
    matrix, known = linear.pair_matrix(frame, model.line_frame, model.activity)
    fast, known_fast = linear.pair_scores(frame, model.line_frame, model.activity, model.weights)
    assert known.equals(known_fast) and len(fast) == frame.height
    assert np.allclose(fast, matrix.predict(model.weights), rtol=0, atol=1e-9)


def test_word_dropout_keeps_some_words_and_drops_some_in_order():
    rows = pl.DataFrame({"norm": ["proposal for arbor insurance", "timesheets", "a b"]})
    out = linear._word_dropout(rows)["norm"].to_list()
    assert len(out) == 2  # a one-word note has no copy
    for note, copy in zip(["proposal for arbor insurance", "a b"], out, strict=True):
        words, kept = note.split(), copy.split()
        assert 1 <= len(kept) < len(words)
        it = iter(words)
        assert all(w in it for w in kept)  # a sub-sequence: order kept
    assert linear._word_dropout(rows)["norm"].to_list() == out  # seeded
