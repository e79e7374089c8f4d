"""Generators for test documents (DOCX via python-docx)."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.shared import Pt, RGBColor


def simple_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None,
                header: str | None = None, footer: str | None = None,
                heading: str | None = None) -> Path:
    d = docx.Document()
    if heading:
        d.add_heading(heading, level=1)
    for text in paragraphs:
        d.add_paragraph(text)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
    if header:
        d.sections[0].header.paragraphs[0].text = header
    if footer:
        d.sections[0].footer.paragraphs[0].text = footer
    d.save(str(path))
    return path


def styled_docx(path: Path) -> Path:
    """A paragraph with a bold word mid-sentence, one with a hyperlink, one coloured."""
    d = docx.Document()
    p = d.add_paragraph("The officer reads the ")
    b = p.add_run("red")
    b.bold = True
    p.add_run(" report.")
    p2 = d.add_paragraph()
    r = p2.add_run("Whole italic line.")
    r.italic = True
    r.font.size = Pt(14)
    r.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    d.save(str(path))
    return path


# --- Rich DOCX: every container the reader must reach ------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = (f'xmlns:w="{_W}" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
       'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
       'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
       'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
       'xmlns:v="urn:schemas-microsoft-com:vml"')


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG built with zlib only."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\xc0\x20\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _xml(fragment: str):  # type: ignore[no-untyped-def]
    from docx.oxml import parse_xml

    return parse_xml(fragment)


def _escape(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


def add_hyperlink(paragraph, text: str, url: str, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    """An external hyperlink run (python-docx has no API for it)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    rpr = '<w:rPr><w:rStyle w:val="Hyperlink"/>' + ("<w:b/>" if bold else "") + "</w:rPr>"
    paragraph._p.append(_xml(
        f'<w:hyperlink {_NS} r:id="{rid}"><w:r>{rpr}'
        f'<w:t xml:space="preserve">{_escape(text)}</w:t></w:r></w:hyperlink>'))


def add_page_field(paragraph) -> None:  # type: ignore[no-untyped-def]
    """A complex PAGE field and a simple NUMPAGES field (must stay untouched)."""
    p = paragraph._p
    for frag in ('<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>',
                 '<w:r {ns}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
                 '<w:r {ns}><w:fldChar w:fldCharType="separate"/></w:r>',
                 '<w:r {ns}><w:t>1</w:t></w:r>',
                 '<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>',
                 '<w:r {ns}><w:t xml:space="preserve"> of </w:t></w:r>',
                 '<w:fldSimple {ns} w:instr=" NUMPAGES "><w:r><w:t>2</w:t></w:r></w:fldSimple>'):
        p.append(_xml(frag.format(ns=_NS)))


def _note_xml(tag: str, note_id: int, text: str) -> str:
    return (f'<w:{tag} w:id="{note_id}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/>'
            f'</w:rPr><w:{tag}Ref/></w:r><w:r><w:t xml:space="preserve"> {_escape(text)}'
            f'</w:t></w:r></w:p></w:{tag}>')


def add_notes(document, kind: str, notes: list[tuple[object, str]]) -> None:  # type: ignore[no-untyped-def]
    """Create ``word/footnotes.xml`` (kind "footnote") or ``endnotes.xml`` ("endnote").

    ``notes`` pairs a body paragraph (which gets the reference mark) with the note text.
    """
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import XmlPart

    separators = (f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r>'
                  f'</w:p></w:{kind}><w:{kind} w:type="continuationSeparator" w:id="0"><w:p>'
                  f'<w:r><w:continuationSeparator/></w:r></w:p></w:{kind}>')
    body = "".join(_note_xml(kind, i + 1, text) for i, (_, text) in enumerate(notes))
    root = _xml(f"<w:{kind}s {_NS}>{separators}{body}</w:{kind}s>")
    content_type, reltype = ((CT.WML_FOOTNOTES, RT.FOOTNOTES) if kind == "footnote"
                             else (CT.WML_ENDNOTES, RT.ENDNOTES))
    part = XmlPart(PackURI(f"/word/{kind}s.xml"), content_type, root, document.part.package)
    document.part.relate_to(part, reltype)
    for i, (paragraph, _) in enumerate(notes):
        paragraph._p.append(_xml(
            f'<w:r {_NS}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:{kind}Reference w:id="{i + 1}"/></w:r>'))


def _box_paragraphs(texts: list[str]) -> str:
    return "".join(f'<w:p><w:r><w:t xml:space="preserve">{_escape(t)}</w:t></w:r></w:p>'
                   for t in texts)


def add_textbox(paragraph, texts: list[str], vml_only: bool = False) -> None:  # type: ignore[no-untyped-def]
    """A floating text box as Word writes it: DrawingML with a VML fallback copy."""
    vml = (f'<w:pict><v:shape id="tb{id(texts)}" type="#_x0000_t202" '
           f'style="position:absolute;width:216pt;height:72pt"><v:textbox><w:txbxContent>'
           f'{_box_paragraphs(texts)}</w:txbxContent></v:textbox></v:shape></w:pict>')
    if vml_only:
        paragraph._p.append(_xml(f"<w:r {_NS}>{vml}</w:r>"))
        return
    drawing = (
        '<w:drawing><wp:anchor distT="0" distB="0" distL="114300" distR="114300" '
        'simplePos="0" relativeHeight="251659264" behindDoc="0" locked="0" layoutInCell="1" '
        'allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column">'
        '<wp:posOffset>0</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph">'
        '<wp:posOffset>0</wp:posOffset></wp:positionV><wp:extent cx="2743200" cy="914400"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapSquare wrapText="bothSides"/>'
        '<wp:docPr id="101" name="Text Box 1"/><wp:cNvGraphicFramePr/><a:graphic><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
        '<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>'
        '<a:ext cx="2743200" cy="914400"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
        f'</a:prstGeom></wps:spPr><wps:txbx><w:txbxContent>{_box_paragraphs(texts)}'
        '</w:txbxContent></wps:txbx><wps:bodyPr rot="0" vert="horz" wrap="square" lIns="91440" '
        'tIns="45720" rIns="91440" bIns="45720" anchor="t" anchorCtr="0"><a:noAutofit/>'
        '</wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>')
    paragraph._p.append(_xml(
        f'<w:r {_NS}><mc:AlternateContent><mc:Choice Requires="wps">{drawing}</mc:Choice>'
        f"<mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent></w:r>"))


