"""HTTP to one intranet server: TLS verified, retries with backoff, no redirects, no proxy.

* TLS verification is always on: the system's trusted CAs, or the server's
  ``ca_bundle``.  A certificate failure is a :class:`CertificateProblem` that says what
  to configure, and is never retried.
* Transient failures (refused or reset connection, timeout, 429, 500, 502, 503, 504,
  malformed JSON) are retried ``retries`` times with exponential backoff and jitter;
  ``Retry-After`` (seconds or HTTP date) is respected, capped at ``max_backoff``.
* A redirect is never followed (:class:`RedirectRefused`): documents go to the declared
  server only.  The environment's proxies and ``.netrc`` are ignored (``trust_env=False``).
* After a server stayed unreachable through all retries, further requests fail at once
  for a short cool-down, so that a job over a dead server lists its blocks as failed
  quickly instead of retrying each one.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from engines.errors import Cancelled
from engines.remote.config import ServerConfig
from engines.remote.errors import (
    CertificateProblem,
    RedirectRefused,
    ServerAuthError,
    ServerProtocolError,
    ServerRejected,
    ServerUnavailable,
)

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_SLOTS: dict[tuple[str, str], threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()
COOL_DOWN = 10.0  # seconds a server that stayed unreachable is not asked again
USER_AGENT = "Passerelle (offline document translation; intranet engine)"


class _Transient(Exception):
    """One failed attempt that may succeed when retried."""

    def __init__(self, reason: str, retry_after: float | None = None,
                 unreachable: bool = False, malformed: bool = False) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.malformed = malformed


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    failures: int = 0
    last_latency: float = 0.0  # seconds, last successful request


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date; None when absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def ssl_context(server: ServerConfig) -> ssl.SSLContext:
    """Verification on: the system's CAs, plus the server's CA bundle when given."""
    context = ssl.create_default_context()
    if server.ca_bundle:
        try:
            context.load_verify_locations(cafile=server.ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise CertificateProblem(
                f"Server '{server.name}': cannot load the CA bundle {server.ca_bundle} "
                f"({exc}).", server.name) from exc
    return context


def _certificate_error(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def server_slots(server: ServerConfig) -> threading.BoundedSemaphore:
    """One semaphore per server for the whole process: however many documents and
    engines use a server at once, at most ``max_concurrency`` requests are in flight."""
    key = (server.name, server.url)
    with _SLOTS_LOCK:
        if key not in _SLOTS:
            _SLOTS[key] = threading.BoundedSemaphore(server.max_concurrency)
        return _SLOTS[key]


class ServerClient:
    """Requests to one declared server.  Thread-safe; requests in flight to the server
    are bounded by :func:`server_slots`."""

    def __init__(self, server: ServerConfig, bearer: bool = True,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] | None = None, bounded: bool = True) -> None:
        self.server = server
        self.stats = ClientStats()
        self._sleep = sleep
        # A state check (bounded=False) must not wait behind the running jobs' requests.
        self._slots = server_slots(server) if bounded else contextlib.nullcontext()
        self._down_until = 0.0
        self._lock = threading.Lock()
        key = server.api_key()
        self.api_key = key
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if bearer and key:
            headers["Authorization"] = f"Bearer {key}"
        self._client = httpx.Client(
            base_url=server.url + "/", headers=headers, follow_redirects=False,
            verify=ssl_context(server) if server.url.startswith("https") else True,
            timeout=httpx.Timeout(server.timeout, connect=server.connect_timeout),
            limits=httpx.Limits(max_connections=server.max_concurrency + 2,
                                max_keepalive_connections=server.max_concurrency + 2),
            trust_env=False, transport=transport,
        )

    # -- public ------------------------------------------------------------------------
    def get_json(self, path: str, cancel: threading.Event | None = None) -> Any:
        return self.request_json("GET", path, None, cancel)

    def request_json(self, method: str, path: str, body: Any = None,
                     cancel: threading.Event | None = None) -> Any:
        """The decoded JSON answer, retried as described in the module docstring."""

        def attempt() -> Any:
            with self._slots:
                started = time.monotonic()
                response = self._send(method, path, body)
                return decode(response, started)

        def decode(response: httpx.Response, started: float) -> Any:
            try:
                data = response.json()
            except (ValueError, UnicodeDecodeError) as exc:
                raise _Transient(f"malformed JSON in the answer ({exc})",
                                 malformed=True) from exc
            self.stats.last_latency = time.monotonic() - started
            return data

        return self._with_retries(attempt, f"{method} {path}", cancel)

    @contextlib.contextmanager
    def stream(self, path: str, body: Any, cancel: threading.Event | None = None
               ) -> Iterator[httpx.Response]:
        """A streamed POST whose status was checked (connection phase retried).

        Leaving the ``with`` block closes the connection, which is how a cancelled
        generation stops on the server.
        """
        def attempt() -> httpx.Response:
            request = self._client.build_request("POST", path, json=body,
                                                 headers={"Accept": "text/event-stream"})
            try:
                response = self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise self._classify(exc) from exc
            try:
                self._check(response, read_body=True)
            except BaseException:
                response.close()
                raise
            return response

        with self._slots:  # held while the answer streams
            response = self._with_retries(attempt, f"POST {path} (stream)", cancel)
            try:
                yield response
            finally:
                response.close()

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``attempt`` (1-based): Retry-After, else
        exponential with equal jitter; both capped at ``max_backoff``."""
        cap = self.server.max_backoff
        if retry_after is not None:
            return min(cap, retry_after)
        base = min(cap, self.server.backoff * (2 ** (attempt - 1)))
        return base / 2 + random.uniform(0, base / 2)

    def wait(self, seconds: float, cancel: threading.Event | None) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        elif cancel is not None:
            if cancel.wait(seconds):
                raise Cancelled()
        else:
            time.sleep(seconds)

    def close(self) -> None:
        self._client.close()

    @property
    def where(self) -> str:
        return f"'{self.server.name}' ({self.server.url})"

    # -- internals ------------------------------------------------------------------------
    def _send(self, method: str, path: str, body: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise self._classify(exc) from exc
        self._check(response)
        return response

    def _classify(self, exc: httpx.HTTPError) -> Exception:
        cert = _certificate_error(exc)
        if cert is not None:
            reason = getattr(cert, "verify_message", "") or getattr(cert, "reason", "") or cert
            return CertificateProblem(
                f"Server {self.where}: its TLS certificate cannot be verified ({reason}). "
                "Ask IT for the unit's CA certificate and set ca_bundle for this server; "
                "verification is never switched off.", self.server.name)
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return _Transient(f"cannot connect ({exc or type(exc).__name__})", unreachable=True)
        if isinstance(exc, httpx.TimeoutException):
            return _Transient(f"no answer within {self.server.timeout:g} s")
        if isinstance(exc, httpx.TransportError):
            return _Transient(f"connection lost ({exc or type(exc).__name__})")
        return exc

    def _check(self, response: httpx.Response, read_body: bool = False) -> None:
        status = response.status_code
        if status < 300:
            return
        if read_body:
            response.read()
        if 300 <= status < 400:
            raise RedirectRefused(
                f"Server {self.where} redirected to {response.headers.get('location', '?')}; "
                "redirects are never followed (documents go to the declared server only). "
                "Fix the server's URL in the servers file.", self.server.name)
        detail = _error_detail(response)
        if status in (401, 403):
            raise ServerAuthError(f"Server {self.where} refused the API key ({status}"
                                  f"{': ' + detail if detail else ''}).", self.server.name)
        if status in RETRY_STATUS:
            raise _Transient(f"HTTP {status}{': ' + detail if detail else ''}",
                             retry_after_seconds(response.headers.get("retry-after")))
        raise ServerRejected(f"Server {self.where} rejected the request (HTTP {status}"
                             f"{': ' + detail if detail else ''}).", self.server.name)

    def _with_retries(self, attempt: Callable[[], Any], what: str,
                      cancel: threading.Event | None) -> Any:
        if time.monotonic() < self._down_until:
            raise ServerUnavailable(f"Server {self.where} is unreachable (it did not answer "
                                    "moments ago); try again later.", self.server.name)
        tries = self.server.retries + 1
        last: _Transient | None = None
        for number in range(1, tries + 1):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            self.stats.requests += 1
            try:
                result = attempt()
            except _Transient as exc:
                last = exc
                if number == tries:
                    break
                delay = self.backoff(number, exc.retry_after)
                self.stats.retries += 1
                log.warning("Server %s: %s failed (%s); retry %d/%d in %.1f s", self.where,
                            what, exc, number, tries - 1, delay)
                self.wait(delay, cancel)
                continue
            with self._lock:
                self._down_until = 0.0
            return result
        self.stats.failures += 1
        if last is not None and last.unreachable:
            with self._lock:
                self._down_until = time.monotonic() + min(COOL_DOWN, self.server.max_backoff)
        if last is not None and last.malformed:
            raise ServerProtocolError(f"Server {self.where}: {last} after {tries} attempts.",
                                      self.server.name)
        raise ServerUnavailable(f"Server {self.where} did not answer {what} after {tries} "
                                f"attempts: {last}.", self.server.name)


def is_transport_error(exc: BaseException) -> bool:
    """A connection-level failure while reading a streamed answer (a cut stream)."""
    return isinstance(exc, httpx.TransportError)


def _error_detail(response: httpx.Response) -> str:
    """The server's own error message, short (JSON ``error``/``message``/``detail``)."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        return response.text[:160].strip()
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if value:
                return str(value)[:160]
    return ""


def sse_events(lines: Iterator[str]) -> Iterator[str]:
    """The ``data`` payloads of a server-sent event stream (multi-line data joined).

    An event is complete at its blank line; one left unfinished when the stream ends (a
    cut connection) is discarded, as the SSE specification says."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue  # comment / keep-alive
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)


def decode_event(payload: str, where: str, server: str) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise ServerProtocolError(f"Server {where} sent a malformed stream event "
                                  f"({payload[:80]!r}).", server) from exc
    if not isinstance(event, dict):
        raise ServerProtocolError(f"Server {where} sent an unexpected stream event.", server)
    return event
