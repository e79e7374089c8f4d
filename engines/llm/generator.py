"""CTranslate2 ``Generator`` over a converted LLM folder, shaped like faster-whisper.

The constructor loads once; text streams out of :meth:`LLMEngine.stream` token by token;
cancel takes effect within one token step; the context window is never overflowed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.device import resolve
from engines.errors import Cancelled, EngineError, ModelNotFound
from engines.llm.chat import ChatFormatter, Message

log = logging.getLogger(__name__)


class ContextOverflow(EngineError):
    """The prompt does not fit in the model's context window."""


@dataclass(frozen=True)
class GenerationOptions:
    max_new_tokens: int = 512
    temperature: float = 0.0  # 0: greedy, deterministic
    top_k: int = 40
    repetition_penalty: float = 1.1
    no_repeat_ngram_size: int = 0
    min_new_tokens: int = 0  # the end token is suppressed until this many tokens are out


@dataclass(frozen=True)
class LLMInfo:
    model_id: str
    demo: bool
    context_length: int
    architecture: str
    path: str


class LLMEngine:
    """A local instruction-tuned LLM (CTranslate2 int8 on CPU, int8_float16 on GPU)."""

    def __init__(self, model_path: str | Path, device: str = "auto", threads: int = 0,
                 max_context: int | None = None, model_id: str = "", demo: bool | None = None
                 ) -> None:
        import ctranslate2

        from engines.gguf.tokenizer import GGUFTokenizer

        self.path = Path(model_path)
        if not (self.path / "model.bin").is_file():
            raise ModelNotFound(f"No LLM (model.bin) in {self.path}")
        config = json.loads((self.path / "llm_config.json").read_text(encoding="utf-8"))
        self.tokenizer = GGUFTokenizer(self.path)
        self.context_length = int(config.get("context_length") or 2048)
        if max_context:
            self.context_length = min(self.context_length, max_context)
        source = _read_json(self.path / "source_info.json")
        self.info = LLMInfo(
            model_id=model_id or str(source.get("id") or self.path.name),
            demo=bool(source.get("demo", False)) if demo is None else demo,
            context_length=self.context_length,
            architecture=str(config.get("architecture", "?")),
            path=str(self.path),
        )
        self.chat = ChatFormatter(self.tokenizer.chat_template, self.tokenizer.bos_token or "",
                                  self.tokenizer.eos_token or "")
        dev = resolve(device, threads)
        log.info("Loading LLM %s on %s (%s)", self.path, dev.device, dev.compute_type)
        self._model = ctranslate2.Generator(
            str(self.path), device=dev.device,
            compute_type=dev.compute_type if dev.device == "cuda" else "int8",
            intra_threads=dev.intra_threads, inter_threads=1,
        )
        self._lock = threading.Lock()  # one generation at a time per loaded model

    # -- tokens -----------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt_tokens(self, messages: Sequence[Message], prefix: str = "") -> list[str]:
        """The rendered chat prompt; ``prefix`` starts the assistant's answer (e.g. "{")."""
        prompt = self.chat.render(messages) + prefix
        return self.tokenizer.encode_tokens(prompt, add_special_tokens=False)

    def budget(self, prompt_len: int, wanted: int) -> int:
        """New tokens allowed for a prompt of ``prompt_len`` tokens (never past the context)."""
        room = self.context_length - prompt_len
        if room < 16:
            raise ContextOverflow(
                f"The prompt ({prompt_len} tokens) does not fit the model's context "
                f"({self.context_length} tokens)."
            )
        return min(wanted, room)

    def _kwargs(self, opts: GenerationOptions, max_new: int) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_length": max_new,
            "end_token": self.tokenizer.eos_tokens or None,
            "repetition_penalty": opts.repetition_penalty,
        }
        if opts.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = opts.no_repeat_ngram_size
        if opts.min_new_tokens:
            kwargs["min_length"] = min(opts.min_new_tokens, max_new)
        if opts.temperature > 0:
            kwargs.update(sampling_topk=opts.top_k, sampling_temperature=opts.temperature)
        else:
            kwargs["sampling_topk"] = 1
        return kwargs

    # -- generation ---------------------------------------------------------------
    def stream(self, messages: Sequence[Message], options: GenerationOptions | None = None,
               cancel: threading.Event | None = None, prefix: str = "") -> Iterator[str]:
        """Yield text pieces as they are generated; cancel stops within one token."""
        opts = options or GenerationOptions()
        prompt = self.prompt_tokens(messages, prefix)
        max_new = self.budget(len(prompt), opts.max_new_tokens)
        ids: list[int] = []
        emitted = ""
        with self._lock:
            steps = self._model.generate_tokens(prompt, **self._kwargs(opts, max_new))
            try:
                for step in steps:
                    if cancel is not None and cancel.is_set():
                        raise Cancelled()
                    if self.tokenizer.is_eos(step.token_id):
                        break
                    ids.append(step.token_id)
                    text = self.tokenizer.decode(ids)
                    if text.endswith("\ufffd"):  # an incomplete UTF-8 sequence: wait
                        continue
                    if len(text) > len(emitted):
                        yield text[len(emitted):]
                        emitted = text
            finally:
                steps.close()  # stops the decoding loop in CTranslate2

    def generate(self, messages: Sequence[Message], options: GenerationOptions | None = None,
                 cancel: threading.Event | None = None,
                 on_text: Callable[[str], None] | None = None, prefix: str = "") -> str:
        return collect(self.stream(messages, options, cancel, prefix), on_text)

    def generate_many(self, prompts: Sequence[Sequence[Message]],
                      options: GenerationOptions | None = None,
                      cancel: threading.Event | None = None,
                      on_done: Callable[[int], None] | None = None) -> list[str]:
        """Generate for several prompts (the map step of map-reduce), in order.

        Prompts of close lengths share one batch; see :func:`length_groups` for why the
        others do not. ``on_done`` gets each prompt's index in ``prompts``.
        """
        opts = options or GenerationOptions()
        tokens = [self.prompt_tokens(m) for m in prompts]
        max_new = min(self.budget(len(t), opts.max_new_tokens) for t in tokens)
        kwargs = self._kwargs(opts, max_new)
        outputs: list[str] = [""] * len(tokens)
        with self._lock:
            for group in length_groups([len(t) for t in tokens]):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                results = self._model.generate_batch(
                    [tokens[i] for i in group], include_prompt_in_result=False,
                    callback=_step_callback(group, cancel, on_done), **kwargs,
                )
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                for i, result in zip(group, results, strict=True):
                    outputs[i] = self.tokenizer.decode(result.sequences_ids[0]).strip()
        return outputs

    def close(self) -> None:
        self._model.unload_model()


