"""Office files made by our own code for the format tests (PowerPoint, Excel).

Each generator writes a small file that holds every container a reader must reach, with
known texts; the tests then check what comes back.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"

DECK_TEXTS = {
    "title": "Quarterly review of the northern depot",
    "body": "Deliveries rose by 12 % in March.",
    "bold": "critical",
    "group": "Inside a nested group",
    "cell": "Spare parts in stock at the northern depot",
    "number_cell": "1 250",
    "chart_title": "Fuel used per month",
    "axis_title": "Litres burnt",
    "data_label": "Highest this year",
    "notes": "Remind the team about the audit of depot 3.",
    "alt": "Photo of the depot entrance",
    "alt_title": "Depot entrance",
    "link": "the maintenance guide",
}


def rich_pptx(path: Path) -> Path:
    """One slide with a title, a body paragraph with bold and a hyperlink, a slide-number
    field, nested group shapes, a table, a chart with a title and an axis title, alt
    text and speaker notes."""
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Inches, Pt

    t = DECK_TEXTS
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = t["title"]
    body = slide.placeholders[1].text_frame
    p = body.paragraphs[0]
    p.add_run().text = t["body"] + " A "
    bold = p.add_run()
    bold.text = t["bold"]
    bold.font.bold = True
    p.add_run().text = " shortage remains; read "
    link = p.add_run()
    link.text = t["link"]
    link.hyperlink.address = "https://example.org/guide"
    p.add_run().text = "."
    fld = etree.SubElement(p._p, f"{{{A_NS}}}fld", id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}",
                           type="slidenum")
    etree.SubElement(fld, f"{{{A_NS}}}t").text = "1"
    outer = slide.shapes.add_group_shape()
    inner = outer.shapes.add_group_shape()
    box = inner.shapes.add_textbox(Inches(0.5), Inches(5), Inches(3), Inches(0.5))
    box.text_frame.text = t["group"]
    rows = slide.shapes.add_table(2, 2, Inches(5), Inches(5), Inches(4), Inches(1)).table
    rows.cell(0, 0).text = t["cell"]
    rows.cell(0, 1).text = t["number_cell"]
    data = CategoryChartData()
    data.categories = ["Jan", "Feb"]
    data.add_series("Litres", (1200, 1350))
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(5), Inches(1),
                                   Inches(4), Inches(3), data).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = t["chart_title"]
    chart.value_axis.has_title = True
    chart.value_axis.axis_title.text_frame.text = t["axis_title"]
    chart.plots[0].series[0].points[1].data_label.text_frame.text = t["data_label"]
    pic_box = slide.shapes.add_textbox(Inches(0.2), Inches(6.5), Inches(1), Inches(0.4))
    pic_box._element.nvSpPr.cNvPr.set("descr", t["alt"])
    pic_box._element.nvSpPr.cNvPr.set("title", t["alt_title"])
    slide.notes_slide.notes_text_frame.text = t["notes"]
    long_box = slide.shapes.add_textbox(Inches(0.2), Inches(7), Inches(4), Inches(0.4))
    long_box.text_frame.text = "A long sentence that will not fit once it is translated."
    long_box.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    long_box.text_frame.auto_size = MSO_AUTO_SIZE.NONE  # a fixed frame: must shrink
    long_box.text_frame.word_wrap = True
    prs.save(str(path))
    return path


def macro_enabled(source: Path, out: Path, main_type: str, main_part: str) -> Path:
    """A copy of ``source`` made macro-enabled: the main part's content type changed
    and a ``vbaProject.bin`` related to it."""
    folder = main_part.rsplit("/", 1)[0]
    rels_name = f"{folder}/_rels/{main_part.rsplit('/', 1)[1]}.rels"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = data.decode("utf-8")
                start = text.index(f'PartName="/{main_part}"')
                ct_start = text.index('ContentType="', start) + len('ContentType="')
                ct_end = text.index('"', ct_start)
                text = text[:ct_start] + main_type + text[ct_end:]
                text = text.replace(
                    "</Types>", f'<Override PartName="/{folder}/vbaProject.bin" ContentType='
                    '"application/vnd.ms-office.vbaProject"/></Types>')
                data = text.encode("utf-8")
            elif item.filename == rels_name:
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            z.writestr(item, data)
        z.writestr(f"{folder}/vbaProject.bin", b"Attribute VB_Name = \"Module1\"\nShell \"calc\"")
    return out


BOOK_TEXTS = {
    "sheet": "Budget",
    "summary": "Summary",
    "repeated": "Spare wheel",
    "rich_bold": "urgent",
    "comment": "Checked by the quartermaster",
    "header": "Internal use only",
    "chart_title": "Spending per quarter",
    "chart_alt": "Bar chart of the spending",
}


def rich_xlsx(path: Path) -> Path:
    """Two sheets; a string repeated in three cells; numbers, a date, formulas naming the
    other sheet (quoted and not); a rich-text cell; a comment; a header and footer with
    codes; a chart with a title."""
    import datetime

    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment

    t = BOOK_TEXTS
    wb = Workbook()
    ws = wb.active
    ws.title = t["sheet"]
    ws.append(["Item", "Cost", "Bought on"])
    for n, cost in enumerate((120.5, 80, 42)):
        ws.append([t["repeated"], cost, datetime.date(2024, 3, 1 + n)])
    ws["A6"] = CellRichText(["This line is ", TextBlock(InlineFont(b=True), t["rich_bold"]),
                             " and costs nothing."])
    ws["D2"] = "1 250"  # a number stored as text: kept
    ws["A2"].comment = Comment(t["comment"], "QM")
    ws.oddHeader.center.text = t["header"]
    ws.oddFooter.right.text = "Page &P of &N"
    summary = wb.create_sheet(t["summary"])
    summary["A1"] = "Total cost"
    summary["B1"] = f"=SUM({t['sheet']}!B2:B4)"
    summary["B2"] = f"='{t['sheet']}'!B2*2"
    summary["B3"] = '="Budget!"&A1'  # a string literal that only looks like a reference
    chart = BarChart()
    chart.title = t["chart_title"]
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    ws.add_chart(chart, "F2")
    wb.save(str(path))
    _describe_chart_frame(path, t["chart_alt"])
    return path


def _describe_chart_frame(path: Path, text: str) -> None:
    """Give the chart's frame in the drawing an alt text (openpyxl writes none)."""
    name = "xl/drawings/drawing1.xml"
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == name:
                data = data.replace(b'name="Chart 1"', f'name="Chart 1" descr="{text}"'.encode(),
                                    1)
            z.writestr(info, data)


def huge_xlsx(path: Path, rows: int, cols: int = 10, distinct: int = 500) -> Path:
    """A workbook of ``rows`` × ``cols`` cells written as raw XML (streamed): numbers, and
    every tenth cell one of ``distinct`` shared strings."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="applica'
            'tion/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType'
            f'="{ct}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{ct}.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{ct}.sharedStrings+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}" xmlns:r="{rel}">'
            '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="'
            f'{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
        strings = "".join(f"<si><t>Stock item number {n} is in the store</t></si>"
                          for n in range(distinct))
        z.writestr("xl/sharedStrings.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}" uniqueCount="{distinct}"'
            f'>{strings}</sst>'))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}">'
                     '<sheetData>'.encode())
            letters = [chr(65 + c) for c in range(cols)]
            for r in range(1, rows + 1):
                cells = []
                for c, letter in enumerate(letters):
                    if (r * cols + c) % 10 == 0:
                        cells.append(f'<c r="{letter}{r}" t="s"><v>{(r + c) % distinct}</v></c>')
                    else:
                        cells.append(f'<c r="{letter}{r}"><v>{r * 0.5 + c}</v></c>')
                fh.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            fh.write(b"</sheetData></worksheet>")
    return path
