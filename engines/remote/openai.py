"""An OpenAI-compatible chat-completions server as an LLM (vLLM, llama.cpp, Ollama, ...).

:class:`OpenAIEngine` offers what :class:`~engines.llm.generator.LLMEngine` offers
(the :class:`~engines.llm.backend.LLMBackend` protocol), so summaries, key facts and LLM
translation use it unchanged:

* :meth:`~OpenAIEngine.stream` reads server-sent events; leaving the generator (cancel)
  closes the connection, which stops the generation on the server.  A stream cut before
  its end is requested again (greedy decoding with a fixed seed gives the same text);
  what was already emitted is not emitted twice.
* :meth:`~OpenAIEngine.generate_many` sends up to ``max_concurrency`` requests at once, so
  a server with that many parallel slots is kept busy.
* Token counts are *estimated* (:class:`EstimateTokenizer`, an over-estimate) because the
  OpenAI API has no tokenizer endpoint; chunking for map-reduce stays inside the window.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from engines.errors import Cancelled
from engines.llm.chat import Message
from engines.llm.generator import ContextOverflow, GenerationOptions, LLMInfo, collect
from engines.remote.config import ServerConfig
from engines.remote.errors import ServerProtocolError, ServerUnavailable
from engines.remote.http import (
    ServerClient,
    _Transient,
    decode_event,
    is_transport_error,
    sse_events,
)
from engines.translate.base import EngineInfo
from engines.translate.glossary import Glossary
from engines.translate.llm import LLMTranslator

log = logging.getLogger(__name__)

SEED = 1234  # fixed, with temperature 0, so that a retried request gives the same text
_PIECE = re.compile(r"\d|[^\W\d_]{1,3}|\s+|.", re.S)
_PREFIX_SPACE = re.compile(r"\s+")


class EstimateTokenizer:
    """A reversible over-estimate of BPE token counts: every digit, punctuation mark and
    whitespace run is one token, letters go three by three (real tokenizers put about
    four characters of English or French in a token, and split digits one by one)."""

    bos_token = ""
    eos_token = ""

    def pieces(self, text: str) -> list[str]:
        return _PIECE.findall(text)

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [int.from_bytes(b"\x01" + p.encode("utf-8"), "big") for p in self.pieces(text)]

    def decode(self, ids: Sequence[int]) -> str:
        raw = b"".join(i.to_bytes((i.bit_length() + 7) // 8, "big")[1:] for i in ids)
        return raw.decode("utf-8", "replace")


class OpenAIEngine:
    """Chat completions on one declared server (``kind = "openai"``)."""

    def __init__(self, server: ServerConfig, client: ServerClient | None = None) -> None:
        self.server = server
        self.client = client or ServerClient(server)
        self.tokenizer = EstimateTokenizer()
        self.demo = server.demo
        self._model = server.model
        self._reported = ""  # the "model" field of the last answer
        self._version: str | None = None
        self._context = server.context_length
        self._described = False
        self._listed: list[str] = []
        self.completion_tokens = 0  # as the server counted them (non-streamed answers)
        self._lock = threading.Lock()

    # -- what the server is -------------------------------------------------------------
    def models(self, cancel: threading.Event | None = None) -> list[str]:
        data = self.client.get_json("models", cancel)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ServerProtocolError(f"Server {self.client.where}: /models has no data list.",
                                      self.server.name)
        return [str(m["id"]) for m in items if isinstance(m, dict) and m.get("id")]

    def describe(self) -> None:
        """Ask the model list (and, best effort, version and context) once."""
        with self._lock:
            if self._described:
                return
            models = self.models()
            self._listed = models
            if not self._model:
                if not models:
                    raise ServerUnavailable(f"Server {self.client.where} serves no model.",
                                            self.server.name)
                self._model = models[0]
            self._version, n_ctx = self._server_details()
            if n_ctx:
                self._context = min(self._context, n_ctx)
            self._described = True

    def _server_details(self) -> tuple[str, int]:
        """(version, context) from llama.cpp's ``/props`` or vLLM's ``/version``."""
        root = re.sub(r"/v1$", "", self.server.url)
        for path in (f"{root}/props", f"{root}/version"):
            try:
                data = self.client.get_json(path)
            except Exception:  # not every server has these; provenance is best effort
                continue
            if isinstance(data, dict):
                version = str(data.get("build_info") or data.get("version") or "")
                settings = data.get("default_generation_settings")
                n_ctx = settings.get("n_ctx", 0) if isinstance(settings, dict) else 0
                return version, int(n_ctx or 0)
        return "", 0

    @property
    def model(self) -> str:
        self.describe()
        return self._model

    @property
    def context_length(self) -> int:
        self.describe()
        return self._context

    @property
    def info(self) -> LLMInfo:
        return LLMInfo(model_id=f"{self.server.name}:{self.model}", demo=self.demo,
                       context_length=self.context_length, architecture="openai-server",
                       path=self.server.url)

    def provenance(self) -> dict[str, str]:
        """Server, URL, the model it reported and its version, for reports and the audit.

        Stable for the engine's life (the translation memory keys on it): the model is
        the one the server lists under the requested name; :attr:`answered_model` is
        what the last answer said.
        """
        self.describe()
        reported = self._model if self._model in self._listed else ",".join(self._listed)
        return {"server": self.server.name, "url": self.server.url, "server_kind": "openai",
                "model_requested": self._model, "model_reported": reported,
                "server_version": self._version or ""}

    @property
    def answered_model(self) -> str:
        return self._reported

    # -- tokens ------------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.pieces(text))

    def prompt_tokens(self, messages: Sequence[Message], prefix: str = "") -> list[int]:
        text = "".join(f"<|{m.role}|>\n{m.content}\n" for m in messages) + "<|assistant|>\n"
        return self.tokenizer.encode(text + prefix)

    def budget(self, prompt_len: int, wanted: int) -> int:
        room = self.context_length - prompt_len
        if room < 16:
            raise ContextOverflow(f"The prompt ({prompt_len} tokens, estimated) does not fit "
                                  f"the server model's context ({self.context_length}).")
        return min(wanted, room)

    # -- requests ----------------------------------------------------------------------------
    def _body(self, messages: Sequence[Message], opts: GenerationOptions, prefix: str,
              stream: bool) -> dict[str, Any]:
        chat = [{"role": m.role, "content": m.content} for m in messages]
        if prefix:
            chat.append({"role": "assistant", "content": prefix})  # prefill, where supported
        max_new = self.budget(len(self.prompt_tokens(messages, prefix)), opts.max_new_tokens)
        body: dict[str, Any] = {"model": self.model, "messages": chat, "max_tokens": max_new,
                                "temperature": opts.temperature, "seed": SEED,
                                "stream": stream}
        if opts.repetition_penalty > 1.0:
            body["frequency_penalty"] = round(min(2.0, opts.repetition_penalty - 1.0), 3)
        return body

    def _note_model(self, data: dict[str, Any]) -> None:
        reported = data.get("model")
        if isinstance(reported, str) and reported:
            self._reported = reported

    def _complete(self, messages: Sequence[Message], opts: GenerationOptions,
                  cancel: threading.Event | None) -> str:
        data = self.client.request_json("POST", "chat/completions",
                                        self._body(messages, opts, "", False), cancel)
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise ServerProtocolError(f"Server {self.client.where}: no choices[0].message."
                                      "content in the answer.", self.server.name) from exc
        self._note_model(data)
        usage = data.get("usage") if isinstance(data, dict) else None
        if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
            with self._lock:
                self.completion_tokens += usage["completion_tokens"]
        return str(content or "").strip()

    def _stream_once(self, body: dict[str, Any], cancel: threading.Event | None
                     ) -> Iterator[str]:
        """Text pieces of one streamed request; raises _Transient when cut before the end."""
        finished = False
        try:
            with self.client.stream("chat/completions", body, cancel) as response:
                for payload in sse_events(response.iter_lines()):
                    if cancel is not None and cancel.is_set():
                        raise Cancelled()  # leaving the block closes the connection
                    if payload.strip() == "[DONE]":
                        finished = True
                        break
                    event = decode_event(payload, self.client.where, self.server.name)
                    self._note_model(event)
                    choices = event.get("choices") or [{}]
                    choice = choices[0] if isinstance(choices[0], dict) else {}
                    delta = choice.get("delta") or {}
                    piece = delta.get("content") if isinstance(delta, dict) else None
                    if piece:
                        yield str(piece)
                    if choice.get("finish_reason"):
                        finished = True
        except (ServerProtocolError, _Transient):
            raise
        except Exception as exc:
            if isinstance(exc, Cancelled) or not is_transport_error(exc):
                raise
            raise _Transient(f"stream cut ({exc or type(exc).__name__})") from exc
        if not finished:
            raise _Transient("stream ended before the answer was complete")

    def stream(self, messages: Sequence[Message], options: GenerationOptions | None = None,
               cancel: threading.Event | None = None, prefix: str = "") -> Iterator[str]:
        """Text pieces as the server generates them; a cut stream is requested again."""
        opts = options or GenerationOptions()
        body = self._body(messages, opts, prefix, True)
        emitted = ""
        tries = self.server.retries + 1
        for number in range(1, tries + 1):
            received = ""
            try:
                for piece in self._stream_once(body, cancel):
                    received += piece
                    if len(received) > len(emitted):
                        if not received.startswith(emitted):
                            log.warning("Server %s: the repeated answer differs from the "
                                        "part already shown", self.client.where)
                        new = received[len(emitted):]
                        emitted = received
                        yield new
                return
            except _Transient as exc:
                if number == tries:
                    raise ServerUnavailable(f"Server {self.client.where}: {exc}, "
                                            f"{tries} times.", self.server.name) from exc
                delay = self.client.backoff(number)
                log.warning("Server %s: %s; requesting again (%d/%d) in %.1f s",
                            self.client.where, exc, number, tries - 1, delay)
                self.client.stats.retries += 1
                self.client.wait(delay, cancel)

    def generate(self, messages: Sequence[Message], options: GenerationOptions | None = None,
                 cancel: threading.Event | None = None,
                 on_text: Callable[[str], None] | None = None, prefix: str = "") -> str:
        text = collect(self.stream(messages, options, cancel, prefix), on_text)
        if prefix and _starts_with(text, prefix):
            text = _after(text, prefix)  # the server ignored the prefill and restarted
        return text

    def generate_many(self, prompts: Sequence[Sequence[Message]],
                      options: GenerationOptions | None = None,
                      cancel: threading.Event | None = None,
                      on_done: Callable[[int], None] | None = None) -> list[str]:
        """One request per prompt, ``max_concurrency`` at a time; results in order."""
        opts = options or GenerationOptions()
        results: list[str] = [""] * len(prompts)
        todo = iter(range(len(prompts)))
        inflight: dict[Future[str], int] = {}
        workers = self.server.max_concurrency
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="openai") as pool:
            try:
                while True:
                    while len(inflight) < workers:
                        index = next(todo, None)
                        if index is None:
                            break
                        if cancel is not None and cancel.is_set():
                            raise Cancelled()
                        future = pool.submit(self._complete, prompts[index], opts, cancel)
                        inflight[future] = index
                    if not inflight:
                        return results
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for future in done:
                        index = inflight.pop(future)
                        results[index] = future.result()
                        if on_done is not None:
                            on_done(index)
            finally:
                for future in inflight:
                    future.cancel()

    def close(self) -> None:
        self.client.close()


def _squash(text: str) -> str:
    return _PREFIX_SPACE.sub("", text)


def _starts_with(text: str, prefix: str) -> bool:
    return _squash(text).startswith(_squash(prefix))


def _after(text: str, prefix: str) -> str:
    """``text`` without a leading copy of ``prefix`` (whitespace-insensitive)."""
    want = _squash(prefix)
    seen = 0
    for i, char in enumerate(text):
        if not char.isspace():
            seen += 1
        if seen == len(want):
            return text[i + 1:]
    return ""


class RemoteLLMTranslator(LLMTranslator):
    """LLM translation on a server; provenance names the server, URL, model and version."""

    def __init__(self, engine: OpenAIEngine, glossary: Glossary | None = None) -> None:
        super().__init__(engine, glossary)
        self.remote = engine

    @property
    def info(self) -> EngineInfo:
        extra = self.remote.provenance()
        return EngineInfo("openai", model_id=self.remote.info.model_id,
                          version=extra["server_version"], demo=self.remote.demo, extra=extra)

    def translate_iter(self, texts: Sequence[str], src: str, tgt: str,
                       cancel: threading.Event | None = None, batch_size: int = 0
                       ) -> Iterator[str]:
        size = batch_size or max(4, 2 * self.remote.server.max_concurrency)
        return super().translate_iter(texts, src, tgt, cancel, size)


__all__ = ["EstimateTokenizer", "OpenAIEngine", "RemoteLLMTranslator"]
