"""CT2Translator throughput machinery: length-sorted token batches, streaming, guards,
cancel within one batch, device and thread choice."""

from __future__ import annotations

import itertools
import random
import threading
from pathlib import Path
from typing import Any

import pytest

from bench.modelgen_bench import TINY, build_model, synthetic_sentence
from engines import device
from engines.errors import Cancelled
from engines.translate.batch import collect, translate_texts
from engines.translate.ct2 import (
    SHORT_INPUT,
    CT2Translator,
    DecodeOptions,
    plan_batches,
    repetitive,
)


@pytest.fixture(scope="session")
def random_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight model in opus-mt layout: it never says </s> on its own."""
    return build_model(tmp_path_factory.mktemp("models") / "tiny-random", TINY)


def _sentences(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [synthetic_sentence(rng, rng.randint(3, 25)) for _ in range(n)]


def test_plan_batches_sorts_and_respects_the_token_budget() -> None:
    rng = random.Random(1)
    lengths = [rng.randint(2, 60) for _ in range(300)]
    batches = plan_batches(lengths, 512)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(300))  # every input exactly once
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)  # globally sorted
    for b in batches:
        assert sum(lengths[i] for i in b) <= 512
    for b, nxt in itertools.pairwise(batches):  # full: the next input would not have fitted
        assert sum(lengths[i] for i in b) + lengths[nxt[0]] > 512
    assert plan_batches([3, 900, 4], 512) == [[1], [2, 0]]  # oversized: a batch of its own


def test_repetition_detector_targets_short_inputs() -> None:
    short = ["▁Annexe", "</s>"]
    assert repetitive(short, ["▁Annex", "▁Annex", "▁Annex", "▁Annex"])
    assert repetitive(short, ["▁A", "▁B", "▁A", "▁B", "▁A", "▁B"])
    assert not repetitive(short, ["▁Annex", "▁A"])
    assert not repetitive(["▁x"] * (SHORT_INPUT + 1), ["▁y"] * 9)  # long inputs: ratio only
    assert not repetitive(["▁ha", "▁ha", "▁ha", "</s>"], ["▁ha", "▁ha", "▁ha"])  # as in source


def test_guard_caps_hallucinated_output(random_model: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import ctranslate2

    engine = CT2Translator(random_model, device="cpu", threads=1)
    source = engine.encode(["Oui."], "fr")[0]
    raw = ctranslate2.Translator(str(random_model)).translate_batch(
        [source], max_decoding_length=200)[0].hypotheses[0]
    assert len(raw) == 200  # unguarded, the model runs to the decoding limit

    redecoded: list[int] = []
    original = engine._redecode
    monkeypatch.setattr(engine, "_redecode", _spy(original, redecoded))
    hyps = _record_hypotheses(engine, monkeypatch)
    texts = ["Oui.", "Le rapport de la mission est urgent."]
    engine.translate_batch(texts, "fr", "en")
    tokens = engine.encode(texts, "fr")
    assert sorted(redecoded) == sorted(len(t) for t in tokens)
    by_length = sorted(hyps, key=len)
    for hyp, src in zip(by_length, sorted(tokens, key=len), strict=True):
        assert len(hyp) <= 3 * len(src) + 4
    assert not repetitive(source, by_length[0])  # n-grams blocked on the short input


def _record_hypotheses(engine: CT2Translator,
                       monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    seen: list[list[str]] = []
    decode = engine.decode

    def record(hyp: list[str], tgt: str) -> str:
        seen.append(hyp)
        return decode(hyp, tgt)

    monkeypatch.setattr(engine, "decode", record)
    return seen


def _spy(redecode: Any, lengths: list[int]) -> Any:
    def spy(tokens: list[str], tgt: str) -> list[str]:
        lengths.append(len(tokens))
        return redecode(tokens, tgt)  # type: ignore[no-any-return]

    return spy


def test_forced_long_output_is_redecoded(random_model: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    engine = CT2Translator(random_model, device="cpu", threads=1,
                           options=DecodeOptions(min_decoding_length=300))
    calls: list[int] = []
    original = engine._redecode
    monkeypatch.setattr(engine, "_redecode", _spy(original, calls))
    hyps = _record_hypotheses(engine, monkeypatch)
    texts = _sentences(6)
    tokens = engine.encode(texts, "fr")
    engine.translate_batch(texts, "fr", "en")
    assert sorted(calls) == sorted(len(t) for t in tokens)  # every output was over the cap
    for hyp, src in zip(sorted(hyps, key=len), sorted(tokens, key=len), strict=True):
        assert len(hyp) <= 3 * len(src) + 4


class SubmitSpy:
    def __init__(self, engine: CT2Translator) -> None:
        self.sizes: list[int] = []
        self._submit = engine._submit

    def __call__(self, batch: list[list[str]], tgt: str) -> list[Any]:
        self.sizes.append(len(batch))
        return self._submit(batch, tgt)


def test_results_stream_back_complete_and_in_order(random_model: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    engine = CT2Translator(random_model, device="cpu", threads=1,
                           options=DecodeOptions(max_batch_tokens=128, max_decoding_length=12))
    spy = SubmitSpy(engine)
    monkeypatch.setattr(engine, "_submit", spy)
    texts = _sentences(30)
    seen = [i for i, _ in engine.translate_unordered(texts, "fr", "en")]
    assert sorted(seen) == list(range(30)) and len(spy.sizes) > 3
    ordered = engine.translate_batch(texts, "fr", "en")
    singles = [engine.translate_batch([t], "fr", "en")[0] for t in texts[:5]]
    assert ordered[:5] == singles  # batching and sorting do not change the results
    assert list(engine.translate_iter(texts, "fr", "en")) == ordered


def test_duplicates_are_translated_once(random_model: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    engine = CT2Translator(random_model, device="cpu", threads=1,
                           options=DecodeOptions(max_decoding_length=8, paragraphs=False))
    spy = SubmitSpy(engine)
    monkeypatch.setattr(engine, "_submit", spy)
    texts = ["Le convoi part.", "Le convoi part. Le rapport est prêt.", "Le rapport est prêt."]
    results = translate_texts(engine, texts * 3, "fr", "en")
    assert sum(spy.sizes) == 2 and all(r.ok for r in results)  # sentence by sentence
    engine.options = DecodeOptions(max_decoding_length=8)  # whole paragraphs (the default)
    spy.sizes.clear()
    results = translate_texts(engine, texts * 3, "fr", "en")
    assert sum(spy.sizes) == 3 and all(r.sentences == 1 for r in results)


def test_cancel_takes_effect_within_one_batch(random_model: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    engine = CT2Translator(random_model, device="cpu", threads=1,
                           options=DecodeOptions(max_batch_tokens=64, max_decoding_length=10))
    spy = SubmitSpy(engine)
    monkeypatch.setattr(engine, "_submit", spy)
    texts = _sentences(60)
    cancel = threading.Event()
    progress: list[int] = []

    def on_progress(done: int, total: int) -> None:
        progress.append(done)
        cancel.set()

    with pytest.raises(Cancelled):
        collect(engine, texts, "fr", "en", cancel=cancel, progress=on_progress)
    first = spy.sizes[0]
    assert max(progress) <= first  # nothing delivered after the batch in which it was set
    # Only the batches already queued (inter_threads + 1) were decoded.
    assert len(spy.sizes) <= engine.device.inter_threads + 1
    assert sum(spy.sizes) < len(texts)


def test_progress_follows_completions(random_model: Path) -> None:
    engine = CT2Translator(random_model, device="cpu", threads=1,
                           options=DecodeOptions(max_batch_tokens=96, max_decoding_length=6))
    seen: list[tuple[int, int]] = []
    engine.translate_all(_sentences(40), "fr", "en", progress=lambda d, t: seen.append((d, t)))
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and seen[-1] == (40, 40) and len(seen) > 3


def test_device_and_threads(monkeypatch: pytest.MonkeyPatch, random_model: Path) -> None:
    monkeypatch.setattr(device, "cuda_available", lambda: True)
    gpu = device.resolve("auto")
    assert (gpu.device, gpu.compute_type) == ("cuda", "int8_float16")
    monkeypatch.setattr(device, "cuda_available", lambda: False)
    cpu = device.resolve("auto")
    assert cpu.device == "cpu" and cpu.intra_threads == device.cpu_count()
    assert cpu.inter_threads == 1  # one replica, all cores: best for one document
    engine = CT2Translator(random_model, device="cpu")
    assert engine._model.device == "cpu" and engine._model.num_translators == 1
    # Translation leaves one core to the Python side (measured: bench/quality.py --sweep).
    assert engine.device.intra_threads == max(1, device.cpu_count() - 1)
    assert CT2Translator(random_model, device="cpu", threads=2).device.intra_threads == 2


def test_real_model_translates_in_batches(lohelp_model: Path) -> None:
    engine = CT2Translator(lohelp_model, threads=2)
    texts = ["Cliquez sur OK.", "Saisissez le texte dans la cellule.", "Cliquez sur OK."]
    out = engine.translate_batch(texts, "fr", "en")
    assert out[0] == out[2] and "OK" in out[0] and "cell" in out[1]


@pytest.mark.parametrize("text", [
    "Rapport de mission", "  Le convoi part demain.  ", "Pourquoi partir ?", "Fin de l'exercice !",
    "« Le convoi est parti. »", "Tableau 3", "Le PC a reçu 12 colis", "Voir FR-2024-0173.",
    "Le convoi part. Le rapport suit.", "Il a dit : 1) partir 2) rentrer", "Ligne un\nLigne deux.",
    "Coût 12.5 km. Suite.", "Voir https://intradef.example/doc pour la suite.",
])
def test_segment_fast_path_agrees_with_the_segmenter(text: str) -> None:
    from engines.segment import split_sentences
    from engines.translate.batch import segment

    assert segment(text, "fr") == split_sentences(text, "fr")


# --- Exact outputs with the toy model (en → xx word mapping) --------------------------

def _toy_pairs(toy_model: Path) -> list[tuple[str, str]]:
    import json

    data = json.loads((toy_model / "expected.json").read_text(encoding="utf-8"))
    return [(s, t) for s, t in data["pairs"]]


@pytest.mark.parametrize("beam", [1, 2])
def test_toy_model_exact_through_sorted_token_batches(toy_model: Path, beam: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = _toy_pairs(toy_model)
    engine = CT2Translator(toy_model, device="cpu", threads=1,
                           options=DecodeOptions(beam_size=beam, max_batch_tokens=24))
    spy = SubmitSpy(engine)
    monkeypatch.setattr(engine, "_submit", spy)
    out = engine.translate_batch([s for s, _ in pairs], "en", "xx")
    assert out == [t for _, t in pairs]
    assert len(spy.sizes) > 3  # really several batches, re-ordered back


def test_toy_model_rerun_comes_from_memory(toy_model: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from engines.translate.chain import build_chain
    from engines.translate.memory import TranslationMemory

    pairs = _toy_pairs(toy_model)
    engine = CT2Translator(toy_model, device="cpu", threads=1)
    spy = SubmitSpy(engine)
    monkeypatch.setattr(engine, "_submit", spy)
    memory = TranslationMemory(tmp_path / "memory.sqlite3")
    texts = [s for s, _ in pairs]
    first = translate_texts(build_chain(engine, memory=memory), texts, "en", "xx")
    submitted = sum(spy.sizes)
    again = translate_texts(build_chain(engine, memory=memory), texts, "en", "xx")
    memory.close()
    assert [r.text for r in first] == [r.text for r in again] == [t for _, t in pairs]
    assert submitted == len(set(texts)) and sum(spy.sizes) == submitted  # nothing recomputed


def test_bench_workload_is_a_document_of_10_to_60_token_sentences(random_model: Path,
                                                                  tmp_path: Path) -> None:
    from bench.translate_throughput import document_sentences, make_document

    engine = CT2Translator(random_model, device="cpu", threads=1)
    sp = engine._tokenizers()[0]
    path = make_document(tmp_path / "workload.docx", sp, 60)
    sentences = document_sentences(path, "fr")
    lengths = [len(t) for t in engine.encode(sentences, "fr")]
    assert len(sentences) >= 55
    assert min(lengths) >= 10 and max(lengths) <= 60
