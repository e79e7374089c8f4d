"""Model bundles: several verified models in one zip, to carry into the secure zone.

Layout::

    bundle.json              the index: every model id, the checksum of its manifest, and
                             the SHA-256 of each of its files; plus a checksum of the index
    <id>/manifest.json       the model's own manifest (its provenance is kept as is)
    <id>/<file>              the model files

The chain of trust on import: the index checksum covers the index; the index pins each
``manifest.json`` (file hash and manifest checksum); each manifest pins every file.  Any
mismatch, a missing or an unlisted member refuses the whole bundle before anything is
installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from engines.archive import ArchiveLimits, safe_extract
from engines.errors import ModelFormatError, ModelIntegrityError
from engines.store import (
    MANIFEST,
    InstalledModel,
    Manifest,
    ModelStore,
    canonical_json,
    sha256_file,
    valid_id,
    verify_folder,
)

log = logging.getLogger(__name__)

BUNDLE_INDEX = "bundle.json"
BUNDLE_FORMAT = "passerelle-model-bundle"
BUNDLE_VERSION = 1
_MAX_INDEX_BYTES = 16 << 20
_STORED_SUFFIXES = (".bin", ".gguf", ".safetensors")  # incompressible: not worth deflating

Progress = Callable[[float, str], None]


def _noop(fraction: float, message: str) -> None:
    return None


def _index_checksum(index: dict[str, object]) -> str:
    body = {k: v for k, v in index.items() if k != "checksum"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def export_bundle(
    store: ModelStore, ids: Sequence[str], out: Path, progress: Progress | None = None
) -> Path:
    """Verify the models, then write them with their manifests and an index to ``out``."""
    report = progress or _noop
    if not ids:
        raise ModelFormatError("Name at least one model to export.")
    models: list[InstalledModel] = []
    for n, model_id in enumerate(dict.fromkeys(ids)):
        report(0.4 * n / len(ids), f"Verifying {model_id}")
        models.append(store.verify(model_id))
    index: dict[str, object] = {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_VERSION,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "models": [_index_entry(m) for m in models],
    }
    index["checksum"] = _index_checksum(index)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            zf.writestr(BUNDLE_INDEX, json.dumps(index, indent=2, ensure_ascii=False))
            for n, model in enumerate(models):
                report(0.4 + 0.6 * n / len(models), f"Writing {model.id}")
                zf.write(model.path / MANIFEST, f"{model.id}/{MANIFEST}")
                for rel in model.manifest.files:
                    kind = (zipfile.ZIP_STORED if rel.endswith(_STORED_SUFFIXES)
                            else zipfile.ZIP_DEFLATED)
                    zf.write(model.path / rel, f"{model.id}/{rel}", compress_type=kind)
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    report(1.0, f"Wrote {out.name}")
    log.info("Exported %s to %s", ", ".join(m.id for m in models), out)
    return out


def _index_entry(model: InstalledModel) -> dict[str, object]:
    files = {MANIFEST: sha256_file(model.path / MANIFEST)}
    files.update(model.manifest.files)
    return {"id": model.id, "manifest_checksum": model.manifest.checksum, "files": files}


def read_index(path: Path) -> dict[str, object]:
    """The bundle index, checked against its own checksum and for well-formedness."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(BUNDLE_INDEX)
            if info.file_size > _MAX_INDEX_BYTES:
                raise ModelFormatError(f"{path.name}: {BUNDLE_INDEX} is too large")
            index = json.loads(zf.read(info).decode("utf-8"))
    except (KeyError, zipfile.BadZipFile, UnicodeDecodeError, ValueError) as exc:
        raise ModelFormatError(f"{path.name}: unreadable {BUNDLE_INDEX} ({exc})") from exc
    if not isinstance(index, dict) or index.get("format") != BUNDLE_FORMAT:
        raise ModelFormatError(f"{path.name} is not a model bundle")
    if index.get("checksum") != _index_checksum(index):
        raise ModelIntegrityError(f"Bundle {path.name}: file {BUNDLE_INDEX} does not match its "
                                  f"checksum (tampered or corrupted)", BUNDLE_INDEX)
    models = index.get("models")
    if not isinstance(models, list) or not models:
        raise ModelFormatError(f"{path.name}: the bundle lists no model")
    for entry in models:
        if (not isinstance(entry, dict) or not valid_id(str(entry.get("id", "")))
                or not isinstance(entry.get("files"), dict)):
            raise ModelFormatError(f"{path.name}: malformed model entry in {BUNDLE_INDEX}")
    return index


