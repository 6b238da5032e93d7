"""Benchmark of the review pass (docs/review.md) and of the LLM step's cost (docs/classify.md).

    .venv/bin/python bench/bench_llm_review.py        # builds the 24-person demo when missing

Prints JSON with:
- planted: precision and recall of the local heuristic on Harbor & Finch's hand-written notes
  (tests/llm_review/review_firm.py), per kind and overall; planted_held_out: the same on a
  second set of notes written after the heuristic was fixed;
- local_speed: noted entries reviewed per second by the local heuristic on the demo firm (the
  last 31 days, and the last 365);
- cost: both LLM routes run against the local fake Messages API (tests/rules/fake_anthropic.py)
  whose usage follows the documented prompt-caching rules (prefix written once, read after;
  none below the model's minimum; tokens = characters / 4), priced with rules/classify/llm.py
  PRICES: USD per 1,000 entries for the review pass and for the classification step (entries
  sent one per request, as the cascade routes them), standard and through Message Batches.
The fake answers instantly, so no speed is reported for the LLM routes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anthropic

from rules.classify import llm
from rules.classify.cascade import run_classify
from rules.classify.config import ClassifyConfig
from rules.llm_review import claude, kinds
from rules.llm_review.config import ReviewConfig
from rules.llm_review.run import judge
from tests.llm_review import review_firm
from tests.rules.fake_anthropic import CachingUsage, FakeAnthropic, named_tool_message
from warehouse.db import connect

MODEL = "claude-haiku-4-5"
REVIEW_OUTPUT_TOKENS = 250  # a batch of 40 entries answers with a few findings
CLASSIFY_OUTPUT_TOKENS = 90  # one classify_entry tool call with a one-sentence rationale


def planted(held_out: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "planted.duckdb")
        try:
            (review_firm.build_held_out if held_out else review_firm.build)(con, Path(tmp))
            started = time.perf_counter()
            result = judge(con, review_firm.AS_OF, llm_mode="off")
            seconds = time.perf_counter() - started
        finally:
            con.close()
    got = {(f.kind, f.ref) for f in result.findings}
    expected = review_firm.held_out_pairs() if held_out else review_firm.expected_pairs()
    out = {}
    for kind in (*kinds.KINDS, "all"):
        g = {p for p in got if kind in ("all", p[0])}
        e = {p for p in expected if kind in ("all", p[0])}
        out[kind] = {
            "expected": len(e),
            "found": len(g),
            "hits": len(g & e),
            "precision": round(len(g & e) / len(g), 3) if g else None,
            "recall": round(len(g & e) / len(e), 3) if e else None,
        }
    out["missed"] = sorted(expected - got)
    out["false_positives"] = sorted(got - expected)
    out["seconds"] = round(seconds, 3)
    return out


def _as_of(con):
    return con.execute("SELECT max(date) FROM time_entries").fetchall()[0][0]


def local_speed(db: Path) -> dict:
    con = connect(db)
    try:
        as_of = _as_of(con)
        out = {}
        for days in (31, 365):
            started = time.perf_counter()
            result = judge(con, as_of, ReviewConfig(days=days), llm_mode="off")
            seconds = time.perf_counter() - started
            out[f"{days}_days"] = {
                "entries": result.entries,
                "calendar_days": result.days,
                "findings": len(result.findings),
                "seconds": round(seconds, 2),
                "entries_per_s": round(result.entries / seconds) if seconds else None,
                "by_kind": {k: sum(f.kind == k for f in result.findings) for k in kinds.KINDS},
            }
        return out
    finally:
        con.close()


def _per_1000(cost: Decimal, entries: int) -> str:
    return str((cost * 1000 / entries).quantize(Decimal("0.0001"))) if entries else "n/a"


def review_cost(db: Path) -> dict:
    usage_sim = CachingUsage(
        minimum=llm.MIN_CACHEABLE_TOKENS[MODEL], output_tokens=REVIEW_OUTPUT_TOKENS
    )

    def reply(body):
        return 200, {}, named_tool_message(claude.TOOL_NAME, {"findings": []}, usage_sim(body))

    con = connect(db)
    try:
        as_of = _as_of(con)
        con.execute("DELETE FROM llm_cache WHERE prompt_version = ?", [claude.PROMPT_VERSION])
        with FakeAnthropic(reply) as fake:
            client = anthropic.Anthropic(api_key="bench", base_url=fake.base_url, max_retries=0)
            result = judge(
                con, as_of, ReviewConfig(days=31, concurrency=1), llm_mode="on", client=client
            )
    finally:
        con.close()
    u = result.usage
    batch = llm.cost_usd(MODEL, u.tokens(), batch=True)
    return {
        "model": MODEL,
        "entries": result.entries,
        "requests": u.calls,
        "prefix_tokens_estimate": result.prefix_tokens,
        **u.tokens(),
        "cost_usd": str(result.cost_usd.quantize(Decimal("0.000001"))),
        "usd_per_1000_entries": _per_1000(result.cost_usd, result.entries),
        "usd_per_1000_entries_batch": _per_1000(batch, result.entries),
        "notes": result.notes,
    }


def _classify_answer(body: dict, usage_sim: CachingUsage):
    text = body["messages"][0]["content"][-1]["text"]
    lines = text.splitlines()
    first = json.loads(lines[lines.index("Candidates:") + 1])
    answer = {
        "project_id": first["project_id"],
        "sow_line_id": first["sow_line_id"],
        "billable": bool(first.get("billable", True)),
        "work_type": "standard",
        "confidence": 0.7,
        "rationale": "the note matches this line",
    }
    return 200, {}, named_tool_message(llm.TOOL_NAME, answer, usage_sim(body))


def classify_cost(db: Path, entries: int) -> dict:
    usage_sim = CachingUsage(
        minimum=llm.MIN_CACHEABLE_TOKENS[MODEL], output_tokens=CLASSIFY_OUTPUT_TOKENS
    )
    con = connect(db)
    try:
        as_of = _as_of(con)
        # the last month's entries, their project and SOW line hidden: what a backfill asks
        con.execute("DELETE FROM llm_cache WHERE prompt_version = ?", [llm.PROMPT_VERSION])
        con.execute(
            "CREATE OR REPLACE TEMP TABLE bench_hidden AS SELECT entry_id FROM time_entries "
            "WHERE date > ? ORDER BY entry_id LIMIT ?",
            [as_of - timedelta(days=31), entries],
        )
        con.execute(
            "UPDATE time_entries SET project_id = NULL, sow_line_id = NULL, approved_at = NULL "
            "WHERE entry_id IN (SELECT entry_id FROM bench_hidden)"
        )
        config = ClassifyConfig(
            llm_below=1.01,
            llm_max_entries=entries,
            llm_concurrency=1,
            llm_batch_above=10**9,
            llm_max_retries=0,
            llm_model=MODEL,
        )
        with FakeAnthropic(lambda body: _classify_answer(body, usage_sim)) as fake:
            client = llm.make_client("bench", config, base_url=fake.base_url)
            started = time.perf_counter()
            run = run_classify(con, as_of, config, llm_mode="on", client=client)
            seconds = time.perf_counter() - started
    finally:
        con.close()
    s = run.summary
    tokens = {k: s[k] for k in llm.USAGE_FIELDS}
    cost = llm.cost_usd(MODEL, tokens)
    return {
        "model": MODEL,
        "requests": s["llm_calls"],
        "errors": s["llm_errors"],
        **tokens,
        "cost_usd": str(cost.quantize(Decimal("0.000001"))),
        "usd_per_1000_entries": _per_1000(cost, s["llm_calls"]),
        "usd_per_1000_entries_batch": _per_1000(
            llm.cost_usd(MODEL, tokens, batch=True), s["llm_calls"]
        ),
        "run_seconds_with_fake": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/llm_review_bench.duckdb")
    parser.add_argument("--people", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--classify-entries", type=int, default=1000)
    args = parser.parse_args(argv)
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
    price = {k: str(v) for k, v in llm.PRICES[MODEL].items()}
    result = {
        "prices": {
            "as_of": llm.PRICES_AS_OF,
            MODEL: price,
            "batch_discount": str(llm.BATCH_DISCOUNT),
        },
        "planted": planted(),
        "planted_held_out": planted(held_out=True),
        "local_speed": local_speed(db),
        "cost": {"review": review_cost(db), "classify": classify_cost(db, args.classify_entries)},
    }
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
