"""Plain text, Markdown and HTML (issue 17): text translated, structure and code kept,
encodings detected and kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from app.formats.markdown import inlines
from app.formats.sniff import detect_format
from app.formats.textenc import decode
from engines.translate.pseudo import pseudo_localize
from tests.roundtrip import accented, assert_faithful, reopens_in_libreoffice, translate

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_HTML = Path("/usr/share/doc/base-passwd/users-and-groups.html")
SYSTEM_TEXT = Path("/usr/share/doc/dpkg/spec/triggers.txt")

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="{charset}"><title>Depot news</title>
<style>p {{ color: red; }} /* Do not translate */</style>
<script>var msg = "Do not translate this";</script></head>
<body>
<h1>Quarterly <em>review</em></h1>
<!-- a comment stays -->
<p>The depot received <b>12 new trucks</b> in March; see the
  <a href="guide.html" title="Maintenance guide">maintenance guide</a>.<br>Run <code>make check</code> first.</p>
<ul><li>First item</li><li>Second item</li></ul>
<img src="http://127.0.0.1:9/never-fetched.png" alt="Entrance of the depot">
<pre>keep   this</pre>
</body></html>
"""

MARKDOWN = """# Depot *news*

The depot received **12 new trucks** in March; see the
[maintenance guide](guide.md). Run `make check` first.

- First item
- Second item

> A quoted remark

| Item | Count |
|---|---|
| Spare wheels | 12 |

```
keep this code
```

    indented code stays too
"""


@pytest.mark.parametrize(("text", "codec"), [
    ("Le général a décidé que l'équipe partirait à l'aube, après le déjeuner.", "cp1252"),
    ("قرر القائد العام أن الفريق سيغادر عند الفجر بعد الغداء.", "cp1256"),
    ("Генерал решил, что команда выйдет на рассвете после обеда.", "koi8_r"),
    ("Генерал решил, что команда выйдет на рассвете после обеда.", "cp1251"),
    ("Le général a décidé.", "utf-16"),
    ("Le général a décidé.", "utf-8-sig"),
])
def test_encodings_detected_and_kept(text: str, codec: str, tmp_path: Path) -> None:
    assert decode(text.encode(codec)).text == text
    src = tmp_path / "note.txt"
    src.write_bytes(text.encode(codec))
    out = tmp_path / "note.en.txt"
    assert detect_format(src) == "txt"
    job = translate(src, out, source_lang="fr", target_lang="en")
    assert_faithful(job)
    if codec in ("utf-16", "utf-8-sig", "koi8_r", "cp1251", "cp1256"):
        assert out.read_bytes().decode(codec).startswith("[")  # same encoding, BOM kept
    else:  # the pseudo accents (đ, ñ) do not fit in cp1252: UTF-8, and said so
        assert out.read_bytes().decode("utf-8").startswith("[")
        assert any("UTF-8" in w for w in job.doc.warnings)


def test_plain_text_keeps_layout(tmp_path: Path) -> None:
    src = tmp_path / "n.txt"
    src.write_text("The depot received twelve new trucks in March, and the\r\n"
                   "mechanics checked each one before the inspection.\r\n\r\n"
                   "  - First item to check\r\n  - Second item\r\n", encoding="utf-8")
    out = tmp_path / "n.fr.txt"
    job = translate(src, out)
    assert job.doc.blocks[0].text.endswith("before the inspection.")
    text = out.read_bytes().decode()
    assert "\r\n\r\n  - [Fîršt" in text and "\r\n  - [Šéçöñđ" in text
    assert all(len(line) <= 60 for line in text.split("\r\n"))  # wrapped like the source


