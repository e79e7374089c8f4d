"""Calibrate the fidelity check on real French/English pairs (dev script, not run by tests).

Pairs come from LibreOffice's help (Debian packages ``libreoffice-help-fr`` and
``libreoffice-help-en-us``: the same pages with the same element ids), so the English
side is a human translation nobody tuned to this checker.  The script prints:

- the distribution of the character length ratio (English/French), for human pairs and,
  with ``--model``, for the lohelp model's own output (beam 4, whole paragraphs);
- how many human pairs each independent check flags (false alarms on good translations).

Usage: .venv/bin/python scripts/fidelity_calibrate.py [--model ../shared/models/fr-en-lohelp-small]
       [--limit 3000] [--sample 300]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections import Counter
from pathlib import Path

from lxml import html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.pipeline.checks import (
    LENGTH_BOUNDS,
    check_pair,
    length_finding,
    length_ratio,
    uncovered_sentences,
)

HELP = Path("/usr/share/libreoffice/help")


def help_pairs(limit: int, lang: str = "fr") -> list[tuple[str, str]]:
    """(``lang``, English) texts of help elements with the same id on the same page."""
    pairs: list[tuple[str, str]] = []
    for fr_page in sorted((HELP / lang / "text").rglob("*.html")):
        en_page = HELP / "en-US" / fr_page.relative_to(HELP / lang)
        if not en_page.is_file():
            continue
        fr_ids = _by_id(fr_page)
        en_ids = _by_id(en_page)
        for key, fr in fr_ids.items():
            en = en_ids.get(key)
            if en and fr and len(fr) >= 2:
                pairs.append((fr, en))
        if len(pairs) >= limit:
            break
    return pairs[:limit]


def _by_id(page: Path) -> dict[str, str]:
    tree = html.parse(str(page))
    out = {}
    for el in tree.iter("p", "h1", "h2", "h3", "td"):
        key = el.get("id")
        if key and key.startswith(("par_id", "hd_id")):
            out[key] = " ".join(el.text_content().split())
    return out


def percentiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=1000)
    return (f"n={len(values)} p0.5={q[4]:.2f} p1={q[9]:.2f} p5={q[49]:.2f} "
            f"median={statistics.median(values):.2f} p95={q[949]:.2f} p99={q[989]:.2f} "
            f"p99.5={q[994]:.2f}")


def by_length(pairs: list[tuple[str, str]], label: str) -> None:
    """Ratios by source length band; pairs left untranslated (identical) are excluded:
    the French help package keeps some pages in English."""
    for lo, hi in ((1, 20), (20, 60), (60, 150), (150, 10_000)):
        ratios = [length_ratio(s, t) for s, t in pairs
                  if lo <= len(s) < hi and s.split() != t.split()]
        if len(ratios) > 20:
            print(f"{label} source {lo}-{hi} chars: {percentiles(ratios)}")


def flagged(pairs: list[tuple[str, str]], label: str, examples: int = 3,
            src: str = "fr", tgt: str = "en") -> None:
    kinds: Counter[str] = Counter()
    seen: dict[str, list[tuple[str, str, str]]] = {}
    blocks = 0
    for s, t in pairs:
        found = check_pair(s, t, src, tgt)
        blocks += bool(found)
        for issue in found:
            kinds[issue.kind] += 1
            seen.setdefault(issue.kind, []).append((s[:100], t[:100], issue.detail[:100]))
    print(f"{label}: {len(pairs)} pairs, {blocks} flagged; by kind: {dict(kinds)}")
    for kind, items in seen.items():
        for s, t, d in items[:examples]:
            print(f"  e.g. {kind}: {s!r} -> {t!r} ({d})")


def coverage(model_dir: Path, pairs: list[tuple[str, str]], n: int) -> None:
    """Sentence coverage from forced attention: false alarms on the model's own output,
    and detection when one output sentence is removed."""
    from engines.segment import join_segments, split_sentences
    from engines.translate.ct2 import CT2Translator

    multi = [s for s, t in pairs if len(split_sentences(s, "fr")) >= 2
             and s.split() != t.split() and len(s) < 600][:n]
    engine = CT2Translator(model_dir, threads=1)
    outs = engine.translate_batch(multi, "fr", "en")
    alarms = sum(bool(uncovered_sentences(s, "fr", a))
                 for s, a in zip(multi, engine.align(multi, outs, "fr", "en"), strict=True))
    dropped_src, dropped_out = [], []
    for s, o in zip(multi, outs, strict=True):
        segs = split_sentences(o, "en")
        if len(segs) >= 2:
            k = len(segs) // 2
            dropped_src.append(s)
            dropped_out.append(join_segments(segs[:k] + segs[k + 1:],
                                             [x.text for x in segs[:k] + segs[k + 1:]]))
    caught = sum(bool(uncovered_sentences(s, "fr", a)) for s, a in zip(
        dropped_src, engine.align(dropped_src, dropped_out, "fr", "en"), strict=True))
    by_length_caught = sum(bool(length_finding(s, o, "fr", "en"))
                           for s, o in zip(dropped_src, dropped_out, strict=True))
    print(f"coverage: {len(multi)} multi-sentence paragraphs, {alarms} false alarms on the "
          f"model's own output; one sentence removed from {len(dropped_src)}: "
          f"{caught} caught by alignment, {by_length_caught} by the length bounds")
    human = [(s, t) for s, t in pairs if s.split() != t.split()
             and 2 <= len(split_sentences(s, "fr")) == len(split_sentences(t, "en"))
             and engine.fits(s, "fr") and engine.fits(t, "fr")][:n]
    human_alarms = sum(bool(uncovered_sentences(s, "fr", a)) for (s, _), a in zip(
        human, engine.align([s for s, _ in human], [t for _, t in human], "fr", "en"),
        strict=True))
    print(f"coverage on {len(human)} human multi-sentence pairs: {human_alarms} false alarms")


def pipeline_run(model_dir: Path, pairs: list[tuple[str, str]], n: int) -> None:
    """The whole pipeline at its defaults on an in-domain DOCX of ``n`` help paragraphs:
    what the report lists, against a plain independent check (digits, brackets)."""
    import re
    import tempfile

    import docx

    from app.core.config import JobConfig
    from app.document import TranslationStatus
    from app.pipeline.engine_select import translator_factory
    from app.pipeline.job import Job, run

    random.seed(15)
    chosen = random.sample([s for s, t in pairs if len(s) >= 20 and s.split() != t.split()], n)
    folder = Path(tempfile.mkdtemp(prefix="fidelity-"))
    d = docx.Document()
    for text in chosen:
        d.add_paragraph(text)
    d.save(str(folder / "aide.docx"))
    config = JobConfig(input=folder / "aide.docx", target_lang="en", source_lang="fr",
                       engine="ct2", model=str(model_dir), output=folder / "aide.en.docx")
    config.extra["memory"] = "off"
    job = run(Job(config=config, translator_factory=translator_factory))
    fid = job.fidelity or {}
    digits = re.compile(r"\d+")
    oracle = 0
    for b in job.doc.blocks:
        if b.translation.status is not TranslationStatus.TRANSLATED:
            continue
        src, out = b.text, b.translation.text
        if (sorted(digits.findall(src)) != sorted(digits.findall(out))
                or out.count("<") > src.count("<") or out.count(">") > src.count(">")):
            oracle += 1
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in job.timings.items())
    print(f"pipeline, {n} in-domain paragraphs: report ok={fid.get('ok')}, "
          f"{fid.get('damaged')} damaged, kinds {fid.get('issue_kinds')}; "
          f"plain digit/bracket check: {oracle} blocks; stages: {timings}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path)
    ap.add_argument("--limit", type=int, default=4000)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--lang", default="fr", help="the help language paired with English")
    ap.add_argument("--pipeline", type=int, default=0,
                    help="also run the whole pipeline on this many help paragraphs")
    args = ap.parse_args()
    pairs = help_pairs(args.limit, args.lang)
    print(f"bounds in use: {LENGTH_BOUNDS.get((args.lang, 'en'))}")
    by_length(pairs, f"human {args.lang}→en")
    by_length([(t, s) for s, t in pairs], f"human en→{args.lang}")
    flagged(pairs, f"human {args.lang}→en pairs", args.examples, args.lang, "en")
    flagged([(t, s) for s, t in pairs], f"human en→{args.lang} pairs", args.examples, "en",
            args.lang)
    if args.model:
        import ctranslate2
        import sentencepiece as spm

        random.seed(14)
        sample = random.sample([p for p in pairs if len(p[0]) >= 20], args.sample)
        sp = spm.SentencePieceProcessor(model_file=str(args.model / "source.spm"))
        model = ctranslate2.Translator(str(args.model), intra_threads=1)
        toks = [sp.encode(s, out_type=str)[:250] + ["</s>"] for s, _ in sample]
        res = model.translate_batch(toks, beam_size=4, max_decoding_length=256)
        outs = [sp.decode(r.hypotheses[0]) for r in res]
        model_pairs = [(s, o) for (s, _), o in zip(sample, outs, strict=True)]
        by_length(model_pairs, "lohelp")
        flagged(model_pairs, "lohelp output", args.examples)
        coverage(args.model, pairs, args.sample)
        if args.pipeline:
            pipeline_run(args.model, pairs, args.pipeline)


if __name__ == "__main__":
    main()
