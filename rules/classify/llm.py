"""The LLM step: one Messages API call per entry the local cascade routes to it (`route`),
behind a firm-wide prefix marked for prompt caching — instructions, then every SOW line of the
catalog with labelled example notes from the approved history, grown until it is long enough
for the model to cache it — so every request after the first reads it at a tenth of the input
price. After the prefix: the person's own labelled entries most like the note (retrieved by
shared words), the entry's candidate line ids and the note. The answer is a forced tool call;
ids are checked against the candidates, answers cached by their exact input, tokens and cost
counted at PRICES. A backfill larger than `llm_batch_above` goes to the Message Batches API
(half price) without waiting: the run keeps the local suggestions, and a later run reads the
ended batch into the answer cache (`collect_batches`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import anthropic
import duckdb
import polars as pl

from core import clock

# USD per million tokens, from the Anthropic pricing page
# (https://platform.claude.com/docs/en/about-claude/pricing), read on PRICES_AS_OF. "cache_write"
# is the 5-minute cache write (1.25 x input), "cache_read" a cache hit (0.1 x input); the
# Message Batches API bills every count at BATCH_DISCOUNT of these.
PRICES_AS_OF = "2026-12-05"
PRICES: dict[str, dict[str, Decimal]] = {
    "claude-haiku-4-5": {
        "input": Decimal("1.00"),
        "output": Decimal("5.00"),
        "cache_write": Decimal("1.25"),
        "cache_read": Decimal("0.10"),
    },
    "claude-sonnet-4-5": {
        "input": Decimal("3.00"),
        "output": Decimal("15.00"),
        "cache_write": Decimal("3.75"),
        "cache_read": Decimal("0.30"),
    },
    "claude-opus-4-5": {
        "input": Decimal("5.00"),
        "output": Decimal("25.00"),
        "cache_write": Decimal("6.25"),
        "cache_read": Decimal("0.50"),
    },
}
BATCH_DISCOUNT = Decimal("0.5")
# the shortest prefix each model caches (prompt-caching docs); a shorter one is billed in full
# and both cache counters stay 0, silently
MIN_CACHEABLE_TOKENS = {
    "claude-haiku-4-5": 4096,
    "claude-sonnet-4-5": 1024,
    "claude-opus-4-5": 4096,
}
CHARS_PER_TOKEN = 4  # a rough English-text estimate, for sizing only (the API counts exactly)
USAGE_FIELDS = {
    "input_tokens": "input",
    "output_tokens": "output",
    "cache_creation_input_tokens": "cache_write",
    "cache_read_input_tokens": "cache_read",
}


def price_of(model: str) -> dict[str, Decimal]:
    """The model's prices; a dated id (claude-haiku-4-5-20251001) uses its alias's row."""
    for name in sorted(PRICES, key=len, reverse=True):
        if model == name or model.startswith(name + "-"):
            return PRICES[name]
    raise ValueError(f"no price for model {model!r}: add it to rules/classify/llm.py PRICES")


def cost_usd(model: str, tokens: dict[str, int], *, batch: bool = False) -> Decimal:
    """Exact USD for token counts (the API usage field names) at the published prices."""
    price = price_of(model)
    total = sum(
        (Decimal(tokens.get(name, 0) or 0) * price[key] for name, key in USAGE_FIELDS.items()),
        Decimal(0),
    )
    return total / Decimal(1_000_000) * (BATCH_DISCOUNT if batch else 1)


def estimate_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def cacheable(model: str, prefix_tokens: int) -> bool:
    """Whether a prefix of this many tokens is long enough for the model to cache it."""
    for name, minimum in MIN_CACHEABLE_TOKENS.items():
        if model == name or model.startswith(name + "-"):
            return prefix_tokens >= minimum
    return prefix_tokens >= max(MIN_CACHEABLE_TOKENS.values())


PROMPT_VERSION = "entry-v2"
SECRETS_PATH = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml"
TOOL_NAME = "classify_entry"
SYSTEM = (
    "You classify time entries of a professional-services firm. The firm's SOW lines follow, "
    "each with notes people wrote on it before. For one entry you get the person's own past "
    "entries most like its note, the ids of the SOW lines the person could have worked on that "
    "day, and the note. Choose the one SOW line the note is about. Answer only with ids from the "
    "candidate list. Internal work (admin, sales, training, bench) belongs to the internal "
    "projects. work_type is 'rush' only for urgent, out-of-hours or escalated work. confidence "
    "is your probability (0 to 1) that the SOW line is right; keep it low when the note names "
    "no project and the person's habit does not settle it."
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
# the cascade's methods that never go to the LLM: the SOW line's own defaults, and entries
# with no candidate at all (nothing to choose from)
NOT_ROUTED = ("sow_line_defaults", "no_candidates")
EXAMPLES_PER_LINE = (3, 12)  # firm prefix: labelled notes per SOW line, from .. up to
PERSON_EXAMPLES = 6  # the person's own entries shown per request
HISTORY_DAYS = 180  # how far back labelled examples are taken
HISTORY_SQL = """
SELECT e.entry_id, e.person_id, e.date, coalesce(e.notes, '') AS notes, e.project_id,
       e.sow_line_id, coalesce(e.billable, s.billable, true) AS billable