def _listed_members(index: dict[str, object]) -> set[str]:
    names = {BUNDLE_INDEX}
    for entry in index["models"]:  # type: ignore[attr-defined]
        names.update(f"{entry['id']}/{rel}" for rel in entry["files"])
    return names


def import_bundle(store: ModelStore, path: Path, model_id: str | None = None,
                  replace: bool = False, limits: ArchiveLimits | None = None,
                  progress: Progress | None = None) -> list[InstalledModel]:
    """Verify a bundle completely, then install each of its models (``model_id`` renames
    the model of a one-model bundle)."""
    report = progress or _noop
    index = read_index(path)
    entries: list[dict[str, object]] = list(index["models"])  # type: ignore[call-overload]
    if model_id and len(entries) > 1:
        raise ModelFormatError("--id cannot rename the models of a bundle with several models")
    listed = _listed_members(index)
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.endswith("/") and name not in listed:
                raise ModelIntegrityError(f"Bundle {path.name}: file {name} is not listed in "
                                          f"{BUNDLE_INDEX} (tampered?)", name)
    for entry in entries:
        store.check_free(str(model_id or entry["id"]), replace)
    with store.staging() as staging:
        raw = staging / "raw"
        safe_extract(path, raw, limits,
                     progress=lambda d, t: report(0.4 * d / max(t, 1), f"Extracting {path.name}"))
        for n, entry in enumerate(entries):
            report(0.4 + 0.5 * n / len(entries), f"Verifying {entry['id']}")
            _verify_entry(raw / str(entry["id"]), entry, path.name)
        installed = []
        for entry in entries:
            folder = raw / str(entry["id"])
            if model_id and model_id != entry["id"]:
                manifest = Manifest.load(folder)
                manifest.id, manifest.files, manifest.sizes = model_id, {}, {}
                (folder / MANIFEST).unlink()
                installed.append(store.install(folder, manifest, replace=replace))
            else:
                installed.append(store.adopt(folder, replace=replace, verify=False))
    report(1.0, f"Installed {', '.join(m.id for m in installed)}")
    return installed


def _verify_entry(folder: Path, entry: dict[str, object], bundle: str) -> None:
    """The index pins the manifest; the manifest pins every file."""
    files: dict[str, str] = entry["files"]  # type: ignore[assignment]
    model_id = entry["id"]
    if not (folder / MANIFEST).is_file():
        raise ModelIntegrityError(f"Bundle {bundle}: file {model_id}/{MANIFEST} is missing",
                                  MANIFEST)
    if sha256_file(folder / MANIFEST) != files.get(MANIFEST):
        raise ModelIntegrityError(f"Bundle {bundle}: file {model_id}/{MANIFEST} does not match "
                                  f"its checksum (tampered or corrupted)", MANIFEST)
    manifest = Manifest.load(folder)
    if manifest.id != model_id or manifest.checksum != entry.get("manifest_checksum"):
        raise ModelIntegrityError(f"Bundle {bundle}: the manifest of {model_id} does not match "
                                  f"the bundle index (tampered?)", MANIFEST)
    for rel, digest in manifest.files.items():
        if files.get(rel) != digest:
            raise ModelIntegrityError(f"Bundle {bundle}: file {model_id}/{rel} is listed "
                                      f"differently in the index and the manifest", rel)
    verify_folder(folder, manifest)
