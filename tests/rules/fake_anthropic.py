"""A local fake of the Anthropic Messages API (and Message Batches) on 127.0.0.1, in a thread:
it records every request and answers with the documented response shapes, from a script of
replies the test sets."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

MODEL = "claude-haiku-4-5"


def tool_message(answer: dict, usage: dict | None = None) -> dict:
    """A Messages API reply whose only content block is a classify_entry tool call."""
    return {
        "id": "msg_01FAKE",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [
            {"type": "tool_use", "id": "toolu_01FAKE", "name": "classify_entry", "input": answer}
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": usage
        or {
            "input_tokens": 1000,
            "output_tokens": 100,
            "cache_creation_input_tokens": 2000,
            "cache_read_input_tokens": 0,
        },
    }


def error_body(kind: str) -> dict:
    return {"type": "error", "error": {"type": kind, "message": f"fake {kind}"}}


class FakeAnthropic:
    """`replies` is called with each /v1/messages request body and returns (status, headers,
    body): a dict is sent as JSON, a str as is (to send malformed JSON)."""

    def __init__(self, replies: Callable[[dict], tuple[int, dict, dict | str]]):
        self.replies = replies
        self.requests: list[dict] = []  # {"method", "path", "headers", "body"}
        self.batches: dict[str, list] = {}
        self.batches_ended = True  # False: retrieve says in_progress (a backfill still running)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _send(self, status: int, headers: dict, body) -> None:
                data = body if isinstance(body, str) else json.dumps(body)
                self.send_response(status)
                self.send_header("content-type", "application/json")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data.encode())))
                self.end_headers()
                self.wfile.write(data.encode())

            def _record(self, body) -> None:
                fake.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                self._record(body)
                if self.path.startswith("/v1/messages/batches"):
                    self._send(200, {}, fake.create_batch(body))
                elif self.path.startswith("/v1/messages"):
                    self._send(*fake.replies(body))
                else:
                    self._send(404, {}, error_body("not_found_error"))

            def do_GET(self):
                self._record(None)
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) == 5 and parts[4] == "results":
                    lines = "\n".join(json.dumps(r) for r in fake.batches[parts[3]])
                    self._send(200, {"content-type": "application/binary"}, lines)
                elif len(parts) == 4:
                    self._send(200, {}, fake.batch(parts[3], ended=fake.batches_ended))
                else:
                    self._send(404, {}, error_body("not_found_error"))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def batch(self, batch_id: str, ended: bool) -> dict:
        n = len(self.batches.get(batch_id, []))
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else n,
                "succeeded": n if ended else 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "ended_at": "2026-11-22T10:05:00Z" if ended else None,
            "created_at": "2026-11-22T10:00:00Z",
            "expires_at": "2026-11-23T10:00:00Z",
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.base_url}/v1/messages/batches/{batch_id}/results"
            if ended
            else None,
        }

    def create_batch(self, body: dict) -> dict:
        batch_id = f"msgbatch_{len(self.batches) + 1:04d}"
        results = []
        for request in body["requests"]:
            _, _, message = self.replies(request["params"])
            results.append(
                {
                    "custom_id": request["custom_id"],
                    "result": {"type": "succeeded", "message": message},
                }
            )
        self.batches[batch_id] = results
        return self.batch(batch_id, ended=False)

    def message_posts(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == "/v1/messages"]

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class CachingUsage:
    """Usage numbers the way the Messages API reports them with prompt caching: the prompt is
    tools, then system, then the message blocks (the documented cache order); everything up to
    the last block with cache_control is the cached prefix. A prefix of at least `minimum`
    tokens is written on its first request (cache_creation_input_tokens) and read on the next
    ones (cache_read_input_tokens); a shorter one is not cached (both 0). Tokens are
    characters / 4, rounded up: a stand-in for the tokenizer, the same for every run."""

    def __init__(self, minimum: int = 4096, output_tokens: int = 120):
        self.minimum = minimum
        self.output_tokens = output_tokens
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    @staticmethod
    def _tokens(text: str) -> int:
        return -(-len(text) // 4)

    def __call__(self, body: dict) -> dict:
        segments: list[tuple[str, bool]] = [(json.dumps(body.get("tools", [])), False)]
        system = body.get("system", "")
        blocks = system if isinstance(system, list) else [{"text": system}]
        segments += [(b.get("text", ""), "cache_control" in b) for b in blocks]
        for message in body.get("messages", []):
            content = message["content"]
            content = content if isinstance(content, list) else [{"text": content}]
            segments += [(b.get("text", json.dumps(b)), "cache_control" in b) for b in content]
        marks = [i for i, (_, cached) in enumerate(segments) if cached]
        cut = marks[-1] + 1 if marks else 0
        prefix = "".join(text for text, _ in segments[:cut])
        rest = self._tokens("".join(text for text, _ in segments[cut:]))
        usage = {
            "input_tokens": rest,
            "output_tokens": self.output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        size = self._tokens(prefix)
        if cut and size >= self.minimum:
            with self.lock:
                hit = prefix in self.seen
                self.seen.add(prefix)
            usage["cache_read_input_tokens" if hit else "cache_creation_input_tokens"] = size
        else:
            usage["input_tokens"] += size
        return usage


def named_tool_message(name: str, answer: dict, usage: dict, model: str = MODEL) -> dict:
    """A Messages API reply whose only content block is a call of the tool `name`."""
    return {
        "id": "msg_01FAKE",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "tool_use", "id": "toolu_01FAKE", "name": name, "input": answer}],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": usage,
    }
