"""Issue 2's walking skeleton: a DOCX translated by the real CTranslate2 + sentencepiece path.

The toy model (tests/fixtures/toy_model) translates English words into a made-up
language "xx", word by word, so every expected output is known exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest

from app.cli import main
from tests.docgen import simple_docx


@pytest.fixture(scope="module")
def lexicon(toy_model: Path) -> dict[str, str]:
    data = json.loads((toy_model / "expected.json").read_text(encoding="utf-8"))
    return dict(data["lexicon"])


def _word_by_word(text: str, lexicon: dict[str, str]) -> str:
    out = []
    for word in text.split(" "):
        core = word.rstrip(".?!")
        out.append(lexicon[core] + word[len(core):])
    return " ".join(out)


def test_docx_with_table_and_header_translates_exactly(
        tmp_path: Path, toy_model: Path, lexicon: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    words = [w for w in lexicon if w.isalpha()]
    paragraphs = [
        "the cat sees the dog. the officer reads the report.",
        " ".join(words[:6]),
        "my dog likes water",
    ]
    cells = [["the cat", "the dog"], [" ".join(words[6:9]), "the report."]]
    src = simple_docx(tmp_path / "toy.docx", paragraphs, table=cells, header="the old book")
    out = tmp_path / "toy.xx.docx"
    code = main(["translate", str(src), "--to", "xx", "--from", "en", "--model", str(toy_model),
                 "--quiet", "--device", "cpu"])
    assert code == 0, capsys.readouterr().err
    source, result = docx.Document(str(src)), docx.Document(str(out))
    assert len(result.paragraphs) == len(source.paragraphs)
    assert len(result.tables[0]._cells) == len(source.tables[0]._cells)
    assert [p.text for p in result.paragraphs] == [_word_by_word(p, lexicon) for p in paragraphs]
    assert [[c.text for c in row.cells] for row in result.tables[0].rows] == [
        [_word_by_word(t, lexicon) for t in row] for row in cells]
    assert result.sections[0].header.paragraphs[0].text == _word_by_word("the old book", lexicon)
    assert "la kato vidas la hundo. la oficiro legas la raporto." in [
        p.text for p in result.paragraphs]
