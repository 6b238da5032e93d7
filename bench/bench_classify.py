"""Benchmark of the local classification cascade (docs/classify.md) on two firms written by
different hands: the demo (demo) and the second firm (demo/bench_firm), whose October notes
use people's own shorthand, new contacts and products and are never copies of history notes.

    .venv/bin/python bench/bench_classify.py                      # both firms, both models
    .venv/bin/python bench/bench_classify.py --firm second --model linear
    .venv/bin/python bench/bench_classify.py --firm demo --db /tmp/c600.duckdb --people 600

Demo: train on the history before its last month and classify that month with the labels
hidden: (A) the month's unclassified entries, (B) every entry of the month hidden, candidates
from earlier months only. Second firm: train on January–September (approved), classify the
unapproved, unlabelled October as the CLI would on 30 October: the last approved weeks are
a month old, which is what emptied the old 30-days-before-today calibration set."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo import generate
from demo.bench_firm.generate import LAST_DAY
from demo.bench_firm.generate import generate as generate_second
from etl.loader import import_canonical
from rules.classify import data
from rules.classify.config import load_classify_config
from rules.classify.expenses import classify_expenses
from rules.classify.local import classify_entries
from rules.classify.reliability import at_threshold, expected_calibration_error
from rules.classify.training import MODEL_KINDS, calibration_status, trained_model
from warehouse.db import connect

THRESHOLD = 0.98
LLM_BELOW = (0.5, 0.8, 0.9, 0.98)


def report(name: str, got: pl.DataFrame, truth: pl.DataFrame, seconds: float) -> dict:
    """Accuracy, reliability and speed of one set of suggestions against the answer key."""
    joined = got.join(truth, on="entry_id", suffix="_true")
    right_project = joined["project_id"] == joined["project_id_true"]
    right_line = (joined["sow_line_id"] == joined["sow_line_id_true"]).fill_null(False)
    conf = joined["confidence"].to_numpy()
    coverage, precision = at_threshold(conf, right_line.to_numpy(), THRESHOLD)
    n = joined.height
    return {
        "set": name,
        "entries": n,
        "project_accuracy": round(right_project.fill_null(False).mean(), 4),
        "sow_line_accuracy": round(right_line.mean(), 4),
        "billable_accuracy": round((joined["billable"] == joined["billable_true"]).mean(), 4),
        "work_type_accuracy": round((joined["work_type"] == joined["work_type_true"]).mean(), 4),
        "coverage_at_0.98": round(coverage, 4),
        "precision_at_0.98": round(precision, 4),
        "ece": round(expected_calibration_error(conf, right_line.to_numpy()), 4),
        "share_to_llm": {str(b): round((joined["confidence"] < b).mean(), 4) for b in LLM_BELOW},
        "seconds": round(seconds, 3),
        "entries_per_second": round(n / seconds) if seconds else None,
        "by_method": joined.with_columns(ok=right_line)
        .group_by("method")
        .agg(n=pl.len(), line_accuracy=pl.col("ok").mean().round(4))
        .sort("n", descending=True)
        .to_dicts(),
    }


def classify(con, model, targets: pl.DataFrame, as_of: date, rush: str, catalog) -> tuple:
    start = time.perf_counter()
    pairs = data.candidates(con, targets, as_of, model.reach_days)
    got = classify_entries(model, targets, pairs, catalog, rush)
    return got, time.perf_counter() - start


def _train(con, before: date, kind: str) -> tuple:
    started = time.perf_counter()
    model = trained_model(con, before, None, kind=kind)
    return model, time.perf_counter() - started


def _model_facts(model, seconds: float) -> dict:
    return {
        "training_rows": model.history_rows,
        "training_seconds": round(seconds, 2),
        "temperature": model.temperature,
        "calibration": calibration_status(model),
        "cues": model.cues,
    }


def bench_demo(args, kinds: list[str]) -> dict:
    db = Path(args.db)
    if not db.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "etl",
                "--db",
                str(db),
                "demo",
                "--seed",
                str(args.seed),
                "--people",
                str(args.people),
            ],
            check=True,
            stdout=sys.stderr,
        )
    truth = generate(seed=args.seed, people=args.people).truth
    rush = load_classify_config().rush_pattern
    con = connect(db, read_only=True)
    out: dict = {"db": str(db), "people": args.people}
    try:
        last = con.execute("SELECT max(date) FROM time_entries").fetchall()[0][0]
        m12 = last.replace(day=1)
        out["test_month"] = str(m12)
        catalog = data.catalog(con)
        month = con.sql(
            "SELECT entry_id, person_id, date, coalesce(notes, '') AS notes, project_id, "
            "sow_line_id, billable, work_type FROM time_entries WHERE date >= ?",
            params=[m12],
        ).pl()
        blank = month.filter(pl.col("project_id").is_null() | pl.col("sow_line_id").is_null())
        hidden = month.with_columns(
            [
                pl.lit(None, t).alias(c)
                for c, t in (
                    ("project_id", pl.String),
                    ("sow_line_id", pl.String),
                    ("billable", pl.Boolean),
                    ("work_type", pl.String),
                )
            ]
        )
        for kind in kinds:
            model, train_s = _train(con, m12, kind)
            got_a, sec_a = classify(con, model, blank, month["date"].max(), rush, catalog)
            got_b, sec_b = classify(con, model, hidden, m12 - timedelta(days=1), rush, catalog)
            out[kind] = {
                **_model_facts(model, train_s),
                "A_unclassified": report("A", got_a, truth, sec_a),
                "B_all_hidden": report("B", got_b, truth, sec_b),
            }
    finally:
        con.close()
    return out


def build_second(db: Path, seed: int = 11):
    """The second firm's warehouse at `db` (built when missing) and the firm (answer key)."""
    firm = generate_second(seed)
    if not db.exists():
        with tempfile.TemporaryDirectory() as folder:
            con = connect(db)
            try:
                import_canonical(con, firm.write(Path(folder)), label="second firm")
            finally:
                con.close()
    return firm


