"""int8 numerics on both CPU paths: native (AVX-512/VNNI here) against forced AVX2.

The figures behind the int8 tolerances of tests/engines/test_gguf_convert.py and
test_gguf_smollm2.py, and the README's "int8 on AVX2-only CPUs" notes.

Each ISA runs in its own child process (the ISA is fixed when the libraries load):
* ``native``: the CPU's own kernels;
* ``avx2``: ``CT2_FORCE_CPU_ISA=AVX2`` + ``ONEDNN_MAX_CPU_ISA=AVX2``, the kernels of an
  AVX2-only workstation, where oneDNN's u8 x s8 int8 GEMM has no VNNI and sums pairs of
  products in saturating 16-bit registers (``vpmaddubsw``).

Printed per ISA: the ISA oneDNN reports (``ONEDNN_VERBOSE``), then int8 against the float64
reference for the tiny GGUF cases of tests/engines/test_gguf_convert.py and for SmolLM2 on a
few prompts (the figures behind the tests' tolerances), then the product outputs: one fixed
prompt through the demo LLM and one fixed translation through fr-en-lohelp-small, both
through the product's engines, and whether the two ISAs agree.

    .venv/bin/python bench/int8_isa.py            # everything (about 2 minutes)
    .venv/bin/python bench/int8_isa.py --quick    # product outputs only
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ISAS = {
    "native": {},
    "avx2": {"CT2_FORCE_CPU_ISA": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    # AVX-512 without VNNI (Skylake-SP/X): also saturating 16-bit u8 x s8 pairs.
    "avx512-novnni": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"},
}
DEMO_LLM = ROOT / ".cache" / "models" / "smollm2-135m-instruct-demo"
GGUF = ROOT / ".cache" / "downloads" / "SmolLM2-135M-Instruct.Q4_1.gguf"
LOHELP = ROOT.parent / "shared" / "models" / "fr-en-lohelp-small"
LLM_PROMPT = ("Summarize in two sentences: The meeting was moved from Monday to Thursday "
              "because the main hall is being repainted. Lunch will be served at noon, and "
              "the minutes of the last meeting must be read before Thursday.")
FR_TEXT = [
    "Cliquez sur l'onglet Police et choisissez la taille des caractères.",
    "Pour insérer un tableau, choisissez Insertion - Tableau.",
    "Sélectionnez les cellules que vous souhaitez fusionner.",
]
SMOL_PROMPTS = [
    "Write a short poem about the sea.",
    "What is the capital of France?",
    "Give three tips for writing clear emails.",
    "Translate 'good morning' into Spanish.",
]
GREEDY = 20


def _prefix(a: list[int], b: list[int]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _stats(got: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    return {
        "corr": float(np.corrcoef(got.ravel(), ref.ravel())[0, 1]),
        "rel": float(np.abs(got - ref).max() / ref.std()),
        "top1": float((got.argmax(-1) == ref.argmax(-1)).mean()),
    }


def _tiny_cases(tmp: Path) -> dict[str, Any]:
    import ctranslate2

    from engines.gguf import GGUFTokenizer, convert_gguf
    from engines.gguf.reference import ReferenceModel
    from engines.gguf.tiny import write_tiny_gguf
    from tests.engines.test_gguf_convert import CASES, PROMPT

    out: dict[str, Any] = {}
    for name, cfg in sorted(CASES.items()):
        gguf = write_tiny_gguf(tmp / f"{name}.gguf", cfg)
        model = convert_gguf(gguf, tmp / name, quantization="int8")
        tok = GGUFTokenizer(model)
        tokens = tok.encode_chat(PROMPT)
        ids = tok.tokens_to_ids(tokens)
        ref = ReferenceModel(gguf)
        gen = ctranslate2.Generator(str(model), compute_type="int8", intra_threads=1)
        got = np.asarray(gen.forward_batch([tokens]))[0].astype(np.float64)
        greedy = gen.generate_batch([tokens], max_length=GREEDY, sampling_topk=1,
                                    include_prompt_in_result=False, end_token=tok.eos_tokens)
        stats = _stats(got, ref.forward(ids))
        stats["greedy_prefix"] = _prefix(list(greedy[0].sequences_ids[0]),
                                         ref.greedy(ids, GREEDY, tok.eos_token_ids))
        out[name] = stats
    return out


def _smollm2(tmp: Path) -> dict[str, Any]:
    import ctranslate2

    from engines.gguf import GGUFTokenizer, convert_gguf
    from engines.gguf.reference import ReferenceModel

    model = convert_gguf(GGUF, tmp / "smol-int8", quantization="int8")
    tok = GGUFTokenizer(model)
    gen = ctranslate2.Generator(str(model), compute_type="int8", intra_threads=1)
    ref = ReferenceModel(GGUF)
    out: dict[str, Any] = {}
    for prompt in SMOL_PROMPTS:
        tokens = tok.encode_chat([{"role": "user", "content": prompt}])
        ids = tok.tokens_to_ids(tokens)
        ref_logits = ref.forward(ids)
        got = np.asarray(gen.forward_batch([tokens]))[0].astype(np.float64)
        stats = _stats(got, ref_logits)  # top1 over every prompt position
        last = _stats(got[-1], ref_logits[-1])
        stats.update(corr_last=last["corr"], rel_last=last["rel"], top1_last=last["top1"])
        greedy = gen.generate_batch([tokens], max_length=GREEDY, sampling_topk=1,
                                    include_prompt_in_result=False, end_token=tok.eos_tokens)
        stats["greedy_prefix"] = _prefix(list(greedy[0].sequences_ids[0]),
                                         ref.greedy(ids, GREEDY, tok.eos_token_ids))
        out[prompt] = stats
    return out


def _product() -> dict[str, Any]:
    from engines.llm.chat import Message
    from engines.llm.generator import GenerationOptions, LLMEngine
    from engines.translate.ct2 import CT2Translator

    out: dict[str, Any] = {}
    if (DEMO_LLM / "model.bin").is_file():
        llm = LLMEngine(DEMO_LLM, device="cpu", threads=1)
        opts = GenerationOptions(max_new_tokens=64)
        out["llm"] = llm.generate([Message("user", LLM_PROMPT)], opts)
        out["llm_ids"] = llm.tokenizer.encode(out["llm"], add_special_tokens=False)
    if (LOHELP / "model.bin").is_file():
        translator = CT2Translator(LOHELP, device="cpu", threads=1)
        out["mt"] = translator.translate_batch(FR_TEXT, "fr", "en")
    return out


def child(quick: bool) -> None:
    import tempfile

    result: dict[str, Any] = {"product": _product()}
    if not quick:
        with tempfile.TemporaryDirectory() as tmp:
            result["tiny"] = _tiny_cases(Path(tmp))
            if GGUF.is_file():
                result["smollm2"] = _smollm2(Path(tmp))
    print("RESULT " + json.dumps(result), flush=True)


def run_isa(isa: str, quick: bool) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CT2_FORCE_CPU_ISA", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA")}
    env.update(ISAS[isa], ONEDNN_VERBOSE="1", CT2_VERBOSE="1", PYTHONPATH=str(ROOT))
    args = [sys.executable, __file__, "--child"] + (["--quick"] if quick else [])
    proc = subprocess.run(args, env=env, text=True, capture_output=True, cwd=ROOT, check=True)
    lines = (proc.stdout + proc.stderr).splitlines()
    result: dict[str, Any] = json.loads(next(ln[7:] for ln in lines if ln.startswith("RESULT ")))
    result["onednn_isa"] = next((ln.split("isa:", 1)[1] for ln in lines
                                 if ln.startswith("onednn_verbose,info,cpu,isa:")), "?")
    result["ct2_isa"] = next((ln.split("Selected ISA:", 1)[1].strip() for ln in lines
                              if "Selected ISA:" in ln), "?")
    return result


def _range(rows: list[dict[str, float]], key: str) -> str:
    values = [r[key] for r in rows]
    return f"{min(values):.4g}..{max(values):.4g}"


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    if "--child" in sys.argv[1:]:
        child(quick)
        return 0
    results = {isa: run_isa(isa, quick) for isa in ISAS}
    for isa, res in results.items():
        print(f"=== {isa}: CTranslate2 ISA {res['ct2_isa']}, oneDNN ISA {res['onednn_isa']}")
        for group in ("tiny", "smollm2"):
            for name, stats in res.get(group, {}).items():
                figures = ", ".join(f"{k} {v:.4g}" for k, v in stats.items())
                print(f"  {group} {name[:40]!r}: {figures}")
            rows = list(res.get(group, {}).values())
            if rows:
                keys = ", ".join(f"{k} {_range(rows, k)}" for k in rows[0])
                print(f"  {group} range: {keys}")
        product = res["product"]
        if "llm" in product:
            print(f"  demo LLM: {product['llm']!r}")
        for src, hyp in zip(FR_TEXT, product.get("mt", [])):
            print(f"  fr-en: {src!r} -> {hyp!r}")
    native = results["native"]["product"]
    summary = []
    for isa in list(ISAS)[1:]:
        other = results[isa]["product"]
        if "llm" in native:
            same = _prefix(native["llm_ids"], other["llm_ids"])
            summary.append(f"{isa}: demo LLM tokens as native {same}/{len(native['llm_ids'])}")
        if "mt" in native:
            equal = sum(a == b for a, b in zip(native["mt"], other["mt"]))
            summary.append(f"{isa}: fr-en sentences as native {equal}/{len(native['mt'])}")
    print("; ".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
