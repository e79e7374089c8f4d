"""Import models into the store from the layouts users bring.

* ``.argosmodel`` zip: ``<pkg>/metadata.json``, ``<pkg>/model/`` (CTranslate2),
  ``<pkg>/sentencepiece.model``; ``stanza/`` is ignored; extracted safely (or such a
  package already unpacked, as Argos installs them);
* CTranslate2 folders: opus-mt (``source.spm``/``target.spm``), NLLB-200 and M2M-100
  (told apart by the language tokens of their vocabulary), converted LLMs;
* ``.gguf`` LLM files, converted by ``engines.gguf``;
* model bundles written by ``export_bundle`` (see ``engines.bundle``);
* a model folder copied from another store (its manifest is verified, then kept).

Every import is staged inside the store, checksummed, verified and moved in by rename.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from engines.archive import ArchiveLimits, safe_extract
from engines.bundle import BUNDLE_INDEX, import_bundle
from engines.errors import EngineError, ModelFormatError, ModelIntegrityError, with_hints
from engines.store import (
    MANIFEST,
    InstalledModel,
    Manifest,
    ModelStore,
    safe_relpath,
    scan_files,
    sha256_file,
    valid_id,
    verify_folder,
)

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
ARGOS_METADATA = "metadata.json"
LLM_CONFIG = "llm_config.json"
_LANG = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?$")
_PAIR_IN_NAME = re.compile(r"(?=(?:^|[-_.])([a-z]{2,3})[-_]([a-z]{2,3})(?:[-_.]|$))")
SUMS_FILE = "SHA256SUMS"
_M2M_TOKEN = re.compile(r"^__([a-z]{2,3})__$")
_NLLB_TOKEN = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")


@dataclass
class ImportOptions:
    model_id: str | None = None
    licence: str | None = None
    src: str | None = None  # languages of a pair-specific folder, when not in its name
    tgt: str | None = None
    demo: bool = False
    replace: bool = False
    quantization: str = "int8"  # GGUF conversion
    limits: ArchiveLimits | None = None


def _noop(fraction: float, message: str) -> None:
    return None


def detect_source(path: Path) -> str:
    """``argos``, ``bundle``, ``gguf``, ``store-folder``, ``ct2-generator``,
    ``ct2-opus-mt``, ``ct2-nllb`` or ``ct2-m2m``."""
    if path.is_dir():
        if (path / MANIFEST).is_file():
            return "store-folder"
        if (path / ARGOS_METADATA).is_file() and (path / "model" / "model.bin").is_file():
            return "argos"  # an unpacked package, as Argos installs them
        if not (path / "model.bin").is_file():
            raise ModelFormatError(f"{path.name} is not a CTranslate2 model folder (no model.bin)")
        if (path / LLM_CONFIG).is_file():
            return "ct2-generator"
        from engines.translate.ct2 import _detect_scheme

        return {"nllb": "ct2-nllb", "m2m": "ct2-m2m"}.get(_detect_scheme(path), "ct2-opus-mt")
    if not path.is_file():
        raise ModelFormatError(f"Nothing to import at {path}")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"GGUF" or path.suffix.lower() == ".gguf":
        return "gguf"
    if zipfile.is_zipfile(path):
        names = _zip_names(path)
        if BUNDLE_INDEX in names:
            return "bundle"
        if any(PurePosixPath(n).name == ARGOS_METADATA for n in names):
            return "argos"
    raise ModelFormatError(f"{path.name} is not a model this tool can import "
                           f"(.argosmodel, model bundle, .gguf or a CTranslate2 folder)")


def _zip_names(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFormatError(f"{path.name} is not a readable zip file ({exc})") from exc


def import_model(
    store: ModelStore, path: Path, options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> list[InstalledModel]:
    """Import whatever ``path`` holds; returns the installed models (several for a bundle)."""
    options = options or ImportOptions()
    report = progress or _noop
    path = Path(path)
    source = detect_source(path)
    log.info("Importing %s as %s", path, source)
    if options.model_id is not None and not valid_id(options.model_id):
        raise ModelFormatError(f"Invalid model id {options.model_id!r}: use letters, digits, "
                               f"'.', '_' and '-'")
    if source == "bundle":
        return import_bundle(store, path, options.model_id, options.replace, options.limits,
                             report)
    if source == "gguf":  # fail before a long conversion
        store.check_free(options.model_id or gguf_id(path), options.replace)
    with store.staging() as staging:
        folder = staging / "model"
        if source == "store-folder":
            return [_import_store_folder(store, path, folder, options, report)]
        if source == "argos":
            manifest = _stage_argos(path, staging, folder, options, report)
        elif source == "gguf":
            manifest = _stage_gguf(path, folder, options, report)
        else:
            manifest = _stage_ct2_folder(path, folder, source, options, report)
        manifest.licence = options.licence or manifest.licence
        manifest.demo = manifest.demo or options.demo
        report(0.9, "Computing checksums")
        model = store.install(folder, manifest, replace=options.replace,
                              progress=lambda rel: report(0.95, f"Verifying {rel}"))
        report(1.0, f"Installed {model.id}")
        return [model]


# -- CTranslate2 folders -------------------------------------------------------------------

def _copy_tree(src: Path, dest: Path) -> None:
    for rel, path in scan_files(src).items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def guess_pair(name: str) -> tuple[str, str] | None:
    """Languages from a folder name such as ``opus-mt-fr-en`` or ``fr-en-small``: the
    last ``xx-yy`` group (None when absent)."""
    matches = list(_PAIR_IN_NAME.finditer(name.lower()))
    return (matches[-1].group(1), matches[-1].group(2)) if matches else None


def check_published_sums(folder: Path, origin: str) -> None:
    """Check the files against a ``SHA256SUMS`` shipped with the model, when present."""
    sums = folder / SUMS_FILE
    if not sums.is_file():
        return
    for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.strip().split(maxsplit=1)
        if len(parts) != 2:
            continue
        digest, name = parts[0].lower(), parts[1].lstrip("*").removeprefix("./")
        path = folder / name
        if not safe_relpath(name) or not path.is_file():
            raise ModelIntegrityError(f"{origin}: file {name} listed in {SUMS_FILE} is missing",
                                      name)
        if sha256_file(path) != digest:
            raise ModelIntegrityError(f"{origin}: file {name} does not match its published "
                                      f"checksum in {SUMS_FILE} (tampered or corrupted)", name)
    log.info("%s: files match %s", origin, SUMS_FILE)


def _check_lang(code: str, what: str) -> str:
    if not _LANG.match(code):
        raise ModelFormatError(f"Invalid {what} language code {code!r}")
    return code


def read_vocabulary(folder: Path) -> list[str]:
    """The target (or shared) vocabulary of a CTranslate2 translation folder."""
    for name in ("shared_vocabulary.json", "target_vocabulary.json"):
        if (folder / name).is_file():
            return [str(t) for t in json.loads((folder / name).read_text(encoding="utf-8"))]
    for name in ("shared_vocabulary.txt", "target_vocabulary.txt"):
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8").splitlines()
    return []


def multilingual_languages(scheme: str, vocabulary: list[str]) -> list[str]:
    """ISO codes (FLORES codes when unknown) served by an NLLB or M2M vocabulary."""
    from engines.translate.ct2 import NLLB_CODES

    if scheme == "m2m":
        found = [m.group(1) for t in vocabulary if (m := _M2M_TOKEN.match(t))]
    else:
        iso = {code: lang for lang, code in NLLB_CODES.items()}
        found = [iso.get(t, t) for t in vocabulary if _NLLB_TOKEN.match(t)]
    return sorted(dict.fromkeys(found))


def _stage_ct2_folder(path: Path, folder: Path, source: str, options: ImportOptions,
                      report: Progress) -> Manifest:
    report(0.1, f"Copying {path.name}")
    _copy_tree(path, folder)
    check_published_sums(folder, path.name)  # the copies, so the copying is checked too
    model_id = options.model_id or path.name
    if source == "ct2-generator":
        _check_generator(folder)
        return Manifest(id=model_id, kind="llm", format="ct2-generator",
                        origin=f"CTranslate2 folder {path.name}")
    from engines.translate.ct2 import ModelLayout

    ModelLayout.detect(folder)  # model.bin and the sentencepiece model(s) are there
    origin = f"CTranslate2 folder {path.name}"
    if source in ("ct2-nllb", "ct2-m2m"):
        languages = multilingual_languages(source[4:], read_vocabulary(folder))
        return Manifest(id=model_id, kind="translation", format=source,
                        languages=languages, origin=origin)
    pair = (options.src, options.tgt) if options.src and options.tgt else guess_pair(path.name)
    if pair is None:
        raise with_hints(ModelFormatError(f"Cannot tell the languages of {path.name}."),
                         "name_languages")
    pair = (_check_lang(pair[0], "source"), _check_lang(pair[1], "target"))
    return Manifest(id=model_id, kind="translation", format="ct2-opus-mt", pairs=[pair],
                    origin=origin)


def _check_generator(folder: Path) -> None:
    try:
        json.loads((folder / LLM_CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"{LLM_CONFIG} is unreadable ({exc})") from exc


def _import_store_folder(store: ModelStore, path: Path, folder: Path, options: ImportOptions,
                         report: Progress) -> InstalledModel:
    """A model folder from another store: verify its manifest, keep it (or re-id it)."""
    report(0.1, f"Copying {path.name}")
    _copy_tree(path, folder)
    shutil.copyfile(path / MANIFEST, folder / MANIFEST)
    manifest = Manifest.load(folder)
    verify_folder(folder, manifest, lambda rel: report(0.5, f"Verifying {rel}"))
    if options.model_id and options.model_id != manifest.id:
        manifest.id, manifest.files, manifest.sizes = options.model_id, {}, {}
        (folder / MANIFEST).unlink()
        return store.install(folder, manifest, replace=options.replace)
    return store.adopt(folder, replace=options.replace, verify=False)


# -- Argos packages ---------------------------------------------------------------------------

def _stage_argos(path: Path, staging: Path, folder: Path, options: ImportOptions,
                 report: Progress) -> Manifest:
    raw = staging / "raw"

    def wanted(member: PurePosixPath) -> bool:
        return "stanza" not in member.parts[:2]

    def extracted(done: int, total: int) -> None:
        report(0.1 + 0.6 * done / max(total, 1), f"Extracting {path.name}")

    if path.is_dir():
        for rel, file in scan_files(path).items():
            if wanted(PurePosixPath(rel)):
                (raw / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, raw / rel)
    else:
        safe_extract(path, raw, options.limits, include=wanted, progress=extracted)
    package = _argos_root(raw, path)
    metadata = _argos_metadata(package / ARGOS_METADATA, path)
    model_dir = package / "model"
    if not (model_dir / "model.bin").is_file():
        raise ModelFormatError(f"{path.name}: no CTranslate2 model (model/model.bin)")
    if not (package / "sentencepiece.model").is_file():
        raise ModelFormatError(f"{path.name}: no sentencepiece.model (BPE-tokenized Argos "
                               f"packages are not supported)")
    model_dir.rename(folder)
    (package / "sentencepiece.model").rename(folder / "sentencepiece.model")
    (package / ARGOS_METADATA).rename(folder / "argos-metadata.json")
    for extra in ("README.md", "LICENSE", "LICENSE.txt"):
        if (package / extra).is_file():
            (package / extra).rename(folder / f"argos-{extra}")
    from engines.translate.ct2 import ModelLayout

    ModelLayout.detect(folder)
    src, tgt = str(metadata["from_code"]), str(metadata["to_code"])
    return Manifest(
        id=options.model_id or f"argos-{src}-{tgt}", kind="translation", format="argos",
        pairs=[(src, tgt)], licence=str(metadata.get("license") or "unknown"),
        origin=f"Argos package {path.name}", version=str(metadata.get("package_version", "")),
    )


def _argos_root(raw: Path, archive: Path) -> Path:
    candidates = sorted(raw.rglob(ARGOS_METADATA), key=lambda p: len(p.parts))
    if not candidates:
        raise ModelFormatError(f"{archive.name}: no {ARGOS_METADATA} (not an Argos package)")
    return candidates[0].parent


def _argos_metadata(path: Path, archive: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"{archive.name}: unreadable {ARGOS_METADATA} ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelFormatError(f"{archive.name}: {ARGOS_METADATA} is not a JSON object")
    for key in ("from_code", "to_code"):
        value = data.get(key)
        if not isinstance(value, str):
            raise ModelFormatError(f"{archive.name}: {ARGOS_METADATA} has no {key}")
        _check_lang(value, key)
    if data.get("type", "translate") != "translate":
        raise ModelFormatError(f"{archive.name}: Argos package of type {data.get('type')!r} "
                               f"(only translation packages are supported)")
    return data


# -- GGUF ------------------------------------------------------------------------------------

def gguf_id(path: Path) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-.")
    return slug[:80] or "llm"


def _stage_gguf(path: Path, folder: Path, options: ImportOptions,
                report: Progress) -> Manifest:
    try:
        from engines.gguf import GGUFError, GGUFFile, convert_gguf
    except ImportError as exc:  # pragma: no cover - the converter ships with the app
        raise ModelFormatError("GGUF import is not available in this build") from exc
    try:
        licence = GGUFFile(path).get("general.license")
        convert_gguf(path, folder, quantization=options.quantization,
                     progress=lambda f, m: report(0.05 + 0.8 * f, m))
    except GGUFError as exc:
        raise ModelFormatError(str(exc)) from exc
    except EngineError:
        raise
    return Manifest(
        id=options.model_id or gguf_id(path), kind="llm", format="ct2-generator",
        licence=str(licence) if isinstance(licence, str) and licence else "unknown",
        origin=f"converted from {path.name} ({options.quantization})",
    )
