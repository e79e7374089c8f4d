"""The verified offline model store.

Layout::

    <root>/<model id>/manifest.json     id, kind, languages, format, licence, origin,
                                        version, created, files {path: sha256}, sizes
    <root>/<model id>/...               the model files
    <root>/.verified.json               fast-path cache: (size, mtime) of hashed files

A local, writable store comes first; read-only shared stores (a unit's network share)
may follow and are never written to.  Every file of a model is listed in its manifest
with its SHA-256; the manifest itself carries a checksum of its canonical JSON.
``verify`` hashes everything; ``check`` (used when a model is loaded) compares sizes and
re-hashes only the files whose size or mtime changed since they were last hashed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from engines.errors import ModelFormatError, ModelIntegrityError, ModelNotFound, with_hints

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
CACHE = ".verified.json"
KINDS = ("translation", "llm")
FORMATS = ("ct2-opus-mt", "ct2-nllb", "ct2-m2m", "ct2-generator", "argos")
# Files that operating systems drop into folders; ignored rather than refused.
OS_JUNK = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
ENV_ROOT = "PASSERELLE_MODELS"
ENV_SHARED = "PASSERELLE_SHARED_MODELS"

HashProgress = Callable[[str], None]


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def valid_id(model_id: str) -> bool:
    return bool(_ID.match(model_id)) and model_id not in (".", "..")


def canonical_json(data: dict[str, object]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def safe_relpath(rel: str) -> bool:
    """A relative path that stays inside its folder."""
    path = PurePosixPath(rel)
    return (bool(rel) and "\\" not in rel and not path.is_absolute()
            and all(p not in ("", ".", "..") for p in path.parts) and rel != MANIFEST)


@dataclass
class Manifest:
    """What ``manifest.json`` says about one model."""

    id: str
    kind: str
    format: str
    pairs: list[tuple[str, str]] = field(default_factory=list)  # directional pairs
    languages: list[str] = field(default_factory=list)  # multilingual: any pair among them
    licence: str = "unknown"
    origin: str = ""
    demo: bool = False
    version: str = ""
    created: str = ""
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    sizes: dict[str, int] = field(default_factory=dict)  # relative path -> bytes
    checksum: str = ""  # sha256 of the canonical JSON of every other field

    def serves(self, src: str, tgt: str) -> bool:
        if self.kind != "translation" or src == tgt:
            return False
        return (src, tgt) in self.pairs or (src in self.languages and tgt in self.languages)

    def describe_languages(self) -> str:
        if self.languages:
            return "multilingual (" + ", ".join(self.languages) + ")"
        return ", ".join(f"{s}→{t}" for s, t in self.pairs) or "-"

    def body(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("checksum")
        data["pairs"] = [list(p) for p in self.pairs]
        return data

    def compute_checksum(self) -> str:
        return hashlib.sha256(canonical_json(self.body())).hexdigest()

    def sealed(self) -> Manifest:
        """Stamp ``checksum`` (and ``created`` when empty); returns self."""
        if not self.created:
            self.created = datetime.now(UTC).replace(microsecond=0).isoformat()
        self.checksum = self.compute_checksum()
        return self

    def to_json(self) -> str:
        data = self.body()
        data["checksum"] = self.checksum
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: object, where: str) -> Manifest:
        if not isinstance(data, dict):
            raise ModelFormatError(f"{where}: the manifest is not a JSON object")
        try:
            manifest = cls(
                id=str(data["id"]), kind=str(data["kind"]), format=str(data["format"]),
                pairs=[(str(s), str(t)) for s, t in data.get("pairs", [])],
                languages=[str(x) for x in data.get("languages", [])],
                licence=str(data.get("licence", "unknown")), origin=str(data.get("origin", "")),
                demo=bool(data.get("demo", False)), version=str(data.get("version", "")),
                created=str(data.get("created", "")),
                files={str(k): str(v) for k, v in data["files"].items()},
                sizes={str(k): int(v) for k, v in data.get("sizes", {}).items()},
                checksum=str(data.get("checksum", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelFormatError(f"{where}: the manifest is malformed ({exc!r})") from exc
        manifest._validate(where)
        return manifest

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise ModelFormatError(f"{folder.name}: no {MANIFEST} (not a model of this store)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelFormatError(f"{folder.name}: unreadable {MANIFEST} ({exc})") from exc
        return cls.from_dict(data, f"Model {folder.name}")

    def _validate(self, where: str) -> None:
        if not valid_id(self.id):
            raise ModelFormatError(f"{where}: invalid model id {self.id!r}")
        if self.kind not in KINDS:
            raise ModelFormatError(f"{where}: unknown kind {self.kind!r}")
        if self.format not in FORMATS:
            raise ModelFormatError(f"{where}: unknown format {self.format!r}")
        for rel, digest in self.files.items():
            if not safe_relpath(rel):
                raise ModelFormatError(f"{where}: manifest lists an unsafe path {rel!r}")
            if not _HEX64.match(digest):
                raise ModelFormatError(f"{where}: manifest checksum of {rel} is malformed")


@dataclass(frozen=True)
class InstalledModel:
    manifest: Manifest
    path: Path
    shared: bool  # from a read-only shared store

    @property
    def id(self) -> str:
        return self.manifest.id


def scan_files(folder: Path) -> dict[str, Path]:
    """Every regular file under ``folder`` (relative posix path -> path), manifest excluded."""
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            raise ModelIntegrityError(f"Model {folder.name}: {rel} is a symbolic link", rel)
        if path.is_file() and rel != MANIFEST and path.name not in OS_JUNK:
            found[rel] = path
    return found


class ModelStore:
    """Installed models: a writable local store plus read-only shared stores."""

    def __init__(self, root: Path, shared: Sequence[Path] = ()) -> None:
        self.root = Path(root)
        self.shared = [Path(p) for p in shared]
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, default_root: Path) -> ModelStore:
        """``$PASSERELLE_MODELS`` overrides the root; ``$PASSERELLE_SHARED_MODELS`` lists
        shared stores separated by ``os.pathsep``."""
        root = Path(os.environ.get(ENV_ROOT) or default_root)
        shared = [Path(p) for p in os.environ.get(ENV_SHARED, "").split(os.pathsep) if p]
        return cls(root, shared)

    # -- listing ------------------------------------------------------------
    def _stores(self) -> list[tuple[Path, bool]]:
        return [(self.root, False)] + [(p, True) for p in self.shared]

    def installed(self) -> list[InstalledModel]:
        """Installed models; a local model hides a shared one with the same id."""
        seen: dict[str, InstalledModel] = {}
        for root, shared in self._stores():
            if not root.is_dir():
                continue
            for folder in sorted(root.iterdir()):
                if folder.name.startswith(".") or not (folder / MANIFEST).is_file():
                    continue
                try:
                    manifest = Manifest.load(folder)
                except ModelFormatError as exc:
                    log.warning("Skipping %s: %s", folder, exc)
                    continue
                if manifest.id != folder.name:
                    log.warning("Skipping %s: its manifest says id %s", folder, manifest.id)
                    continue
                seen.setdefault(manifest.id, InstalledModel(manifest, folder, shared))
        return list(seen.values())

    def get(self, model_id: str) -> InstalledModel:
        if valid_id(model_id):
            for root, shared in self._stores():
                folder = root / model_id
                if (folder / MANIFEST).is_file():
                    return InstalledModel(Manifest.load(folder), folder, shared)
        raise with_hints(ModelNotFound(f"No installed model with id '{model_id}'."),
                         "list_models")

    def find_translation(self, src: str, tgt: str) -> InstalledModel | None:
        """The best installed model for ``src``→``tgt``: pair-specific before
        multilingual, non-demo before demo."""
        candidates = [m for m in self.installed() if m.manifest.serves(src, tgt)]
        candidates.sort(key=lambda m: (m.manifest.demo, bool(m.manifest.languages), m.shared))
        return candidates[0] if candidates else None

    # -- verification -------------------------------------------------------
    def verify(self, model_id: str, progress: HashProgress | None = None) -> InstalledModel:
        """Hash every file of the model against its manifest (ModelIntegrityError)."""
        model = self.get(model_id)
        stats = _stats(model.path, model.manifest.files)  # taken before hashing: no race
        verify_folder(model.path, model.manifest, progress)
        self._remember(model, stats)
        return model

    def check(self, model_id: str) -> InstalledModel:
        """Fast check before loading: sizes and the file list always; a full hash only
        of the files changed since they were last hashed."""
        model = self.get(model_id)
        manifest = model.manifest
        _check_manifest(manifest)
        present = scan_files(model.path)
        _check_listing(manifest, present)
        cache = self._load_cache()
        stale: dict[str, list[object]] = {}
        for rel, entry in _stats(model.path, manifest.files).items():
            expected = manifest.sizes.get(rel)
            if expected is not None and entry[1] != expected:
                raise _altered(manifest.id, rel)
            if cache.get(_cache_key(present[rel])) != entry:
                stale[rel] = entry
        for rel in stale:
            log.info("Model %s: hashing %s (changed since last verification)", manifest.id, rel)
            if sha256_file(present[rel]) != manifest.files[rel]:
                raise _altered(manifest.id, rel)
        if stale:
            self._remember(model, stale)
        return model

    def _load_cache(self) -> dict[str, list[object]]:
        try:
            data = json.loads((self.root / CACHE).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _remember(self, model: InstalledModel, stats: dict[str, list[object]]) -> None:
        """Record [sha256, size, mtime] of files just hashed, in the local store only."""
        self._update_cache(lambda cache: cache.update(
            {_cache_key(model.path / rel): entry for rel, entry in stats.items()}))

    def _forget(self, folder: Path) -> None:
        prefix = _cache_key(folder) + os.sep

        def prune(cache: dict[str, list[object]]) -> None:
            for key in [k for k in cache if k.startswith(prefix)]:
                del cache[key]

        self._update_cache(prune)

    def _update_cache(self, change: Callable[[dict[str, list[object]]], None]) -> None:
        with self._lock:
            cache = self._load_cache()
            change(cache)
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                _atomic_write(self.root / CACHE, json.dumps(cache, sort_keys=True))
            except OSError as exc:  # a read-only data dir only loses the fast path
                log.warning("Cannot update the verification cache: %s", exc)

    # -- installing and removing ----------------------------------------------
    @contextlib.contextmanager
    def staging(self) -> Iterator[Path]:
        """A scratch folder inside the store (same file system: the final move is a
        rename); removed on exit whatever happens."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix=".import-", dir=self.root))
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def install(self, folder: Path, manifest: Manifest, replace: bool = False,
                progress: HashProgress | None = None) -> InstalledModel:
        """Checksum ``folder`` (a staging folder), write its manifest, verify, move in."""
        seal_folder(folder, manifest, progress)
        return self.adopt(folder, replace=replace)

    def adopt(self, folder: Path, replace: bool = False, progress: HashProgress | None = None,
              verify: bool = True) -> InstalledModel:
        """Verify a folder that already holds its manifest and move it into the store
        (``verify=False``: the caller has just verified it)."""
        manifest = Manifest.load(folder)
        if verify:
            verify_folder(folder, manifest, progress)
        self.check_free(manifest.id, replace)
        dest = self.root / manifest.id
        with self._lock:
            self.check_free(manifest.id, replace)
            old = None
            if dest.exists():
                old = Path(tempfile.mkdtemp(prefix=".old-", dir=self.root))
                dest.rename(old / manifest.id)
            folder.rename(dest)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        model = InstalledModel(manifest, dest, shared=False)
        self._remember(model, _stats(dest, manifest.files))
        log.info("Installed model %s (%s) in %s", manifest.id, manifest.format, dest)
        return model

    def check_free(self, model_id: str, replace: bool = False) -> None:
        """Refuse to overwrite an installed model unless ``replace``."""
        if (self.root / model_id).exists() and not replace:
            raise with_hints(ModelFormatError(
                f"A model with id '{model_id}' is already installed."), "model_id_taken")

    def remove(self, model_id: str) -> None:
        model = self.get(model_id)
        if model.shared:
            raise ModelFormatError(f"Model '{model_id}' is in a shared store "
                                   f"({model.path.parent}), which is read-only here.")
        trash = Path(tempfile.mkdtemp(prefix=".remove-", dir=self.root))
        self._forget(model.path)
        model.path.rename(trash / model_id)  # atomic: never half-removed in the listing
        shutil.rmtree(trash, ignore_errors=True)
        log.info("Removed model %s", model_id)


