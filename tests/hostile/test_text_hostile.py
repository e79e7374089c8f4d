"""Hostile text, Markdown, HTML and e-mail files (issue 17): no entity read, no deep
recursion, size limits, a hostile attachment kept aside while the message is translated."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from app.core.errors import DocumentTooLarge
from tests.hostile.corpus import base_docx, rewrite_zip
from tests.hostile.helpers import refuse, translate


def test_html_entities_and_external_resources_never_read(inbox: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "SECRET-7f3a9c-MARKER"
    (inbox.parent / "secret.txt").write_text(secret, encoding="utf-8")
    page = inbox / "page.html"
    page.write_text(
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{inbox.parent}/secret.txt">]>\n<html><head>'
        '<link rel="stylesheet" href="http://203.0.113.9/x.css"><script src="http://203.0.113.9/'
        'x.js"></script></head><body><p>The host is &xxe; here.</p>'
        '<img src="http://203.0.113.9/pixel.png" alt="A tracking pixel"></body></html>',
        encoding="utf-8")
    result = translate(page, capsys, monkeypatch)
    assert result.rc == 0, result.err
    out = (inbox / "page.en.html").read_text(encoding="utf-8")
    assert secret not in out  # the entity was not expanded from the file
    assert 'src="http://203.0.113.9/x.js"' in out  # kept as markup, never fetched


def test_deeply_nested_markdown(inbox: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    md = inbox / "deep.md"
    md.write_text(">" * 5000 + " The convoy leaves at dawn.\n\n" + "*" * 20000 + "\n"
                  + "[" * 10000 + "x" + "]" * 10000 + "\n", encoding="utf-8")
    result = translate(md, capsys, monkeypatch, "--from", "fr")
    assert result.rc == 0, result.err


def test_text_over_the_size_limit_refused(inbox: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    big = inbox / "big.txt"
    chunk = b"A sentence of plain text. " * 40_000
    with open(big, "wb") as fh:
        for _ in range(-(-(65 << 20) // len(chunk))):
            fh.write(chunk)
    refuse(big, capsys, monkeypatch, DocumentTooLarge, r"larger than 64 MB of text")


def test_hostile_attachment_kept_aside(inbox: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = rewrite_zip(base_docx(tmp_path / "ok.docx"), tmp_path / "bomb.docx",
                       add={"filler.bin": b"\0" * (50 << 20)})
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", "Le rapport"
    msg.set_content("Le rapport annuel est en pièce jointe.\n")
    msg.add_attachment(bomb.read_bytes(), maintype="application", subtype="octet-stream",
                       filename="rapport.docx")
    mail = inbox / "mail.eml"
    mail.write_bytes(msg.as_bytes())
    result = translate(mail, capsys, monkeypatch)
    assert result.rc == 0, result.err
    assert "rapport.docx kept as it is" in result.err and "zip bomb" in result.err
    assert (inbox / "mail.en.eml").is_file()
