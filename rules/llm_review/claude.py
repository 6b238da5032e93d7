"""The review pass through Claude: one Messages API request per chunk of a project's entries
(or of calendar days), behind a firm-wide prefix — instructions, the forced tool, every client
project's SOW lines and milestones — marked for prompt caching, so every request after the
first reads it from the cache. The answer is the tool's input; every finding is checked
against the ids the request showed (an invented or mismatched id is rejected, never queued).
Answers are kept in llm_cache by their exact request, so a re-run pays nothing."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import anthropic
import duckdb

from core import clock
from rules.classify import llm
from rules.llm_review import kinds
from rules.llm_review.config import ReviewConfig
from rules.llm_review.data import ReviewInput

PROMPT_VERSION = "review-v1"
TOOL_NAME = "record_review_findings"
SYSTEM = """You review the time entries of a professional-services firm for its billing team.
You are shown the firm's client projects with their statement-of-work (SOW) lines and
milestones, then a batch of time entries (free-text notes by many people, in their own words)
or of calendar days. Report only these problems, each with the id it is about:
- leakage (ref: an entry id): the entry is non-billable, or on a no-charge SOW line, but its
  note describes billable client work that a billable SOW line of the project covers. Not
  leakage: internal work, rework of the firm's own mistakes, warranty, work the note says was
  agreed not to be charged.
- scope_creep (ref: an entry id): billable work that none of the project's SOW lines covers
  (a new request, a different deliverable).
- milestone_mismatch (ref: a milestone id): a note claims a milestone's deliverable is done or
  delivered while the milestone is still planned; or a milestone is marked complete/accepted
  and later notes show work on that deliverable still going on.
- under_reporting (ref: a person_day id "PERSON:YYYY-MM-DD"): the calendar or the notes (a
  stated duration, tickets worked) show clearly more work that day than the hours logged.
Quote the words of the note or event that show it as evidence. confidence is your probability
(0 to 1) that a billing manager would agree. Use only ids from the batch; report nothing when
nothing is wrong."""
TOOL = {
    "name": TOOL_NAME,
    "description": "Record the problems found in this batch (an empty list when none).",
    "strict": True,
    "input_schema": {
        "type": "object",
        "properties": {
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": list(kinds.SHORT)},
                        "ref": {"type": "string", "description": "an id shown in the batch"},
                        "evidence": {"type": "string", "description": "the words that show it"},
                        "confidence": {"type": "number"},
                    },
                    "required": ["kind", "ref", "evidence", "confidence"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["findings"],
        "additionalProperties": False,
    },
}


@dataclass(frozen=True)
class Chunk:
    """One request's worth: what it shows and the ids each kind may name."""

    label: str
    rows: list[dict]
    allowed: dict[str, frozenset[str]]  # queue kind -> ids
    facts: dict[str, dict]  # id -> the facts stored as the finding's evidence


@dataclass
class ReviewUsage(llm.LlmUsage):
    rejected: list[str] = field(default_factory=list)
    failed_chunks: list[str] = field(default_factory=list)


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def firm_block(data: ReviewInput) -> str:
    """The cached, firm-wide part: every client project's SOW lines and milestones."""
    lines = ["Client projects: SOW lines (billable or no-charge) and milestones."]
    for s in data.sow_lines:
        lines.append(
            "sow_line "
            + _json(
                {
                    k: s[k]
                    for k in (
                        "sow_line_id",
                        "project_id",
                        "project_name",
                        "client_name",
                        "code",
                        "description",
                        "billable",
                        "phase",
                    )
                }
            )
        )
    for m in data.milestones:
        lines.append("milestone " + _json(m))
    return "\n".join(lines)


def _entry_row(e: dict) -> dict:
    keys = (
        "entry_id",
        "person_id",
        "person",
        "date",
        "hours",
        "day_hours",
        "project_id",
        "sow_line_id",
        "billable",
        "is_internal",
        "notes",
    )
    return {k: e[k] for k in keys}


