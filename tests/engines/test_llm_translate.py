"""The ``llm`` translation engine: prompt, batching, output clean-up, glossary check."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.llm import LLMEngine
from engines.translate.glossary import Glossary
from engines.translate.llm import LLMTranslator, clean_output


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory: pytest.TempPathFactory) -> LLMEngine:
    from engines.gguf import convert_gguf
    from engines.gguf.tiny import TinyConfig, write_tiny_gguf

    folder = tmp_path_factory.mktemp("tiny_llm_tr")
    gguf = write_tiny_gguf(folder / "tiny.gguf", TinyConfig(context_length=2048))
    return LLMEngine(convert_gguf(gguf, folder / "ct2"), device="cpu", threads=1)


@pytest.mark.parametrize("raw,clean", [
    ("Translation: The convoy left.", "The convoy left."),
    ('"The convoy left."', "The convoy left."),
    ("  «Le convoi est parti.»  ", "Le convoi est parti."),
    ("plain", "plain"),
])
def test_clean_output(raw: str, clean: str) -> None:
    assert clean_output(raw) == clean


def test_prompt_uses_the_chat_template_and_glossary(tiny_llm: LLMEngine, tmp_path: Path) -> None:
    csv = tmp_path / "g.csv"
    csv.write_text("source,target,src_lang,tgt_lang\nOTAN,NATO,fr,en\n", encoding="utf-8")
    tr = LLMTranslator(tiny_llm, Glossary.load(csv))
    messages = tr._messages("L'OTAN arrive.", "fr", "en")
    assert "from French to English" in messages[0].content
    assert "OTAN → NATO" in messages[0].content
    prompt = tiny_llm.chat.render(messages)
    assert prompt.startswith("<|im_start|>system\n") and prompt.endswith("<|im_start|>assistant\n")


def test_batches_keep_order_and_flag_missing_terms(tiny_llm: LLMEngine, tmp_path: Path) -> None:
    csv = tmp_path / "g.csv"
    csv.write_text("source,target\nconvoi,convoy-term-that-a-random-model-never-writes\n",
                   encoding="utf-8")
    tr = LLMTranslator(tiny_llm, Glossary.load(csv))
    texts = [f"le convoi {i}" for i in range(6)]
    out = tr.translate_batch(texts, "fr", "en")
    assert len(out) == 6 and all(isinstance(t, str) for t in out)
    assert tr.missing_terms.count("convoi") == 6  # verified on every output
    assert tr.info.engine == "llm"
