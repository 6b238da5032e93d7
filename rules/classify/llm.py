"""The LLM step: one Messages API call per entry the local cascade was unsure of, with the
entry's candidate projects and SOW lines as a cached context block and a forced tool for the
answer; ids are checked against the candidates, answers cached by their exact input, tokens
and cost counted, and the Message Batches API used for a large backfill."""

from __future__ import annotations

import hashlib
import json
import os
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import anthropic
import duckdb

from etl import clock

# USD per million tokens, from the Anthropic pricing page
# (https://platform.claude.com/docs/en/about-claude/pricing), read on PRICES_AS_OF. "cache_write"
# is the 5-minute cache write (1.25 x input), "cache_read" a cache hit (0.1 x input); the
# Message Batches API bills every count at BATCH_DISCOUNT of these.
PRICES_AS_OF = "2026-12-05"
PRICES: dict[str, dict[str, Decimal]] = {
    "claude-haiku-4-5": {"input": Decimal("1.00"), "output": Decimal("5.00"),
                         "cache_write": Decimal("1.25"), "cache_read": Decimal("0.10")},
    "claude-sonnet-4-5": {"input": Decimal("3.00"), "output": Decimal("15.00"),
                          "cache_write": Decimal("3.75"), "cache_read": Decimal("0.30")},
    "claude-opus-4-5": {"input": Decimal("5.00"), "output": Decimal("25.00"),
                        "cache_write": Decimal("6.25"), "cache_read": Decimal("0.50")},
}  # fmt: skip
BATCH_DISCOUNT = Decimal("0.5")
# the shortest prefix each model caches (prompt-caching docs); a shorter one is billed in full
# and both cache counters stay 0, silently
MIN_CACHEABLE_TOKENS = {"claude-haiku-4-5": 4096, "claude-sonnet-4-5": 1024,
                        "claude-opus-4-5": 4096}  # fmt: skip
CHARS_PER_TOKEN = 4  # a rough English-text estimate, for sizing only (the API counts exactly)
USAGE_FIELDS = {"input_tokens": "input", "output_tokens": "output",
                "cache_creation_input_tokens": "cache_write",
                "cache_read_input_tokens": "cache_read"}  # fmt: skip


def price_of(model: str) -> dict[str, Decimal]:
    """The model's prices; a dated id (claude-haiku-4-5-20251001) uses its alias's row."""
    for name in sorted(PRICES, key=len, reverse=True):
        if model == name or model.startswith(name + "-"):
            return PRICES[name]
    raise ValueError(f"no price for model {model!r}: add it to rules/classify/llm.py PRICES")


def cost_usd(model: str, tokens: dict[str, int], *, batch: bool = False) -> Decimal:
    """Exact USD for token counts (the API usage field names) at the published prices."""
    price = price_of(model)
    total = sum((Decimal(tokens.get(name, 0) or 0) * price[key]
                 for name, key in USAGE_FIELDS.items()), Decimal(0))  # fmt: skip
    return total / Decimal(1_000_000) * (BATCH_DISCOUNT if batch else 1)


def estimate_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def cacheable(model: str, prefix_tokens: int) -> bool:
    """Whether a prefix of this many tokens is long enough for the model to cache it."""
    for name, minimum in MIN_CACHEABLE_TOKENS.items():
        if model == name or model.startswith(name + "-"):
            return prefix_tokens >= minimum
    return prefix_tokens >= max(MIN_CACHEABLE_TOKENS.values())


PROMPT_VERSION = "entry-v1"
SECRETS_PATH = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml"
TOOL_NAME = "classify_entry"
SYSTEM = (
    "You classify time entries of a professional-services firm. Given the projects and SOW "
    "lines a person could have worked on that day and the person's free-text note, choose the "
    "one SOW line the note is about. Answer only with ids from the candidate list. Internal work "
    "(admin, sales, training, bench) belongs to the internal projects. work_type is 'rush' only "
    "for urgent, out-of-hours or escalated work. confidence is your probability (0 to 1) that "
    "the SOW line is right; keep it low when the note names no project."
)
TOOL = {
    "name": TOOL_NAME,
    "description": "Record the classification of the time entry.",
    "strict": True,
    "input_schema": {
        "type": "object",
        "properties": {
            "project_id": {"type": "string", "description": "a candidate project id"},
            "sow_line_id": {"type": "string", "description": "a candidate SOW line id"},
            "billable": {"type": "boolean"},
            "work_type": {"type": "string", "enum": ["standard", "rush"]},
            "confidence": {"type": "number"},
            "rationale": {"type": "string", "description": "one short sentence"},
        },
        "required": [
            "project_id",
            "sow_line_id",
            "billable",
            "work_type",
            "confidence",
            "rationale",
        ],
        "additionalProperties": False,
    },
}


