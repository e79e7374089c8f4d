"""The model store a job draws its engines from (translation models and LLMs)."""

from __future__ import annotations

from app.core.config import data_dir, prepared_models_dir
from engines.store import ModelStore


def open_store() -> ModelStore:
    """The user's model store: ``data_dir()/models`` (or ``$PASSERELLE_MODELS``), then the
    read-only shared stores of ``$PASSERELLE_SHARED_MODELS``, then the models prepared
    beside the application (the demo LLM), read-only too."""
    store = ModelStore.from_env(data_dir() / "models")
    prepared = prepared_models_dir()
    if prepared.is_dir() and prepared not in store.shared:
        store.shared.append(prepared)
    return store