def chunks(data: ReviewInput, size: int) -> list[Chunk]:
    """Each project's entries in runs of `size` (with its milestones and the person-days of
    those entries allowed), then the calendar days busier than logged in runs of `size`."""
    out: list[Chunk] = []
    by_project: dict[str, list[dict]] = {}
    for e in data.entries:
        by_project.setdefault(e["project_id"], []).append(e)
    for project_id, entries in sorted(by_project.items()):
        milestones = frozenset(m["milestone_id"] for m in data.milestones_of(project_id))
        for start in range(0, len(entries), size):
            part = entries[start : start + size]
            ids = frozenset(e["entry_id"] for e in part)
            days = frozenset(f"{e['person_id']}:{e['date']}" for e in part)
            facts = {e["entry_id"]: {"entry": _entry_row(e)} for e in part}
            facts |= {m["milestone_id"]: {"milestone": m} for m in data.milestones_of(project_id)}
            facts |= {f"{e['person_id']}:{e['date']}": {"entry": _entry_row(e)} for e in part}
            out.append(
                Chunk(
                    f"project {project_id} entries {start + 1}-{start + len(part)}",
                    [{"type": "time_entry", **_entry_row(e)} for e in part],
                    {
                        kinds.LEAKAGE: ids,
                        kinds.SCOPE_CREEP: ids,
                        kinds.MILESTONE_MISMATCH: milestones,
                        kinds.UNDER_REPORTING: days,
                    },
                    facts,
                )
            )
    busy = [d for d in data.days if d["calendar_hours"] > d["logged_hours"]]
    for start in range(0, len(busy), size):
        part = busy[start : start + size]
        refs = {f"{d['person_id']}:{d['day']}": d for d in part}
        out.append(
            Chunk(
                f"calendar days {start + 1}-{start + len(part)}",
                [{"type": "person_day", "person_day": ref, **d} for ref, d in refs.items()],
                {kinds.UNDER_REPORTING: frozenset(refs)},
                {ref: {"day": d} for ref, d in refs.items()},
            )
        )
    return out


def request_params(firm: str, chunk: Chunk, config: ReviewConfig) -> dict:
    """System and tool (static), the firm block (cache breakpoint: the same on every request
    of the run), then the chunk."""
    rows = "\n".join(_json(r) for r in chunk.rows)
    return {
        "model": config.model,
        "max_tokens": config.max_tokens,
        "system": SYSTEM,
        "tools": [TOOL],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": firm, "cache_control": {"type": "ephemeral"}},
                    {
                        "type": "text",
                        "text": f"Batch ({chunk.label}), one JSON object per line:\n{rows}",
                    },
                ],
            }
        ],
    }


