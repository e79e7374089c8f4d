from __future__ import annotations

import json
from pathlib import Path

from app.document import (
    BlockKind,
    Document,
    DocumentMeta,
    Geometry,
    Locator,
    Run,
    Style,
    TranslationStatus,
)


def _doc() -> Document:
    doc = Document(DocumentMeta(Path("/x/rapport.docx"), "ab" * 32, "docx", page_count=2,
                                language="fr", language_confidence=0.93))
    doc.add_block(BlockKind.HEADING, [Run("Rapport")], Locator("body", (0,)), level=1)
    doc.add_block(BlockKind.PARAGRAPH,
                  [Run("Le "), Run("convoi", Style(bold=True)), Run(" part.")],
                  Locator("body", (1,)))
    doc.add_block(BlockKind.TABLE_CELL, [Run("12")], Locator("body", (2, 0, 1, 0)),
                  geometry=Geometry(page=0, bbox=(1.0, 2.0, 3.0, 4.0)))
    return doc


def test_blocks_get_sequential_ids_and_text() -> None:
    doc = _doc()
    assert [b.id for b in doc.blocks] == [0, 1, 2]
    assert doc.blocks[1].text == "Le convoi part."
    assert not doc.blocks[1].is_uniform()
    assert doc.blocks[0].is_uniform()
    assert doc.blocks[2].locator.key() == "body/2.0.1.0"


def test_output_text_falls_back_to_source_unless_translated() -> None:
    block = _doc().blocks[1]
    block.translation.text = "The convoy leaves."
    assert block.output_text == "Le convoi part."  # still pending: never dropped
    block.translation.status = TranslationStatus.TRANSLATED
    assert block.output_text == "The convoy leaves."


def test_to_json_is_complete_and_valid() -> None:
    doc = _doc()
    doc.blocks[1].translation.status = TranslationStatus.TRANSLATED
    data = json.loads(doc.to_json())
    assert data["meta"]["source_path"] == "/x/rapport.docx"
    assert data["meta"]["language"] == "fr"
    assert [b["kind"] for b in data["blocks"]] == ["heading", "paragraph", "table_cell"]
    assert data["blocks"][1]["runs"][1]["style"]["bold"] is True
    assert data["blocks"][1]["translation"]["status"] == "translated"
    assert data["blocks"][2]["geometry"]["bbox"] == [1.0, 2.0, 3.0, 4.0]
