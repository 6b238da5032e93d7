"""The LLM step against a local fake of the Messages API (tests/rules/fake_anthropic.py): the
request it sends, how it reads answers, retries, bad replies, its response cache, the batch
path and the token and cost accounting of a run."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from rules.classify import llm
from rules.classify.cascade import LlmKeyMissing, run_classify
from rules.classify.config import ClassifyConfig
from tests.rules.classify_firm import build
from tests.rules.fake_anthropic import FakeAnthropic, error_body, tool_message

AS_OF = date(2026, 4, 30)
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
STATUS = "T-4,P-1,2026-04-07,1,,,globex status,,,\n"
ADMIN = "T-3,P-1,2026-04-07,1,,,timesheets,,,\n"
# P-1's candidates on 2026-04-07: the lines of PR-1, PR-2 (history) and the internal PR-9
CANDIDATES = ["S-1-DES", "S-1-DEV", "S-2-DEV", "S-2-PM", "S-9-ADM"]
PM = {
    "project_id": "PR-2",
    "sow_line_id": "S-2-PM",
    "billable": True,
    "work_type": "standard",
    "confidence": 0.9,
    "rationale": "Globex status call",
}
ADMIN_ANSWER = {
    "project_id": "PR-9",
    "sow_line_id": "S-9-ADM",
    "billable": False,
    "work_type": "standard",
    "confidence": 0.8,
    "rationale": "timesheets",
}
# every entry goes to the LLM; retries back off for 10 ms (retry-after-ms)
CONFIG = ClassifyConfig(llm_below=1.01, llm_max_retries=3, llm_batch_poll_seconds=0.01)
FAST_RETRY = {"retry-after-ms": "10"}


def ok(answer: dict = PM):
    return lambda body: (200, {}, tool_message(answer))


def scripted(*replies):
    """Replies in order, the last one repeated."""
    queue = list(replies)
    return lambda body: queue.pop(0) if len(queue) > 1 else queue[0]


def run(con, fake, config=CONFIG, **kw):
    client = llm.make_client("test-key", config, base_url=fake.base_url)
    return run_classify(con, AS_OF, config, llm_mode="on", client=client, now=NOW, **kw)


def by_entry(result) -> dict:
    return {r["entry_id"]: r for r in result.entries.iter_rows(named=True)}


def entry_text(body: dict) -> str:
    """The request's last block: candidates and the entry (not the retrieved examples)."""
    return body["messages"][0]["content"][-1]["text"]


def test_request_carries_model_tool_firm_prefix_examples_and_candidates(con, tmp_path):
    build(con, tmp_path, STATUS)
    with FakeAnthropic(ok()) as fake:
        result = run(con, fake)
    (post,) = fake.message_posts()
    body = post["body"]
    assert post["headers"]["authorization"] == "Bearer test-key"  # how SDK 2.10 sends the key
    assert body["model"] == "claude-haiku-4-5"
    assert body["tools"][0]["name"] == "classify_entry"
    assert set(body["tools"][0]["input_schema"]["required"]) == {
        "project_id",
        "sow_line_id",
        "billable",
        "work_type",
        "confidence",
        "rationale",
    }
    assert body["tool_choice"] == {"type": "tool", "name": "classify_entry"}
    # the cached prefix: every SOW line of the firm (7), with notes written on it
    instructions, firm = body["system"]
    assert "cache_control" not in instructions and firm["cache_control"] == {"type": "ephemeral"}
    assert firm["text"].count('"sow_line_id"') == 7
    assert '"example_notes": ["Globex weekly status call"]' in firm["text"]
    # then P-1's own labelled entries most like "globex status", the candidates and the note
    examples, entry = body["messages"][0]["content"]
    assert "cache_control" not in examples and "cache_control" not in entry
    first = json.loads(examples["text"].splitlines()[1])
    assert (first["notes"], first["sow_line_id"]) == ("Globex weekly status call", "S-2-PM")
    assert len(examples["text"].splitlines()) == 1 + llm.PERSON_EXAMPLES
    ids = json.loads(entry["text"].splitlines()[0].removeprefix("Candidate SOW line ids: "))
    assert ids == CANDIDATES
    assert "globex status" in entry["text"]
    got = by_entry(result)["T-4"]
    assert (got["project_id"], got["sow_line_id"], got["method"], got["confidence"]) == (
        "PR-2",
        "S-2-PM",
        "llm",
        0.9,
    )
    stored = con.execute(
        "SELECT method, model, prompt_version, rationale FROM classify_suggestions "
        "WHERE object_id = 'T-4'"
    ).fetchall()
    assert stored == [("llm", "claude-haiku-4-5", "entry-v2", "Globex status call")]


def test_tokens_and_cost_are_counted_per_run(con, tmp_path):
    build(con, tmp_path, STATUS)
    with FakeAnthropic(ok()) as fake:
        result = run(con, fake)
    s = result.summary
    assert (
        s["llm_calls"],
        s["input_tokens"],
        s["output_tokens"],
        s["cache_creation_input_tokens"],
        s["cache_read_input_tokens"],
    ) == (1, 1000, 100, 2000, 0)
    # 1000 x 1.00 + 100 x 5.00 + 2000 x 1.25 = 4000 USD per million tokens
    assert D(s["cost_usd"]) == D("0.004")