def seal_folder(folder: Path, manifest: Manifest, progress: HashProgress | None = None
                ) -> Manifest:
    """Checksum every file of ``folder`` into ``manifest`` and write ``manifest.json``."""
    files = scan_files(folder)
    if not files:
        raise ModelFormatError(f"Model {manifest.id}: no files to install")
    manifest.files.clear()
    manifest.sizes.clear()
    for rel, path in files.items():
        if progress is not None:
            progress(rel)
        manifest.files[rel] = sha256_file(path)
        manifest.sizes[rel] = path.stat().st_size
    sealed = manifest.sealed()
    sealed._validate(f"Model {manifest.id}")
    _atomic_write(folder / MANIFEST, sealed.to_json())
    return sealed


def _cache_key(path: Path) -> str:
    return str(path.resolve())


def _stats(folder: Path, files: dict[str, str]) -> dict[str, list[object]]:
    """[sha256 from the manifest, size, mtime] of each file, as the cache stores them."""
    stats: dict[str, list[object]] = {}
    for rel, digest in files.items():
        try:
            st = (folder / rel).stat()
        except FileNotFoundError:
            continue  # reported by the listing check
        stats[rel] = [digest, st.st_size, st.st_mtime_ns]
    return stats


def _altered(model_id: str, rel: str) -> ModelIntegrityError:
    return ModelIntegrityError(
        f"Model {model_id}: file {rel} does not match its checksum (tampered or corrupted)", rel
    )