FROM effective_time_entries e
JOIN sow_lines s ON s.sow_line_id = e.sow_line_id AND s.project_id = e.project_id
WHERE e.approved_at IS NOT NULL AND e.date < $before AND e.date >= $since
  AND nullif(trim(e.notes), '') IS NOT NULL
ORDER BY e.date DESC, e.entry_id
"""
CATALOG_SQL = """
SELECT s.sow_line_id, s.project_id, p.name AS project, c.name AS client,
       coalesce(s.description, '') AS description,
       coalesce(s.billable, true) AND NOT (p.client_id IS NULL
           OR coalesce(c.status, '') = 'internal') AS billable
FROM sow_lines s JOIN projects p ON p.project_id = s.project_id
LEFT JOIN clients c ON c.client_id = p.client_id
ORDER BY s.sow_line_id
"""
PERSON_OF_SQL = "SELECT entry_id, person_id FROM time_entries WHERE list_contains(?, entry_id)"
WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class LlmItem:
    """One entry to ask about: its id, what the model is shown, and the allowed ids."""

    entry_id: str
    entry: dict  # notes, date, hours, person role
    candidates: list[dict]  # project_id, project, client, sow_line_id, description, billable


@dataclass(frozen=True)
class FirmContext:
    """What every request of a run shares (the cached prefix) and what is looked up per entry."""

    prefix: str
    examples: dict[str, list[dict]]  # person_id -> labelled entries, newest first
    person_of: dict[str, str]  # entry_id -> person_id
    per_line: int = 0  # labelled notes per SOW line in the prefix

    def tokens(self) -> int:
        return estimate_tokens(SYSTEM + json.dumps(TOOL) + self.prefix)


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
    batches_submitted: list[str] = field(default_factory=list)
    batches_pending: list[str] = field(default_factory=list)
    batch_answers: int = 0  # answers read back from ended batches into the cache
    waiting: int = 0  # entries whose answer is in a batch not yet ended
    prefix_tokens: int = 0

    def add(self, usage, *, batch: bool = False) -> None:
        counts = {
            name: getattr(usage, name, None) or 0
            for name in (
                "input_tokens",
                "output_tokens",
                "cache_creation_input_tokens",
                "cache_read_input_tokens",
            )
        }
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + value)
            if batch:
                self.batch_tokens[name] = self.batch_tokens.get(name, 0) + value

    def tokens(self) -> dict[str, int]:
        return {
            name: getattr(self, name)
            for name in (
                "input_tokens",
                "output_tokens",
                "cache_creation_input_tokens",
                "cache_read_input_tokens",
            )
        }


class AnswerError(ValueError):
    """The model's answer is malformed or names an id outside the candidates."""


