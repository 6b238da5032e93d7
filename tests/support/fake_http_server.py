"""A real local HTTP server (127.0.0.1, a free port, a thread of the test) in front of a fake
accounting API of tests/support/fake_accounting.py, so a command line run as a subprocess talks
to it over TCP exactly as it would to QuickBooks or Xero.

`stall`: path endings whose next N requests are served (the work done, the answer computed)
but answered only after `stall_seconds`, longer than the client's SYNC_HTTP_TIMEOUT: the
client times out and retries, as after a lost response in the wild."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx

HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


class FakeHttpServer:
    def __init__(self, fake: Any, stall: dict[str, int] | None = None, stall_seconds: float = 4.0):
        self.fake, self.stall, self.stall_seconds = fake, dict(stall or {}), stall_seconds
        self.lock = threading.Lock()
        self.stalled = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _serve(self) -> None:
                server.serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _stalls(self, path: str) -> bool:
        with self.lock:
            for ending, left in self.stall.items():
                if left and path.endswith(ending):
                    self.stall[ending] = left - 1
                    self.stalled += 1
                    return True
        return False

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = httpx.Request(
            handler.command,
            self.url + handler.path,
            headers=[(k, v) for k, v in handler.headers.items() if k.lower() != "host"],
            content=body,
        )
        with self.lock:
            response = self.fake.handle(request)
        if self._stalls(request.url.path):
            time.sleep(self.stall_seconds)  # done, but answered after the client gave up
        content = response.content
        try:
            handler.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(content)))
            handler.end_headers()
            handler.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass
