"""Generators for the hostile corpus: broken, crafted and oversized PDFs and Word files.

Everything is built at test time from a valid document (pikepdf, PyMuPDF, zipfile); nothing
here is shipped with the application.  The OLE2 (Compound File) writer is in
:mod:`tests.hostile.ole2`.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import pikepdf
import pymupdf

from tests import pdfgen
from tests.docgen import simple_docx

FR = ["Le rapport annuel du ministère est publié le 3 mars 2024.",
      "La commission examine les propositions des délégations régionales."]
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT_DOCM = "application/vnd.ms-word.document.macroEnabled.main+xml"
CT_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
RT_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"

# --- PDF ------------------------------------------------------------------------------


def text_pdf(path: Path, paragraphs: list[str] | None = None) -> Path:
    return pdfgen.simple_pdf(path, paragraphs or FR)


def encrypted_pdf(path: Path, user_pw: str | None = "secret") -> Path:
    """AES-256; ``user_pw=None``: owner password only (opens without asking)."""
    return pdfgen.encrypted_pdf(path, user_pw=user_pw)


def truncated(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def bad_header(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes().replace(b"%PDF-", b"%XDF-", 1))
    return dst


def without_startxref(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: data.rindex(b"startxref")])
    return dst


def broken_xref(src: Path, dst: Path) -> Path:
    """Every offset of the classic xref table points at byte 9 (inside the header)."""
    data = src.read_bytes()
    start = data.rindex(b"\nxref")
    table = re.sub(rb"\d{10} (\d{5}) n", rb"0000000009 \1 n", data[start:])
    assert table != data[start:], "the source PDF has no classic xref table"
    dst.write_bytes(data[:start] + table)
    return dst


def _helvetica(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    return pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))


def _text_ops(text: str, y: float = 720) -> bytes:
    return f"BT /F1 12 Tf 72 {y} Td ({text}) Tj ET\n".encode("latin-1")


def raw_page_pdf(path: Path, content: bytes, mediabox: tuple[float, ...] = (0, 0, 595, 842),
                 pages: int = 1) -> Path:
    """``pages`` pages (0 for none) sharing one compressed content stream and Helvetica."""
    pdf = pikepdf.new()
    resources = _helvetica(pdf)
    stream = pdf.make_stream(zlib.compress(content, 6))
    stream.Filter = pikepdf.Name.FlateDecode
    for _ in range(pages):
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=list(mediabox),
                                  Resources=resources, Contents=stream)
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def zero_pages_pdf(path: Path) -> Path:
    return raw_page_pdf(path, b"", pages=0)


def huge_mediabox_pdf(path: Path) -> Path:
    """A 5,000 km square page (far past the 14,400-unit limit of the PDF spec)."""
    return raw_page_pdf(path, _text_ops("Le rapport de la commission."),
                        mediabox=(0, 0, 1.4e10, 1.4e10))


def many_paths_pdf(path: Path, operators: int = 1_000_000) -> Path:
    """One page: a line of text, then ``operators`` path operators (tiny strokes)."""
    strokes = b"1 1 m 2 2 l S\n" * (operators // 3)
    return raw_page_pdf(path, _text_ops("Le rapport de la commission.") + strokes)


def many_pages_pdf(path: Path, pages: int = 2000) -> Path:
    content = _text_ops("La commission examine les propositions des délégations.")
    return raw_page_pdf(path, content, pages=pages)


def scan_pdf(path: Path) -> Path:
    """A single image-only page (no text layer)."""
    return pdfgen.scanned_pdf(path, text_pages=0)


def active_content_pdf(path: Path, marker: Path) -> Path:
    """A text PDF with an OpenAction JavaScript, a named JavaScript and an embedded file.

    The scripts would write ``marker`` if any engine ran them (none here has JS enabled).
    """
    text_pdf(path)
    js = f"this.exportDataObject({{cName: 'payload.txt', nLaunch: 2}}); " \
         f"util.writeFile('{marker}', 'ran');"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=js))
        pdf.Root.OpenAction = action
        pdf.Root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(Names=[pikepdf.String("run"), action]))
        spec = pikepdf.AttachedFileSpec(pdf, b"#!/bin/sh\necho payload\n",
                                        filename="payload.sh", mime_type="text/x-sh")
        pdf.attachments["payload.sh"] = spec
        pdf.save(path)
    return path


def jpeg_bytes() -> bytes:
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 32, 24), False)
    pix.set_rect(pix.irect, (200, 30, 30))
    return bytes(pix.tobytes("jpeg"))


HTML = (b"<!DOCTYPE html>\n<html><head><title>Rapport</title></head>"
        b"<body><p>Le rapport annuel.</p></body></html>\n")

# --- DOCX -------------------------------------------------------------------------------


def base_docx(path: Path) -> Path:
    return simple_docx(path, FR, table=[["Poste", "Nombre 42"]])


def rewrite_zip(src: Path, dst: Path, replace: Mapping[str, bytes | None] | None = None,
                add: Mapping[str, bytes] | None = None,
                compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Copy a zip, replacing (``None``: deleting) members and appending new ones."""
    replace = dict(replace or {})
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                data = replace.pop(info.filename)
                if data is not None:
                    zout.writestr(info.filename, data)
            else:
                zout.writestr(info.filename, zin.read(info))
        for name, data in {**replace, **(add or {})}.items():
            if data is not None:
                zout.writestr(zipfile.ZipInfo(name), data, compression)
    return dst


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def edit_member(src: Path, dst: Path, name: str, edit: Callable[[bytes], bytes]) -> Path:
    return rewrite_zip(src, dst, {name: edit(member(src, name))})


def body_xml(inner: str, prolog: str = "") -> bytes:
    """A complete ``word/document.xml`` whose body is ``inner``."""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
            f'<w:document xmlns:w="{W_NS}"><w:body>{inner}</w:body></w:document>'
            ).encode()


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


LAUGHS_DTD = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'
                        for i in range(1, 10)).replace("&lol0;", "&lol;")
              + "]>\n")
XXE_DTD = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>\n'


def laughs_docx(src: Path, dst: Path) -> Path:
    return rewrite_zip(src, dst, {"word/document.xml": body_xml(para("&lol9;"), LAUGHS_DTD)})


def xxe_docx(src: Path, dst: Path) -> Path:
    return rewrite_zip(src, dst, {"word/document.xml": body_xml(para("&xxe;"), XXE_DTD)})


def _with_dtd(xml: bytes, dtd: str, entity: str) -> bytes:
    """Insert ``dtd`` after the XML declaration and ``entity`` into the first element."""
    decl_end = xml.index(b"?>") + 2
    head, rest = xml[:decl_end], xml[decl_end:]
    tag_end = rest.index(b">", rest.index(b"<Relationships"))
    return head + b"\n" + dtd.encode() + rest[:tag_end + 1] + entity.encode() + rest[tag_end + 1:]


def rels_entity_docx(src: Path, dst: Path, dtd: str, entity: str) -> Path:
    """The DTD payload in ``word/_rels/document.xml.rels`` (parsed by python-docx's opc)."""
    name = "word/_rels/document.xml.rels"
    return edit_member(src, dst, name, lambda xml: _with_dtd(xml, dtd, entity))


def content_types_entity_docx(src: Path, dst: Path) -> Path:
    def edit(xml: bytes) -> bytes:
        decl_end = xml.index(b"?>") + 2
        return xml[:decl_end] + b"\n" + LAUGHS_DTD.replace("lolz", "Types").encode() + xml[decl_end:]
    return edit_member(src, dst, "[Content_Types].xml", edit)


def ratio_bomb_docx(src: Path, dst: Path, megabytes: int = 20) -> Path:
    """``word/document.xml`` padded with spaces: ~1000:1 compression."""
    padding = " " * (megabytes << 20)
    return rewrite_zip(src, dst, {"word/document.xml": body_xml(para("Bombe") + padding)})