# CTranslate2 decodes a batch from its shortest prompt's length and feeds each longer prompt
# its remaining tokens one decoding step at a time, without calling ``callback``: a 3745-token
# prompt batched with a 709-token one took 100 s instead of a few (2 cores), and a cancel
# could not land in between. Batching pays on short prompts (four of 100 tokens: 3.5 s for
# 8 s one by one) but not on long ones (four of 3000: 89 s for 58 s, 2 cores), so prompts
# only share a batch when their lengths are this close, which also bounds a cancel's delay.
MAX_FORCED_STEPS = 16


def length_groups(lengths: Sequence[int], tolerance: int = MAX_FORCED_STEPS) -> list[list[int]]:
    """Indices of ``lengths``, shortest first, grouped so that no group spans more than
    ``tolerance`` tokens."""
    groups: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if groups and lengths[i] - lengths[groups[-1][0]] <= tolerance:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _step_callback(group: Sequence[int], cancel: threading.Event | None,
                   on_done: Callable[[int], None] | None) -> Callable[[Any], bool]:
    """CTranslate2's per-token callback for one batch: reports each finished prompt by its
    index in the whole call, and stops the batch (returns True) once ``cancel`` is set."""
    finished: set[int] = set()

    def callback(step: Any) -> bool:
        if step.is_last and step.batch_id not in finished:
            finished.add(step.batch_id)
            if on_done is not None:
                on_done(group[step.batch_id])
        return bool(cancel is not None and cancel.is_set())

    return callback


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def collect(pieces: Iterable[str], on_text: Callable[[str], None] | None = None) -> str:
    """The whole text of a stream of pieces, each also handed to ``on_text`` as it comes."""
    parts: list[str] = []
    for piece in pieces:
        parts.append(piece)
        if on_text is not None:
            on_text(piece)
    return "".join(parts).strip()
