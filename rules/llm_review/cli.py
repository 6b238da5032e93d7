"""`python -m rules review [--llm off|auto|on]`: the review pass on the warehouse. It reads in
one block and writes (the queue sync) in another that takes this process's write turn
(warehouse.sessions.read_write, warehouse/access.py), so no API call holds the warehouse."""

from __future__ import annotations

import json
import sys
from collections import Counter

import anthropic

from core.cli_errors import report
from rules.classify import llm
from rules.llm_review import kinds
from rules.llm_review.config import load_review_config
from rules.llm_review.run import NO_KEY_ON, ReviewKeyMissing, ReviewResult, judge, record
from warehouse.db import resolve_db_path
from warehouse.sessions import read_only, read_write


def render_table(result: ReviewResult) -> str:
    c, u = result.counts, result.usage
    by_kind = Counter(f.kind for f in result.findings)
    out = [
        (
            f"review {result.since}..{result.as_of} ({result.method}): {result.entries} noted "
            f"entr(ies), {result.days} calendar day(s); {len(result.findings)} finding(s): "
            f"{c.get('new', 0)} new, {c.get('updated', 0)} still found, "
            f"{c.get('resolved', 0)} resolved"
        )
    ]
    out += [f"  {kinds.plain(k):<58} {by_kind[k]:>5}" for k in kinds.KINDS]
    for f in result.findings:
        out.append(f"  {f.kind:<26} {f.ref:<22} {f.confidence:.2f} {f.model:<20} {f.detail}")
    if result.method == "llm":
        out.append(
            f"LLM: {u.calls} call(s), {u.cache_hits} cached, {u.errors} failed, "
            f"{len(u.rejected)} finding(s) rejected; tokens in {u.input_tokens} out "
            f"{u.output_tokens} cache write {u.cache_creation_input_tokens} read "
            f"{u.cache_read_input_tokens}; cost USD {result.cost_usd:.4f} "
            f"(prices of {llm.PRICES_AS_OF})"
        )
    return "\n".join(out) + "\n"


def review_main(args) -> int:
    try:
        config = load_review_config(args.config)
        path = resolve_db_path(args.db)
        if not path.exists():
            raise ValueError(f"no warehouse at {path}: run `python -m etl demo` or an import first")
        key = llm.api_key() if args.llm != "off" else None
        if args.llm == "on" and key is None:  # before any work is done
            raise ReviewKeyMissing(NO_KEY_ON)
        with read_only(path) as con:
            result = judge(con, args.as_of, config, llm_mode=args.llm, api_key=key)
        with read_write(path) as con:
            record(con, result, "rules review")
    except anthropic.APIError as err:
        return report(err)
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), indent=2, default=str) + "\n")
    else:
        sys.stdout.write(render_table(result))
    sys.stdout.flush()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