def expense_report(con, firm) -> dict:
    """October's expenses without a project: learnt vendor and split rules against the key."""
    got = classify_expenses(con, LAST_DAY, load_classify_config())
    joined = got.join(firm.expense_truth, on="expense_id")
    right = 0
    for r in joined.iter_rows(named=True):
        split = ";".join(f"{s['project_id']}:{int(float(s['share']) * 100)}" for s in r["splits"])
        right += split == r["split"] if r["split"] else split == f"{r['project_id']}:100"
    methods = joined.group_by("method").len().sort("method").rows()
    return {"expenses": joined.height, "right": right, "by_method": dict(methods)}


def bench_second(args, kinds: list[str]) -> dict:
    db = Path(args.second_db)
    firm = build_second(db)
    rush = load_classify_config().rush_pattern
    con = connect(db, read_only=True)
    out: dict = {"db": str(db), "notes": firm.stats}
    try:
        catalog = data.catalog(con)
        targets = data.targets(con, LAST_DAY)
        for kind in kinds:
            model, train_s = _train(con, LAST_DAY + timedelta(days=1), kind)
            got, sec = classify(con, model, targets, LAST_DAY, rush, catalog)
            out[kind] = {
                **_model_facts(model, train_s),
                "october": report("october", got, firm.truth, sec),
            }
        out["expenses"] = expense_report(con, firm)
    finally:
        con.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firm", choices=("demo", "second", "both"), default="both")
    parser.add_argument("--model", choices=(*MODEL_KINDS, "both"), default="both")
    parser.add_argument("--db", default="/tmp/classify_bench.duckdb")
    parser.add_argument("--second-db", default="/tmp/classify_bench_second.duckdb")
    parser.add_argument("--people", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    kinds = list(MODEL_KINDS) if args.model == "both" else [args.model]
    result = {}
    if args.firm in ("demo", "both"):
        result["demo"] = bench_demo(args, kinds)
    if args.firm in ("second", "both"):
        result["second"] = bench_second(args, kinds)
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
