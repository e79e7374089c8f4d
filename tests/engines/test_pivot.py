"""Pivot through English: src → en → tgt with two engines."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from engines.errors import Cancelled, ModelNotFound
from engines.store import Manifest, ModelStore
from engines.translate.base import EngineInfo, Translator
from engines.translate.batch import translate_texts
from engines.translate.chain import build_chain
from engines.translate.pivot import PivotTranslator

FR_EN = {"le": "the", "convoi": "convoy", "part": "leaves", "demain": "tomorrow"}
EN_DE = {"the": "der", "convoy": "Konvoi", "leaves": "fährt", "tomorrow": "morgen"}


class Dictionary(Translator):
    def __init__(self, name: str, src: str, tgt: str, words: dict[str, str]) -> None:
        self.name, self.src, self.tgt, self.words = name, src, tgt, words
        self.seen: list[str] = []

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("ct2", self.name, checksum=f"sum-{self.name}")

    def supports(self, src: str, tgt: str) -> bool:
        return (src, tgt) == (self.src, self.tgt)

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        assert (src, tgt) == (self.src, self.tgt), (src, tgt)
        self.seen += texts
        return [re.sub(r"\w+", lambda m: self.words.get(m.group(0).lower(), m.group(0)), t)
                for t in texts]


def _pair() -> tuple[Dictionary, Dictionary]:
    return Dictionary("fr-en", "fr", "en", FR_EN), Dictionary("en-de", "en", "de", EN_DE)


def test_pivot_chains_two_engines() -> None:
    first, second = _pair()
    pivot = PivotTranslator(first, second)
    assert pivot.supports("fr", "de") and not pivot.supports("de", "fr")
    out = pivot.translate_batch(["Le convoi part demain.", "Le convoi."], "fr", "de")
    assert out == ["der Konvoi fährt morgen.", "der Konvoi."]
    assert second.seen == ["the convoy leaves tomorrow.", "the convoy."]
    assert pivot.info.model_id == "fr-en+en-de" and pivot.info.extra["pivot"] == "en"


def test_pivot_skips_a_leg_when_a_side_is_english() -> None:
    first, second = _pair()
    pivot = PivotTranslator(first, second)
    assert pivot.translate_batch(["the convoy"], "en", "de") == ["der Konvoi"]
    assert first.seen == []


def test_pivot_inside_the_chain_keeps_protected_spans_and_has_no_aligner() -> None:
    first, second = _pair()
    chain = build_chain(PivotTranslator(first, second))
    result = translate_texts(chain, ["Le convoi FR-2024-0173 part demain à 14h30."], "fr", "de")
    assert result[0].text == "der Konvoi FR-2024-0173 fährt morgen à 14h30."
    assert result[0].lost_spans == []
    assert not hasattr(getattr(chain, "inner", None), "inner")  # style alignment must not use the first leg


def test_pivot_cancel() -> None:
    first, second = _pair()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        PivotTranslator(first, second).translate_all(["Le convoi."] * 64, "fr", "de",
                                                     cancel=cancel)
    assert second.seen == []


def _install(store: ModelStore, source: Path, model_id: str, pair: tuple[str, str]) -> None:
    with store.staging() as staging:
        folder = staging / "m"
        shutil.copytree(source, folder)
        store.install(folder, Manifest(id=model_id, kind="translation", format="ct2-opus-mt",
                                       pairs=[pair]))


def test_engine_selection_pivots_when_no_direct_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core.config import JobConfig
    from app.pipeline.engine_select import make_translator
    from tests import modelgen

    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PASSERELLE_MODELS", raising=False)
    monkeypatch.delenv("PASSERELLE_SHARED_MODELS", raising=False)
    store = ModelStore(tmp_path / "data" / "models")
    _install(store, modelgen.plain_folder(tmp_path / "a", "good morning"), "de-en", ("de", "en"))
    _install(store, modelgen.plain_folder(tmp_path / "b", "bonjour le monde"), "en-fr",
             ("en", "fr"))
    engine = make_translator(JobConfig(input=tmp_path / "x.docx", target_lang="fr"), "de")
    assert isinstance(engine, PivotTranslator)
    assert engine.info.model_id == "de-en+en-fr"
    assert engine.translate_batch(["hello world"], "de", "fr") == ["bonjour le monde"]
    with pytest.raises(ModelNotFound):  # no de→en→ru route
        make_translator(JobConfig(input=tmp_path / "x.docx", target_lang="ru"), "de")
