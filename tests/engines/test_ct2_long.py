"""Long inputs and the model's positions: read from the model, never truncated, never
crashing a batch; paragraphs cut into units (engines/translate/ct2.py)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench.modelgen_bench import TINY, build_model
from engines.segment import join_segments, split_to_fit
from engines.translate.base import EngineInfo, Translator
from engines.translate.batch import translate_texts
from engines.translate.ct2 import CT2Translator, DecodeOptions
from engines.translate.ct2_spec import max_positions


@pytest.fixture(scope="module")
def short_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight model with only 48 positions (it never says </s>)."""
    return build_model(tmp_path_factory.mktemp("models") / "tiny-48",
                       replace(TINY, max_positions=48))


def test_max_positions_come_from_the_model(short_model: Path, tmp_path: Path,
                                           toy_model: Path) -> None:
    assert max_positions(short_model) == 48
    assert max_positions(toy_model) is None  # no stored encodings: no fixed limit
    copy = tmp_path / "m"
    shutil.copytree(short_model, copy)
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "max_position_embeddings": 20}))
    assert max_positions(copy) == 20  # the config wins when it says


def test_real_model_positions(lohelp_model: Path) -> None:
    engine = CT2Translator(lohelp_model, threads=1)
    assert engine.max_positions == 256
    assert engine.max_input_tokens == 256 and engine.max_output_tokens == 256
    assert engine.decode_kwargs()["max_decoding_length"] == 256


def test_encode_never_truncates(short_model: Path) -> None:
    engine = CT2Translator(short_model, threads=1)
    text = " ".join(["convoi"] * 100)
    assert len(engine.encode([text], "fr")[0]) > 100


def test_long_text_is_cut_to_fit_and_nothing_is_lost(short_model: Path) -> None:
    engine = CT2Translator(short_model, threads=1)
    words = [f"mot{i}" for i in range(60)]
    long = "Le rapport, " + ", ".join(words) + ". Fin du rapport."
    sent: list[list[str]] = []
    submit = engine._submit

    def spy(batch: list[list[str]], tgt: str) -> list[Any]:
        sent.extend(batch)
        return submit(batch, tgt)

    engine._submit = spy  # type: ignore[method-assign]
    results = translate_texts(engine, [long, "Court."], "fr", "en")
    assert all(r.ok for r in results)
    assert all(len(tokens) <= 48 for tokens in sent)  # no input past the positions
    pieces = [p for tokens in sent for p in tokens if p != "</s>"]
    for word in words:  # every source word went to the model
        assert any(word.endswith(p.lstrip("▁")) or p.lstrip("▁") in word for p in pieces)
    assert results[0].split in ("clauses", "windows")
    assert results[0].flags()[-1].startswith("split:")


def test_one_failing_input_does_not_sink_the_batch(short_model: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """CTranslate2 throwing for one input (as it does past the positions) costs a
    retry of that batch's items, not a sentence-by-sentence re-run of the document."""
    engine = CT2Translator(short_model, threads=1, options=DecodeOptions(max_batch_tokens=64))
    real = engine._model
    calls: list[int] = []

    class Flaky:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def translate_batch(self, batch: list[list[str]], **kw: Any) -> Any:
            calls.append(len(batch))
            if len(batch) > 1 and any("▁poison" in t for t in batch):
                raise RuntimeError("No position encodings are defined for positions >= 48")
            return real.translate_batch(batch, **kw)

    monkeypatch.setattr(engine, "_model", Flaky())
    texts = [f"Phrase {i} du poison." if i == 3 else f"Phrase {i}." for i in range(12)]
    engine.encode = _with_poison(engine.encode)  # type: ignore[method-assign]
    out = engine.translate_batch(texts, "fr", "en")
    assert len(out) == 12 and all(isinstance(o, str) for o in out)
    assert sum(calls) < 3 * len(texts)  # the failed batch retried, not everything


def _with_poison(encode: Any) -> Any:
    def encode_marked(texts: list[str], src: str) -> list[list[str]]:
        out = encode(texts, src)
        return [t[:-1] + ["▁poison", "</s>"] if "poison" in text else t
                for t, text in zip(out, texts, strict=True)]

    return encode_marked


def test_output_running_out_of_positions_is_retried_in_halves(short_model: Path) -> None:
    """A random model never stops: a 20-token input would decode to the 48th position
    (cut); it is translated again in two halves instead of coming back truncated."""
    engine = CT2Translator(short_model, threads=1)
    text = "Le convoi part demain matin vers le nord avec les camions et les vivres."
    assert len(engine.encode([text], "fr")[0]) > 16  # 3 × 16 + 8 > 48 positions
    retried: list[str] = []
    retry = engine._retry

    def spy(t: str, src: str, tgt: str, depth: int = 0) -> str:
        retried.append(t)
        return retry(t, src, tgt, depth)

    engine._retry = spy  # type: ignore[method-assign]
    engine.translate_batch([text], "fr", "en")
    assert retried and len(retried) > 1  # the whole, then its halves


def test_real_model_long_paragraph_is_translated_whole(lohelp_model: Path) -> None:
    """Past 256 positions CTranslate2 throws; the engine cuts the paragraph and all of
    it is translated."""
    sentences = [f"Dans la cellule A{i}, saisissez la formule =SOMME(B{i}:C{i}) et appuyez "
                 f"sur Entrée pour calculer le total de la ligne {i}." for i in range(1, 16)]
    paragraph = " ".join(sentences)
    engine = CT2Translator(lohelp_model, threads=2)
    assert len(engine.encode([paragraph], "fr")[0]) > 256
    result = translate_texts(engine, [paragraph, "Cliquez sur OK."], "fr", "en")
    assert all(r.ok for r in result)
    # Not cut off (a truncated input loses its last sentences; the ratio of English to
    # French characters is about 0.9 on this model's domain):
    assert len(result[0].text) > 0.6 * len(paragraph), result[0].text
    assert result[0].split == "sentences"


@pytest.mark.parametrize("budget", [3, 8, 20, 1000])
def test_split_to_fit_rebuilds_the_text(budget: int) -> None:
    text = ("  Premier point. Le second, qui est plus long ; avec des clauses — et un "
            "aparté (entre parenthèses), se termine ici.\n\nLigne suivante.  ")
    segs, level = split_to_fit(text, lambda t: len(t.split()) <= budget, "fr")
    assert join_segments(segs, [s.text for s in segs]) == text
    assert all(len(s.text.split()) <= budget for s in segs)
    assert level == ("" if budget == 1000 else "windows" if budget == 3 else
                     "clauses" if budget == 8 else "sentences")


class FailsMidway(Translator):
    """Streams its results, then fails on one unit; alone, only that unit fails."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("test", "fails-midway")

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return list(self.translate_iter(texts, src, tgt))

    def translate_iter(self, texts: Sequence[str], src: str, tgt: str,
                       cancel: Any = None, batch_size: int = 0) -> Iterator[str]:
        self.asked.append(list(texts))
        for t in texts:
            if "boom" in t:
                raise RuntimeError("engine failure")
            yield t.upper()


def test_a_failure_mid_stream_keeps_what_was_translated() -> None:
    engine = FailsMidway()
    texts = ["un.", "deux.", "boom.", "trois.", "quatre."]
    results = translate_texts(engine, texts, "fr", "en")
    assert [r.ok for r in results] == [True, True, False, True, True]
    assert results[3].text == "TROIS." and "engine failure" in results[2].error
    # The two units done before the failure were not asked again.
    assert engine.asked[1:] == [["boom."], ["trois."], ["quatre."]]
