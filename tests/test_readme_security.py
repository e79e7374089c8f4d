"""The README's "Security and privacy" section against the code: what it names exists,
the figures it gives are the code's, and the claims found wrong before stay fixed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.cli import main
from app.formats import pdf_writer, sniff
from app.formats.pdf_reader import PdfReadOptions
from app.ui import settings
from engines import offline
from tests.app.test_markings import CASES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PRODUCT = [p for d in ("app", "engines") for p in (ROOT / d).rglob("*.py")] + [ROOT / "main.py"]


def _section() -> str:
    start = README.index("## Security and privacy")
    end = README.find("\n## ", start + 5)
    return README[start:end if end > 0 else None]


SECTION = _section()
PRODUCT_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in PRODUCT)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_every_environment_variable_named_exists_in_the_code() -> None:
    names = set(re.findall(r"\bPASSERELLE_[A-Z_]+\b", SECTION))
    assert {"PASSERELLE_DATA_DIR", "PASSERELLE_AUDIT_TEXT", "PASSERELLE_SERVERS_FILE"} <= names
    missing = [n for n in sorted(names) if f'"{n}"' not in PRODUCT_TEXT]
    assert not missing, f"the README names variables the code does not read: {missing}"


def test_every_file_named_exists() -> None:
    paths = set(re.findall(r"`((?:app|engines|tests)/[\w/.]+)`", SECTION))
    assert len(paths) >= 10
    missing = [p for p in sorted(paths) if not (ROOT / p).exists()]
    assert not missing, missing


def test_the_guarded_functions_are_the_ones_the_guard_wraps() -> None:
    claim = _squash(SECTION)
    for name in (*offline._LOOKUPS, *offline._METHODS):
        assert f"`{name}`" in claim, f"{name} is guarded but not stated"
    stated = re.findall(r"`(get\w+|connect\w*|send\w+)`", claim)
    assert set(stated) <= {*offline._LOOKUPS, *offline._METHODS}, stated


def test_figures_match_the_code() -> None:
    claim = _squash(SECTION)
    options = PdfReadOptions()
    assert f"memory cap ({options.memory_limit_mb // 1024} GB)" in claim
    assert f"a timeout ({options.page_timeout_s:.0f} s without progress)" in claim
    assert f"({sniff.DEFAULT_MAX_EXPANDED_MB} MB by default, `PASSERELLE_MAX_EXPANDED_MB`)" \
        in claim
    assert f"{len(CASES)} realistic cases" in claim


def test_child_processes_install_the_guard_as_stated() -> None:
    # Both capped children start through pdf_worker.run_child, which installs the guard
    # with the empty allow-list (the in-child probes in tests/app/test_child_guards.py
    # prove it at run time).
    frame = (ROOT / "app/formats/pdf_worker.py").read_text(encoding="utf-8")
    body = frame[frame.index("def run_child("):]
    assert "offline.install(())" in body.split("\ndef ")[0], "not the empty allow-list stated"
    for worker in ("app/formats/pdf_worker.py", "app/formats/ocr_worker.py"):
        text = (ROOT / worker).read_text(encoding="utf-8")
        entry = text[text.index("def worker_main("):]
        assert "run_child(" in entry, f"{worker}: does not start through run_child"
    assert "offline.child_initializer()" in (ROOT / "app/ui/isolation.py").read_text(
        encoding="utf-8")
    assert "offline.child_initializer(())" in (ROOT / "app/ui/summary_child.py").read_text(
        encoding="utf-8"), "the summary child: not the empty allow-list stated"
    assert "no_network_prefix()" in (ROOT / "app/formats/soffice.py").read_text(
        encoding="utf-8")


def test_translated_pdfs_drop_active_content_as_stated() -> None:
    claim = _squash(README)
    assert "keeps the source's embedded JavaScript" not in claim
    assert "JavaScript, open actions and embedded files removed" in _squash(SECTION)
    source = Path(pdf_writer.__file__).read_text(encoding="utf-8")
    assert "strip_active_content(compact)" in source
    for key in ("OpenAction", "Names/JavaScript", "Names/EmbeddedFiles"):
        assert f'"{key}"' in source


def test_the_lohelp_model_is_described_as_the_tests_use_it() -> None:
    claim = _squash(README)
    assert "never as a translator" not in claim and "never a translator" not in claim
    uses = [p for p in (ROOT / "tests").rglob("*.py")
            if "lohelp" in p.read_text(encoding="utf-8") and "translate" in
            p.read_text(encoding="utf-8")]
    assert uses, "the README says the tests translate with lohelp"
    assert "real-model yardstick" in claim


def test_no_fault_injection_hook_in_product_code() -> None:
    hooks = sorted(set(re.findall(r"PASSERELLE_\w*FAULT\w*", PRODUCT_TEXT)))
    assert not hooks, f"fault hooks a user's environment could trigger: {hooks}"
    assert "fault" not in {f for f in PdfReadOptions.__dataclass_fields__}


def test_audit_verify_is_a_real_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert "`main.py audit --verify`" in SECTION
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    assert "--verify" in capsys.readouterr().out


def test_gui_settings_file_is_the_one_stated() -> None:
    assert settings.SETTINGS_FILE == "settings.ini" and "`settings.ini`" in SECTION