def big_real_docx(src: Path, dst: Path, megabytes: float) -> Path:
    """A document whose text (random letters, ratio about 1.7:1) really is this large."""
    return rewrite_zip(src, dst, {"word/document.xml":
                                  body_xml(para(random_letters(int(megabytes * 2**20))))})


def random_letters(n: int) -> str:
    """``n`` random lowercase letters (incompressible enough: about 1.7:1)."""
    table = bytes(ord("a") + b % 26 for b in range(256))
    return os.urandom(n).translate(table).decode("ascii")


def text_node_docx(src: Path, dst: Path, megabytes: float = 10.5) -> Path:
    """One ``w:t`` of more than 10 MB (random letters, so the ratio check does not fire)."""
    return big_real_docx(src, dst, megabytes)


def nested_docx(src: Path, dst: Path, levels: int) -> Path:
    """``levels`` nested table levels (``w:tbl/w:tr/w:tc``: three elements each)."""
    inner = para("Cellule profonde.")
    for _ in range(levels):
        inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc></w:tr></w:tbl>{para('x')}"
    return rewrite_zip(src, dst, {"word/document.xml": body_xml(para(FR[0]) + inner)})


def deep_elements_docx(src: Path, dst: Path, depth: int) -> Path:
    """Elements nested ``depth`` levels deep in one paragraph (``w:sdt``/``w:sdtContent``)."""
    inner = "<w:r><w:t>Texte profond.</w:t></w:r>"
    for _ in range(depth // 2):
        inner = f"<w:sdt><w:sdtContent>{inner}</w:sdtContent></w:sdt>"
    return rewrite_zip(src, dst, {"word/document.xml": body_xml(f"<w:p>{inner}</w:p>")})


def traversal_docx(src: Path, dst: Path, name: str = "../../evil.txt") -> Path:
    return rewrite_zip(src, dst, add={name: b"escaped"})


def missing_content_types_docx(src: Path, dst: Path) -> Path:
    return rewrite_zip(src, dst, {"[Content_Types].xml": None})


def docm(src: Path, dst: Path) -> Path:
    """A macro-enabled document: docm content type, a vbaProject part and its relation."""
    ct = member(src, "[Content_Types].xml").replace(CT_DOCX.encode(), CT_DOCM.encode())
    ct = ct.replace(b"</Types>", b'<Default Extension="bin" '
                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    rels_name = "word/_rels/document.xml.rels"
    rels = member(src, rels_name).replace(
        b"</Relationships>",
        f'<Relationship Id="rIdVba1" Type="{RT_VBA}" Target="vbaProject.bin"/>'
        "</Relationships>".encode())
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Attribute VB_Name = \"AutoOpen\"\x00" * 64
    return rewrite_zip(src, dst, {"[Content_Types].xml": ct, rels_name: rels},
                       add={"word/vbaProject.bin": vba})


def lying_sizes_docx(src: Path, dst: Path, real_mb: int = 64, declared: int = 1000) -> Path:
    """A member that really expands to ``real_mb`` MB while both headers declare
    ``declared`` bytes: checks based on the headers alone would let it through."""
    data = body_xml(para("Menteur") + " " * (real_mb << 20))
    rewrite_zip(src, dst, {"word/document.xml": data})
    return patch_sizes(dst, "word/document.xml", declared)


def patch_sizes(path: Path, name: str, size: int) -> Path:
    """Overwrite the uncompressed size of ``name`` in its local and central headers."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    blob = bytearray(path.read_bytes())
    struct.pack_into("<I", blob, info.header_offset + 22, size)  # local file header
    encoded = name.encode()
    pos = 0
    while True:
        pos = blob.index(b"PK\x01\x02", pos)
        name_len = struct.unpack_from("<H", blob, pos + 28)[0]
        if bytes(blob[pos + 46: pos + 46 + name_len]) == encoded:
            struct.pack_into("<I", blob, pos + 24, size)  # central directory header
            break
        pos += 4
    path.write_bytes(bytes(blob))
    return path
