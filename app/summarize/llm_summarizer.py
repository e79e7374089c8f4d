"""Map-reduce summarization with a local LLM.

Short documents are summarized in one streamed pass.  Longer ones are chunked along
block and section boundaries; chunks are summarized in batches (the map step, in
parallel inside CTranslate2) and the partial summaries are combined (reduce, repeated
while they do not fit).  No prompt ever exceeds the model's context window.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.document import BlockKind, Document, Locator, Run
from app.summarize.chunking import Chunk, chunk_document
from app.summarize.extractive import collect, select_outline
from app.summarize.keyfacts import KeyFactsError, key_facts_prompt, parse_key_facts
from app.summarize.types import SummaryOptions, language_name
from engines.llm import ContextOverflow, GenerationOptions, Message
from engines.llm.backend import LLMBackend

log = logging.getLogger(__name__)

MIN_CHUNK_TOKENS = 64
MAP_BATCH = 4
MAX_MAP_CHUNKS = 4  # longer documents are condensed to this many map prompts (one batch)


@dataclass
class MapReduceTrace:
    chunks: int = 0
    reduce_rounds: int = 0
    prompt_tokens: list[int] = field(default_factory=list)
    condensed: tuple[int, int] | None = None  # (chunks of the whole text, sentences kept)


def condense(doc: Document, budget: int, count: Callable[[str], int]) -> Document:
    """The document's most representative sentences, about ``budget`` tokens, under their
    headings and in document order (section-aware extractive ranking)."""
    outline = collect(doc)
    if not outline.sentences:
        return doc
    total = sum(count(s.text) for s in outline.sentences)
    wanted = max(1, len(outline.sentences) * budget // max(1, total))
    picked = select_outline(outline, wanted)
    titles = {i: s.title for i, s in enumerate(outline.sections)}
    out = Document(doc.meta, target_language=doc.target_language)
    heading: str | None = None
    for s in picked:
        top = titles.get(s.section)
        title = f"{top} › {s.heading}" if top and s.heading and s.heading != top else (
            top or s.heading)
        if title and title != heading:
            out.add_block(BlockKind.HEADING, [Run(title)], Locator("condensed"), level=1)
            heading = title
        out.add_block(BlockKind.PARAGRAPH, [Run(s.text)], Locator("condensed"))
    return out


def _instructions(opts: SummaryOptions, partial: bool) -> str:
    lang = language_name(opts.lang)
    shape = "as bullet points" if opts.style == "bullets" else "as prose"
    size = {"brief": "in 2-3 sentences", "standard": "in one paragraph",
            "detailed": "in several paragraphs"}[opts.length]
    what = "this part of a longer report" if partial else "this report"
    structure = ("" if partial else " Where the text is split under '##' section titles, "
                 "cover each section in order.")
    return (f"Summarize {what} in {lang}, {size}, {shape}. Keep every number, date, name, "
            f"unit and place exactly as written. Do not add facts.{structure}")


class LLMSummarizer:
    """Signals progress through ``progress(fraction, message)`` and text through ``on_text``."""

    def __init__(self, engine: LLMBackend, options: SummaryOptions,
                 cancel: threading.Event | None = None,
                 progress: Callable[[float, str], None] | None = None,
                 on_text: Callable[[str], None] | None = None,
                 window: int = 4096) -> None:
        self.engine, self.opts, self.cancel = engine, options, cancel
        self.progress, self.on_text = progress, on_text
        self.window = min(window, engine.context_length)
        self.trace = MapReduceTrace()

    def _report(self, fraction: float, message: str) -> None:
        if self.progress is not None:
            self.progress(fraction, message)

    def _messages(self, text: str, partial: bool) -> list[Message]:
        return [Message("system", "You are a careful analyst who writes faithful summaries."),
                Message("user", f"{_instructions(self.opts, partial)}\n\nText:\n{text}")]

    def _gen_options(self, max_new: int) -> GenerationOptions:
        return GenerationOptions(max_new_tokens=max_new, repetition_penalty=1.15,
                                 no_repeat_ngram_size=6)

    @functools.cached_property
    def overhead(self) -> int:
        """Tokens of instructions and chat template around the text (measured)."""
        return max(len(self.engine.prompt_tokens(self._messages("", partial))) for partial
                   in (True, False)) + 8

    @property
    def chunk_budget(self) -> int:
        budget = self.window - self.overhead - self.opts.max_new_tokens
        if budget < MIN_CHUNK_TOKENS:
            raise ContextOverflow(
                f"The model's context ({self.window} tokens) is too small to summarize with "
                f"{self.opts.max_new_tokens} new tokens; choose a shorter length.")
        return budget

    def _record(self, messages: list[Message]) -> None:
        n = len(self.engine.prompt_tokens(messages))
        self.trace.prompt_tokens.append(n)
        if n + 16 > self.window:  # chunking guarantees this never happens
            raise ContextOverflow(f"Prompt of {n} tokens exceeds the window of {self.window}.")

    def _map(self, chunks: list[Chunk], partial_max: int, label: str = "Summarized part",
             span: tuple[float, float] = (0.0, 0.7)) -> list[str]:
        outputs: list[str] = []
        done = 0
        low, high = span
        for start in range(0, len(chunks), MAP_BATCH):
            batch = [self._messages(c.text, partial=True) for c in chunks[start:start + MAP_BATCH]]
            for m in batch:
                self._record(m)

            def on_done(_i: int) -> None:
                nonlocal done
                done += 1
                self._report(low + (high - low) * done / len(chunks),
                             f"{label} {done}/{len(chunks)}")

            outputs += self.engine.generate_many(batch, self._gen_options(partial_max),
                                                 self.cancel, on_done)
        return outputs

    def _final(self, text: str) -> str:
        messages = self._messages(text, partial=False)
        self._record(messages)
        self._report(0.85, "Writing the summary")
        return self.engine.generate(messages, self._gen_options(self.opts.max_new_tokens),
                                    self.cancel, self.on_text)

    def summarize(self, doc: Document) -> str:
        count = self.engine.count_tokens
        chunks = chunk_document(doc, self.chunk_budget, count)
        if len(chunks) > MAX_MAP_CHUNKS:
            # A long document: the LLM reads its most representative sentences, section by
            # section (the extractive ranking), not every line: a 100-page manual is then
            # one batch of map prompts instead of forty.
            whole = len(chunks)
            budget = MAX_MAP_CHUNKS * self.chunk_budget * 9 // 10
            for _ in range(4):  # section breaks leave chunks part-empty: shrink until it fits
                condensed = condense(doc, budget, count)
                chunks = chunk_document(condensed, self.chunk_budget, count)
                if len(chunks) <= MAX_MAP_CHUNKS:
                    break
                budget = budget * MAX_MAP_CHUNKS * 9 // (10 * len(chunks))
            self.trace.condensed = (whole, sum(1 for b in condensed.blocks
                                               if b.kind is not BlockKind.HEADING))
        self.trace.chunks = len(chunks)
        if len(chunks) <= 1:
            return self._final(chunks[0].text if chunks else "")
        # The partial summaries together: about twice the final summary's length (the
        # map's decoding is most of the time; the final prompt stays short for a quick
        # first token).
        partial_max = max(96, min(256, self.chunk_budget // max(2, len(chunks)),
                                  2 * self.opts.max_new_tokens // len(chunks)))
        partials = _titled(chunks, self._map(chunks, partial_max))
        while True:
            joined = "\n\n".join(p for p in partials if p)
            if count(joined) <= self.chunk_budget:
                return self._final(joined)
            self.trace.reduce_rounds += 1
            groups = _pack(partials, self.chunk_budget, count)
            if len(groups) >= len(partials) or self.trace.reduce_rounds > 6:
                # Not shrinking (a very small window): keep the head of each partial.
                share = max(8, self.chunk_budget // max(1, len(partials)) - 2)
                tok = self.engine.tokenizer
                heads = [tok.decode(tok.encode(p, add_special_tokens=False)[:share])
                         for p in partials]
                return self._final(_fit("\n\n".join(heads), self.chunk_budget, tok))
            log.info("Reduce round %d: %d partial summaries in %d groups",
                     self.trace.reduce_rounds, len(partials), len(groups))
            r = self.trace.reduce_rounds
            combined = [Chunk(g, count(g), headings=_titles_in(g)) for g in groups]
            partials = _titled(combined, self._map(combined, partial_max, f"Combining (round {r})",
                                                   (0.7 + 0.02 * (r - 1), 0.7 + 0.02 * r)))

    def rewrite_in_language(self, text: str) -> str:
        """Re-prompt once, firmly, when the summary came back in another language."""
        lang = language_name(self.opts.lang)
        budget = self.window - self.overhead - self.opts.max_new_tokens
        text = _fit(text, max(MIN_CHUNK_TOKENS, budget), self.engine.tokenizer)
        messages = [
            Message("system", f"You answer in {lang} only, whatever the language of the text."),
            Message("user", f"Rewrite this summary in {lang}. Every word of your answer must "
                            f"be in {lang}; keep every number, date, name and place exactly. "
                            f"Answer with the {lang} text only.\n\nSummary:\n{text}")]
        self._record(messages)
        self._report(0.9, f"Asking again for a summary in {lang}")
        return self.engine.generate(messages, self._gen_options(self.opts.max_new_tokens),
                                    self.cancel)

    def key_facts(self, source_text: str) -> tuple[dict[str, list[str]] | None, str | None]:
        """(facts, warning): facts are None with a warning when the JSON cannot be repaired."""
        budget = self.window - self.overhead - 400
        text = source_text
        if self.engine.count_tokens(text) > budget:
            ids = self.engine.tokenizer.encode(text, add_special_tokens=False)[:budget]
            text = self.engine.tokenizer.decode(ids)
        messages = [Message("user", key_facts_prompt(text, language_name(self.opts.lang)))]
        self._record(messages)
        self._report(0.95, "Extracting key facts")
        prefix = '{"who": ['  # constrain the answer to start as the JSON object we want
        answer = prefix + self.engine.generate(
            messages, GenerationOptions(max_new_tokens=400, repetition_penalty=1.05),
            self.cancel, prefix=prefix)
        try:
            return parse_key_facts(answer), None
        except KeyFactsError as exc:
            log.warning("Key facts dropped: %s", exc)
            return None, f"Key facts dropped: the model's answer was not valid JSON ({exc})."


def _titled(chunks: list[Chunk], partials: list[str]) -> list[str]:
    """Each partial summary under the titles of the sections its chunk covers, so the
    reduce step keeps the document's structure (a chunk inside a long section carries
    that section's title)."""
    out: list[str] = []
    last = ""
    for chunk, text in zip(chunks, partials, strict=True):
        titles = chunk.headings or ([last] if last else [])
        if chunk.headings:
            last = chunk.headings[-1]
        head = f"## {' / '.join(titles)}\n" if titles else ""
        out.append(f"{head}{text.strip()}" if text.strip() else "")
    return out


def _titles_in(text: str) -> list[str]:
    titles: list[str] = []
    for line in re.findall(r"^## (.+)$", text, flags=re.M):
        for t in line.split(" / "):
            if t not in titles:
                titles.append(t)
    return titles


def _pack(texts: list[str], budget: int, count: Callable[[str], int]) -> list[str]:
    groups: list[str] = []
    cur, cur_n = "", 0
    for t in texts:
        n = count(t) + 2
        if cur and cur_n + n > budget:
            groups.append(cur)
            cur, cur_n = "", 0
        cur = f"{cur}\n\n{t}" if cur else t
        cur_n += n
    if cur:
        groups.append(cur)
    return groups


def _fit(text: str, budget: int, tok: Any) -> str:
    ids = tok.encode(text, add_special_tokens=False)
    return text if len(ids) <= budget else str(tok.decode(ids[:budget]))
