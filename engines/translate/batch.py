"""Translate many texts (blocks) efficiently and robustly.

All sentences of all blocks are collected, deduplicated and handed to the engine in
one stream (engines sort by length and batch by tokens).  A failure is isolated to
the sentences that caused it: those blocks are reported, the rest is translated.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields

from engines.errors import Cancelled
from engines.segment import SPLIT_LEVELS, Segment, join_segments, lines, split_sentences
from engines.translate.base import Translator, TranslatorWrapper

log = logging.getLogger(__name__)

Indexed = tuple[int, str]  # (position in the request, translation)


@dataclass
class SentenceNotes:
    """What the wrapper chain noticed about one unit (sentence or paragraph), for
    reports and review; stored with the unit in the translation memory."""

    lost_spans: list[str] = field(default_factory=list)  # re-inserted by position
    repaired_spans: list[str] = field(default_factory=list)  # spliced in by alignment
    debris: list[str] = field(default_factory=list)  # stray markup removed from the output
    glossary_applied: list[str] = field(default_factory=list)
    glossary_missing: list[str] = field(default_factory=list)
    split: str = ""  # too long for the model: "sentences", "clauses" or "windows"
    from_memory: bool = False

    def merge(self, other: SentenceNotes | None) -> SentenceNotes:
        if other is not None:
            self.lost_spans += other.lost_spans
            self.repaired_spans += other.repaired_spans
            self.debris += other.debris
            self.glossary_applied += other.glossary_applied
            self.glossary_missing += other.glossary_missing
            self.split = max(self.split, other.split, key=SPLIT_LEVELS.index)
            self.from_memory = self.from_memory or other.from_memory
        return self

    def to_json(self) -> str:
        """The notes worth keeping with a memory entry ("" when there are none)."""
        data = {k: v for k, v in asdict(self).items() if v and k != "from_memory"}
        return json.dumps(data, ensure_ascii=False, sort_keys=True) if data else ""

    @classmethod
    def from_json(cls, text: str) -> SentenceNotes:
        notes = cls()
        if not text:
            return notes
        try:
            data = json.loads(text)
        except ValueError:
            log.warning("Unreadable notes in the translation memory: %r", text[:80])
            return notes
        for f in fields(cls):
            value = data.get(f.name) if isinstance(data, dict) else None
            if isinstance(value, type(getattr(notes, f.name))):
                setattr(notes, f.name, value)
        return notes


def stream(translator: Translator, texts: Sequence[str], src: str, tgt: str,
           cancel: threading.Event | None = None) -> Iterator[Indexed]:
    """Translations as they complete, as ``(index, text)``; engines that batch by length
    (:class:`~engines.translate.ct2.CT2Translator`) finish them out of order."""
    unordered = getattr(translator, "translate_unordered", None)
    if unordered is not None:
        return unordered(texts, src, tgt, cancel)  # type: ignore[no-any-return]
    return enumerate(translator.translate_iter(texts, src, tgt, cancel=cancel))


def collect(translator: Translator, texts: Sequence[str], src: str, tgt: str,
            cancel: threading.Event | None = None,
            progress: Callable[[int, int], None] | None = None) -> list[str]:
    """All translations in order; ``progress(done, total)`` follows completions."""
    total = len(texts)
    out: list[str | None] = [None] * total
    done = 0
    step = max(1, total // 100)
    for i, text in stream(translator, texts, src, tgt, cancel):
        out[i] = text
        done += 1
        if progress is not None and (done % step == 0 or done == total):
            progress(done, total)
    if done < total:
        raise Cancelled()
    return [t if t is not None else "" for t in out]


def in_order(items: Iterator[Indexed], total: int) -> Iterator[str]:
    """Re-order a completion stream into request order (buffering what comes early)."""
    pending: dict[int, str] = {}
    nxt = 0
    for i, text in items:
        pending[i] = text
        while nxt in pending:
            yield pending.pop(nxt)
            nxt += 1
    if nxt < total:
        raise Cancelled()


def notes_for(translator: Translator, text: str) -> SentenceNotes | None:
    """The notes a wrapper chain keeps for ``text`` (None when it keeps none)."""
    fn = getattr(translator, "notes_for", None)
    return fn(text) if fn is not None else None  # type: ignore[no-any-return]


class Unordered(Translator):
    """An engine that streams results as they complete: subclasses implement
    :meth:`translate_unordered`; every entry point (batch, ordered iteration,
    ``translate_all``) goes through that stream once."""

    def translate_unordered(self, texts: Sequence[str], src: str, tgt: str,
                            cancel: threading.Event | None = None) -> Iterator[Indexed]:
        raise NotImplementedError

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return collect(self, texts, src, tgt)

    def translate_iter(self, texts: Sequence[str], src: str, tgt: str,
                       cancel: threading.Event | None = None,
                       batch_size: int = 0) -> Iterator[str]:
        return in_order(self.translate_unordered(texts, src, tgt, cancel), len(texts))

    def translate_all(self, texts: Sequence[str], src: str, tgt: str,
                      cancel: threading.Event | None = None,
                      progress: Callable[[int, int], None] | None = None) -> list[str]:
        return collect(self, texts, src, tgt, cancel, progress)


class StreamingWrapper(Unordered, TranslatorWrapper):
    """A wrapper that streams: subclasses implement :meth:`translate_unordered`.

    Every entry point (batch, ordered iteration, ``translate_all``) goes through the
    inner engine's stream once, so the engine still sees the whole request and can
    sort and batch it by length.  Notes are kept per input sentence of the last call.
    """

    def __init__(self, inner: Translator) -> None:
        super().__init__(inner)
        self._notes: dict[str, SentenceNotes] = {}

    def notes_for(self, text: str) -> SentenceNotes | None:
        return self._notes.get(text)

    def _note(self, text: str, notes: SentenceNotes | None, inner_text: str | None) -> None:
        """Record ``notes`` for ``text``, with what the inner chain noted for the text
        it was given (``inner_text``)."""
        merged = SentenceNotes().merge(notes)
        if inner_text is not None:
            merged.merge(notes_for(self.inner, inner_text))
        if merged != SentenceNotes():
            self._notes[text] = merged


@dataclass
class TextResult:
    text: str
    ok: bool = True
    error: str = ""
    sentences: int = 0  # units sent to the engine (sentences, or paragraph lines)
    lost_spans: list[str] = field(default_factory=list)
    glossary_applied: list[str] = field(default_factory=list)
    glossary_missing: list[str] = field(default_factory=list)
    repaired_spans: list[str] = field(default_factory=list)
    debris: list[str] = field(default_factory=list)
    split: str = ""
    from_memory: bool = False

    def flags(self) -> list[str]:
        """Block flags for the report and the review pane: spans put back by position
        or spliced by alignment, debris removed (issues); a text longer than the
        model's positions translated in pieces (information)."""
        out = []
        if self.lost_spans:
            out.append("protected: restored " + ", ".join(self.lost_spans))
        if self.repaired_spans:
            out.append("protected: repaired " + ", ".join(self.repaired_spans))
        if self.debris:
            out.append("debris: removed " + " ".join(self.debris))
        if self.split:
            out.append(f"split: {self.split} (longer than the model's positions)")
        return out


