"""`python -m rules classify`: runs the cascade on the warehouse and prints the suggestions
(DESIGN.md's JSON, or a summary table); user errors are one line on stderr, exit 1."""

from __future__ import annotations

import json
import sys
from collections import Counter

import anthropic

from core.cli_errors import report
from rules.classify import llm
from rules.classify.cascade import NO_KEY_ON, ClassifyRun, LlmKeyMissing, run_classify
from rules.classify.config import load_classify_config
from warehouse.db import connect, resolve_db_path


def render_table(run: ClassifyRun) -> str:
    s = run.summary
    entries = run.entries
    sure = entries.filter(entries["confidence"] >= 0.98).height
    out = [
        (
            f"run {run.run_id}: {entries.height} entr(ies), {run.expenses.height} expense(s); "
            f"{sure} at confidence >= 0.98; {s['auto_applied']} auto-applied"
        )
    ]
    cal = s.get("calibration") or {}
    if cal.get("calibrated"):
        out.append(
            f"calibrated on {cal['held_out_entries']} held-out entries "
            f"({cal['from']} to {cal['to']})"
        )
    else:
        out.append(f"not calibrated: {cal.get('reason', 'unknown')}; auto-apply refused")
    for method, n in sorted(Counter(entries["method"].to_list()).items()):
        out.append(f"  {method:<18} {n:>7}")
    if s["llm_used"]:
        out.append(
            f"LLM {s['model']}: {s['llm_calls']} call(s), {s['llm_cache_hits']} cached, "
            f"{s['llm_errors']} rejected; tokens in {s['input_tokens']} out "
            f"{s['output_tokens']} cache write {s['cache_creation_input_tokens']} read "
            f"{s['cache_read_input_tokens']}; cost USD {s['cost_usd']}"
        )
    return "\n".join(out) + "\n"


def classify_main(args) -> int:
    try:
        config = load_classify_config(args.config)
        path = resolve_db_path(args.db)
        if not path.exists():
            raise ValueError(f"no warehouse at {path}: run `python -m etl demo` or an import first")
        key = llm.api_key() if args.llm != "off" else None
        if args.llm == "on" and key is None:  # before any work is done
            raise LlmKeyMissing(NO_KEY_ON)
        con = connect(path)
        try:
            run = run_classify(
                con,
                args.as_of,
                config,
                llm_mode=args.llm,
                api_key=key,
                cache_dir=path.with_name(path.name + ".classify"),
            )
        finally:
            con.close()
    except anthropic.APIError as err:  # other user errors: `python -m rules`'s cli_errors
        return report(err)
    if args.format == "json":
        sys.stdout.write(json.dumps(run.to_json(), indent=2, default=str) + "\n")
    else:
        sys.stdout.write(render_table(run))
    sys.stdout.flush()
    for note in run.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