@dataclass(frozen=True)
class LlmItem:
    """One entry to ask about: its id, what the model is shown, and the allowed ids."""

    entry_id: str
    entry: dict  # notes, date, hours, person role
    candidates: list[dict]  # project_id, project, client, sow_line_id, description, billable


@dataclass
class LlmUsage:
    calls: int = 0
    cache_hits: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    batch_tokens: dict = field(default_factory=dict)  # token counts billed at the batch rate

    def add(self, usage, *, batch: bool = False) -> None:
        counts = {
            name: getattr(usage, name, None) or 0
            for name in ("input_tokens", "output_tokens", "cache_creation_input_tokens",
                         "cache_read_input_tokens")
        }  # fmt: skip
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + value)
            if batch:
                self.batch_tokens[name] = self.batch_tokens.get(name, 0) + value

    def tokens(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in (
            "input_tokens", "output_tokens", "cache_creation_input_tokens",
            "cache_read_input_tokens")}  # fmt: skip


class AnswerError(ValueError):
    """The model's answer is malformed or names an id outside the candidates."""


def context_block(candidates: list[dict]) -> str:
    lines = [json.dumps(c, sort_keys=True, default=str) for c in candidates]
    return "Candidate SOW lines (one JSON object per line):\n" + "\n".join(lines)


def request_params(item: LlmItem, model: str, max_tokens: int) -> dict:
    """The Messages API request: static system and tool, then the candidates (marked for
    prompt caching: entries of the same person and period share them), then the entry."""
    return {
        "model": model,
        "max_tokens": max_tokens,
        "system": SYSTEM,
        "tools": [TOOL],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": context_block(item.candidates),
                     "cache_control": {"type": "ephemeral"}},
                    {"type": "text", "text": "Time entry:\n"
                     + json.dumps(item.entry, sort_keys=True, default=str)},
                ],
            }
        ],
    }  # fmt: skip


