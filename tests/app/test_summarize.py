"""Summarization: map-reduce over a tiny LLM, key facts, faithfulness, extractive, cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from app.document import BlockKind, Document, DocumentMeta, Locator, Run
from app.summarize import SummaryOptions, summarize_document
from app.summarize.chunking import chunk_document
from app.summarize.extractive import collect_sentences, select, summarize_extractive
from app.summarize.faithfulness import unsupported_numbers
from app.summarize.keyfacts import FIELDS, KeyFactsError, parse_key_facts
from app.summarize.llm_summarizer import LLMSummarizer
from engines.errors import Cancelled
from engines.llm import ContextOverflow, GenerationOptions, LLMEngine, Message


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory: pytest.TempPathFactory) -> LLMEngine:
    from engines.gguf import convert_gguf
    from engines.gguf.tiny import TinyConfig, write_tiny_gguf

    folder = tmp_path_factory.mktemp("tiny_llm")
    gguf = write_tiny_gguf(folder / "tiny.gguf", TinyConfig(context_length=4096))
    out = convert_gguf(gguf, folder / "ct2", quantization="int8")
    return LLMEngine(out, device="cpu", threads=1, max_context=WINDOW)


WINDOW = 1024


def _report(sections: int, paragraphs: int) -> Document:
    doc = Document(DocumentMeta(Path("rapport.docx"), "0" * 64, "docx", language="fr"))
    doc.add_block(BlockKind.HEADER, [Run("DIFFUSION RESTREINTE")], Locator("header:0"))
    n = 0
    for s in range(sections):
        doc.add_block(BlockKind.HEADING, [Run(f"Section {s + 1} : secteur nord")],
                      Locator("body", (n,)))
        n += 1
        for p in range(paragraphs):
            doc.add_block(BlockKind.PARAGRAPH, [Run(
                f"Le {p + 1} mars 2024, la compagnie {s + 1} a patrouillé près de Metz avec "
                f"{10 + p} véhicules. La mission FR-2024-{s:02d}{p:02d} s'est déroulée sans "
                "incident notable et le rapport a été transmis à l'état-major.")],
                Locator("body", (n,)))
            n += 1
    return doc


def test_long_document_goes_through_map_reduce_within_the_context(
        tiny_llm: LLMEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.summarize import llm_summarizer

    monkeypatch.setattr(llm_summarizer, "MAX_MAP_CHUNKS", 1000)  # the whole text, no condensing
    doc = _report(sections=6, paragraphs=6)
    progress: list[tuple[float, str]] = []
    opts = SummaryOptions(lang="en", length="brief", key_facts=False)
    summarizer = LLMSummarizer(tiny_llm, opts, progress=lambda f, m: progress.append((f, m)),
                               window=WINDOW)
    text = summarizer.summarize(doc)
    assert isinstance(text, str)
    trace = summarizer.trace
    assert trace.chunks > 3  # the map step ran on several chunks
    assert len(trace.prompt_tokens) > trace.chunks  # map prompts + reduce/final prompts
    assert max(trace.prompt_tokens) <= WINDOW - 16  # never past the context window
    part_messages = [m for _, m in progress if m.startswith("Summarized part")]
    assert part_messages[-1] == f"Summarized part {trace.chunks}/{trace.chunks}"
    assert trace.reduce_rounds == 0 or any(m.startswith("Combining") for _, m in progress)
    assert [f for f, _ in progress] == sorted(f for f, _ in progress)


def test_a_very_long_document_is_condensed_to_one_map_batch(tiny_llm: LLMEngine) -> None:
    from app.summarize.llm_summarizer import MAX_MAP_CHUNKS

    doc = _report(sections=6, paragraphs=6)
    opts = SummaryOptions(lang="en", length="brief", key_facts=False)
    result = summarize_document(doc, opts, llm=tiny_llm, window=WINDOW)
    assert result.chunks <= MAX_MAP_CHUNKS
    assert any("most representative sentences" in w for w in result.warnings)


def test_chunks_follow_section_boundaries_and_budget(tiny_llm: LLMEngine) -> None:
    doc = _report(sections=4, paragraphs=3)
    chunks = chunk_document(doc, 300, tiny_llm.count_tokens)
    assert all(c.tokens <= 300 for c in chunks)
    covered = [b for c in chunks for b in c.blocks]
    body = [b.id for b in doc.blocks if b.kind is not BlockKind.HEADER]
    assert covered == body  # every block once, in order, headers excluded
    assert all(c.text.startswith("## Section") for c in chunks[1:] if c.headings)


def test_generation_never_overflows_the_context(tiny_llm: LLMEngine) -> None:
    with pytest.raises(ContextOverflow):
        tiny_llm.generate([Message("user", "mot " * 1200)])
    assert tiny_llm.budget(900, 500) == WINDOW - 900


def _count_tokens(llm: LLMEngine, monkeypatch: pytest.MonkeyPatch,
                  on_token: Callable[[int], None] | None = None) -> list[int]:
    """Spy on the real tokenizer: stream() decodes once per generated (non-end) token."""
    seen: list[int] = []
    decode = llm.tokenizer.decode

    def counting(ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        seen.append(len(ids))
        if on_token is not None:
            on_token(len(seen))
        return decode(ids, skip_special_tokens)

    monkeypatch.setattr(llm.tokenizer, "decode", counting)
    return seen


def test_min_new_tokens_suppresses_the_end_token(tiny_llm: LLMEngine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it this random model ends after 83 tokens with AVX-512 VNNI kernels, and
    # with AVX2 ones it repeats a lone UTF-8 continuation byte (no text at all): what a
    # random model says depends on the CPU, so tests must not rely on it.
    seen = _count_tokens(tiny_llm, monkeypatch)
    opts = GenerationOptions(max_new_tokens=120, min_new_tokens=120, repetition_penalty=1.0)
    list(tiny_llm.stream([Message("user", "the cat sat on the mat")], opts))
    assert len(seen) == 120


def test_cancel_mid_stream_stops_within_one_token(tiny_llm: LLMEngine,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cancel = threading.Event()

    def cancel_at_third(count: int) -> None:
        if count == 3:
            cancel.set()

    seen = _count_tokens(tiny_llm, monkeypatch, cancel_at_third)
    # The end token is suppressed for all 200 tokens: only cancel can stop it early.
    opts = GenerationOptions(max_new_tokens=200, min_new_tokens=200, repetition_penalty=1.0)
    with pytest.raises(Cancelled):
        for _ in tiny_llm.stream([Message("user", "the cat sat on the mat")], opts, cancel):
            pass
    assert seen == [1, 2, 3]  # cancelled during token 3: token 4 never reached the text


def test_key_facts_json_is_validated_and_repaired() -> None:
    good = parse_key_facts('{"who": ["3e RI"], "where": ["Metz"], "dates": ["12/03/2024"]}')
    assert good["who"] == ["3e RI"] and good["where"] == ["Metz"] and set(good) == set(FIELDS)
    messy = ("Sure! ```json\n{'who': ['2e compagnie',], Units: 'VAB', \"when\": [\"14h30\"],"
             " \"dates\": [\"12/03/2024\", \"12/03/2024\"]\n```")
    repaired = parse_key_facts(messy)
    assert repaired["who"] == ["2e compagnie"]
    assert repaired["units_equipment"] == ["VAB"]
    assert repaired["dates"] == ["12/03/2024"]  # de-duplicated
    truncated = parse_key_facts('{"who": ["A", "B"], "what": ["patrol')
    assert truncated["who"] == ["A", "B"] and truncated["what"] == ["patrol"]
    for hopeless in ("no json here", '{"colour": "blue"}', "[1, 2]"):
        with pytest.raises(KeyFactsError):
            parse_key_facts(hopeless)


def test_faithfulness_flags_an_invented_number() -> None:
    source = "Le 12/03/2024, 1 250 soldats et 14 VAB ont quitté Metz (mission FR-2024-0173)."
    summary = ("On 12/03/2024, 1,250 soldiers and 41 VAB left Metz on mission FR-2024-0173, "
               "ending on 2024-03-19.")
    flagged = [u.text for u in unsupported_numbers(summary, source)]
    assert flagged == ["41", "2024-03-19"]


REAL_REPORT = [
    ("h", "Situation générale"),
    ("p", "Le 12 mars 2024, le 3e régiment d'infanterie a pris position au nord de Metz. "
          "Les conditions météorologiques ont limité les patrouilles aériennes pendant deux jours. "
          "La population locale reste calme et coopérative."),
    ("p", "Le ravitaillement en carburant a été assuré par deux convois de 14 camions. "
          "Aucune perte de matériel n'a été signalée."),
    ("h", "Incidents"),
    ("p", "Un engin explosif improvisé a été découvert le 14 mars sur la route départementale 953. "
          "Le génie l'a neutralisé sans dommage. "
          "Un engin explosif improvisé a été découvert le 14 mars sur la route départementale 953."),
    ("p", "Deux véhicules VAB ont subi des pannes mécaniques et ont été réparés sur place."),
    ("h", "Recommandations"),
    ("p", "Il est recommandé de renforcer la surveillance des axes logistiques. "
          "Les équipes de déminage doivent être prépositionnées près des carrefours sensibles."),
]


def test_extractive_summary_of_a_real_looking_report() -> None:
    doc = Document(DocumentMeta(Path("rapport.docx"), "0" * 64, "docx", language="fr"))
    doc.add_block(BlockKind.HEADER, [Run("DIFFUSION RESTREINTE")], Locator("header:0"))
    for i, (kind, text) in enumerate(REAL_REPORT):
        doc.add_block(BlockKind.HEADING if kind == "h" else BlockKind.PARAGRAPH, [Run(text)],
                      Locator("body", (i,)))
    picked = select(collect_sentences(doc), 5)
    texts = [s.text for s in picked]
    assert len(texts) == 5
    assert len(set(texts)) == 5  # the duplicated IED sentence appears once at most
    assert sum("engin explosif" in t for t in texts) <= 1
    assert [s.position for s in picked] == sorted(s.position for s in picked)
    assert {s.heading for s in picked} >= {"Situation générale", "Recommandations"}
    summary = summarize_extractive(doc, count=5)
    assert "**Situation générale**" in summary  # headings kept as context
    assert "DIFFUSION RESTREINTE" not in summary  # running headers are not content
    bullets = summarize_extractive(doc, count=3, bullets=True)
    assert bullets.count("\n- ") + bullets.startswith("- ") >= 2 or bullets.count("- ") >= 3


def test_extractive_is_the_fallback_and_flags_nothing_on_faithful_text() -> None:
    doc = _report(sections=2, paragraphs=3)
    result = summarize_document(doc, SummaryOptions(lang="fr", length="brief"))
    assert result.engine == "extractive" and result.text
    assert result.unsupported == []
    other = summarize_document(doc, SummaryOptions(lang="en", length="brief"))
    assert any("left in fr" in w for w in other.warnings)
