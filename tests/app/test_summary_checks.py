"""LLM summaries checked for their language and for facts the source does not hold.

The LLM here is a scripted test double (answers chosen per prompt) because the point is
the checker: a wrong-language answer, an invented URL, name or unit must be caught
whatever model wrote it.  The translation fallback runs the real fr→en model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from app.document import BlockKind, Document, DocumentMeta, Locator, Run, TranslationStatus
from app.summarize import SummaryOptions, summarize_document
from app.summarize.checks import check_key_facts, wrong_language
from app.summarize.faithfulness import unsupported_facts
from engines.llm import GenerationOptions, Message
from engines.llm.generator import LLMInfo

FR_SUMMARY = ("Le bataillon a parcouru 3 km vers Lyon le 12 mars. Le colonel Martin a "
              "demandé un appui logistique et le ravitaillement est arrivé le lendemain.")
EN_SUMMARY = ("The battalion covered 3 km towards Lyon on 12 March. Colonel Martin asked "
              "for logistic support and the supplies arrived the next day.")


class WordTokenizer:
    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [len(w) for w in text.split()]

    def decode(self, ids: Sequence[int]) -> str:
        return " ".join("x" * i for i in ids)


class ScriptedLLM:
    """An LLMBackend whose answer is chosen by ``answer(prompt)``; prompts are recorded."""

    def __init__(self, answer: Callable[[str], str], context: int = 4096) -> None:
        self.answer, self.prompts = answer, []  # type: ignore[var-annotated]
        self._context = context
        self.tokenizer = WordTokenizer()

    @property
    def info(self) -> LLMInfo:
        return LLMInfo("scripted", False, self._context, "test", "")

    @property
    def context_length(self) -> int:
        return self._context

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def prompt_tokens(self, messages: Sequence[Message], prefix: str = "") -> list[Any]:
        return " ".join(m.content for m in messages).split() + prefix.split()

    def budget(self, prompt_len: int, wanted: int) -> int:
        return min(wanted, self._context - prompt_len)

    def stream(self, messages: Sequence[Message], options: GenerationOptions | None = None,
               cancel: threading.Event | None = None, prefix: str = "") -> Iterator[str]:
        yield self.generate(messages, options, cancel, prefix=prefix)

    def generate(self, messages: Sequence[Message], options: GenerationOptions | None = None,
                 cancel: threading.Event | None = None,
                 on_text: Callable[[str], None] | None = None, prefix: str = "") -> str:
        prompt = "\n".join(m.content for m in messages)
        self.prompts.append(prompt)
        text = self.answer(prompt)
        if on_text is not None:
            on_text(text)
        return text

    def generate_many(self, prompts: Sequence[Sequence[Message]],
                      options: GenerationOptions | None = None,
                      cancel: threading.Event | None = None,
                      on_done: Callable[[int], None] | None = None) -> list[str]:
        out = []
        for i, messages in enumerate(prompts):
            out.append(self.generate(messages, options, cancel))
            if on_done is not None:
                on_done(i)
        return out

    def close(self) -> None:
        pass


def _doc(paragraphs: list[str], lang: str = "fr") -> Document:
    doc = Document(DocumentMeta(Path("rapport.docx"), "0" * 64, "docx", language=lang))
    for i, text in enumerate(paragraphs):
        doc.add_block(BlockKind.PARAGRAPH, [Run(text)], Locator("body", (i,)))
    return doc


SOURCE = [FR_SUMMARY, "Contact : jean.dupont@armee.fr ; rapport sur https://www.defense.gouv.fr/."]


def test_wrong_language_is_reprompted_then_flagged() -> None:
    llm = ScriptedLLM(lambda prompt: FR_SUMMARY)  # answers French whatever it is asked
    result = summarize_document(_doc(SOURCE), SummaryOptions(lang="en", key_facts=False),
                                llm=llm)  # type: ignore[arg-type]
    assert any("Rewrite this summary in English" in p for p in llm.prompts)
    assert result.warnings[0].startswith("Summary is in French, not English")
    assert result.language == "fr"
    assert "Summary is in French, not English" in result.to_markdown()


def test_wrong_language_fixed_by_the_second_prompt() -> None:
    llm = ScriptedLLM(lambda p: EN_SUMMARY if "Rewrite this summary" in p else FR_SUMMARY)
    result = summarize_document(_doc(SOURCE), SummaryOptions(lang="en", key_facts=False),
                                llm=llm)  # type: ignore[arg-type]
    assert result.text == EN_SUMMARY and result.language == "en"
    assert wrong_language(result.text, "en") is None
    assert any("asked again" in w for w in result.warnings)
    assert not result.unsupported  # 3 km, Lyon, 12 March, Martin are all in the source


def test_wrong_language_translated_by_the_nmt_model(lohelp_model: Path) -> None:
    from engines.translate.ct2 import CT2Translator

    french = "Cliquez sur Fichier puis sur Enregistrer pour enregistrer le document."
    llm = ScriptedLLM(lambda p: french)
    translator = CT2Translator(lohelp_model, device="cpu", threads=1)
    try:
        result = summarize_document(_doc([french]), SummaryOptions(lang="en", key_facts=False),
                                    llm=llm, translator=translator)  # type: ignore[arg-type]
    finally:
        translator.close()
    assert result.translated and result.language == "en", result.warnings
    assert wrong_language(result.text, "en") is None and result.text != french
    assert any("translated into English" in w for w in result.warnings)


def test_invented_url_email_and_names_are_listed_with_their_sentence() -> None:
    invented = ("The battalion covered 3 km towards Lyon. More at https://www.mishoney.net/ "
                "or write to info@mishoney.net. General Dubois took command in Marseille.")
    llm = ScriptedLLM(lambda p: invented)
    result = summarize_document(_doc(SOURCE), SummaryOptions(lang="en", key_facts=False),
                                llm=llm)  # type: ignore[arg-type]
    found = {u.text: u for u in result.unsupported}
    assert found["https://www.mishoney.net/"].kind == "URL"
    assert "More at https://www.mishoney.net/" in found["https://www.mishoney.net/"].context
    assert found["info@mishoney.net"].kind == "e-mail address"
    assert {"General Dubois", "Marseille"} <= found.keys()
    assert "Lyon" not in found and "3 km" not in found
    markdown = result.to_markdown()
    assert "Not found in the source" in markdown and "mishoney" in markdown


def test_number_with_the_wrong_unit() -> None:
    source = "Le bataillon a parcouru 3 km et perdu 2 véhicules."
    flagged = unsupported_facts("The battalion lost 3 soldiers.", source, same_language=False)
    assert [(u.text, u.kind) for u in flagged] == [("3 soldiers", "number + unit")]
    same = unsupported_facts("Le bataillon a perdu 3 soldats et 2 véhicules.", source)
    assert [u.text for u in same] == ["3 soldats"]
    assert unsupported_facts("Le bataillon a parcouru 3 km.", source) == []
    assert [u.text for u in unsupported_facts("It covered 3 kg.", source, False)] == ["3 kg"]


def test_key_facts_checked_and_bare_digits_dropped() -> None:
    source = " ".join(SOURCE)
    facts = {"who": ["2", "1"], "where": ["Lyon", "Marseille"], "what": ["3 soldiers lost"]}
    kept, unsupported, warnings = check_key_facts(facts, source, same_language=False)
    assert kept["who"] == [] and any("who" in w.lower() and "bare" in w for w in warnings)
    assert kept["where"] == ["Lyon", "Marseille"]
    assert {u.text for u in unsupported} == {"Marseille", "3 soldiers"}
    assert all(u.context.startswith("key fact") for u in unsupported)


def test_key_facts_from_the_model_go_through_the_same_check() -> None:
    def answer(prompt: str) -> str:
        if prompt.startswith("Extract the key facts"):
            return ' "2", "1"], "where": ["Toulon"], "what": [], "when": ["12 mars"]}'
        return FR_SUMMARY

    result = summarize_document(_doc(SOURCE), SummaryOptions(lang="fr"),
                                llm=ScriptedLLM(answer))  # type: ignore[arg-type]
    assert result.key_facts is not None and result.key_facts["who"] == []
    assert [u.text for u in result.unsupported] == ["Toulon"]
    assert any("bare numbers" in w for w in result.warnings)


def test_reduce_step_gets_the_section_titles() -> None:
    doc = Document(DocumentMeta(Path("long.docx"), "0" * 64, "docx", language="fr"))
    titles = [f"Partie {c} : {name}" for c, name in zip("ABCDEF", (
        "logistique", "transmissions", "renseignement", "manoeuvre", "santé", "bilan"),
        strict=True)]
    for n, title in enumerate(titles):
        doc.add_block(BlockKind.HEADING, [Run(title)], Locator("body", (n, 0)), level=1)
        for p in range(12):
            doc.add_block(BlockKind.PARAGRAPH, [Run(
                f"Le paragraphe {p} de la partie {n} décrit les opérations menées. " * 8)],
                Locator("body", (n, p + 1)))
    llm = ScriptedLLM(lambda p: "Résumé partiel des opérations menées.", context=1400)
    summarize_document(doc, SummaryOptions(lang="fr", key_facts=False), llm=llm,  # type: ignore[arg-type]
                       window=1400)
    final = llm.prompts[-1]
    assert "cover each section in order" in final
    for title in titles:
        assert f"## {title}" in final or title in final, title


def test_summary_of_the_translation_or_of_the_source() -> None:
    doc = _doc(SOURCE + ["Le ravitaillement est arrivé le lendemain matin à Lyon."])
    for block in doc.blocks:
        block.translation.text = f"[EN] {block.text}"
        block.translation.status = TranslationStatus.TRANSLATED
    seen: list[str] = []

    def answer(prompt: str) -> str:
        seen.append(prompt)
        return EN_SUMMARY

    from_tr = summarize_document(doc, SummaryOptions(lang="en", key_facts=False,
                                                     basis="translation"),
                                 llm=ScriptedLLM(answer))  # type: ignore[arg-type]
    assert "[EN] Le bataillon" in seen[0]
    assert from_tr.basis == "translation"
    assert "Summarized from the translation (en)" in from_tr.to_markdown()
    seen.clear()
    from_src = summarize_document(doc, SummaryOptions(lang="en", key_facts=False),
                                  llm=ScriptedLLM(answer))  # type: ignore[arg-type]
    assert "[EN]" not in seen[0] and from_src.basis == "source"
