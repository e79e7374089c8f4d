"""LibreTranslate as a :class:`~engines.translate.base.Translator`.

Sentences go to ``/translate`` as ``q`` arrays (``format=text``), ``batch_size`` per
request and up to ``max_concurrency`` requests in flight, so that a server with N
workers stays busy.  Results stream back as batches complete (an
:class:`~engines.translate.batch.Unordered` engine), so the translation memory records
them as they come and an interrupted job resumes from there.  ``/languages`` says which
pairs the server offers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from engines.errors import Cancelled
from engines.remote.config import ServerConfig
from engines.remote.errors import ServerProtocolError
from engines.remote.http import ServerClient
from engines.translate.base import EngineInfo
from engines.translate.batch import Indexed, Unordered

log = logging.getLogger(__name__)


class LibreTranslateTranslator(Unordered):
    """Sentence-level translation on a LibreTranslate server."""

    def __init__(self, server: ServerConfig, client: ServerClient | None = None) -> None:
        self.server = server
        self.client = client or ServerClient(server, bearer=False)
        self._languages: dict[str, set[str]] | None = None
        self._version: str | None = None

    # -- what the server offers -----------------------------------------------------------
    def languages(self) -> dict[str, set[str]]:
        """``{source: {targets}}`` from ``/languages`` (asked once)."""
        if self._languages is None:
            data = self.client.get_json("languages")
            if not isinstance(data, list):
                raise ServerProtocolError(f"Server {self.client.where}: /languages is not a "
                                          "list.", self.server.name)
            self._languages = {
                str(item["code"]): {str(t) for t in item.get("targets", []) if t != item["code"]}
                for item in data if isinstance(item, dict) and item.get("code")
            }
        return self._languages

    def supports(self, src: str, tgt: str) -> bool:
        return tgt in self.languages().get(src, set())

    def version(self) -> str:
        """The server's version from its API description (``/spec``); "" if not given."""
        if self._version is None:
            try:
                spec = self.client.get_json("spec")
                self._version = str(spec.get("info", {}).get("version", "")) \
                    if isinstance(spec, dict) else ""
            except Exception as exc:  # provenance is best effort; translation is not
                log.info("Server %s gives no version: %s", self.client.where, exc)
                self._version = ""
        return self._version

    def describe(self) -> None:
        """Ask what the server offers and its version (once): the engine's provenance."""
        self.languages()
        self.version()

    @property
    def info(self) -> EngineInfo:
        """Stable for the engine's life (the translation memory keys on it)."""
        self.describe()
        offered = ",".join(f"{s}-{t}" for s, targets in sorted(self.languages().items())
                           for t in sorted(targets))
        return EngineInfo(
            "libretranslate", model_id=self.server.name, version=self._version or "",
            extra={"server": self.server.name, "url": self.server.url,
                   "server_kind": "libretranslate", "server_version": self._version or "",
                   "model_reported": f"Argos models {offered}"})

    # -- translation -------------------------------------------------------------------------
    def _translate(self, texts: list[str], src: str, tgt: str,
                   cancel: threading.Event | None) -> list[str]:
        body: dict[str, Any] = {"q": texts, "source": src, "target": tgt, "format": "text"}
        if self.client.api_key:
            body["api_key"] = self.client.api_key
        data = self.client.request_json("POST", "translate", body, cancel)
        out = data.get("translatedText") if isinstance(data, dict) else None
        if not isinstance(out, list) or len(out) != len(texts) \
                or not all(isinstance(t, str) for t in out):
            raise ServerProtocolError(
                f"Server {self.client.where} answered {len(out) if isinstance(out, list) else 0}"
                f" translations for {len(texts)} sentences.", self.server.name)
        return out

    def translate_unordered(self, texts: Sequence[str], src: str, tgt: str,
                            cancel: threading.Event | None = None) -> Iterator[Indexed]:
        if not texts:
            return
        size = self.server.batch_size
        batches = [(start, list(texts[start:start + size])) for start in range(0, len(texts), size)]
        pending = iter(batches)
        inflight: dict[Future[list[str]], int] = {}
        workers = self.server.max_concurrency
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="libretranslate") as pool:
            try:
                while True:
                    while len(inflight) < workers:
                        nxt = next(pending, None)
                        if nxt is None:
                            break
                        if cancel is not None and cancel.is_set():
                            raise Cancelled()
                        inflight[pool.submit(self._translate, nxt[1], src, tgt, cancel)] = nxt[0]
                    if not inflight:
                        return
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for future in done:
                        start = inflight.pop(future)
                        for offset, text in enumerate(future.result()):
                            yield start + offset, text
            finally:
                for future in inflight:
                    future.cancel()

    def close(self) -> None:
        self.client.close()
