"""List the function-level imports of app/ and engines/ with why each stays (Markdown).

    python scripts/function_imports.py > /tmp/list.md   # the table of docs/architecture.md

None of them can hide a cycle or a layer violation: import-linter counts imports inside
functions too (``make imports``).  They stay for start-up speed (a heavy library or a
whole layer loaded on first use), because the module is platform-specific, or because the
dependency is optional.  An import that matches none of these rules is reported as
"NO REASON" and the script exits with status 1.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"pymupdf": "PyMuPDF", "docx": "python-docx", "pptx": "python-pptx", "lxml": "lxml",
         "charset_normalizer": "charset-normalizer", "platformdirs": "platformdirs",
         "pysbd": "pysbd", "lingua": "lingua (its language models)",
         "ctranslate2": "CTranslate2", "sentencepiece": "sentencepiece", "jinja2": "Jinja2",
         "pymupdf_fonts": "pymupdf-fonts (the font files)", "openpyxl": "openpyxl", "PIL": "Pillow",
         "olefile": "olefile", "markdown_it": "markdown-it", "babel": "Babel",
         "httpx": "httpx"}
PLATFORM = {"fcntl", "resource", "ctypes", "signal", "msvcrt", "winreg"}
OPTIONAL = {"keyring": "optional dependency: the OS keyring may be absent",
            "engines.gguf": "optional: GGUF support may be missing from a build"}
ENGINES_ON_DEMAND = ("engines.translate.ct2", "engines.translate.llm",
                     "engines.translate.memory", "engines.llm.generator",
                     "engines.gguf.tokenizer")
FIRST_USE = ("engines.translate.batch", "app.summarize.llm_summarizer", "engines.segment",
             "engines.langdetect")


def reason(importer: str, module: str) -> str:
    top = module.split(".")[0]
    for name, why in OPTIONAL.items():
        if module == name or module.startswith(name + "."):
            return why
    if importer == "app/ui/main.py" and top in ("ctranslate2", "pymupdf"):
        return ("GUI start-up: imported on the main thread before the window "
                "(import_before_window: pybind11's thread state; one long GIL hold)")
    if top in PLATFORM:
        return "platform: a POSIX-only module or OS call (absent on Windows; the caller copes)"
    if top in HEAVY:
        return f"start-up: {HEAVY[top]} is loaded on first use"
    if importer == "app/ui/isolation.py" and module == "app.report":
        return ("child process: the spawned child registers the report writers itself (the "
                "parent does in preload())")
    if importer.startswith("app/cli/"):
        return ("CLI start-up: `--help` imports every command module; a command loads its "
                "work when it runs")
    if importer.startswith("app/ui/"):
        return ("GUI start-up: loaded by preload() or on first use, once the window's "
                "background child has started")
    if module in ENGINES_ON_DEMAND:
        return "start-up: an engine is loaded only when a job asks for it"
    if module == "app.pipeline.stages" and importer == "app/pipeline/job.py":
        return ("GUI start-up: the stages import every reader and writer; the GUI imports "
                "run() at start-up")
    if module in FIRST_USE:
        return "start-up: loaded on first use"
    return "NO REASON"


def function_imports(path: Path) -> list[tuple[str, str]]:
    """(function, module) for every import inside a function of ``path``."""
    found: list[tuple[str, str]] = []

    def walk(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                walk(child, function or child.name)
            elif isinstance(child, ast.Import | ast.ImportFrom) and function is not None:
                names = ([a.name for a in child.names] if isinstance(child, ast.Import)
                         else [child.module or ""])
                found.extend((function, name) for name in names)
            else:
                walk(child, function)

    walk(ast.parse(path.read_text(encoding="utf-8")), None)
    return found


def main() -> int:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    missing = 0
    for package in ("app", "engines"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for function, module in function_imports(path):
                why = reason(rel, module)
                missing += why == "NO REASON"
                entry = f"`{function}()`: {module}"
                if entry not in groups[(rel, why)]:
                    groups[(rel, why)].append(entry)
    print("| module | function: imports | why it stays |")
    print("|---|---|---|")
    for (rel, why), entries in groups.items():
        print(f"| `{rel}` | {'; '.join(entries)} | {why} |")
    print(f"\n{sum(len(e) for e in groups.values())} function-level imports, "
          f"{missing} without a reason.")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
