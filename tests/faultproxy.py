"""A loopback HTTP proxy that injects faults, and a tiny OpenAI/LibreTranslate look-alike.

:class:`FaultProxy` forwards every request to an upstream server (a real llama.cpp or
LibreTranslate in ``make test-intranet``, :class:`FakeUpstream` in the fast unit tests)
unless the next scripted fault says otherwise:

``"pass"``       forward as is;
``"stall"``      wait ``stall_s`` seconds (longer than the client's timeout), then forward;
``"500"``        answer 500 (any status code: ``"503"``, ``"502"``...);
``"429"``        answer 429 with ``Retry-After: 1``;
``"malformed"``  answer 200 with a body that is not JSON;
``"cut"``        forward, but close the connection halfway through the upstream answer;
``"redirect"``   answer 302 to ``redirect_to`` (a host the client must not follow to).

``"FAULT@TEXT"`` waits for a request whose path contains TEXT.
A refused connection needs no proxy: a port where nothing listens (:func:`dead_port`).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def dead_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, cancel) breaks the pipe: expected here."""


class _Base:
    """Start/stop a ThreadingHTTPServer on 127.0.0.1 in a thread."""

    handler: type[BaseHTTPRequestHandler]

    def __init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), self.handler)
        self.server.owner = self  # type: ignore[attr-defined]
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> _Base:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        proxy: FaultProxy = self.server.owner  # type: ignore[attr-defined]
        body = self._body()
        fault = proxy.next_fault(self.command, self.path)
        if fault == "429":
            return self._answer(429, b'{"error": "slow down"}',
                                {"Content-Type": "application/json", "Retry-After": "1"})
        if fault.isdigit():
            return self._answer(int(fault), b'{"error": "injected failure"}',
                                {"Content-Type": "application/json"})
        if fault == "malformed":
            return self._answer(200, b'{"choices": [{"message": ', {"Content-Type":
                                                                    "application/json"})
        if fault == "redirect":
            return self._answer(302, b"", {"Location": proxy.redirect_to + self.path})
        if fault == "stall":
            time.sleep(proxy.stall_s)
        self._forward(proxy, body, cut=fault == "cut")

    def _forward(self, proxy: FaultProxy, body: bytes, cut: bool) -> None:
        upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=600)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        try:
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
        except ConnectionRefusedError:  # upstream down: what a reverse proxy answers
            return self._answer(502, b'{"error": "upstream refused the connection"}',
                                {"Content-Type": "application/json"})
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_HEADERS:
                self.send_header(key, value)
        length = answer.getheader("content-length")
        if length is not None:
            self.send_header("Content-Length", length)
        self.send_header("Connection", "close")  # else: close-delimited body
        self.end_headers()
        sent = 0
        limit = (int(length) // 2 if length else proxy.cut_after) if cut else None
        while True:
            chunk = answer.read1(4096) if hasattr(answer, "read1") else answer.read(4096)
            if not chunk:
                break
            if limit is not None and sent + len(chunk) >= limit:
                self.wfile.write(chunk[:max(0, limit - sent)])
                self.wfile.flush()
                break
            self.wfile.write(chunk)
            self.wfile.flush()
            sent += len(chunk)
        upstream.close()
        self.close_connection = True
        if cut:
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = _handle


class FaultProxy(_Base):
    handler = _ProxyHandler

    def __init__(self, upstream_port: int, faults: list[str] | None = None,
                 stall_s: float = 2.0, redirect_to: str = "http://intranet-evil.example:8080",
                 cut_after: int = 600) -> None:
        super().__init__()
        self.upstream_port = upstream_port
        self.faults: deque[str] = deque(faults or [])
        self.stall_s = stall_s
        self.redirect_to = redirect_to
        self.cut_after = cut_after
        self.seen: list[tuple[str, str, str]] = []  # (method, path, fault)
        self._lock = threading.Lock()

    def next_fault(self, method: str, path: str) -> str:
        """The first scripted fault for this path (``"cut@chat"`` only hits a path that
        contains ``chat``; a bare fault hits the next request)."""
        with self._lock:
            fault = "pass"
            for entry in self.faults:
                name, _, where = entry.partition("@")
                if where in path:
                    self.faults.remove(entry)
                    fault = name
                    break
            self.seen.append((method, path, fault))
            return fault

    def script(self, *faults: str) -> None:
        with self._lock:
            self.faults.extend(faults)


# --- a tiny upstream for the fast unit tests -------------------------------------------------

class _FakeHandler(BaseHTTPRequestHandler):
    """OpenAI chat completions that echo, LibreTranslate that upper-cases."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, status: int, data: Any) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        fake: FakeUpstream = self.server.owner  # type: ignore[attr-defined]
        if self.path == "/v1/models":
            return self._json(200, {"data": [{"id": "fake-llm"}]})
        if self.path == "/languages":
            return self._json(200, [{"code": "fr", "targets": ["en", "fr"]},
                                    {"code": "en", "targets": ["en"]}])
        if self.path == "/spec":
            return self._json(200, {"info": {"version": "0.0-fake"}})
        if self.path == "/version":
            return self._json(200, {"version": fake.version})
        return self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        fake: FakeUpstream = self.server.owner  # type: ignore[attr-defined]
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        with fake.lock:
            fake.requests.append((self.path, body, dict(self.headers)))
        if self.path == "/translate":
            if body.get("api_key") != fake.key:
                return self._json(403, {"error": "Invalid API key"})
            if any("POISON" in q for q in body["q"]):
                return self._json(500, {"error": "the model crashed on this input"})
            return self._json(200, {"translatedText": [f"EN[{q}]" for q in body["q"]]})
        if self.path != "/v1/chat/completions":
            return self._json(404, {"error": "not found"})
        if self.headers.get("authorization") != f"Bearer {fake.key}":
            return self._json(401, {"error": {"message": "Invalid API Key"}})
        answer = "Answer to: " + body["messages"][-1]["content"][:40]
        if not body.get("stream"):
            with fake.lock:
                fake.inflight += 1
                fake.max_inflight = max(fake.max_inflight, fake.inflight)
            time.sleep(fake.answer_delay)
            with fake.lock:
                fake.inflight -= 1
            return self._json(200, {"model": "fake-llm", "choices": [
                {"message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}]})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for word in answer.split(" ") + ["more"] * fake.extra_words:
                event = {"model": "fake-llm", "choices": [{"delta": {"content": word + " "}}]}
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
                time.sleep(fake.token_delay)
        except (BrokenPipeError, ConnectionResetError):
            with fake.lock:
                fake.disconnects += 1  # the client closed the stream (cancel)
            self.close_connection = True
            return
        done = {"model": "fake-llm", "choices": [{"delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
        self.close_connection = True


class FakeUpstream(_Base):
    handler = _FakeHandler

    def __init__(self, key: str = "sk-test", token_delay: float = 0.0,
                 extra_words: int = 0) -> None:
        super().__init__()
        self.extra_words = extra_words
        self.key = key
        self.token_delay = token_delay
        self.version = "fake-1"
        self.requests: list[tuple[str, Any, dict[str, str]]] = []
        self.disconnects = 0
        self.answer_delay = 0.0  # seconds per non-streamed answer
        self.inflight = self.max_inflight = 0
        self.lock = threading.Lock()