def test_an_id_outside_the_candidates_is_rejected(con, tmp_path):
    build(con, tmp_path, STATUS)
    outside = PM | {"project_id": "PR-3", "sow_line_id": "S-3-DEV"}  # real, not a candidate
    with FakeAnthropic(ok(outside)) as fake:
        result = run(con, fake)
    assert by_entry(result)["T-4"]["method"] != "llm"  # the local suggestion stays
    assert result.summary["llm_errors"] == 1
    rows = con.execute(
        "SELECT kind, status, detail FROM exceptions WHERE ref = 'T-4' ORDER BY kind"
    ).fetchall()
    assert [(k, s) for k, s, _ in rows] == [
        ("classify_failed", "open"),
        ("classify_suggestion", "open"),
    ]
    assert "S-3-DEV" in rows[0][2] and "not a candidate" in rows[0][2]


@pytest.mark.parametrize(("status", "kind"), [(429, "rate_limit_error"), (529, "overloaded_error")])
def test_rate_limits_and_overload_are_retried(con, tmp_path, status, kind):
    build(con, tmp_path, STATUS)
    busy = (status, FAST_RETRY, error_body(kind))
    with FakeAnthropic(scripted(busy, busy, (200, {}, tool_message(PM)))) as fake:
        result = run(con, fake)
    assert len(fake.message_posts()) == 3
    assert by_entry(result)["T-4"]["method"] == "llm"


def test_malformed_json_becomes_an_exception_not_a_crash(con, tmp_path):
    build(con, tmp_path, STATUS + ADMIN)
    replies = {
        "globex": (200, {}, '{"id": "msg_01", "content": [{"type": "tool_use", '),
        "timesheets": (200, {}, tool_message({"project_id": "PR-9"})),
    }
    with FakeAnthropic(
        lambda body: next(v for k, v in replies.items() if k in entry_text(body))
    ) as fake:
        result = run(con, fake)
    assert result.summary["llm_errors"] == 2 and set(result.failures) == {"T-3", "T-4"}
    assert "lacks" in result.failures["T-3"]
    failed = con.execute(
        "SELECT ref FROM exceptions WHERE kind = 'classify_failed' ORDER BY ref"
    ).fetchall()
    assert failed == [("T-3",), ("T-4",)]


def test_the_response_cache_prevents_a_second_call(con, tmp_path):
    build(con, tmp_path, STATUS)
    with FakeAnthropic(ok()) as fake:
        run(con, fake)
        again = run(con, fake)
    assert len(fake.message_posts()) == 1
    s = again.summary
    assert (s["llm_calls"], s["llm_cache_hits"], D(s["cost_usd"])) == (0, 1, D(0))
    assert by_entry(again)["T-4"]["method"] == "llm"


def test_a_large_backfill_goes_to_a_batch_without_blocking_and_a_later_run_reads_it(con, tmp_path):
    build(con, tmp_path, STATUS + ADMIN)
    config = ClassifyConfig(llm_below=1.01, llm_batch_above=1)

    def answer(params):
        return 200, {}, tool_message(ADMIN_ANSWER if "timesheets" in entry_text(params) else PM)

    with FakeAnthropic(answer) as fake:
        fake.batches_ended = False
        first = run(con, fake, config)
        # submitted, not waited for: no GET of the batch, the local suggestions stand
        assert [(r["method"], r["path"]) for r in fake.requests] == [
            ("POST", "/v1/messages/batches")
        ]
        assert not fake.message_posts() and len(fake.batches["msgbatch_0001"]) == 2
        assert all(r["method"] != "llm" for r in by_entry(first).values())
        assert any("sent to Message Batch msgbatch_0001" in n for n in first.notes)
        assert D(first.summary["cost_usd"]) == D(0)
        # still running: the next run neither waits nor sends the same requests again
        running = run(con, fake, config)
        assert sum(r["path"] == "/v1/messages/batches" for r in fake.requests) == 1
        assert all(r["method"] != "llm" for r in by_entry(running).values())
        assert any("2 entr(ies) wait for batch msgbatch_0001" in n for n in running.notes)
        fake.batches_ended = True
        done = run(con, fake, config)
    got = by_entry(done)
    assert (got["T-3"]["sow_line_id"], got["T-4"]["sow_line_id"]) == ("S-9-ADM", "S-2-PM")
    assert got["T-3"]["method"] == got["T-4"]["method"] == "llm"
    # two replies of 1000 in, 100 out, 2000 cache write: 2 x 4000 per million, half price
    assert D(done.summary["cost_usd"]) == D("0.004")
    assert done.summary["llm_cache_hits"] == 2 and done.summary["llm_calls"] == 0
    status = con.execute("SELECT status, succeeded, rejected FROM llm_batches").fetchall()
    assert status == [("collected", 2, 0)]


def test_auto_without_a_key_stops_before_the_llm_and_says_so_once(con, tmp_path):
    build(con, tmp_path, STATUS + ADMIN)
    result = run_classify(con, AS_OF, CONFIG, llm_mode="auto", api_key=None, now=NOW)
    assert len(result.notes) == 1 and "2 entries below 1.01" in result.notes[0]
    assert not result.summary["llm_used"]
    with pytest.raises(LlmKeyMissing):
        run_classify(con, AS_OF, CONFIG, llm_mode="on", api_key=None, now=NOW)


def test_the_key_comes_from_the_environment_or_the_secrets_file(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    secrets = tmp_path / "secrets.toml"
    assert llm.api_key(secrets) is None
    secrets.write_text('ANTHROPIC_API_KEY = "sk-ant-from-file"\n')
    assert llm.api_key(secrets) == "sk-ant-from-file"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    assert llm.api_key(secrets) == "sk-ant-from-env"
