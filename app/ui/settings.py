"""User settings, typed, persisted with QSettings.

:class:`AppSettings` is a plain dataclass; :func:`load` and :func:`save` map it to a
``QSettings`` store.  Each job gets a :class:`app.core.config.JobConfig` built from it.

The store is an INI file in the data folder (``settings.ini`` beside the models, the
translation memory and the audit log, :func:`app.core.config.data_dir`), not in the
user's config folder: the application writes only there and where the user asked.  A
settings file left in ``~/.config/Passerelle`` by an older version is read (never written)
until the first save.

An IT team pins the decoding settings (device, threads, beam) for a whole unit with a
read-only INI file, ``[pinned]`` section (:func:`unit_settings_file`): pinned values win
over the user's, and the settings page shows them locked.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from app.core.config import JobConfig, data_dir
from app.ui.labels import engine_label
from app.ui.qt import QComboBox, QSettings

log = logging.getLogger(__name__)

ORGANIZATION = "Passerelle"
APPLICATION = "Passerelle"
SETTINGS_FILE = "settings.ini"
UI_LANGUAGES = ("system", "fr", "en")
DEVICES = ("auto", "cpu", "cuda")
UNIT_SETTINGS_ENV = "PASSERELLE_UNIT_SETTINGS"
PINNABLE = ("device", "threads", "beam_size")


@dataclass
class AppSettings:
    device: str = "auto"
    threads: int = 0  # 0: the measured default (engines.device.resolve_translation)
    beam_size: int = 0  # 0: the measured default (engines.translate.ct2.DecodeOptions)
    model_stores: list[str] = field(default_factory=list)  # extra model folders
    target_lang: str = "en"
    source_lang: str = ""  # "" : detect
    engine: str = "auto"
    model: str = ""  # installed model id or folder; "" picks automatically
    glossary: str = ""  # CSV file
    output_folder: str = ""  # "" : beside the source
    classification: str = ""  # marking printed on reports, e.g. "DIFFUSION RESTREINTE"
    ui_language: str = "system"
    tessdata: str = ""  # OCR language data folder; "" : found automatically
    redo_ocr: bool = False  # OCR scans again even when they carry an OCR text layer

    def job_config(self, path: Path, **overrides: object) -> JobConfig:
        config = JobConfig(
            input=Path(path), target_lang=self.target_lang,
            source_lang=self.source_lang or None, engine=self.engine,
            model=self.model or None, device=self.device, threads=self.threads,
            glossary=Path(self.glossary) if self.glossary else None,
            ocr_redo=self.redo_ocr, tessdata=Path(self.tessdata) if self.tessdata else None,
        )
        if self.beam_size > 0:
            config.beam_size = self.beam_size
        if self.classification:
            config.extra["classification"] = self.classification
        return dataclasses.replace(config, **overrides)  # type: ignore[arg-type]

    def output_dir(self) -> Path | None:
        return Path(self.output_folder) if self.output_folder else None


def settings_path() -> Path:
    return data_dir() / SETTINGS_FILE


def store() -> QSettings:
    """The INI file in the data folder (also on Windows: easy to audit and copy)."""
    return QSettings(str(settings_path()), QSettings.Format.IniFormat)


def _legacy_store() -> QSettings | None:
    """The file of versions that kept settings in the user's config folder, if any."""
    legacy = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                       APPLICATION)
    return legacy if Path(legacy.fileName()).is_file() else None


def unit_settings_file() -> Path:
    """The unit-wide file an IT team deploys read-only: ``$PASSERELLE_UNIT_SETTINGS``, else
    ``settings.ini`` in the platform's site configuration folder
    (``/etc/xdg/passerelle/settings.ini`` on Linux, ``C:\\ProgramData\\passerelle`` on
    Windows), as ``servers.toml`` (app.core.servers)."""
    override = os.environ.get(UNIT_SETTINGS_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.site_config_dir("passerelle", appauthor=False)) / SETTINGS_FILE


def pinned() -> dict[str, object]:
    """The settings the unit file pins (``[pinned]`` device, threads, beam_size)."""
    path = unit_settings_file()
    if not path.is_file():
        return {}
    qs = QSettings(str(path), QSettings.Format.IniFormat)
    defaults = AppSettings()
    values: dict[str, object] = {}
    for name in PINNABLE:
        raw = qs.value(f"pinned/{name}")
        if raw is None:
            continue
        try:
            values[name] = _coerce(raw, getattr(defaults, name))
        except (TypeError, ValueError):
            log.warning("Ignoring the invalid pinned setting %s=%r in %s", name, raw, path)
    if values.get("device", "auto") not in DEVICES:
        values.pop("device")
    return values


def load(qs: QSettings | None = None) -> AppSettings:
    if qs is None:
        qs = store()
        if not settings_path().is_file():
            qs = _legacy_store() or qs
    s = AppSettings()
    for f in dataclasses.fields(AppSettings):
        raw = qs.value(f"settings/{f.name}")
        if raw is None:
            continue
        try:
            setattr(s, f.name, _coerce(raw, getattr(s, f.name)))
        except (TypeError, ValueError):
            log.warning("Ignoring the invalid setting %s=%r", f.name, raw)
    if s.ui_language not in UI_LANGUAGES:
        s.ui_language = "system"
    if s.device not in DEVICES:
        s.device = "auto"
    for name, value in pinned().items():  # the unit's pins win over the user's values
        setattr(s, name, value)
    return s


def save(s: AppSettings, qs: QSettings | None = None) -> None:
    if qs is None:
        settings_path().parent.mkdir(parents=True, exist_ok=True)
        qs = store()
    for f in dataclasses.fields(AppSettings):
        value = getattr(s, f.name)
        qs.setValue(f"settings/{f.name}", "\n".join(value) if isinstance(value, list) else value)
    qs.sync()


def _coerce(raw: object, default: object) -> object:
    if isinstance(default, bool):
        return str(raw).lower() in ("1", "true", "yes")
    if isinstance(default, int):
        return int(str(raw))
    if isinstance(default, list):
        if isinstance(raw, list):
            return [str(x) for x in raw if str(x)]
        return [x for x in str(raw).split("\n") if x]
    return str(raw)


def available_engines() -> list[str]:
    """The local engines, then one per declared intranet server (``KIND:NAME``)."""
    from app.core.servers import configured_servers
    from app.pipeline.engine_select import ENGINES
    from engines.remote.errors import ServerConfigError

    try:
        servers = [f"{s.kind}:{name}" for name, s in configured_servers().items()]
    except ServerConfigError as exc:
        log.error("Intranet servers ignored: %s", exc)
        servers = []
    return list(ENGINES) + servers


def fill_engines(combo: QComboBox, current: str) -> None:
    """The engine menu: :func:`available_engines`, labelled, ``current`` selected when it is
    still there (a server removed from the settings falls back to the first engine)."""
    combo.blockSignals(True)
    combo.clear()
    for engine in available_engines():
        combo.addItem(engine_label(engine), engine)
    combo.blockSignals(False)
    combo.setCurrentIndex(max(0, combo.findData(current)))


def apply_model_stores(folders: list[str]) -> None:
    """Shared (read-only) model stores from the settings, for the engine selection."""
    if folders:
        os.environ["PASSERELLE_SHARED_MODELS"] = os.pathsep.join(folders)


class SettingsRef:
    """The current settings, shared by the window and its job controller."""

    def __init__(self, value: AppSettings) -> None:
        self.value = value

    def get(self) -> AppSettings:
        return self.value
