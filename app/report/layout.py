"""The report as a flat list of simple elements, shared by the DOCX and PDF renderers.

Both formats render the same elements, so they always carry the same content:
cover and provenance, disclaimers, summary and key facts, translation, appendix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.pipeline.fidelity import summary_line
from app.report.model import ReportData, Row
from app.report.texts import disclaimers, labels
from app.summarize.keyfacts import FIELD_LABELS
from app.summarize.types import language_name


@dataclass(frozen=True)
class Title:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: a report section


@dataclass(frozen=True)
class Para:
    text: str
    style: str = ""  # "", "warn", "small", "strong"


@dataclass(frozen=True)
class Bullets:
    items: list[str]
    style: str = ""


@dataclass(frozen=True)
class Cell:
    text: str
    heading: int = 0  # > 0: a heading of that level, kept as a heading
    bold: bool = False
    mono: bool = False  # hashes and checksums


@dataclass(frozen=True)
class Table:
    rows: list[list[Cell]]
    header: list[str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # fractions of the text width
    kind: str = "grid"  # "grid", "keyvalue" or "bilingual"


@dataclass(frozen=True)
class PageBreak:
    pass


Element = Title | Heading | Para | Bullets | Table | PageBreak


def _lang(code: str | None, confidence: float | None = None, lab: dict[str, str] | None = None
          ) -> str:
    if not code:
        return (lab or {}).get("unknown", "unknown")
    text = f"{language_name(code)} ({code})"
    if confidence is not None:
        text += f", {(lab or {}).get('confidence', 'confidence')} {confidence:.0%}"
    return text


def _pages(pages: int | None, fmt: str, lab: dict[str, str]) -> str:
    if not pages:
        return lab["unknown"]
    return f"{pages} ({lab['declared']})" if fmt == "docx" else str(pages)


def cover(data: ReportData, lab: dict[str, str]) -> list[Element]:
    s = data.source
    marking = data.marking.label or lab["marking_none"]
    if data.marking.source == "user":
        marking += " (user)"
    rows = [
        (lab["source_file"], s.name), (lab["sha256"], s.sha256), (lab["format"], s.format.upper()),
        (lab["pages"], _pages(s.pages, s.format, lab)),
        (lab["source_language"], _lang(s.language, s.confidence, lab)),
        (lab["target_language"], _lang(data.target_language)),
        (lab["glossary"], data.glossary or lab["none"]),
        (lab["produced"], data.created.strftime("%Y-%m-%d %H:%M:%S UTC")),
        (lab["workstation"], data.host), (lab["user"], data.user), (lab["marking"], marking),
    ]
    out: list[Element] = [Title(lab["title"]), Heading(lab["provenance"]),
                          Table([[Cell(k, bold=True), Cell(v, mono=k == lab["sha256"])]
                                 for k, v in rows], widths=[0.3, 0.7], kind="keyvalue")]
    out += markings_found(data, lab)
    out.append(Heading(lab["engines"], 2))
    models = [[Cell(m.role), Cell(m.engine),
               Cell(m.model_id + (f" — {lab['demo']}" if m.demo else "")
                    + (f" ({m.server})" if m.server else ""), bold=m.demo),
               Cell(m.version)] for m in data.models]
    out.append(Table(models, [lab["role"], "Engine", lab["model"], lab["version"]],
                     [0.2, 0.15, 0.5, 0.15]))
    sums = [[Cell(m.model_id, bold=True), Cell(m.checksum, mono=True)]
            for m in data.models if m.checksum]
    if sums:
        out.append(Table(sums, [lab["model"], lab["checksum"]], [0.3, 0.7], "keyvalue"))
    out.append(Heading(lab["disclaimer"], 2))
    out += [Para(text, "warn") for _, text in disclaimers(data.target_language)]
    if data.warnings:
        out += [Heading(lab["warnings"], 2), Bullets(data.warnings, "warn")]
    return out


def markings_found(data: ReportData, lab: dict[str, str]) -> list[Element]:
    """Every place where the source carries a marking (pages or part, blocks, as written)."""
    places = data.marking.grouped()
    if not places:
        return []
    rows = [[Cell(p.label, bold=True), Cell(p.where()), Cell(_blocks(p.blocks)),
             Cell(" ".join([p.text, *p.caveats]))] for p in places]
    return [Heading(lab["markings_found"], 2),
            Table(rows, [lab["marking"], lab["where"], lab["block"], lab["as_written"]],
                  [0.25, 0.35, 0.1, 0.3])]


def _blocks(ids: list[int], shown: int = 6) -> str:
    text = ", ".join(map(str, ids[:shown]))
    return f"{text} … ({len(ids)})" if len(ids) > shown else text


def summary_section(data: ReportData, lab: dict[str, str]) -> list[Element]:
    out: list[Element] = [PageBreak(), Heading(lab["summary"])]
    result = data.summary
    if result is None:
        return out + [Para(lab["no_summary"], "small")]
    out += _summary_text(result.text)
    if result.key_facts and any(result.key_facts.values()):
        out.append(Heading(lab["key_facts"], 2))
        out.append(Table([[Cell(FIELD_LABELS.get(k, k), bold=True), Cell("; ".join(v))]
                          for k, v in result.key_facts.items() if v],
                         widths=[0.3, 0.7], kind="keyvalue"))
    if result.unsupported:
        out.append(Heading(lab["unsupported"], 2))
        out.append(Bullets([f"{u.kind}: {u.text} — “{u.context}”" for u in result.unsupported],
                           "warn"))
    engine = f"{result.engine} ({result.model_id})" if result.model_id else result.engine
    out.append(Para(f"{engine}; {language_name(result.language)}", "small"))
    if result.basis_label():
        out.append(Para(result.basis_label(), "small"))
    return out


def _summary_text(text: str) -> list[Element]:
    """Paragraphs and bullets of a summary; its ``**headings**`` in bold."""
    out: list[Element] = []
    for line in (ln.strip() for ln in text.split("\n")):
        if not line:
            continue
        clean = line.replace("**", "")
        if clean.startswith(("- ", "• ")):
            out.append(Bullets([clean[2:]]))
        else:
            out.append(Para(clean, "strong" if "**" in line else ""))
    return out


def _heading_level(row: Row) -> int:
    return 2 + min(max(row.level, 1), 3) - 1


def _cell_table(rows: list[Row]) -> Table:
    """A source table rebuilt from its cell blocks (paragraphs of one cell joined)."""
    grid: dict[tuple[int, int], list[str]] = {}
    for r in rows:
        assert r.cell is not None
        grid.setdefault((r.cell[1], r.cell[2]), []).append(r.target)
    n_rows = max(k[0] for k in grid) + 1
    n_cols = max(k[1] for k in grid) + 1
    return Table([[Cell("\n".join(grid.get((i, j), []))) for j in range(n_cols)]
                  for i in range(n_rows)])


def mono(rows: list[Row], lab: dict[str, str]) -> list[Element]:
    out: list[Element] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if row.cell is not None:
            j = i
            while j < len(rows) and rows[j].cell is not None and rows[j].cell[0] == row.cell[0]:  # type: ignore[index]
                j += 1
            out.append(_cell_table(rows[i:j]))
            i = j
            continue
        if row.is_heading:
            out.append(Heading(row.target, _heading_level(row)))
        elif row.kind in ("header", "footer"):
            out.append(Para(f"{lab[row.kind]}: {row.target}", "small"))
        elif row.kind == "list_item":
            out.append(Bullets([row.target]))
        else:
            out.append(Para(row.target))
        i += 1
    return out


def bilingual(rows: list[Row], lab: dict[str, str]) -> list[Element]:
    """One table, source | translation, one row per block in document order."""
    table: list[list[Cell]] = []
    for row in rows:
        level = _heading_level(row) if row.is_heading else 0
        prefix = f"{lab[row.kind]}: " if row.kind in ("header", "footer") else ""
        table.append([Cell(prefix + row.source, level), Cell(prefix + row.target, level)])
    return [Table(table, [lab["source"], lab["target"]], [0.5, 0.5], "bilingual")]


# Appendix sections: a label (texts.py) and the fidelity issue kinds listed under it.
APPENDIX_SECTIONS: tuple[tuple[str, frozenset[str]], ...] = (
    ("untranslated", frozenset({"untranslated", "unreadable", "unread", "language"})),
    ("numbers_lost", frozenset({"numbers"})),
    ("missing_text", frozenset({"coverage", "length", "repetition"})),
    ("identical", frozenset({"identical"})),
    ("markup", frozenset({"markup", "debris", "protected"})),
    ("styles", frozenset({"styles", "pages"})),
    ("overflow", frozenset({"overflow", "typeset"})),
    ("ocr", frozenset({"ocr", "ocr-number"})),
)


def appendix(data: ReportData, lab: dict[str, str]) -> list[Element]:
    fid = data.fidelity
    out: list[Element] = [PageBreak(), Heading(lab["appendix"])]
    if fid:
        out.append(Para(summary_line(fid)))
    issues = fid.get("issues", []) if fid else []
    for label, kinds in APPENDIX_SECTIONS:
        found = [i for i in issues if i["kind"] in kinds]
        out.append(Heading(lab[label], 2))
        if not found:
            out.append(Para(lab["nothing"], "small"))
            continue
        out.append(Table([[Cell(str(i["block"])), Cell(i["detail"]), Cell(i.get("text", ""))]
                          for i in found], [lab["block"], lab["reason"], lab["source"]],
                         [0.1, 0.35, 0.55]))
    skipped = fid.get("skipped_blocks", []) if fid else []
    out.append(Heading(lab["skipped"], 2))
    if skipped:
        out.append(Table([[Cell(str(s["block"])), Cell(s["reason"]), Cell(s.get("text", ""))]
                          for s in skipped], [lab["block"], lab["reason"], lab["source"]],
                         [0.1, 0.35, 0.55]))
    else:
        out.append(Para(lab["nothing"], "small"))
    out.append(Heading(lab["glossary_applied"], 2))
    if data.glossary_applied:
        out.append(Table([[Cell(g.source), Cell(g.target), Cell(str(g.count))]
                          for g in data.glossary_applied],
                         [lab["term"], lab["rendering"], lab["count"]], [0.4, 0.4, 0.2]))
    else:
        out.append(Para(lab["nothing"], "small"))
    return out


def elements(data: ReportData) -> list[Element]:
    """The whole report, in reading order."""
    lab = labels(data.target_language)
    body = (bilingual(data.rows, lab) if data.bilingual else mono(data.rows, lab))
    return (cover(data, lab) + summary_section(data, lab)
            + [PageBreak(), Heading(lab["translation"])] + body + appendix(data, lab))