def cache_key(params: dict) -> str:
    text = json.dumps({"prompt_version": PROMPT_VERSION, **params}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def validate(answer, chunk: Chunk, model: str, usage: ReviewUsage) -> list[kinds.ReviewFinding]:
    """The tool input's findings whose kind is known, whose ref is an id this chunk showed for
    that kind, with evidence and a numeric confidence; the rest are rejected with the reason."""
    if not isinstance(answer, dict) or not isinstance(answer.get("findings"), list):
        raise llm.AnswerError("the answer has no findings list")
    out = []
    for item in answer["findings"]:
        kind = kinds.SHORT.get(item.get("kind")) if isinstance(item, dict) else None
        ref = item.get("ref") if isinstance(item, dict) else None
        confidence = item.get("confidence") if isinstance(item, dict) else None
        evidence = item.get("evidence") if isinstance(item, dict) else None
        if kind is None:
            usage.rejected.append(f"{chunk.label}: unknown kind in {item!r}")
        elif ref not in chunk.allowed.get(kind, ()):
            usage.rejected.append(
                f"{chunk.label}: {item.get('kind')} names {ref!r}, not an id "
                "of the batch for that kind"
            )
        elif isinstance(confidence, bool) or not isinstance(confidence, int | float):
            usage.rejected.append(f"{chunk.label}: {ref}: confidence is not a number")
        elif not isinstance(evidence, str) or not evidence.strip():
            usage.rejected.append(f"{chunk.label}: {ref}: no evidence")
        else:
            facts = chunk.facts.get(ref, {})
            out.append(_finding(kind, ref, evidence.strip(), float(confidence), model, facts))
    return out


def _finding(
    kind: str, ref: str, quote: str, confidence: float, model: str, facts: dict
) -> kinds.ReviewFinding:
    entry = facts.get("entry") or {}
    milestone = facts.get("milestone") or {}
    day = facts.get("day") or {}
    project = entry.get("project_id") or milestone.get("project_id")
    when = entry.get("date") or day.get("day") or milestone.get("done_on")
    evidence = {"quote": quote, **json.loads(_json(facts))}
    return kinds.ReviewFinding(
        kind,
        ref,
        f"{kinds.PLAIN[kind]}: {ref}: {quote}",
        min(max(confidence, 0.0), 1.0),
        model,
        evidence,
        project_id=project,
        period=str(when)[:7] if when else None,
    )


def _cached(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, dict]:
    if not keys:
        return {}
    rows = con.execute(
        "SELECT cache_key, response FROM llm_cache WHERE list_contains(?, cache_key)", [keys]
    ).fetchall()
    return {key: json.loads(text) for key, text in rows}


def store_answers(
    con: duckdb.DuckDBPyConnection, answers: list[tuple[str, str, dict, object]]
) -> None:
    """Caches new answers (key, model, tool input, usage); the caller holds the write turn."""
    for key, model, answer, usage in answers:
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
    try:
        return client.messages.create(**params), None
    except (anthropic.APIError, ValueError, TypeError) as err:
        return None, f"{type(err).__name__}: {err}"


def review(
    con: duckdb.DuckDBPyConnection,
    client: anthropic.Anthropic,
    data: ReviewInput,
    config: ReviewConfig,
    usage: ReviewUsage,
):
    """(findings, chunks the API could not answer, answers to cache). Reads llm_cache through
    `con` and writes nothing: the caller stores the answers in its write turn."""
    firm = firm_block(data)
    todo_chunks = chunks(data, config.chunk_entries)
    params = [request_params(firm, c, config) for c in todo_chunks]
    keys = [cache_key(p) for p in params]
    cached = _cached(con, keys)
    fresh = [
        (c, p, k) for c, p, k in zip(todo_chunks, params, keys, strict=True) if k not in cached
    ]
    with ThreadPoolExecutor(max_workers=max(1, config.concurrency)) as pool:
        replies = list(pool.map(lambda t: _call(client, t[1]), fresh))
    found: list[kinds.ReviewFinding] = []
    failed: list[Chunk] = []
    new_answers = []
    for chunk, key in zip(todo_chunks, keys, strict=True):
        if key in cached:
            usage.cache_hits += 1
            found += validate(cached[key]["answer"], chunk, cached[key]["model"], usage)
    for (chunk, _, key), (message, error) in zip(fresh, replies, strict=True):
        usage.calls += 1
        if message is not None:
            usage.add(getattr(message, "usage", None))
        try:
            if error:
                raise llm.AnswerError(error)
            answer = _tool_input(message)
            model = getattr(message, "model", None) or config.model
            found += validate(answer, chunk, model, usage)
        except llm.AnswerError as err:
            usage.errors += 1
            usage.failed_chunks.append(f"{chunk.label}: {err}")
            failed.append(chunk)
            continue
        new_answers.append((key, model, {"answer": answer, "model": model}, message.usage))
    return found, failed, new_answers


def _tool_input(message) -> dict:
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "tool_use" and block.name == TOOL_NAME:
            return block.input
    raise llm.AnswerError(f"the reply has no {TOOL_NAME} tool call")


def prefix_tokens(data: ReviewInput) -> int:
    """The estimated size of the cached prefix (system, tool and firm block)."""
    return llm.estimate_tokens(SYSTEM + json.dumps(TOOL) + firm_block(data))