def _check_manifest(manifest: Manifest) -> None:
    if manifest.checksum != manifest.compute_checksum():
        raise ModelIntegrityError(
            f"Model {manifest.id}: file {MANIFEST} does not match its checksum "
            f"(tampered or corrupted)", MANIFEST,
        )


def _check_listing(manifest: Manifest, present: dict[str, Path]) -> None:
    name = manifest.id
    for rel in manifest.files:
        if rel not in present:
            raise ModelIntegrityError(f"Model {name}: file {rel} is missing", rel)
    for rel in present:
        if rel not in manifest.files:
            raise ModelIntegrityError(
                f"Model {name}: file {rel} is not listed in its manifest (tampered?)", rel
            )


def verify_folder(folder: Path, manifest: Manifest, progress: HashProgress | None = None) -> None:
    """Full verification: manifest checksum, file list, and the SHA-256 of every file."""
    _check_manifest(manifest)
    present = scan_files(folder)
    _check_listing(manifest, present)
    for rel, digest in manifest.files.items():
        if progress is not None:
            progress(rel)
        expected = manifest.sizes.get(rel)
        if expected is not None and present[rel].stat().st_size != expected:
            raise _altered(manifest.id, rel)
        if sha256_file(present[rel]) != digest:
            raise _altered(manifest.id, rel)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; models are shared read-only
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