def route(local: pl.DataFrame, config) -> pl.DataFrame:
    """The entries the local model cannot decide, with the reason (`route`): below the
    `llm_below` confidence, or marked undecided by the cascade (an `undecided` column: e.g. no
    calibration). Entries on a SOW line's defaults or without candidates are never routed."""
    undecided = pl.col("undecided") if "undecided" in local.columns else pl.lit(False)
    return (
        local.filter(~pl.col("method").is_in(NOT_ROUTED))
        .with_columns(
            route=pl.when(undecided.fill_null(False))
            .then(pl.lit("undecided"))
            .when(pl.col("confidence") < config.llm_below)
            .then(pl.lit("below_threshold"))
        )
        .filter(pl.col("route").is_not_null())
    )


def _words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if len(w) > 2}


def _rows(con, sql: str, params) -> list[dict]:
    result = con.execute(sql, params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _catalog_lines(catalog: list[dict], by_line: dict[str, list[str]], k: int) -> str:
    lines = ["The firm's SOW lines (one JSON object per line) with notes written on them:"]
    for c in catalog:
        notes = by_line.get(c["sow_line_id"], [])[:k]
        lines.append(json.dumps({**c, "example_notes": notes}, sort_keys=True, default=str))
    return "\n".join(lines)


def firm_context(con: duckdb.DuckDBPyConnection, items: list[LlmItem], model: str) -> FirmContext:
    """The prefix (every SOW line with up to EXAMPLES_PER_LINE[1] distinct recent notes each,
    as few as make it cacheable for `model`) and each person's labelled entries, from the
    approved history of the HISTORY_DAYS before the newest entry asked about."""
    newest = max((date.fromisoformat(str(i.entry["date"])[:10]) for i in items), default=None)
    before = (newest or date.max - timedelta(days=1)) + timedelta(days=1)
    history = _rows(
        con, HISTORY_SQL, {"before": before, "since": before - timedelta(days=HISTORY_DAYS)}
    )
    by_line: dict[str, list[str]] = {}
    examples: dict[str, list[dict]] = {}
    for h in history:
        notes = by_line.setdefault(h["sow_line_id"], [])
        if h["notes"] not in notes:
            notes.append(h["notes"])
        examples.setdefault(h["person_id"], []).append(h)
    catalog = _rows(con, CATALOG_SQL, [])
    low, high = EXAMPLES_PER_LINE
    for k in range(low, high + 1):
        prefix = _catalog_lines(catalog, by_line, k)
        # 10% over the minimum: characters / 4 is only an estimate of the model's count
        if cacheable(model, int(estimate_tokens(SYSTEM + json.dumps(TOOL) + prefix) / 1.1)):
            break
    person_of = dict(con.execute(PERSON_OF_SQL, [[i.entry_id for i in items]]).fetchall())
    return FirmContext(prefix, examples, person_of, k)


def retrieve(history: list[dict], note: str, k: int = PERSON_EXAMPLES) -> list[dict]:
    """The person's `k` labelled entries sharing most words with the note (newest first among
    equals); with no word in common, their most recent entries (their habit)."""
    words = _words(note)
    scored = sorted(enumerate(history), key=lambda t: (-len(words & _words(t[1]["notes"])), t[0]))
    return [
        {
            "notes": h["notes"],
            "sow_line_id": h["sow_line_id"],
            "project_id": h["project_id"],
            "billable": h["billable"],
            "date": str(h["date"]),
        }
        for _, h in scored[:k]
    ]


def request_params(
    item: LlmItem, model: str, max_tokens: int, firm: FirmContext | None = None
) -> dict:
    """The Messages API request: the system text and the firm prefix (cache breakpoint: the
    same bytes on every request of the run), then the person's retrieved examples, the
    candidate ids and the entry. Without a firm context (tests of the parts), the candidates
    themselves stand in for the prefix."""
    prefix = firm.prefix if firm else context_block(item.candidates)
    person = firm.person_of.get(item.entry_id) if firm else None
    shown = retrieve(firm.examples.get(person, []), item.entry.get("notes") or "") if firm else []
    ids = [c["sow_line_id"] for c in item.candidates]
    return {
        "model": model,
        "max_tokens": max_tokens,
        "system": [
            {"type": "text", "text": SYSTEM},
            {"type": "text", "text": prefix, "cache_control": {"type": "ephemeral"}},
        ],
        "tools": [TOOL],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "text",
                        "text": "This person's labelled entries most like the "
                        "note:\n" + "\n".join(json.dumps(e, sort_keys=True) for e in shown),
                    },
                    {
                        "type": "text",
                        "text": "Candidate SOW line ids: "
                        + json.dumps(ids)
                        + "\nCandidates:\n"
                        + "\n".join(
                            json.dumps(c, sort_keys=True, default=str) for c in item.candidates
                        )
                        + "\nTime entry:\n"
                        + json.dumps(item.entry, sort_keys=True, default=str),
                    },
                ],
            }
        ],
    }


