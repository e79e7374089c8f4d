"""Markdown paragraphs soft-wrapped in the source come back wrapped at the source's width,
with their continuation indentation and hard breaks, never split inside a code span or
a link; what was on one line stays on one line."""

from __future__ import annotations

import re
import shutil
import sysconfig
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from app.core.config import JobConfig
from app.formats.markdown import inlines
from app.pipeline.job import Job, run
from engines.translate.base import EngineInfo, Translator
from tests.roundtrip import translate

CHUNKING_README = "pymupdf4llm/helpers/chunking/README.md"  # wrapped at 78, lists, code


class Wordier(Translator):
    """A test double that makes every word three letters longer (text +40 % or so),
    with no padding that could only go at the end of a line; the pipeline's style tags
    (``<a1>…</a1>``) are kept."""

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(engine="wordier")

    def translate_batch(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return [re.sub(r"</?\w+>|[^\W\d_]+", _longer, t) for t in texts]


def _longer(m: re.Match[str]) -> str:
    return m.group() if m.group().startswith("<") else m.group() + "ish"


def wordier(tmp_path: Path, source: str) -> str:
    src = tmp_path / "note.md"
    src.write_text(source, encoding="utf-8")
    out = tmp_path / "note.fr.md"
    job = Job(JobConfig(input=src, target_lang="fr", source_lang="en", engine="pseudo",
                        output=out, overwrite=True))
    job.translator = Wordier()
    run(job)
    return out.read_text(encoding="utf-8")


def shape(text: str) -> list[tuple[str, int]]:
    from markdown_it import MarkdownIt

    return [(t.type, t.level) for t in MarkdownIt("commonmark").enable("table").parse(text)
            if t.type != "inline"]


def paragraphs(text: str) -> list[list[str]]:
    lines = text.splitlines()
    return [lines[i.token.map[0]:i.token.map[1]] for i in inlines(text)]


PARAGRAPH = """\
The depot received twelve new trucks in March, and the mechanics checked
each one before the inspection began; the drivers waited in the yard until
the last of them was cleared for the road and signed off by the foreman.
"""


def test_soft_wrapped_paragraph_is_wrapped_at_the_source_width(tmp_path: Path) -> None:
    assert max(len(line) for line in PARAGRAPH.splitlines()) == 74
    result = wordier(tmp_path, PARAGRAPH)
    lines = result.splitlines()
    assert len(lines) > 3  # longer than the source, so more lines
    assert all(len(line) <= 74 for line in lines), lines
    words = [w + "ish" if w.isalpha() else w for w in re.findall(r"\w+|[^\w\s]", PARAGRAPH)]
    assert re.findall(r"\w+|[^\w\s]", result) == words  # nothing lost or moved
    assert shape(result) == shape(PARAGRAPH)


NARROW = """\
A note wrapped at forty columns: the
depot received twelve new trucks in
March and each one was checked.
"""


def test_width_follows_the_source(tmp_path: Path) -> None:
    assert max(len(line) for line in NARROW.splitlines()) == 36
    result = wordier(tmp_path, NARROW)
    assert all(len(line) <= 36 for line in result.splitlines()), result
    assert len(result.splitlines()) >= 4


LIST = """\
- The first item of the list is long enough that its author wrapped it at
  seventy-two columns, and indented the continuation by two spaces.
  - A nested item that its author wrapped too, with four spaces in front
    of each of its continuation lines, as CommonMark asks.

> A quoted remark that the author wrapped over two lines because it was
> long enough to need it, and each line starts with the quote marker.

1. An ordered item with its continuation indented by three spaces, as the
   marker is three characters wide.
"""


def test_list_and_quote_continuations_keep_their_indentation(tmp_path: Path) -> None:
    result = wordier(tmp_path, LIST)
    assert shape(result) == shape(LIST)
    paras = paragraphs(result)
    assert [p[0][:6] for p in paras] == ["- Thei", "  - Ai", "> Aish", "1. Ani"]
    for para, indent in zip(paras, ["  ", "    ", "> ", "   "], strict=True):
        assert len(para) >= 3, para  # more lines than the two of the source
        assert all(line.startswith(indent) and line[len(indent)] != " " for line in para[1:])
        assert all(len(line) <= 76 for line in para), para


CODE_AND_LINK = """\
Before you start the engine of the new truck, run the command `make check
--all` and read the [maintenance guide](http://example.invalid/a-long-path)
that the foreman wrote; then run `make test` and read the [rules of the
road](http://example.invalid/b) once more before you go out on the road.
"""
LINKS = ["[maintenanceish guideish](http://example.invalid/a-long-path)",
         "[rulesish ofish theish roadish](http://example.invalid/b)"]
CODES = ["`make check --all`", "`make test`"]


def test_code_spans_and_links_are_never_split(tmp_path: Path) -> None:
    assert max(len(line) for line in CODE_AND_LINK.splitlines()) == 75
    result = wordier(tmp_path, CODE_AND_LINK)
    lines = result.splitlines()
    assert len(lines) > 4 and all(len(line) <= 75 for line in lines), lines
    for whole in LINKS + CODES:
        assert any(whole in line for line in lines), (whole, lines)


def fill(text: str, width: int) -> str:
    """``text`` wrapped at ``width`` with no line starting like a block."""
    glued = re.sub(r" (?=[-+#>=]|\d+[.)] )", "\x01", text)
    return textwrap.fill(glued, width, break_long_words=False,
                         break_on_hyphens=False).replace("\x01", " ")


def test_code_spans_and_links_are_never_split_at_any_width(tmp_path: Path) -> None:
    source = "\n\n".join(fill(CODE_AND_LINK.replace("\n", " "), w) for w in range(45, 80))
    result = wordier(tmp_path, source + "\n")
    assert shape(result) == shape(source)
    for old, new in zip(paragraphs(source), paragraphs(result), strict=True):
        width = max(len(line) for line in old)
        assert len(new) > len(old)
        for whole in LINKS + CODES:
            assert any(whole in line for line in new), (whole, new)
        assert all(len(line) <= width or " " not in unbreakable(line) for line in new), new


def unbreakable(line: str) -> str:
    """``line`` with its links and code spans as one word each."""
    for whole in LINKS + CODES:
        line = line.replace(whole, "x")
    return line.strip()


RISKY = ("The depot got trucks - twelve of them - and vans: 1. big ones, 2. small ones, "
         "# of each - see the list > below; + more to come - and - so - on - and so on "
         "until the end - of - the - year - 2025. - 1) - # - > - = - + and the rest.")


def test_what_would_start_a_block_never_starts_a_line(tmp_path: Path) -> None:
    """A dash, a number with a dot, a hash or a quote marker at the start of a wrapped
    line would turn the rest of the paragraph into a list, a heading or a quote."""
    source = "\n\n".join(fill(RISKY, w) for w in range(45, 80)) + "\n"
    assert shape(source) == [("paragraph_open", 0), ("paragraph_close", 0)] * 35
    result = wordier(tmp_path, source)
    assert shape(result) == shape(source)
    assert all(len(new) > len(old)
               for old, new in zip(paragraphs(source), paragraphs(result), strict=True))


ONE_LINE = """\
# A heading that is rather long, long enough to go past the wrap width of the paragraphs

A paragraph written on one line in the source, long enough to pass seventy-two columns.

| Column | Another column |
|---|---|
| A table cell that is long, long enough to pass the wrap width of the file | 12 |

Then a paragraph that the author wrapped at seventy-two columns, like the
others in the file.
"""


def test_one_line_paragraphs_headings_and_cells_stay_on_one_line(tmp_path: Path) -> None:
    result = wordier(tmp_path, ONE_LINE)
    assert shape(result) == shape(ONE_LINE)
    paras = paragraphs(result)
    assert [len(p) for p in paras[:-1]] == [1] * (len(paras) - 1)
    assert len(paras[-1]) == 3, paras[-1]  # the wrapped one is wrapped again


HARD = ("- Roses are red and the author wrapped this line with a hard break here\\\n"
        "  violets are blue, and this line ends with two spaces for another one  \n"
        "  sugar is sweet, and this last line of the list item is soft-wrapped\n"
        "  right here.\n")


def test_hard_breaks_are_kept_as_written(tmp_path: Path) -> None:
    result = wordier(tmp_path, HARD)
    assert shape(result) == shape(HARD)
    lines = result.splitlines()
    assert lines[0].startswith("- Rosesish")
    assert all(line.startswith("  ") and line[2] != " " for line in lines[1:]), lines
    ends = [line[-1] if line.endswith("\\") else "  " if line.endswith("  ") else ""
            for line in lines]
    assert [e for e in ends if e] == ["\\", "  "], lines  # same breaks, same markers
    child = [c.type for i in inlines(result) for c in i.token.children]
    assert child.count("hardbreak") == 2


@pytest.mark.parametrize("engine", ["wordier", "pseudo"])
def test_real_readme_wrapped_like_the_source(tmp_path: Path, engine: str) -> None:
    """pymupdf4llm's chunking notes, as installed in the project's virtual environment:
    paragraphs and list items wrapped at 78 columns, with inline code and fences."""
    real = Path(sysconfig.get_paths()["purelib"]) / CHUNKING_README  # read, not imported
    if not real.exists():
        pytest.skip(f"{CHUNKING_README} is not installed")
    source = real.read_text(encoding="utf-8")
    if engine == "pseudo":
        src = Path(shutil.copy(real, tmp_path / "README.md"))
        translate(src, tmp_path / "README.fr.md")
        result = (tmp_path / "README.fr.md").read_text(encoding="utf-8")
    else:
        result = wordier(tmp_path, source)
    assert shape(result) == shape(source)
    width = max(len(line) for line in source.splitlines() if not line.startswith(" " * 3))
    before, after = list(inlines(source)), list(inlines(result))
    assert len(before) == len(after)
    wrapped = 0
    for old, new in zip(before, after, strict=True):
        old_lines = old.token.map[1] - old.token.map[0]
        new_lines = result.splitlines()[new.token.map[0]:new.token.map[1]]
        if old_lines == 1:
            assert len(new_lines) == old_lines
            continue
        wrapped += 1
        assert len(new_lines) >= max(2, old_lines)  # the translation is no shorter
        if engine == "wordier":  # no unbreakable padding: only code spans overflow
            assert all(len(line) <= width or "`" in line for line in new_lines), new_lines
    assert wrapped >= 8


def test_windows_line_endings_are_kept(tmp_path: Path) -> None:
    wordier(tmp_path, LIST.replace("\n", "\r\n"))
    data = (tmp_path / "note.fr.md").read_bytes()
    assert data.count(b"\n") > LIST.count("\n") + 3  # wrapped: more lines
    assert data.count(b"\n") == data.count(b"\r\n")


def test_a_paragraph_that_starts_with_a_number_and_a_dot_stays_a_paragraph(
        tmp_path: Path) -> None:
    """Escaped after the digits (``12\\.``): a backslash before a digit would be shown."""
    from markdown_it import MarkdownIt

    out = wordier(tmp_path, "12\\. The twelfth rule applies to every convoy.\n")
    assert out.startswith("12\\. "), out
    tokens = [t.type for t in MarkdownIt("commonmark").parse(out)]
    assert "ordered_list_open" not in tokens and "paragraph_open" in tokens
    rendered = MarkdownIt("commonmark").render(out)
    assert rendered.startswith("<p>12. The") and "\\" not in rendered, rendered
