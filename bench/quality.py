#!/usr/bin/env python3
"""Translation quality with a real model: the pipeline must never make the model worse.

The evaluation is built from LibreOffice's help (:mod:`bench.lohelp_eval`, fetched with
``apt-get download`` on first use): ~250 French paragraphs paired by page and element
id with the English help, put in a DOCX.  The model is ``fr-en-lohelp-small`` (trained
on that help; ``--model`` for another fr→en CTranslate2 folder).  Systems, on the same
paragraphs:

- **pipeline defaults**: ``main.py translate IN --to en --engine ct2 --model M`` through
  the pipeline API (read DOCX, detect, translate, verify, write), empty memory; timed
  as the first job of the process (loading lingua's models and the rest, as a CLI run
  does) and as a next job (as in a desktop session);
- pipeline variants (``--variants``): every span masked up front (the former way),
  sentence by sentence, other beams;
- **raw CTranslate2** ``translate_batch`` on whole paragraphs, beam 2 and beam 4;
- **per-paragraph loop like argos-translate's**: each paragraph split into sentences,
  one ``translate_batch`` call per paragraph, beam 4, CTranslate2's default threads.

For each: chrF (sacrebleu) against the English help, paragraphs with markup debris
(``<``/``>`` the source lacks), numbers lost (digit groups of the source missing from
the output, counted independently of the pipeline's own checks), wall time.
``--sweep`` times the pipeline for beam × threads (inter/intra) in one run.

The last line holds the targets: ``chrf_ratio`` (pipeline defaults ÷ raw best beam,
≥ 0.99), ``debris`` (0), ``numbers_lost`` (0) and ``speedup_vs_loop`` (≥ 2).
Compare figures from one run: the machine is shared and loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.lohelp_eval import (  # noqa: E402
    Pair,
    ensure_help,
    paragraph_pairs,
    read_docx,
    select,
    write_docx,
)

DEFAULT_MODEL = ROOT.parent / "shared" / "models" / "fr-en-lohelp-small"
CACHE = ROOT / ".cache" / "lohelp"


@dataclass
class Figure:
    name: str
    outputs: list[str]
    seconds: float
    chrf: float = 0.0
    debris: int = 0  # paragraphs
    numbers_lost: int = 0
    note: str = ""


# --- Independent measures ---------------------------------------------------------------

_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f,.](?=\d{3}(?!\d))")


def digit_groups(text: str) -> Counter[str]:
    return Counter(re.findall(r"\d+", _THOUSANDS.sub("", text)))


def numbers_lost(source: str, output: str) -> int:
    return sum((digit_groups(source) - digit_groups(output)).values())


def has_debris(source: str, output: str) -> bool:
    return any(output.count(c) > source.count(c) for c in "<>")


def score(fig: Figure, pairs: list[Pair]) -> Figure:
    import sacrebleu

    fig.chrf = sacrebleu.corpus_chrf(fig.outputs, [[p.en for p in pairs]]).score
    fig.debris = sum(has_debris(p.fr, o) for p, o in zip(pairs, fig.outputs, strict=True))
    fig.numbers_lost = sum(numbers_lost(p.fr, o) for p, o in zip(pairs, fig.outputs, strict=True))
    return fig


# --- Systems -------------------------------------------------------------------------------

def timed(fn: Callable[[], list[str]]) -> tuple[list[str], float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def raw_ct2(model: Path, pairs: list[Pair], beam: int, inter: int, intra: int) -> Figure:
    """The model alone: whole paragraphs, sorted token batches (CTranslate2's own)."""
    import ctranslate2
    import sentencepiece as spm

    def run() -> list[str]:
        sp = spm.SentencePieceProcessor(model_file=str(model / "source.spm"))
        tr = ctranslate2.Translator(str(model), inter_threads=inter, intra_threads=intra)
        src = [sp.encode(p.fr, out_type=str) + ["</s>"] for p in pairs]
        res = tr.translate_batch(src, beam_size=beam, max_batch_size=4096, batch_type="tokens",
                                 max_input_length=256, max_decoding_length=256)
        return [sp.decode(r.hypotheses[0]) for r in res]

    out, secs = timed(run)
    return Figure(f"raw CT2 beam {beam}, whole paragraphs", out, secs)


def argos_loop(model: Path, pairs: list[Pair], intra: int = 0) -> Figure:
    """Like argos-translate 1.x: per paragraph, sentences split, one call, beam 4,
    one translator with argos's default threads (``intra_threads=0``: CTranslate2
    picks), or ``intra`` threads."""
    import ctranslate2
    import sentencepiece as spm

    from engines.segment import split_sentences

    def run() -> list[str]:
        sp = spm.SentencePieceProcessor(model_file=str(model / "source.spm"))
        tr = ctranslate2.Translator(str(model), inter_threads=1, intra_threads=intra)
        out = []
        for p in pairs:
            sentences = [s.text for s in split_sentences(p.fr, "fr")]
            res = tr.translate_batch([sp.encode(s, out_type=str) + ["</s>"] for s in sentences],
                                     beam_size=4, max_input_length=256,
                                     max_decoding_length=256)
            out.append(" ".join(sp.decode(r.hypotheses[0]) for r in res))
        return out

    out, secs = timed(run)
    threads = f", {intra} thread" if intra else ""
    return Figure(f"per-paragraph loop (argos-like, beam 4{threads})", out, secs)


@contextlib.contextmanager
def data_dir() -> Iterator[Path]:
    """An empty Passerelle data dir (translation memory, audit log) for one run."""
    old = os.environ.get("PASSERELLE_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
        os.environ["PASSERELLE_DATA_DIR"] = tmp
        try:
            yield Path(tmp)
        finally:
            if old is None:
                os.environ.pop("PASSERELLE_DATA_DIR", None)
            else:
                os.environ["PASSERELLE_DATA_DIR"] = old


def pipeline(model: Path, docx: Path, name: str, translator: Any = None,
             again: bool = False, **config: Any) -> tuple[Figure, Any]:
    """``main.py translate`` through the pipeline API: the defaults unless ``config``
    says otherwise, or a prepared ``translator`` chain."""
    from app.core.config import JobConfig
    from app.pipeline.engine_select import translator_factory
    from app.pipeline.job import Job, run

    with data_dir(), tempfile.TemporaryDirectory(prefix="quality-out-") as out_dir:
        out = Path(out_dir) / "out.docx"

        def once() -> tuple[Job, float]:
            job = Job(JobConfig(input=docx, target_lang="en", engine="ct2", model=str(model),
                                output=out, overwrite=True, **config),
                      translator=translator() if translator else None,
                      translator_factory=translator_factory)
            t0 = time.perf_counter()
            run(job)
            return job, time.perf_counter() - t0

        job, secs = once()
        fig = Figure(name, read_docx(out), secs)
        fig.note = "stages " + " ".join(f"{k} {v:.1f}" for k, v in job.timings.items())
        if again:  # a re-run: served from the translation memory, same notes
            flags = [b.flags[:] for b in job.doc.blocks]
            job2, secs2 = once()
            same = read_docx(out) == fig.outputs
            same_flags = [b.flags for b in job2.doc.blocks] == flags
            fig.note += (f"; re-run from memory {secs2:.1f}s, same text {same}, "
                         f"same flags {same_flags}")
    return fig, job


def chain_factory(model: Path, beam: int, inter: int = 1, intra: int = 1,
                  paragraphs: bool = True, protect_mode: str = "verify") -> Callable[[], Any]:
    from engines.device import DeviceConfig
    from engines.translate.chain import build_chain
    from engines.translate.ct2 import CT2Translator, DecodeOptions

    def make() -> Any:
        engine = CT2Translator(model, device="cpu",
                               options=DecodeOptions(beam_size=beam, paragraphs=paragraphs))
        if (inter, intra) != (engine.device.inter_threads, engine.device.intra_threads):
            engine.close()
            import ctranslate2

            engine.device = DeviceConfig("cpu", "int8", inter, intra)
            engine._model = ctranslate2.Translator(str(model), device="cpu",
                                                   inter_threads=inter, intra_threads=intra)
        return build_chain(engine, protect_mode=protect_mode)

    return make


def repairs(job: Any) -> str:
    counts: Counter[str] = Counter()
    for b in job.doc.blocks:
        for f in b.flags:
            counts[f.split(":")[0] + ":" + f.split(":")[1].split()[0] if ":" in f else f] += 1
    node = job.translator
    while node is not None and not hasattr(node, "stats"):
        node = getattr(node, "inner", None)
    stats = dict(node.stats) if node is not None else {}
    return f"spans {stats}, flags {dict(counts)}"


# --- Main ------------------------------------------------------------------------------

def show(figs: list[Figure], pairs: list[Pair]) -> None:
    print(f"\n{'system':<46} {'chrF':>6} {'debris':>7} {'numbers lost':>13} {'wall s':>7}")
    for f in figs:
        print(f"{f.name:<46} {f.chrf:6.1f} {f.debris:7d} {f.numbers_lost:13d} {f.seconds:7.1f}"
              + (f"   ({f.note})" if f.note else ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("-n", type=int, default=250, help="paragraphs (default 250)")
    ap.add_argument("--variants", action="store_true", help="also mask-all, sentences, beams")
    ap.add_argument("--sweep", action="store_true", help="time beam × threads (pipeline)")
    ap.add_argument("--show", type=int, default=0, help="print N worst paragraphs")
    args = ap.parse_args()
    if not (args.model / "model.bin").is_file():
        print(f"No model at {args.model}: skipped (give --model)")
        return 0
    import logging

    logging.basicConfig(level=logging.WARNING)
    pairs = select(paragraph_pairs(ensure_help(CACHE)), args.n)
    docx = CACHE / f"eval-{len(pairs)}.fr.docx"
    if not docx.is_file():
        write_docx(pairs, docx)
    n_numbers = sum(sum(digit_groups(p.fr).values()) for p in pairs)
    print(f"{len(pairs)} LibreOffice help paragraphs ({sum(len(p.fr) for p in pairs)} chars, "
          f"{n_numbers} digit groups), model {args.model.name}, {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f}")

    figs: list[Figure] = []
    # The first job of a process also loads lingua's language models (seconds), python-docx…:
    # a CLI run pays that each time, a desktop session once.  Both are shown.
    cold, _ = pipeline(args.model, docx, "Passerelle defaults, first job of the process")
    default, job = pipeline(args.model, docx, "Passerelle defaults", again=True)
    default.note += f"; {repairs(job)}"
    figs += [default, cold]
    if args.variants:
        for name, factory in [
            ("Passerelle, spans masked up front (former)",
             chain_factory(args.model, 2, protect_mode="mask")),
            ("Passerelle, sentence by sentence",
             chain_factory(args.model, 2, paragraphs=False)),
            ("Passerelle beam 4", chain_factory(args.model, 4)),
        ]:
            fig, job = pipeline(args.model, docx, name, translator=factory)
            fig.note += f"; {repairs(job)}"
            figs.append(fig)
    raw = [raw_ct2(args.model, pairs, beam, 1, 1) for beam in (2, 4)]
    loop = argos_loop(args.model, pairs)
    figs += [*raw, loop, argos_loop(args.model, pairs, intra=1)]
    for f in figs:
        score(f, pairs)
    show(figs, pairs)

    if args.sweep:
        print("\nPipeline wall time by beam and threads (inter × intra), same run:")
        for beam in (2, 3, 4):
            for inter, intra in ((1, 1), (1, 2), (2, 1)):
                fig, _ = pipeline(args.model, docx, f"beam {beam} {inter}x{intra}",
                                  translator=chain_factory(args.model, beam, inter, intra))
                score(fig, pairs)
                print(f"  beam {beam}, inter {inter} × intra {intra}: {fig.seconds:5.1f}s "
                      f"chrF {fig.chrf:.1f}  ({fig.note})")

    if args.show:
        worst = sorted(zip(pairs, default.outputs, strict=True),
                       key=lambda po: -(numbers_lost(po[0].fr, po[1]) * 10
                                        + has_debris(po[0].fr, po[1])))[:args.show]
        for p, o in worst:
            print(f"\nFR  {p.fr}\nEN  {p.en}\nOUT {o}")

    best = max(raw, key=lambda f: f.chrf)
    ratio = default.chrf / best.chrf if best.chrf else 0.0
    speedup = loop.seconds / default.seconds if default.seconds else 0.0
    first = loop.seconds / cold.seconds if cold.seconds else 0.0
    print(f"\nchrf_ratio={ratio:.3f} debris={default.debris} "
          f"numbers_lost={default.numbers_lost} speedup_vs_loop={speedup:.2f} "
          f"(first job of the process {first:.2f}) (targets: >=0.99, 0, 0, >=2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
