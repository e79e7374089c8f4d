"""Find and load the LLM a job asks for (an installed model, a folder, or the demo)."""

from __future__ import annotations

import logging
from pathlib import Path

from app.core.config import prepared_models_dir
from app.pipeline.model_store import open_store
from engines.errors import ModelNotFound, with_hints
from engines.llm import LLMEngine

log = logging.getLogger(__name__)

DEMO_LLM_ID = "smollm2-135m-instruct-demo"


def demo_dir() -> Path:
    """Where ``make run``/``make test`` prepare the demo LLM."""
    return prepared_models_dir() / DEMO_LLM_ID


def resolve_llm(model: str | None = None) -> tuple[Path, str, bool]:
    """(folder, id, demo) of the LLM to use; raises ModelNotFound with what to do."""
    if model and Path(model).is_dir():
        return Path(model), Path(model).name, False
    store = open_store()
    if model:
        found = store.check(model)
        if found.manifest.kind != "llm":
            raise ModelNotFound(f"Model '{model}' is a {found.manifest.kind} model, not an LLM.")
        return found.path, found.id, found.manifest.demo
    llms = sorted((m for m in store.installed() if m.manifest.kind == "llm"),
                  key=lambda m: (m.manifest.demo, m.shared))
    if llms:
        checked = store.check(llms[0].id)
        return checked.path, checked.id, checked.manifest.demo
    raise with_hints(ModelNotFound("No LLM installed."), "import_gguf", "extractive")


def load_llm(model: str | None = None, device: str = "auto", threads: int = 0) -> LLMEngine:
    path, model_id, demo = resolve_llm(model)
    return LLMEngine(path, device=device, threads=threads, model_id=model_id, demo=demo)


def llm_available(model: str | None = None) -> bool:
    try:
        resolve_llm(model)
        return True
    except ModelNotFound:
        return False