def context_block(candidates: list[dict]) -> str:
    lines = [json.dumps(c, sort_keys=True, default=str) for c in candidates]
    return "Candidate SOW lines (one JSON object per line):\n" + "\n".join(lines)


def cache_key(params: dict) -> str:
    text = json.dumps({"prompt_version": PROMPT_VERSION, **params}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def validate(answer, item: LlmItem) -> dict:
    """The tool input checked: every field present and typed, the SOW line one of the
    candidates and the project its project."""
    return _checked(answer, item.candidates)


def _checked(answer, candidates: list[dict]) -> dict:
    if not isinstance(answer, dict):
        raise AnswerError("the answer is not a JSON object")
    missing = [k for k in TOOL["input_schema"]["required"] if k not in answer]
    if missing:
        raise AnswerError(f"the answer lacks {missing}")
    lines = {c["sow_line_id"]: c["project_id"] for c in candidates}
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


def _store(con, key: str, model: str, answer: dict, usage) -> None:
    con.execute(
        "INSERT OR REPLACE INTO llm_cache VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            key,
            model,
            PROMPT_VERSION,
            json.dumps(answer),
            getattr(usage, "input_tokens", 0) or 0,
            getattr(usage, "output_tokens", 0) or 0,
            clock.now(),
        ],
    ).fetchall()


def _call(client: anthropic.Anthropic, params: dict):
    """One request; the SDK retries 429, 529 and 5xx with exponential backoff (max_retries)."""
    try:
        return client.messages.create(**params), None
    except (anthropic.APIError, ValueError, TypeError) as err:  # malformed replies included
        return None, f"{type(err).__name__}: {err}"


def submit_batch(con, client: anthropic.Anthropic, todo: list[tuple], model: str) -> str:
    """Sends (item, params, key) requests as one Message Batch and records it; returns at once."""
    batch = client.messages.batches.create(
        requests=[{"custom_id": f"e{i}", "params": p} for i, (_, p, _) in enumerate(todo)]
    )
    requests = [
        {
            "custom_id": f"e{i}",
            "cache_key": key,
            "entry_id": item.entry_id,
            "candidates": item.candidates,
        }
        for i, (item, _, key) in enumerate(todo)
    ]
    con.execute(
        "INSERT INTO llm_batches (batch_id, submitted_at, model, prompt_version, requests, status) "
        "VALUES (?, ?, ?, ?, ?, 'submitted')",
        [batch.id, clock.now(), model, PROMPT_VERSION, json.dumps(requests, default=str)],
    ).fetchall()
    return batch.id


