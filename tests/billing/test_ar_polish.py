"""The optional LLM polish of a reminder, against a fake Messages API at the HTTP boundary
(httpx2.MockTransport answering in the documented response shape)."""

from __future__ import annotations

import json
from datetime import date

import anthropic
import httpx2

from billing.ar.polish import polish_reminder
from billing.ar.reminders import Reminder

DRAFT = Reminder(
    "I-1",
    "INV-1",
    "CL-1",
    "Acme",
    "ap@acme.example",
    7,
    "polite",
    date(2026, 4, 7),
    "Reminder: invoice INV-1",
    "Invoice INV-1 (1000.00 USD, due 2026-03-31) is still open.",
    [],
    ("1000.00", "2026-03-31"),
)


def _client(answer: dict, seen: list) -> anthropic.Anthropic:
    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return httpx2.Response(
            200,
            json={
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-haiku-4-5",
                "content": [{"type": "text", "text": json.dumps(answer)}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 120, "output_tokens": 60},
            },
        )

    return anthropic.Anthropic(
        api_key="test-key", http_client=httpx2.Client(transport=httpx2.MockTransport(handler))
    )


def test_a_polished_text_that_keeps_the_facts_is_used():
    seen: list = []
    answer = {
        "subject": "A gentle reminder about INV-1",
        "body": "Hello Acme, invoice INV-1 for 1000.00 USD was due on 2026-03-31.",
    }
    out = polish_reminder(_client(answer, seen), "claude-haiku-4-5", DRAFT, ["INV-1", *DRAFT.facts])
    assert (out.subject, out.body) == (answer["subject"], answer["body"])
    assert seen[0]["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert json.loads(seen[0]["messages"][0]["content"])["tone"] == "polite"


def test_a_text_that_loses_a_number_is_not_used():
    answer = {"subject": "Reminder", "body": "Hello Acme, please pay invoice INV-1 soon."}
    out = polish_reminder(_client(answer, []), "claude-haiku-4-5", DRAFT, ["INV-1", *DRAFT.facts])
    assert out == DRAFT
