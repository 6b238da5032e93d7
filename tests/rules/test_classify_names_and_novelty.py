"""A note nobody at the firm wrote is not applied unseen (novelty cap), a note that names a
client brings that client's project into the candidates, a name that is not in the catalog
never brings a project that does not exist, and a model without calibration applies nothing;
on the small hand-written firm of tests/rules/classify_firm.py and hand-built histories."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import numpy as np
import polars as pl
import pytest

from rules.classify import data, named, novelty
from rules.classify.cascade import run_classify
from rules.classify.config import ClassifyConfig
from tests.rules.classify_firm import build

AS_OF = date(2026, 4, 30)
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
SEEN, NOVEL = "refactor cart api", "kubernetes grafana terraform migration"


def test_novelty_counts_words_and_pieces_unseen_by_the_firm_and_the_person():
    history = pl.DataFrame(
        {"person_id": ["P-1", "P-2"], "notes": ["Refactor cart API", "design review"]}
    )
    vocab = novelty.learn_vocabulary(history)
    frame = pl.DataFrame(
        {
            "person_id": ["P-1", "P-1", "P-3"],
            "notes": ["design cart", "refactor cart api", "zzzz"],
        }
    )
    got = novelty.novelty(vocab, frame)
    # "design cart" by P-1: words 0/2 new to the firm, 1/2 new to P-1 (design); pieces of
    # " design " (5) and " cart " (3): 0/8 new to the firm, 5/8 new to P-1
    assert got[0] == pytest.approx((0 + 1 / 2 + 0 + 5 / 8) / 4)
    assert got[1] == 0.0  # written before, by the same person (case does not matter)
    assert got[2] == 1.0  # nobody wrote any of it


def test_caps_keep_vouched_bands_and_cap_the_rest_by_held_out_accuracy():
    seen = np.zeros(30)  # band 0: 30 sure entries, all right -> vouched
    low = np.full(10, 0.05)  # band 1: 10 sure entries, 8 right -> too few, capped from here
    high = np.full(10, 0.9)  # band 8: 5 of 10 right
    novel = np.r_[seen, low, high]
    confidence = np.r_[np.full(30, 0.99), np.full(10, 0.99), np.full(10, 0.6)]
    correct = np.r_[np.ones(30), np.ones(8), np.zeros(2), np.ones(5), np.zeros(5)].astype(bool)
    caps = novelty.fit_caps(novel, confidence, correct)
    # from band 1 on: accuracy of band 1 and every more novel one, 13/20 = 0.65; from band 2
    # on only band 8 remains, 5/10 = 0.5, and a cap never rises with novelty
    assert caps.tolist() == [1.0, 0.65, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    got = novelty.apply_caps(caps, np.array([0.0, 0.05, 0.9]), np.array([0.99, 0.99, 0.99]))
    assert got.tolist() == [0.99, 0.65, 0.5]


def test_a_novel_note_is_capped_below_auto_apply_and_a_seen_note_still_applies(con, tmp_path):
    build(
        con,
        tmp_path,
        f"T-1,P-1,2026-04-06,1,,,{SEEN},,,\nT-2,P-1,2026-04-06,1,,,{NOVEL},,,\n",
    )
    config = ClassifyConfig(llm_below=0.0, auto_apply=True)
    run = run_classify(con, AS_OF, config, llm_mode="off", now=NOW)
    got = {r["entry_id"]: r for r in run.entries.iter_rows(named=True)}
    assert run.summary["calibration"]["calibrated"] is True
    assert (got["T-1"]["sow_line_id"], got["T-1"]["confidence"] >= 0.98) == ("S-1-DEV", True)
    assert got["T-2"]["confidence"] <= novelty.NOVEL_CAP  # all its words are new
    assert run.summary["auto_applied"] == 1
    applied = con.execute("SELECT DISTINCT entry_id FROM entry_overrides").fetchall()
    assert applied == [("T-1",)]


def test_a_note_naming_a_client_adds_its_project_to_the_candidates(con, tmp_path):
    # Sam (P-2, a designer) has only ever logged time on Storefront (PR-1) and Admin (PR-9)
    build(con, tmp_path, "T-1,P-2,2026-04-06,1,,,pitch deck for globex,,,\n")
    catalog = data.catalog(con)
    targets = data.targets(con, AS_OF)
    staffed = data.candidates(con, targets, AS_OF, 240)
    assert set(staffed["project_id"]) == {"PR-1", "PR-9"}
    names = named.learn_names(data.history(con, AS_OF), catalog)
    got = named.add_candidates(staffed, targets, names, catalog)
    added = got.join(staffed, on=["entry_id", "sow_line_id"], how="anti")
    assert sorted(added["sow_line_id"]) == ["S-2-DEV", "S-2-PM"]  # Globex's Portal
    run = run_classify(con, AS_OF, ClassifyConfig(llm_below=0.0), llm_mode="off", now=NOW)
    shown = json.loads(run.entries.row(0, named=True)["input"])["candidates"]
    assert {"S-2-DEV", "S-2-PM"} <= set(shown)  # what the model and the LLM choose from


def test_names_the_history_teaches_point_only_to_projects_in_the_catalog():
    catalog = pl.DataFrame(
        {
            "sow_line_id": ["S-1", "S-9"],
            "project_id": ["PR-1", "PR-9"],
            "project_name": ["Storefront", "Admin"],
            "project_code": ["STORE", "ADM"],
            "client_id": ["CL-1", "CL-0"],
            "client_name": ["Acme Corp", "Kestrel"],
            "start_date": [date(2026, 1, 1), None],
            "end_date": [None, None],
            "is_internal": [False, True],
        }
    )
    # Zephyr (a product) is written three times, always on PR-404, which the catalog lacks;
    # `checkout` three times on Storefront
    history = pl.DataFrame(
        {
            "entry_id": [f"H-{i}" for i in range(6)],
            "notes": ["zephyr sync"] * 3 + ["checkout fix"] * 3,
            "project_id": ["PR-404"] * 3 + ["PR-1"] * 3,
        }
    )
    names = named.learn_names(history, catalog)
    assert set(names["project_id"]) == {"PR-1"}
    assert "zephyr" not in names["name"].to_list()
    assert {"acme", "corp", "storefront", "store", "checkout"} <= set(names["name"])
    targets = pl.DataFrame(
        {
            "entry_id": ["T-1", "T-2"],
            "date": [date(2026, 4, 6)] * 2,
            "notes": ["zephyr upgrade", "salesforce integration for initech"],
            "project_id": [None, None],
        },
        schema_overrides={"project_id": pl.String},
    )
    pairs = pl.DataFrame(
        {"entry_id": ["T-1", "T-2"], "sow_line_id": ["S-9", "S-9"], "project_id": ["PR-9"] * 2}
    )
    assert named.add_candidates(pairs, targets, names, catalog).equals(pairs)


def test_without_calibration_nothing_is_auto_applied_not_even_a_seen_note(con, tmp_path):
    build(con, tmp_path, f"T-1,P-1,2026-04-06,1,,,{SEEN},,,\n")
    # only the first week stays approved: 40 held-out entries, fewer than the 100 needed
    con.execute("UPDATE time_entries SET approved_at = NULL WHERE date > DATE '2026-02-06'")
    config = ClassifyConfig(llm_below=0.0, auto_apply=True)
    run = run_classify(con, AS_OF, config, llm_mode="off", now=NOW)
    assert run.summary["calibration"]["calibrated"] is False
    assert "novelty_caps" not in run.summary["calibration"]
    assert run.entries["confidence"][0] <= 0.9
    assert run.summary["auto_applied"] == 0
    assert con.execute("SELECT count(*) FROM entry_overrides").fetchall() == [(0,)]