def _isolate(translator: Translator, sentences: list[str], src: str, tgt: str,
             cancel: threading.Event | None) -> dict[str, str | Exception]:
    """Translate one by one, so that a bad sentence fails alone."""
    out: dict[str, str | Exception] = {}
    for s in sentences:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        try:
            out[s] = translator.translate_batch([s], src, tgt)[0]
        except Cancelled:
            raise
        except Exception as exc:  # engine failure on this sentence only
            log.warning("Sentence failed to translate: %s", exc)
            out[s] = exc
    return out


# Anything that may end a sentence (or a numbered list item) before the end of a text.
_INNER_BOUNDARY = re.compile(r"[.!?…。！？؟;\n\r]|\d\)")
_TRAILING = ".!?…。！？؟\"'»”’) \t"


def segment(text: str, lang: str | None) -> list[Segment]:
    """Sentences of ``text``: a text with no possible boundary before its final
    punctuation (headings, table cells, short paragraphs) is one sentence without
    asking the segmenter, which costs milliseconds per call; others go to pysbd."""
    stripped = text.strip()
    if not stripped:
        return []
    if not _INNER_BOUNDARY.search(stripped.rstrip(_TRAILING)):
        start = text.index(stripped)
        return [Segment(stripped, text[:start], text[start + len(stripped):])]
    return split_sentences(text, lang)