def test_markdown_structure_and_code_untouched(tmp_path: Path) -> None:
    src = tmp_path / "n.md"
    src.write_text(MARKDOWN, encoding="utf-8")
    out = tmp_path / "n.fr.md"
    assert_faithful(translate(src, out))
    result = out.read_text(encoding="utf-8")
    assert "```\nkeep this code\n```" in result and "    indented code stays too" in result
    assert "`make check`" in result and "](guide.md)" in result and "**12 ñéw" in result

    def shape(text: str) -> list[str]:
        from markdown_it import MarkdownIt

        return [t.type for t in MarkdownIt("commonmark").enable("table").parse(text)]

    assert shape(MARKDOWN) == shape(result)
    assert len(list(inlines(result))) == len(list(inlines(MARKDOWN)))


@pytest.mark.parametrize("name", ["corpus", "docs"])
def test_real_markdown_file(tmp_path: Path, name: str) -> None:
    """Real Markdown nobody wrote for this test: the shared corpus's README, and the project's
    architecture notes (not the README, whose dated figures the pseudo engine rightly breaks)."""
    real = {"corpus": ROOT.parent / "shared" / "corpus" / "README.md",
            "docs": ROOT / "docs" / "architecture.md"}[name]
    if not real.exists():
        pytest.skip(f"{real} is absent (a plain clone has no ../shared)")
    src = Path(shutil.copy(real, tmp_path / "README.md"))
    out = tmp_path / "README.ja.md"
    job = translate(src, out, target_lang="ja")  # "2,000" reads the same in Japanese
    assert_faithful(job)
    source, result = src.read_text(encoding="utf-8"), out.read_text(encoding="utf-8")
    fences = [line for line in source.splitlines() if line.startswith("```")]
    assert fences == [line for line in result.splitlines() if line.startswith("```")]
    reopens_in_libreoffice(out, tmp_path)


def test_html_markup_scripts_and_attributes(tmp_path: Path) -> None:
    src = tmp_path / "page.html"
    src.write_text(PAGE.format(charset="utf-8"), encoding="utf-8")
    out = tmp_path / "page.fr.html"
    assert_faithful(translate(src, out))  # the offline guard would fail any fetch
    result = out.read_text(encoding="utf-8")
    assert 'var msg = "Do not translate this";' in result
    assert "/* Do not translate */" in result and "<pre>keep   this</pre>" in result
    assert "<!-- a comment stays -->" in result and "<code>make check</code>" in result
    tree = lxml_html.fromstring(result.encode())
    assert tree.get("lang") == "fr"
    assert tree.find(".//img").get("alt") == pseudo_localize("Entrance of the depot")
    link = tree.find(".//a")
    assert link.get("href") == "guide.html" and accented("Maintenance") in link.get("title")
    assert accented("new trucks") in tree.find(".//b").text

    def tags(text: str) -> list[str]:
        return [el.tag for el in lxml_html.fromstring(text.encode()).iter()
                if isinstance(el.tag, str)]

    assert tags(PAGE.format(charset="utf-8")) == tags(result)


def test_html_in_cp1256_keeps_or_declares_its_charset(tmp_path: Path) -> None:
    src = tmp_path / "ar.html"
    src.write_bytes(PAGE.replace("Depot news", "أخبار المستودع").format(
        charset="windows-1256").encode("cp1256"))
    out = tmp_path / "ar.fr.html"
    translate(src, out, source_lang="en", target_lang="fr")
    data = out.read_bytes()
    assert b'charset="utf-8"' in data  # pseudo accents do not fit cp1256: declared UTF-8
    assert data.decode("utf-8").count("<") == PAGE.count("<")


@pytest.mark.parametrize("system_file", [SYSTEM_HTML, SYSTEM_TEXT])
def test_real_system_files_reopen_in_libreoffice(system_file: Path, tmp_path: Path) -> None:
    if not system_file.is_file():
        pytest.skip(f"{system_file} is not installed on this machine")
    src = Path(shutil.copy(system_file, tmp_path / system_file.name))
    out = tmp_path / f"{src.stem}.ja{src.suffix}"
    job = translate(src, out, target_lang="ja")
    assert_faithful(job)
    reopens_in_libreoffice(out, tmp_path)
