"""Benchmark of the local classification cascade (docs/classify.md): train on the demo firm's
history before its last month, classify that month with the true labels hidden, compare.

    .venv/bin/python bench/bench_classify.py                       # 24 people, builds the demo
    .venv/bin/python bench/bench_classify.py --db /tmp/classify600.duckdb --people 600

Two test sets: (A) the last month's unclassified entries, as the firm would classify them (the
rest of the month stays labelled; the demo generator knows their true labels), and (B) every
entry of the last month with its project and SOW line hidden, candidates from earlier months
only. The --people and --seed must be those the warehouse was built with."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.demo import generate
from etl.warehouse import connect
from rules.classify import data
from rules.classify.config import load_classify_config
from rules.classify.local import classify_entries
from rules.classify.training import trained_model

THRESHOLD = 0.98
LLM_BELOW = (0.5, 0.8, 0.9, 0.98)


def _month_start(con) -> date:
    last = con.execute("SELECT max(date) FROM time_entries").fetchall()[0][0]
    return last.replace(day=1)


def _report(name: str, got: pl.DataFrame, truth: pl.DataFrame, seconds: float) -> dict:
    joined = got.join(truth, on="entry_id", suffix="_true")
    n = joined.height
    right_project = joined["project_id"] == joined["project_id_true"]
    right_line = joined["sow_line_id"] == joined["sow_line_id_true"]
    sure = joined["confidence"] >= THRESHOLD
    out = {
        "set": name,
        "entries": n,
        "project_accuracy": round(right_project.mean(), 4),
        "sow_line_accuracy": round(right_line.mean(), 4),
        "billable_accuracy": round((joined["billable"] == joined["billable_true"]).mean(), 4),
        "work_type_accuracy": round((joined["work_type"] == joined["work_type_true"]).mean(), 4),
        "share_confident": round(sure.mean(), 4),
        "confident_sow_line_accuracy": round(right_line.filter(sure).mean() or 0, 4),
        "confident_project_accuracy": round(right_project.filter(sure).mean() or 0, 4),
        "share_to_llm": {str(b): round((joined["confidence"] < b).mean(), 4) for b in LLM_BELOW},
        "seconds": round(seconds, 3),
        "entries_per_second": round(n / seconds) if seconds else None,
        "by_method": joined.with_columns(ok=right_line)
        .group_by("method")
        .agg(n=pl.len(), line_accuracy=pl.col("ok").mean().round(4))
        .sort("n", descending=True)
        .to_dicts(),
    }
    return out


def _classify(con, model, targets: pl.DataFrame, as_of: date, rush: str, catalog) -> tuple:
    start = time.perf_counter()
    pairs = data.candidates(con, targets, as_of)
    got = classify_entries(model, targets, pairs, catalog, rush)
    return got, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/classify_bench.duckdb")
    parser.add_argument("--people", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache-dir", default=None, help="model cache (default: none, retrain)")
    args = parser.parse_args(argv)
    db = Path(args.db)
    if not db.exists():
        subprocess.run([sys.executable, "-m", "etl", "--db", str(db), "demo", "--seed",
                        str(args.seed), "--people", str(args.people)], check=True,
                       stdout=sys.stderr)  # fmt: skip
    started = time.perf_counter()
    truth = generate(seed=args.seed, people=args.people).truth
    print(f"demo truth regenerated in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    rush = load_classify_config().rush_pattern
    con = connect(db, read_only=True)
    try:
        m12 = _month_start(con)
        started = time.perf_counter()
        model = trained_model(con, m12, Path(args.cache_dir) if args.cache_dir else None)
        train_s = time.perf_counter() - started
        catalog = data.catalog(con)
        month = con.sql(
            "SELECT entry_id, person_id, date, coalesce(notes, '') AS notes, project_id, "
            "sow_line_id, billable, work_type FROM time_entries WHERE date >= ?",
            params=[m12],
        ).pl()
        blank = month.filter(pl.col("project_id").is_null() | pl.col("sow_line_id").is_null())
        last_day = month["date"].max()
        got_a, sec_a = _classify(con, model, blank, last_day, rush, catalog)
        hidden = month.with_columns(
            [pl.lit(None, t).alias(c) for c, t in
             (("project_id", pl.String), ("sow_line_id", pl.String), ("billable", pl.Boolean),
              ("work_type", pl.String))]
        )  # fmt: skip
        got_b, sec_b = _classify(con, model, hidden, m12 - timedelta(days=1), rush, catalog)
    finally:
        con.close()
    result = {
        "db": str(db),
        "people": args.people,
        "test_month": str(m12),
        "training_rows": model.history_rows,
        "training_seconds": round(train_s, 2),
        "temperature": model.temperature,
        "A_unclassified": _report("A", got_a, truth, sec_a),
        "B_all_hidden": _report("B", got_b, truth, sec_b),
    }
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