def collect_batches(con, client: anthropic.Anthropic, usage: LlmUsage) -> set[str]:
    """Reads every ended batch of this prompt version into llm_cache (answers checked against
    their entry's candidates, tokens counted at the batch rate) and marks it collected; returns
    the cache keys still waiting in batches that have not ended."""
    waiting: set[str] = set()
    pending = con.execute(
        "SELECT batch_id, model, requests FROM llm_batches WHERE status = 'submitted' "
        "AND prompt_version = ? ORDER BY submitted_at, batch_id",
        [PROMPT_VERSION],
    ).fetchall()
    for batch_id, model, text in pending:
        requests = {r["custom_id"]: r for r in json.loads(text)}
        batch = client.messages.batches.retrieve(batch_id)
        if batch.processing_status != "ended":
            usage.batches_pending.append(batch_id)
            waiting |= {r["cache_key"] for r in requests.values()}
            continue
        good = bad = 0
        for row in client.messages.batches.results(batch_id):
            request = requests.get(row.custom_id)
            if request is None:
                continue
            if row.result.type != "succeeded":
                bad += 1
                continue
            message = row.result.message
            usage.add(getattr(message, "usage", None), batch=True)
            try:
                answer = _checked(tool_input(message), request["candidates"])
            except AnswerError:
                bad += 1
                continue
            _store(con, request["cache_key"], model, answer, message.usage)
            good += 1
        con.execute(
            "UPDATE llm_batches SET status = 'collected', collected_at = ?, succeeded = ?, "
            "rejected = ? WHERE batch_id = ?",
            [clock.now(), good, bad, batch_id],
        ).fetchall()
        usage.batch_answers += good
    return waiting


def batch_notes(usage: LlmUsage, model: str) -> list[str]:
    """What a run says about its batches and its prefix (the CLI prints them on stderr)."""
    notes = []
    if usage.batches_submitted:
        notes.append(
            f"{usage.waiting} entr(ies) sent to Message Batch "
            f"{', '.join(usage.batches_submitted)} (half price); they keep the local "
            "suggestion until a later run reads the answers"
        )
    elif usage.waiting:
        notes.append(
            f"{usage.waiting} entr(ies) wait for batch "
            f"{', '.join(usage.batches_pending)}, still running"
        )
    if usage.batch_answers:
        notes.append(f"{usage.batch_answers} answer(s) read from ended batches")
    if usage.calls and usage.prefix_tokens and not cacheable(model, usage.prefix_tokens):
        notes.append(
            f"the firm-wide prefix (~{usage.prefix_tokens} tokens) is below {model}'s "
            "minimum cacheable length: every request pays it in full"
        )
    return notes


def classify(
    con: duckdb.DuckDBPyConnection,
    client: anthropic.Anthropic,
    items: list[LlmItem],
    config,
    usage: LlmUsage,
) -> tuple[dict[str, dict], dict[str, str]]:
    """Answers (entry_id -> validated tool input) and failures (entry_id -> reason). Ended
    batches are read first; cached answers cost nothing; new valid answers are cached. Above
    `llm_batch_above` new requests go out as one batch and this run does not wait for it (the
    entries keep their local suggestion; `usage.batches_submitted`). Nothing here raises for
    one bad reply."""
    waiting = collect_batches(con, client, usage)
    firm = firm_context(con, items, config.llm_model) if items else None
    usage.prefix_tokens = firm.tokens() if firm else 0
    params = [request_params(i, config.llm_model, config.llm_max_tokens, firm) for i in items]
    keys = [cache_key(p) for p in params]
    cached = _cached(con, keys)
    answers: dict[str, dict] = {}
    failures: dict[str, str] = {}
    todo = []
    for item, p, key in zip(items, params, keys, strict=True):
        if key in cached:
            usage.cache_hits += 1
            answers[item.entry_id] = {**cached[key], "cached": True}
        elif key in waiting:
            usage.waiting += 1
        else:
            todo.append((item, p, key))
    if len(todo) > config.llm_batch_above:
        usage.batches_submitted.append(submit_batch(con, client, todo, config.llm_model))
        usage.waiting += len(todo)
        return answers, failures
    with ThreadPoolExecutor(max_workers=max(1, config.llm_concurrency)) as pool:
        replies = list(pool.map(lambda t: _call(client, t[1]), todo))
    for (item, p, key), (message, error) in zip(todo, replies, strict=True):
        usage.calls += 1
        if message is not None:
            usage.add(getattr(message, "usage", None))
        try:
            if error:
                raise AnswerError(error)
            answer = validate(tool_input(message), item)
        except AnswerError as err:
            usage.errors += 1
            failures[item.entry_id] = str(err)
            continue
        _store(con, key, p["model"], answer, getattr(message, "usage", None))
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