def cache_key(params: dict) -> str:
    text = json.dumps({"prompt_version": PROMPT_VERSION, **params}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def validate(answer, item: LlmItem) -> dict:
    """The tool input checked: every field present and typed, the SOW line one of the
    candidates and the project its project."""
    if not isinstance(answer, dict):
        raise AnswerError("the answer is not a JSON object")
    missing = [k for k in TOOL["input_schema"]["required"] if k not in answer]
    if missing:
        raise AnswerError(f"the answer lacks {missing}")
    lines = {c["sow_line_id"]: c["project_id"] for c in item.candidates}
    if answer["sow_line_id"] not in lines:
        raise AnswerError(f"SOW line {answer['sow_line_id']!r} is not a candidate")
    if lines[answer["sow_line_id"]] != answer["project_id"]:
        raise AnswerError(
            f"project {answer['project_id']!r} does not own {answer['sow_line_id']!r}"
        )
    confidence = answer["confidence"]
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise AnswerError("confidence is not a number")
    if not isinstance(answer["billable"], bool) or answer["work_type"] not in ("standard", "rush"):
        raise AnswerError("billable or work_type has a wrong value")
    return {**answer, "confidence": min(max(float(confidence), 0.0), 1.0)}


def tool_input(message) -> dict:
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "tool_use" and block.name == TOOL_NAME:
            return block.input
    raise AnswerError("the reply has no classify_entry tool call")


def _cached(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, dict]:
    if not keys:
        return {}
    rows = con.execute(
        "SELECT cache_key, response FROM llm_cache WHERE list_contains(?, cache_key)", [keys]
    ).fetchall()
    return {key: json.loads(response) for key, response in rows}


def _store(con, key: str, params: dict, answer: dict, usage) -> None:
    con.execute(
        "INSERT OR REPLACE INTO llm_cache VALUES (?, ?, ?, ?, ?, ?, ?)",
        [key, params["model"], PROMPT_VERSION, json.dumps(answer),
         getattr(usage, "input_tokens", 0) or 0, getattr(usage, "output_tokens", 0) or 0,
         clock.now()],
    ).fetchall()  # fmt: skip


def _call(client: anthropic.Anthropic, params: dict):
    """One request; the SDK retries 429, 529 and 5xx with exponential backoff (max_retries)."""
    try:
        return client.messages.create(**params), None
    except (anthropic.APIError, ValueError, TypeError) as err:  # malformed replies included
        return None, f"{type(err).__name__}: {err}"


def _batch(client: anthropic.Anthropic, params: list[dict], poll: float) -> list[tuple]:
    """All requests as one Message Batch (half price, results within 24 h); waits for it."""
    batch = client.messages.batches.create(
        requests=[{"custom_id": f"e{i}", "params": p} for i, p in enumerate(params)]
    )
    while batch.processing_status != "ended":
        time.sleep(poll)
        batch = client.messages.batches.retrieve(batch.id)
    out: list[tuple] = [(None, "no result in the batch")] * len(params)
    for row in client.messages.batches.results(batch.id):
        i = int(row.custom_id[1:])
        if row.result.type == "succeeded":
            out[i] = (row.result.message, None)
        else:
            out[i] = (None, f"batch request {row.result.type}")
    return out


def classify(
    con: duckdb.DuckDBPyConnection,
    client: anthropic.Anthropic,
    items: list[LlmItem],
    config,
    usage: LlmUsage,
) -> tuple[dict[str, dict], dict[str, str]]:
    """Answers (entry_id -> validated tool input) and failures (entry_id -> reason). Cached
    answers cost nothing; new valid answers are cached. Nothing here raises for one bad reply."""
    params = [request_params(i, config.llm_model, config.llm_max_tokens) for i in items]
    keys = [cache_key(p) for p in params]
    cached = _cached(con, keys)
    answers: dict[str, dict] = {}
    failures: dict[str, str] = {}
    todo = []
    for item, p, key in zip(items, params, keys, strict=True):
        if key in cached:
            usage.cache_hits += 1
            answers[item.entry_id] = {**cached[key], "cached": True}
        else:
            todo.append((item, p, key))
    batch = len(todo) > config.llm_batch_above
    if batch:
        replies = _batch(client, [p for _, p, _ in todo], config.llm_batch_poll_seconds)
    else:
        with ThreadPoolExecutor(max_workers=max(1, config.llm_concurrency)) as pool:
            replies = list(pool.map(lambda t: _call(client, t[1]), todo))
    for (item, p, key), (message, error) in zip(todo, replies, strict=True):
        usage.calls += 1
        if message is not None:
            usage.add(getattr(message, "usage", None), batch=batch)
        try:
            if error:
                raise AnswerError(error)
            answer = validate(tool_input(message), item)
        except AnswerError as err:
            usage.errors += 1
            failures[item.entry_id] = str(err)
            continue
        _store(con, key, p, answer, getattr(message, "usage", None))
        answers[item.entry_id] = {**answer, "cached": False}
    return answers, failures


def api_key(secrets_path=None) -> str | None:
    """ANTHROPIC_API_KEY from the environment, else from .streamlit/secrets.toml (top-level
    ANTHROPIC_API_KEY or [anthropic] api_key); None when neither has one."""
    if key := os.environ.get("ANTHROPIC_API_KEY", "").strip():
        return key
    path = Path(secrets_path) if secrets_path else SECRETS_PATH
    try:
        secrets = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return None
    key = secrets.get("ANTHROPIC_API_KEY") or (secrets.get("anthropic") or {}).get("api_key")
    return str(key).strip() or None if key else None


def make_client(key: str, config, *, base_url: str | None = None, http_client=None):
    """The SDK client: retries (429, 529, 5xx with exponential backoff) from the config."""
    return anthropic.Anthropic(
        api_key=key, base_url=base_url, max_retries=config.llm_max_retries, http_client=http_client
    )
