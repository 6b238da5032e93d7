"""The review pass through Claude, against the local fake Messages API (tests/rules/
fake_anthropic.py) with usage the way the API reports prompt caching: the request (forced tool,
cached firm-wide prefix), findings checked against the batch's ids (invented or mismatched ids
rejected), the model recorded, 429/529 retried, errors falling back to the local heuristic,
answers cached so a re-run costs nothing, and the cost of a run at the published prices."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import anthropic
import pytest

from rules.classify import llm
from rules.llm_review import claude, kinds
from rules.llm_review.config import ReviewConfig
from rules.llm_review.run import judge, run_review
from tests.llm_review.review_firm import AS_OF, EXPECTED, build, expected_pairs
from tests.rules.fake_anthropic import CachingUsage, FakeAnthropic, error_body, named_tool_message

NOW = datetime(2026, 10, 30, 18, 0, tzinfo=UTC)
CONFIG = ReviewConfig(concurrency=1, max_retries=3)
SHORT = {v: k for k, v in kinds.SHORT.items()}
pytestmark = pytest.mark.clock


def batch_ids(body: dict) -> set[str]:
    """Every id the request's batch block shows (entries, person-days, milestones of it)."""
    text = body["messages"][0]["content"][1]["text"]
    rows = [json.loads(line) for line in text.splitlines()[1:]]
    ids = {r.get("entry_id") for r in rows} | {r.get("person_day") for r in rows}
    ids |= {f"{r['person_id']}:{r['date']}" for r in rows if r.get("date")}
    projects = {r.get("project_id") for r in rows}
    ids |= {m for m in EXPECTED["review_milestone_mismatch"] if f"PR-{m[2]}" in projects}
    return ids - {None}


def oracle(usage: CachingUsage, extra: list[dict] | None = None):
    """Answers every request with the planted findings among its ids (what a model that got
    them all would say), plus `extra` findings on every request."""

    def reply(body):
        shown = batch_ids(body)
        findings = [
            {"kind": SHORT[kind], "ref": ref, "evidence": f"planted {ref}", "confidence": 0.9}
            for kind, ref in sorted(expected_pairs())
            if ref in shown
        ]
        answer = {"findings": findings + list(extra or [])}
        return 200, {}, named_tool_message(claude.TOOL_NAME, answer, usage(body))

    return reply


def client_for(fake, config=CONFIG):
    return anthropic.Anthropic(
        api_key="test-key", base_url=fake.base_url, max_retries=config.max_retries
    )


def test_request_has_the_forced_tool_and_a_cached_firm_prefix(con, tmp_path):
    build(con, tmp_path)
    with FakeAnthropic(oracle(CachingUsage(minimum=1024))) as fake:
        result = run_review(con, AS_OF, CONFIG, llm_mode="on", client=client_for(fake), now=NOW)
    posts = fake.message_posts()
    # 3 projects' entries (PR-I's one entry is a 4th chunk) and 1 chunk of busier-than-logged days
    assert len(posts) == 5
    body = posts[0]["body"]
    assert posts[0]["headers"]["authorization"] == "Bearer test-key"
    assert body["tool_choice"] == {"type": "tool", "name": "record_review_findings"}
    assert body["tools"][0]["input_schema"]["properties"]["findings"]["items"]["properties"][
        "kind"
    ]["enum"] == ["leakage", "scope_creep", "milestone_mismatch", "under_reporting"]
    firm, batch = body["messages"][0]["content"]
    assert firm["cache_control"] == {"type": "ephemeral"}
    assert firm["text"].count("sow_line {") == 8 and firm["text"].count("milestone {") == 5
    assert {p["body"]["messages"][0]["content"][0]["text"] for p in posts} == {firm["text"]}
    assert "cache_control" not in batch
    # every planted case found, each with the model that answered
    assert {(f.kind, f.ref) for f in result.findings} == expected_pairs()
    assert {f.model for f in result.findings} == {"claude-haiku-4-5"}
    stored = con.execute(
        "SELECT evidence->>'model', evidence->>'quote' FROM exceptions "
        "WHERE exception_id = 'review_scope_creep:E-203'"
    ).fetchall()
    assert stored == [("claude-haiku-4-5", "planted E-203")]


def test_invented_or_mismatched_ids_are_rejected_not_queued(con, tmp_path):
    build(con, tmp_path)
    bad = [
        {"kind": "leakage", "ref": "E-999", "evidence": "made up", "confidence": 0.9},
        {
            "kind": "leakage",
            "ref": "M-A1",
            "evidence": "a milestone is no entry",
            "confidence": 0.9,
        },
        {"kind": "invoice_fraud", "ref": "E-101", "evidence": "no such kind", "confidence": 0.9},
        {"kind": "scope_creep", "ref": "E-251", "evidence": "", "confidence": 0.9},
    ]
    with FakeAnthropic(oracle(CachingUsage(), bad)) as fake:
        result = run_review(con, AS_OF, CONFIG, llm_mode="on", client=client_for(fake), now=NOW)
    assert {(f.kind, f.ref) for f in result.findings} == expected_pairs()
    # 4 bad findings on each of 5 requests; E-251 is only in PR-A's batch, elsewhere it is an
    # unknown id: 20 rejections either way
    assert len(result.usage.rejected) == 20
    assert any("'E-999', not an id of the batch" in r for r in result.usage.rejected)
    assert any("leakage names 'M-A1'" in r for r in result.usage.rejected)
    queued = {r[0] for r in con.execute("SELECT ref FROM exceptions").fetchall()}
    assert "E-999" not in queued and "E-251" not in queued
    assert any("20 finding(s) rejected" in n for n in result.notes)


def test_429_and_529_are_retried_after_retry_after(con, tmp_path):
    build(con, tmp_path)
    usage = CachingUsage()
    answer = oracle(usage)
    seen = []

    def reply(body):
        seen.append(1)
        if len(seen) == 1:
            return 429, {"retry-after-ms": "10"}, error_body("rate_limit_error")
        if len(seen) == 2:
            return 529, {"retry-after-ms": "10"}, error_body("overloaded_error")
        return answer(body)

    with FakeAnthropic(reply) as fake:
        result = judge(con, AS_OF, CONFIG, llm_mode="on", client=client_for(fake))
    assert len(fake.message_posts()) == 5 + 2  # the first request sent three times
    assert (
        result.usage.errors == 0 and {(f.kind, f.ref) for f in result.findings} == expected_pairs()
    )


def test_a_request_that_fails_falls_back_to_the_local_heuristic_for_its_rows(con, tmp_path):
    build(con, tmp_path)
    answer = oracle(CachingUsage())

    def reply(body):
        if "project PR-B" in body["messages"][0]["content"][1]["text"]:
            return 400, {}, error_body("invalid_request_error")
        return answer(body)

    with FakeAnthropic(reply) as fake:
        result = judge(con, AS_OF, CONFIG, llm_mode="on", client=client_for(fake))
    models = {(f.kind, f.ref): f.model for f in result.findings}
    # PR-B's leakage, scope creep and milestone findings came from the local heuristic
    assert models[("review_leakage", "E-102")] == "local-heuristic-v1"
    assert models[("review_scope_creep", "E-202")] == "local-heuristic-v1"
    assert models[("review_leakage", "E-101")] == "claude-haiku-4-5"
    assert result.usage.errors == 1 and "BadRequestError" in result.usage.failed_chunks[0]
    assert any("the local heuristic reviewed their rows" in n for n in result.notes)


def test_a_rerun_reads_the_answer_cache_and_costs_nothing(con, tmp_path):
    build(con, tmp_path)
    with FakeAnthropic(oracle(CachingUsage())) as fake:
        first = run_review(con, AS_OF, CONFIG, llm_mode="on", client=client_for(fake), now=NOW)
        second = run_review(con, AS_OF, CONFIG, llm_mode="on", client=client_for(fake), now=NOW)
    assert len(fake.message_posts()) == 5
    assert (second.usage.calls, second.usage.cache_hits, second.cost_usd) == (0, 5, Decimal(0))
    assert second.counts == {"new": 0, "updated": 14, "resolved": 0}
    assert {(f.kind, f.ref, f.model) for f in second.findings} == {
        (f.kind, f.ref, f.model) for f in first.findings
    }


def test_cost_counts_cache_writes_once_and_reads_after(con, tmp_path):
    build(con, tmp_path)
    usage = CachingUsage(minimum=1024, output_tokens=100)
    with FakeAnthropic(oracle(usage)) as fake:
        result = judge(con, AS_OF, CONFIG, llm_mode="on", client=client_for(fake))
    bodies = [p["body"] for p in fake.message_posts()]
    per_request = [
        usage._tokens(json.dumps(b["tools"]) + b["system"] + b["messages"][0]["content"][0]["text"])
        for b in bodies
    ]
    prefix = per_request[0]
    assert prefix >= 1024 and set(per_request) == {prefix}
    u = result.usage
    assert (u.cache_creation_input_tokens, u.cache_read_input_tokens) == (prefix, 4 * prefix)
    assert u.output_tokens == 500
    expected = (
        Decimal(u.input_tokens) * Decimal("1.00")
        + Decimal(500) * Decimal("5.00")
        + Decimal(prefix) * Decimal("1.25")
        + Decimal(4 * prefix) * Decimal("0.10")
    ) / Decimal(1_000_000)
    assert result.cost_usd == expected
    assert llm.cost_usd("claude-haiku-4-5", {"input_tokens": 2_000_000}, batch=True) == Decimal(1)


def test_a_prefix_below_the_model_minimum_is_not_cached_and_the_run_says_so(con, tmp_path):
    build(con, tmp_path)
    with FakeAnthropic(oracle(CachingUsage(minimum=4096))) as fake:
        result = judge(con, AS_OF, CONFIG, llm_mode="on", client=client_for(fake))
    assert result.usage.cache_creation_input_tokens == result.usage.cache_read_input_tokens == 0
    assert any("below claude-haiku-4-5's minimum cacheable length" in n for n in result.notes)
