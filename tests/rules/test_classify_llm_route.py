"""The LLM step's parts that decide what is asked and what it costs: the route from the local
model, the firm-wide prefix grown until the model can cache it, the person's examples
retrieved for the note, and the price table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import polars as pl
import pytest

from rules.classify import llm
from rules.classify.config import ClassifyConfig
from tests.rules.classify_firm import build

STATUS = "T-4,P-1,2026-04-07,1,,,globex status,,,\n"


def test_route_sends_the_unsure_and_the_undecided_never_defaults_or_empty():
    local = pl.DataFrame(
        {
            "entry_id": ["a", "b", "c", "d", "e"],
            "method": [
                "local_model",
                "local_model",
                "sow_line_defaults",
                "no_candidates",
                "ticket_key",
            ],
            "confidence": [0.95, 0.50, 0.10, 0.0, 0.99],
            "undecided": [False, False, False, False, True],
        }
    )
    routed = llm.route(local, ClassifyConfig(llm_below=0.9))
    assert routed.select("entry_id", "route").rows() == [
        ("b", "below_threshold"),
        ("e", "undecided"),
    ]
    without_flag = llm.route(local.drop("undecided"), ClassifyConfig(llm_below=0.9))
    assert without_flag["entry_id"].to_list() == ["b"]


def _item(entry_id: str, notes: str) -> llm.LlmItem:
    return llm.LlmItem(entry_id, {"notes": notes, "date": "2026-04-07"}, [])


def test_the_prefix_grows_until_the_model_can_cache_it(con, tmp_path, monkeypatch):
    build(con, tmp_path, STATUS)
    items = [_item("T-4", "globex status")]
    # 7 SOW lines with few distinct notes: even 12 notes per line stay far below Haiku 4.5's
    # 4096 tokens, so the prefix stops at the most examples and is not cacheable
    small = llm.firm_context(con, items, "claude-haiku-4-5")
    assert small.per_line == llm.EXAMPLES_PER_LINE[1]
    assert not llm.cacheable("claude-haiku-4-5", small.tokens())
    assert small.person_of == {"T-4": "P-1"}
    # a model caching from 658 tokens (724 with the 10% margin): only S-1-DEV has more than
    # two distinct notes ("STORE-1nn checkout fix", 26 characters, ~7 tokens each with the
    # quotes); 3 per line make ~700 tokens, each more note ~6.5: 7 per line is the first to pass
    monkeypatch.setitem(llm.MIN_CACHEABLE_TOKENS, "claude-test", 658)
    grown = llm.firm_context(con, items, "claude-test")
    assert grown.per_line == 7
    assert grown.prefix.count("checkout fix") == 6  # S-1-DEV: 7 notes, one "refactor cart api"
    # the prefix is the same bytes for every entry of the run (the cache key)
    other = llm.firm_context(con, [_item("T-9", "anything"), *items], "claude-test")
    assert other.prefix == grown.prefix


def test_retrieval_prefers_shared_words_then_recency():
    history = [  # newest first, as firm_context keeps them
        {
            "notes": "timesheets and admin",
            "sow_line_id": "S-9",
            "project_id": "PR-9",
            "billable": False,
            "date": date(2026, 3, 13),
        },
        {
            "notes": "Globex weekly status call",
            "sow_line_id": "S-2-PM",
            "project_id": "PR-2",
            "billable": True,
            "date": date(2026, 3, 12),
        },
        {
            "notes": "portal api endpoint",
            "sow_line_id": "S-2-DEV",
            "project_id": "PR-2",
            "billable": True,
            "date": date(2026, 3, 11),
        },
    ]
    assert [e["sow_line_id"] for e in llm.retrieve(history, "status call w/ globex", k=2)] == [
        "S-2-PM",
        "S-9",
    ]
    # no word in common: the most recent entries (the person's habit)
    assert [e["sow_line_id"] for e in llm.retrieve(history, "misc", k=2)] == ["S-9", "S-2-PM"]


def test_prices_are_per_million_tokens_and_dated():
    assert llm.PRICES_AS_OF == "2026-12-05"
    tokens = {
        "input_tokens": 200,
        "output_tokens": 100,
        "cache_creation_input_tokens": 4000,
        "cache_read_input_tokens": 0,
    }
    # 200 x 1.00 + 100 x 5.00 + 4000 x 1.25 = 5700 per million
    assert llm.cost_usd("claude-haiku-4-5-20251001", tokens) == D("0.0057")
    assert llm.cost_usd("claude-haiku-4-5", tokens, batch=True) == D("0.00285")
    with pytest.raises(ValueError, match="no price for model"):
        llm.cost_usd("gpt-9", tokens)