def translate_texts(
    translator: Translator,
    texts: Sequence[str],
    src: str,
    tgt: str,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[TextResult]:
    """Translate each text; whitespace and line breaks are kept.

    Engines that prefer whole paragraphs (:meth:`Translator.whole_paragraphs`) get each
    line of a text whole; others get sentences.  When the stream fails, what was
    translated is kept and only the rest is retried one unit at a time.
    """
    paragraphs = translator.whole_paragraphs()
    corrected = _whole_corrections(translator, texts, src, tgt)
    segmented: list[list[Segment]] = [
        [] if t in corrected else lines(t) if paragraphs else segment(t, src) for t in texts]
    unique: list[str] = list(dict.fromkeys(s.text for segs in segmented for s in segs))
    log.info("%d texts, %d %s (%d unique)", len(texts), sum(len(s) for s in segmented),
             "paragraph lines" if paragraphs else "sentences", len(unique))
    translated: dict[str, str | Exception] = {}
    step = max(1, len(unique) // 100)
    try:
        for i, result in stream(translator, unique, src, tgt, cancel):
            translated[unique[i]] = result
            if progress is not None and (len(translated) % step == 0
                                         or len(translated) == len(unique)):
                progress(len(translated), len(unique))
    except Cancelled:
        raise
    except Exception as exc:
        missing = [u for u in unique if u not in translated]
        log.warning("Translation failed (%s); isolating the %d units left", exc, len(missing))
        translated.update(_isolate(translator, missing, src, tgt, cancel))
        if progress is not None:
            progress(len(unique), len(unique))
    if len(translated) < len(unique):
        raise Cancelled()
    return [_corrected(text, corrected[text]) if text in corrected
            else _result(translator, text, segs, translated)
            for text, segs in zip(texts, segmented, strict=True)]


def _whole_corrections(translator: Translator, texts: Sequence[str], src: str,
                       tgt: str) -> dict[str, str]:
    """User corrections stored for whole texts (a block corrected in one piece), asked
    of the chain's outermost memory, if any; such a text is not split nor translated."""
    fn = getattr(translator, "corrections_for", None)
    if fn is None:
        return {}
    found: dict[str, str] = fn([t for t in texts if t.strip()], src, tgt)
    return found


def _corrected(text: str, correction: str) -> TextResult:
    stripped = text.strip()
    lead = text[:text.index(stripped)]
    return TextResult(lead + correction + text[len(lead) + len(stripped):], sentences=1,
                      from_memory=True)


def _result(translator: Translator, text: str, segs: list[Segment],
            translated: dict[str, str | Exception]) -> TextResult:
    if not segs:
        return TextResult(text, ok=True, sentences=0)
    outs = [translated[s.text] for s in segs]
    errors = [o for o in outs if isinstance(o, Exception)]
    if errors:
        return TextResult(text, ok=False, error=str(errors[0]), sentences=len(segs))
    notes = SentenceNotes()
    for seg in segs:
        notes.merge(notes_for(translator, seg.text))
    return TextResult(join_segments(segs, [str(o) for o in outs]), sentences=len(segs),
                      lost_spans=notes.lost_spans, glossary_applied=notes.glossary_applied,
                      glossary_missing=notes.glossary_missing,
                      repaired_spans=notes.repaired_spans, debris=notes.debris,
                      split=notes.split, from_memory=notes.from_memory)
