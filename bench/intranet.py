"""Intranet servers: throughput against the same work done locally, and slot scaling.

1. Pages per minute of a 50-page French document (LibreOffice/Debian documentation text
   from ``../shared/corpus/real-fr``, a page = 1,800 characters) translated sentence by
   sentence with the lohelp fr→en model: locally (CTranslate2, as the app runs it) and
   through LibreTranslate serving the same model as an Argos package, with 1, 2 and 4
   requests in flight.
2. Documents per minute and generated tokens per second against llama.cpp's
   llama-server (SmolLM2-135M demo GGUF) with 1 then 2 slots, for 1 to 4 documents
   sent at once (each document: 4 map prompts, like a map-reduce summary's map step).

The servers run on this machine, on the same cores as the client; compare ratios from
one run, not absolute figures (the machine is shared and loaded).  Needs
``make intranet-servers`` (the cached builds); prints what is missing otherwise.

Usage: python bench/intranet.py [--pages 50] [--skip-lt] [--skip-llm] [--tokens 64]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engines.llm import GenerationOptions, Message  # noqa: E402
from engines.remote.config import parse_servers  # noqa: E402
from engines.remote.libretranslate import LibreTranslateTranslator  # noqa: E402
from engines.remote.openai import OpenAIEngine  # noqa: E402
from engines.translate.batch import translate_texts  # noqa: E402
from engines.translate.ct2 import CT2Translator  # noqa: E402

PAGE_CHARS = 1800
CORPUS = ROOT.parent / "shared" / "corpus" / "real-fr"
MODEL = ROOT.parent / "shared" / "models" / "fr-en-lohelp-small"


def script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("intranet_servers",
                                                  ROOT / "scripts" / "intranet_servers.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["intranet_servers"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def document(pages: int) -> list[str]:
    """Paragraphs of real French documentation text, numbered so none repeats, totalling
    ``pages`` pages."""
    from app.formats.registry import read_document

    paragraphs: list[str] = []
    for path in sorted(CORPUS.glob("*")):
        if path.suffix.lower() in (".docx", ".pdf"):
            doc = read_document(path)
            paragraphs += [b.text.strip() for b in doc.blocks if len(b.text.strip()) > 20]
    out: list[str] = []
    size, round_ = 0, 0
    while size < pages * PAGE_CHARS:
        round_ += 1
        for text in paragraphs:
            item = text if round_ == 1 else f"{round_}. {text}"
            out.append(item)
            size += len(item)
            if size >= pages * PAGE_CHARS:
                break
    return out


class Lines(list[str]):
    """Figures, printed as soon as they are measured (a run takes minutes)."""

    def __init__(self, lines: list[str] | None = None) -> None:
        super().__init__()
        for line in lines or []:
            self.append(line)

    def append(self, line: str) -> None:
        print(line, flush=True)
        super().append(line)


def key_file(tmp: Path, key: str) -> Path:
    path = tmp / f"{key}.key"
    path.write_text(key)
    return path


def bench_libretranslate(s, tmp: Path, pages: int) -> list[str]:  # type: ignore[no-untyped-def]
    p = s.paths()
    if not p.libretranslate_ready() or not (MODEL / "model.bin").is_file():
        return Lines(["LibreTranslate: skipped (make intranet-servers; needs ../shared)"])
    texts = document(pages)
    chars = sum(len(t) for t in texts)
    real_pages = chars / PAGE_CHARS
    lines = Lines([f"Document: {len(texts)} paragraphs, {chars} characters = "
                   f"{real_pages:.1f} pages"])
    t0 = time.perf_counter()
    local = CT2Translator(MODEL, threads=2)
    results = translate_texts(local, texts, "fr", "en")
    local_s = time.perf_counter() - t0
    assert all(r.ok for r in results)
    local_ppm = real_pages / local_s * 60
    lines.append(f"local CTranslate2 (2 threads, beam {local.options.beam_size}): "
                 f"{local_s:.1f} s, {local_ppm:.1f} pages/min")
    port, key = s.free_port(), "bench-key"
    argv, env = s.libretranslate_command(p, port, key, tmp / "lt", threads=2)
    proc = subprocess.Popen(argv, env=env, stdout=(tmp / "lt.log").open("wb"),
                            stderr=subprocess.STDOUT)
    try:
        s.wait_ready(f"http://127.0.0.1:{port}/languages", proc)
        kf = key_file(tmp, key)
        for inflight in (1, 2, 4):
            server = parse_servers(
                f'[servers.lt]\nkind = "libretranslate"\nurl = "http://127.0.0.1:{port}"\n'
                f'api_key_file = "{kf}"\nmax_concurrency = {inflight}\nbatch_size = 16\n'
                f"timeout = 600\n")["lt"]
            nmt = LibreTranslateTranslator(server)
            t0 = time.perf_counter()
            results = translate_texts(nmt, texts, "fr", "en")
            seconds = time.perf_counter() - t0
            assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
            ppm = real_pages / seconds * 60
            lines.append(f"LibreTranslate, {inflight} request(s) in flight: {seconds:.1f} s, "
                         f"{ppm:.1f} pages/min = {ppm / local_ppm:.2f}x local")
    finally:
        proc.terminate()
        proc.wait()
    return lines


def bench_llama(s, tmp: Path, tokens: int) -> list[str]:  # type: ignore[no-untyped-def]
    p = s.paths()
    if not p.llama_ready():
        return Lines(["llama.cpp: skipped (make intranet-servers)"])
    lines = Lines()
    opts = GenerationOptions(max_new_tokens=tokens, temperature=0.0)
    topics = ["the printer budget", "the new office", "the training plan", "the server room",
              "the annual report", "the travel policy", "the fleet of vehicles", "the archive"]

    def doc_prompts(d: int) -> list[list[Message]]:
        return [[Message("system", "You are a careful analyst."),
                 Message("user", f"Write a detailed paragraph about {topics[(d + i) % 8]} "
                                 f"of unit {d}, part {i}.")] for i in range(4)]

    for slots in (1, 2):
        port, key = s.free_port(), f"bench-{slots}"
        argv = s.llama_command(p, port, key, parallel=slots)
        proc = subprocess.Popen(argv, stdout=(tmp / f"llama{slots}.log").open("wb"),
                                stderr=subprocess.STDOUT)
        try:
            s.wait_ready(f"http://127.0.0.1:{port}/health", proc)
            kf = key_file(tmp, key)
            server = parse_servers(
                f'[servers.llm]\nkind = "openai"\nurl = "http://127.0.0.1:{port}/v1"\n'
                f'api_key_file = "{kf}"\nmax_concurrency = {slots}\ntimeout = 600\n')["llm"]
            OpenAIEngine(server).generate_many(doc_prompts(99)[:1], opts)  # warm up
            for docs in (1, 2, 3, 4):
                engines = [OpenAIEngine(server) for _ in range(docs)]
                threads = [threading.Thread(target=e.generate_many, args=(doc_prompts(d), opts))
                           for d, e in enumerate(engines)]
                t0 = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                seconds = time.perf_counter() - t0
                tokens = sum(e.completion_tokens for e in engines)
                lines.append(f"llama-server {slots} slot(s), {docs} document(s) at once: "
                             f"{seconds:.1f} s, {docs / seconds * 60:.1f} documents/min, "
                             f"{tokens / seconds:.1f} tokens/s")
        finally:
            proc.terminate()
            proc.wait()
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--skip-lt", action="store_true")
    parser.add_argument("--skip-llm", action="store_true")
    parser.add_argument("--tokens", type=int, default=64, help="tokens per LLM answer")
    args = parser.parse_args()
    s = script()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_lt:
            bench_libretranslate(s, Path(tmp), args.pages)
        if not args.skip_llm:
            bench_llama(s, Path(tmp), args.tokens)
    return 0


if __name__ == "__main__":
    sys.exit(main())
