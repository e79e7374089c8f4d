"""The Windows-only part of installer/passerelle.spec (imported only on Windows).

Windows needs two executables in the same folder: ``Passerelle.exe`` without a console
(the GUI, what the Start-menu shortcut opens) and ``passerelle-cli.exe`` with a console
(the command line: ``passerelle-cli models import bundle.zip``).  Both carry the icon and
a version resource built from ``app.__version__``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app import __version__

VERSION_TEMPLATE = """\
VSVersionInfo(
  ffi=FixedFileInfo(filevers={tup}, prodvers={tup}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'Passerelle'),
      StringStruct('FileDescription', 'Passerelle: offline document translation'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('InternalName', 'passerelle'),
      StringStruct('LegalCopyright', 'Apache-2.0'),
      StringStruct('OriginalFilename', '{exe}'),
      StringStruct('ProductName', 'Passerelle'),
      StringStruct('ProductVersion', '{version}')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def version_tuple(version: str = __version__) -> tuple[int, int, int, int]:
    numbers = [int(m.group(0)) if (m := re.match(r"\d+", part)) else 0
               for part in version.split(".")[:4]]
    return (*numbers, 0, 0, 0, 0)[:4]  # type: ignore[return-value]


def version_file(out_dir: Path, exe: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"version-{exe}.txt"
    path.write_text(VERSION_TEMPLATE.format(tup=version_tuple(), version=__version__, exe=exe),
                    encoding="utf-8")
    return path


def executables(a: Any, pyz: Any, root: Path, generated: Path) -> list[Any]:
    """``[Passerelle.exe (GUI), passerelle-cli.exe (console)]`` sharing one COLLECT."""
    from PyInstaller.building.api import EXE

    icon = str(root / "installer" / "icons" / "passerelle.ico")
    common = dict(exclude_binaries=True, debug=False, strip=False, upx=False, icon=icon)
    return [
        EXE(pyz, a.scripts, [], name="Passerelle", console=False,
            version=str(version_file(generated, "Passerelle.exe")), **common),
        EXE(pyz, a.scripts, [], name="passerelle-cli", console=True,
            version=str(version_file(generated, "passerelle-cli.exe")), **common),
    ]