def set_list_level(paragraph, level: int, num_id: int = 1) -> None:  # type: ignore[no-untyped-def]
    numpr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numpr.get_or_add_ilvl().val = level
    numpr.get_or_add_numId().val = num_id


def rich_docx(path: Path) -> Path:
    """Tables (nested), footnotes, endnotes, text boxes, lists, caption, image, hyperlinks,
    bold mid-sentence, fields, two sections with first/even/default headers and footers."""
    from io import BytesIO

    from docx.shared import Inches

    d = docx.Document()
    d.settings.odd_and_even_pages_header_footer = True
    d.add_heading("Annual logistics review", level=1)
    p = d.add_paragraph("The convoy left the depot at 06:30 with 12 vehicles and ")
    p.add_run("three").bold = True
    p.add_run(" drivers.")
    link = d.add_paragraph("Read the ")
    add_hyperlink(link, "full report", "https://example.org/report-2024")
    link.add_run(" before the meeting on 2024-03-15.")
    noted = d.add_paragraph("Fuel consumption rose by 4.5 percent this year.")
    ended = d.add_paragraph("The budget was approved by the committee.")
    d.add_paragraph("Check the tyres of every vehicle.", style="List Bullet")
    deep = d.add_paragraph("Replace worn brake pads first.", style="List Number")
    set_list_level(deep, 1)
    d.add_picture(BytesIO(tiny_png()), width=Inches(0.5))
    d.add_paragraph("Figure 1: The depot seen from the north gate.", style="Caption")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Vehicle type"
    table.cell(0, 1).text = "Quantity in service"
    table.cell(1, 0).text = "Heavy trucks"
    inner = table.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "Ready for duty"
    inner.cell(0, 1).text = "Under repair"
    boxed = d.add_paragraph("The paragraph that anchors a text box.")
    add_textbox(boxed, ["Important notice for all drivers.", "Keep your licence with you."])
    legacy = d.add_paragraph("Another anchor paragraph for an old text box.")
    add_textbox(legacy, ["Old style text box content."], vml_only=True)
    add_notes(d, "footnote", [(noted, "Measured over the first eleven months.")])
    add_notes(d, "endnote", [(ended, "Final figures will follow in the spring.")])
    _rich_sections(d)
    d.save(str(path))
    return path


def _rich_sections(d) -> None:  # type: ignore[no-untyped-def]
    first = d.sections[0]
    first.different_first_page_header_footer = True
    first.header.paragraphs[0].text = "Default header of the report"
    first.first_page_header.paragraphs[0].text = "First page header of the report"
    first.even_page_header.paragraphs[0].text = "Even page header of the report"
    footer = first.footer.paragraphs[0]
    footer.text = "Page "
    add_page_field(footer)
    second = d.add_section()
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "Header of the annex section"
    d.add_paragraph("The annex lists the spare parts ordered in March.")


# --- A French "rapport" with a classification marking ------------------------------

RAPPORT_NUMBERS = ("14", "3", "1 250", "2024-03-15", "06:30", "47,5", "12", "8", "2 400",
                   "75")


def french_rapport(path: Path, marking: str = "DIFFUSION RESTREINTE",
                   footer_marking: str | None = None, body_marking: str | None = None) -> Path:
    """A French situation report: the marking in the header (and the footer, optionally
    another one), headings, paragraphs with numbers, a list and a table."""
    d = docx.Document()
    if body_marking:
        d.add_paragraph(body_marking)
    d.add_heading("Rapport de situation logistique", level=1)
    d.add_paragraph("Le convoi de 14 véhicules a quitté le dépôt à 06:30 le 2024-03-15 "
                    "avec 3 conducteurs de réserve.")
    d.add_paragraph("La consommation de carburant a atteint 1 250 litres, soit une hausse "
                    "de 47,5 pour cent par rapport au mois précédent.")
    d.add_heading("Moyens engagés", level=2)
    d.add_paragraph("Les équipes de maintenance vérifient les freins de chaque camion.",
                    style="List Bullet")
    table = d.add_table(rows=3, cols=2)
    for r, (name, qty) in enumerate((("Matériel", "Quantité"), ("Camions lourds", "12"),
                                     ("Groupes électrogènes", "8"))):
        table.cell(r, 0).text = name
        table.cell(r, 1).text = qty
    d.add_heading("Conclusions", level=2)
    d.add_paragraph("Le stock de pièces détachées couvre 2 400 heures de fonctionnement. "
                    "Le taux de disponibilité des véhicules reste de 75 pour cent.")
    section = d.sections[0]
    section.header.paragraphs[0].text = marking
    if footer_marking:
        section.footer.paragraphs[0].text = footer_marking
    d.save(str(path))
    return path
